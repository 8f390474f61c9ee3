"""Entry pointers: the pointers that enter a function with its call (pointer parameters it never
reassigns, and local pointers set once from one of them), which cannot point into the function's
own automatic arrays; and which of those local copies inherit a parameter's no-alias fact.

Takes the main file's `Function`s and the parameter keys autopar/frontend/noalias.py proved distinct;
gives sets of `Variables.key`s (read into `Variable.enters_with_call`).
"""

from __future__ import annotations

from clang.cindex import CursorKind as K

from autopar.frontend.ast import Node, expression_children, stored_operand, strip, variable_decl
from autopar.frontend.functions import Function
from autopar.frontend.pointer_facts import (address_like, ambiguous_keys, changed_variables, function_parameters,
                                        pointer_parameter, set_once)
from autopar.frontend.variables import Variables


def entry_pointers(functions: list[Function], distinct: set[tuple], language: str) -> tuple[set[tuple], set[tuple]]:
    """The pointers that enter with the call: pointer parameters a function never reassigns or takes
    the address of, and local pointers set once, in their declaration, from one of those
    (`double (*u)[n] = (double (*)[n])ou;`). They cannot point into the function's own automatic
    arrays, which did not exist when the call began. Also returns which of those local copies
    inherit a parameter's no-alias fact (`distinct`): the parameter is named nowhere else. (That a
    copy reaches its parameter's memory is `stored_parameters`'.)"""
    entering: set[tuple] = set()
    inherited: set[tuple] = set()
    if language != "c":
        return entering, inherited  # C++ rebinds a pointer through a reference unseen
    for function in functions:
        if function.cursor.kind not in (K.FUNCTION_DECL, K.CXX_METHOD):
            continue
        nodes = function.nodes
        if any(n.kind == K.LAMBDA_EXPR for n in nodes):
            continue  # a lambda's parameter may point into the enclosing function's arrays
        params = {Variables.key(p): p for p in function_parameters(function) if pointer_parameter(p)}
        if not params:
            continue
        if any(n.kind in (K.ASM_STMT, K.MS_ASM_STMT) for n in nodes):
            continue  # an asm output may rebind a parameter unseen
        changed = changed_variables(function) | ambiguous_keys(function)
        named: dict[tuple, int] = {}
        for node in nodes:
            if node.kind == K.DECL_REF_EXPR and (decl := variable_decl(node)) is not None:
                key = Variables.key(decl)
                named[key] = named.get(key, 0) + 1
        entry = {key for key in params if key not in changed}
        entering |= entry
        for key, value in set_once(function):
            source = variable_decl(value) if value.kind == K.DECL_REF_EXPR else None
            if source is None or Variables.key(source) not in entry or not address_like(value) or key in changed:
                continue
            entering.add(key)
            if Variables.key(source) in distinct and named.get(Variables.key(source)) == 1:
                inherited.add(key)
    return entering, inherited


def stored_parameters(functions: list[Function]) -> dict[tuple, set[str]]:
    """Variables that hold a pointer parameter's address after an assignment or an initializer of
    the function (`gp = x;`, `s.p = x + 1;`, `struct S s = {x};`) -> those parameters ("name@line:column").
    Such a variable reaches the parameter's memory, whatever `restrict` or the call sites say of the
    parameter: `restrict` promises only that pointers *not* based on it do not reach its elements.
    Over-approximate by design: any pointer parameter named in a pointer-valued right-hand side counts."""
    found: dict[tuple, set[str]] = {}
    for function in functions:
        params = {Variables.key(p): p for p in function_parameters(function) if pointer_parameter(p)}
        if not params:
            continue
        for node in function.nodes_of((K.BINARY_OPERATOR, K.VAR_DECL)):
            if node.kind == K.BINARY_OPERATOR:
                target = stored_operand(node) if node.binary_op == "=" else None
                root = _root_variable(target) if target is not None else None
            else:
                root = node.cursor
            values = expression_children(node)
            if root is None or not values:
                continue
            value = values[-1]
            if not (address_like(value) or strip(value).kind == K.INIT_LIST_EXPR):
                continue  # `y[i] = x[i]` stores an element, not an address
            for ref in value.walk():
                decl = variable_decl(ref) if ref.kind == K.DECL_REF_EXPR else None
                if decl is not None and Variables.key(decl) in params:
                    found.setdefault(Variables.key(root), set()).add(f"{decl.spelling}@{Variables.place(decl)}")
    return found


def _root_variable(lvalue: Node):
    """The variable an lvalue stores into: `gp`, `s` of `s.p`, `a` of `a[k].p` (None: through a pointer
    the analysis cannot name, which reaches no named object of its own)."""
    node = strip(lvalue)
    while node.kind in (K.MEMBER_REF_EXPR, K.ARRAY_SUBSCRIPT_EXPR, K.PAREN_EXPR, K.UNEXPOSED_EXPR):
        children = expression_children(node)
        if not children:
            return None
        node = strip(children[0])
    return variable_decl(node) if node.kind == K.DECL_REF_EXPR else None
