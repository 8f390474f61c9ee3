"""Element types of a nest's objects: whether an access counts its subscripts in elements of the
object's own type, or in another's (a view through a cast: `((unsigned char *)hist)[k]`,
`*(v4si *)(b + 2 * i)`), with typedefs and enums resolved. The dependence model refuses such views
(subscripts), array reductions need the declared elements, and runtime checks count the elements
a cast names."""

from __future__ import annotations

from typing import Optional

from autopar.deps.accesses import ObjectModel
from autopar.ir import Access
from autopar.ir_base import unqualified


_ARITHMETIC = {"char", "signed", "unsigned", "short", "int", "long", "float", "double", "_Bool", "bool"}
_SPELLINGS = {"unsigned": "unsigned int", "signed": "int", "signed int": "int", "short int": "short",
              "long int": "long", "long long int": "long long", "unsigned short int": "unsigned short",
              "unsigned long int": "unsigned long", "unsigned long long int": "unsigned long long"}


def plain_type(spelled: str) -> str:
    words = unqualified(spelled.replace("*", " * "))
    return _SPELLINGS.get(words, words)


def other_element_type(obj: ObjectModel, access: Access) -> bool:
    """Whether `access` counts its subscript in elements of another type than the object's: its
    element type differs from another access's, or from what the variable's declared type points to
    (a pointer `T *p` read as `p[i]`: T; an array `T a[N]` read as `a[i]`: T), as through a cast.
    Types are compared with typedefs resolved (`(uint8_t *)x` counts bytes), and only arithmetic
    ones: a C++ member type or a struct's has other spellings."""
    element = _element_of(access)
    if not _arithmetic(element):  # (an access a call's summary stands for has none)
        return _other_view(obj, access, element)
    if obj.merged:
        # the fields of a merged struct array have types of their own (`p[i].x` a double, `p[i].n` an
        # int), and its subscripts count elements of the root's own struct type, which the front end
        # checked (no cast on the way): only accesses of one field (one offset) are compared, and
        # they have that field's type
        return any(_element_of(m.access) != element for m in obj.accesses
                   if m.access.member_offset == access.member_offset and _arithmetic(_element_of(m.access)))
    if _element_types(obj) - {element}:
        return True
    declared = _declared(obj, access, pointer_subscripts=len(access.subscripts))
    return declared is not None and _arithmetic(declared) and declared != element


def _other_view(obj: ObjectModel, access: Access, element: str) -> bool:
    """An access of a vector, a struct or a pointer type (`*(v4si *)(b + 2 * i) = ...`,
    `*(struct P *)(b + i)`, `((char **)buf)[i]`) of an object whose elements are numbers: it stores
    several of them at once."""
    pointer = element.endswith("*") or "(*" in element  # (a vector's spelling has `4 * sizeof(int)`)
    if not element or access.whole_record or obj.merged:
        return False
    if _element_types(obj) and not pointer:  # (`rows[i]` of `double *rows[4]` beside `rows[i][j]`)
        return True
    declared = _declared(obj, access)
    return declared is not None and _arithmetic(declared)


def _element_types(obj: ObjectModel) -> set[str]:
    """The arithmetic element types the object's accesses count in (asked for each access: read once)."""
    if obj.element_types is None:
        obj.element_types = {t for t in (_element_of(m.access) for m in obj.accesses) if _arithmetic(t)}
    return obj.element_types


def _declared(obj: ObjectModel, access: Access, pointer_subscripts: int = 1) -> Optional[str]:
    """What the variable's declared type says `access` counts: a pointer `T *p` (read with
    `pointer_subscripts` subscripts, only one counts T) as `p[i]`, an array `T a[N]` as `a[i]`: T."""
    spelled = obj.base.type
    if "(" in spelled:
        return None
    if obj.kind == "pointer" and pointer_subscripts == 1 and "[" not in spelled and spelled.count("*") == 1:
        return _declared_element(obj.base, spelled.rsplit("*", 1)[0])
    if obj.kind == "array" and spelled.count("[") == len(access.subscripts):
        return _declared_element(obj.base, spelled.split("[", 1)[0])
    return None


def _element_of(access: Access) -> str:
    """The type an access's subscripts count, typedefs resolved where the front end gave it."""
    return plain_type(access.element_canonical or access.element_type)


def _declared_element(base, spelled: str) -> str:
    return plain_type(base.element_canonical or spelled)


def reached_through_cast(obj: ObjectModel) -> bool:
    """Whether an access of `obj` counts its subscript in elements of another type (`other_element_type`)."""
    return any(other_element_type(obj, m.access) for m in obj.accesses if m.access is not None)


def indexes_own_elements(obj: ObjectModel) -> bool:
    """Whether every access of `obj` indexes the elements its declaration names, with one subscript:
    an array `T a[N]` as `a[e]`, a pointer `T *p` as `p[e]`, each of type T (typedefs resolved). Not a view
    through a cast (`((unsigned char *)hist)[k]` counts bytes of an `int` array; typedefs resolved), nor a row reached
    through an element (`tab[k][i]` of `double *tab[4]`, or of `row tab[4]` with a typedef'd row)."""
    if obj.merged or obj.path != obj.base.name or not obj.accesses:
        return False
    spelled = obj.base.type
    if "(" in spelled or obj.kind not in ("array", "pointer"):
        return False
    if spelled.count("[") == 1 and "*" not in spelled:  # (a parameter `double rms[5]` is a pointer)
        declared = _declared_element(obj.base, spelled.split("[", 1)[0])
    elif obj.kind == "pointer" and "[" not in spelled and spelled.count("*") == 1:
        declared = _declared_element(obj.base, spelled.rsplit("*", 1)[0])
    else:
        return False
    return all(m.access is not None and len(m.access.subscripts) == 1 and
               _element_of(m.access) == declared for m in obj.accesses)


def _arithmetic(plain: str) -> bool:
    return bool(plain) and set(plain.split()) <= _ARITHMETIC


def pointee_other_than_elements(obj: ObjectModel) -> Optional[str]:
    """The arithmetic type a pointer's subscripts count, when the pointer's own type points to
    something else (`void *z` written as `((double *)z)[i]`, a `struct S *` or a typedef read
    through a cast): its ranges must count those elements, not the pointer's units (`z + n` would
    count bytes). "" when no such cast is needed; None when the elements are not one arithmetic type
    the cast could name."""
    if obj.kind != "pointer" or not obj.accesses or "(" in obj.base.type or "[" in obj.base.type or \
            obj.base.type.count("*") != 1:
        return ""
    declared = plain_type(obj.base.type.rsplit("*", 1)[0])
    # (an access a call's summary stands for has no element type: it counts as the pointer's)
    elements = {plain_type(m.access.element_type) for m in obj.accesses
                if m.access is not None and m.access.element_type.strip()}
    if not elements or elements == {declared}:
        return ""
    element = elements.pop() if len(elements) == 1 else ""
    return element if _arithmetic(element) else None
