"""The reports that users and tools read, saved: `analyze --format json`, `check --format sarif` and
`rewrite --export-fixes` YAML of the loop catalogue and the example project, so that a change meant
to move code only is checked byte for byte against them (tests/test_saved_outputs.py).

`python tests/saved_outputs.py --write` saves them again after a change that is meant to alter them
(a new field, a better decision); the diff of the saved files then shows what changed.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAVED = Path(__file__).resolve().parent / "data" / "saved_outputs"
# relative to ROOT, so that the reports name the files the same way on every machine
FILES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "catalogue").glob("*.c*")) + [
    "benchmarks/examples/matmul.c"] + sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "benchmarks" / "examples" / "project").glob("*.c"))
NAMES = ("report.json", "check.sarif", "fixes.yaml")


def produce() -> dict[str, str]:
    """Each saved output as autopar writes it today, with the checkout's absolute path as `ROOT`."""
    from autopar.cli.main import main

    os.environ["AUTOPAR_CALIBRATION"] = "builtin"  # the same cost model on every machine
    previous = os.getcwd()
    os.chdir(ROOT)
    try:
        with tempfile.TemporaryDirectory() as work:
            fixes = os.path.join(work, "fixes.yaml")
            outputs = {
                "report.json": _stdout(main, ["analyze", "--isolated", "-j", "1", "--format", "json", *FILES]),
                "check.sarif": _stdout(main, ["check", "--isolated", "-j", "1", "--format", "sarif",
                                              "--fail-on", "none", *FILES]),
            }
            _stdout(main, ["rewrite", "--isolated", "-j", "1", "--diff", "--export-fixes", fixes, *FILES])
            outputs["fixes.yaml"] = Path(fixes).read_text(encoding="utf-8")
    finally:
        os.chdir(previous)
    return {name: text.replace(str(ROOT), "ROOT") for name, text in outputs.items()}


def _stdout(main, argv: list[str]) -> str:
    captured = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # with a .buffer, as sys.stdout has
    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(io.StringIO()):
        main(argv)
    captured.flush()
    return captured.buffer.getvalue().decode("utf-8")


def saved() -> dict[str, str]:
    return {name: gzip.decompress((SAVED / f"{name}.gz").read_bytes()).decode("utf-8") for name in NAMES}


def write() -> None:
    SAVED.mkdir(parents=True, exist_ok=True)
    for name, text in produce().items():
        # mtime 0: the same text gives the same bytes, so git sees only real changes
        (SAVED / f"{name}.gz").write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/saved_outputs.py --write")
    write()
