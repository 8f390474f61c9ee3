"""Runtime alias checks: the byte ranges a loop touches in an object, as C expressions valid where the
pragma is, and the `if(...)` test that two objects that may alias do not overlap."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Optional

import islpy as isl

from autopar.deps.accesses import AccessModel, ObjectModel, ivs_for, varies
from autopar.deps.carved_rows import rows_apart
from autopar.deps.member_bounds import fields_inside, inside_members
from autopar.deps.indexed import IndexedRange, indexed_range, outside_call
from autopar.deps.element_types import pointee_other_than_elements, reached_through_cast
from autopar.deps.subscripts import through_loaded_pointers
from autopar.deps.isl_text import (aff_poly, bounding_poly, operation_quota, parse_set, render_aff, render_poly,
                                   set_text)
from autopar.deps.model import declared_inside
from autopar.ir import Storage

def named_qualified(obj: ObjectModel) -> bool:
    """Whether the loop names the object qualified (`k::A[i]` of a namespace's array, whose path is
    `A`): the path alone is then no name where the pragma is."""
    qualified = re.compile(r"::\s*" + re.escape(obj.path) + r"\b")
    return any(qualified.search(m.access.text) for m in obj.accesses)


def declared_in_loop(obj: ObjectModel) -> bool:
    """Whether the object's variable is declared inside the analysed loop: where the pragma is, its
    name means nothing, or another variable that it shadows (`double *p = c + j;` in the body)."""
    return bool(obj.accesses and obj.accesses[0].loops and declared_inside(obj.base, obj.accesses[0].loops[0]))


def object_bounds(obj: ObjectModel, combine: bool = False) -> Optional[tuple[str, str, list[str]]]:
    """C expressions for the first byte and one past the last byte the loop touches in `obj`,
    valid where the pragma is (parameters and outer induction variables only), or None. `combine`:
    where isl's bounds of all the accesses together are unknown, the accesses' own bounds combined."""
    if obj.kind in ("array", "pointer") and named_qualified(obj):
        return None
    if declared_in_loop(obj) or through_loaded_pointers(obj):
        return None  # (`p[0][i]` of a `double *p[2]`: not in p's own bytes)
    whole = f"(const char *)&{obj.path}", f"(const char *)(&{obj.path} + 1)"  # the object itself
    if obj.kind == "scalar":
        return *whole, []
    if obj.kind == "array":
        if obj.base.storage not in (Storage.GLOBAL, Storage.STATIC_LOCAL, Storage.LOCAL) or \
                not obj.base.array_dims or any(d is None for d in obj.base.array_dims):
            return None
        return *whole, []
    if not obj.accesses or (obj.kind == "member" and not obj.indexed_path) or obj.merged:
        return None  # (a merged struct array's last dim is a field's byte offset, not an element index)
    offsets = _touched_offsets(obj, combine)
    if offsets is None:
        return None
    if offsets == "whole":
        return *whole, []
    path = obj.path
    low, high, conditions, corner_low, corner_high = offsets
    if corner_low:
        first = "".join(f"[{render_poly(c)}]" for c in corner_low)
        last = "".join(f"[{render_poly(c)}]" for c in corner_high)
        return f"(const char *)&{path}{first}", f"(const char *)(&{path}{last} + 1)", conditions
    lo_text, hi_text = render_poly(low), render_poly(high)
    return f"(const char *)({_offset(path, lo_text)})", f"(const char *)({_offset(path, hi_text)})", conditions


def element_section(obj: ObjectModel) -> Optional[tuple[str, list[str]]]:
    """The elements a loop touches through a pointer, as an OpenMP array section `p[first:count]`
    valid where the pragma is, with the conditions it needs (positive strides of a flattened
    subscript), or None when unknown. A pointer to rows of a declared length (`double A[N][N]` as a
    parameter) maps whole rows over its first subscript's range: `A[1:n - 2]`."""
    # a map clause needs an lvalue: a name (not `v.data()`), unqualified
    if obj.kind != "pointer" or not re.fullmatch(r"[A-Za-z_]\w*", obj.path) or named_qualified(obj) or \
            reached_through_cast(obj) or declared_in_loop(obj) or obj.merged:
        return None  # (a cast: its offsets count elements of another size)
    offsets = _touched_offsets(obj, wider=False)  # (a section wider than touched may leave the object)
    if offsets is None or offsets == "whole":
        return None
    low, high, conditions, corner_low, corner_high = offsets
    if corner_low:  # rows of a declared length: whole rows of the first subscript's range
        low, high = corner_low[0], dict(corner_high[0])
        high[()] = high.get((), 0) + 1
    count = dict(high)
    for mono, coeff in low.items():
        count[mono] = count.get(mono, 0) - coeff
    count = {m: c for m, c in count.items() if c} or {(): 0}
    # (the hull of what a non-empty iteration space touches: the caller makes sure it is one)
    return f"{obj.path}[{render_poly(low)}:{render_poly(count)}]", list(conditions)


