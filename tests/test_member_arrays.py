"""Array members: a subscript of an array member indexes that array (no pointer is loaded on the way),
so `G.u[i][j]` and `p[i].x[d]` are indexed like arrays of their own, and different fields of one
struct never overlap (autopar.deps.aliasing._fields_apart). Pointer members, a union's members and
an anonymous member's fields keep the conservative answer."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from autopar.decision.pipeline import analyze_file
from autopar.frontend.translate import translate
from autopar.plans import reasons as R

_TYPES = """
typedef struct { double u[64][64]; double f[64][64]; int n; } grid_t;
struct particle { double x[4]; double v[4]; };
struct rows { double *row; double w[4]; };
union overlay { double a[8][4]; double b[32]; };
struct holder { union { double a[4]; double b[4]; }; double c; };
grid_t T;
union overlay U;
"""


def _extents(tmp_path, body: str) -> dict[str, object]:
    path = tmp_path / "t.c"
    path.write_text(_TYPES + body)
    tu = translate(str(path), [])
    assert not tu.has_errors, tu.diagnostics
    return {a.text: a.member_extents for loop in tu.loops for a in loop.accesses}


def test_the_extents_of_the_member_arrays_when_no_pointer_is_loaded(tmp_path):
    found = _extents(tmp_path, """
void f(struct particle *p, struct rows *r, struct holder *h, grid_t *g, int k) {
    for (int i = 0; i < 8; i++) {
        T.u[i][k] = g->f[i][k] + (double)g->n;
        p[i].x[k] = r[i].row[k] + r[i].w[k] + U.b[i] + U.a[i][k] + h[i].a[k] + h[i].c;
    }
}
""")
    assert found["T.u[i][k]"] == [64, 64] and found["g->f[i][k]"] == [64, 64] and found["g->n"] == []
    # (the root's subscripts are not the member's: `p[i]` selects the element)
    assert found["p[i].x[k]"] == [4] and found["r[i].w[k]"] == [4] and found["h[i].c"] == []
    # a pointer member's rows, a union's members, an anonymous union's members: none
    assert found["r[i].row[k]"] is None and found["U.b[i]"] is None and found["U.a[i][k]"] is None
    assert found["h[i].a[k]"] is None


def _loop(tmp_path, body: str, function: str):
    path = tmp_path / "t.c"
    path.write_text(_TYPES + body)
    return [l for l in analyze_file(str(path)).report.loops if l.function == function and l.depth == 0][-1]


def test_two_fields_of_a_typedef_struct_are_apart(tmp_path):
    loop = _loop(tmp_path, """
void smooth(int reps) {
    for (int i = 1; i < 63; i++)
        for (int j = 1; j < 63; j++)
            for (int r = 0; r < reps; r++)
                T.u[i][j] = T.f[i - 1][j] + T.f[i + 1][j] * T.u[i][j];
}
""", "smooth")
    assert loop.parallel and "(const char *)" not in loop.pragma, (loop.pragma, loop.reasons)  # no alias check


def test_a_member_subscript_the_bounds_do_not_keep_in_its_array_is_checked_at_run_time(tmp_path):
    # j < m may pass 64: T.u[i][j] would reach the next row (old C over-indexes a struct's arrays),
    # so the written member's rows are apart while m <= 64, tested before the loop (deps.member_bounds)
    loop = _loop(tmp_path, """
void smooth(int m) {
    for (int i = 1; i < 63; i++)
        for (int j = 1; j < m; j++)
            T.u[i][j] = T.f[i - 1][j] + T.f[i + 1][j];
}
""", "smooth")
    assert loop.parallel and loop.proof == "runtime-check", loop.reasons
    assert "((long long)m - 1LL < 64LL)" in loop.pragma, loop.pragma
    assert any("the subscripts of T.u stay inside its member array" in r for r in loop.reasons), loop.reasons


def test_a_member_read_past_its_rows_needs_no_test_of_its_own(tmp_path):
    # T.f is only read: its rows running into each other changes nothing; T.u is kept inside
    loop = _loop(tmp_path, """
