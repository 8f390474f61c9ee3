"""The variables the passes name: a `Variable` (autopar.ir) built once from each declaration
cursor, under a key that tells shadowed names apart, and the questions passes ask of a
declaration's type (integer? C++ reference?).

Takes declaration cursors; gives `Variable`s and their keys. Holds the per-translation-unit key
caches (`Variables` clears them when it is made).
"""

from __future__ import annotations

import re
from typing import Optional

from clang import cindex
from clang.cindex import CursorKind as K, TLSKind, TypeKind

from autopar.ir import Storage, Variable
from autopar.frontend.ast import (ARRAY_TYPES, FLOATING_TYPES, FUNCTION_KINDS, INTEGER_TYPES, Source, bare_cursor,
                                  canonical_kind, same_cursor, unit_cache)


def _type_dims(t) -> list[Optional[str]]:
    dims: list[Optional[str]] = []
    while t.kind in ARRAY_TYPES:
        if t.kind == TypeKind.CONSTANTARRAY:
            dims.append(str(t.get_array_size()))
        else:
            m = re.search(r"\[([^\]]*)\]", t.spelling)
            dims.append(m.group(1).strip() or None if m else None)
        t = t.get_array_element_type()
    return dims


class Variables:
    """Builds `Variable`s from declaration cursors, once each."""

    def __init__(self, source: Source):
        self.source = source
        self._cache: dict = {}
        self.distinct_at_calls: set[tuple] = set()  # parameter keys from autopar/frontend/noalias.py
        self.entry_pointers: set[tuple] = set()  # from autopar/frontend/entry_pointers.py
        self.fresh_pointers: set[tuple] = set()  # from pointer_facts.fresh_pointers, per function
        self.shapes: dict[tuple, str] = {}  # from autopar/frontend/pointer_shapes.py
        self.row_levels: dict[tuple, int] = {}  # from autopar/frontend/row_tables.py, with why not
        self.rows_unproven: dict[tuple, str] = {}
        self.rows_carved: set[tuple] = set()
        # a variable holding a pointer parameter's address -> those parameters (kept_addresses.stored_parameters)
        self.copies_of: dict[tuple, set[str]] = {}

    @staticmethod
    def place(decl) -> str:
        """`line:column` of a declaration, as Variable.decl spells it."""
        loc = decl.location
        return f"{loc.line}:{loc.column}"

    @staticmethod
    def key(decl) -> tuple:
        """(file, offset, name) of a declaration: tells shadowed names apart. Kept on the cursor object
        too (a node keeps the cursor it refers to), which saves asking libclang for its hash."""
        found = getattr(decl, "_autopar_key", None)
        if found is not None:
            return found
        # cursor hash -> [(cursor, key)]: one declaration has many cursor objects, and the hashes of
        # two declarations may collide (32 bits: a pair or two in 100,000 globals)
        keys = unit_cache(decl, "_autopar_keys")
        bucket = keys.setdefault(decl.hash, [])
        found = next((key for known, key in bucket if same_cursor(known, decl)), None)
        if found is None:
            loc = decl.location
            found = (loc.file.name if loc.file else "", loc.offset, decl.spelling)
            bucket.append((bare_cursor(decl), found))
        decl._autopar_key = found
        return found

    def names_made(self, storage: Storage) -> set[str]:
        """The names of the variables of that storage made so far."""
        return {v.name for v in self._cache.values() if v.storage == storage}

    def get(self, decl) -> Variable:
        key = self.key(decl)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._make(decl)
        return found

    def _make(self, decl) -> Variable:
        t = decl.type
        canonical = t.get_canonical()
        if decl.kind == K.PARM_DECL:
            storage = Storage.PARAMETER
        else:
            parent = decl.semantic_parent
            in_function = parent is not None and parent.kind in FUNCTION_KINDS | {K.LAMBDA_EXPR}
            # (a block-scope `thread_local` is static without the word: one object per thread for every call)
            static = decl.storage_class in (cindex.StorageClass.STATIC, cindex.StorageClass.EXTERN) or \
                (decl.kind == K.VAR_DECL and decl.tls_kind != TLSKind.NONE)
            if not in_function:
                storage = Storage.GLOBAL
            elif decl.storage_class == cindex.StorageClass.EXTERN:
                storage = Storage.GLOBAL
            elif static:
                storage = Storage.STATIC_LOCAL
            else:
                storage = Storage.LOCAL
        is_pointer = canonical.kind == TypeKind.POINTER
        is_array = canonical.kind in ARRAY_TYPES
        dims: list[Optional[str]] = []
        is_const = canonical.is_const_qualified()
        element = canonical
        while element.kind in ARRAY_TYPES:
            element = element.get_array_element_type()
        if is_array:
            dims = _type_dims(t if t.kind in ARRAY_TYPES else canonical)
            if decl.kind == K.PARM_DECL:  # `double a[n][m]` as a parameter is a pointer, and may alias
                is_array, is_pointer = False, True
            is_const = is_const or element.is_const_qualified()
        elif is_pointer:
            pointee = canonical.get_pointee()
            is_const = is_const or pointee.is_const_qualified()
            if pointee.kind in ARRAY_TYPES:
                dims = [None] + _type_dims(pointee)
        return Variable(
            name=decl.spelling, decl=self.place(decl), storage=storage, type=t.spelling,
            in_header=self.key(decl)[0] != self.source.path,
            is_pointer=is_pointer, is_array=is_array, array_dims=dims,
            restrict=canonical.is_restrict_qualified() or "restrict" in t.spelling,
            distinct_at_calls=self.key(decl) in self.distinct_at_calls,
            enters_with_call=self.key(decl) in self.entry_pointers,
            fresh_allocation=self.key(decl) in self.fresh_pointers,
            shape=self.shapes.get(self.key(decl), ""),
            row_levels=self.row_levels.get(self.key(decl), 0),
            rows_unproven=self.rows_unproven.get(self.key(decl), ""),
            rows_carved=self.key(decl) in self.rows_carved,
            based_on=sorted(self.copies_of.get(self.key(decl), ())),
            is_const=is_const, is_struct=element.kind == TypeKind.RECORD,
            scoped=self._scoped(decl),
            is_floating=canonical.kind in FLOATING_TYPES, is_bool=canonical.kind == TypeKind.BOOL,
            number_kind=_number_kind(canonical.get_pointee() if is_pointer else canonical),
            element_canonical=element_canonical(canonical),
        )


    def _scoped(self, decl) -> bool:
        """Variable.scoped: a namespace's or a class's variable, or a global some text of the file
        names with `::` (where a local shadows it, the bare name is the local's)."""
        if decl.kind != K.VAR_DECL:  # (a member of a class is a FIELD_DECL, named through its object)
            return False
        parent = decl.semantic_parent
        if parent is not None and parent.kind in _SCOPES:
            return True
        return b"::" in self.source.data and \
            re.search(rb"::\s*" + re.escape(decl.spelling.encode()) + rb"\b", self.source.data) is not None


