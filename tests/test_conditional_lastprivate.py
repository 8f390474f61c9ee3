"""Scalars assigned in some iterations only and used after the loop: `lastprivate(conditional: ...)`
(OpenMP 5.0), written through autopar's macro, which gives that clause where gcc 10 or later compiles
it and runs the loop on one thread elsewhere (clang 14 copies out a wrong value). Near misses stay
serial; `check` judges the user's own conditional clause."""

from __future__ import annotations

import json
import subprocess

import pytest

from autopar.cli.main import main
from autopar.decision.pipeline import analyze_file
from autopar.edit.edits import apply_edits
from autopar.edit.rewrite import plan_rewrite
from autopar.plans import reasons as R
from autopar.plans.candidates import validate_plan
from autopar.plans.plan import CONDITIONAL_LASTPRIVATE, Decision
from test_reached_scalars import loops_by_line

SOURCE = r"""#include <stdio.h>
#include <stdlib.h>
static unsigned mix(unsigned x) { x ^= x >> 13; x *= 0x5bd1e995u; return x ^ (x >> 15); }
int main(int argc, char **argv) {
    int n = atoi(argv[1]);
    int *a = malloc(sizeof(int) * (n + 1)), *b = malloc(sizeof(int) * (n + 1));
    for (int i = 0; i < n; i++) a[i] = (int)(mix((unsigned)i) % 1000);
    int last = -1, inner = -2; short low = 3; const int *at = 0;
    for (int i = 0; i < n; i++) {
        if (a[i] > 990) last = i;
        if (a[i] < 2) { low = (short)i; b[i] = low + 1; } else b[i] = 0;
        for (int j = 0; j < a[i] % 4; j++) {
            if (a[i] % 7 == j) break;
            inner = i * 4 + j;
        }
        if (a[i] == 500) at = &a[i];
    }
    long s = 0;
    for (int i = 0; i < n; i++) s += b[i];
    printf("%d %d %d %ld %ld\n", last, inner, low, at ? (long)(at - a) : -1L, s);
    return 0;
}
"""

NEAR_MISSES = r"""int seen = -1;
double a[1000];
void near_misses(int n, double *out) {
    double blend = 1.0, kept = 0.0;
    for (int i = 0; i < n; i++)       /* a global: serial */
        if (a[i] > 0.5) seen = i;
    for (int i = 0; i < n; i++)       /* reads the value an earlier iteration left: serial */
        if (a[i] > 0.5) blend = blend * 0.5 + a[i];
    double *p = &kept;
    for (int i = 0; i < n; i++) {     /* its address is taken, and the loop writes through a pointer: serial */
        if (a[i] > 0.5) kept = i;
        out[i + 1] = a[i];
    }
    out[0] = blend + *p;
}
"""


def _forced(fa):
    """The default decisions without their work thresholds: the parallel path runs on small inputs."""
    return [Decision(root_loop_id=d.root_loop_id, plan=d.plan.model_copy(update={"threshold_check": None,
                                                                                    "startup_work": None}))
            for d in fa.decisions if d.plan is not None]


def test_conditionally_assigned_scalars_run_in_parallel_and_keep_the_serial_values(tmp_path):
    source = tmp_path / "last.c"
    source.write_text(SOURCE)
    fa = analyze_file(str(source))
    loop = next(l for l in fa.report.loops if l.line == 9)
    assert loop.parallel and R.CONDITIONAL_LASTPRIVATE in loop.codes
    assert f"{CONDITIONAL_LASTPRIVATE}4_(at, inner, last, low)" in loop.pragma
    nest = fa.nest_of(loop.id)
    plans = [c.plan for c in nest.candidates if c.plan.loop_id == loop.id]
    assert plans and all(p.collapse == 1 and p.directive.value == "parallel for" for p in plans)
    # the validator wants the clause: without it the scalars would be shared
    assert validate_plan(fa.tu, nest, plans[0]) == []
    assert any("conditional lastprivate" in problem for problem in
               validate_plan(fa.tu, nest, plans[0].model_copy(update={"conditional_lastprivate": []})))
    rewritten = tmp_path / "last_par.c"
    rewritten.write_bytes(apply_edits(source.read_bytes(), plan_rewrite(source.read_bytes(), fa.tu, _forced(fa)).edits))
    text = rewritten.read_text()
    assert text.count(f"#ifndef {CONDITIONAL_LASTPRIVATE}4_") == 1 and "__VA_ARGS__" not in text
    builds = [("serial", "gcc", source, []), ("gcc", "gcc", rewritten, ["-fopenmp"]),
              ("clang", "clang", rewritten, ["-fopenmp"]), ("c99", "gcc", rewritten, ["-fopenmp", "-std=c99", "-pedantic-errors"])]
    for name, compiler, path, flags in builds:
        subprocess.run([compiler, "-O2", *flags, str(path), "-o", str(tmp_path / name)], check=True)
    for n in ("0", "1", "7", "1000", "100000"):
        serial = subprocess.run([str(tmp_path / "serial"), n], capture_output=True, text=True, check=True).stdout
        for name in ("gcc", "clang", "c99"):
            parallel = subprocess.run([str(tmp_path / name), n], capture_output=True, text=True, check=True,
                                      env={"OMP_NUM_THREADS": "4"}).stdout
            assert parallel == serial, (name, n)


