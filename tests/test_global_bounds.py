"""Global scalar bounds in a nest that calls functions of the file (NAS LU's ssor): a call that writes,
by name, only file-scope variables holding numbers cannot change another global, so a bound read from
one stays a parameter. A call that writes the bound, or through a pointer (a global one, or a static
local one spelled like a global array), still may."""

from __future__ import annotations

import pytest

from autopar.decision.pipeline import analyze_file

NEST = """
double v[64][64], w[64];
int jst = 1, jend = 60;
int *gp = &jend;
CALLEE
void f(int niter) {
    for (int it = 0; it < niter; it++) {
        for (int k = 0; k < 64; k++)
            for (int j = jst; j < jend; j++)
                v[k][j] = 0.5 * v[k][j] + 1.0;
        call();
    }
}
"""


@pytest.mark.parametrize("callee, invariant", [
    ("static void call(void) { for (int j = 0; j < 64; j++) w[j] = v[3][j]; }", True),  # writes w only
    ("static void call(void) { jend = jend - 1; }", False),  # writes the bound
    ("static void call(void) { *gp = *gp - 1; }", False),  # through a global pointer
    ("static void call(void) { static int *w = &jend; *w = *w - 1; }", False),  # a static local named w
    ("void call(void);", False),  # unknown code
])
def test_a_call_that_writes_only_other_globals_of_numbers_leaves_a_global_bound_alone(tmp_path, callee, invariant):
    path = tmp_path / "bounds.c"
    path.write_text(NEST.replace("CALLEE", callee))
    loops = {l.line: l for l in analyze_file(str(path)).tu.loops if l.function == "f"}
    inner = next(l for l in loops.values() if l.canonical and l.canonical.induction_variable == "j")
    assert inner.writes_bound != invariant
    k_loop = next(l for l in loops.values() if l.canonical and l.canonical.induction_variable == "k")
    report = {r.id: r for r in analyze_file(str(path)).report.loops}
    assert report[k_loop.id].parallelizable == invariant, report[k_loop.id].reasons
