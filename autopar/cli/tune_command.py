"""`autopar tune`: its command line (the options, the run, the summary and the progress bar) over
autopar.tools.tune, which does the measuring."""

from __future__ import annotations

import argparse
import os
import sys

from autopar.cli.cli_common import (EXIT_FAILED, EXIT_OK, STRATEGY_NAMES, UsageError, check_output_path, shell_words,
                                reasoner_from_args)
from autopar.tools.tune import (DEFAULT_MIN_GAIN, DEFAULT_OUTPUT, DEFAULT_ROUNDS, Option, Tuner, TuneConfig, TuneError,
                          model_orderer)


def add_tune(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("tune", help="measure each region's legal plans in your own build and keep the fastest "
                                    "correct one (writes a decisions file)")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("-p", dest="build_dir", metavar="BUILD_DIR",
                   help="tune every source of BUILD_DIR/compile_commands.json (and take its flags)")
    p.add_argument("--build", required=True, metavar="CMD", help="builds the program from the sources in place")
    p.add_argument("--run", required=True, metavar="CMD", help="runs it; its output must not change")
    p.add_argument("--check", metavar="CMD", help="judges a run instead of comparing outputs (exit 0: correct); "
                                                  "it gets the run's output on stdin and in $AUTOPAR_TUNE_OUTPUT")
    p.add_argument("--budget", type=float, default=10.0, metavar="MINUTES",
                   help="stop within this many minutes, keeping what was measured (default 10)")
    p.add_argument("-o", "--output", default=DEFAULT_OUTPUT, metavar="FILE.json",
                   help=f"the decisions file (default {DEFAULT_OUTPUT})")
    p.add_argument("-C", "--directory", default=".", metavar="DIR",
                   help="run the commands here (default: the current directory)")
    p.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, metavar="K",
                   help=f"timed runs of each option, interleaved (default {DEFAULT_ROUNDS})")
    p.add_argument("--threads", type=int, metavar="N", help="OMP_NUM_THREADS for the timed runs")
    p.add_argument("--tolerance", type=float, default=1e-6, metavar="R",
                   help="relative tolerance for floating-point output (default 1e-6)")
    p.add_argument("--min-gain", type=float, default=DEFAULT_MIN_GAIN, metavar="F",
                   help="a plan must beat serial's median by this fraction to be kept (default 0.05)")
    p.add_argument("--race-build", metavar="CMD",
                   help="builds the program with clang -fsanitize=thread -fopenmp -g -O1 for the race check")
    p.add_argument("--race-run", metavar="CMD", help="runs the race build (default: --run)")
    p.add_argument("--race-flags", type=shell_words, metavar="FLAGS",
                   help="-D flags for the single-file race check instead of the build's (a smaller input)")
    p.add_argument("--no-race-check", action="store_true", help="do not race-check (the file says so)")
    p.add_argument("--order", choices=["cost", "model", "random"], default="cost",
                   help="the order in which a region's candidates are measured (model: --llm's ranking)")
    p.add_argument("--max-candidates", type=int, metavar="N", help="measure at most N candidates per region")
    p.add_argument("--optimize", action="store_true",
                   help="measure each nest's restructuring candidates (as `rewrite --optimize` makes them) too")
    # the model, for --order model (the same options as every command that decides plans)
    p.add_argument("--llm", action="store_true", help="load a local model (implied by --order model)")
    p.add_argument("--model", metavar="NAME|PATH", help="registry name or .gguf path (see `autopar models list`)")
    p.add_argument("--strategy", choices=STRATEGY_NAMES, default=None, help=argparse.SUPPRESS)
    p.add_argument("--llm-endpoint", metavar="URL", help="an OpenAI-compatible server instead of a local model")
    return p


def run_tune(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.report.check import CheckError, project_files
    from autopar.report.output import info, settings

    prog = "autopar tune"
    if not args.files and not args.build_dir:
        raise UsageError(f"{prog}: give FILE... or -p BUILD_DIR")
    if args.budget <= 0 or args.rounds < 1:
        raise UsageError(f"{prog}: --budget and --rounds must be positive")
    if not os.path.isdir(args.directory):
        raise UsageError(f"{prog}: -C {args.directory}: no such directory")
    check_output_path(args.output, "-o", prog, stdout_allowed=False)  # written as it goes
    try:
        files = project_files(args.files, args.build_dir)
    except CheckError as error:
        raise UsageError(f"{prog}: {error}") from None
    if args.order == "model" and not args.llm:
        args.llm = True
    reasoner = reasoner_from_args(args) if args.llm else None
    config = TuneConfig(build=args.build, run=args.run, check=args.check, cwd=args.directory,
                        budget_s=args.budget * 60, rounds=args.rounds, threads=args.threads,
                        tolerance=args.tolerance, min_gain=args.min_gain, race_build=args.race_build,
                        race_run=args.race_run, check_races=not args.no_race_check,
                        race_flags=args.race_flags,
                        order=args.order, max_candidates=args.max_candidates, output=args.output,
                        optimize=args.optimize)
    progress = _progress_bar() if sys.stderr.isatty() and settings.verbosity >= 0 else None
    tuner = Tuner(files, config, compile_flags, args.build_dir,
                  orderer=model_orderer(reasoner) if args.order == "model" and reasoner else None,
                  progress=progress.update if progress else None)
    try:
        tuner.tune()
    except TuneError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if progress:
            progress.stop()
    for line in summary_lines(tuner):
        info(line)
    info(f"{prog}: decisions written to {args.output}")
    return EXIT_OK


def summary_lines(tuner: Tuner) -> list[str]:
    lines = []
    for region in tuner.regions:
        if not region.decided:
            lines.append(f"{region.name}: not decided ({region.reason or 'not reached'})")
            continue
        others = ", ".join(_option_text(o) for o in region.options)
        lines.append(f"{region.name}: {region.best.id} ({region.best.summary}); {others}")
    summary = (tuner.document or {}).get("summary") or {}
    if "speedup" in summary:
        lines.append(f"whole program: {summary['speedup']:.2f}x of serial (median of interleaved runs)")
    if summary.get("reverted"):
        lines.append(summary["reverted"])
    if tuner.stopped:
        lines.append(f"stopped early: {tuner.stopped}")
    return lines


def _option_text(option: Option) -> str:
    if option.status == "ok" and option.times:
        return f"{option.id} {option.median:.4g}s±{(max(option.times) - min(option.times)) / 2:.2g}"
    return f"{option.id} {option.status}"


class _progress_bar:
    """A rich progress bar on stderr: regions and options left, the best speedup so far."""

    def __init__(self):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from autopar.report.output import console

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[detail]}"),
                            TimeElapsedColumn(), transient=True, console=console(sys.stderr))
        self.task = None
        self.bar.start()

    def update(self, region, regions, name, option, options, best, stage) -> None:
        from rich.markup import escape

        description = escape(f"region {region}/{regions} {name}")
        detail = escape(f"option {option}/{options} · {stage} · best {best:.2f}x")
        if self.task is None:
            self.task = self.bar.add_task(description, total=regions, detail=detail)
        self.bar.update(self.task, completed=region - 1, description=description, detail=detail)

    def stop(self) -> None:
        self.bar.stop()


__all__ = ["add_tune", "run_tune", "summary_lines"]
