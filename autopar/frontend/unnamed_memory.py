"""Lvalues whose memory no access of the accesses pass names (autopar.frontend.accesses): reached
through a pointer or an array the chain reader cannot follow, through a reference a function returns,
or through a standard container's element (which is judged as a call instead)."""

from __future__ import annotations

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import Node, expression_children, strip
from autopar.frontend.calls import declared_by_the_system
from autopar.frontend.containers import container_call


def unnamed_memory(e: Node) -> bool:
    """An lvalue that reaches memory through a pointer or an array: `x[i]`, `*x`, `x->m`, `x.m[i]`, or
    through a reference a function of the program returns (`v.at(i) = ...`, `slot() += 1`, a class's
    `operator[]`: the memory is the function's business, which no access names)."""
    e = strip(e)
    if e.kind == K.ARRAY_SUBSCRIPT_EXPR or (e.kind == K.UNARY_OPERATOR and e.unary_op == "*"):
        return True
    if e.kind == K.CALL_EXPR:  # (the standard library's, a container's `v[i]` too, are judged as calls)
        return not declared_by_the_system(e)
    if e.kind == K.MEMBER_REF_EXPR:
        if e.cursor.referenced is not None and e.cursor.referenced.kind == K.VAR_DECL:
            return True  # a static data member named through an object (`p[i].total`): not modelled
        children = expression_children(e)
        return bool(children) and (children[0].type_kind == TypeKind.POINTER
                                   or unnamed_memory(children[0]))
    return False


def container_based(e: Node, root: Node) -> bool:
    """The lvalue is a member of a standard container's element (`v[i].x`): that call is judged as a
    call (unknown when the accesses pass does not model it), not as an unmodelled access. Memory
    reached through a pointer the element holds (`*v[i]`, `v[i][0]`, `v[i]->x`) is unmodelled."""
    e = strip(e)
    while True:
        if e.kind == K.CALL_EXPR:
            return container_call(e, root) is not None
        children = expression_children(e)
        if e.kind != K.MEMBER_REF_EXPR or not children or strip(children[0]).type_kind == TypeKind.POINTER:
            return False
        e = strip(children[0])
