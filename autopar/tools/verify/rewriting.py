"""The rewrite under test: a file rewritten with the analyzer's default plans (or a reasoner's
choices) as `autopar rewrite` writes it, plus the copy without work thresholds that the race check
builds (without_threshold: a plan as the race check builds it)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional, Sequence

from pydantic import BaseModel, Field


class Rewritten(BaseModel):
    source: bytes
    # the same rewrite without the work-threshold if() parts, so that a race check at a small size
    # runs the parallel code that a large input would run (the alias checks stay)
    race_check_source: Optional[bytes] = None
    parallel_loops: int  # pragmas inserted
    latency_s: float  # analysis + rewrite, wall-clock
    decided_by: dict[str, int] = Field(default_factory=dict)  # nests per decider: analyzer, model, fallback
    error: Optional[str] = None  # the analysis failed; `source` is then the original


def rewrite_with_plans(path: str, compile_args: Sequence[str] = (), reasoner=None, optimize: bool = False,
                       whole_program: Optional[bool] = None) -> Rewritten:
    """`path` rewritten with the analyzer's default plans (or a reasoner's choices), exactly as
    `autopar rewrite` does it (autopar.edit.transform), plus the copy without work thresholds.
    With `optimize`, as `autopar rewrite --optimize` does it (restructured nests); `whole_program`
    as `--whole-program` (default: $AUTOPAR_WHOLE_PROGRAM)."""
    from autopar.edit.edits import apply_edits
    from autopar.edit.rewrite import plan_rewrite
    from autopar.edit.transform import transform_file

    start = time.perf_counter()
    try:
        made = transform_file(path, list(compile_args), reasoner=reasoner, optimize=optimize,
                              whole_program=whole_program)
    except Exception as error:  # a crash in the analysis is a result to record, not the end of a bench run
        return Rewritten(source=Path(path).read_bytes(), parallel_loops=0, latency_s=time.perf_counter() - start,
                         error=f"the analysis crashed: {type(error).__name__}: {error}")
    analysis = made.analysis
    if made.failed or analysis is None or analysis.tu is None:
        return Rewritten(source=made.source, parallel_loops=0, latency_s=time.perf_counter() - start,
                         error=made.report.error or "the file has errors")
    forced = [d.model_copy(update={"plan": without_threshold(d.plan)}) if d.plan else d for d in analysis.decisions]
    if optimize:
        from autopar.edit.restructure.apply import optimized_rewrite

        _, forced_edits, _ = optimized_rewrite(made.source, analysis.tu, forced, work_thresholds=False)
    else:
        forced_edits = plan_rewrite(made.source, analysis.tu, forced).edits
    race_check_source = apply_edits(made.source, forced_edits)
    deciders: dict[str, int] = {}
    for decision in analysis.decisions:
        deciders[decision.decided_by] = deciders.get(decision.decided_by, 0) + 1
    return Rewritten(source=made.rewritten, race_check_source=race_check_source, parallel_loops=made.parallel_loops,
                     latency_s=time.perf_counter() - start, decided_by=deciders)


def without_threshold(plan):
    """The plan as a race check builds it: without its work threshold, so that the parallel path runs
    even on a small test input. (Its fallback's path then runs only where the plan's runtime check
    fails; the fallback is a candidate of its own, which the catalogue and the tuner race-check
    alone.) An offload plan is checked as the host's `parallel for` it is without a device:
    ThreadSanitizer cannot run a target region."""
    from autopar.plans.plan import Directive

    if plan.directive == Directive.TARGET:
        plan = plan.model_copy(update={"directive": Directive.PARALLEL_FOR, "maps": [], "offload_condition": None})
    if plan.fallback is not None:
        plan = plan.model_copy(update={"fallback": without_threshold(plan.fallback)})
    return plan.model_copy(update={"threshold_check": None, "startup_work": None}) if plan.threshold_check else plan