def _run(capsys, *args: str) -> str:
    capsys.readouterr()
    main(list(args))
    return capsys.readouterr().out


C89 = r"""#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100000, i, last = -1, low = -2;
    double *a = malloc(sizeof(double) * (n + 1));
    for (i = 0; i < n; i++)
        a[i] = (i % 1000) * 7919 % 1000;
    for (i = 0; i < n; i++) {
        if (a[i] > 990) last = i;
        if (a[i] < 2) low = i;
    }
    printf("%d %d\n", last, low);
    free(a);
    return 0;
}
"""


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_the_clauses_macro_compiles_as_strict_c89(tmp_path, compiler):
    """No variadic macro (C89 and C++98 have none): `-std=c89 -pedantic-errors` builds the rewrite."""
    source = tmp_path / "old.c"
    source.write_text(C89)
    fa = analyze_file(str(source))
    rewritten = tmp_path / "old_par.c"
    rewritten.write_bytes(apply_edits(source.read_bytes(), plan_rewrite(source.read_bytes(), fa.tu, _forced(fa)).edits))
    assert f"{CONDITIONAL_LASTPRIVATE}2_(last, low)" in rewritten.read_text()
    for name, path, flags in (("serial", source, []), ("parallel", rewritten, ["-fopenmp"])):
        subprocess.run([compiler, "-O2", "-std=c89", "-pedantic-errors", *flags, str(path), "-o", str(tmp_path / name)],
                       check=True)
    for n in ("0", "1000", "100000"):
        serial = subprocess.run([str(tmp_path / "serial"), n], capture_output=True, text=True, check=True).stdout
        parallel = subprocess.run([str(tmp_path / "parallel"), n], capture_output=True, text=True, check=True,
                                  env={"OMP_NUM_THREADS": "4"}).stdout
        assert parallel == serial, n


def test_a_second_rewrite_and_check_leave_the_rewrite_alone(tmp_path, capsys):
    source = tmp_path / "last.c"
    source.write_text(SOURCE)
    once = _run(capsys, "rewrite", str(source))
    assert CONDITIONAL_LASTPRIVATE in once
    (tmp_path / "once.c").write_text(once)
    assert _run(capsys, "rewrite", str(tmp_path / "once.c")) == once
    findings = json.loads(_run(capsys, "check", "--format", "json", str(tmp_path / "once.c")))["files"][0]["findings"]
    assert not [f for f in findings if f["rule"] == "unsafe-omp-pragma"]


def test_near_misses_stay_serial(tmp_path):
    loops = loops_by_line(tmp_path / "near.c", NEAR_MISSES)
    assert not loops[5].parallelizable and R.SCALAR_LIVE_OUT in loops[5].codes
    assert not loops[7].parallelizable and R.SCALAR_CARRIED in loops[7].codes
    assert not loops[10].parallelizable and R.ADDRESS_TAKEN in loops[10].codes


LENT = r"""#include <stdio.h>
#include <stdlib.h>
double a[200000];
int main(int argc, char **argv) {
    int n = atoi(argv[1]);
    for (int i = 0; i < n; i++) a[i] = (i * 7919) % 1000 / 1000.0;
    double kept = 0.0, seen = -1.0;
    double *p = &kept, *q = &seen;
    for (int i = 0; i < n; i++)
        kept = a[i] * 2 + i;
    for (int i = 0; i < n; i++)
        if (a[i] > 0.99) seen = i;
    printf("%f %f\n", *p, *q);
    return 0;
}
"""


def test_a_value_read_through_a_pointer_after_the_loop_is_kept(tmp_path):
    """`p = &v` before the loop, `*p` after it: v is live after the loop though its name is not read
    there (it was private, and `*p` printed the value from before the loop)."""
    source = tmp_path / "lent.c"
    source.write_text(LENT)
    fa = analyze_file(str(source))
    loops = {l.line: l for l in fa.report.loops}
    assert "lastprivate(kept)" in loops[9].pragma and f"{CONDITIONAL_LASTPRIVATE}1_(seen)" in loops[11].pragma
    rewritten = tmp_path / "lent_par.c"
    rewritten.write_bytes(apply_edits(source.read_bytes(), plan_rewrite(source.read_bytes(), fa.tu, _forced(fa)).edits))
    for name, path, flags in (("serial", source, []), ("parallel", rewritten, ["-fopenmp"])):
        subprocess.run(["gcc", "-O2", *flags, str(path), "-o", str(tmp_path / name)], check=True)
    for n in ("0", "1000", "200000"):
        serial = subprocess.run([str(tmp_path / "serial"), n], capture_output=True, text=True, check=True).stdout
        parallel = subprocess.run([str(tmp_path / "parallel"), n], capture_output=True, text=True, check=True,
                                  env={"OMP_NUM_THREADS": "4"}).stdout
        assert parallel == serial, n


