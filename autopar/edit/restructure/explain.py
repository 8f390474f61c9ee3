"""`autopar explain --optimize`: the restructuring of the nest around a loop, in words."""

from __future__ import annotations

from autopar.ir import TranslationUnit
from autopar.edit.restructure.plan import RestructurePlan, plan_nest


def restructure_text(source: bytes, tu: TranslationUnit, loop_id: str) -> str:
    ancestors = tu.ancestors(loop_id)
    root = ancestors[0] if ancestors else tu.loop(loop_id)
    newline = "\r\n" if b"\r\n" in source else "\n"
    return describe(plan_nest(source, tu, root, newline))


def describe(plan: RestructurePlan) -> str:
    out = [f"restructuring (--optimize) of the nest rooted at {plan.root_loop_id}:"]
    if plan.refused:
        out.append(f"  refused [{plan.refusal_code}]: {plan.refused}")
        out.append("  the nest keeps its pragma-only plan")
        return "\n".join(out) + "\n"
    out.append("  statements:")
    out.extend(f"    {s}" for s in plan.statements)
    out.append(f"  dependences (flow, anti, output; isl): {plan.dependences}")
    out.append(f"  candidates ({len(plan.candidates)}), cost = cache lines per iteration (lower is better):")
    for candidate in plan.candidates:
        mark = " (default: cheapest)" if candidate.id == plan.default_candidate_id else ""
        out.append(f"    {candidate.id}{mark}: {candidate.summary}; cost {candidate.estimated_cost:g}; "
                   f"{candidate.parallel_loops} parallel loop(s)")
    chosen = plan.chosen
    if chosen is not None:
        out.append(f"  chosen schedule ({chosen.id}), checked against every dependence with isl:")
        out.extend(f"    {line}" for line in chosen.schedule)
        if chosen.order == "split":
            out.append("  why: no loop of the source order at this depth runs in parallel, and every dependence the "
                       "split loop carries starts or ends at the split point: the pieces before and after it run in "
                       "parallel, the point itself between them")
        else:
            out.append("  why: the cheapest candidate by the cache-line model; a stride-1 loop innermost, the "
                       "outermost loop that carries no dependence runs in parallel")
        out.append("  code:")
        out.extend(f"    {line}" for line in chosen.code.splitlines())
    return "\n".join(out) + "\n"
