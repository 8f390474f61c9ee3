"""Entry pointers: the pointers that enter a function with its call (pointer parameters it never
reassigns, and local pointers set once from one of them), which cannot point into the function's
own automatic arrays; and which of those local copies inherit a parameter's no-alias fact.

Takes the main file's `Function`s and the parameter keys autopar/frontend/noalias.py proved distinct;
gives sets of `Variables.key`s (read into `Variable.enters_with_call`).
"""

from __future__ import annotations

from clang.cindex import CursorKind as K

from autopar.frontend.ast import variable_decl
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
    copy reaches its parameter's memory is autopar/frontend/kept_addresses.py's.)"""
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

