"""Candidate plans for each loop of a nest, the regions a file is cut into, each loop's verdict, and
the cost model's default."""

from __future__ import annotations

from typing import Optional

from autopar.plans import machine
from autopar.plans import reasons as R
from autopar.plans.candidates.cost import (atomic_work, dynamic_chunk, entries, estimate, irregular, offload_estimate, work,
                                     size_guessed, work_threshold)
from autopar.plans.candidates.legality import Legality, NestContext, bound_names, loop_calls, structural_blockers
from autopar.plans.candidates.offload import OFFLOAD_MIN_ITERATIONS, offload_plan, tiny_offload, transfer_bytes
from autopar.deps import ISL_LOCK, descendants, runs_at_least_once
from autopar.ir import CallEffect, Loop, ReductionOp, TranslationUnit
from autopar.plans.plan import (Candidate, Directive, LoopVerdict, NestAnalysis, Plan, Proof, Reduction, Schedule,
                          render_maps, target_gpu)
from autopar.plans.scalars import ScalarClasses
from autopar.plans.specialize import constant_parameters

CLEAR_GAIN = 0.85  # the default plan must be estimated at most this fraction of serial
MAX_REASONS = 6


def _collapse_chain(ctx: NestContext, loop: Loop) -> list[Loop]:
    """Loops that may be collapsed with `loop`: a perfect, rectangular chain of parallel loops."""
    tu = ctx.tu
    base = ctx.legality(loop)
    if base.private_arrays or base.lastprivate_arrays or base.classes.linear or loop.canonical.range_over or \
            base.classes.conditional_lastprivate:
        return []  # (a linear counter counts this loop's iterations, not the collapsed space's)
    chain: list[Loop] = []
    current = loop
    ivs = {loop.canonical.induction_variable}
    graph = base.analysis.graph
    while current.perfectly_nests_child and len(current.children) == 1:
        child = tu.loop(current.children[0])
        if structural_blockers(tu, child) or child.canonical is None or child.canonical.step_symbol or \
                child.canonical.range_over:
            break
        if bound_names(child) & (ivs | base.analysis.model.variant - {child.canonical.induction_variable}):
            break  # not rectangular, or its bound changes inside the nest
        c = child.canonical
        if (c.lower is None and not c.lower_each) or (c.upper is None and not c.upper_each):
            break  # a bound that is no affine expression (or min or max of them) is not shown rectangular
        if any(e.alias is None for e in graph.carried_by(child.id)):
            break
        inner = ctx.legality(child)
        if not inner.legal or inner.private_arrays or inner.lastprivate_arrays or inner.runs_condition:
            break
        if base.runs_condition and not runs_at_least_once(ctx.analysis(child).model):
            break  # the plan's check shows only that the outer loop runs
        if base.classes.lastprivate and not runs_at_least_once(ctx.analysis(child).model):
            break  # zero iterations of the collapsed space would leave the lastprivate unspecified
        if not _same_clauses(base.classes, inner.classes):
            break
        if child.canonical.induction_variable in base.classes.lastprivate:
            break  # an inner loop variable used after the nest: an empty collapsed space would not assign it
        chain.append(child)
        ivs.add(child.canonical.induction_variable)
        current = child
    return chain


def _same_clauses(outer: ScalarClasses, inner: ScalarClasses) -> bool:
    """A collapsed loop must not need a clause the outer loop's plan does not already give."""
    if inner.conditional_lastprivate:
        return False  # (a conditional lastprivate plan is never collapsed)
    for name in inner.private + inner.lastprivate:
        if outer.clause_of(name) not in ("private", "lastprivate"):
            return False
    for op, names in inner.reductions.items():
        if any(name not in outer.reductions.get(op, []) for name in names):
            return False
    return True


