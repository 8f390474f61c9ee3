"""Row tables: multi-level pointers whose rows the file shows are allocations of their own
(autopar/frontend/row_tables.py), indexed like arrays; and every way a row could be shared or
changed that keeps one serial. The catalogue's depth_row_tables.c runs such loops."""

from __future__ import annotations

import pytest

from analyzed import loops_of, outer_loop
from autopar.decision.pipeline import analyze_file
from autopar.plans import reasons as R

ALLOC = r"""
#include <stdlib.h>
static double **rows(int n, int m) {
    double **a = (double **)malloc(n * sizeof *a);
    for (int i = 0; i < n; i++)
        a[i] = (double *)malloc(m * sizeof **a);
    return a;
}
"""

KERNEL = r"""
static void kernel(double **out, double **in, int n, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m - 1; j++)
            out[i][j] = in[i][j + 1] * 0.5;
}
"""


def test_rows_of_their_own_run_in_parallel(tmp_path):
    loop = outer_loop(loops_of(tmp_path, ALLOC + KERNEL + "int main(void) { double **a = rows(900, 900), **b = rows(900, 900);\n"
                                                     "  kernel(b, a, 900, 900); return 0; }\n"), "kernel")
    assert loop.parallelizable and loop.parallel, loop.reasons
    assert not loop.pragma.count("const char *")  # no runtime check: the tables are apart


# each makes a row shared, changed or unknown to the analysis: kernel() must stay serial
NEAR_MISSES = {
    "same_table": "kernel(a, a, 9, 9);",
    "row_copied": "a[1] = b[1]; kernel(b, a, 9, 9);",
    "row_kept": "a[2] = a[1]; kernel(b, a, 9, 9);",
    "row_incremented": "a[1]++; kernel(b, a, 9, 9);",
    "slot_address": "double **slot = &a[0]; *slot = b[0]; kernel(b, a, 9, 9);",
    "table_copied": "double **c = a; c[0] = b[0]; kernel(b, a, 9, 9);",
    "table_offset": "double **c = a + 1; c[0] = b[0]; kernel(b, a, 9, 9);",
    "unknown_call": "mystery(a); kernel(b, a, 9, 9);",
    "realloc_row": "a[0] = realloc(a[0], 99 * sizeof(double)); kernel(b, a, 9, 9);",
    "stored_in_struct": "struct { double **p; } s = { a }; s.p[0] = b[0]; kernel(b, a, 9, 9);",
    "other_table": "double **g = other(); kernel(b, g, 9, 9);",
}


@pytest.mark.parametrize("name", sorted(NEAR_MISSES))
def test_a_row_that_may_be_shared_keeps_the_loop_serial(tmp_path, name):
    text = (ALLOC + "void mystery(double **);\ndouble **other(void);\n" + KERNEL +
            "int main(void) { double **a = rows(9, 9), **b = rows(9, 9);\n  " + NEAR_MISSES[name] +
            "\n  return 0; }\n")
    loop = outer_loop(loops_of(tmp_path, text), "kernel")
    assert not loop.parallelizable, (name, loop.pragma)
    assert R.POINTER_LOADED in loop.codes or R.ALIAS_UNBOUNDED in loop.codes, loop.codes


def test_the_reason_names_what_shares_the_rows(tmp_path):
    text = ALLOC + KERNEL + "int main(void) { double **a = rows(9, 9), **b = rows(9, 9);\n" \
                            "  b[3] = a[3]; kernel(b, a, 9, 9); return 0; }\n"
    loop = outer_loop(loops_of(tmp_path, text), "kernel")
    assert any("a row pointer of b is set other than from its own allocation (b[3] = a[3])" in r
               for r in loop.reasons), loop.reasons


def test_an_exported_kernel_has_callers_elsewhere(tmp_path):
    text = ALLOC + KERNEL.replace("static void kernel", "void kernel") + \
        "int main(void) { double **a = rows(9, 9), **b = rows(9, 9); kernel(b, a, 9, 9); return 0; }\n"
    loop = outer_loop(loops_of(tmp_path, text), "kernel")
    assert not loop.parallelizable
    assert any("which other files may call" in r for r in loop.reasons), loop.reasons


