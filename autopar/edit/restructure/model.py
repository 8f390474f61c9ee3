"""The isl model of a scop: statement instances, access relations, the original schedule, and every
dependence (flow, anti and output, between all statements), computed with isl.

Dependences are memory-based: an instance pair conflicts when both touch the same element and at
least one writes it, and it is a dependence when the source runs first in the original order.
That is conservative (it keeps anti and output dependences that array expansion could remove),
which is what a transformation that keeps the user's arrays needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import islpy as isl

from autopar.edit.restructure.isl_affine import affine_text, domain_text
from autopar.edit.restructure.scop import Scop, Statement

# isl names: parameters keep their C names (they are printed in the bounds), statements are S0..
_RESERVED = {"floord", "ceild", "min", "max"}


@dataclass
class IslModel:
    scop: Scop
    params: str  # "[n, m] -> "
    domain: isl.UnionSet
    reads: isl.UnionMap
    writes: isl.UnionMap
    original: isl.UnionMap  # the 2d+1 schedule of the source order
    dependences: isl.UnionMap  # source instance -> sink instance

    def describe(self) -> str:
        return str(self.dependences)


def statement_domain(scop: Scop, statement: Statement) -> str:
    return domain_text(statement.name, statement.ivs, [scop.loops[loop_id] for loop_id in statement.loops])


def build_model(scop: Scop) -> IslModel:
    params = f"[{', '.join(scop.params)}] -> " if scop.params else ""
    width = 2 * scop.max_depth + 1
    domains, reads, writes, schedules = [], [], [], []
    for statement in scop.statements:
        domains.append(statement_domain(scop, statement))
        tuple_ = f"{statement.name}[{', '.join(statement.ivs)}]"
        for access in statement.accesses:
            relation = f"{tuple_} -> {access.array}[{', '.join(affine_text(s) for s in access.subscripts)}]"
            (writes if access.is_write else reads).append(relation)
        time: list[str] = []
        for depth, loop_id in enumerate(statement.loops):
            loop = scop.loops[loop_id]
            time.append(str(statement.position[depth]))
            time.append(statement.ivs[depth] if loop.step > 0 else f"-{statement.ivs[depth]}")
        time.append(str(statement.position[len(statement.loops)]))
        time += ["0"] * (width - len(time))
        schedules.append(f"{tuple_} -> [{', '.join(time)}]")
    domain = isl.UnionSet(params + "{ " + "; ".join(domains) + " }")
    read_map = _union_map(params, reads).intersect_domain(domain)
    write_map = _union_map(params, writes).intersect_domain(domain)
    original = isl.UnionMap(params + "{ " + "; ".join(schedules) + " }").intersect_domain(domain)
    conflicts = (write_map.apply_range(read_map.reverse())
                 .union(read_map.apply_range(write_map.reverse()))
                 .union(write_map.apply_range(write_map.reverse())))
    dependences = conflicts.intersect(original.lex_lt_union_map(original)).coalesce()
    return IslModel(scop, params, domain, read_map, write_map, original, dependences)


def _union_map(params: str, relations: list[str]) -> isl.UnionMap:
    if not relations:
        return isl.UnionMap(params + "{ }")
    return isl.UnionMap(params + "{ " + "; ".join(relations) + " }")


def respects(dependences: isl.UnionMap, schedule_map: isl.UnionMap) -> bool:
    """Every dependence's source runs strictly before its sink under `schedule_map`."""
    if dependences.is_empty():
        return True
    violated = dependences.intersect(schedule_map.lex_ge_union_map(schedule_map))
    return violated.is_empty()


def parallel_ok(dependences: isl.UnionMap, outer: isl.UnionMap | None, member: isl.UnionMap) -> bool:
    """No dependence between instances with the same `outer` prefix is carried by `member`."""
    deps = dependences
    if outer is not None:
        deps = deps.intersect(outer.apply_range(outer.reverse()))
    if deps.is_empty():
        return True
    return deps.is_subset(member.apply_range(member.reverse()))
