"""Paths by which a loop's variables are reached other than by their names in the code after the
loop: a kept address (`p = &v; ...; *p`), a clause of a later omp directive, a lambda's closure.
The scalars pass (autopar.frontend.scalars) asks them for liveness after the loop."""

from __future__ import annotations

import re

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import Node, strip, variable_decl
from autopar.frontend.functions import cleanup_handlers
from autopar.frontend.loops import LoopInfo
from autopar.frontend.variables import Variables

_PRAGMA_LINE = re.compile(rb'#[ \t]*pragma[ \t]+omp\b(?:[^\n]|\\\n)*|_Pragma[ \t]*\([ \t]*"omp\b[^"]*"')


def read_through_kept_address(info: LoopInfo, key: tuple) -> bool:
    """Whether code after the loop may read the escaped variable `key` through its address: it is kept
    (`p = &v`, `s.p = &v`, a reference bound to it, a cleanup handler's argument: anything but an
    argument of a call, which lends it for the call), or the function reads through a pointer after
    the loop (`*q`, `q->f`, `q[k]`: a callee may have kept what it was lent). An address only lent to
    calls, with no such read after the loop (NAS EP's `randlc(&t2, t2)`), keeps nothing alive."""
    function = info.function
    facts = function.facts.get(("kept addresses", 0))
    if facts is None:
        kept = {Variables.key(node.cursor) for node in cleanup_handlers(function)}
        for bound in function.references.values():
            if bound is not None:
                kept.update(Variables.key(d) for d in map(variable_decl, bound.walk()) if d is not None)
        for node in function.nodes_of((K.UNARY_OPERATOR,)):
            if node.unary_op != "&":
                continue
            user = node.parent
            while user is not None and user.kind in (K.PAREN_EXPR, K.CSTYLE_CAST_EXPR, K.UNEXPOSED_EXPR):
                user = user.parent
            if user is None or user.kind != K.CALL_EXPR:
                kept.update(Variables.key(d) for d in map(variable_decl, node.walk()) if d is not None)
        facts = function.facts[("kept addresses", 0)] = kept
    if key in facts:
        return True
    after = function.facts.get(("reads through pointers after", info.node.index))
    if after is None:  # (the same for every variable of the loop: asked once)
        end = info.node.end
        after = function.facts[("reads through pointers after", info.node.index)] = any(
            node.start >= end and (node.unary_op == "*" if node.kind == K.UNARY_OPERATOR else
                                   bool(node.children) and strip(node.children[0]).type_kind == TypeKind.POINTER)
            for node in function.nodes_of((K.UNARY_OPERATOR, K.MEMBER_REF_EXPR, K.ARRAY_SUBSCRIPT_EXPR)))
    return after


def named_in_pragmas_after(info: LoopInfo, data: bytes, keys: set[tuple]) -> set[tuple]:
    """The keys whose names an omp directive after the loop (in its function) mentions: a clause
    reads them (`num_threads(last >= 0 ? 3 : 1)`, `if(n > k)`), which no node of the tree shows."""
    start, end = info.node.end, info.function.end
    if data.find(b"ragma", start, end) < 0:  # (`pragma`, `_Pragma`: most functions have neither)
        return set()
    # (`private(j)` and `lastprivate(j)` read nothing of j: the shared regions autopar writes name the
    # inner counters of each `omp for` so)
    names = {m.group(0).decode("utf-8", "replace") for line in _PRAGMA_LINE.finditer(data, start, end)
             for m in re.finditer(rb"[A-Za-z_]\w*", _NOT_READING.sub(b" ", line.group(0)))}
    return {key for key in keys if key[2] in names}


_NOT_READING = re.compile(rb"\b(?:private|lastprivate)\s*\([^()]*\)")


def declared_outside_lambda(loop_node: Node) -> set[tuple]:
    """The keys of the variables a loop inside a lambda names that are declared outside the lambda's
    body (captures and init-captures, parameters too); empty when no lambda holds the loop."""
    body = loop_node
    while body.parent is not None and body.parent.kind != K.LAMBDA_EXPR:
        body = body.parent
    if body.parent is None:
        return set()
    return {Variables.key(d) for d in map(variable_decl, loop_node.walk()) if d is not None and
            not (body.start <= d.extent.start.offset < body.end)}
