"""Scalars live after a loop that only a loop directly inside assigns: lastprivate on the outer loop
only when every one of its iterations provably assigns them and it runs at least once."""

from __future__ import annotations

from autopar.plans import reasons as R
from autopar.decision.pipeline import analyze_file

SOURCE = r"""
double a[64][64], b[64][64];
int iv_const(int m) { int j = 0; for (int i = 0; i < 64; i++) for (j = 0; j < m; j++) b[i][j] = a[i][j]; return j; }
int iv_symbolic(int n) { int j = 0; for (int i = 0; i < n; i++) for (j = 0; j < 64; j++) b[i][j] = a[i][j]; return j; }
double w_const(void) { double t = 0; for (int i = 0; i < 64; i++) for (int j = 0; j < 8; j++) { t = a[i][j]; b[i][j] = t; } return t; }
double w_maybe(int m) { double t = 0; for (int i = 0; i < 64; i++) for (int j = 0; j < m; j++) { t = a[i][j]; b[i][j] = t; } return t; }
double w_varies(int m) { double t = 0; for (int i = 0; i < 64; i++) for (int j = 0; j < i; j++) { t = a[i][j]; b[i][j] = t; } return t; }
int iv_cond(void) { int j = 0; for (int i = 0; i < 64; i++) if (i & 1) for (j = 0; j < 64; j++) b[i][j] = 1; return j; }
"""


def test_inner_assignments_live_after_the_loop(tmp_path):
    path = tmp_path / "live.c"
    path.write_text(SOURCE)
    fa = analyze_file(str(path))
    outer = {l.function: l for l in fa.report.loops if l.depth == 0}
    assert outer["iv_const"].parallel and "lastprivate(j)" in outer["iv_const"].pragma
    assert "collapse" not in outer["iv_const"].pragma
    assert not outer["iv_symbolic"].parallelizable and R.INNER_IV_LIVE_OUT in outer["iv_symbolic"].codes
    assert outer["w_const"].parallelizable and any("t is written first" in r for r in outer["w_const"].reasons)
    # written in every iteration where the loop inside runs: lastprivate under a run-time check of its test
    assert outer["w_maybe"].parallelizable and R.ZERO_TRIP in outer["w_maybe"].codes
    maybe = fa.nest_of(outer["w_maybe"].id)
    assert all("(0) < (m)" in c.plan.runs_check for c in maybe.candidates if c.plan.loop_id == outer["w_maybe"].id)
    # ... where that test changes from one iteration to the next (j < i: none for i = 0), the last
    # iteration that assigns gives the value: conditional lastprivate
    assert outer["w_varies"].parallel and R.CONDITIONAL_LASTPRIVATE in outer["w_varies"].codes
    assert "autopar_last_assigned1_(t)" in outer["w_varies"].pragma
    assert not outer["iv_cond"].parallelizable and R.INNER_IV_LIVE_OUT in outer["iv_cond"].codes
    # no collapsed plan over an inner loop whose variable is lastprivate
    nest = fa.nest_of(next(l.id for l in fa.report.loops if l.function == "iv_const" and l.depth == 0))
    assert all(c.plan.collapse == 1 for c in nest.candidates if "j" in c.plan.lastprivate)


def test_a_goto_backwards_makes_a_variable_live_after_the_loop(tmp_path):
    """`again: total += x; for (...) x = ...; if (...) goto again;` reads the loop's last x through the
    jump back: x needs lastprivate, not private (private left it undefined after the loop)."""
    path = tmp_path / "back.c"
    path.write_text("double b[64][64];\n"
                    "int back(int n) {\n"
                    "    int x = 0, total = 0, round = 0;\n"
                    "again:\n"
                    "    total += x;\n"
                    "    for (int i = 0; i < 64; i++) { x = i * n; b[0][i] = i; }\n"
                    "    if (++round < 2) goto again;\n"
                    "    return total;\n"
                    "}\n")
    fa = analyze_file(str(path))
    (loop,) = fa.report.loops
    assert loop.pragma is not None and "lastprivate(x)" in loop.pragma and " private(x)" not in loop.pragma
