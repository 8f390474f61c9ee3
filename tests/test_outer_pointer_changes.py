"""A pointer that an outer loop assigns (the swap of a time loop, `u = w;`, or `p += n;` after a
sweep) is fixed inside the loops of one step: their accesses are modelled, and only the loops
that change it keep code `pointer-changes` (Access.base_changes_in)."""

from __future__ import annotations

from autopar.decision.pipeline import analyze_file
from autopar.plans import reasons as R

TEXT = r"""
#include <stdlib.h>
double run(int n, int steps) {
    double *u = malloc(n * sizeof(double)), *w = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++) u[i] = w[i] = i;
    STEPS
}
double given(double *u, double *w, int n, int steps) {
    STEPS
}
double strides(double *p, int n, int steps) {
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++)
            p[i] = p[i] * 0.5 + t;
        p += n;
    }
    return p[0];
}
double inner_change(double *p, int n, int steps) {
    for (int t = 0; t < steps; t++)
        for (int i = 0; i < n; i++) {
            p[i] = p[i] * 0.5 + t;
            p++;
        }
    return p[0];
}
""".replace("STEPS", """for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            w[i] = 0.5 * (u[i - 1] + u[i + 1]);
        double *tmp = u;
        u = w;
        w = tmp;
    }
    return u[n / 2];""")


def test_a_pointer_an_outer_loop_assigns_is_fixed_in_the_inner_one(tmp_path):
    path = tmp_path / "t.c"
    path.write_text(TEXT)
    loops = analyze_file(str(path)).report.loops
    run = [l for l in loops if l.function == "run"]
    assert not run[1].parallelizable and R.POINTER_CHANGES in run[1].codes
    # two allocations of its own: apart (Variable.fresh_allocation); parameters may overlap: checked
    assert run[2].parallelizable and run[2].proof == "static", run[2].reasons
    swapped = [l for l in loops if l.function == "given"]
    assert not swapped[0].parallelizable and R.POINTER_CHANGES in swapped[0].codes
    assert swapped[1].parallelizable and swapped[1].proof == "runtime-check", swapped[1].reasons
    stride = [l for l in loops if l.function == "strides"]
    assert not stride[0].parallelizable and R.POINTER_CHANGES in stride[0].codes
    assert stride[1].parallelizable
    # assigned in the loop itself: serial there too
    inner = [l for l in loops if l.function == "inner_change"]
    assert not any(l.parallelizable for l in inner)
