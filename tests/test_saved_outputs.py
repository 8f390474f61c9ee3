"""The JSON report, SARIF and fixes YAML of the catalogue and the example project are byte for byte
those saved in tests/data/saved_outputs (see tests/saved_outputs.py to save them again)."""

from __future__ import annotations

import difflib

import pytest

from saved_outputs import NAMES, produce, saved


@pytest.fixture(scope="module")
def outputs():
    return produce(), saved()


@pytest.mark.parametrize("name", NAMES)
def test_output_is_byte_identical_to_the_saved_one(outputs, name):
    now, before = outputs
    if now[name] != before[name]:
        diff = difflib.unified_diff(before[name].splitlines(), now[name].splitlines(), "saved", "now", lineterm="", n=2)
        pytest.fail(f"{name} differs from tests/data/saved_outputs/{name}.gz:\n" + "\n".join(list(diff)[:60]))
