"""`check` on a loop whose body holds the user's critical sections (`#pragma omp critical` above a
statement or a block): what only sections of one name touch is never touched by two threads at once.

The sections are the statements the front end found after each directive (Loop.critical_sections);
the names in them and around them are read from the text. A variable named only inside sections of
one name, and nowhere else in the loop, is guarded by them: the analysis runs without its accesses
and uses, so the rest of the loop is judged as in any other loop. A variable named inside a section and outside it keeps
all of them (the read outside races with the write inside: `if (v > best)` before a critical
`best = v;`), and so does one named in sections of two names (two locks), or stored in one section
without being read there while another names it (`t = s;` in one, `s = t + x;` in the next: an update
between them is lost), or named in a section other than in updates that commute, a best-so-far's test
or what it prints (`s = s * 3 + x`, `t = cnt++`, an argmax's index: the order in which the threads take
the lock decides its value). The loop is not judged
(None) where the sections hold what the analysis cannot keep apart: a call, a loop, a switch or a jump,
a guarded pointer's pointee, a guarded array beside accesses through pointers that may reach it, a
guarded scalar whose address a pointer may hold, a guarded global a called function touches, a
name in a section that is no variable of the loop (a macro, a member of `this`, a constant), a guarded
variable some macro names in the loop, or a section written by `_Pragma`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from autopar.frontend.omp_pragmas import closing, mask_comments, source_lines
from autopar.ir import CallEffect, Loop, TranslationUnit

_NUMBERS = re.compile(rb"\b\d[\w.]*|\.\d\w*")  # (`1.5f`, `0x1F`: no names)
_IDENTIFIER = re.compile(rb"[A-Za-z_]\w*")
_CALL = re.compile(rb"([A-Za-z_]\w*)\s*\(")
_SUBSCRIPTS = rb"(?:\[(?:[^\[\]]|\[[^\[\]]*\])*\]\s*)*"  # `[k]`, `[(int)a[i] & 15]`: one nesting
_KEYWORDS = {b"sizeof", b"_Alignof", b"alignof"}  # (may precede a parenthesis without calling)
_MEMBERS = re.compile(rb"(?:\.|->)\s*[A-Za-z_]\w*")  # `s.count`, `p->x`: the member is no variable
# the words of C that name no variable: keywords and the arithmetic types
_C_WORDS = {"if", "else", "sizeof", "_Alignof", "alignof", "const", "volatile", "restrict", "signed", "unsigned",
            "for", "while", "switch", "return",
            "char", "short", "int", "long", "float", "double", "_Bool", "bool", "void", "struct", "union", "enum"}
# what prints under the lock, in the order the threads take it (no variable of the program changes)
_PRINTING = {"printf", "fprintf", "puts", "fputs", "putchar", "putc", "fputc", "fflush"}
_STATEMENT_KEYWORDS = {b"for", b"while", b"do", b"switch", b"goto", b"return", b"break", b"continue"}


@dataclass
class CriticalSections:
    ranges: list[tuple[int, int]] = field(default_factory=list)  # each section's statement, [start, end)
    guarded: set[str] = field(default_factory=set)  # variables only sections of one name touch
    calls: set[tuple[int, int]] = field(default_factory=set)  # (line, column) of the calls in the sections


def critical_sections(source: bytes, tu: TranslationUnit, loop: Loop,
                      named: frozenset = frozenset()) -> Optional[CriticalSections]:
    """The loop's critical sections and the variables they guard; an empty answer when it has none,
    None when they cannot be read or hold what the analysis cannot keep apart. `named`: the variables
    the pragma's clauses name, never guarded (their clause is judged)."""
    lines = source_lines(source)
    pragmas = [d for d in lines.omp if loop.line <= d.first_line <= loop.end_line]
    criticals = [d for d in pragmas if d.omp.directive[:1] == ["critical"]]
    inline = [text for line, text in lines.inline_omp if loop.line <= line <= loop.end_line]
    found = CriticalSections(ranges=[(start, end) for start, end, _ in loop.critical_sections])
    if not criticals:
        return None if any("critical" in text for text in inline) else found
    if inline or loop.end_offset is None or len(loop.critical_sections) != len(criticals):
        return None  # (`_Pragma("omp critical")` in the code, or a directive the front end did not place)
    code = _NUMBERS.sub(lambda m: b" " * len(m.group()), mask_comments(source[:loop.end_offset], strings=True))
    nest = [loop, *tu.descendants(loop.id)]
    known = {a.base.name for l in nest for a in l.accesses} | {u.variable.name for l in nest for u in l.scalars}
    names_in: dict[str, set[str]] = {}
    texts: list[bytes] = []
    for start, end, lock in loop.critical_sections:
        text = code[start:end]
        raw = set(_IDENTIFIER.findall(_MEMBERS.sub(b" ", text)))
        words = {w.decode() for w in raw - _STATEMENT_KEYWORDS} - _C_WORDS
        called = {m.group(1).decode() for m in _CALL.finditer(text)} - {k.decode() for k in _KEYWORDS} - _C_WORDS
        reached = _called_globals(tu, called)
        if reached is None or raw & _STATEMENT_KEYWORDS or words - known - called:
            return None  # an unknown call, a loop or jump, or a name that is no variable (a macro, a constant)
        names_in.setdefault(lock, set()).update(words - called, reached)
        texts.append(_MEMBERS.sub(b" ", text))
    outside = bytearray(code[loop.offset:loop.end_offset])
    for start, end in [(d.start, d.end) for d in pragmas] + found.ranges:  # (the pragmas' own words are no uses)
        start, end = max(start, loop.offset), min(end, loop.end_offset)
        if start < end:
            outside[start - loop.offset:end - loop.offset] = b" " * (end - start)
    named_outside = {w.decode() for w in _IDENTIFIER.findall(bytes(outside))} | set(named)
    # (what the loop only reads needs no lock: the analysis keeps it)
    written = {a.base.name for l in nest for a in l.accesses if a.is_write} | \
        {u.variable.name for l in nest for u in l.scalars if u.written} | (set().union(*names_in.values()) - known)
    for lock, names in names_in.items():
        others = set().union(*(n for k, n in names_in.items() if k != lock))
        found.guarded |= (names - named_outside - others) & written
    found.guarded -= _split_updates(found.guarded, texts) | _overwritten(found.guarded, texts) | \
        _order_dependent(found.guarded, texts)
    if found.guarded & set(loop.macro_named):
        return None  # a macro names a guarded variable: where, the text does not say
    starts = lines.starts
    found.calls = {(c.line, c.column) for l in nest for c in l.calls if c.line <= len(starts) and
                   any(start <= starts[c.line - 1] + c.column - 1 < end for start, end in found.ranges)}
    unguarded = _unguardable(tu, loop, found.guarded, found.calls)
    if unguarded is None:
        return None
    found.guarded -= unguarded  # (judged with their every use: a race outside the lock is reported)
    return found


