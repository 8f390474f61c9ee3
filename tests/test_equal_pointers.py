"""Pointers that may be equal as well as apart (NAS MG's `resid(u, r, r)`: `r[i3][i2][i1] = v[i3][i2][i1]
- ...` called with v == r): when no loop of the nest carries a dependence between their accesses
were they equal, the runtime alias check lets them be equal too. Before, an in-place call failed the
check and ran serially. Near misses keep the check of disjointness alone."""

from __future__ import annotations

import shutil

import pytest

from autopar.decision.pipeline import analyze_file
from autopar.tools.fuzz.check import Checker

PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
void add(double *x, const double *y, double *z, int n) {
    for (int i = 0; i < n; i++)
        z[i] = x[i] + 2.0 * y[i];
}
void shifted(double *x, double *z, int n) {
    for (int i = 0; i < n - 1; i++)
        z[i] = x[i + 1] * 0.5;
}
void mixed(float *x, double *z, int n) {
    for (int i = 0; i < n; i++)
        z[i] = x[i] * 0.5;
}
void rows(int n, int m, double (*a)[m], double (*b)[m]) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = a[i][j] * a[i][j] + 1.0;
}
void transposed(int n, double (*a)[n], double (*b)[n]) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            b[i][j] = a[j][i] + 1.0;
}
void strides(int n, double (*a)[n], double (*b)[n + 1]) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            b[i][j] = a[i][j] + 1.0;
}
void mg_style(void *oa, void *ob, int n) {
    double (*a)[n] = (double (*)[n])oa;
    double (*b)[n] = (double (*)[n])ob;
    for (int i = 1; i < n; i++)
        for (int j = 0; j < n; j++)
            b[i][j] = a[i][j] * 0.5 + b[i][j];
}
void resized(void *oa, void *ob, int n) {
    double (*a)[n] = (double (*)[n])oa;
    n = n - 1;
    double (*b)[n] = (double (*)[n])ob;
    for (int i = 1; i < n; i++)
        for (int j = 0; j < n; j++)
            b[i][j] = a[i][j] * 0.5 + b[i][j];
}
void norms(double *rms, const double *u) {
    for (int i = 0; i < 1000; i++)
        for (int m = 0; m < 5; m++)
            rms[m] = rms[m] + u[i * 5 + m];
}
int main(int argc, char **argv) {
    int n = 200000 + argc, m = 300;
    double *p = malloc(sizeof(double) * (n + 8)), *q = malloc(sizeof(double) * n), s = 0.0;
    double (*g)[m] = malloc(sizeof(double) * m * m);
    for (int i = 0; i < n + 8; i++)
        p[i] = (i % 13) * 0.25;
    for (int i = 0; i < n; i++)
        q[i] = (i % 7) * 0.5;
    add(p, q, p, n);      /* z == x */
    add(p, q, q, n);      /* z == y */
    add(p, q, p + 1, n);  /* z one past x: the serial copy runs */
    shifted(p, p, n);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            g[i][j] = (i * 3 + j) % 5;
    rows(m, m, g, g);
    transposed(m, g, g);
    strides(m - 1, g, g);
    mg_style(g, g, m);
    resized(g, g, m);
    norms(p, p + 5);
    for (int i = 0; i < n; i++)
        s += p[i] * (i % 3) + q[i];
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            s += g[i][j] * ((i + j) % 3);
    printf("%.10g\n", s);
    return 0;
}
"""


@pytest.fixture(scope="module")
def loops(tmp_path_factory):
    path = tmp_path_factory.mktemp("equal") / "equal.c"
    path.write_text(PROGRAM)
    return {l.function: l for l in analyze_file(str(path)).report.loops if l.depth == 0}


@pytest.mark.parametrize("function, equal", [
    ("add", ["(const char *)(z) == (const char *)(x)", "(const char *)(z) == (const char *)(y)"]),
    ("rows", ["(const char *)(b) == (const char *)(a)"]),
    ("mg_style", ["(const char *)(b) == (const char *)(a)"]),  # locals whose rows read a parameter
])
def test_pointers_whose_equality_carries_nothing_may_be_equal(loops, function, equal):
    loop = loops[function]
    assert loop.parallel and loop.proof == "runtime-check", loop.reasons
    for test in equal:
        assert test in loop.pragma, loop.pragma
    assert any("or equals it" in r for r in loop.reasons), loop.reasons


@pytest.mark.parametrize("function", ["shifted", "mixed", "transposed", "strides", "resized", "norms"])
def test_near_misses_check_disjointness_only(loops, function):
    """Equal, `z[i] = x[i + 1]` and the transposed copy carry a dependence; a float and a double, or
    rows of n and of n + 1 elements, or of n before and after `n = n - 1` (one spelled type), name
    other elements by the same subscripts; a pointer reduction
    sums into a thread's copy, which the other pointer would not see."""
    loop = loops[function]
    assert loop.parallelizable and "==" not in (loop.pragma or ""), loop.pragma


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("clang")), reason="needs gcc and clang")
def test_in_place_calls_give_the_serial_output_and_no_race(tmp_path):
    outcome = Checker(str(tmp_path)).check(PROGRAM, "equal")
    assert outcome.kind == "ok", outcome.problems


