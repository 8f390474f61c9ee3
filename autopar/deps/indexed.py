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
from math import prod
from typing import Callable, Optional

from autopar.deps.accesses import AccessModel, ObjectModel
from autopar.deps.carved_rows import ROWS_HELPER, rows_helper_definition
from autopar.ir import Loop
from autopar.plans.plan import INSPECTION

# index element types whose every value fits a `long` multiplied by an element size without overflow
INDEX_TYPES = {"int": "int", "unsigned int": "uint", "unsigned": "uint", "short": "short",
               "unsigned short": "ushort", "signed char": "schar", "unsigned char": "uchar", "char": "char"}
# How many index elements the inspection may read per element the loop reads (a bound passed to the
# helper, checked before it looks): a min/max over an element costs about a third of what a loop
# does with it (a load, a gather and its use), so the inspection stays a fraction of the loop's own
# work; beyond it the serial copy runs.
INSPECTED_PER_READ = 2
# The guess of an inner loop's trip count when its bounds are not constants (a CSR row, `k = rowstr[j]`
# to `rowstr[j + 1]`: NAS CG's rows hold 12 elements).
INNER_TRIP_GUESS = 16
# An inspection of more index elements than this runs on the team (a min/max reduction).
PARALLEL_INSPECTION = 65536
# Fewer index elements than this and the serial copy runs without an inspection: a gather
# `y[i] = x[idx[i]] * 2` on this project's 2-core machine, 2 threads, ran at 0.77x of serial with
# 100,000 elements (in cache: the inspection and a second region cost more than the threads gain),
# 1.0x with 200,000, 1.1x with 400,000, 1.3x with a million; NAS CG's product (720,000) at 1.33x.
# A C macro, so that a build can set it: race checks and forced builds compile with it 0, so that the
# parallel path runs on their small inputs.
MIN_INSPECTED = 262144
MIN_INSPECTED_MACRO = "AUTOPAR_MIN_INSPECTED"
# (decimal constants only: `0100` is octal, `1u` unsigned)
_INDEXED = re.compile(r"^(?:(?P<before>0|[1-9]\d*)\s*\+\s*)?(?P<index>[A-Za-z_]\w*\s*\[[^\[\]]+\])"
                      r"(?:\s*(?P<sign>[+-])\s*(?P<after>0|[1-9]\d*))?$")


@dataclass(frozen=True)
class IndexedRange:
    """The elements `obj[x + offset]` for x over the index elements in [first, last) (C byte pointers)."""

    index_type: str  # a key of INDEX_TYPES
    first: str
    last: str
    offset: int
    reads: float  # index elements the loop reads per iteration of the parallel loop (an estimate)


def indexed_range(owner: ObjectModel, m: AccessModel, objects: dict[str, ObjectModel],
                  ranges_of: Callable[[ObjectModel], Optional[tuple[list[tuple[str, str]], list[str]]]]
                  ) -> Optional[tuple[IndexedRange, list[str]]]:
    """The indexed range of a read `m` of `owner`, `owner[X[e] + c]` (one subscript; reached as its
    own element type, not through a cast; `X` an index array of a small integer type that the loop reads on every
    iteration and never writes, declared outside the loop, whose touched range `ranges_of` bounds in
    one piece), with that range's conditions; None otherwise."""
    from autopar.deps.model import declared_inside
    from autopar.deps.element_types import other_element_type

    access = m.access
    if access is None or access.is_write or len(access.subscripts) != 1 or other_element_type(owner, access):
        return None
    found = _INDEXED.match(" ".join(access.subscripts[0].text.split()))
    if found is None:
        return None
    offset = int(found["before"] or 0) + (int(found["after"] or 0) * (-1 if found["sign"] == "-" else 1))
    index = _index_object(m, objects, found["index"])
    if index is None or index.written or index.kind == "scalar" or index.merged or \
            declared_inside(index.base, m.loops[0]) or \
            any(a.access.conditional for a in index.accesses):
        return None  # (an inspection must read no element the loop would not: a guarded read may be past the end)
    element = index.accesses[0].access.element_type
    spelled = " ".join(w for w in element.split() if w not in ("const", "volatile"))
    if spelled not in INDEX_TYPES or any(a.access.element_type != element for a in index.accesses):
        return None
    if offset and spelled in ("unsigned int", "unsigned"):
        return None  # `idx[i] + 1` wraps around in unsigned arithmetic, the helper's sum does not
    bounded = ranges_of(index)
    if bounded is None or len(bounded[0]) != 1:
        return None
    (first, last), conditions = bounded[0][0], bounded[1]
    reads = sum(prod(_trip_or_guess(inner) for inner in a.loops[1:]) for a in index.accesses)
    return IndexedRange(spelled, first, last, offset, reads), conditions


def _index_object(m: AccessModel, objects: dict[str, ObjectModel], index_text: str) -> Optional[ObjectModel]:
    """The object of the index read `X[e]` inside the subscript of `m`: the one read spelled so that
    starts where the subscript does (same line, the column right after `[`), when exactly one is."""
    access = m.access
    text = access.text
    bracket = text.find("[")
    name = index_text.split("[", 1)[0].strip()
    # the subscript is digits, `+`, then X[e]: the first `X[` after the bracket is the index read
    at = re.search(rf"\b{re.escape(name)}\s*\[", text[bracket + 1:]) if bracket >= 0 and "\n" not in text else None
    if at is None:
        return None
    column = access.column + bracket + 1 + at.start()
    spelled = index_text.replace(" ", "")
    matches = [o for o in objects.values() if any(
        a.access is not None and not a.access.is_write and a.access.line == access.line and a.access.column == column
        and a.access.text.replace(" ", "") == spelled for a in o.accesses)]
    return matches[0] if len(matches) == 1 else None


