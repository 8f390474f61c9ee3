"""Atomic updates (autopar/plans/candidates/array_reductions.atomic_updates, autopar/edit/atomic_updates.py):
a loop that only updates the elements of an array too large to copy per thread runs in parallel with
`_Pragma("omp atomic")` on each update statement; the validator refuses a plan without them, `check`
finds a user's plain pragma on such a loop unsafe, and a small array's reduction has an atomic
alternative for the tuner."""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys

import pytest

from autopar.decision.pipeline import analyze_file, load_translation_unit
from autopar.plans.candidates import validate_plan
from autopar.plans.plan import Directive
from autopar.tools.verify import FORCED_PATH_FLAGS

CLASSIFY = """#include <stdio.h>
#define N 6000
#define F 160
#define NB 65536
double feature[N][F], weight[F];
int counts[NB];
double mass[NB];

static int bucket_of(double s) { return (int)((unsigned)(s * 97.0) % NB); }

void classify(int n) {
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int f = 0; f < F; f++)
            s += feature[i][f] * weight[f];
        int b = bucket_of(s);
        counts[b]++;
        if (s > 20.0) mass[b] += s; else counts[(b + 1) % NB] -= 2;
    }
}

int main(void) {
    for (int i = 0; i < N; i++)
        for (int f = 0; f < F; f++)
            feature[i][f] = ((i * 37 + f * 11) % 101) / 64.0;
    for (int f = 0; f < F; f++)
        weight[f] = (f % 5) * 0.25 + 0.5;
    classify(N);
    long c = 0;
    double m = 0.0;
    for (int k = 0; k < NB; k++) { c += (long)counts[k] * (k % 7 + 1); m += mass[k] * (k % 3); }
    printf("%ld %.6f\\n", c, m);
    return 0;
}
"""
LOOP_LINE = 12


def _write(tmp_path, text: str, name: str):
    path = tmp_path / f"{name}.c"
    path.write_text(text)
    return path


