"""Row tables carved from one block (autopar/frontend/carved_rows.py): read as 2-D arrays, and written
in parallel only under the run-time check that the rows lie further apart than the columns a loop
touches (autopar/deps/carved_rows.py). The helper is compiled and asked here; the rewritten programs
run with 4 threads, against a serial build and under TSan. The catalogue's depth_carved_rows.c runs
more such loops."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from analyzed import loops_of, outer_loop
from autopar.deps.carved_rows import rows_helper_definition
from autopar.plans import reasons as R
from autopar.tools.verify import FORCED_PATH_FLAGS

CARVE = r"""
#include <stdio.h>
#include <stdlib.h>
static double **carve(int n, int m, int stride) {
    double **a = malloc(n * sizeof *a);
    double *block = calloc((size_t)n * stride + 64, sizeof *block);
    if (!a || !block)
        return NULL;
    for (int i = 0; i < n; i++)
        a[i] = block + (size_t)i * stride;
    return a;
}
"""

KERNELS = r"""
static void bump(double **a, int n, int w) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < w; j++)
            a[i][j] = a[i][j] + (double)(i % 7) + 1.0;
}
static double total(double **a, int n, int w) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < w; j++)
            s += a[i][j] * (double)(j + 1);
    return s;
}
"""


def _program(stride: int, width: int) -> str:
    return CARVE + KERNELS + f"""
int main(void) {{
    int n = 4000;
    double **a = carve(n, {width}, {stride});
    bump(a, n, {width});
    bump(a, n, {width});
    printf("%.6f\\n", total(a, n, {width}));
    return 0;
}}
"""


def test_a_written_carved_table_runs_under_the_rows_check(tmp_path):
    loops = loops_of(tmp_path, _program(40, 40))
    bump, total = outer_loop(loops, "bump"), outer_loop(loops, "total")
    assert bump.parallel and bump.proof == "runtime-check", bump.reasons
    assert "autopar_indices_outside_rows_((const void *)(a), sizeof(a[0]), (long)(0LL), " \
           "(long)((long long)n - 1LL), (long)((long long)w), sizeof(a[0][0]))" in bump.pragma
    assert any("the rows of a it touches lie further apart than its columns" in r for r in bump.reasons)
    # only read: a 2-D array, no check
    assert total.parallel and "autopar_indices_outside_rows_" not in total.pragma, total.pragma


HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
HELPER
int main(void) {
    double *block = (double *)calloc(1000, sizeof(double));
    double *rows[8], *reversed[8];
    int i;
    for (i = 0; i < 8; i++) {
        rows[i] = block + 10 * i;
        reversed[i] = block + 10 * (7 - i);
    }
    printf("%d %d %d %d %d %d %d %d\n",
           autopar_indices_outside_rows_((const void *)rows, sizeof(rows[0]), 0L, 7L, 10L, sizeof(double)),
           autopar_indices_outside_rows_((const void *)rows, sizeof(rows[0]), 0L, 7L, 11L, sizeof(double)),
           autopar_indices_outside_rows_((const void *)reversed, sizeof(rows[0]), 0L, 7L, 1L, sizeof(double)),
           autopar_indices_outside_rows_((const void *)rows, sizeof(rows[0]), 3L, 3L, 500L, sizeof(double)),
           autopar_indices_outside_rows_((const void *)rows, sizeof(rows[0]), 5L, 4L, 10L, sizeof(double)),
           autopar_indices_outside_rows_((const void *)rows, sizeof(rows[0]), 0L, 7L, 0L, sizeof(double)),
           autopar_indices_outside_rows_((const void *)rows, sizeof(rows[0]), -1L, 7L, 10L, sizeof(double)),
           autopar_indices_outside_rows_((const void *)rows, sizeof(rows[0]), 2L, 7L, 5L, 2 * sizeof(double)));
    return 0;
}
"""


@pytest.mark.parametrize("compiler,flags,suffix", [("gcc", ["-std=c89", "-pedantic-errors"], ".c"),
                                                   ("g++", ["-std=c++11"], ".cpp")])
