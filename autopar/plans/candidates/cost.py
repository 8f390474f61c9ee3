"""The cost model: trip counts, work, the estimated cost of a plan, and the work thresholds and chunk
sizes a plan carries. A work unit is roughly one memory access; what a parallel region costs to start
and join, in those units, and how many threads it gets, come from the machine model
(autopar.plans.machine)."""

from __future__ import annotations

import math
from typing import Optional, Sequence

from autopar.plans import machine
from autopar.plans.candidates.call_work import (DATA_TRIP, call_terms, call_units, counted_places, data_bound,
                                                direct_calls)
from autopar.plans.candidates.legality import bound_names, loop_fact
from autopar.deps import descendants, trip_text
from autopar.deps.trip_count import bound_value, travel
from autopar.deps.accesses import ELEMENT_BYTES
from autopar.deps.strided import stride_blocks
from autopar.ir import Access, AffineExpr, Loop, TranslationUnit
from autopar.plans.plan import AtomicUpdate, Directive, Plan, Schedule

SYMBOLIC_TRIP = 10000  # assumed trip count of an outermost loop with a symbolic bound
INNER_SYMBOLIC_TRIP = 2000  # and of an inner one: a region on it is entered once per outer iteration
STRIDED_BLOCK = 8  # assumed step of a loop over blocks of a variable size (`start += len`)
DISPATCH_SHARE = 0.05  # a dynamic schedule's chunks are sized so that handing them out costs at most this
# what an atomic update costs a thread more than a plain one, in work units, measured on a 2-core AMD EPYC
# whose work unit was 0.154 ns (gcc -O2, 2 threads): 35 ns on 5 doubles, and 48 ns when rows' keys fell in
# about 100 of 65,536 bins (0.65x of serial), but 5 ns when they spread (1.43x). How keys spread is data
# the analysis cannot see, so every update is counted as contended: the tuner measures the others.
ATOMIC_UNITS = 230.0
SIMD_FACTOR = 0.8  # below -O3 compilers vectorise little on their own: an explicit simd gains


def trip_count(tu: TranslationUnit, loop: Loop) -> tuple[float, bool]:  # (the estimate, whether symbolic)
    return loop_fact(tu, "trip", loop, _compute_trip_count)


def _compute_trip_count(tu: TranslationUnit, loop: Loop) -> tuple[float, bool]:
    c = loop.canonical
    if c is not None and c.lower is None and c.lower_remainder is not None:
        c = c.model_copy(update={"lower": c.lower_remainder.left.expr})  # (the start is within d - 1 of it)
    if loop.depth > 0 and data_bound(loop):
        return float(DATA_TRIP), True  # an inner loop over CSR rows or lists: usually short
    symbolic = float(SYMBOLIC_TRIP if loop.depth == 0 else INNER_SYMBOLIC_TRIP)
    if c is not None and c.step_symbol:
        return symbolic / STRIDED_BLOCK, True  # the blocks of a variable stride: a guess
    if c is None or c.lower is None or c.upper is None or not c.lower.is_linear or not c.upper.is_linear:
        return symbolic, True
    known = _known_values(tu, loop)
    if c.lower.variables <= known.keys() and c.upper.variables <= known.keys():
        span = travel(c, known)
        # sized by a call's value or an outer loop's range, the count is still a name in the code:
        # symbolic, so a parallel plan keeps its run-time threshold
        return max(0.0, span / abs(c.step)), bool(c.lower.variables | c.upper.variables)
    ancestors = tu.ancestors(loop.id)
    outer = {l.canonical.induction_variable for l in ancestors if l.canonical}
    if bound_names(loop, remainders=False) & outer:
        return symbolic / 2.0, True
    if any(bound_names(loop, remainders=False) & {s.variable.name for s in anc.scalars if s.written or s.declared_in_loop}
           for anc in ancestors):
        # the bound changes from one entry to the next (FFT's butterfly width): often short
        return float(DATA_TRIP) / abs(c.step), True
    return symbolic / abs(c.step), True