def _touched_offsets(obj: ObjectModel, combine: bool = False, wider: bool = True):
    """The lowest and one-past-highest element offsets the loop touches in `obj` as polynomials, with
    the conditions they need and, for true multi-dimensional subscripts, the bounding box's corners
    instead ((low, high, conditions, corner_low, corner_high)); "whole" for a member used whole;
    None when unknown. `wider`: bounds may be wider than touched where isl gives none exactly (for a
    check that compares addresses, not for a section that is copied)."""
    conditions: list[str] = []
    if obj.merged or obj.row_table:
        return None
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
        return "whole"
    # true multi-dimensional subscripts (rows of a declared length): the bounding box's corners
    # `&a[lo0][lo1]` and `&a[hi0][hi1] + 1` bound the bytes touched, in the array's own layout
    corners = ndims > 1 and all(s == () for s in strides)
    low: dict[tuple[str, ...], int] = {}
    high: dict[tuple[str, ...], int] = {}
    corner_low: list[dict] = []
    corner_high: list[dict] = []
    for d in range(ndims):
        bounds = _dimension_bounds(obj, dims_of, d, combine, wider)
        if bounds is None:
            return None
        for target, corner, poly in ((low, corner_low, bounds[0]), (high, corner_high, bounds[1])):
            corner.append(poly)
            for mono, coeff in poly.items():
                mono = tuple(sorted(mono + strides[d]))
                target[mono] = target.get(mono, 0) + coeff
    if corners:
        return low, high, conditions, corner_low, corner_high
    high[()] = high.get((), 0) + 1
    return low, high, conditions, [], []


def _dimension_bounds(obj: ObjectModel, dims_of: dict, d: int, combine: bool,
                      wider: bool = True) -> Optional[tuple[dict, dict]]:
    """The least and greatest value of subscript `d` over the accesses of `obj`, as polynomials: isl's
    bounds of the union of the accesses' values, exact; with `combine`, where that is no polynomial
    or too much work (several min/max bounds of generated code), each distinct access bounded on its
    own and the bounds combined."""
    texts: dict[str, int] = {}  # each distinct set of values, with its access's loop count
    for m in obj.accesses:
        text = set_text([("a", m)], pre=["v"], extra=[f"v = {render_aff(dims_of[id(m)][d], ivs_for('a', m))}"])
        texts.setdefault(text, len(m.loops))
    # the loops of a nest, and its runtime checks and offload sections, ask the same bounds again
    known = obj.known_bounds if obj.known_bounds is not None else {}
    key = (tuple(sorted(texts)), combine, wider)
    if key not in known:
        known[key] = _union_bounds(texts, combine, wider)
    return known[key]


def _union_bounds(texts: dict[str, int], combine: bool, wider: bool) -> Optional[tuple[dict, dict]]:
    sets = {text: parse_set(text).project_out(isl.dim_type.set, 1, loops) for text, loops in texts.items()}
    union = None
    for values in sets.values():
        union = values if union is None else union.union(values)
    found = _set_bounds(union, combine, wider)
    if found is not None or len(sets) == 1 or not combine:
        return found
    each = [_set_bounds(values, combine, wider) for values in sets.values()]
    if None in each:
        return None
    low, high = _extreme([b[0] for b in each], "<"), _extreme([b[1] for b in each], ">")
    return None if low is None or high is None else (low, high)


