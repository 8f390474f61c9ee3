"""The rewriter: renders pragma text from a validated Plan, and turns plans into minimal source edits."""

from __future__ import annotations

from autopar.plan import Plan, Schedule


def render_pragma(plan: Plan) -> str:
    """The one place pragma text is made. Clauses come in a fixed order so output is stable."""
    parts = ["#pragma omp", plan.directive.value]
    if plan.collapse > 1:
        parts.append(f"collapse({plan.collapse})")
    for clause, names in (("private", plan.private), ("firstprivate", plan.firstprivate),
                          ("lastprivate", plan.lastprivate)):
        if names:
            parts.append(f"{clause}({', '.join(names)})")
    for reduction in plan.reductions:
        parts.append(f"reduction({reduction.op.value}: {', '.join(reduction.variables)})")
    if plan.schedule is not None:
        chunk = f", {plan.chunk}" if plan.chunk else ""
        parts.append(f"schedule({plan.schedule.value}{chunk})")
    if plan.if_condition:
        parts.append(f"if({plan.if_condition})")
    return " ".join(parts)


__all__ = ["render_pragma", "Schedule"]