def known_trip_count(tu: TranslationUnit, loop: Loop) -> Optional[int]:
    """The loop's trip count when its bounds are constants or values every call passes, else None
    (also for a bound on an enclosing loop's variable: a triangle's count changes from row to row)."""
    c = loop.canonical
    if c is None or c.step_symbol or c.lower is None or c.upper is None or data_bound(loop) or \
            not (c.lower.is_linear and c.upper.is_linear):
        return None
    known = dict(tu.call_site_values.get(loop.function, {}))
    if not (c.lower.variables | c.upper.variables) <= known.keys():
        return None
    return max(0, math.ceil(travel(c, known) / abs(c.step)))


def size_guessed(tu: TranslationUnit, loop: Loop) -> bool:
    """Whether the work of a region on `loop` rests on a guess: a trip count of it or a loop inside
    that is neither a constant nor sized by known values (TranslationUnit.call_site_values, an outer
    loop's range), like `n` of a function called from elsewhere or a bound read from memory."""
    return loop_fact(tu, "guessed", loop, _compute_size_guessed)


def _compute_size_guessed(tu: TranslationUnit, loop: Loop) -> bool:
    for l in [loop, *descendants(tu, loop)]:
        c = l.canonical
        if c is None or c.step_symbol or c.lower is None or c.upper is None or data_bound(l):
            return True
        known = _known_values(tu, l)
        if not (c.lower.is_linear and c.upper.is_linear and
                (c.lower.variables | c.upper.variables) <= known.keys()):
            return True
    return False


def _known_values(tu: TranslationUnit, loop: Loop) -> dict[str, float]:
    """The values the loop's bounds may be sized with: the parameters every call passes the same
    value (TranslationUnit.call_site_values), and each enclosing loop's variable at the middle of its
    range when that range is known (a triangle's inner loop runs half the outer trip count on average)."""
    known: dict[str, float] = dict(tu.call_site_values.get(loop.function, {}))
    for outer in tu.ancestors(loop.id):
        c = outer.canonical
        if c is None or c.step_symbol or c.lower is None or c.upper is None or not c.lower.is_linear or \
                not c.upper.is_linear or not (c.lower.variables | c.upper.variables) <= known.keys():
            continue
        known[c.induction_variable] = (bound_value(c.lower, known) + bound_value(c.upper, known)) / 2.0
    return known


def work(tu: TranslationUnit, loop: Loop) -> float:
    """Trip count times body work; the body counts its direct accesses, calls and nested loops."""
    return loop_fact(tu, "work", loop, _compute_work)


def _compute_work(tu: TranslationUnit, loop: Loop) -> float:
    trip, _ = trip_count(tu, loop)
    known = _known_values(tu, loop)
    direct = _direct_accesses(loop, counted_places(tu, loop))
    body = _branchy_factor(loop) * (1.0 + sum(_span_units(a, known) for a in direct))
    body += streamed_rows(tu, loop)
    body += sum(call_units(tu, c, known) for c in direct_calls(tu, loop))
    body += sum(work(tu, tu.loop(child)) for child in loop.children)
    return trip * body


def _span_units(access: Access, known: dict[str, float]) -> float:
    """The elements an access touches: 1, or for a call's region (Access.spans) the product of its
    spans' lengths, with the known values of their names (an estimate where a name is not known)."""
    units = 1.0
    for length in span_lengths(access):
        units *= max(0.0, bound_value(length, known)) if length.variables <= known.keys() else float(INNER_SYMBOLIC_TRIP)
    return units


def _direct_accesses(loop: Loop, counted: set[tuple[int, int]] = frozenset()) -> list[Access]:
    """The accesses in the loop's own body, not in a loop inside it; one at a `counted` call's place
    without its spans (call_work counts that callee's loops)."""
    return [a.model_copy(update={"spans": []}) if a.spans and (a.line, a.column) in counted else a
            for a in loop.accesses if a.enclosing_loops and a.enclosing_loops[-1] == loop.id]