def _trip_or_guess(loop: Loop) -> float:
    c = loop.canonical
    if c is not None and c.lower is not None and c.upper is not None and not c.step_symbol and \
            not c.lower.coefficients and not c.upper.coefficients:
        return max(0.0, (c.upper.constant - c.lower.constant + (c.comparison.value in ("<=", ">="))) / abs(c.step))
    return float(INNER_TRIP_GUESS)


def inspection_budget(loop: Loop) -> Optional[str]:
    """The trip count of `loop` as C, the unit of an inspection's budget (None: no inspection, as in
    an inline function without `static`, which may not call the static helper)."""
    from autopar.deps.trip_count import trip_text

    if loop.in_external_inline:
        return None
    trip = trip_text(loop)
    return f"(double)({trip})" if trip else None


def outside_call(indexed: IndexedRange, obj: ObjectModel, first_w: str, last_w: str, trip: str) -> str:
    """The C test that every element of `obj` the indexed range reaches lies outside [first_w, last_w),
    inspecting at most INSPECTED_PER_READ index elements per one the loop reads (`trip` iterations)."""
    c_type = f"const {indexed.index_type} *"
    budget = f"{trip} * {INSPECTED_PER_READ * indexed.reads:g}"
    return (f"{INSPECTION}{INDEX_TYPES[indexed.index_type]}_(({c_type})({indexed.first}), ({c_type})({indexed.last}), "
            f"(const char *)({obj.path}), sizeof({obj.path}[0]), {indexed.offset}L, {first_w}, {last_w}, {budget})")


def helpers_called(text: str) -> list[str]:
    """The helper names (INDEX_TYPES' values) that `text` calls, each once, sorted."""
    return sorted(set(re.findall(rf"\b{INSPECTION}(\w+?)_\(", text)) & {*INDEX_TYPES.values(), ROWS_HELPER})


def helper_definition(name: str) -> str:
    """The helper `name` (ROWS_HELPER: a carved table's rows, autopar.deps.carved_rows; else one of
    INDEX_TYPES' values) for index elements of its type: 1 when, for
    every index x in [first, last), base[x + offset] (elements of `size` bytes) lies outside [low,
    high). It compares the hull of the smallest and largest index (a min/max in the index type, which
    vectorizes, on the team when there are many), in integers wide enough for an address; it answers 0
    (the serial path) where they are not, and without looking when there are more than `budget` or
    fewer than MIN_INSPECTED_MACRO. Guarded, so that a copy above each function that needs it compiles
    once; C89 and C++ alike."""
    if name == ROWS_HELPER:
        return rows_helper_definition()  # (a carved table's rows: autopar.deps.carved_rows)
    index_type = next(t for t, n in INDEX_TYPES.items() if n == name)
    return f"""#ifndef AUTOPAR_INDICES_{name.upper()}_
#define AUTOPAR_INDICES_{name.upper()}_
#ifndef {MIN_INSPECTED_MACRO}
#define {MIN_INSPECTED_MACRO} {MIN_INSPECTED}
#endif
/* autopar: whether the elements that indices read from [first, last) reach lie outside [low, high);
   fewer than {MIN_INSPECTED_MACRO} of them: not worth an inspection, the serial copy runs (the names
   below are autopar's own, so that no macro of the file can change them) */
static int {INSPECTION}{name}_(const {index_type} *autopar_first, const {index_type} *autopar_last,
    const char *autopar_base, unsigned long autopar_size, long autopar_offset, const char *autopar_low,
    const char *autopar_high, double autopar_budget)
{{
    long autopar_count = (long)(autopar_last - autopar_first), autopar_i;
    {index_type} autopar_least, autopar_most;
    unsigned long autopar_start, autopar_end;
    if (autopar_count <= 0)
        return 1;
    if (autopar_count < {MIN_INSPECTED_MACRO} || sizeof(unsigned long) < sizeof(const char *) ||
            (double)autopar_count > autopar_budget)
        return 0;
    autopar_least = autopar_most = autopar_first[0];
#pragma omp parallel for reduction(min: autopar_least) reduction(max: autopar_most) if(autopar_count > {PARALLEL_INSPECTION})
    for (autopar_i = 1; autopar_i < autopar_count; autopar_i++) {{
        autopar_least = autopar_first[autopar_i] < autopar_least ? autopar_first[autopar_i] : autopar_least;
        autopar_most = autopar_first[autopar_i] > autopar_most ? autopar_first[autopar_i] : autopar_most;
    }}
    autopar_start = (unsigned long)autopar_base + (unsigned long)(((long)autopar_least + autopar_offset) * (long)autopar_size);
    autopar_end = (unsigned long)autopar_base + (unsigned long)(((long)autopar_most + autopar_offset + 1) * (long)autopar_size);
    return autopar_end <= (unsigned long)autopar_low || (unsigned long)autopar_high <= autopar_start;
}}
#endif

"""
