"""A program built and run: compile_source builds one source, run_program runs it with a thread
count and reads what it printed (parse_output), time_runs times warm-up and repeated runs and
summarizes them (timing_of, summarize). Also the flags every build shares (source_flags,
include_beside) and where each goes (split_link_flags)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Literal, Optional, Sequence

from autopar.tools.verify.results import CompileResult, ProgramOutput, RunResult, Timing

DEFAULT_REPEAT = 3
DEFAULT_WARMUP = 1
COMPILE_TIMEOUT_S = 180
RUN_TIMEOUT_S = 300


def compile_source(source: str, executable: str, compiler: str = "gcc",
                   flags: Sequence[str] = ("-O3",), openmp: bool = True,
                   link_flags: Sequence[str] = ("-lm",), timeout: float = COMPILE_TIMEOUT_S) -> CompileResult:
    command = [compiler, *flags, *(["-fopenmp"] if openmp and "-fopenmp" not in flags else []),
               "-o", executable, source, *link_flags]
    if shutil.which(compiler) is None:
        return CompileResult(ok=False, command=command, stderr=f"compiler not found: {compiler}")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return CompileResult(ok=False, command=command, stderr=f"compiler timed out after {timeout:g} s")
    ok = done.returncode == 0 and os.path.exists(executable)
    return CompileResult(ok=ok, command=command, executable=executable if ok else None,
                         stderr=done.stderr[-4000:])


def run_program(executable: str, run_args: Sequence[str] = (), threads: int = 1,
                timeout: float = RUN_TIMEOUT_S, extra_env: Optional[dict[str, str]] = None) -> RunResult:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), **(extra_env or {}))
    command = [executable, *run_args]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as expired:
        return RunResult(command=command, threads=threads, returncode=None,
                         wall_s=time.perf_counter() - start,
                         stdout=_text(expired.stdout), stderr=_text(expired.stderr)[-4000:])
    wall = time.perf_counter() - start
    return RunResult(command=command, threads=threads, returncode=done.returncode, wall_s=wall,
                     stdout=done.stdout[-20000:], stderr=done.stderr[-20000:], output=parse_output(done.stdout))


def parse_output(stdout: str) -> ProgramOutput:
    times: list[float] = []
    checksums: list[str] = []
    tokens: list[str] = []
    for line in stdout.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "time_s":
            try:
                times.append(float(words[1]))
            except (IndexError, ValueError):
                pass
            continue
        if words[0] == "checksum":
            checksums.extend(words[1:])
        tokens.extend(words)
    return ProgramOutput(time_s=sum(times) if times else None,
                         values=checksums if checksums else tokens, from_checksum_lines=bool(checksums))


def time_runs(executable: str, run_args: Sequence[str] = (), threads: int = 1, repeat: int = DEFAULT_REPEAT,
              warmup: int = DEFAULT_WARMUP, timeout: float = RUN_TIMEOUT_S,
              budget_s: Optional[float] = None) -> tuple[Optional[Timing], list[RunResult]]:
    """Warm-up runs, then `repeat` timed runs. Stops at the first failed run (its result is last).

    With `budget_s`, a very slow program stops early once its runs together took longer than that,
    and is timed by the runs it had (a warm-up run counts when it was the only one).
    """
    runs: list[RunResult] = []
    spent = 0.0
    for index in range(warmup + repeat):
        result = run_program(executable, run_args, threads, timeout)
        runs.append(result)
        spent += result.wall_s
        if not result.ok:
            return None, runs
        if budget_s is not None and spent > budget_s:
            break
    return timing_of(runs, warmup, threads), runs


def timing_of(runs: Sequence[RunResult], warmup: int, threads: int) -> Timing:
    """The timing of the runs after the `warmup` first ones (the last run, when there are no others):
    by the program's own `time_s` when every run printed one, otherwise by wall-clock time."""
    timed = runs[warmup:] or runs[-1:]
    measure = "program" if all(r.output.time_s is not None for r in timed) else "wall"
    return summarize([r.output.time_s if measure == "program" else r.wall_s for r in timed], threads, measure)


def summarize(seconds: Sequence[float], threads: int, measure: Literal["program", "wall"]) -> Timing:
    ordered = sorted(seconds)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return Timing(threads=threads, median_s=statistics.median(ordered), min_s=ordered[0], max_s=ordered[-1],
                  q1_s=q1, q3_s=q3, runs_s=list(seconds), measure=measure)


def source_flags(flags: Sequence[str]) -> list[str]:
    """The flags that change what the source means (-D, -I, -U, -std), not how it is compiled."""
    return [f for f in flags if f.startswith(("-D", "-I", "-U", "-std"))]


def split_link_flags(flags: Sequence[str]) -> tuple[list[str], list[str]]:
    """Flags as (for the compiler, for the linker): a library, a linker option or an object goes after
    the source, as the linker reads them in order (`gcc -lm x.c` does not link libm for x.c)."""
    linked = [f for f in flags if f.startswith(("-l", "-Wl,")) or f.endswith((".a", ".so", ".o"))]
    return [f for f in flags if f not in linked], linked


def include_beside(original: str) -> list[str]:
    """The flag that lets a copy of `original` written elsewhere find `original`'s own headers."""
    return [f"-I{Path(original).resolve().parent}"]


def _text(data) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def _first_lines(text: str, count: int) -> str:
    return "\n".join(text.strip().splitlines()[:count])
