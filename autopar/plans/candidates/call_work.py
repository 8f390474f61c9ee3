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
from autopar.deps.isl_text import render_poly
from autopar.deps.trip_count import travel
from autopar.ir import CallEffect, CallSite, Loop, TranslationUnit

CALL_UNITS = 4.0  # a call of unknown work: its entry and return
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
MAX_DEPTH = 3  # calls followed into functions of this file (recursion stops here)
_SAFE_ARGUMENT = re.compile(r"[\w\s+\-*()]+")


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


def call_units(tu: TranslationUnit, call: CallSite, known: dict[str, float], unknown_trip: float,
               depth: int = 0) -> float:
    """One call's work: `known` holds the caller's names with known values, `unknown_trip` the trip
    count taken for a callee's loop whose bound is not known at the call."""
    return _callee_units(tu, call.callee, _argument_values(tu, call, known), unknown_trip, depth) \
        if _followed(tu, call) else library_units(call.callee)


def call_terms(tu: TranslationUnit, call: CallSite, known: dict[str, float], unstable: set[str],
               unknown_trip: float) -> dict[tuple[str, ...], float]:
    """One call's work as a polynomial {(trip texts...): units}, as the cost model's work terms: each
    loop of the callee whose trip count, with the call's arguments for its parameters, names only
    what holds still in the region (none of `unstable`) gives its text; the rest is a constant."""
    if not _followed(tu, call):
        return {(): library_units(call.callee)}
    summary = call.summary or tu.functions[call.callee]
    values = _argument_values(tu, call, known)
    texts = dict(zip(summary.params, call.arguments))
    terms: dict[tuple[str, ...], float] = {(): _outside_loops_units(tu, call.callee)}
    for loop in _top_loops(tu, call.callee):
        text = _caller_text(loop, texts, unstable)
        if text is None:
            terms[()] += _loop_units(tu, loop, values, unknown_trip, 1)
            continue
        key = (text if _enclosed(text) else f"({text})",)
        terms[key] = terms.get(key, 0.0) + _body_units(tu, loop, values, unknown_trip, 1)
    return terms


def counted_places(tu: TranslationUnit, loop: Loop) -> set[tuple[int, int]]:
    """The places of the loop's direct calls whose callee's loops `call_units` counts: the regions such
    a call touches (Access.spans, at the call's place) are that work already."""
    return {(c.line, c.column) for c in direct_calls(tu, loop) if _followed(tu, c) and _top_loops(tu, c.callee)}


def _followed(tu: TranslationUnit, call: CallSite) -> bool:
    """A call of a function of this file whose parameters the summary names."""
    summary = call.summary or tu.functions.get(call.callee)
    return call.effect == CallEffect.SAME_TU and summary is not None and len(summary.params) >= len(call.arguments)


def _argument_values(tu: TranslationUnit, call: CallSite, known: dict[str, float]) -> dict[str, float]:
    """The callee's parameters with the values the call gives them, where known: a number, or a
    name the caller knows; else the value every call in the file passes (call_site_values)."""
    summary = call.summary or tu.functions[call.callee]
    values = dict(tu.call_site_values.get(call.callee, {}))
    for param, text in zip(summary.params, call.arguments):
        text = text.strip()
        if re.fullmatch(r"-?\d+", text):
            values[param] = float(text)
        elif text in known:
            values[param] = known[text]
    return values


def _top_loops(tu: TranslationUnit, function: str) -> list[Loop]:
    return [l for l in tu.loops if l.function == function and l.depth == 0]


def _callee_units(tu: TranslationUnit, function: str, values: dict[str, float], unknown_trip: float,
                  depth: int) -> float:
    if depth >= MAX_DEPTH:
        return CALL_UNITS
    return _outside_loops_units(tu, function) + sum(
        _loop_units(tu, l, values, unknown_trip, depth + 1) for l in _top_loops(tu, function))


