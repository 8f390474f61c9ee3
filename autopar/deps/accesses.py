"""The models a loop's dependence questions are asked of: `AccessModel` (one access: its loops,
iteration domain, subscripts as isl affine expressions or the reason they are not) and `ObjectModel`
(one memory object as the loop names it, with its accesses), and small helpers over them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from autopar.deps.isl_text import PARAMETER, Aff, render_aff
from autopar.ir import SPAN_PREFIX, Access, Loop, Variable


# the sizes of C's arithmetic types as spelled (LP64: x86-64, aarch64); a typedef's is not known here
ELEMENT_BYTES = {"char": 1, "signed char": 1, "unsigned char": 1, "bool": 1, "_Bool": 1, "int8_t": 1,
                 "uint8_t": 1, "short": 2, "unsigned short": 2, "int16_t": 2, "uint16_t": 2, "int": 4,
                 "unsigned int": 4, "unsigned": 4, "float": 4, "int32_t": 4, "uint32_t": 4, "double": 8,
                 "long": 8, "unsigned long": 8, "long long": 8, "unsigned long long": 8, "int64_t": 8,
                 "uint64_t": 8, "size_t": 8}

_C_NAME = re.compile(r"(?<!\.)(?<!->)\b[A-Za-z_]\w*")  # a variable a parameter's text reads (no member name)


def varies(name: str, variant: set[str]) -> bool:
    """Whether a parameter's C name reads a name in `variant`: the name itself, or a variable inside
    a name spelled as an expression (`((int)L)`, `(n/2)`, `s.len`)."""
    if name in variant:
        return True
    return not name.isidentifier() and any(n in variant for n in _C_NAME.findall(name))


@dataclass
class AccessModel:
    access: Optional[Access]
    loops: list[Loop]  # enclosing loops from the analysed loop inwards
    dims: Optional[list[Aff]] = None  # subscripts after delinearisation; None when not affine
    reason: Optional[str] = None  # why not affine
    strides: list[tuple[str, ...]] = field(default_factory=list)  # per dim, for the flat range
    # delinearised dims that bound the flat offset although they were not proven unique
    range_dims: Optional[list[Aff]] = None
    range_strides: list[tuple[str, ...]] = field(default_factory=list)
    variant: set[str] = field(default_factory=set)  # names the analysed loop changes (shared set)
    domain: list[str] = field(default_factory=list)  # isl constraints with "@k" for dim k
    exact_domain: bool = True
    params: set[str] = field(default_factory=set)
    # isl text of the domain and subscripts per dim prefix, built once (see `pair_key`)
    _texts: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def affine(self) -> bool:
        return self.dims is not None

    @property
    def always_runs(self) -> bool:
        """Whether the access runs at every point of its exact domain: no if, continue or break skips
        it, nor a condition around one of its inner loops (so each element its subscripts reach over
        the domain is one the loop touches)."""
        if self.access is None or not self.exact_domain or self.access.conditional:
            return False
        return all(l.canonical is not None and not (l.has_break or l.has_continue or l.writes_induction_variable or
                                                    l.writes_bound) and (k == 0 or l.conditional is False)
                   for k, l in enumerate(self.loops))

    def domain_text(self, prefix: str) -> str:
        key = ("domain", prefix)
        if key not in self._texts:
            self._texts[key] = " and ".join(c.replace("@", prefix) for c in self.domain)
        return self._texts[key]

    def domain_params(self) -> set[str]:
        """The isl parameters its domain's constraints name."""
        found = self._texts.get("params")
        if found is None:
            found = self._texts["params"] = {p for c in self.domain for p in PARAMETER.findall(c)}
        return found

    def dim_texts(self, prefix: str) -> list[tuple[str, Optional[tuple]]]:
        """Per subscript: its isl text over `prefix` dims, and for a subscript without induction
        variables, (its loop-invariant terms, its constant) to compare it with another cheaply."""
        key = ("dims", prefix)
        if key not in self._texts:
            names = ivs_for(prefix, self)
            out = []
            for d in self.dims:
                invariant = None
                if not any(n in names for n in d if n):
                    invariant = (tuple(sorted((n, c) for n, c in d.items() if n and c)), d.get("", 0))
                out.append((render_aff(d, names), invariant))
            self._texts[key] = out
        return self._texts[key]

    def order_key(self) -> tuple[int, int, int, int]:
        a = self.access
        return (a.statement, 1 if a.is_write else 0, a.line, a.column)


