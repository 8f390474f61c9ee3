"""One device data region around a serial loop whose body is offloaded loops and scalar statements.

A time loop around two offloaded sweeps, `for (t...) { target for i..; target for i..; }`, would move
both arrays to the device and back at every sweep. Written as

    #pragma omp target data map(to: ...) map(tofrom: ...) if(...)
    for (t = 1; t <= steps; t++) {
        #pragma omp target teams distribute parallel for ... map(...)   the data is already there:
        for (i...) ...                                                   its maps move nothing
        ...
    }

the arrays move once. The region's sections are those of the serial loop's own analysis (the hull
of what all its iterations touch, autopar.plans.candidates.offload.derived_maps), never scalars (each
sweep's reduction result must still come back to the host). It is legal because the host touches
no mapped memory inside the loop: its body holds loops, each offloaded, and statements of arithmetic
scalars alone (`err = 0.0;` before a sweep that reduces into it, `if (err < tol) break;` after it),
which the sweeps read as firstprivate copies and write back through their own maps; and because
every sweep then runs on the device: the region's condition is the conjunction of the sweeps'
`if(target: ...)` conditions and its own, over names nothing in the loop writes. Host code that
reads or writes an array between the sweeps would need `target update` there: no region then.
"""

from __future__ import annotations

import re
from typing import Optional

from pydantic import BaseModel, Field

from autopar.ir import Loop, TranslationUnit
from autopar.plans.plan import Decision, Directive, MapClause, Plan


class DataRegion(BaseModel):
    outer_loop_id: str  # the serial loop: `#pragma omp target data` goes above it
    loop_ids: list[str] = Field(default_factory=list)  # the offloaded loops inside it
    maps: list[MapClause] = Field(default_factory=list)
    condition: Optional[str] = None


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
    """A serial loop the host runs only to start its inner loops, and to compute scalars between them
    (a `break` leaves the region's block as its end does)."""
    return (loop.canonical is not None and loop.body_loops_and_scalars and loop.in_main_file
            and not (loop.has_return or loop.has_goto or loop.has_throw
                     or loop.from_macro or loop.opt_out or loop.existing_pragma or loop.inside_omp_construct))


def _region(tu: TranslationUnit, loop: Loop, inner: list[Plan]) -> Optional[DataRegion]:
    from autopar.plans.candidates.legality import NestContext
    from autopar.plans.candidates.offload import derived_maps, offload_condition
    from autopar.deps import ISL_LOCK

    ctx = NestContext(tu, loop)
    with ISL_LOCK:
        # the loop's own maps (a plan with no reduction: no scalar is mapped, each sweep's reduction
        # result still comes back after it), and every condition its sweeps test
        derived = [derived_maps(ctx, loop, Plan(loop_id=loop.id)),
                   *(derived_maps(ctx, tu.loop(p.loop_id), p) for p in inner)]
    if any(d is None for d in derived) or not derived[0][0]:
        return None
    condition = offload_condition(sorted({c for _, conditions in derived for c in conditions}))
    written = {s.variable.name for s in loop.scalars if s.written or s.declared_in_loop}
    if loop.canonical is not None:
        written.add(loop.canonical.induction_variable)
    if condition and _names(condition) & written:
        return None  # a sweep's condition could change inside the loop: one might run on the host
    return DataRegion(outer_loop_id=loop.id, loop_ids=[p.loop_id for p in inner], maps=derived[0][0],
                      condition=condition)


def _names(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_]\w*", text))
