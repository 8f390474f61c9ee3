"""Versioned loops: takes a loop and the text of its parallel form and gives the edits that write
`if (condition) { parallel loop } else { serial copy }` (with specialized and per-thread-copy forms),
and whether a loop may be copied at all (`copyable`).
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

from autopar.plans import specialize
from autopar.edit import thread_copies
from autopar.edit.edit_sites import line_ending, start_of_line
from autopar.edit.edits import Edit
from autopar.ir import Loop
from autopar.plans.plan import Plan


SERIAL_COPY_MARK = "/* autopar: off (the serial version of the loop above) */"
_VERSIONED_END = re.compile(rb"\s*\}\s*else\s*\{\s*" + re.escape(SERIAL_COPY_MARK.encode()))


def versioned_by_rewrite(source: bytes, loop_end: int) -> bool:
    """Whether the loop ending at byte `loop_end` is the parallel branch of a versioned loop `rewrite`
    wrote (`if (check) { pragma, loop } else { /* autopar: off ... */ serial copy }`): its condition is
    tested around it."""
    return _VERSIONED_END.match(source, loop_end) is not None

# A copy doubles the compiler's work on the loop: loop-heavy solver files took 35% longer to build
# at -O3 with every threshold versioned. A loop longer than this keeps the if() clause, whose cost
# when false (entering the OpenMP runtime, about 0.3 µs) is small next to the work of a loop that
# large even below its threshold.
MAX_COPY_BYTES = 1500
# A plan whose if() being false must not run the parallel form at all (it needs an iteration for its
# lastprivate copies, a step OpenMP cannot take, a copy beside a run-time overlap check) has no form
# without the copy: the copy is the price of running in parallel, up to this size (NAS's line solves).
MAX_REQUIRED_COPY_BYTES = 32 * 1024


def copyable(loop: Loop, required: bool = False) -> bool:
    """Whether a versioned form may copy the loop: its text can be copied as it is, and is short
    (`required`: the plan runs in parallel only beside a copy, MAX_REQUIRED_COPY_BYTES)."""
    return loop.copy_problem is None and loop.end_offset is not None and \
        loop.end_offset - loop.offset <= (MAX_REQUIRED_COPY_BYTES if required else MAX_COPY_BYTES)


def versioned_edits(source: bytes, loop: Loop, pragma: str, condition: Optional[str],
               constants: Optional[dict[str, str]] = None,
               copies: Optional[thread_copies.ThreadCopies] = None,
               fallback: Sequence[Edit] = ()) -> list[Edit]:
    """A plan with an if() condition written as a choice in the source: the parallel loop when the
    condition holds, else a serial copy of the loop. An if() clause that is false still enters the
    OpenMP runtime (a fraction of a microsecond per entry); a plain `if` costs one comparison. The copy
    is opted out, so a second rewrite (or `check`) leaves it alone.

    With `constants` (autopar.plans.specialize), the parallel branch holds a second parallel copy, with
    the constants spelled as literals, taken when the parameters have those values:

        if (condition) {
        if (pool == 2) { #pragma ... <the loop with 2 for pool> } else { #pragma ... <the loop> }
        } else { <serial copy> }

    With `copies` (autopar.edit.thread_copies), the parallel loop is written with per-thread copies of its
    reduced arrays instead of the one pragma line; without a condition, that alone (no serial copy).
    `fallback` are edits inside the loop's text (a plan of an inner loop), applied to the serial copy.
    """
    start = start_of_line(source, loop.offset)
    eol = line_ending(source, start)
    indentation = source[start:loop.offset].decode("utf-8", "surrogateescape")
    # the unbraced body of an `if` would get a dangling `else`: a block of its own keeps it whole
    brace, unbrace = ("", "") if loop.braced else ("{ ", " }")
    end = loop.end_offset
    copy, copy_marks = _copy_with(source, loop, fallback)
    end_line = source.count(b"\n", 0, end) + 1
    opening, opening_marks = indentation + brace, []
    if condition:
        opening += f"if ({condition}) {{{eol}{indentation}"
    if constants:
        opening += f"if ({specialize.condition(constants)}) {{{eol}{indentation}{pragma}{eol}"
        opening_marks.append((len(opening), loop.line))
        opening += f"{indentation}{specialize.substitute(source, loop, constants)}{eol}{indentation}}} else {{{eol}{indentation}"
    opening += copies.opening[len(indentation):] if copies else f"{pragma}{eol}"
    if opening_marks:
        opening_marks.append((len(opening), loop.line))
    closing, closing_marks = copies.closing if copies else "", []
    if constants:
        closing += f"{eol}{indentation}}}"
    if condition:
        closing += f"{eol}{indentation}}} else {{ {SERIAL_COPY_MARK}{eol}"
        closing_marks.append((len(closing), loop.line))
        closing_marks += [(len(closing) + len(indentation) + at, line) for at, line in copy_marks]
        closing += f"{indentation}{copy}{eol}{indentation}}}"
    closing += unbrace
    closing_marks.append((len(closing), end_line))
    return [Edit(offset=start, length=0, text=opening, loop_id=loop.id, line=loop.line, pragma=pragma,
                 line_marks=opening_marks),
            Edit(offset=end, length=0, text=closing, loop_id=loop.id, line=end_line, line_marks=closing_marks)]


def _copy_with(source: bytes, loop: Loop, edits: Sequence[Edit]) -> tuple[str, list[tuple[int, int]]]:
    """The loop's text with `edits` (inside it) applied, and the line marks that map the lines after
    each insertion back to the original's: (position in the copy, line)."""
    out, marks, at = [], [], loop.offset
    for edit in sorted(edits, key=lambda e: e.offset):
        out.append(source[at:edit.offset].decode("utf-8", "surrogateescape"))
        written = sum(len(part) for part in out)
        marks += [(written + position, line) for position, line in edit.line_marks]
        out.append(edit.text)
        at = edit.offset + edit.length
        if edit.text.endswith(("\n", "\r")):  # an insertion of whole lines: the next line is the original's
            marks.append((sum(len(part) for part in out), source.count(b"\n", 0, at) + 1))
    out.append(source[at:loop.end_offset].decode("utf-8", "surrogateescape"))
    return "".join(out), marks


def copy_required(plan: Plan, loop: Loop) -> bool:
    """Whether the plan runs in parallel only beside a serial copy of its loop, for when its if() is
    false: its clauses need an iteration, its loop steps by a variable, or its run-time check keeps a
    pointer apart from a copied variable (see _why_not_applied and _unversioned_copies)."""
    return bool(plan.runs_check) or bool(loop.canonical is not None and loop.canonical.step_symbol) or \
        copies_checked(plan) or (bool(plan.alias_check) and thread_copies.needed(plan))


def copies_checked(plan: Plan) -> bool:
    """Whether the plan's run-time overlap check names a variable the plan gives each thread a copy of
    (`&w` beside `lastprivate(w)`): when the check fails, the loop must run on the shared variable."""
    if not plan.alias_check:
        return False
    copied = {*plan.private, *plan.lastprivate, *plan.conditional_lastprivate, *plan.firstprivate,
              *(v for r in plan.reductions for v in r.variables)}
    return any(re.search(rf"(?<![\w.>]){re.escape(name.split('[')[0])}\b", plan.alias_check) for name in copied)
