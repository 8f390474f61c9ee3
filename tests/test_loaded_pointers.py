"""Accesses through a pointer an object holds (`p[0][i]` of a `double *p[2]`) touch memory that is
not the object's own: they may overlap any other object, a named array included, and no byte range
of the object (`&p .. &p + 1`) bounds them in a runtime check."""

from __future__ import annotations

from autopar.decision.pipeline import analyze_file
from autopar.plans import reasons as R


def _loop(tmp_path, text: str, function: str):
    path = tmp_path / "t.c"
    path.write_text(text)
    return [l for l in analyze_file(str(path)).report.loops if l.function == function and l.depth == 0][-1]


def test_a_row_held_in_an_array_of_pointers_may_be_a_named_array(tmp_path):
    # p[0] is b: iteration i reads b[i + 1], which iteration i + 1 writes (parallel once: a race)
    loop = _loop(tmp_path, "double b[100000];\ndouble *p[1];\n"
                           "void f(int n) { for (int i = 0; i < n; i++) b[i] = p[0][i + 1] + 1.0; }\n"
                           "int main(void) { p[0] = b; f(90000); return 0; }\n", "f")
    assert not loop.parallelizable and R.ALIAS_UNBOUNDED in loop.codes, (loop.pragma, loop.reasons)


def test_a_row_table_is_not_apart_from_pointers_held_elsewhere(tmp_path):
    text = r"""
#include <stdlib.h>
static double **rows(int n) {
    double **a = malloc(n * sizeof *a);
    for (int i = 0; i < n; i++) a[i] = malloc(n * sizeof **a);
    return a;
}
static double *keep[1];
static void sweep(double **a, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n - 1; j++)
            a[i][j] = keep[0][j + 1] * 0.5;
}
int main(void) { double **a = rows(900); keep[0] = a[0]; sweep(a, 900); return 0; }
"""
    loop = _loop(tmp_path, text, "sweep")
    assert not loop.parallelizable, loop.pragma
