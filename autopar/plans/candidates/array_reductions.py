"""Array reductions: which declared arrays a loop only updates, element by element, with one
reduction operator (`hist[key[i]]++`, `q[l] = q[l] + 1.0`), so that each thread can update a copy
of its own (written out by autopar.edit.thread_copies)."""

from __future__ import annotations

import re
from typing import Optional

from autopar.deps import Analysis, ObjectModel, declared_inside
from autopar.ir import CallEffect, CallSite, Loop, Storage, TranslationUnit

# Each thread keeps a private copy of a reduced array (on its stack with gcc), initializes it and adds
# it into the shared one once per region entry: only small arrays, so the copies stay cheap.
ARRAY_REDUCTION_LIMIT = 4096  # elements
_INTEGER_TYPE = re.compile(r"(const\s+|volatile\s+)*((un)?signed\s+)?(char|short|int|long|long\s+long)(\s+int)?"
                           r"|(const\s+)?(u?int(8|16|32|64)_t|size_t|unsigned|signed)")


def reduced_arrays(tu: TranslationUnit, loop: Loop, an: Analysis, keys: set[str], calls: list[CallSite]) -> dict:
    """Object key -> (operator, section) for each declared array whose every access in `loop` updates
    an element with one reduction operator (`hist[k]++`, `y[j] += v` where v does not read y): the
    dependences those updates carry are a reduction's, and `reduction(op: a[:n])` gives each thread
    its own copy. Integer elements (exact in any order), or floating-point sums and products under the
    `allow` policy, as for scalar reductions (they may round differently). `keys`: the objects of the
    dependences the loop carries (its private arrays left out); `calls`: the calls of the loop."""
    found: dict[str, tuple[str, str]] = {}
    if tu.language != "c":
        return found  # C only: a C++ name may be qualified (`::hist`, `ns::hist`), which a thread's copy does not hide
    if loop.canonical is not None and loop.canonical.step_symbol:
        return found  # its windows excuse blocks, not one element every block updates
    for key in sorted(keys):
        obj = an.model.objects[key]
        size = _copy_size(obj, loop)
        if size is None:
            continue
        named = {a.base.decl for a in loop.accesses if a.base.name == obj.base.name} | \
            {u.variable.decl for u in loop.scalars if u.variable.name == obj.base.name}
        if named != {obj.base.decl}:
            continue  # another variable of that name in the loop: the copy's code names the array
        ops = {m.access.update for m in obj.accesses}
        element = obj.accesses[0].access.element_type.strip() if obj.accesses else ""
        if len(ops) != 1 or None in ops or not _reducible_element(element, next(iter(ops)), tu.fp_reductions):
            continue
        if _calls_may_see(tu, calls, obj.base.name):
            continue  # a called function would see the shared array, not the thread's copy
        found[key] = (ops.pop(), f"{obj.path}[:{size}]")
    return found


def _copy_size(obj: ObjectModel, loop: Loop) -> Optional[int]:
    """How many elements each thread's copy holds: a declared one-dimensional array's own length.
    Not a pointer (a parameter `double rms[5]` is one: its declared size binds no caller): its copy,
    an array, would change what `sizeof(rms)` and `rms == p` say, and adding it back would write
    elements the loop never touches, which the runtime alias check does not cover. None when there
    is no such size, or it is too large to copy."""
    if obj.path != obj.base.name or declared_inside(obj.base, loop) or obj.merged:
        return None  # a member is not a name a copy can shadow; a struct array has no reduction operator
    dims = obj.base.array_dims
    if obj.kind != "array" or obj.base.storage == Storage.PARAMETER or len(dims) != 1 or dims[0] is None or \
            not dims[0].strip().isdigit():
        return None
    size = int(dims[0])
    return size if 0 < size <= ARRAY_REDUCTION_LIMIT else None


_FLOATING_TYPE = re.compile(r"(const\s+|volatile\s+)*(float|double|long\s+double)")


def _reducible_element(element: str, op: str, fp_reductions: str) -> bool:
    if _INTEGER_TYPE.fullmatch(element):
        return True
    return fp_reductions == "allow" and op in ("+", "*") and bool(_FLOATING_TYPE.fullmatch(element))


def _calls_may_see(tu: TranslationUnit, calls: list[CallSite], name: str) -> bool:
    """Whether a function the loop calls may read or write the global `name` (unknown ones may)."""
    for call in calls:
        summary = call.summary or tu.functions.get(call.callee)
        if call.effect == CallEffect.PURE:
            continue
        if summary is None or name in summary.reads_globals or name in summary.writes_globals:
            return True
    return False


def floating_elements(obj: ObjectModel) -> bool:
    """Whether the reduced array's elements are floating-point (its sums may round differently)."""
    return bool(_FLOATING_TYPE.fullmatch(obj.accesses[0].access.element_type.strip()))