def _split_updates(guarded: set[str], texts: list[bytes]) -> set[str]:
    """The guarded variables that one section stores without reading them (`s = t + a[i];`, `h[k] = t;`)
    while another section names them: the value stored was read under another hold of the lock
    (`t = s;`), so updates between the two are lost. Judged with all their uses, as without the lock."""
    split = set()
    for name in guarded:
        counts = [_uses_and_stores(name, t) for t in texts]
        naming = [(uses, stores) for uses, stores in counts if uses]
        if len(naming) > 1 and any(uses == stores for uses, stores in naming):
            split.add(name)
    return split


def _uses_and_stores(name: str, text: bytes) -> tuple[int, int]:
    """How often a section's text names `name`, and how often it stores it (`name = `, `name[k] = `)."""
    word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
    stored = re.compile(rb"\b" + re.escape(name.encode()) + rb"\s*" + _SUBSCRIPTS + rb"=(?!=)")
    return len(word.findall(text)), len(stored.findall(text))


def _overwritten(guarded: set[str], texts: list[bytes]) -> set[str]:
    """The guarded variables a section stores without reading (`t = i * 4 + j;`, `h[k] = i;`,
    `if (a[i] > 50) last = i;`): the lock orders the stores, but the last one to take it is any
    thread's, where the serial loop's last iteration wins. Judged with all their uses, as without the
    lock; not in a section that also updates what it reads (`if (v > best) { best = v; at = i; }`
    keeps the best value whatever the order)."""
    found = set()
    for text in texts:
        counts = {name: _uses_and_stores(name, text) for name in guarded}
        if any(0 < writes < uses for uses, writes in counts.values()):
            continue  # (a best-so-far: the test reads what the section stores)
        found |= {name for name, (uses, writes) in counts.items() if writes and uses == writes}
    return found


_UPDATE = rb"(?:\+\+|--|\+=|-=|\*=|&=|\|=|\^=)"
_CONDITION = re.compile(rb"\bif\s*\(")


