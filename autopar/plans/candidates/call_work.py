"""What one call costs, in work units (about one memory access of a simple loop, autopar.plans.machine).

A library math function costs what it was measured to; a function of this file costs the work of its
own loops, its bounds' parameters given the call's arguments where the caller knows their values
(`row(i, n)` with `for (j = 0; j < n; j++)` inside: n iterations), and as text where the caller can
test them before its loop (a work threshold `(double)(m) * (n) > T`). Every other call costs
CALL_UNITS. The cost model (autopar.plans.candidates.cost) adds these to a loop body's work.
"""

from __future__ import annotations

import re
from typing import Optional

from autopar.deps import trip_text
from autopar.deps.isl_text import parenthesized, render_poly
from autopar.deps.trip_count import travel
from autopar.ir import CallEffect, CallSite, Loop, Storage, TranslationUnit

CALL_UNITS = 4.0  # a call of unknown work: its entry and return
DATA_TRIP = 100  # assumed trip count of an inner loop whose bound is read from memory
# One call, in work units: measured with gcc -O2 (glibc 2.36) on a 2-core AMD EPYC whose work unit was
# 0.183 ns, one call per element of a million-element loop: sqrt 2.8 ns, floor 2.4, fmod 7.2, exp 9.6,
# log 9.1, sin 12.2, erf 13.0, hypot 12.6, pow 21.6, cbrt 24.0, tanh 25.5, atan2 27.4; expf 4.8.
# A unit scales with the machine as these do, so the figures stay roughly right elsewhere.
_LIBRARY_UNITS = {
    **dict.fromkeys(["sqrt", "floor", "ceil", "round", "trunc", "rint", "nearbyint", "lround", "llround", "lrint",
                     "ldexp", "logb", "ilogb"], 13.0),
    **dict.fromkeys(["fmod", "remainder"], 40.0),
    **dict.fromkeys(["exp", "exp2", "expm1", "log", "log2", "log10", "log1p"], 50.0),
    **dict.fromkeys(["sin", "cos", "tan", "sinh", "cosh", "erf", "erfc", "hypot", "asinh", "acosh", "atanh"], 70.0),
    **dict.fromkeys(["pow", "atan", "atan2", "asin", "acos", "tanh", "cbrt", "tgamma", "lgamma"], 130.0),
}
MAX_DEPTH = 3  # calls followed into functions of this file (and never into one already followed)


def library_units(name: str) -> float:
    """A math function's measured cost (`expf` half of `exp`); CALL_UNITS for any other name."""
    bare = re.sub(r"^(std::|__builtin_)", "", name)
    if bare in _LIBRARY_UNITS:
        return _LIBRARY_UNITS[bare]
    if bare[:-1] in _LIBRARY_UNITS and bare[-1] in "fl":
        return _LIBRARY_UNITS[bare[:-1]] * (0.5 if bare[-1] == "f" else 2.0)
    return CALL_UNITS


def direct_calls(tu: TranslationUnit, loop: Loop) -> list[CallSite]:
    """The calls in the loop's own body, not in a loop inside it (Loop.calls holds those too)."""
    inner = [c for child in loop.children for c in tu.loop(child).calls]
    return [c for c in loop.calls if c not in inner]


def call_units(tu: TranslationUnit, call: CallSite, known: dict[str, float]) -> float:
    """One call's work: `known` holds the caller's names with known values. A callee's loop whose trip
    count is not known at the call is taken as short (DATA_TRIP): no run-time test sees it, and a guess
    that errs long makes small runs slower than serial."""
    return _callee_units(tu, call.callee, _argument_values(tu, call, known), ()) \
        if _followed(tu, call) else library_units(call.callee)


def call_terms(tu: TranslationUnit, call: CallSite, known: dict[str, float], unstable: set[str],
               readable: set[str]) -> dict[tuple[str, ...], float]:
    """One call's work as a polynomial {(trip texts...): units}, as the cost model's work terms: each
    loop of the callee whose trip count, with the call's arguments for its parameters, names only
    variables of `readable` (the caller's, declared before its loop) that hold still in the region
    (none of `unstable`) gives its text; the rest is a constant."""
    if not _followed(tu, call):
        return {(): library_units(call.callee)}
    summary = call.summary or tu.functions[call.callee]
    values = _argument_values(tu, call, known)
    texts = {summary.params[k]: call.arguments[k] for k in summary.stable_params if k < len(call.arguments)}
    path = (call.callee,)
    terms: dict[tuple[str, ...], float] = {(): _outside_loops_units(tu, call.callee)}
    for loop in _top_loops(tu, call.callee):
        text = _caller_text(loop, texts, readable - unstable)
        if text is None:
            terms[()] += _loop_units(tu, loop, values, path)
            continue
        key = (text if parenthesized(text) else f"({text})",)
        terms[key] = terms.get(key, 0.0) + _body_units(tu, loop, values, path)
    return terms


def data_bound(loop: Loop) -> bool:
    """A bound read from memory (`ptr[v + 1]`, `p->len`, a call), not a formula of variables."""
    c = loop.canonical
    if c is None:
        return False
    return any(aff is None and re.search(r"\[|->|\w\s*\(", text)
               for aff, text in ((c.lower, c.lower_text), (c.upper, c.upper_text)))


def counted_places(tu: TranslationUnit, loop: Loop) -> set[tuple[int, int]]:
    """The places of the loop's direct calls whose callee's loops `call_units` counts: the regions such
    a call touches (Access.spans, at the call's place) are that work already."""
    return {(c.line, c.column) for c in direct_calls(tu, loop) if _followed(tu, c) and _top_loops(tu, c.callee)}


