"""Parameter regions: for a same-file function, the boxes of elements it reads and writes through
each pointer parameter whose every use is an element access with subscripts of constant range
(`p[e1][e2]`, `*p`), so a call to it becomes accesses of those elements at the call.

Takes a `Function` and the indices of its pointer parameters; gives {index: [box, ...]} for reads
and for writes, a box being one [low, high] per subscript.
"""

from __future__ import annotations

from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import (INTEGER_TYPES, TRANSPARENT, Node, evaluate_int, expression_children, stored_operand,
                                  strip, user_of, variable_decl)
from autopar.frontend.functions import Function
from autopar.frontend.variables import Variables


MAX_REGION_ELEMENTS = 64  # elements a call's regions may name: each becomes an access at the call


def param_regions(function: Function, params: set[int]) -> tuple[dict, dict, list[int]]:
    """For each pointer parameter in `params` whose every use is an element access `p[e1][e2]` or
    `*p` with subscripts that take constant ranges (literals, and variables of the function's own
    `for (int m = 0; m < 5; m++)` or `for (m = 0; m < 5; m++)` loops), the boxes it reads and writes;
    and the parameters whose every box written is written whole on every call (`_written_whole`)."""
    arguments = list(function.node.cursor.get_arguments())
    reads: dict[int, list] = {}
    writes: dict[int, list] = {}
    whole: list[int] = []
    for k in sorted(params):
        if k >= len(arguments):
            continue
        key = Variables.key(arguments[k])
        found = _element_uses(function, key)
        if found is None:
            continue
        r, w, every_call = found
        count = sum(_elements(b) for b in r + w)
        if count > MAX_REGION_ELEMENTS:
            continue
        if r:
            reads[k] = r
        if w:
            writes[k] = w
            if all(box in every_call for box in w) and _no_early_exit(function):
                whole.append(k)
    return reads, writes, whole


def _elements(box: list[list[int]]) -> int:
    out = 1
    for lo, hi in box:
        out *= hi - lo + 1
    return out


def _element_uses(function: Function, key: tuple) -> Optional[tuple[list, list, list]]:
    reads: list[list[list[int]]] = []
    writes: list[list[list[int]]] = []
    every_call: list[list[list[int]]] = []  # boxes some plain store writes whole, each time the function runs
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
        if plain and box not in every_call and _written_whole(parent, e, loops):
            every_call.append(box)
    return reads, writes, every_call


def _written_whole(store: Node, element: Node, loops: dict[int, tuple[tuple, int, int]]) -> bool:
    """Whether the statement `store` (`p[m][2] = e;`) writes every element of its box each time the
    function runs: a statement of its own, under nothing but blocks and constant loops it is the body
    of, each subscript a constant or one of those loops' variables plus a constant (so the elements
    written are all of the box), no variable used twice."""
    used, node = [], element
    while node.kind == K.ARRAY_SUBSCRIPT_EXPR:
        base, index = expression_children(node)
        index = _exact(index)
        if index is None:
            return False
        if any(n.kind == K.DECL_REF_EXPR for n in index.walk()):
            if index.kind == K.BINARY_OPERATOR and index.binary_op in ("+", "-"):
                left, right = (_exact(side) for side in expression_children(index))
                if left is None or right is None or evaluate_int(right) is None or index.type_kind not in _WIDE_SIGNED:
                    return False
                index = left
            decl = variable_decl(index) if index.kind == K.DECL_REF_EXPR else None
            if decl is None:
                return False
            used.append(Variables.key(decl))
        node = strip(base)
    if len(set(used)) != len(used) or node.kind != K.DECL_REF_EXPR:
        return False  # (`*p` is a box of one element, but the loop above still must run it)
    statement, outer = store, store.parent
    while outer is not None and outer.kind not in (K.FUNCTION_DECL, K.CXX_METHOD):
        if outer.kind == K.FOR_STMT:
            head = loops.get(outer.index)
            if head is None or outer.children[3] is not statement:
                return False
            if head[0] in used:
                used.remove(head[0])
        elif outer.kind != K.COMPOUND_STMT:
            return False
        statement, outer = outer, outer.parent
    return not used  # every variable of a subscript is one of the loops around the store


def _no_early_exit(function: Function) -> bool:
    """No return before the end of the body, no goto, break or continue: every statement of the body
    that is not under a condition runs on every call."""
    if function.nodes_of((K.GOTO_STMT, K.INDIRECT_GOTO_STMT, K.BREAK_STMT, K.CONTINUE_STMT, K.LABEL_STMT)):
        return False
    body = function.node.children[-1] if function.node.children else None
    returns = function.nodes_of((K.RETURN_STMT,))
    return body is not None and body.kind == K.COMPOUND_STMT and \
        all(r.parent is body and r is body.children[-1] for r in returns)


_ARRAYS = (TypeKind.CONSTANTARRAY, TypeKind.INCOMPLETEARRAY, TypeKind.VARIABLEARRAY)


def _constant_loops(function: Function) -> dict[int, tuple[tuple, int, int]]:
    """`for` loops with constant bounds, `for (int m = lo; m < hi; m++)` or old C's `for (m = lo; m
    < hi; m++)` over a variable declared before (one variable may serve several such loops), whose
    variable nothing but such headers assigns: loop node's index -> (variable, low, high)."""
    found: dict[int, tuple[tuple, int, int]] = {}
    headers: set[int] = set()  # the nodes of those headers' init and increment
    for node in function.nodes_of((K.FOR_STMT,)):
        head = _constant_head(node)
        if head is not None:
            found[node.index] = head
            headers.update(part.index for part in (node.children[0], node.children[2]))
    assigned = set()  # variables assigned anywhere else, or whose address is taken
    for node in function.nodes:
        if node.index not in headers:
            assigned.update(_assigned(node))
    # a loop over the counter of a loop around it changes that counter in the outer body (`for (m ...)
    # { for (m ...) ...; a[m] = t; }`): neither gives a range
    by_index = {node.index: node for node in function.nodes_of((K.FOR_STMT,))}
    nested = {head[0] for index, head in found.items() for other, more in found.items()
              if other != index and more[0] == head[0] and by_index[index].contains(by_index[other])}
    return {index: head for index, head in found.items() if head[0] not in assigned | nested}


