"""Loops of a snippet as `autopar analyze` reports them, for the tests that judge one function's
nest at a time (the row tables' and carved rows' tests)."""

from __future__ import annotations

from autopar.decision.pipeline import analyze_file


def loops_of(tmp_path, text: str, name: str = "t.c"):
    """The report's loops of `text`, written to `name` under `tmp_path` and analyzed."""
    path = tmp_path / name
    path.write_text(text)
    return analyze_file(str(path)).report.loops


def outer_loop(loops, function: str):
    """The last outermost loop of `function` among `loops`."""
    return [l for l in loops if l.function == function and l.depth == 0][-1]
