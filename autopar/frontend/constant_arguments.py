"""Constant arguments: the integer parameters that every call in this file passes the same small
constant, and where a loop names each of them, so the rewriter may give the loop a copy for that
value.

Takes the main file's `Function`s (and a loop, for the uses); gives {function: {parameter: C
literal}} and {parameter: [byte offsets]}.
"""

from __future__ import annotations

from collections import Counter

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import Source, evaluate_int
from autopar.frontend.calls import call_arguments, callee_name
from autopar.frontend.functions import Function


# integer parameter types whose constants the rewriter can spell as a literal with a suffix
_LITERAL_SUFFIX = {TypeKind.INT: "", TypeKind.UINT: "u", TypeKind.LONG: "L", TypeKind.ULONG: "UL",
                   TypeKind.LONGLONG: "LL", TypeKind.ULONGLONG: "ULL"}
# the constants worth a copy: small trip counts (windows, blocks, stencil radii) that unroll; a zero
# or a large value could turn a run-time expression into a constant one that warns (`x % 0`, `1 << 40`)
_SPECIALIZED_VALUES = range(1, 17)


def constant_arguments(every_function: list[Function], wanted: set[str], source: Source) -> dict[str, dict[str, str]]:
    """For each function named in `wanted` (and defined once: not an overload), its integer parameters
    that every call in this file passes the same small positive constant, as C literals:
    {"max_pool": {"pool": "2"}}. The serial build propagates such a constant into the function
    (inlining, cloning); the outlined body of a parallel loop does not, so the rewriter may give the
    loop a copy for that value (guarded by a test at run time: callers in other files may pass
    anything)."""
    defined = Counter(f.name for f in every_function)
    targets = {f.name: f for f in every_function if f.name in wanted and defined[f.name] == 1}
    values: dict[str, dict[int, set]] = {name: {} for name in targets}
    for function in every_function:
        text = source.data[function.start:function.end]
        if not any(name.encode() in text for name in targets):
            continue
        for node in function.nodes:
            if node.kind != K.CALL_EXPR:
                continue
            name = callee_name(node)
            if name not in targets:
                continue
            for k, argument in enumerate(call_arguments(node)):
                values[name].setdefault(k, set()).add(evaluate_int(argument))
    found: dict[str, dict[str, str]] = {}
    for name, by_position in values.items():
        parameters = list(targets[name].cursor.get_arguments())
        for k, seen in by_position.items():
            if len(seen) != 1 or None in seen or k >= len(parameters):
                continue
            parameter = parameters[k]
            kind = parameter.type.get_canonical().kind
            value = next(iter(seen))
            if kind in _LITERAL_SUFFIX and parameter.spelling and value in _SPECIALIZED_VALUES:
                found.setdefault(name, {})[parameter.spelling] = f"{value}{_LITERAL_SUFFIX[kind]}"
    return found


def parameter_uses(info, constants: dict[str, str], source: Source) -> dict[str, list[int]]:
    """Where the loop of `info` names each parameter of `constants`: the byte offsets of its
    references, spelled in place. A parameter that the loop also names through a macro is left out
    (its reference has no place of its own in the text). Only these offsets are ever substituted:
    a member, a struct tag or a declaration of the same name elsewhere in the loop is not one."""
    if not constants or info.loop.end_offset is None:
        return {}
    start, end = info.loop.offset, info.loop.end_offset
    references: dict[str, list[int]] = {}
    for node in info.node.walk():
        if node.kind != K.DECL_REF_EXPR:
            continue
        decl = node.cursor.referenced
        if decl is None or decl.kind != K.PARM_DECL or decl.spelling not in constants:
            continue
        name = decl.spelling
        at = node.start
        spelled = start <= at < end and source.data[at:at + len(name)] == name.encode()
        references.setdefault(name, []).append(at if spelled else -1)
    return {name: sorted(offsets) for name, offsets in references.items() if -1 not in offsets}
