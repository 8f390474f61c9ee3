"""Parameter regions: for a same-file function, the boxes of elements it reads and writes through
each pointer parameter whose every use is an element access with subscripts of constant range
(`p[e1][e2]`, `*p`), so a call to it becomes accesses of those elements at the call.

Takes a `Function` and the indices of its pointer parameters; gives {index: [box, ...]} for reads
and for writes, a box being one [low, high] per subscript.
"""

from __future__ import annotations

from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import Node, evaluate_int, expression_children, stored_operand, strip, user_of, variable_decl
from autopar.frontend.functions import Function
from autopar.frontend.variables import Variables


MAX_REGION_ELEMENTS = 64  # elements a call's regions may name: each becomes an access at the call


def param_regions(function: Function, params: set[int]) -> tuple[dict, dict]:
    """For each pointer parameter in `params` whose every use is an element access `p[e1][e2]` or
    `*p` with subscripts that take constant ranges (literals, and variables of the function's own
    `for (int m = 0; m < 5; m++)` loops), the boxes it reads and writes."""
    arguments = list(function.node.cursor.get_arguments())
    reads: dict[int, list] = {}
    writes: dict[int, list] = {}
    for k in sorted(params):
        if k >= len(arguments):
            continue
        key = Variables.key(arguments[k])
        found = _element_uses(function, key)
        if found is None:
            continue
        r, w = found
        count = sum(_elements(b) for b in r + w)
        if count > MAX_REGION_ELEMENTS:
            continue
        if r:
            reads[k] = r
        if w:
            writes[k] = w
    return reads, writes


def _elements(box: list[list[int]]) -> int:
    out = 1
    for lo, hi in box:
        out *= hi - lo + 1
    return out


def _element_uses(function: Function, key: tuple) -> Optional[tuple[list, list]]:
    reads: list[list[list[int]]] = []
    writes: list[list[list[int]]] = []
    loops = _constant_loops(function)
    for node in function.nodes:
        if node.kind != K.DECL_REF_EXPR or node.cursor.referenced is None or \
                Variables.key(node.cursor.referenced) != key:
            continue
        e, box = node, []
        while True:
            parent = user_of(e)
            if parent is None:
                return None
            if parent.kind == K.ARRAY_SUBSCRIPT_EXPR:
                children = expression_children(parent)
                if len(children) != 2 or not (children[0] is e or children[0].contains(e)) or \
                        children[1].contains(node):
                    return None
                span = _interval(children[1], loops)
                if span is None:
                    return None
                box.append(list(span))
                e = parent
            elif parent.kind == K.UNARY_OPERATOR and parent.unary_op == "*" and not box:
                box.append([0, 0])
                e = parent
            else:
                break
        if not box or e.type_kind in (TypeKind.POINTER, TypeKind.RECORD, *_ARRAYS):
            return None  # the pointer itself (passed on, copied, compared) or a struct element
        parent = user_of(e)
        written = parent is not None and stored_operand(parent) is not None and \
            (strip(stored_operand(parent)) is e or stored_operand(parent) is e)
        if parent is not None and parent.kind == K.UNARY_OPERATOR and parent.unary_op == "&":
            return None
        plain = written and parent.kind == K.BINARY_OPERATOR and parent.binary_op == "="
        if not written or not plain:
            if box not in reads:
                reads.append(box)
        if written and box not in writes:
            writes.append(box)
    return reads, writes


_ARRAYS = (TypeKind.CONSTANTARRAY, TypeKind.INCOMPLETEARRAY, TypeKind.VARIABLEARRAY)


def _constant_loops(function: Function) -> dict[tuple, tuple[int, int]]:
    """Variables of `for (int m = lo; m < hi; m++)` loops with constant bounds that nothing else
    assigns: the range each takes."""
    out: dict[tuple, tuple[int, int]] = {}
    writes: dict[tuple, int] = {}
    for node in function.nodes:
        for target in _assigned(node):
            writes[target] = writes.get(target, 0) + 1
    for node in function.nodes:
        if node.kind != K.FOR_STMT or len(node.children) != 4:
            continue
        init, cond, inc, _ = node.children
        decls = [c for c in init.children if c.kind == K.VAR_DECL] if init.kind == K.DECL_STMT else []
        if len(decls) != 1 or not expression_children(decls[0]):
            continue
        var = Variables.key(decls[0].cursor)
        lo = evaluate_int(expression_children(decls[0])[-1])
        cond = strip(cond)
        if lo is None or cond.kind != K.BINARY_OPERATOR or cond.binary_op not in ("<", "<="):
            continue
        left, right = expression_children(cond)
        decl = variable_decl(strip(left))
        hi = evaluate_int(right)
        if decl is None or Variables.key(decl) != var or hi is None:
            continue
        inc = strip(inc)
        if not (inc.kind == K.UNARY_OPERATOR and inc.unary_op in ("++", "post++")) or writes.get(var, 0) != 1:
            continue
        hi = hi - 1 if cond.binary_op == "<" else hi
        if hi >= lo:
            out[var] = (lo, hi)
    return out


def _assigned(node: Node) -> list[tuple]:
    target = stored_operand(node)
    if target is None and node.kind == K.UNARY_OPERATOR and node.unary_op == "&":
        children = expression_children(node)
        target = children[0] if children else None
    decl = variable_decl(strip(target)) if target is not None else None
    return [Variables.key(decl)] if decl is not None else []


def _interval(node: Node, loops: dict[tuple, tuple[int, int]]) -> Optional[tuple[int, int]]:
    """The range of an integer expression of constants and constant-range loop variables."""
    e = strip(node)
    if not any(n.kind == K.DECL_REF_EXPR for n in e.walk()):
        value = evaluate_int(e)
        return (value, value) if value is not None else None
    if e.kind == K.DECL_REF_EXPR:
        decl = variable_decl(e)
        return loops.get(Variables.key(decl)) if decl is not None else None
    if e.kind == K.BINARY_OPERATOR and e.binary_op in ("+", "-", "*"):
        parts = expression_children(e)
        if len(parts) != 2:
            return None
        a, b = _interval(parts[0], loops), _interval(parts[1], loops)
        if a is None or b is None:
            return None
        if e.binary_op == "+":
            return a[0] + b[0], a[1] + b[1]
        if e.binary_op == "-":
            return a[0] - b[1], a[1] - b[0]
        products = [x * y for x in a for y in b]
        return min(products), max(products)
    return None
