"""The `rewrite`, `check` and `explain` commands: argument parsing and output only.

The work happens in autopar.edit.transform (analysis + edits), autopar.report.check (a whole project) and
autopar.report.explain (one loop); these functions print what those return.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
from typing import Optional

from autopar.cli.cli_common import (EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, UsageError, add_fp_option,
                         add_input_options, add_llm_options, add_program_option, check_output_path, inputs_flags, jobs_of,
                         reasoner_from_args, report_llm_problems, write_output)

# ---------------------------------------------------------------------------------------------- rewrite


def add_rewrite(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("rewrite", help="insert the OpenMP pragmas: to stdout, as a diff, or in place")
    p.add_argument("files", nargs="+", metavar="FILE|DIR|-")
    p.add_argument("-i", "--in-place", dest="in_place", action="store_true",
                   help="rewrite the files in place (atomically)")
    p.add_argument("--diff", action="store_true", help="print a unified diff instead of the source")
    p.add_argument("-o", "--output", metavar="FILE", help="write the rewritten source (or with --diff, the diff) "
                                                         "of the one input file here instead of stdout")
    p.add_argument("--export-fixes", metavar="FILE.yaml",
                   help="write the edits as clang-apply-replacements YAML")
    p.add_argument("--backup", metavar="SUFFIX", help="with -i, keep the original as FILE+SUFFIX")
    p.add_argument("--report", metavar="FILE.json", help="write the JSON report of every loop here "
                                                         "(default: the configuration's `decisions`)")
    p.add_argument("-p", dest="build_dir", metavar="BUILD_DIR", help="read compile_commands.json here")
    p.add_argument("--optimize", action="store_true",
                   help="restructure affine nests (loop order, tiling, parallel loop) with isl; the whole nest "
                        "is replaced (default: insert pragmas only)")
    p.add_argument("--no-versioning", dest="versioning", action="store_false",
                   help="write a work threshold or runtime check as an if() clause of the pragma; by default "
                        "the loop is versioned, `if (check) { parallel loop } else { serial copy }`, since a "
                        "false if() clause still enters the OpenMP runtime")
    p.add_argument("--no-shared-regions", dest="share_regions", action="store_false",
                   help="give each parallel loop its own `parallel for`; by default the parallel loops of a "
                        "serial loop that holds nothing else (a time loop around sweeps) share one "
                        "`#pragma omp parallel` region, each loop a `#pragma omp for`")
    add_input_options(p)
    add_llm_options(p)  # the plans: the analyzer's default, or a local model's choice among legal ones
    add_fp_option(p)
    add_program_option(p)
    return p


def _transform_one(job):
    from autopar.edit.transform import transform_file

    path, flags, build_dir, optimize, versioning, share_regions = job
    result = transform_file(path, flags, build_dir, optimize=optimize, versioning=versioning,
                            share_regions=share_regions)
    return result.model_copy(update={"analysis": None})  # the IR stays in the worker


def _transform_crashed(job):
    from autopar.report import FileReport
    from autopar.edit.transform import Transformed

    path = job[0]
    with open(path, "rb") as handle:
        source = handle.read()
    return Transformed(path=path, source=source,
                       report=FileReport(path=path, error="not analyzed: the analysis process crashed"))


def run_rewrite(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.report.findings import rewrite_findings
    from autopar.report.fixes import dump_fixes, fixes_document
    from autopar.inputs import InputError, collect
    from autopar.report import FileReport, Report

    prog = "autopar rewrite"
    _check_rewrite_usage(args, prog)
    report_path = args.report or args.config_data.decisions
    check_output_path(report_path, "--report", prog)
    check_output_path(args.export_fixes, "--export-fixes", prog)
    jobs = jobs_of(args)
    reasoner = reasoner_from_args(args)
    try:
        inputs = collect(args.files, args.config_data, args.stdin_filename)
    except InputError as error:
        raise UsageError(f"{prog}: {error}") from None
    with inputs:
        unreadable = [p for p in inputs.paths if not os.access(p, os.R_OK)]
        if unreadable:
            raise UsageError(f"{prog}: cannot read: {', '.join(unreadable)}")
        if args.output and len(inputs.paths) != 1:
            raise UsageError(f"{prog}: -o takes the rewrite of one file; {len(inputs.paths)} were given "
                             f"(use -i, or --diff for several)")
        results = _rewrite_all(args, inputs, compile_flags, reasoner, jobs)
        headers = len(results) > 1 and not args.diff and not args.in_place
        # -o: what would go to stdout is kept and written once the file is done
        sink = io.BytesIO() if args.output else sys.stdout.buffer
        report = Report()
        exported = []
        status = EXIT_OK
        for result in results:
            file_report = FileReport.model_validate_json(inputs.rename(result.report.model_dump_json()))
            report.files.append(file_report)
            if result.path != inputs.stdin_path:
                exported.append((result.path, rewrite_findings(result.path, result.source, result.edits,
                                                               {l.id: l.function for l in result.report.loops})))
            status = max(status, _emit_rewrite(args, result, file_report, inputs.display(result.path), sink, headers))
        if inputs.skipped:
            status = max(status, EXIT_FAILED)
    report_llm_problems(reasoner)
    # the rewrite is done: an output that cannot be written now says so with its own exit code
    late = []
    if args.output:
        late.append(write_output(args.output, sink.getvalue(), "-o", prog))
    if args.export_fixes:
        late.append(write_output(args.export_fixes, dump_fixes(fixes_document(exported, args.build_dir)),
                                 "--export-fixes", prog))
    if report_path:
        late.append(write_output(report_path, report.to_json() + "\n", "--report", prog))
    problems = [p for p in late if p]
    for problem in problems:
        done = " (the files were rewritten)" if args.in_place else ""
        print(problem + done, file=sys.stderr)
    return EXIT_PARTIAL if problems and status == EXIT_OK else status


def _check_rewrite_usage(args: argparse.Namespace, prog: str) -> None:
    """The option combinations that make no sense, refused before any work."""
    if args.backup is not None and not args.backup:
        raise UsageError(f"{prog}: --backup needs a suffix, such as .orig")
    if args.backup and not args.in_place:
        raise UsageError(f"{prog}: --backup needs -i")
    if args.in_place and args.diff:
        raise UsageError(f"{prog}: choose one of -i and --diff")
    if args.in_place and "-" in args.files:
        raise UsageError(f"{prog}: -i cannot rewrite standard input")
    if args.output and args.in_place:
        raise UsageError(f"{prog}: choose one of -i and -o")
    check_output_path(args.output, "-o", prog)


def _rewrite_all(args: argparse.Namespace, inputs, compile_flags: list[str], reasoner, jobs: int) -> list:
    """Each input's TransformResult: in worker processes, or here when a model is loaded (once)."""
    from autopar.jobs import run_all
    from autopar.edit.transform import transform_file

    optimize = bool(getattr(args, "optimize", False))
    versioning = bool(getattr(args, "versioning", True))
    share_regions = bool(getattr(args, "share_regions", True))
    work = [(path, *inputs_flags(inputs, path, compile_flags, args.build_dir), optimize, versioning,
             share_regions) for path in inputs.paths]
    if reasoner is not None:
        return [transform_file(p, f, b, reasoner=reasoner, optimize=o, versioning=v, share_regions=s)
                for p, f, b, o, v, s in work]
    return run_all(_transform_one, work, jobs, _transform_crashed)


