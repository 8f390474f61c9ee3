"""Code that C++ runs where the text shows no call: the destructor of a local or a temporary at its
scope's end, the constructors of bases and members and the default member initializers that a
constructor runs before its body (or an aggregate's `{}` runs), and the casts that may throw
(`dynamic_cast<D &>`, `typeid(*p)`). A loop or a summarized function that reaches such code of the
program's own classes is of unknown effect; the standard library's classes free and build only their
own memory (their template arguments are looked at).

Takes libclang types and nodes; gives the name of the code that runs (for the reason), or None.
"""

from __future__ import annotations

from typing import Optional

from clang.cindex import CursorKind as K, StorageClass, TypeKind

from autopar.frontend.ast import ARRAY_TYPES, Node

# nodes that may create an object of class type: a local, a braced or functional temporary, a call's result
OBJECT_KINDS = (K.VAR_DECL, K.INIT_LIST_EXPR, K.CXX_FUNCTIONAL_CAST_EXPR, K.CALL_EXPR, K.UNEXPOSED_EXPR)

_REFERENCES = (TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE)
# the kinds of node may_throw may accept
THROWING_KINDS = frozenset({K.CXX_THROW_EXPR, K.CXX_DYNAMIC_CAST_EXPR, K.CXX_TYPEID_EXPR})


def may_throw(node: Node) -> bool:
    """A `throw`, or a cast that throws where it fails: `dynamic_cast` to a reference (std::bad_cast)
    and `typeid` of an expression (std::bad_typeid for `*p` with p null). An exception never leaves a
    parallel region: the program would end where the serial one lets a caller catch it."""
    if node.kind not in THROWING_KINDS:
        return False
    if node.kind == K.CXX_THROW_EXPR:
        return True
    if node.kind == K.CXX_DYNAMIC_CAST_EXPR:  # (its expression's type drops the reference: D of D &)
        return node.cursor.type.get_canonical().kind != TypeKind.POINTER
    if node.kind == K.CXX_TYPEID_EXPR:
        return any(child.kind != K.TYPE_REF for child in node.children)
    return False


def hidden_code(type_, visiting: Optional[set] = None, built_implicitly: bool = False) -> Optional[str]:
    """The first code of this program that creating or destroying an object of `type_` runs without a
    call in the text: a user-declared destructor (of the class, an element, a base, a member, a template
    argument), a default member initializer that computes with more than constants, and a constructor
    of a base or a member (which no call shows) that reaches beyond its own object. None when none."""
    visiting = set() if visiting is None else visiting
    t = type_.get_canonical()
    while t.kind in ARRAY_TYPES:  # `Tick t[2]`: each element is built and destroyed
        t = t.get_array_element_type().get_canonical()
    if t.kind != TypeKind.RECORD:
        return None
    decl = t.get_declaration()
    key = decl.get_usr() or t.spelling
    if key in visiting:
        return None
    visiting.add(key)
    for k in range(max(t.get_num_template_arguments(), 0)):
        found = hidden_code(t.get_template_argument_type(k), visiting)
        if found:
            return found
    if decl.location.is_in_system_header:
        return None
    name = decl.spelling
    for child in decl.get_children():
        if child.kind == K.DESTRUCTOR:
            return f"{name}::~{name}"
        if child.kind == K.CONSTRUCTOR and built_implicitly and _reaches_beyond(child, visiting):
            return f"{name}::{name}"
        if child.kind == K.FIELD_DECL and _reaches_beyond(child, visiting):
            return f"{name}::{child.spelling} (its default member initializer)"
        if child.kind in (K.CXX_BASE_SPECIFIER, K.FIELD_DECL):
            found = hidden_code(child.type, visiting, built_implicitly=True)
            if found:
                return found
    return None


def _reaches_beyond(cursor, visiting: set) -> bool:
    """Whether a constructor (its initializers and body) or a member's default initializer may touch
    more than the object it builds: a call (other than a constructor that itself does not), a variable
    of static storage that is not const, a throw, an allocation, an asm statement. A constructor
    without a body here (defined in another file) may do anything; a defaulted one does nothing."""
    if cursor.kind == K.CONSTRUCTOR and not cursor.is_definition():
        return not cursor.is_default_method()
    key = f"reach:{cursor.get_usr()}"
    if key in visiting:  # (being looked at further up: what it does is found there)
        return False
    visiting.add(key)
    for node in cursor.walk_preorder():
        kind = node.kind
        if kind in (K.CXX_THROW_EXPR, K.CXX_NEW_EXPR, K.CXX_DELETE_EXPR, K.ASM_STMT, K.CXX_DYNAMIC_CAST_EXPR,
                    K.CXX_TYPEID_EXPR, K.LAMBDA_EXPR):
            return True
        if kind == K.CALL_EXPR:
            callee = node.referenced
            if callee is None or callee.kind != K.CONSTRUCTOR:
                return True
            if _reaches_beyond(callee, visiting) or hidden_code(callee.semantic_parent.type, visiting, True):
                return True
        elif kind == K.DECL_REF_EXPR:
            target = node.referenced
            if target is not None and target.kind == K.VAR_DECL and static_storage(target) and \
                    not target.type.get_canonical().is_const_qualified():
                return True
    return False


def static_storage(decl) -> bool:
    """A global, a static member or a static local (not an automatic variable or a parameter)."""
    if decl.storage_class in (StorageClass.STATIC, StorageClass.EXTERN):
        return True
    parent = decl.semantic_parent
    return parent is None or parent.kind not in (K.FUNCTION_DECL, K.CXX_METHOD, K.CONSTRUCTOR, K.DESTRUCTOR,
                                                 K.FUNCTION_TEMPLATE, K.LAMBDA_EXPR, K.CONVERSION_FUNCTION)


def object_code(function, node: Node) -> str:
    """hidden_code of the object a node of `function` creates (OBJECT_KINDS), also behind a reference
    to a temporary; "" for none. Kept as the function's ("hidden code", 0) fact: the loops' call sites
    and the function's summary both ask."""
    known: dict = function.facts.setdefault(("hidden code", 0), {})  # node index -> code or ""
    if node.index not in known:
        t = node.cursor.type
        if t.get_canonical().kind in _REFERENCES:
            t = t.get_canonical().get_pointee()
        known[node.index] = hidden_code(t) or ""
    return known[node.index]
