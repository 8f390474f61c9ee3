"""The independent check of any plan, whoever wrote it (the cost model, the model, a decisions file):
its clauses are re-derived from the loop's legality and compared."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autopar.plans.candidates.cost import work_threshold
from autopar.plans.candidates.offload import derived_maps, offload_blockers, offload_condition
from autopar.plans.candidates.array_reductions import atomic_updates, reduced_arrays
from autopar.plans.candidates.alias_pairs import equal_pointer_pairs, written_first
from autopar.plans.candidates.claims import claimed_objects, order_blockers
from autopar.plans.candidates.private_arrays import COPIED_IN, copies_fit
from autopar.plans.candidates.switched_off import flag_tests
from autopar.plans.candidates.legality import (NestContext, bound_memory_written, bound_names, call_blockers,
                                         carried_objects, edge_objects, loop_calls, privatised_globals_seen_by_calls,
                                         privatizable, scalar_classes, strided_windows, structural_blockers,
                                         with_strided_conditions)
from autopar.deps import ISL_LOCK, Analysis, behind_first_test, descendants, inspection_budget, overlap_check, runs_at_least_once
from autopar.ir import Loop, Storage, TranslationUnit
from autopar.plans.plan import Directive, NestAnalysis, Plan, Proof, Schedule, render_maps
from autopar.plans.scalars import ScalarClasses
from autopar.plans.specialize import constant_parameters


def validate_plan(tu: TranslationUnit, nest: NestAnalysis, plan: Plan) -> list[str]:
    """Problems with `plan` for this nest (empty: legal), re-derived from the dependence graph and the
    scalar classes, whoever wrote the plan."""
    try:
        with ISL_LOCK:
            return _validate(nest.unit(tu), nest, plan)
    except Exception as error:  # a plan that cannot be checked is not legal
        return [f"the plan could not be checked ({type(error).__name__}: {error})"]


@dataclass
class _Check:
    """What one validation knows about the plan's loop: its nest's context, its analysis, the scalar
    classes it derives, and the loops the plan runs in parallel."""

    tu: TranslationUnit
    plan: Plan
    loop: Loop
    ctx: NestContext
    analysis: Analysis
    classes: ScalarClasses
    collapsed: list[Loop] = field(default_factory=list)
    private_objects: set[str] = field(default_factory=set)  # arrays the plan privatizes, legally
    copied_in: set[str] = field(default_factory=set)  # of those, the ones firstprivate and lastprivate both
    reduced_objects: set[str] = field(default_factory=set)  # arrays the plan reduces, legally
    sections: dict[str, str] = field(default_factory=dict)  # reduced array section -> operator
    atomic_objects: set[str] = field(default_factory=set)  # arrays the plan updates atomically, legally
    carried: set[str] = field(default_factory=set)  # objects of the dependences the parallel loops carry


def _validate(tu: TranslationUnit, nest: NestAnalysis, plan: Plan) -> list[str]:
    try:
        loop = tu.loop(plan.loop_id)
    except KeyError:
        return [f"no loop {plan.loop_id} in this file"]
    ctx = NestContext(tu, tu.loop(nest.root_loop_id))
    if loop.id not in {l.id for l in ctx.loops}:
        return [f"loop {plan.loop_id} is not in the nest {nest.root_loop_id}"]
    blockers = list(structural_blockers(tu, loop))
    flag_tests(tu, loop, blockers, [])  # (read with switched-off statements: only a loop that holds them all)
    if blockers:
        return [f"the pragma cannot go on this loop: {b}" for b in blockers]
    if plan.fallback is not None:
        fallback_problems = _fallback_problems(tu, nest, plan, loop)
        if fallback_problems:
            return fallback_problems
    an = ctx.analysis(loop)
    # where the analysis checks at run time that the loop runs, the plan carries that check (below)
    runs_checked = ctx.legality(loop).runs_condition is not None
    check = _Check(tu, plan, loop, ctx, an, scalar_classes(tu, loop, an, runs_once=True if runs_checked else None))
    problems = call_blockers(tu, loop, an.model.objects, check.classes.written)
    problems += bound_memory_written(loop, an)
    problems += _collapse_problems(check)
    problems += _directive_problems(check)
    problems += _array_problems(check)
    problems += _atomic_problems(check)
    problems += _dependence_problems(check)
    problems += _derived_problems(check)
    problems += _scalar_problems(check)
    return list(dict.fromkeys(problems))


def _fallback_problems(tu: TranslationUnit, nest: NestAnalysis, plan: Plan, loop: Loop) -> list[str]:
    """A fallback runs in the serial copy of the plan's loop: a legal plan of a loop inside it."""
    fallback = plan.fallback
    if fallback.fallback is not None:
        return ["a fallback has no fallback of its own"]
    if not plan.if_condition:
        return ["a fallback needs a plan with a runtime condition: it runs where the condition fails"]
    if fallback.loop_id not in {l.id for l in descendants(tu, loop)}:
        return [f"the fallback's loop {fallback.loop_id} is not inside the plan's loop"]
    return [f"fallback: {problem}" for problem in _validate(tu, nest, fallback)]