@dataclass
class ObjectModel:
    """One memory object as the loop names it: an array, what a pointer points to, a member path."""

    key: str
    path: str
    base: Variable
    kind: str  # "array" | "pointer" | "member" | "scalar" (a global scalar used by name)
    accesses: list[AccessModel] = field(default_factory=list)
    written_by_name: bool = False  # for "scalar": the loop assigns it by name
    # the arithmetic element types its accesses read or write (deps.element_types.other_element_type)
    element_types: Optional[set[str]] = field(default=None, repr=False, compare=False)
    # bounds of subscripts' values by their isl texts (autopar.deps.runtime_checks), kept by the
    # translation unit and shared by the models of all its loops
    known_bounds: Optional[dict] = field(default=None, repr=False, compare=False)
    # the fields of a struct array's elements (`g[j][i].real`, `g[j][i].imag`: every access of the
    # root in the loop has a member_offset) as one object of the root, keyed and named as the root's
    # own elements would be: each access's dims end with one more, the field's byte offset
    # (`merged_object_keys`)
    merged: bool = False
    # a member path reached through arrays only whose every subscript isl proves inside its array
    # wherever the loop runs (deps.subscripts.shape_subscripts): apart from the struct's other fields
    kept_in_arrays: bool = False
    # (dim, extent) of the member-array subscripts after the first dim that isl does not keep inside
    # their arrays: the dims are exact only while they stay inside, a run-time check of a loop that
    # writes the object (deps.member_bounds)
    member_dims_to_check: list[tuple[int, str]] = field(default_factory=list)
    # (dim, extent) of every member-array subscript isl does not keep inside, where each has an
    # extent: two fields of one struct are apart under a run-time test that they stay inside
    member_dims_unproven: list[tuple[int, str]] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return self.written_by_name or any(m.access.is_write for m in self.accesses)

    @property
    def indexed_path(self) -> bool:
        """Whether the subscripts index the path itself (`s.data[i]`, `p->x[i]`), so that `path + k`
        is a valid pointer expression; False for `p[i].x`, whose path is spelled "p.x"."""
        if not self.accesses:
            return False
        text = self.accesses[0].access.text.replace(" ", "")
        path = self.path.replace(" ", "")
        return text.startswith(path) and (len(text) == len(path) or text[len(path)] == "[")

    @property
    def row_table(self) -> bool:
        """A row table indexed through its rows (`a[i][j]` of a `double **a` whose rows are distinct
        allocations): its dims are row and column, not offsets from `a`, so no byte range or array
        section of it can be written from them."""
        return self.kind == "pointer" and self.base.row_levels > 0 and self.path == self.base.name

    @property
    def carved_rows(self) -> bool:
        """A row table whose rows may be cut from one block (autopar.frontend.carved_rows): its rows
        are apart only as far as the columns a loop touches, checked at run time (deps.carved_rows)."""
        return self.row_table and self.base.rows_carved and "#" not in self.key  # (not its row pointers: key#1)

    @property
    def distinct(self) -> bool:
        """A restrict pointer or a named array: nothing else in the loop reaches it."""
        if self.kind == "array":
            return True
        return self.kind == "pointer" and self.base.unaliased


def object_key(access: Access) -> str:
    key = f"{access.path}@{access.base.decl}"
    if 0 < len(access.subscripts) < access.base.row_levels and access.path == access.base.name:
        return f"{key}#{len(access.subscripts)}"  # a row table's row pointers: an allocation of their own
    return key


def merged_object_keys(accesses: list[Access]) -> dict[str, str]:
    """Access id -> the object key of the root's elements (`g1@3:10`), for the accesses of each root
    whose every access in `accesses` reaches a struct field after all its subscripts (`g1[j].real`,
    `g1[j].imag`: Access.member_offset), or that copies a whole element (`u1[k] = u0[k]`:
    Access.whole_record; the object then tells no field from another, `field_blind`). A root the loop
    also reaches otherwise (`s.arr[i]`, `p->f`, an element a call's region stands for) keeps an object
    per member path, as spelled."""
    roots: dict[tuple[str, str], list[Access]] = {}
    for access in accesses:
        roots.setdefault((access.base.name, access.base.decl), []).append(access)
    found: dict[str, str] = {}
    for (name, decl), group in roots.items():
        fields = [a for a in group if a.member_offset is not None]
        if fields and all(a.member_offset is not None or a.whole_record for a in group):
            found.update({a.id: f"{name}@{decl}" for a in group})
    return found


def root_kind(base: Variable) -> str:
    """The kind of the object of a root's own elements (`g1[j]`, `p[i]`)."""
    return "array" if base.is_array and not base.is_pointer else "pointer"


def object_kind(access: Access) -> str:
    base = access.base
    if access.path != base.name:
        return "member"
    if base.is_array and not base.is_pointer:
        return "array"
    return "pointer"


def first_reason(obj: ObjectModel) -> str:
    """Why the first non-affine access of an object is not affine: the reason for all of them."""
    return next(m.reason for m in obj.accesses if m.reason)


def ivs_for(prefix: str, m: AccessModel) -> dict[str, str]:
    """Induction variable name -> isl dim name (prefix + depth) for one access."""
    return {l.canonical.induction_variable: f"{prefix}{k}" for k, l in enumerate(m.loops) if l.canonical}


def same_element(a: AccessModel, b: AccessModel) -> list[str]:
    """isl constraints that access `a` (over dims a0..) and access `b` (over b0..) touch one element."""
    names_a, names_b = ivs_for("a", a), ivs_for("b", b)
    return [f"{render_aff(x, names_a)} = {render_aff(y, names_b)}" for x, y in zip(a.dims, b.dims)]


def is_span(loop: Loop) -> bool:
    """Whether the loop stands for a span of a call's region (deps.model.span_loop), not a loop of the code."""
    return loop.id.startswith(SPAN_PREFIX)


def common_loops(a: AccessModel, b: AccessModel) -> list[Loop]:
    """The loops around both accesses, outermost first; never the spans of a call's region (each run
    of the call has its own)."""
    common = []
    for x, y in zip(a.loops, b.loops):
        if x.id != y.id or is_span(x):
            break
        common.append(x)
    return common
