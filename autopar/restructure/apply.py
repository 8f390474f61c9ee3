"""The edits of `--optimize`: each restructured nest replaced whole, pragma edits inside it dropped."""

from __future__ import annotations

from autopar.ir import TranslationUnit
from autopar.restructure.model import build_model, respects
from autopar.restructure.plan import RestructurePlan, plan_file
from autopar.edits import Edit


def restructure_edits(source: bytes, tu: TranslationUnit, edits: list[Edit],
                      work_thresholds: bool = True) -> tuple[list[Edit], list[RestructurePlan]]:
    """`work_thresholds`: see autopar.restructure.codegen.generate."""
    plans = plan_file(source, tu, work_thresholds)
    kept = list(edits)
    for plan in plans:
        chosen = plan.chosen
        if chosen is None:
            continue
        root = tu.loop(plan.root_loop_id)
        line_start = source.rfind(b"\n", 0, root.offset) + 1
        # the pragma plans of this nest give way (a versioned plan's serial copy sits at its end);
        # so does a pragma line inserted just above it
        nest = {root.id, *(loop.id for loop in tu.descendants(root.id))}
        kept = [e for e in kept if not (line_start <= e.offset < plan.end or e.loop_id in nest)]
        kept.append(Edit(offset=plan.start, length=plan.end - plan.start, text=chosen.code, loop_id=root.id,
                         line=root.line, pragma=f"restructured: {chosen.summary}"))
    return sorted(kept, key=lambda e: e.offset), plans


__all__ = ["restructure_edits", "build_model", "respects"]
