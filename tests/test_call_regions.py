"""Calls to same-file functions that write through their pointer arguments: the callee's summary
has the boxes it reads and writes per parameter, and the call becomes accesses of those elements."""

from __future__ import annotations

import pytest

from autopar.plans import reasons as R
from autopar.frontend.translate import translate

SOURCE = r"""
void matvec_sub(double ablock[5][5], double avec[5], double bvec[5]) {
  for (int i = 0; i < 5; i++)
    bvec[i] = bvec[i] - ablock[i][0] * avec[0] - ablock[i][4] * avec[4];
}
void scale3(double *p, double s) { p[0] *= s; p[1] *= s; p[2] = s; }
void by_n(double *p, int n) { for (int i = 0; i < n; i++) p[i] = 0; }
double *saved;
void keeps(double *p) { saved = p; p[0] = 1; }
void moves(double *p) { p++; p[0] = 1; }
void f(double lhs[8][8][5][5], double rhs[8][8][5], double *v) {
  for (int i = 0; i < 8; i++) matvec_sub(lhs[i][0], rhs[i][1], rhs[i][1]);
  for (int i = 0; i < 8; i++) scale3(v + 3 * i, 2.0);
  for (int i = 0; i < 8; i++) by_n(v + i, 4);
}
"""


@pytest.fixture(scope="module")
def tu(tmp_path_factory):
    path = tmp_path_factory.mktemp("calls") / "calls.c"
    path.write_text(SOURCE)
    out = translate(str(path), [])
    assert not out.has_errors, out.diagnostics
    return out


def test_summaries_have_constant_boxes(tu):
    mv = tu.functions["matvec_sub"]
    assert mv.write_regions == {2: [[[0, 4]]]}
    assert mv.read_regions[1] == [[[0, 0]], [[4, 4]]] and [[0, 4], [4, 4]] in mv.read_regions[0]
    s3 = tu.functions["scale3"]
    assert s3.write_regions == {0: [[[0, 0]], [[1, 1]], [[2, 2]]]}
    assert s3.read_regions == {0: [[[0, 0]], [[1, 1]]]}  # p[2] = s is written only


def test_whole_writes_are_stores_of_every_element_on_every_call(tu):
    assert tu.functions["matvec_sub"].whole_writes == [2]  # bvec[i] = ... for i in 0..4
    assert tu.functions["scale3"].whole_writes == []  # p[0] *= s: only plain stores count


WHOLE = r"""
int flag;
static void fill(double v[5], double x) { int m; for (m = 0; m < 5; m++) v[m] = x * m; }
static void fill_if(double v[5], double x) { int m; for (m = 0; m < 5; m++) if (x > 3) v[m] = x; }
static void fill_early(double v[5], double x) { int m; if (x < 0) return; for (m = 0; m < 5; m++) v[m] = x; }
static void fill_even(double v[10], double x) { int m; for (m = 0; m < 5; m++) v[2 * m] = x; }
static void fill_two(double v[2][3], double x) { int a, b; for (a = 0; a < 2; a++) for (b = 0; b < 3; b++) v[a][b] = x; }
static void fill_reused(double v[4], double x) { int m; for (m = 0; m < 2; m++) v[m] = x; for (m = 2; m < 4; m++) v[m] = -x; }
static void fill_after(double v[3], double x) { int m; for (m = 0; m < 3; m++) v[m] = x; v[m - 1] = 0; }
void use(double *t, double x) {
  for (int i = 0; i < 2; i++) {
    fill(t, x); fill_if(t, x); fill_early(t, x); fill_even(t, x); fill_two((double (*)[3])t, x);
    fill_reused(t, x); fill_after(t, x);
  }
}
"""


def test_old_c_loops_give_boxes_and_whole_writes_only_where_every_element_is_stored(tmp_path):
    """`int m; for (m = 0; m < 5; m++)` (a counter declared before, reused by several loops) ranges as
    `for (int m = ...)` does; a store under a condition, after a possible return, or to every other
    element is no whole write; a use of the counter after its loop has no range."""
    path = tmp_path / "whole.c"
    path.write_text(WHOLE)
    functions = translate(str(path), []).functions
    assert functions["fill"].write_regions == {0: [[[0, 4]]]} and functions["fill"].whole_writes == [0]
    assert functions["fill_if"].write_regions == {0: [[[0, 4]]]} and functions["fill_if"].whole_writes == []
    assert functions["fill_early"].whole_writes == []
    assert functions["fill_even"].write_regions == {0: [[[0, 8]]]} and functions["fill_even"].whole_writes == []
    assert functions["fill_two"].whole_writes == [0]
    assert functions["fill_reused"].write_regions == {0: [[[0, 1]], [[2, 3]]]}
    assert functions["fill_reused"].whole_writes == [0]
    assert functions["fill_after"].write_regions == {}  # v[m - 1] after the loop: m has no range there


CONVERTED = r"""
static void cast_bool(double a[5], int i) { int m; for (m = 0; m < 5; m++) a[(_Bool)m] = m + i; }
static void unsigned_cmp(double a[5], int i) { int m; for (m = -1; m < 4u; m++) a[m + 1] = m + i; }
static void reuse(double a[3], int i) {
  int m; double t = 0.0;
  for (m = 0; m < 3; m++) { for (m = 0; m < 2; m++) t = t + i; a[m] = t; }
}
static double reuse_read(const double *p) {
  int m; double x = 0.0;
  for (m = 0; m < 1; m++) { for (m = 0; m < 3; m++) x = x + 1.0; x = x + p[m]; }
  return x;
}
static double cast_read(const double *p) { double x = 0.0; for (int m = 0; m < 1; m++) x = x + p[(unsigned char)(m + 259)]; return x; }
static void widened(double a[5], int i) { int m; for (m = 0; m < 5; m++) a[(long)m] = i; }
void use(double *t, int i) {
  for (int k = 0; k < 2; k++) {
    cast_bool(t, i); unsigned_cmp(t, i); reuse(t, i); t[5] = reuse_read(t) + cast_read(t); widened(t, i);
  }
}
"""