def _collapse_problems(check: _Check) -> list[str]:
    """Fills `check.collapsed` with the loops the plan runs in parallel."""
    tu, plan, problems = check.tu, check.plan, []
    collapsed = check.collapsed = [check.loop]
    for _ in range(plan.collapse - 1):
        last = collapsed[-1]
        if not (last.perfectly_nests_child and len(last.children) == 1):
            problems.append(f"collapse({plan.collapse}) needs a perfect nest, but loop at line {last.line} "
                            "has other statements around its inner loop")
            break
        child = tu.loop(last.children[0])
        child_blockers = structural_blockers(tu, child)
        if child_blockers:
            problems.append(f"collapse({plan.collapse}) includes loop at line {child.line}: " + child_blockers[0])
            break
        ivs = {l.canonical.induction_variable for l in collapsed if l.canonical}
        if bound_names(child) & ivs:
            problems.append(f"collapse({plan.collapse}): the bounds of loop at line {child.line} depend on "
                            "an outer loop variable (not rectangular)")
        collapsed.append(child)
    if any(l.canonical and l.canonical.step_symbol for l in collapsed[1:]):
        problems.append("a loop that steps by a variable is collapsed only as the outermost loop")
    if len(collapsed) > 1 and any(l.canonical and l.canonical.range_over for l in collapsed):
        problems.append("a range-based for is never collapsed")
    return problems


def _directive_problems(check: _Check) -> list[str]:
    plan, loop, problems = check.plan, check.loop, []
    if plan.lastprivate:
        for l in check.collapsed:
            if not runs_at_least_once(check.ctx.analysis(l).model) and \
                    not (l is loop and check.ctx.legality(loop).runs_condition):
                problems.append(f"loop may run zero times (line {l.line}): lastprivate("
                                f"{', '.join(plan.lastprivate)}) would not keep the serial value")
    if plan.directive in (Directive.SIMD, Directive.PARALLEL_FOR_SIMD) and loop.children:
        problems.append(f"{plan.directive.value} is only proposed on an innermost loop")
    if plan.directive != Directive.PARALLEL_FOR and loop.canonical is not None and loop.canonical.range_over:
        # gcc refuses simd on a class iterator; an offloaded range would need the container on the device
        problems.append(f"a range-based for takes parallel for only, not {plan.directive.value}")
    if plan.directive == Directive.SIMD and plan.schedule is not None:
        problems.append("simd takes no schedule clause")
    if plan.directive == Directive.PARALLEL_FOR_SIMD and plan.reductions:
        problems.append("parallel for simd with a reduction is miscompiled by clang 14 at -O1: use "
                        "parallel for, or simd alone")
    if plan.directive == Directive.TARGET:
        problems += offload_blockers(check.ctx, loop, plan)
        derived = derived_maps(check.ctx, loop, plan)
        if derived is None:
            problems.append("the loop touches an object with no known extent: no map clause can move it")
        elif (plan.maps, plan.offload_condition) != (derived[0], offload_condition(derived[1])):
            problems.append("the map clauses are not those the analysis derives: "
                            + " ".join(render_maps(derived[0]))
                            + (f" if(target: {offload_condition(derived[1])})" if derived[1] else ""))
    elif plan.maps or plan.offload_condition:
        problems.append("map clauses belong to an offloaded plan only")
    if plan.directive != Directive.PARALLEL_FOR and plan.if_condition:
        # an if() may not reach the simd part (OpenMP 4.5 applies it to `parallel` only)
        problems.append(f"{plan.directive.value} plans cannot carry an if() condition")
    return problems


