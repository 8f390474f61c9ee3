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


def unsafe_pragmas(tmp_path, capsys, text: str, name: str = "u.c") -> list[dict]:
    """The `unsafe-omp-pragma` findings of `autopar check` on `text`, written to `name` under `tmp_path`
    (the run's exit status is 1 when there are any)."""
    import json

    from autopar.cli.main import main
    from autopar.report.check import UNSAFE

    source = tmp_path / name
    source.write_text(text)
    code = main(["check", str(source), "--format", "json"])
    findings = [f for file in json.loads(capsys.readouterr().out)["files"] for f in file["findings"]
                if f["rule"] == UNSAFE]
    assert code == 1 or not findings
    return findings
