"""Whether a loop runs at least once every time it starts: takes a `LoopModel` and proves it with isl
from the loop's bounds and those of the loops around it. Also its trip count as C text.
"""

from __future__ import annotations

import re
import math
from typing import Optional

from autopar.deps.accesses import AccessModel, varies
from autopar.deps.counters import constant_of, wrap_problem
from autopar.deps.isl_text import c_name, param_name, render_poly
from autopar.deps.model import LoopModel
from autopar.ir import Comparison, Loop


def runs_at_least_once(model: LoopModel) -> bool:
    """Whether the loop of `model` runs at least once every time it starts, proven by isl from its
    bounds and those of the loops around it (an inner `for (j = 0; j < i; j++)` under `i >= 1`).
    Loops whose counter is unsigned or compared as unsigned are proven only for constant bounds.
    The answer is kept on the model."""
    if model.runs_once is None:
        model.runs_once = _runs_at_least_once(model)
    return model.runs_once


def _runs_at_least_once(model: LoopModel) -> bool:
    import islpy as isl

    loop = model.loop
    c = loop.canonical
    if c is None or wrap_problem(c) is not None:
        return False
    if c.iv_unsigned or c.compare_unsigned:
        lower, upper = constant_of(c.lower), constant_of(c.upper)
        if lower is None or upper is None:
            return False
        return {Comparison.LT: lower < upper, Comparison.LE: lower <= upper, Comparison.GT: lower > upper,
                Comparison.GE: lower >= upper, Comparison.NE: lower != upper}[c.comparison]
    own = AccessModel(access=None, loops=[loop], variant=model.variant)
    model.bound(own, 0, loop, {})
    if not own.exact_domain:
        return False
    # the enclosing loops' bounds hold for the values their variables had when those loops started:
    # keep only constraints on names no enclosing loop writes (their own counters aside)
    ancestors = model.tu.ancestors(loop.id)
    counters = {a.canonical.induction_variable for a in ancestors if a.canonical}
    stale = {s.variable.name for a in ancestors for s in a.scalars
             if (s.written or s.declared_in_loop) and s.variable.name not in counters}
    context = [con for con in model.context.domain
               if not any(varies(c_name(p), stale) for p in re.findall(r"\bP_\w+", con))]
    # the tests of the `if`s around it hold whenever it starts (`if (n > 0) for (i = 0; i < n; ...)`)
    context += model.conditions(own, loop.entry_conditions, {})
    iterations = [con.replace("@", "a") for con in own.domain]
    params = sorted(set(re.findall(r"\bP_\w+", " ".join(context + iterations))))
    head = f"[{', '.join(params)}] -> "
    entered = isl.Set(head + "{ [] : " + (" and ".join(context) or "0 = 0") + " }")
    nonempty = isl.Set(head + "{ [a0] : " + " and ".join(context + iterations) + " }").params()
    return entered.params().is_subset(nonempty)


def runs_condition(loop: Loop) -> Optional[str]:
    """The loop's first test as C, with its counter at the start value (`(int)(0) < (n)`): true
    exactly when the loop runs at least once, evaluated just before it. None where that test is not
    an exact copy: bounds that are not affine (a call would run twice), a variable step, a count that
    may wrap."""
    c = loop.canonical
    if c is None or c.step_symbol or wrap_problem(c) is not None or c.lower is None or c.upper is None or \
            not c.lower.is_linear or not c.upper.is_linear or c.lower_each or c.upper_each:
        return None
    return f"({c.iv_type})({c.lower_text}) {c.comparison.value} ({c.upper_text})"


def behind_first_test(model: LoopModel, check: Optional[str]) -> Optional[str]:
    """A runtime check whose ranges load pointers (`q->a + n`), which the loop reads only when it runs
    (q may be null where it does not), behind the loop's first test; any other check as it is."""
    unevaluated = re.sub(r"\bsizeof\([^()]*\)|&\s*[A-Za-z_]\w*\s*->\s*[A-Za-z_]\w*", "", check or "")  # (`&s->n`: no load)
    if not check or not re.search(r"->|\[", unevaluated) or runs_at_least_once(model):
        return check
    first = runs_condition(model.loop)
    return f"({first}) && ({check})" if first else check


def trip_text(loop: Loop) -> Optional[str]:
    """The trip count as C text, when the bounds are affine and the step is 1 or -1."""
    c = loop.canonical
    if c is None or c.lower is None or c.upper is None or not c.lower.is_linear or not c.upper.is_linear \
            or abs(c.step) != 1 or c.step_symbol:
        return None
    hi, lo = (c.upper, c.lower) if c.step > 0 else (c.lower, c.upper)
    poly: dict[tuple[str, ...], int] = {}
    for aff, sign in ((hi, 1), (lo, -1)):
        for name, coeff in aff.coefficients.items():
            poly[(name,)] = poly.get((name,), 0) + sign * coeff
        poly[()] = poly.get((), 0) + sign * aff.constant
    if c.comparison.value in ("<=", ">="):
        poly[()] = poly.get((), 0) + 1
    return render_poly(poly)


def travel(c, known: dict[str, float]) -> float:
    """How far the loop's variable travels from its first value to its bound (one more for an
    inclusive bound), with the bounds' names at their known values (`c`: its CanonicalForm)."""
    span = (bound_value(c.upper, known) - bound_value(c.lower, known)) * (1 if c.step > 0 else -1)
    return span + 1 if c.comparison.value in ("<=", ">=") else span


def bound_value(expression, known: dict[str, float]) -> float:
    """The expression with the known values of its names (a monomial `m*n` is their product)."""
    return expression.constant + sum(k * math.prod(known[f] for f in name.split("*"))
                                     for name, k in expression.coefficients.items())
