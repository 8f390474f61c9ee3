"""The subscripts of a memory object's accesses: takes a `LoopModel` and one `ObjectModel` and fills
each access's `dims` (affine subscripts, delinearised from flat ones when isl proves each dim stays
in its row), or its `reason` (not affine, through a loaded pointer, variant, shapes that differ).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

import islpy as isl

from autopar.plans import reasons as R
from autopar.deps.accesses import AccessModel, ObjectModel, first_reason, ivs_for, varies
from autopar.deps.isl_text import Aff, param_name, parse_set, render_aff, render_c, set_text, text_is_empty
from autopar.ir import Access
from autopar.deps.element_types import other_element_type, plain_type

if TYPE_CHECKING:
    from autopar.deps.model import LoopModel


def shape_subscripts(model: LoopModel, obj: ObjectModel) -> None:
    """Fill `dims` of each access of one object, delinearising when needed; or mark non-affine. The
    accesses of a merged struct array (`g[j][i].real`, ObjectModel.merged) get one more dim after
    their subscripts': the field's byte offset, a constant. Two of them then touch the same memory
    exactly when they select the same element and the same field, since the distinct fields of a
    struct never overlap. The subscripts alone are shaped as for any array (delinearised, tested for
    leaving their rows against the declared extents), the offset added after; the byte ranges of
    runtime checks are never computed from such dims (autopar.deps.runtime_checks). Where some access
    copies a whole element (Access.whole_record), every offset is taken as 0: any two accesses of one
    element then meet, whichever fields they name (it touches all of them)."""
    _shape_subscripts(model, obj)
    unproven = _unproven_member_subscripts(obj)
    past = _member_rows_unproven(unproven)
    everywhere = sorted({(d, e) for _, d, e in unproven or []})
    checked = [(d, e) for d, e in everywhere if d >= 1]
    if all(e for _, e in everywhere):
        obj.member_dims_unproven = everywhere  # (fields apart under a run-time check: deps.member_bounds)
    if past is not None and all(e for _, e in checked):
        obj.member_dims_to_check = checked  # (kept exact, under a run-time check: deps.member_bounds)
    elif past is not None:  # (a flexible array member: no extent to check against)
        for m in obj.accesses:
            m.dims, m.strides, m.reason = None, [], past
    # every member-array subscript proven inside its array: apart from the struct's other fields
    obj.kept_in_arrays = unproven == []
    if obj.merged:
        field_blind = any(m.access.whole_record for m in obj.accesses)
        for m in obj.accesses:
            if m.dims is not None:
                offset = None if field_blind else m.access.member_offset
                m.dims = [*m.dims, {"": offset} if offset else {}]
                m.strides = [*m.strides, ()]
            m.range_dims, m.range_strides = None, []


def _shape_subscripts(model: LoopModel, obj: ObjectModel) -> None:
    direct = direct_dims(obj)
    for m in obj.accesses:
        if not m.access.is_affine:
            bad = next(s for s in m.access.subscripts if s.affine is None)
            reason = bad.non_affine_reason or f"subscript {bad.text} is not affine"
            m.reason = R.Reason(f"{reason} in {m.access.text}" if m.access.text not in reason else reason,
                                R.NOT_AFFINE)
        elif len(m.access.subscripts) > direct:
            m.reason = R.Reason(_loaded_reason(obj, m.access, direct), R.POINTER_LOADED)
        elif obj.kind in ("pointer", "member") and (obj.base.name in model.variant or
                                                    model.loop.id in m.access.base_changes_in):
            m.reason = R.Reason(f"{obj.base.name} changes inside the loop", R.POINTER_CHANGES)
        elif other_element_type(obj, m.access):
            # `((double *)raw)[i]` beside `raw[j]`: subscripts that count elements of different sizes
            types = sorted({plain_type(a.access.element_type) for a in obj.accesses if a.access.element_type.strip()})
            m.reason = R.Reason(f"{obj.path} is reached as elements of different types ({', '.join(types)}; "
                                f"a cast in {m.access.text}?)", R.SHAPE_MISMATCH)
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
    if linear and ranks == {1} and squares and _delinearise(model, obj, tentative=True):
        return  # a[(n - 1) * n + j]: rows of length n
    if linear and len(ranks) == 1:
        for m in obj.accesses:
            ivs = ivs_for("@", m)
            dims = [model.usable(s.affine, ivs) for s in m.access.subscripts]
            if any(d is None for d in dims):
                bad = next(s for s, d in zip(m.access.subscripts, dims) if d is None)
                names = sorted(bad.affine.variables & model.variant - set(ivs))
                m.reason = R.Reason(f"subscript {bad.text} uses {', '.join(names)}, which the loop changes",
                                    R.SUBSCRIPT_VARIANT)
            else:
                m.dims = dims
                m.strides = [()] * len(dims)
                m.params |= {param_name(n) for d in dims for n in d if n and n not in ivs}
        leaving = _leaves_row(model, obj) if (ranks != {1} or arrays_all_the_way(obj)) and \
            not any(m.reason for m in obj.accesses) else None
        if leaving is not None:
            for m in obj.accesses:
                m.reason = leaving
        if any(m.reason for m in obj.accesses):
            for m in obj.accesses:
                m.dims, m.reason = None, m.reason or first_reason(obj)
        return
    if ranks != {1}:
        for m in obj.accesses:
            m.reason = R.Reason(f"{obj.path} is accessed with different numbers of subscripts", R.SHAPE_MISMATCH)
        return
    _delinearise(model, obj)


def _delinearise(model: LoopModel, obj: ObjectModel, tentative: bool = False) -> bool:
    """Split flat subscripts into dims by their strides; True on success. A tentative attempt
    leaves the accesses untouched when it fails."""
    found = _flat_parts(model, obj)
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


def _flat_parts(model: LoopModel, obj: ObjectModel):
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
            if any(varies(p, model.variant) for p in params):
                return R.Reason(f"subscript {m.access.text} uses "
                                f"{', '.join(p for p in params if varies(p, model.variant))}, which the loop changes",
                                R.SUBSCRIPT_VARIANT)
            if len(iv_names) > 1:
                return R.Reason(f"subscript {m.access.text} multiplies loop variables", R.NOT_AFFINE)
            outer = [n for n in params if n in model.outer_ivs]
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
                                f"{_shown(render_c(inner), m.access)} may leave [0, {extra})", R.DELINEARISE)
    return None


# `64`, `n`, `n + 1`, `m - k + 2` (no suffixed or hexadecimal literal: isl reads decimals only)
_LINEAR_EXTENT = re.compile(r"\s*(?:[A-Za-z_]\w*|\d+)(\s*[-+]\s*(?:[A-Za-z_]\w*|\d+))*\s*")
_IDENTIFIER = re.compile(r"\b[A-Za-z_]\w*")


def _shown(text: str, access: Access) -> str:
    """Text for a reason, a call's spans (Access.spans) shown as their ranges."""
    for span in access.spans:
        text = text.replace(span.name, span.text)
    return text