def base_plan(ctx: NestContext, loop: Loop) -> Plan:
    legal = ctx.legality(loop)
    classes = legal.classes
    private = list(classes.private) + list(legal.private_arrays)
    lastprivate = list(classes.lastprivate) + list(legal.lastprivate_arrays)
    merged: dict[ReductionOp, list[str]] = {op: list(names) for op, names in classes.reductions.items()}
    for op, sections in legal.reduction_arrays.items():
        merged.setdefault(ReductionOp(op), []).extend(sections)
    reductions = [Reduction(op=op, variables=sorted(names)) for op, names in
                  sorted(merged.items(), key=lambda kv: list(ReductionOp).index(kv[0]))]
    return Plan(loop_id=loop.id, private=sorted(private), lastprivate=sorted(lastprivate),
                conditional_lastprivate=sorted(classes.conditional_lastprivate),
                firstprivate=sorted(legal.copied_in_arrays), linear=dict(classes.linear), reductions=reductions, alias_check=legal.alias_check,
                runs_check=legal.runs_condition, locations=list(classes.locations), claims=list(legal.claims),
                atomic_updates=list(legal.atomic_updates),
                proof=Proof.RUNTIME_CHECK if legal.alias_check or legal.runs_condition else Proof.STATIC)


def _summary(tu: TranslationUnit, plan: Plan) -> str:
    loop = tu.loop(plan.loop_id)
    iv = loop.canonical.induction_variable if loop.canonical else "?"
    where = "outer" if loop.depth == 0 else f"depth-{loop.depth}"
    parts = [f"{plan.directive.value} on {where} loop {iv} (line {loop.line})"]
    if plan.collapse > 1:
        parts.append(f"collapse({plan.collapse})")
    for clause, names in (("private", plan.private), ("lastprivate", plan.lastprivate)):
        if names:
            parts.append(f"{clause} {', '.join(names)}")
    if plan.conditional_lastprivate:
        parts.append(f"conditional lastprivate {', '.join(plan.conditional_lastprivate)}")
    for name, step in sorted(plan.linear.items()):
        parts.append(f"linear {name} step {step}")
    for r in plan.reductions:
        parts.append(f"reduction {r.op.value} on {', '.join(r.variables)}")
    for l in plan.locations:
        parts.append(f"location reduction {'min' if l.comparison == '<' else 'max'} on {l.value} at {l.index}")
    for claim in plan.claims:
        parts.append(f"claims {claim.cell} by compare-and-swap" + "".join(f", {a.buffer}'s slots atomically"
                                                                         for a in claim.appends))
    for array in dict.fromkeys(u.array for u in plan.atomic_updates):
        parts.append(f"atomic updates of {array}")
    if plan.directive == Directive.TARGET:
        parts.append("offloaded, " + " ".join(render_maps(plan.maps)))
    else:
        parts.append(f"schedule {plan.schedule.value if plan.schedule else 'static'}")
    if plan.runs_check:
        parts.append(f"only when it runs ({plan.runs_check})")
    if plan.alias_check:
        parts.append("runtime alias check")
    if plan.threshold_check:
        parts.append(f"serial unless {plan.threshold_check}")
    return ", ".join(parts)


def _simd_ok(ctx: NestContext, loop: Loop) -> bool:
    legal = ctx.legality(loop)
    if loop.children or loop.canonical.range_over or legal.alias_check or legal.runs_condition or legal.private_arrays or \
            legal.lastprivate_arrays or legal.reduction_arrays or legal.atomic_updates or \
            legal.classes.conditional_lastprivate:
        return False
    for call in loop_calls(ctx.tu, loop):
        if call.effect != CallEffect.PURE:
            summary = call.summary or ctx.tu.functions.get(call.callee)
            if call.effect != CallEffect.SAME_TU or summary is None or not summary.is_side_effect_free:
                return False
            callees = {call.callee, *summary.calls}
            if any(l.function in callees for l in ctx.tu.loops):
                return False  # its loops may get a parallel region: no OpenMP construct nests in simd
    return True