void shift(int m) {
    for (int i = 0; i < 63; i++)
        for (int j = 0; j < 63; j++)
            T.u[i][j] = T.f[i][j + m] * 0.5;
}
""", "shift")
    assert loop.parallel, loop.reasons
    assert "< 64LL" not in loop.pragma, loop.pragma


def test_a_one_dimensional_member_past_a_symbolic_count_gets_a_runtime_check(tmp_path):
    # x[i] for i < n may reach y: one dim is an offset from x, and the check compares the ranges
    loop = _loop(tmp_path, """
struct pair { double x[1000]; double y[1000]; } P;
void copy(int n) {
    for (int i = 0; i < n; i++)
        P.x[i] = P.y[i] * 2.0;
}
""", "copy")
    assert loop.parallelizable and "(const char *)(P.x + n) <= (const char *)(P.y)" in (loop.pragma or ""), \
        (loop.pragma, loop.reasons)


def test_fields_reached_through_a_cast_keep_the_conservative_answer(tmp_path):
    # ((struct B *)p)->w is p->y: the fields of B are not A's
    text = """
struct A { double x[1000]; double y[1000]; };
struct B { double z[1000]; double w[1000]; };
struct C { double w[4]; };
void g(struct A *p) {
    for (int i = 0; i < 999; i++)
        p->y[i] = ((struct B *)p)->w[i + 1] * 0.5;
}
void h(struct particle *p, int n) {
    for (int i = 0; i < n; i++)
        for (int d = 0; d < 4; d++)
            ((struct C *)p + i)->w[d] = p[i].x[d] * 0.5;
}
"""
    assert not _loop(tmp_path, text, "g").parallelizable
    assert not _loop(tmp_path, text, "h").parallelizable


def test_a_flexible_array_member_is_not_apart_from_the_fields_before_it(tmp_path):
    # data[-1] is a: the pair is left to a runtime check, which fails there
    loop = _loop(tmp_path, """
struct S { int n; double a; double data[]; };
void f(struct S *s, int n) {
    for (int i = 0; i < n; i++)
        s->data[i - 1] = s->a * 0.5 + i;
}
""", "f")
    assert "(const char *)&s->a" in (loop.pragma or "") or not loop.parallelizable, loop.pragma


def test_a_subscript_that_leaves_its_row_wherever_the_loop_runs_keeps_it_serial(tmp_path):
    loop = _loop(tmp_path, """
void spill(void) {
    for (int i = 1; i < 64; i++)
        for (int j = 0; j < 64; j++)
            T.u[i][j] = T.u[i][j - 1] + 1.0;
}
""", "spill")
    assert not loop.parallelizable and R.LEAVES_ROW in loop.codes, loop.reasons


def test_an_element_of_another_particle_carries_the_loop(tmp_path):
    loop = _loop(tmp_path, """
void chain(struct particle *p, int n) {
    for (int i = 1; i < n; i++)
        for (int d = 0; d < 4; d++)
            p[i].x[d] = p[i - 1].x[d] + p[i].v[d];
}
""", "chain")
    assert not loop.parallelizable and R.CARRIED_FLOW in loop.codes, loop.reasons


def test_a_pointer_member_and_a_union_stay_conservative(tmp_path):
    rows = _loop(tmp_path, """
void rows(struct rows *r, int n) {
    for (int i = 0; i < n; i++)
        for (int d = 0; d < 4; d++)
            r[i].row[d] = r[i].w[d];
}
""", "rows")
    assert not rows.parallelizable and R.POINTER_LOADED in rows.codes, rows.reasons
    anonymous = _loop(tmp_path, """
