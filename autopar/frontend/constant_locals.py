"""Constant locals: integer variables whose value is their constant initializer everywhere they are read
(`int len = 1000; int m = 2;` in a C function that never assigns them again), so a bound or subscript
that names one is that constant (`i < len` runs 1000 times; `a[i + m]` is two elements away).

Only initializers spelled as numbers count (`int n = N;` of a macro does not), in functions without
`#if` lines: the rewrite writes the value where it writes the name's (an alias check, a map clause),
and a build with other `-D` flags must get the same value there.

Takes the main file's functions and text; gives {variable key: value}.
"""

from __future__ import annotations

import re
from collections import Counter

from clang.cindex import CursorKind as K, StorageClass, TypeKind

from autopar.frontend.ast import Source, canonical_kind, evaluate_int, expression_children, integer_range
from autopar.frontend.functions import Function
from autopar.frontend.pointer_facts import changed_variables
from autopar.frontend.variables import Variables, is_integer_decl, is_reference, is_volatile

# an initializer spelled with numbers and operators only: no macro, whose value a -D flag may change
_SPELLED_NUMBER = re.compile(rb"(?:\s|[-+*/%()<>&|^~]|[0-9][0-9a-zA-Z']*)+")
_CONDITIONAL = re.compile(rb"^[ \t]*(?:#|%:|\?\?=)[ \t]*(if|ifdef|ifndef|elif|else)\b", re.MULTILINE)


def constant_locals(functions: list[Function], source: Source, language: str) -> dict[tuple, int]:
    """The variables declared in `functions` with an integer constant initializer whose value no code
    can change: `const` ones (changing them is undefined), and, in C, locals that the function never
    assigns by name and whose address it never takes (nothing else can reach a C local; C++ adds
    references and by-reference arguments, so there only `const` ones count). A function with an `asm`
    statement is left out (its operands assign without `&`), and so is one with `#if` lines (another
    configuration may declare the variable otherwise)."""
    found: dict[tuple, int] = {}
    # a declaration from an #include or a macro shares its key (file, offset, name) with the other
    # declarations made from the same text: such keys are left out
    declared = Counter(Variables.key(n.cursor) for f in functions for n in f.nodes_of((K.VAR_DECL,)))
    for function in functions:
        declarations = function.nodes_of((K.VAR_DECL,))
        if not declarations or function.nodes_of((K.ASM_STMT,)) or \
                _CONDITIONAL.search(source.data, function.start, function.end):
            continue
        for node in declarations:
            decl = node.cursor
            key = Variables.key(decl)
            if declared[key] != 1 or key[0] != function.cursor.location.file.name:
                continue
            value = _initial_value(node, key, source)
            if value is None:
                continue
            if not decl.type.is_const_qualified() and (language != "c" or key in changed_variables(function)):
                continue
            found[key] = value
    return found


def _initial_value(node, key: tuple, source: Source) -> int | None:
    """The value a declaration stores, when it is spelled `name = <numbers>` in the main file (not an
    `extern` one, not a `__typeof__(0)` operand) and fits the variable's type (`unsigned char c = 257`
    stores 1: that value) and 32 bits (the model's integers do not wrap: `unsigned b = -1` is not
    -1); bool and enum types are left out."""
    decl = node.cursor
    if not is_integer_decl(decl) or is_reference(decl) or is_volatile(decl.type) or \
            decl.storage_class == StorageClass.EXTERN:
        return None
    kind = canonical_kind(decl)
    if kind in (TypeKind.BOOL, TypeKind.ENUM):
        return None
    children = expression_children(node)
    if not children:
        return None
    name = decl.spelling.encode()
    at = key[1]
    initializer = children[-1]
    if source.data[at:at + len(name)] != name or source.data[at + len(name):initializer.start].strip() != b"=":
        return None  # a name spelled through a macro, or no `= value` after it
    spelled = source.data[initializer.start:initializer.end]
    if not spelled or not _SPELLED_NUMBER.fullmatch(spelled):
        return None
    value = evaluate_int(initializer)
    if value is None:
        return None
    held = integer_range(decl.type)
    if held is None:
        return None
    return value if held[0] <= value <= held[1] and -2 ** 31 <= value < 2 ** 31 else None
