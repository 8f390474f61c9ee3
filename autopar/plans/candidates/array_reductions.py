"""Array reductions: which declared arrays (and pointers the loop only indexes) a loop only updates,
element by element, with one reduction operator (`hist[key[i]]++`, `q[l] = q[l] + 1.0`), so that
each thread can update a copy of its own (written out by autopar.edit.thread_copies), or, where
no copy can be made, update the shared elements atomically (`atomic_updates`)."""

from __future__ import annotations

import math
import re
from typing import NamedTuple, Optional

from autopar.deps.accesses import ELEMENT_BYTES
from autopar.deps.element_types import indexes_own_elements, reached_through_cast
from autopar.deps.trip_count import travel
from autopar.deps import Analysis, ObjectModel, TouchedInterval, declared_inside, exact_interval, runs_at_least_once
from autopar.ir import CallEffect, CallSite, Loop, Storage, TranslationUnit
from autopar.plans import reasons as R
from autopar.plans.plan import AtomicUpdate

# Each thread keeps a private copy of a reduced array (on its stack with gcc), initializes it and adds
# it into the shared one once per region entry: small arrays, so the copies stay cheap, or larger ones
# (NAS IS's key counts, 2^16 of them) where each entry of the loop runs AMORTIZING times as many
# iterations as the copy has elements, and all the loop's copies fit COPIES_BUDGET of a thread's stack
# (as a private array's copy must: glibc's threads get 2 MiB under an unlimited stack limit), in a
# loop that privatizes no static array besides.
ARRAY_REDUCTION_LIMIT = 4096  # elements
COPIES_BUDGET = 1024 * 1024  # bytes
AMORTIZING = 4
_INTEGER_TYPE = re.compile(r"(const\s+|volatile\s+)*((un)?signed\s+)?(char|short|int|long|long\s+long)(\s+int)?"
                           r"|(const\s+)?(u?int(8|16|32|64)_t|size_t|unsigned|signed)")


class ArrayReduction(NamedTuple):
    op: str
    section: str  # `hist[:256]`
    inner_runs: tuple[str, ...] = ()  # tests of inner loops the reduction needs true (TouchedInterval)
    elements: int = 0  # the section's length: each thread's copy holds that many


def reduced_arrays(tu: TranslationUnit, loop: Loop, an: Analysis, keys: set[str], calls: list[CallSite],
                   runs_once: Optional[bool] = None, large: bool = True) -> dict[str, ArrayReduction]:
    """Object key -> ArrayReduction (operator, section) for each declared array (or pointer: `_pointer_copy_size`)
    whose every access in `loop` updates an element with one reduction operator (`hist[k]++`, `y[j] += v` where v does not read y): the
    dependences those updates carry are a reduction's, and `reduction(op: a[:n])` gives each thread
    its own copy. `runs_once`: the loop runs at least once (default: as proven by the analysis). Integer elements (exact in any order), or floating-point sums and products under the
    `allow` policy, as for scalar reductions (they may round differently). `keys`: the objects of the
    dependences the loop carries (its private arrays left out); `calls`: the calls of the loop;
    `large`: arrays over ARRAY_REDUCTION_LIMIT may be reduced (the loop privatizes no static array)."""
    found: dict[str, ArrayReduction] = {}
    if tu.language != "c":
        return found  # C only: a C++ name may be qualified (`::hist`, `ns::hist`), which a thread's copy does not hide
    if loop.canonical is not None and loop.canonical.step_symbol:
        return found  # its windows excuse blocks, not one element every block updates
    for key in sorted(keys):
        obj = an.model.objects[key]
        if not indexes_own_elements(obj):
            continue  # (a copy of the declared elements would not hold what a cast view or a row updates)
        interval = TouchedInterval(_copy_size(obj, loop)) if obj.kind == "array" else \
            _pointer_copy_size(obj, loop, an, calls, runs_once)
        if interval is None or interval.size is None:
            continue
        named = {a.base.decl for a in loop.accesses if a.base.name == obj.base.name} | \
            {u.variable.decl for u in loop.scalars if u.variable.name == obj.base.name}
        if named != {obj.base.decl}:
            continue  # another variable of that name in the loop: the copy's code names the array
        op = _update_operator(tu, obj)
        if op is None or _calls_may_see(tu, calls, obj.base.name):
            continue  # (a called function would see the shared array, not the thread's copy)
        found[key] = ArrayReduction(op, f"{obj.path}[:{interval.size}]", interval.inner_runs, interval.size)
    return _within_budget(found, an, large)


