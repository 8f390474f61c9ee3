"""isl text of the scop's affine expressions and of a statement's instances (its loops' bounds), for
the model (autopar.edit.restructure.model) and the delinearization's proofs (autopar.edit.restructure.delinearize)."""

from __future__ import annotations

from autopar.ir import AffineExpr


def affine_text(expr: AffineExpr) -> str:
    parts = [f"{c}*{m}" if c != 1 else m for m, c in sorted(expr.coefficients.items())]
    parts.append(str(expr.constant))
    return " + ".join(parts)


def domain_text(name: str, ivs: list[str], loops: list) -> str:
    """`S0[i, j] : i >= lower and i <= upper and ...` for a statement inside `loops` (outermost
    first, each with `iv`, `lower`, `upper` inclusive and `step` of +1 or -1)."""
    constraints = []
    for loop in loops:
        if loop.step > 0:
            constraints.append(f"{loop.iv} >= {affine_text(loop.lower)} and {loop.iv} <= {affine_text(loop.upper)}")
        else:
            constraints.append(f"{loop.iv} <= {affine_text(loop.lower)} and {loop.iv} >= {affine_text(loop.upper)}")
    where = " and ".join(constraints)
    return f"{name}[{', '.join(ivs)}]" + (f" : {where}" if where else "")
