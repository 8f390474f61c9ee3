"""Source edits and their application: `Edit` (a Clang-style replacement: byte offset, length,
text), `apply_edits` (the edited bytes), `unified_diff` (a patch of the change) and
`with_line_directives` (the edited bytes with `#line` directives back to the original file).
"""

from __future__ import annotations

import difflib
import re
from typing import Optional

from pydantic import BaseModel, Field

from autopar.edit.edit_sites import line_ending
from autopar.frontend.omp_pragmas import mask_comments


class Edit(BaseModel):
    """Replace `length` bytes at byte `offset` with `text` (UTF-8). Insertions have length 0."""

    offset: int = Field(ge=0)
    length: int = Field(default=0, ge=0)
    text: str
    loop_id: Optional[str] = None  # the loop this edit parallelizes
    line: Optional[int] = None  # 1-based line of that loop's `for` in the original file
    pragma: Optional[str] = None  # the pragma text, without indentation or line ending
    # (position in `text`, original line): the code from there on comes from that line of the original
    # file, for `#line` directives; empty for a pragma insertion (the `for` line follows it)
    line_marks: list[tuple[int, int]] = Field(default_factory=list)
    # in a compiler's copy (with_line_directives), the text after the last line mark: blanks that keep
    # the code after the edit at its original column, so diagnostics name the user's column
    column_blanks: Optional[str] = None
    # the edit opens (or closes) a shared parallel region on a serial loop: the loop is not parallel
    opens_region: bool = False
    # the definition of a function the rewriter's conditions call, for no loop: the start-up gate
    # (TEAM_GATE) or an index array's inspection (autopar.deps.indexed); the function's name
    defines: Optional[str] = None
    # a replacement inside one line of the loop's body (a claim's test, autopar.edit.claims): no line moves
    in_line: bool = False


class RewriteError(Exception):
    pass


def apply_edits(source: bytes, edits: list[Edit]) -> bytes:
    """Apply non-overlapping edits; insertions at the same offset keep their order."""
    out: list[bytes] = []
    position = 0
    for edit in sorted(edits, key=lambda e: e.offset):  # sorted() is stable
        if edit.offset < position or edit.offset + edit.length > len(source):
            raise RewriteError(f"edit at byte {edit.offset} overlaps another or lies outside the file")
        out.append(source[position:edit.offset])
        out.append(edit.text.encode("utf-8", "surrogateescape"))
        position = edit.offset + edit.length
    out.append(source[position:])
    return b"".join(out)


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    """A `diff -u` style patch (a/ b/ prefixes, as git and `patch -p1` expect)."""
    old = before.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    new = after.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def with_line_directives(source: bytes, edits: list[Edit], original_path: str) -> bytes:
    """The rewritten source for a compiler: `#line` keeps every diagnostic at the original file and line.

    `#line 1 "path"` goes on top, and `#line N` after each inserted pragma, N being the line of the
    `for` in the original file.
    """
    quoted = original_path.replace("\\", "\\\\").replace('"', '\\"')
    eol = line_ending(source, 0)
    logical = _LogicalLines(source)
    if logical.unknown:
        raise RewriteError("a #line directive of the file sits under #if, #ifdef or #ifndef: the line numbers "
                           "after it depend on macros autopar does not evaluate, so __LINE__ could change")
    marked = []
    for edit in edits:
        if edit.in_line:
            marked.append(edit)
            continue
        if edit.line is None:
            raise RewriteError("line directives need edits that know their line")
        if edit.line_marks:
            if edit.column_blanks is not None:
                edit = edit.model_copy(update={"text": edit.text[:max(edit.line_marks)[0]] + edit.column_blanks})
            marked.append(edit.model_copy(update={"text": _with_marks(edit, eol, logical)}))
            continue
        if edit.length:  # a replaced nest (--optimize): the code after it keeps its own line
            after = source.count(b"\n", 0, edit.offset + edit.length) + 1
            marked.append(edit.model_copy(update={"text": edit.text + f"{eol}{logical.directive(after)}{eol}"}))
            continue
        marked.append(edit.model_copy(update={"text": edit.text + f"{logical.directive(edit.line)}{eol}"}))
    result = apply_edits(source, marked)
    bom = b"\xef\xbb\xbf" if result.startswith(b"\xef\xbb\xbf") else b""  # stays the first bytes
    top = f'#line 1 "{quoted}"{eol}'
    if b"__BASE_FILE__" in source:  # (the compiler names the copy there, and no #line changes it; the
        # copy's compile turns off the warning, autopar.tools.cc_cache.copy_flags)
        top = eol.join(['#undef __BASE_FILE__', f'#define __BASE_FILE__ "{quoted}"', top])
    return bom + top.encode() + result[len(bom):]