_BOUNDS_QUOTA = 200_000  # isl operations for one set's bounds (a few thousand where bounds are plain)


def _set_bounds(values: isl.Set, combine: bool, wider: bool = True) -> Optional[tuple[dict, dict]]:
    """The least and greatest value of a set of one dimension, as polynomials of its parameters (or
    constants, whatever the parameters are); None when unknown. Each attempt after the exact one
    gives a wider range, never a narrower one."""
    extremes = _within_quota(lambda: _extremes(values))  # (isl's least and greatest, used twice)
    attempts = (lambda: _bounds_of(extremes, combine, single=not wider) if extremes else None,
                lambda: _constant_bounds(values),  # (floor divisions in generated code's subscripts)
                # floors of parameters, by `/`
                lambda: _bounds_of(extremes, combine, divisions=True) if extremes else None,
                # a union too involved for exact bounds (generated tiles): those of a polyhedron around it
                lambda: _bounds_of(_extremes(isl.Set.from_basic_set(values.simple_hull())), combine, divisions=True))
    # (a section that is copied takes exact bounds alone, of one piece: the piece CAP - 1 or the
    # constant bounds of `i < min(m, CAP)` would copy CAP elements of an object of m)
    for attempt in attempts if wider else attempts[:1]:
        bounds = _within_quota(attempt)
        if bounds is not None:
            return bounds
    return None


def _within_quota(compute):
    """`compute()` under the isl quota for bounds, or None where it runs out."""
    try:
        with operation_quota(_BOUNDS_QUOTA):
            return compute()
    except isl.Error:
        return None


def _extremes(values: isl.Set) -> tuple[isl.PwAff, isl.PwAff]:
    context = values.params()
    return values.dim_min(0).gist(context).coalesce(), values.dim_max(0).gist(context).coalesce()


def _bounds_of(extremes: tuple[isl.PwAff, isl.PwAff], combine: bool, divisions: bool = False,
               single: bool = False) -> Optional[tuple[dict, dict]]:
    """`single`: only a least and a greatest value of one piece each (exactly what is touched)."""
    lo, hi = extremes
    if single and (lo.n_piece() != 1 or hi.n_piece() != 1):
        return None
    bounds = _bound_poly(lo, "<", combine, divisions), _bound_poly(hi, ">", combine, divisions)
    return None if None in bounds else bounds


def _extreme(polys: list[dict], pick: str) -> Optional[dict[tuple[str, ...], int]]:
    """The least ("<") or greatest (">") of polynomials: of ones that differ by a constant, the
    one with the least or greatest constant; else a `?:` over them all (at most four), one term."""
    if not polys:
        return None
    by_shape: dict[tuple, dict] = {}
    for poly in polys:
        shape = tuple(sorted((m, c) for m, c in poly.items() if m != () and c))
        kept = by_shape.get(shape)
        if kept is None or (poly.get((), 0) < kept.get((), 0) if pick == "<" else poly.get((), 0) > kept.get((), 0)):
            by_shape[shape] = poly
    kept = list(by_shape.values())
    if len(kept) == 1:
        return kept[0]
    if len(kept) > 4:
        return None
    return _either(sorted(render_poly(p, wide=True) for p in kept), pick)


def _either(texts: list[str], pick: str) -> dict[tuple[str, ...], int]:
    """The least or greatest of C expressions (of `long long` operands: an unsigned parameter would
    turn the comparison and the result unsigned), as one `?:` term."""
    text = f"({texts[0]})"
    for other in texts[1:]:
        text = f"({text} {pick} ({other}) ? {text} : ({other}))"
    return {(text,): 1}


