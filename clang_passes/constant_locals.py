"""Constant locals: integer variables whose value is their constant initializer everywhere they are read
(`int len = 1000; int m = 2;` in a C function that never assigns them again), so a bound or subscript
that names one is that constant (`i < len` runs 1000 times; `a[i + m]` is two elements away).

Takes the main file's functions; gives {variable key: value}.
"""

from __future__ import annotations

from clang.cindex import CursorKind as K, TypeKind

from clang_passes.ast import UNSIGNED_TYPES, canonical_kind, evaluate_int, expression_children
from clang_passes.functions import Function
from clang_passes.loops import address_taken_in
from clang_passes.nest_facts import written_decl_refs
from clang_passes.variables import Variables, is_integer_decl, is_reference

# the kinds of node that can assign a variable by name (nest_facts.written_decl_refs reads them)
_ASSIGNING = (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR, K.UNARY_OPERATOR)


def constant_locals(functions: list[Function], language: str) -> dict[tuple, int]:
    """The variables declared in `functions` with an integer constant initializer whose value no code
    can change: `const` ones (changing them is undefined), and, in C, locals that the function never
    assigns by name and whose address it never takes (nothing else can reach a C local; C++ adds
    references and by-reference arguments, so there only `const` ones count). A function with an `asm`
    statement is left out: its operands assign without `&`."""
    found: dict[tuple, int] = {}
    for function in functions:
        declarations = function.nodes_of((K.VAR_DECL,))
        if not declarations or function.nodes_of((K.ASM_STMT,)):
            continue
        changed = None  # the function's assigned and address-taken variables, found when first needed
        for node in declarations:
            decl = node.cursor
            value = _initial_value(node)
            if value is None:
                continue
            if not decl.type.is_const_qualified():
                if language != "c":
                    continue
                if changed is None:
                    changed = _changed_by_name(function)
                if Variables.key(decl) in changed:
                    continue
            found[Variables.key(decl)] = value
    return found


def _initial_value(node) -> int | None:
    """The value a declaration stores, when its initializer is an integer constant that the variable's
    type holds unchanged (`unsigned char c = 300` stores 44: left out, as are bool and enum types)."""
    decl = node.cursor
    if not is_integer_decl(decl) or is_reference(decl) or decl.type.is_volatile_qualified():
        return None
    kind = canonical_kind(decl)
    if kind in (TypeKind.BOOL, TypeKind.ENUM):
        return None
    children = expression_children(node)
    if not children:
        return None
    value = evaluate_int(children[-1])
    if value is None:
        return None
    bits = decl.type.get_canonical().get_size() * 8
    if bits <= 0:
        return None
    low, high = (0, 2 ** bits - 1) if kind in UNSIGNED_TYPES else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    return value if low <= value <= high else None


def _changed_by_name(function: Function) -> set[tuple]:
    """Variables the function assigns (=, op=, ++, --) or whose address it takes (&v)."""
    keys = set(address_taken_in(function))
    for node in function.nodes_of(_ASSIGNING):
        for target in written_decl_refs(node):
            decl = target.cursor.referenced
            if decl is not None:
                keys.add(Variables.key(decl))
    return keys
