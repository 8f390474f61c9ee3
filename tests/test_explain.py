"""autopar explain FILE:LINE on real files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autopar.cli.main import main

MATMUL = Path(__file__).resolve().parent.parent / "benchmarks" / "examples" / "matmul.c"

PREFIX = """void prefix(int n, double *restrict out, const double *restrict in) {
    out[0] = in[0];
    for (int i = 1; i < n; i++)
        out[i] = out[i - 1] + in[i];
}
"""


@pytest.fixture
def prefix_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.c").write_text(PREFIX)
    return tmp_path / "p.c"


def test_explains_a_serial_loop_with_its_dependence(prefix_file, capsys):
    assert main(["explain", "p.c:3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("loop p.c:3:5 in prefix(): for (i = 1; i < n; i += 1)")
    assert "write  out[i]" in out and "read   out[i - 1]" in out
    assert "dependence graph: p.c.3.dot" in out
    dot = (prefix_file.parent / "p.c.3.dot").read_text()
    assert dot.startswith("digraph") and "out[i]" in dot
    if shutil.which("dot"):
        assert (prefix_file.parent / "p.c.3.png").read_bytes()[:4] == b"\x89PNG"


def test_a_line_inside_the_body_picks_the_innermost_loop(prefix_file, capsys):
    assert main(["explain", "p.c:4", "--dot", "g.dot", "--no-png"]) == 0
    assert "loop p.c:3:5" in capsys.readouterr().out
    assert (prefix_file.parent / "g.dot").exists() and not (prefix_file.parent / "g.png").exists()


def test_bad_locations(prefix_file, capsys):
    assert main(["explain", "p.c"]) == 2
    assert main(["explain", "nope.c:3"]) == 2
    assert main(["explain", "p.c:1"]) == 1
    assert "no for loop at p.c:1 (loops start on lines: 3)" in capsys.readouterr().err


@pytest.mark.slow
def test_dependence_and_candidates_are_explained(prefix_file, capsys):
    """Needs the dependence analysis."""
    assert main(["explain", "p.c:3", "--no-png"]) == 0
    out = capsys.readouterr().out
    assert "flow, carried by p.c:3:5, distance 1" in out
    assert "candidates (0):" in out
    assert "result: this loop stays as it is" in out


@pytest.mark.slow
def test_matmul_outer_loop_wins(tmp_path, monkeypatch, capsys):
    """Needs the dependence analysis: the chosen candidate of the matmul nest is on the outer loop."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(MATMUL, tmp_path / "matmul.c")
    assert main(["explain", "matmul.c:19", "--no-png"]) == 0
    out = capsys.readouterr().out
    assert "(analyzer's default): on matmul.c:19:5: #pragma omp parallel for" in out
    assert "why the default:" in out
    assert "result: this loop gets `#pragma omp parallel for" in out


def test_scalar_classes_agree_with_the_verdict(tmp_path, monkeypatch, capsys):
    """A global written on some paths only cannot be lastprivate: explain must say it blocks the loop,
    as the verdict does, not call it private; a local of that kind is conditional lastprivate."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "last.c").write_text(
        "double last;\n"
        "double last_positive(const double *a, int n) {\n"
        "    for (int i = 0; i < n; i++)\n"
        "        if (a[i] > 0) last = a[i];\n"
        "    double mine = 0;\n"
        "    for (int i = 0; i < n; i++)\n"
        "        if (a[i] < 0) mine = a[i];\n"
        "    return last + mine;\n"
        "}\n")
    assert main(["explain", "last.c:3", "--no-png"]) == 0
    out = capsys.readouterr().out
    assert "last: blocks the loop: scalar last is live after the loop and not lastprivate-able" in out
    assert "n: read only: shared" in out
    assert main(["explain", "last.c:6", "--no-png"]) == 0
    out = capsys.readouterr().out
    assert "mine: assigned in some iterations before any read, used after the loop: lastprivate(conditional)" in out
