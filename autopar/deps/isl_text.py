"""isl text for the models of a loop: parameter names of C names, affine expressions, sets over the
dimensions of accesses, and isl results rendered back as C.

isl's default context is not thread-safe: take `ISL_LOCK` around an analysis.
"""

from __future__ import annotations

import contextlib
import re
import threading
from typing import TYPE_CHECKING, Optional

import islpy as isl

if TYPE_CHECKING:
    from autopar.deps.accesses import AccessModel

Aff = dict[str, int]  # name -> coefficient; "" is the constant term

ISL_LOCK = threading.RLock()
PARAMETER = re.compile(r"\bP_\w+")  # an isl parameter in constraint text (param_name)


_WORD = re.compile(r"\w+")


def param_name(name: str) -> str:
    """The isl parameter of a loop-invariant C name, or of a product of them ("m*n"). A name that is not
    an identifier (`s.n`, `p->len`) is spelled with its other characters as `_<hex>_`, so that the
    parameter, and `c_name` back, depend on the name alone."""
    ident = "P_" + name.replace("*", "_X_")
    if _WORD.fullmatch(ident) and "_Q" not in ident:
        return ident
    return "P_Q" + "".join(c if c.isascii() and c.isalnum() else f"_{ord(c):x}_" for c in name)


def c_name(param: str) -> str:
    """The C text of an isl parameter made by `param_name`."""
    if param.startswith("P_Q"):
        return re.sub(r"_([0-9a-f]+)_", lambda m: chr(int(m.group(1), 16)), param[3:])
    return param[2:].replace("_X_", "*")


def render_aff(aff: Aff, names: dict[str, str]) -> str:
    parts = []
    for name, coeff in sorted(aff.items()):
        if coeff == 0:
            continue
        sym = str(abs(coeff)) if name == "" else (names.get(name) or param_name(name))
        if name and abs(coeff) != 1:
            sym = f"{abs(coeff)}*{sym}"
        parts.append(("- " if coeff < 0 else "+ ") + sym)
    if not parts:
        return "0"
    text = " ".join(parts)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


@contextlib.contextmanager
def operation_quota(limit: int):
    """Bounds isl's work inside: past `limit` operations an isl call raises isl.Error, which callers
    read as "unknown", instead of searching for minutes (nested min/max bounds of generated code)."""
    context = isl.DEFAULT_CONTEXT
    previous = context.get_max_operations()
    context.reset_operations()
    context.set_max_operations(limit)
    try:
        yield
    finally:
        context.set_max_operations(previous)
        context.reset_operations()


def parse_set(text: str) -> isl.Set:
    return isl.Set(text)


def text_is_empty(text: str) -> bool:
    return parse_set(text).is_empty()


def render_c(aff: Aff) -> str:
    return render_aff(aff, {n: n for n in aff if n}).replace("*", " * ")


def set_text(parts: list[tuple[str, AccessModel]], pre: list[str] = (), extra: list[str] = ()) -> str:
    """One isl set over the dims of several accesses: `[params] -> { [pre..., a0.., b0..] : ... }`."""
    dims = list(pre)
    cons: list[str] = []
    params: set[str] = set()
    for prefix, m in parts:
        dims += [f"{prefix}{k}" for k in range(len(m.loops))]
        if m.domain:
            cons.append(m.domain_text(prefix))
        params |= m.params | m.domain_params()
    for c in extra:
        cons.append(c)
        params |= set(PARAMETER.findall(c))
    body = " and ".join(cons) if cons else ""
    return f"[{', '.join(sorted(params))}] -> {{ [{', '.join(dims)}]{' : ' + body if body else ''} }}"


def render_aff_c(aff: isl.Aff) -> Optional[str]:
    """An isl affine expression over parameters as C, or None (divisions, rational coefficients)."""
    poly = aff_poly(aff)
    return None if poly is None else render_poly(poly)


