"""Exact dependence analysis of one loop (and the loops nested in it) with isl.

Each access becomes an integer set: its iteration domain (built from the canonical bounds, with
symbolic parameters, triangular bounds and any constant step) and its subscripts. Linearised
subscripts `a[i*n + j]` are delinearised into `a[i][j]` when isl proves the inner part stays in
[0, n). For every pair of accesses that may touch the same memory, with at least one write, isl
answers whether a pair of iterations touching the same element exists with equal outer iterations and
an earlier source at a given loop: that is a dependence carried by that loop, and the deltas give its
distance. Accesses isl cannot model, and objects that may alias, give conservative `unknown` edges
with the reason. Nothing is ever silently ignored.

The result is a `DependenceGraph` wrapping a networkx MultiDiGraph whose nodes are access ids.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

import islpy as isl
import networkx as nx

from autopar.ir import Access, CanonicalForm, Comparison, Loop, Storage, TranslationUnit, Variable

Aff = dict[str, int]  # name -> coefficient; "" is the constant term

# isl's default context and the caches below are not thread-safe: one analysis at a time per process
ISL_LOCK = threading.RLock()


# ------------------------------------------------------------------------------------------ the graph

@dataclass
class Edge:
    source: str  # access id (or "scalar:<name>")
    sink: str
    kind: str  # "flow" | "anti" | "output"
    loop: Optional[str]  # the carrying loop id; None for a loop-independent dependence
    exact: bool = True  # False: conservative (non-affine access or possible aliasing)
    distance: Optional[str] = None  # iterations of the carrying loop, "*" when it varies
    reason: str = ""  # a sentence a user understands
    alias: Optional[tuple[str, str]] = None  # the two object keys when the edge exists only by aliasing


class DependenceGraph:
    """Dependences of the accesses inside one loop. Nodes: access ids; edges: `Edge` data."""

    def __init__(self, loop_id: str):
        self.loop_id = loop_id
        self.graph = nx.MultiDiGraph(loop=loop_id)
        self.objects: dict[str, "ObjectModel"] = {}
        self._edges: list[Edge] = []  # the same edges as the graph, in insertion order, for fast queries
        self._by_loop: dict[Optional[str], list[Edge]] = {}

    def add_access(self, access: Access) -> None:
        self.graph.add_node(access.id, text=access.text, line=access.line, column=access.column,
                            write=access.is_write, object=access.path)

    def add_edge(self, edge: Edge) -> None:
        self.graph.add_edge(edge.source, edge.sink, key=len(self._edges),
                            edge=edge, kind=edge.kind, loop=edge.loop, exact=edge.exact,
                            distance=edge.distance, reason=edge.reason)
        self._edges.append(edge)
        self._by_loop.setdefault(edge.loop, []).append(edge)

    @property
    def edges(self) -> list[Edge]:
        return list(self._edges)

    def carried_by(self, loop_id: str) -> list[Edge]:
        return list(self._by_loop.get(loop_id, []))

    def to_dot(self) -> str:
        lines = [f'digraph "{self.loop_id}" {{']
        for node, data in self.graph.nodes(data=True):
            label = f"{data.get('text', node)} ({'W' if data.get('write') else 'R'}, line {data.get('line', '?')})"
            lines.append(f'  "{node}" [label="{_dot_escape(label)}"];')
        for edge in self.edges:
            label = edge.kind + (f" {edge.loop.split(':', 1)[-1]}" if edge.loop else " indep")
            if edge.distance:
                label += f" d={edge.distance}"
            if not edge.exact:
                label += " ?"
            style = "" if edge.exact else ", style=dashed"
            lines.append(f'  "{edge.source}" -> "{edge.sink}" [label="{_dot_escape(label)}"{style}];')
        lines.append("}")
        return "\n".join(lines)


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


# ------------------------------------------------------------------------------------- access models

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

    @property
    def affine(self) -> bool:
        return self.dims is not None

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
        return self.kind == "pointer" and self.base.restrict


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
        obj.base.storage in (Storage.LOCAL, Storage.STATIC_LOCAL)


def may_alias(x: ObjectModel, y: ObjectModel) -> bool:
    """Whether two distinct objects of a loop may overlap in memory."""
    if x.key == y.key:
        return True
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
        if a.kind == "pointer" and a.base.restrict:
            return False  # restrict: nothing else reaches its pointee while it is modified
        if a.kind == "array" and b.kind == "array":
            return False
    return True


# ------------------------------------------------------------------------------------- isl helpers

_ODD_NAMES: dict[str, str] = {}  # isl-safe identifier -> C text, for names that are not identifiers


def _param(name: str) -> str:
    """The isl parameter of a loop-invariant C name, or of a product of them ("m*n")."""
    ident = "P_" + name.replace("*", "_X_")
    if re.fullmatch(r"\w+", ident) and "_Q" not in ident:
        return ident
    safe = f"P_Q{abs(hash(name)) % 10**12}"
    _ODD_NAMES[safe] = name
    return safe


def _c_name(param: str) -> str:
    """The C text of an isl parameter made by `_param`."""
    if param in _ODD_NAMES:
        return _ODD_NAMES[param]
    return param[2:].replace("_X_", "*")


def _render(aff: Aff, names: dict[str, str]) -> str:
    parts = []
    for name, coeff in sorted(aff.items()):
        if coeff == 0:
            continue
        sym = str(abs(coeff)) if name == "" else (names.get(name) or _param(name))
        if name and abs(coeff) != 1:
            sym = f"{abs(coeff)}*{sym}"
        parts.append(("- " if coeff < 0 else "+ ") + sym)
    if not parts:
        return "0"
    text = " ".join(parts)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


@lru_cache(maxsize=20000)
def _parse_set(text: str) -> isl.Set:
    return isl.Set(text)


def _empty(text: str) -> bool:
    return _parse_set(text).is_empty()


# ------------------------------------------------------------------------------ unsigned counters

def _constant(aff) -> Optional[int]:
    return aff.constant if aff is not None and not aff.coefficients else None


def wrap_problem(c: CanonicalForm) -> Optional[str]:
    """Why the affine model `lower <= iv < upper` may not be the iterations the loop runs, or None.

    Signed counters cannot wrap in a defined program. An unsigned counter, or a comparison that C
    performs in an unsigned type, wraps modulo 2^N: `for (unsigned i = -7; i != 5; i++)` runs 12
    times through 2^32 - 7 .. 4, while OpenMP counts (5 - (2^32 - 7)) / 1 iterations, none.
    The loop is exact when the bounds are constants in range and in order, or when a `!=` loop
    starts (or, counting down, ends) at 0, or when a signed counter compared as unsigned starts at
    a constant >= 0 and counts up."""
    if not (c.iv_unsigned or c.compare_unsigned):
        return None
    iv = c.induction_variable
    lower, upper = _constant(c.lower), _constant(c.upper)
    bits = min(c.iv_bits or 64, c.compare_bits or 64)
    limit = 2 ** bits
    for value, what in ((lower, "initial value"), (upper, "bound")):
        if value is not None and not 0 <= value < limit:
            return f"unsigned loop may wrap: the {what} of {iv} is out of the range of its unsigned type"
    if not c.iv_unsigned:  # a signed counter compared as unsigned: negative values compare as huge ones
        if c.step > 0 and lower is not None and lower >= 0:
            return None
        return (f"signed counter {iv} is compared as unsigned: it may wrap unless it starts at a "
                "constant >= 0 and counts up")
    if c.comparison != Comparison.NE:
        return None
    if lower is not None and upper is not None:
        if (lower <= upper) if c.step > 0 else (lower >= upper):
            return None
    elif (c.step > 0 and lower == 0) or (c.step < 0 and upper == 0):
        return None
    return f"unsigned loop may wrap: {iv} != {c.upper_text} may pass through 0"


# ----------------------------------------------------------------------------------- the loop model

class LoopModel:
    """The accesses of one loop (nested loops included) as isl-ready models."""

    def __init__(self, tu: TranslationUnit, loop: Loop):
        self.tu = tu
        self.loop = loop
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
                self._bound(self.context, _param(outer.canonical.induction_variable), outer, {})
        self.objects: dict[str, ObjectModel] = {}
        self.object_of: dict[str, str] = {}  # access id -> object key
        self.models: list[AccessModel] = []
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
        loops = [self.loops[i] for i in ids[start:] if i in self.loops]
        model = AccessModel(access=access, loops=loops, domain=list(self.context.domain), variant=self.variant)
        ivs: dict[str, str] = {}
        for k, l in enumerate(loops):
            self._bound(model, k, l, ivs)
            if l.canonical:
                ivs[l.canonical.induction_variable] = f"@{k}"
        return model

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
        me = f"@{k}" if isinstance(k, int) else k
        lower, upper = self._usable(c.lower, ivs), self._usable(c.upper, ivs)
        names = dict(ivs)
        for aff in (lower, upper):
            if aff:
                model.params |= {_param(n) for n in aff if n and n not in ivs}
        up = c.step > 0
        if lower is not None:
            model.domain.append(f"{me} {'>=' if up else '<='} {_render(lower, names)}")
            if abs(c.step) != 1:
                model.domain.append(
                    f"exists (e{me} : {me} = {_render(lower, names)} + {c.step}*e{me} and e{me} >= 0)")
        else:
            model.exact_domain = False
        op = {Comparison.LT: "<", Comparison.LE: "<=", Comparison.GT: ">", Comparison.GE: ">=",
              Comparison.NE: "<" if up else ">"}[c.comparison]
        if upper is not None and (op in ("<", "<=")) == up:
            model.domain.append(f"{me} {op} {_render(upper, names)}")
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
                m.reason = f"{reason} in {m.access.text}" if m.access.text not in reason else reason
            elif len(m.access.subscripts) > direct:
                m.reason = f"{m.access.text} goes through a loaded pointer"
            elif obj.kind in ("pointer", "member") and obj.base.name in self.variant:
                m.reason = f"{obj.base.name} changes inside the loop"
        if any(m.reason for m in obj.accesses):
            for m in obj.accesses:
                m.reason = m.reason or _first_reason(obj)
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
                    m.reason = f"subscript {bad.text} uses {', '.join(names)}, which the loop changes"
                else:
                    m.dims = dims
                    m.strides = [()] * len(dims)
                    m.params |= {_param(n) for d in dims for n in d if n and n not in ivs}
            if any(m.reason for m in obj.accesses):
                for m in obj.accesses:
                    m.dims, m.reason = None, m.reason or _first_reason(obj)
            return
        if ranks != {1}:
            for m in obj.accesses:
                m.reason = f"{obj.path} is accessed with different numbers of subscripts"
            return
        self._delinearise(obj)

    def _delinearise(self, obj: ObjectModel, tentative: bool = False) -> bool:
        """Split flat subscripts into dims by their strides; True on success. A tentative attempt
        leaves the accesses untouched when it fails."""
        split: list[Optional[dict[tuple[str, ...], Aff]]] = []
        strides: set[tuple[str, ...]] = {()}
        pending: list[tuple[int, tuple[str, ...], int]] = []
        failure = None
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
                    failure = f"subscript {m.access.text} uses {', '.join(p for p in params if p in self.variant)}, which the loop changes"
                    break
                if len(iv_names) > 1:
                    failure = f"subscript {m.access.text} multiplies loop variables"
                    break
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
            if failure:
                break
            split.append(parts)
        if failure is None:
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
        chain = sorted(strides, key=len)
        if failure is None:
            for prev, nxt in zip(chain, chain[1:]):
                rest = list(nxt)
                for p in prev:
                    if p in rest:
                        rest.remove(p)
                    else:
                        rest = []
                        break
                if len(nxt) != len(prev) + 1 or len(rest) != 1:
                    failure = f"cannot delinearise the subscripts of {obj.path}"
                    break
        if failure is None:
            for m, parts in zip(obj.accesses, split):
                ivs = ivs_for("@", m)
                dims = [{k: v for k, v in parts.get(s, {}).items() if v} for s in reversed(chain)]
                m.dims, m.strides = dims, list(reversed(chain))
                m.params |= {_param(n) for d in dims for n in d if n and n not in ivs}
                m.params |= {_param(p) for s in chain for p in s}
            for m in obj.accesses:
                # prove 0 <= dim < extra parameter of the next stride, on the domain
                dims = m.dims
                for level in range(1, len(chain)):
                    extra = [p for p in chain[level] if p not in chain[level - 1] or
                             chain[level].count(p) > chain[level - 1].count(p)][0]
                    inner = dims[len(chain) - level]
                    text = _set_text([("a", m)], extra=[
                        f"({_render(inner, ivs_for('a', m))} < 0 or "
                        f"{_render(inner, ivs_for('a', m))} >= {_param(extra)})"])
                    if not _empty(text):
                        failure = (f"cannot delinearise {m.access.text}: "
                                   f"{_render_c(inner)} may leave [0, {extra})")
                        break
                if failure:
                    break
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


def _first_reason(obj: ObjectModel) -> str:
    """Why the first non-affine access of an object is not affine: the reason for all of them."""
    return next(m.reason for m in obj.accesses if m.reason)


def ivs_for(prefix: str, m: AccessModel) -> dict[str, str]:
    """Induction variable name -> isl dim name (prefix + depth) for one access."""
    return {l.canonical.induction_variable: f"{prefix}{k}" for k, l in enumerate(m.loops) if l.canonical}


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


def _render_c(aff: Aff) -> str:
    return _render(aff, {n: n for n in aff if n}).replace("*", " * ")


def _set_text(parts: list[tuple[str, AccessModel]], pre: list[str] = (), extra: list[str] = ()) -> str:
    """One isl set over the dims of several accesses: `[params] -> { [pre..., a0.., b0..] : ... }`."""
    dims = list(pre)
    cons: list[str] = []
    params: set[str] = set()
    for prefix, m in parts:
        dims += [f"{prefix}{k}" for k in range(len(m.loops))]
        cons += [c.replace("@", prefix) for c in m.domain]
        params |= m.params
    cons += list(extra)
    for c in cons:
        params |= set(re.findall(r"\bP_\w+", c))
    body = " and ".join(cons) if cons else ""
    return f"[{', '.join(sorted(params))}] -> {{ [{', '.join(dims)}]{' : ' + body if body else ''} }}"


# ------------------------------------------------------------------------------ dependences of pairs

def _kind(src: Access, dst: Access) -> str:
    if src.is_write and dst.is_write:
        return "output"
    return "flow" if src.is_write else "anti"


def _common(a: AccessModel, b: AccessModel) -> list[Loop]:
    common = []
    for x, y in zip(a.loops, b.loops):
        if x.id != y.id:
            break
        common.append(x)
    return common


_MEMO: dict[tuple, tuple[object, object]] = {}


def memo(kind: str, obj: object, compute):
    """Cache a fact about an IR object (or a tuple of them, e.g. a loop within one translation unit)
    while the objects live: the cache holds them, so their ids cannot be reused meanwhile."""
    parts = obj if isinstance(obj, tuple) else (obj,)
    key = (kind, *map(id, parts))
    hit = _MEMO.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], parts)):
        return hit[1]
    if len(_MEMO) > 200000:
        _MEMO.clear()
    value = compute()
    _MEMO[key] = (parts, value)
    return value


def descendants(tu: TranslationUnit, loop: Loop) -> list[Loop]:
    """All loops nested in `loop`, in source order (`TranslationUnit.descendants`, memoised)."""
    return memo("descendants", (tu, loop), lambda: tu.descendants(loop.id))


def _declared_inside(var: Variable, loop: Loop) -> bool:
    try:
        line, column = (int(x) for x in var.decl.split(":")[-2:])
    except ValueError:
        return False
    return (line, column) > (loop.line, loop.column) and line <= loop.end_line


def _iv(loop: Loop) -> str:
    return loop.canonical.induction_variable if loop.canonical else loop.id


def pair_set_text(a: AccessModel, b: AccessModel, common: list[Loop], extra: list[str] = ()) -> str:
    """Pairs (a-iteration, b-iteration) touching the same element, with distance dims d_k = b_k - a_k."""
    cons = [f"d{k} = b{k} - a{k}" for k in range(len(common))]
    na, nb = ivs_for("a", a), ivs_for("b", b)
    for da, db in zip(a.dims, b.dims):
        cons.append(f"{_render(da, na)} = {_render(db, nb)}")
    return _set_text([("a", a), ("b", b)], pre=[f"d{k}" for k in range(len(common))],
                     extra=cons + list(extra))


def _distance(s: isl.Set, k: int, step: int) -> str:
    try:
        low, high = s.dim_min(k).coalesce(), s.dim_max(k).coalesce()
    except isl.Error:
        return "*"
    lp, hp = low.get_pieces(), high.get_pieces()
    if len(lp) == 1 and len(hp) == 1 and lp[0][1].is_cst() and hp[0][1].is_cst():
        lo, hi = lp[0][1].get_constant_val().to_python(), hp[0][1].get_constant_val().to_python()
        if lo == hi:
            return str(int(lo) // step) if int(lo) % step == 0 else str(lo)
        return "*"
    if len(lp) == 1 and len(hp) == 1 and lp[0][1].plain_is_equal(hp[0][1]):
        text = render_aff_c(lp[0][1])
        if text is not None:
            return text if step == 1 else (f"-({text})" if step == -1 else f"({text}) / {step}")
    return "*"


def render_aff_c(aff: isl.Aff) -> Optional[str]:
    """An isl affine expression over parameters as C, or None (divisions, rational coefficients)."""
    poly = aff_poly(aff)
    return None if poly is None else render_poly(poly)


def aff_poly(aff: isl.Aff) -> Optional[dict[tuple[str, ...], int]]:
    """An isl affine expression over parameters as a polynomial {monomial: coefficient} of C names
    (a product parameter "m*n" is the monomial ("m", "n")), or None when it is not integral."""
    if aff.dim(isl.dim_type.div) or aff.dim(isl.dim_type.in_):
        return None
    out: dict[tuple[str, ...], int] = {}
    for i in range(aff.dim(isl.dim_type.param)):
        v = aff.get_coefficient_val(isl.dim_type.param, i).to_python()
        if v != int(v):
            return None
        if v:
            out[tuple(_c_name(aff.get_dim_name(isl.dim_type.param, i)).split("*"))] = int(v)
    c = aff.get_constant_val().to_python()
    if c != int(c) or aff.get_denominator_val().to_python() != 1:
        return None
    if c:
        out[()] = int(c)
    return out


def render_poly(poly: dict[tuple[str, ...], int]) -> str:
    """C text of a polynomial {monomial: coefficient}; products of two or more names go through long."""
    terms = sorted(((m, c) for m, c in poly.items() if c), key=lambda t: (-len(t[0]), t[0]))
    parts = []
    for mono, coeff in terms:
        factors = list(mono)
        if len(factors) >= 2:
            factors[0] = f"(long){factors[0]}"
        if abs(coeff) != 1 or not factors:
            factors.insert(0, str(abs(coeff)))
        parts.append(("- " if coeff < 0 else "+ ") + " * ".join(factors))
    if not parts:
        return "0"
    text = " ".join(parts)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


# ------------------------------------------------------------------------------- trip count >= 1

def runs_at_least_once(model: LoopModel) -> bool:
    """Whether the loop of `model` runs at least once every time it starts, proven by isl from its
    bounds and those of the loops around it (an inner `for (j = 0; j < i; j++)` under `i >= 1`).
    Loops whose counter is unsigned or compared as unsigned are proven only for constant bounds."""
    return memo("runs_once", model, lambda: _runs_at_least_once(model))


def _runs_at_least_once(model: LoopModel) -> bool:
    loop = model.loop
    c = loop.canonical
    if c is None or wrap_problem(c) is not None:
        return False
    if c.iv_unsigned or c.compare_unsigned:
        lower, upper = _constant(c.lower), _constant(c.upper)
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
    stale = {_param(s.variable.name) for a in ancestors for s in a.scalars
             if (s.written or s.declared_in_loop) and s.variable.name not in counters}
    context = [con for con in model.context.domain if not set(re.findall(r"\bP_\w+", con)) & stale]
    iterations = [con.replace("@", "a") for con in own.domain]
    params = sorted(set(re.findall(r"\bP_\w+", " ".join(context + iterations))))
    head = f"[{', '.join(params)}] -> "
    entered = isl.Set(head + "{ [] : " + (" and ".join(context) or "0 = 0") + " }")
    nonempty = isl.Set(head + "{ [a0] : " + " and ".join(context + iterations) + " }").params()
    return entered.params().is_subset(nonempty)


# ------------------------------------------------------------------------------------ the analysis

class Analysis:
    """The dependence graph of one loop together with the models it was built from."""

    def __init__(self, tu: TranslationUnit, loop: Loop):
        self.model = LoopModel(tu, loop)
        self.graph = DependenceGraph(loop.id)
        self.graph.objects = self.model.objects
        for m in self.model.models:
            self.graph.add_access(m.access)
        self._build()

    def _build(self) -> None:
        objects = list(self.model.objects.values())
        for i, x in enumerate(objects):
            for y in objects[i:]:
                if x.key == y.key:
                    self._same_object(x)
                elif (x.written or y.written) and may_alias(x, y):
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
                if obj.kind not in ("pointer", "member") or (obj.kind == "pointer" and obj.base.restrict):
                    continue
                for m in obj.accesses:
                    if m.access.is_write or use.written:
                        pairs.append((obj, m))
            if not pairs:
                continue
            self.model.objects[key] = scalar
            self.model.object_of[node] = key
            self.graph.graph.add_node(node, text=var.name, line=loop.line, column=loop.column,
                                      write=use.written, object=var.name)
            for obj, m in pairs:
                for common in m.loops:
                    self.graph.add_edge(Edge(
                        source=m.access.id, sink=node, kind="output" if m.access.is_write and use.written
                        else ("flow" if m.access.is_write else "anti"), loop=common.id, exact=False,
                        distance="*", alias=(obj.key, key),
                        reason=f"{obj.path} may point to the global {var.name} ({m.access.text})"))

    def _same_object(self, obj: ObjectModel) -> None:
        models = obj.accesses
        fresh = [k for k, l in enumerate(models[0].loops) if obj.kind == "array"
                 and obj.base.storage in (Storage.LOCAL,) and _declared_inside(obj.base, l)]
        fresh_depth = max(fresh) + 1 if fresh else 0  # loops [0, fresh_depth) see a new object
        for a in models:
            for b in models:
                if not (a.access.is_write or b.access.is_write):
                    continue
                common = _common(a, b)
                if a.affine and b.affine:
                    self._exact(a, b, common, fresh_depth)
                else:
                    # one sentence per object and loop, whichever pair: the cause is the object's
                    reason = _first_reason(obj)
                    for k in range(fresh_depth, len(common)):
                        self._unknown(a, b, common[k], f"{reason}: accesses to {obj.path} may touch the "
                                      f"same element in different iterations of {_iv(common[k])}")

    def _exact(self, a: AccessModel, b: AccessModel, common: list[Loop], fresh_depth: int) -> None:
        if len(a.dims) != len(b.dims):
            for k in range(fresh_depth, len(common)):
                self._unknown(a, b, common[k], f"{a.access.text} and {b.access.text} use different shapes")
            return
        base = pair_set_text(a, b, common)
        base_set = _parse_set(base)
        if base_set.is_empty():
            return
        for k in range(fresh_depth, len(common)):
            if common[k].canonical is None:
                self._unknown(a, b, common[k], f"loop {common[k].id} is not canonical")
                continue
            order = _order_set(len(common), len(a.loops), len(b.loops), k,
                               common[k].canonical.step > 0)
            carried = base_set.intersect(order)
            if carried.is_empty():
                continue
            distance = _distance(carried, k, common[k].canonical.step)
            kind = _kind(a.access, b.access)
            self.graph.add_edge(Edge(
                source=a.access.id, sink=b.access.id, kind=kind, loop=common[k].id, distance=distance,
                reason=f"{kind} dependence from {a.access.text} (line {a.access.line}) to "
                       f"{b.access.text} (line {b.access.line}) carried by {_iv(common[k])}, "
                       f"distance {distance}"))
        if a is not b and a.order_key() < b.order_key():
            same = _order_set(len(common), len(a.loops), len(b.loops), None, True)
            if not base_set.intersect(same).is_empty():
                kind = _kind(a.access, b.access)
                self.graph.add_edge(Edge(source=a.access.id, sink=b.access.id, kind=kind, loop=None,
                                         reason=f"loop-independent {kind} dependence from "
                                                f"{a.access.text} to {b.access.text}"))

    def _unknown(self, a: AccessModel, b: AccessModel, loop: Loop, reason: str,
                 alias: Optional[tuple[str, str]] = None) -> None:
        self.graph.add_edge(Edge(source=a.access.id, sink=b.access.id, kind=_kind(a.access, b.access),
                                 loop=loop.id, exact=False, distance="*", reason=reason, alias=alias))

    def _aliasing(self, x: ObjectModel, y: ObjectModel) -> None:
        for a in x.accesses:
            for b in y.accesses:
                if not (a.access.is_write or b.access.is_write):
                    continue
                for src, dst in ((a, b), (b, a)):
                    for loop in _common(src, dst):
                        self._unknown(src, dst, loop,
                                      f"{x.path} and {y.path} may point to the same memory "
                                      f"({src.access.text} and {dst.access.text})", alias=(x.key, y.key))


@lru_cache(maxsize=4096)
def _order_set(nc: int, na: int, nb: int, k: Optional[int], up: bool) -> isl.Set:
    """Constraint set on [d.., a.., b..]: equal before level k and an earlier source at level k (whose
    step is positive when `up`), or all equal when k is None."""
    dims = [f"d{j}" for j in range(nc)] + [f"a{j}" for j in range(na)] + [f"b{j}" for j in range(nb)]
    if k is None:
        cons = [f"d{j} = 0" for j in range(nc)]
    else:
        cons = [f"d{j} = 0" for j in range(k)] + [f"d{k} {'>' if up else '<'} 0"]
    body = " and ".join(cons)
    return isl.Set(f"{{ [{', '.join(dims)}]{' : ' + body if body else ''} }}")


# ------------------------------------------------------------------------------ runtime alias checks

def object_bounds(obj: ObjectModel) -> Optional[tuple[str, str, list[str]]]:
    """C expressions for the first byte and one past the last byte the loop touches in `obj`,
    valid where the pragma is (parameters and outer induction variables only), or None."""
    whole = f"(const char *)&{obj.path}", f"(const char *)(&{obj.path} + 1)"  # the object itself
    if obj.kind == "scalar":
        return *whole, []
    if obj.kind == "array":
        if obj.base.storage not in (Storage.GLOBAL, Storage.STATIC_LOCAL, Storage.LOCAL) or \
                not obj.base.array_dims or any(d is None for d in obj.base.array_dims):
            return None
        return *whole, []
    if not obj.accesses or (obj.kind == "member" and not obj.indexed_path):
        return None
    conditions: list[str] = []
    if all(m.affine for m in obj.accesses):
        dims_of = {id(m): m.dims for m in obj.accesses}
        strides = obj.accesses[0].strides
    elif all(m.range_dims is not None for m in obj.accesses):
        dims_of = {id(m): m.range_dims for m in obj.accesses}
        strides = obj.accesses[0].range_strides
        if any(m.range_strides != strides for m in obj.accesses):
            return None
        # Σ min_d * stride_d <= offset <= Σ max_d * stride_d needs positive strides: test them too
        conditions = [f"{p} > 0" for p in sorted({p for s in strides for p in s})]
    else:
        return None
    ndims = len(dims_of[id(obj.accesses[0])])
    if ndims == 0:  # a member used whole (`p->count`): the object itself
        return *whole, conditions
    # true multi-dimensional subscripts (rows of a declared length): the bounding box's corners
    # `&a[lo0][lo1]` and `&a[hi0][hi1] + 1` bound the bytes touched, in the array's own layout
    corners = ndims > 1 and all(s == () for s in strides)
    low: dict[tuple[str, ...], int] = {}
    high: dict[tuple[str, ...], int] = {}
    corner_low: list[str] = []
    corner_high: list[str] = []
    for d in range(ndims):
        union = None
        for m in obj.accesses:
            names = ivs_for("a", m)
            text = _set_text([("a", m)], pre=["v"], extra=[f"v = {_render(dims_of[id(m)][d], names)}"])
            values = _parse_set(text).project_out(isl.dim_type.set, 1, len(m.loops))
            union = values if union is None else union.union(values)
        context = union.params()
        try:
            lo, hi = union.dim_min(0).gist(context).coalesce(), union.dim_max(0).gist(context).coalesce()
        except isl.Error:
            return None
        pieces = [lo.get_pieces(), hi.get_pieces()]
        if any(len(p) != 1 for p in pieces):
            return None
        for target, corner, (_, aff) in ((low, corner_low, pieces[0][0]), (high, corner_high, pieces[1][0])):
            poly = aff_poly(aff)
            if poly is None:
                return None
            corner.append(render_poly(poly))
            for mono, coeff in poly.items():
                mono = tuple(sorted(mono + strides[d]))
                target[mono] = target.get(mono, 0) + coeff
    path = obj.path
    if corners:
        first = "".join(f"[{c}]" for c in corner_low)
        last = "".join(f"[{c}]" for c in corner_high)
        return f"(const char *)&{path}{first}", f"(const char *)(&{path}{last} + 1)", conditions
    high[()] = high.get((), 0) + 1
    lo_text, hi_text = render_poly(low), render_poly(high)
    return f"(const char *)({_offset(path, lo_text)})", f"(const char *)({_offset(path, hi_text)})", conditions


def _poly_mul(a: dict[tuple[str, ...], int], b: dict[tuple[str, ...], int]) -> dict[tuple[str, ...], int]:
    out: dict[tuple[str, ...], int] = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            mono = tuple(sorted(ma + mb))
            out[mono] = out.get(mono, 0) + ca * cb
    return {m: c for m, c in out.items() if c}


def _poly_add(a: dict[tuple[str, ...], int], b: dict[tuple[str, ...], int]) -> dict[tuple[str, ...], int]:
    out = dict(a)
    for m, c in b.items():
        out[m] = out.get(m, 0) + c
    return {m: c for m, c in out.items() if c}


def _iv_range(m: AccessModel, k: int) -> Optional[tuple[dict, dict]]:
    """min and max of the k-th induction variable of an access over its domain, as polynomials."""
    text = _set_text([("a", m)])
    try:
        domain = _parse_set(text)
        context = domain.params()
        lo, hi = domain.dim_min(k).gist(context).coalesce(), domain.dim_max(k).gist(context).coalesce()
    except isl.Error:
        return None
    out = []
    for bound in (lo, hi):
        pieces = bound.get_pieces()
        poly = aff_poly(pieces[0][1]) if len(pieces) == 1 else None
        if poly is None:
            return None
        out.append(poly)
    return out[0], out[1]


def interval_range(m: AccessModel) -> Optional[tuple[dict, dict, set[str]]]:
    """Bounds of a flat subscript that isl cannot model (`(c*h + y*pool + dy)*w + x*pool`), term by
    term: each monomial is at most one loop variable times positive parameters. Returns the lowest and
    highest offset as polynomials and the parameters that must be positive for them to hold."""
    subs = m.access.subscripts
    if len(subs) != 1 or subs[0].affine is None:
        return None
    ivs = {l.canonical.induction_variable: k for k, l in enumerate(m.loops) if l.canonical}
    low: dict[tuple[str, ...], int] = {}
    high: dict[tuple[str, ...], int] = {}
    positive: set[str] = set()
    expr = subs[0].affine
    if expr.constant:
        low, high = {(): expr.constant}, {(): expr.constant}
    for mono, coeff in expr.coefficients.items():
        factors = mono.split("*")
        in_ivs = [f for f in factors if f in ivs]
        params = tuple(sorted(f for f in factors if f not in ivs))
        if len(in_ivs) > 1 or any(p in m.variant for p in params) or \
                any(f in m.variant and f not in ivs for f in factors):
            return None
        if not in_ivs:
            term = {params: coeff}
            low, high = _poly_add(low, term), _poly_add(high, term)
            continue
        bounds = _iv_range(m, ivs[in_ivs[0]])
        if bounds is None:
            return None
        positive |= set(params)
        scale = {params: coeff}
        a, b = _poly_mul(bounds[0], scale), _poly_mul(bounds[1], scale)
        if coeff < 0:
            a, b = b, a
        low, high = _poly_add(low, a), _poly_add(high, b)
    return low, high, positive


def object_ranges(obj: ObjectModel) -> Optional[tuple[list[tuple[str, str]], list[str]]]:
    """Byte ranges (first, one past the last) that cover what the loop touches in `obj`, with the
    conditions under which they hold; one range when isl bounds the whole object, else one per access
    from `interval_range`; None when unknown."""
    bounds = object_bounds(obj)
    if bounds is not None:
        return [(bounds[0], bounds[1])], bounds[2]
    if obj.kind not in ("pointer", "member") or (obj.kind == "member" and not obj.indexed_path):
        return None
    ranges: list[tuple[str, str]] = []
    conditions: set[str] = set()
    for m in obj.accesses:
        found = interval_range(m)
        if found is None:
            return None
        low, high, positive = found
        high = _poly_add(high, {(): 1})
        lo_text, hi_text = render_poly(low), render_poly(high)
        pair = (f"(const char *)({_offset(obj.path, lo_text)})", f"(const char *)({_offset(obj.path, hi_text)})")
        if pair not in ranges:
            ranges.append(pair)
        conditions |= {f"{p} > 0" for p in positive}
    return ranges, sorted(conditions)


def _offset(path: str, offset: str) -> str:
    """`path + offset` as C, without `+ -` or `+ 0`."""
    if offset == "0":
        return path
    return f"{path} - {offset[1:]}" if offset.startswith("-") else f"{path} + {offset}"


def overlap_check(pairs: list[tuple[ObjectModel, ObjectModel]]) -> Optional[str]:
    """The C test that no written object overlaps an object it may alias, or None if a range is unknown."""
    parts, conditions = [], []
    for w, o in sorted(pairs, key=lambda p: (p[0].path, p[1].path)):
        rw, ro = object_ranges(w), object_ranges(o)
        if rw is None or ro is None:
            return None
        for first_w, last_w in rw[0]:
            for first_o, last_o in ro[0]:
                parts.append(f"{last_w} <= {first_o} || {last_o} <= {first_w}")
        conditions += [c for c in rw[1] + ro[1] if c not in conditions]
    if not parts:
        return None
    if len(parts) == 1 and not conditions:
        return parts[0]
    return " && ".join(conditions + [f"({p})" for p in parts])


def analysis(tu: TranslationUnit, loop_id: str) -> Analysis:
    with ISL_LOCK:
        return Analysis(tu, tu.loop(loop_id))


def dependence_graph(tu: TranslationUnit, loop_id: str) -> DependenceGraph:
    """The dependence graph of the accesses inside `loop_id`, with the loops that carry each edge."""
    return analysis(tu, loop_id).graph
