"""The dependence stage gives the same answers as the saved snapshot (`tests/deps_snapshot.py`):
every edge (source, sink, kind, carrying loop, distance, exact or conservative, alias pair, reason)
of every loop, and every nest's verdicts, candidates and default, on the catalogue, the kernel suite
and the real and generated files of `tests/data/`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import deps_snapshot  # noqa: E402

SAVED = deps_snapshot.load()
FILES = deps_snapshot.files()


def test_snapshot_covers_every_file():
    assert sorted(SAVED) == sorted(path for path, _ in FILES)
    edges = [e for f in SAVED.values() for g in f["graphs"].values() if isinstance(g, list) for e in g]
    assert len(edges) > 1000
    assert any(e[5] is False for e in edges) and any(e[6] for e in edges)  # conservative and alias edges
    assert any(e[4] not in (None, "*", "1") for e in edges)  # distances other than 1


@pytest.mark.parametrize("path, args", FILES, ids=[Path(p).name for p, _ in FILES])
def test_same_answers_as_snapshot(path, args):
    cwd = os.getcwd()
    os.chdir(deps_snapshot.ROOT)
    try:
        got = deps_snapshot.file_snapshot(path, args)
    finally:
        os.chdir(cwd)
    want = SAVED[path]
    assert got["loops"] == want["loops"]
    for loop_id, edges in want["graphs"].items():
        new = got["graphs"].get(loop_id)
        if new == edges:
            continue
        if isinstance(edges, str) or isinstance(new, str):
            assert new == edges, loop_id
        lost = [e for e in edges if e not in new]
        gained = [e for e in new if e not in edges]
        assert (lost, gained) == ([], []), f"edges of {loop_id} changed"
    assert got["graphs"].keys() == want["graphs"].keys()
    for new, old in zip(got["nests"], want["nests"]):
        assert new == old, old["root_loop_id"]
    assert len(got["nests"]) == len(want["nests"])