def _leaves_row(model: LoopModel, obj: ObjectModel) -> Optional[R.Reason]:
    """Whether a subscript of a multi-dimensional array leaves its row (below 0, or at its declared
    extent or above) for every value of the parameters where its loop runs at all (`b[i][j - 1]`
    from `j = 0`): the code then relies on the rows lying one after the other, which the
    per-dimension model does not see (`b[i][-1]` is `b[i - 1][m - 1]`). A row that the loop's
    bounds only might leave, for some values, is taken to be kept, as C requires."""
    # a member path reached through arrays only: the root's rows (`g[j][i].v[k]`), then the member
    # arrays', any of whose dims a subscript that leaves it reaches another field from
    member = obj.accesses[0].access if arrays_all_the_way(obj) else None
    first = _member_arrays_from(member) if member is not None else None
    extents = [(d, e) for d, e in enumerate(obj.base.array_dims[:first])
               if d > 0 and e is not None and _LINEAR_EXTENT.fullmatch(e)]
    if member is not None:
        extents += [(first + d, str(e)) for d, e in enumerate(member.member_extents) if e is not None]
    # kept on the translation unit: a file's nests repeat their bounds and subscripts. A question is
    # known by its domain (dims and constraints), the subscript and the extent, before its text is built
    answers = model.tu.cache("deps.leaves_row", dict)  # (dims, domain, subscript, extent) -> answer
    where_it_runs = model.tu.cache("deps.runs_where", dict)  # (dims, domain) -> its parameters' values
    for m in obj.accesses:
        domain = None
        for d, extent in extents:
            if d >= len(m.dims):
                break
            aff = m.dims[d]
            if extent.isdigit() and not any(c for n, c in aff.items() if n) and 0 <= aff.get("", 0) < int(extent):
                continue  # `u[k][j][i][2]` of `u[..][5]`: inside its row, whatever the loop does
            if domain is None:
                # the domain includes the tests of the `if`s around this access: accesses of one chain
                # of loops may differ in it
                domain, names = (len(m.loops), m.domain_text("a")), ivs_for("a", m)
            # (a VLA's extent `n + 1`: its names as parameters)
            bound = extent if extent.isdigit() else _IDENTIFIER.sub(lambda w: param_name(w.group()), extent)
            sub = render_aff(aff, names)
            key = (*domain, sub, bound)
            if key not in answers:
                if domain not in where_it_runs:
                    where_it_runs[domain] = parse_set(set_text([("a", m)])).params()
                question = set_text([("a", m)], extra=[f"({sub} < 0 or {sub} >= {bound})"])
                answers[key] = _leaves_wherever_it_runs(where_it_runs[domain], question)
            if answers[key] and not m.exact_domain:
                # (a bound that is not known widens the domain: kept serial, since the code may rely on
                # the rows' layout, but nothing is proven)
                return R.Reason(f"{m.access.text} may leave its row: {m.access.subscripts[d].text} is not known "
                                f"to stay in [0, {extent}) (a bound of its loops is not known)", R.LEAVES_ROW)
            if answers[key]:
                return R.Reason(f"{m.access.text} leaves its row: {m.access.subscripts[d].text} is below 0 or at "
                                f"least {extent} wherever the loop runs (the code relies on the rows' layout)",
                                R.LEAVES_ROW)
    return None


