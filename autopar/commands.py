"""The `rewrite`, `check` and `explain` commands: argument parsing and output only.

The work happens in autopar.transform (analysis + edits), autopar.check (a whole project) and
autopar.explain (one loop); these functions print what those return.
"""

from __future__ import annotations

import argparse
import os
import sys

from autopar.cli import (EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, add_fp_option, add_llm_options,
                         reasoner_from_args, report_llm_problems)

# ---------------------------------------------------------------------------------------------- rewrite


def add_rewrite(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("rewrite", help="insert the OpenMP pragmas: to stdout, as a diff, or in place")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("-i", "--in-place", dest="in_place", action="store_true",
                   help="rewrite the files in place (atomically)")
    p.add_argument("--diff", action="store_true", help="print a unified diff instead of the source")
    p.add_argument("--export-fixes", metavar="FILE.yaml",
                   help="write the edits as clang-apply-replacements YAML")
    p.add_argument("--backup", metavar="SUFFIX", help="with -i, keep the original as FILE+SUFFIX")
    p.add_argument("--report", metavar="FILE.json", help="write the JSON report of every loop here")
    p.add_argument("-p", dest="build_dir", metavar="BUILD_DIR", help="read compile_commands.json here")
    add_llm_options(p)  # the plans: the analyzer's default, or a local model's choice among legal ones
    add_fp_option(p)
    return p


def run_rewrite(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.atomic import write_atomic
    from autopar.fixes import dump_fixes, fixes_document
    from autopar.report import Report
    from autopar.rewrite import unified_diff
    from autopar.transform import transform_file

    if args.backup and not args.in_place:
        raise UsageError("autopar rewrite: --backup needs -i")
    if args.in_place and args.diff:
        raise UsageError("autopar rewrite: choose one of -i and --diff")
    missing = [path for path in args.files if not os.path.isfile(path)]
    if missing:
        raise UsageError(f"autopar rewrite: no such file: {', '.join(missing)}")

    reasoner = reasoner_from_args(args)
    report = Report()
    exported = []
    status = EXIT_OK
    for path in args.files:
        result = transform_file(path, compile_flags, args.build_dir, reasoner=reasoner)
        report.files.append(result.report)
        for diagnostic in result.report.diagnostics:
            print(diagnostic.render(), file=sys.stderr)
        if result.failed:
            print(f"autopar: {path}: not rewritten: {result.report.error or 'the file has errors'}",
                  file=sys.stderr)
            status = EXIT_FAILED
        exported.append((path, result.edits))
        rewritten = result.rewritten
        if args.diff:
            sys.stdout.write(unified_diff(path, result.source, rewritten))
        elif args.in_place:
            if rewritten != result.source:
                try:
                    write_atomic(path, rewritten, args.backup)
                except OSError as error:
                    print(f"autopar: {path}: not rewritten: {error}", file=sys.stderr)
                    status = EXIT_FAILED
                    continue
                print(f"autopar: {path}: {len(result.edits)} loop(s) parallelized", file=sys.stderr)
        else:
            sys.stdout.buffer.write(rewritten)
            sys.stdout.flush()
    report_llm_problems(reasoner)
    if args.export_fixes:
        with open(args.export_fixes, "w", encoding="utf-8") as out:
            out.write(dump_fixes(fixes_document(exported, args.build_dir)))
    if args.report:
        with open(args.report, "w", encoding="utf-8") as out:
            out.write(report.to_json() + "\n")
    return status


# ------------------------------------------------------------------------------------------------ check


def add_check(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("check", help="CI step: report loops left serial that could run in parallel")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("-p", dest="build_dir", metavar="BUILD_DIR",
                   help="check every file of BUILD_DIR/compile_commands.json")
    p.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    p.add_argument("--fail-on", choices=["missed", "any", "none"], default="missed",
                   help="exit 1 on findings (missed), on findings or unanalyzable files (any), never (none)")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N")
    p.add_argument("-o", "--output", metavar="FILE", help="write the output here instead of stdout")
    add_llm_options(p)  # suggested pragmas from a local model's choice among the legal plans
    add_fp_option(p)
    return p


def run_check(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.check import CheckError, check_project, exit_status, render

    if args.jobs < 1:
        raise UsageError("autopar check: -j needs a positive number")
    if not args.files and not args.build_dir:
        raise UsageError("autopar check: give FILE... or -p BUILD_DIR")

    reasoner = reasoner_from_args(args)
    try:
        result = check_project(args.files, args.build_dir, compile_flags, jobs=args.jobs, reasoner=reasoner)
    except CheckError as error:
        raise UsageError(f"autopar check: {error}") from None
    report_llm_problems(reasoner)
    text = render(result, args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return exit_status(result, args.fail_on)


# ---------------------------------------------------------------------------------------------- explain


def add_explain(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("explain", help="why one loop is (not) parallel: accesses, dependences, candidates")
    p.add_argument("location", metavar="FILE:LINE")
    p.add_argument("--dot", metavar="FILE", help="dependence graph as Graphviz DOT (default FILE.LINE.dot)")
    p.add_argument("--no-png", action="store_true", help="do not render the DOT file as PNG")
    p.add_argument("-p", dest="build_dir", metavar="BUILD_DIR", help="read compile_commands.json here")
    return p


def run_explain(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.explain import ExplainError, explain_loop

    path, _, line = args.location.rpartition(":")
    if not path or not line.isdigit():
        raise UsageError("autopar explain: expected FILE:LINE, e.g. kernel.c:12")
    if not os.path.isfile(path):
        raise UsageError(f"autopar explain: no such file: {path}")
    dot_path = args.dot or f"{path}.{line}.dot"
    try:
        explanation = explain_loop(path, int(line), compile_flags, args.build_dir)
    except ExplainError as error:
        print(f"autopar explain: {error}", file=sys.stderr)
        return EXIT_FAILED
    sys.stdout.write(explanation.text)
    with open(dot_path, "w", encoding="utf-8") as out:
        out.write(explanation.dot)
    written = [dot_path]
    if not args.no_png:
        png = explanation.render_png(dot_path)
        if png:
            written.append(png)
    print(f"dependence graph: {', '.join(written)}")
    return EXIT_OK


__all__ = ["add_rewrite", "run_rewrite", "add_check", "run_check", "add_explain", "run_explain",
           "EXIT_USAGE"]
