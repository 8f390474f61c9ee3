"""The omp pragma lines of a rewrite's text: where they are, the text without some of them, and the
line of the program before the rewrite that a pragma's loop had."""

from __future__ import annotations

from typing import Sequence

from autopar.frontend.omp_pragmas import Directive, source_lines


def omp_directives(text: str) -> list[Directive]:
    return source_lines(text.encode("utf-8", "surrogateescape")).omp


def pragma_lines(text: str) -> list[int]:
    """0-based line numbers of the omp pragma lines of `text` (the first line of each)."""
    return [d.first_line - 1 for d in omp_directives(text)]


def without_lines(text: str, drop: Sequence[int]) -> str:
    dropped = set(drop)
    return "".join(line for i, line in enumerate(text.splitlines(keepends=True)) if i not in dropped)


def original_line(text: str, pragma_index: int) -> int:
    """The 1-based line, in the program before the rewrite, of the loop under the pragma on line
    `pragma_index` (0-based) of the rewrite: every pragma line above it was inserted."""
    before = sum(1 for i in pragma_lines(text) if i < pragma_index)
    return pragma_index - before + 1
