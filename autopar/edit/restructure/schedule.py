"""Schedules: isl's scheduler (Pluto-style, as Polly and PPCG use it) on all dependences, then, per
candidate, a loop order inside each permutable band, tiling, and a `parallel` mark on the outermost
coincident loop. Every candidate is checked against the dependences again before it is returned:
the whole schedule (every source before its sink) and each parallel loop (no dependence carried).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import islpy as isl

from autopar.edit.restructure.model import IslModel, parallel_ok, respects
from autopar.edit.restructure.scop import Refusal

PARALLEL_MARK = "autopar_parallel"


@dataclass
class ScheduleChoice:
    """One way to run the nest: the loop order policy and the tile size (None: untiled)."""

    order: str  # "stride": a stride-1 loop innermost; "isl": the scheduler's own order; "split"
    tile: Optional[int]
    wavefront: bool = False  # locality-first schedule: parallel tiles along a wavefront when needed
    split: str = ""  # "i = k": the source order, the loop split there (index-set splitting)

    @property
    def label(self) -> str:
        if self.split:
            return f"source order, the {self.split.split(' = ')[0]} loop split at {self.split} (index-set splitting)"
        tile = f"tile {self.tile}" if self.tile else "untiled"
        order = "stride-1 innermost" if self.order == "stride" else "scheduler order"
        return f"{order}, {tile}" + (", locality-first schedule (wavefront of tiles)" if self.wavefront else "")


@dataclass
class ScheduledNest:
    choice: ScheduleChoice
    schedule: isl.Schedule
    bands: list[str] = field(default_factory=list)  # one line per band, for explain
    parallel_loops: int = 0
    changed: bool = True  # differs from the source order (else nothing to gain but threads)
    wavefront: bool = False  # the tile loops were skewed into a wavefront for parallelism


def _set_options(ctx: isl.Context) -> None:
    ctx.set_schedule_outer_coincidence(1)
    ctx.set_schedule_maximize_band_depth(1)
    ctx.set_tile_scale_tile_loops(1)
    ctx.set_tile_shift_point_loops(1)


def base_schedule(model: IslModel, coincidence: bool = True) -> isl.Schedule:
    """isl's schedule. With `coincidence`, parallel loops are sought outermost (Polly's setting);
    without, the scheduler maximises permutable bands for locality alone (Pluto's tiling of LU or a
    grid dynamic program), and parallelism comes from a wavefront over the tiles."""
    ctx = model.domain.get_ctx()
    _set_options(ctx)
    ctx.set_schedule_outer_coincidence(1 if coincidence else 0)
    deps = model.dependences
    constraints = isl.ScheduleConstraints.on_domain(model.domain).set_validity(deps).set_proximity(deps)
    if coincidence:
        constraints = constraints.set_coincidence(deps)
    schedule = constraints.compute_schedule()
    ctx.set_schedule_outer_coincidence(1)
    if schedule is None:
        raise Refusal("no-schedule", "isl's scheduler found no schedule")
    if not respects(deps, schedule.get_map()):
        raise Refusal("invalid-schedule", "the scheduler's result breaks a dependence")
    return schedule


def member_coefficients(mupa: isl.MultiUnionPwAff, member: int) -> dict[str, dict[str, int]]:
    """Per statement, the member's coefficient of each statement iterator ({} when not affine in
    one piece)."""
    upa = mupa.get_at(member)
    found: dict[str, dict[str, int]] = {}

    pws = upa.get_pw_aff_list()
    for position in range(pws.n_pw_aff()):
        pw = pws.get_at(position)
        name = pw.get_space().get_tuple_name(isl.dim_type.in_)
        if pw.n_piece() != 1:
            found[name] = {}
            continue
        aff = pw.get_pieces()[0][1]  # its one piece (on a filter's part of the domain, not total)
        coefficients = {}
        for index in range(aff.dim(isl.dim_type.in_)):
            value = aff.get_coefficient_val(isl.dim_type.in_, index)
            if not value.is_zero():
                coefficients[str(index)] = int(value.to_python())
        found[name] = coefficients
    return found


def stride_cost(model: IslModel, coefficients: dict[str, dict[str, int]],
                others: list[dict[str, dict[str, int]]] = ()) -> float:
    """Cache lines per iteration when this member is the innermost loop: 0 for an access the loop
    does not move, |stride| * element / 64 (at most 1) for an access it moves along its last
    subscript only, 1 for anything else.

    `others` are the loops outside it, which stay fixed while it steps: the iteration moves along
    the direction d with (other members) . d = 0 and (this member) . d = 1, so a skewed member such
    as 2t + i under the loop t moves i by one, and the member t under 2t + i moves i by -2."""
    cost = 0.0
    for statement in model.scop.statements:
        coeffs = coefficients.get(statement.name)
        if coeffs is None:
            continue
        weight = statement_weight(model, statement)
        direction = _direction(statement, coeffs, [o.get(statement.name) for o in others])
        if direction is None:
            cost += weight * len(statement.accesses)  # not one direction: a new line per access
            continue
        for access in statement.accesses:
            deltas = [sum(sub.coefficients.get(iv, 0) * direction[k] for k, iv in enumerate(statement.ivs))
                      for sub in access.subscripts]
            if not any(deltas):
                continue
            if not any(deltas[:-1]):
                element = model.scop.element_sizes.get(access.array, 8)
                cost += weight * min(1.0, float(abs(deltas[-1])) * element / 64)
            else:
                cost += weight
    return cost


def _direction(statement, member: dict[str, int], others: list) -> Optional[list]:
    """The iteration direction of `member` with `others` fixed, in the statement's iterators; the
    iterators no member mentions count as fixed by loops outside the band. None when ambiguous."""
    from fractions import Fraction

    size = len(statement.ivs)
    if size == 0 or not member:
        return None
    def row(coeffs: dict[str, int]) -> list:
        return [Fraction(coeffs.get(str(k), 0)) for k in range(size)]
    rows = [row(o) for o in others if o]
    rows.append(row(member))
    mentioned = {int(k) for o in others if o for k in o} | {int(k) for k in member}
    fixed_rows = [[Fraction(1 if c == k else 0) for c in range(size)] for k in range(size) if k not in mentioned]
    matrix = fixed_rows + rows[:-1] + [rows[-1]]
    target = [Fraction(0)] * (len(matrix) - 1) + [Fraction(1)]
    # least effort Gaussian elimination; a non-square or singular system is ambiguous
    if len(matrix) != size:
        return None
    augmented = [r[:] + [t] for r, t in zip(matrix, target)]
    for col in range(size):
        pivot = next((r for r in range(col, size) if augmented[r][col] != 0), None)
        if pivot is None:
            return None
        augmented[col], augmented[pivot] = augmented[pivot], augmented[col]
        for r in range(size):
            if r != col and augmented[r][col] != 0:
                factor = augmented[r][col] / augmented[col][col]
                augmented[r] = [a - factor * b for a, b in zip(augmented[r], augmented[col])]
    return [augmented[k][size] / augmented[k][k] for k in range(size)]


def statement_weight(model: IslModel, statement) -> float:
    """How much a statement's accesses count: a statement in fewer loops than the deepest one runs
    about a hundred times less often per missing loop."""
    return 0.01 ** (model.scop.max_depth - len(statement.loops))


def _permute_band(node: isl.ScheduleNode, order: list[int]) -> isl.ScheduleNode:
    if order == list(range(len(order))):
        return node
    mupa = node.band_get_partial_schedule()
    permutable = node.band_get_permutable()
    coincident = [node.band_member_get_coincident(i) for i in range(len(order))]
    members = isl.UnionPwAffList.alloc(mupa.get_ctx(), len(order))
    for index in order:
        members = members.add(mupa.get_at(index))
    permuted = isl.MultiUnionPwAff.from_union_pw_aff_list(mupa.get_space(), members)
    node = node.delete()
    node = node.insert_partial_schedule(permuted)
    node = node.band_set_permutable(permutable)
    for position, index in enumerate(order):
        node = node.band_member_set_coincident(position, coincident[index])
    return node


def _order_for(model: IslModel, node: isl.ScheduleNode) -> list[int]:
    """Coincident members first, the cheapest stride-1 member innermost."""
    count = node.band_n_member()
    mupa = node.band_get_partial_schedule()
    members = [member_coefficients(mupa, i) for i in range(count)]
    costs = [stride_cost(model, members[i], members[:i] + members[i + 1:]) for i in range(count)]
    inner = min(range(count), key=lambda i: (costs[i], -i))
    rest = [i for i in range(count) if i != inner]
    coincident = [i for i in rest if node.band_member_get_coincident(i)]
    others = [i for i in rest if not node.band_member_get_coincident(i)]
    return coincident + others + [inner]


def _coincident_first(node: isl.ScheduleNode) -> list[int]:
    count = node.band_n_member()
    coincident = [i for i in range(count) if node.band_member_get_coincident(i)]
    return coincident + [i for i in range(count) if i not in coincident]


def _any_parallel(model: IslModel, node: isl.ScheduleNode) -> bool:
    """Some member of this band carries no dependence (given the loops outside it)."""
    outer = node.get_prefix_schedule_union_map()
    mupa = node.band_get_partial_schedule()
    inside = node.get_domain()
    deps = model.dependences.intersect_domain(inside).intersect_range(inside)
    for member in range(node.band_n_member()):
        prefix = outer
        if member:
            prefix = outer.flat_range_product(isl.UnionMap.from_multi_union_pw_aff(_first(mupa, member)))
        if parallel_ok(deps, prefix, isl.UnionMap.from_union_pw_aff(mupa.get_at(member))):
            return True
    return False


def _wavefront(node: isl.ScheduleNode) -> isl.ScheduleNode:
    """Tile loops (t1, t2, ...) of a permutable band become (t1 + t2, t2, ...): every dependence
    goes forward in each tile loop, so at a fixed t1 + t2 the tiles along t2 are independent."""
    mupa = node.band_get_partial_schedule()
    members = isl.UnionPwAffList.alloc(mupa.get_ctx(), mupa.dim(isl.dim_type.set))
    members = members.add(mupa.get_at(0).add(mupa.get_at(1)))
    for index in range(1, mupa.dim(isl.dim_type.set)):
        members = members.add(mupa.get_at(index))
    skewed = isl.MultiUnionPwAff.from_union_pw_aff_list(mupa.get_space(), members)
    node = node.delete()
    node = node.insert_partial_schedule(skewed)
    return node.band_set_permutable(1)


def _transform(model: IslModel, schedule: isl.Schedule, choice: ScheduleChoice) -> tuple[isl.Schedule, bool]:
    """Order and tile every permutable band of more than one member; True when a wavefront was made."""
    skewed = False

    def visit(node: isl.ScheduleNode) -> isl.ScheduleNode:
        if node.get_type() == isl.schedule_node_type.band:
            if node.band_get_permutable() and node.band_n_member() > 1:
                if choice.order == "stride" and not choice.tile:
                    node = _permute_band(node, _order_for(model, node))
                if choice.tile:
                    space = node.band_get_space()
                    sizes = isl.MultiVal.zero(space)
                    for i in range(node.band_n_member()):
                        sizes = sizes.set_val(i, isl.Val.int_from_si(space.get_ctx(), choice.tile))
                    node = node.band_tile(sizes)
                    point = node.child(0)  # the point loops: not tiled again
                    if choice.order == "stride":
                        # tile loops: the parallel (coincident) ones outermost; point loops: the
                        # stride-1 loop innermost. Both bands are permutable, so any order is legal.
                        point = _permute_band(point, _order_for(model, point))
                    for i in range(point.n_children()):
                        point = visit(point.child(i)).parent()
                    node = point.parent()
                    if choice.order == "stride":
                        node = _permute_band(node, _coincident_first(node))
                    if choice.wavefront and not _any_parallel(model, node):
                        nonlocal skewed
                        node = _wavefront(node)
                        skewed = True
                    return node
        for i in range(node.n_children()):
            node = visit(node.child(i)).parent()
        return node

    return visit(schedule.get_root()).get_schedule(), skewed


def _mark_parallel(model: IslModel, schedule: isl.Schedule, max_depth: int = 3) -> tuple[isl.Schedule, int]:
    """Mark the outermost loop that carries no dependence on each path (validated with isl).

    A loop under more than `max_depth` sequential loops is left serial: a parallel region entered
    that often costs more than it gains."""
    marked = 0

    def visit(node: isl.ScheduleNode) -> isl.ScheduleNode:
        nonlocal marked
        if node.get_type() == isl.schedule_node_type.band and node.get_schedule_depth() > max_depth:
            return node
        if node.get_type() == isl.schedule_node_type.band:
            outer = node.get_prefix_schedule_union_map()
            mupa = node.band_get_partial_schedule()
            for member in range(min(node.band_n_member(), max_depth + 1 - node.get_schedule_depth())):
                # isl's coincidence flags can be conservative: the dependences decide
                prefix = outer
                if member:
                    prefix = outer.flat_range_product(
                        isl.UnionMap.from_multi_union_pw_aff(_first(mupa, member)))
                this = isl.UnionMap.from_union_pw_aff(mupa.get_at(member))
                # only dependences between instances run inside this loop matter here; the others
                # are ordered by the loops and sequences around it
                inside = node.get_domain()
                deps = model.dependences.intersect_domain(inside).intersect_range(inside)
                if not parallel_ok(deps, prefix, this):
                    continue
                marked += 1
                if member:
                    node = node.band_split(member)
                    return node.child(0).insert_mark(isl.Id(PARALLEL_MARK)).parent()
                return node.insert_mark(isl.Id(PARALLEL_MARK))  # nothing inside is parallelized again
        for i in range(node.n_children()):
            node = visit(node.child(i)).parent()
        return node

    root = visit(schedule.get_root())
    return root.root().get_schedule(), marked


def parallel_marks(schedule: isl.Schedule) -> list[isl.ScheduleNode]:
    """The schedule tree's parallel marks, in tree order (the order isl's AST prints them in)."""
    found: list[isl.ScheduleNode] = []

    def visit(node: isl.ScheduleNode) -> None:
        if node.get_type() == isl.schedule_node_type.mark and node.mark_get_id().get_name() == PARALLEL_MARK:
            found.append(node)
        for index in range(node.n_children()):
            visit(node.child(index))

    visit(schedule.get_root())
    return found


def _first(mupa: isl.MultiUnionPwAff, count: int) -> isl.MultiUnionPwAff:
    return mupa.drop_dims(isl.dim_type.set, count, mupa.dim(isl.dim_type.set) - count)


def describe_bands(schedule: isl.Schedule) -> list[str]:
    lines: list[str] = []

    def visit(node: isl.ScheduleNode, depth: int) -> None:
        kind = node.get_type()
        if kind == isl.schedule_node_type.band:
            flags = [node.band_member_get_coincident(i) for i in range(node.band_n_member())]
            lines.append("  " * depth + f"band {node.band_get_partial_schedule()} "
                         f"permutable={node.band_get_permutable()} coincident={flags}")
        elif kind == isl.schedule_node_type.mark:
            lines.append("  " * depth + f"mark {node.mark_get_id().get_name()}")
        elif kind == isl.schedule_node_type.sequence:
            lines.append("  " * depth + "sequence")
        elif kind == isl.schedule_node_type.filter:
            lines.append("  " * depth + f"filter {node.filter_get_filter()}")
        for i in range(node.n_children()):
            visit(node.child(i), depth + 1)

    visit(schedule.get_root(), 0)
    return lines


def schedule_candidate(model: IslModel, base: isl.Schedule, choice: ScheduleChoice) -> ScheduledNest:
    transformed, skewed = _transform(model, base, choice)
    marked_schedule, parallel = _mark_parallel(model, transformed, 3 if choice.tile else 1)
    # validated again: the final schedule keeps every dependence
    if not respects(model.dependences, marked_schedule.get_map()):
        raise Refusal("invalid-schedule", f"candidate {choice.label} breaks a dependence")
    changed = not _same_order(model, marked_schedule)
    return ScheduledNest(choice, marked_schedule, describe_bands(marked_schedule), parallel, changed, skewed)


def source_cost(model: IslModel) -> float:
    """The cost model's figure for the source order: each statement's innermost loop, untiled."""
    total = 0.0
    for statement in model.scop.statements:
        if statement.loops:
            innermost = {statement.name: {str(len(statement.loops) - 1): 1}}
            total += 2 * stride_cost(model, innermost)
    return total


def source_outer_parallel(model: IslModel) -> bool:
    """The nest's own outermost loop carries no dependence (a pragma plan could run it in parallel)."""
    parts = [f"{s.name}[{', '.join(s.ivs)}] -> [{s.ivs[0]}]" for s in model.scop.statements if s.ivs]
    if len(parts) != len(model.scop.statements):
        return False
    outer = isl.UnionMap(model.params + "{ " + "; ".join(parts) + " }")
    return parallel_ok(model.dependences, None, outer)


def _same_order(model: IslModel, schedule: isl.Schedule) -> bool:
    """The new schedule orders every pair of instances as the source does."""
    new = schedule.get_map().intersect_domain(model.domain)
    return new.lex_lt_union_map(new).is_equal(model.original.lex_lt_union_map(model.original))
