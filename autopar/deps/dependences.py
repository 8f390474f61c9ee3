"""Dependences of one loop with isl: for every pair of accesses to an object that may touch the same
element, one of them a write, whether a pair of iterations touching the same element exists with
equal outer iterations and an earlier source at a given loop (a dependence carried by that loop),
and its distance. Accesses isl cannot model, and objects that may alias, give conservative edges
with the reason, once per object pair. Each distinct question is asked of isl once per translation
unit (`PairSolver`).
"""

from __future__ import annotations

import re
from typing import Optional

import islpy as isl

from autopar.plans import reasons as R
from autopar.deps.graph import DependenceGraph, Edge
from autopar.deps.guards import never_meet, reads_by_position
from autopar.deps.isl_text import ISL_LOCK, operation_quota, render_aff_c, set_text
from autopar.deps.accesses import AccessModel, ObjectModel, common_loops, first_reason, is_span, same_element
from autopar.deps.aliasing import element_kind, kinds_apart, may_alias
from autopar.deps.model import LoopModel, declared_inside, iv_name
from autopar.ir import Access, Loop, Storage, TranslationUnit


def dependence_kind(src: Access, dst: Access) -> str:
    if src.is_write and dst.is_write:
        return "output"
    return "flow" if src.is_write else "anti"


def pair_set_text(a: AccessModel, b: AccessModel, common: list[Loop], extra: list[str] = ()) -> str:
    """Pairs (a-iteration, b-iteration) touching the same element, with distance dims d_k = b_k - a_k."""
    cons = [f"d{k} = b{k} - a{k}" for k in range(len(common))] + same_element(a, b)
    return set_text([("a", a), ("b", b)], pre=[f"d{k}" for k in range(len(common))],
                     extra=cons + list(extra))


# isl operations for one distance: plenty for plain bounds; a nest of generated tiles, its bounds and
# tests full of floors, would take seconds each, for a distance that is only reported
_DISTANCE_QUOTA = 20_000


