"""The pipeline that every command shares: front end → dependences/candidates → decision → report.

Commands (cli, cc, check, bench) call these functions and hold no analysis of their own.
"""

from __future__ import annotations

import os
from typing import Callable, Optional, Sequence

from pydantic import BaseModel, ConfigDict, Field

from autopar.plans import reasons as R
from autopar.ir import SwitchedOff, TranslationUnit
from autopar.plans.plan import Decision, Directive, NestAnalysis
from autopar.report import FileReport, LoopReport
from autopar.plans.plan import render_pragma

# A reasoner turns one nest's analysis into a decision; None means "the analyzer's default".
Reasoner = Callable[[TranslationUnit, NestAnalysis], Decision]


class FileAnalysis(BaseModel):
    """Everything learned about one file: the IR, the analysis of each nest, the decisions, the report."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    tu: Optional[TranslationUnit] = None
    nests: list[NestAnalysis] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    report: FileReport

    def nest_of(self, loop_id: str) -> Optional[NestAnalysis]:
        """The analysed region whose verdicts include `loop_id`."""
        return next((n for n in self.nests if any(v.loop_id == loop_id for v in n.verdicts)), None)


WHOLE_PROGRAM_ENV = "AUTOPAR_WHOLE_PROGRAM"


def whole_program_default() -> bool:
    """$AUTOPAR_WHOLE_PROGRAM=1: each file analyzed is a whole program (`--whole-program`)."""
    return os.environ.get(WHOLE_PROGRAM_ENV, "") not in ("", "0")


def load_translation_unit(path: str, compile_args: list[str] | None = None, build_dir: str | None = None,
                          whole_program: Optional[bool] = None, switched_off: Sequence[SwitchedOff] = ()) -> TranslationUnit:
    """Parse one file with libclang. Raises autopar.frontend.FrontendError when it cannot be read.
    `whole_program` (default: $AUTOPAR_WHOLE_PROGRAM): the file is compiled and linked alone, so only
    it calls its functions. `switched_off`: statements read as if their bodies were empty."""
    from autopar.plans.fppolicy import resolve
    from autopar.frontend.translate import translate

    if whole_program is None:
        whole_program = whole_program_default()
    tu = translate(path, compile_args or [], build_dir=build_dir, whole_program=whole_program,
                   switched_off=switched_off)
    return tu.model_copy(update={"fp_reductions": resolve(tu.compile_args)})


def default_decision(analysis: NestAnalysis) -> Decision:
    """The analyzer's own choice for a nest: its default candidate, or serial."""
    chosen = next((c for c in analysis.candidates if c.id == analysis.default_candidate_id), None)
    if chosen is None:
        return Decision(root_loop_id=analysis.root_loop_id, decided_by="analyzer",
                        rationale=analysis.default_reason or "no legal parallel plan")
    return Decision(root_loop_id=analysis.root_loop_id, plan=chosen.plan, candidate_id=chosen.id,
                    decided_by="analyzer", rationale=analysis.default_reason)


def analyze_tu(tu: TranslationUnit, reasoner: Optional[Reasoner] = None,
               variant: Optional[Callable[[list[SwitchedOff]], Optional[TranslationUnit]]] = None) -> FileAnalysis:
    """`variant`: the file translated again with some of its switched-off statements blanked
    (autopar.plans.candidates.switched_off); without it, none are."""
    from autopar.plans.candidates import analyze_regions
    from autopar.plans.candidates.variants import with_flags_off
    from autopar.decision.decisions import stored_decisions

    # (the garbage collector's thresholds are the program's to set: autopar.process)
    nests = analyze_regions(tu)
    if variant is not None and tu.switchable:
        nests = with_flags_off(tu, nests, variant)
    # a decisions file (autopar tune, $AUTOPAR_DECISIONS) decides the regions it names; the rest as usual
    stored = stored_decisions(tu, nests)
    decisions = [fixed or (reasoner(tu, nest) if reasoner else default_decision(nest))
                 for nest, fixed in zip(nests, stored)]
    decisions = _no_kernels_from_teams(tu, nests, decisions)
    return FileAnalysis(tu=tu, nests=nests, decisions=decisions, report=build_report(tu, nests, decisions))


def _no_kernels_from_teams(tu: TranslationUnit, nests: list[NestAnalysis], decisions: list[Decision]) -> list[Decision]:
    """A host plan whose loop calls, directly or through the file's functions, a function with an
    offloaded loop (`--target gpu`) is dropped: every thread of its team would launch that loop's
    kernels (and clang 14's host offloading aborts on a target region inside a parallel one)."""
    offloaded = {tu.loop(d.plan.loop_id).function for d in decisions
                 if d.plan is not None and d.plan.directive == Directive.TARGET}
    if not offloaded:
        return decisions
    reaching = set(offloaded)  # the functions whose calls reach an offloaded loop
    while True:
        more = {name for name, summary in tu.functions.items() if set(summary.calls) & reaching} - reaching
        if not more:
            break
        reaching |= more
    out = []
    for nest, decision in zip(nests, decisions):
        plan = decision.plan
        calls = [] if plan is None or plan.directive == Directive.TARGET else \
            sorted({c.callee for c in tu.loop(plan.loop_id).calls if c.callee in reaching})
        if calls:
            reason = f"kept serial: it calls {', '.join(calls)}, which reaches offloaded loops (each thread would launch them)"
            for verdict in nest.verdicts:
                if verdict.loop_id == plan.loop_id:
                    verdict.add(reason, R.KERNELS_FROM_TEAM)
            decision = Decision(root_loop_id=decision.root_loop_id, decided_by=decision.decided_by, rationale=reason)
        out.append(decision)
    return out


