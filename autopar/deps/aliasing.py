"""The aliasing rules: takes two memory objects of a loop (`ObjectModel`) and gives whether they may
overlap in memory (`may_alias`).
"""

from __future__ import annotations

import re

from autopar.deps.accesses import ObjectModel
from autopar.deps.subscripts import through_loaded_pointers
from autopar.ir import Storage


def _same_variable(x: ObjectModel, y: ObjectModel) -> bool:
    """Whether two objects' roots are one variable: its place and its name (two parameters of one
    macro expansion share a place)."""
    return x.base.decl == y.base.decl and x.base.name == y.base.name


def _spelled_struct(type_text: str) -> bool:
    """`struct T` spelled out: its fields never overlap (a union's do; a typedef could be either)."""
    return re.search(r"\bstruct\b", type_text) is not None and "union" not in type_text


def _derived_pointer(obj: ObjectModel) -> bool:
    """A pointer local to the function (or a member reached through one): it may have been set from
    any other pointer or array before the loop, restrict ones included."""
    return obj.kind in ("pointer", "member") and obj.base.is_pointer and \
        obj.base.storage in (Storage.LOCAL, Storage.STATIC_LOCAL) and not obj.base.enters_with_call


def _restrict_parameter(obj: ObjectModel) -> bool:
    """A restrict pointer parameter (or one proven so at every call). Not a local one: a pointer
    assigned from it (`double *restrict t = a; a = b; b = t;`) is based on it, and may reach what it does."""
    return obj.kind == "pointer" and obj.base.unaliased and obj.base.storage == Storage.PARAMETER


def _swapped_apart(a: ObjectModel, b: ObjectModel) -> bool:
    """Two pointer parameters proven apart at every call (Variable.distinct_at_calls): such a
    parameter changes only by swaps with another such one (autopar.frontend.noalias), which is how
    one came to hold the other's address; a swap keeps the two pointing into different objects."""
    return a.kind == b.kind == "pointer" and not _same_variable(a, b) and \
        a.base.distinct_at_calls and b.base.distinct_at_calls and \
        a.base.storage == b.base.storage == Storage.PARAMETER


def _fresh(obj: ObjectModel) -> bool:
    """A local pointer set once from malloc (or swapped only with such): Variable.fresh_allocation."""
    return obj.kind == "pointer" and obj.base.fresh_allocation and obj.path == obj.base.name


def _own_allocation(obj: ObjectModel) -> bool:
    """A row table (its rows and table) or a fresh allocation: memory only its own name reaches."""
    return obj.row_table or _fresh(obj)


def _own_automatic_array(obj: ObjectModel) -> bool:
    return obj.kind == "array" and obj.base.storage == Storage.LOCAL


def _own_field(obj: ObjectModel) -> bool:
    """A field of the method's object reached directly (`this->scale`, `this->s.x`): not through a
    pointer it holds, and not an element of an array."""
    return obj.kind == "member" and obj.base.name == "this" and \
        re.fullmatch(r"this->\w+(\.\w+)*", obj.path) is not None and \
        all(not m.access.subscripts and not m.access.through_reference for m in obj.accesses)


def _top_field(obj: ObjectModel):
    """`cells` of the path `G.cells` or `p->cells` (a field of the root's struct), else None."""
    found = re.fullmatch(re.escape(obj.base.name) + r"(?:\.|->)(\w+)", obj.path)
    return found.group(1) if found else None


def _fields_apart(x: ObjectModel, y: ObjectModel) -> bool:
    """`G.cells[i][k]` and `G.other[i][k]`, `p[i].v[k]` and `p[j].w[k]`, `p->n` and `p[j].w[k]`:
    different fields of one variable's struct (or of its pointer's struct elements), each reached
    through arrays only (deps.subscripts.arrays_all_the_way: no pointer loaded, every field a named
    struct's own, typedef'd or not, never a union's or an anonymous member's), each subscript proven
    inside its array (ObjectModel.kept_in_arrays: `x[i]` of a `double x[64]` with `i < n` may reach
    the next field, and is left to a runtime check)."""
    return x.kept_in_arrays and y.kept_in_arrays and other_fields(x, y)


def other_fields(x: ObjectModel, y: ObjectModel) -> bool:
    """_fields_apart but for the subscripts: two different top fields of one variable's struct."""
    if x.kind != "member" or y.kind != "member" or not _same_variable(x, y):
        return False
    fields = _top_field(x), _top_field(y)
    return None not in fields and fields[0] != fields[1] and \
        not any(m.access.through_reference for m in x.accesses + y.accesses)


