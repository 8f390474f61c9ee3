"""Loop bounds that divide by a constant, as polyhedral code generators write them.

Takes a bound's expression node (and the Scope and wrap mode AffineBuilder.build takes); gives its
pieces as QuasiBound, floor(expr / divisor), or None. Generated code spells floor and ceiling with C's
truncating `/` under a sign test, `(X*3 < 0 ? -(-X/3) : (X+3-1)/3)` (ceild) or
`((X) < 0 ? -((-(X)+d-1)/d) : (X)/d)` (floord), inside min/max `?:`s. Each `/` is read exactly: it is a
floor where its dividend is known non-negative, a ceiling where non-positive, from the sign tests of
the `?:`s around it; a `?:` whose two branches are the same floor is that floor. Anything else is not
a quasi-affine bound.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.affine import AffineBuilder
from autopar.frontend.ast import (INTEGER_TYPES, UNSIGNED_TYPES, Node, bare, evaluate_int, expression_children,
                                  strip, variable_decl)
from autopar.frontend.nest_facts import Scope
from autopar.frontend.variables import Variables
from autopar.frontend.wraparound import EXACT
from autopar.ir import AffineExpr, DomainCondition, QuasiBound

Terms = dict[str, int]  # monomial -> coefficient, "" the constant
Floor = tuple[tuple[tuple[str, int], ...], int]  # floor(terms / divisor), terms sorted: comparable
_ORDER = ("<", "<=", ">", ">=")
_WIDE_SIGNED = {TypeKind.INT, TypeKind.LONG, TypeKind.LONGLONG}  # (a counter the start is stored in as it is)
_COMPARED = {K.BINARY_OPERATOR, K.UNARY_OPERATOR, K.CONDITIONAL_OPERATOR, K.CSTYLE_CAST_EXPR}


def quasi_pieces(affine: AffineBuilder, node: Node, scope: Optional[Scope], kind: str,
                 wrap: Optional[str]) -> Optional[list[QuasiBound]]:
    """The pieces of a bound that is the `kind` ("min" or "max") of floors, nested to any depth
    (min(min(a, b), c)); None when it is not such a bound."""
    found = _Reader(affine, scope, wrap).pieces(node, kind)
    if found is None or len(found) < 2 and found[0][1] == 1:  # (a plain affine bound is AffineBuilder's)
        return None
    return [_bound(value) for value in dict.fromkeys(found)]


def floor_value(affine: AffineBuilder, node: Node, scope: Optional[Scope]) -> Optional[QuasiBound]:
    """An integer expression as one floor of an affine expression (affine itself: divisor 1), or None."""
    found = _Reader(affine, scope, EXACT).value(node, ())
    return None if found is None else _bound(found)


def remainder_start(affine: AffineBuilder, node: Node, scope: Optional[Scope]) -> Optional[DomainCondition]:
    """A loop's start `a + x % d` (either order, or `x % d` alone; a and x affine, of signed integers,
    d a constant), as left a, right x, modulus |d|: C's remainder lies within d - 1 of 0 and is
    congruent to x modulo d (`for (j = 1 + (i + color) % 2; j < n; j += 2)`, a red-black sweep). The
    start must reach the counter without a conversion (`unsigned char j = 256 + x % 2` starts at 0 or 1)."""
    inner = bare(node)
    if inner.type_kind != node.type_kind or node.type_kind not in _WIDE_SIGNED:
        return None
    node = inner
    parts = expression_children(node)
    if node.kind == K.BINARY_OPERATOR and node.binary_op == "+" and len(parts) == 2 and signed(node):
        for rest, other in ((parts[0], parts[1]), (parts[1], parts[0])):
            found, base = _remainder(affine, rest, scope), floor_value(affine, other, scope)
            if found is not None and base is not None and base.divisor == 1:
                return DomainCondition(left=base, op="==", right=found[0], modulus=found[1])
        return None
    found = _remainder(affine, node, scope)
    return None if found is None else DomainCondition(left=QuasiBound(expr=AffineExpr()), op="==", right=found[0],
                                                      modulus=found[1])


def _remainder(affine: AffineBuilder, node: Node, scope: Optional[Scope]) -> Optional[tuple[QuasiBound, int]]:
    """`x % d` of an affine x and a constant d: (x, |d|), or None."""
    node = bare(node)
    parts = expression_children(node)
    if node.kind != K.BINARY_OPERATOR or node.binary_op != "%" or len(parts) != 2 or not signed(node) or \
            not signed(parts[0]):
        return None
    x, d = floor_value(affine, parts[0], scope), floor_value(affine, parts[1], scope)
    if x is None or d is None or x.divisor != 1 or d.divisor != 1 or d.expr.coefficients or not d.expr.constant:
        return None
    return x, abs(d.expr.constant)


def _bound(value: Floor) -> QuasiBound:
    terms, divisor = value
    return QuasiBound(expr=AffineExpr(coefficients={m: c for m, c in terms if m}, constant=dict(terms).get("", 0)),
                      divisor=divisor)


class _Reader:
    def __init__(self, affine: AffineBuilder, scope: Optional[Scope], wrap: Optional[str]):
        self.affine, self.scope, self.wrap = affine, scope, wrap

    def pieces(self, node: Node, kind: str) -> Optional[list[Floor]]:
        node = bare(node)
        whole = self.value(node, ())
        if whole is not None:
            return [whole]
        parts = expression_children(node)
        if node.kind != K.CONDITIONAL_OPERATOR or len(parts) != 3:
            return None
        cond = strip(parts[0])
        sides = expression_children(cond) if cond.kind == K.BINARY_OPERATOR else []
        if cond.binary_op not in _ORDER or len(sides) != 2 or not signed(sides[0]):
            return None
        less = cond.binary_op in ("<", "<=")
        picked = None
        if _same(sides[0], parts[1]) and _same(sides[1], parts[2]):
            picked = "min" if less else "max"
        elif _same(sides[0], parts[2]) and _same(sides[1], parts[1]):
            picked = "max" if less else "min"
        if picked != kind:
            return None
        first, second = self.pieces(parts[1], kind), self.pieces(parts[2], kind)  # min(min(a, b), c)
        return None if first is None or second is None else first + second

    def value(self, node: Node, facts: tuple[Terms, ...]) -> Optional[Floor]:
        """The node's value as one floor, given `facts` (affine terms known to be >= 0), or None."""
        node = bare(node)
        if not any(n.kind == K.CONDITIONAL_OPERATOR or n.binary_op in ("/", "%") for n in node.walk()):
            built, _ = self.affine.build(node, self.scope, self.wrap)  # (which reads casts itself)
            return None if built is None else _floor({**built.coefficients, "": built.constant}, 1)
        parts = expression_children(node)
        if not signed(node):  # (an explicit cast around a division, an unsigned negation: not read)
            return None
        if node.kind == K.CONDITIONAL_OPERATOR and len(parts) == 3:
            return self._choice(parts, facts)
        if node.kind == K.UNARY_OPERATOR and node.unary_op in ("-", "+") and parts:
            inner = self.value(parts[0], facts)
            return inner if inner is None or node.unary_op == "+" else _negate(inner)
        if node.kind != K.BINARY_OPERATOR or len(parts) != 2 or not signed(node):
            return None
        op = node.binary_op
        left, right = self.value(parts[0], facts), self.value(parts[1], facts)
        if left is None or right is None:
            return None
        if op in ("+", "-"):
            return _add(left, right if op == "+" else _negate(right))
        if op == "*":
            factor, other = (left, right) if _constant(left) is not None else (right, left)
            scale = _constant(factor)
            if scale in (1, -1):
                return other if scale == 1 else _negate(other)
            return _floor({m: scale * c for m, c in other[0]}, 1) if scale is not None and other[1] == 1 else None
        if op == "/":
            return _division(left, _constant(right), facts)
        return None

    def _choice(self, parts: list[Node], facts: tuple[Terms, ...]) -> Optional[Floor]:
        """`c ? x : y` under a sign test c of affine terms: x where c holds, y where not; one floor
        when both are the same floor. A test of constants picks its branch."""
        cond = strip(parts[0])
        sides = expression_children(cond) if cond.kind == K.BINARY_OPERATOR else []
        if cond.binary_op not in _ORDER or len(sides) != 2 or not signed(sides[0]):
            return None
        left, right = (self.affine.build(side, self.scope, EXACT)[0] for side in sides)
        if left is None or right is None:
            return None
        # holds: the terms >= 0 when the test holds, and when it does not
        difference = {**left.coefficients, "": left.constant}
        for m, c in right.coefficients.items():
            difference[m] = difference.get(m, 0) - c
        difference[""] = difference.get("", 0) - right.constant
        if not set(difference) - {""} or all(c == 0 for m, c in difference.items() if m):
            value = difference.get("", 0)
            holds = {"<": value < 0, "<=": value <= 0, ">": value > 0, ">=": value >= 0}[cond.binary_op]
            return self.value(parts[1] if holds else parts[2], facts)
        negated = {m: -c for m, c in difference.items()}
        true_fact, false_fact = {
            "<": (_plus(negated, -1), difference), "<=": (negated, _plus(difference, -1)),
            ">": (_plus(difference, -1), negated), ">=": (difference, _plus(negated, -1))}[cond.binary_op]
        first = self.value(parts[1], facts + (true_fact,))
        second = self.value(parts[2], facts + (false_fact,))
        return first if first is not None and first == second else None


