"""The cost of a call (autopar.plans.candidates.call_work): a function of this file costs its loops'
work, as text in the caller's names where the count holds still in the region; a math function
costs what it was measured to."""

from __future__ import annotations

import re

import pytest

from autopar.decision.pipeline import analyze_file
from autopar.plans.candidates.call_work import CALL_UNITS, library_units

SOURCE = """#include <math.h>
double A[512][512], r[512], x[512], y[512];
static void row(double *out, int i, int n) {
    double s = 0;
    for (int j = 0; j < n; j++)
        s += A[i][j] * A[i][j];
    out[i] = s;
}
static void band(double *out, int i, int lo, int hi) {
    double s = 0;
    for (int j = lo; j < hi; j++)
        s += A[i][j];
    out[i] = s;
}
static double f(double v) { return exp(v) * sin(v) + log(1.0 + v * v); }
static double g(double v) { return v * 2.0 + 1.0; }
void rows(int m, int n) { for (int i = 0; i < m; i++) row(r, i, n); }
void bands(int m, int n) { for (int i = 0; i < m; i++) band(r, i, 1, n - 1); }
void triangle(int m) { for (int i = 0; i < m; i++) row(r, i, i); }
void with_math(int n) { for (int i = 0; i < n; i++) y[i] = f(x[i]); }
void plain(int n) { for (int i = 0; i < n; i++) y[i] = g(x[i]); }
"""


@pytest.fixture(scope="module")
def pragmas(tmp_path_factory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("calls") / "calls.c"
    path.write_text(SOURCE)
    loops = analyze_file(str(path)).report.loops
    return {loop.function: loop.pragma or "" for loop in loops if loop.depth == 0}


def test_a_callee_loop_counts_as_its_trip_count_in_the_callers_names(pragmas):
    # each call runs n iterations: the threshold tests the product, not m alone
    assert "(double)(m) * (n) >" in pragmas["rows"]
    assert "(double)(m) * (n - 2) >" in pragmas["bands"]  # `hi - lo` at `1, n - 1`
    # the count moves with the loop's own variable: no text of it, the estimate instead
    assert not re.search(r"\(i\)|\* \(i", pragmas["triangle"])


def test_math_calls_lower_the_threshold(pragmas):
    def threshold(pragma: str) -> int:
        return int(re.search(r"n > (\d+)", pragma).group(1))
    # exp, sin and log cost tens of units each: the region pays from far fewer iterations
    assert threshold(pragmas["with_math"]) * 10 < threshold(pragmas["plain"])


def test_library_units():
    assert library_units("exp") > 10 * CALL_UNITS
    assert library_units("expf") == library_units("exp") / 2
    assert library_units("std::sin") == library_units("sin") == library_units("__builtin_sin")
    assert library_units("memcpy") == CALL_UNITS


NEAR_MISSES = """double A[512][512], r[512];
static void row(double *out, int i, int n) {
    double s = 0;
    for (int j = 0; j < n; j++)
        s += A[i][j];
    out[i] = s;
}
static void shrunk(double *out, int i, int n) {
    n = n / 64;  /* the parameter changes before the loop */
    double s = 0;
    for (int j = 0; j < n; j++)
        s += A[i][j];
    out[i] = s;
}
static void shadowed(double *out, const int *len, int i, int n) {
    if (n > 0) {
        int n = len[i];  /* another n */
        double s = 0;
        for (int j = 0; j < n; j++)
            s += A[i][j];
        out[i] = s;
    }
}
static double ma(int k, int n);
static double mb(int k, int n) { double s = 0; for (int j = 0; j < n; j++) s += ma(k, n - 1); return s; }
static double ma(int k, int n) { double s = A[k][0]; for (int j = 0; j < n; j++) s += mb(k, n - 1); return s; }
#define WIDTH (n - i)
void deref(int m, const int *p) { for (int i = 0; i < m; i++) row(r, i, *p); }
void macro(int m, int n) { for (int i = 0; i < m; i++) row(r, i, WIDTH); }
void enumerated(int m) { for (int i = 0; i < m; i++) { enum { K = 300 }; row(r, i, K); } }
void modified(int m, int n) { for (int i = 0; i < m; i++) shrunk(r, i, n); }
void shadow(int m, int n, const int *len) { for (int i = 0; i < m; i++) shadowed(r, len, i, n); }
void recursive(int m) { for (int i = 0; i < m; i++) r[i] = ma(i, 2); }
"""


def test_no_threshold_text_from_what_the_caller_cannot_test(tmp_path):
    """Arguments that dereference, name a macro or an enumerator, and callee bounds on a parameter the
    callee assigns or shadows, give no text: a guess instead, and a short one (DATA_TRIP), so small
    runs stay serial. Recursion is followed once."""
    path = tmp_path / "misses.c"
    path.write_text(NEAR_MISSES)
    pragmas = {l.function: l.pragma or "" for l in analyze_file(str(path)).report.loops if l.depth == 0}
    for function in ("deref", "macro", "enumerated", "modified", "shadow", "recursive"):
        threshold = re.search(r"\(m > (\d+)\)", pragmas[function])  # the count of the loop alone
        assert threshold, (function, pragmas[function])
        assert int(threshold.group(1)) >= 40, (function, pragmas[function])  # (a 2,000-trip guess gave m > 7)