def test_a_kernel_called_through_a_pointer_has_callers_unseen(tmp_path):
    text = ALLOC + KERNEL + "void (*hook)(double **, double **, int, int) = kernel;\n" \
                            "int main(void) { double **a = rows(9, 9), **b = rows(9, 9); kernel(b, a, 9, 9); return 0; }\n"
    assert not outer_loop(loops_of(tmp_path, text), "kernel").parallelizable


CUBE = r"""
#include <stdlib.h>
static double ***cube(int n) {
    double ***u = malloc(n * sizeof(double **));
    for (int i = 0; i < n; i++) {
        u[i] = malloc(n * sizeof(double *));
        for (int j = 0; j < n; j++)
            u[i][j] = calloc(n, sizeof(double));
    }
    return u;
}
static void sweep(double ***v, double ***u, int n) {
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++)
                v[i][j][k] = u[i - 1][j][k] + u[i + 1][j][k];
}
"""


def test_a_three_level_table_runs_in_parallel(tmp_path):
    text = CUBE + "int main(void) { double ***u = cube(30), ***v = cube(30); sweep(v, u, 30); return 0; }\n"
    assert outer_loop(loops_of(tmp_path, text), "sweep").parallelizable


def test_three_levels_and_rows_handed_to_a_helper(tmp_path):
    text = CUBE + r"""
static void scale(double *row, int n) { for (int k = 0; k < n; k++) row[k] *= 2.0; }
static void rows(double ***v, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            scale(v[i][j], n);
}
static void planes(double ***v, int n) {
    double **p = v[0];
    p[1] = p[0];  /* a sub-table handed on can be written through */
}
int main(void) { double ***u = cube(30), ***v = cube(30), ***w = cube(30);
    sweep(v, u, 30); rows(v, 30); planes(w, 30); sweep(u, w, 30); return 0; }
"""
    loops = loops_of(tmp_path, text)
    sweeps = [l for l in loops if l.function == "sweep" and l.depth == 0]
    # w's sub-table escapes: sweep's u is unproven (its v still is a table, which u may overlap)
    assert len(sweeps) == 1 and not sweeps[0].parallelizable
    assert R.ALIAS_UNBOUNDED in sweeps[0].codes, sweeps[0].reasons
    assert outer_loop(loops, "rows").parallelizable, outer_loop(loops, "rows").reasons


SWAP = ALLOC + r"""
double run(double **given, int n, int steps) {
    double **u = rows(n, n), **w = SOURCE;
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            for (int j = 0; j < n; j++)
                w[i][j] = u[i - 1][j] + u[i + 1][j];
        double **tmp = u;
        u = w;
        w = tmp;
    }
    return u[1][1] + given[0][0];
}
"""


def test_a_swap_of_two_tables_keeps_them_tables(tmp_path):
    loops = [l for l in loops_of(tmp_path, SWAP.replace("SOURCE", "rows(n, n)")) if l.function == "run"]
    time_loop, sweep = loops[0], loops[1]
    assert not time_loop.parallelizable and R.POINTER_CHANGES in time_loop.codes
    assert sweep.parallelizable and sweep.parallel, sweep.reasons


def test_two_table_parameters_the_kernel_swaps_stay_tables(tmp_path):
    text = ALLOC + r"""
static void relax(double **a, double **b, int n, int m, int steps) {
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < m - 1; j++)
                b[i][j] = 0.25 * (a[i - 1][j] + a[i + 1][j] + a[i][j - 1] + a[i][j + 1]);
        double **tmp = a; a = b; b = tmp;
    }
}
int main(void) { double **a = rows(900, 900), **b = rows(900, 900); relax(a, b, 900, 900, 4); return 0; }
"""
    sweep = [l for l in loops_of(tmp_path, text) if l.function == "relax" and l.depth == 1][0]
    assert sweep.parallel and "(const char *)" not in sweep.pragma, sweep.reasons
    # a near miss: one table passed for both
    shared = text.replace("relax(a, b, 900, 900, 4)", "relax(a, a, 900, 900, 4)")
    assert not [l for l in loops_of(tmp_path, shared) if l.function == "relax" and l.depth == 1][0].parallelizable


def test_a_swap_with_a_pointer_of_unknown_rows_is_not_a_table(tmp_path):
    loops = [l for l in loops_of(tmp_path, SWAP.replace("SOURCE", "given")) if l.function == "run"]
    assert not any(l.parallelizable for l in loops)


