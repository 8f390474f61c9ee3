"""Clauses that need an iteration (lastprivate, && and ||, a pointer's section) on a loop that may run
zero times: the plan carries the loop's first test as a run-time check (Plan.runs_check) and is written
only beside its serial copy, never as an if() clause, whose false branch would still run the clauses."""

from __future__ import annotations

import subprocess

from autopar.decision.pipeline import analyze_file
from autopar.edit.edits import apply_edits
from autopar.edit.rewrite import plan_rewrite
from autopar.plans.candidates import validate_plan
from autopar.plans.plan import Decision

SOURCE = """#include <stdio.h>
#include <stdlib.h>
double last_of(int n, const double *restrict a, double *restrict b) {
    double t = 7.0;
    for (int i = 0; i < n; i++) {
        t = a[i] * 2.0;
        b[i] = t + 1.0;
    }
    return t;
}
int main(int argc, char **argv) {
    int n = atoi(argv[1]);
    double *a = calloc(n > 0 ? n : 1, sizeof *a), *b = calloc(n > 0 ? n : 1, sizeof *b);
    for (int i = 0; i < n; i++) a[i] = i * 0.5;
    printf("%g\\n", last_of(n, a, b));
    return 0;
}
"""


def _analysis(tmp_path):
    source = tmp_path / "last.c"
    source.write_text(SOURCE)
    return source, analyze_file(str(source))


def test_the_plan_carries_the_loops_first_test(tmp_path):
    _, fa = _analysis(tmp_path)
    plan = next(d.plan for d in fa.decisions if d.plan is not None and d.plan.lastprivate == ["t"])
    assert plan.runs_check == "(int)(0) < (n)"
    assert plan.proof.value == "runtime-check"
    nest = next(n for n in fa.nests if any(c.plan.loop_id == plan.loop_id for c in n.candidates))
    assert validate_plan(fa.tu, nest, plan) == []
    dropped = validate_plan(fa.tu, nest, plan.model_copy(update={"runs_check": None}))
    assert any("runs check" in problem for problem in dropped)


def test_without_a_serial_copy_the_plan_is_not_written(tmp_path):
    source, fa = _analysis(tmp_path)
    decisions = [d for d in fa.decisions if d.plan is not None and d.plan.runs_check]
    assert decisions
    planned = plan_rewrite(source.read_bytes(), fa.tu, decisions, versioning=False)
    assert decisions[0].plan.loop_id in planned.skipped and not planned.edits


def test_the_rewrite_keeps_the_value_when_the_loop_does_not_run(tmp_path):
    source, fa = _analysis(tmp_path)
    forced = [Decision(root_loop_id=d.root_loop_id, plan=d.plan.model_copy(
        update={"threshold_check": None, "startup_work": None})) for d in fa.decisions if d.plan is not None]
    rewritten = tmp_path / "last_par.c"
    rewritten.write_bytes(apply_edits(source.read_bytes(), plan_rewrite(source.read_bytes(), fa.tu, forced).edits))
    assert "lastprivate(t)" in rewritten.read_text()
    for name, path, flags in (("serial", source, []), ("parallel", rewritten, ["-fopenmp"])):
        subprocess.run(["gcc", "-O2", *flags, str(path), "-o", str(tmp_path / name)], check=True)
    for n in ("0", "-4", "1", "1000"):
        serial = subprocess.run([str(tmp_path / "serial"), n], capture_output=True, text=True, check=True).stdout
        parallel = subprocess.run([str(tmp_path / "parallel"), n], capture_output=True, text=True, check=True,
                                  env={"OMP_NUM_THREADS": "4"}).stdout
        assert serial == parallel, n


GUARDED = """#include <stdio.h>
#include <stdlib.h>
double b[1000];
double last_of(int n, int m, const double *restrict a) {
    double t = 7.0, u = 5.0, v = 3.0;
    if (n > 0) {
        for (int i = 0; i < n; i++) {
            t = a[i] * 2.0;
            b[i] = t + 1.0;
        }
    }
    if (m < 1) {
    } else for (int i = 0; i < m; i++) {
        u = a[i] * 3.0;
        b[i] = u;
    }
    if (n > 0) {
        n = n - 2;
        for (int i = 0; i < n; i++) {
            v = a[i];
            b[i] = v;
        }
    }
    return t + u + v;
}
int main(int argc, char **argv) {
    int n = atoi(argv[1]), m = atoi(argv[2]);
    double *a = calloc(1000, sizeof *a);
    for (int i = 0; i < 1000; i++) a[i] = i * 0.5;
    printf("%g\\n", last_of(n, m, a));
    return 0;
}
"""


def test_an_if_around_the_loop_that_proves_it_runs_makes_the_check_needless(tmp_path):
    """`if (n > 0)` (or the `else` of `if (m < 1)`) around the loop holds whenever it starts: its
    lastprivate needs no run-time test. A test whose variable changes before the loop proves nothing."""
    source = tmp_path / "guarded.c"
    source.write_text(GUARDED)
    result = analyze_file(str(source))
    plans = {d.plan.loop_id.split(":")[1]: d.plan for d in result.decisions if d.plan}
    loops = {l.line: l for l in result.tu.loops}
    assert [c.op for c in loops[7].entry_conditions] == [">"] and loops[19].entry_conditions == []
    for line, name in ((7, "t"), (13, "u"), (19, "v")):
        assert name in plans[str(line)].lastprivate, line
    assert plans["7"].runs_check is None and plans["13"].runs_check is None
    assert plans["19"].runs_check is not None