def _bound_poly(bound: isl.PwAff, pick: str, combine: bool,
                divisions: bool = False) -> Optional[dict[tuple[str, ...], int]]:
    """A lowest or highest subscript as a polynomial of parameters. Of several pieces (a loop bound
    `c1 <= min(ni - 1, nj - 1)`), one that is below (`pick` "<") or above (">") every piece on its
    own domain bounds them all; else, with `combine`, the least of the pieces' lower bounds, or the
    greatest of their upper ones (`_extreme`). Either may be wider than the range touched, which keeps
    the check sound. `divisions`: a piece's floor divisions bounded by C's `/` (bounding_poly)."""
    pieces = bound.get_pieces()
    polys = [bounding_poly(aff, pick == ">") if divisions else aff_poly(aff) for _, aff in pieces]
    if not polys or any(p is None for p in polys):
        return None
    if len(polys) == 1:
        return polys[0]
    for (_, aff), poly in zip(pieces, polys):
        whole = isl.PwAff.from_aff(aff)
        if bound.domain().is_subset(bound.le_set(whole) if pick == ">" else bound.ge_set(whole)):
            return poly
    return _extreme(polys, pick) if combine else None


def _constant_bounds(values: isl.Set) -> Optional[tuple[dict, dict]]:
    """The least and greatest value of a subscript whatever the parameters are (bounded by the
    enclosing loops' constant bounds), as constant polynomials; None when unbounded (isl.Error as
    `_set_bounds` reads it)."""
    anywhere = values.project_out(isl.dim_type.param, 0, values.dim(isl.dim_type.param))
    if anywhere.is_empty() or not anywhere.is_bounded():
        return None
    return {(): anywhere.dim_min_val(0).to_python()}, {(): anywhere.dim_max_val(0).to_python()}


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
    text = set_text([("a", m)])
    try:
        domain = parse_set(text)
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
        if len(in_ivs) > 1 or any(varies(p, m.variant) for p in params):
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
    if reached_through_cast(obj) or through_loaded_pointers(obj):
        return None  # its offsets count elements of another size than the pointer's (a cast), or
        # are offsets into memory a pointer it holds points to (`p[0][i]`)
    counted = pointee_other_than_elements(obj)
    if counted is None:
        return None
    if counted:  # `void *z` read as doubles: `((const double *)(z)) + n`, not `z + n` bytes
        obj = replace(obj, path=f"((const {counted} *)({obj.path}))")
    bounds = object_bounds(obj)
    if bounds is not None:
        return [(bounds[0], bounds[1])], bounds[2]
    found = _access_ranges(obj, obj.accesses)
    if found is None:
        bounds = object_bounds(obj, combine=True)
        return None if bounds is None else ([(bounds[0], bounds[1])], bounds[2])
    return found


def _access_ranges(obj: ObjectModel, accesses: list[AccessModel]) -> Optional[tuple[list[tuple[str, str]], list[str]]]:
    """A byte range per access of `accesses` (of a pointer or indexed member) from `interval_range`."""
    if obj.kind not in ("pointer", "member") or (obj.kind == "member" and not obj.indexed_path) or obj.merged or \
            obj.row_table:
        return None  # (a merged struct array: its subscripts count structs, interval_range elements)
    ranges: list[tuple[str, str]] = []
    conditions: set[str] = set()
    for m in accesses:
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


def read_ranges(obj: ObjectModel, objects: dict[str, ObjectModel]
                ) -> Optional[tuple[list[tuple[str, str]], list[IndexedRange], list[str]]]:
    """`object_ranges` of an object the loop only reads, with the reads through an index array
    (`v[colidx[k]]`) as indexed ranges where no formula bounds them: (ranges, indexed, conditions)."""
    plain = object_ranges(obj)
    if plain is not None or obj.written or obj.kind not in ("pointer", "member") or obj.merged:
        return None if plain is None else (plain[0], [], plain[1])
    indexed, conditions, rest = [], [], []
    for m in obj.accesses:
        found = None if m.affine else indexed_range(obj, m, objects, object_ranges)
        if found is None:
            rest.append(m)
            continue
        if found[0] not in indexed:
            indexed.append(found[0])
        conditions += [c for c in found[1] if c not in conditions]
    if not indexed:
        return None
    ranges = _access_ranges(obj, rest) if rest else ([], [])
    if ranges is None:
        return None
    return ranges[0], indexed, conditions + [c for c in ranges[1] if c not in conditions]