def signed(node: Node) -> bool:
    """The node's value is of a signed integer type (C's `/` and `<` on it are what is read here)."""
    kind = node.type_kind
    return kind in INTEGER_TYPES and kind not in UNSIGNED_TYPES


def _same(a: Node, b: Node) -> bool:
    """Whether two expressions are one tree: the same operators, casts and variables, equal literals
    (how a min or max `?:` repeats its operands, also nested: min(min(a, b), c))."""
    a, b = bare(a), bare(b)
    if a.kind != b.kind or a.binary_op != b.binary_op or a.unary_op != b.unary_op:
        return False
    if a.kind == K.DECL_REF_EXPR:
        decls = variable_decl(a), variable_decl(b)
        return decls[0] is not None and decls[1] is not None and Variables.key(decls[0]) == Variables.key(decls[1])
    if a.kind == K.INTEGER_LITERAL:
        value = evaluate_int(a)
        return value is not None and value == evaluate_int(b)
    if a.kind not in _COMPARED or a.type_kind != b.type_kind or len(a.expressions) != len(b.expressions):
        return False
    return all(_same(x, y) for x, y in zip(a.expressions, b.expressions))


def _floor(terms: Terms, divisor: int) -> Floor:
    """floor(terms / divisor) in its one spelling: the gcd of the variable coefficients and the
    divisor taken out (floor((g*a + c) / (g*d)) = floor((a + floor(c / g)) / d))."""
    from math import gcd
    terms = {m: c for m, c in terms.items() if c or m == ""}
    common = divisor
    for m, c in terms.items():
        if m:
            common = gcd(common, c)
    if common > 1:
        terms = {m: (c // common) for m, c in terms.items()}  # floor division: the constant too
        divisor //= common
    return tuple(sorted((m, c) for m, c in terms.items() if c)), divisor


def _constant(value: Floor) -> Optional[int]:
    terms, divisor = value
    if any(m for m, _ in terms):
        return None
    return dict(terms).get("", 0) // divisor


def _plus(terms: Terms, constant: int) -> Terms:
    return {**terms, "": terms.get("", 0) + constant}


def _negate(value: Floor) -> Floor:
    """-floor(a / d) = floor((-a + d - 1) / d)."""
    terms, divisor = value
    return _floor(_plus({m: -c for m, c in terms}, divisor - 1), divisor)


def _add(left: Floor, right: Floor) -> Optional[Floor]:
    """floor(a / d) + b = floor((a + d*b) / d); the sum of two floors that divide is not one floor."""
    if left[1] != 1 and right[1] != 1:
        return None
    (terms, divisor), (other, _) = (left, right) if right[1] == 1 else (right, left)
    total = dict(terms)
    for m, c in other:
        total[m] = total.get(m, 0) + divisor * c
    return _floor(total, divisor)


def _division(dividend: Floor, divisor: Optional[int], facts: tuple[Terms, ...]) -> Optional[Floor]:
    """C's `a / k` (truncating): floor(a / k) where a >= 0, ceil(a / k) where a <= 0; a / -k = -(a / k)."""
    if not divisor or dividend[1] != 1:
        return None
    terms = dict(dividend[0])
    size = abs(divisor)
    if _non_negative(terms, facts):
        value = _floor(terms, size)
    elif _non_negative({m: -c for m, c in terms.items()}, facts):
        value = _floor(_plus(terms, size - 1), size)
    else:
        return None
    return value if divisor > 0 else _negate(value)


def _non_negative(terms: Terms, facts: tuple[Terms, ...]) -> bool:
    """Whether integer terms are >= 0 wherever one of the facts (terms >= 0) holds: they are a
    positive multiple of the fact plus more than -1."""
    variables = {m for m, c in terms.items() if m and c}
    if not variables:
        return terms.get("", 0) >= 0
    for fact in facts:
        if {m for m, c in fact.items() if m and c} != variables:
            continue
        some = next(iter(variables))
        ratio = Fraction(terms[some], fact[some])
        if ratio > 0 and all(Fraction(terms[m], fact[m]) == ratio for m in variables) and \
                terms.get("", 0) - ratio * fact.get("", 0) > -1:
            return True
    return False
