"""The isl model of a loop nest: each access's iteration domain (canonical bounds, symbolic parameters,
triangular bounds, constant steps), its subscripts (delinearised when isl proves it), the memory
objects the loop names and which of them may alias.

`LoopModel` is built once per analysed loop; accesses in the same loops share one domain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from autopar import reasons as R
from autopar.deps.counters import constant_of, wrap_problem
from autopar.deps.isl_text import Aff, param_name, render_aff, render_c, set_text, text_is_empty
from autopar.ir import Access, Comparison, Loop, Storage, TranslationUnit, Variable

@dataclass
class AccessModel:
    access: Optional[Access]
    loops: list[Loop]  # enclosing loops from the analysed loop inwards
    dims: Optional[list[Aff]] = None  # subscripts after delinearisation; None when not affine
    reason: Optional[str] = None  # why not affine
    strides: list[tuple[str, ...]] = field(default_factory=list)  # per dim, for the flat range
    # delinearised dims that bound the flat offset although they were not proven unique
    range_dims: Optional[list[Aff]] = None
    range_strides: list[tuple[str, ...]] = field(default_factory=list)
    variant: set[str] = field(default_factory=set)  # names the analysed loop changes (shared set)
    domain: list[str] = field(default_factory=list)  # isl constraints with "@k" for dim k
    exact_domain: bool = True
    params: set[str] = field(default_factory=set)
    # isl text of the domain and subscripts per dim prefix, built once (see `pair_key`)
    _texts: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def affine(self) -> bool:
        return self.dims is not None

    def domain_text(self, prefix: str) -> str:
        key = ("domain", prefix)
        if key not in self._texts:
            self._texts[key] = " and ".join(c.replace("@", prefix) for c in self.domain)
        return self._texts[key]

    def dim_texts(self, prefix: str) -> list[tuple[str, Optional[tuple]]]:
        """Per subscript: its isl text over `prefix` dims, and for a subscript without induction
        variables, (its loop-invariant terms, its constant) to compare it with another cheaply."""
        key = ("dims", prefix)
        if key not in self._texts:
            names = ivs_for(prefix, self)
            out = []
            for d in self.dims:
                invariant = None
                if not any(n in names for n in d if n):
                    invariant = (tuple(sorted((n, c) for n, c in d.items() if n and c)), d.get("", 0))
                out.append((render_aff(d, names), invariant))
            self._texts[key] = out
        return self._texts[key]

    def order_key(self) -> tuple[int, int, int, int]:
        a = self.access
        return (a.statement, 1 if a.is_write else 0, a.line, a.column)


@dataclass
class ObjectModel:
    """One memory object as the loop names it: an array, what a pointer points to, a member path."""

    key: str
    path: str
    base: Variable
    kind: str  # "array" | "pointer" | "member" | "scalar" (a global scalar used by name)
    accesses: list[AccessModel] = field(default_factory=list)
    written_by_name: bool = False  # for "scalar": the loop assigns it by name

    @property
    def written(self) -> bool:
        return self.written_by_name or any(m.access.is_write for m in self.accesses)

    @property
    def indexed_path(self) -> bool:
        """Whether the subscripts index the path itself (`s.data[i]`, `p->x[i]`), so that `path + k`
        is a valid pointer expression; False for `p[i].x`, whose path is spelled "p.x"."""
        if not self.accesses:
            return False
        text = self.accesses[0].access.text.replace(" ", "")
        path = self.path.replace(" ", "")
        return text.startswith(path) and (len(text) == len(path) or text[len(path)] == "[")

    @property
    def distinct(self) -> bool:
        """A restrict pointer or a named array: nothing else in the loop reaches it."""
        if self.kind == "array":
            return True
        return self.kind == "pointer" and self.base.unaliased


def object_key(access: Access) -> str:
    return f"{access.path}@{access.base.decl}"


def _object_kind(access: Access) -> str:
    base = access.base
    if access.path != base.name:
        return "member"
    if base.is_array and not base.is_pointer:
        return "array"
    return "pointer"


def _spelled_struct(type_text: str) -> bool:
    """`struct T` spelled out: its fields never overlap (a union's do; a typedef could be either)."""
    return re.search(r"\bstruct\b", type_text) is not None and "union" not in type_text


def _derived_pointer(obj: ObjectModel) -> bool:
    """A pointer local to the function (or a member reached through one): it may have been set from
    any other pointer or array before the loop, restrict ones included."""
    return obj.kind in ("pointer", "member") and obj.base.is_pointer and \
        obj.base.storage in (Storage.LOCAL, Storage.STATIC_LOCAL) and not obj.base.enters_with_call


def _own_automatic_array(obj: ObjectModel) -> bool:
    return obj.kind == "array" and obj.base.storage == Storage.LOCAL


def may_alias(x: ObjectModel, y: ObjectModel) -> bool:
    """Whether two distinct objects of a loop may overlap in memory."""
    if x.key == y.key:
        return True
    for a, b in ((x, y), (y, x)):
        if a.kind == "pointer" and a.base.enters_with_call and _own_automatic_array(b):
            return False  # the array did not exist when the pointer was passed in
    if _derived_pointer(x) or _derived_pointer(y):
        return True  # a local pointer may be based on a restrict pointer or point into an array
    if x.distinct and y.distinct:
        return False
    if x.kind == "member" and y.kind == "member" and x.base.decl == y.base.decl and \
            not x.indexed_path and not y.indexed_path and _spelled_struct(x.base.type) and \
            x.path.count(".") == 1 and y.path.count(".") == 1 and "->" not in x.path + y.path:
        # p[i].x and p[j].y: different top-level fields of struct elements never overlap (a nested
        # member could sit in a union)
        return False
    for a, b in ((x, y), (y, x)):
        if a.kind == "pointer" and a.base.unaliased:
            return False  # restrict: nothing else reaches its pointee while it is modified
        if a.kind == "array" and b.kind == "array":
            return False
    return True


class LoopModel:
    """The accesses of one loop (nested loops included) as isl-ready models."""

    def __init__(self, tu: TranslationUnit, loop: Loop):
        self.tu = tu
        self.loop = loop
        self._runs_once: Optional[bool] = None  # see runs_at_least_once
        self.loops = {l.id: l for l in [loop, *descendants(tu, loop)]}
        # names whose value changes inside the loop: never parameters
        # (a name declared inside the loop is a new object each iteration, whatever its initialiser)
        self.variant = {s.variable.name for s in loop.scalars if s.written or s.declared_in_loop}
        self.variant |= {l.canonical.induction_variable for l in self.loops.values() if l.canonical}
        ancestors = tu.ancestors(loop.id)
        self.outer_ivs = {outer.canonical.induction_variable for outer in ancestors if outer.canonical}
        # the enclosing loops' bounds hold for their (fixed) variables while this loop runs
        self.context = AccessModel(access=loop.accesses[0] if loop.accesses else None, loops=[])
        for outer in ancestors:
            if outer.canonical and not outer.writes_induction_variable and \
                    outer.canonical.induction_variable not in self.variant:
                self._bound(self.context, param_name(outer.canonical.induction_variable), outer, {})
        self.objects: dict[str, ObjectModel] = {}
        self.object_of: dict[str, str] = {}  # access id -> object key
        self.models: list[AccessModel] = []
        self._domains: dict[tuple[str, ...], tuple] = {}  # loop chain -> (loops, domain, params, exact)
        for access in sorted(loop.accesses, key=lambda a: (a.statement, a.is_write, a.line, a.column)):
            model = self._model(access)
            self.models.append(model)
            key = object_key(access)
            if key not in self.objects:
                self.objects[key] = ObjectModel(key=key, path=access.path, base=access.base,
                                                kind=_object_kind(access))
            self.objects[key].accesses.append(model)
            self.object_of[access.id] = key
        for obj in self.objects.values():
            self._shape(obj)

    # -- domains

    def _model(self, access: Access) -> AccessModel:
        ids = access.enclosing_loops
        start = ids.index(self.loop.id) if self.loop.id in ids else len(ids)
        chain = tuple(i for i in ids[start:] if i in self.loops)
        known = self._domains.get(chain)
        if known is None:  # accesses in the same loops share their domain: build it once
            loops = [self.loops[i] for i in chain]
            model = AccessModel(access=None, loops=loops, domain=list(self.context.domain), variant=self.variant)
            ivs: dict[str, str] = {}
            for k, l in enumerate(loops):
                self._bound(model, k, l, ivs)
                if l.canonical:
                    ivs[l.canonical.induction_variable] = f"@{k}"
            known = self._domains[chain] = (loops, tuple(model.domain), frozenset(model.params), model.exact_domain)
        loops, domain, params, exact = known
        return AccessModel(access=access, loops=list(loops), domain=list(domain), variant=self.variant,
                           params=set(params), exact_domain=exact)

    def _usable(self, aff, ivs: dict[str, str]) -> Optional[Aff]:
        """An AffineExpr as a linear Aff over dims and invariant parameters, or None.

        A product of loop-invariant names ("m*n") is itself invariant: it becomes one parameter."""
        if aff is None:
            return None
        out: Aff = {"": aff.constant} if aff.constant else {}
        for name, coeff in aff.coefficients.items():
            factors = name.split("*")
            if len(factors) > 1 and any(f in ivs for f in factors):
                return None
            if any(f not in ivs and f in self.variant for f in factors):
                return None
            out[name] = out.get(name, 0) + coeff
        return out

    def _bound(self, model: AccessModel, k, loop: Loop, ivs: dict[str, str]) -> None:
        c = loop.canonical
        if c is None or wrap_problem(c) is not None:
            model.exact_domain = False  # a counter that may wrap visits values the bounds do not describe
            return
        if c.step_symbol:
            model.exact_domain = False  # every value between the bounds: a superset of the iterations
        me = f"@{k}" if isinstance(k, int) else k
        lower, upper = self._usable(c.lower, ivs), self._usable(c.upper, ivs)
        names = dict(ivs)
        for aff in (lower, upper):
            if aff:
                model.params |= {param_name(n) for n in aff if n and n not in ivs}
        up = c.step > 0
        # a min/max bound: every usable piece is a constraint (a piece left out only widens the domain)
        lower_each = [self._usable(p, ivs) for p in c.lower_each]
        upper_each = [self._usable(p, ivs) for p in c.upper_each]
        for aff in [*lower_each, *upper_each]:
            if aff:
                model.params |= {param_name(n) for n in aff if n and n not in ivs}
        if lower is not None:
            model.domain.append(f"{me} {'>=' if up else '<='} {render_aff(lower, names)}")
            model.domain += [f"{me} {'>=' if up else '<='} {render_aff(p, names)}" for p in lower_each if p]
            if abs(c.step) != 1:
                model.domain.append(
                    f"exists (e{me} : {me} = {render_aff(lower, names)} + {c.step}*e{me} and e{me} >= 0)")
        elif lower_each and None not in lower_each:
            pieces = [render_aff(p, names) for p in lower_each]
            model.domain += [f"{me} {'>=' if up else '<='} {p}" for p in pieces]
            if abs(c.step) != 1:
                first = f"{'max' if up else 'min'}({', '.join(pieces)})" if len(pieces) > 1 else pieces[0]
                model.domain.append(f"exists (e{me} : {me} = {first} + {c.step}*e{me} and e{me} >= 0)")
        else:
            model.domain += [f"{me} {'>=' if up else '<='} {render_aff(p, names)}" for p in lower_each if p]
            model.exact_domain = False
        op = {Comparison.LT: "<", Comparison.LE: "<=", Comparison.GT: ">", Comparison.GE: ">=",
              Comparison.NE: "<" if up else ">"}[c.comparison]
        if upper is not None and (op in ("<", "<=")) == up:
            model.domain.append(f"{me} {op} {render_aff(upper, names)}")
            if c.comparison != Comparison.NE:
                model.domain += [f"{me} {op} {render_aff(p, names)}" for p in upper_each if p]
        elif upper_each and (op in ("<", "<=")) == up and c.comparison != Comparison.NE:
            model.domain += [f"{me} {op} {render_aff(p, names)}" for p in upper_each if p]
            if None in upper_each:
                model.exact_domain = False
        else:
            model.exact_domain = False

    # -- subscripts and delinearisation

    def _shape(self, obj: ObjectModel) -> None:
        """Fill `dims` of each access of one object, delinearising when needed; or mark non-affine."""
        direct = _direct_dims(obj)
        for m in obj.accesses:
            if not m.access.is_affine:
                bad = next(s for s in m.access.subscripts if s.affine is None)
                reason = bad.non_affine_reason or f"subscript {bad.text} is not affine"
                m.reason = R.Reason(f"{reason} in {m.access.text}" if m.access.text not in reason else reason,
                                    R.NOT_AFFINE)
            elif len(m.access.subscripts) > direct:
                m.reason = R.Reason(_loaded_reason(m.access, direct), R.POINTER_LOADED)
            elif obj.kind in ("pointer", "member") and obj.base.name in self.variant:
                m.reason = R.Reason(f"{obj.base.name} changes inside the loop", R.POINTER_CHANGES)
        if any(m.reason for m in obj.accesses):
            for m in obj.accesses:
                m.reason = m.reason or first_reason(obj)
            return
        ranks = {len(m.access.subscripts) for m in obj.accesses}
        linear = all(all(f not in ivs_for("@", m) for mono in s.affine.coefficients if "*" in mono
                         for f in mono.split("*"))
                     for m in obj.accesses for s in m.access.subscripts)
        squares = any(len(set(mono.split("*"))) == 1 and "*" in mono
                      for m in obj.accesses for sub in m.access.subscripts for mono in sub.affine.coefficients)
        if linear and ranks == {1} and squares and self._delinearise(obj, tentative=True):
            return  # a[(n - 1) * n + j]: rows of length n
        if linear and len(ranks) == 1:
            for m in obj.accesses:
                ivs = ivs_for("@", m)
                dims = [self._usable(s.affine, ivs) for s in m.access.subscripts]
                if any(d is None for d in dims):
                    bad = next(s for s, d in zip(m.access.subscripts, dims) if d is None)
                    names = sorted(bad.affine.variables & self.variant - set(ivs))
                    m.reason = R.Reason(f"subscript {bad.text} uses {', '.join(names)}, which the loop changes",
                                        R.SUBSCRIPT_VARIANT)
                else:
                    m.dims = dims
                    m.strides = [()] * len(dims)
                    m.params |= {param_name(n) for d in dims for n in d if n and n not in ivs}
            if any(m.reason for m in obj.accesses):
                for m in obj.accesses:
                    m.dims, m.reason = None, m.reason or first_reason(obj)
            return
        if ranks != {1}:
            for m in obj.accesses:
                m.reason = R.Reason(f"{obj.path} is accessed with different numbers of subscripts", R.SHAPE_MISMATCH)
            return
        self._delinearise(obj)

    def _delinearise(self, obj: ObjectModel, tentative: bool = False) -> bool:
        """Split flat subscripts into dims by their strides; True on success. A tentative attempt
        leaves the accesses untouched when it fails."""
        found = self._flat_parts(obj)
        failure = found if isinstance(found, R.Reason) else None
        if failure is None:
            split, strides, pending = found
            _place_invariant_terms(split, strides, pending)
            chain = sorted(strides, key=len)
            failure = _chain_problem(obj, chain)
        if failure is None:
            for m, parts in zip(obj.accesses, split):
                ivs = ivs_for("@", m)
                dims = [{k: v for k, v in parts.get(s, {}).items() if v} for s in reversed(chain)]
                m.dims, m.strides = dims, list(reversed(chain))
                m.params |= {param_name(n) for d in dims for n in d if n and n not in ivs}
                m.params |= {param_name(p) for s in chain for p in s}
            failure = _dims_out_of_range(obj, chain)
        if failure and tentative:
            for m in obj.accesses:
                m.dims, m.strides, m.reason = None, [], None
            return False
        if failure:
            for m in obj.accesses:
                if m.dims is not None:
                    # not unique, but still bounds the flat offset when every stride is positive
                    m.range_dims, m.range_strides = m.dims, m.strides
                m.dims, m.strides, m.reason = None, [], failure
        return not failure

    def _flat_parts(self, obj: ObjectModel):
        """Each access's flat subscript as {stride: {loop variable or "": coefficient}}, the strides
        seen, and the loop-invariant terms to place (access index, parameters, coefficient); or
        the reason it cannot be split."""
        split: list[dict[tuple[str, ...], Aff]] = []
        strides: set[tuple[str, ...]] = {()}
        pending: list[tuple[int, tuple[str, ...], int]] = []
        for idx, m in enumerate(obj.accesses):
            ivs = ivs_for("@", m)
            expr = m.access.subscripts[0].affine
            parts: dict[tuple[str, ...], Aff] = {}
            if expr.constant:
                parts.setdefault((), {})[""] = expr.constant
            for mono, coeff in expr.coefficients.items():
                names = mono.split("*")
                iv_names = [n for n in names if n in ivs]
                params = tuple(sorted(n for n in names if n not in ivs))
                if any(p in self.variant for p in params):
                    return R.Reason(f"subscript {m.access.text} uses "
                                    f"{', '.join(p for p in params if p in self.variant)}, which the loop changes",
                                    R.SUBSCRIPT_VARIANT)
                if len(iv_names) > 1:
                    return R.Reason(f"subscript {m.access.text} multiplies loop variables", R.NOT_AFFINE)
                outer = [n for n in params if n in self.outer_ivs]
                if not iv_names and len(params) >= 2 and len(outer) == 1:
                    # an outer induction variable is fixed here but still indexes a row
                    iv_names, params = outer, tuple(n for n in params if n != outer[0])
                if iv_names:
                    strides.add(params)
                    part = parts.setdefault(params, {})
                    part[iv_names[0]] = part.get(iv_names[0], 0) + coeff
                else:
                    pending.append((idx, params, coeff))
            split.append(parts)
        return split, strides, pending


def _place_invariant_terms(split: list[dict], strides: set[tuple[str, ...]],
                           pending: list[tuple[int, tuple[str, ...], int]]) -> None:
    """Each loop-invariant term of a flat subscript goes to the stride it multiplies (a row index
    times the row length), or stays a parameter of the innermost part."""
    for idx, params, coeff in pending:
        if len(params) >= 2 and len(set(params)) == 1:
            # n*n (a row index times the row length n): rows of length n, n*n, ...
            strides.update(params[:k] for k in range(1, len(params)))
    for idx, params, coeff in pending:
        part_key, var = None, None
        if params in strides:
            part_key, var = params, ""
        elif len(params) == 1:
            part_key, var = (), params[0]
        else:
            for p in params:
                rest = list(params)
                rest.remove(p)
                if tuple(rest) in strides:
                    part_key, var = tuple(rest), p
                    break
        if part_key is None:  # a loop-invariant product: one parameter
            part_key, var = (), "*".join(params)
        part = split[idx].setdefault(part_key, {})
        part[var] = part.get(var, 0) + coeff


def _chain_problem(obj: ObjectModel, chain: list[tuple[str, ...]]) -> Optional[R.Reason]:
    """Strides must nest, each the one before times one more parameter (n, n*m, n*m*k)."""
    for prev, nxt in zip(chain, chain[1:]):
        rest = list(nxt)
        for p in prev:
            if p in rest:
                rest.remove(p)
            else:
                rest = []
                break
        if len(nxt) != len(prev) + 1 or len(rest) != 1:
            return R.Reason(f"cannot delinearise the subscripts of {obj.path}", R.DELINEARISE)
    return None


def _dims_out_of_range(obj: ObjectModel, chain: list[tuple[str, ...]]) -> Optional[R.Reason]:
    """Proves 0 <= dim < the extra parameter of the next stride on each access's domain, or says
    which access may leave its row."""
    for m in obj.accesses:
        dims = m.dims
        for level in range(1, len(chain)):
            extra = [p for p in chain[level] if p not in chain[level - 1] or
                     chain[level].count(p) > chain[level - 1].count(p)][0]
            inner = dims[len(chain) - level]
            text = set_text([("a", m)], extra=[
                f"({render_aff(inner, ivs_for('a', m))} < 0 or "
                f"{render_aff(inner, ivs_for('a', m))} >= {param_name(extra)})"])
            if not text_is_empty(text):
                return R.Reason(f"cannot delinearise {m.access.text}: "
                                f"{render_c(inner)} may leave [0, {extra})", R.DELINEARISE)
    return None


def first_reason(obj: ObjectModel) -> str:
    """Why the first non-affine access of an object is not affine: the reason for all of them."""
    return next(m.reason for m in obj.accesses if m.reason)


def ivs_for(prefix: str, m: AccessModel) -> dict[str, str]:
    """Induction variable name -> isl dim name (prefix + depth) for one access."""
    return {l.canonical.induction_variable: f"{prefix}{k}" for k, l in enumerate(m.loops) if l.canonical}


def _loaded_reason(access: Access, direct: int) -> str:
    """Why an access through pointers loaded from memory (`u[i][j][k]` of a `double ***u`, rows of a
    `double **`) is not modelled: it names the loaded pointers."""
    subs = access.subscripts
    loaded = [access.path + "".join(f"[{s.text}]" for s in subs[:k]) for k in range(direct, len(subs))]
    names = " and ".join(loaded)
    return (f"{access.text} goes through a loaded pointer: {names} {'are' if len(loaded) > 1 else 'is'} read "
            f"from memory (a multi-level pointer) whose rows are not proven disjoint")


def _direct_dims(obj: ObjectModel) -> int:
    """How many subscripts index the object itself (more go through a loaded pointer)."""
    base = obj.base
    if obj.kind == "array":
        return max(1, len(base.array_dims))
    if obj.kind == "pointer" and "(*" in base.type.replace(" ", ""):
        return 1 + base.type.count("[")
    if obj.kind == "pointer" and base.array_dims:
        return len(base.array_dims)  # a parameter declared as an array: `double a[64][64]`
    return 1


def common_loops(a: AccessModel, b: AccessModel) -> list[Loop]:
    common = []
    for x, y in zip(a.loops, b.loops):
        if x.id != y.id:
            break
        common.append(x)
    return common


def descendants(tu: TranslationUnit, loop: Loop) -> list[Loop]:
    """All loops nested in `loop`, in source order (`TranslationUnit.descendants`, kept on the unit)."""
    known = tu.cache("deps.descendants", dict)
    if loop.id not in known:
        known[loop.id] = tu.descendants(loop.id)
    return known[loop.id]


def declared_inside(var: Variable, loop: Loop) -> bool:
    try:
        line, column = (int(x) for x in var.decl.split(":")[-2:])
    except ValueError:
        return False
    return (line, column) > (loop.line, loop.column) and line <= loop.end_line


def iv_name(loop: Loop) -> str:
    return loop.canonical.induction_variable if loop.canonical else loop.id


# ------------------------------------------------------------------------------- trip count >= 1

def runs_at_least_once(model: LoopModel) -> bool:
    """Whether the loop of `model` runs at least once every time it starts, proven by isl from its
    bounds and those of the loops around it (an inner `for (j = 0; j < i; j++)` under `i >= 1`).
    Loops whose counter is unsigned or compared as unsigned are proven only for constant bounds.
    The answer is kept on the model."""
    if model._runs_once is None:
        model._runs_once = _runs_at_least_once(model)
    return model._runs_once


def _runs_at_least_once(model: LoopModel) -> bool:
    import islpy as isl

    loop = model.loop
    c = loop.canonical
    if c is None or wrap_problem(c) is not None:
        return False
    if c.iv_unsigned or c.compare_unsigned:
        lower, upper = constant_of(c.lower), constant_of(c.upper)
        if lower is None or upper is None:
            return False
        return {Comparison.LT: lower < upper, Comparison.LE: lower <= upper, Comparison.GT: lower > upper,
                Comparison.GE: lower >= upper, Comparison.NE: lower != upper}[c.comparison]
    own = AccessModel(access=None, loops=[loop], variant=model.variant)
    model._bound(own, 0, loop, {})
    if not own.exact_domain:
        return False
    # the enclosing loops' bounds hold for the values their variables had when those loops started:
    # keep only constraints on names no enclosing loop writes (their own counters aside)
    ancestors = model.tu.ancestors(loop.id)
    counters = {a.canonical.induction_variable for a in ancestors if a.canonical}
    stale = {param_name(s.variable.name) for a in ancestors for s in a.scalars
             if (s.written or s.declared_in_loop) and s.variable.name not in counters}
    context = [con for con in model.context.domain if not set(re.findall(r"\bP_\w+", con)) & stale]
    iterations = [con.replace("@", "a") for con in own.domain]
    params = sorted(set(re.findall(r"\bP_\w+", " ".join(context + iterations))))
    head = f"[{', '.join(params)}] -> "
    entered = isl.Set(head + "{ [] : " + (" and ".join(context) or "0 = 0") + " }")
    nonempty = isl.Set(head + "{ [a0] : " + " and ".join(context + iterations) + " }").params()
    return entered.params().is_subset(nonempty)