def test_cplusplus_is_not_followed(tmp_path):
    text = ALLOC + KERNEL + "int main() { double **a = rows(9, 9), **b = rows(9, 9); kernel(b, a, 9, 9); return 0; }\n"
    assert not outer_loop(loops_of(tmp_path, text, "t.cpp"), "kernel").parallelizable


def test_vectors_passed_beside_a_table_are_apart_from_its_rows(tmp_path):
    # y, a fresh allocation at the only call, is none of a's rows: no runtime check is needed
    text = ALLOC + r"""
static void matvec(double **a, const double *x, double *y, int n, int m) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < m; j++) s += a[i][j] * x[j];
        y[i] = s;
    }
}
int main(void) {
    double **a = rows(800, 900);
    double *x = malloc(900 * sizeof(double)), *y = malloc(800 * sizeof(double));
    matvec(a, x, y, 800, 900);
    return 0;
}
"""
    loop = outer_loop(loops_of(tmp_path, text), "matvec")
    assert loop.parallelizable and loop.proof == "static", loop.reasons
    # the same vector passed as a row of the table is not apart from it
    shared = text.replace("matvec(a, x, y, 800, 900);", "matvec(a, x, a[0], 800, 900);")
    assert not outer_loop(loops_of(tmp_path, shared, "shared.c"), "matvec").parallelizable


GLOBALS = ALLOC + r"""
static double **u, **v;
static void init(void) { u = rows(300, 300); v = rows(300, 300); }
static void sweep(void) {
    for (int i = 1; i < 299; i++)
        for (int j = 1; j < 299; j++)
            v[i][j] = 0.25 * (u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1]);
}
int main(void) { init(); sweep(); return 0; }
"""

# each gives the table another name, or a value that is not a table of its own
GLOBAL_MISSES = {
    "exported": ("static double **u, **v;", "double **u, **v;"),
    "declared_in_a_block": ("static void sweep(void) {", "static void sweep(void) { extern double **u; u[1] = u[0];"),
    "handed_on": ("int main(void) { init();", "static void keep(double **p) { p[1] = p[0]; }\nint main(void) { init(); keep(u);"),
    "returned": ("int main(void) {", "static double **get(void) { return u; }\nint main(void) { get()[1] = v[0];"),
    "named_at_file_scope": ("static double **u, **v;", "static double **u, **v;\nstatic double ***pu = &u;"),
    "set_from_a_local": ("u = rows(300, 300);", "double **t = rows(300, 300); u = t; t[1] = t[0];"),
    "starts_elsewhere": ("static double **u, **v;", "static double **u, **v = (double **)16;"),
}


def test_a_static_table_named_directly_runs_in_parallel(tmp_path):
    assert outer_loop(loops_of(tmp_path, GLOBALS), "sweep").parallelizable


@pytest.mark.parametrize("name", sorted(GLOBAL_MISSES))
def test_a_global_table_with_another_name_stays_serial(tmp_path, name):
    old, new = GLOBAL_MISSES[name]
    assert old in GLOBALS
    loop = outer_loop(loops_of(tmp_path, GLOBALS.replace(old, new)), "sweep")
    assert not loop.parallelizable, (name, loop.pragma)


def test_in_a_whole_program_an_exported_table_is_followed(tmp_path):
    path = tmp_path / "t.c"
    path.write_text(GLOBALS.replace("static double **u, **v;", "double **u, **v;"))
    loops = analyze_file(str(path), whole_program=True).report.loops
    assert outer_loop(loops, "sweep").parallelizable


# found by a review: each makes rows 399 and 1199 of `a` one row; the halves loop then reads in one
# iteration the row another writes
HALVES = r"""
#include <stdlib.h>
#define N 1600
#define M 4000
HELPERS
int main(int argc, char **argv) {
    double **a = malloc(N * sizeof(double *)), **t;
    for (int i = 0; i < N; i++) a[i] = calloc(M, sizeof(double));
    SHARE
    for (int i = 0; i < N / 2; i++)
        for (int j = 0; j < M; j++)
            a[i][j] = a[i + N / 2][j] + i;
    return (int)a[0][0] + argc + (argv == 0);
}
"""

