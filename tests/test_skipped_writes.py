"""Writes that a jump inside the body may skip while the reads after them still run: a `break` out of
`do { } while (0)`, an inner loop or a switch, a `continue` of a do-while, a forward `goto`. The
writes were taken as made on every iteration, so an array or a scalar seemed written before it was
read: `private(t)` or `lastprivate(x)` gave garbage where the serial loop reads what an earlier
iteration left (found by review; the inner-loop `break` was parallelized since long before)."""

from __future__ import annotations

import pytest

from autopar.decision.pipeline import analyze_file

CASES = {
    "do_break": "do { if (i % 3 == 1) break; t[0] = i * 0.5; t[1] = i * 0.25; } while (0);",
    "do_continue": "do { if (i % 3 == 1) continue; t[0] = i * 0.5; t[1] = i * 0.25; } while (0);",
    "inner_break": "for (int j = 0; j < 2; j++) { if (i % 3 == 1 && j == 1) break; t[j] = i * 0.5 + j; }",
    "goto": "if (i % 3 == 1) goto skip; t[0] = i * 0.5; t[1] = i * 0.25; skip: ;",
    "switch_break": "switch (i % 3) { case 1: break; default: t[0] = i * 0.5; t[1] = i * 0.25; }",
}

PROGRAM = """
#define N 100000
double out[N];
double x = 3.0;
void f(void) {
    double t[2] = {1.0, 2.0};
    for (int i = 0; i < N; i++) {
        BODY
        out[i] = t[0] + t[1];
    }
}
void g(void) {
    for (int i = 0; i < N; i++) {
        SCALAR
        out[i] = x;
    }
}
"""


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_write_a_jump_may_skip_does_not_make_its_array_or_scalar_private(tmp_path, case):
    body = CASES[case]
    scalar = body.replace("t[0] = i * 0.5; t[1] = i * 0.25;", "x = i * 0.5;").replace("t[j] = i * 0.5 + j;", "x = i + j;")
    path = tmp_path / f"{case}.c"
    path.write_text(PROGRAM.replace("BODY", body).replace("SCALAR", scalar))
    loops = {l.function: l for l in analyze_file(str(path)).report.loops if l.depth == 0}
    assert not loops["f"].parallelizable, (case, loops["f"].pragma)
    assert not loops["g"].parallelizable, (case, loops["g"].pragma)


def test_a_continue_of_the_loop_itself_still_leaves_its_writes_covering(tmp_path):
    """`if (c) continue;` skips the reads after it as well: t is still written before it is read (the
    global x is live after the loop, and the last iteration may skip it: that loop stays serial)."""
    path = tmp_path / "continue.c"
    path.write_text(PROGRAM.replace("BODY", "if (i % 3 == 1) continue; t[0] = i * 0.5; t[1] = i * 0.25;")
                    .replace("SCALAR", "if (i % 3 == 1) continue; x = i * 0.5;"))
    loops = {l.function: l for l in analyze_file(str(path)).report.loops if l.depth == 0}
    assert loops["f"].parallelizable and "private(t)" in (loops["f"].pragma or "")