def plans_for(ctx: NestContext, loop: Loop) -> list[Plan]:
    """Every plan with the pragma on `loop`, the plainest first. With a symbolic trip count every
    threaded plan carries the work threshold; the plain one is offered without it too."""
    tu = ctx.tu
    base = base_plan(ctx, loop)
    threshold = work_threshold(tu, loop, base.atomic_updates)
    threaded = base.model_copy(update={"threshold_check": threshold[0], "startup_work": threshold[1]}) \
        if threshold else base
    plans = [threaded]
    if base.locations:
        # a location reduction's tie-break needs each thread's iterations in order, in a region of
        # its own: one static schedule, no collapse, no simd, no specialized copy
        return plans + ([base] if threshold else [])
    if base.claims:  # written into the loop's own text: no collapse, no simd, no specialized copy
        if irregular(tu, loop):
            plans.append(threaded.model_copy(update={"schedule": Schedule.DYNAMIC, "chunk": dynamic_chunk(tu, loop)}))
        return plans + ([base] if threshold else [])
    chain = _collapse_chain(ctx, loop)
    # a loop over blocks collapsed with the loop inside them runs every stage's iterations as one
    # space (FFT: blocks x half = n / 2 whatever the stage), so it needs no block for every thread
    collapsed = base if loop.canonical.step_symbol else threaded
    for n in range(2, len(chain) + 2):
        plans.append(collapsed.model_copy(update={"collapse": n}))
    if irregular(tu, loop):
        plans.append(threaded.model_copy(update={"schedule": Schedule.DYNAMIC, "chunk": dynamic_chunk(tu, loop)}))
        plans.append(threaded.model_copy(update={"schedule": Schedule.GUIDED}))
    if threshold:
        plans.append(base)
    plans += _atomic_instead(tu, loop, ctx.legality(loop), plans)
    constants = constant_parameters(tu, loop)
    if constants:  # (a specialized copy is written from the file's text, without the atomic updates)
        plans = [p if p.atomic_updates else p.model_copy(update={"specialize": constants}) for p in plans]
    if _simd_ok(ctx, loop):
        # clang 14 at -O1 miscompiles `parallel for simd reduction(+: s)` (half the sum, even on one
        # thread), so the combined construct is only offered without reductions
        if (loop.depth == 0 or not any(ctx.legality(a).legal for a in tu.ancestors(loop.id))) \
                and not base.reductions:
            plans.append(base.model_copy(update={"directive": Directive.PARALLEL_FOR_SIMD}))
        plans.append(base.model_copy(update={"directive": Directive.SIMD}))
    return plans


def _atomic_instead(tu: TranslationUnit, loop: Loop, legal: Legality, plans: list[Plan]) -> list[Plan]:
    """Each plan that reduces array sections, with atomic updates of those arrays instead, when every
    section's updates can be atomic: a choice for the tuner (the cost model counts what an atomic
    update costs, not what the copies do). Its threshold is derived again, with the updates' test
    (a plan offered without the loop's threshold stays without)."""
    out, plain = [], work_threshold(tu, loop) is not None
    for plan in plans:
        sections = [v for r in plan.reductions for v in r.variables if "[" in v]
        if not sections or plan.locations or not all(s in legal.atomic_instead for s in sections):
            continue
        reductions = [r.model_copy(update={"variables": [v for v in r.variables if "[" not in v]}) for r in plan.reductions]
        updates = sorted(plan.atomic_updates + [u for s in sections for u in legal.atomic_instead[s]], key=lambda u: u.start)
        threshold = (None, None) if plain and plan.threshold_check is None else \
            work_threshold(tu, loop, updates) or (None, None)
        alternative = plan.model_copy(update={"reductions": [r for r in reductions if r.variables], "atomic_updates": updates,
                                              "threshold_check": threshold[0], "startup_work": threshold[1]})
        if alternative not in out:
            out.append(alternative)
    return out


def analyze_regions(tu: TranslationUnit) -> list[NestAnalysis]:
    """One analysis per region that gets a decision of its own, in source order.

    A loop that can never carry a pragma (it carries a dependence, or breaks out) cannot be one
    region with the loops inside it: each loop directly inside it is a region of its own, so that a
    time loop around two sweeps gets a plan for each sweep, not one for the cheaper sweep alone.
    The serial loop keeps its own verdict, in a region with no candidates.
    """
    regions: list[NestAnalysis] = []
    for root in tu.nest_roots():
        regions += root_regions(tu, root)
    return regions


def root_regions(tu: TranslationUnit, root: Loop) -> list[NestAnalysis]:
    """The regions of one nest (see analyze_regions)."""
    return _regions(tu, root, None)


