"""The cache-line cost model that ranks restructuring candidates: cache lines touched per iteration.

For each permutable band of more than one loop (the part a candidate changes):
- spatial: lines per iteration of its innermost loop (0 for an access it does not move, element/64
  for a stride-1 access, 1 otherwise);
- temporal: untiled, every access of the innermost loop costs its spatial lines again; tiled by T,
  the lines one tile touches (T^m elements of an access that moves with m of the band's loops,
  T*element/64 lines per row along a stride-1 subscript) divided by the tile's T^b iterations, scaled
  up when the tile's footprint exceeds a 32 KiB first-level cache.
Lower is better. It is a ranking, not a time.
"""

from __future__ import annotations

import islpy as isl

from autopar.edit.restructure.model import IslModel
from autopar.edit.restructure.schedule import member_coefficients, statement_weight, stride_cost

L1_BYTES = 32 * 1024
LINE = 64


def band_costs(model: IslModel, schedule: isl.Schedule, tile: int | None) -> float:
    total = 0.0

    def visit(node: isl.ScheduleNode, inside_tile: bool) -> None:
        nonlocal total
        if node.get_type() == isl.schedule_node_type.band and node.band_n_member() > 1 and not inside_tile:
            count = node.band_n_member()
            mupa = node.band_get_partial_schedule()
            members = [member_coefficients(mupa, i) for i in range(count)]
            tiled_below = False
            # a tiled band's point loops are its child band with the same number of members
            if tile and node.n_children() == 1:
                child = node.child(0)
                if child.get_type() == isl.schedule_node_type.band and child.band_n_member() == count:
                    cmupa = child.band_get_partial_schedule()
                    members = [member_coefficients(cmupa, i) for i in range(count)]
                    tiled_below = True
            spatial = stride_cost(model, members[-1], members[:-1])
            if tiled_below:
                temporal = _tile_lines(model, members, tile) / float(tile ** count)
            else:
                temporal = spatial
            total += spatial + temporal
            for i in range(node.n_children()):
                visit(node.child(i), tiled_below)
            return
        if node.get_type() == isl.schedule_node_type.band and not inside_tile and not _has_band_below(node):
            # an innermost loop of its own: no reuse but what its stride gives
            total += 2 * stride_cost(model, member_coefficients(node.band_get_partial_schedule(), 0))
        for i in range(node.n_children()):
            visit(node.child(i), False)

    visit(schedule.get_root(), False)
    return total


def _has_band_below(node: isl.ScheduleNode) -> bool:
    for i in range(node.n_children()):
        child = node.child(i)
        if child.get_type() == isl.schedule_node_type.band or _has_band_below(child):
            return True
    return False


def _tile_lines(model: IslModel, members: list[dict[str, dict[str, int]]], tile: int) -> float:
    lines = 0.0
    footprint = 0.0
    for statement in model.scop.statements:
        per_member = [m.get(statement.name, {}) for m in members]
        moving_ivs = [{statement.ivs[int(k)] for k in coeffs} for coeffs in per_member]
        for access in statement.accesses:
            if not access.is_write and any(a.array == access.array and a.is_write for a in statement.accesses):
                continue  # a read-modify-write counts once
            used = [iv for iv in statement.ivs if any(s.coefficients.get(iv) for s in access.subscripts)]
            moves = sum(1 for ivs in moving_ivs if ivs & set(used))
            element = model.scop.element_sizes.get(access.array, 8)
            last = access.subscripts[-1]
            contiguous = any(last.coefficients.get(iv) for iv in used)
            elements = float(tile ** moves)
            footprint += elements * element
            weight = statement_weight(model, statement)
            if contiguous and moves:
                lines += weight * tile ** (moves - 1) * max(1.0, tile * element / LINE)
            else:
                lines += weight * elements
    if footprint > L1_BYTES:
        lines *= footprint / L1_BYTES
    return lines
