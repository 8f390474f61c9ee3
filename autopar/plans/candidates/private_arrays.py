"""Private copies of arrays: whether a loop may run with a thread's own copy of an array (`private`,
or `lastprivate` when the last iteration's copy is to be left in it), and the calls a loop makes.

Takes a loop and one object of its dependence model; gives "private", "lastprivate", "copied-in"
(`firstprivate` and `lastprivate` both) or None.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Optional

import islpy as isl

from autopar.deps import (AccessModel, ObjectModel, common_loops, declared_inside, descendants, ivs_for, parse_set,
                          render_aff, set_text)
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


COPIED_IN = "copied-in"  # firstprivate and lastprivate: the copy starts as the array, the last one is kept


def privatizable(ctx: NestContext, loop: Loop, obj: ObjectModel) -> Optional[str]:
    """'private' or 'lastprivate' when every iteration of `loop` writes each element of the local
    array `obj` before reading it; None otherwise. A static array qualifies when nothing but the loop
    names it (the front end's `arrays_dead_after`): 'private' then; or, 'lastprivate', when every
    iteration writes all of it and nothing the loop calls names it (`copied_statics`: NAS BT's
    work arrays `fjac`, `lhs`, which the three line solves share). When every iteration writes the
    same part of it (rows 0..isize of a `fjac[PROBLEM_SIZE + 1]`), and nothing else of it: COPIED_IN,
    each thread's copy starting as the array (firstprivate), so the rows no iteration writes come
    back unchanged with the last iteration's copy."""
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
    if not _reads_covered(obj, writes):
        return None
    live = loop.scalar(obj.base.name)
    if not copied_out and (live is not None and not live.live_after_loop or
                           live is None and obj.key in loop.arrays_dead_after):
        return "private"
    # a `continue` of the loop may skip the last iteration's writes: its copy would hold garbage
    if loop.has_continue:
        return None
    each = _written_each_iteration(obj, writes)
    if each is None:
        return None
    if _writes_whole_array(obj, each):
        return "lastprivate"
    # (a work array: read after it is written; one the loop only writes, `b[0] = i`, keeps its
    # output dependence: copying it in and back to run the stores in parallel gains nothing)
    reads = any(not m.access.is_write for m in obj.accesses)
    return COPIED_IN if reads and _fits(obj) and _writes_same_elements(obj, each) else None


def _extents(obj: ObjectModel) -> Optional[list[int]]:
    """The declared array's extents, when they are all constants."""
    dims = obj.base.array_dims
    if not dims or any(d is None or not d.strip().isdigit() for d in dims):
        return None
    return [int(d) for d in dims]


def _element(m: AccessModel, prefix: str) -> list[str]:
    """`v0 = ..., v1 = ...`: the element the access touches, over its loops' variables `prefix`0..."""
    names = ivs_for(prefix, m)
    return [f"v{k} = {render_aff(d, names)}" for k, d in enumerate(m.dims)]


def _fits(obj: ObjectModel) -> bool:
    """Whether a local array's copy fits COPIES_LIMIT at 8 bytes an element (a static's copies are
    counted in bytes: copies_fit): each thread's copy, copied in, lives on its stack."""
    if obj.base.storage != Storage.LOCAL:
        return True
    extents = _extents(obj)
    return extents is not None and math.prod(extents) * 8 <= COPIES_LIMIT


def _reads_covered(obj: ObjectModel, writes: list[AccessModel]) -> bool:
    """Whether every read of the object reads an element that one of `writes` wrote before it in the
    same iteration of the analysed loop (reads outside the array left out: see _inside_the_array).
    Asked once per statement: its reads share their loops, and a call's block has dozens."""
    if len({len(m.dims) for m in obj.accesses}) > 1:  # (writes and reads of one rank)
        return False
    for group in _statements([m for m in obj.accesses if not m.access.is_write]):
        found = _written_before(writes, group[0])
        if found is None:
            return False
        r = group[0]
        read = parse_set(set_text([("b", r)], pre=[f"v{k}" for k in range(len(r.dims))],
                                  extra=[_any_of([_element(m, "b") + _inside_the_array(obj, m) for m in group])]))
        if not read.is_subset(found):
            return False
    return True


def _statements(accesses: list[AccessModel]) -> list[list[AccessModel]]:
    """The accesses grouped by their loops, statement and domain (the tests of the ifs around them)."""
    groups: dict[tuple, list[AccessModel]] = {}
    for m in accesses:
        groups.setdefault((tuple(l.id for l in m.loops), m.order_key(), m.domain_text("a")), []).append(m)
    return list(groups.values())


def _any_of(alternatives: list[list[str]]) -> str:
    return "(" + " or ".join("(" + (" and ".join(a) or "0 = 0") + ")" for a in alternatives) + ")"


def _written_before(writes: list[AccessModel], r: AccessModel) -> Optional[isl.Set]:
    """The pairs [element..., iteration of r] where one of `writes` wrote the element earlier in the
    same iteration of the analysed loop (the loops r shares with it ordered, then the statements)."""
    covered = None
    rank = len(r.dims)
    for group in _statements(writes):
        w = group[0]
        common = common_loops(w, r)
        order = []
        for k in range(1, len(common)):
            up = common[k].canonical.step > 0 if common[k].canonical else True
            order.append(" and ".join([f"b{j} = a{j}" for j in range(1, k)] + [f"b{k} {'>' if up else '<'} a{k}"]))
        if w.order_key() < r.order_key():
            order.append(" and ".join([f"b{j} = a{j}" for j in range(1, len(common))]) or "0 = 0")
        if not order:
            continue
        text = set_text([("a", w), ("b", r)], pre=[f"v{k}" for k in range(rank)],
                        extra=["a0 = b0", _any_of([[o] for o in order]), _any_of([_element(m, "a") for m in group])])
        pairs = parse_set(text).project_out(isl.dim_type.set, rank, len(w.loops))
        covered = pairs if covered is None else covered.union(pairs)
    return covered


def _inside_the_array(obj: ObjectModel, m: AccessModel, prefix: str = "b") -> list[str]:
    """The constraints that each subscript of the access stays inside its declared extent: C leaves
    an access outside an array object undefined (`lhs[isize - 1]` with isize = 0), so only the reads
    inside it need an earlier write of the iteration."""
    extents = _extents(obj)
    if extents is None or len(m.dims) != len(extents):
        return []
    names = ivs_for(prefix, m)
    return [f"0 <= {render_aff(d, names)} < {extent}" for d, extent in zip(m.dims, extents)]


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


def _writes_whole_array(obj: ObjectModel, each: tuple) -> bool:
    """Whether the unconditional writes of every single iteration of the analysed loop (`each`, from
    _written_each_iteration) cover every element of the declared array (then lastprivate copies out
    exactly what the serial loop leaves)."""
    covered, iterations = each
    dims = obj.base.array_dims
    whole = iterations.intersect(isl.Set("{ [%s, a0] : %s }" % (", ".join(f"v{k}" for k in range(len(dims))), " and ".join(
        f"0 <= v{k} < {d}" for k, d in enumerate(dims)))))
    return whole.subtract(covered).is_empty()


def _writes_same_elements(obj: ObjectModel, each: tuple) -> bool:
    """Whether every element that any write of the loop may touch (conditional writes and calls'
    regions included) is written by the unconditional writes of every single iteration: then no
    iteration leaves a value that the last iteration does not overwrite, and a copy that starts as
    the array (firstprivate) and is copied out after the last iteration (lastprivate) leaves what
    the serial loop leaves. `each`: from _written_each_iteration."""
    covered, iterations = each
    rank = len(obj.base.array_dims)
    touched = None
    for w in (m for m in obj.accesses if m.access.is_write):
        if w.dims is None or len(w.dims) != rank:
            return False
        inside = _inside_the_array(obj, w, prefix="a")  # (writing outside it is undefined too)
        text = set_text([("a", w)], pre=[f"v{k}" for k in range(rank)], extra=_element(w, "a") + inside)
        s = parse_set(text).project_out(isl.dim_type.set, rank, len(w.loops))
        touched = s if touched is None else touched.union(s)
    if touched is None:
        return False
    # each element some iteration may write, paired with every iteration of the loop
    needed = touched.insert_dims(isl.dim_type.set, rank, 1).intersect(iterations)
    return needed.subtract(covered).is_empty()


def _written_each_iteration(obj: ObjectModel, writes) -> Optional[tuple]:
    """(the elements each iteration of the analysed loop writes unconditionally, as pairs [v..., a0]
    of element and iteration; the loop's iterations, as [v..., a0] with any v), or None when the
    array's extents are not constants or the writes are not all exact and in that loop."""
    dims = obj.base.array_dims
    if _extents(obj) is None or not writes:
        return None
    outer = writes[0].loops[0]
    if outer.canonical is None or any(not w.exact_domain or w.loops[0].id != outer.id for w in writes):
        return None
    elements = [f"v{k}" for k in range(len(dims))]
    covered = None
    for w in writes:
        text = set_text([("a", w)], pre=elements, extra=_element(w, "a"))
        # keep the outer loop's variable a0; drop the inner loops' variables
        s = parse_set(text).project_out(isl.dim_type.set, len(dims) + 1, len(w.loops) - 1)
        covered = s if covered is None else covered.union(s)
    iterations = parse_set(set_text([("a", _outer_only(writes[0]))])).insert_dims(isl.dim_type.set, 0, len(dims))
    return covered, iterations


def _outer_only(model):
    """An access model restricted to its outermost loop, for that loop's iteration domain."""
    keep = [c for c in model.domain if "@" not in c.replace("@0", "")]
    return AccessModel(access=model.access, loops=model.loops[:1], dims=[], domain=keep,
                       params=set(model.params))
