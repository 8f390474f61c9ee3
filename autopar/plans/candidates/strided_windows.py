"""Loops that step by a variable (`for (i = 0; i < n; i += len)`, autopar.deps.strided): the objects
whose accesses stay in each iteration's window, and the runtime check such a loop's plan needs."""

from __future__ import annotations

from typing import Optional

from autopar.deps import ISL_LOCK, Analysis, Edge
from autopar.deps.strided import stride_guard, window_condition
from autopar.ir import Loop
from autopar.plans import reasons as R
from autopar.plans.plan import join_conditions


def edge_objects(an: Analysis, edge: Edge) -> list[str]:
    keys = an.model.object_of
    return sorted({keys[n] for n in (edge.source, edge.sink) if n in keys})


def with_strided_conditions(loop: Loop, check: Optional[str], windows: dict[str, str],
                             blockers: Optional[list] = None) -> Optional[str]:
    """A plan's runtime check on a loop that steps by a variable: its guard first (a positive step,
    a trip count that fits), then the alias check, then each window condition; other loops keep
    `check` as it is."""
    if loop.canonical is None or not loop.canonical.step_symbol:
        return check
    guard = stride_guard(loop)
    if guard is None and blockers is not None:
        blockers.append(R.Reason(f"the bounds of a loop that steps by {loop.canonical.step_symbol} are not affine: "
                                 "its trip count cannot be checked", R.STRIDED_WINDOWS))
    return join_conditions([guard or "0", check, *sorted({c for c in windows.values() if c})])


def strided_windows(an: Analysis, loop: Loop, carried: list[Edge]) -> dict[str, str]:
    """For a loop that steps by a variable (autopar.deps.strided): the objects of its carried edges
    whose accesses stay in each iteration's window, with the runtime condition ("" for none)."""
    if loop.canonical is None or not loop.canonical.step_symbol:
        return {}
    found: dict[str, str] = {}
    with ISL_LOCK:
        for key in sorted({o for e in carried if e.alias is None for o in edge_objects(an, e)}):
            condition = window_condition(loop, an.model.objects[key])
            if condition is not None:
                found[key] = condition
    return found
