"""`check` on a worksharing loop (`#pragma omp for`) inside the user's `#pragma omp parallel` region.

A scalar declared in the region before the loop, or named in the region's private, firstprivate or
reduction clause, is each thread's own (OpenMP's data-sharing rules): the loop's iterations in one
thread share it, those of different threads never do. The loop is judged with such a scalar taken
as declared inside it (ScalarUse.declared_in_loop) where that changes nothing a thread's iterations
see: one written before it is read in every iteration, a thread's partial sum (`s += a[i]`, added
into a total after the loop: no race), one the loop only reads. A value a thread carries from one of
its iterations to its next (`b[i] = a[i] + prev; prev = a[i];`, a running sum) is left as the
analysis finds it, a scalar shared by the iterations: the loop is not independent. A `private`
clause's copy that the loop reads and the region never assigns is read uninitialised
(region_problems).
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from autopar.frontend.omp_pragmas import OmpPragma, source_lines
from autopar.ir import Loop, TranslationUnit

_THREAD_CLAUSES = ("private", "firstprivate", "reduction")


def region_private(source: bytes, loop: Loop) -> dict[str, str]:
    """The scalars and arrays each thread of the innermost parallel region around the loop has of its
    own, each with how it gets it: the clause's name, or "declared" (in the region, before the loop); for a
    `private` one the region never assigns before the loop, "unassigned"."""
    lines = source_lines(source)
    found = _region_around(lines, loop, lambda words: words == ["parallel"])
    if found is None:
        return {}
    pragma, block = found
    names = {v: c.name for c in pragma.clauses if c.name in _THREAD_CLAUSES for v in c.variables}
    before = lines.code[block[0]:loop.offset]
    for name, kind in names.items():
        if kind == "private" and not re.search(rb"\b" + re.escape(name.encode()) + rb"\b(?!\s*==)", before):
            names[name] = "unassigned"  # (any naming in the region may assign it: `f(&x)`, `x = 1`)
    for variable in [use.variable for use in loop.scalars] + [a.base for a in loop.accesses]:
        at = _offset(lines.starts, variable.decl)
        if at is not None and block[0] < at < loop.offset:
            names[variable.name] = "declared"
    return names


# constructs of a region whose code no barrier separates from a worksharing loop (a master block ends
# with none, a nowait single neither) or that runs it once per thread or apart: not modelled
_UNORDERED = re.compile(rb"^[ \t]*(?:#|%:|\?\?=)[ \t]*pragma[ \t]+omp[ \t]+(?:master|masked|single|sections|section|task|parallel)\b",
                        re.M)


def region_has_unordered_code(source: bytes, loop: Loop, combined: bool = False) -> bool:
    """Whether the parallel region around the worksharing loop holds a `master`, `masked`, `single`,
    `sections`, `task` or nested `parallel` construct: what it writes may meet the loop's iterations
    with no barrier between (`master` has none), which check does not model. For a loop of a combined
    `parallel for` (`combined`): whether any parallel region holds it (each of its threads runs the
    whole loop: a reduction came out times the team's size)."""
    lines = source_lines(source)
    found = _region_around(lines, loop,
                           lambda words: words[:1] == ["parallel"] and words[1:2] not in (["for"], ["loop"]))
    return found is not None and (combined or _UNORDERED.search(lines.code, *found[1]) is not None)


def _region_around(lines, loop: Loop,
                   takes: Callable[[list[str]], bool]) -> Optional[tuple[OmpPragma, tuple[int, int]]]:
    """The innermost region around the loop whose directive's words `takes` accepts: its parsed
    directive and the offsets of its block's braces."""
    for directive in sorted((d for d in lines.omp if d.first_line < loop.line), key=lambda d: -d.first_line):
        pragma = directive.omp
        if not takes(pragma.directive):
            continue
        block = _block_after(lines.code, directive.end)
        if block is not None and block[0] < loop.offset < block[1]:
            return pragma, block
    return None


def region_problems(loop: Loop, names: dict[str, str]) -> list[str]:
    """Why the loop reads what no one gave a value: a `private` copy the region never assigns."""
    return [f"{use.variable.name} is private to the enclosing parallel region, which never assigns it before "
            f"the loop reads it: each thread reads an uninitialised copy"
            for use in loop.scalars if names.get(use.variable.name) == "unassigned" and use.read and
            not use.written_before_read]


def private_array_problems(source: bytes, loop: Loop) -> list[str]:
    """Why a worksharing loop's writes to an array each thread has of its own (declared in the
    parallel region before the loop, or named by the region's private or firstprivate clause) do not
    reach the code that reads it: the loop writes elements chosen by its counter, so each thread's
    copy holds its own iterations' elements only, and the region names the array outside the loop
    too (a later `omp for` reading `t[i + 1]` read another thread's element, unset in this copy)."""
    lines = source_lines(source)
    found = _region_around(lines, loop, lambda words: words == ["parallel"])
    if found is None or loop.end_offset is None or loop.canonical is None:
        return []
    pragma, block = found
    counter = loop.canonical.induction_variable
    copied = {v for c in pragma.clauses if c.name in ("private", "firstprivate") for v in c.variables}
    problems = []
    for access in loop.accesses:
        name, decl = access.base.name, _offset(lines.starts, access.base.decl)
        declared = decl is not None and block[0] < decl < loop.offset
        if not access.is_write or not access.subscripts or not (declared or name in copied) or \
                any(name in p for p in problems):
            continue
        if all(s.affine is not None and counter not in s.affine.variables for s in access.subscripts):
            continue  # (the same elements in every iteration: a thread's scratch array)
        named = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
        elsewhere = [m.start() for span in ((block[0], loop.offset), (loop.end_offset, block[1]))
                     for m in named.finditer(lines.code, *span) if m.start() != decl]
        if elsewhere:
            problems.append(f"{name} is private to the enclosing parallel region: each thread's copy gets only the "
                            f"elements of its own iterations, but the region uses {name} outside the loop too")
    return problems


def with_region_private(tu: TranslationUnit, loop: Loop, names: dict[str, str]) -> TranslationUnit:
    """The unit with those scalars taken as declared inside the loop and the loops in it, where that
    changes nothing a thread's iterations see (module docstring)."""
    if not names:
        return tu
    nest = {loop.id, *(d.id for d in tu.descendants(loop.id))}
    own = {u.variable.name for u in loop.scalars if u.variable.name in names and
           (u.written_before_read or u.reduction is not None or not u.written)}

    def private(use):
        return use.model_copy(update={"declared_in_loop": True, "live_after_loop": False}) \
            if use.variable.name in own else use
    return tu.model_copy(update={"loops": [
        l.model_copy(update={"scalars": [private(u) for u in l.scalars]}) if l.id in nest else l for l in tu.loops]})


def _block_after(code: bytes, at: int) -> Optional[tuple[int, int]]:
    """The `{ ... }` block that starts the statement after a directive: its braces' offsets."""
    m = re.compile(rb"\s*").match(code, at)
    start = m.end()
    if code[start:start + 1] != b"{":
        return None
    depth = 0
    for k in range(start, len(code)):
        if code[k:k + 1] == b"{":
            depth += 1
        elif code[k:k + 1] == b"}":
            depth -= 1
            if depth == 0:
                return start, k
    return None


def _offset(starts: list[int], decl: str) -> Optional[int]:
    try:
        line, column = (int(x) for x in decl.split(":")[-2:])
    except ValueError:
        return None
    return starts[line - 1] + column - 1 if 0 < line <= len(starts) else None