def aff_poly(aff: isl.Aff) -> Optional[dict[tuple[str, ...], int]]:
    """An isl affine expression over parameters as a polynomial {monomial: coefficient} of C names
    (a product parameter "m*n" is the monomial ("m", "n")), or None when it is not integral."""
    if aff.dim(isl.dim_type.div) or aff.dim(isl.dim_type.in_):
        return None
    return _parameter_poly(aff)


def _parameter_poly(aff: isl.Aff) -> Optional[dict[tuple[str, ...], int]]:
    """aff_poly of the parameters and the constant alone (its divisions, if any, left out)."""
    out: dict[tuple[str, ...], int] = {}
    for i in range(aff.dim(isl.dim_type.param)):
        v = aff.get_coefficient_val(isl.dim_type.param, i).to_python()
        if v != int(v):
            return None
        if v:
            out[tuple(c_name(aff.get_dim_name(isl.dim_type.param, i)).split("*"))] = int(v)
    c = aff.get_constant_val().to_python()
    if c != int(c) or aff.get_denominator_val().to_python() != 1:
        return None
    if c:
        out[()] = int(c)
    return out


def bounding_poly(aff: isl.Aff, upper: bool) -> Optional[dict[tuple[str, ...], int]]:
    """An isl affine expression over parameters with floor divisions (generated code's bounds) as a
    polynomial that bounds it from above (`upper`) or below: each floor(E/d) becomes C's truncating
    `(E) / d`, which is at least the floor and at most one more. None for a nested division, or a
    coefficient that is not an integer."""
    if aff.dim(isl.dim_type.in_) or aff.get_denominator_val().to_python() != 1:
        return None
    out: dict[tuple[str, ...], int] = {}
    for i in range(aff.dim(isl.dim_type.div)):
        c = int(aff.get_coefficient_val(isl.dim_type.div, i).to_python())
        if c == 0:
            continue
        inner = aff.get_div(i)  # E/d, the floor's argument
        if any(not inner.get_coefficient_val(isl.dim_type.div, k).is_zero() for k in range(inner.dim(isl.dim_type.div))):
            return None
        d = inner.get_denominator_val().to_python()
        numerator = _parameter_poly(inner.scale_val(isl.Val.int_from_si(inner.get_ctx(), d)))
        if numerator is None:
            return None
        term = (f"(({render_poly(numerator, wide=True)}) / {d})",)
        out[term] = out.get(term, 0) + c
        if (c > 0) != upper:  # c * floor(E/d) >= c * ((E)/d - 1) for c > 0, and <= it for c < 0
            out[()] = out.get((), 0) - c
    rest = _parameter_poly(aff)
    if rest is None:
        return None
    for mono, c in rest.items():
        out[mono] = out.get(mono, 0) + c
    return out


def parenthesized(text: str) -> bool:
    """`(a + b)`, not `(a) - (b)` nor `a`: the whole C text is one expression in parentheses."""
    depth = 0
    for k, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth <= 0 and k < len(text) - 1:
            return False
    return text.startswith("(") and depth == 0


def render_poly(poly: dict[tuple[str, ...], int], wide: bool = False) -> str:
    """C text of a polynomial {monomial: coefficient}; products of two or more names go through long, and
    so does a constant times a name (`4L * n`).
    `wide`: every name and constant is a `long long`, so that no term of `int` names can overflow."""
    terms = sorted(((m, c) for m, c in poly.items() if c), key=lambda t: (-len(t[0]), t[0]))
    parts = []
    for mono, coeff in terms:
        if wide:
            factors = [f"(long long){name}" if name.isidentifier() else f"(long long)({name})" for name in mono]
        else:
            factors = list(mono)
            if len(factors) >= 2:
                factors[0] = f"(long){factors[0]}"
        if abs(coeff) != 1 or not factors:
            # (a constant times an int name is computed in long: `1048576 * n` wraps from n = 2048)
            literal = f"{abs(coeff)}LL" if wide and not factors else \
                f"{abs(coeff)}L" if factors and not wide and len(factors) == 1 else str(abs(coeff))
            factors.insert(0, literal)
        parts.append(("- " if coeff < 0 else "+ ") + " * ".join(factors))
    if not parts:
        return "0LL" if wide else "0"
    text = " ".join(parts)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]
