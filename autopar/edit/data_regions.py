"""One device data region around a serial loop whose body is offloaded loops and plain host statements.

A time loop around two offloaded sweeps, `for (t...) { target for i..; target for i..; }`, would move
both arrays to the device and back at every sweep. Written as

    #pragma omp target data map(to: ...) map(tofrom: ...) if(...)
    for (t = 1; t <= steps; t++) {
        #pragma omp target teams distribute parallel for ... map(...)   the data is already there:
        for (i...) ...                                                   its maps move nothing
        ...
    }

the arrays move once. The region's sections are those of the serial loop's own analysis (the hull
of what its inner loops touch in all its iterations, autopar.plans.candidates.offload.derived_maps),
never scalars (each sweep's reduction result must still come back to the host). Statements between
the sweeps run on
the host (autopar.frontend.between_loops): those of arithmetic scalars alone (`err = 0.0;` before a
sweep that reduces into it, `if (err < tol) break;` after it) need nothing, as the sweeps read
scalars as firstprivate copies and write back through their own maps; one that touches array
elements (`log[t] = a[1];`) gets `#pragma omp target update from(...)` on the line before it, the
device's values of every array it touches, and `... to(...)` on the line after it, those it
writes, each section as the region maps it and under the region's condition. Every sweep runs on
the device: the region's condition is the conjunction of the sweeps' `if(target: ...)` conditions
and its own, over names nothing in the loop writes.
"""

from __future__ import annotations

import re
from typing import Optional

from pydantic import BaseModel, Field

from autopar.ir import HostStatement, Loop, TranslationUnit
from autopar.plans.plan import Decision, Directive, MapClause, Plan


class HostUpdate(BaseModel):
    """`#pragma omp target update` around a host statement between the sweeps: `from` on the line
    before it (the device's values of what it touches), `to` on the line after it (what it wrote)."""

    statement: HostStatement
    update_from: list[str] = Field(default_factory=list)  # map items, as the region maps them
    update_to: list[str] = Field(default_factory=list)


class DataRegion(BaseModel):
    outer_loop_id: str  # the serial loop: `#pragma omp target data` goes above it
    loop_ids: list[str] = Field(default_factory=list)  # the offloaded loops inside it
    maps: list[MapClause] = Field(default_factory=list)
    condition: Optional[str] = None
    updates: list[HostUpdate] = Field(default_factory=list)


def data_regions(tu: TranslationUnit, decisions: list[Decision]) -> list[DataRegion]:
    """The data regions to open, outermost serial loops first; a loop is in at most one."""
    plans = {d.plan.loop_id: d.plan for d in decisions if d.plan is not None}
    regions: list[DataRegion] = []
    taken: set[str] = set()
    for loop in tu.loops:
        if loop.id in taken or loop.id in plans or not _holds_only_loops(loop):
            continue
        inner = [plans.get(child) for child in loop.children]
        if not inner or any(p is None or p.directive != Directive.TARGET for p in inner):
            continue
        region = _region(tu, loop, inner)
        if region is not None:
            regions.append(region)
            taken.update([loop.id, *(l.id for l in tu.descendants(loop.id))])
    return regions


def _holds_only_loops(loop: Loop) -> bool:
    """A serial loop the host runs to start its inner loops, and to run plain statements between them
    (autopar.frontend.between_loops; a `break` leaves the region's block as its end does)."""
    return (loop.canonical is not None and loop.host_statements is not None and loop.in_main_file
            and not (loop.has_return or loop.has_goto or loop.has_throw or loop.has_entry_label
                     or loop.from_macro or loop.opt_out or loop.existing_pragma or loop.inside_omp_construct))


def _region(tu: TranslationUnit, loop: Loop, inner: list[Plan]) -> Optional[DataRegion]:
    from autopar.plans.candidates.legality import NestContext
    from autopar.plans.candidates.offload import derived_maps, offload_condition
    from autopar.deps import ISL_LOCK

    ctx = NestContext(tu, loop)
    with ISL_LOCK:
        # the loop's own maps (a plan with no reduction: no scalar is mapped, each sweep's reduction
        # result still comes back after it), and every condition its sweeps test
        derived = [derived_maps(ctx, loop, Plan(loop_id=loop.id), inner_loops_only=True),
                   *(derived_maps(ctx, tu.loop(p.loop_id), p) for p in inner)]
    if any(d is None for d in derived) or not derived[0][0]:
        return None
    condition = offload_condition(sorted({c for _, conditions in derived for c in conditions}))
    written = {s.variable.name for s in loop.scalars if s.written or s.declared_in_loop}
    if loop.canonical is not None:
        written.add(loop.canonical.induction_variable)
    if condition and _names(condition) & written:
        return None  # a sweep's condition could change inside the loop: one might run on the host
    # pointers nothing else the function reaches can overlap (restrict, or every call passes an
    # object of its own): a host statement may touch their elements, never on the device, unmapped
    apart = {o.path for o in ctx.analysis(loop).model.objects.values()
             if o.kind == "pointer" and o.base.unaliased
             and set(o.base.based_on) <= {f"{o.base.name}@{o.base.decl}"}}  # (no other pointer's address)
    updates = _host_updates(loop.host_statements or [], derived[0][0], apart)
    if updates is None:
        return None
    return DataRegion(outer_loop_id=loop.id, loop_ids=[p.loop_id for p in inner], maps=derived[0][0],
                      condition=condition, updates=updates)


def _host_updates(statements: list[HostStatement], maps: list[MapClause],
                  apart: set[str]) -> Optional[list[HostUpdate]]:
    """The updates around each host statement that touches a mapped array, or None when one cannot
    be kept current: it touches an unmapped array that a mapped pointer may point into (not one of
    `apart`), it shares a line with other code (no line for the pragma), or it writes a mapped array
    and may leave the loop (the update after it would not run, and the region's end would copy the
    stale device values back)."""
    items = {item.split("[", 1)[0].strip(): item for clause in maps for item in clause.items}
    updates = []
    for statement in statements:
        if any(name not in items and name not in apart for name in statement.reads + statement.writes):
            return None
        touched = sorted(n for n in set(statement.reads) | set(statement.writes) if n in items)
        written = [n for n in statement.writes if n in items]
        if not touched:
            continue
        if not statement.own_lines or (written and statement.leaves):
            return None
        updates.append(HostUpdate(statement=statement, update_from=[items[n] for n in touched],
                                  update_to=[items[n] for n in written]))
    return updates


def _names(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_]\w*", text))
