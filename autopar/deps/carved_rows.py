"""The run-time check that makes a carved table (autopar.frontend.carved_rows) a 2-D array for one
loop: its rows are cut from one block, so `a[i][j]` and `a[k][l]` (i != k) are apart only when the
rows lie further apart than the columns the loop touches. A helper (defined by the rewriter above the
function, like an index array's inspection: autopar.deps.indexed) walks the rows the loop touches, in
order, and answers 1 when each starts at least the touched column span after the one before. Then
for i < k, a[k] - a[i] >= span > j - l, so a[i] + j != a[k] + l: the array model holds, and with it
every dependence the analysis found.

Sound because:
- the rows walked are exactly the least to the greatest the loop touches (isl's bounds of one
  piece, over accesses that run at every point of their exact domains: AccessModel.always_runs),
  so the helper reads no row pointer outside the table the loop itself reads, and none before row 0;
- the columns' bounds may be wider than touched: a wider span only asks more of the rows;
- the loop writes neither the table variable nor its row pointers, so the rows it runs with are the
  ones walked;
- the rows' memory is reached by no other name (the block feeds this table only), as for any row table.
"""

from __future__ import annotations

from typing import Optional

import islpy as isl

from autopar.deps.accesses import ObjectModel, ivs_for, varies
from autopar.deps.isl_text import aff_poly, operation_quota, parse_set, render_aff, render_poly, set_text
from autopar.deps.touched_interval import invariant_runs_test, loop_runs
from autopar.plans.plan import INSPECTION

ROWS_HELPER = "rows"  # its name after INSPECTION
_QUOTA = 200_000  # isl operations for the bounds of one table (a few thousand where bounds are plain)


def rows_apart(obj: ObjectModel, objects: dict[str, ObjectModel], model) -> Optional[str]:
    """The C test that the rows of the carved table `obj` the loop of `model` (a LoopModel) touches lie
    apart by the columns it touches, or None where it cannot be written (a table of more than two
    levels, bounds that are not exact, a loop that changes the table)."""
    base = obj.base
    if model is None or model.loop.in_external_inline or not obj.carved_rows or base.row_levels != 2 or not obj.accesses or obj.path != base.name:
        return None
    if any(not m.affine or len(m.dims) != 2 or not m.always_runs for m in obj.accesses):
        return None
    if varies(base.name, obj.accesses[0].variant) or \
            any(o.written and o.key.startswith(obj.key + "#") for o in objects.values()):
        return None  # (the loop changes the table or a row pointer: the rows walked may not be its rows)
    try:
        with operation_quota(_QUOTA):
            found = _exact_bounds(obj, model)
    except isl.Error:
        return None
    if found is None:
        return None
    (first, last, low, high), tests = found
    span = dict(high)
    for mono, coeff in low.items():
        span[mono] = span.get(mono, 0) - coeff
    span[()] = span.get((), 0) + 1
    first, last, span = (render_poly({m: c for m, c in p.items() if c}, wide=True) for p in (first, last, span))
    call = (f"{INSPECTION}{ROWS_HELPER}_((const void *)({obj.path}), sizeof({obj.path}[0]), (long)({first}), "
            f"(long)({last}), (long)({span}), sizeof({obj.path}[0][0]))")
    return " && ".join([*(f"({t})" for t in tests), call])


