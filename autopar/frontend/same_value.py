"""Whether two expressions of a loop are the same value, as the reductions pass asks of what a
min, a max or an argmin compares and stores: by their trees, where their kinds show the whole value,
else by their texts, where those name no macro. Inside a macro's expansion every operand has the
call's text (`MIN(m, x)`), and a macro may expand otherwise at another place (`__LINE__`)."""

from __future__ import annotations

import re
from typing import Optional

from clang.cindex import CursorKind as K

from autopar.frontend.ast import EXPLICIT_CASTS, Node, Source, bare


def same_value(source: Source, a: Node, b: Node, key_of) -> bool:
    """Whether two expressions are the same value: by their trees where no literal is in them, else
    by their texts where those tell them apart (not inside a macro, where both are its call's).
    `key_of(node)`: a variable reference's key."""
    sa, sb = _signature(bare(a), key_of), _signature(bare(b), key_of)
    if sa is not None and sb is not None:
        return sa == sb
    ta, tb = source.text_of(bare(a)), source.text_of(bare(b))
    return ta == tb and not (a.start <= b.start < a.end or b.start <= a.start < b.end) and \
        _no_macro(bare(a), ta) and _no_macro(bare(b), tb)


def _no_macro(node: Node, text: str) -> bool:
    """Whether every name the text spells is a variable or member the tree names, or a keyword: no
    macro, which may expand otherwise at another place (`__LINE__`, `__COUNTER__`, one `#undef`'d)."""
    named = {n.cursor.spelling for n in node.walk() if n.kind in (K.DECL_REF_EXPR, K.MEMBER_REF_EXPR)}
    return all(word in named or word in _KEYWORDS for word in re.findall(r"[A-Za-z_]\w*", text))


_KEYWORDS = {"sizeof", "char", "short", "int", "long", "signed", "unsigned", "float", "double", "const", "volatile",
             "_Bool", "bool"}


_SIGNED_KINDS = {K.DECL_REF_EXPR, K.MEMBER_REF_EXPR, K.ARRAY_SUBSCRIPT_EXPR, K.BINARY_OPERATOR, K.UNARY_OPERATOR,
                 K.PAREN_EXPR, K.UNEXPOSED_EXPR, *EXPLICIT_CASTS}


def _signature(node: Node, key_of) -> Optional[tuple]:
    """The expression's tree (kinds, operators, variables, members, spelled casts' types), or None
    where a literal or a call is in it (a macro's expansion does not show their values)."""
    # only kinds whose value their operands and spelling decide (not a literal, a call, `sizeof(T)`,
    # `true`, a statement expression `({ ... })`, whose children are no expressions)
    if node.kind not in _SIGNED_KINDS or len(node.expressions) != len(node.children) or \
            not node.expressions and node.kind not in (K.DECL_REF_EXPR, K.MEMBER_REF_EXPR):
        return None  # (a type trait, `__is_same(int, long)`, is an unexposed expression of no operand)
    parts = []
    for child in node.expressions:
        part = _signature(bare(child), key_of)
        if part is None:
            return None
        parts.append(part)
    if node.kind == K.DECL_REF_EXPR:
        leaf = key_of(node)
    elif node.kind == K.MEMBER_REF_EXPR:
        leaf = node.cursor.spelling
    else:
        leaf = node.binary_op or node.unary_op or (node.cursor.type.spelling if node.kind in EXPLICIT_CASTS else "")
    return (node.kind.value, leaf, tuple(parts)) if leaf is not None else None