def _branchy_factor(loop: Loop) -> float:
    """What an access of the loop's body is worth in work units: more than one where the body
    branches on what it reads (a conditional access, a location reduction, a claim), which
    compilers do not vectorise, unlike the loop the work unit is measured on."""
    branchy = loop.location_reductions or loop.claims or any(a.conditional for a in _direct_accesses(loop))
    return machine.current().branchy_factor if branchy else 1.0


STREAM_ROW_STRIDE = 16  # elements between rows, at least: a row selector steps past a cache line
SMALL_ARRAY_BYTES = 1 << 20  # an array with constant extents up to this stays in a core's caches


def streamed_rows(tu: TranslationUnit, loop: Loop) -> float:
    """The work units the loop's body costs on top for the rows it reads from memory
    (`_stream_units`), each array once: a read-modify-write or a stencil's neighbours share the row."""
    charged: dict[str, float] = {}
    for access in _direct_accesses(loop):
        charged[access.path] = max(charged.get(access.path, 0.0), _stream_units(tu, loop, access))
    return sum(charged.values())


def _stream_units(tu: TranslationUnit, loop: Loop, access: Access) -> float:
    """The work units an access costs on top because it reads from memory, not a cache: it walks a
    row along the loop's variable (`adj[u * n + v]` in the loop on `v`) that a parameter picks which
    every call passes a value read from data (FunctionSummary.data_selected: `u = closest(...)`), so
    each call reads another row in an order no prefetcher follows. Not where a loop around it leaves
    the access unchanged (the row is read again, from cache), nor where the whole array is small
    (constant extents within SMALL_ARRAY_BYTES). A row picked by a caller's loop in order, or the same
    row again, costs the units of any access: that guess errs towards serial."""
    c = loop.canonical
    summary = tu.functions.get(loop.function)
    if c is None or summary is None or not summary.data_selected or not access.is_affine or access.spans \
            or not access.subscripts:
        return 0.0
    loop_variables = {l.canonical.induction_variable for l in [*tu.ancestors(loop.id), loop] if l.canonical}
    if not _walks(access, c.induction_variable, loop_variables):
        return 0.0
    *outer, last = [s.affine for s in access.subscripts]
    # the terms that pick the row: the outer subscripts, and the products and large multiples in the
    # last one (`u * n`); a term with a loop's variable moves with that loop, whose reuse the trip
    # counts already see
    row_terms = [s.variables for s in outer] + [
        set(m.split("*")) for m, k in last.coefficients.items() if "*" in m or abs(k) >= STREAM_ROW_STRIDE]
    if not any(names & set(summary.data_selected) and not names & loop_variables for names in row_terms):
        return 0.0
    size = _element_bytes(access.element_type)
    dims = access.base.array_dims
    if access.base.is_array and dims and all(d is not None and d.isdigit() for d in dims) and \
            math.prod(int(d) for d in dims) * size <= SMALL_ARRAY_BYTES:
        return 0.0
    return size * machine.current().stream_units_per_byte


def _element_bytes(spelled: str) -> int:  # as spelled; 4 for a name not listed (a typedef): estimates err low
    return ELEMENT_BYTES.get(" ".join(spelled.replace("const", " ").replace("volatile", " ").split()), 4)


def span_lengths(access: Access) -> list[AffineExpr]:
    return [span.upper.minus(span.lower, 1) for span in access.spans]


def _triangular_inside(tu: TranslationUnit, loop: Loop) -> bool:
    """Whether the work of an iteration depends on the loop variable (an inner bound uses it)."""
    if loop.canonical is None:
        return False
    iv = loop.canonical.induction_variable
    return any(iv in bound_names(inner, remainders=False) for inner in descendants(tu, loop))


def irregular(tu: TranslationUnit, loop: Loop) -> bool:
    """Whether iterations do unequal work: an inner loop's bounds use this loop's variable
    (triangular) or come from data (`for (e = ptr[v]; e < ptr[v + 1]; e++)`)."""
    if _triangular_inside(tu, loop):
        return True
    return any(data_bound(inner) for inner in descendants(tu, loop))