OTHER = "double **b = malloc(N * sizeof(double *));\n    for (int i = 0; i < N; i++) b[i] = calloc(M, sizeof(double));\n    "

REVIEWED = {
    # the temporary of a swap holds a table too
    "swap_temporary": ("", "double **b = malloc(N * sizeof(double *));\n"
                           "    for (int i = 0; i < N; i++) b[i] = calloc(M, sizeof(double));\n"
                           "    t = b; b = a; a = t; t[1199] = t[399];"),
    # an exported function's parameter is unproven, yet it still hands its rows on
    "through_an_exported_parameter": ("static void share(double **y) { y[1199] = y[399]; }\n"
                                      "void setup(double **x) { share(x); }", "setup(a);"),
    "through_a_parameter_passed_twice": ("static void share(double **y) { y[1199] = y[399]; }\n"
                                         "static void setup(double **x, double **z) { share(x); }",
                                         "setup(a, a);"),
    # the value of an assignment to the table
    "assignment_value": ("", "t = a = malloc(N * sizeof(double *));\n"
                             "    for (int i = 0; i < N; i++) a[i] = calloc(M, sizeof(double));\n"
                             "    t[1199] = t[399];"),
    # a function that returns its table parameter
    "returned_parameter": ("static double **same(double **x) { return x; }", "t = same(a); t[1199] = t[399];"),
    # sizeof of a variable-length array type evaluates its operand
    "vla_sizeof": ("", "void *p = 0; int n = argc;\n"
                       "    (void)sizeof(*(double (*)[n])(p = a)); ((double **)p)[1199] = ((double **)p)[399];"),
    # found by a second review: a statement expression's value, a swap's temporary of another type,
    # an atomic builtin, a cleanup attribute (a call the text does not show)
    "statement_expression": ("", "t = ({ a = malloc(N * sizeof(double *)); });\n"
                                 "    for (int i = 0; i < N; i++) a[i] = calloc(M, sizeof(double));\n"
                                 "    t[1199] = t[399];"),
    "swap_in_a_statement_expression": ("", OTHER + "t = ({ double **s = b; b = a; a = s; }); t[1199] = t[399];"),
    "void_temporary": ("", OTHER + "void *v = b; b = a; a = v; t = v; t[1199] = t[399];"),
    "atomic_exchange": ("", "t = 0; if (!__atomic_exchange_n(&t, a, __ATOMIC_RELAXED)) t[1199] = t[399];"),
    "cleanup": ("static void share(double ***p) { if (*p) (*p)[1199] = (*p)[399]; }",
                OTHER + "{ __attribute__((cleanup(share))) double **c = b; b = a; a = c; }"),
}


@pytest.mark.parametrize("name", sorted(REVIEWED))
def test_what_the_review_found_keeps_the_halves_serial(tmp_path, name):
    helpers, share = REVIEWED[name]
    loops = loops_of(tmp_path, HALVES.replace("HELPERS", helpers).replace("SHARE", share))
    halves = [l for l in loops if l.function == "main" and l.depth == 0][-1]
    assert not halves.parallelizable, (name, halves.pragma)
    assert all(not l.parallelizable for l in loops if l.function == "main" and l.line == halves.line + 1)


def test_the_halves_run_in_parallel_when_nothing_shares_a_row(tmp_path):
    loops = loops_of(tmp_path, HALVES.replace("HELPERS", "").replace("SHARE", ""))
    assert [l for l in loops if l.function == "main" and l.depth == 0][-1].parallelizable


def test_an_allocator_handing_back_the_callers_table_is_no_allocator(tmp_path):
    """`same(x)` returns a local it swapped with its parameter: x itself. y = same(x) and x are one
    table, which kernel() must not take for two."""
    text = ALLOC + KERNEL + r"""
static double **same(double **p, int n) {
    double **l = malloc(n * sizeof *l);
    double **t = l; l = p; p = t;
    free(p);
    return l;
}
int main(void) { double **x = rows(900, 900), **y = same(x, 900); kernel(y, x, 900, 900); return 0; }
"""
    loop = outer_loop(loops_of(tmp_path, text), "kernel")
    assert not loop.parallelizable, loop.pragma
    assert any("it may return a table it was handed" in r for r in loop.reasons), loop.reasons
