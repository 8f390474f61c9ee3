"""C++ standard containers whose elements lie in one contiguous buffer: `std::vector`, `std::array`,
`std::span`. `v[i]`, `v.at(i)` and `v.data()[i]` are element accesses of that buffer (named
`v.data()` in the IR, a pointer that may alias other pointers), and `v.size()` is a parameter of the
nest when nothing in it can resize `v`. Any other member (`push_back`, `resize`, `insert`, ...) stays
an unknown call."""

from __future__ import annotations

from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import Node, expression_children, strip
from autopar.frontend.variables import Variables

CONTAINERS = ("vector", "array", "span")
ELEMENT = ("operator[]", "at")
# members that neither resize the container nor write anything the loop cannot see as an access
READ_ONLY = ("operator[]", "at", "data", "size", "empty")


def referred(t):
    """The type a reference type refers to; any other type itself."""
    return t.get_pointee() if t.kind in (TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE) else t


def unqualified(t) -> str:
    """The canonical spelling of a type without const, volatile or restrict."""
    return " ".join(w for w in t.get_canonical().spelling.split() if w not in ("const", "volatile", "restrict"))


def declared_outside(decl, nest: Node) -> bool:
    """A variable that checks before the nest can name, and that is the object it names: declared
    outside the nest (its outermost loop), and not a local reference (`auto &r = v`)."""
    if decl.kind == K.VAR_DECL and decl.type.kind in (TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE):
        return False
    where = decl.location
    return not (where.file is not None and nest.cursor.location.file is not None and
                where.file.name == nest.cursor.location.file.name and nest.start <= where.offset < nest.end)


def container_type(t) -> bool:
    """`std::vector<T>`, `std::array<T, N>`, `std::span<T>` (through a reference, const or not)."""
    t = referred(t)
    spelling = t.get_canonical().spelling.replace("const ", "").strip()
    if spelling.startswith(("std::vector<bool", "std::__1::vector<bool")):
        return False  # elements are bits of shared words: not separate objects
    return any(spelling.startswith(f"std::{name}<") or spelling.startswith(f"std::__1::{name}<")
               for name in CONTAINERS)


def container_variable(node: Node):
    """The declaration of a container variable that `node` names directly, by its bare name, or None
    (`ns::v`, `S::w` or a macro: the runtime checks and thresholds spell the bare name)."""
    e = strip(node)
    if e.kind != K.DECL_REF_EXPR:
        return None
    decl = e.cursor.referenced
    if decl is None or decl.kind not in (K.VAR_DECL, K.PARM_DECL) or not container_type(decl.type) or \
            e.end - e.start != len(decl.spelling):
        return None
    return decl


def range_container(node: Node) -> Optional[tuple[object, object]]:
    """(the element variable's declaration, the container variable's declaration) of a range-based
    for over a container variable whose elements are numbers or pointers, the element bound by value
    or by a reference to the element's own type (`for (auto &x : v)`, `for (double y : a)`): a loop
    over the container's indices, each iteration one element. None for any other range-based for."""
    if node.kind != K.CXX_FOR_RANGE_STMT or len(node.children) < 3 or node.children[0].kind != K.VAR_DECL:
        return None
    element, container = node.children[0].cursor, container_variable(node.children[1])
    if container is None:
        return None
    item = referred(container.type).get_canonical().get_template_argument_type(0)
    if item.kind == TypeKind.INVALID or item.get_canonical().kind not in PLAIN_TYPES:
        return None
    bound = element.type
    if bound.kind == TypeKind.RVALUEREFERENCE:
        return None
    if bound.kind == TypeKind.LVALUEREFERENCE and \
            unqualified(bound.get_pointee()) != unqualified(item):
        return None  # a reference to a converted temporary: not the element itself
    if bound.kind != TypeKind.LVALUEREFERENCE and bound.get_canonical().kind not in PLAIN_TYPES:
        return None
    return element, container


def container_call(node: Node, nest: Optional[Node] = None) -> Optional[tuple[str, object, list[Node]]]:
    """(member name, the container variable's declaration, argument nodes) of a call of a member of a
    standard container named by a variable: `v[i]`, `v.at(i)`, `v.data()`, `v.size()`. With `nest`
    (the outermost loop), only a container declared outside it and not a local reference (`auto &r =
    v`): one that runtime checks before the nest can name, and that is the object it names."""
    if node.kind != K.CALL_EXPR:
        return None
    method = node.cursor.referenced
    if method is None or method.kind != K.CXX_METHOD:
        return None
    owner = method.semantic_parent
    if owner is None or owner.spelling not in CONTAINERS or not _in_std(owner):
        return None
    children = expression_children(node)
    if not children:
        return None
    first = strip(children[0])
    if first.kind == K.MEMBER_REF_EXPR:  # v.at(i): the member names the object
        inner = expression_children(first)
        if len(inner) != 1:
            return None
        decl, args = container_variable(inner[0]), children[1:]
    else:  # v[i]: the object, the operator, the index
        decl, args = container_variable(children[0]), children[2:]
    if decl is None:
        return None
    if nest is not None and not declared_outside(decl, nest):
        return None
    return method.spelling, decl, args


def _in_std(cursor) -> bool:
    parent = cursor.semantic_parent
    while parent is not None and parent.kind == K.NAMESPACE:
        if parent.spelling == "std":
            return True
        parent = parent.semantic_parent
    return False


def fixed_size(root: Node, decl) -> bool:
    """Whether nothing in `root` can resize the container `decl`: every use of it is the object of a
    read-only member call (no other member, no assignment, no passing it along)."""
    key = Variables.key(decl)
    for n in root.walk():
        if n.kind != K.DECL_REF_EXPR or n.cursor.referenced is None or Variables.key(n.cursor.referenced) != key:
            continue
        call = n.parent
        while call is not None and call.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR, K.MEMBER_REF_EXPR):
            call = call.parent
        if call is not None and call.kind == K.CXX_FOR_RANGE_STMT and len(call.children) >= 3 and \
                (call.children[1] is n or call.children[1].contains(n)):
            continue  # the range of a range-based for: its elements, one by one
        found = container_call(call, root) if call is not None else None
        if found is None or found[0] not in READ_ONLY or found[1] is None or \
                Variables.key(found[1]) != key:
            return False
    return True


PLAIN_TYPES = _PLAIN = {TypeKind.FLOAT, TypeKind.DOUBLE, TypeKind.LONGDOUBLE, TypeKind.POINTER, TypeKind.BOOL, TypeKind.CHAR_U,
          TypeKind.UCHAR, TypeKind.USHORT, TypeKind.UINT, TypeKind.ULONG, TypeKind.ULONGLONG, TypeKind.CHAR_S,
          TypeKind.SCHAR, TypeKind.SHORT, TypeKind.INT, TypeKind.LONG, TypeKind.LONGLONG, TypeKind.ENUM}


def plain_element(call: Node) -> bool:
    """Whether the element a call returns is a number or a pointer (not a struct whose members the
    caller may use, not an array)."""
    return referred(call.cursor.type).get_canonical().kind in _PLAIN
