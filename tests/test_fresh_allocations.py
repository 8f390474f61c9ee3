"""A local pointer set once from malloc (or swapped only with such) points into an allocation of its
own (Variable.fresh_allocation): no named object, no other such pointer, and no pointer that
entered with the call reaches it, so loops over them need no runtime check. A pointer that may
hold it (a copy, a global it was stored in, a parameter the function reassigns) still may."""

from __future__ import annotations

import pytest

from autopar.decision.pipeline import analyze_file

BASE = r"""
#include <stdlib.h>
double *g;
double run(const double *in, int n) {
    double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
    SETUP
    for (int i = 0; i < n - 1; i++)
        TARGET[i] = SOURCE[i + 1] * 0.5 + in[i];
    return a[0] + b[0];
}
"""


def _loop(tmp_path, setup: str, target: str, source: str):
    path = tmp_path / "t.c"
    path.write_text(BASE.replace("SETUP", setup).replace("TARGET", target).replace("SOURCE", source))
    return [l for l in analyze_file(str(path)).report.loops if l.function == "run"][-1]


def test_two_allocations_and_an_entering_pointer_need_no_check(tmp_path):
    loop = _loop(tmp_path, "", "a", "b")
    assert loop.parallelizable and loop.proof == "static", loop.reasons
    assert "const char *" not in (loop.pragma or "")


NEAR_MISSES = {
    "stored_in_a_global": ("g = a;", "a", "g"),  # g is a: a[i] = a[i + 1]
    "a_copy": ("double *c = a;", "a", "c"),
    "offset_copy": ("double *c = a + 1;", "c", "a"),
    "reallocated": ("a = realloc(b, 2 * n * sizeof(double));", "a", "b"),  # a may be b
}


@pytest.mark.parametrize("name", sorted(NEAR_MISSES))
def test_a_pointer_that_may_hold_the_allocation_keeps_its_check(tmp_path, name):
    setup, target, source = NEAR_MISSES[name]
    loop = _loop(tmp_path, setup, target, source)
    assert not (loop.parallelizable and loop.proof == "static"), (name, loop.pragma)


def test_a_restrict_temporary_of_a_swap_is_not_apart(tmp_path):
    # found by a review: after `b = t`, b is t (based on it, as restrict allows): b[i] = t[i + 1]
    # carries a dependence, which a static parallel loop raced on
    path = tmp_path / "t.c"
    path.write_text("#include <stdlib.h>\n"
                    "double run(int n) {\n"
                    "    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);\n"
                    "    for (int i = 0; i < n; i++) { a[i] = i % 13; b[i] = i % 5; }\n"
                    "    double *restrict t = a;\n    a = b;\n    b = t;\n"
                    "    for (int i = 0; i < n - 1; i++)\n        b[i] = t[i + 1] * 0.5 + 1.0;\n"
                    "    return b[0] + a[0];\n}\n")
    loop = [l for l in analyze_file(str(path)).report.loops if l.function == "run"][-1]
    assert not (loop.parallelizable and loop.proof == "static"), loop.pragma
