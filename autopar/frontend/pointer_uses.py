"""Pointers a loop names only to index them: every reference to the pointer in the loop (header and
nested loops included) is the base of one subscript `p[e]` whose element is a number, not taken by
address. A per-thread copy that shadows such a name with a local array changes nothing the loop can
tell (no `sizeof p`, `p == q`, `q = p`, `f(p)`, `*p`, `p + 1`, `&p[e]`, `e[p]`); see
autopar.plans.candidates.array_reductions."""

from __future__ import annotations

from clang.cindex import CursorKind as K, StorageClass, TypeKind

from autopar.frontend.ast import ARRAY_TYPES, FUNCTION_KINDS, Node, canonical_kind, variable_decl
from autopar.frontend.loops import LoopInfo, address_taken_in
from autopar.frontend.variables import Variables

_NUMBERS = {TypeKind.BOOL, TypeKind.CHAR_S, TypeKind.CHAR_U, TypeKind.SCHAR, TypeKind.UCHAR, TypeKind.SHORT,
            TypeKind.USHORT, TypeKind.INT, TypeKind.UINT, TypeKind.LONG, TypeKind.ULONG, TypeKind.LONGLONG,
            TypeKind.ULONGLONG, TypeKind.FLOAT, TypeKind.DOUBLE, TypeKind.LONGDOUBLE}
# anything that may skip a statement of the loop from inside it: no pointer of such a loop is listed
_JUMPS = (K.GOTO_STMT, K.INDIRECT_GOTO_STMT, K.LABEL_STMT)


def subscripted_pointers(info: LoopInfo, variables: Variables) -> list[str]:
    """Object keys (`rms@3:28`) of the pointers that `info`'s loop names only as `p[e]` (see the module):
    a parameter or an automatic local declared outside the loop, whose address the function never
    takes (so nothing but an assignment by name, which would be another use, changes it), with no
    other declaration of its name inside the loop. Empty for a loop with a goto or a label."""
    node, function = info.node, info.function
    if function.nodes_where("pointer uses: jumps", node, _JUMPS):
        return []
    taken = address_taken_in(function)
    declared = function.nodes_where("pointer uses: declarations", node, (K.VAR_DECL, K.PARM_DECL, K.FUNCTION_DECL,
                                                            K.TYPEDEF_DECL, K.ENUM_CONSTANT_DECL))
    declared_keys = {Variables.key(d.cursor) for d in declared}
    declared_names = {d.cursor.spelling for d in declared}
    good: dict[tuple, object] = {}
    bad: set[tuple] = set()
    for ref in function.nodes_where("pointer uses: references", node, (K.DECL_REF_EXPR,)):
        decl = variable_decl(ref)
        if decl is None or not (canonical_kind(decl) == TypeKind.POINTER or
                                decl.kind == K.PARM_DECL and canonical_kind(decl) in ARRAY_TYPES):
            continue  # (a parameter `double rms[5]` is a pointer that libclang shows as an array)
        key = Variables.key(decl)
        if key in bad:
            continue
        if key in taken or key in declared_keys or decl.spelling in declared_names or \
                not _automatic(decl) or not _indexed(ref):
            bad.add(key)
            good.pop(key, None)
            continue
        good[key] = decl
    found = []
    for decl in good.values():
        variable = variables.get(decl)
        found.append(f"{variable.name}@{variable.decl}")
    return sorted(found)


def _automatic(decl) -> bool:
    """A parameter, or a local of automatic storage."""
    if decl.kind == K.PARM_DECL:
        return True
    parent = decl.semantic_parent
    return decl.kind == K.VAR_DECL and parent is not None and parent.kind in FUNCTION_KINDS and \
        decl.storage_class not in (StorageClass.STATIC, StorageClass.EXTERN)


def _indexed(ref: Node) -> bool:
    """`ref` (through implicit conversions and parentheses only) is the first operand of a subscript
    whose element is a number, and that element is not an operand of `&`."""
    operand = ref
    while operand.parent is not None and operand.parent.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR):
        operand = operand.parent
    subscript = operand.parent
    if subscript is None or subscript.kind != K.ARRAY_SUBSCRIPT_EXPR:
        return False
    expressions = subscript.expressions
    if len(expressions) != 2 or expressions[0] is not operand or subscript.type_kind not in _NUMBERS:
        return False
    user = subscript.parent
    while user is not None and user.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR):
        user = user.parent
    return not (user is not None and user.kind == K.UNARY_OPERATOR and user.unary_op == "&")
