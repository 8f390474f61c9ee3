"""Work thresholds of a restructured nest's parallel loops, as the pragma plans have them: a parallel
loop runs its region only when the work of one entry pays for starting it on this machine
(autopar.plans.machine's calibration). A restructured nest can put a parallel loop inside serial ones
(doitgen's `p` loop inside `r` and `q`): entered n * n times with m iterations each, unconditional
regions made a 40-wide input thousands of times slower than serial.

The work of one entry is bounded by the box of the instances under the mark: per dimension of the
schedule below it, its range over every entry (isl's dim_min and dim_max, functions of the
parameters), times the largest statement's accesses. A bound over the box can only overestimate,
so a loop whose box is small is certain not to pay."""

from __future__ import annotations

from typing import Callable, Optional

import islpy as isl

from autopar.plans import machine
from autopar.edit.restructure.model import IslModel
from autopar.edit.restructure.schedule import parallel_marks


def mark_conditions(model: IslModel, schedule: isl.Schedule, build: isl.AstBuild,
                    spelled: Callable[[str], str]) -> list[Optional[str]]:
    """Per parallel mark, in the schedule tree's order: "" when one entry of its loop always does
    enough work, the C condition under which it does (parameters spelled by `spelled`), or None when
    it never does."""
    limit = machine.current().min_parallel_work
    units = {s.name: 1.0 + len(s.accesses) for s in model.scop.statements}
    return [_condition(mark, units, limit, build, spelled) for mark in parallel_marks(schedule)]


def _condition(node: isl.ScheduleNode, units: dict[str, float], limit: float, build: isl.AstBuild,
               spelled: Callable[[str], str]) -> Optional[str]:
    domain = node.get_domain()
    names: list[str] = []
    domain.foreach_set(lambda s: names.append(s.get_tuple_name()))
    work = max([units.get(name, 1.0) for name in names] or [1.0])
    try:
        points = isl.Set.from_union_set(node.get_subtree_schedule_union_map().intersect_domain(domain).range())
        factors = []
        for dim in range(points.dim(isl.dim_type.set)):
            low, high = points.dim_min(dim), points.dim_max(dim)
            stride = max(1, int(points.get_stride(dim).to_python()))  # a tile loop steps by its size
            constants = _constant(low), _constant(high)
            if None not in constants:
                work *= max((constants[1] - constants[0]) // stride + 1, 1)
            else:
                span = f"(double)({_text(high, build, spelled)}) - (double)({_text(low, build, spelled)})"
                factors.append(f"({span} + 1)" if stride == 1 else f"(({span}) / {stride} + 1)")
    except isl.Error:
        return ""  # a schedule this bound does not cover: the loop keeps its unconditional region
    if not factors:
        return "" if work > limit else None
    return f"{' * '.join(factors)} * {work:g} > {limit:.0f}"


def _constant(bound: isl.PwAff) -> Optional[int]:
    pieces = bound.get_pieces()
    if len(pieces) != 1 or not pieces[0][1].is_cst():
        return None
    value = pieces[0][1].get_constant_val().to_python()
    return int(value) if value == int(value) else None


def _text(bound: isl.PwAff, build: isl.AstBuild, spelled: Callable[[str], str]) -> str:
    return spelled(build.expr_from_pw_aff(bound).to_C_str())