def _followed(tu: TranslationUnit, call: CallSite) -> bool:
    """A call of a function of this file whose parameters the summary names."""
    summary = call.summary or tu.functions.get(call.callee)
    return call.effect == CallEffect.SAME_TU and summary is not None and len(summary.params) >= len(call.arguments)


def _argument_values(tu: TranslationUnit, call: CallSite, known: dict[str, float]) -> dict[str, float]:
    """The callee's parameters it never assigns with the values the call gives them, where known: a
    sum of numbers and multiples of names the caller knows; else the value every call in the file
    passes (call_site_values)."""
    summary = call.summary or tu.functions[call.callee]
    values = dict(tu.call_site_values.get(call.callee, {}))
    for k in summary.stable_params:
        form = _linear(call.arguments[k]) if k < len(call.arguments) else None
        if form is not None and all(m[0] in known for m in form if m):  # (`n - 1` with n known)
            values[summary.params[k]] = sum(c * (known[m[0]] if m else 1.0) for m, c in form.items())
    return values


def _top_loops(tu: TranslationUnit, function: str) -> list[Loop]:
    return [l for l in tu.loops if l.function == function and l.depth == 0]


def _callee_units(tu: TranslationUnit, function: str, values: dict[str, float], path: tuple[str, ...]) -> float:
    """A call's work, `path` the functions followed to it: one already followed (recursion), or one
    more than MAX_DEPTH deep, costs CALL_UNITS."""
    if function in path or len(path) >= MAX_DEPTH:
        return CALL_UNITS
    path = path + (function,)
    return _outside_loops_units(tu, function) + sum(
        _loop_units(tu, l, values, path) for l in _top_loops(tu, function))


def _outside_loops_units(tu: TranslationUnit, function: str) -> float:
    """The entry and return, and the library functions the function calls outside its loops (each once)."""
    summary = tu.functions.get(function)
    in_loops = {c.callee for l in _top_loops(tu, function) for c in l.calls}
    return CALL_UNITS + sum(library_units(name) - CALL_UNITS for name in (summary.calls if summary else [])
                            if name not in in_loops and name not in tu.functions)


def _loop_units(tu: TranslationUnit, loop: Loop, values: dict[str, float], path: tuple[str, ...]) -> float:
    return _trip(loop, values) * _body_units(tu, loop, values, path)


def _body_units(tu: TranslationUnit, loop: Loop, values: dict[str, float], path: tuple[str, ...]) -> float:
    """One iteration of a callee's loop: its own accesses, its calls, and the loops inside it."""
    own = [a for a in loop.accesses if a.enclosing_loops and a.enclosing_loops[-1] == loop.id]
    units = 1.0 + len(own)
    units += sum(_callee_units(tu, c.callee, _argument_values(tu, c, values), path)
                 if _followed(tu, c) else library_units(c.callee) for c in direct_calls(tu, loop))
    return units + sum(_loop_units(tu, tu.loop(child), values, path) for child in loop.children)


def _trip(loop: Loop, values: dict[str, float]) -> float:
    """The loop's trip count with the values known; short (DATA_TRIP over the step) where they are not."""
    c = loop.canonical
    if c is None or c.step_symbol or data_bound(loop) or c.lower is None or c.upper is None or \
            not c.lower.is_linear or not c.upper.is_linear or not (c.lower.variables | c.upper.variables) <= values.keys():
        return DATA_TRIP / max(1, abs(c.step)) if c is not None and not c.step_symbol else float(DATA_TRIP)
    return max(0.0, travel(c, values) / abs(c.step))


def _caller_text(loop: Loop, arguments: dict[str, str], readable: set[str]) -> Optional[str]:
    """The callee loop's trip count as text in the caller's names, when its bounds name only the
    callee's parameters it never assigns (`arguments`: their arguments), not all given as numbers,
    and each argument is a sum of multiples of `readable` names and numbers (`n - 1`, `2 * m`)."""
    c = loop.canonical
    if trip_text(loop) is None:
        return None
    names = c.lower.variables | c.upper.variables
    parameters = {u.variable.name for u in loop.scalars if u.variable.storage == Storage.PARAMETER}
    if not names <= arguments.keys() & parameters or \
            all(re.fullmatch(r"-?\d+", arguments[name].strip()) for name in names):
        return None  # (a local, or a shadowing one; a constant count: a number)
    linear = {name: _linear(arguments[name]) for name in names}
    if any(form is None or any(m and m[0] not in readable for m in form) for form in linear.values()):
        return None
    hi, lo = (c.upper, c.lower) if c.step > 0 else (c.lower, c.upper)
    poly: dict[tuple[str, ...], int] = {(): hi.constant - lo.constant + (c.comparison.value in ("<=", ">="))}
    for aff, sign in ((hi, 1), (lo, -1)):
        for name, coeff in aff.coefficients.items():
            for mono, k in linear[name].items():
                poly[mono] = poly.get(mono, 0) + sign * coeff * k
    return render_poly(poly)  # (`hi - lo` at `1, n - 1`: n - 2)


def _linear(text: str) -> Optional[dict[tuple[str, ...], int]]:
    """`2 * n - m + 1` as {(n,): 2, (m,): -1, (): 1}; None for anything but such a sum."""
    form: dict[tuple[str, ...], int] = {}
    terms = re.findall(r"\s*([+-]?)\s*(?:(\d+)\s*\*\s*)?([A-Za-z_]\w*|\d+)\s*", text)
    if not terms or not all(sign for sign, _, _ in terms[1:]) or "".join(f"{sign}{k}{'*' if k else ''}{t}" for sign, k, t in terms) != re.sub(r"\s", "", text):
        return None
    for sign, k, term in terms:
        value = (-1 if sign == "-" else 1) * int(k or 1)
        key = () if term.isdigit() else (term,)
        form[key] = form.get(key, 0) + value * (int(term) if term.isdigit() else 1)
    return form
