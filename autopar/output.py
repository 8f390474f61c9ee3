"""Printing reports for people (a table) and for tools (JSON)."""

from __future__ import annotations

import sys

from autopar.report import Report


def print_report(report: Report, fmt: str, stream=None) -> None:
    stream = stream or sys.stdout
    if fmt == "json":
        stream.write(report.to_json() + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    # markup=False: reasons and pragmas contain brackets (`out[i - 1]`, `[runtime-check]`) that
    # rich would otherwise read as style tags and drop
    console = Console(file=stream, highlight=False, soft_wrap=False, markup=False,
                      width=None if stream.isatty() else 160)
    for file in report.files:
        for diagnostic in file.diagnostics:
            text = diagnostic.render()
            if not diagnostic.line:  # a flag or set-up problem: say which file it was about
                text = f"{file.path}: {text}"
            print(text, file=sys.stderr)
        if file.error:
            print(f"autopar: {file.path}: {file.error}", file=sys.stderr)
            continue
        if not file.loops:
            console.print(f"{file.path}: no for loops")
            continue
        table = Table(title=file.path, title_justify="left", show_lines=False)
        for column in ("line:col", "function", "loop", "parallel", "pragma / reason"):
            table.add_column(column, overflow="fold")
        for loop in file.loops:
            indent = "  " * loop.depth
            detail = loop.pragma if loop.parallel else "; ".join(loop.reasons)
            if loop.parallel and loop.proof and loop.proof != "static":
                detail += f"  [{loop.proof}]"
            table.add_row(f"{loop.line}:{loop.column}", loop.function,
                          f"{indent}for {loop.induction_variable or '?'}",
                          "yes" if loop.parallel else "no", detail or "")
        console.print(table)
        parallel = sum(1 for loop in file.loops if loop.parallel)
        console.print(f"{len(file.loops)} for loop{'s' if len(file.loops) != 1 else ''}, {parallel} parallelized"
                      + (f", {len(file.diagnostics)} diagnostic(s) on stderr" if file.diagnostics else ""))