def _member_arrays_from(access: Access) -> int:
    """The first subscript that indexes a member array (`vs[i].v[k]`: 1; the root's come before)."""
    return len(access.subscripts) - len(access.member_extents)


def _unproven_member_subscripts(obj: ObjectModel) -> Optional[list[tuple[AccessModel, int, str]]]:
    """For a member path reached through arrays only whose member-array subscripts are all affine,
    each member-array subscript (access, dim, extent; "" for a flexible array member, which has
    none, or for a flat subscript split into rows, whose dims are no longer its own) that isl does
    not prove inside its declared extent wherever the loop runs (`i < n` of a `double x[64]` member
    is not); None for any other object (one of whose accesses is not modelled: its root may change
    inside the loop)."""
    if not arrays_all_the_way(obj) or any(m.dims is None for m in obj.accesses):
        return None
    found = []
    for m in obj.accesses:
        first = _member_arrays_from(m.access)
        if len(m.dims) != len(m.access.subscripts):  # (`G.b[i * n + j]` delinearised: its dims are rows)
            found.append((m, first, ""))
            continue
        names = ivs_for("a", m)
        for d, (aff, extent) in enumerate(zip(m.dims[first:], m.access.member_extents), start=first):
            if extent is None:
                found.append((m, d, ""))
            elif any(c for n, c in aff.items() if n) or not 0 <= aff.get("", 0) < extent:
                sub = render_aff(aff, names)
                if not text_is_empty(set_text([("a", m)], extra=[f"({sub} < 0 or {sub} >= {extent})"])):
                    found.append((m, d, str(extent)))
    return found