def _regions(tu: TranslationUnit, root: Loop, enclosing: Optional[NestContext]) -> list[NestAnalysis]:
    ctx = NestContext(tu, root, enclosing)
    with ISL_LOCK:
        legal = ctx.legality(root)
    if legal.legal or not root.children:
        return [analyze_nest(tu, root, ctx)]
    # the root can never carry a pragma: its own verdict, and the loops inside it as regions (the
    # candidates of the whole nest are not built only to be thrown away)
    verdict = _verdict(root, legal)
    own = NestAnalysis(root_loop_id=root.id, verdicts=[verdict],
                       default_reason=verdict.reasons[0] if verdict.reasons else "this loop cannot run in parallel")
    inner = [region for child in root.children for region in _regions(tu, tu.loop(child), ctx)]
    return [own, *inner]


def analyze_nest(tu: TranslationUnit, root: Loop, ctx: Optional[NestContext] = None) -> NestAnalysis:
    """Verdicts for every loop of the nest, every legal candidate, and the cost model's default."""
    with ISL_LOCK:
        try:
            return _analyze_nest(tu, root, ctx or NestContext(tu, root))
        except Exception as error:  # never guess: a nest the analysis cannot finish stays serial
            reason = f"the analysis could not finish ({type(error).__name__}: {error}); left serial"
            try:
                loops = [root, *descendants(tu, root)]
            except Exception:
                loops = [root]
            return NestAnalysis(root_loop_id=root.id, default_reason=reason, verdicts=[
                LoopVerdict(loop_id=loop.id, parallelizable=False, reasons=[reason], codes=[R.ANALYSIS_FAILED])
                for loop in loops])


def _with_fallbacks(tu: TranslationUnit, candidates: list[Candidate], serial: float) -> list[Candidate]:
    """For each plan on a loop over blocks of a variable size (written beside a serial copy of its
    loop, and run only with a block for every thread), the same plan with the best plan of a loop
    inside it as the copy's fallback: a stage with fewer blocks than threads still runs its inner
    loop in parallel. The fallback must pay off on its own, as a default would (a work threshold, or
    clearly cheaper than serial), and be a plain pragma plan (no per-thread copies).
    (Plans with only an alias check or a work threshold get none: where those fail, the inner
    loop's own check or threshold, over the same arrays and less work, fails too.)"""
    inner = [c for c in candidates if c.plan.directive == Directive.PARALLEL_FOR and c.plan.proof != Proof.ASSUMPTION
             and not c.plan.reduces_sections_or_locations
             and (_work_gated(tu, c.plan) or c.estimated_cost < serial * CLEAR_GAIN)]
    out: list[Candidate] = []
    for candidate in candidates:
        plan = candidate.plan
        if not plan.threshold_check or _work_gated(tu, plan) or plan.directive != Directive.PARALLEL_FOR:
            continue
        inside = {l.id for l in descendants(tu, tu.loop(plan.loop_id))}
        fallbacks = [c for c in inner if c.plan.loop_id in inside]
        if not fallbacks:
            continue
        best = min(fallbacks, key=lambda c: (c.estimated_cost, int(c.id[1:])))
        out.append(candidate.model_copy(update={
            "id": f"c{len(candidates) + len(out)}", "plan": plan.model_copy(update={"fallback": best.plan}),
            "summary": f"{candidate.summary}; else {best.summary}"}))
    return out


