"""Whether a loop runs at least once every time it starts: takes a `LoopModel` and proves it with isl
from the loop's bounds and those of the loops around it.
"""

from __future__ import annotations

import re

from autopar.deps.accesses import AccessModel
from autopar.deps.counters import constant_of, wrap_problem
from autopar.deps.isl_text import param_name
from autopar.deps.model import LoopModel
from autopar.ir import Comparison


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
    stale = {param_name(s.variable.name) for a in ancestors for s in a.scalars
             if (s.written or s.declared_in_loop) and s.variable.name not in counters}
    context = [con for con in model.context.domain if not set(re.findall(r"\bP_\w+", con)) & stale]
    iterations = [con.replace("@", "a") for con in own.domain]
    params = sorted(set(re.findall(r"\bP_\w+", " ".join(context + iterations))))
    head = f"[{', '.join(params)}] -> "
    entered = isl.Set(head + "{ [] : " + (" and ".join(context) or "0 = 0") + " }")
    nonempty = isl.Set(head + "{ [a0] : " + " and ".join(context + iterations) + " }").params()
    return entered.params().is_subset(nonempty)
