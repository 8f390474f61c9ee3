"""Private copies of arrays: whether a loop may run with a thread's own copy of an array (`private`,
or `lastprivate` when the last iteration's copy is to be left in it), and the calls a loop makes.

Takes a loop and one object of its dependence model; gives "private", "lastprivate" or None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import islpy as isl

from autopar.deps import (AccessModel, ObjectModel, common_loops, declared_inside, descendants, ivs_for, pair_set_text,
                          parse_set, render_aff, set_text)
from autopar.ir import CallEffect, Loop, Storage, TranslationUnit

if TYPE_CHECKING:
    from autopar.plans.candidates.legality import NestContext


def loop_calls(tu: TranslationUnit, loop: Loop):
    seen, out = set(), []
    for l in [loop, *descendants(tu, loop)]:
        for call in l.calls:
            key = (call.callee, call.line, call.column)
            if key not in seen:
                seen.add(key)
                out.append(call)
    return out


def privatizable(ctx: NestContext, loop: Loop, obj: ObjectModel) -> Optional[str]:
    """'private' or 'lastprivate' when every iteration of `loop` writes each element of the local
    array `obj` before reading it; None otherwise. A static array qualifies when nothing but the loop
    names it (the front end's `arrays_dead_after`): 'private' then; or, 'lastprivate', when every
    iteration writes all of it and nothing the loop calls names it (`copied_statics`: NAS BT's
    work arrays `fjac`, `lhs`, which the three line solves share)."""
    if obj.kind != "array" or declared_inside(obj.base, loop) or obj.key in loop.escaping_arrays or obj.merged:
        return None  # (a struct array's fields: not privatized, its coverage would be per field)
    copied_out = obj.base.storage != Storage.LOCAL and obj.key not in loop.arrays_dead_after
    if copied_out and (obj.key not in loop.copied_statics or _named_by_callees(ctx.tu, loop, obj.base.name)):
        return None
    if any(not m.affine for m in obj.accesses):
        return None
    # only writes that run in every iteration of `loop` cover reads: not under an if, and inside
    # loops that are not under one either
    writes = [m for m in obj.accesses if m.access.is_write and not m.access.conditional and m.exact_domain
              and all(inner.conditional is False for inner in m.loops[1:])]
    for r in (m for m in obj.accesses if not m.access.is_write):
        covered = None
        for w in writes:
            common = common_loops(w, r)
            if len(w.dims) != len(r.dims):
                return None
            order = []
            for k in range(1, len(common)):
                up = common[k].canonical.step > 0 if common[k].canonical else True
                order.append(" and ".join([f"d{j} = 0" for j in range(1, k)] + [f"d{k} {'>' if up else '<'} 0"]))
            if w.order_key() < r.order_key():
                order.append(" and ".join([f"d{j} = 0" for j in range(1, len(common))]) or "0 = 0")
            if not order:
                continue
            text = pair_set_text(w, r, common, extra=["d0 = 0", "(" + " or ".join(f"({o})" for o in order) + ")"])
            pairs = parse_set(text).project_out(isl.dim_type.set, 0, len(common) + len(w.loops))
            covered = pairs if covered is None else covered.union(pairs)
        domain = parse_set(set_text([("b", r)]))
        if covered is None or not domain.subtract(covered).is_empty():
            return None
    live = loop.scalar(obj.base.name)
    if not copied_out and (live is not None and not live.live_after_loop or
                           live is None and obj.key in loop.arrays_dead_after):
        return "private"
    # a `continue` of the loop may skip the last iteration's writes: its copy would hold garbage
    return "lastprivate" if not loop.has_continue and _writes_whole_array(obj, writes) else None


# bytes of static arrays' copies one loop may put on each thread's stack (a worker's stack is a few
# MiB); the front end admits no single array above it (frontend.static_arrays.PRIVATE_COPY_LIMIT)
COPIES_LIMIT = 64 * 1024


def copies_fit(loop: Loop, statics: list[str]) -> bool:
    """Whether the copies of the static arrays `statics` (object keys) fit COPIES_LIMIT together."""
    return sum(loop.copied_statics.get(key, COPIES_LIMIT) for key in statics) <= COPIES_LIMIT


def _named_by_callees(tu: TranslationUnit, loop: Loop, name: str) -> bool:
    """Whether a function the loop calls may read or write the global `name` (it would see the shared
    array, not the thread's copy): one whose summary names it, that is not summarized, or that reads
    or writes through a pointer argument whose accesses the loop does not model (`peek(q)` with
    `q = w;` before the loop reads the shared `w`)."""
    for call in loop_calls(tu, loop):
        if call.effect == CallEffect.PURE and call.summary is None and call.callee not in tu.functions:
            continue  # (a library function known not to touch the program's memory)
        summary = call.summary or tu.functions.get(call.callee)
        if summary is None or name in summary.reads_globals or name in summary.writes_globals:
            return True
        if any(g.startswith("*") for g in summary.reads_globals):
            return True  # (it reads what a pointer points to: the shared array, maybe)
        through = set(summary.reads_through_params) | set(summary.writes_through_params)
        if through - set(call.modelled_arguments):
            return True
    return False


def _writes_whole_array(obj: ObjectModel, writes) -> bool:
    """Whether the unconditional writes of every single iteration of the analysed loop cover every
    element of the declared array (then lastprivate copies out exactly what the serial loop leaves)."""
    dims = obj.base.array_dims
    if not dims or any(d is None or not d.strip().isdigit() for d in dims) or not writes:
        return False
    outer = writes[0].loops[0]
    if outer.canonical is None or any(not w.exact_domain or w.loops[0].id != outer.id for w in writes):
        return False
    elements = [f"v{k}" for k in range(len(dims))]
    covered = None
    for w in writes:
        names = ivs_for("a", w)
        text = set_text([("a", w)], pre=elements,
                         extra=[f"v{k} = {render_aff(d, names)}" for k, d in enumerate(w.dims)])
        # keep the outer loop's variable a0; drop the inner loops' variables
        s = parse_set(text).project_out(isl.dim_type.set, len(dims) + 1, len(w.loops) - 1)
        covered = s if covered is None else covered.union(s)
    # every iteration of the outer loop (its own bounds only) must write the whole array
    iterations = parse_set(set_text([("a", _outer_only(writes[0]))])).insert_dims(isl.dim_type.set, 0, len(dims))
    whole = iterations.intersect(isl.Set("{ [%s, a0] : %s }" % (", ".join(elements), " and ".join(
        f"0 <= v{k} < {d}" for k, d in enumerate(dims)))))
    return whole.subtract(covered).is_empty()


def _outer_only(model):
    """An access model restricted to its outermost loop, for that loop's iteration domain."""
    keep = [c for c in model.domain if "@" not in c.replace("@0", "")]
    return AccessModel(access=model.access, loops=model.loops[:1], dims=[], domain=keep,
                       params=set(model.params))