def _constant_head(node: Node) -> Optional[tuple[tuple, int, int]]:
    """(variable, low, high) of a `for` loop's header `m = lo; m < hi (or <= hi); m++` with constant
    bounds (the variable declared there or assigned), or None."""
    if len(node.children) != 4:
        return None
    init, cond, inc, _ = node.children
    if init.kind == K.DECL_STMT:
        decls = [c for c in init.children if c.kind == K.VAR_DECL]
        if len(decls) != 1 or not expression_children(decls[0]):
            return None
        var, start = Variables.key(decls[0].cursor), expression_children(decls[0])[-1]
    else:
        init = strip(init)
        target = variable_decl(strip(expression_children(init)[0])) if init.kind == K.BINARY_OPERATOR and \
            init.binary_op == "=" else None
        if target is None:
            return None
        var, start = Variables.key(target), expression_children(init)[1]
    lo, cond, inc = evaluate_int(start), strip(cond), strip(inc)
    if lo is None or cond.kind != K.BINARY_OPERATOR or cond.binary_op not in ("<", "<="):
        return None
    left, right = (_exact(side) for side in expression_children(cond))
    if left is None or right is None or left.type_kind not in _WIDE_SIGNED:
        return None  # (`m < 4u` compares m converted to unsigned: -1 is then the largest value)
    decl, hi = variable_decl(left), evaluate_int(right)
    if decl is None or Variables.key(decl) != var or hi is None or \
            not (inc.kind == K.UNARY_OPERATOR and inc.unary_op in ("++", "post++")) or \
            variable_decl(strip(expression_children(inc)[0])) is None or \
            Variables.key(variable_decl(strip(expression_children(inc)[0]))) != var:
        return None
    hi = hi - 1 if cond.binary_op == "<" else hi
    return (var, lo, hi) if hi >= lo else None


def _assigned(node: Node) -> list[tuple]:
    target = stored_operand(node)
    if target is None and node.kind == K.UNARY_OPERATOR and node.unary_op == "&":
        children = expression_children(node)
        target = children[0] if children else None
    decl = variable_decl(strip(target)) if target is not None else None
    return [Variables.key(decl)] if decl is not None else []


def _range_at(use: Node, var: tuple, loops: dict[int, tuple[tuple, int, int]]) -> Optional[tuple[int, int]]:
    """The range of `var` at `use`: that of the nearest `for` around the use whose variable it is,
    when that loop is one of `loops` and the use is in its body (not in its header); else None."""
    for ancestor in use.ancestors():
        if ancestor.kind == K.FOR_STMT and len(ancestor.children) == 4:
            head = loops.get(ancestor.index)
            if head is not None and head[0] == var:
                return (head[1], head[2]) if ancestor.children[3].contains(use) or ancestor.children[3] is use else None
            if head is None and _for_variable(ancestor) == var:
                return None  # the nearest loop over it is not a constant one
    return None


def _for_variable(node: Node) -> Optional[tuple]:
    """The variable a `for` loop's increment steps, if it names one."""
    inc = strip(node.children[2])
    children = expression_children(inc) if inc.kind in (K.UNARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR,
                                                         K.BINARY_OPERATOR) else []
    decl = variable_decl(strip(children[0])) if children else None
    return Variables.key(decl) if decl is not None else None


_WIDE_SIGNED = {TypeKind.INT, TypeKind.LONG, TypeKind.LONGLONG}
_SIGNED = {TypeKind.CHAR_S, TypeKind.SCHAR, TypeKind.SHORT, *_WIDE_SIGNED}


def _exact(node: Node) -> Optional[Node]:
    """`node` below parentheses and the conversions that keep every value (to int, long or long long,
    from a signed type no wider or an unsigned one narrower); None where a conversion may change a value
    (`a[(_Bool)m]`, `a[(unsigned char)(m + 250)]`, `m` compared with `4u`)."""
    while node.kind in TRANSPARENT and node.expressions:
        inner = node.expressions[-1]
        if node.kind != K.PAREN_EXPR and node.type_kind != inner.type_kind:
            to, size, inner_size = node.type_kind, node.cursor.type.get_size(), inner.cursor.type.get_size()
            if to not in _WIDE_SIGNED or not (inner.type_kind in _SIGNED and size >= inner_size or
                                               inner.type_kind in INTEGER_TYPES and size > inner_size):
                return None
        node = inner
    return node


def _interval(node: Node, loops: dict[int, tuple[tuple, int, int]]) -> Optional[tuple[int, int]]:
    """The range of an integer expression of constants and constant-range loop variables (in a signed
    type no conversion changes: anything else has no range here)."""
    e = _exact(node)
    if e is None:
        return None
    if not any(n.kind == K.DECL_REF_EXPR for n in e.walk()):
        value = evaluate_int(e)
        return (value, value) if value is not None else None
    if e.kind == K.DECL_REF_EXPR:
        decl = variable_decl(e)
        return _range_at(e, Variables.key(decl), loops) if decl is not None else None
    if e.kind == K.BINARY_OPERATOR and e.binary_op in ("+", "-", "*") and e.type_kind in _WIDE_SIGNED:
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
