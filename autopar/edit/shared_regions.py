"""One parallel region around serial loops whose bodies are nothing but parallel loops.

A time loop around sweeps, `for (t...) { for i..; for i..; }`, whose sweeps each get a `parallel for`,
starts and ends a team of threads twice per time step. Written as

    #pragma omp parallel
    for (int t = 0; t < steps; t++) {   every thread runs the time loop (t is private: declared there)
        #pragma omp for                  the sweeps share out their iterations; the barrier at the end
        for (i...) ...                   of each keeps the order of the serial program
        #pragma omp for
        for (i...) ...
    }

the team starts once. That is legal when every thread meets the same worksharing loops in the same
order and nothing else runs in the region: each serial loop's header is affine and writes nothing but
its own variable, which it declares or which is a local that nothing reads after the outermost loop
(then `private(t)` on the region: old C declares its counters at the top), its body holds only
loops, and nothing in it jumps out. The sweeps'
if() conditions (work thresholds, alias checks) then decide for the whole region, before the first
time step, so they must not read anything the region writes.
"""

from __future__ import annotations

import re
from typing import Optional

from pydantic import BaseModel, Field

from autopar.ir import Loop, Storage, TranslationUnit
from autopar.edit import thread_copies
from autopar.edit.versioning import copies_checked
from autopar.plans.candidates import trip_text
from autopar.plans.plan import INSPECTION, Decision, Directive, Plan, Proof, join_conditions, team_gate


class SharedRegion(BaseModel):
    outer_loop_id: str  # the outermost serial loop: `#pragma omp parallel` goes above it
    loop_ids: list[str] = Field(default_factory=list)  # the worksharing loops inside, in source order
    # the serial loops' variables declared outside them: each thread runs those loops on its own copy
    private_variables: list[str] = Field(default_factory=list)
    condition: Optional[str] = None  # the conjunction of their if() conditions, for the whole region
    ungated_condition: Optional[str] = None  # the same without the start-up gate (Plan.startup_work)


def shared_regions(tu: TranslationUnit, decisions: list[Decision]) -> list[SharedRegion]:
    """The regions to share, outermost first; a loop is in at most one."""
    plans = {d.plan.loop_id: d.plan for d in decisions if d.plan is not None}
    regions: list[SharedRegion] = []
    taken: set[str] = set()
    for loop in tu.loops:
        if loop.id in taken:
            continue
        leaves = _worksharing_leaves(tu, loop, plans)
        if not leaves:
            continue
        inside = [loop, *tu.descendants(loop.id)]
        serial = {a.id: a for leaf in leaves for a in tu.ancestors(leaf) if a.offset >= loop.offset}
        private = _private_counters(tu, loop, sorted(serial.values(), key=lambda l: l.offset),
                                    [tu.loop(i) for i in leaves])
        if private is None or _header_written_by_a_sweep(list(serial.values()), [tu.loop(i) for i in leaves]):
            continue
        leaf_plans = [plans[i] for i in leaves]
        condition = _region_condition(loop, inside, leaf_plans, _startup_work(tu, loop, leaves, plans))
        if condition is False:
            continue
        regions.append(SharedRegion(outer_loop_id=loop.id, loop_ids=leaves, private_variables=private,
                                    condition=condition or None,
                                    ungated_condition=_region_condition(loop, inside, leaf_plans, None) or None))
        taken.update(l.id for l in inside)
    return regions


def _worksharing_leaves(tu: TranslationUnit, loop: Loop, plans: dict[str, Plan]) -> Optional[list[str]]:
    """The loops that carry the worksharing if `loop` can hold a shared region, else None."""
    if loop.id in plans or not _runs_the_same_in_every_thread(loop):
        return None
    leaves: list[str] = []
    for child_id in loop.children:
        child = tu.loop(child_id)
        plan = plans.get(child_id)
        if plan is not None:
            if plan.directive not in (Directive.PARALLEL_FOR, Directive.PARALLEL_FOR_SIMD) or \
                    plan.proof == Proof.ASSUMPTION or thread_copies.needed(plan) or \
                    (child.canonical is not None and child.canonical.step_symbol) or plan.fallback is not None \
                    or plan.linear or plan.runs_check or plan.claims or plan.atomic_updates or copies_checked(plan) \
                    or plan.conditional_lastprivate:
                # (an array or location reduction's per-thread copies need a region of their own; a
                # loop that steps by a variable needs its serial copy when its guard fails, and a
                # plan with a fallback the copy that holds it; a linear counter's clause reads the counter
                # where the loop starts, which a region's start is not; a runs check, the serial copy;
                # claims and atomic updates, the edits of the loop's own text; a check that keeps a pointer apart from a
                # copied variable, the serial copy: a region's false if() runs the copies on one thread;
                # conditional lastprivate's other form, num_threads(1), belongs to a region's own pragma)
                return None
            leaves.append(child_id)
            continue
        inner = _worksharing_leaves(tu, child, plans)
        if inner is None:
            return None
        leaves += inner
    return leaves or None