def _array_problems(check: _Check) -> list[str]:
    """Privatized and reduced arrays: each must be one the analysis finds so. Fills the check's
    `private_objects`, `reduced_objects` and `sections`."""
    plan, loop, an, problems = check.plan, check.loop, check.analysis, []
    named_private = set(plan.private) | set(plan.lastprivate) | set(plan.firstprivate)
    for key, obj in an.model.objects.items():
        if obj.kind == "array" and obj.path in named_private:
            kind = privatizable(check.ctx, loop, obj)
            if kind is None:
                problems.append(f"local array {obj.path} is not fully written before it is read in every "
                                "iteration: it cannot be private")
            elif kind in ("lastprivate", COPIED_IN) and obj.path not in plan.lastprivate:
                problems.append(f"local array {obj.path} may be used after the loop: it needs lastprivate")
            elif (kind == COPIED_IN) != (obj.path in plan.firstprivate):
                problems.append(f"array {obj.path} needs firstprivate exactly when some of it is written by no "
                                "iteration" if kind == COPIED_IN else
                                f"array {obj.path} is written whole: firstprivate would copy it for nothing")
            else:
                check.private_objects.add(key)
                if kind == COPIED_IN:
                    check.copied_in.add(obj.path)
    if check.private_objects and plan.collapse > 1:
        # (each iteration of the plan's loop writes the array before reading it: a thread that runs
        # only some of the inner iterations of one would read elements another thread wrote)
        problems.append("an array private to each iteration of the outer loop cannot be collapsed with the "
                        "loops inside it")
    statics = [key for key in check.private_objects if an.model.objects[key].base.storage != Storage.LOCAL]
    if not copies_fit(loop, statics):
        problems.append(f"the copies of {', '.join(sorted(an.model.objects[k].path for k in statics))} would not fit "
                        "a thread's stack together")
    check.sections = {name: r.op.value for r in plan.reductions for name in r.variables if "[" in name}
    carried = check.carried = carried_objects(an, [e for l in check.collapsed for e in an.graph.carried_by(l.id)])
    runs_checked = check.ctx.legality(loop).runs_condition is not None
    reducible = reduced_arrays(check.tu, loop, an, carried - check.private_objects, loop_calls(check.tu, loop),
                               runs_once=True if runs_checked else None, large=not statics)
    check.reduced_objects = {key for key, r in reducible.items() if check.sections.get(r.section) == r.op}
    for section, op in sorted(check.sections.items()):
        if (op, section) not in {(r.op, r.section) for r in reducible.values()}:
            problems.append(f"{section} is not an array that every access updates with {op}: it cannot be "
                            f"reduced")
    for key in sorted(check.reduced_objects):
        missing = [test for test in reducible[key].inner_runs if test not in (plan.runs_check or "")]
        if missing:
            problems.append(f"{reducible[key].section} is reduced only when its inner loops run: the plan needs "
                            f"if({' && '.join(missing)})")
    return problems


