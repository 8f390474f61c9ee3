"""The edits of `--optimize`: each restructured nest replaced whole, pragma edits inside it dropped."""

from __future__ import annotations

from autopar.ir import TranslationUnit
from autopar.plan import Decision
from autopar.restructure.model import build_model, respects
from autopar.restructure.plan import RestructurePlan, plan_file
from autopar.edits import Edit


def optimized_rewrite(source: bytes, tu: TranslationUnit, decisions: list[Decision], work_thresholds: bool = True,
                      **rewrite_options):
    """(the pragma plans' RewritePlan, the edits, the restructuring plans) of `--optimize`: the nests
    restructured, the others with their pragma plans as `rewrite` makes them, shared regions
    included. The decisions inside a restructured nest are left out of the pragma plans, so that no
    shared region can hold a restructured nest (every thread would run it)."""
    from autopar.rewrite import plan_rewrite

    plans = plan_file(source, tu, work_thresholds)
    nests = {plan.root_loop_id: {plan.root_loop_id, *(loop.id for loop in tu.descendants(plan.root_loop_id))}
             for plan in plans if plan.chosen is not None}  # each restructured nest's loops
    replaced = set().union(*nests.values())
    kept = [d for d in decisions if d.root_loop_id not in replaced and (d.plan is None or d.plan.loop_id not in replaced)]
    rewrite = plan_rewrite(source, tu, kept, **rewrite_options)
    return rewrite, _replaced(source, tu, rewrite.edits, plans, nests), plans


def _replaced(source: bytes, tu: TranslationUnit, edits: list[Edit], plans: list[RestructurePlan],
              nests: dict[str, set[str]]) -> list[Edit]:
    kept = list(edits)
    for plan in plans:
        chosen = plan.chosen
        if chosen is None:
            continue
        root = tu.loop(plan.root_loop_id)
        line_start = source.rfind(b"\n", 0, root.offset) + 1
        # the pragma plans of this nest give way (a versioned plan's serial copy sits at its end);
        # so does a pragma line inserted just above it
        nest = nests[root.id]
        kept = [e for e in kept if not (line_start <= e.offset < plan.end or e.loop_id in nest)]
        kept.append(Edit(offset=plan.start, length=plan.end - plan.start, text=chosen.code, loop_id=root.id,
                         line=root.line, pragma=f"restructured: {chosen.summary}"))
    return sorted(kept, key=lambda e: e.offset)


__all__ = ["optimized_rewrite", "build_model", "respects"]
