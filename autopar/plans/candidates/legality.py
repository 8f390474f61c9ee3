"""Whether a pragma may go on a loop: structural blockers, calls, the dependences it carries, and the
scalar and array classes that decide its clauses (a `Legality` per loop, kept on the nest's `NestContext`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from autopar.plans import reasons as R
from autopar.deps import (ISL_LOCK, Analysis, ObjectModel, behind_first_test, count_problem, descendants, inspection_budget, overlap_check,
                          runs_at_least_once, runs_condition, unbounded_pairs, wrap_problem)
from autopar.deps.aliasing import spelled_number_kind
from autopar.deps.touched_interval import invariant_runs_test
from autopar.plans.candidates.array_reductions import atomic_notes, atomic_updates, reduced_arrays, reduction_notes
from autopar.plans.candidates.alias_pairs import apart_text, equal_pointer_pairs, unbounded_text, written_first
from autopar.plans.candidates.claims import (claim_notes, claimed_objects, claims_used, code_around_blockers,
                                             order_blockers)
from autopar.plans.candidates.private_arrays import COPIED_IN, copies_fit, loop_calls, privatizable
from autopar.ir import CallEffect, Loop, Storage, TranslationUnit
from autopar.ir_calls import UNKNOWN_POINTEE
from autopar.plans.scalars import ScalarClasses, classify
from autopar.plans.candidates.switched_off import flag_tests
from autopar.plans.candidates.strided_windows import edge_objects, strided_windows, with_strided_conditions


@dataclass
class Legality:
    loop: Loop
    blockers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    classes: Optional[ScalarClasses] = None
    private_arrays: list[str] = field(default_factory=list)
    lastprivate_arrays: list[str] = field(default_factory=list)
    copied_in_arrays: list[str] = field(default_factory=list)  # lastprivate ones that are firstprivate too
    # array sections reduced like scalars (`hist[k]++` over the loop): operator -> sections
    reduction_arrays: dict[str, list[str]] = field(default_factory=dict)
    alias_check: Optional[str] = None
    claims: list = field(default_factory=list)  # the loop's claims, when its plans write them (Plan.claims)
    atomic_updates: list = field(default_factory=list)  # of the arrays no copy can reduce (Plan.atomic_updates)
    # the reduced sections whose updates could be atomic instead: section -> its updates (another plan)
    atomic_instead: dict = field(default_factory=dict)
    # the loop's first test (deps.runs_condition), when a clause needs the loop to run at least once
    # (lastprivate, pointer sections, && and ||) and only the run-time check can show it (Plan.runs_check)
    runs_condition: Optional[str] = None
    analysis: Optional[Analysis] = None
    structural: bool = True  # False when the loop cannot carry a pragma at all (not only deps)

    @property
    def legal(self) -> bool:
        return not self.blockers


class NestContext:
    """Per-nest cache of analyses and legality, so each loop is analysed once."""

    def __init__(self, tu: TranslationUnit, root: Loop, enclosing: Optional["NestContext"] = None):
        self.tu = tu
        self.root = root
        self.loops = [root, *descendants(tu, root)]
        # a region inside an enclosing nest shares that nest's analyses: a loop's legality does not
        # depend on which region asks
        self._analysis: dict[str, Analysis] = enclosing._analysis if enclosing else {}
        self._legality: dict[str, Legality] = enclosing._legality if enclosing else {}

    def analysis(self, loop: Loop) -> Analysis:
        if loop.id not in self._analysis:
            self._analysis[loop.id] = Analysis(self.tu, loop)
        return self._analysis[loop.id]

    def legality(self, loop: Loop) -> Legality:
        if loop.id not in self._legality:
            try:
                self._legality[loop.id] = _legality(self, loop)
            except Exception as error:  # never guess: a loop the analysis cannot finish stays serial
                self._legality[loop.id] = Legality(
                    loop=loop, structural=False,
                    blockers=[R.Reason(f"the analysis could not finish ({type(error).__name__}: {error}); left serial",
                                       R.ANALYSIS_FAILED)])
        return self._legality[loop.id]


def structural_blockers(tu: TranslationUnit, loop: Loop) -> list[str]:
    """Reasons the loop cannot carry a pragma whatever its dependences are."""
    out: list[str] = []
    if not loop.in_main_file:
        out.append(R.Reason("the loop is not in the main file", R.NOT_MAIN_FILE))
    if loop.from_macro:
        out.append(R.Reason("the loop comes from a macro expansion", R.MACRO))
    if loop.opt_out:
        out.append(R.Reason("opted out with // autopar: off", R.OPT_OUT))
    if loop.existing_pragma:
        out.append(R.Reason(f"already has a pragma: {loop.existing_pragma}", R.EXISTING_PRAGMA))
    if loop.inside_omp_construct:
        out.append(R.Reason("inside an existing omp pragma", R.INSIDE_OMP))
    if loop.canonical is None:
        out.append(R.Reason(f"not a canonical loop: {loop.non_canonical_reason or 'unknown form'}", R.NON_CANONICAL))
    else:
        wrap = wrap_problem(loop.canonical)
        if wrap:
            out.append(R.Reason(wrap, R.UNSIGNED_WRAP))
        overflow = count_problem(loop.canonical)
        if overflow:
            out.append(R.Reason(overflow, R.COUNT_OVERFLOW))
    if loop.form_problem:
        out.append(R.Reason(f"loop form: {loop.form_problem}", R.LOOP_FORM))
    if loop.function_problem:
        out.append(R.Reason(loop.function_problem, R.FUNCTION))
    if loop.has_break:
        out.append(R.Reason("break leaves the loop", R.BREAK))
    if loop.writes_induction_variable:
        out.append(R.Reason("the body writes the induction variable", R.WRITES_INDUCTION))
    if loop.writes_bound:
        out.append(R.Reason("the body writes a variable of the loop bound", R.WRITES_BOUND))
    inner = [loop, *descendants(tu, loop)]
    for flag, message, code in (("has_return", "return leaves the loop", R.RETURN),
                                ("has_goto", "goto may leave the loop", R.GOTO), ("has_throw", "throw may leave the loop", R.THROW),
                                ("entered_by_jump", "a goto or a switch's case label enters the loop from outside", R.GOTO)):
        if any(getattr(l, flag) for l in inner):
            out.append(R.Reason(message, code))
    if tu.preprocessor_divergence:
        out.append(R.Reason(tu.preprocessor_divergence, R.PREPROCESSOR))
    if tu.forks:
        out.append(R.Reason("the file calls fork: a child process that runs a parallel region after its parent "
                            "ran one hangs (the team's threads do not survive fork)", R.FORK))
    if tu.uses_fp_environment and (any(a.base.number_kind == "floating" for l in inner for a in l.accesses) or
                                   any(u.variable.number_kind == "floating" for u in loop.scalars) or
                                   loop.id in tu.floating_loops):
        out.append(R.Reason("computes with floating-point numbers in a file that sets or tests the floating-point "
                            "environment (fesetround, fetestexcept): each thread has its own", R.FP_ENVIRONMENT))
    unmodelled = sorted({text for l in inner for text in l.unmodelled_accesses})
    if unmodelled:
        out.append(R.Reason(f"accesses memory the analysis cannot name: {', '.join(unmodelled)}", R.UNMODELLED_ACCESS))
    for names, message, code in (
            ({n for l in inner for n in l.threadprivate_uses}, "uses the threadprivate {}: each thread would read "
             "and write its own copy", R.THREADPRIVATE),
            ({n for l in inner for n in l.volatile_uses}, "reads or writes the volatile {}: each access is a side "
             "effect that must stay in number and order", R.VOLATILE),
            ({n for l in inner for n in l.scoped_uses}, "names {} with its scope (a namespace's, a class's, or "
             "`::`), which a clause or a runtime check would spell by its bare name", R.SCOPED_NAME)):
        if names:
            out.append(R.Reason(message.format(", ".join(sorted(names))), code))
    if any(l.existing_pragma for l in inner[1:]):
        out.append(R.Reason("contains a loop with an existing omp pragma", R.CONTAINS_PRAGMA))
    nested = sorted({word for l in inner for word in l.omp_in_body} - _WITHIN_A_TEAM)
    if nested:
        out.append(R.Reason(f"holds the omp construct{'s' if len(nested) > 1 else ''} {', '.join(nested)}, which "
                            "would bind to the team of a pragma on this loop", R.CONTAINS_PRAGMA))
    return out


# omp constructs a worksharing loop's iterations may hold as they are: each means the same in a team
_WITHIN_A_TEAM = {"atomic", "critical", "flush"}


_CONTAINER = re.compile(r"^(std::)?(vector|array|span|deque|basic_string)(<.*>)?::")
_RESIZING = {"push_back", "emplace_back", "pop_back", "resize", "reserve", "insert", "emplace", "erase",
             "clear", "assign", "swap", "shrink_to_fit", "operator="}


def call_blockers(tu: TranslationUnit, loop: Loop, objects: dict[str, ObjectModel],
                  written_scalars: set[str]) -> list[str]:
    out: list[str] = []
    written = {o.base.name for o in objects.values() if o.written} | written_scalars
    strict = tu.strict_aliasing
    for call in loop_calls(tu, loop):
        if call.effect == CallEffect.PURE:
            continue
        if call.effect == CallEffect.IO:
            out.append(R.Reason(f"calls {call.callee} (I/O)", R.CALL_IO))
        elif call.effect == CallEffect.RANDOM:
            out.append(R.Reason(f"calls {call.callee} (hidden random state)", R.CALL_RANDOM))
        elif call.effect == CallEffect.ALLOCATION:
            out.append(R.Reason(f"calls {call.callee} (memory allocation)", R.CALL_ALLOCATION))
        elif call.effect == CallEffect.UNKNOWN and _CONTAINER.match(call.callee):
            method = call.callee.rsplit("::", 1)[-1]
            if method in _RESIZING:
                out.append(R.Reason(f"calls {call.callee}, which may resize or reallocate the container",
                                    R.CONTAINER_RESIZE))
            elif method == "at":  # (its index is not the counter of a loop below size())
                out.append(R.Reason(f"calls {call.callee}, which may throw std::out_of_range out of the loop", R.THROW))
            else:
                out.append(R.Reason(f"calls {call.callee} on a container that is not named by a variable or a member "
                                    "of this object outside the loop (another object's member, an element of another container, a "
                                    "qualified name, a local reference), so the elements it reaches are unknown", R.CONTAINER_ACCESS))
        elif call.effect == CallEffect.UNKNOWN:
            out.append(R.Reason(f"calls {call.callee}, whose effects are unknown", R.CALL_UNKNOWN))
        else:
            summary = call.summary or tu.functions.get(call.callee)
            if summary is None:
                out.append(R.Reason(f"calls {call.callee}, whose effects are unknown", R.CALL_UNKNOWN))
            elif summary.effect != CallEffect.PURE:
                out.append(R.Reason(f"calls {call.callee}, which does {summary.effect.value} work", R.CALL_EFFECT))
            elif unmodelled := [g for g in summary.writes_globals if g not in call.modelled_globals]:
                # (an array whose elements the call touches is judged by those accesses of the loop)
                out.append(R.Reason(f"calls {call.callee}, which writes the global {', '.join(unmodelled)}",
                                    R.CALL_WRITES_GLOBAL))
            elif any(k not in call.modelled_arguments for k in summary.writes_through_params):
                # an argument whose written region is among the loop's accesses is judged by them
                args = [call.arguments[k] if k < len(call.arguments) else f"#{k}"
                        for k in summary.writes_through_params if k not in call.modelled_arguments]
                out.append(R.Reason(f"calls {call.callee}, which writes through its argument {', '.join(args)}",
                                    R.CALL_WRITES_ARGUMENT))
            else:
                touched = set(summary.reads_globals) & written - set(call.modelled_globals)
                if touched:
                    out.append(R.Reason(f"calls {call.callee}, which reads {', '.join(sorted(touched))} that the loop writes",
                                        R.CALL_READS_WRITTEN))
                # (`q[i] = ...; next_of(i)` reading w, where q may point into w)
                pairs = [(g, o.base.name) for o in objects.values() if o.written and o.kind in ("pointer", "member")
                         and not o.base.unaliased for g in set(summary.reads_globals) - touched - set(call.modelled_globals)
                         if not g.startswith("*") and _same_kind(summary.global_kinds.get(g, ""), o, strict)]
                if pairs:
                    out.append(R.Reason(f"calls {call.callee}, which reads {', '.join(sorted({g for g, _ in pairs}))}, "
                                        f"where the loop may write through {', '.join(sorted({p for _, p in pairs}))}",
                                        R.CALL_READS_WRITTEN))
                pointers = sorted(g[1:] for g in summary.reads_globals if g.startswith("*") and g != "*" + UNKNOWN_POINTEE)
                loaded = "*" + UNKNOWN_POINTEE in summary.reads_globals
                if (pointers or loaded) and any(o.written and not (o.kind == "pointer" and o.base.unaliased)
                                                for o in objects.values()):
                    through = [f"the global pointer (or pointers held in) {', '.join(pointers)}"] if pointers else []
                    through += ["a pointer it loads from memory or a call returns"] if loaded else []
                    out.append(R.Reason(f"calls {call.callee}, which may read memory the loop writes, through "
                                        f"{' and '.join(through)}", R.CALL_READS_WRITTEN))
                for k in summary.reads_through_params:
                    if k < len(call.arguments) and k not in call.modelled_arguments:
                        roots = call.argument_roots[k] if k < len(call.argument_roots) else []
                        if any(_reads_written(loop, objects, written, root) for root in roots or [""]):
                            out.append(R.Reason(f"calls {call.callee}, which reads through {call.arguments[k]} "
                                                "memory the loop may write", R.CALL_READS_WRITTEN))
    return out


def _reads_written(loop: Loop, objects: dict[str, ObjectModel], written: set[str], root: str) -> bool:
    """Whether memory reached from the variable `root` (any memory for "") may be what the loop writes:
    `root` itself, or, unless it is a restrict (or distinct) pointer, an object the loop writes that
    another pointer may reach."""
    restricted = any(o.base.name == root and o.kind == "pointer" and o.base.unaliased for o in objects.values())
    return root in written or not restricted and any(
        o.written and _reachable(loop, o) for o in objects.values() if o.base.name != root)


def _same_kind(kind: str, obj: ObjectModel, strict: bool) -> bool:
    """Whether writes through `obj` may land in a global holding numbers of `kind` (C's effective
    types, where `strict`: a `double *` never points into an `int` array; a char pointer, or a kind
    not known, may)."""
    written = {spelled_number_kind(m.access.element_type) for m in obj.accesses
               if m.access is not None and m.access.is_write}
    return not strict or not kind or not written or "" in written or kind in written


def _reachable(loop: Loop, obj: ObjectModel) -> bool:
    """Whether a pointer the loop did not derive from `obj` may point into it: any object but a
    restrict pointer and a local array whose address the function never takes (named only inside the
    loop, `arrays_dead_after`, and only indexed there: a named array whose address was taken, `q = w;`,
    is reached through q)."""
    if obj.kind == "array":
        return not (obj.base.storage == Storage.LOCAL and obj.key in loop.arrays_dead_after
                    and obj.key not in loop.escaping_arrays)
    return not obj.distinct


def _legality(ctx: NestContext, loop: Loop) -> Legality:
    tu = ctx.tu
    out = Legality(loop=loop)
    out.blockers = structural_blockers(tu, loop)
    if out.blockers:
        out.structural = False
        return out
    an = ctx.analysis(loop)
    out.analysis = an
    runs = runs_at_least_once(an.model)
    checkable = None if runs else runs_condition(loop)
    # relied: whether a clause below holds only because the loop runs (checkable)
    classes, relied = _unless_it_runs(lambda r: scalar_classes(tu, loop, an, runs_once=r), runs, checkable,
                                      lambda c: c.blockers)
    out.classes = classes
    out.blockers += call_blockers(tu, loop, an.model.objects, classes.written)
    out.blockers += bound_memory_written(loop, an)
    carried = an.graph.carried_by(loop.id)
    arrays: dict[str, str] = {}
    for key in sorted({e_obj for e in carried for e_obj in edge_objects(an, e) if e.exact}):
        obj = an.model.objects[key]
        kind = privatizable(ctx, loop, obj)
        if kind:
            arrays[key] = kind
    statics = [key for key in arrays if an.model.objects[key].base.storage != Storage.LOCAL]
    if not copies_fit(loop, statics):  # (then their carried edges block the loop)
        for key in statics:
            del arrays[key]
    reducible, calls = carried_objects(an, carried) - set(arrays), loop_calls(tu, loop)
    reduced, reduced_relied = _unless_it_runs(  # (large copies only where no static array's copy is made)
        lambda r: reduced_arrays(tu, loop, an, reducible, calls, runs_once=r, large=not statics),
        runs, checkable)
    relied |= reduced_relied
    reduction_runs = list(dict.fromkeys(test for r in reduced.values() for test in r.inner_runs))
    inner_runs = reduction_runs + [t for t in scalar_inner_runs(tu, an, classes, out) if t not in reduction_runs]
    for key, (op, section, *_) in sorted(reduced.items()):
        out.reduction_arrays.setdefault(op, []).append(section)
    out.notes += reduction_notes(an, reduced)
    atomics = atomic_updates(tu, loop, an, reducible, calls) if not loop.claims else {}
    out.atomic_instead = {reduced[key].section: updates for key, updates in atomics.items() if key in reduced}
    out.atomic_updates = [u for key, updates in sorted(atomics.items()) if key not in reduced for u in updates]
    out.notes += atomic_notes(an, {key: u for key, u in atomics.items() if key not in reduced})
    windows = strided_windows(an, loop, carried)
    alias_pairs = _carried_blockers(out, an, loop, carried, arrays, set(reduced) | set(windows) | set(atomics))
    out.blockers += code_around_blockers(bool(out.claims), classes, bool(reduced))
    if loop.claim_problem and out.blockers and not out.claims:  # (before the aliasing pairs' blockers)
        out.blockers.append(R.Reason(f"its updates are not claims: {loop.claim_problem}", R.CLAIM_ORDER))
    for key, condition in sorted(windows.items()):
        out.notes.append(R.Reason(f"each iteration of {loop.canonical.induction_variable} touches "
                                  f"{an.model.objects[key].path} only within the {loop.canonical.step_symbol} "
                                  f"elements it steps over{' when ' + condition if condition else ''}",
                                  R.STRIDED_WINDOWS))
    if alias_pairs:
        pairs = written_first(an, alias_pairs)
        equal = equal_pointer_pairs(an, set(arrays) | set(reduced) | set(windows))
        check = overlap_check(pairs, an.model.objects, inspection_budget(loop), equal, an.model)
        if check is None:
            for w, o in unbounded_pairs(pairs, an.model.objects, inspection_budget(loop), an.model) or pairs:
                out.blockers.append(R.Reason(unbounded_text(w, o), R.ALIAS_UNBOUNDED))
        else:
            out.alias_check = check
            out.notes.append(R.Reason("legal when " + " and ".join(sorted({apart_text(w, o, equal) for w, o in pairs})) +
                                      " (runtime check)", R.ALIAS))
    out.alias_check = behind_first_test(an.model, with_strided_conditions(loop, out.alias_check, windows, out.blockers))
    relied |= _private_arrays(out, an, arrays, runs, checkable)
    if relied:
        out.notes.append(R.Reason(f"runs in parallel only when it runs at least once ({checkable}, checked at run "
                                  "time): its clauses need an iteration", R.ZERO_TRIP))
    if reduction_runs:
        out.notes.append(R.Reason(f"runs in parallel only when its inner loops run too ({' && '.join(reduction_runs)}, "
                                  "checked at run time): each thread adds its copy into every element", R.ZERO_TRIP))
    flags = flag_tests(tu, loop, out.blockers, out.notes)  # (a unit read with statements switched off)
    out.runs_condition = " && ".join(([checkable] if relied else []) + inner_runs + flags) or None
    out.blockers += classes.blockers
    out.blockers += privatised_globals_seen_by_calls(tu, loop, classes)
    out.notes += classes.notes
    out.blockers = list(dict.fromkeys(out.blockers))
    return out


def _carried_blockers(out: Legality, an: Analysis, loop: Loop, carried, arrays: dict[str, str],
                      handled: set[str]) -> set[tuple[str, str]]:
    """Adds to `out` a blocker for each carried dependence that no private array, reduction, window
    (`handled`) or claim answers, and the claims when they answer one; returns the aliasing pairs."""
    alias_pairs: set[tuple[str, str]] = set()
    claimed, excused = claimed_objects(an, loop), False
    for edge in carried:
        objs = edge_objects(an, edge)
        if edge.alias is not None:
            alias_pairs.add(edge.alias)
            continue
        if objs and all(o in arrays or o in handled or o in claimed for o in objs):
            excused |= bool(set(objs) & claimed)
            continue
        out.blockers.append(R.Reason(edge.reason, edge.code or R.carried(edge.kind)))
    if claims_used(loop, excused):
        out.claims = list(loop.claims)
        out.notes += claim_notes(loop)
        out.blockers += order_blockers(an, loop, out.classes, claimed,
                                       [an.model.objects[k].path for k, kind in arrays.items() if kind == "lastprivate"])
    return alias_pairs


def _private_arrays(out: Legality, an: Analysis, arrays: dict[str, str], runs: bool, checkable: Optional[str]) -> bool:
    """Records the privatizable arrays (key -> "private", "lastprivate" or COPIED_IN) on `out`; True
    when a lastprivate one holds only because the loop runs (the run-time check `checkable`)."""
    relied = False
    for key, kind in sorted(arrays.items()):
        name = an.model.objects[key].path
        copied_out = kind in ("lastprivate", COPIED_IN)
        if copied_out and not runs and not checkable:
            out.blockers.append(f"loop may run zero times: lastprivate({name}) would not keep the "
                                f"contents {name} has before the loop")
            continue
        relied |= copied_out and not runs
        (out.lastprivate_arrays if copied_out else out.private_arrays).append(name)
        if kind == COPIED_IN:
            out.copied_in_arrays.append(name)
        local = an.model.objects[key].base.storage == Storage.LOCAL
        what = "local array" if local else "static array"
        if kind == COPIED_IN:  # (legality.privatizable: every iteration writes the same elements)
            out.notes.append(f"{what} {name} is written before it is read in every iteration, each iteration "
                             f"writing the same elements: firstprivate and lastprivate (the elements no "
                             f"iteration writes come back unchanged)")
            continue
        if local:
            subject = f"local array {name}"
        elif key in an.model.loop.arrays_dead_after:
            subject = f"static array {name}, read by nothing after this loop,"
        else:  # (legality.privatizable: its last iteration writes all of it, the copy is copied out)
            subject = f"static array {name}, written whole by every iteration,"
        out.notes.append(f"{subject} is fully written before it is read in every iteration: {kind}")
    return relied


def scalar_inner_runs(tu: TranslationUnit, an: Analysis, classes: ScalarClasses, out: Legality) -> list[str]:
    """The run-time tests of the loops inside whose running the lastprivate scalars need
    (ScalarClasses.inner_runs); a blocker on `out` for each that has none (its bounds change in the loop)."""
    tests: list[str] = []
    for name, chain in sorted(classes.inner_runs.items()):
        inner = [tu.loop(i) for i in chain]
        found = [invariant_runs_test(an.model, l) for l in inner]
        if None in found:
            line = inner[found.index(None)].line
            out.blockers.append(R.Reason(f"scalar {name} is live after the loop and written only where the loop at "
                                         f"line {line} runs, whose test cannot be checked before the loop",
                                         R.SCALAR_LIVE_OUT))
            continue
        tests += [t for t in found if t not in tests]
        out.notes.append(R.Reason(f"{name} is written first in every iteration where the loop at line "
                                  f"{inner[-1].line} runs ({' && '.join(found)}, checked at run time), and used "
                                  f"after the loop: lastprivate", R.ZERO_TRIP))
    return tests


def _unless_it_runs(compute, runs: bool, checkable: Optional[str], key=lambda value: value):
    """(compute(runs), False), or (compute(True), True) when the loop's run-time runs check
    (`checkable`) would change what `compute` finds (compared by `key`)."""
    found = compute(runs)
    if checkable:
        assumed = compute(True)
        if key(assumed) != key(found):
            return assumed, True
    return found, False


def scalar_classes(tu: TranslationUnit, loop: Loop, an: Optional[Analysis] = None,
                   runs_once: Optional[bool] = None) -> ScalarClasses:
    """The scalar classes of `loop` as the analysis uses them: with the loop's proven trip count
    (`runs_at_least_once`; `runs_once=True` where a run-time check shows it) and the file's
    floating-point policy."""
    with ISL_LOCK:
        an = an or Analysis(tu, loop)
        runs = runs_at_least_once(an.model) if runs_once is None else runs_once
        return classify(loop, runs_once=runs, fp_reductions=tu.fp_reductions, tu=tu,
                        runs_test=lambda inner: invariant_runs_test(an.model, inner) is not None)


def bound_memory_written(loop: Loop, an: Analysis) -> list[str]:
    """OpenMP evaluates the bounds once; a serial loop whose bound reads memory the body writes
    (`i < a[0]`, `i < p->len`) may see it change."""
    c = loop.canonical
    if c is None:
        return []
    # a min/max bound modelled piece by piece reads no memory (its pieces are affine or divide)
    texts = [text for aff, each, text in ((c.lower, c.lower_each or c.lower_quasi, c.lower_text),
                                          (c.upper, c.upper_each or c.upper_quasi, c.upper_text))
             if aff is None and not each and re.search(r"\[|->|\.|\w\s*\(", text)]
    if not texts:
        return []
    names = set(re.findall(r"[A-Za-z_]\w*", " ".join(texts)))
    written = [o for o in an.model.objects.values() if o.written]
    if any(o.base.name in names for o in written):
        return [R.Reason(f"the loop bound {' / '.join(texts)} reads memory the loop writes", R.BOUND_MEMORY_WRITTEN)]
    if any(not o.distinct for o in written):
        return [R.Reason(f"the loop bound {' / '.join(texts)} reads memory the loop may write through a pointer",
                         R.BOUND_MEMORY_WRITTEN)]
    return []


def privatised_globals_seen_by_calls(tu: TranslationUnit, loop: Loop, classes: ScalarClasses) -> list[str]:
    """A called function sees the shared global, not the loop's private copy."""
    names = set(classes.private) | set(classes.lastprivate)
    names |= {n for names_ in classes.reductions.values() for n in names_}
    globals_ = {u.variable.name for u in loop.scalars
                if u.variable.storage in (Storage.GLOBAL, Storage.STATIC_LOCAL) and u.variable.name in names}
    out = []
    for call in loop_calls(tu, loop):
        summary = call.summary or tu.functions.get(call.callee)
        if summary is None:
            continue
        for name in sorted(globals_ & (set(summary.reads_globals) | set(summary.writes_globals))):
            out.append(R.Reason(f"calls {call.callee}, which uses the global {name} that the loop would privatise",
                                R.CALL_SEES_PRIVATE_GLOBAL))
    return out


def carried_objects(an: Analysis, carried) -> set[str]:
    """The objects of the carried edges that are not aliasing edges."""
    return {o for e in carried if e.alias is None for o in edge_objects(an, e)}


def loop_fact(tu: TranslationUnit, kind: str, loop: Loop, compute):
    """A fact about a loop, computed once and kept on its translation unit."""
    known = tu.cache(f"candidates.{kind}", dict)
    if loop.id not in known:
        known[loop.id] = compute(tu, loop)
    return known[loop.id]


def bound_names(loop: Loop, remainders: bool = True) -> set[str]:
    """The names the loop's bounds read, every piece of a min, max, floor or remainder included."""
    c = loop.canonical
    pieces = [c.lower, c.upper, *c.lower_each, *c.upper_each, *(q.expr for q in c.lower_quasi + c.upper_quasi),
              *((c.lower_remainder.left.expr, *((c.lower_remainder.right.expr,) if remainders else ()))  # (±d)
                if c.lower_remainder else ())] if c else []
    return {name for aff in pieces if aff is not None for name in aff.variables}