def _emit_rewrite(args: argparse.Namespace, result, file_report, shown: str, sink, headers: bool) -> int:
    """One file's rewrite: its diagnostics on stderr, then a diff, the file replaced, or its source;
    the exit status it asks for."""
    from autopar.report.output import info
    from autopar.edit.edits import unified_diff

    status = EXIT_OK
    for diagnostic in file_report.diagnostics:
        print(diagnostic.render(), file=sys.stderr)
    if result.failed:
        print(f"autopar: {shown}: not rewritten: {file_report.error or 'the file has errors'}", file=sys.stderr)
        status = EXIT_FAILED
    rewritten = result.rewritten
    if args.diff:
        # bytes: a file that is not UTF-8 gives its own bytes back, whatever the locale
        sys.stdout.flush()
        sink.write(unified_diff(shown, result.source, rewritten).encode("utf-8", "surrogateescape"))
        sys.stdout.flush()
    elif args.in_place:
        if rewritten != result.source:
            try:
                write_atomic(result.path, rewritten, args.backup)
            except OSError as error:
                print(f"autopar: {result.path}: not rewritten: {error}", file=sys.stderr)
                return EXIT_FAILED
            info(f"autopar: {result.path}: {result.parallel_loops} loop(s) parallelized")
    else:
        if headers:  # several files on stdout: say where each begins, as head(1) does
            sys.stdout.write(f"==> {shown} <==\n")
            sys.stdout.flush()
        sink.write(rewritten)
        sys.stdout.flush()
    return status


def write_atomic(path, data, backup):
    from autopar.atomic import write_atomic as write

    return write(path, data, backup)


# ------------------------------------------------------------------------------------------------ check

FAIL_ON_HELP = ("when to exit 1: warning (missed-parallel-loop and unsafe-omp-pragma findings, the default; "
                "`missed` is its older name), unsafe (unsafe-omp-pragma only), any (every finding, notes too), "
                "none (never), or rule codes; comma-separated or repeated")