def atomic_updates(tu: TranslationUnit, loop: Loop, an: Analysis, keys: set[str],
                   calls: list[CallSite]) -> dict[str, list[AtomicUpdate]]:
    """Object key -> its atomic updates, for each object of `keys` whose every access in `loop` updates an
    element with one reduction operator (as `reduced_arrays` asks), each in a statement of its own
    spelled in place (Access.update_range), with elements of at most 8 bytes (wider atomics may need
    libatomic, which a user's link line lacks). `#pragma omp atomic` on each such statement makes the
    updates of one element take turns, in some order: exact for integers, a reordering of the sums
    for floating-point elements (under the `allow` policy, as for reductions). No call of the loop may
    reach the elements (a global a called function names; for a pointer's target, any call that
    reads or writes memory but a pure library function): it would not update them atomically."""
    found: dict[str, list[AtomicUpdate]] = {}
    for key in sorted(keys):
        obj = an.model.objects[key]
        if obj.merged or not obj.accesses or any(m.access.base_changes_in for m in obj.accesses):
            continue
        op = _update_operator(tu, obj)
        writes = [m.access for m in obj.accesses if m.access.is_write]
        if op is None or "volatile" in obj.accesses[0].access.element_type or _element_bytes(obj) > 8 or \
                reached_through_cast(obj):
            continue  # (atomic updates of overlapping elements of two widths do not exclude each other)
        if not writes or any(w.update_range is None for w in writes) or _calls_may_see(tu, calls, obj.base.name) or \
                obj.kind != "array" and not all(_reaches_no_memory(tu, call) for call in calls):
            continue
        found[key] = [AtomicUpdate(array=obj.path, op=op, start=w.update_range[0], end=w.update_range[1],
                                   line=w.line) for w in sorted(writes, key=lambda w: w.update_range)]
    return found


def _update_operator(tu: TranslationUnit, obj: ObjectModel) -> Optional[str]:
    """The one reduction operator every access to `obj` in the loop updates its element with, when its
    updates may combine in any order (integer elements; floating-point sums and products under the
    `allow` policy); None otherwise."""
    ops = {m.access.update for m in obj.accesses}
    element = obj.accesses[0].access.element_type.strip() if obj.accesses else ""
    if len(ops) != 1 or None in ops or not _reducible_element(element, obj.base.number_kind, next(iter(ops)),
                                                              tu.fp_reductions):
        return None
    return ops.pop()


def _reaches_no_memory(tu: TranslationUnit, call: CallSite) -> bool:
    """A pure library function, or one of this file that reads and writes no global and nothing
    through its parameters: it cannot reach what a pointer points to."""
    summary = call.summary or tu.functions.get(call.callee)
    return call.effect == CallEffect.PURE or summary is not None and summary.effect == CallEffect.PURE and not (
        summary.reads_globals or summary.writes_globals or summary.reads_through_params or summary.writes_through_params)


def _within_budget(found: dict[str, ArrayReduction], an: Analysis, large: bool) -> dict[str, ArrayReduction]:
    """`found` less its arrays over ARRAY_REDUCTION_LIMIT, unless `large` and every copy of the loop
    fits COPIES_BUDGET together."""
    if all(r.elements <= ARRAY_REDUCTION_LIMIT for r in found.values()):
        return found
    total = sum(r.elements * _element_bytes(an.model.objects[key]) for key, r in found.items())
    if large and total <= COPIES_BUDGET:
        return found
    return {key: r for key, r in found.items() if r.elements <= ARRAY_REDUCTION_LIMIT}


def _element_bytes(obj: ObjectModel) -> int:
    """The bytes of an element, from its spelled type (ELEMENT_BYTES); where that does not say, the
    widest of its kind: 16 for a `long double` or `__int128`, 8 for another `long` or `double`
    (`long int`), 8 for a typedef of an integer, 16 for one of a floating type (it may be a long double)."""
    spelled = obj.accesses[0].access.element_type if obj.accesses else ""
    words = [w for w in spelled.replace("*", " ").split() if w not in ("const", "volatile")]
    if " ".join(words) in ELEMENT_BYTES:
        return ELEMENT_BYTES[" ".join(words)]
    if "double" in words and "long" in words or obj.base.number_kind == "wide":
        return 16
    if "long" in words or "double" in words:
        return 8
    return 8 if obj.base.number_kind == "integer" else 16


def _copy_size(obj: ObjectModel, loop: Loop) -> Optional[int]:
    """How many elements each thread's copy holds: a declared one-dimensional array's own length.
    None when there is no such size, or it is too large to copy."""
    if obj.path != obj.base.name or declared_inside(obj.base, loop) or obj.merged:
        return None  # a member is not a name a copy can shadow; a struct array has no reduction operator
    dims = obj.base.array_dims
    if obj.kind != "array" or obj.base.storage == Storage.PARAMETER or len(dims) != 1 or dims[0] is None or \
            not dims[0].strip().isdigit():
        return None
    size = int(dims[0])
    if 0 < size <= ARRAY_REDUCTION_LIMIT:
        return size
    trips = _constant_trip_count(loop)
    # (at least a byte an element: the copies' bytes are counted together in _within_budget)
    return size if size <= COPIES_BUDGET and trips is not None and trips >= AMORTIZING * size else None