def _order_dependent(guarded: set[str], texts: list[bytes]) -> set[str]:
    """The guarded variables whose value depends on the order in which the threads take the lock: a
    section names them other than in updates that commute (`s += v`, `h[k]++`, `c = c + 1`), in the
    test of a best-so-far (`if (v > best) best = v;`) or in what it prints (`s = s * 3 + a[i]`, `t =
    cnt++; b[i] = t`, `p = prev; prev = a[i]`, and the index of an argmax, which a tie leaves to the
    first thread that takes the lock). Judged with all their uses, as without the lock."""
    found = set()
    for text in texts:
        compared = set().union(*(_IDENTIFIER.findall(_inside(text, m.end() - 1)) for m in _CONDITION.finditer(text)))
        printed = [(m.end(), m.end() + len(_inside(text, m.end() - 1))) for m in _CALL.finditer(text)
                   if m.group(1).decode() in _PRINTING]
        for name in guarded:
            word = rb"\b" + re.escape(name.encode()) + rb"\b"
            uses = [m.start() for m in re.finditer(word, text) if not any(a <= m.start() < b for a, b in printed)]
            if not uses or name.encode() in compared:
                continue
            updates = len(re.findall(rb"(?:\+\+|--)\s*" + word + rb"|" + word + rb"\s*" + _SUBSCRIPTS + _UPDATE, text))
            spelled = len(re.findall(word + rb"\s*=\s*" + word + rb"\s*[-+*&|^][^=]", text))  # (`c = c + 1`)
            if updates + 2 * spelled != len(uses):
                found.add(name)
    return found


def _inside(text: bytes, opening: int) -> bytes:
    """The text between the parenthesis at `opening` and the one that closes it (to the end without one)."""
    end = closing(text.decode("latin-1"), opening)
    return text[opening + 1:len(text) if end is None else end]


def _called_globals(tu: TranslationUnit, called: set[str]) -> Optional[set[str]]:
    """The globals that the functions called in a section read or write (a pure library function:
    none); None when one of them is not known, does I/O or calls what is not known, writes through
    its arguments, or reaches memory through a pointer it loads."""
    from autopar.frontend.calls import classify

    reached: set[str] = set()
    for name in called:
        summary = tu.functions.get(name)
        if summary is None:
            if classify(name) != CallEffect.PURE and name not in _PRINTING:
                return None
            continue
        touched = {*summary.reads_globals, *summary.writes_globals}
        if summary.writes_through_params or any(g.startswith("*") for g in touched) or \
                summary.effect not in (CallEffect.PURE, CallEffect.SAME_TU):
            return None
        reached |= touched
    return reached


def _unguardable(tu: TranslationUnit, loop: Loop, guarded: set[str],
                 inside: set[tuple[int, int]]) -> Optional[set[str]]:
    """The guarded variables the analysis must see all the same: a global that a function the loop
    calls outside the sections touches, a scalar whose address a pointer may hold, an array beside
    accesses through pointers (one may reach it). None when a guarded variable is a pointer whose
    pointee the sections touch: what the lock keeps apart is not known."""
    nest = [loop, *tu.descendants(loop.id)]
    accesses = [a for l in nest for a in l.accesses]
    through = [a for a in accesses if not a.base.is_array or a.path != a.base.name]
    if any(a.base.name in guarded for a in through):
        return None
    seen = {a.base.name for a in accesses if a.base.name in guarded} if any(
        a.base.name not in guarded for a in through) else set()
    for call in (c for l in nest for c in l.calls):
        if call.summary is not None and (call.line, call.column) not in inside:
            seen |= guarded & {*call.summary.reads_globals, *call.summary.writes_globals}
    seen |= {u.variable.name for l in nest for u in l.scalars if u.variable.name in guarded and
             not u.declared_in_loop and u.address_taken and u.address_in_reach}
    return seen


def without_guarded(tu: TranslationUnit, loop: Loop, sections: CriticalSections) -> TranslationUnit:
    """The unit with the guarded variables' accesses and uses left out of the loop and its inner loops
    (those declared inside the loop stay: each iteration's own)."""
    nest = {loop.id, *(l.id for l in tu.descendants(loop.id))}
    guarded = sections.guarded

    def left(l: Loop) -> Loop:
        return l.model_copy(update={
            "accesses": [a for a in l.accesses if a.base.name not in guarded],
            "scalars": [u for u in l.scalars if u.variable.name not in guarded or u.declared_in_loop],
            "calls": [c for c in l.calls if (c.line, c.column) not in sections.calls or c.summary is not None and
                      not {*c.summary.reads_globals, *c.summary.writes_globals} <= guarded]})

    return tu.model_copy(update={"loops": [left(l) if l.id in nest else l for l in tu.loops]})