def _runs_the_same_in_every_thread(loop: Loop) -> bool:
    """A serial loop that every thread of a team may run redundantly: an affine header that writes
    only its own variable, and a body of loops and nothing else."""
    canonical = loop.canonical
    return (canonical is not None and canonical.lower is not None
            and canonical.upper is not None and loop.body_only_loops and loop.in_main_file
            and not (loop.has_break or loop.has_return or loop.has_goto or loop.has_throw
                     or loop.writes_bound or loop.writes_induction_variable or loop.from_macro
                     or loop.opt_out or loop.existing_pragma or loop.inside_omp_construct))


def _header_written_by_a_sweep(serial_loops: list[Loop], leaves: list[Loop]) -> bool:
    """Whether a worksharing loop of the region writes a name that a serial loop's header reads
    (`for (s = 0; s < passes; s++)` after a sweep that reduces into passes): each thread tests it
    again after the sweep's closing barrier, and a fast thread may store the next sweep's reduction
    or lastprivate value before a slow one has read it (the threads then meet different numbers of
    worksharing loops: a hang, or another result)."""
    names = set()
    for loop in serial_loops:
        canonical = loop.canonical
        names |= set(canonical.lower.coefficients) | set(canonical.upper.coefficients)
        if canonical.step_symbol:
            names.add(canonical.step_symbol)
    return any(getattr(leaf.scalar(name), "written", False) for leaf in leaves for name in names)


def _private_counters(tu: TranslationUnit, outer: Loop, serial_loops: list[Loop],
                      leaves: list[Loop]) -> Optional[list[str]]:
    """The variables of the region's serial loops that are declared outside them, which the region
    makes private; None when one of them cannot be: it is not an automatic local of a C function, its
    address is taken, its value is read after the outermost loop, another variable of the function
    has its name, or a worksharing loop writes it (its clause would name a variable that is private
    in the region, which OpenMP forbids). C++ is left alone: a lambda that captures the counter by
    reference reads it where the analysis does not look."""
    private: list[str] = []
    for loop in serial_loops:
        if loop.canonical.iv_declared_in_init:
            continue
        if tu.language != "c":
            return None
        name = loop.canonical.induction_variable
        uses = [use for use in outer.scalars if use.variable.name == name]
        if len(uses) != 1 or any(access.base.name == name for access in outer.accesses):
            return None  # a declaration inside the region shadows it: the facts may be the other's
        use = uses[0]
        if use.variable.storage != Storage.LOCAL or use.address_taken or use.live_after_loop:
            return None
        if any(getattr(leaf.scalar(name), "written", False) for leaf in leaves):
            return None
        if name not in private:
            private.append(name)
    return private


_ADDRESS_OF_ELEMENT = re.compile(r"&\s*[A-Za-z_]\w*(\s*\[[^\[\]]*\])+")
_MEMBER = re.compile(r"->|[\w\])]\s*\.\s*[A-Za-z_]")


def _startup_work(tu: TranslationUnit, outer: Loop, leaves: list[str], plans: dict[str, Plan]) -> Optional[str]:
    """The region's share of a team start (Plan.startup_work): each worksharing loop's share times
    the trip counts of the serial loops around it in the region, where those are affine (else once:
    the region then waits longer to be worth a team, never less)."""
    changing = {s.variable.name for s in outer.scalars if s.written} | \
        {l.canonical.induction_variable for l in [outer, *tu.descendants(outer.id)] if l.canonical}
    terms = []
    for leaf in leaves:
        work = plans[leaf].startup_work
        if not work:
            continue
        trips = [t for t in (trip_text(a) for a in tu.ancestors(leaf) if a.offset >= outer.offset)
                 if t and not set(re.findall(r"[A-Za-z_]\w*", t)) & changing]
        terms.append(" * ".join([*(f"(double)({t})" for t in trips if t), f"({work})"]))
    return " + ".join(terms) or None


def _region_condition(outer: Loop, inside: list[Loop], plans: list[Plan], startup_work: Optional[str]):
    """The conjunction of the plans' conditions ("" when none), or False when it cannot be hoisted
    above `outer`: it names a variable the region writes or a loop variable, or reads memory."""
    parts: list[str] = []  # alias checks first, then work thresholds, each once
    for part in [p.alias_check for p in plans] + [p.threshold_check for p in plans]:
        if part and part not in parts:
            parts.append(part)
    condition = join_conditions([*parts, team_gate(startup_work) if startup_work else None])
    if not condition:
        return ""
    written = {s.variable.name for s in outer.scalars if s.written}
    variables = {l.canonical.induction_variable for l in inside if l.canonical}
    names = set(re.findall(r"[A-Za-z_]\w*", condition))
    if names & (written | variables):
        return False
    if "[" in _ADDRESS_OF_ELEMENT.sub("", condition) or _MEMBER.search(condition) or INSPECTION in condition:
        return False  # (an index array's inspection reads memory too)
    return condition


__all__ = ["SharedRegion", "shared_regions"]