def add_check(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("check", help="CI step: loops left serial that could run in parallel, unsafe omp pragmas")
    p.add_argument("files", nargs="*", metavar="FILE|DIR|-")
    p.add_argument("-p", dest="build_dir", metavar="BUILD_DIR",
                   help="check every file of BUILD_DIR/compile_commands.json")
    p.add_argument("--format", choices=["text", "concise", "json", "sarif"], default="text",
                   help="text and concise: one line per finding")
    p.add_argument("--fail-on", action="append", metavar="LEVEL|RULE", help=FAIL_ON_HELP)
    p.add_argument("--allow-unanalyzed", action="store_true",
                   help="files that could not be analyzed do not fail the run (they are still reported)")
    p.add_argument("--select", metavar="RULES", help="report only these rules (comma-separated)")
    p.add_argument("--ignore", metavar="RULES", help="do not report these rules (comma-separated)")
    p.add_argument("--min-trip-count", type=float, default=None, metavar="N",
                   help="missed-parallel-loop only for loops of more than N iterations (when known)")
    p.add_argument("--min-work", type=float, default=None, metavar="W",
                   help="missed-parallel-loop only for loops whose estimated work is at least W")
    p.add_argument("--baseline", metavar="FILE.json", help="report only findings not recorded in FILE")
    p.add_argument("--write-baseline", action="store_true",
                   help="record the current findings in the --baseline file and exit 0")
    add_input_options(p)
    p.add_argument("-o", "--output", metavar="FILE", help="write the output here instead of stdout")
    add_llm_options(p)  # suggested pragmas from a local model's choice among the legal plans
    add_fp_option(p)
    add_program_option(p)
    return p


def run_check(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.report.check import CheckError, CheckResult, check_project, exit_status
    from autopar.report.check_rules import RuleError, filter_findings, parse_fail_on, parse_rules, write_baseline
    from autopar.inputs import InputError, collect
    from autopar.report.output import colorize_diagnostics, info

    prog = "autopar check"
    config = args.config_data
    if not args.files and not args.build_dir:
        raise UsageError(f"{prog}: give FILE..., DIR... or -p BUILD_DIR")
    try:
        fail_on = parse_fail_on(_split_all(args.fail_on) if args.fail_on else (config.fail_on or ["warning"]))
        select = parse_rules(args.select.split(",")) if args.select else (
            parse_rules(config.select) if config.select else None)
        ignore = parse_rules(args.ignore.split(",")) if args.ignore else parse_rules(config.ignore)
    except RuleError as error:
        raise UsageError(f"{prog}: {error}") from None
    baseline = args.baseline or config.baseline
    if args.write_baseline and not baseline:
        raise UsageError(f"{prog}: --write-baseline needs --baseline FILE (or `baseline` in the configuration)")
    check_output_path(args.output, "-o", prog)
    if args.write_baseline:
        check_output_path(baseline, "--baseline", prog)
    elif baseline and not os.path.isfile(baseline):
        raise UsageError(f"{prog}: --baseline {baseline}: no such file (write it with --write-baseline)")
    min_trip = args.min_trip_count if args.min_trip_count is not None else config.min_trip_count
    min_work = args.min_work if args.min_work is not None else config.min_work
    jobs = jobs_of(args)

    reasoner = reasoner_from_args(args)
    try:
        inputs = collect(args.files, config, args.stdin_filename)
    except InputError as error:
        raise UsageError(f"{prog}: {error}") from None
    with inputs:
        if inputs.stdin_path is not None:
            compile_flags = compile_flags + inputs.stdin_flags
        try:
            # directories with no sources in them: nothing to check (not the database of the current
            # directory, which check_project reads when no file is given)
            result = check_project(inputs.paths, args.build_dir, compile_flags, jobs=jobs, reasoner=reasoner,
                                   thresholds=(min_trip, min_work)) if inputs.paths or not args.files \
                else CheckResult(files=[])
        except CheckError as error:
            raise UsageError(f"{prog}: {error}") from None
        result = filter_findings(result, select, ignore, inputs.display)  # reads each file for `autopar: ignore[...]`
        result = type(result).model_validate_json(inputs.rename(result.model_dump_json()))
        skipped = len(inputs.skipped)
    report_llm_problems(reasoner)
    if args.write_baseline:
        try:
            count = write_baseline(result, baseline)
        except OSError as error:
            print(f"{prog}: --baseline {baseline}: cannot write: {error.strerror or error}", file=sys.stderr)
            return EXIT_PARTIAL
        info(f"{prog}: {count} finding(s) recorded in {baseline}")
        return EXIT_OK
    text, result = _check_output_text(args, result, baseline, prog)
    if args.output:
        problem = write_output(args.output, text, "-o", prog)
        if problem:
            print(problem, file=sys.stderr)
            return EXIT_PARTIAL
    elif args.format in ("text", "concise"):
        colorize_diagnostics(text, sys.stdout)
    else:
        sys.stdout.write(text)
    return exit_status(result, fail_on, allow_unanalyzed=args.allow_unanalyzed, skipped=skipped)


def _check_output_text(args: argparse.Namespace, result, baseline: Optional[str], prog: str):
    """(the text to print, the findings that count for the exit status): those not in the baseline."""
    from autopar.report.check_formats import render
    from autopar.report.check_rules import RuleError, apply_baseline, read_baseline
    from autopar.report.output import info, settings

    everything, accepted = result, None
    if baseline:
        try:
            accepted = read_baseline(baseline)
        except RuleError as error:
            raise UsageError(f"{prog}: {error}") from None
        result, known = apply_baseline(result, accepted)
        if known:
            shown = "marked unchanged" if args.format == "sarif" else "not shown"
            info(f"{prog}: {known} finding(s) in the baseline {baseline} {shown}")
    if args.format == "sarif":  # every finding, each with its baselineState; the exit status counts new ones
        from autopar.report.sarif import sarif_log

        return json.dumps(sarif_log(everything, baseline=accepted), indent=2) + "\n", result
    text = render(result, "text" if args.format == "concise" else args.format)
    if settings.verbosity < 0 and args.format in ("text", "concise"):
        text = "".join(text.splitlines(keepends=True)[:-1])  # -q: the findings only, no summary
    return text, result


def _split_all(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


# ---------------------------------------------------------------------------------------------- explain


def add_explain(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("explain", help="why one loop is (not) parallel: accesses, dependences, candidates")
    p.add_argument("location", metavar="FILE:LINE[:COL]")
    p.add_argument("--dot", metavar="FILE", help="dependence graph as Graphviz DOT "
                                                 "(default: BASENAME.LINE.dot in the current directory)")
    p.add_argument("--no-png", action="store_true", help="do not render the DOT file as PNG")
    p.add_argument("--no-dot", action="store_true", help="write no graph file at all")
    p.add_argument("-p", dest="build_dir", metavar="BUILD_DIR", help="read compile_commands.json here")
    p.add_argument("--optimize", action="store_true",
                   help="also show the nest's restructuring (schedule, candidates, code) as rewrite --optimize makes it")
    add_program_option(p)
    return p


_LOCATION = re.compile(r"^(?P<path>.+?):(?P<line>\d+)(?::(?P<column>\d+))?:?$")


def parse_location(text: str, prog: str) -> tuple[str, int, Optional[int]]:
    """FILE:LINE or FILE:LINE:COL (as compilers and `autopar check` print them)."""
    match = _LOCATION.match(text)
    if not match or int(match["line"]) < 1:
        raise UsageError(f"{prog}: expected FILE:LINE or FILE:LINE:COL, e.g. kernel.c:12 or kernel.c:12:5")
    column = int(match["column"]) if match["column"] else None
    return match["path"], int(match["line"]), column


def run_explain(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.inputs import not_a_file
    from autopar.report.explain import ExplainError, explain_loop
    from autopar.report.output import settings

    prog = "autopar explain"
    path, line, column = parse_location(args.location, prog)
    if problem := not_a_file(path):
        raise UsageError(f"{prog}: {problem}")
    # never beside the source (it may be read-only): the current directory, or where --dot says
    dot_path = None if args.no_dot else (args.dot or f"{os.path.basename(path)}.{line}.dot")
    check_output_path(dot_path, "--dot", prog)
    try:
        explanation = explain_loop(path, line, compile_flags, args.build_dir, column=column)
    except ExplainError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return EXIT_FAILED
    sys.stdout.write(explanation.text)
    if getattr(args, "optimize", False):
        from autopar.decision.pipeline import load_translation_unit
        from autopar.edit.restructure.explain import restructure_text

        with open(path, "rb") as handle:
            source = handle.read()
        tu = load_translation_unit(path, compile_flags, args.build_dir)
        sys.stdout.write("\n" + restructure_text(source, tu, explanation.loop_id))
    sys.stdout.flush()
    if dot_path is None:
        return EXIT_OK
    problem = write_output(dot_path, explanation.dot, "--dot", prog)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_PARTIAL
    written = [dot_path]
    if not args.no_png:
        png = explanation.render_png(dot_path)
        if png:
            written.append(png)
    if settings.verbosity >= 0:
        print(f"dependence graph: {', '.join(written)}")
    return EXIT_OK


__all__ = ["add_rewrite", "run_rewrite", "add_check", "run_check", "add_explain", "run_explain",
           "EXIT_USAGE"]