void anonymous(struct holder *h, int n) {
    for (int i = 0; i < n - 1; i++)
        for (int d = 0; d < 4; d++)
            h[i].a[d] = h[i + 1].b[d] * 0.5;
}
""", "anonymous")
    assert not anonymous.parallelizable, anonymous.pragma


def test_a_row_of_a_struct_array_left_wherever_the_loop_runs_keeps_it_serial(tmp_path):
    # g[j][i + 1] at i = 7 is g[j + 1][0]: the root's rows are checked as for any array
    loop = _loop(tmp_path, """
struct particle g[16][8];
void spill(void) {
    for (int j = 0; j < 15; j++)
        for (int i = 0; i < 8; i++)
            for (int d = 0; d < 4; d++)
                g[j][i].x[d] = g[j][i + 1].x[d] + 1.0;
}
""", "spill")
    assert not loop.parallelizable and R.LEAVES_ROW in loop.codes, loop.reasons


def test_elements_past_a_symbolic_count_do_not_reach_another_field(tmp_path):
    # i < n may pass the root array's end, which leaves the object, not the element: x and v of one
    # element stay apart while d stays in [0, 4)
    loop = _loop(tmp_path, """
struct particle parts[1000];
void push(int n) {
    for (int i = 0; i < n; i++)
        for (int d = 0; d < 4; d++)
            parts[i].x[d] += parts[i].v[d];
}
""", "push")
    assert loop.parallelizable and "(const char *)" not in (loop.pragma or ""), (loop.pragma, loop.reasons)


def test_a_class_and_its_base_hold_member_arrays_too(tmp_path):
    text = """
class Base { protected: double u[300][300]; };
class Grid : public Base {
    double f[300][300];
    union { double a[300][300]; double b[300][300]; };
public:
    void step() {
        for (int i = 1; i < 299; i++)
            for (int j = 1; j < 299; j++)
                u[i][j] = 0.25 * (f[i - 1][j] + f[i + 1][j]) + u[i][j - 1];
    }
    void shared() {
        for (int i = 0; i < 299; i++)
            for (int j = 0; j < 300; j++)
                a[i][j] = b[i + 1][j] * 0.5;
    }
};
"""
    path = tmp_path / "grid.cpp"
    path.write_text(text)
    loops = {(l.function, l.depth): l for l in analyze_file(str(path)).report.loops}
    assert loops[("Grid::step", 0)].parallel, loops[("Grid::step", 0)].reasons
    assert not loops[("Grid::shared", 0)].parallelizable  # (the union's arrays are one memory)


OVER_INDEXED = r"""
#include <stdio.h>
struct grid { double u[64][64]; double f[64][64]; int n; };
static struct grid G;
static void sweep(int m) {
    for (int i = 0; i < 63; i++)
        for (int j = 0; j < m; j++)
            G.u[i][j] = G.u[i][j] * 0.5 + G.f[i][1] + (double)i;
}
int main(int argc, char **argv) {
    int m = 60 + 10 * (argc > 0);  /* 70: each row runs 6 elements into the next */
    (void)argv;
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++)
            G.f[i][j] = (double)((i * 3 + j) % 7);
    for (int r = 0; r < 40; r++)
        sweep(m);
    double s = 0.0;
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++)
            s += G.u[i][j] * (double)(j % 5 + 1);
    printf("%.6f\n", s);
    return 0;
}
"""


NEXT_ELEMENT = r"""
#include <stdio.h>
struct P { double x[4]; double sum; };
static struct P pp[20001];
static void sums(int n, int k) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int d = 0; d < k; d++)
            s += pp[i].x[d];
        pp[i].sum = s;
    }
}
int main(int argc, char **argv) {
    int k = 8 + 2 * (argc > 0);  /* 10: x[4..9] are pp[i].sum and pp[i + 1]'s, written by others */
    (void)argv;
    for (int i = 0; i < 20001; i++)
        for (int d = 0; d < 4; d++)
            pp[i].x[d] = (double)((i + d) % 5);
    sums(20000, k);
    double s = 0.0;
    for (int i = 0; i < 20001; i++)
        s += pp[i].sum * (double)(i % 3 + 1);
    printf("%.6f\n", s);
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("clang") is None, reason="TSan builds use clang")
@pytest.mark.parametrize("program,test", [(OVER_INDEXED, "((long long)m - 1LL < 64LL)"),
                                          (NEXT_ELEMENT, "((long long)k - 1LL < 4LL)")])