def _constant_trip_count(loop: Loop) -> Optional[int]:
    """The loop's trip count when both its bounds are constants (`i < NUM_KEYS`)."""
    c = loop.canonical
    if c is None or c.step_symbol or not c.step or c.lower is None or c.upper is None or c.lower.coefficients or \
            c.upper.coefficients or c.comparison.value == "!=":
        return None
    return max(0, math.ceil(travel(c, {}) / abs(c.step)))


def _pointer_copy_size(obj: ObjectModel, loop: Loop, an: Analysis, calls: list[CallSite],
                       runs_once: Optional[bool]) -> Optional[TouchedInterval]:
    """How many elements each thread's copy of what a pointer points to holds (a parameter
    `double rms[5]` is a pointer too: its declared size binds no caller), or None. NAS's error norms,
    `rms[m] = rms[m] + add * add` for m in 0..4 over a nest, when:
    - the loop names the pointer only as `p[e]` (Loop.subscripted_pointers: no `sizeof p`, `p == q`,
      `q = p`, `f(p)`, `*p`, `&p[e]`, which the copy, an array of that name, would change) and never
      assigns it;
    - the elements the loop touches are exactly 0 .. hi - 1 whenever it runs, or whenever it and
      inner loops whose tests join the run-time check run (deps.exact_interval):
      the copy is added back into all of them, so an element the loop skips (`rms[2 * m]`, `rms[m + 1]`
      for a pointer into the middle of an array, a guard) would be written where the serial loop writes
      nothing, outside the runtime alias check, which covers what the loop touches;
    - the loop runs at least once whenever it starts: a loop that does not run still adds the copies
      back (-0.0 becomes 0.0, and the pointer may point nowhere);
    - the loop calls only pure library functions: any other call could reach the elements through a
      pointer of its own."""
    if obj.path != obj.base.name or obj.merged or obj.key not in loop.subscripted_pointers or \
            declared_inside(obj.base, loop):
        return None
    if obj.base.storage not in (Storage.PARAMETER, Storage.LOCAL) or \
            any(call.effect != CallEffect.PURE for call in calls):
        return None
    if any("volatile" in m.access.element_type for m in obj.accesses):
        return None
    if not (runs_at_least_once(an.model) if runs_once is None else runs_once):
        return None
    interval = exact_interval(obj, an.model)
    return interval if interval is not None and 0 < interval.size <= ARRAY_REDUCTION_LIMIT else None


_FLOATING_TYPE = re.compile(r"(const\s+|volatile\s+)*(float|double|long\s+double)")


def _reducible_element(element: str, number_kind: str, op: str, fp_reductions: str) -> bool:
    """`number_kind`: the array's (Variable.number_kind: typedefs resolved, as `typedef int INT_TYPE`)."""
    if number_kind == "integer" or _INTEGER_TYPE.fullmatch(element):
        return True
    floating = number_kind == "floating" or bool(_FLOATING_TYPE.fullmatch(element))
    return fp_reductions == "allow" and op in ("+", "*") and floating


def _calls_may_see(tu: TranslationUnit, calls: list[CallSite], name: str) -> bool:
    """Whether a function the loop calls may read or write the global `name` (unknown ones may)."""
    for call in calls:
        summary = call.summary or tu.functions.get(call.callee)
        if call.effect == CallEffect.PURE:
            continue
        if summary is None or name in summary.reads_globals or name in summary.writes_globals:
            return True
    return False


def reduction_notes(an: Analysis, reduced: dict[str, ArrayReduction]) -> list[str]:
    out: list[str] = []
    for key, r in sorted(reduced.items()):
        path = an.model.objects[key].path
        out.append(R.Reason(f"every access to {path} updates an element with {r.op}: reduction({r.op}: {r.section})",
                            R.ARRAY_REDUCTION))
        if floating_elements(an.model.objects[key]):
            out.append(f"result may differ in rounding: the {r.op} reduction on the floating-point elements of {path} "
                       "adds in another order")
    return out


def atomic_notes(an: Analysis, atomics: dict[str, list[AtomicUpdate]]) -> list[str]:
    out: list[str] = []
    for key, updates in sorted(atomics.items()):
        obj = an.model.objects[key]
        out.append(R.Reason(f"every access to {obj.path} updates an element with {updates[0].op}, and no copy of it "
                            f"can be made per thread: each update is atomic (#pragma omp atomic, line"
                            f"{'s' if len(updates) > 1 else ''} {', '.join(str(u.line) for u in updates)})",
                            R.ATOMIC_UPDATES))
        if floating_elements(obj):
            out.append(f"result may differ in rounding: the atomic updates of the floating-point elements of "
                       f"{obj.path} add in another order")
    return out


def floating_elements(obj: ObjectModel) -> bool:
    """Whether the reduced array's elements are floating-point (its sums may round differently)."""
    return obj.base.number_kind == "floating" or bool(_FLOATING_TYPE.fullmatch(obj.accesses[0].access.element_type.strip()))
