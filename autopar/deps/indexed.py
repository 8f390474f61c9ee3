"""Reads through an index array (`v[colidx[k]]`, `x[idx[i] + 1]`) in a runtime alias check: no formula
bounds them, but the values the index array holds do. The check inspects them at run time, as an
inspector-executor scheme does: a small helper (defined by the rewriter above the function, once per
index type) takes the smallest and largest index in the range of the index array that the loop
reads, and tells whether every element they can reach lies outside a written range.

Sound because the inspected range covers every index element the loop reads (it is the index array's
own touched range, from the same analysis as any other runtime check), the loop does not write the
index array (so its values are those inspected), and the written range is the written object's
whole touched range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from autopar.deps.accesses import AccessModel, ObjectModel
from autopar.ir import Loop
from autopar.plan import INSPECTION

HELPER = INSPECTION  # + the index type's name, e.g. autopar_indices_outside_int_
# index element types whose every value fits a `long` multiplied by an element size without overflow
INDEX_TYPES = {"int": "int", "unsigned int": "uint", "unsigned": "uint", "short": "short",
               "unsigned short": "ushort", "signed char": "schar", "unsigned char": "uchar", "char": "char"}
# The most index elements inspected per iteration of the parallel loop (a runtime bound on the
# inspection, passed to the helper): a vectorized min/max over 16 elements costs about what one
# iteration that reads them does with each (a gather and its use), so the inspection costs at most
# about one more pass over the loop's own reads; above it the serial copy runs. A CSR row of NAS CG
# holds 12.
INSPECTED_PER_ITERATION = 16
_INDEXED = re.compile(r"^(?:(?P<before>\d+)\s*\+\s*)?(?P<index>[A-Za-z_]\w*\s*\[[^\[\]]+\])"
                      r"(?:\s*(?P<sign>[+-])\s*(?P<after>\d+))?$")


@dataclass(frozen=True)
class IndexedRange:
    """The elements `obj[x + offset]` for x over the index elements in [first, last) (C byte pointers)."""

    index_type: str  # a key of INDEX_TYPES
    first: str
    last: str
    offset: int


def indexed_range(m: AccessModel, objects: dict[str, ObjectModel],
                  ranges_of: Callable[[ObjectModel], Optional[tuple[list[tuple[str, str]], list[str]]]]
                  ) -> Optional[tuple[IndexedRange, list[str]]]:
    """The indexed range of a read `obj[X[e] + c]` (one subscript, `X` an index array of a small
    integer type that the loop reads and never writes, whose touched range `ranges_of` bounds in one
    piece), with that range's conditions; None otherwise."""
    access = m.access
    if access is None or access.is_write or len(access.subscripts) != 1:
        return None
    found = _INDEXED.match(" ".join(access.subscripts[0].text.split()))
    if found is None:
        return None
    offset = int(found["before"] or 0) + (int(found["after"] or 0) * (-1 if found["sign"] == "-" else 1))
    index_text = found["index"].replace(" ", "")
    index = next((o for o in objects.values() if any(
        a.access is not None and not a.access.is_write and a.access.line == access.line
        and a.access.column > access.column and a.access.text.replace(" ", "") == index_text for a in o.accesses)),
        None)
    if index is None or index.written or index.kind == "scalar":
        return None
    element = index.accesses[0].access.element_type
    spelled = " ".join(w for w in element.split() if w not in ("const", "volatile"))
    if spelled not in INDEX_TYPES or any(a.access.element_type != element for a in index.accesses):
        return None
    bounded = ranges_of(index)
    if bounded is None or len(bounded[0]) != 1:
        return None
    (first, last), conditions = bounded[0][0], bounded[1]
    return IndexedRange(spelled, first, last, offset), conditions


def inspection_budget(loop: Loop) -> Optional[str]:
    """The most index elements a runtime check of `loop` may inspect, as C (None: no inspection)."""
    from autopar.deps.trip_count import trip_text

    trip = trip_text(loop)
    return f"(double)({trip}) * {INSPECTED_PER_ITERATION}" if trip else None


def outside_call(indexed: IndexedRange, obj: ObjectModel, first_w: str, last_w: str, budget: str) -> str:
    """The C test that every element of `obj` the indexed range reaches lies outside [first_w, last_w),
    inspecting at most `budget` index elements."""
    c_type = f"const {indexed.index_type} *"
    return (f"{HELPER}{INDEX_TYPES[indexed.index_type]}_(({c_type})({indexed.first}), ({c_type})({indexed.last}), "
            f"(const char *)({obj.path}), sizeof({obj.path}[0]), {indexed.offset}L, {first_w}, {last_w}, {budget})")


def helpers_called(text: str) -> list[str]:
    """The helper names (INDEX_TYPES' values) that `text` calls, each once, sorted."""
    return sorted(set(re.findall(rf"\b{HELPER}(\w+?)_\(", text)) & set(INDEX_TYPES.values()))


def helper_definition(name: str) -> str:
    """The helper `name` (one of INDEX_TYPES' values) for index elements of its type: 1 when, for
    every index x in [first, last), base[x + offset] (elements of `size` bytes) lies outside [low,
    high). It compares the hull of the smallest and largest index (a loop that vectorizes), in
    integers wide enough for an address; it answers 0 (the serial path) where they are not, and
    without looking when there are more than `budget` indices. Guarded, so that a copy above each function that needs it compiles
    once; C89 and C++ alike."""
    index_type = next(t for t, n in INDEX_TYPES.items() if n == name)
    return f"""#ifndef AUTOPAR_INDICES_{name.upper()}_
#define AUTOPAR_INDICES_{name.upper()}_
/* autopar: whether the elements that indices read from [first, last) reach lie outside [low, high) */
static int {HELPER}{name}_(const {index_type} *first, const {index_type} *last, const char *base,
    unsigned long size, long offset, const char *low, const char *high, double budget)
{{
    const {index_type} *p;
    long least, most;
    unsigned long start, end;
    if (first >= last)
        return 1;
    if (sizeof(unsigned long) < sizeof(const char *) || (double)(last - first) > budget)
        return 0;
    least = most = (long)*first;
    for (p = first + 1; p < last; p++) {{
        least = (long)*p < least ? (long)*p : least;
        most = (long)*p > most ? (long)*p : most;
    }}
    start = (unsigned long)base + (unsigned long)((least + offset) * (long)size);
    end = (unsigned long)base + (unsigned long)((most + offset + 1) * (long)size);
    return end <= (unsigned long)low || (unsigned long)high <= start;
}}
#endif

"""