def _offload_candidates(ctx: NestContext, candidates: list[Candidate], verdicts: list[LoopVerdict]) -> list[Candidate]:
    """The offload plan of the nest's own loop (collapsed as far as its plain plans go), when it has
    one (autopar.plans.candidates.offload). Only the region's outermost loop: a kernel launch per
    iteration of a loop around it would cost more than any device gains."""
    tu, loop = ctx.tu, ctx.root
    plain = [c.plan for c in candidates if c.plan.loop_id == loop.id and c.plan.directive == Directive.PARALLEL_FOR
             and c.plan.fallback is None and c.plan.schedule is None and c.plan.runs_check is None]
    if not plain:
        return []
    widest = max(plain, key=lambda p: p.collapse)  # a device wants every iteration it can get
    plan = offload_plan(ctx, loop, widest.model_copy(update={"threshold_check": None, "startup_work": None,
                                                             "specialize": {}}))
    if plan is None:
        return []
    reasons = list(next((v.reasons for v in verdicts if v.loop_id == loop.id), []))
    moved = transfer_bytes(ctx, loop)
    reasons.append(R.Reason(f"moves about {_bytes_text(moved)} to and from the device for ~{work(tu, loop):.3g} work "
                            f"units per entry ({machine.DEVICE.source})", R.NOTE))
    return [Candidate(id=f"c{len(candidates)}", plan=plan, summary=_summary(tu, plan),
                      estimated_cost=offload_estimate(tu, plan, moved, ctx.root), reasons=reasons)]


def _bytes_text(count: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count:.0f} bytes"


def _work_gated(tu: TranslationUnit, plan: Plan) -> bool:
    """Whether the plan's threshold is a work threshold (a loop over blocks has a count of blocks,
    which says nothing of their work)."""
    loop = tu.loop(plan.loop_id)
    return bool(plan.threshold_check) and not (loop.canonical is not None and loop.canonical.step_symbol)


def _verdict(loop: Loop, legal: Legality) -> LoopVerdict:
    """The loop's verdict on its own: why it is independent, or its first blockers."""
    if legal.legal:
        reasons = [R.Reason(f"no loop-carried dependence on {loop.canonical.induction_variable}"
                            + (" once the runtime alias check holds" if legal.alias_check else ""),
                            R.INDEPENDENT)]
        reasons += [n if isinstance(n, R.Reason) else R.Reason(n, R.NOTE) for n in legal.notes]
    else:
        reasons = legal.blockers[:MAX_REASONS]
        if len(legal.blockers) > MAX_REASONS:
            reasons.append(R.Reason(f"and {len(legal.blockers) - MAX_REASONS} more", R.MORE))
    return LoopVerdict(loop_id=loop.id, parallelizable=legal.legal, reasons=reasons, codes=R.codes_of(reasons))


