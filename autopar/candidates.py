"""Legality and candidate plans for each loop nest, and the independent check of any plan.

For every loop of a nest: structural blockers (break, return, goto, existing pragmas, opt-out, ...),
calls, the dependences the loop carries (from `autopar.deps`), and the scalar classes (from
`autopar.scalars`) decide whether a pragma may go on it, and with which clauses. Every legal plan
becomes a `Candidate`; a small cost model (trip count times body work, fork overhead per entry) picks
the default. `validate_plan` re-derives the same facts to judge a plan it did not produce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import islpy as isl

from autopar.deps import (ISL_LOCK, AccessModel, Analysis, Edge, ObjectModel, common_loops, declared_inside,
                          parse_set, render_aff, set_text, descendants, ivs_for,
                          overlap_check, pair_set_text, render_poly, runs_at_least_once,
                          wrap_problem, count_problem)
from autopar import machine
from autopar import reasons as R
from autopar.ir import CallEffect, Loop, ReductionOp, Storage, TranslationUnit
from autopar.deps.strided import stride_guard, window_condition
from autopar.plan import (Candidate, Directive, LoopVerdict, NestAnalysis, Plan, Proof, Reduction, Schedule,
                          join_conditions)
from autopar.scalars import ScalarClasses, classify
from autopar.specialize import constant_parameters

# A work unit is roughly one memory access. What a parallel region costs to start and join, in
# those units, and how many threads it gets, come from the machine model (autopar.machine).
SYMBOLIC_TRIP = 10000  # assumed trip count of an outermost loop with a symbolic bound
INNER_SYMBOLIC_TRIP = 2000  # and of an inner one: a region on it is entered once per outer iteration
CLEAR_GAIN = 0.85  # the default plan must be estimated at most this fraction of serial
DATA_TRIP = 100  # assumed trip count of an inner loop whose bound is read from memory
STRIDED_BLOCK = 8  # assumed step of a loop over blocks of a variable size (`start += len`)
DISPATCH_SHARE = 0.05  # a dynamic schedule's chunks are sized so that handing them out costs at most this
SIMD_FACTOR = 0.8  # compilers vectorise simple loops anyway: an explicit simd gains little
MAX_REASONS = 6


# ------------------------------------------------------------------------------------- legality

@dataclass
class Legality:
    loop: Loop
    blockers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    classes: Optional[ScalarClasses] = None
    private_arrays: list[str] = field(default_factory=list)
    lastprivate_arrays: list[str] = field(default_factory=list)
    # array sections reduced like scalars (`hist[k]++` over the loop): operator -> sections
    reduction_arrays: dict[str, list[str]] = field(default_factory=dict)
    alias_check: Optional[str] = None
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
    if loop.has_break:
        out.append(R.Reason("break leaves the loop", R.BREAK))
    if loop.writes_induction_variable:
        out.append(R.Reason("the body writes the induction variable", R.WRITES_INDUCTION))
    if loop.writes_bound:
        out.append(R.Reason("the body writes a variable of the loop bound", R.WRITES_BOUND))
    inner = [loop, *descendants(tu, loop)]
    if any(l.has_return for l in inner):
        out.append(R.Reason("return leaves the loop", R.RETURN))
    if any(l.has_goto for l in inner):
        out.append(R.Reason("goto may leave the loop", R.GOTO))
    if any(l.has_throw for l in inner):
        out.append(R.Reason("throw may leave the loop", R.THROW))
    unmodelled = sorted({text for l in inner for text in l.unmodelled_accesses})
    if unmodelled:
        out.append(R.Reason(f"accesses memory the analysis cannot name: {', '.join(unmodelled)}", R.UNMODELLED_ACCESS))
    if any(l.existing_pragma for l in inner[1:]):
        out.append(R.Reason("contains a loop with an existing omp pragma", R.CONTAINS_PRAGMA))
    return out


def _calls(tu: TranslationUnit, loop: Loop):
    seen, out = set(), []
    for l in [loop, *descendants(tu, loop)]:
        for call in l.calls:
            key = (call.callee, call.line, call.column)
            if key not in seen:
                seen.add(key)
                out.append(call)
    return out


def _arg_root(text: str) -> str:
    """The variable an argument points into: `a` of `a + i`, `&a[i]`, `(const double *)a`."""
    text = re.sub(r"\([^()]*\*\s*\)", " ", text)  # pointer casts
    m = re.search(r"[A-Za-z_]\w*", text)
    return m.group(0) if m else ""


_CONTAINER = re.compile(r"^(std::)?(vector|array|span|deque|basic_string)(<.*>)?::")
_RESIZING = {"push_back", "emplace_back", "pop_back", "resize", "reserve", "insert", "emplace", "erase",
             "clear", "assign", "swap", "shrink_to_fit", "operator="}


def call_blockers(tu: TranslationUnit, loop: Loop, objects: dict[str, ObjectModel],
                  written_scalars: set[str]) -> list[str]:
    out: list[str] = []
    written = {o.base.name for o in objects.values() if o.written} | written_scalars
    for call in _calls(tu, loop):
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
            else:
                out.append(R.Reason(f"calls {call.callee}: members of C++ containers are not modelled yet, so "
                                    "the elements it reaches are unknown", R.CONTAINER_ACCESS))
        elif call.effect == CallEffect.UNKNOWN:
            out.append(R.Reason(f"calls {call.callee}, whose effects are unknown", R.CALL_UNKNOWN))
        else:
            summary = call.summary or tu.functions.get(call.callee)
            if summary is None:
                out.append(R.Reason(f"calls {call.callee}, whose effects are unknown", R.CALL_UNKNOWN))
            elif summary.effect != CallEffect.PURE:
                out.append(R.Reason(f"calls {call.callee}, which does {summary.effect.value} work", R.CALL_EFFECT))
            elif summary.writes_globals:
                out.append(R.Reason(f"calls {call.callee}, which writes the global {', '.join(summary.writes_globals)}",
                                    R.CALL_WRITES_GLOBAL))
            elif any(k not in call.modelled_arguments for k in summary.writes_through_params):
                # an argument whose written region is among the loop's accesses is judged by them
                args = [call.arguments[k] if k < len(call.arguments) else f"#{k}"
                        for k in summary.writes_through_params if k not in call.modelled_arguments]
                out.append(R.Reason(f"calls {call.callee}, which writes through its argument {', '.join(args)}",
                                    R.CALL_WRITES_ARGUMENT))
            else:
                touched = set(summary.reads_globals) & written
                if touched:
                    out.append(R.Reason(f"calls {call.callee}, which reads {', '.join(sorted(touched))} that the loop writes",
                                        R.CALL_READS_WRITTEN))
                for k in summary.reads_through_params:
                    if k < len(call.arguments) and k not in call.modelled_arguments:
                        root = _arg_root(call.arguments[k])
                        restricted = any(o.base.name == root and o.kind == "pointer" and o.base.unaliased
                                         for o in objects.values())
                        hit = root in written or (not restricted and any(
                            o.written and not o.distinct and root for o in objects.values()
                            if o.base.name != root))
                        if hit:
                            out.append(R.Reason(f"calls {call.callee}, which reads through {call.arguments[k]} "
                                                "memory the loop may write", R.CALL_READS_WRITTEN))
    return out


def _privatizable(ctx: NestContext, loop: Loop, obj: ObjectModel) -> Optional[str]:
    """'private' or 'lastprivate' when every iteration of `loop` writes each element of the local
    array `obj` before reading it; None otherwise."""
    if obj.kind != "array" or obj.base.storage != Storage.LOCAL or declared_inside(obj.base, loop):
        return None
    if any(not m.affine for m in obj.accesses):
        return None
    # only writes that run in every iteration of `loop` cover reads: not under an if, and inside
    # loops that are not under one either
    writes = [m for m in obj.accesses if m.access.is_write and not m.access.conditional and m.exact_domain
              and all(inner.conditional is False for inner in m.loops[1:])]
    for r in (m for m in obj.accesses if not m.access.is_write):
        covered = None
        for w in writes:
            common = common_loops(w, r)
            if len(w.dims) != len(r.dims):
                return None
            order = []
            for k in range(1, len(common)):
                up = common[k].canonical.step > 0 if common[k].canonical else True
                order.append(" and ".join([f"d{j} = 0" for j in range(1, k)] + [f"d{k} {'>' if up else '<'} 0"]))
            if w.order_key() < r.order_key():
                order.append(" and ".join([f"d{j} = 0" for j in range(1, len(common))]) or "0 = 0")
            if not order:
                continue
            text = pair_set_text(w, r, common, extra=["d0 = 0", "(" + " or ".join(f"({o})" for o in order) + ")"])
            pairs = parse_set(text).project_out(isl.dim_type.set, 0, len(common) + len(w.loops))
            covered = pairs if covered is None else covered.union(pairs)
        domain = parse_set(set_text([("b", r)]))
        if covered is None or not domain.subtract(covered).is_empty():
            return None
    live = loop.scalar(obj.base.name)
    if live is not None and not live.live_after_loop or live is None and obj.key in loop.arrays_dead_after:
        return "private"
    return "lastprivate" if _writes_whole_array(obj, writes) else None


# Each thread keeps a private copy of a reduced array (on its stack with gcc), initializes it and adds
# it into the shared one once per region entry: only small arrays, so the copies stay cheap.
ARRAY_REDUCTION_LIMIT = 4096  # elements
_INTEGER_TYPE = re.compile(r"(const\s+|volatile\s+)*((un)?signed\s+)?(char|short|int|long|long\s+long)(\s+int)?"
                           r"|(const\s+)?(u?int(8|16|32|64)_t|size_t|unsigned|signed)")


def _reduced_arrays(tu: TranslationUnit, loop: Loop, an: Analysis, carried, private: set[str]) -> dict:
    """Object key -> (operator, section) for each declared array whose every access in `loop` updates
    an element with one reduction operator (`hist[k]++`, `y[j] += v` where v does not read y): the
    dependences those updates carry are a reduction's, and `reduction(op: a[:n])` gives each thread
    its own copy. Integer elements only, so that the result is exact in any order."""
    found: dict[str, tuple[str, str]] = {}
    if tu.language != "c":
        return found  # C only: a C++ name may be qualified (`::hist`, `ns::hist`), which a thread's copy does not hide
    keys = {o for e in carried if e.alias is None for o in _edge_objects(an, e)} - private
    for key in sorted(keys):
        obj = an.model.objects[key]
        dims = obj.base.array_dims
        if obj.kind != "array" or len(dims) != 1 or dims[0] is None or not dims[0].strip().isdigit() or \
                int(dims[0]) > ARRAY_REDUCTION_LIMIT or declared_inside(obj.base, loop):
            continue
        if obj.base.storage == Storage.PARAMETER or obj.path != obj.base.name:
            continue  # a parameter's declared size binds no caller; a member is not a name to shadow
        named = {a.base.decl for a in loop.accesses if a.base.name == obj.base.name} | \
            {u.variable.decl for u in loop.scalars if u.variable.name == obj.base.name}
        if named != {obj.base.decl}:
            continue  # another variable of that name in the loop: the copy's code names the array
        ops = {m.access.update for m in obj.accesses}
        element = obj.accesses[0].access.element_type.strip() if obj.accesses else ""
        if len(ops) != 1 or None in ops or not _INTEGER_TYPE.fullmatch(element):
            continue
        if _calls_may_see(tu, loop, obj.base.name):
            continue  # a called function would see the shared array, not the thread's copy
        found[key] = (ops.pop(), f"{obj.path}[:{int(dims[0])}]")
    return found


def _calls_may_see(tu: TranslationUnit, loop: Loop, name: str) -> bool:
    """Whether a function the loop calls may read or write the global `name` (unknown ones may)."""
    for call in _calls(tu, loop):
        summary = call.summary or tu.functions.get(call.callee)
        if call.effect == CallEffect.PURE:
            continue
        if summary is None or name in summary.reads_globals or name in summary.writes_globals:
            return True
    return False


def _writes_whole_array(obj: ObjectModel, writes) -> bool:
    """Whether the unconditional writes of every single iteration of the analysed loop cover every
    element of the declared array (then lastprivate copies out exactly what the serial loop leaves)."""
    dims = obj.base.array_dims
    if not dims or any(d is None or not d.strip().isdigit() for d in dims) or not writes:
        return False
    outer = writes[0].loops[0]
    if outer.canonical is None or any(not w.exact_domain or w.loops[0].id != outer.id for w in writes):
        return False
    elements = [f"v{k}" for k in range(len(dims))]
    covered = None
    for w in writes:
        names = ivs_for("a", w)
        text = set_text([("a", w)], pre=elements,
                         extra=[f"v{k} = {render_aff(d, names)}" for k, d in enumerate(w.dims)])
        # keep the outer loop's variable a0; drop the inner loops' variables
        s = parse_set(text).project_out(isl.dim_type.set, len(dims) + 1, len(w.loops) - 1)
        covered = s if covered is None else covered.union(s)
    # every iteration of the outer loop (its own bounds only) must write the whole array
    iterations = parse_set(set_text([("a", _outer_only(writes[0]))])).insert_dims(isl.dim_type.set, 0, len(dims))
    whole = iterations.intersect(isl.Set("{ [%s, a0] : %s }" % (", ".join(elements), " and ".join(
        f"0 <= v{k} < {d}" for k, d in enumerate(dims)))))
    return whole.subtract(covered).is_empty()


def _outer_only(model):
    """An access model restricted to its outermost loop, for that loop's iteration domain."""
    keep = [c for c in model.domain if "@" not in c.replace("@0", "")]
    return AccessModel(access=model.access, loops=model.loops[:1], dims=[], domain=keep,
                       params=set(model.params))


