"""Index-set splitting: a loop that carries dependences only through one of its own iterations.

Floyd-Warshall's `for (k) for (i) for (j) d[i][j] = min(d[i][j], d[i][k] + d[k][j])` cannot run its
`i` loop in parallel as written: row `k` is written when `i == k` and read by every other row, rows
before `k` reading it as it was and rows after it as updated. Every dependence the `i` loop carries
has its source or its sink at `i == k`. Split the loop there, `i < k`, `i == k`, `i > k`, run in that
order, and neither outer piece carries a dependence any more: each runs in parallel (the technique
Pluto and PPCG call index-set splitting). The split expression is read from the dependences
themselves (their affine hulls), and the split schedule is checked like any other: every
dependence kept, and each parallel piece carrying none.
"""

from __future__ import annotations

from typing import Optional

import islpy as isl

from autopar.edit.restructure.model import IslModel, parallel_ok, respects
from autopar.edit.restructure.schedule import PARALLEL_MARK, ScheduleChoice, ScheduledNest, describe_bands


def split_candidate(model: IslModel) -> Optional[ScheduledNest]:
    """The split schedule at the outermost loop where one exists and pays (a parallel loop where the
    source order has none at that depth or above), or None."""
    try:
        return _first_split(model)
    except isl.Error:  # a shape this construction does not cover: no split, the nest keeps its plan
        return None


def _first_split(model: IslModel) -> Optional[ScheduledNest]:
    common = _common_depth(model)
    if common is None:
        return None
    for depth in range(common):
        carried = _carried(model, depth)
        if carried.is_empty():
            return None  # the pragma plan already runs this loop (or one outside it) in parallel
        for expression in _split_expressions(carried, depth, model.scop.statements[0].ivs):
            nest = _split_schedule(model, depth, expression)
            if nest is not None:
                return nest
    return None


def _common_depth(model: IslModel) -> Optional[int]:
    """How many loops, outermost first, every statement shares (each counting upwards), or None."""
    statements = model.scop.statements
    if not statements:
        return None
    shared = 0
    for depth in range(min(len(s.loops) for s in statements)):
        if len({s.loops[depth] for s in statements}) != 1 or model.scop.loops[statements[0].loops[depth]].step != 1:
            break
        shared += 1
    return shared or None


def _dims_map(model: IslModel, dims: list[int]) -> isl.UnionMap:
    """Each statement instance -> its iterators at `dims` (shared loops: the same names)."""
    params = model.params
    parts = [f"{s.name}[{', '.join(s.ivs)}] -> [{', '.join(s.ivs[d] for d in dims)}]" for s in model.scop.statements]
    return isl.UnionMap(params + "{ " + "; ".join(parts) + " }")


def _carried(model: IslModel, depth: int) -> isl.UnionMap:
    """The dependences the loop at `depth` carries (same outer iterations, another of its own)."""
    deps = model.dependences
    if depth:
        outer = _dims_map(model, list(range(depth)))
        deps = deps.intersect(outer.apply_range(outer.reverse()))
    level = _dims_map(model, [depth])
    return deps.subtract(level.apply_range(level.reverse()))


def _split_expressions(carried: isl.UnionMap, depth: int, ivs: list[str]) -> list[str]:
    """Affine expressions e (of the outer iterators and parameters) such that every dependence the
    loop at `depth` carries has its source or its sink at iterator == e; [] when there is none."""
    common: Optional[set[str]] = None
    relations: list[isl.Map] = []
    carried.foreach_map(relations.append)
    for relation in relations:
        for piece in relation.get_basic_maps():
            found = _fixed_at(piece.domain(), depth, ivs) | _fixed_at(piece.range(), depth, ivs)
            common = found if common is None else common & found
            if not common:
                return []
    return sorted(common or ())


