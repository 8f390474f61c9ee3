"""Printing for people and for tools: the table (on a terminal), one line per loop (for pipes and
editors), JSON; and the settings every command shares: -q/-v and --color.

Colour follows the usual conventions: `--color always|never` decides; with `auto` (the default),
`NO_COLOR` (any non-empty value) turns colour and every other style (bold, italic) off,
`FORCE_COLOR` turns it on for a pipe, and otherwise only a terminal gets it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Optional

from autopar.report import FileReport, LoopReport, Report

FORMATS = ("text", "table", "concise", "json")


@dataclass
class Settings:
    verbosity: int = 0  # -1 quiet, 0 normal, 1+ verbose
    color: str = "auto"  # auto | always | never


settings = Settings()


def configure(quiet: bool = False, verbose: int = 0, color: Optional[str] = None) -> None:
    settings.verbosity = -1 if quiet else verbose
    settings.color = color or "auto"


def use_color(stream) -> bool:
    """Whether to emit colour and styles on `stream`."""
    if settings.color != "auto":
        return settings.color == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    return _isatty(stream)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def console(stream, width: Optional[int] = None):
    """A rich Console that honours --color, NO_COLOR and FORCE_COLOR. Without colour it emits no
    escape sequence at all (rich's own no_color would still write bold and italic)."""
    from rich.console import Console

    color = use_color(stream)
    return Console(file=stream, highlight=False, soft_wrap=False, markup=False, emoji=False,
                   force_terminal=True if color else None, no_color=not color,
                   color_system=("auto" if _isatty(stream) else "standard") if color else None,
                   width=width if width is not None else (None if _isatty(stream) else 160))


def info(message: str) -> None:
    """A progress or summary line on stderr; -q silences it."""
    if settings.verbosity >= 0:
        print(message, file=sys.stderr)


def debug(message: str) -> None:
    """A line for -v only."""
    if settings.verbosity >= 1:
        print(f"autopar: {message}", file=sys.stderr)


_LEVEL_STYLES = {"error": "bold red", "warning": "bold magenta", "note": "bold cyan", "remark": "bold green"}


def print_lines(lines: list[tuple[str, Optional[str]]], stream) -> None:
    """Lines of `file:line:col: level: message`; `level` (the second item) is coloured when colour is on."""
    if not use_color(stream):
        for text, _ in lines:
            stream.write(text + "\n")
        stream.flush()
        return
    from rich.text import Text

    out = console(stream, width=100000)
    for text, level in lines:
        line = Text(text)
        marker = f" {level}:" if level else None
        if marker and marker in text:
            start = text.index(marker) + 1
            line.stylize(_LEVEL_STYLES.get(level, "bold"), start, start + len(level) + 1)
        out.print(line, crop=False, overflow="ignore")


def colorize_diagnostics(text: str, stream) -> None:
    """Write compiler-style text (check's output), with its levels coloured when colour is on."""
    lines = []
    for line in text.splitlines():
        level = next((name for name in _LEVEL_STYLES if f": {name}: " in line), None)
        lines.append((line, level))
    print_lines(lines, stream)


# ------------------------------------------------------------------------------------------ analyze

def print_report(report: Report, fmt: str, stream=None) -> None:
    """`text` is the table on a terminal and one line per loop anywhere else."""
    stream = stream or sys.stdout
    if fmt == "json":
        stream.write(report.to_json() + "\n")
        return
    if fmt == "text":
        fmt = "table" if _isatty(stream) else "concise"
    out = console(stream)
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
            stream.write(f"{file.path}: no for loops\n")
            continue
        if fmt == "concise":
            print_lines([(loop_line(file, loop), "remark") for loop in file.loops], stream)
        else:
            _print_table(out, file)
        if settings.verbosity >= 0 or fmt == "table":
            summary = _summary(file)
            if fmt == "table":
                out.print(summary)
            else:
                stream.write(summary + "\n")
    stream.flush()


def loop_line(file: FileReport, loop: LoopReport) -> str:
    """`file:line:col: remark: ... [code]`, as a compiler's optimization remarks read."""
    iv = loop.induction_variable or "?"
    where = f"{file.path}:{loop.line}:{loop.column}"
    if loop.parallel:
        done = "vectorized" if (loop.pragma or "").startswith("#pragma omp simd") else "parallelized"
        return f"{where}: remark: loop over {iv} in {loop.function}() {done}: {loop.pragma} [{loop.proof}]"
    reasons = "; ".join(loop.reasons) or "no legal parallel plan"
    return f"{where}: remark: loop over {iv} in {loop.function}() left serial: {reasons} [serial]"


def _summary(file: FileReport) -> str:
    parallel = sum(1 for loop in file.loops if loop.parallel)
    return (f"{file.path}: {len(file.loops)} for loop{'s' if len(file.loops) != 1 else ''}, {parallel} parallelized"
            + (f", {len(file.diagnostics)} diagnostic(s) on stderr" if file.diagnostics else ""))


def _print_table(out, file: FileReport) -> None:
    from rich.table import Table

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
    out.print(table)
