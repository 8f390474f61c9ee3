"""Differential fuzzing of autopar: random programs built with plain gcc and with autopar-cc.

    python benchmarks/fuzz.py --loops 300 --cxx 100 --csmith 100 -j 2 -o fuzz-out
    python benchmarks/fuzz.py --loops 1 --seed 1234 -o fuzz-out        # one program again
    python benchmarks/fuzz.py --check program.c                         # any C or C++ file

Each program is built with `gcc -O1` (the reference) and with `autopar-cc` (run with 1 and 4
threads), and its `autopar rewrite` is built with gcc -fopenmp and with clang ThreadSanitizer +
Archer (4 threads). The C++ programs (`--cxx`, autopar.tools.fuzz.loopgen_cxx) take g++, clang++
and `autopar-cxx` instead. Outputs must match exactly. Bad cases (mismatch, race, analysis-crash,
fallback-did-not-compile, timeout) are kept in `<out>/cases/` with the culprit pragma; the counts go
to `<out>/summary.json` and `<out>/summary.txt`. Exit code 1 when any bad case was found.
The logic lives in autopar/tools/fuzz/.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from itertools import zip_longest
from pathlib import Path

if __package__ in (None, ""):  # run as a script: this checkout first on the path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autopar.tools.fuzz import csmith  # noqa: E402
from autopar.tools.fuzz.campaign import Task, run_campaign, summarize, summary_table  # noqa: E402
from autopar.tools.fuzz.check import Checker  # noqa: E402


def tasks_from(args: argparse.Namespace) -> list[Task]:
    """The generators' programs interleaved, so that a run cut short has some of each."""
    loops = [Task("loops", args.seed + i) for i in range(args.loops)]
    cxx = [Task("cxx", args.cxx_seed + i) for i in range(args.cxx)]
    csmiths = [Task("csmith", args.csmith_seed + i) for i in range(args.csmith)]
    others = [t for pair in zip_longest(cxx, csmiths) for t in pair if t is not None]
    tasks = []
    while loops or others:
        share = max(1, round(len(loops) / max(1, len(others))))
        tasks += loops[:share] + others[:1]
        loops, others = loops[share:], others[1:]
    return tasks


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="fuzz.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--loops", type=int, default=0, metavar="N", help="programs of the loop generator")
    p.add_argument("--cxx", type=int, default=0, metavar="N", help="C++ programs of the loop generator")
    p.add_argument("--csmith", type=int, default=0, metavar="N", help="csmith programs")
    p.add_argument("--seed", type=int, default=1, help="first seed of the loop generator (default 1)")
    p.add_argument("--cxx-seed", type=int, default=1, help="first seed of the C++ generator (default 1)")
    p.add_argument("--csmith-seed", type=int, default=1, help="first csmith seed (default 1)")
    p.add_argument("-j", "--jobs", type=int, default=2, metavar="N", help="worker processes (default 2)")
    p.add_argument("-o", "--out", metavar="DIR", help="where bad cases and the summary go (default: a temp dir)")
    p.add_argument("--no-races", action="store_true", help="skip the ThreadSanitizer builds")
    p.add_argument("--no-culprits", action="store_true", help="do not search for the culprit pragma")
    p.add_argument("--check", metavar="FILE.c", help="check one C or C++ file instead of generating programs")
    p.add_argument("--cflags", default="", help="extra flags for every build of --check's file (one string, "
                                                   "as a shell splits it: --cflags '-std=c++20 -DN=8')")
    p.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")
    p.add_argument("--summarize", metavar="DIR", help="only the counts of a campaign (cut short, say) from "
                                                       "DIR/results.jsonl")
    argv = list(sys.argv[1:] if argv is None else argv)
    for k in range(len(argv) - 1):  # `--cflags -std=c++20`: a value that begins with `-` is the option's
        if argv[k] == "--cflags":
            argv[k:k + 2] = [f"--cflags={argv[k + 1]}"]
            break
    args = p.parse_args(argv)
    if args.summarize:
        lines = [json.loads(line) for line in Path(args.summarize, "results.jsonl").read_text().splitlines() if line]
        summary = summarize(lines)
        print(json.dumps(summary, indent=1) if args.json else summary_table(summary))
        return 0

    if args.check:
        return check_one(args)
    if args.csmith and csmith.available():
        print(f"fuzz.py: {csmith.available()}", file=sys.stderr)
        return 2
    tasks = tasks_from(args)
    if not tasks:
        p.error("nothing to do: give --loops N, --cxx N and/or --csmith N")
    out = args.out or tempfile.mkdtemp(prefix="autopar-fuzz-")
    summary = run_with_progress(tasks, out, args)
    print(json.dumps(summary, indent=1) if args.json else summary_table(summary))
    print(f"cases and summary in {out}", file=sys.stderr)
    return 1 if summary["bad_cases"] else 0


def run_with_progress(tasks: list[Task], out: str, args: argparse.Namespace) -> dict:
    options = dict(jobs=args.jobs, races=not args.no_races, culprits=not args.no_culprits)
    if not sys.stderr.isatty():
        return run_campaign(tasks, out, **options)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bad = 0
    with Progress(TextColumn("fuzzing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[bad]} bad"), transient=True) as bar:
        job = bar.add_task("fuzz", total=len(tasks), bad=0)

        def advance(line: dict) -> None:
            nonlocal bad
            if line["kind"] not in ("ok", "generator-invalid"):
                bad += 1
                bar.console.print(f"bad: {line['generator']}-{line['seed']} {line['kind']}")
            bar.update(job, advance=1, bad=bad)
        return run_campaign(tasks, out, progress=advance, **options)


def check_one(args: argparse.Namespace) -> int:
    from autopar.tools.fuzz.culprit import find_culprits

    source = Path(args.check).read_text()
    with tempfile.TemporaryDirectory(prefix="autopar-fuzz-") as scratch:
        cxx = Path(args.check).suffix in (".cpp", ".cc", ".cxx", ".C")
        # the file is built from a copy: its own directory's headers stay reachable
        flags = ["-I", str(Path(args.check).resolve().parent), *shlex.split(args.cflags)]
        checker = Checker(scratch, flags, races=not args.no_races, cxx=cxx)
        outcome = checker.check(source, Path(args.check).stem)
        print(f"{args.check}: {outcome.kind}, {len(outcome.parallel)} of {outcome.loops} loops parallelized, "
              f"{outcome.restructured} nests restructured (--optimize)")
        for problem in outcome.problems:
            print(f"  {problem.kind} ({problem.build}): {problem.detail.splitlines()[0] if problem.detail else ''}")
        if outcome.bad and not args.no_culprits:
            for problem in outcome.problems[:1]:
                found = find_culprits(checker, outcome, problem)
                for culprit in found["culprits"]:
                    print(f"  culprit (line {culprit['line']}): {culprit['pragma']}")
    if outcome.kind == "generator-invalid":
        return 2  # not checked: the file does not build or run as it is
    return 1 if outcome.bad else 0


if __name__ == "__main__":
    sys.exit(main())