def _fixed_at(instances: isl.BasicSet, depth: int, ivs: list[str]) -> set[str]:
    """The expressions e with iterator[depth] == e on all of `instances` (outer iterators, parameters)."""
    found = set()
    for constraint in instances.affine_hull().get_constraints():
        if not constraint.is_equality():
            continue
        own = constraint.get_coefficient_val(isl.dim_type.set, depth).to_python()
        inner = any(not constraint.get_coefficient_val(isl.dim_type.set, d).is_zero()
                    for d in range(depth + 1, instances.dim(isl.dim_type.set)))
        if own not in (1, -1) or inner:
            continue
        # own * x + rest = 0, so x = -own * rest
        terms = []
        for d in range(depth):
            value = constraint.get_coefficient_val(isl.dim_type.set, d).to_python()
            if value:
                terms.append(f"{-own * value} * {ivs[d]}")
        for p in range(instances.dim(isl.dim_type.param)):
            value = constraint.get_coefficient_val(isl.dim_type.param, p).to_python()
            if value:
                terms.append(f"{-own * value} * {instances.get_dim_name(isl.dim_type.param, p)}")
        terms.append(str(-own * constraint.get_constant_val().to_python()))
        found.add(" + ".join(terms))
    return found


def _split_schedule(model: IslModel, depth: int, expression: str) -> Optional[ScheduledNest]:
    params = model.params
    statements = model.scop.statements

    def piece(relation: str) -> isl.UnionSet:
        parts = [f"{s.name}[{', '.join(s.ivs)}] : {s.ivs[depth]} {relation} {expression}" for s in statements]
        return isl.UnionSet(params + "{ " + "; ".join(parts) + " }").intersect(model.domain)

    pieces = [piece("<"), piece("="), piece(">")]
    if any(part.is_empty() for part in pieces):
        return None  # the split point never falls inside the loop: nothing to split
    inner = _inner_time(model, depth)
    outer = _dims_map(model, list(range(depth))) if depth else None
    own = _dims_map(model, [depth])
    ctx = model.domain.get_ctx()
    node = isl.Schedule.from_domain(model.domain).get_root().child(0)
    if outer is not None:
        node = node.insert_partial_schedule(isl.MultiUnionPwAff.from_union_map(
            outer.intersect_domain(model.domain))).child(0)
    filters = isl.UnionSetList.alloc(ctx, 3)
    for part in pieces:
        filters = filters.add(part)
    node = node.insert_sequence(filters)
    parallel = 0
    for index, part in enumerate(pieces):
        node = node.child(index).child(0)
        node = node.insert_partial_schedule(isl.MultiUnionPwAff.from_union_map(inner.intersect_domain(part)))
        deps = model.dependences.intersect_domain(part).intersect_range(part)
        if index != 1 and parallel_ok(deps, outer, own):
            node = node.insert_mark(isl.Id(PARALLEL_MARK)).child(0)
            parallel += 1
            node = node.parent()
        node = node.parent().parent()
    if not parallel:
        return None
    schedule = node.get_schedule()
    if not respects(model.dependences, schedule.get_map()):
        return None
    choice = ScheduleChoice("split", None, split=f"{statements[0].ivs[depth]} = {_plain(expression)}")
    return ScheduledNest(choice, schedule, describe_bands(schedule), parallel, True, False)


def _inner_time(model: IslModel, depth: int) -> isl.UnionMap:
    """Each statement's source-order time from the loop at `depth` inward: the original 2d+1
    schedule without its first 2 * depth + 1 dimensions (the outer loops and their positions)."""
    dims = [f"t{k}" for k in range(2 * model.scop.max_depth + 1)]
    return model.original.apply_range(isl.UnionMap(f"{{ [{', '.join(dims)}] -> [{', '.join(dims[2 * depth + 1:])}] }}"))


def _plain(expression: str) -> str:
    """`1 * k + 0` as `k`, for the candidate's summary."""
    terms = []
    for term in expression.split(" + "):
        if " * " in term:
            factor, name = term.split(" * ")
            terms.append(name if factor == "1" else f"-{name}" if factor == "-1" else f"{factor}*{name}")
        elif term != "0":
            terms.append(term)
    return " + ".join(terms).replace("+ -", "- ") or "0"
