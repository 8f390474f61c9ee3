"""The IR of affine expressions: subscripts' and bounds' `AffineExpr`, floors of them (`QuasiBound`)
and the tests of the `if`s around an access (`DomainCondition`). Part of autopar.ir, which re-exports them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from autopar.ir_base import _Frozen


class AffineExpr(_Frozen):
    """sum(coefficients[m] * m) + constant, where each monomial m is a product of variable names."""

    coefficients: dict[str, int] = Field(default_factory=dict)
    constant: int = 0

    @property
    def is_linear(self) -> bool:
        return all("*" not in m for m in self.coefficients)

    @property
    def variables(self) -> set[str]:
        return {v for m in self.coefficients for v in m.split("*")}

    def c_text(self) -> str:
        """As C-like text (`n - 1`, `2 * i * n + 3`), for reasons and for sizes in run-time tests."""
        parts = [f"{'-' if v < 0 else '+'} {f'{abs(v)} * ' if abs(v) != 1 else ''}{m.replace('*', ' * ')}"
                 for m, v in sorted(self.coefficients.items()) if v]
        if self.constant or not parts:
            parts.append(f"{'-' if self.constant < 0 else '+'} {abs(self.constant)}")
        text = " ".join(parts)
        return text[2:] if text.startswith("+ ") else "-" + text[2:]

    def minus(self, other: "AffineExpr", constant: int = 0) -> "AffineExpr":
        """self - other + constant."""
        terms = dict(self.coefficients)
        for m, v in other.coefficients.items():
            terms[m] = terms.get(m, 0) - v
        return AffineExpr(coefficients={m: v for m, v in sorted(terms.items()) if v},
                          constant=self.constant - other.constant + constant)


class QuasiBound(_Frozen):
    """floor(expr / divisor), divisor >= 1: generated code's `floord`, `ceild` (floor((e + d - 1) / d))."""

    expr: AffineExpr
    divisor: int = 1


class DomainCondition(_Frozen):
    """`left op right` of an `if` around an access: it holds wherever the access runs."""

    left: QuasiBound
    op: Literal["<", "<=", ">", ">=", "=="]
    right: QuasiBound
    modulus: int = 0  # > 0: left and right are congruent modulo it instead (C's `x % d == y`)