def estimate(tu: TranslationUnit, plan: Plan, root: Optional[Loop] = None) -> float:
    """Estimated time of one run of the region `root` (default: the whole nest) under `plan`: the
    pragma loop's share runs in parallel (once per iteration of the loops between them), the rest of
    the region stays serial."""
    loop = tu.loop(plan.loop_id)
    top = root or (tu.ancestors(loop.id) or [loop])[0]
    outer = entries(tu, loop) / max(entries(tu, top), 1e-9)
    total = work(tu, loop)
    rest = work(tu, top) - outer * total  # serial remainder
    if plan.directive == Directive.SIMD:
        # gathers through computed indices (`rank[in_idx[e]]`) vectorise poorly: no gain assumed
        # and a loop shorter than one vector of doubles (4 with AVX) has nothing to fill it with
        trip, symbolic = trip_count(tu, loop)
        short = not symbolic and trip < 4
        gains = all(a.is_affine for a in loop.accesses) and not short and _unit_strides(loop) and \
            (not tu.build_vectorizes or _floating_reduction(loop, plan))
        return round(rest + outer * total * (SIMD_FACTOR if gains else 1.0) + 1.0, 1)
    iterations = trip_count(tu, loop)[0]
    l = loop
    for _ in range(plan.collapse - 1):
        l = tu.loop(l.children[0])
        iterations *= trip_count(tu, l)[0]
    model = machine.current()
    speedup = max(1.0, min(float(model.threads), iterations))
    imbalance = 1.0
    dispatch = 0.0
    dynamic = plan.schedule in (Schedule.DYNAMIC, Schedule.GUIDED)
    if _triangular_inside(tu, loop):  # the work of an iteration grows or shrinks with it: shown imbalance
        # guided hands out its largest chunks first, which can hold most of a shrinking triangle
        imbalance = {Schedule.DYNAMIC: 1.05, Schedule.GUIDED: 1.15}.get(plan.schedule, 1.4)
    elif irregular(tu, loop):  # bounds read from data (CSR rows): unequal work is possible, not shown,
        imbalance = 1.1  # so no schedule is assumed to fix it; dynamic ones pay their hand-out on top
    elif dynamic:
        imbalance = 1.1 if plan.schedule == Schedule.DYNAMIC else 1.05
    if plan.schedule == Schedule.DYNAMIC:
        dispatch = iterations / (plan.chunk or 1) * model.dynamic_chunk_units / speedup
    atomics = _atomic_units(tu, loop, plan)
    cost = rest + outer * (model.fork_units + (total + atomics) / speedup * imbalance + dispatch)
    cost += 5.0 * plan.collapse
    if plan.alias_check:
        cost += outer * 10.0
    if plan.threshold_check:
        cost += outer * 1.0
    elif trip_count(tu, loop)[1]:
        # a symbolic trip count may be small at run time, and a region without a threshold then
        # costs more than the serial loop: the plan with the work threshold is preferred
        cost += outer * 2.0
    if plan.directive == Directive.PARALLEL_FOR_SIMD:
        cost += 1.0
    return round(cost, 1)


def _atomic_units(tu: TranslationUnit, loop: Loop, plan: Plan) -> float:
    """The work units the plan's atomic updates add to one run of its loop: each update statement's
    runs (the trip counts from the plan's loop to it, a conditional one counted as always run) times
    what an atomic update costs more than a plain one (ATOMIC_UNITS)."""
    return ATOMIC_UNITS * sum(
        math.prod(trip_count(tu, tu.loop(l))[0] for l in a.enclosing_loops[a.enclosing_loops.index(loop.id):])
        for a in _updating_writes(loop, plan.atomic_updates) if loop.id in a.enclosing_loops)


def _updating_writes(loop: Loop, updates: Sequence[AtomicUpdate]) -> list[Access]:
    """The writes of the loop that the atomic updates' statements make."""
    sites = {(u.start, u.end) for u in updates}
    return [a for a in loop.accesses if a.is_write and a.update_range in sites]


