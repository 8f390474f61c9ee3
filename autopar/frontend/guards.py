"""The conditions a conditional write runs under, as linear comparisons of the values they compare.

`if (w > 0 && dist[u] + w < dist[v]) dist[v] = dist[u] + w;` writes dist[v] only where w > 0 and
dist[u] + w < dist[v]. The dependence analysis asks whether such a condition can hold where the write
would touch an element that another access of the loop touches: at v == u the two elements read are
one, so dist[u] + w < dist[u] with w > 0, which no iteration satisfies.

Only what is exact goes in: the conjuncts (`&&`) of the conditions of the `if`s whose then-branch
holds the write, inside its innermost loop, each a comparison of sums of signed integer values
(elements read through subscripts, scalars, integer constants and their constant multiples), in a
condition without side effects. Everything else is left out, which only weakens what is known: a
subset of the conjuncts holds wherever all of them do. Signed integer arithmetic cannot wrap in a
defined program, so these sums are the integers' own.
"""

from __future__ import annotations

from typing import Optional

from autopar.frontend.ast import INTEGER_TYPES, UNSIGNED_TYPES, K, Node, evaluate_int, stored_operand, variable_decl
from autopar.ir import GuardComparison

# signed integer types (an enum's or wchar_t's may be unsigned)
_SIGNED = INTEGER_TYPES - UNSIGNED_TYPES - {t for t in INTEGER_TYPES if t.name in ("ENUM", "WCHAR")}
_COMPARISONS = {"<", "<=", ">", ">=", "=="}
_SIDE_EFFECTS = {K.CALL_EXPR, K.COMPOUND_STMT}  # a call; a GNU statement expression `({ ... })`

Linear = tuple[dict[str, int], int]  # value -> coefficient, constant


def guard_of(write: Node, loop_body_top: Node) -> list[GuardComparison]:
    """Comparisons that hold whenever `write` runs: the then-branches' conditions between it and
    `loop_body_top` (the innermost loop's node), one group per `if`."""
    found: list[GuardComparison] = []
    node, group = write, 0
    while node.parent is not None and node is not loop_body_top:
        parent = node.parent
        if parent.kind == K.IF_STMT and len(parent.children) in (2, 3) and node is parent.children[1] \
                and parent.children[0].is_expression and _pure(parent.children[0]):
            found += [c.model_copy(update={"group": group}) for c in _condition(parent.children[0])]
            group += 1
        node = parent
    return found


def _pure(condition: Node) -> bool:
    return not any(node.kind in _SIDE_EFFECTS or stored_operand(node) is not None for node in condition.walk())


def _condition(condition: Node) -> list[GuardComparison]:
    """The comparisons of one condition; none when two of its elements share a position (elements
    spelled inside one macro's expansion all start where the macro does), which would make two
    values one."""
    elements: dict[str, int] = {}
    found = _conjuncts(condition, elements)
    return [] if -1 in elements.values() else found


def _conjuncts(node: Node, elements: dict[str, int]) -> list[GuardComparison]:
    node = _bare(node)
    if node.kind == K.BINARY_OPERATOR and node.binary_op == "&&":
        left, right = _operands(node)
        return _conjuncts(left, elements) + _conjuncts(right, elements)
    if node.kind != K.BINARY_OPERATOR or node.binary_op not in _COMPARISONS:
        return []  # `!done[v]`, `x != y`, `a || b`: left out
    left, right = _operands(node)
    a, b = _linear(left, elements), _linear(right, elements)
    if a is None or b is None:
        return []
    op = node.binary_op
    if op in (">", ">="):  # a > b is b < a
        a, b, op = b, a, "<" if op == ">" else "<="
    coefficients, constant = _sum(a, b, -1)
    return [GuardComparison(coefficients={v: c for v, c in coefficients.items() if c}, constant=constant, op=op)]


def _sum(a: Linear, b: Linear, sign: int) -> Linear:
    """a + sign * b."""
    total = dict(a[0])
    for value, c in b[0].items():
        total[value] = total.get(value, 0) + sign * c
    return total, a[1] + sign * b[1]


def _operands(node: Node) -> tuple[Node, Node]:
    return node.expressions[0], node.expressions[-1]


def _bare(node: Node) -> Node:
    """Under parentheses and implicit conversions (integer promotions keep the value)."""
    while node.kind in (K.PAREN_EXPR, K.UNEXPOSED_EXPR) and len(node.expressions) == 1:
        node = node.expressions[0]
    return node


def _signed(node: Node) -> bool:
    return node.type_kind in _SIGNED


def _linear(node: Node, elements: dict[str, int]) -> Optional[Linear]:
    """`node` as a sum of signed integer values, or None. `elements`: each element's position -> the
    node read there (-1 once two nodes share one)."""
    if not _signed(node):
        return None
    node = _bare(node)
    if node.kind == K.INTEGER_LITERAL:
        value = evaluate_int(node)
        return None if value is None else ({}, value)
    if node.kind == K.DECL_REF_EXPR and _signed(node):
        if variable_decl(node) is None:
            return None
        return {f"scalar:{node.cursor.spelling}": 1}, 0
    if node.kind == K.ARRAY_SUBSCRIPT_EXPR and _signed(node):
        line, column = node.location()  # where the accesses pass puts the read's access
        key = f"element:{line}:{column}"
        if elements.setdefault(key, id(node)) != id(node):
            elements[key] = -1
        return {key: 1}, 0
    if node.kind == K.UNARY_OPERATOR and node.unary_op in ("-", "+"):
        inner = _linear(node.expressions[0], elements) if node.expressions else None
        if inner is None:
            return None
        sign = -1 if node.unary_op == "-" else 1
        return {v: sign * c for v, c in inner[0].items()}, sign * inner[1]
    if node.kind == K.BINARY_OPERATOR and node.binary_op in ("+", "-", "*"):
        left, right = (_linear(side, elements) for side in _operands(node))
        if left is None or right is None:
            return None
        if node.binary_op == "*":
            if left[0] and right[0]:
                return None  # a product of two values is not linear
            factor, other = (left[1], right) if not left[0] else (right[1], left)
            return {v: factor * c for v, c in other[0].items()}, factor * other[1]
        return _sum(left, right, 1 if node.binary_op == "+" else -1)
    return None