def _offset(path: str, offset: str) -> str:
    """`path + offset` as C, without `+ -` or `+ 0`."""
    if offset == "0":
        return path
    return f"{path} - {offset[1:]}" if offset.startswith("-") else f"{path} + {offset}"


def overlap_check(pairs: list[tuple[ObjectModel, ObjectModel]],
                  objects: Optional[dict[str, ObjectModel]] = None, budget: Optional[str] = None,
                  may_be_equal: frozenset = frozenset(), model=None) -> Optional[str]:
    """The C test that no written object overlaps an object it may alias, or None if a range is
    unknown. With `objects` (the loop's) and `budget` (autopar.deps.indexed.inspection_budget), a
    read object's reads through an index array are tested by inspecting the index values. A pair
    of `may_be_equal` (keys; DependenceGraph.equal_pointers) passes when its pointers are equal too.
    A pair of one object with itself is a carved table's rows (deps.carved_rows, tested with the
    loop's `model`, a LoopModel; without it, no test) or a member array's (deps.member_bounds)."""
    parts, conditions = [], []
    for w, o in sorted(pairs, key=lambda p: (p[0].path, p[1].path)):
        if declared_in_loop(w) or declared_in_loop(o):
            return None
        if w.key == o.key:  # a carved table's rows, or a member array's, with each other
            apart = _self_check(w, objects, model)
            if apart is None:
                return None
            parts += apart
            continue
        rw, ro = object_ranges(w), _other_ranges(o, objects if budget else None)
        if rw is None or ro is None:  # (two fields of one struct: each kept inside its arrays)
            inside = fields_inside(w, o)
            if inside is None:
                return None
            parts += inside
            continue
        apart = []
        for first_w, last_w in rw[0]:
            for first_o, last_o in ro[0]:
                apart.append(f"{last_w} <= {first_o} || {last_o} <= {first_w}")
            apart += [outside_call(indexed, o, first_w, last_w, budget) for indexed in ro[1]]
        if (w.key, o.key) in may_be_equal and apart:
            together = " && ".join(f"({p})" for p in apart) if len(apart) > 1 else apart[0]
            apart = [f"(const char *)({w.path}) == (const char *)({o.path}) || {together}"]
        parts += apart
        conditions += [c for c in rw[1] + ro[2] if c not in conditions]
    parts = list(dict.fromkeys(parts))  # (the tests of two fields and of one's own rows repeat)
    if not parts:
        return None
    if len(parts) == 1 and not conditions:
        return parts[0]
    return " && ".join(conditions + [f"({p})" for p in parts])


def unbounded_pairs(pairs: list[tuple[ObjectModel, ObjectModel]], objects: Optional[dict[str, ObjectModel]] = None,
                    budget: Optional[str] = None, model=None) -> list[tuple[ObjectModel, ObjectModel]]:
    """The pairs whose ranges `overlap_check` cannot compute (what keeps it from having a check)."""
    return [(w, o) for w, o in pairs
            if (_self_check(w, objects, model) is None if w.key == o.key else
                (object_ranges(w) is None or _other_ranges(o, objects if budget else None) is None) and
                fields_inside(w, o) is None)]


def _self_check(obj: ObjectModel, objects: Optional[dict[str, ObjectModel]], model) -> Optional[list[str]]:
    """The tests that keep an object's elements apart from each other: a carved table's rows
    (deps.carved_rows), or a member array's rows (deps.member_bounds)."""
    if obj.carved_rows:
        apart = rows_apart(obj, objects or {}, model)
        return None if apart is None else [apart]
    return inside_members(obj)


def _other_ranges(o: ObjectModel, objects: Optional[dict[str, ObjectModel]]):
    if objects is None:
        plain = object_ranges(o)
        return None if plain is None else (plain[0], [], plain[1])
    return read_ranges(o, objects)