def _atomic_problems(check: _Check) -> list[str]:
    """Each of the plan's atomic updates is one the analysis derives, of an array the plan neither
    privatizes nor reduces, on a plain parallel loop (no simd, whose region admits no atomic in
    OpenMP 4.5; no specialized copy, written from the file's text without them); an array counts as
    updated atomically only when all its updates are."""
    plan, loop, an = check.plan, check.loop, check.analysis
    if not plan.atomic_updates:
        return []
    if plan.directive != Directive.PARALLEL_FOR or plan.specialize or plan.claims:
        return ["atomic updates need a parallel for without simd, a specialized copy or claims"]
    if len({(u.start, u.end) for u in plan.atomic_updates}) != len(plan.atomic_updates):
        return ["an atomic update is listed twice"]
    derived = atomic_updates(check.tu, loop, an, check.carried - check.private_objects - check.reduced_objects,
                             loop_calls(check.tu, loop))
    reduced = {v.split("[")[0] for r in plan.reductions for v in r.variables}
    if reduced & {u.array for u in plan.atomic_updates}:
        return [f"{', '.join(sorted(reduced & {u.array for u in plan.atomic_updates}))}: updated atomically, not reduced"]
    given = {(u.start, u.end): u for u in plan.atomic_updates}
    check.atomic_objects = {key for key, updates in derived.items() if all(given.get((u.start, u.end)) == u for u in updates)}
    expected = {(u.start, u.end) for key in check.atomic_objects for u in derived[key]}
    return [f"line {u.line}: the update of {u.array} cannot be made atomic: the analysis derives no atomic update "
            f"there, or the plan leaves another update of {u.array} plain" for span, u in sorted(given.items())
            if span not in expected]


def _dependence_problems(check: _Check) -> list[str]:
    """Dependences carried by any parallel loop: each privatized, reduced, inside a strided window, or
    left to the runtime alias check the plan must carry."""
    plan, loop, an, problems = check.plan, check.loop, check.analysis, []
    alias_pairs: set[tuple[str, str]] = set()
    windows: dict[str, str] = {}
    handled = check.private_objects | check.reduced_objects | check.atomic_objects | \
        (claimed_objects(an, loop) if plan.claims else set())
    for l in check.collapsed:
        carried = an.graph.carried_by(l.id)
        if l is loop:  # only the plan's own loop may step by a variable
            windows = strided_windows(an, l, carried)
        for edge in carried:
            if edge.alias is not None:
                alias_pairs.add(edge.alias)
                continue
            objs = edge_objects(an, edge)
            # a window excuses only the edges of the loop that steps over it, not an inner loop's
            if objs and all(o in handled or (l is loop and o in windows) for o in objs):
                continue
            problems.append(edge.reason)
            arrays = [an.model.objects[o] for o in objs if an.model.objects[o].kind == "array"
                      and privatizable(check.ctx, loop, an.model.objects[o])]
            for obj in arrays:
                problems.append(f"local array {obj.path} must be private")
    equal = equal_pointer_pairs(an, handled | set(windows))
    overlap = overlap_check(written_first(an, alias_pairs), an.model.objects, inspection_budget(loop), equal,
                            an.model) \
        if alias_pairs else None
    if alias_pairs and overlap is None:
        problems.append("pointers that may alias have no computable ranges: no runtime check can prove it")
    needed = behind_first_test(an.model, with_strided_conditions(loop, overlap, windows))
    runs = check.ctx.legality(loop).runs_condition
    if plan.runs_check != runs:
        problems.append(f"the loop needs the runs check if({runs})" if runs else
                        "the plan has a runs check the analysis did not derive")
    if runs and plan.proof != Proof.RUNTIME_CHECK:
        problems.append("a plan with a runs check must say proof runtime-check")
    if needed:
        if plan.alias_check != needed:
            problems.append("missing or wrong alias check: the loop needs if(" + needed + ")")
        if plan.proof != Proof.RUNTIME_CHECK:
            problems.append("a plan with a runtime alias check must say proof runtime-check")
    elif plan.alias_check and not (alias_pairs and overlap is None):
        problems.append("the plan has an alias check the analysis did not derive")
    return problems


