"""The IR's variables: a declared variable as far as aliasing and data-sharing care, its storage,
and the front end's diagnostics. Part of the loop IR (`autopar.ir` re-exports them)."""

from __future__ import annotations

from enum import Enum
from typing import Literal, Optional

from pydantic import Field

from autopar.ir_base import _Frozen


class Diagnostic(_Frozen):
    severity: Literal["note", "warning", "error", "fatal"]
    file: Optional[str] = None
    line: Optional[int] = None
    column: Optional[int] = None
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity in ("error", "fatal")

    def render(self) -> str:
        return f"{f'{self.file}:{self.line}:{self.column}: ' if self.file and self.line else ''}{self.severity}: {self.message}"


class Storage(str, Enum):
    GLOBAL = "global"  # file-scope or extern variable
    STATIC_LOCAL = "static_local"  # `static` inside a function: one object shared by all calls
    LOCAL = "local"  # automatic variable of the enclosing function
    PARAMETER = "parameter"


class Variable(_Frozen):
    """A declared variable, as far as aliasing and data-sharing care."""

    name: str
    decl: str  # "line:column" of its declaration; tells shadowed names apart
    storage: Storage
    in_header: bool = False  # declared in an included file (its decl's line is not the source's)
    type: str  # spelled type, e.g. "float *restrict", "double[100][100]"
    is_pointer: bool = False
    is_array: bool = False
    array_dims: list[Optional[str]] = Field(default_factory=list)  # spelled sizes, None if unknown
    restrict: bool = False
    # a pointer parameter of a file-local function that every call points into an object of its own
    distinct_at_calls: bool = False  # (frontend/noalias.py): nothing else it reaches overlaps it
    # a pointer parameter the function never reassigns, or a local pointer set once, from one: it
    # points to memory that existed before the call, never into the function's own automatic arrays
    enters_with_call: bool = False
    fresh_allocation: bool = False  # a local pointer set once from malloc (or swapped with such): its own memory
    shape: str = ""  # a pointer's type, when its rows' sizes stay fixed (frontend/pointer_shapes.py)
    # a multi-level pointer whose rows are distinct allocations (frontend/row_tables.py): its pointer
    # levels, which index it like an array's dimensions; else 0, with why not for one of numbers;
    # rows_carved: they may be cut from one block, apart only as far as a loop's columns (checked)
    row_levels: int = 0
    rows_unproven: str = ""
    rows_carved: bool = False
    # the pointer parameters whose address it may hold after an assignment, an initializer or a call
    # that keeps it (`const long *q = cnt;`, `gp = x;`, `s.p = x;`, `keep(x);`), as "name@line:column":
    # it reaches their memory whatever restrict or the call sites say of them
    based_on: list[str] = Field(default_factory=list)
    # C++: declared in a namespace or a class (`ns::x`, a static member), or named `::x` somewhere in the
    # file: its bare name, as a clause or a check would spell it, may be another variable's (or none)
    scoped: bool = False
    # the buffer of a std::vector or std::array (`v.data()`) of numbers or pointers: it holds only its
    # elements, so no named array or scalar and no member of the method's object lies in it
    owns_buffer: bool = False
    is_const: bool = False
    is_struct: bool = False
    is_floating: bool = False  # float, double, long double (typedefs resolved)
    is_bool: bool = False  # _Bool / bool (typedefs resolved)
    number_kind: Literal["", "integer", "floating", "bool", "wide"] = ""  # its, its elements' or pointee's ("wide": __int128)
    element_canonical: str = ""  # its innermost elements' or its pointee's type, typedefs and enums resolved

    @property
    def unaliased(self) -> bool:  # declared restrict, or proven so at every call
        return self.restrict or self.distinct_at_calls