def _legality(ctx: NestContext, loop: Loop) -> Legality:
    tu = ctx.tu
    out = Legality(loop=loop)
    out.blockers = structural_blockers(tu, loop)
    if out.blockers:
        out.structural = False
        return out
    an = ctx.analysis(loop)
    out.analysis = an
    classes = scalar_classes(tu, loop, an)
    out.classes = classes
    out.blockers += call_blockers(tu, loop, an.model.objects, classes.written)
    out.blockers += _bound_memory_written(loop, an)
    carried = an.graph.carried_by(loop.id)
    arrays: dict[str, str] = {}
    for key in sorted({e_obj for e in carried for e_obj in _edge_objects(an, e) if e.exact}):
        obj = an.model.objects[key]
        kind = _privatizable(ctx, loop, obj)
        if kind:
            arrays[key] = kind
    reduced = _reduced_arrays(tu, loop, an, carried, set(arrays))
    for key, (op, section) in sorted(reduced.items()):
        out.reduction_arrays.setdefault(op, []).append(section)
        out.notes.append(R.Reason(f"every access to {an.model.objects[key].path} updates an element with {op}: "
                                  f"reduction({op}: {section})", R.ARRAY_REDUCTION))
    windows = _windows(an, loop, carried)
    alias_pairs: set[tuple[str, str]] = set()
    for edge in carried:
        objs = _edge_objects(an, edge)
        if edge.alias is not None:
            alias_pairs.add(edge.alias)
            continue
        if objs and all(o in arrays or o in reduced or o in windows for o in objs):
            continue
        out.blockers.append(R.Reason(edge.reason, edge.code or R.carried(edge.kind)))
    for key, condition in sorted(windows.items()):
        out.notes.append(R.Reason(f"each iteration of {loop.canonical.induction_variable} touches "
                                  f"{an.model.objects[key].path} only within the {loop.canonical.step_symbol} "
                                  f"elements it steps over{' when ' + condition if condition else ''}",
                                  R.STRIDED_WINDOWS))
    if alias_pairs:
        pairs = _written_first(an, alias_pairs)
        check = overlap_check(pairs)
        if check is None:
            for w, o in pairs:
                out.blockers.append(R.Reason(f"{w.path} and {o.path} may point to the same memory and their "
                                             "accessed ranges cannot be computed for a runtime check",
                                             R.ALIAS_UNBOUNDED))
        else:
            out.alias_check = check
            out.notes.append(R.Reason("legal when " + " and ".join(sorted({f"{w.path} does not overlap {o.path}"
                                                                            for w, o in pairs})) +
                                      " (runtime check)", R.ALIAS))
    out.alias_check = _with_strided_conditions(loop, out.alias_check, windows, out.blockers)
    if loop.canonical.step_symbol and out.reduction_arrays:
        out.blockers.append(R.Reason("a loop that steps by a variable gets no array reduction",
                                     R.STRIDED_WINDOWS))
    for key, kind in sorted(arrays.items()):
        name = an.model.objects[key].path
        if kind == "lastprivate" and not runs_at_least_once(an.model):
            out.blockers.append(f"loop may run zero times: lastprivate({name}) would not keep the "
                                f"contents {name} has before the loop")
            continue
        (out.private_arrays if kind == "private" else out.lastprivate_arrays).append(name)
        out.notes.append(f"local array {name} is fully written before it is read in every iteration: {kind}")
    out.blockers += classes.blockers
    out.blockers += _privatised_globals_seen_by_calls(tu, loop, classes)
    out.notes += classes.notes
    out.blockers = list(dict.fromkeys(out.blockers))
    return out


