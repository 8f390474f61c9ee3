"""The kind of a cursor from its id, for libclang libraries newer than the Python bindings.

libclang 16 and later report kinds the bindings of an older release do not know (`CursorKind.from_id`
raises ValueError for them), and the front end must not fail on a whole file for one node.
"""

from __future__ import annotations

from clang.cindex import CursorKind

# C++20's `T x(a, b)` of an aggregate (CXXParenListInitExpr): the braced list it means, whose
# elements may bind reference members (autopar.frontend.loops.escaping_addresses)
_PAREN_LIST_INIT = 155

# An expression of several operands that libclang shows as unexposed, like an implicit conversion
# (GNU's `x ?: y`, whose operands are x three times and y; `__builtin_choose_expr(c, a, b)`): its value
# is no one operand's, so the front end gives it a kind of its own (autopar.frontend.ast.build_tree)
# that no pass sees through. (Its id is one no libclang release uses.)
OPAQUE_EXPR = CursorKind(1000)
CursorKind.AUTOPAR_OPAQUE_EXPR = OPAQUE_EXPR


def cursor_kind(kind_id: int) -> CursorKind:
    """The kind of a cursor id; one the bindings do not know is an unexposed expression (its children
    are still walked), except an aggregate's parenthesised initialiser, a braced list."""
    try:
        return CursorKind.from_id(kind_id)
    except ValueError:
        return CursorKind.INIT_LIST_EXPR if kind_id == _PAREN_LIST_INIT else CursorKind.UNEXPOSED_EXPR