def _derived_problems(check: _Check) -> list[str]:
    """The work threshold and the constants to specialize for come from the analysis only."""
    plan, loop, problems = check.plan, check.loop, []
    if (plan.threshold_check or plan.startup_work) and \
            (plan.threshold_check, plan.startup_work) != work_threshold(check.tu, loop, plan.atomic_updates):
        problems.append("the threshold if() was not derived by the analysis")
    if plan.specialize and (plan.directive == Directive.SIMD or
                            plan.specialize != constant_parameters(check.tu, loop)):
        problems.append("the constants to specialize for were not derived by the analysis")
    return problems


def _clauses_named(check: _Check) -> dict[str, list[str]]:
    """Name -> the data-sharing clauses the plan puts it in."""
    plan = check.plan
    clause_of: dict[str, list[str]] = {}
    for clause, names in (("private", plan.private), ("firstprivate", plan.firstprivate),
                          ("lastprivate", plan.lastprivate)):
        for name in names:
            clause_of.setdefault(name, []).append(clause)
    for r in plan.reductions:
        for name in r.variables:
            clause_of.setdefault(name, []).append(f"reduction({r.op.value})")
    for location in plan.locations:
        for name in (location.value, location.index):
            clause_of.setdefault(name, []).append("location reduction")
    for name in plan.linear:
        clause_of.setdefault(name, []).append("linear")
    for name in plan.conditional_lastprivate:
        clause_of.setdefault(name, []).append("conditional lastprivate")
    return clause_of


def _scalar_problems(check: _Check) -> list[str]:
    """The scalars' clauses, against the classes re-derived for the plan's loop."""
    plan, loop, classes = check.plan, check.loop, check.classes
    problems = list(classes.blockers) + privatised_globals_seen_by_calls(check.tu, loop, classes)
    if plan.locations != classes.locations:
        problems.append("the location reductions (argmin/argmax) are not those the analysis derives")
    if plan.linear != classes.linear:
        problems.append("the linear counters are not those the analysis derives")
    if plan.linear and plan.collapse > 1:
        problems.append("a linear counter counts one loop's iterations: no collapse")
    if plan.locations and (plan.collapse > 1 or plan.directive != Directive.PARALLEL_FOR or
                           plan.schedule not in (None, Schedule.STATIC)):
        problems.append("a location reduction needs a plain parallel for with a static schedule")
    if plan.conditional_lastprivate != classes.conditional_lastprivate:
        problems.append("the conditional lastprivate scalars are not those the analysis derives")
    if plan.conditional_lastprivate and (plan.collapse > 1 or plan.directive != Directive.PARALLEL_FOR or
                                         plan.reduces_sections_or_locations or plan.claims):
        problems.append("conditional lastprivate needs a plain parallel for (no collapse, simd, offload or copies "
                        "around the loop)")
    problems += _claim_problems(check)
    clause_of = _clauses_named(check)
    for name, clauses in sorted(clause_of.items()):
        if len(clauses) > 1 and not (name in check.copied_in and clauses == ["firstprivate", "lastprivate"]):
            problems.append(f"{name} appears in more than one data-sharing clause: {', '.join(clauses)}")
    known = {u.variable.name for u in loop.scalars} | {o.path for o in check.analysis.model.objects.values()}
    collapsed_ivs = {l.canonical.induction_variable for l in check.collapsed if l.canonical}
    for name in sorted(clause_of):
        if name not in known and name not in check.sections:
            problems.append(f"{name} is not used in the loop")
    for name in classes.private:
        got = clause_of.get(name, [])
        if not any(c in ("private", "lastprivate") for c in got) and name not in collapsed_ivs:
            problems.append(f"{name} is written in every iteration before it is read: it must be private")
    for name in classes.lastprivate:
        if "lastprivate" not in clause_of.get(name, []):
            problems.append(f"{name} is used after the loop: it must be lastprivate")
    for op, names in classes.reductions.items():
        for name in names:
            if f"reduction({op.value})" not in clause_of.get(name, []):
                problems.append(f"{name} is a {op.value} reduction: it needs reduction({op.value}: {name})")
    problems += [f"a {r.op.value} reduction clause names no variable" for r in plan.reductions if not r.variables]
    for name, clauses in clause_of.items():
        problems += _clause_use_problems(check, name, clauses, collapsed_ivs)
    return problems