def distance_text(s: isl.Set, k: int, step: int) -> str:
    # two distances for one value of the parameters: no single distance (an emptiness test, which
    # isl answers far faster than the bounds below where the set is large)
    values = s.project_out(isl.dim_type.set, k + 1, s.dim(isl.dim_type.set) - k - 1).project_out(
        isl.dim_type.set, 0, k)
    pairs = isl.Map.from_domain_and_range(values, values).intersect(isl.Map.lex_lt(values.get_space()))
    if not pairs.is_empty():
        return "*"
    # one distance for each value of the parameters: the function is read off the projection (one
    # dim), far cheaper for isl than the bounds of the whole set
    try:
        with operation_quota(_DISTANCE_QUOTA):
            pieces = values.dim_min(0).coalesce().get_pieces()
    except isl.Error:
        return "*"
    if len(pieces) != 1:
        return "*"
    distance = pieces[0][1]
    if distance.is_cst():
        value = distance.get_constant_val().to_python()
        return str(int(value) // step) if int(value) % step == 0 else str(value)
    text = render_aff_c(distance)
    if text is not None:
        return text if step == 1 else (f"-({text})" if step == -1 else f"({text}) / {step}")
    return "*"


class Analysis:
    """The dependence graph of one loop together with the models it was built from."""

    def __init__(self, tu: TranslationUnit, loop: Loop):
        self.solver: PairSolver = tu.cache("deps.PairSolver", PairSolver)
        self.model = LoopModel(tu, loop)
        self.strict = tu.strict_aliasing  # (effective types: autopar.deps.aliasing)
        self.graph = DependenceGraph(loop.id)
        self.graph.objects = self.model.objects
        self._reads_at: Optional[dict] = None  # the loop's reads by position, for guarded writes
        for m in self.model.models:
            self.graph.add_access(m.access)
        self._build()

    def _build(self) -> None:
        objects = list(self.model.objects.values())
        for i, x in enumerate(objects):
            for y in objects[i:]:
                if x.key == y.key:
                    self._same_object(x)
                    if x.written and (x.carved_rows or x.member_dims_to_check):
                        self._aliasing(x, x)  # a row may reach the next (deps.carved_rows, deps.member_bounds)
                elif (x.written or y.written) and may_alias(x, y, self.strict):
                    self._aliasing(x, y)
        self._global_scalars(objects)

    def _global_scalars(self, objects: list[ObjectModel]) -> None:
        """A pointer may point to a global scalar the loop reads or writes by name."""
        loop = self.model.loop
        bases = {(o.base.name, o.base.decl) for o in objects}  # already modelled through their accesses
        for use in loop.scalars:
            var = use.variable
            if var.storage not in (Storage.GLOBAL, Storage.STATIC_LOCAL) or use.declared_in_loop or \
                    use.is_induction_variable_of or var.is_pointer or var.is_array or \
                    (var.name, var.decl) in bases:
                continue
            key = f"{var.name}@{var.decl}"
            node = f"scalar:{var.name}"
            scalar = ObjectModel(key=key, path=var.name, base=var, kind="scalar", written_by_name=use.written)
            pairs = []
            for obj in objects:
                if obj.kind not in ("pointer", "member") or (obj.kind == "pointer" and obj.base.unaliased) or \
                        obj.row_table or (self.strict and kinds_apart(var.number_kind, element_kind(obj))):
                    continue  # (a row table's rows are allocations; a `double *` never reaches an `int`)
                for m in obj.accesses:
                    if m.access.is_write or use.written:
                        pairs.append((obj, m))
            if not pairs:
                continue
            self.model.objects[key] = scalar
            self.model.object_of[node] = key
            self.graph.add_node(node, text=var.name, line=loop.line, column=loop.column,
                                write=use.written, object=var.name)
            for obj, m in pairs:
                for common in (l for l in m.loops if not is_span(l)):
                    self.graph.add_edge(Edge(
                        source=m.access.id, sink=node, kind="output" if m.access.is_write and use.written
                        else ("flow" if m.access.is_write else "anti"), loop=common.id, exact=False,
                        distance="*", alias=(obj.key, key), code=R.ALIAS_GLOBAL,
                        reason=f"{obj.path} may point to the global {var.name} ({m.access.text})"))

    def _same_object(self, obj: ObjectModel) -> None:
        models = obj.accesses
        if not obj.written:
            return  # reads only: no pair has a write
        fresh = [k for k, l in enumerate(models[0].loops) if obj.kind == "array"
                 and obj.base.storage in (Storage.LOCAL,) and declared_inside(obj.base, l)]
        fresh_depth = max(fresh) + 1 if fresh else 0  # loops [0, fresh_depth) see a new object
        if all(m.affine for m in models):
            self._exact_object(models, fresh_depth)
            return
        # not affine (the model marks all accesses of an object so when one is): one sentence per
        # object and loop, whichever pair, since the cause is the object's
        reason = first_reason(obj)
        for a in models:
            for b in models:
                if not (a.access.is_write or b.access.is_write):
                    continue
                common = common_loops(a, b)
                for k in range(fresh_depth, len(common)):
                    self._unknown(a, b, common[k], f"{reason}: accesses to {obj.path} may touch the "
                                  f"same element in different iterations of {iv_name(common[k])}",
                                  code=R.code_of(reason))

    def _exact_object(self, models: list[AccessModel], fresh_depth: int) -> None:
        """Exact dependences between the accesses of one object, in the order of the pairs. Accesses in
        the same loops with the same subscripts and domain (`u[k][j][i][0]` read twice) ask the same questions:
        each pair of such classes is answered once, and its edges written for each of its pairs."""
        classes: dict[tuple, int] = {}
        # (the domain includes the tests of the `if`s around the access: the same loops and subscripts
        # under another test ask another question)
        cls = [classes.setdefault((tuple(l.id for l in m.loops), m.domain_text("a"),
                                   tuple(t for t, _ in m.dim_texts("a"))), len(classes)) for m in models]
        outcomes: dict[tuple[int, int], Optional[tuple]] = {}
        guarded = [m for m in models if m.access.is_write and m.access.guard]
        for ia, a in enumerate(models):
            a_writes = a.access.is_write
            for ib, b in enumerate(models):
                if not (a_writes or b.access.is_write):
                    continue
                if guarded and self._kept_apart(a, b):
                    continue
                key = (cls[ia], cls[ib])
                if key not in outcomes:
                    outcomes[key] = self._outcome(a, b, fresh_depth)
                outcome = outcomes[key]
                if outcome is not None:
                    self._exact_edges(a, b, fresh_depth, *outcome)

    def _kept_apart(self, a: AccessModel, b: AccessModel) -> bool:
        """A guarded write of the pair never runs where it would touch the other's elements."""
        if self._reads_at is None:
            self._reads_at = reads_by_position(self.model.models)
        reads = self._reads_at
        return (a.access.is_write and bool(a.access.guard) and a is not b and never_meet(a, b, reads)) or \
            (b.access.is_write and bool(b.access.guard) and a is not b and never_meet(b, a, reads))

    def _outcome(self, a: AccessModel, b: AccessModel, fresh_depth: int) -> Optional[tuple]:
        """(common loops, pair question or None for different shapes, [(depth, distance or None for a
        loop that is not canonical)]), or None when the accesses never touch the same element."""
        common = common_loops(a, b)
        if len(a.dims) != len(b.dims):
            return common, None, []
        question = self.solver.question(a, b, common)
        if question is None or question.empty():  # None: a subscript compares two different constants
            return None
        carried: list[tuple[int, Optional[str]]] = []
        for k in range(fresh_depth, len(common)):
            if common[k].canonical is None:
                carried.append((k, None))
                continue
            distance = question.carried(k, common[k].canonical.step)
            if distance is not None:
                carried.append((k, distance))
        return common, question, carried

    def _exact_edges(self, a: AccessModel, b: AccessModel, fresh_depth: int, common: list[Loop],
                     question: Optional[PairQuestion], carried: list[tuple[int, Optional[str]]]) -> None:
        if question is None:
            for k in range(fresh_depth, len(common)):
                self._unknown(a, b, common[k], f"{a.access.text} and {b.access.text} use different shapes",
                              code=R.SHAPE_MISMATCH)
            return
        kind = dependence_kind(a.access, b.access)
        for k, distance in carried:
            if distance is None:
                self._unknown(a, b, common[k], f"loop {common[k].id} is not canonical", code=R.NON_CANONICAL)
                continue
            self.graph.add_edge(Edge(
                source=a.access.id, sink=b.access.id, kind=kind, loop=common[k].id, distance=distance,
                reason=f"{kind} dependence from {a.access.text} (line {a.access.line}) to "
                       f"{b.access.text} (line {b.access.line}) carried by {iv_name(common[k])}, "
                       f"distance {distance}"))
        if a is not b and a.order_key() < b.order_key() and question.independent():
            self.graph.add_edge(Edge(source=a.access.id, sink=b.access.id, kind=kind, loop=None,
                                     reason=f"loop-independent {kind} dependence from "
                                            f"{a.access.text} to {b.access.text}"))

    def _unknown(self, a: AccessModel, b: AccessModel, loop: Loop, reason: str,
                 alias: Optional[tuple[str, str]] = None, code: str = R.OTHER) -> None:
        self.graph.add_edge(Edge(source=a.access.id, sink=b.access.id, kind=dependence_kind(a.access, b.access),
                                 loop=loop.id, exact=False, distance="*", reason=reason, alias=alias,
                                 code=R.ALIAS if alias else code))

    def _aliasing(self, x: ObjectModel, y: ObjectModel) -> None:
        subject = f"{x.path} and {y.path} may point to the same memory"
        if x is y:
            subject = f"rows of {x.path} carved from one block may overlap" if x.carved_rows else \
                f"subscripts of {x.path} may run past its member array into the next row"
        for k, a in enumerate(x.accesses):
            for b in y.accesses[k:] if x is y else y.accesses:  # (an object with itself: each pair once)
                if not (a.access.is_write or b.access.is_write):
                    continue
                for src, dst in ((a, b), (b, a)) if a is not b else ((a, a),):
                    for loop in common_loops(src, dst):
                        self._unknown(src, dst, loop, f"{subject} ({src.access.text} and {dst.access.text})",
                                      alias=(x.key, y.key))
        if x is not y and self._equal_is_harmless(x, y):
            self.graph.equal_pointers |= {(x.key, y.key), (y.key, x.key)}

    def _equal_is_harmless(self, x: ObjectModel, y: ObjectModel) -> bool:
        """Whether, were the pointers x and y equal, no dependence between their accesses would be
        carried by any loop of the nest: NAS MG's `resid(u, r, r)`, `r[i3][i2][i1] = v[i3][i2][i1] -
        ...`, reads v only where it writes r. Then the runtime check may let them be equal as well
        as apart. Both are pointer variables the loop does not change, of one shape (Variable.shape:
        one type as the compiler sees it, with rows of fixed sizes), with affine accesses; the
        subscripts then name the same elements."""
        if not all(o.kind == "pointer" and o.path == o.base.name and not o.merged and o.accesses and
                   o.base.name not in self.model.variant for o in (x, y)):
            return False
        if not x.base.shape or x.base.shape != y.base.shape:
            return False  # other types, or rows whose sizes may differ between their declarations
        models = x.accesses + y.accesses
        first = models[0]
        if any(not m.affine or m.strides != first.strides or len(m.dims) != len(first.dims) or
               _unqualified(m.access.element_type) != _unqualified(first.access.element_type) for m in models):
            return False
        for a in x.accesses:
            for b in y.accesses:
                if not (a.access.is_write or b.access.is_write):
                    continue
                for src, dst in ((a, b), (b, a)):
                    outcome = self._outcome(src, dst, 0)
                    if outcome is not None and (outcome[1] is None or outcome[2]):
                        return False  # another shape, or a dependence some loop carries
        return True


def _unqualified(element_type: str) -> str:
    """The type without `const` or `restrict` (a `const double *` reads what a `double *` writes)."""
    return " ".join(re.sub(r"\b(const|restrict|__restrict__|__restrict)\b", " ", element_type).split())


class PairQuestion:
    """Whether two accesses touch the same element, per carrying depth: one isl set over
    [d.., a.., b..] (the pairs of iterations touching the same element, with d = b - a on the common
    loops, as `pair_set_text` writes it) and its answers, computed once."""

    def __init__(self, build, orders, ncommon: int, na: int, nb: int):
        self._build = build
        self._orders = orders  # PairSolver.order_set
        self.ncommon, self.na, self.nb = ncommon, na, nb
        self._set: Optional[isl.Set] = None
        self._empty: Optional[bool] = None
        self._carried: dict[tuple[int, int], Optional[str]] = {}
        self._independent: Optional[bool] = None

    @property
    def set(self) -> isl.Set:
        if self._set is None:
            self._set = self._build()
        return self._set

    def empty(self) -> bool:
        if self._empty is None:
            self._empty = self.set.is_empty()
        return self._empty

    def carried(self, k: int, step: int) -> Optional[str]:
        """The distance of the dependence carried at depth k (a loop of this step), or None."""
        key = (k, step)
        if key not in self._carried:
            carried = self.set.intersect(self._orders(self.ncommon, self.na, self.nb, k, step > 0))
            self._carried[key] = None if carried.is_empty() else distance_text(carried, k, step)
        return self._carried[key]

    def independent(self) -> bool:
        """Whether the same iteration of every common loop touches the same element."""
        if self._independent is None:
            same = self._orders(self.ncommon, self.na, self.nb, None, True)
            self._independent = not self.set.intersect(same).is_empty()
        return self._independent


class PairSolver:
    """The dependence questions of one translation unit, each asked of isl once.

    A question is the pair set of two accesses up to the names of their objects: their domains,
    their subscripts and their common loops. Subscripts equal on both sides without induction
    variables (`u[..][2]` and `u[..][2]`) add nothing and are left out, so the accesses to each
    component of `u[k][j][i][m]` ask the same question; two different constants there answer it
    at once (no common element). Each distinct question is answered once (per depth and step),
    across the loops of a nest and across nests.

    isl's parser intersects constraint by constraint and simplifies each time (3 ms for a pair set of
    two depth-4 accesses), so a question's set is not parsed: it is put together from pieces that
    are: each domain, each subscript equality and the distance definitions, each parsed once."""

    def __init__(self) -> None:
        self._questions: dict[tuple, PairQuestion] = {}
        self._pieces: dict[tuple, isl.Set] = {}
        self._order_sets: dict[tuple, isl.Set] = {}

    def question(self, a: AccessModel, b: AccessModel, common: list[Loop]) -> Optional[PairQuestion]:
        equal: list[str] = []
        for (ta, ia), (tb, ib) in zip(a.dim_texts("a"), b.dim_texts("b")):
            if ia is not None and ib is not None and ia[0] == ib[0]:
                if ia[1] != ib[1]:
                    return None
                continue
            equal.append(f"{ta} = {tb}")
        nc, na, nb = len(common), len(a.loops), len(b.loops)
        dom_a, dom_b = a.domain_text("a"), b.domain_text("b")
        key = (dom_a, dom_b, nc, na, nb, tuple(equal))
        found = self._questions.get(key)
        if found is None:
            found = self._questions[key] = PairQuestion(
                lambda: self._pair_set(dom_a, dom_b, nc, na, nb, equal), self.order_set, nc, na, nb)
        return found

    def order_set(self, nc: int, na: int, nb: int, k: Optional[int], up: bool) -> isl.Set:
        """Constraint set on [d.., a.., b..]: equal before level k and an earlier source at level k
        (whose step is positive when `up`), or all equal when k is None."""
        key = (nc, na, nb, k, up)
        found = self._order_sets.get(key)
        if found is None:
            dims = [f"d{j}" for j in range(nc)] + [f"a{j}" for j in range(na)] + [f"b{j}" for j in range(nb)]
            if k is None:
                cons = [f"d{j} = 0" for j in range(nc)]
            else:
                cons = [f"d{j} = 0" for j in range(k)] + [f"d{k} {'>' if up else '<'} 0"]
            body = " and ".join(cons)
            found = self._order_sets[key] = isl.Set(f"{{ [{', '.join(dims)}]{' : ' + body if body else ''} }}")
        return found

    def _pair_set(self, dom_a: str, dom_b: str, nc: int, na: int, nb: int, equal: list[str]) -> isl.Set:
        pair = self._piece(("domain", "a", na, dom_a)).flat_product(self._piece(("domain", "b", nb, dom_b)))
        pair = pair.insert_dims(isl.dim_type.set, 0, nc).intersect(self._piece(("distance", nc, na, nb)))
        for eq in equal:
            pair = pair.intersect(self._piece(("equal", nc, na, nb, eq)))
        return pair

    def _piece(self, key: tuple) -> isl.Set:
        found = self._pieces.get(key)
        if found is None:
            if key[0] == "domain":
                _, prefix, n, text = key
                dims, cons = [f"{prefix}{k}" for k in range(n)], text
            else:
                nc, na, nb = key[1:4]
                dims = [f"d{k}" for k in range(nc)] + [f"a{k}" for k in range(na)] + [f"b{k}" for k in range(nb)]
                cons = key[4] if key[0] == "equal" else " and ".join(f"d{k} = b{k} - a{k}" for k in range(nc))
            params = sorted(set(_PARAM.findall(cons)))
            found = self._pieces[key] = isl.Set(
                f"[{', '.join(params)}] -> {{ [{', '.join(dims)}]{' : ' + cons if cons else ''} }}")
        return found


_PARAM = re.compile(r"\bP_\w+")


def analysis(tu: TranslationUnit, loop_id: str) -> Analysis:
    with ISL_LOCK:
        return Analysis(tu, tu.loop(loop_id))


def dependence_graph(tu: TranslationUnit, loop_id: str) -> DependenceGraph:
    """The dependence graph of the accesses inside `loop_id`, with the loops that carry each edge."""
    return analysis(tu, loop_id).graph