def _rewrite(tmp_path, path) -> str:
    out = tmp_path / f"{path.stem}_par.c"
    done = subprocess.run([sys.executable, "-m", "autopar.cli", "rewrite", str(path), "-o", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out.read_text()


def _run(tmp_path, text: str, name: str, compiler: str = "gcc", *flags: str) -> subprocess.CompletedProcess:
    source = _write(tmp_path, text, name)
    exe = tmp_path / name
    subprocess.run([compiler, "-O2", "-fopenmp", "-w", *FORCED_PATH_FLAGS, *flags, "-o", str(exe), str(source)],
                   check=True)
    return subprocess.run([str(exe)], capture_output=True, text=True,
                          env={**os.environ, "OMP_NUM_THREADS": "4", "TSAN_OPTIONS": "ignore_noninstrumented_modules=1"})


def _forced(text: str) -> str:
    """The rewritten program with its work threshold and start-up gate taken away: the parallel path runs."""
    return text.replace("if ((n > ", "if (1 || (n > ")


def test_the_front_end_records_each_update_statement_in_place(tmp_path):
    path = _write(tmp_path, """#define INC(a, k) a[k]++
#define ONE 1
void f(int *restrict h, const int *restrict key, const double *restrict v, double *restrict w, int n) {
    for (int i = 0; i < n; i++) {
        h[key[i]]++;
        if (v[i] > 0) h[key[i]] += 2; else --h[key[i]];
        w[key[i]] += v[i];
        INC(h, key[i]);
        h[key[i]] += ONE;
        h[key[i]] = h[key[i]] + 1;
        v[i] > 1 ? h[key[i]]++ : 0;
    }
}
""", "f")
    source = path.read_bytes()
    tu = load_translation_unit(str(path), [])
    spans = [source[a.update_range[0]:a.update_range[1]].decode() if a.update_range else None
             for a in tu.loops[0].accesses if a.is_write]
    # (a macro's update, the spelled `x = x + 1` form and an update inside an expression have none)
    assert spans == ["h[key[i]]++", "h[key[i]] += 2", "--h[key[i]]", "w[key[i]] += v[i]", None,
                     "h[key[i]] += ONE", None, None]


def test_a_large_histogram_runs_with_atomic_updates_and_prints_what_serial_does(tmp_path):
    path = _write(tmp_path, CLASSIFY, "classify")
    loop = next(l for l in analyze_file(str(path)).report.loops if l.line == LOOP_LINE)
    assert loop.parallel and "atomic-updates" in loop.codes, loop.reasons
    parallel = _rewrite(tmp_path, path)
    for statement in ("counts[b]++;", "mass[b] += s;", "counts[(b + 1) % NB] -= 2;"):
        assert f'_Pragma("omp atomic") {statement}' in parallel
    assert len(parallel.splitlines()) > len(CLASSIFY.splitlines())  # (the serial copy: no line of the loop moved)
    assert _run(tmp_path, _forced(parallel), "par").stdout == _run(tmp_path, CLASSIFY, "serial").stdout
    # a second rewrite changes nothing
    again = _write(tmp_path, parallel, "again")
    assert _rewrite(tmp_path, again) == parallel


@pytest.mark.skipif(shutil.which("clang") is None, reason="TSan builds use clang")
def test_atomic_updates_are_race_free_and_plain_ones_race(tmp_path):
    parallel = _forced(_rewrite(tmp_path, _write(tmp_path, CLASSIFY, "classify")))
    clean = _run(tmp_path, parallel, "tsan", "clang", "-g", "-fsanitize=thread")
    assert clean.returncode == 0 and "data race" not in clean.stderr, clean.stderr[-2000:]
    racy = _run(tmp_path, parallel.replace('_Pragma("omp atomic") ', ""), "racy", "clang", "-g", "-fsanitize=thread")
    assert "data race" in racy.stderr


def test_the_validator_refuses_plans_that_drop_or_invent_atomic_updates(tmp_path):
    path = _write(tmp_path, CLASSIFY, "classify")
    analysis = analyze_file(str(path))
    decision = next(d for d in analysis.decisions if d.plan and d.plan.atomic_updates)
    nest = next(n for n in analysis.nests if n.root_loop_id == decision.root_loop_id)
    plan = decision.plan
    assert validate_plan(analysis.tu, nest, plan) == []
    dropped = plan.model_copy(update={"atomic_updates": plan.atomic_updates[1:]})
    # (counts' other update is no longer enough: its carried dependences are back)
    assert any("accesses to counts may touch the same element" in p for p in validate_plan(analysis.tu, nest, dropped))
    moved = plan.atomic_updates[0].model_copy(update={"start": plan.atomic_updates[0].start - 4})
    invented = plan.model_copy(update={"atomic_updates": [moved, *plan.atomic_updates[1:]]})
    assert any("the update of counts cannot be made atomic" in p for p in validate_plan(analysis.tu, nest, invented))
    simd = plan.model_copy(update={"directive": Directive.PARALLEL_FOR_SIMD})
    assert "atomic updates need a parallel for without simd, a specialized copy or claims" in \
        validate_plan(analysis.tu, nest, simd)
    twice = plan.model_copy(update={"atomic_updates": plan.atomic_updates + plan.atomic_updates[:1]})
    assert "an atomic update is listed twice" in validate_plan(analysis.tu, nest, twice)


def test_check_says_the_updates_need_the_rewrite_and_finds_a_plain_pragma_unsafe(tmp_path, capsys):
    from autopar.cli.main import main

    path = _write(tmp_path, CLASSIFY, "classify")
    main(["check", str(path), "--format", "json"])
    findings = [f for file in json.loads(capsys.readouterr().out)["files"] for f in file["findings"]
                if f["line"] == LOOP_LINE]
    assert len(findings) == 1 and "the atomic directives its updates need" in findings[0]["message"]
    assert not findings[0].get("fix_text")  # no one-line fix: `rewrite` writes it
    plain = _write(tmp_path, CLASSIFY.replace("    for (int i = 0; i < n; i++) {",
                                              "#pragma omp parallel for\n    for (int i = 0; i < n; i++) {"), "plain")
    assert main(["check", str(plain), "--format", "json", "--fail-on", "unsafe"]) == 1
    unsafe = [f for file in json.loads(capsys.readouterr().out)["files"] for f in file["findings"]
              if f["rule"].endswith("unsafe-omp-pragma")]
    assert len(unsafe) == 1 and unsafe[0]["codes"] == ["missing-atomic-updates"] and "races on counts" in unsafe[0]["message"]
    rewritten = _write(tmp_path, _rewrite(tmp_path, path), "rewritten")
    assert main(["check", str(rewritten), "--format", "json", "--fail-on", "unsafe"]) == 0


def test_a_small_histogram_has_an_atomic_alternative_to_its_copies(tmp_path):
    """The copies are the default; the plan with atomic updates instead is a candidate the tuner may
    take, and its rewrite prints what the serial program does."""
    text = CLASSIFY.replace("#define NB 65536", "#define NB 256")
    path = _write(tmp_path, text, "small")
    analysis = analyze_file(str(path))
    nest = next(n for n in analysis.nests if n.root_loop_id.endswith(f":{LOOP_LINE}:5"))
    default = next(c for c in nest.candidates if c.id == nest.default_candidate_id).plan
    assert "counts[:256]" in str(default.reductions) and not default.atomic_updates
    atomic = [c.plan for c in nest.candidates if c.plan.atomic_updates]
    assert atomic and all("[" not in v for p in atomic for r in p.reductions for v in r.variables)
    assert validate_plan(analysis.tu, nest, atomic[0]) == []
    from autopar.edit.edits import apply_edits
    from autopar.edit.rewrite import plan_rewrite
    from autopar.plans.plan import Decision
    plan = atomic[0].model_copy(update={"threshold_check": None, "startup_work": None})
    edits = plan_rewrite(path.read_bytes(), analysis.tu, [Decision(root_loop_id=nest.root_loop_id, plan=plan)]).edits
    parallel = apply_edits(path.read_bytes(), edits).decode()
    assert '_Pragma("omp atomic") counts[b]++;' in parallel
    assert _run(tmp_path, parallel, "alt").stdout == _run(tmp_path, text, "small_serial").stdout


@pytest.mark.parametrize("name, body", [
    # a user's own directive before an update: another one there would not compile
    ("user atomic", "#pragma omp atomic\n        counts[b]++;"),
    ("user ordered", "#pragma omp ordered\n        counts[b]++;"),
    # the update is the value of a statement expression
    ("statement expression", "tally += ({ counts[b]++; });"),
])
def test_updates_another_directive_or_a_value_needs_stay_plain(tmp_path, name, body):
    text = CLASSIFY.replace("        counts[b]++;\n", f"        {body}\n").replace("double mass[NB];", "double mass[NB]; long tally;")
    path = _write(tmp_path, text, "near")
    loop = next(l for l in analyze_file(str(path)).report.loops if l.line == LOOP_LINE)
    assert not loop.parallel, (name, loop.pragma)
    parallel = _rewrite(tmp_path, path)
    assert "_Pragma" not in parallel
    subprocess.run(["gcc", "-fopenmp", "-c", "-o", str(tmp_path / "near.o"), str(_write(tmp_path, parallel, "out"))],
                   check=True)


def test_an_update_of_an_included_file_has_no_range_in_the_main_one(tmp_path):
    """Its offsets are into the other file: a directive written at them would land elsewhere."""
    (tmp_path / "body.inc").write_text("/* padding padding padding padding */ h[key[i]]++;\n")
    path = _write(tmp_path, "void f(int *restrict h, const int *restrict key, int n) {\n"
                            "    for (int i = 0; i < n; i++) {\n#include \"body.inc\"\n    }\n}\n", "inc")
    tu = load_translation_unit(str(path), [])
    assert [a.update_range for a in tu.loops[0].accesses if a.is_write] == [None]


def test_check_accepts_a_users_reduction_of_the_large_array(tmp_path, capsys):
    from autopar.cli.main import main

    text = CLASSIFY.replace("    for (int i = 0; i < n; i++) {",
                            "#pragma omp parallel for reduction(+: counts[:NB], mass[:NB])\n    for (int i = 0; i < n; i++) {")
    path = _write(tmp_path, text, "reduced")
    main(["check", str(path), "--format", "json"])
    assert [f for file in json.loads(capsys.readouterr().out)["files"] for f in file["findings"]
            if "missing-atomic-updates" in f.get("codes", [])] == []


def test_an_inner_count_the_loop_does_not_spell_gets_a_test_of_its_own(tmp_path):
    """With `f` features a row, the estimate takes f for thousands: the plan runs in parallel only
    when f is large enough for the row's work to pay for its atomic updates."""
    text = CLASSIFY.replace("void classify(int n) {", "void classify(int n, int f) {").replace(
        "for (int f = 0; f < F; f++)", "for (int k = 0; k < f; k++)", 1).replace("feature[i][f] * weight[f]", "feature[i][k] * weight[k]")
    text = text.replace("classify(N);", "classify(N, F);")
    path = _write(tmp_path, text, "symbolic")
    analysis = analyze_file(str(path))
    decision = next(d for d in analysis.decisions if d.plan and d.plan.atomic_updates)
    assert re.search(r"\(double\)\(f\) > \d+", decision.plan.threshold_check or ""), decision.plan.threshold_check
    nest = next(n for n in analysis.nests if n.root_loop_id == decision.root_loop_id)
    assert validate_plan(analysis.tu, nest, decision.plan) == []
    bare = decision.plan.model_copy(update={"threshold_check": "(double)(n) * (f) > 1"})
    assert "the threshold if() was not derived by the analysis" in validate_plan(analysis.tu, nest, bare)


def test_an_atomic_array_cannot_be_reduced_as_well(tmp_path):
    path = _write(tmp_path, CLASSIFY, "classify")
    analysis = analyze_file(str(path))
    decision = next(d for d in analysis.decisions if d.plan and d.plan.atomic_updates)
    nest = next(n for n in analysis.nests if n.root_loop_id == decision.root_loop_id)
    from autopar.ir import ReductionOp
    from autopar.plans.plan import Reduction
    for variables in (["counts"], ["counts[:65536]"]):
        both = decision.plan.model_copy(update={"reductions": [Reduction(op=ReductionOp.MUL, variables=variables)]})
        assert "counts: updated atomically, not reduced" in validate_plan(analysis.tu, nest, both)


@pytest.mark.parametrize("name, head, inner", [
    ("steps of 2", "for (int i = 0; i < n; i += 2) {", "for (int k = 0; k < i; k++)"),
    ("a window that moves", "for (int i = 0; i < n; i++) {", "for (int k = i; k < i + f; k++)"),
])
def test_no_default_where_the_rows_work_grows_with_a_count_no_test_names(tmp_path, name, head, inner):
    text = CLASSIFY.replace("void classify(int n) {", "void classify(int n, int f) {").replace(
        "    for (int i = 0; i < n; i++) {", "    " + head, 1).replace(
        "for (int f = 0; f < F; f++)", inner, 1).replace("feature[i][f] * weight[f]", "feature[i][k % F] * weight[k % F]")
    text = text.replace("classify(N);", "classify(N, F);")
    path = _write(tmp_path, text, "moving")
    loop = next(l for l in analyze_file(str(path)).report.loops if l.line == LOOP_LINE)
    assert not loop.parallel and "atomic-updates" in loop.codes, (name, loop.pragma)
    assert "(double)(0)" not in _rewrite(tmp_path, path)