def _member_rows_unproven(unproven: Optional[list[tuple[AccessModel, int, str]]]) -> Optional[R.Reason]:
    """Why the dims of a member array reached through arrays only are not distinct elements: a
    subscript after the first dim that may run past its array (`q[i].x[d]` with `d < m` of a
    `double x[4]`: old C over-indexes a struct's last array, which then reaches the next element).
    Only what isl proves is kept (declared arrays keep C's rule: see _leaves_row)."""
    m, d, extent = next(((m, d, e) for m, d, e in unproven or [] if d >= 1), (None, 0, ""))
    if m is None:
        return None
    where = f"inside [0, {extent})" if extent else \
        "inside its array (a flexible array member, or a flat subscript split into rows)"
    return R.Reason(f"{m.access.text} may run past its member array: {m.access.subscripts[d].text} is not "
                    f"proven {where}, and old C over-indexes a struct's arrays", R.LEAVES_ROW)


def _leaves_wherever_it_runs(runs: isl.Set, leaves_text: str) -> bool:
    """Whether the parameters where a subscript leaves its row (`leaves_text`, the domain under that
    condition) include every value where the loop runs (`runs`, its parameters' values), and some
    value."""
    leaves = parse_set(leaves_text).params()
    return not leaves.is_empty() and runs.is_subset(leaves)


def _loaded_reason(obj: ObjectModel, access: Access, direct: int) -> str:
    """Why an access through pointers loaded from memory (`u[i][j][k]` of a `double ***u`, rows of a
    `double **`) is not modelled: it names the loaded pointers, and says why the rows are not known
    to be distinct allocations (autopar.frontend.row_tables)."""
    subs = access.subscripts
    if obj.kind == "member":  # (its subscripts and fields interleave: `vs[i].v[k]` of a `double *v`)
        return (f"{access.text} goes through a pointer member, a union's member or a cast on the way, whose "
                f"memory is not proven apart from the rest")
    loaded = [access.path + "".join(f"[{s.text}]" for s in subs[:k]) for k in range(direct, len(subs))]
    names = " and ".join(loaded)
    text = (f"{access.text} goes through a loaded pointer: {names} {'are' if len(loaded) > 1 else 'is'} read "
            f"from memory (a multi-level pointer) whose rows are not proven disjoint")
    return f"{text}: {obj.base.rows_unproven}" if obj.base.rows_unproven and obj.path == obj.base.name else text


def through_loaded_pointers(obj: ObjectModel) -> bool:
    """Whether an access of the object goes through a pointer it holds (more subscripts than index
    the object itself): then it touches memory that is not the object's own."""
    return any(m.access is not None and len(m.access.subscripts) > direct_dims(obj) for m in obj.accesses)


def arrays_all_the_way(obj: ObjectModel) -> bool:
    """A member path whose every access reaches its element through arrays and the root pointer only
    (`G.cells[i][k]`, `vs[i].v[k]` of array members: Access.member_extents): no pointer is loaded."""
    return obj.kind == "member" and bool(obj.accesses) and \
        all(m.access is not None and m.access.member_extents is not None for m in obj.accesses)


def direct_dims(obj: ObjectModel) -> int:
    """How many subscripts index the object itself (more go through a loaded pointer): all of them in
    a row table, whose elements (`a[i][j]`) and row pointers (`a[i]`, objects of their own: deps.object_key)
    are each indexed like an array's."""
    base = obj.base
    if obj.row_table:
        return base.row_levels
    if arrays_all_the_way(obj):
        return max(len(m.access.subscripts) for m in obj.accesses)
    if obj.kind == "array":
        return max(1, len(base.array_dims))
    if obj.kind == "pointer" and "(*" in base.type.replace(" ", ""):
        return 1 + base.type.count("[")
    if obj.kind == "pointer" and base.array_dims:
        return len(base.array_dims)  # a parameter declared as an array: `double a[64][64]`
    return 1
