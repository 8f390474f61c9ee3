"""Restructuring plans for a nest: a few candidates (loop order x tile size), ranked by the cache-line
cost model, each validated against the dependences, and the edit that replaces the nest.
"""

from __future__ import annotations

import time
from typing import Optional

from pydantic import BaseModel, Field

from autopar.ir import Loop, TranslationUnit
from autopar.restructure.scop import Refusal, extract_scop

THREADS = 4  # the cost model's reference thread count (as the builtin calibration)
CHOICES = (("stride", 32), ("stride", 64), ("stride", None), ("isl", 32))


class RestructureCandidate(BaseModel):
    id: str  # "r0", "r1", ... stable within one nest
    order: str
    tile: Optional[int] = None
    summary: str
    estimated_cost: float  # cache lines per iteration (lower is better)
    parallel_loops: int
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

    @property
    def chosen(self) -> Optional[RestructureCandidate]:
        return next((c for c in self.candidates if c.id == self.default_candidate_id), None)


def plan_nest(source: bytes, tu: TranslationUnit, root: Loop, newline: str = "\n") -> RestructurePlan:
    started = time.perf_counter()
    plan = RestructurePlan(root_loop_id=root.id)
    try:
        _fill(plan, source, tu, root, newline)
    except Refusal as refusal:
        plan.candidates = []
        plan.refused, plan.refusal_code = refusal.message, refusal.code
    except ImportError as error:  # isl failures are refusals too: the nest stays as it is
        plan.candidates = []
        plan.refused, plan.refusal_code = f"isl failed: {type(error).__name__}: {error}", "isl-error"
    plan.latency_s = time.perf_counter() - started
    return plan


def _fill(plan: RestructurePlan, source: bytes, tu: TranslationUnit, root: Loop, newline: str) -> None:
    from autopar.restructure.codegen import generate
    from autopar.restructure.cost import band_costs
    from autopar.restructure.model import build_model, respects
    from autopar.restructure.schedule import ScheduleChoice, base_schedule, schedule_candidate, source_cost
    from autopar.restructure.schedule import source_outer_parallel

    scop = extract_scop(source, tu, root)
    plan.start, plan.end = scop.start, scop.end
    plan.statements = [f"{s.name}: {s.text}" for s in scop.statements]
    model = build_model(scop)
    plan.dependences = str(model.dependences)
    base = base_schedule(model)
    text = source.decode("latin-1")
    seen: set[str] = set()
    useful = False
    for order, tile in CHOICES:
        nest = schedule_candidate(model, base, ScheduleChoice(order, tile))
        key = str(nest.schedule)
        if key in seen:
            continue
        seen.add(key)
        if not nest.changed:
            continue  # the source order: the pragma plan does the same with its own cost model
        useful = True
        if not respects(model.dependences, nest.schedule.get_map()):  # checked again before rendering
            continue
        code = generate(model, nest, text, scop.indentation, newline)
        plan.candidates.append(RestructureCandidate(
            id=f"r{len(plan.candidates)}", order=order, tile=tile, summary=nest.choice.label,
            estimated_cost=round(band_costs(model, nest.schedule, tile), 5),
            parallel_loops=code.parallel_loops, schedule=nest.bands, code=code.text))
    if not useful:
        raise Refusal("no-gain", "the best schedule keeps the source order (nothing to interchange or tile); "
                                 "the pragma plan applies")
    if not plan.candidates:
        raise Refusal("invalid-schedule", "no candidate keeps every dependence")
    best = min(plan.candidates, key=lambda c: (c.estimated_cost, -c.parallel_loops, c.id))
    plan.source_cost = round(source_cost(model), 5)
    # threads divide the lines each core touches: a parallel loop counts as THREADS-fold
    mine = best.estimated_cost / (THREADS if best.parallel_loops else 1)
    theirs = plan.source_cost / (THREADS if source_outer_parallel(model) else 1)
    if mine > theirs:
        raise Refusal("no-gain", f"the best restructuring ({best.summary}, cost {best.estimated_cost:g}"
                                 f"{', parallel' if best.parallel_loops else ''}) touches more cache lines per "
                                 f"core than the source order (cost {plan.source_cost:g}"
                                 f"{', parallel outer loop' if theirs < plan.source_cost else ''}); "
                                 "the pragma plan applies")
    plan.default_candidate_id = best.id


def plan_file(source: bytes, tu: TranslationUnit) -> list[RestructurePlan]:
    newline = "\r\n" if b"\r\n" in source else "\n"
    return [plan_nest(source, tu, root, newline) for root in tu.nest_roots() if root.in_main_file]