def test_a_counter_a_conversion_may_change_or_an_inner_loop_reuses_gives_no_box(tmp_path):
    """Each gave a box (and the first three a whole write) that was not what the callee touches, and
    a loop calling it was parallelized with a wrong result: `a[(_Bool)m]` writes a[0..1];
    `m < 4u` compares m as unsigned (-1 is the largest value: no iteration); an inner loop over m
    leaves m at 2 for `a[m]` (and at 3 for `p[m]`); `(unsigned char)(m + 259)` reads p[3]. A
    conversion that keeps every value (`(long)m`) still gives its box."""
    path = tmp_path / "converted.c"
    path.write_text(CONVERTED)
    functions = translate(str(path), []).functions
    for name in ("cast_bool", "unsigned_cmp", "reuse"):
        assert functions[name].write_regions == {} and functions[name].whole_writes == [], name
    for name in ("reuse_read", "cast_read"):
        assert functions[name].read_regions == {}, name
    assert functions["widened"].write_regions == {0: [[[0, 4]]]} and functions["widened"].whole_writes == [0]


def test_a_box_sized_by_a_parameter_is_a_span(tu):
    # by_n writes p[0..n-1]: a bound that names its parameter n (index 1) is not listed but spanned
    assert tu.functions["by_n"].write_regions == {}
    assert tu.functions["by_n"].write_spans == {0: [[[[0], [-1, 1, 1]]]]}
    assert tu.functions["by_n"].whole_writes == [0]


def test_the_call_becomes_accesses_of_the_caller(tu):
    loops = [l for l in tu.loops if l.function == "f"]
    loop = loops[0]
    writes = [a for a in loop.accesses if a.is_write]
    # matvec_sub stores each bvec[i] of its box on every call: its writes are not conditional, its reads are
    assert len(writes) == 5 and all(a.base.name == "rhs" and not a.conditional for a in writes)
    assert all(a.conditional for a in loop.accesses if not a.is_write)
    assert [[(s.affine.coefficients, s.affine.constant) for s in a.subscripts] for a in writes][2] == \
        [({"i": 1}, 0), ({}, 1), ({}, 2)]
    assert loop.calls[0].modelled_arguments == [0, 1, 2]
    scaled = [a for a in loops[1].accesses if a.is_write]
    assert [(a.subscripts[0].affine.coefficients, a.subscripts[0].affine.constant) for a in scaled] == \
        [({"i": 3}, 0), ({"i": 3}, 1), ({"i": 3}, 2)]
    # by_n(v + i, 4): one write over v[i + 0..3], a span from 0 to 3
    assert loops[2].calls[0].modelled_arguments == [0]
    (spanned,) = [a for a in loops[2].accesses if a.is_write]
    (span,) = spanned.spans
    assert (span.lower.constant, span.upper.constant, span.upper.coefficients) == (0, 3, {})
    assert spanned.subscripts[0].affine.coefficients == {"i": 1, span.name: 1}
    assert spanned.text == "(v + i)[0..3] in by_n()" and not spanned.conditional


def test_verdicts(tmp_path):
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "calls.c"
    path.write_text(SOURCE)
    report = analyze_file(str(path)).report
    loops = {l.line: l for l in report.loops}
    assert loops[12].parallelizable and loops[13].parallelizable
    # by_n(v + i, 4) writes v[i..i+3]: windows that overlap the next iterations'
    assert not loops[14].parallelizable and loops[14].codes == [R.CARRIED_OUTPUT]


def test_keeps_and_moves_have_no_region(tmp_path):
    path = tmp_path / "escape.c"
    path.write_text(SOURCE.replace("  for (int i = 0; i < 8; i++) by_n(v + i, 4);",
                                   "  for (int i = 0; i < 8; i++) { keeps(v + 8 * i); moves(v + 8 * i); }"))
    tu = translate(str(path), [])
    assert tu.functions["keeps"].write_regions == {} and tu.functions["moves"].write_regions == {}


def test_a_pointer_cast_at_the_call_leaves_the_region_unmodelled(tmp_path):
    """`set1((unsigned char *)&t[2 * i])` with `p[4] = 9` in set1 writes a byte of t[2i + 1], not the
    element t[2i + 4]: the callee counts bytes, the caller's chain elements (found by review: the loop
    was parallelized, and raced with the read of t[2i + 3])."""
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "bytes.c"
    path.write_text("unsigned t[4008], out[2000];\nstatic void set1(unsigned char *p) { p[4] = 9; }\n"
                    "void f(void) {\n  for (int i = 0; i < 2000; i++) {\n    out[i] = t[2 * i + 3];\n"
                    "    set1((unsigned char *)&t[2 * i]);\n  }\n}\n")
    loop = next(l for l in analyze_file(str(path)).report.loops if l.function == "f")
    assert not loop.parallelizable and R.CALL_WRITES_ARGUMENT in loop.codes, loop.reasons
