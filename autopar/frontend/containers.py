"""C++ standard containers whose elements lie in one contiguous buffer: `std::vector`, `std::array`,
`std::span`, named by a variable or, in a method, by a member of the object itself (`data`,
`this->data`). `v[i]`, `v.at(i)` and `v.data()[i]` are element accesses of that buffer (named
`v.data()` in the IR, a pointer that may alias other pointers), and `v.size()` is a parameter of the
nest when nothing in it can resize `v`. Any other member (`push_back`, `resize`, `insert`, ...) stays
an unknown call."""

from __future__ import annotations

from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import Node, expression_children, strip
from autopar.frontend.variables import Variables, is_reference_type
from autopar.ir import Variable

CONTAINERS = ("vector", "array", "span")
ELEMENT = ("operator[]", "at")
# members that neither resize the container nor write anything the loop cannot see as an access
READ_ONLY = ("operator[]", "at", "data", "size", "empty")


def referred(t):
    """The type a reference type refers to; any other type itself."""
    return t.get_canonical().get_pointee() if is_reference_type(t) else t


def unqualified(t) -> str:
    """The canonical spelling of a type without const, volatile or restrict."""
    return " ".join(w for w in t.get_canonical().spelling.split() if w not in ("const", "volatile", "restrict"))


def declared_outside(decl, nest: Node) -> bool:
    """A variable that checks before the nest can name, and that is the object it names: declared
    outside the nest (its outermost loop), and not a local reference (`auto &r = v`)."""
    if decl.kind == K.VAR_DECL and is_reference_type(decl.type):
        return False
    where = decl.location
    return not (where.file is not None and nest.cursor.location.file is not None and
                where.file.name == nest.cursor.location.file.name and nest.start <= where.offset < nest.end)


def container_kind(t) -> Optional[str]:
    """"vector", "array" or "span" for `std::vector<T>`, `std::array<T, N>`, `std::span<T>` (through a
    reference, const or not); None for any other type."""
    spelling = referred(t).get_canonical().spelling.replace("const ", "").strip()
    if spelling.startswith(("std::vector<bool", "std::__1::vector<bool")):
        return None  # elements are bits of shared words: not separate objects
    return next((name for name in CONTAINERS
                 if spelling.startswith(f"std::{name}<") or spelling.startswith(f"std::__1::{name}<")), None)


def container_type(t) -> bool:
    return container_kind(t) is not None


def container_variable(node: Node):
    """The declaration of a container that `node` names directly: a variable by its bare name, or a
    member of the method's own object (`data`, `this->data`, a FIELD_DECL); else None (`ns::v`,
    `S::w`, `obj.v` or a macro: the runtime checks and thresholds spell the name where the loop is)."""
    e = strip(node)
    if e.kind == K.MEMBER_REF_EXPR:
        return _own_member(e)
    if e.kind != K.DECL_REF_EXPR:
        return None
    decl = e.cursor.referenced
    if decl is None or decl.kind not in (K.VAR_DECL, K.PARM_DECL) or not container_type(decl.type) or \
            e.end - e.start != len(decl.spelling):
        return None
    return decl


def _own_member(e: Node):
    """The container member of `this` that `e` names: implicitly (`data`, spelled just so) or
    through an explicit `this->`."""
    decl = e.cursor.referenced
    if decl is None or decl.kind != K.FIELD_DECL or not container_type(decl.type) or \
            is_reference_type(decl.type):
        return None  # (a reference member: the container it is bound to has other names)
    base = expression_children(e)
    if not base:
        return decl if e.end - e.start == len(decl.spelling) else None
    if len(base) != 1 or strip(base[0]).kind != K.CXX_THIS_EXPR or \
            e.end - e.start < len(decl.spelling) + len("this->"):
        return None  # another object's member, or `this` from a macro
    return decl


def owns_buffer(decl) -> bool:
    """A std::vector or std::array: its elements lie in storage of its own (a std::span views any)."""
    return container_kind(decl.type) in ("vector", "array")


