"""Claims written into a parallel loop's body (autopar.frontend.claims, Plan.claims):

    if (level[u] < 0) { level[u] = depth + 1; next[next_size++] = u; }

becomes

    if (autopar_unclaimed_int_lt_int_(&(level[u]), (0)) &&
            autopar_claim_int_lt_int_(&(level[u]), (0), (depth + 1))) { (void)0 /* autopar: written by the claim's test */;
        autopar_append_int_int_(autopar_found, &autopar_found_count, next, &next_size, u); }

The claim helper, defined above the function, loads the element and, while the test holds, tries to
swap in the value (computed only once the test held, as the serial loop computes it): 1 when this visit changed it, so exactly the visits that the serial loop would see
pass the test run the branch, in some order. Appends go to a buffer of each thread's own, declared
in a region around the loop (`region`), and move to the shared one a block at a time, their slots
taken with one atomic add: one atomic add per appended element, and threads writing next to each
other's slots, made the level-synchronous search of this project's benchmarks 1.8x slower than serial
on 2 threads. Every part comes from the plan: the helpers' types and comparison, and the texts of
the cell, bound, value, buffer and counter as the front end read them (each checked against the
file before it is replaced). GNU atomic builtins: gcc and clang both have them.
"""

from __future__ import annotations

import re
from typing import Optional

from autopar.edit.edits import Edit
from autopar.ir import Claim, Loop
from autopar.ir_claims import CLAIM_TYPES
from autopar.plans.plan import Plan

CLAIM_PREFIX = "autopar_claim_"
TEST_PREFIX = "autopar_unclaimed_"  # the atomic test beside each claim helper
APPEND_PREFIX = "autopar_append_"
MOVE_PREFIX = "autopar_move_"  # the block move beside each append helper
FOUND = "autopar_found"  # each thread's buffer, and how many it holds
APPEND_BLOCK = 256
_OPERATORS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}
_CODES = {code: spelled for spelled, code in CLAIM_TYPES.items()}
_NAME = re.compile(rf"\b(?:{CLAIM_PREFIX}|{TEST_PREFIX})([a-z]+)_({'|'.join(_OPERATORS.values())})_([a-z]+)_\(")
_APPEND_NAME = re.compile(rf"\b(?:{APPEND_PREFIX}|{MOVE_PREFIX})([a-z]+)_([a-z]+)_\(")


def helper_name(claim: Claim) -> str:
    return f"{CLAIM_PREFIX}{CLAIM_TYPES[claim.element_type]}_{_OPERATORS[claim.comparison]}_" \
           f"{CLAIM_TYPES[claim.bound_type]}_"


def claim_edits(source: bytes, loop: Loop, plan: Plan) -> Optional[list[Edit]]:
    """The in-line edits of the plan's claims, or None when the file no longer shows the code the
    front end read there (or a claim lies outside the loop's text)."""
    edits: list[Edit] = []
    for claim in plan.claims:
        # the value only where the test held (the serial loop computes it only then)
        test = helper_name(claim).replace(CLAIM_PREFIX, TEST_PREFIX, 1)
        spans = [(claim.guard_start, claim.guard_end, f"{test}(&({claim.cell}), ({claim.bound})) && "
                  f"{helper_name(claim)}(&({claim.cell}), ({claim.bound}), ({claim.value}))", None),
                 (claim.write_start, claim.write_end, "(void)0 /* autopar: written by the claim's test */",
                  f"{claim.cell}={claim.value}")]
        for a in claim.appends:
            spans.append((a.start, a.end, f"{append_name(a)}({FOUND}, &{FOUND}_count, {a.buffer}, &{a.counter}, {a.value})",
                          f"{a.buffer}[{a.counter}++] = {a.value}"))
        for start, end, text, expected in spans:
            found = "".join(source[start:end].decode("utf-8", "surrogateescape").split(" "))
            shown = "".join((expected or claim.cell).split())
            if not loop.offset < start < end <= (loop.end_offset or 0) or "\n" in found or \
                    (found != shown if expected else shown not in found):
                return None
            edits.append(Edit(offset=start, length=end - start, text=text, loop_id=loop.id, in_line=True,
                              line=source.count(b"\n", 0, start) + 1))
    return edits


def helpers_called(text: str) -> list[str]:
    """The claim helpers `text` calls (their names), each once, sorted."""
    return sorted({f"{CLAIM_PREFIX}{m.group(1)}_{m.group(2)}_{m.group(3)}_" for m in _NAME.finditer(text)
                   if m.group(1) in _CODES and m.group(3) in _CODES})