USER_PRAGMAS = r"""#include <stdio.h>
double a[100000];
int main(void) {
    int n = 100000, first = -1, second = -1, third = -1;
    for (int i = 0; i < n; i++) a[i] = i % 7;
#pragma omp parallel for lastprivate(conditional: first)
    for (int i = 0; i < n; i++)
        if (a[i] > 5) first = i;
#pragma omp parallel for lastprivate(second)
    for (int i = 0; i < n; i++)
        if (a[i] > 5) second = i;
#pragma omp parallel for
    for (int i = 0; i < n; i++)
        if (a[i] > 5) third = i;
    printf("%d %d %d\n", first, second, third);
    return 0;
}
"""


@pytest.mark.parametrize("line,safe", [(7, True), (10, False), (13, False)])
def test_check_judges_the_users_conditional_clause(tmp_path, capsys, line, safe):
    source = tmp_path / "user.c"
    source.write_text(USER_PRAGMAS)
    findings = json.loads(_run(capsys, "check", "--format", "json", str(source)))["files"][0]["findings"]
    unsafe = {f["line"]: f for f in findings if f["rule"] == "unsafe-omp-pragma"}
    assert (line not in unsafe) == safe
    if not safe:
        assert "it needs lastprivate(conditional: " in unsafe[line]["message"]
        assert "a safe form is `#pragma omp parallel for lastprivate(conditional: " in unsafe[line]["message"]


def test_check_needs_no_runs_test_for_a_conditional_clause(tmp_path, capsys):
    """A conditional lastprivate keeps the variable's value when the loop runs no iteration: no
    zero-trip note (a plain lastprivate gets one)."""
    source = tmp_path / "zero.c"
    source.write_text("int last_index(int n) {\n  int last = -1, i;\n#pragma omp parallel for lastprivate(conditional: last)\n"
                      "  for (i = 0; i < n; i++)\n    last = i;\n  return last;\n}\n")
    assert json.loads(_run(capsys, "check", "--format", "json", str(source)))["files"][0]["findings"] == []
    source.write_text(source.read_text().replace("lastprivate(conditional: last)", "lastprivate(last)"))
    findings = json.loads(_run(capsys, "check", "--format", "json", str(source)))["files"][0]["findings"]
    assert [f["rule"] for f in findings] == ["conditional-omp-pragma"]


def test_the_macro_goes_above_an_inline_function_too(tmp_path, capsys):
    """C99 forbids an inline definition with external linkage to call a static function (the start-up
    gate stays out), not to use a macro: the conditional clause is written there (it was "not edited"
    while analyze said parallelized)."""
    source = tmp_path / "inl.c"
    source.write_text("#include <stdio.h>\n#include <stdlib.h>\n"
                      "inline int ilast(const int *a, int n) {\n    int last = -1;\n"
                      "    for (int i = 0; i < n; i++)\n        if (a[i] > 990) last = i;\n    return last;\n}\n"
                      "extern inline int ilast(const int *a, int n);\n"
                      "int main(int argc, char **argv) {\n    int n = argc > 1 ? atoi(argv[1]) : 200000;\n"
                      "    int *a = malloc(sizeof(int) * n);\n"
                      "    for (int i = 0; i < n; i++) a[i] = (i % 1000) * 7919 % 1000;\n"
                      "    printf(\"%d\\n\", ilast(a, n));\n    return 0;\n}\n")
    rewritten = tmp_path / "inl_par.c"
    rewritten.write_text(_run(capsys, "rewrite", str(source)))
    assert f"#pragma omp parallel for {CONDITIONAL_LASTPRIVATE}1_(last)" in rewritten.read_text()
    for name, path, flags in (("serial", source, []), ("parallel", rewritten, ["-fopenmp"])):
        subprocess.run(["gcc", "-O2", "-std=c99", "-pedantic-errors", *flags, str(path), "-o", str(tmp_path / name)],
                       check=True)
    runs = [subprocess.run([str(tmp_path / name), "200000"], capture_output=True, text=True, check=True,
                           env={"OMP_NUM_THREADS": "4"}).stdout for name in ("serial", "parallel")]
    assert runs[0] == runs[1]