def scalar_classes(tu: TranslationUnit, loop: Loop, an: Optional[Analysis] = None) -> ScalarClasses:
    """The scalar classes of `loop` as the analysis uses them: with the loop's proven trip count
    (`runs_at_least_once`) and the file's floating-point policy."""
    with ISL_LOCK:
        an = an or Analysis(tu, loop)
        return classify(loop, runs_once=runs_at_least_once(an.model), fp_reductions=tu.fp_reductions, tu=tu)


def _written_first(an: Analysis, alias_pairs: set[tuple[str, str]]) -> list[tuple[ObjectModel, ObjectModel]]:
    """The object pairs of alias edges, in a stable order, each with its written object first."""
    pairs = []
    for x, y in sorted(alias_pairs):
        ox, oy = an.model.objects[x], an.model.objects[y]
        pairs.append((ox, oy) if ox.written else (oy, ox))
    return pairs


def _bound_memory_written(loop: Loop, an: Analysis) -> list[str]:
    """OpenMP evaluates the bounds once; a serial loop whose bound reads memory the body writes
    (`i < a[0]`, `i < p->len`) may see it change."""
    c = loop.canonical
    if c is None:
        return []
    # a min/max bound modelled piece by piece reads no memory (its pieces are affine)
    texts = [text for aff, each, text in ((c.lower, c.lower_each, c.lower_text), (c.upper, c.upper_each, c.upper_text))
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


def _privatised_globals_seen_by_calls(tu: TranslationUnit, loop: Loop, classes: ScalarClasses) -> list[str]:
    """A called function sees the shared global, not the loop's private copy."""
    names = set(classes.private) | set(classes.lastprivate)
    names |= {n for names_ in classes.reductions.values() for n in names_}
    globals_ = {u.variable.name for u in loop.scalars
                if u.variable.storage in (Storage.GLOBAL, Storage.STATIC_LOCAL) and u.variable.name in names}
    out = []
    for call in _calls(tu, loop):
        summary = call.summary or tu.functions.get(call.callee)
        if summary is None:
            continue
        for name in sorted(globals_ & (set(summary.reads_globals) | set(summary.writes_globals))):
            out.append(R.Reason(f"calls {call.callee}, which uses the global {name} that the loop would privatise",
                                R.CALL_SEES_PRIVATE_GLOBAL))
    return out


def _edge_objects(an: Analysis, edge: Edge) -> list[str]:
    keys = an.model.object_of
    return sorted({keys[n] for n in (edge.source, edge.sink) if n in keys})


def _with_strided_conditions(loop: Loop, check: Optional[str], windows: dict[str, str],
                             blockers: Optional[list] = None) -> Optional[str]:
    """A plan's runtime check on a loop that steps by a variable: its guard first (a positive step,
    a trip count that fits), then the alias check, then each window condition; other loops keep
    `check` as it is."""
    if loop.canonical is None or not loop.canonical.step_symbol:
        return check
    guard = stride_guard(loop)
    if guard is None and blockers is not None:
        blockers.append(R.Reason(f"the bounds of a loop that steps by {loop.canonical.step_symbol} are not affine: "
                                 "its trip count cannot be checked", R.STRIDED_WINDOWS))
    return join_conditions([guard or "0", check, *sorted({c for c in windows.values() if c})])


def _windows(an: Analysis, loop: Loop, carried: list[Edge]) -> dict[str, str]:
    """For a loop that steps by a variable (autopar.deps.strided): the objects of its carried edges
    whose accesses stay in each iteration's window, with the runtime condition ("" for none)."""
    if loop.canonical is None or not loop.canonical.step_symbol:
        return {}
    found: dict[str, str] = {}
    with ISL_LOCK:
        for key in sorted({o for e in carried if e.alias is None for o in _edge_objects(an, e)}):
            condition = window_condition(loop, an.model.objects[key])
            if condition is not None:
                found[key] = condition
    return found


# ------------------------------------------------------------------------------------ cost model

def _bound_vars(loop: Loop) -> set[str]:
    return _compute_bound_vars(loop)


def _fact(tu: TranslationUnit, kind: str, loop: Loop, compute):
    """A fact about a loop, computed once and kept on its translation unit."""
    known = tu.cache(f"candidates.{kind}", dict)
    if loop.id not in known:
        known[loop.id] = compute(tu, loop)
    return known[loop.id]


def _compute_bound_vars(loop: Loop) -> set[str]:
    c = loop.canonical
    names: set[str] = set()
    for aff in (c.lower, c.upper) if c else ():
        if aff is not None:
            names |= aff.variables
    return names


def trip_count(tu: TranslationUnit, loop: Loop) -> tuple[float, bool]:
    """(estimated trip count, whether it is symbolic)."""
    return _fact(tu, "trip", loop, _compute_trip_count)


def _compute_trip_count(tu: TranslationUnit, loop: Loop) -> tuple[float, bool]:
    c = loop.canonical
    if loop.depth > 0 and _data_bound(loop):
        return float(DATA_TRIP), True  # an inner loop over CSR rows or lists: usually short
    symbolic = float(SYMBOLIC_TRIP if loop.depth == 0 else INNER_SYMBOLIC_TRIP)
    if c is not None and c.step_symbol:
        return symbolic / STRIDED_BLOCK, True  # the blocks of a variable stride: a guess
    if c is None or c.lower is None or c.upper is None or not c.lower.is_linear or not c.upper.is_linear:
        return symbolic, True
    if not c.lower.coefficients and not c.upper.coefficients:
        span = (c.upper.constant - c.lower.constant) * (1 if c.step > 0 else -1)
        if c.comparison.value in ("<=", ">="):
            span += 1
        return max(0.0, span / abs(c.step)), False
    ancestors = tu.ancestors(loop.id)
    outer = {l.canonical.induction_variable for l in ancestors if l.canonical}
    if _bound_vars(loop) & outer:
        return symbolic / 2.0, True
    if any(_bound_vars(loop) & {s.variable.name for s in anc.scalars if s.written or s.declared_in_loop}
           for anc in ancestors):
        # the bound changes from one entry to the next (FFT's butterfly width): often short
        return float(DATA_TRIP) / abs(c.step), True
    return symbolic / abs(c.step), True


def work(tu: TranslationUnit, loop: Loop) -> float:
    """Trip count times body work; the body counts its direct accesses, calls and nested loops."""
    return _fact(tu, "work", loop, _compute_work)


def _compute_work(tu: TranslationUnit, loop: Loop) -> float:
    trip, _ = trip_count(tu, loop)
    body = 1.0 + sum(1 for a in loop.accesses if a.enclosing_loops and a.enclosing_loops[-1] == loop.id)
    body += sum(4.0 for c in loop.calls)
    body += sum(work(tu, tu.loop(child)) for child in loop.children)
    return trip * body


def _triangular_inside(tu: TranslationUnit, loop: Loop) -> bool:
    """Whether the work of an iteration depends on the loop variable (an inner bound uses it)."""
    if loop.canonical is None:
        return False
    iv = loop.canonical.induction_variable
    return any(iv in _bound_vars(inner) for inner in descendants(tu, loop))


def _irregular(tu: TranslationUnit, loop: Loop) -> bool:
    """Whether iterations do unequal work: an inner loop's bounds use this loop's variable
    (triangular) or come from data (`for (e = ptr[v]; e < ptr[v + 1]; e++)`)."""
    if _triangular_inside(tu, loop):
        return True
    return any(_data_bound(inner) for inner in descendants(tu, loop))


def _data_bound(loop: Loop) -> bool:
    """A bound read from memory (`ptr[v + 1]`, `p->len`, a call), not a formula of variables."""
    c = loop.canonical
    if c is None:
        return False
    return any(aff is None and re.search(r"\[|->|\w\s*\(", text)
               for aff, text in ((c.lower, c.lower_text), (c.upper, c.upper_text)))


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
        factor = SIMD_FACTOR if all(a.is_affine for a in loop.accesses) and not short else 1.0
        return round(rest + outer * total * factor + 1.0, 1)
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
    elif _irregular(tu, loop):  # bounds read from data (CSR rows): unequal work is possible, not shown,
        imbalance = 1.1  # so no schedule is assumed to fix it; dynamic ones pay their hand-out on top
    elif dynamic:
        imbalance = 1.1 if plan.schedule == Schedule.DYNAMIC else 1.05
    if plan.schedule == Schedule.DYNAMIC:
        dispatch = iterations / (plan.chunk or 1) * model.dynamic_chunk_units / speedup
    cost = rest + outer * (model.fork_units + total / speedup * imbalance + dispatch)
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


# ----------------------------------------------------------------------------------- candidates

def trip_text(loop: Loop) -> Optional[str]:
    """The trip count as C text, when the bounds are affine and the step is 1 or -1."""
    c = loop.canonical
    if c is None or c.lower is None or c.upper is None or not c.lower.is_linear or not c.upper.is_linear \
            or abs(c.step) != 1 or c.step_symbol:
        return None
    hi, lo = (c.upper, c.lower) if c.step > 0 else (c.lower, c.upper)
    poly: dict[tuple[str, ...], int] = {}
    for aff, sign in ((hi, 1), (lo, -1)):
        for name, coeff in aff.coefficients.items():
            poly[(name,)] = poly.get((name,), 0) + sign * coeff
        poly[()] = poly.get((), 0) + sign * aff.constant
    if c.comparison.value in ("<=", ">="):
        poly[()] = poly.get((), 0) + 1
    return render_poly(poly)


def _work_terms(tu: TranslationUnit, loop: Loop, fixed: set[str],
                outer: tuple[str, str]) -> dict[tuple[str, ...], float]:
    """The work of one iteration of `loop` as a polynomial in the trip counts of its inner loops:
    {(trip texts...): units}. An inner loop whose bounds are affine in names that do not change in
    the region (none of `fixed`) contributes its trip count as text; one whose bound also uses the
    region's own loop variable (`outer`: that variable and its loop's trip count), a triangle, half
    that loop's trip count; any other, its estimate."""
    terms: dict[tuple[str, ...], float] = {(): 1.0 + sum(
        1 for a in loop.accesses if a.enclosing_loops and a.enclosing_loops[-1] == loop.id) + 4.0 * len(loop.calls)}
    for child in (tu.loop(c) for c in loop.children):
        text, scale = None, trip_count(tu, child)[0]
        if not trip_count(tu, child)[1]:
            pass  # a constant trip count: its value
        elif trip_text(child) and not _bound_vars(child) & fixed:
            text, scale = trip_text(child), 1.0
        elif trip_text(child) and _bound_vars(child) & fixed == {outer[0]}:
            text, scale = outer[1], 0.5
        for factors, units in _work_terms(tu, child, fixed, outer).items():
            key = tuple(sorted(factors + ((f"({text})",) if text else ())))
            terms[key] = terms.get(key, 0.0) + units * scale
    return terms


def _threshold(tu: TranslationUnit, loop: Loop) -> Optional[tuple[str, str]]:
    """A work threshold as C, when the trip count is symbolic and the loop may be small, else None:
    `n > T`, or `(double)(n) * (m) > T` when the inner loops' trip counts are symbolic too (their
    product is the region's work). T makes the region's work a few times the machine's cost of
    starting it. With it comes the region's work per entry as a share of the process's first team
    start (Plan.startup_work)."""
    _, symbolic = trip_count(tu, loop)
    trip = trip_text(loop)
    if not symbolic or trip is None:
        return None
    model = machine.current()
    # names that change inside the region: the loop variables and the scalars written there
    fixed = {l.canonical.induction_variable for l in [loop, *descendants(tu, loop)] if l.canonical}
    fixed |= {s.variable.name for s in loop.scalars if s.written}
    terms = _work_terms(tu, loop, fixed, (loop.canonical.induction_variable, trip))
    factors, units = max(terms.items(), key=lambda t: (len(t[0]), t[1]))
    if not factors:
        per_iteration = max(1.0, work(tu, loop) / trip_count(tu, loop)[0])
        limit = max(model.threads, int(model.min_parallel_work / per_iteration))
        return f"{trip} > {limit}", f"(double)({trip}) * {per_iteration / model.cold_start_units:.3g}"
    product = " * ".join([f"(double)({trip})", *factors])
    return (f"{product} > {max(1, int(model.min_parallel_work / units))}",
            f"{product} * {units / model.cold_start_units:.3g}")


def _chunk(tu: TranslationUnit, loop: Loop) -> Optional[int]:
    """The smallest schedule(dynamic) chunk whose hand-out costs at most DISPATCH_SHARE of its work
    (None: one iteration is enough). A chunk of one made a CSR row loop 4x slower than serial."""
    per_iteration = max(1.0, work(tu, loop) / max(trip_count(tu, loop)[0], 1.0))
    chunk = int(-(-machine.current().dynamic_chunk_units // (DISPATCH_SHARE * per_iteration)))
    return chunk if chunk > 1 else None


def _collapse_chain(ctx: NestContext, loop: Loop) -> list[Loop]:
    """Loops that may be collapsed with `loop`: a perfect, rectangular chain of parallel loops."""
    tu = ctx.tu
    base = ctx.legality(loop)
    if base.private_arrays or base.lastprivate_arrays or loop.canonical.step_symbol:
        return []
    chain: list[Loop] = []
    current = loop
    ivs = {loop.canonical.induction_variable}
    graph = base.analysis.graph
    while current.perfectly_nests_child and len(current.children) == 1:
        child = tu.loop(current.children[0])
        if structural_blockers(tu, child) or child.canonical is None or child.canonical.step_symbol:
            break
        if _bound_vars(child) & (ivs | base.analysis.model.variant - {child.canonical.induction_variable}):
            break  # not rectangular, or its bound changes inside the nest
        if any(e.alias is None for e in graph.carried_by(child.id)):
            break
        inner = ctx.legality(child)
        if not inner.legal or inner.private_arrays or inner.lastprivate_arrays:
            break
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
                reductions=reductions, alias_check=legal.alias_check, locations=list(classes.locations),
                proof=Proof.RUNTIME_CHECK if legal.alias_check else Proof.STATIC)


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
    for r in plan.reductions:
        parts.append(f"reduction {r.op.value} on {', '.join(r.variables)}")
    for l in plan.locations:
        parts.append(f"location reduction {'min' if l.comparison == '<' else 'max'} on {l.value} at {l.index}")
    parts.append(f"schedule {plan.schedule.value if plan.schedule else 'static'}")
    if plan.alias_check:
        parts.append("runtime alias check")
    if plan.threshold_check:
        parts.append(f"serial unless {plan.threshold_check}")
    return ", ".join(parts)


def _simd_ok(ctx: NestContext, loop: Loop) -> bool:
    legal = ctx.legality(loop)
    if loop.children or legal.alias_check or legal.private_arrays or legal.lastprivate_arrays or \
            legal.reduction_arrays:
        return False
    for call in _calls(ctx.tu, loop):
        if call.effect != CallEffect.PURE:
            summary = call.summary or ctx.tu.functions.get(call.callee)
            if call.effect != CallEffect.SAME_TU or summary is None or not summary.is_side_effect_free:
                return False
    return True


def plans_for(ctx: NestContext, loop: Loop) -> list[Plan]:
    """Every plan with the pragma on `loop`, the plainest first. With a symbolic trip count every
    threaded plan carries the work threshold; the plain one is offered without it too."""
    tu = ctx.tu
    base = base_plan(ctx, loop)
    threshold = _threshold(tu, loop)
    threaded = base.model_copy(update={"threshold_check": threshold[0], "startup_work": threshold[1]}) \
        if threshold else base
    plans = [threaded]
    if base.locations:
        # a location reduction's tie-break needs each thread's iterations in order, in a region of
        # its own: one static schedule, no collapse, no simd, no specialized copy
        return plans + ([base] if threshold else [])
    chain = _collapse_chain(ctx, loop)
    for n in range(2, len(chain) + 2):
        plans.append(threaded.model_copy(update={"collapse": n}))
    if _irregular(tu, loop):
        plans.append(threaded.model_copy(update={"schedule": Schedule.DYNAMIC, "chunk": _chunk(tu, loop)}))
        plans.append(threaded.model_copy(update={"schedule": Schedule.GUIDED}))
    if threshold:
        plans.append(base)
    constants = constant_parameters(tu, loop)
    if constants:
        plans = [p.model_copy(update={"specialize": constants}) for p in plans]
    if _simd_ok(ctx, loop):
        # clang 14 at -O1 miscompiles `parallel for simd reduction(+: s)` (half the sum, even on one
        # thread), so the combined construct is only offered without reductions
        if (loop.depth == 0 or not any(ctx.legality(a).legal for a in tu.ancestors(loop.id))) \
                and not base.reductions:
            plans.append(base.model_copy(update={"directive": Directive.PARALLEL_FOR_SIMD}))
        plans.append(base.model_copy(update={"directive": Directive.SIMD}))
    return plans


def analyze_regions(tu: TranslationUnit) -> list[NestAnalysis]:
    """One analysis per region that gets a decision of its own, in source order.

    A loop that can never carry a pragma (it carries a dependence, or breaks out) cannot be one
    region with the loops inside it: each loop directly inside it is a region of its own, so that a
    time loop around two sweeps gets a plan for each sweep, not one for the cheaper sweep alone.
    The serial loop keeps its own verdict, in a region with no candidates.
    """
    regions: list[NestAnalysis] = []
    for root in tu.nest_roots():
        regions += _regions(tu, root, None)
    return regions


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
    analysis = NestAnalysis(root_loop_id=root.id, verdicts=verdicts, candidates=candidates)
    eligible = [c for c in candidates if c.plan.proof != Proof.ASSUMPTION]
    if not eligible:
        analysis.default_reason = "no loop of the nest can run in parallel: " + "; ".join(
            verdicts[0].reasons[:2]) if verdicts and verdicts[0].reasons else "no legal parallel plan"
        return analysis
    serial = work(tu, root)
    # a plan must win clearly (the estimate of its overhead is rough; simd has none), unless it has a
    # work threshold: its if() runs the region only when the work pays for it on this machine, so
    # the guess of a symbolic trip count does not decide. Where such plans exist, they are preferred
    # to simd alone, which the guess would favour for any loop it takes to be short.
    clear = [c for c in eligible if c.plan.threshold_check or
             c.estimated_cost < (serial if c.plan.directive == Directive.SIMD else serial * CLEAR_GAIN)]
    if not clear:
        regions = [c for c in eligible if c.plan.directive != Directive.SIMD]
        region = min(regions, key=lambda c: (c.estimated_cost, int(c.id[1:]))) if regions else None
        best = min(eligible, key=lambda c: (c.estimated_cost, int(c.id[1:])))
        analysis.default_reason = _serial_reason(tu, best, region, serial)
        for verdict in verdicts:
            if verdict.parallelizable:
                verdict.add("left serial: " + analysis.default_reason, R.COST_TOO_SMALL)
        return analysis
    if any(c.plan.threshold_check for c in clear):
        clear = [c for c in clear if c.plan.directive != Directive.SIMD]
    best = min(clear, key=lambda c: (c.estimated_cost, int(c.id[1:])))
    guard = f" (runs in parallel only when {best.plan.threshold_check})" if best.plan.threshold_check else ""
    analysis.default_candidate_id = best.id
    analysis.default_reason = (f"{best.summary}: lowest estimated cost {best.estimated_cost:.3g} "
                               f"(serial {serial:.3g}, {machine.current().threads} threads){guard}")
    return analysis


def entries(tu: TranslationUnit, loop: Loop) -> float:
    """How many times a region on `loop` is entered: the product of the outer loops' trip counts."""
    out = 1.0
    for anc in tu.ancestors(loop.id):
        out *= trip_count(tu, anc)[0]
    return out


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
    return (f"too little work: the best plan ({best.summary}) is estimated at "
            f"{best.estimated_cost:.3g}, serial at {serial:.3g}")


# ---------------------------------------------------------------------------------- validation

def validate_plan(tu: TranslationUnit, nest: NestAnalysis, plan: Plan) -> list[str]:
    """Problems with `plan` for this nest (empty: legal), re-derived from the dependence graph and the
    scalar classes, whoever wrote the plan."""
    try:
        with ISL_LOCK:
            return _validate(tu, nest, plan)
    except Exception as error:  # a plan that cannot be checked is not legal
        return [f"the plan could not be checked ({type(error).__name__}: {error})"]


def _validate(tu: TranslationUnit, nest: NestAnalysis, plan: Plan) -> list[str]:
    problems: list[str] = []
    try:
        loop = tu.loop(plan.loop_id)
    except KeyError:
        return [f"no loop {plan.loop_id} in this file"]
    root = tu.loop(nest.root_loop_id)
    ctx = NestContext(tu, root)
    if loop.id not in {l.id for l in ctx.loops}:
        return [f"loop {plan.loop_id} is not in the nest {nest.root_loop_id}"]
    blockers = structural_blockers(tu, loop)
    if blockers:
        return [f"the pragma cannot go on this loop: {b}" for b in blockers]
    an = ctx.analysis(loop)
    classes = scalar_classes(tu, loop, an)
    problems += call_blockers(tu, loop, an.model.objects, classes.written)
    problems += _bound_memory_written(loop, an)

    # the loops the plan runs in parallel
    collapsed = [loop]
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
        if _bound_vars(child) & ivs:
            problems.append(f"collapse({plan.collapse}): the bounds of loop at line {child.line} depend on "
                            "an outer loop variable (not rectangular)")
        collapsed.append(child)
    if plan.lastprivate:
        for l in collapsed:
            if not runs_at_least_once(ctx.analysis(l).model):
                problems.append(f"loop may run zero times (line {l.line}): lastprivate("
                                f"{', '.join(plan.lastprivate)}) would not keep the serial value")
    if plan.directive in (Directive.SIMD, Directive.PARALLEL_FOR_SIMD) and loop.children:
        problems.append(f"{plan.directive.value} is only proposed on an innermost loop")
    if plan.directive == Directive.SIMD and plan.schedule is not None:
        problems.append("simd takes no schedule clause")
    if plan.directive == Directive.PARALLEL_FOR_SIMD and plan.reductions:
        problems.append("parallel for simd with a reduction is miscompiled by clang 14 at -O1: use "
                        "parallel for, or simd alone")
    if plan.directive != Directive.PARALLEL_FOR and plan.if_condition:
        # an if() may not reach the simd part (OpenMP 4.5 applies it to `parallel` only)
        problems.append(f"{plan.directive.value} plans cannot carry an if() condition")

    # privatised arrays the plan names
    named_private = set(plan.private) | set(plan.lastprivate) | set(plan.firstprivate)
    private_objects: set[str] = set()
    for key, obj in an.model.objects.items():
        if obj.kind == "array" and obj.path in named_private:
            kind = _privatizable(ctx, loop, obj)
            if kind is None:
                problems.append(f"local array {obj.path} is not fully written before it is read in every "
                                "iteration: it cannot be private")
            elif kind == "lastprivate" and obj.path not in plan.lastprivate:
                problems.append(f"local array {obj.path} may be used after the loop: it needs lastprivate")
            else:
                private_objects.add(key)

    # arrays the plan reduces: each must be one the analysis finds reducible, with the same operator
    sections = {name: r.op.value for r in plan.reductions for name in r.variables if "[" in name}
    reducible = _reduced_arrays(tu, loop, an, [e for l in collapsed for e in an.graph.carried_by(l.id)],
                                private_objects)
    reduced_objects = {key for key, (op, section) in reducible.items() if sections.get(section) == op}
    for section, op in sorted(sections.items()):
        if (op, section) not in reducible.values():
            problems.append(f"{section} is not an array that every access updates with {op}: it cannot be "
                            f"reduced")

    # dependences carried by any parallel loop
    alias_pairs: set[tuple[str, str]] = set()
    windows: dict[str, str] = {}
    if len(collapsed) > 1 and any(l.canonical and l.canonical.step_symbol for l in collapsed):
        problems.append("a loop that steps by a variable is not collapsed")
    for l in collapsed:
        carried = an.graph.carried_by(l.id)
        windows = _windows(an, l, carried) if l is loop else {}
        for edge in carried:
            if edge.alias is not None:
                alias_pairs.add(edge.alias)
                continue
            objs = _edge_objects(an, edge)
            if objs and all(o in private_objects or o in reduced_objects or o in windows for o in objs):
                continue
            problems.append(edge.reason)
            arrays = [an.model.objects[o] for o in objs if an.model.objects[o].kind == "array"
                      and _privatizable(ctx, loop, an.model.objects[o])]
            for obj in arrays:
                problems.append(f"local array {obj.path} must be private")
    check = overlap_check(_written_first(an, alias_pairs)) if alias_pairs else None
    if alias_pairs and check is None:
        problems.append("pointers that may alias have no computable ranges: no runtime check can prove it")
    needed = _with_strided_conditions(loop, check, windows)
    if needed:
        if plan.alias_check != needed:
            problems.append("missing or wrong alias check: the loop needs if(" + needed + ")")
        if plan.proof != Proof.RUNTIME_CHECK:
            problems.append("a plan with a runtime alias check must say proof runtime-check")
    elif plan.alias_check and not (alias_pairs and check is None):
        problems.append("the plan has an alias check the analysis did not derive")
    if (plan.threshold_check or plan.startup_work) and \
            (plan.threshold_check, plan.startup_work) != _threshold(tu, loop):
        problems.append("the threshold if() was not derived by the analysis")
    if plan.specialize and (plan.directive == Directive.SIMD or plan.specialize != constant_parameters(tu, loop)):
        problems.append("the constants to specialize for were not derived by the analysis")

    # scalars, re-derived for the plan's loop
    problems += [b for b in classes.blockers]
    problems += _privatised_globals_seen_by_calls(tu, loop, classes)
    clause_of: dict[str, list[str]] = {}
    for clause, names in (("private", plan.private), ("firstprivate", plan.firstprivate),
                          ("lastprivate", plan.lastprivate)):
        for name in names:
            clause_of.setdefault(name, []).append(clause)
    for r in plan.reductions:
        for name in r.variables:
            clause_of.setdefault(name, []).append(f"reduction({r.op.value})")
    if plan.locations != classes.locations:
        problems.append("the location reductions (argmin/argmax) are not those the analysis derives")
    if plan.locations and (plan.collapse > 1 or plan.directive != Directive.PARALLEL_FOR or
                           plan.schedule not in (None, Schedule.STATIC)):
        problems.append("a location reduction needs a plain parallel for with a static schedule")
    for location in plan.locations:
        for name in (location.value, location.index):
            clause_of.setdefault(name, []).append("location reduction")
    for name, clauses in sorted(clause_of.items()):
        if len(clauses) > 1:
            problems.append(f"{name} appears in more than one data-sharing clause: {', '.join(clauses)}")
    known = {u.variable.name for u in loop.scalars} | {o.path for o in an.model.objects.values()}
    collapsed_ivs = {l.canonical.induction_variable for l in collapsed if l.canonical}
    for name in sorted(clause_of):
        if name not in known and name not in sections:
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
    for name, clauses in clause_of.items():
        use = loop.scalar(name)
        if use is None:
            continue
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
                    name not in classes.lastprivate and not exact_last:
                problems.append(f"{name} is not written on every path of an iteration: lastprivate would "
                                "not reproduce the serial value")
    return list(dict.fromkeys(problems))
