"""Offload plans: a legal loop's iterations over an accelerator's teams and threads
(`#pragma omp target teams distribute parallel for`), its data moved by map clauses whose array
sections come from the ranges the dependence model computes.

A loop qualifies when its plan needs no runtime check and nothing the device cannot run: no
lastprivate (the device's last iteration is not the host's variable), no per-thread copies, no
calls but pure math functions, and every object it touches has a known extent: an array declared
with constant dimensions (mapped whole) or a pointer whose touched elements are one affine range
(`p[first:count]`; a flattened subscript's range may need its strides positive, which the plan
then tests in `if(target: ...)`: where the test fails the loop runs on the host, where no data moves).
Read-only objects go `to` the device; written ones `tofrom` (the elements the
loop does not write come back unchanged). Scalars it reads are firstprivate (OpenMP's default in a
target region), reduction variables are mapped `tofrom` beside their reduction clause.

Offload is a candidate, not a default: its estimated cost (autopar.plans.candidates.cost.offload_estimate)
weighs the bytes its clauses move against the loop's work with reference device figures, not
measured ones. With `--target gpu` ($AUTOPAR_TARGET=gpu) the offload plan of a nest is its default.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from typing import Optional

from autopar.plans.candidates.cost import trip_count
from autopar.plans.candidates.legality import NestContext, bound_names, loop_calls
from autopar.deps import declared_inside, descendants, runs_at_least_once
from autopar.deps.runtime_checks import element_section, named_qualified
from autopar.deps.trip_count import travel
from autopar.ir import CallEffect, Loop, Storage
from autopar.plans.plan import Directive, MapClause, Plan, Proof


def offload_plan(ctx: NestContext, loop: Loop, base: Plan) -> Optional[Plan]:
    """The offload form of `base` (the loop's plain parallel plan), or None when it cannot have one."""
    if offload_blockers(ctx, loop, base):
        return None
    derived = derived_maps(ctx, loop, base)
    if derived is None:
        return None
    maps, conditions = derived
    return base.model_copy(update={"directive": Directive.TARGET, "maps": maps,
                                   "offload_condition": offload_condition(conditions)})


def offload_blockers(ctx: NestContext, loop: Loop, plan: Plan) -> list[str]:
    """Why the loop's plan cannot be offloaded (empty: it can), apart from its data."""
    out = []
    legal = ctx.legality(loop)
    if plan.proof != Proof.STATIC or plan.alias_check or legal.alias_check:
        out.append("an offloaded loop needs a static proof (no runtime check)")
    if plan.linear:
        out.append("a linear counter is not offloaded")
    if plan.lastprivate or plan.conditional_lastprivate or legal.lastprivate_arrays or legal.private_arrays:
        out.append("an offloaded loop has no lastprivate and no private arrays")
    if plan.reduces_sections_or_locations or plan.claims or plan.atomic_updates:
        out.append("an offloaded loop has no array or location reductions, claims or atomic updates")
    if loop.canonical is None or loop.canonical.step_symbol:
        out.append("an offloaded loop steps by a constant")
    if loop.in_lambda:  # (gcc 12's host fallback mapped a reduction into a by-reference capture wrongly)
        out.append("a loop in a lambda is not offloaded: what it names from outside is the closure's")
    if loop.canonical is not None and loop.canonical.range_over:
        out.append("a range-based for is not offloaded (its container is not on the device)")
    if plan.specialize or plan.fallback is not None or plan.schedule is not None:
        out.append("an offloaded loop has no specialized copy, fallback or schedule")
    for call in loop_calls(ctx.tu, loop):
        if call.effect != CallEffect.PURE:
            out.append(f"calls {call.callee}, which the device may not run")
    reduced = {v for r in plan.reductions for v in r.variables}
    wide = sorted(u.variable.name for u in loop.scalars if u.variable.name in reduced and u.variable.number_kind == "wide")
    if wide:  # (clang's device code would call __atomic_* of libatomic, which it does not link)
        out.append(f"reduces the 128-bit {', '.join(wide)}, which a device reduction cannot combine")
    stored = sorted({a.text for a in loop.accesses if a.is_write and _is_address(a.element_type)})
    if stored:  # `recs[i].p = &recs[i].v`: the device's address would be copied back to the host
        out.append(f"stores an address ({', '.join(stored[:3])}), which on the device is the device's")
    return out


def _is_address(element_type: str) -> bool:
    """A pointer element (`double *`, `int (*)[4]`, a function pointer)."""
    return "*" in element_type or "(" in element_type


def offload_condition(conditions: list[str]) -> Optional[str]:
    """The `if(target: ...)` text of the conditions a plan's sections need (None: none)."""
    return " && ".join(conditions) or None


def derived_maps(ctx: NestContext, loop: Loop, plan: Plan,
                 inner_loops_only: bool = False) -> Optional[tuple[list[MapClause], list[str]]]:
    """The map clauses of an offload plan, every object the loop touches, with the conditions their
    sections need (sorted comparisons), or None when an object has no known extent (a struct member,
    a pointer whose range is unknown).

    A section is the hull of the elements a non-empty iteration space touches; where a loop of the
    nest may run no iteration (`cin == 0`), it could name elements past the object's end. So every
    loop not proven to run must have bounds in the region's parameters: its first test is the
    condition. `inner_loops_only`: the sections of what the loop's inner loops touch, leaving out its
    own statements between them (a data region's: autopar.edit.data_regions keeps the elements
    those statements touch current with `target update`; an element outside the sections is never
    on the device)."""
    an = ctx.analysis(loop)
    conditions: set[str] = set()
    nest = [loop, *descendants(ctx.tu, loop)]
    counters = {l.canonical.induction_variable for l in nest if l.canonical}
    for l in nest:
        if runs_at_least_once(ctx.analysis(l).model):
            continue
        c = l.canonical
        if c is None or bound_names(l) & (counters | an.model.variant) or \
                (c.lower is None and not c.lower_each) or (c.upper is None and not c.upper_each):
            return None
        # the loop's own first test, in its own types (a trip count `hi - lo` of unsigned bounds
        # would wrap where the loop runs no iteration)
        conditions.add(f"{_first_value(c)} {c.comparison.value} {_operand(c.upper_text)}")
    mapped: list = []
    to: list[str] = []
    tofrom: list[str] = []
    reduced = {v for r in plan.reductions for v in r.variables}
    private = set(plan.private) | set(plan.firstprivate)
    for obj in sorted(an.model.objects.values(), key=lambda o: o.path):
        if inner_loops_only and obj.kind != "scalar":
            obj = dataclasses.replace(obj, accesses=[m for m in obj.accesses
                                                     if m.access.enclosing_loops[-1:] != [loop.id]])
            if not obj.accesses:
                continue
        written = any(m.access.is_write for m in obj.accesses)
        if obj.kind == "scalar":
            if obj.path in reduced:
                tofrom.append(obj.path)
                continue
            if written and obj.path not in private and obj.base.storage != Storage.LOCAL:
                return None  # a global written in the loop: not a clause the analysis derives
            continue  # read-only: firstprivate in a target region
        if obj.kind == "array" and obj.base.storage == Storage.LOCAL and declared_inside(obj.base, loop):
            continue  # declared in the region's body (`double flux[5];`): each iteration has its own
        if obj.kind == "array":
            dims = obj.base.array_dims
            if obj.base.storage not in (Storage.GLOBAL, Storage.STATIC_LOCAL, Storage.LOCAL) or \
                    not dims or any(d is None for d in dims) or named_qualified(obj):
                return None
            section = obj.path
        elif obj.kind == "pointer":
            found = element_section(obj)
            if found is None:
                return None
            section, needs = found
            conditions.update(needs)
        else:
            return None
        (tofrom if written else to).append(section)
        mapped.append(obj)
    if len(mapped) > 1 and any(o.kind == "pointer" and not o.base.distinct_at_calls for o in mapped):
        # `restrict` makes the loop legal, not the storage disjoint: q and r of h(a, b, b) map
        # overlapping sections, which libomptarget refuses (it aborts the program). Only pointers
        # the call sites prove to be distinct allocations are mapped beside other objects.
        return None
    tofrom += sorted(reduced - set(tofrom))  # the reduction's result comes back to the host variable
    maps = [MapClause(kind=kind, items=items) for kind, items in (("to", to), ("tofrom", tofrom)) if items]
    return maps, sorted(conditions)


# `--target gpu` makes a nest's offload plan its default only where the region has at least this many
# iterations (a GPU's warp), or a count not known: each entry launches a kernel (with host fallback, a
# team), which fewer iterations than one warp's threads never pay for
OFFLOAD_MIN_ITERATIONS = 32


def tiny_offload(tu, plan: Plan) -> Optional[float]:
    """The iterations of an offload plan's region (its loop's and the loops it collapses) when every
    trip count is known and they are fewer than OFFLOAD_MIN_ITERATIONS (`exact`'s five components
    of a vector, called once per grid point); None otherwise."""
    loop, total = tu.loop(plan.loop_id), 1.0
    for depth in range(plan.collapse):
        count, symbolic = trip_count(tu, loop)
        if symbolic:
            count = _most_iterations(tu, loop)  # (`for (q = p + 1; q < 5; q++)`: at most 4)
            if count is None:
                return None
        total *= count
        inner = [l for l in tu.loops if l.parent == loop.id]
        if depth + 1 < plan.collapse:
            if len(inner) != 1:
                return None
            loop = inner[0]
    return total if total < OFFLOAD_MIN_ITERATIONS else None


def _most_iterations(tu, loop: Loop) -> Optional[float]:
    """The most iterations a loop whose bounds name only the variables of loops around it with
    constant bounds can run (at a corner of their ranges: the span is affine in them); None else."""
    c = loop.canonical
    if c is None or c.lower is None or c.upper is None or not c.lower.is_linear or not c.upper.is_linear:
        return None
    ranges = {}
    for outer in tu.ancestors(loop.id):
        o = outer.canonical
        if o is None or o.lower is None or o.upper is None or o.lower.variables or o.upper.variables or o.step_symbol:
            continue
        last = o.upper.constant - (0 if o.comparison.value in ("<=", ">=") else (1 if o.step > 0 else -1))
        ranges[o.induction_variable] = (o.lower.constant, last)
    names = sorted(c.lower.variables | c.upper.variables)
    if not set(names) <= ranges.keys():
        return None
    most = 0.0
    for corner in itertools.product(*(ranges[n] for n in names)):
        most = max(most, travel(c, dict(zip(names, map(float, corner)))) / abs(c.step))
    return most


def transfer_bytes(ctx: NestContext, loop: Loop) -> float:
    """About how many bytes an offloaded `loop` moves: each mapped object's touched elements (the
    trip counts of the nest's loops its subscripts name, no more than a constant array holds), once
    `to` the device, twice when written (`tofrom`). The trip counts are the cost model's: exact
    where constant, a guess where symbolic."""
    nest = [loop, *descendants(ctx.tu, loop)]
    trips = {l.canonical.induction_variable: trip_count(ctx.tu, l)[0] for l in nest if l.canonical}
    total = 0.0
    for obj in ctx.analysis(loop).model.objects.values():
        if obj.kind not in ("array", "pointer"):
            continue
        named = {name for m in obj.accesses for s in m.access.subscripts
                 for name in re.findall(r"[A-Za-z_]\w*", s.text) if name in trips}
        elements = 1.0
        for name in named:
            elements *= trips[name]
        dims = obj.base.array_dims if obj.kind == "array" else []
        if dims and all(d is not None and d.isdigit() for d in dims):
            elements = min(elements, float(_product(dims)))
        written = any(m.access.is_write for m in obj.accesses)
        total += elements * element_bytes(obj.base.type) * (2 if written else 1)
    return total


def _product(dims: list[str]) -> int:
    product = 1
    for d in dims:
        product *= int(d)
    return product


_TYPE_BYTES = (("long double", 16), ("double", 8), ("long", 8), ("float", 4), ("int", 4), ("short", 2),
               ("char", 1), ("bool", 1))


def element_bytes(spelled: str) -> int:
    """The size of the elements a spelled array or pointer type holds (8 when not a basic type)."""
    base = re.sub(r"\[.*|\*.*", "", spelled)
    return next((size for name, size in _TYPE_BYTES if re.search(rf"\b{name}\b", base)), 8)


def _operand(text: str) -> str:
    """`text` as an operand of a comparison: parenthesized unless a name or a number."""
    return text if re.fullmatch(r"[A-Za-z_]\w*|\d+", text.strip()) else f"({text})"


def _first_value(c) -> str:
    """The counter's first value as C: converted to its type unless a number it surely holds."""
    if re.fullmatch(r"\d+", c.lower_text.strip()) and int(c.lower_text) < 32768:
        return c.lower_text.strip()
    return f"({c.iv_type}){_operand(c.lower_text)}"
