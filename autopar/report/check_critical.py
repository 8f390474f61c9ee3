"""`check` on a loop whose body holds the user's critical sections (`#pragma omp critical` above a
statement or a block): what only sections of one name touch is never touched by two threads at once.

The sections are read from the text. A variable named only inside sections of one name, and nowhere
else in the loop, is guarded by them: the analysis runs without its accesses and uses, so the rest
of the loop is judged as in any other loop. A variable named inside a section and outside it keeps
all of them (the read outside races with the write inside: `if (v > best)` before a critical
`best = v;`), and so does one named in sections of two names (two locks). The loop is not judged
(None) where the sections hold what the analysis cannot keep apart: a call, a loop, a switch or a jump,
a guarded pointer's pointee, a guarded array beside accesses through pointers that may reach it, a
guarded scalar whose address a pointer may hold, or a section written by a macro or `_Pragma`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from autopar.frontend.omp_pragmas import mask_comments, source_lines
from autopar.ir import Loop, TranslationUnit

_NAME = re.compile(r"\bcritical\s*\(\s*(\w+)\s*\)")
_STRINGS = re.compile(rb'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'')
_IDENTIFIER = re.compile(rb"[A-Za-z_]\w*")
_CALL = re.compile(rb"([A-Za-z_]\w*)\s*\(")
_KEYWORDS = {b"sizeof", b"_Alignof", b"alignof"}  # (may precede a parenthesis without calling)
_STATEMENT_KEYWORDS = {b"for", b"while", b"do", b"switch", b"goto", b"return", b"break", b"continue"}


@dataclass
class CriticalSections:
    ranges: list[tuple[int, int]] = field(default_factory=list)  # each section's statement, [start, end)
    guarded: set[str] = field(default_factory=set)  # variables only sections of one name touch


def critical_sections(source: bytes, tu: TranslationUnit, loop: Loop) -> Optional[CriticalSections]:
    """The loop's critical sections and the variables they guard; an empty answer when it has none,
    None when they cannot be read or hold what the analysis cannot keep apart."""
    lines = source_lines(source)
    found = CriticalSections()
    pragmas = [d for d in lines.omp if loop.line <= d.first_line <= loop.end_line]
    criticals = [d for d in pragmas if d.omp.directive[:1] == ["critical"]]
    inline = [text for line, text in lines.inline_omp if loop.line <= line <= loop.end_line]
    if not criticals:
        return None if any("critical" in text for text in inline) else found
    if inline or loop.end_offset is None:
        return None  # (`_Pragma("omp critical")` in the code: its statement is not read here)
    code = _STRINGS.sub(lambda m: b" " * len(m.group()), mask_comments(source[:loop.end_offset]))
    names_in: dict[bytes, set[str]] = {}
    for directive in criticals:
        end = _statement_end(code, directive.end, loop.end_offset)
        if end is None:
            return None
        text = code[directive.end:end]
        if any(m.group(1) not in _KEYWORDS for m in _CALL.finditer(text)) or \
                _STATEMENT_KEYWORDS & set(_IDENTIFIER.findall(text)):
            return None  # a call, or a loop or branch inside: not modelled
        name = _NAME.search(directive.text)
        key = name.group(1).encode() if name else b""
        names_in.setdefault(key, set()).update(w.decode() for w in _IDENTIFIER.findall(text))
        found.ranges.append((directive.start, end))
    outside = bytearray(code[loop.offset:loop.end_offset])
    for directive in pragmas:  # (the pragmas' own words are no uses)
        if directive.start >= loop.offset:
            outside[directive.start - loop.offset:directive.end - loop.offset] = b" " * (directive.end - directive.start)
    for start, end in found.ranges:
        outside[start - loop.offset:end - loop.offset] = b" " * (end - start)
    named_outside = {w.decode() for w in _IDENTIFIER.findall(bytes(outside))}
    for key, names in names_in.items():
        others = set().union(*(n for k, n in names_in.items() if k != key))
        found.guarded |= names - named_outside - others
    return found if _guardable(tu, loop, found.guarded) else None


def _statement_end(code: bytes, after: int, limit: int) -> Optional[int]:
    """Where the statement that starts after `after` ends (after its `;` or its block's `}`): an
    expression statement, a block, or an `if` with its `else`; None for anything else."""
    start = _skip_blanks(code, after, limit)
    if code[start:start + 1] == b"{":
        end = _closing(code, start, limit, b"{", b"}")
        return None if end is None else end + 1
    if re.match(rb"if\b", code[start:start + 3]):
        head = _skip_blanks(code, start + 2, limit)
        close = _closing(code, head, limit, b"(", b")") if code[head:head + 1] == b"(" else None
        end = None if close is None else _statement_end(code, close + 1, limit)
        if end is None:
            return None
        following = _skip_blanks(code, end, limit)
        return _statement_end(code, following + 4, limit) if re.match(rb"else\b", code[following:following + 5]) else end
    end = code.find(b";", start, limit)
    return None if end < 0 or re.search(rb"[{}]", code[start:end]) else end + 1


def _skip_blanks(code: bytes, at: int, limit: int) -> int:
    while at < limit and code[at:at + 1].isspace():
        at += 1
    return at


def _closing(code: bytes, start: int, limit: int, opening: bytes, closing: bytes) -> Optional[int]:
    """The offset of the bracket that closes the one at `start`."""
    depth = 0
    for at in range(start, limit):
        depth += {opening: 1, closing: -1}.get(code[at:at + 1], 0)
        if depth == 0:
            return at
    return None


def _guardable(tu: TranslationUnit, loop: Loop, guarded: set[str]) -> bool:
    """Whether the analysis may leave the guarded variables out: none is reached through a pointer or
    is a pointer whose pointee the sections touch, no guarded array sits beside an access through a
    pointer (it may reach the array), and no guarded scalar's address is within a pointer's reach."""
    nest = [loop, *tu.descendants(loop.id)]
    accesses = [a for l in nest for a in l.accesses]
    arrays = {a.base.name for a in accesses if a.base.name in guarded}
    for access in accesses:
        through_pointer = not access.base.is_array or access.path != access.base.name
        if access.base.name in arrays and through_pointer:
            return False
        if arrays and through_pointer and access.base.name not in guarded:
            return False
    for call in (c for l in nest for c in l.calls):  # (all outside the sections: they hold no call)
        if call.summary is not None and guarded & {*call.summary.reads_globals, *call.summary.writes_globals}:
            return False  # a function the loop calls touches a guarded global outside its lock
    return not any(u.variable.name in guarded and not u.declared_in_loop and u.address_taken and
                   u.address_in_reach for l in nest for u in l.scalars)


def without_guarded(tu: TranslationUnit, loop: Loop, sections: CriticalSections) -> TranslationUnit:
    """The unit with the guarded variables' accesses and uses left out of the loop and its inner loops
    (those declared inside the loop stay: each iteration's own)."""
    nest = {loop.id, *(l.id for l in tu.descendants(loop.id))}
    guarded = sections.guarded

    def left(l: Loop) -> Loop:
        return l.model_copy(update={
            "accesses": [a for a in l.accesses if a.base.name not in guarded],
            "scalars": [u for u in l.scalars if u.variable.name not in guarded or u.declared_in_loop]})

    return tu.model_copy(update={"loops": [left(l) if l.id in nest else l for l in tu.loops]})