# Same spelling, other shapes (found by review): each must keep the test of disjointness alone
SHADOWED = {
    "typedef_element": """typedef double T;
void f(T *x, void *oy, int n) {
    typedef float T;
    T *y = (T *)oy;
    for (int i = 0; i < n; i++)
        y[i] = x[i] * 0.5f + 1.0f;
}""",
    "typedef_rows": """typedef double row[9];
void f(row *a, void *ob, int rows) {
    typedef double row[8];
    row *b = (row *)ob;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < 8; j++)
            b[i][j] = a[i][j] * 0.5 + 1.0;
}""",
    "typedef_vla": """void f(int n, int m, void *oa, void *ob, int rows, int cols) {
    typedef double row[n];
    row *a = (row *)oa;
    {
        typedef double row[m];
        row *b = (row *)ob;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                b[i][j] = a[i][j] * 0.5 + 1.0;
    }
}""",
    "enum_shadow": """void f(int n, int k, void *oa, void *ob, int rows, int cols) {
    double (*a)[n * k] = (double (*)[n * k])oa;
    {
        enum { n = 3 };
        double (*b)[n * k] = (double (*)[n * k])ob;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                b[i][j] = a[i][j] * 0.5 + 1.0;
    }
}""",
    "dereference": """void f(int *len, void *oa, void *ob, int n, int m) {
    double (*a)[*len] = (double (*)[*len])oa;
    *len = *len - 1;
    double (*b)[*len] = (double (*)[*len])ob;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = a[i][j] * 0.5 + 1.0;
}""",
    "call": """void f(int (*g)(void), void *oa, void *ob, int n, int m) {
    double (*a)[g()] = (double (*)[g()])oa;
    double (*b)[g()] = (double (*)[g()])ob;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = a[i][j] * 0.5 + 1.0;
}""",
    "struct_tag": """struct P { double a; };
typedef struct P PO;
void f(struct P *z, void *ox, int n) {
    struct P { double a, b; };
    struct P *x = (struct P *)ox;
    for (int i = 0; i < n; i++) {
        struct P t = x[i];
        z[i] = (PO){ t.a + t.b };
    }
}""",
    "enum_tag": """enum E { E0 };
void f(enum E *z, void *ox, int n) {
    enum E { E1 = 1LL << 40 };
    enum E *x = (enum E *)ox;
    for (int i = 0; i < n; i++)
        z[i] = (int)(x[i] % 5) + 1;
}""",
    "asm": """void f(int n, void *oa, void *ob, int rows, int cols) {
    double (*a)[n] = (double (*)[n])oa;
    __asm__ volatile("" : "+r"(n));
    double (*b)[n] = (double (*)[n])ob;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            b[i][j] = a[i][j] * 0.5 + 1.0;
}""",
}


@pytest.mark.parametrize("case", sorted(SHADOWED))
def test_pointers_spelled_alike_but_shaped_apart_are_never_let_be_equal(tmp_path, case):
    """A shape is the type as the compiler sees it (typedefs resolved, a struct or enum by its
    declaration: a block-scope `struct P` spells as the file's does), and rows' sizes count only
    when the declaration spells them from unchanged parameters by arithmetic: an enum constant that
    shadows a parameter, a dereference, a call or an asm output may change them unseen."""
    path = tmp_path / f"{case}.c"
    path.write_text(SHADOWED[case] + "\n")
    (loop,) = [l for l in analyze_file(str(path)).report.loops if l.depth == 0]
    assert "==" not in (loop.pragma or ""), loop.pragma


def test_cplusplus_rows_of_a_parameter_a_reference_may_change_are_never_let_be_equal(tmp_path):
    path = tmp_path / "ref.cpp"
    path.write_text("""static void shrink(int &k) { k = k - 1; }
void f(int n, void *oa, void *ob, int rows, int cols) {
    auto a = (double (*)[n])oa;
    shrink(n);
    auto b = (double (*)[n])ob;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            b[i][j] = a[i][j] * 0.5 + 1.0;
}
""")
    loops = [l for l in analyze_file(str(path)).report.loops if l.depth == 0]
    assert loops and all("==" not in (l.pragma or "") for l in loops), [l.pragma for l in loops]


@pytest.mark.parametrize("pointer", ["void *", "char *", "struct S *"])
def test_ranges_of_a_pointer_read_through_a_cast_count_the_elements_read(tmp_path, pointer):
    """Found by review: `((double *)z)[i]` on a `void *z` had the range `z + n`, n bytes, not n
    doubles: called with x n bytes past z, the check passed and the loop raced. The range is now
    `((const double *)(z)) + n`."""
    path = tmp_path / "cast.c"
    path.write_text(f"struct S {{ char c; }};\nvoid f({pointer}z, {pointer}x, int n) {{\n"
                    "    for (int i = 0; i < n; i++)\n"
                    "        ((double *)z)[i] = ((double *)x)[i] * 2.0 + 1.0;\n}\n")
    (loop,) = [l for l in analyze_file(str(path)).report.loops if l.depth == 0]
    if pointer == "char *":  # a char pointer read as doubles: another arithmetic type, not modelled
        assert not loop.parallelizable, loop.pragma
        return
    assert "(const char *)(((const double *)(z)) + n) <= (const char *)(((const double *)(x)))" in loop.pragma, \
        loop.pragma
    assert "z + n" not in loop.pragma