def analyze_file(path: str, compile_args: list[str] | None = None, build_dir: str | None = None,
                 reasoner: Optional[Reasoner] = None, whole_program: Optional[bool] = None) -> FileAnalysis:
    """Analyze one file. Never raises for bad input: failures land in the report's `error`."""
    from autopar.frontend.translate import FrontendError

    try:
        tu = load_translation_unit(path, compile_args, build_dir, whole_program)
    except FrontendError as error:
        return FileAnalysis(report=FileReport(path=path, error=str(error), diagnostics=error.diagnostics))

    def variant(switched_off: list[SwitchedOff]) -> Optional[TranslationUnit]:
        try:
            return load_translation_unit(path, compile_args, build_dir, whole_program, switched_off)
        except FrontendError:
            return None

    return analyze_tu(tu, reasoner, variant)


def build_report(tu: TranslationUnit, nests: list[NestAnalysis], decisions: list[Decision]) -> FileReport:
    verdicts = {v.loop_id: v for nest in nests for v in nest.verdicts}
    carried = {d.plan.loop_id: d for d in decisions if d.plan is not None}
    # a nest that a model (or its fallback) kept serial still records who decided and why, on its root
    kept_serial = {d.root_loop_id: d for d in decisions if d.plan is None and d.decided_by != "analyzer"}
    folded = _loops_folded_by_collapse(tu, decisions)
    bare = _verdicts_without_pragmas(tu)
    loops: list[LoopReport] = []
    for loop in tu.loops:
        decision = carried.get(loop.id)
        decided = decision or kept_serial.get(loop.id)
        verdict = verdicts.get(loop.id)
        reasons = list(verdict.reasons) if verdict else []
        codes = list(verdict.codes) if verdict else []
        if loop.id in folded:
            reasons.insert(0, f"folded into {folded[loop.id]} by collapse")
            codes.insert(0, R.COLLAPSED)
        elif decision is None and (enclosing := _enclosing_parallel(tu, loop.id, carried)):
            reasons.insert(0, f"inside the parallel loop {enclosing}")
            codes.insert(0, R.INSIDE_PARALLEL)
        parallelizable = bool(verdict and verdict.parallelizable)
        if loop.id in bare:  # under an existing pragma: the verdict as if the pragmas were absent
            parallelizable = bare[loop.id].parallelizable
            if bare[loop.id].reasons:
                reasons.append("without the existing pragmas: " + bare[loop.id].reasons[0])
                codes.append(bare[loop.id].codes[0] if bare[loop.id].codes else R.OTHER)
        loops.append(LoopReport(
            id=loop.id, function=loop.function, line=loop.line, column=loop.column, depth=loop.depth,
            parent=loop.parent,
            induction_variable=loop.canonical.induction_variable if loop.canonical else None,
            parallel=decision is not None,
            pragma=render_pragma(decision.plan) if decision else None,
            proof=decision.plan.proof.value if decision else None,
            reasons=reasons,
            parallelizable=parallelizable,
            codes=codes,
            existing_pragma=loop.existing_pragma,
            decided_by=decided.decided_by if decided else None,
            rounds=decided.rounds if decided and decided.decided_by == "model" else None,
            rationale=decided.rationale if decided else None,
        ))
    return FileReport(path=tu.path, loops=loops, diagnostics=tu.diagnostics)


def _verdicts_without_pragmas(tu: TranslationUnit) -> dict:
    """For loops under an existing omp pragma (on them or around them): their verdicts in their nest
    analysed as if no loop of it had a pragma, so that `parallelizable` says whether a legal plan
    exists whoever wrote the pragma (`autopar check` judges the pragma itself)."""
    from autopar.plans.candidates import analyze_nest

    out: dict = {}
    roots: dict[str, object] = {}
    for loop in tu.loops:
        if (loop.existing_pragma or loop.inside_omp_construct) and loop.in_main_file and not loop.from_macro:
            root = (tu.ancestors(loop.id) or [loop])[0]
            roots.setdefault(root.id, root)
    for root in roots.values():
        ids = {root.id, *(d.id for d in tu.descendants(root.id))}
        loops = [l.model_copy(update={"existing_pragma": None, "inside_omp_construct": False})
                 if l.id in ids else l for l in tu.loops]
        bare = tu.model_copy(update={"loops": loops})
        try:
            nest = analyze_nest(bare, bare.loop(root.id))
        except Exception:  # noqa: BLE001 - no verdict: the loop stays not parallelizable
            continue
        for verdict in nest.verdicts:
            loop = tu.loop(verdict.loop_id)
            if loop.existing_pragma or loop.inside_omp_construct:
                out[verdict.loop_id] = verdict
    return out


def _loops_folded_by_collapse(tu: TranslationUnit, decisions: list[Decision]) -> dict[str, str]:
    folded: dict[str, str] = {}
    for decision in decisions:
        if decision.plan is None or decision.plan.collapse < 2:
            continue
        loop = tu.loop(decision.plan.loop_id)
        for _ in range(decision.plan.collapse - 1):
            loop = tu.loop(loop.children[0])
            folded[loop.id] = decision.plan.loop_id
    return folded


def _enclosing_parallel(tu: TranslationUnit, loop_id: str, carried: dict[str, Decision]) -> Optional[str]:
    return next((a.id for a in reversed(tu.ancestors(loop_id)) if a.id in carried), None)
