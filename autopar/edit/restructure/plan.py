"""Restructuring plans for a nest: a few candidates (loop order x tile size), ranked by the cache-line
cost model, each validated against the dependences, and the edit that replaces the nest.
"""

from __future__ import annotations

import time
from typing import Literal, Optional

import islpy as isl
from pydantic import BaseModel, Field

from autopar.deps.isl_text import operation_quota
from autopar.ir import Loop, TranslationUnit
from autopar.edit.restructure.scop import Refusal, extract_scop

# A restructuring is the default only when the cache-line model says it touches at most this share of
# the lines the source order does. Measured on the affine suite (large, 2 threads, 2026-12-02): atax
# (model 0.72 of the source order's lines) ran at 0.78x restructured against 1.09x with its pragma plan,
# gesummv (0.99) at 1.29x against 1.63x; every kernel at 0.67 or below gained (lu 1.52x against 1.26x).
MAX_COST_RATIO = 0.7
# isl operations for one nest's model, schedules and code (Polly bounds isl the same way): a nest past it
# keeps its pragma plan ("isl-error"), where isl's bounds of a generated nest searched for minutes
ISL_QUOTA = 20_000_000
CHOICES = (("stride", 32, False), ("stride", 64, False), ("stride", None, False), ("isl", 32, False),
           ("stride", 32, True), ("stride", 64, True))


class RestructureCandidate(BaseModel):
    id: str  # "r0", "r1", ... stable within one nest
    order: str
    tile: Optional[int] = None
    summary: str
    estimated_cost: float  # cache lines per iteration (lower is better)
    parallel_loops: int
    wavefront: bool = False  # parallel only along a wavefront of tiles (skewed tile loops)
    schedule: list[str] = Field(default_factory=list)  # the schedule tree's bands, one line each
    code: str  # the C block that replaces the nest


class RestructurePlan(BaseModel):
    """The restructuring of one nest, or why there is none."""

    root_loop_id: str
    start: int = 0  # byte range of the nest in the source
    end: int = 0
    statements: list[str] = Field(default_factory=list)
    dependences: str = ""
    candidates: list[RestructureCandidate] = Field(default_factory=list)
    default_candidate_id: Optional[str] = None
    source_cost: Optional[float] = None  # the cost model's figure for the nest as written
    refused: Optional[str] = None  # the reason, when there is no candidate
    refusal_code: Optional[str] = None
    latency_s: float = 0.0
    # who chose the default: the cost model, a decisions file's measurement, or the model (`--llm`;
    # "fallback" when it could not answer and the cost model's choice stands)
    chosen_by: Literal["analyzer", "tuner", "model", "fallback"] = "analyzer"
    rationale: str = ""  # the model's note on its choice (sanitized, bounded)

    @property
    def chosen(self) -> Optional[RestructureCandidate]:
        return next((c for c in self.candidates if c.id == self.default_candidate_id), None)


def plan_nest(source: bytes, tu: TranslationUnit, root: Loop, newline: str = "\n",
              work_thresholds: bool = True) -> RestructurePlan:
    """`work_thresholds`: see autopar.edit.restructure.codegen.generate."""
    started = time.perf_counter()
    plan = RestructurePlan(root_loop_id=root.id)
    try:
        with operation_quota(ISL_QUOTA):
            _fill(plan, source, tu, root, newline, work_thresholds)
    except Refusal as refusal:
        if refusal.code != "no-gain":  # a nest the model finds no better keeps its candidates (tuner)
            plan.candidates = []
        plan.default_candidate_id = None
        plan.refused, plan.refusal_code = refusal.message, refusal.code
    except (ImportError, isl.Error) as error:  # isl failures are refusals too: the nest stays as it is
        plan.candidates = []
        plan.refused, plan.refusal_code = f"isl failed: {type(error).__name__}: {error}", "isl-error"
    plan.latency_s = time.perf_counter() - started
    return plan