def _unit_strides(loop: Loop) -> bool:
    """Whether every access steps through memory one element at a time (or not at all) as the loop
    runs: its variable only in the last subscript, with coefficient 1 or -1. A column `c[n][p]`
    over n is a gather and a scatter per vector: forced past the compiler's cost model, NAS BT's
    5x5 block eliminations ran the whole solver at 0.70x of serial (2 threads, -O2)."""
    iv = loop.canonical.induction_variable if loop.canonical else None
    for access in loop.accesses:
        for k, sub in enumerate(access.subscripts):
            terms = {name: c for name, c in (sub.affine.coefficients.items() if sub.affine else {})
                     if iv in name.split("*")}
            if terms and (k != len(access.subscripts) - 1 or terms.get(iv) not in (1, -1) or len(terms) > 1):
                return False
    return True


def _floating_reduction(loop: Loop, plan: Plan) -> bool:
    """Whether the plan reduces a floating-point scalar: the reordering a build that vectorizes on
    its own (TranslationUnit.build_vectorizes) still does not do, and `omp simd` allows. Elsewhere
    such a build gains nothing from the pragma and may lose: forced past gcc's cost model, a 3-D
    stencil's rows of 6 to 32 elements ran 5-20% slower at -O3 (3.6x faster at -O2)."""
    floating = {s.variable.name for s in loop.scalars if s.variable.is_floating}
    return any(set(r.variables) & floating for r in plan.reductions)


def offload_estimate(tu: TranslationUnit, plan: Plan, transfer_bytes: float, root: Optional[Loop] = None) -> float:
    """Estimated time of the region `root` with the plan's loop offloaded (machine.DEVICE): each
    entry launches the kernel and moves its mapped data both ways as its clauses say, and the device
    does the loop's work `speedup` times faster than one core; the rest of the region stays serial."""
    loop = tu.loop(plan.loop_id)
    top = root or (tu.ancestors(loop.id) or [loop])[0]
    outer = entries(tu, loop) / max(entries(tu, top), 1e-9)
    total = work(tu, loop)
    rest = work(tu, top) - outer * total
    unit_ns = machine.current().unit_ns
    device = machine.DEVICE
    per_entry = (device.launch_ns + transfer_bytes * device.ns_per_byte) / unit_ns + total / device.speedup
    return round(rest + outer * per_entry, 1)


def _work_terms(tu: TranslationUnit, loop: Loop, fixed: set[str],
                outer: tuple[str, str]) -> dict[tuple[str, ...], float]:
    """The work of one iteration of `loop` as a polynomial in the trip counts of its inner loops:
    {(trip texts...): units}. An inner loop whose bounds are affine in names that do not change in
    the region (none of `fixed`) contributes its trip count as text; one whose bound also uses the
    region's own loop variable (`outer`: that variable and its loop's trip count), a triangle, half
    that loop's trip count; any other, its estimate."""
    factor = _branchy_factor(loop)
    terms: dict[tuple[str, ...], float] = {(): factor + streamed_rows(tu, loop)}
    local = {s.variable.name for s in loop.scalars if s.declared_in_loop}
    known, readable = _known_values(tu, loop), {s.variable.name for s in loop.scalars if not s.declared_in_loop}
    for call in direct_calls(tu, loop):  # (a callee's loops as text where their counts hold still)
        for key, units in call_terms(tu, call, known, fixed | local, readable).items():
            terms[key] = terms.get(key, 0.0) + units
    for a in _direct_accesses(loop, counted_places(tu, loop)):
        lengths = span_lengths(a)
        # a call's region over lengths of names that hold still in the region (`n` of `scale(A[i], n)`):
        # their product, as text; any other, its estimate
        if lengths and all(not l.variables & (fixed | local) and all(v.isidentifier() for v in l.variables)
                           for l in lengths):
            symbolic = [l for l in lengths if l.variables]
            constant = math.prod(max(0, l.constant) for l in lengths if not l.variables)
            key = tuple(sorted(f"({l.c_text()})" for l in symbolic))
            terms[key] = terms.get(key, 0.0) + factor * float(constant)
        else:
            terms[()] += factor * _span_units(a, {})
    for child in (tu.loop(c) for c in loop.children):
        text, scale = None, trip_count(tu, child)[0]
        if not trip_count(tu, child)[1]:
            pass  # a constant trip count: its value
        elif trip_text(child) and not bound_names(child, remainders=False) & fixed:
            text, scale = trip_text(child), 1.0
        elif trip_text(child) and bound_names(child, remainders=False) & fixed == {outer[0]}:
            text, scale = outer[1], 0.5
        for factors, units in _work_terms(tu, child, fixed, outer).items():
            key = tuple(sorted(factors + ((f"({text})",) if text else ())))
            terms[key] = terms.get(key, 0.0) + units * scale
    return terms


