"""Delinearization for the scop: a flattened subscript `A[i * n + k]` read as `A[i][k]`, rows of `n`.

A subscript `n * e1 + e0` (e1 and e0 affine, neither naming `n`) names the same element as the
two-dimensional `[e1][e0]` of rows of length `n` whenever `0 <= e0 < n` on every instance of the
statement, which isl proves from the loop bounds; otherwise the scop refuses the access as before.
It recurses on `e1` (`(c * h + y) * w + x` is `[c][y][x]`, rows of `h` and `w`), so the model gets
exact multi-dimensional accesses while the statement keeps the user's own text.

Where the bounds alone do not prove it (`x < ow`, `s < ks` against rows of `w`: `ow` is
`w - ks + 1` in the code before the nest, which the model does not see), isl gives the parameter
values where it holds, and the restructured nest runs only under that runtime condition, the
original otherwise, as Polly versions its delinearized accesses.
"""

from __future__ import annotations

from typing import Optional

import islpy as isl

from autopar.ir import AffineExpr
from autopar.edit.restructure.isl_affine import affine_text


def delinearize(expr: AffineExpr, domain: str,
                params: list[str]) -> Optional[tuple[list[AffineExpr], list[str], list[str]]]:
    """(the subscripts, outermost first, the row lengths they need, and the conditions on the
    parameters under which they hold, as isl sets) of a flattened `expr`, or None.

    `domain` is the statement's isl domain (`S0[i, k] : ...`), `params` its parameters: only a
    parameter can be a row length."""
    if expr.is_linear:
        return [expr], [], []
    for row, outer, inner in _splits(expr, params):
        condition = _within_row(inner, row, domain, params)
        if condition is None:
            continue
        found = delinearize(outer, domain, params)
        if found is not None:
            subscripts, rows, conditions = found
            return subscripts + [inner], rows + [row], conditions + ([condition] if condition else [])
    return None


def _splits(expr: AffineExpr, params: list[str]):
    """Each (n, e1, e0) with expr = n * e1 + e0: n a parameter that every product holds and no
    linear term names, e0 linear and not naming n (e1 may: rows of rows, `(r * ks + s) * ks`)."""
    products = [m.split("*") for m in expr.coefficients if "*" in m]
    common = set(products[0]).intersection(*products[1:])
    for row in sorted(name for name in common if name in params and name not in expr.coefficients):
        outer: dict[str, int] = {}
        inner: dict[str, int] = {}
        for monomial, coefficient in expr.coefficients.items():
            factors = monomial.split("*")
            if row in factors:
                factors.remove(row)
                key = "*".join(sorted(factors))
                outer[key] = outer.get(key, 0) + coefficient
            else:
                inner[monomial] = coefficient
        e1 = AffineExpr(coefficients=outer)
        e0 = AffineExpr(coefficients=inner, constant=expr.constant)
        if row not in e0.variables and e0.is_linear:
            yield row, e1, e0


def _within_row(inner: AffineExpr, row: str, domain: str, params: list[str]) -> Optional[str]:
    """"" when 0 <= inner < row on every point of the domain; else the parameter values where it
    is (an isl set), or None where it never is."""
    text = affine_text(inner)
    names = sorted(set(params) | {row})
    header = f"[{', '.join(names)}] -> "
    escaping = isl.Set(f"{header}{{ {_with_condition(domain, f'({text} < 0 or {text} >= {row})')} }}")
    if escaping.is_empty():
        return ""
    holds = escaping.params().complement().coalesce()
    return None if holds.is_empty() else str(holds)


def _with_condition(domain: str, condition: str) -> str:
    if ":" in domain:
        head, where = domain.split(":", 1)
        return f"{head}: ({where}) and {condition}"
    return f"{domain} : {condition}"
