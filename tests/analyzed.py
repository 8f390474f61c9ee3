"""Loops of a snippet as `autopar analyze` reports them, for the tests that judge one function's
nest at a time (the row tables' and carved rows' tests); `check`'s unsafe pragmas of a snippet; and
a snippet's rewrite built and run against the original."""

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


def rewrite_prints_as_serial(tmp_path, text: str, defines: tuple[str, ...] = (), gcc_flags: tuple[str, ...] = (),
                             name: str = "p.c"):
    """`autopar rewrite` of `text` (written to `name`) succeeds, and the rewrite built with gcc -O2
    -fopenmp prints what the original built serially prints, at 4 threads. The rewrite's path."""
    import subprocess

    from autopar.cli.main import main

    source = tmp_path / name
    rewritten = source.with_name(f"{source.stem}_omp{source.suffix}")
    source.write_text(text)
    assert main(["rewrite", str(source), "-o", str(rewritten), "-q", *defines]) == 0
    outputs = set()
    for build, path, flags in (("serial", source, []), ("parallel", rewritten, ["-fopenmp"])):
        subprocess.run(["gcc", "-O2", *gcc_flags, *flags, *defines, str(path), "-o", str(tmp_path / build)], check=True)
        outputs.add(subprocess.run([str(tmp_path / build)], capture_output=True, text=True, check=True,
                                   env={"OMP_NUM_THREADS": "4"}).stdout)
    assert len(outputs) == 1, outputs
    return rewritten
