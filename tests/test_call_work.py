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