def buffer_variable(own: Variable, decl) -> Variable:
    """The container's buffer as the IR's variable: a pointer that may alias other pointers (and is
    named so in runtime checks, `v.data()`); it moves only when the container is resized, which is
    an unknown call."""
    # (a reference is spelled with its `&` even through a typedef: aliasing tells two containers apart by it)
    spelled = decl.type.get_canonical().spelling if is_reference_type(decl.type) else own.type
    return own.model_copy(update={"name": f"{container_name(decl)}.data()", "is_pointer": True, "is_array": False,
                                  "array_dims": [], "is_struct": False, "restrict": False,
                                  "owns_buffer": owns_buffer(decl), "type": spelled})


def container_name(decl) -> str:
    """How the code at the loop names the container: `v`, or `this->data` for a member."""
    return f"this->{decl.spelling}" if decl.kind == K.FIELD_DECL else decl.spelling


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
    bound = element.type.get_canonical()  # (a typedef of a reference is one)
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
    if first.kind == K.MEMBER_REF_EXPR and first.cursor.referenced is not None and \
            first.cursor.referenced.kind == K.CXX_METHOD:  # v.at(i): the member names the object
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
    read-only member call (no other member, no assignment, no passing it along). For a member of
    the method's object, also no call that could reach the object (`sort()`, `helper(*this)`)."""
    key = Variables.key(decl)
    member = decl.kind == K.FIELD_DECL
    for n in root.walk():
        if member and _reaches_object(n, decl):
            return False
        if n.kind not in (K.DECL_REF_EXPR, K.MEMBER_REF_EXPR) or n.cursor.referenced is None or \
                Variables.key(n.cursor.referenced) != key:
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
            return False  # (another object's `o.data`: it may be this one)
    return True


def _reaches_object(n: Node, member) -> bool:
    """Whether `n` could reach the object whose member `member` is, other than through a member of
    it: a call of anything but a container's member or a system header's function (a method of
    the class, or a function that reaches the object through a global), `this` passed along, or a
    variable of the class's type (`Field &self = *this`)."""
    if n.kind == K.CALL_EXPR:
        callee = n.cursor.referenced
        if callee is None:
            return True
        owner = callee.semantic_parent
        if callee.kind == K.CXX_METHOD and owner is not None and owner.spelling in CONTAINERS and _in_std(owner):
            return False  # judged as a use of its container
        return not callee.location.is_in_system_header
    if n.kind == K.CXX_THIS_EXPR:
        return n.parent is None or n.parent.kind != K.MEMBER_REF_EXPR or \
            n.parent.cursor.referenced is None or n.parent.cursor.referenced.kind != K.FIELD_DECL
    if n.kind == K.DECL_REF_EXPR and n.cursor.referenced is not None and \
            n.cursor.referenced.kind in (K.VAR_DECL, K.PARM_DECL):
        t = referred(n.cursor.referenced.type)
        if t.kind == TypeKind.POINTER:
            t = t.get_pointee()
        return unqualified(t) == unqualified(member.semantic_parent.type)
    return False


PLAIN_TYPES = _PLAIN = {TypeKind.FLOAT, TypeKind.DOUBLE, TypeKind.LONGDOUBLE, TypeKind.POINTER, TypeKind.BOOL, TypeKind.CHAR_U,
          TypeKind.UCHAR, TypeKind.USHORT, TypeKind.UINT, TypeKind.ULONG, TypeKind.ULONGLONG, TypeKind.CHAR_S,
          TypeKind.SCHAR, TypeKind.SHORT, TypeKind.INT, TypeKind.LONG, TypeKind.LONGLONG, TypeKind.ENUM}


def plain_element(call: Node) -> bool:
    """Whether the element a call returns is a number or a pointer (not a struct whose members the
    caller may use, not an array)."""
    return referred(call.cursor.type).get_canonical().kind in _PLAIN
