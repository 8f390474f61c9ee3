"""Loops that step by a variable: `for (start = 0; start < n; start += len)` (FFT's block loop).

Their iterations are `lower + t * len`, a product isl cannot express, so the model's domain for such
a loop is every value between its bounds: a superset whose dependences the loop itself may not carry
(blocks `start` and `start + 1` overlap where blocks `start` and `start + len` do not). This stage
decides the loop on its own terms. An object's accesses in one iteration lie in a window
`start + g`, g ranging over what the inner loops and the parameters allow; iterations are at least
`len` apart, so two of them touch the same element only if two window offsets, one of them a write's,
differ by `len` or more. isl computes the parameter values where that can happen (`len >= 1`, which
every plan on such a loop checks at run time with `stride_guard`: OpenMP divides by the step, and
its trip count must fit the counter); when there are none the loop is independent for that object,
otherwise the complement is a runtime condition (FFT's `!(half >= 1 && 2 * half >= len + 1)`: a
block's butterflies stay within it), computed in `long long` so that it cannot overflow.

Only objects whose every access in the loop names the loop's variable in one subscript, with
coefficient 1, and in no other, are judged; any other access keeps the model's edges.
"""

from __future__ import annotations

from typing import Optional

import islpy as isl

from autopar.deps.accesses import AccessModel, ObjectModel, ivs_for
from autopar.deps.isl_text import aff_poly, param_name, parse_set, render_aff, render_poly, set_text
from autopar.ir import Loop


def window_condition(loop: Loop, obj: ObjectModel) -> Optional[str]:
    """For a loop with a variable step: "" when no two of its iterations touch one element of `obj`,
    a C condition under which none do, or None when the windows cannot be shown apart."""
    c = loop.canonical
    if c is None or not c.step_symbol:
        return None
    iv = c.induction_variable
    placed: list[tuple[AccessModel, int]] = []
    for model in obj.accesses:
        if model.dims is None or not model.loops or model.loops[0].id != loop.id:
            return None
        named = [d for d, aff in enumerate(model.dims) if aff.get(iv)]
        if len(named) != 1 or model.dims[named[0]].get(iv) != 1:
            return None
        placed.append((model, named[0]))
    if len({d for _, d in placed}) != 1 or len({len(m.dims) for m, _ in placed}) != 1:
        return None
    step = param_name(c.step_symbol)
    bad = None
    for a, (ma, da) in enumerate(placed):
        for mb, db in placed[a:]:
            if not (ma.access.is_write or mb.access.is_write):
                continue
            for first, second in ((ma, mb), (mb, ma)):
                overlap = _offsets_apart(first, second, da, step).params()
                bad = overlap if bad is None else bad.union(overlap)
    if bad is None:
        return ""
    positive = isl.Set(f"[{step}] -> {{ : {step} >= 1 }}")
    bad = bad.intersect_params(positive).coalesce()
    if bad.is_empty():
        return ""
    runs = None  # the parameter values for which the loop touches obj at all
    for model, _ in placed:
        some = parse_set(set_text([("a", model)])).params()
        runs = some if runs is None else runs.union(some)
    if runs.intersect_params(positive).is_subset(bad):
        return None  # whenever the loop runs, two windows meet: a condition would never hold
    return _complement_c(bad)


def stride_guard(loop: Loop) -> Optional[str]:
    """The condition every parallel plan on a loop with a variable step needs, or None when its
    bounds cannot be spelled: the step is positive (OpenMP divides by it, and a serial loop that
    never runs may have any step) and OpenMP's trip count `upper - lower + step - 1` (plus one for
    `<=`) fits the `int` counter, which the serial loop never needs (it stops short of the bound)."""
    span = _count_numerator(loop)
    if span is None:
        return None
    return f"{loop.canonical.step_symbol} > 0 && {render_poly(span, wide=True)} <= 2147483647LL"


def stride_blocks(loop: Loop) -> Optional[str]:
    """OpenMP's trip count of a loop with a variable step, as C in `long long` (valid once the guard
    holds), or None when its bounds cannot be spelled."""
    span = _count_numerator(loop)
    if span is None:
        return None
    return f"({render_poly(span, wide=True)}) / {loop.canonical.step_symbol}"


def _count_numerator(loop: Loop) -> Optional[dict[tuple[str, ...], int]]:
    """`upper - lower + step - 1` (plus one for `<=`) as a polynomial, for a loop with a variable step."""
    c = loop.canonical
    if c is None or not c.step_symbol or c.lower is None or c.upper is None or \
            not c.lower.is_linear or not c.upper.is_linear:
        return None
    span = {(name,): coeff for name, coeff in c.upper.coefficients.items()}
    for name, coeff in c.lower.coefficients.items():
        span[(name,)] = span.get((name,), 0) - coeff
    span[(c.step_symbol,)] = span.get((c.step_symbol,), 0) + 1
    span[()] = c.upper.constant - c.lower.constant - (0 if c.comparison.value == "<=" else 1)
    return span


def _offsets_apart(first: AccessModel, second: AccessModel, dim: int, step: str) -> isl.Set:
    """The offsets (g1, g2) of two accesses within their iterations' windows, g1 - g2 >= the step."""
    a_names, b_names = ivs_for("a", first), ivs_for("b", second)
    text = set_text([("a", first), ("b", second)], pre=["g1", "g2"], extra=[
        f"g1 = {render_aff(first.dims[dim], a_names)} - a0",
        f"g2 = {render_aff(second.dims[dim], b_names)} - b0",
        f"g1 - g2 >= {step}"])
    return parse_set(text)


def _complement_c(bad: isl.Set) -> Optional[str]:
    """C text true exactly outside `bad` (a set over parameters), or None when a piece of it needs
    an existential variable or a coefficient C cannot spell."""
    pieces: list[str] = []
    for basic in bad.get_basic_sets():
        if basic.dim(isl.dim_type.div):
            return None
        terms = []
        for constraint in basic.get_constraints():
            poly = aff_poly(constraint.get_aff())
            if poly is None:
                return None
            terms.append(f"{render_poly(poly, wide=True)} {'==' if constraint.is_equality() else '>='} 0")
        if not terms:
            return None  # every parameter value is bad
        pieces.append("!(" + " && ".join(f"({t})" for t in terms) + ")")
    return " && ".join(pieces) if pieces else ""
