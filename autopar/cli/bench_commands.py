"""The `verify` and `bench` commands: argument parsing and printing over autopar.tools.verify and autopar.tools.bench.

Exit codes (the table in autopar/cli/main.py and the README): 0 verified (bench: the run completed),
1 verification failed (bench: some autopar result did not verify), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# autopar.tools.verify's defaults, written out: building the CLI's parser must not import the verifier
# (pydantic models and all) on every run. tests/test_verify.py checks that they agree.
DEFAULT_REPEAT = 3
DEFAULT_TOLERANCE = 1e-6

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


# ----------------------------------------------------------------------------------------------- verify

def add_verify(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from autopar.cli.cli_common import shell_words

    p = sub.add_parser("verify", help="compile, run, compare and race-check a rewritten program against the original",
                       description="Compile FILE and its rewritten version with the same compiler and flags "
                                   "(plus -fopenmp), run both with 1 and N threads, compare their checksums, "
                                   "race-check the rewritten one with ThreadSanitizer+Archer, and time both. "
                                   "Compile flags (-D, -I, -O...) may follow FILE or `--`.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--rewritten", metavar="FILE2",
                   help="the parallel version; default: FILE rewritten with autopar's default plans")
    p.add_argument("-o", "--output", metavar="FILE2", help="without --rewritten: keep the rewritten source here")
    p.add_argument("--run-args", default=[], type=shell_words, metavar="ARGS", help="arguments for both programs (one string)")
    p.add_argument("--threads", type=int, default=2, metavar="N", help="threads of the parallel runs (default 2)")
    p.add_argument("--tolerance", type=float, default=None, metavar="R",
                   help=f"relative tolerance for floating-point values (default {DEFAULT_TOLERANCE:g}; "
                        "0 under the strict floating-point policy)")
    p.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, metavar="K", help="timed runs per build")
    p.add_argument("--compiler", default="gcc", help="compiler of both builds (default gcc)")
    p.add_argument("--race-defines", default=None, type=shell_words, metavar="FLAGS",
                   help="-D flags for the race-check build instead of the given ones (e.g. a smaller size)")
    p.add_argument("--no-race-check", action="store_true", help="skip the ThreadSanitizer race check")
    p.add_argument("--format", choices=["text", "json"], default="text")
    from autopar.cli.cli_common import add_fp_option, add_program_option

    add_fp_option(p)
    add_program_option(p)
    return p


def run_verify(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.tools.verify import verify

    from autopar.inputs import not_a_file

    for path in (args.file, args.rewritten):
        if path is not None and (problem := not_a_file(path)):
            print(f"autopar verify: {problem}", file=sys.stderr)
            return EXIT_USAGE
    if args.output:
        from autopar.cli.cli_common import check_output_path

        check_output_path(args.output, "-o", "autopar verify", stdout_allowed=False)
    if args.threads < 1 or args.repeat < 1 or (args.tolerance is not None and args.tolerance < 0):
        print("autopar verify: --threads and --repeat must be at least 1, --tolerance not negative", file=sys.stderr)
        return EXIT_USAGE
    flags = list(compile_flags)
    if not any(f.startswith("-O") for f in flags):
        flags.insert(0, "-O3")
    result = verify(args.file, args.rewritten, compiler=args.compiler, flags=flags,
                    run_args=args.run_args, threads=args.threads, tolerance=args.tolerance,
                    repeat=args.repeat, check_races=not args.no_race_check,
                    race_flags=args.race_defines)
    late_failure = None
    if args.output and args.rewritten is None and result.rewritten_source is not None:
        try:
            with open(args.output, "w", encoding="utf-8", errors="surrogateescape") as out:
                out.write(result.rewritten_source)
            result.rewritten = args.output
        except OSError as error:
            late_failure = f"autopar verify: -o {args.output}: cannot write: {error.strerror or error}"
            result.rewritten = ""
    elif args.rewritten is None:
        # the rewrite lived in a temporary folder that is gone now: do not name it
        result.rewritten = ""
    if args.format == "json":
        print(result.model_dump_json(indent=2, exclude={"rewritten_source"}))
    else:
        _print_verification(result)
    if late_failure:
        print(late_failure, file=sys.stderr)
        return EXIT_FAILED if not result.verified else 3  # verified, but the copy was not kept
    return EXIT_OK if result.verified else EXIT_FAILED


def _print_verification(result) -> None:
    if result.parallel_loops is None:
        what = result.rewritten
    elif result.rewritten:
        what = f"{result.original} rewritten with autopar's default plans (kept as {result.rewritten})"
    else:  # made in a temporary folder that is gone by now
        what = f"{result.original} rewritten with autopar's default plans (not kept; -o FILE2 keeps it)"
    print(f"{what} against {result.original} ({result.compiler} {' '.join(result.flags)} -fopenmp)")
    if result.parallel_loops is not None:
        print(f"  rewrite: {result.parallel_loops} pragma(s) inserted in {result.tool_latency_s:.2f} s")
    for label, timings in (("original", result.timings_original), ("rewritten", result.timings_rewritten)):
        for t in timings:
            print(f"  {label:9} {t.threads} thread(s): median {t.median_s:.4f} s "
                  f"(min {t.min_s:.4f}, max {t.max_s:.4f}, {len(t.runs_s)} runs, {t.measure} time)")
    if result.speedup is not None:
        slower = " (slower than the original)" if result.speedup < 1 else ""
        print(f"  speedup: {result.speedup:.3g}x{slower}")
    elif result.speedup_note:
        print(f"  speedup: {result.speedup_note}")
    if result.max_relative_error is not None:
        print(f"  max relative error: {result.max_relative_error:.3g} (tolerance {result.tolerance:g})")
    race = {True: "race-free", False: "RACE", None: "not checked"}[result.race_free]
    print(f"  race check: {race}")
    if result.tsan_excerpt:
        print("    " + "\n    ".join(result.tsan_excerpt.splitlines()[:12]))
    for error in result.errors:
        print("  error: " + error.replace("\n", "\n    "))
    print(result.summary())


# ------------------------------------------------------------------------------------------------ bench

def add_bench(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("bench", help="run the kernel suite: serial, gcc, Polly, hand-written OpenMP and autopar",
                       description="Time and verify every kernel of benchmarks/kernels.yaml under each "
                                   "configuration and write results.json, results.md and plots to --out.")
    p.add_argument("--suite", choices=["kernels", "affine"], default="kernels",
                   help="the paper's kernels (benchmarks/kernels.yaml) or the affine restructuring suite "
                        "(benchmarks/affine.yaml: serial, gcc-autopar, polly, autopar, autopar-optimize)")
    p.add_argument("--kernels", default=None, help="comma-separated kernel names (default: all)")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    p.add_argument("--sizes", default="medium", help="comma-separated of tiny,small,medium,large (default medium; tiny only for the kernels that define it)")
    p.add_argument("--configs", default=None,
                   help="comma-separated of serial,gcc-autopar,polly,reference,autopar (default: all)")
    p.add_argument("--llm", action="store_true", help="also rewrite with the LLM reasoner")
    p.add_argument("--models", default="smollm2-135m", help="comma-separated models for --llm")
    p.add_argument("--strategies", default="zero_shot", help="comma-separated prompt strategies for --llm")
    p.add_argument("--out", default="bench-results", metavar="DIR", help="output folder (default bench-results)")
    p.add_argument("--repeat", type=int, default=3, metavar="K", help="timed runs per measurement (default 3)")
    p.add_argument("--warmup", type=int, default=1, help="warm-up runs before timing (default 1)")
    p.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="R",
                   help=f"relative tolerance for floating-point checksums (default {DEFAULT_TOLERANCE:g})")
    p.add_argument("--omp-wait-policy", choices=["passive", "active", "default"], default="default",
                   help="OMP_WAIT_POLICY of every run (default: the runtime's own; passive is more robust on a "
                        "machine shared with other work)")
    # its own name: `target` would reach the analysis of every configuration (command_environment)
    p.add_argument("--target", dest="bench_target", choices=["cpu", "gpu"], default="cpu",
                   help="gpu: also the autopar-gpu configuration (the --target gpu offload plans, run with "
                        "OMP_TARGET_OFFLOAD=MANDATORY), recorded as unavailable where gcc sees no device")
    p.add_argument("--bundle", action="store_true",
                   help="build and race-check here, time nothing: --out becomes a bundle to time on another "
                        "machine with `python3 OUT/run.py` (no autopar needed there), then --from-bundle")
    p.add_argument("--from-bundle", metavar="DIR",
                   help="judge the runs that DIR/run.py made (outputs, speedups) and write the report to --out")
    p.add_argument("--no-race-check", action="store_true", help="skip the ThreadSanitizer race checks")
    p.add_argument("--no-plots", action="store_true")
    return p


def run_bench(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from autopar.tools import bench
    from autopar.report.output import console as styled_console

    if compile_flags:
        print(f"autopar bench: unexpected arguments: {' '.join(compile_flags)}", file=sys.stderr)
        return EXIT_USAGE
    try:  # the output folder, before any work
        os.makedirs(args.out, exist_ok=True)
        if not os.access(args.out, os.W_OK | os.X_OK):
            raise PermissionError(13, "not writable")
    except OSError as error:
        print(f"autopar bench: --out {args.out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    if getattr(args, "from_bundle", None):
        try:
            results = bench.judge_bundle(Path(args.from_bundle))
        except bench.BenchError as error:
            print(f"autopar bench: {error}", file=sys.stderr)
            return EXIT_USAGE
        (Path(args.out) / "results.json").write_text(results.model_dump_json(indent=2))
        return _report(results, args)
    try:
        threads = bench.parse_threads(args.threads)
        sizes = bench.split_list(args.sizes)
        kernels = bench.split_list(args.kernels) or None
        models = bench.split_list(args.models) if args.llm else []
        strategies = bench.split_list(args.strategies) if args.llm else []
        if args.repeat < 1 or args.warmup < 0:
            raise bench.BenchError("--repeat must be at least 1 and --warmup not negative")
        configs = bench.split_list(args.configs) or None
        if args.bench_target == "gpu":
            configs = [*(configs or bench.BASE_CONFIGS), "autopar-gpu"]
        suite_file = bench.SUITE_FILES[getattr(args, "suite", "kernels")]
        suite = bench.load_suite(suite_file)
        count = len(kernels) if kernels else len(suite.kernels)
        base = len(set(configs or suite.default_configs or bench.BASE_CONFIGS) | {"serial"})
        total = bench.count_steps(count, len(sizes), threads, base + len(models) * len(strategies),
                                  at_one_count=int("autopar-gpu" in (configs or ())))
        console = styled_console(sys.stderr)  # --color, NO_COLOR, FORCE_COLOR
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, disable=not console.is_terminal, transient=True) as progress:
            task = progress.add_task("bench", total=total)

            def tick(label: str, steps: int) -> None:
                progress.update(task, description=label[:60])
                progress.advance(task, steps)

            results = bench.run_bench(kernels, threads, sizes, args.out, args.repeat, args.warmup, args.tolerance,
                                      models, strategies, race_checks=not args.no_race_check,
                                      configs=configs, progress=tick, suite_file=suite_file, bundle=args.bundle,
                                      omp_wait_policy=None if args.omp_wait_policy == "default" else args.omp_wait_policy)
    except bench.BenchError as error:
        print(f"autopar bench: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.bundle:
        print(f"bundle: {args.out} (time it with `python3 {os.path.join(args.out, 'run.py')}` on the machine to "
              f"measure, then `autopar bench --from-bundle {args.out} --out DIR`)")
        return EXIT_OK
    return _report(results, args)


def _report(results, args: argparse.Namespace) -> int:
    from autopar.tools.bench.report import markdown, write_report

    written = write_report(results, args.out, plots=not args.no_plots)
    print(markdown(results))
    print(f"results: {os.path.join(args.out, 'results.json')}, " + ", ".join(written))
    failed = [r for r in results.records if r.config.startswith("autopar") and r.status not in ("ok", "unavailable")]
    return EXIT_FAILED if failed else EXIT_OK


# -------------------------------------------------------------------------------------------- calibrate

def add_calibrate(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("calibrate", help="measure what a parallel region costs on this machine (for the cost model)",
                       description="Compile and run a small OpenMP program that measures the cost of a parallel "
                                   "region, a barrier and a dynamically scheduled chunk, in units of one memory "
                                   "access, and store them where the cost model reads them. autopar measures "
                                   "once by itself on first use; run this again after changing the machine's "
                                   "load or compiler.")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="team size to measure (default: OMP_NUM_THREADS, else the CPUs available)")
    p.add_argument("--show", action="store_true", help="print the model in use without measuring")
    return p


def run_calibrate(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.plans import machine

    if args.threads is not None and args.threads < 1:
        print("autopar calibrate: --threads must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    threads = args.threads or machine.thread_count()
    if args.show:
        os.environ["OMP_NUM_THREADS"] = str(threads)
        print(machine.current().describe())
        return EXIT_OK
    model = machine.calibrate(threads)
    if model is None:
        print("autopar calibrate: no OpenMP compiler could build and run the calibration program "
              "(set AUTOPAR_CC); the cost model uses its reference figures", file=sys.stderr)
        return EXIT_FAILED
    path = machine.cache_path(threads)
    machine.save(model, path)
    print(model.describe())
    print(f"saved to {path}")
    return EXIT_OK
