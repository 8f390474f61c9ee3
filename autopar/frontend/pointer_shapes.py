"""Pointer shapes: a pointer's type as the compiler sees it (typedefs resolved, qualifiers dropped)
when the sizes of the arrays it points to stay fixed while its function runs: constants, or, in C,
sizes the declaration spells itself from the function's parameters by arithmetic only, parameters
the function never changes (`double (*u)[n2][n1] = (double (*)[n2][n1])ou;` beside
`double (*r)[n2][n1]`). Two pointers of one shape that hold the same address name the same
elements by the same subscripts (what the runtime check that lets them be equal needs:
autopar/deps/dependences.py).

Takes the main file's `Function`s and the language; gives `Variables.key` -> shape (read into
`Variable.shape`).
"""

from __future__ import annotations

import re

from clang.cindex import CursorKind as K
from clang.cindex import TypeKind

from autopar.frontend.ast import ARRAY_TYPES
from autopar.frontend.functions import Function
from autopar.frontend.pointer_facts import changed_variables, function_parameters, pointer_parameter
from autopar.frontend.variables import Variables
from autopar.ir_base import unqualified

# what a size may be made of: no call, no dereference, no assignment, no cast
_SIZE_KINDS = {K.DECL_REF_EXPR, K.INTEGER_LITERAL, K.BINARY_OPERATOR, K.UNEXPOSED_EXPR, K.PAREN_EXPR}
_ARITHMETIC = re.compile(r"[\w\s()+*/-]*")


def pointer_shapes(functions: list[Function], language: str) -> dict[tuple, str]:
    found: dict[tuple, str] = {}
    for function in functions:
        if function.cursor.kind != K.FUNCTION_DECL:
            continue
        parameters = function_parameters(function)
        pointers = [p for p in parameters if pointer_parameter(p)]  # `double a[][64]` too
        pointers += [n.cursor for n in function.nodes
                     if n.kind == K.VAR_DECL and n.cursor.type.get_canonical().kind == TypeKind.POINTER]
        if not pointers:
            continue
        # an asm output or (in C++) a reference may change a parameter unseen: constant sizes only
        sizes_may_vary = language != "c" or bool(function.nodes_of((K.ASM_STMT, K.MS_ASM_STMT)))
        changed = changed_variables(function)
        unchanged = {Variables.key(p) for p in parameters if Variables.key(p) not in changed}
        for pointer in pointers:
            canonical = pointer.type.get_canonical()
            pointee = canonical.get_pointee() if canonical.kind == TypeKind.POINTER else \
                canonical.get_array_element_type()  # a parameter declared as an array is a pointer
            if "volatile" in canonical.spelling:
                continue
            variable = _variable_sizes(pointee)
            if variable and (sizes_may_vary or not _sizes_from_parameters(pointer, variable, unchanged)):
                continue
            found[Variables.key(pointer)] = "pointer to " + unqualified(pointee.spelling) + \
                _declared_at(pointee)
    return found


def _declared_at(pointee) -> str:
    """Where the struct, union or enum at the bottom of the pointee is declared: a block-scope
    `struct P` or `enum E` that shadows another spells the same and is another type."""
    while pointee.kind in ARRAY_TYPES or pointee.kind == TypeKind.POINTER:
        pointee = pointee.get_array_element_type() if pointee.kind in ARRAY_TYPES else pointee.get_pointee()
    pointee = pointee.get_canonical()
    if pointee.kind not in (TypeKind.RECORD, TypeKind.ENUM):
        return ""
    location = pointee.get_declaration().location
    return f" declared at {location.file.name if location.file else ''}:{location.offset}"


def _variable_sizes(pointee) -> int:
    """How many of the pointee's array dimensions have a size that is not a constant."""
    count = 0
    while pointee.kind in ARRAY_TYPES:
        count += pointee.kind != TypeKind.CONSTANTARRAY
        pointee = pointee.get_array_element_type()
    return count


def _sizes_from_parameters(declaration, count: int, unchanged: set[tuple]) -> bool:
    """Whether the declaration spells its `count` variable sizes itself (no typedef), each from
    literals and unchanged parameters of its function by arithmetic. A parameter's children are its
    sizes (`double a[n][m]`: both, although the first decays); a local's first `count` children
    are, before its initializer."""
    if declaration.type.spelling != declaration.type.get_canonical().spelling:
        return False  # a typedef or another sugar: the sizes are spelled elsewhere
    children = list(declaration.get_children())
    sizes = children if declaration.kind == K.PARM_DECL else children[:count]
    if len(sizes) < count or not sizes:
        return False
    for size in sizes:
        for node in size.walk_preorder():
            if node.kind not in _SIZE_KINDS:
                return False
            if node.kind == K.BINARY_OPERATOR and not _ARITHMETIC.fullmatch(
                    " ".join(t.spelling for t in node.get_tokens())):
                return False
            if node.kind == K.DECL_REF_EXPR:
                target = node.referenced
                if target is None or target.kind != K.PARM_DECL or Variables.key(target) not in unchanged:
                    return False
    return True
