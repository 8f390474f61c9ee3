"""Pointers whose pointee's shape is fixed while their function runs: a pointer to an array whose
sizes are constants, or read only parameters the function never changes (`double (*u)[n2][n1] =
(double (*)[n2][n1])ou;` beside `double (*r)[n2][n1]`). Two such pointers of one spelled type that
hold the same address name the same elements by the same subscripts (what the runtime check that
lets them be equal needs: autopar/deps/dependences.py).

Takes the main file's `Function`s; gives a set of `Variables.key`s (read into `Variable.fixed_shape`).
"""

from __future__ import annotations

import re

from clang.cindex import CursorKind as K
from clang.cindex import TypeKind

from autopar.frontend.ast import ARRAY_TYPES
from autopar.frontend.functions import Function
from autopar.frontend.pointer_facts import changed_variables, function_parameters
from autopar.frontend.variables import Variables

_SIZE = re.compile(r"[\w\s()+*-]*")  # names, numbers and arithmetic: nothing that calls or reads memory
_NAME = re.compile(r"\b[A-Za-z_]\w*\b")


def fixed_shape_pointers(functions: list[Function]) -> set[tuple]:
    found: set[tuple] = set()
    for function in functions:
        if function.cursor.kind != K.FUNCTION_DECL:
            continue
        parameters = {p.spelling: p for p in function_parameters(function)}
        locals_named: set[str] = set()
        pointers = [p for p in parameters.values() if p.type.get_canonical().kind == TypeKind.POINTER]
        for node in function.nodes:
            if node.kind == K.VAR_DECL:
                locals_named.add(node.cursor.spelling)
                if node.cursor.type.get_canonical().kind == TypeKind.POINTER:
                    pointers.append(node.cursor)
        changed = changed_variables(function)
        # a size may read a parameter the function never changes, and no local shadows
        fixed = {name for name, p in parameters.items() if Variables.key(p) not in changed and name not in locals_named}
        for pointer in pointers:
            sizes = _sizes(pointer.type.get_canonical().get_pointee())
            if sizes is not None and all(_SIZE.fullmatch(s) and set(_NAME.findall(s)) <= fixed for s in sizes):
                found.add(Variables.key(pointer))
    return found


def _sizes(pointee) -> list[str] | None:
    """The spelled sizes of a pointee's array dimensions (none for a scalar), or None for one unknown."""
    sizes = []
    while pointee.kind in ARRAY_TYPES:
        if pointee.kind == TypeKind.CONSTANTARRAY:
            sizes.append(str(pointee.get_array_size()))
        else:
            m = re.search(r"\[([^\]]*)\]", pointee.spelling)
            if not m or not m.group(1).strip():
                return None
            sizes.append(m.group(1).strip())
        pointee = pointee.get_array_element_type()
    return sizes