class _LogicalLines:
    """The line (and file) the file's own `#line` directives give a physical line: a parser generated
    by bison or flex says `#line 500 "gen.y"`, and a directive autopar adds after it must say that
    line of gen.y, not the physical one."""

    _LINE = re.compile(rb'^[ \t]*(?:#|%:|\?\?=)[ \t]*(?:line[ \t]+)?(\d+)(?:[ \t]+"((?:[^"\\\n]|\\.)*)")?', re.M)

    def __init__(self, source: bytes):
        self.marks: list[tuple[int, int, Optional[str]]] = []  # (physical line of the directive, its line, file)
        # a directive under a conditional other than `#if 0`: whether the compiler reads it depends on
        # macros autopar does not evaluate, and so does every line number after it
        self.unknown = False
        if b"#" not in source and b"%:" not in source and b"??=" not in source:
            return
        file = None
        code = mask_comments(source)  # (a `# 900 "old.c"` in a comment, or under `#if 0`, is no directive)
        skipped = _if_zero_ranges(code) + _raw_string_ranges(source)
        groups = _conditional_ranges(code)
        for found in self._LINE.finditer(code):
            if any(start <= found.start() < end for start, end in skipped):
                continue
            if any(start <= found.start() < end for start, end in groups):
                self.unknown = True
            physical = source.count(b"\n", 0, found.start()) + 1
            file = found.group(2).decode("utf-8", "surrogateescape") if found.group(2) is not None else file
            self.marks.append((physical, int(found.group(1)), file))

    def directive(self, physical: int) -> str:
        """`#line N` (with the file a directive of the source named) for a physical line."""
        before = [m for m in self.marks if m[0] < physical]
        if not before:
            return f"#line {physical}"
        at, line, file = before[-1]
        number = line + physical - at - 1
        return f'#line {number} "{file}"' if file is not None else f"#line {number}"


_CONDITIONAL = re.compile(rb"^[ \t]*(?:#|%:|\?\?=)[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)$", re.M)


def _if_zero_ranges(code: bytes) -> list[tuple[int, int]]:
    """The byte ranges an `#if 0` (to its `#else`, `#elif` or `#endif`) keeps from the compiler."""
    ranges, stack = [], []  # stack: (where an `#if 0` group began, or None for any other #if)
    for found in _CONDITIONAL.finditer(code):
        word = found.group(1)
        if word in (b"if", b"ifdef", b"ifndef"):
            zero = word == b"if" and found.group(2).strip() == b"0"
            stack.append(found.end() if zero else None)
        elif stack and stack[-1] is not None:  # the end of an `#if 0` group
            ranges.append((stack[-1], found.start()))
            if word == b"endif":
                stack.pop()
            else:
                stack[-1] = None  # (its #else or #elif may be compiled)
        elif stack and word == b"endif":
            stack.pop()
    return ranges


def _conditional_ranges(code: bytes) -> list[tuple[int, int]]:
    """The byte ranges inside any `#if`/`#ifdef`/`#ifndef` group, to its `#endif`."""
    ranges, stack = [], []
    for found in _CONDITIONAL.finditer(code):
        if found.group(1) in (b"if", b"ifdef", b"ifndef"):
            stack.append(found.end())
        elif found.group(1) == b"endif" and stack:
            start = stack.pop()
            if not stack:
                ranges.append((start, found.start()))
    return ranges + ([(stack[0], len(code))] if stack else [])


# a C++ raw string literal (`R"md(# 1 Introduction)md"`): its lines are no directives
_RAW_STRING = re.compile(rb'(?<![\w])(?:u8|[uUL])?R"([^()\\ \t\n]{0,16})\((.*?)\)\1"', re.S)


def _raw_string_ranges(source: bytes) -> list[tuple[int, int]]:
    return [m.span() for m in _RAW_STRING.finditer(source)] if b'R"' in source else []


def _with_marks(edit: Edit, eol: str, logical: _LogicalLines) -> str:
    """The edit's text with `#line N` at each of its marks, each directive on a line of its own."""
    pieces, position = [], 0
    for at, line in sorted(edit.line_marks):
        pieces.append(edit.text[position:at])
        before = edit.text[:at]
        pieces.append(("" if before.endswith("\n") else eol) + f"{logical.directive(line)}{eol}")
        position = at
    pieces.append(edit.text[position:])
    return "".join(pieces)