def test_rows_run_into_each_other_take_the_serial_path_under_tsan(tmp_path, program, test):
    """Old C over-indexing a member's rows (written), or reading past a member into the next
    element's fields: the test sends the loop to its serial copy, and the output is the serial
    program's; without the test, TSan reports the race (the test can tell)."""
    source = tmp_path / "o.c"
    source.write_text(program)
    subprocess.run([sys.executable, "-m", "autopar.cli", "rewrite", str(source), "-o", str(tmp_path / "o_par.c")],
                   check=True, capture_output=True)
    text = (tmp_path / "o_par.c").read_text()
    assert test in text, text
    # the team-start gate and work threshold forced open: the member test alone decides
    text = re.sub(r"autopar_team_pays_\(\(double\)", "1 || autopar_team_pays_((double)", text)
    text = re.sub(r"\(\(double\)\(\w+\)( \* (\(\w+\)|\d+))* > \d+\)", "(1)", text)
    forced = text.replace(test, "(1)")
    env = {**os.environ, "OMP_NUM_THREADS": "4", "TSAN_OPTIONS": "ignore_noninstrumented_modules=1"}
    outputs = {}
    for name, version in (("checked", text), ("forced", forced)):
        (tmp_path / f"{name}.c").write_text(version)
        subprocess.run(["clang", "-g", "-O1", "-fsanitize=thread", "-fopenmp", "-w", "-o", str(tmp_path / name),
                        str(tmp_path / f"{name}.c")], check=True)
        outputs[name] = subprocess.run([str(tmp_path / name)], capture_output=True, text=True, env=env)
    subprocess.run(["gcc", "-O1", "-w", "-o", str(tmp_path / "serial"), str(source)], check=True)
    serial = subprocess.run([str(tmp_path / "serial")], capture_output=True, text=True, check=True).stdout
    assert "data race" not in outputs["checked"].stderr and outputs["checked"].stdout == serial, \
        outputs["checked"].stderr[-2000:]
    assert "data race" in outputs["forced"].stderr


def test_two_pointers_declared_by_one_macro_are_two_variables(tmp_path):
    # a and b share a place (one macro expansion): a[i].x and b[i - 1].v are not fields of one struct
    loop = _loop(tmp_path, """
#define TWO(T, a, b) T *a, T *b
void chain(TWO(struct particle, a, b), int n, int k) {
    for (int i = 1; i < n; i++)
        for (int d = 0; d < k; d++)
            a[i].x[d] = b[i - 1].v[d] + 1.0;
}
""", "chain")
    assert not loop.parallelizable, loop.pragma


def test_a_static_data_member_is_no_field_of_each_element(tmp_path):
    # p[i].total and p[i].acc[d] are one object for every i (C++): not modelled, the loops stay serial
    path = tmp_path / "t.cpp"
    path.write_text("""
struct P { static double total; static double acc[4]; double v[4]; };
double P::total;
double P::acc[4];
void add(P *p, int n) {
    for (int i = 0; i < n; i++)
        p[i].total += p[i].v[0];
}
void gather(P *p, int n) {
    for (int i = 0; i < n; i++)
        for (int d = 0; d < 4; d++)
            p[i].acc[d] += p[i].v[d];
}
""")
    loops = [l for l in analyze_file(str(path)).report.loops if l.depth == 0]
    assert loops and not any(l.parallelizable for l in loops), [(l.function, l.pragma) for l in loops]
    assert all(any("accesses memory the analysis cannot name" in r for r in l.reasons) for l in loops)