def may_alias(x: ObjectModel, y: ObjectModel, strict: bool = True) -> bool:
    """Whether two distinct objects of a loop may overlap in memory. `strict`: the effective-type rule
    holds (autopar.flags.strict_aliasing)."""
    if x.key == y.key:
        return True
    if strict and "array" in (x.kind, y.kind) and kinds_apart(element_kind(x), element_kind(y)):
        return False  # a `double *` never reaches a declared `int` array, nor an `int *` a `double` one
        # (two pointers may: a store into allocated memory gives it the stored type, `out[i] = (int)in[i]`
        # in place is valid C)
    if x.row_table and y.row_table and _same_variable(x, y):
        return False  # one row table's elements and row pointers (deps.object_key): other allocations
    if through_loaded_pointers(x) or through_loaded_pointers(y):
        return True  # `p[0][i]` of a `double *p[2]` reaches whatever p[0] holds: a named array too
    if _fields_apart(x, y):
        return False
    for a, b in ((x, y), (y, x)):
        if f"{b.base.name}@{b.base.decl}" in a.base.based_on and not _swapped_apart(a, b):
            return True  # `q = cnt;`, `gp = cnt;` before the loop: q reaches what cnt does, restrict or not
    for a, b in ((x, y), (y, x)):
        if _own_allocation(a) and (_own_allocation(b) or b.kind in ("array", "scalar") or _restrict_parameter(b) or
                                   _fresh(a) and b.kind == "pointer" and b.base.enters_with_call):
            return False  # allocations reached by no name, no other table or allocation, nothing a
            # restrict parameter reaches (autopar.frontend.row_tables), and, for one the function
            # made, nothing that entered with the call; a plain pointer, global or member may hold
            # them (`r = a[i]`, `g = x;`)
    for a, b in ((x, y), (y, x)):
        if a.kind == "pointer" and a.base.enters_with_call and _own_automatic_array(b):
            return False  # the array did not exist when the pointer was passed in
    for a, b in ((x, y), (y, x)):
        if a.base.owns_buffer and not b.base.owns_buffer and (_own_field(b) or b.kind in ("array", "scalar")) \
                and not _byte_elements(a):
            return False  # a container's own elements (numbers, pointers) never hold another named object
            # (bytes may: an object placed in a `std::vector<unsigned char>` arena)
    if x.base.owns_buffer and y.base.owns_buffer and not _same_variable(x, y) and \
            "&" not in x.base.type + y.base.type:
        return False  # two containers, neither a reference: each buffer is its own container's
    if _derived_pointer(x) or _derived_pointer(y):
        return True  # a local pointer may be based on a restrict pointer or point into an array
    if x.distinct and y.distinct:
        return False
    if x.kind == "member" and y.kind == "member" and _same_variable(x, y) and \
            not x.indexed_path and not y.indexed_path and _spelled_struct(x.base.type) and \
            x.path.count(".") == 1 and y.path.count(".") == 1 and "->" not in x.path + y.path and \
            x.kept_in_arrays and y.kept_in_arrays:
        # p[i].x and p[j].y: different top-level fields of struct elements never overlap (a nested
        # member could sit in a union), while a member array's subscripts stay inside it
        # (`pp[i].x[d]` for d < k may read pp[i + 1].sum)
        return False
    for a, b in ((x, y), (y, x)):
        if a.kind == "pointer" and a.base.unaliased:
            return False  # restrict: nothing else reaches its pointee while it is modified
        if a.kind == "array" and b.kind == "array":
            return False
    return True


def spelled_number_kind(spelled: str) -> str:
    """"floating" or "integer" for an element type spelled with its basic words; "" for another
    (a char, which may alias any object, a typedef, a struct)."""
    words = set(spelled.replace("*", " ").split()) - {"const", "volatile", "restrict", "__restrict"}
    if words and words <= {"float", "double", "long"} and words & {"float", "double"}:
        return "floating"
    if words and words <= {"int", "long", "short", "unsigned", "signed"}:
        return "integer"
    return ""


def element_kind(obj: ObjectModel) -> str:
    """The kind of number ("integer", "floating") of the elements the object's accesses read and
    write, when every access spells it so and its root variable is declared so (no cast between
    them, no typedef, no char); "" otherwise. Elements of a pointer or an array, not members."""
    if obj.kind not in ("pointer", "array") or not obj.accesses:
        return ""
    kinds = {spelled_number_kind(m.access.element_type) if m.access is not None else "" for m in obj.accesses}
    kind = kinds.pop() if len(kinds) == 1 else ""
    return kind if kind and kind == obj.base.number_kind else ""


def kinds_apart(kind: str, other: str) -> bool:
    """Whether objects holding numbers of these kinds never overlap (C's effective types): an integer
    and a floating-point object; not when either kind is unknown."""
    return bool(kind) and bool(other) and kind != other and {kind, other} <= {"integer", "floating"}


def _byte_elements(obj: ObjectModel) -> bool:
    """Whether the object's accesses read or write bytes (char, unsigned char, std::byte): storage
    that may hold objects of any type."""
    if re.search(r"<\s*(?:const\s+)?(?:(?:un)?signed\s+)?(?:char|std::byte|byte|u?int8_t|std::u?int8_t)\s*[,>]",
                 obj.base.type):
        return True  # a container of bytes (its accesses spell the element type `value_type`)
    return any(m.access is not None and m.access.element_type.replace("const ", "").strip() in _BYTES
               for m in obj.accesses)


_BYTES = {"char", "signed char", "unsigned char", "std::byte", "byte", "uint8_t", "int8_t", "std::uint8_t"}