def work_threshold(tu: TranslationUnit, loop: Loop, atomic_updates: Sequence[AtomicUpdate] = ()) \
        -> Optional[tuple[str, Optional[str]]]:
    """The loop's work threshold (`_region_threshold`) and its atomic updates' test (`atomic_work`)."""
    region, atomic = _region_threshold(tu, loop), atomic_work(tu, loop, atomic_updates)
    atomic = atomic if isinstance(atomic, str) else None
    return region if atomic is None else (f"{region[0]} && {atomic}", region[1]) if region else (atomic, None)


def atomic_work(tu: TranslationUnit, loop: Loop, updates: Sequence[AtomicUpdate]) -> "str | bool":
    """`(double)(f) > K`: an iteration's work, which grows with inner trip counts, is at least twice what its
    atomic updates cost a thread more over threads - 1 (the estimate takes an unknown count for thousands).
    True where no test is needed (that work is known, or the updates sit in inner loops: the estimate
    decides); False where it grows with counts no test can name (an inner bound that moves with the loop's
    variable; a loop over blocks or by steps of 2, whose trip count has no text): no default then."""
    model = machine.current()
    if not updates or model.threads < 2 or loop.canonical is None or \
            any(a.enclosing_loops[-1] != loop.id for a in _updating_writes(loop, updates)):
        return True
    need = 2.0 * ATOMIC_UNITS * len(updates) / (model.threads - 1)
    outer = f"({trip_text(loop) or 'no trip text'})"
    terms = _work_terms(tu, loop, _changing_names(tu, loop), (loop.canonical.induction_variable, outer[1:-1]))
    symbolic = {factors: units for factors, units in terms.items() if factors and units > 0}
    constant = terms.get((), 0.0)
    if not symbolic or constant >= need:
        return True
    if any(outer in factors for factors in symbolic):
        return False
    factors, units = max(symbolic.items(), key=lambda t: (len(t[0]), t[1]))
    return f"(double){' * '.join(factors)} > {math.ceil((need - constant) / units)}"


def _changing_names(tu: TranslationUnit, loop: Loop) -> set[str]:
    """The names that change inside a region on `loop`: the loop variables and the scalars written there."""
    return {l.canonical.induction_variable for l in [loop, *descendants(tu, loop)] if l.canonical} | \
        {s.variable.name for s in loop.scalars if s.written}


def _region_threshold(tu: TranslationUnit, loop: Loop) -> Optional[tuple[str, Optional[str]]]:
    """A work threshold as C, when the trip count is symbolic and the loop may be small, else None:
    `n > T`, or `(double)(n) * (m) > T` when the inner loops' trip counts are symbolic too (their
    product is the region's work). T makes the region's work a few times the machine's cost of
    starting it. With it comes the region's work per entry as a share of the process's first team
    start (Plan.startup_work)."""
    _, symbolic = trip_count(tu, loop)
    trip = trip_text(loop)
    model = machine.current()
    if loop.canonical is not None and loop.canonical.step_symbol:
        return _blocks_threshold(loop, model.threads)
    if not symbolic or trip is None:
        return None
    terms = _work_terms(tu, loop, _changing_names(tu, loop), (loop.canonical.induction_variable, trip))
    factors, units = max(terms.items(), key=lambda t: (len(t[0]), t[1]))
    if not factors:
        per_iteration = max(1.0, work(tu, loop) / trip_count(tu, loop)[0])
        limit = max(model.threads, int(model.min_parallel_work / per_iteration))
        return f"{trip} > {limit}", _startup_share(tu, loop, f"(double)({trip})", per_iteration)
    product = " * ".join([f"(double)({trip})", *factors])
    return f"{product} > {max(1, int(model.min_parallel_work / units))}", _startup_share(tu, loop, product, units)


