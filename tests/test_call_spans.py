"""Calls whose callee's own loop bounds give the range they touch (`scale_row(A[i], n, s)` writes
A[i][0..n-1]): the summary's spans (bounds over the callee's int parameters), the one access over
that range at the call, and the verdicts it gives. The catalogue's depth_call_spans.c runs such
loops; these are the finer points."""

from __future__ import annotations

import pytest

from autopar.plans import reasons as R
from autopar.frontend.translate import translate

SUMMARIES = r"""
static void upto(double *p, int n) { for (int j = 1; j <= n; j++) p[j - 1] = j; }
static void shifted(double *p, int lo, int n) { for (int j = lo; j < n + 2; j++) p[j] = 0; }
static void two(double *p, int lo, int n) { for (int j = lo; j < n + lo; j++) p[j] = 0; }
static void doubled(double *p, int n) { for (int j = 0; j < n; j++) p[2 * j + 1] = 1; }
static void reversed(double *p, const double *q, int n) { for (int j = 0; j < n; j++) p[n - 1 - j] = q[j]; }
static void squared(double *p, int n) { for (int j = 0; j < n; j++) p[j * n] = 0; }
static void assigned(double *p, int n) { for (int j = 0; j < n; j++) p[j] = 0; n = 1; }
static void lent(double *p, int n) { int *q = &n; for (int j = 0; j < n; j++) p[j] = *q; }
static void unsigned_n(double *p, unsigned n) { for (unsigned j = 0; j < n; j++) p[j] = 0; }
static void big(double *p) { for (int j = 0; j < 100; j++) p[j] = 0; }
static void guarded(double *p, int n) { for (int j = 0; j < n; j++) if (j % 2) p[j] = 0; }
void use(double *p, const double *q, int n) {
    for (int i = 0; i < 2; i++) {  /* (summaries are made for the functions loops call) */
        upto(p, n); shifted(p, i, n); two(p, i, n); doubled(p, n); reversed(p, q, n); squared(p, n); assigned(p, n);
        lent(p, n); unsigned_n(p, n); big(p); guarded(p, n);
    }
}
"""


@pytest.fixture(scope="module")
def functions(tmp_path_factory):
    path = tmp_path_factory.mktemp("spans") / "summaries.c"
    path.write_text(SUMMARIES)
    tu = translate(str(path), [])
    assert not tu.has_errors, tu.diagnostics
    return tu.functions


def test_bounds_name_the_parameters_the_callee_keeps(functions):
    # [d, k1, c1, ...]: d + (argument k1) * c1 + ...
    assert functions["upto"].write_spans == {0: [[[[0], [-1, 1, 1]]]]}
    assert functions["shifted"].write_spans == {0: [[[[0, 1, 1], [1, 2, 1]]]]}
    assert functions["two"].write_spans == {0: [[[[0, 1, 1], [-1, 1, 1, 2, 1]]]]}  # lo..n + lo - 1
    assert functions["doubled"].write_spans == {0: [[[[1], [-1, 1, 2]]]]}
    assert functions["reversed"].write_spans == {0: [[[[0], [-1, 2, 1]]]]}
    assert functions["reversed"].read_spans == {1: [[[[0], [-1, 2, 1]]]]}


def test_whole_writes_need_each_element_stored_on_every_call(functions):
    assert functions["upto"].whole_writes == [0] and functions["shifted"].whole_writes == [0]
    # p[2 * j + 1] stores every other element of its box [1, 2n - 1]: not the box whole
    assert functions["doubled"].whole_writes == []
    assert functions["guarded"].whole_writes == [] and functions["reversed"].whole_writes == []


def test_a_large_constant_box_is_a_span_not_a_list(functions):
    assert functions["big"].write_regions == {} and functions["big"].write_spans == {0: [[[[0], [99]]]]}


@pytest.mark.parametrize("name", ["squared", "assigned", "lent", "unsigned_n"])
def test_no_span_where_the_range_is_not_known(functions, name):
    # p[j * n] is not linear; n assigned or lent may change; j < n compared as unsigned may wrap
    assert functions[name].write_spans == {} and functions[name].write_regions == {}


