"""The edits of `--optimize`: each restructured nest replaced whole, pragma edits inside it dropped."""

from __future__ import annotations

from typing import Callable, Optional

from autopar.ir import TranslationUnit
from autopar.plans.plan import Decision
from autopar.edit.restructure.model import build_model, respects
from autopar.edit.restructure.plan import RestructurePlan, plan_file
from autopar.edit.edits import Edit


# chooser(tu, plan, decision): sets `plan.default_candidate_id` (None: no restructuring), `chosen_by`
# and `rationale`; `decision` is the nest's pragma-plan decision, what the nest gets without one
RestructureChooser = Callable[[TranslationUnit, RestructurePlan, Decision], None]


def optimized_rewrite(source: bytes, tu: TranslationUnit, decisions: list[Decision], work_thresholds: bool = True,
                      chooser: Optional[RestructureChooser] = None, **rewrite_options):
    """(the pragma plans' RewritePlan, the edits, the restructuring plans) of `--optimize`: the nests
    restructured, the others with their pragma plans as `rewrite` makes them, shared regions
    included. The decisions inside a restructured nest are left out of the pragma plans, so that no
    shared region can hold a restructured nest (every thread would run it). A nest the tuner decided
    (a decisions file) gets the restructuring it measured fastest, or none when a pragma plan or
    serial won. Every other nest with candidates goes to `chooser` when one is given (the model,
    with --llm); it can only name one of the candidates, each checked against the dependences when
    it was made."""
    from autopar.edit.rewrite import plan_rewrite

    plans = plan_file(source, tu, work_thresholds)
    _follow_tuner(tu, plans, decisions)
    if chooser is not None:
        by_root = {d.root_loop_id: d for d in decisions}
        for plan in plans:
            if plan.candidates and plan.chosen_by == "analyzer":
                chooser(tu, plan, by_root.get(plan.root_loop_id) or Decision(root_loop_id=plan.root_loop_id))
    chosen = [(p.root_loop_id, p.start, p.end, p.chosen.code, p.chosen.summary) for p in plans if p.chosen is not None]
    replaced = {loop_id for root_id, *_ in chosen for loop_id in nest_loops(tu, root_id)}
    kept = [d for d in decisions if d.root_loop_id not in replaced and (d.plan is None or d.plan.loop_id not in replaced)]
    rewrite = plan_rewrite(source, tu, kept, **rewrite_options)
    return rewrite, replace_nests(source, tu, rewrite.edits, chosen), plans


def _follow_tuner(tu: TranslationUnit, plans: list[RestructurePlan], decisions: list[Decision]) -> None:
    from autopar.decision.decisions import warn

    tuned = {d.root_loop_id: d for d in decisions if d.decided_by == "tuner" and d.restructurings_measured}
    for plan in plans:
        decision = tuned.get(plan.root_loop_id)
        if decision is None:
            continue  # no restructuring was measured for this nest: --optimize decides as usual
        plan.chosen_by = "tuner"
        if decision.restructure is None:
            plan.default_candidate_id = None  # the tuner measured a pragma plan (or serial) fastest
            continue
        # the stored id must still name the schedule that was measured
        match = next((c for c in plan.candidates if c.id == decision.restructure
                      and c.schedule == decision.restructure_schedule), None)
        if match is not None:
            plan.default_candidate_id = match.id
        else:
            plan.default_candidate_id = None
            warn(f"decision for {tu.path}:{tu.loop(plan.root_loop_id).line}: restructuring "
                 f"{decision.restructure} no longer names the schedule that was measured; the nest keeps "
                 f"the decision's pragma plan (or stays serial)")


def replace_nests(source: bytes, tu: TranslationUnit, edits: list[Edit],
                  replaced: list[tuple[str, int, int, str, str]]) -> list[Edit]:
    """`edits` with each (root loop id, start, end, code, summary) nest's text replaced by `code`: the
    pragma edits of that nest give way (a versioned plan's serial copy sits at its end), and so does
    a pragma line inserted just above it."""
    kept = list(edits)
    for root_id, start, end, code, summary in replaced:
        root = tu.loop(root_id)
        line_start = source.rfind(b"\n", 0, root.offset) + 1
        nest = nest_loops(tu, root_id)
        kept = [e for e in kept if not (line_start <= e.offset < end or e.loop_id in nest)]
        kept.append(Edit(offset=start, length=end - start, text=code, loop_id=root.id, line=root.line,
                         pragma=f"restructured: {summary}"))
    return sorted(kept, key=lambda e: e.offset)


def nest_loops(tu: TranslationUnit, root_id: str) -> set[str]:
    """The ids of the nest rooted at `root_id`: the root and every loop inside it."""
    return {root_id, *(loop.id for loop in tu.descendants(root_id))}


__all__ = ["optimized_rewrite", "RestructureChooser", "nest_loops", "replace_nests", "build_model", "respects"]
