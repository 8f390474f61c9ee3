"""Whether a loop touches exactly the elements 0 .. hi - 1 of a one-subscript object whenever it runs:
what a reduction into a thread's copy of a pointer's elements needs (the copy is added back into all
of them). Proven by isl from the accesses' domains and subscripts."""

from __future__ import annotations

import re
from typing import NamedTuple, Optional

import islpy as isl

from autopar.deps.accesses import AccessModel, ObjectModel, ivs_for
from autopar.deps.isl_text import parse_set, render_aff, render_poly, set_text
from autopar.deps.trip_count import runs_condition
from autopar.ir import Loop


class TouchedInterval(NamedTuple):
    size: int  # hi: the elements 0 .. hi - 1
    # the first tests of inner loops (C, valid before the loop) that must hold too: the interval is
    # touched only when they run (NAS's norms sum over k, j, i and m; `jst < jend` is not proven)
    inner_runs: tuple[str, ...] = ()


def exact_interval(obj: ObjectModel, model) -> Optional[TouchedInterval]:
    """The interval when the elements the loop of `model` (a LoopModel) touches in the one-subscript
    object `obj` are exactly 0 .. hi - 1 for every value of the parameters under which that loop runs
    at least once: the image of the accesses' iteration domains under their subscripts is {0..hi-1},
    proven by isl (`rms[m]` for m in 0..4: 5; not `rms[2 * m]`, which leaves gaps, nor `rms[m + 1]`,
    nor `rms[m]` for m < k). The domains must be exact and every access unconditional (no if,
    continue, break, or condition around an inner loop), else they would claim elements the loop may
    skip. The constraints of the loops around the analysed one are left out (their variables may have
    changed), so the interval holds whatever values the parameters have.

    Where that fails only because inner loops may not run, and their bounds do not change inside the
    loop, their first tests join the loop's (`inner_runs`): a run-time check that all run. None
    otherwise."""
    if obj.row_table:
        return None  # (its dims are rows and columns, not offsets a copy could stand for)
    touched = _touched(obj, model)
    if touched is None:
        return None
    runs = loop_runs(model, model.loop)
    if runs is None:
        return None
    size = _interval_within(touched, runs)
    if size is not None:
        return TouchedInterval(size)
    inner = {l.id: l for m in obj.accesses for l in m.loops[1:]}
    tests: list[str] = []
    for loop in inner.values():
        own = loop_runs(model, loop)
        if own is None or own.is_empty():
            return None
        if own.complement().is_empty():
            continue  # runs for any parameters (constant bounds)
        test = invariant_runs_test(model, loop)
        if test is None:
            return None
        runs, tests = runs.intersect(own), [*tests, test]
    size = _interval_within(touched, runs) if tests else None
    return TouchedInterval(size, tuple(dict.fromkeys(tests))) if size is not None else None


def _touched(obj: ObjectModel, model) -> Optional[isl.Set]:
    """The subscripts' values over the accesses' domains, the outer loops' constraints left out."""
    if not obj.accesses:
        return None
    skip = len(model.context.domain)  # each access's domain starts with the enclosing loops' bounds
    touched = None
    for m in obj.accesses:
        if not m.affine or len(m.dims) != 1 or len(m.access.subscripts) != 1 or not m.always_runs or \
                list(m.domain[:skip]) != list(model.context.domain):
            return None
        own = AccessModel(access=m.access, loops=m.loops, dims=m.dims, domain=m.domain[skip:], params=m.params,
                          variant=m.variant)
        text = set_text([("a", own)], pre=["v"], extra=[f"v = {render_aff(m.dims[0], ivs_for('a', m))}"])
        values = parse_set(text).project_out(isl.dim_type.set, 1, len(m.loops))
        touched = values if touched is None else touched.union(values)
    return touched


def loop_runs(model, loop: Loop) -> Optional[isl.Set]:
    """The parameters for which `loop`'s own bounds admit an iteration, or None where they are not
    exact or name something that changes inside the analysed loop (`usable` refuses those)."""
    own = AccessModel(access=None, loops=[loop], variant=model.variant)
    model.bound(own, 0, loop, {})
    if not own.exact_domain:
        return None
    return parse_set(set_text([("a", own)])).params()


def invariant_runs_test(model, loop: Loop) -> Optional[str]:
    """`loop`'s first test as C, when evaluating it before the analysed loop gives its value at every
    start of `loop`: written from the affine bounds (not the source's text, whose names may mean
    something else out there: a typedef, an enum constant or a `typeof` declared inside), with a
    counter of a built-in integer type and bounds over plain names (or a named array's element at
    constant subscripts) that nothing inside the analysed loop writes or declares."""
    if runs_condition(loop) is None:
        return None
    c = loop.canonical
    if not _BUILTIN_INTEGER.fullmatch(" ".join(c.iv_type.split())):
        return None
    names = {n for aff in (c.lower, c.upper) for key in aff.coefficients for n in key.split("*")}
    if not all(_PLAIN_NAME.fullmatch(n) for n in names):
        return None
    changing = {s.variable.name for s in model.loop.scalars if s.written or s.declared_in_loop}
    changing |= {l.canonical.induction_variable for l in model.loops.values() if l.canonical}
    if {_PLAIN_NAME.fullmatch(n).group(1) for n in names} & changing:
        return None
    return f"({c.iv_type})({_c_text(c.lower)}) {c.comparison.value} ({_c_text(c.upper)})"


_BUILTIN_INTEGER = re.compile(r"((un)?signed )?(char|short|int|long|long long)( int)?|(un)?signed")
_PLAIN_NAME = re.compile(r"([A-Za-z_]\w*)(\[\d+\])*")


def _c_text(aff) -> str:
    return render_poly({(name,): coeff for name, coeff in aff.coefficients.items()} | {(): aff.constant})


def _interval_within(touched: isl.Set, runs: isl.Set) -> Optional[int]:
    """hi when `touched` holds every element of 0..hi and nothing else, for every parameter in `runs`."""
    try:
        anywhere = touched.project_out(isl.dim_type.param, 0, touched.dim(isl.dim_type.param))
        if anywhere.is_empty() or not anywhere.is_bounded():
            return None
        low, high = anywhere.dim_min_val(0).to_python(), anywhere.dim_max_val(0).to_python()
        if low != 0:
            return None
        interval = isl.Set(f"{{ [v] : 0 <= v <= {high} }}")
        interval = interval.align_params(touched.get_space()).intersect_params(runs)
        # every element of 0..high for every parameter value where the loop runs (the touched set
        # lies in that interval, for any parameters, by the projection above)
        if not interval.is_subset(touched):
            return None
    except isl.Error:
        return None
    return high + 1