_SCOPES = {K.NAMESPACE, K.CLASS_DECL, K.STRUCT_DECL, K.UNION_DECL, K.CLASS_TEMPLATE,
           K.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION}


def scoped_uses(loop) -> list[str]:
    """Loop.scoped_uses: the scoped scalars the loop writes (a clause names them), the scoped arrays it
    updates (`k::h[j] += 1`: an array reduction's clause names them), and those it reaches beside an
    access through a pointer (a runtime check may name them). A scoped array only written or read is
    named by nothing autopar writes."""
    pointers = any(a.base.is_pointer for a in loop.accesses)
    found = {u.variable.name for u in loop.scalars if u.variable.scoped and u.written and not u.declared_in_loop}
    found |= {a.base.name for a in loop.accesses if a.base.scoped and (pointers or a.is_write and a.update)}
    return sorted(found)


def is_integer_decl(decl) -> bool:
    return canonical_kind(decl) in INTEGER_TYPES


def canonical_spelling(t) -> str:
    """A type as its canonical spelling, an enum as its integer type: what the subscripts of an
    access of that type count (`uint8_t` and a `typedef unsigned char byte` are `unsigned char`)."""
    canonical = t.get_canonical()
    if canonical.kind == TypeKind.ENUM:
        canonical = canonical.get_declaration().enum_type.get_canonical()
    return canonical.spelling


def element_canonical(canonical) -> str:
    """Variable.element_canonical: the innermost elements of an array, or a pointer's pointee (its
    innermost elements, for a pointer to rows)."""
    if canonical.kind == TypeKind.POINTER:
        canonical = canonical.get_pointee().get_canonical()
    while canonical.kind in ARRAY_TYPES:
        canonical = canonical.get_array_element_type().get_canonical()
    return canonical_spelling(canonical)


def _number_kind(canonical) -> str:
    """"integer" (enums aside), "floating" or "bool" for a type of that kind or an array of them,
    "wide" for the 128-bit integers (no OpenMP reduction on a device, for want of atomics), else ""."""
    while canonical.kind in ARRAY_TYPES:
        canonical = canonical.get_array_element_type()
    kind = canonical.get_canonical().kind
    if kind == TypeKind.BOOL:
        return "bool"
    if kind in (TypeKind.INT128, TypeKind.UINT128):
        return "wide"
    if kind in FLOATING_TYPES:
        return "floating"
    return "integer" if kind in INTEGER_TYPES and kind != TypeKind.ENUM else ""


def is_reference(decl) -> bool:
    """A declaration (a cursor) of reference type, also through a typedef."""
    return canonical_kind(decl) in (TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE)


def is_reference_type(t) -> bool:
    """A reference type, also through a typedef (`typedef int &IR;`, `using VR = double &;`)."""
    return t.get_canonical().kind in (TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE)


def is_volatile(type_) -> bool:
    """Whether a libclang type is volatile-qualified, through typedefs (libclang answers for the
    type's own qualifiers: `typedef volatile int vint` puts them on the canonical type)."""
    return bool(type_.is_volatile_qualified() or type_.get_canonical().is_volatile_qualified())
