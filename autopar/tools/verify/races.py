"""The race check: a source built with clang's ThreadSanitizer and the OpenMP runtime's Archer tool
and run with at least RACE_THREADS threads; gives a RaceCheck (race-free, a race with the first
report's excerpt, or why it could not run)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional, Sequence

from autopar.deps.indexed import MIN_INSPECTED_MACRO
from autopar.tools.verify.programs import RUN_TIMEOUT_S, _first_lines, compile_source, run_program
from autopar.tools.verify.results import RaceCheck

TSAN_EXIT_CODE = 66
# The builds that must run the parallel paths on small inputs (race checks, forced builds): an index
# array's inspection runs whatever the count (autopar.deps.indexed.MIN_INSPECTED)
FORCED_PATH_FLAGS = [f"-D{MIN_INSPECTED_MACRO}=0"]
TSAN_FLAGS = ["-g", "-O1", "-fsanitize=thread", "-fopenmp", *FORCED_PATH_FLAGS]
TSAN_ENV = {"TSAN_OPTIONS": "ignore_noninstrumented_modules=1"}
EXCERPT_LINES = 30


def tsan_available() -> Optional[str]:
    """None when clang can build ThreadSanitizer+OpenMP programs, otherwise why not."""
    if shutil.which("clang") is None:
        return "clang not found (needed for the ThreadSanitizer race check)"
    return None


# With 2 threads TSan+Archer missed a boundary race (`a[i] = a[i+1] + 1`) in some runs; with 4 or
# more it caught it every time, even on 2 cores.
RACE_THREADS = 4


def race_check(source: str, workdir: str, defines: Sequence[str] = (), run_args: Sequence[str] = (),
               threads: int = RACE_THREADS, extra_flags: Sequence[str] = (), link_flags: Sequence[str] = ("-lm",),
               timeout: float = RUN_TIMEOUT_S) -> RaceCheck:
    """Build `source` with clang TSan + Archer and run it with at least RACE_THREADS threads."""
    threads = max(RACE_THREADS, threads)
    missing = tsan_available()
    if missing:
        return RaceCheck(ran=False, threads=threads, error=missing)
    executable = str(Path(workdir) / (Path(source).stem + ".tsan"))
    built = compile_source(source, executable, "clang", [*TSAN_FLAGS, *extra_flags, *defines],
                           openmp=False, link_flags=link_flags, timeout=timeout)
    if not built.ok:
        return RaceCheck(ran=False, threads=threads, command=built.command,
                         error="ThreadSanitizer build failed: " + _first_lines(built.stderr, 5))
    run = run_program(executable, run_args, threads, timeout, extra_env=TSAN_ENV)
    report = _tsan_report(run.stderr)
    if run.returncode == TSAN_EXIT_CODE or report:
        return RaceCheck(ran=True, race_free=False, threads=threads, command=built.command,
                         excerpt=report or _first_lines(run.stderr, EXCERPT_LINES))
    if run.returncode is None:
        return RaceCheck(ran=False, threads=threads, command=built.command,
                         error=f"the ThreadSanitizer build timed out after {timeout:g} s")
    if run.returncode != 0:
        return RaceCheck(ran=False, threads=threads, command=built.command,
                         error=f"the ThreadSanitizer build exited with {run.returncode}: "
                               + _first_lines(run.stderr, 5))
    return RaceCheck(ran=True, race_free=True, threads=threads, command=built.command)


def _tsan_report(stderr: str) -> Optional[str]:
    """The first ThreadSanitizer warning, up to EXCERPT_LINES lines, or None."""
    lines = stderr.splitlines()
    for index, line in enumerate(lines):
        if "WARNING: ThreadSanitizer" in line:
            return "\n".join(lines[index:index + EXCERPT_LINES])
    return None