def test_the_rewrite_of_guarded_loops_prints_what_the_serial_program_prints(tmp_path):
    from autopar.edit.transform import transform_file

    source = tmp_path / "guarded.c"
    source.write_text(GUARDED)
    made = transform_file(str(source), versioning=False)  # (the if() clauses alone: no serial copy to hide behind)
    rewritten = tmp_path / "rewritten.c"
    rewritten.write_bytes(made.rewritten)
    # the guarded loops take a pragma line; the third, whose test proves nothing, needs its serial copy
    assert made.rewritten.count(b"lastprivate") == 2
    outputs = []
    for exe, path, flags in (("serial", source, []), ("parallel", rewritten, ["-fopenmp"])):
        subprocess.run(["gcc", "-O2", *flags, str(path), "-o", str(tmp_path / exe)], check=True)
        outputs.append([subprocess.run([str(tmp_path / exe), n, m], capture_output=True, text=True, check=True,
                                       env={"OMP_NUM_THREADS": "2"}).stdout
                        for n, m in (("0", "0"), ("1", "-3"), ("2", "1"), ("900", "900"))])
    assert outputs[0] == outputs[1]


USER_PRAGMAS = """#include <stdio.h>
#include <stdlib.h>
double a[100000], b[100000];
int main(int argc, char **argv)
{
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  double t = -1.0, u = -2.0, v = -3.0;
#pragma omp parallel for lastprivate(t)
  for (int i = 0; i < n; i++) {
    t = a[i] + 1.0;
    b[i] = t;
  }
  if (n > 0) {
#pragma omp parallel for lastprivate(u)
    for (int i = 0; i < n; i++) {
      u = a[i] + 2.0;
      b[i] = u;
    }
  }
#pragma omp parallel for lastprivate(v)
  for (int i = 0; i < 1000; i++) {
    v = a[i] + 3.0;
    b[i] = v;
  }
  printf("%g %g %g\\n", t, u, v);
  return 0;
}
"""


def test_check_notes_a_users_lastprivate_on_a_loop_that_may_not_run(tmp_path, capsys):
    """With no iteration, OpenMP leaves a lastprivate variable unspecified (gcc copied out 4.6e-310
    for t here at n = 0, where the serial program prints -1); a loop whose `if` around it, or whose
    constant bounds, prove it runs is not reported. A note (the run does not fail): the test may hold
    where the analysis does not see it (an early return)."""
    import json

    from autopar.cli.main import main

    source = tmp_path / "z.c"
    source.write_text(USER_PRAGMAS)
    assert main(["check", str(source), "--format", "json"]) == 0
    findings = [f for file in json.loads(capsys.readouterr().out)["files"] for f in file["findings"]
                if f["rule"] != "missed-simd-loop"]
    assert [(f["line"], f["rule"], f["codes"]) for f in findings] == [(9, "conditional-omp-pragma", ["zero-trip-clauses"])]
    assert "`if ((int)(0) < (n))` around the loop" in findings[0]["message"]


EXITS = """double a[1000];
double inner_block(int n, int m) {
  double t = -1;
  if (n <= 0) return t;
  { n = m;
#pragma omp parallel for lastprivate(t)
    for (int i = 0; i < n; i++) { t = a[i]; a[i] = t * 2; } }
  return t;
}
double enclosing_do(int n, int r) {
  double t = -1, total = 0;
  if (n <= 0) return t;
  do {
#pragma omp parallel for lastprivate(t)
    for (int i = 0; i < n; i++) { t = a[i]; a[i] = t * 2; }
    total += t;
    n -= 2;
  } while (--r);
  return total;
}
double early(int n) {
  double t = -1;
  if (n <= 0) return t;
#pragma omp parallel for lastprivate(t)
  for (int i = 0; i < n; i++) { t = a[i]; a[i] = t * 2; }
  return t;
}
double changed(int n) {
  double t = -1;
  if (n <= 0) return t;
  n = n - 5;
#pragma omp parallel for lastprivate(t)
  for (int i = 0; i < n; i++) { t = a[i]; a[i] = t * 2; }
  return t;
}
double labelled(int n) {
  double t = -1;
  if (n <= 0) goto skip;
  if (n > 0) return 0;
skip:
#pragma omp parallel for lastprivate(t)
  for (int i = 0; i < n; i++) { t = a[i]; a[i] = t * 2; }
  return t;
}
double inloop(int m, int n) {
  double t = -1, s = 0;
  for (int k = 0; k < m; k++) {
    if (n < 1) continue;
#pragma omp parallel for lastprivate(t)
    for (int i = 0; i < n; i++) { t = a[i]; a[i] = t * 2; }
    s += t;
  }
  return s;
}
double noexit(int n) {
  double t = -1;
  if (n <= 0) t = 0;
#pragma omp parallel for lastprivate(t)
  for (int i = 0; i < n; i++) { t = a[i]; a[i] = t * 2; }
  return t;
}
"""


def test_an_earlier_exit_proves_the_loop_runs_and_a_change_or_a_label_undoes_it(tmp_path, capsys):
    """`if (n <= 0) return;` (or `continue` in an outer loop) before the loop: n >= 1 when it starts.
    Not when n changes in between, when a label on the loop lets a jump enter past the test, or when
    the branch does not leave."""
    import json

    from autopar.cli.main import main

    source = tmp_path / "exits.c"
    source.write_text(EXITS)
    main(["check", str(source), "--format", "json"])
    noted = {f["function"] for file in json.loads(capsys.readouterr().out)["files"] for f in file["findings"]
             if "zero-trip-clauses" in f["codes"]}
    assert noted == {"changed", "labelled", "noexit", "inner_block", "enclosing_do"}