def _claim_problems(check: _Check) -> list[str]:
    """The claims are the front end's, all of them, exactly when the analysis uses them, on a plain
    parallel for whose own text they are written into."""
    plan, loop = check.plan, check.loop
    legal = check.ctx.legality(loop)
    if plan.claims != legal.claims:
        return ["the claims are not those the analysis derives for the loop"]
    if plan.claims and (plan.collapse > 1 or plan.directive != Directive.PARALLEL_FOR or plan.specialize or
                        plan.fallback is not None or plan.reduces_sections_or_locations):
        return ["claims need a plain parallel for (no collapse, simd, specialized copy, fallback or thread copies)"]
    if plan.claims:
        lastprivate = [o.path for o in check.analysis.model.objects.values() if o.path in plan.lastprivate]
        return order_blockers(check.analysis, loop, check.classes, claimed_objects(check.analysis, loop), lastprivate)
    return []


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def _clause_use_problems(check: _Check, name: str, clauses: list[str], collapsed_ivs: set[str]) -> list[str]:
    """Whether the way the loop uses `name` allows each clause the plan gives it."""
    loop, problems = check.loop, []
    if name in check.sections:
        return problems  # (a reduced array section: _array_problems)
    if not _IDENTIFIER.fullmatch(name):
        return [f"{name} is not a variable's name: a data-sharing clause names variables"]
    private = {check.analysis.model.objects[key].path for key in check.private_objects}
    reached = sorted({o.path for o in check.analysis.model.objects.values()
                      if o.base.name == name and not o.base.is_pointer and (o.base.is_array or o.path != name)}
                     - private)
    if reached and any(c in ("private", "firstprivate", "lastprivate") or c.startswith("reduction") for c in clauses):
        # (a copy of an array or of a struct per thread loses what the loop writes in it, or holds
        # nothing of what it reads; a reduction of a whole array adds its old elements in again; a
        # pointer's copy points where it did)
        where = f"the array {name}" if reached == [name] else f"{', '.join(reached)} of {name}"
        return [f"the loop accesses {where}, which {' and '.join(clauses)} would copy for each thread "
                "(only a private array the analysis derives, or a reduced section, may be)"]
    use = loop.scalar(name)
    if use is None:
        return problems
    if use.declared_in_loop:
        problems.append(f"{name} is declared inside the loop: no clause can name it there")
    for clause in clauses:
        if clause.startswith("reduction") and (use.reduction is None or
                                               clause != f"reduction({use.reduction.value})"):
            problems.append(f"{name} is not a {clause[10:-1]} reduction in this loop")
        if clause == "private" and use.read and not use.written_before_read and use.written is False \
                and name not in collapsed_ivs:
            problems.append(f"{name} is read in the loop but never written: private would leave it "
                            "uninitialised (leave it shared)")
        if clause == "firstprivate" and use.written:
            problems.append(f"{name} is written in the loop: firstprivate does not carry its value "
                            "between iterations")
        exact_last = use.written_before_read and use.always_written and not loop.has_continue
        if clause == "lastprivate" and use.is_induction_variable_of is None and \
                name not in check.classes.lastprivate and not exact_last:
            problems.append(f"{name} is not written on every path of an iteration: lastprivate would "
                            "not reproduce the serial value")
    return problems
