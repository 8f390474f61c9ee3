"""The verifier: is a rewritten program still the same program, and is it any faster?

It compiles the original and the rewritten source with the same compiler and flags (plus -fopenmp),
runs both on the same input with 1 and N threads, and compares what they print:
- lines `checksum <value>` when the program prints any, otherwise every token of its output except
  `time_s` lines; integers must match exactly, floating-point numbers within a relative tolerance,
  because a parallel reduction adds in a different order;
- a race check: the rewritten source built with clang's ThreadSanitizer and the OpenMP runtime's
  Archer tool (`clang -g -O1 -fsanitize=thread -fopenmp`, Debian's libomp loads Archer itself), run
  with `TSAN_OPTIONS=ignore_noninstrumented_modules=1`; exit code 66 or any ThreadSanitizer warning
  fails verification;
- timings: one warm-up run, then the median of k runs with their minimum, maximum and quartiles. A
  program that prints `time_s <seconds>` is timed by that figure (the kernel alone); otherwise by
  the wall-clock time of the whole process.

Both builds and the race check also get `-I <the original's directory>`: a rewritten copy written
elsewhere (a scratch directory, bench's sources/) still finds the original's own headers, such as
the kernels' `harness.h`. When the output differs and a race was found, the race is reported first:
it is the cause, and a race shows up in the output only on some runs.

`verify` returns a `VerificationResult`, which `autopar verify`, `autopar bench` and the reasoner's
feedback loop all read. The pieces (compile, run, compare, race check, time) are public for bench.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Literal, Optional, Sequence

from pydantic import BaseModel, Field

DEFAULT_TOLERANCE = 1e-6
DEFAULT_REPEAT = 3
DEFAULT_WARMUP = 1
COMPILE_TIMEOUT_S = 180
RUN_TIMEOUT_S = 300
TSAN_EXIT_CODE = 66
TSAN_FLAGS = ["-g", "-O1", "-fsanitize=thread", "-fopenmp"]
TSAN_ENV = {"TSAN_OPTIONS": "ignore_noninstrumented_modules=1"}
EXCERPT_LINES = 30


# ------------------------------------------------------------------------------------------- models

class CompileResult(BaseModel):
    ok: bool
    command: list[str]
    executable: Optional[str] = None
    stderr: str = ""


class ProgramOutput(BaseModel):
    """What a run printed, reduced to the parts that are compared and timed."""

    time_s: Optional[float] = None  # the program's own `time_s` line (sum of them, if several)
    values: list[str] = Field(default_factory=list)  # checksum values, or all tokens (see module doc)
    from_checksum_lines: bool = False


class RunResult(BaseModel):
    command: list[str]
    threads: int
    returncode: Optional[int]  # None when it timed out
    wall_s: float
    stdout: str = ""
    stderr: str = ""
    output: ProgramOutput = Field(default_factory=ProgramOutput)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class Timing(BaseModel):
    threads: int
    median_s: float
    min_s: float
    max_s: float
    q1_s: float
    q3_s: float
    runs_s: list[float]
    measure: Literal["program", "wall"]  # the program's own `time_s`, or the process wall time


class Comparison(BaseModel):
    match: bool
    max_relative_error: float = 0.0
    message: str = ""


class RaceCheck(BaseModel):
    ran: bool  # False when it could not be built or run; then race_free is None
    race_free: Optional[bool] = None
    threads: int = 2
    command: list[str] = Field(default_factory=list)
    excerpt: Optional[str] = None  # the first ThreadSanitizer report, shortened
    error: Optional[str] = None


class VerificationResult(BaseModel):
    original: str
    rewritten: str
    compiler: str
    flags: list[str]
    run_args: list[str] = Field(default_factory=list)
    threads: list[int]
    tolerance: float  # relative tolerance used for floating-point values
    compiled_ok: bool = False
    output_match: Optional[bool] = None  # None when nothing could be compared
    max_relative_error: Optional[float] = None
    reference_values: list[str] = Field(default_factory=list)  # the original's output, 1 thread
    race_free: Optional[bool] = None  # None when the race check did not run
    race_check: Optional[RaceCheck] = None
    tsan_excerpt: Optional[str] = None
    timings_original: list[Timing] = Field(default_factory=list)
    timings_rewritten: list[Timing] = Field(default_factory=list)
    speedup: Optional[float] = None  # original at 1 thread / rewritten at the most threads
    speedup_note: Optional[str] = None  # why there is no speedup although both programs ran
    parallel_loops: Optional[int] = None  # pragmas the rewrite inserted, when verify made the rewrite
    tool_latency_s: Optional[float] = None  # time to analyze and rewrite, when verify made the rewrite
    rewritten_source: Optional[str] = None  # the rewrite's text, when verify made it
    rewrite_error: Optional[str] = None  # verify was asked to make the rewrite and could not
    errors: list[str] = Field(default_factory=list)

    @property
    def verified(self) -> bool:
        """Correct as far as the checks can tell: same output, and no race found where one was sought."""
        return self.compiled_ok and self.output_match is True and self.race_free is not False

    def summary(self) -> str:
        if self.rewrite_error:
            return f"FAILED: {self.rewrite_error}"
        if not self.compiled_ok:
            return "FAILED: does not compile"
        if self.race_free is False:  # before the output: a race is the cause, and shows in the output only at times
            also = " (and the output differs)" if self.output_match is False else ""
            return "FAILED: data race found by ThreadSanitizer" + also
        if self.output_match is False:
            return f"FAILED: output differs (max relative error {self.max_relative_error:.3g})"
        if self.output_match is None:
            return "FAILED: " + (self.errors[0] if self.errors else "nothing to compare")
        race = "race-free" if self.race_free else "race check not run"
        return f"verified: output matches (tolerance {self.tolerance:g}), {race}"


# --------------------------------------------------------------------------------------- the pieces

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


_INTEGER = re.compile(r"[+-]?\d+")


def compare_values(expected: Sequence[str], got: Sequence[str], tolerance: float = DEFAULT_TOLERANCE) -> Comparison:
    """Integers exactly, floating-point numbers within `tolerance` (relative), anything else as text."""
    if len(expected) != len(got):
        return Comparison(match=False, max_relative_error=math.inf,
                          message=f"expected {len(expected)} values, got {len(got)}")
    worst = 0.0
    for position, (want, have) in enumerate(zip(expected, got)):
        if _INTEGER.fullmatch(want) and _INTEGER.fullmatch(have):
            if int(want) != int(have):
                return Comparison(match=False, max_relative_error=_relative(float(want), float(have)),
                                  message=f"value {position + 1}: expected {want}, got {have} (integers must match)")
            continue
        a, b = _as_float(want), _as_float(have)
        if a is None or b is None:
            if want != have:
                return Comparison(match=False, max_relative_error=math.inf,
                                  message=f"value {position + 1}: expected {want!r}, got {have!r}")
            continue
        if math.isnan(a) or math.isnan(b):
            if not (math.isnan(a) and math.isnan(b)):
                return Comparison(match=False, max_relative_error=math.inf,
                                  message=f"value {position + 1}: expected {want}, got {have}")
            continue
        error = _relative(a, b)
        worst = max(worst, error)
        if error > tolerance:
            return Comparison(match=False, max_relative_error=error,
                              message=f"value {position + 1}: expected {want}, got {have} "
                                      f"(relative error {error:.3g} > {tolerance:g})")
    return Comparison(match=True, max_relative_error=worst)


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


# ------------------------------------------------------------------------------------ the rewrite

class Rewritten(BaseModel):
    source: bytes
    # the same rewrite without the work-threshold if() parts, so that a race check at a small size
    # runs the parallel code that a large input would run (the alias checks stay)
    race_check_source: Optional[bytes] = None
    parallel_loops: int  # pragmas inserted
    latency_s: float  # analysis + rewrite, wall-clock
    decided_by: dict[str, int] = Field(default_factory=dict)  # nests per decider: analyzer, model, fallback
    error: Optional[str] = None  # the analysis failed; `source` is then the original


def rewrite_with_plans(path: str, compile_args: Sequence[str] = (), reasoner=None, optimize: bool = False,
                       whole_program: Optional[bool] = None) -> Rewritten:
    """`path` rewritten with the analyzer's default plans (or a reasoner's choices), exactly as
    `autopar rewrite` does it (autopar.transform), plus the copy without work thresholds.
    With `optimize`, as `autopar rewrite --optimize` does it (restructured nests); `whole_program`
    as `--whole-program` (default: $AUTOPAR_WHOLE_PROGRAM)."""
    from autopar.edits import apply_edits
    from autopar.rewrite import plan_rewrite
    from autopar.transform import transform_file

    start = time.perf_counter()
    try:
        made = transform_file(path, list(compile_args), reasoner=reasoner, optimize=optimize,
                              whole_program=whole_program)
    except Exception as error:  # a crash in the analysis is a result to record, not the end of a bench run
        return Rewritten(source=Path(path).read_bytes(), parallel_loops=0, latency_s=time.perf_counter() - start,
                         error=f"the analysis crashed: {type(error).__name__}: {error}")
    analysis = made.analysis
    if made.failed or analysis is None or analysis.tu is None:
        return Rewritten(source=made.source, parallel_loops=0, latency_s=time.perf_counter() - start,
                         error=made.report.error or "the file has errors")
    forced = [d.model_copy(update={"plan": without_threshold(d.plan)}) if d.plan else d for d in analysis.decisions]
    forced_edits = plan_rewrite(made.source, analysis.tu, forced, share_regions=not optimize).edits
    if optimize:
        from autopar.restructure.apply import restructure_edits

        forced_edits, _ = restructure_edits(made.source, analysis.tu, forced_edits)
    race_check_source = apply_edits(made.source, forced_edits)
    deciders: dict[str, int] = {}
    for decision in analysis.decisions:
        deciders[decision.decided_by] = deciders.get(decision.decided_by, 0) + 1
    return Rewritten(source=made.rewritten, race_check_source=race_check_source, parallel_loops=made.parallel_loops,
                     latency_s=time.perf_counter() - start, decided_by=deciders)


def without_threshold(plan):
    """The plan as a race check builds it: without its work threshold, so that the parallel path runs
    even on a small test input. (Its fallback's path then runs only where the plan's runtime check
    fails; the fallback is a candidate of its own, which the catalogue and the tuner race-check
    alone.) An offload plan is checked as the host's `parallel for` it is without a device:
    ThreadSanitizer cannot run a target region."""
    from autopar.plan import Directive

    if plan.directive == Directive.TARGET:
        plan = plan.model_copy(update={"directive": Directive.PARALLEL_FOR, "maps": [], "offload_condition": None})
    if plan.fallback is not None:
        plan = plan.model_copy(update={"fallback": without_threshold(plan.fallback)})
    return plan.model_copy(update={"threshold_check": None, "startup_work": None}) if plan.threshold_check else plan


# ------------------------------------------------------------------------------------- the verifier

def verify(original: str, rewritten: Optional[str] = None, *, compiler: str = "gcc",
           flags: Sequence[str] = ("-O3",), link_flags: Sequence[str] = ("-lm",),
           run_args: Sequence[str] = (), threads: int = 2, tolerance: Optional[float] = None,
           repeat: int = DEFAULT_REPEAT, warmup: int = DEFAULT_WARMUP, check_races: bool = True,
           race_flags: Optional[Sequence[str]] = None, race_run_args: Optional[Sequence[str]] = None,
           workdir: Optional[str] = None, timeout: float = RUN_TIMEOUT_S) -> VerificationResult:
    """Verify `rewritten` against `original` (see the module doc).

    `flags` are the compile flags of both builds (-D, -I, -O...). Without `rewritten`, `original` is
    rewritten here with the analyzer's default plans. The race check builds with the -D/-I/-U flags of
    `flags` unless `race_flags` gives others (a smaller size, say), and runs with `race_run_args`.
    Every build also searches the original's directory for headers (see the module doc).
    `tolerance` None follows the floating-point policy (autopar.fppolicy): 1e-6 when reductions may
    reorder floating-point operations, 0 (exact) under the strict policy.
    """
    if tolerance is None:
        from autopar.fppolicy import resolve, tolerance as policy_tolerance

        tolerance = policy_tolerance(resolve(flags))
    thread_counts = sorted({1, max(1, threads)})
    beside_original = include_beside(original)
    race_source: Optional[str] = None  # what the race check builds, when not `rewritten` itself
    with tempfile.TemporaryDirectory(prefix="autopar-verify-") as scratch:
        workdir = workdir or scratch
        os.makedirs(workdir, exist_ok=True)
        result = VerificationResult(original=original, rewritten=rewritten or "", compiler=compiler,
                                    flags=list(flags), run_args=list(run_args), threads=thread_counts,
                                    tolerance=tolerance)
        if rewritten is None:
            made = rewrite_with_plans(original, source_flags(flags))
            if made.error:
                result.rewrite_error = f"cannot rewrite {original}: {made.error}"
                result.errors.append(result.rewrite_error)
                return result
            rewritten = str(Path(workdir) / (Path(original).stem + ".autopar" + Path(original).suffix))
            Path(rewritten).write_bytes(made.source)
            result.rewritten = rewritten
            result.rewritten_source = made.source.decode("utf-8", "surrogateescape")
            result.parallel_loops, result.tool_latency_s = made.parallel_loops, made.latency_s
            if made.race_check_source is not None and made.race_check_source != made.source:
                race_source = str(Path(workdir) / (Path(original).stem + ".autopar-nothreshold" + Path(original).suffix))
                Path(race_source).write_bytes(made.race_check_source)

        builds = {}
        for role, source in (("original", original), ("rewritten", rewritten)):
            built = compile_source(source, str(Path(workdir) / f"{role}.exe"), compiler,
                                   [*flags, *beside_original], link_flags=link_flags, timeout=timeout)
            if not built.ok:
                result.errors.append(f"{role} does not compile: {' '.join(built.command)}\n"
                                     + _first_lines(built.stderr, 10))
            builds[role] = built
        result.compiled_ok = all(b.ok for b in builds.values())
        if not builds["original"].ok:
            return result

        reference: Optional[list[str]] = None
        comparisons: list[Comparison] = []
        for role in ("original", "rewritten"):
            if not builds[role].ok:
                continue
            for count in thread_counts:
                timing, runs = time_runs(builds[role].executable, run_args, count, repeat, warmup, timeout)
                if timing is None:
                    last = runs[-1]
                    why = "timed out" if last.returncode is None else f"exited with {last.returncode}"
                    result.errors.append(f"{role} with {count} thread(s) {why}: " + _first_lines(last.stderr, 5))
                    if role == "rewritten":
                        comparisons.append(Comparison(match=False, max_relative_error=math.inf,
                                                      message=f"the rewritten program {why}"))
                    continue
                (result.timings_original if role == "original" else result.timings_rewritten).append(timing)
                if reference is None:  # the original at 1 thread defines the expected output
                    reference = runs[-1].output.values
                    result.reference_values = reference
                if role == "rewritten":
                    comparisons.extend(compare_values(reference, r.output.values, tolerance) for r in runs)
        if reference is None:
            result.errors.append("the original program did not run, so there is nothing to compare against")
        elif comparisons:
            result.output_match = all(c.match for c in comparisons)
            result.max_relative_error = max(c.max_relative_error for c in comparisons)
            result.errors.extend(sorted({c.message for c in comparisons if not c.match}))

        serial = next((t for t in result.timings_original if t.threads == 1), None)
        best = max(result.timings_rewritten, key=lambda t: t.threads, default=None)
        if serial and best:
            result.speedup, result.speedup_note = _speedup(serial, best)

        if check_races and builds["rewritten"].ok:
            defines = race_flags if race_flags is not None else source_flags(flags)
            check = race_check(race_source or rewritten, workdir, [*defines, *beside_original],
                               race_run_args if race_run_args is not None else run_args,
                               max(2, threads), link_flags=link_flags, timeout=timeout)
            result.race_check = check
            result.race_free = check.race_free
            result.tsan_excerpt = check.excerpt
            if check.error:
                result.errors.append(check.error)
        return result


# ------------------------------------------------------------------------------------------ helpers

# Runs shorter than this are start-up and timer noise: their ratio is no speedup (a program that
# prints `time_s 0.000` for both, or 2 ms against 40 ms of thread start-up, said "0.00x" before).
MIN_TIMED_S = 0.01


def _speedup(serial: Timing, best: Timing) -> tuple[Optional[float], Optional[str]]:
    if serial.measure != best.measure:
        return None, (f"not comparable: the original was timed by {serial.measure} time, "
                      f"the rewritten program by {best.measure} time")
    shortest = min(serial.median_s, best.median_s)
    if shortest < MIN_TIMED_S:
        return None, (f"not measured: the runs are too short to time (median {shortest * 1000:.2g} ms, "
                      f"under {MIN_TIMED_S * 1000:g} ms); run a larger problem (-D..., --run-args)")
    return serial.median_s / best.median_s, None



def source_flags(flags: Sequence[str]) -> list[str]:
    """The flags that change what the source means (-D, -I, -U, -std), not how it is compiled."""
    return [f for f in flags if f.startswith(("-D", "-I", "-U", "-std"))]


def include_beside(original: str) -> list[str]:
    """The flag that lets a copy of `original` written elsewhere find `original`'s own headers."""
    return [f"-I{Path(original).resolve().parent}"]


