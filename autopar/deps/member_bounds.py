"""The run-time check that keeps a member array's subscripts inside it. `G.u[i][j]` of a member
`double u[64][64]`, with `j < m`: old C over-indexes a struct's arrays, so where isl does not prove
`j < 64` the row `G.u[i]` may run into `G.u[i + 1]`, and the 2-D model of the member (each element
one pair of subscripts) holds only while every such subscript stays inside its extent
(ObjectModel.member_dims_to_check, from deps.subscripts). A loop that writes the member runs in
parallel under that test: the least and greatest value of each such subscript over the loop, as C
valid where the pragma is, at least 0 and below the extent. Bounds wider than the values touched
only ask more, and the test reads no memory, so it may be evaluated where the loop touches nothing.
"""

from __future__ import annotations

from typing import Optional

import islpy as isl

from autopar.deps.accesses import ObjectModel
from autopar.deps.aliasing import other_fields
from autopar.deps.carved_rows import one_piece, subscript_values
from autopar.deps.isl_text import aff_poly, operation_quota, render_poly

_QUOTA = 200_000  # isl operations for one object's bounds


def inside_members(obj: ObjectModel, dims: Optional[list[tuple[int, str]]] = None) -> Optional[list[str]]:
    """The C tests (each one comparison) that each member-array subscript of `obj` the analysis could
    not keep inside its array (`dims`: (dim, extent), by default those after the first dim) stays
    inside it over the loop; None where a bound is not one affine piece."""
    dims = obj.member_dims_to_check if dims is None else dims
    if not dims or any(m.dims is None for m in obj.accesses):
        return None
    tests = []
    try:
        with operation_quota(_QUOTA):
            for d, extent in dims:
                values = subscript_values(obj, d)
                low, high = (_one_piece(b) for b in (values.dim_min(0), values.dim_max(0)))
                if low is None or high is None:
                    return None
                if not _constant(low) or low.get((), 0) < 0:  # (a constant inside needs no test)
                    tests.append(f"{render_poly(low, wide=True)} >= 0LL")
                if not _constant(high) or high.get((), 0) >= int(extent):
                    tests.append(f"{render_poly(high, wide=True)} < {extent}LL")
    except isl.Error:
        return None
    return list(dict.fromkeys(tests)) or None


def _constant(poly: dict) -> bool:
    return all(mono == () for mono, coeff in poly.items() if coeff)


def _one_piece(bound: isl.PwAff) -> Optional[dict]:
    aff = one_piece(bound)
    return aff_poly(aff) if aff is not None else None


def fields_inside(x: ObjectModel, y: ObjectModel) -> Optional[list[str]]:
    """The C tests that keep two different fields of one struct apart (`p[i].x[d]` and `p[i].v[d]`
    for `d < k` of `double x[4]` members): every member-array subscript of each that isl does not
    keep inside stays inside, so neither reaches the other (deps.aliasing._fields_apart). None
    when they are not two such fields, or a subscript has no extent or no bound of one piece."""
    if not other_fields(x, y):
        return None
    tests: list[str] = []
    for obj in (x, y):
        if obj.kept_in_arrays:
            continue
        found = inside_members(obj, obj.member_dims_unproven) if obj.member_dims_unproven else None
        if found is None:
            return None
        tests += found
    return list(dict.fromkeys(tests)) or None