def _startup_share(tu: TranslationUnit, loop: Loop, product: str, units: float) -> str:
    """The region's work per entry as a share of a team start: `product` (the region's count of its
    deepest iterations) times what one costs. Where the arrays those iterations walk outgrow a core's
    cache at run time, each of their bytes streams from memory and costs the calibrated bandwidth
    on top: a 4M-element `c[i] = a[i] + b[i]` took 4x its units, and its first three calls of
    twenty ran serially while the gate waited."""
    model = machine.current()
    cold = model.cold_start_units
    walked = _walked_bytes(tu, loop)
    if not (walked and model.bandwidth_ns_per_byte and model.cache_bytes):
        return f"{product} * {units / cold:.3g}"
    streamed = units + walked * model.bandwidth_ns_per_byte / model.unit_ns
    return f"{product} * ({product} > {model.cache_bytes / walked:.3g} ? {streamed / cold:.3g} : {units / cold:.3g})"


def _walked_bytes(tu: TranslationUnit, loop: Loop) -> int:
    """The bytes one of the region's deepest iterations moves through, at least: the element sizes
    of the arrays its accesses walk along the innermost loop's variable (`a[i]`, `in[(c * h + y) * w
    + x]`), each array once; not an access that some loop of the region leaves unchanged (`x[j]` of
    a product over rows `i`: the same vector for every row, from cache)."""
    deepest = max((len(a.enclosing_loops) for a in loop.accesses), default=0)
    walked: dict[str, int] = {}
    for access in loop.accesses:
        if len(access.enclosing_loops) != deepest or loop.id not in access.enclosing_loops or \
                not access.is_affine or access.spans or not access.subscripts:
            continue
        region = [tu.loop(l) for l in access.enclosing_loops[access.enclosing_loops.index(loop.id):]]
        if any(l.canonical is None for l in region):
            continue
        if _walks(access, region[-1].canonical.induction_variable, {l.canonical.induction_variable for l in region}):
            walked[access.path] = _element_bytes(access.element_type)
    return sum(walked.values())


def _walks(access: Access, innermost: str, variables: set[str]) -> bool:
    """Whether an affine access steps one element at a time along `innermost` (its last subscript)
    and names every one of `variables`: each of those loops moves it, none reads it again."""
    used = {v for s in access.subscripts for v in s.affine.variables}
    return abs(access.subscripts[-1].affine.coefficients.get(innermost, 0)) == 1 and variables <= used


def _blocks_threshold(loop: Loop, threads: int) -> Optional[tuple[str, None]]:
    """A loop over blocks of a variable size (`start += len`) runs in parallel when it has a block for
    every thread: an FFT's last stages have one or two blocks, whose work one thread would do alone
    (the plan's fallback, the loop inside, takes them). Its guard (autopar.deps.strided.stride_guard)
    comes first in the plan's condition, so the step is positive and the count fits when this is
    evaluated. No start-up share: the stage's work is not known as text."""
    blocks = stride_blocks(loop)
    return (f"{blocks} >= {threads}", None) if blocks else None


def dynamic_chunk(tu: TranslationUnit, loop: Loop) -> Optional[int]:
    """The smallest schedule(dynamic) chunk whose hand-out costs at most DISPATCH_SHARE of its work
    (None: one iteration is enough). A chunk of one made a CSR row loop 4x slower than serial."""
    per_iteration = max(1.0, work(tu, loop) / max(trip_count(tu, loop)[0], 1.0))
    chunk = int(-(-machine.current().dynamic_chunk_units // (DISPATCH_SHARE * per_iteration)))
    return chunk if chunk > 1 else None


def entries(tu: TranslationUnit, loop: Loop) -> float:
    """How many times a region on `loop` is entered: the product of the outer loops' trip counts."""
    out = 1.0
    for anc in tu.ancestors(loop.id):
        out *= trip_count(tu, anc)[0]
    return out