def _relative(a: float, b: float) -> float:
    if a == b:
        return 0.0
    if math.isinf(a) or math.isinf(b):
        return math.inf
    return abs(a - b) / max(abs(a), abs(b))


def _as_float(text: str) -> Optional[float]:
    try:
        return float(text)
    except ValueError:
        return None


def _text(data) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def _first_lines(text: str, count: int) -> str:
    return "\n".join(text.strip().splitlines()[:count])


def _tsan_report(stderr: str) -> Optional[str]:
    """The first ThreadSanitizer warning, up to EXCERPT_LINES lines, or None."""
    lines = stderr.splitlines()
    for index, line in enumerate(lines):
        if "WARNING: ThreadSanitizer" in line:
            return "\n".join(lines[index:index + EXCERPT_LINES])
    return None


# ------------------------------------------------------------------- for the reasoner's feedback loop

def make_plan_verifier(path: str, flags: Sequence[str] = ("-O2",), run_args: Sequence[str] = (),
                       threads: int = 2, tolerance: Optional[float] = None, check_races: bool = True,
                       timeout: float = 60.0):
    """A `Verifier` for autopar.reasoner: (tu, nest, plan) -> problems, empty when the plan verified.

    It applies just that one plan to `path`, then compiles, runs (once per thread count) and
    race-checks the result against the original. Use small sizes in `flags`: it runs on every proposal.
    """
    from autopar.plan import Decision
    from autopar.edits import apply_edits
    from autopar.rewrite import plan_rewrite

    original = Path(path).read_bytes()

    def check(tu, nest, plan) -> list[str]:
        # Without its threshold, so that the small test input runs the parallel code.
        planned = plan_rewrite(original, tu, [Decision(root_loop_id=nest.root_loop_id, plan=without_threshold(plan))])
        if planned.skipped:
            return [f"cannot apply the plan: {why}" for why in planned.skipped.values()]
        with tempfile.TemporaryDirectory(prefix="autopar-plan-") as scratch:
            candidate = Path(scratch) / Path(path).name
            candidate.write_bytes(apply_edits(original, planned.edits))
            result = verify(path, str(candidate), flags=flags, run_args=run_args, threads=threads,
                            tolerance=tolerance, repeat=1, warmup=0, check_races=check_races,
                            workdir=scratch, timeout=timeout)
        if result.verified:
            return []
        return [result.summary(), *result.errors[:2]]

    return check
