"""Volatile accesses: each read and write of a volatile object is a side effect that C keeps in
number and in order (a device register, a flag that a signal handler or another program sets), so
no plan may run a loop that makes one in parallel, vectorize it, or turn its updates into a
reduction (a thread's private copy would drop them).

An access is an expression of volatile-qualified type: `vc` for `volatile int vc`, `p[i]` for a
`volatile int *p`, `s.flag` for a volatile field, `*(volatile char *)addr`; typedefs included. A function that makes one is of unknown effect to its callers
(autopar.frontend.summaries). Looked for only where the main file, or a header it includes from
outside /usr, spells `volatile`: the expressions' types are asked of libclang one by one.

Takes a function's Node tree; gives the places and names of its volatile accesses.
"""

from __future__ import annotations

from clang.cindex import CursorKind as K

from autopar.frontend.ast import Node, Source
from autopar.frontend.functions import Function
from autopar.frontend.variables import is_volatile

_ACCESS_KINDS = (K.DECL_REF_EXPR, K.MEMBER_REF_EXPR, K.ARRAY_SUBSCRIPT_EXPR, K.UNARY_OPERATOR)


def user_header_texts(clang_tu) -> list[bytes]:
    """The texts of the headers the translation unit includes from outside /usr (the system's are
    left out: they are many, and declare no object a user's loop would need read this way)."""
    texts = []
    for path in sorted({inc.include.name for inc in clang_tu.get_includes()}):
        if not path.startswith("/usr/"):
            try:
                with open(path, "rb") as handle:
                    texts.append(handle.read())
            except OSError:
                continue
    return texts


class Volatiles:
    """The volatile accesses of the file's functions, found once per function."""

    def __init__(self, clang_tu, source: Source):
        self.source = source
        self.active = b"volatile" in source.data or any(b"volatile" in t for t in user_header_texts(clang_tu))

    def accesses(self, function: Function) -> list[Node]:
        """The function's volatile accesses, in pre-order."""
        if not self.active:
            return []
        return function.nodes_where("volatile", function.node, _ACCESS_KINDS, _is_volatile_access)

    def names_in(self, function: Function, within: Node) -> list[str]:
        """How the volatile accesses under `within` are spelled, each once, sorted."""
        if not self.active:
            return []
        found = function.nodes_where("volatile", within, _ACCESS_KINDS, _is_volatile_access)
        return sorted({self.source.shown_text(node) or "(a volatile object)" for node in found})


def _is_volatile_access(node: Node) -> bool:
    if node.kind == K.UNARY_OPERATOR and node.unary_op != "*":
        return False
    return is_volatile(node.cursor.type)