def helper_definition(name: str) -> str:
    """The definition of the claim helper `name` (guarded, so a copy above each function that needs it
    compiles once)."""
    element, operator, bound = _NAME.match(name + "(").groups()
    comparison = next(op for op, code in _OPERATORS.items() if code == operator)
    element_type, bound_type = _CODES[element], _CODES[bound]
    return f"""#ifndef {name.upper()}
#define {name.upper()}
/* autopar: whether *autopar_cell holds a value v with v {comparison} autopar_bound now (an atomic load) */
static int {TEST_PREFIX}{element}_{operator}_{bound}_({element_type} *autopar_cell, {bound_type} autopar_bound)
{{
    return __atomic_load_n(autopar_cell, __ATOMIC_RELAXED) {comparison} autopar_bound;
}}
/* autopar: 1 when this call changed *autopar_cell, which held a value v with v {comparison} autopar_bound, to
   autopar_value (a compare-and-swap: each visit of an element sees what the visits before it left) */
static int {name}({element_type} *autopar_cell, {bound_type} autopar_bound, {element_type} autopar_value)
{{
    {element_type} autopar_old = __atomic_load_n(autopar_cell, __ATOMIC_RELAXED);
    while (autopar_old {comparison} autopar_bound)
        if (__atomic_compare_exchange_n(autopar_cell, &autopar_old, autopar_value, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            return 1;
    return 0;
}}
#endif
"""


def append_name(append) -> str:
    return f"{APPEND_PREFIX}{CLAIM_TYPES[append.element_type]}_{CLAIM_TYPES[append.counter_type]}_"


def region(plan: Plan, worksharing: str, indentation: str, eol: str, condition: Optional[str]):
    """The code around a loop whose claims append (autopar.edit.thread_copies.ThreadCopies' form): a
    parallel region whose threads each declare a buffer, run their share of the loop with `worksharing`
    (nowait) and move what is left in their buffer to the shared one. None when nothing is appended."""
    from autopar.edit.thread_copies import ThreadCopies

    append = next((a for c in plan.claims for a in c.appends), None)
    if append is None:
        return None
    lines = [f"{{ /* autopar: each thread appends to {append.buffer} through a buffer of its own, moved in blocks */",
             "#pragma omp parallel" + (f" if({condition})" if condition else ""), "{",
             f"{append.element_type} {FOUND}[{APPEND_BLOCK}];", f"int {FOUND}_count = 0;", f"{worksharing} nowait"]
    opening = "".join(f"{indentation}{line}{eol}" for line in lines)
    move = f"{MOVE_PREFIX}{CLAIM_TYPES[append.element_type]}_{CLAIM_TYPES[append.counter_type]}_"
    closing = "".join(f"{eol}{indentation}{line}" for line in [
        f"{move}({FOUND}, &{FOUND}_count, {append.buffer}, &{append.counter});", "}", "}"])
    return ThreadCopies(opening=opening, closing=closing)


def append_helpers_called(text: str) -> list[str]:
    """The append helpers `text` calls (the append helper's name for the move helper too)."""
    return sorted({f"{APPEND_PREFIX}{m.group(1)}_{m.group(2)}_" for m in _APPEND_NAME.finditer(text)
                   if m.group(1) in _CODES and m.group(2) in _CODES})


def append_definition(name: str) -> str:
    """The append and move helpers of one buffer and counter type (guarded, as the claim helper)."""
    element, counter = _APPEND_NAME.match(name + "(").groups()
    element_type, counter_type = _CODES[element], _CODES[counter]
    move = f"{MOVE_PREFIX}{element}_{counter}_"
    return f"""#ifndef {name.upper()}
#define {name.upper()}
/* autopar: appends to a thread's buffer, and moves its {APPEND_BLOCK} elements to the shared buffer at
   slots taken from *autopar_counter with one atomic add, when it is full (and at the end of the loop) */
static void {move}(const {element_type} *autopar_found, int *autopar_count, {element_type} *autopar_buffer,
    {counter_type} *autopar_counter)
{{
    {counter_type} autopar_slot = __atomic_fetch_add(autopar_counter, ({counter_type})*autopar_count, __ATOMIC_RELAXED);
    {counter_type} autopar_k, autopar_moved = ({counter_type})*autopar_count;
    /* autopar: off (at most {APPEND_BLOCK} elements) */
    for (autopar_k = 0; autopar_k < autopar_moved; autopar_k++)
        autopar_buffer[autopar_slot + autopar_k] = autopar_found[autopar_k];
    *autopar_count = 0;
}}
static void {name}({element_type} *autopar_found, int *autopar_count, {element_type} *autopar_buffer,
    {counter_type} *autopar_counter, {element_type} autopar_value)
{{
    autopar_found[(*autopar_count)++] = autopar_value;
    if (*autopar_count == {APPEND_BLOCK})
        {move}(autopar_found, autopar_count, autopar_buffer, autopar_counter);
}}
#endif
"""