def _analyze_nest(tu: TranslationUnit, root: Loop, ctx: NestContext) -> NestAnalysis:
    verdicts: list[LoopVerdict] = []
    candidates: list[Candidate] = []
    for loop in ctx.loops:
        legal = ctx.legality(loop)
        verdicts.append(_verdict(loop, legal))
        reasons = verdicts[-1].reasons
        if not legal.legal:
            continue
        try:
            plans = plans_for(ctx, loop)
        except Exception as error:
            verdicts[-1] = LoopVerdict(loop_id=loop.id, parallelizable=False, reasons=[
                f"the analysis could not finish ({type(error).__name__}: {error}); left serial"],
                codes=[R.ANALYSIS_FAILED])
            continue
        for plan in plans:
            candidates.append(Candidate(id=f"c{len(candidates)}", plan=plan, summary=_summary(tu, plan),
                                        estimated_cost=estimate(tu, plan, root), reasons=list(reasons)))
    serial = work(tu, root)
    candidates += _with_fallbacks(tu, candidates, serial)
    candidates += _offload_candidates(ctx, candidates, verdicts)
    analysis = NestAnalysis(root_loop_id=root.id, verdicts=verdicts, candidates=candidates)
    offloaded = [c for c in candidates if c.plan.directive == Directive.TARGET]
    tiny = tiny_offload(tu, offloaded[0].plan) if offloaded and target_gpu() else None
    if tiny is not None and verdicts:
        verdicts[0].add(f"not offloaded by default: its region has {tiny:g} iterations, fewer than "
                        f"{OFFLOAD_MIN_ITERATIONS} (each entry launches a kernel)", R.NOTE)
    if offloaded and target_gpu() and tiny is None:
        best = offloaded[0]  # the outermost loop's
        analysis.default_candidate_id = best.id
        analysis.default_reason = f"{best.summary}: --target gpu asks for offload where a nest allows it"
        host = min((c.estimated_cost for c in candidates if c.plan.directive != Directive.TARGET
                    and c.plan.proof != Proof.ASSUMPTION), default=None)
        if host is not None and host < best.estimated_cost:
            analysis.default_reason += (f" (estimated cost {best.estimated_cost:g} against {host:g} on the host's "
                                        f"threads: by the reference device figures its transfers cost more than "
                                        f"the device gains)")
        return analysis
    # offload is a candidate, not a default: its cost rests on device figures nobody measured here
    eligible = [c for c in candidates if c.plan.proof != Proof.ASSUMPTION and c.plan.directive != Directive.TARGET]
    if not eligible:
        analysis.default_reason = "no loop of the nest can run in parallel: " + "; ".join(
            verdicts[0].reasons[:2]) if verdicts and verdicts[0].reasons else "no legal parallel plan"
        return analysis
    # a plan must win clearly (the estimate of its overhead is rough; simd has none), unless it has a
    # work threshold: its if() runs the region only when the work pays for it on this machine, so
    # the guess of a symbolic trip count does not decide. Where such plans exist, they are preferred
    # to simd alone, which the guess would favour for any loop it takes to be short.
    # Sized by known values (a call's constant), a threshold plan must win clearly like any other.
    sized = [c for c in eligible if _work_gated(tu, c.plan) and not size_guessed(tu, tu.loop(c.plan.loop_id))]
    # (atomic updates cost more in every iteration, whatever the trip count: such a plan must win too)
    clear = [c for c in eligible if (_work_gated(tu, c.plan) and c not in sized and not c.plan.atomic_updates) or
             c.estimated_cost < (serial if c.plan.directive == Directive.SIMD else serial * CLEAR_GAIN)
             and atomic_work(tu, tu.loop(c.plan.loop_id), c.plan.atomic_updates) is not False]
    if not clear:
        regions = [c for c in eligible if c.plan.directive != Directive.SIMD]
        region = min(regions, key=lambda c: (c.estimated_cost, int(c.id[1:]))) if regions else None
        best = min(eligible, key=lambda c: (c.estimated_cost, int(c.id[1:])))
        analysis.default_reason = _serial_reason(tu, best, region, serial)
        for verdict in verdicts:
            if verdict.parallelizable:
                verdict.add("left serial: " + analysis.default_reason, R.COST_TOO_SMALL)
        return analysis
    if any(c.plan.threshold_check and c not in sized for c in clear):
        clear = [c for c in clear if c.plan.directive != Directive.SIMD]
    # between equal estimates, the plan with a fallback: it differs only where the other is serial
    best = min(clear, key=lambda c: (c.estimated_cost, c.plan.fallback is None, int(c.id[1:])))
    guard = f" (runs in parallel only when {best.plan.threshold_check})" if best.plan.threshold_check else ""
    analysis.default_candidate_id = best.id
    analysis.default_reason = (f"{best.summary}: lowest estimated cost {best.estimated_cost:.3g} "
                               f"(serial {serial:.3g}, {machine.current().threads} threads){guard}")
    return analysis


def _serial_reason(tu: TranslationUnit, best: Candidate, region: Optional[Candidate], serial: float) -> str:
    """Why the nest stays serial although `best` (and `region`, the best parallel region) is legal: no
    plan is clearly cheaper than serial. A region inside serial loops is named with its entry count."""
    loop = tu.loop(region.plan.loop_id) if region else None
    times = entries(tu, loop) if loop else 1.0
    if region and times > 1:
        iv = loop.canonical.induction_variable if loop.canonical else "?"
        return (f"parallel region on {iv} would be entered {times:.3g} times for ~{work(tu, loop):.3g} "
                f"operations each; overhead outweighs the gain (best such plan: {region.summary}, "
                f"estimated {region.estimated_cost:.3g}, serial {serial:.3g})")
    if best.plan.atomic_updates and region is best:
        return (f"its atomic updates cost more than the threads gain: the best plan ({best.summary}) is "
                f"estimated at {best.estimated_cost:.3g}, serial at {serial:.3g}")
    return (f"too little work: the best plan ({best.summary}) is estimated at "
            f"{best.estimated_cost:.3g}, serial at {serial:.3g}")