def _fill(plan: RestructurePlan, source: bytes, tu: TranslationUnit, root: Loop, newline: str,
          work_thresholds: bool) -> None:
    from autopar.edit.restructure.model import build_model
    from autopar.edit.restructure.schedule import ScheduleChoice, base_schedule, schedule_candidate, source_cost
    from autopar.edit.restructure.split import split_candidate

    scop = extract_scop(source, tu, root)
    plan.start, plan.end = scop.start, scop.end
    plan.statements = [f"{s.name}: {s.text}" for s in scop.statements]
    model = build_model(scop)
    plan.dependences = str(model.dependences)
    bases = {False: base_schedule(model)}
    try:
        bases[True] = base_schedule(model, coincidence=False)
    except Refusal:
        pass
    text = source.decode("latin-1")
    seen: set[str] = set()
    useful = False
    for order, tile, wavefront in CHOICES:
        if wavefront not in bases:
            continue
        nest = schedule_candidate(model, bases[wavefront], ScheduleChoice(order, tile, wavefront))
        key = str(nest.schedule)
        if key in seen:
            continue
        seen.add(key)
        if not nest.changed:
            continue  # the source order: the pragma plan does the same with its own cost model
        useful = True
        _add_candidate(plan, model, nest, text, scop.indentation, newline, work_thresholds)
    split = split_candidate(model)  # parallelism the source order's loops cannot give
    if split is not None:
        _add_candidate(plan, model, split, text, scop.indentation, newline, work_thresholds)
    if not useful and split is None:
        raise Refusal("no-gain", "the best schedule keeps the source order (nothing to interchange or tile); "
                                 "the pragma plan applies")
    if not plan.candidates:
        raise Refusal("invalid-schedule", "no candidate keeps every dependence")
    plan.source_cost = round(source_cost(model), 5)
    # only a schedule that touches fewer cache lines than the source order is worth its many
    # changed lines: threads alone are what the pragma plan gives (measured: jacobi2d and mvt ran
    # slower restructured for parallelism alone than with their pragma plans); a split loop is the
    # exception, its parallel loop is one that no pragma plan can have. The model counts lines, not
    # the reuse the source order gets from fused loops or the cost of regions inside a serial loop,
    # so a schedule must save a clear share of them (MAX_COST_RATIO)
    eligible = [c for c in plan.candidates if c.estimated_cost <= MAX_COST_RATIO * plan.source_cost
                and c.order != "split"]
    if eligible:
        best = min(eligible, key=lambda c: (c.estimated_cost, -c.parallel_loops, c.id))
    elif split is not None:
        best = next(c for c in plan.candidates if c.order == "split")
    else:
        best = min(plan.candidates, key=lambda c: (c.estimated_cost, -c.parallel_loops, c.id))
        raise Refusal("no-gain", f"the best restructuring ({best.summary}, cost {best.estimated_cost:g}) touches more "
                                 f"than {MAX_COST_RATIO:.0%} of the cache lines the source order does (cost "
                                 f"{plan.source_cost:g}); the pragma plan applies")
    plan.default_candidate_id = best.id


def _add_candidate(plan: RestructurePlan, model, nest, text: str, indentation: str, newline: str,
                   work_thresholds: bool) -> None:
    from autopar.edit.restructure.codegen import generate
    from autopar.edit.restructure.cost import band_costs
    from autopar.edit.restructure.model import respects
    from autopar.edit.restructure.schedule import source_cost

    if not respects(model.dependences, nest.schedule.get_map()):  # checked again before rendering
        return
    code = generate(model, nest, text, indentation, newline, work_thresholds)
    # a split keeps the source order of every loop: it touches the lines the source order does
    cost = source_cost(model) if nest.choice.split else band_costs(model, nest.schedule, nest.choice.tile)
    plan.candidates.append(RestructureCandidate(
        id=f"r{len(plan.candidates)}", order=nest.choice.order, tile=nest.choice.tile, summary=nest.choice.label,
        estimated_cost=round(cost, 5),
        parallel_loops=code.parallel_loops, wavefront=nest.wavefront, schedule=nest.bands, code=code.text))


def plan_file(source: bytes, tu: TranslationUnit, work_thresholds: bool = True) -> list[RestructurePlan]:
    newline = "\r\n" if b"\r\n" in source else "\n"
    return [plan_nest(source, tu, root, newline, work_thresholds) for root in tu.nest_roots() if root.in_main_file]
