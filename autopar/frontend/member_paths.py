"""What an access's member path says about the memory it reaches (the chains of
autopar.frontend.access_chains): the byte offset of a field after all the subscripts, a copy of a
whole struct element, and the extents of the member arrays its subscripts index.
"""

from __future__ import annotations

from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.access_chains import Chain, This
from autopar.frontend.ast import ARRAY_TYPES, FLOATING_TYPES, INTEGER_TYPES, Node, expression_children
from autopar.frontend.containers import unqualified

_LEAF_TYPES = INTEGER_TYPES | FLOATING_TYPES | {TypeKind.POINTER}


def whole_record(chain: Chain, root, subs: list[tuple], top: Node) -> bool:
    """Whether an access `root[..]...[..]` (no member path) reads or writes a whole struct element of
    the root's own declared element type, no cast on the way (`u1[k][j] = u0[k][j]` of struct arrays):
    beside accesses of its fields it touches every field (deps.accesses.merged_object_keys)."""
    element = _element_of(chain, root, subs) if not chain.path and top.type_kind == TypeKind.RECORD else None
    if element is None or element.kind != TypeKind.RECORD or element.get_declaration().kind != K.STRUCT_DECL:
        return False
    return unqualified(top.cursor.type.get_canonical()) == unqualified(element)


def _element_of(chain: Chain, root, subs: list[tuple]):
    """The canonical type of the element `subs` select in `root` (each a pointer or array level), or
    None where a load, a container, a range or `this` is on the way."""
    if chain.loads or chain.container or not subs or any(what == "range" for what, _ in subs) or root is None \
            or isinstance(root, This) or not hasattr(root, "type"):
        return None
    element = root.type.get_canonical()
    for _ in subs:
        if element.kind == TypeKind.POINTER:
            element = element.get_pointee().get_canonical()
        elif element.kind in ARRAY_TYPES:
            element = element.get_array_element_type().get_canonical()
        else:
            return None
    return element


def member_extents(chain: Chain, subs: list[tuple]) -> Optional[list[Optional[int]]]:
    """For an access through a member path whose every subscript indexes an array or the root pointer
    itself (`G.cells[i][k]`, `p->cells[i][k]`, `vs[i].v[k]` of array members), the declared extents of
    the member arrays its last subscripts index (`[64, 64]`, `[64, 64]`, `[8]`; `[]` for `G.n`,
    `vs[i].w`): no pointer is loaded on the way, and every field is a named struct's own (not a
    union's). The subscripts before them index the root. None otherwise."""
    first = len(subs) - chain.member_subs  # (the root's subscripts: `p[i]`, `(*p)`, `(p + k)->`)
    if not chain.path or chain.loaded or chain.loads or chain.container or len(chain.extents) != len(subs) or \
            any(what not in ("idx", "deref") for what, _ in subs[:first]) or \
            any(what != "idx" for what, _ in subs[first:]):
        return None
    return chain.extents[first:]


def member_offset(chain: Chain, root, subs: list[tuple]) -> Optional[int]:
    """The byte offset of the field an access `root[..]...[..].f.g` reads or writes within the element its
    subscripts `subs` select, when its member path comes after all of them, through fields of
    structs only (no union, no bit-field, no base class, no anonymous member), ends in a field of
    arithmetic or pointer type, and the element is of the root's own declared element type (no cast on
    the way); None otherwise. Distinct such fields of one element never overlap, and one offset is one
    field."""
    element = _element_of(chain, root, subs) if chain.path and len(chain.members) == len(chain.path) else None
    if element is None:
        return None
    children = expression_children(chain.members[0])
    if not children:
        return None
    record = children[0].cursor.type.get_canonical()
    if element.kind != TypeKind.RECORD or unqualified(record) != unqualified(element):
        return None  # an element reached through a cast (or another layout): its fields are not root's
    offset = 0
    for member in chain.members:
        field = member.cursor.referenced
        if record.kind != TypeKind.RECORD or field is None or field.kind != K.FIELD_DECL or field.is_bitfield():
            return None
        declaration = record.get_declaration()
        if declaration.kind != K.STRUCT_DECL or field.semantic_parent is None or \
                field.semantic_parent != declaration:
            return None  # a union, a class, a base class's field, a field of an anonymous member
        bits = field.get_field_offsetof()
        if bits is None or bits < 0 or bits % 8:
            return None
        offset += bits // 8
        record = field.type.get_canonical()
    return offset if record.kind in _LEAF_TYPES else None