def _outside_loops_units(tu: TranslationUnit, function: str) -> float:
    """The entry and return, and the library functions the function calls outside its loops (each once)."""
    summary = tu.functions.get(function)
    in_loops = {c.callee for l in _top_loops(tu, function) for c in l.calls}
    return CALL_UNITS + sum(library_units(name) - CALL_UNITS for name in (summary.calls if summary else [])
                            if name not in in_loops and name not in tu.functions)


def _loop_units(tu: TranslationUnit, loop: Loop, values: dict[str, float], unknown_trip: float, depth: int) -> float:
    return _trip(loop, values, unknown_trip) * _body_units(tu, loop, values, unknown_trip, depth)


def _body_units(tu: TranslationUnit, loop: Loop, values: dict[str, float], unknown_trip: float, depth: int) -> float:
    """One iteration of a callee's loop: its own accesses, its calls, and the loops inside it."""
    own = [a for a in loop.accesses if a.enclosing_loops and a.enclosing_loops[-1] == loop.id]
    units = 1.0 + len(own)
    units += sum(_callee_units(tu, c.callee, _argument_values(tu, c, values), unknown_trip, depth)
                 if _followed(tu, c) else library_units(c.callee) for c in direct_calls(tu, loop))
    return units + sum(_loop_units(tu, tu.loop(child), values, unknown_trip, depth) for child in loop.children)


def _trip(loop: Loop, values: dict[str, float], unknown_trip: float) -> float:
    c = loop.canonical
    if c is None or c.step_symbol or c.lower is None or c.upper is None or not c.lower.is_linear or \
            not c.upper.is_linear or not (c.lower.variables | c.upper.variables) <= values.keys():
        return unknown_trip
    return max(0.0, travel(c, values) / abs(c.step))


def _caller_text(loop: Loop, arguments: dict[str, str], unstable: set[str]) -> Optional[str]:
    """The callee loop's trip count as text in the caller's names, when its bounds name only the
    callee's parameters, not all given as numbers, and each of their arguments is plain arithmetic on
    names that hold still."""
    text = trip_text(loop)
    c = loop.canonical
    if text is None or not (c.lower.variables | c.upper.variables) <= arguments.keys() or \
            all(re.fullmatch(r"-?\d+", arguments[name].strip()) for name in c.lower.variables | c.upper.variables):
        return None  # (a constant count: a number)
    for name in c.lower.variables | c.upper.variables:
        argument = arguments[name].strip()
        names = set(re.findall(r"[A-Za-z_]\w*", argument))
        if not _SAFE_ARGUMENT.fullmatch(argument) or re.search(r"\w\s*\(", argument) or names & unstable:
            return None
    linear = {name: _linear(arguments[name]) for name in c.lower.variables | c.upper.variables}
    if all(form is not None for form in linear.values()):  # (`hi - lo` at `1, n - 1`: n - 2)
        hi, lo = (c.upper, c.lower) if c.step > 0 else (c.lower, c.upper)
        poly: dict[tuple[str, ...], int] = {(): hi.constant - lo.constant + (c.comparison.value in ("<=", ">="))}
        for aff, sign in ((hi, 1), (lo, -1)):
            for name, coeff in aff.coefficients.items():
                for mono, k in linear[name].items():
                    poly[mono] = poly.get(mono, 0) + sign * coeff * k
        return render_poly(poly)

    def argument(name: str) -> str:
        text = arguments[name].strip()
        return text if re.fullmatch(r"\w+", text) else f"({text})"
    return re.sub(r"[A-Za-z_]\w*", lambda m: argument(m.group()) if m.group() in arguments else m.group(), text)


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


def _enclosed(text: str) -> bool:
    """`(a + b)`, not `(a) - (b)`: the whole text is one parenthesized expression."""
    depth = 0
    for k, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and k < len(text) - 1:
            return False
    return text.startswith("(") and depth == 0
