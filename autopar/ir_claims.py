"""The IR of claims (autopar.frontend.claims): a loop that takes each element of an array once, the
level-synchronous search's `if (level[u] < 0) { level[u] = depth + 1; next[n++] = u; }`. Part of
autopar.ir, which re-exports them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from autopar.ir_base import _Frozen


class Append(_Frozen):
    """`next[n++] = u` in a claim's branch: the slot taken from the counter `n`."""

    buffer: str  # `next`
    counter: str  # `n`
    value: str  # `u`
    element_type: str  # the canonical types of the buffer's elements and of the counter
    counter_type: str
    start: int  # the byte range of `next[n++] = u` in the file (its `;` left out)
    end: int


class Claim(_Frozen):
    """`if (cell OP bound) { cell = value; appends }` where `bound` and `value` do not change in the loop,
    the loop names the cell's array nowhere else, and `cell` is `array[x]` of a private `x` that every
    append stores. A compare-and-swap makes each visit of an element see the value the visits before
    it left (all write the same value), so the array ends as in any serial order of the visits, and the
    appended elements are the same, in another order (the front end proves the order is not observed)."""

    cell: str  # `level[u]`, as spelled
    array: str  # `level`
    comparison: Literal["<", "<=", ">", ">=", "==", "!="]  # cell OP bound (`!cell`: `== 0`)
    bound: str  # `0`, as spelled
    value: str  # `depth + 1`, as spelled
    element_type: str  # the canonical types: the cell's element, the bound's
    bound_type: str
    guard_start: int  # the byte range of the `if`'s condition
    guard_end: int
    write_start: int  # the byte range of `cell = value` (its `;` left out)
    write_end: int
    appends: list[Append] = Field(default_factory=list)


# The element and bound types a claim's compare-and-swap takes (canonical spellings), with the short
# names its helper's name is made of (autopar.edit.claims)
CLAIM_TYPES = {"char": "char", "signed char": "schar", "unsigned char": "uchar", "short": "short",
               "unsigned short": "ushort", "int": "int", "unsigned int": "uint", "long": "long",
               "unsigned long": "ulong", "long long": "llong", "unsigned long long": "ullong"}