def test_the_helper_answers_exactly(tmp_path, compiler, flags, suffix):
    source = tmp_path / f"h{suffix}"
    source.write_text(HARNESS.replace("HELPER", rows_helper_definition()))
    exe = tmp_path / "h"
    subprocess.run([compiler, *flags, "-Wall", "-Werror", "-fopenmp", "-o", str(exe), str(source)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
    # apart by 10: span 10 passes, 11 does not; reversed rows never; one row, no row or no column:
    # nothing to keep apart; a row before 0: not looked at; 10 doubles are 5 elements of 16 bytes
    assert out == ["1", "0", "0", "1", "1", "1", "0", "1"]


def _build_and_run(tmp_path, text: str, name: str) -> str:
    source = tmp_path / f"{name}.c"
    source.write_text(text)
    exe = tmp_path / name
    subprocess.run(["gcc", "-O2", "-fopenmp", *FORCED_PATH_FLAGS, "-o", str(exe), str(source)], check=True)
    return subprocess.run([str(exe)], capture_output=True, text=True, check=True,
                          env={**os.environ, "OMP_NUM_THREADS": "4"}).stdout


@pytest.mark.parametrize("stride", [12, 10])  # apart, and rows that reach the next one
def test_rewritten_programs_print_what_serial_ones_do(tmp_path, stride):
    text = _program(stride, 12)
    source = tmp_path / "p.c"
    source.write_text(text)
    rewritten = subprocess.run([sys.executable, "-m", "autopar.cli", "rewrite", str(source), "-o",
                                str(tmp_path / "p_par.c")], capture_output=True, text=True)
    assert rewritten.returncode == 0, rewritten.stderr
    parallel = (tmp_path / "p_par.c").read_text()
    assert "autopar_indices_outside_rows_(" in parallel
    assert _build_and_run(tmp_path, parallel, "par") == _build_and_run(tmp_path, text, "serial")


@pytest.mark.skipif(shutil.which("clang") is None, reason="TSan builds use clang")
def test_overlapping_rows_take_the_serial_path_under_tsan(tmp_path):
    """Rows 10 apart, 12 columns written: row i's last two are row i + 1's first two. Taken in
    parallel, iterations i and i + 1 would write one element: TSan reports it. The check sends the
    loop to its serial copy instead."""
    source = tmp_path / "o.c"
    source.write_text(_program(10, 12))
    subprocess.run([sys.executable, "-m", "autopar.cli", "rewrite", str(source), "-o", str(tmp_path / "o_par.c")],
                   check=True, capture_output=True)
    exe = tmp_path / "o_tsan"
    text = (tmp_path / "o_par.c").read_text().replace("autopar_team_pays_((double)", "1 || autopar_team_pays_((double)")
    (tmp_path / "o_par.c").write_text(text)
    subprocess.run(["clang", "-g", "-O1", "-fsanitize=thread", "-fopenmp", "-w", *FORCED_PATH_FLAGS, "-o", str(exe),
                    str(tmp_path / "o_par.c")], check=True)
    forced = text.replace("autopar_indices_outside_rows_((const void *)(a)", "1 || autopar_indices_outside_rows_((const void *)(a)")
    (tmp_path / "forced.c").write_text(forced)
    subprocess.run(["clang", "-g", "-O1", "-fsanitize=thread", "-fopenmp", "-w", *FORCED_PATH_FLAGS, "-o",
                    str(tmp_path / "forced"), str(tmp_path / "forced.c")], check=True)
    env = {**os.environ, "OMP_NUM_THREADS": "4", "TSAN_OPTIONS": "ignore_noninstrumented_modules=1"}
    checked = subprocess.run([str(exe)], capture_output=True, text=True, env=env)
    unchecked = subprocess.run([str(tmp_path / "forced")], capture_output=True, text=True, env=env)
    assert checked.returncode == 0 and "data race" not in checked.stderr, checked.stderr[-2000:]
    # the same loop without its check races: the test can tell
    assert "data race" in unchecked.stderr


# each leaves the block reachable otherwise: the tables stay serial
NEAR_MISSES = {
    "element_write": ("block[0] = 1.0;", "which is also used in block[0]"),
    "two_tables": ("b[0] = block;", "rows of two tables are carved from block"),
    "memset": ("memset(block, 0, 8);", "which is also used in memset(block, 0, 8)"),
    "kept": ("kept = block;", "which is also used in kept = block"),
    "returned_block": ("if (n < 0) return (double **)block;", "not proven a table of its own"),
    "static_block": ("", "set other than from its own allocation"),
}


@pytest.mark.parametrize("name", sorted(NEAR_MISSES))
def test_a_block_reached_otherwise_keeps_its_table_serial(tmp_path, name):
    extra, phrase = NEAR_MISSES[name]
    storage = "static double *block;\n    block = malloc(n * 64 * sizeof *block);" if name == "static_block" else \
        "double *block = malloc(n * 64 * sizeof *block);"
    text = r"""
#include <stdlib.h>
#include <string.h>
static double *kept;
static double **carve(int n) {
    double **a = malloc(n * sizeof *a), **b = malloc(n * sizeof *b);
    STORAGE
    EXTRA
    for (int i = 0; i < n; i++)
        a[i] = block + i * 64;
    return a;
}
static void scale(double **a, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 64; j++)
            a[i][j] = 2.0 * a[i][j] + 1.0;  // (no update of one operator: no atomic updates either)
}
int main(void) { double **a = carve(500); scale(a, 500); return 0; }
""".replace("STORAGE", storage).replace("EXTRA", extra)
    loop = outer_loop(loops_of(tmp_path, text), "scale")
    assert not loop.parallelizable, (name, loop.pragma)
    assert R.POINTER_LOADED in loop.codes, loop.codes
    assert any(phrase in r for r in loop.reasons), loop.reasons


def test_only_tables_the_carved_rows_reach_are_checked(tmp_path):
    """A table of rows of their own that shares a callee with a carved one stays a 2-D array; one handed
    to a function that carves rows into it is carved."""
    text = r"""
#include <stdlib.h>
static double **own(int n) {
    double **a = malloc(n * sizeof *a);
    for (int i = 0; i < n; i++)
        a[i] = malloc(64 * sizeof **a);
    return a;
}
static void carve_into(double **a, int n) {
    double *block = malloc(n * 64 * sizeof *block);
    for (int i = 0; i < n; i++)
        a[i] = &block[i * 64];
}
static void fill(double **a, int n) {
    // autopar: off
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 64; j++)
            a[i][j] = i + j;
}
static void scale(double **a, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 64; j++)
            a[i][j] *= 2.0;
}
static void shift(double **a, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 64; j++)
            a[i][j] += 1.0;
}
int main(void) {
    double **a = own(900), **c = malloc(900 * sizeof *c);
    carve_into(c, 900);
    fill(a, 900); fill(c, 900);
    scale(a, 900); shift(c, 900);
    return 0;
}
"""
    loops = loops_of(tmp_path, text)
    scale, shift = outer_loop(loops, "scale"), outer_loop(loops, "shift")
    assert scale.parallel and "autopar_indices_outside_rows_" not in scale.pragma, scale.pragma
    assert shift.parallel and "autopar_indices_outside_rows_((const void *)(a)" in shift.pragma, shift.pragma


def test_a_row_stored_twice_is_no_carving(tmp_path):
    text = CARVE.replace("a[i] = block + (size_t)i * stride;", "a[i] = block + (size_t)i * stride;\n    a[1] = a[0];") + \
        KERNELS + "int main(void) { double **a = carve(9, 9, 9); bump(a, 9, 9); return 0; }\n"
    loop = outer_loop(loops_of(tmp_path, text), "bump")
    assert not loop.parallelizable
    assert any("a row pointer of a is set other than from its own allocation (a[1] = a[0])" in r
               for r in loop.reasons), loop.reasons


def test_a_three_level_carved_table_is_read_but_not_written_in_parallel(tmp_path):
    text = r"""
#include <stdlib.h>
static double ***cube(int n) {
    double ***u = malloc(n * sizeof *u);
    for (int i = 0; i < n; i++) {
        double *plane = malloc(n * n * sizeof *plane);
        u[i] = malloc(n * sizeof **u);
        for (int j = 0; j < n; j++)
            u[i][j] = plane + j * n;
    }
    return u;
}
static double total(double ***u, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++)
                s += u[i][j][k];
    return s;
}
static void scale(double ***u, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++)
                u[i][j][k] *= 2.0;
}
int main(void) { double ***u = cube(60); scale(u, 60); return total(u, 60) > 0; }
"""
    loops = loops_of(tmp_path, text)
    assert outer_loop(loops, "total").parallel
    scale = outer_loop(loops, "scale")
    assert not scale.parallelizable and R.ALIAS_UNBOUNDED in scale.codes, scale.reasons


def test_a_loop_that_may_not_run_joins_the_check(tmp_path):
    """`c[i][j] += a[i][k] * b[k][j]` for k < p: with p == 0 nothing is touched, yet rows 0 .. n - 1
    would be walked, row pointers the program never reads (past the table, for all the analysis
    knows). The k loop's test joins the check; the i and j loops' tests add nothing (with n or m 0,
    the helper walks no row)."""
    kernels = r"""
static void product(double **c, double **a, double **b, int n, int m, int p) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            for (int k = 0; k < p; k++)
                c[i][j] += a[i][k] * b[k][j];
}
"""
    text = CARVE + kernels + "int main(void) { double **a = carve(90, 90, 90), **b = carve(90, 90, 90), " \
                             "**c = carve(90, 90, 90);\n  product(c, a, b, 90, 90, 90); return 0; }\n"
    loop = outer_loop(loops_of(tmp_path, text), "product")
    assert loop.parallel, loop.reasons
    assert "((int)(0) < (p)) && autopar_indices_outside_rows_((const void *)(c)" in loop.pragma, loop.pragma
    assert "(int)(0) < (n)" not in loop.pragma and "(int)(0) < (m)" not in loop.pragma


TWO_TABLES = r"""
#include <stdint.h>
#include <stdlib.h>
static void work(double **a, double **b, int n, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = b[n - 1 - i][j] + 1.0;
}
static double **own(int n, int m) {
    double **t = malloc(n * sizeof *t);
    for (int i = 0; i < n; i++)
        t[i] = malloc(m * sizeof **t);
    return t;
}
"""

# each makes `a`'s rows `b`'s (or some of them): work() must not run in parallel unchecked
SHARED_ROWS = {
    # one block carved into a table, the tables swapped, the block carved again into the other
    "carved_again_after_a_swap": """
    double *block = malloc((size_t)N * M * sizeof *block);
    double **a = malloc(N * sizeof *a), **b = malloc(N * sizeof *b);
    for (int i = 0; i < N; i++) a[i] = block + (size_t)i * M;
    double **t = a; a = b; b = t;
    for (int i = 0; i < N; i++) a[i] = block + (size_t)i * M;""",
    # `x ?: y` is x when x is not null: a[i] is b[i]
    "row_through_elvis": """
    double **b = own(N, M), **a = malloc(N * sizeof *a);
    double *block = calloc((size_t)N * M, sizeof *block);
    for (int i = 0; i < N; i++) a[i] = b[i] ?: block + (size_t)i * M;""",
    "block_through_elvis": """
    double **b = own(N, M), **a = malloc(N * sizeof *a);
    double *block;
    block = b[0] ?: malloc((size_t)N * M * sizeof *block);
    for (int i = 0; i < N; i++) a[i] = block + (size_t)i * M;""",
    "row_through_an_integer": """
    double **b = own(N, M), **a = malloc(N * sizeof *a);
    a[0] = malloc(M * sizeof **a);
    for (int i = 1; i < N; i++) a[i] = (double *)((uintptr_t)a[0] + ((uintptr_t)b[i] - (uintptr_t)a[0]));""",
    "allocation_through_elvis": """
    double **b = own(N, M), **a = malloc(N * sizeof *a);
    for (int i = 0; i < N; i++) a[i] = b[i] ?: malloc(M * sizeof **a);""",
}


@pytest.mark.parametrize("name", sorted(SHARED_ROWS))
def test_rows_another_table_holds_keep_the_loop_serial(tmp_path, name):
    text = TWO_TABLES + "#define N 900\n#define M 900\nint main(void) {" + SHARED_ROWS[name] + \
        "\n    work(a, b, N, M);\n    return 0;\n}\n"
    loop = outer_loop(loops_of(tmp_path, text), "work")
    assert not loop.parallelizable, (name, loop.pragma)


SWAPPING_CARVER = r"""
#include <stdlib.h>
/* carves the table it got as q: the swap puts it in p */
static void carve(double **p, double **q, int n) {
    double **t = p; p = q; q = t;
    double *block = calloc((size_t)n * 900 + n, sizeof *block);
    for (int i = 0; i < n; i++)
        p[i] = block + i;
}
static void work(double **a, int n, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i][j] = (double)(i + 1);
}
int main(void) {
    double **x = malloc(900 * sizeof *x), **y = malloc(900 * sizeof *y);
    for (int i = 0; i < 900; i++) { x[i] = malloc(900 * sizeof **x); y[i] = malloc(900 * sizeof **y); }
    carve(x, y, 900);
    work(y, 900, 900);
    return 0;
}
"""


def test_a_table_carved_through_a_swap_is_never_taken_for_rows_of_their_own(tmp_path):
    loop = outer_loop(loops_of(tmp_path, SWAPPING_CARVER), "work")
    assert not loop.parallel or "autopar_indices_outside_rows_((const void *)(a)" in loop.pragma, loop.pragma


def test_a_table_swapped_before_it_is_carved_is_checked_on_both_sides(tmp_path):
    """The caller swaps x and y, then a helper carves x's rows: y held that table first, so a loop
    over y checks its rows too (a table object, not a variable, is what gets carved)."""
    text = CARVE.replace("static double **carve", "static double **unused") + KERNELS + r"""
static void carve_into(double **p, int n) {
    double *block = calloc((size_t)n * 40, sizeof *block);
    for (int i = 0; i < n; i++)
        p[i] = block + (size_t)i * 40;
}
int main(void) {
    double **x = malloc(4000 * sizeof *x), **y = malloc(4000 * sizeof *y);
    for (int i = 0; i < 4000; i++) y[i] = calloc(40, sizeof **y);
    double **t = x; x = y; y = t;
    carve_into(x, 4000);
    bump(y, 4000, 40);
    bump(x, 4000, 40);
    return 0;
}
"""
    loop = outer_loop(loops_of(tmp_path, text), "bump")
    assert loop.parallel and "autopar_indices_outside_rows_((const void *)(a)" in loop.pragma, loop.pragma


def test_check_accepts_the_rewrite_of_a_carved_table(tmp_path, capsys):
    """The rewrite's condition passes the table to autopar's own rows test, `(const void *)(a)`: check
    read that as a use that may share or change the rows, and called the rewrite's pragma unsafe."""
    import json

    from autopar.cli.main import main

    source = tmp_path / "carve.c"
    source.write_text(CARVE + KERNELS + "int main(int argc, char **argv) {\n    int n = 4000, w = 8 + argc;\n"
                      "    double **a = carve(n, w, 16);\n    bump(a, n, w);\n"
                      "    printf(\"%.6f\\n\", total(a, n, w));\n    (void)argv;\n    return 0;\n}\n")
    assert main(["rewrite", str(source), "-o", str(tmp_path / "par.c")]) == 0
    assert "autopar_indices_outside_rows_(" in (tmp_path / "par.c").read_text()
    capsys.readouterr()
    assert main(["check", str(tmp_path / "par.c"), "--format", "json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert [f["rule"] for f in report["findings"] if f["rule"] == "autopar/unsafe-omp-pragma"] == []
