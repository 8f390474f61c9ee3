"""Writes a function makes through a pointer no variable names (found by review): one a local array,
struct or union holds, one reached through a pointer to a local pointer, or an integer used as an
address. Their origin was taken as the function's own memory, so the summary said "writes nothing"
and a loop calling it ran in parallel while the call lowered the loop's bound (a race, and wrong
output). They are "memory we cannot name" now: the callee's effect is unknown."""

from __future__ import annotations

import pytest

from autopar.decision.pipeline import analyze_file
from autopar.ir import CallEffect

PROGRAM = """#include <stdint.h>
struct limits { int *hi; };
union holder { int *p; long n; };
double a[64][64], w[64];
int jend = 60;
int *bound_ref = &jend;
struct limits lim = { &jend };
intptr_t gaddr = (intptr_t)&jend;
static void lower(int j) {
    BODY
}
static void relax(int t) { for (int c = 0; c < 64; c++) w[c] = w[c] + t; }
void f(void) {
    for (int t = 0; t < 2; t++) {
        for (int j = 0; j < jend; j++) {
            a[t][j] = a[t][j] + j;
            lower(j);
        }
        relax(t);
        jend = 60;
    }
}
"""

HIDDEN = {
    "array_of_pointers": "int *refs[1] = {bound_ref}; if (j == 3) refs[0][0] = 10;",
    "struct_copy": "struct limits l = lim; if (j == 3) *l.hi = 10;",
    "union": "union holder h; h.p = bound_ref; if (j == 3) *h.p = 10;",
    "pointer_to_pointer": "int t = 0; int *p = &t; int **pp = &p; *pp = bound_ref; if (j == 3) *p = 10;",
    "integer_address": "intptr_t p = gaddr; if (j == 3) *(int *)p = 10;",
    "global_integer_address": "if (j == 3) *(int *)gaddr = 10;",
    "parameter_integer_address": "(void)0; } static void lower2(intptr_t q, int j) { if (j == 3) *(int *)q = 10;",
}


@pytest.mark.parametrize("case", sorted(HIDDEN))
def test_a_write_through_a_pointer_no_variable_names_makes_the_callee_unknown(tmp_path, case):
    path = tmp_path / f"{case}.c"
    path.write_text(PROGRAM.replace("BODY", HIDDEN[case]))
    if case == "parameter_integer_address":
        path.write_text(PROGRAM.replace("BODY", HIDDEN[case]).replace("lower(j);", "lower2(gaddr, j);"))
    fa = analyze_file(str(path))
    assert fa.tu.functions["lower2" if case == "parameter_integer_address" else "lower"].effect == CallEffect.UNKNOWN
    j_loop = next(l for l in fa.tu.loops if l.function == "f" and l.canonical.induction_variable == "j")
    report = next(r for r in fa.report.loops if r.id == j_loop.id)
    assert not report.parallel and not report.parallelizable, report.pragma


@pytest.mark.parametrize("body", [
    "double local[8]; local[j % 8] = 1.0; w[j % 64] = local[0];",  # the function's own array
    "int t = 0; int *p = &t; *p = j; w[j % 64] = t;",  # a pointer to its own scalar
    "double rows[2][4]; rows[1][j % 4] = 2.0; w[0] = rows[1][0];",
])
def test_writes_to_the_callees_own_memory_stay_known(tmp_path, body):
    path = tmp_path / "own.c"
    path.write_text(PROGRAM.replace("BODY", body))
    assert analyze_file(str(path)).tu.functions["lower"].effect != CallEffect.UNKNOWN
