"""Where the rewriter may write: reads the source bytes around a loop and gives its line's start,
line ending and continuation, the omp pragma already above it, and why a loop may not be edited
(`why_not_editable`: None when it may).
"""

from __future__ import annotations

import re
from typing import Optional

from autopar.ir import Loop, TranslationUnit
from autopar.frontend.omp_pragmas import source_lines


def why_not_editable(source: bytes, tu: TranslationUnit, loop: Loop, own_line: bool = True) -> Optional[str]:
    """Why the rewriter may not write on `loop`, or None. With `own_line` False, a loop after other code
    on its line may be edited when a line break can go before its `for` (`breakable_before`)."""
    if not loop.in_main_file:
        return "not edited: the loop is in another file (a header)"
    if loop.from_macro:
        return "not edited: the loop comes from a macro expansion"
    if loop.opt_out:
        return "not edited: `autopar: off` applies to this loop"
    if loop.existing_pragma or omp_pragma_above(source, loop.offset):
        return "not edited: the loop already has an omp pragma"
    if loop.inside_omp_construct or any(a.existing_pragma or omp_pragma_above(source, a.offset)
                                        for a in tu.ancestors(loop.id)):
        return "not edited: the loop is inside an existing omp construct"
    if source[loop.offset:loop.offset + 3] != b"for":
        return "not edited: the file no longer matches the analysis (no `for` at the loop's offset)"
    start = start_of_line(source, loop.offset)
    shared = shares_line(source, loop)
    if shared and (own_line or breakable_before(source, loop.offset) is None):
        return "not edited: other code precedes the `for` on its line"
    if continued_from_above(source, start):
        return "not edited: the previous line continues onto the `for` line"
    hint = None if shared else loop.hint_above or _hint_pragma_above(source, start)
    if hint:
        return f"not edited: `{hint}` sits on the loop, and an omp pragma must be right above the `for`"
    return None


def _hint_pragma_above(source: bytes, line_start: int) -> Optional[str]:
    """A pragma that is not omp (`#pragma GCC ivdep`, `#pragma unroll`) above the loop: on its statement
    line above (SourceLines.statement_line_above: `#ifdef TRACE`, `#endif` may sit between them); gcc
    accepts an omp pragma neither above nor below one."""
    lines = source_lines(source)
    directive = lines.directive_of(lines.statement_line_above(lines.line_of(line_start)))
    if directive is None or directive.pragma is None or directive.is_omp:
        return None
    return directive.text


def shares_line(source: bytes, loop: Loop) -> bool:
    """Whether other code precedes the loop's `for` on its line (`if (n > 0) for (...)`)."""
    return bool(source[start_of_line(source, loop.offset):loop.offset].strip(b" \t\f\v"))


# what a statement may follow on its line: a line break after it changes nothing (a statement's or
# block's end, a block's start, a condition's `)`, a label's `:`, `else`, `do`, a comment's end)
_STATEMENT_MAY_FOLLOW = re.compile(rb"(?:[;{}):]|\*/|(?<![A-Za-z0-9_])(?:else|do))[ \t\f\v]*\Z")


def breakable_before(source: bytes, offset: int) -> Optional[int]:
    """Where a line break may go before the `for` at `offset` that other code precedes on its line: the
    start of the blanks before it, or None when the code before cannot end there (the line is a
    preprocessor directive, or the text before does not end as a statement may follow)."""
    start = start_of_line(source, offset)
    before = source[start:offset]
    if before.lstrip().startswith(b"#") or b"//" in before:
        return None
    found = _STATEMENT_MAY_FOLLOW.search(before)
    if found is None or before.rstrip().endswith(b")") and not _condition_closes(before.rstrip()):
        return None
    return offset - (len(before) - len(before.rstrip(b" \t\f\v")))


def _condition_closes(text: bytes) -> bool:
    """Whether the `)` that ends `text` closes the condition of an `if`, `while`, `for` or `switch`
    opened on the same line (not a macro's call, `_Pragma("omp simd")` or a cast)."""
    depth = 0
    for at in range(len(text) - 1, -1, -1):
        depth += {b")": 1, b"(": -1}.get(text[at:at + 1], 0)
        if depth == 0:
            return re.search(rb"(?<![\w])(?:if|while|for|switch)\s*\Z", text[:at]) is not None
    return False


def start_of_line(source: bytes, offset: int) -> int:
    return source.rfind(b"\n", 0, offset) + 1


def continued_from_above(source: bytes, line_start: int) -> bool:
    """Whether the text before `line_start`, line breaks aside, ends in a backslash that continues onto
    this line: also one that blanks follow (gcc and clang join the lines, with a warning) and the
    trigraph `??/` (under -trigraphs). Scans back from `line_start` instead of copying the file up to
    it: it runs for every loop."""
    end = line_start
    while end > 0 and source[end - 1] in b"\r\n":
        end -= 1
    while end > 0 and source[end - 1] in b" \t\f\v":
        end -= 1
    return end > 0 and (source[end - 1] == ord("\\") or source[max(0, end - 3):end] == b"??/")


def line_ending(source: bytes, line_start: int) -> str:
    """The line ending of the line before `line_start`, else of the file's first line, else LF."""
    if line_start >= 2 and source[line_start - 2:line_start] == b"\r\n":
        return "\r\n"
    if line_start >= 1:
        return "\n"
    first = source.find(b"\n")
    return "\r\n" if first > 0 and source[first - 1:first] == b"\r" else "\n"


def omp_pragma_above(source: bytes, offset: int) -> Optional[str]:
    """The text of the omp pragma that applies to the `for` at `offset`, continuation lines joined, or
    None. The rewriter's own check, so that a second run changes nothing even when the front end did
    not record the pragma."""
    found = omp_pragma_span(source, offset)
    return found[2] if found else None


def omp_pragma_span(source: bytes, offset: int) -> Optional[tuple[int, int, str]]:
    """(start byte, end byte, normalised text) of the lines of the omp pragma that applies to the `for`
    at `offset` (autopar.frontend.omp_pragmas: blank lines, comments, other pragmas and `#ifdef`s may sit
    between), or None."""
    lines = source_lines(source)
    directive = lines.pragma_above(lines.line_of(offset))
    return (directive.start, directive.end, directive.text) if directive else None
