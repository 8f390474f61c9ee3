"""The verifier: `verify` compares a rewritten program with the original (see autopar.tools.verify's doc)
in steps (the rewrite when none is given, both builds, the runs and their comparison, the speedup,
the race check) and gives a VerificationResult; `make_plan_verifier` runs it on one plan for the
reasoner's feedback loop."""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from autopar.tools.verify.compare import compare_values
from autopar.tools.verify.programs import (DEFAULT_REPEAT, DEFAULT_WARMUP, RUN_TIMEOUT_S, _first_lines, compile_source,
                                     include_beside, source_flags, time_runs)
from autopar.tools.verify.races import race_check
from autopar.tools.verify.results import CompileResult, Comparison, Timing, VerificationResult
from autopar.tools.verify.rewriting import rewrite_with_plans, without_threshold


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
    `tolerance` None follows the floating-point policy (autopar.plans.fppolicy): 1e-6 when reductions may
    reorder floating-point operations, 0 (exact) under the strict policy.
    """
    if tolerance is None:
        from autopar.plans.fppolicy import resolve, tolerance as policy_tolerance

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
            rewritten, race_source = _rewrite(original, flags, workdir, result)
            if rewritten is None:
                return result

        builds = _build_both(original, rewritten, workdir, compiler, [*flags, *beside_original], link_flags,
                             timeout, result)
        if not builds["original"].ok:
            return result

        reference, comparisons = _run_both(builds, thread_counts, run_args, repeat, warmup, timeout, tolerance,
                                           result)
        _record_comparison(result, reference, comparisons)
        _record_speedup(result)

        if check_races and builds["rewritten"].ok:
            defines = race_flags if race_flags is not None else source_flags(flags)
            _record_race_check(result, race_source or rewritten, workdir, [*defines, *beside_original],
                               race_run_args if race_run_args is not None else run_args,
                               max(2, threads), link_flags, timeout)
        return result


def _rewrite(original: str, flags: Sequence[str], workdir: str,
             result: VerificationResult) -> tuple[Optional[str], Optional[str]]:
    """`original` rewritten here with the analyzer's default plans, written into `workdir` and noted
    in `result`: (the rewritten file, the copy without thresholds that the race check builds or None),
    or (None, None) when it cannot be rewritten (result.rewrite_error says why)."""
    made = rewrite_with_plans(original, source_flags(flags))
    if made.error:
        result.rewrite_error = f"cannot rewrite {original}: {made.error}"
        result.errors.append(result.rewrite_error)
        return None, None
    race_source: Optional[str] = None
    rewritten = str(Path(workdir) / (Path(original).stem + ".autopar" + Path(original).suffix))
    Path(rewritten).write_bytes(made.source)
    result.rewritten = rewritten
    result.rewritten_source = made.source.decode("utf-8", "surrogateescape")
    result.parallel_loops, result.tool_latency_s = made.parallel_loops, made.latency_s
    if made.race_check_source is not None and made.race_check_source != made.source:
        race_source = str(Path(workdir) / (Path(original).stem + ".autopar-nothreshold" + Path(original).suffix))
        Path(race_source).write_bytes(made.race_check_source)
    return rewritten, race_source


def _build_both(original: str, rewritten: str, workdir: str, compiler: str, flags: list[str],
                link_flags: Sequence[str], timeout: float, result: VerificationResult) -> dict[str, CompileResult]:
    """Both programs built with the same compiler and `flags`; result.compiled_ok and the errors noted."""
    builds = {}
    for role, source in (("original", original), ("rewritten", rewritten)):
        built = compile_source(source, str(Path(workdir) / f"{role}.exe"), compiler,
                               flags, link_flags=link_flags, timeout=timeout)
        if not built.ok:
            result.errors.append(f"{role} does not compile: {' '.join(built.command)}\n"
                                 + _first_lines(built.stderr, 10))
        builds[role] = built
    result.compiled_ok = all(b.ok for b in builds.values())
    return builds


def _run_both(builds: dict[str, CompileResult], thread_counts: list[int], run_args: Sequence[str], repeat: int,
              warmup: int, timeout: float, tolerance: float,
              result: VerificationResult) -> tuple[Optional[list[str]], list[Comparison]]:
    """Both programs timed at each thread count (the timings noted in `result`): the reference output
    (the original's, at 1 thread) and the comparison of every run of the rewritten program with it."""
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
    return reference, comparisons


def _record_comparison(result: VerificationResult, reference: Optional[list[str]],
                       comparisons: list[Comparison]) -> None:
    if reference is None:
        result.errors.append("the original program did not run, so there is nothing to compare against")
    elif not reference:  # (results on stderr or in a file: two empty outputs prove nothing)
        result.errors.append("the original program prints nothing on standard output, so there is nothing to "
                             "compare: print the results (a `checksum` line)")
    elif comparisons:
        result.output_match = all(c.match for c in comparisons)
        result.max_relative_error = max(c.max_relative_error for c in comparisons)
        result.errors.extend(sorted({c.message for c in comparisons if not c.match}))


def _record_speedup(result: VerificationResult) -> None:
    serial = next((t for t in result.timings_original if t.threads == 1), None)
    best = max(result.timings_rewritten, key=lambda t: t.threads, default=None)
    if serial and best:
        result.speedup, result.speedup_note = _speedup(serial, best)


def _record_race_check(result: VerificationResult, source: str, workdir: str, defines: list[str],
                       run_args: Sequence[str], threads: int, link_flags: Sequence[str], timeout: float) -> None:
    check = race_check(source, workdir, defines, run_args, threads, link_flags=link_flags, timeout=timeout)
    result.race_check = check
    result.race_free = check.race_free
    result.tsan_excerpt = check.excerpt
    if check.error:
        result.errors.append(check.error)


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


def make_plan_verifier(path: str, flags: Sequence[str] = ("-O2",), run_args: Sequence[str] = (),
                       threads: int = 2, tolerance: Optional[float] = None, check_races: bool = True,
                       timeout: float = 60.0):
    """A `Verifier` for autopar.decision.reasoner: (tu, nest, plan) -> problems, empty when the plan verified.

    It applies just that one plan to `path`, then compiles, runs (once per thread count) and
    race-checks the result against the original. Use small sizes in `flags`: it runs on every proposal.
    """
    from autopar.plans.plan import Decision
    from autopar.edit.edits import apply_edits
    from autopar.edit.rewrite import plan_rewrite

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