CALLS = r"""
#define N 64
static double A[N][N], flat[N * N + N];
static void fill(double *p, int n) { for (int j = 0; j < n; j++) p[j] = j; }
static void odd(double *p, int n) { for (int j = 0; j < n; j++) p[2 * j + 1] = j; }
void rows(int m, int n) { for (int i = 0; i < m; i++) fill(A[i], n); }
void windows(int m, int w) { for (int i = 0; i < m; i++) fill(flat + i * w, w); }
void too_long(int m, int w) { for (int i = 0; i < m; i++) fill(flat + i * w, w + 1); }
void interleaved(int m) { for (int i = 0; i < m; i++) odd(flat + 2 * i * 8, 8); }
void shifted_rows(int m, int n) { for (int i = 0; i < m; i++) fill(&A[i][1], n); }
void shared_cell(int m, int n) { for (int i = 0; i < m; i++) fill(&A[0][i], n); }
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from autopar.decision.pipeline import analyze_file

    path = tmp_path_factory.mktemp("spans") / "calls.c"
    path.write_text(CALLS)
    return {l.function: l for l in analyze_file(str(path)).report.loops if l.function not in ("fill", "odd")}


@pytest.mark.parametrize("function", ["rows", "windows", "interleaved", "shifted_rows"])
def test_apart_ranges_run_in_parallel(report, function):
    assert report[function].parallelizable, report[function].reasons


def test_overlapping_ranges_stay_serial(report):
    assert not report["too_long"].parallelizable and R.DELINEARISE in report["too_long"].codes
    # fill(&A[0][i], n) writes A[0][i..i+n-1]: the next iteration's range overlaps
    assert not report["shared_cell"].parallelizable and report["shared_cell"].codes[0] == R.CARRIED_OUTPUT


def test_the_work_threshold_counts_the_range(report):
    assert "(double)(m) * (n)" in report["rows"].pragma


def test_a_host_team_does_not_launch_kernels(tmp_path, monkeypatch):
    """With --target gpu the callee's loop is offloaded; the caller's loop, legal on the host, stays
    serial rather than launch that kernel from every thread of its team."""
    from autopar.decision.pipeline import analyze_file

    monkeypatch.setenv("AUTOPAR_TARGET", "gpu")
    path = tmp_path / "kernels.c"
    path.write_text("#define N 512\nstatic double A[N][N];\n"
                    "static void fill(double *p, int n) { for (int j = 0; j < n; j++) p[j] = j * 0.5; }\n"
                    "void rows(int m) { for (int i = 0; i < m; i++) fill(A[i], N); }\n")
    loops = {l.function: l for l in analyze_file(str(path)).report.loops}
    assert loops["fill"].pragma and "target" in loops["fill"].pragma
    assert not loops["rows"].parallel and R.KERNELS_FROM_TEAM in loops["rows"].codes
    monkeypatch.setenv("AUTOPAR_TARGET", "cpu")
    loops = {l.function: l for l in analyze_file(str(path)).report.loops}
    assert loops["rows"].parallel


# found by review: each was a wrong answer (or a crash) of the first version of spans, or older
REVIEWED = {
    # a loop the store's subscripts do not follow may run zero times: the box is then not written
    "zero_trip.c": ("static void put(double *p, int reps, double v) { for (int r = 0; r < reps; r++) p[0] = v + r; }\n"
                    "void run(int batches, int reps, double *out) {\n  double t[1] = {7.0};\n"
                    "  for (int k = 0; k < batches; k++) { put(t, reps, (double)k); out[k] = t[0] * 2.0; }\n}\n", "run"),
    # the bound changed through a reference (C++) or an asm output: its range is not the parameter's
    "bound_ref.cpp": ("static void fill(double *p, int n) { int &rn = n; rn = rn + 4; for (int j = 0; j < n; j++) p[j] = j; }\n"
                      "void run(double *a, int m, int n) { for (int i = 0; i < m; i++) fill(a + (long)i * n, n); }\n", "run"),
    "bound_asm.c": ("static void fill(double *p, int n) { __asm__ volatile(\"addl $4, %0\" : \"+r\"(n));\n"
                    "  for (int j = 0; j < n; j++) p[j] = j; }\n"
                    "void run(double *a, int m, int n) { for (int i = 0; i < m; i++) fill(a + (long)i * n, n); }\n", "run"),
    # older: a function template's body is not seen; nor a write through a reference to an element
    "template.cpp": ("template <int S> static void fill(double *p, int n) { for (int j = 0; j < n; j++) p[j * S] = j; }\n"
                     "void run(double *a, int m, int n) { for (int i = 0; i < m; i++) fill<2>(a + (long)i * n, n); }\n", "run"),
    # older: a member operator's object is libclang's first argument (the callee's dst was taken for A[i])
    "operator_call.cpp": ("static double A[300][300], T[300], out[300];\n"
                          "struct Op { void operator()(const double *h, double *dst, int pad, int n) const {\n"
                          "  for (int j = 0; j < n; j++) dst[j] = pad * 0.5 + j; } };\n"
                          "void run(int m, int n) { Op op; for (int i = 0; i < m; i++) { op(A[i], T, i, n); "
                          "out[i] = T[0] + T[n - 1]; } }\n", "run"),
    # older: two calls of one macro expansion share a place; the modelled argument of one is not the other's
    "macro_calls.c": ("static double A[300][300], T[400], out[300];\n"
                      "static void fill(double *v, int n) { for (int j = 0; j < n; j++) v[j] = j; }\n"
                      "static void clobber(double *v, int n) { for (int j = 0; j < n; j++) v[j * j] = j; }\n"
                      "#define STEP(i) do { fill(A[i], 300); clobber(T, 20); } while (0)\n"
                      "void run(int m) { for (int i = 0; i < m; i++) { STEP(i); out[i] = T[4]; } }\n", "run"),
    # older: what a `continue` may skip is not written on every iteration (lastprivate(t) copied garbage)
    "continue_fill.c": ("static int flag[4000]; static double out[4000];\n"
                        "double run(int m) {\n  double t[40];\n  for (int j = 0; j < 40; j++) t[j] = -1;\n"
                        "  for (int i = 0; i < m; i++) {\n    if (flag[i]) continue;\n"
                        "    for (int j = 0; j < 40; j++) t[j] = i + j;\n    out[i] = t[0] + t[39];\n  }\n"
                        "  return t[5];\n}\n", "run"),
    "element_ref.cpp": ("static void inc(double *p) { for (int j = 0; j < 8; j++) { double &e = p[j + 1]; e = p[j] + 1; } }\n"
                        "void run(double *a, int m) { for (int i = 0; i < m; i++) inc(a + (long)i * 8); }\n", "run"),
}


@pytest.mark.parametrize("name", sorted(REVIEWED))
def test_what_the_review_found_stays_serial(tmp_path, name):
    from autopar.decision.pipeline import analyze_file

    text, function = REVIEWED[name]
    path = tmp_path / name
    path.write_text(text)
    loop = [l for l in analyze_file(str(path)).report.loops if l.function == function and l.depth == 0][-1]
    assert not loop.parallelizable, loop.reasons


def test_a_range_of_a_product_of_known_values(tmp_path):
    # fill(B[i], n * m) with run(100, 8) the only call: the work of `m*n` from both values (a KeyError once)
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "product.c"
    path.write_text("static double B[100][800];\n"
                    "static void fill(double *p, int n) { for (int j = 0; j < n; j++) p[j] = j; }\n"
                    "static void run(int m, int n) { for (int i = 0; i < m; i++) fill(B[i], n * m); }\n"
                    "int main(void) { run(100, 8); return 0; }\n")
    (loop,) = [l for l in analyze_file(str(path)).report.loops if l.function == "run"]
    assert loop.parallelizable and R.ANALYSIS_FAILED not in loop.codes, loop.reasons


def test_a_vla_row_of_an_expression_is_left_by_a_longer_range(tmp_path):
    # double A[m][n + 1]: A[i][0..n + 2] leaves its row wherever the loop runs (older: only `n` or a
    # literal extent was checked)
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "vla.c"
    path.write_text("static void scale(double *row, int n) { for (int j = 0; j < n; j++) row[j] *= 2; }\n"
                    "void f(int m, int n) {\n  double A[m][n + 1];\n"
                    "  for (int i = 0; i < m; i++) for (int j = 0; j < n + 1; j++) A[i][j] = i + j;\n"
                    "  for (int i = 0; i < m - 1; i++) scale(A[i], n + 3);\n}\n")
    loops = [l for l in analyze_file(str(path)).report.loops if l.function == "f" and l.depth == 0]
    assert loops[0].parallelizable and not loops[1].parallelizable and R.LEAVES_ROW in loops[1].codes


def test_a_vla_extent_with_a_suffixed_literal_is_not_read_as_isl(tmp_path):
    # `double a[][n + 1L]`: isl reads no `1L`; the row test leaves such an extent alone (it failed the analysis)
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "suffix.c"
    path.write_text("void k1(int m, int n, double a[][n + 1L]) {\n"
                    "  for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) a[i][j + 1] = a[i][j] * 0.5;\n}\n")
    loop = next(l for l in analyze_file(str(path)).report.loops if l.depth == 0)
    assert loop.parallelizable and R.ANALYSIS_FAILED not in loop.codes, loop.reasons