def _exact_bounds(obj: ObjectModel, model) -> Optional[tuple[tuple[dict, dict, dict, dict], list[str]]]:
    """The least and greatest row, and the least and greatest column, the loop touches (each one affine
    piece, as a polynomial of the parameters), with the tests (C) of the loops around the accesses
    that must run too. Where the enclosing loops' bounds allow parameters under which nothing is
    touched, the helper must find no row there (first > last) or no column (a span below 1), since it
    may not read row pointers the program does not: else those loops' tests join the check, when
    each is written before the loop (touched_interval.invariant_runs_test) and they rule those out."""
    rows, columns = subscript_values(obj, 0), subscript_values(obj, 1)
    touched = rows.params()
    affs = [one_piece(bound) for values in (rows, columns) for bound in (values.dim_min(0), values.dim_max(0))]
    polys = [aff_poly(aff) if aff is not None else None for aff in affs]
    if any(p is None for p in polys):
        return None
    first, last, low, high = (isl.PwAff.from_aff(aff) for aff in affs)  # (defined for every parameter)
    context = parse_set(set_text([("a", model.context)])).params()
    unread = _params(context).intersect(_params(touched).complement())
    walked = unread.intersect(_params(first.le_set(last))).intersect(_params(low.le_set(high)))
    if walked.is_empty():
        return tuple(polys), []
    tests = []
    for loop in {l.id: l for m in obj.accesses for l in m.loops}.values():
        runs = loop_runs(model, loop)
        if runs is None:
            return None
        if walked.is_subset(_params(runs)):
            continue  # (it runs wherever rows would be walked: its test adds nothing)
        test = invariant_runs_test(model, loop)
        if test is None:
            return None
        walked, tests = walked.intersect(_params(runs)), [*tests, test]
    return (tuple(polys), tests) if walked.is_empty() else None


def _params(s: isl.Set) -> isl.Set:
    """The parameter set of `s` (islpy aligns the parameters of two such sets by name)."""
    return s if s.is_params() else s.params()


def one_piece(bound: isl.PwAff) -> Optional[isl.Aff]:
    """The one affine expression of a bound of one piece, else None."""
    pieces = bound.coalesce().get_pieces()
    return pieces[0][1] if len(pieces) == 1 else None


def subscript_values(obj: ObjectModel, d: int) -> isl.Set:
    """The values of subscript `d` over the accesses' domains, one set over the parameters."""
    union = None
    for m in obj.accesses:
        text = set_text([("a", m)], pre=["v"], extra=[f"v = {render_aff(m.dims[d], ivs_for('a', m))}"])
        values = parse_set(text).project_out(isl.dim_type.set, 1, len(m.loops))
        union = values if union is None else union.union(values)
    return union


def rows_helper_definition() -> str:
    """The helper: 1 when rows [first, last] of the table (row pointers of `slot` bytes, read as bytes
    so that any element type may call it) each start at least `span` elements of `size` bytes after
    the one before, or when the loop touches nothing (no row, or no column); 0 (the serial copy) for a
    row before 0, or where an address does not fit an unsigned long. Guarded, so that a copy above each
    function that needs it compiles once; C89 and C++ alike."""
    name = f"{INSPECTION}{ROWS_HELPER}_"
    return f"""#ifndef AUTOPAR_ROWS_APART_
#define AUTOPAR_ROWS_APART_
/* autopar: whether the rows first..last of a table carved from one block lie at least span elements
   apart, in order, so that the columns a loop touches in one row never reach another (the names
   below are autopar's own, so that no macro of the file can change them) */
static int {name}(const void *autopar_table, unsigned long autopar_slot, long autopar_first,
    long autopar_last, long autopar_span, unsigned long autopar_size)
{{
    const unsigned char *autopar_slots = (const unsigned char *)autopar_table;
    const char *autopar_row;
    unsigned char *autopar_bytes = (unsigned char *)&autopar_row;
    unsigned long autopar_previous = 0, autopar_address, autopar_gap, autopar_k;
    long autopar_r;
    if (autopar_first > autopar_last || autopar_span <= 0)
        return 1;
    if (autopar_first < 0 || autopar_slot != sizeof(const char *) || sizeof(unsigned long) < sizeof(const char *))
        return 0;
    autopar_gap = (unsigned long)autopar_span * autopar_size;
    for (autopar_r = autopar_first; autopar_r <= autopar_last; autopar_r++) {{
        for (autopar_k = 0; autopar_k < autopar_slot; autopar_k++)
            autopar_bytes[autopar_k] = autopar_slots[(unsigned long)autopar_r * autopar_slot + autopar_k];
        autopar_address = (unsigned long)autopar_row;
        if (autopar_r > autopar_first &&
                (autopar_address < autopar_previous || autopar_address - autopar_previous < autopar_gap))
            return 0;
        autopar_previous = autopar_address;
    }}
    return 1;
}}
#endif

"""
