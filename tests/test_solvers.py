"""The NAS-style solvers of `benchmarks/solvers/` (several files of old C each) built as a Makefile
builds them, with `CC=autopar-cc`, at a small size: each prints what its serial build prints, at 4
threads; and so does each expert OpenMP version (`omp/`), against which `benchmarks/solvers.py`
measures autopar-cc. The parallel loops the BT-style solver needs (its line solves over shared
static work arrays) are checked in its rewrite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.solvers import HERE, build, run, same  # noqa: E402

SMALL = {"adi": ["-DGRID=12", "-DSTEPS=2"], "bt": ["-DGRID=10", "-DSTEPS=2"], "cg": ["-DNA=2000", "-DNITER=2"],
         "mg": ["-DLT=4", "-DCYCLES=2"], "ep": ["-DM=18"]}
WRAPPER = shutil.which("autopar-cc") or str(Path(sys.executable).with_name("autopar-cc"))


@pytest.mark.parametrize("name", sorted(SMALL))
def test_solvers_print_what_serial_prints(tmp_path, name, monkeypatch):
    monkeypatch.setenv("AUTOPAR_CACHE", "0")
    folder = HERE / name
    serial, autopar, expert = tmp_path / "serial", tmp_path / "autopar", tmp_path / "expert"
    build(folder, ["gcc", *SMALL[name]], serial)
    build(folder, [WRAPPER, *SMALL[name]], autopar)
    build(folder, ["gcc", "-fopenmp", *SMALL[name]], expert, changed=folder / "omp")
    _, expected = run(serial, 1)
    for binary in (autopar, expert):
        _, got = run(binary, 4)
        assert same(expected, got, 1e-9), (binary.name, expected, got)


def test_the_block_solves_run_in_parallel(tmp_path):
    out = tmp_path / "solve.c"
    done = subprocess.run([sys.executable, "-m", "autopar.cli", "rewrite", str(HERE / "bt" / "solve.c"), "-o", str(out),
                           "--", *SMALL["bt"]], capture_output=True, text=True, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert out.read_text().count("lastprivate(fjac, lhs, njac)") == 2
