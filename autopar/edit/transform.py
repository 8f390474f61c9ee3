"""One file from source to edits: analyze it, plan the edits, and make the report say what was applied.

`rewrite`, `autopar-cc` and `check` all go through `transform_file`, so they agree on every loop.
"""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from autopar.edit.edits import Edit, apply_edits
from autopar.decision.pipeline import FileAnalysis, Reasoner, analyze_file
from autopar.report import FileReport
from autopar.edit.rewrite import RewritePlan, plan_rewrite


class Transformed(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    path: str
    source: bytes
    edits: list[Edit] = Field(default_factory=list)
    report: FileReport
    analysis: Optional[FileAnalysis] = None
    # with `optimize`: each nest's restructuring plan (a chosen candidate replaces the nest)
    restructured: list = Field(default_factory=list)

    @property
    def rewritten(self) -> bytes:
        return apply_edits(self.source, self.edits)

    @property
    def parallel_loops(self) -> int:
        """Loops that carry a plan in the result (a versioned loop has two edits)."""
        return len({edit.loop_id for edit in self.edits if edit.loop_id and not edit.opens_region})

    @property
    def failed(self) -> bool:
        return self.report.failed


def transform_file(path: str, compile_args: list[str] | None = None, build_dir: str | None = None,
                   reasoner: Optional[Reasoner] = None, optimize: bool = False,
                   versioning: bool = True, share_regions: bool = True, team_gate: bool = True,
                   whole_program: Optional[bool] = None, work_thresholds: bool = True,
                   findings_only: bool = False) -> Transformed:
    """Never raises for bad input: an unreadable or unparsable file gives a report with `error` set.

    With `optimize`, every nest that autopar.edit.restructure can restructure is replaced whole by its
    restructured code (its pragma edits are dropped); the other nests keep their pragma plans.
    `versioning`, `share_regions`, `team_gate`, `findings_only`: see autopar.edit.rewrite.plan_rewrite
    (no shared region holds a restructured nest: its code has parallel loops of its own);
    `work_thresholds`: of the restructured nests' parallel loops."""
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError as error:
        return Transformed(path=path, source=b"",
                           report=FileReport(path=path, error=f"cannot read: {error.strerror}"))
    analysis = analyze_file(path, compile_args, build_dir, reasoner=reasoner, whole_program=whole_program)
    if analysis.tu is None or analysis.report.failed:
        return Transformed(path=path, source=source, report=analysis.report, analysis=analysis)
    options = dict(versioning=versioning, share_regions=share_regions, team_gate=team_gate, findings_only=findings_only)
    if optimize:
        from autopar.edit.restructure.apply import optimized_rewrite

        # with --llm the model chooses among each nest's restructurings too
        chooser = getattr(reasoner, "choose_restructuring", None)
        plan, edits, restructured = optimized_rewrite(source, analysis.tu, analysis.decisions, work_thresholds,
                                                      chooser=chooser, **options)
    else:
        plan = plan_rewrite(source, analysis.tu, analysis.decisions, **options)
        edits, restructured = plan.edits, []
    report = mark_restructured(mark_shared(mark_skipped(analysis.report, plan), analysis.tu, plan),
                               analysis.tu, restructured)
    return Transformed(path=path, source=source, edits=edits, restructured=restructured,
                       report=report, analysis=analysis)


def mark_restructured(report: FileReport, tu, restructured: list) -> FileReport:
    """The loops of a nest `--optimize` replaced carry no pragma of their own: the report names the
    restructuring, who chose it, and whether the new code has a parallel loop (on the nest's root)."""
    from autopar.plans.reasons import INSIDE_PARALLEL, RESTRUCTURED
    from autopar.edit.restructure.apply import nest_loops

    marks = {}
    for plan in restructured:
        chosen = plan.chosen
        if chosen is None:
            continue
        for loop_id in nest_loops(tu, plan.root_loop_id):
            marks[loop_id] = (plan, chosen, loop_id == plan.root_loop_id)
    if not marks:
        return report
    loops = []
    for loop in report.loops:
        if loop.id in marks:
            plan, chosen, root = marks[loop.id]
            # the pragma plan's decision and its "inside the parallel loop" no longer hold
            kept = [(r, c) for r, c in zip(loop.reasons, loop.codes) if c != INSIDE_PARALLEL]
            update = {"parallel": root and chosen.parallel_loops > 0, "pragma": None, "proof": None,
                      "restructured": f"{chosen.id}: {chosen.summary}",
                      "reasons": [f"replaced by the restructured nest (--optimize): {chosen.summary}",
                                  *(r for r, _ in kept)],
                      "codes": [RESTRUCTURED, *(c for _, c in kept)],
                      "decided_by": plan.chosen_by if root else None,
                      "rationale": (plan.rationale or None) if root else None, "rounds": None}
            loop = loop.model_copy(update=update)
        loops.append(loop)
    return report.model_copy(update={"loops": loops})


def mark_shared(report: FileReport, tu, plan: RewritePlan) -> FileReport:
    """The loops of a shared region as written: each worksharing loop says `#pragma omp for` and names
    the region it runs in; the serial loop that opens the region says which loops it holds."""
    if not plan.region_openings:
        return report
    from autopar.plans.reasons import SHARED_REGION

    opened_on = {}  # worksharing loop id -> the loop its region opens on
    for outer_id in plan.region_openings:
        for inner in tu.descendants(outer_id):
            if inner.id in plan.worksharing:
                opened_on[inner.id] = tu.loop(outer_id)
    loops = []
    for loop in report.loops:
        if loop.id in plan.worksharing and loop.id in opened_on:
            outer = opened_on[loop.id]
            opening = plan.region_openings[outer.id]
            # (a region opens on a canonical serial loop: autopar.edit.shared_regions)
            reason = f"runs in the parallel region opened on loop {outer.canonical.induction_variable} (line {outer.line})"
            loop = loop.model_copy(update={"pragma": plan.worksharing[loop.id], "region": opening,
                                           "reasons": [*loop.reasons, reason], "codes": [*loop.codes, SHARED_REGION]})
        elif loop.id in plan.region_openings:
            opening = plan.region_openings[loop.id]
            inner = sorted(tu.loop(i).line for i, o in opened_on.items() if o.id == loop.id)
            reason = (f"opens one parallel region for the loops at line{'s' if len(inner) > 1 else ''} "
                      f"{', '.join(map(str, inner))}")
            loop = loop.model_copy(update={"region": opening, "reasons": [reason, *loop.reasons],
                                           "codes": [SHARED_REGION, *loop.codes]})
        loops.append(loop)
    return report.model_copy(update={"loops": loops})


def mark_skipped(report: FileReport, plan: RewritePlan) -> FileReport:
    """A loop whose plan was not applied is not parallel in the result; its reasons say why."""
    if not plan.skipped:
        return report
    from autopar.plans.reasons import REWRITE_SKIPPED

    loops = []
    for loop in report.loops:
        reason = plan.skipped.get(loop.id)
        if reason is not None:
            loop = loop.model_copy(update={"parallel": False, "pragma": None, "proof": None,
                                           "reasons": [reason, *loop.reasons],
                                           "codes": [REWRITE_SKIPPED, *loop.codes]})
        loops.append(loop)
    return report.model_copy(update={"loops": loops})
