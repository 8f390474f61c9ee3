"""Candidates, defaults and the independent plan check, on the bundled example and small C files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autopar.plans.candidates import analyze_nest, validate_plan
from autopar.decision.pipeline import analyze_file, load_translation_unit
from autopar.plans.plan import Directive, Plan, Proof, Reduction, Schedule
from autopar.ir import ReductionOp
from autopar.plans.plan import render_pragma

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "benchmarks" / "examples" / "matmul.c"


@pytest.fixture(scope="module")
def example():
    return analyze_file(str(EXAMPLE))


def nest_of(fa, function):
    root = next(l for l in fa.tu.nest_roots() if l.function == function)
    return root, next(n for n in fa.nests if n.root_loop_id == root.id)


def default_plan(nest):
    return next(c.plan for c in nest.candidates if c.id == nest.default_candidate_id)


def test_matmul_without_restrict_needs_a_runtime_check(example):
    root, nest = nest_of(example, "matmul")
    plan = default_plan(nest)
    assert plan.loop_id == root.id and plan.proof == Proof.RUNTIME_CHECK
    assert plan.alias_check == ("((const char *)(C + (long)n * n) <= (const char *)(A) || "
                                "(const char *)(A + (long)n * n) <= (const char *)(C)) && "
                                "((const char *)(C + (long)n * n) <= (const char *)(B) || "
                                "(const char *)(B + (long)n * n) <= (const char *)(C))")


def test_matmul_restrict_is_static(example):
    root, nest = nest_of(example, "matmul_restrict")
    plan = default_plan(nest)
    assert plan.loop_id == root.id and plan.proof == Proof.STATIC and plan.alias_check is None
    # n is symbolic: the region runs only when its work, n * n * n iterations, pays for it
    assert render_pragma(plan) == ("#pragma omp parallel for if(((double)(n) * (n) * (n) > 6666) && "
                                   "(autopar_team_pays_((double)(n) * (n) * (n) * 3e-05)))")
    # collapse(2) over the rectangular perfect pair i, j is offered, never over k
    assert {c.plan.collapse for c in nest.candidates if c.plan.loop_id == root.id} == {1, 2}


def test_prefix_sum_is_serial_with_the_flow_reason(example):
    root, nest = nest_of(example, "prefix_sum")
    assert nest.candidates == [] and nest.default_candidate_id is None
    assert nest.verdicts[0].reasons == [
        "flow dependence from out[i] (line 32) to out[i - 1] (line 32) carried by i, distance 1"]


def test_dot_is_a_sum_reduction(example):
    _, nest = nest_of(example, "dot")
    assert render_pragma(default_plan(nest)) == ("#pragma omp parallel for reduction(+: s) "
                                                "if((n > 6666) && (autopar_team_pays_((double)(n) * 3e-05)))")


def test_cli_json_report():
    out = subprocess.run([sys.executable, "-m", "autopar.cli", "analyze", str(EXAMPLE), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0 and "No module named autopar.cli.__main__" in out.stderr:
        pytest.skip("cli has no __main__")
    report = json.loads(out.stdout)
    loops = {(l["function"], l["depth"]): l for l in report["files"][0]["loops"]}
    assert loops[("matmul", 0)]["proof"] == "runtime-check" and loops[("matmul", 0)]["parallel"]
    assert loops[("matmul_restrict", 0)]["proof"] == "static"
    assert not loops[("prefix_sum", 0)]["parallel"]
    assert "reduction(+: s)" in loops[("dot", 0)]["pragma"]


def test_every_candidate_passes_validation_and_ids_are_stable(example):
    again = analyze_file(str(EXAMPLE))
    for nest, nest2 in zip(example.nests, again.nests):
        assert [c.model_dump() for c in nest.candidates] == [c.model_dump() for c in nest2.candidates]
        assert [c.id for c in nest.candidates] == [f"c{k}" for k in range(len(nest.candidates))]
        for c in nest.candidates:
            assert validate_plan(example.tu, nest, c.plan) == [], c.summary
            assert c.plan.proof != Proof.ASSUMPTION


def test_validation_rejects_wrong_plans(example):
    tu = example.tu
    root, nest = nest_of(example, "prefix_sum")
    assert any("flow dependence" in p for p in validate_plan(tu, nest, Plan(loop_id=root.id)))

    root, nest = nest_of(example, "dot")
    assert "s is a + reduction: it needs reduction(+: s)" in validate_plan(tu, nest, Plan(loop_id=root.id))
    wrong_op = Plan(loop_id=root.id, reductions=[Reduction(op=ReductionOp.MUL, variables=["s"])])
    assert any("not a * reduction" in p for p in validate_plan(tu, nest, wrong_op))
    twice = Plan(loop_id=root.id, private=["s"], reductions=[Reduction(op=ReductionOp.ADD, variables=["s"])])
    assert any("more than one data-sharing clause" in p for p in validate_plan(tu, nest, twice))
    private_read_only = Plan(loop_id=root.id, private=["n"],
                             reductions=[Reduction(op=ReductionOp.ADD, variables=["s"])])
    assert any("never written" in p for p in validate_plan(tu, nest, private_read_only))

    root, nest = nest_of(example, "matmul")
    good = default_plan(nest)
    assert validate_plan(tu, nest, good) == []
    no_check = good.model_copy(update={"alias_check": None, "proof": Proof.STATIC})
    assert any("missing or wrong alias check" in p for p in validate_plan(tu, nest, no_check))
    forged = good.model_copy(update={"alias_check": "1"})
    assert any("missing or wrong alias check" in p for p in validate_plan(tu, nest, forged))
    deep = good.model_copy(update={"collapse": 3})
    assert any("perfect nest" in p for p in validate_plan(tu, nest, deep))
    simd_outer = good.model_copy(update={"directive": Directive.SIMD, "alias_check": None})
    assert any("innermost" in p for p in validate_plan(tu, nest, simd_outer))
    threshold = good.model_copy(update={"threshold_check": "n > 0 || system(\"rm\")"})
    assert any("threshold" in p for p in validate_plan(tu, nest, threshold))


@pytest.fixture
def analyzed(tmp_path):
    def run(text: str):
        path = tmp_path / "k.c"
        path.write_text(text)
        tu = load_translation_unit(str(path))
        return tu, [analyze_nest(tu, root) for root in tu.nest_roots()]
    return run


def test_triangular_prefers_dynamic_and_rejects_collapse(analyzed):
    tu, [nest] = analyzed("""
void f(double *restrict r, const double *restrict a, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            r[i * n + j] = a[i * n + j] * 2.0;
}
""")
    plan = default_plan(nest)
    assert plan.schedule == Schedule.DYNAMIC and plan.loop_id == nest.root_loop_id
    assert all(c.plan.collapse == 1 for c in nest.candidates)
    collapsed = plan.model_copy(update={"collapse": 2, "schedule": None})
    assert any("not rectangular" in p for p in validate_plan(tu, nest, collapsed))


def test_symbolic_trip_counts_get_a_work_threshold_by_default(analyzed):
    tu, nests = analyzed("""
double g[4096], h[4096];
void f(int n) { for (int i = 0; i < n; i++) g[i] = h[i] * 2.0; }
void k(void) { for (int i = 0; i < 4096; i++) g[i] = h[i] + 1.0; }
""")
    symbolic, constant = nests
    thresholds = [c.plan.threshold_check for c in symbolic.candidates if c.plan.threshold_check]
    assert thresholds and thresholds[0].startswith("n > ")
    # the default carries it (a small n at run time runs serially); the plan without it is still offered
    assert default_plan(symbolic).threshold_check == thresholds[0]
    assert any(c.plan.threshold_check is None for c in symbolic.candidates)
    assert not any(c.plan.threshold_check for c in constant.candidates)


def test_simd_candidates_on_innermost_loops(analyzed):
    tu, [nest] = analyzed("""
void f(double *restrict a, const double *restrict b, int n) {
    for (int i = 0; i < n; i++) a[i] = b[i] * 2.0;
}
""")
    directives = {c.plan.directive for c in nest.candidates}
    # (no offload plan: restrict makes the loop legal, not a and b distinct storage for two maps)
    assert directives == {Directive.PARALLEL_FOR, Directive.PARALLEL_FOR_SIMD, Directive.SIMD}
    assert default_plan(nest).directive == Directive.PARALLEL_FOR


def test_lastprivate_needs_a_write_on_every_path(analyzed):
    tu, nests = analyzed("""
double f(double *restrict b, const double *restrict a) {
    double t = 0.0;
    for (int i = 0; i < 100000; i++) { t = a[i]; b[i] = t; }
    return t;
}
int g(const double *restrict a) {
    int last = -1;
    for (int i = 0; i < 100000; i++) if (a[i] > 1.0) last = i;
    return last;
}
""")
    always, sometimes = nests
    assert default_plan(always).lastprivate == ["t"]
    # assigned in some iterations only: conditional lastprivate, never a plain one
    assert default_plan(sometimes).conditional_lastprivate == ["last"] and not default_plan(sometimes).lastprivate
    root = sometimes.root_loop_id
    bad = Plan(loop_id=root, lastprivate=["last"])
    assert any("every path" in p or "conditional lastprivate" in p for p in validate_plan(tu, sometimes, bad))


def test_calls_block_with_the_callee_named(analyzed):
    tu, nests = analyzed("""
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
static double sq(double x) { return x * x; }
void f(double *restrict a, int n) { for (int i = 0; i < n; i++) printf("%f", a[i]); }
void g(double *restrict a, int n) { for (int i = 0; i < n; i++) a[i] = rand(); }
void h(double *restrict a, int n) { for (int i = 0; i < n; i++) a[i] = sq(sqrt(a[i])); }
""")
    io, rnd, pure = nests
    assert io.verdicts[0].reasons == ["calls printf (I/O)"]
    assert "calls rand" in rnd.verdicts[0].reasons[0]
    assert pure.default_candidate_id is not None


def test_every_loop_of_a_nest_gets_a_verdict(analyzed):
    tu, [nest] = analyzed("""
void f(double *restrict a, int n, int m) {
    for (int i = 1; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i * m + j] = a[(i - 1) * m + j] + 1.0;
}
""")
    outer, inner = nest.verdicts
    assert not outer.parallelizable and "carried by i, distance 1" in outer.reasons[0]
    assert inner.parallelizable
    assert default_plan(nest).loop_id == inner.loop_id


def test_a_loop_the_analysis_cannot_finish_stays_serial(analyzed, monkeypatch):
    import autopar.plans.candidates.legality as legality

    def broken(ctx, loop):
        raise RuntimeError("boom")

    monkeypatch.setattr(legality, "_legality", broken)
    tu, [nest] = analyzed("void f(double *restrict a, int n) { for (int i = 0; i < n; i++) a[i] = 0; }")
    assert nest.candidates == [] and nest.default_candidate_id is None
    assert "could not finish (RuntimeError: boom)" in nest.verdicts[0].reasons[0]


def test_no_parallel_for_simd_with_a_reduction(example):
    # clang 14 -O1 computes half the sum for `parallel for simd reduction(+: s)`: never offered
    root, nest = nest_of(example, "dot")
    assert all(not (c.plan.directive == Directive.PARALLEL_FOR_SIMD and c.plan.reductions)
               for c in nest.candidates)
    plan = default_plan(nest).model_copy(update={"directive": Directive.PARALLEL_FOR_SIMD})
    assert any("miscompiled" in p for p in validate_plan(example.tu, nest, plan))


def test_a_bound_read_from_memory_the_loop_may_write_blocks(analyzed):
    tu, [aliased, restricted] = analyzed("""
struct V { int len; double *d; };
void h(struct V *v, double *out) { for (int i = 0; i < v->len; i++) out[i] = 1.0; }
void k(const struct V *restrict v, double *restrict out) { for (int i = 0; i < v->len; i++) out[i] = 1.0; }
""")
    # v->len is a parameter of the model (nothing of its type is written by name); that `out` might
    # point at it is left to a runtime overlap check
    chosen = next(c for c in aliased.candidates if c.id == aliased.default_candidate_id)
    assert chosen.plan.proof.value == "runtime-check" and "&v->len" in chosen.plan.alias_check
    assert restricted.default_candidate_id is not None


def test_a_nest_the_analysis_cannot_finish_stays_serial(analyzed, monkeypatch):
    import autopar.plans.candidates.generate as generate

    def broken(tu, plan, root=None):
        raise ValueError("cost")

    monkeypatch.setattr(generate, "estimate", broken)
    tu, [nest] = analyzed("void f(double *restrict a, int n) { for (int i = 0; i < n; i++) a[i] = 0; }")
    assert nest.candidates == [] and nest.default_candidate_id is None
    assert "could not finish (ValueError: cost)" in nest.verdicts[0].reasons[0]


FFT_STAGES = """
void stages(double *re, const double *wr, int n) {
    for (int len = 2; len <= n; len <<= 1) {
        int half = len / 2;
        for (int start = 0; start < n; start += len) {
            for (int k = 0; k < half; k++) {
                double t = wr[k] * re[start + k + half];
                re[start + k + half] = re[start + k] - t;
                re[start + k] = re[start + k] + t;
            }
        }
    }
}
"""


def test_a_variable_an_outer_loop_writes_is_a_parameter_of_the_inner_loop(analyzed):
    tu, [nest] = analyzed(FFT_STAGES)
    k = next(l for l in tu.loops if l.canonical and l.canonical.induction_variable == "k")
    start = next(l for l in tu.loops if l.canonical and l.canonical.induction_variable == "start")
    verdict = next(v for v in nest.verdicts if v.loop_id == k.id)
    assert verdict.parallelizable, verdict.reasons
    # the start loop steps by len (its blocks are windows); the len loop is not canonical
    assert start.canonical.step_symbol == "len"
    assert [v.loop_id for v in nest.verdicts if v.parallelizable] == [start.id, k.id]


def test_butterflies_run_in_blocks_under_their_guard_or_as_one_wide_loop(analyzed):
    """Butterflies of varying width inside a loop over blocks of width len: the block loop is
    parallel when each block's butterflies stay within it (2 * half <= len) and its step is usable
    by OpenMP, checked at run time; the butterfly loop, with its work threshold, stays a candidate."""
    tu, [nest] = analyzed(FFT_STAGES)
    start = next(l for l in tu.loops if l.canonical and l.canonical.induction_variable == "start")
    chosen = next(c for c in nest.candidates if c.id == nest.default_candidate_id)
    assert chosen.plan.loop_id == start.id and chosen.plan.proof == Proof.RUNTIME_CHECK
    assert chosen.plan.alias_check.startswith("(len > 0 && (long long)len + (long long)n - 1LL <= 2147483647LL)")
    assert "(2 * (long long)half - (long long)len - 1LL >= 0)" in chosen.plan.alias_check
    assert any(c.plan.loop_id != start.id and c.plan.threshold_check and c.plan.threshold_check.startswith("half > ")
               for c in nest.candidates)


def test_small_constant_windows_count_as_small_and_large_inner_work_still_wins(analyzed):
    tu, [small, large] = analyzed("""
void small(float *out, const float *in, const int *restrict rows, int n) {
    for (int o = 0; o < n; o++) {
        int r = rows[o];
        float best = in[r];
        for (int d = 0; d < 2; d++)
            if (in[r + d] > best)
                best = in[r + d];
        out[o] = best;
    }
}

void large(double *restrict a, const double *restrict w, int n, int m) {
    for (int i = 1; i < n; i++)
        for (int j = 0; j < m; j++)
            a[i * m + j] = a[(i - 1) * m + j] * 0.5 + w[j] * w[j + 1];
}
""")
    assert small.default_candidate_id is None and small.candidates
    assert "would be entered" in small.default_reason
    plan = default_plan(large)
    inner = next(l for l in tu.loops if l.function == "large" and l.depth == 1)
    assert plan.loop_id == inner.id and plan.directive == Directive.PARALLEL_FOR


def test_simd_over_a_gather_gains_nothing(analyzed):
    tu, [nest] = analyzed("""
void pull(double *out, const int *ptr, const int *idx, const double *x, int n) {
    for (int v = 0; v < n; v++) {
        double s = 0.0;
        for (int e = ptr[v]; e < ptr[v + 1]; e++)
            s += x[idx[e]];
        out[v] = s;
    }
}
""")
    assert nest.default_candidate_id is None
    assert any(c.plan.directive == Directive.SIMD for c in nest.candidates)


# ------------------------------------------------------------------ issue 10: wrong output found by fuzzing

def _verdict(nest):
    return nest.verdicts[0]


def test_lastprivate_needs_a_loop_that_provably_runs(analyzed):
    tu, nests = analyzed("""
int a[4000];
int iv_may_skip(int n) { int i = 99; for (i = 5; i < n; i++) a[i] = i; return i; }
int t_may_skip(int n) { int t = 7; for (int i = 0; i < n; i++) { t = a[i] + 1; a[i] = t; } return t; }
int iv_runs(void) { int i = 99; for (i = 5; i < 4000; i++) a[i] = i; return i; }
void inner_runs(int n) {
    for (int i = 1; i < n; i++) {
        int j;
        for (j = 0; j < i; j++) a[j] += 1;
        a[i] = j;
    }
}
""")
    iv, t, runs, inner = nests
    for nest, name, first_test in ((iv, "i", "(int)(5) < (n)"), (t, "t", "(int)(0) < (n)")):
        # lastprivate only under a run-time test that the loop runs (the rewrite keeps a serial copy)
        assert nest.candidates
        assert all(c.plan.runs_check == first_test for c in nest.candidates)
        assert any(c.plan.lastprivate == [name] for c in nest.candidates)
        # a plan without that test, written by hand (or by a model), is rejected
        bad = Plan(loop_id=nest.root_loop_id, lastprivate=[name])
        assert any("runs check" in p for p in validate_plan(tu, nest, bad))
        simd = bad.model_copy(update={"directive": Directive.SIMD})
        assert validate_plan(tu, nest, simd)
        assert validate_plan(tu, nest, simd.model_copy(update={"runs_check": first_test}))
    assert render_pragma(default_plan(runs)) == "#pragma omp parallel for lastprivate(i)"
    # inside `for (i = 1; ...)` the inner loop `j < i` runs at least once: j may be lastprivate there
    inner_loop = next(l for l in tu.loops if l.parent == inner.root_loop_id)
    assert any(c.plan.loop_id == inner_loop.id and c.plan.lastprivate == ["j"] for c in inner.candidates)


def test_narrowing_min_max_updates_are_not_reductions(analyzed):
    tu, nests = analyzed("""
int a[4000];
int narrow(int n) { signed char mx = -1; for (int i = 0; i < n; i++) if (a[i] > mx) mx = a[i]; return mx; }
int unarrow(int n) { unsigned char mx = 0; for (int i = 0; i < n; i++) mx = a[i] > mx ? a[i] : mx; return mx; }
long wide(int n) { long mx = -1; for (int i = 0; i < n; i++) if (a[i] > mx) mx = a[i]; return mx; }
int sum8(int n) { signed char s = 0; for (int i = 0; i < n; i++) s += a[i]; return s; }
int truncating(const double *restrict d, int n) { int s = 0; for (int i = 0; i < n; i++) s += d[i]; return s; }
""")
    narrow, unarrow, wide, sum8, truncating = nests
    for nest, text in ((narrow, "int to signed char"), (unarrow, "int to unsigned char")):
        assert not nest.candidates
        assert any(f"narrowing max update: mx is assigned through a conversion from {text}" in r
                   for r in _verdict(nest).reasons)
        bad = Plan(loop_id=nest.root_loop_id, reductions=[Reduction(op=ReductionOp.MAX, variables=["mx"])])
        assert validate_plan(tu, nest, bad)
    assert render_pragma(default_plan(wide)).startswith("#pragma omp parallel for reduction(max: mx) if((n > ")
    # + wraps modulo 2^8 whatever the order: the narrowing is harmless
    assert render_pragma(default_plan(sum8)).startswith("#pragma omp parallel for reduction(+: s) if((n > ")
    # double to int truncates each partial sum: not a reduction
    assert not truncating.candidates
    assert any("narrowing + update" in r for r in _verdict(truncating).reasons)


def test_logical_reductions_need_a_0_or_1_start_or_an_iteration(analyzed):
    tu, nests = analyzed("""
int a[4000];
int minus_one(int n) { int ok = -1; for (int i = 0; i < n; i++) ok = ok && a[i] > 3; return ok; }
int from_one(int n) { int ok = 1; for (int i = 0; i < n; i++) ok = ok && a[i] > 3; return ok; }
int runs(void) { int ok = -1; for (int i = 0; i < 4000; i++) ok = ok || a[i] > 3; return ok; }
_Bool flag(int n, _Bool ok) { for (int i = 0; i < n; i++) ok = ok && a[i] > 3; return ok; }
""")
    minus_one, from_one, runs, flag = nests
    # with no iteration the start value -1 must survive: && only under a run-time test that the loop runs
    assert minus_one.candidates and all(c.plan.runs_check == "(int)(0) < (n)" for c in minus_one.candidates)
    bad = Plan(loop_id=minus_one.root_loop_id, reductions=[Reduction(op=ReductionOp.LAND, variables=["ok"])])
    assert any("runs check" in p for p in validate_plan(tu, minus_one, bad))
    assert not from_one.candidates[0].plan.runs_check
    assert render_pragma(default_plan(from_one)).startswith("#pragma omp parallel for reduction(&&: ok)")
    assert render_pragma(default_plan(runs)).startswith("#pragma omp parallel for reduction(||: ok)")
    assert render_pragma(default_plan(flag)).startswith("#pragma omp parallel for reduction(&&: ok)")


def test_unsigned_counters_that_may_wrap_stay_serial(analyzed):
    tu, nests = analyzed("""
#include <stddef.h>
int b[4000];
void wraps(void) { for (unsigned i = -7; i != 5; i++) b[i + 7] = 1; }
void ne_symbolic(unsigned lo, unsigned n) { for (unsigned i = lo; i != n; i++) b[i & 1023] = 1; }
void ne_from_zero(unsigned n) { for (unsigned i = 0; i != n; i++) b[i] = 2; }
void signed_vs_unsigned(int lo, size_t n) { for (int i = lo; i < n; i++) b[i] = 3; }
void signed_from_zero(size_t n) { for (int i = 0; i < n; i++) b[i] = 4; }
void narrow_counter(void) { for (unsigned char c = 250; c != 5; c++) b[c] = 5; }
""")
    wraps, ne_symbolic, ne_from_zero, signed_vs_unsigned, signed_from_zero, narrow_counter = nests
    for nest, phrase in ((wraps, "unsigned loop may wrap"), (ne_symbolic, "unsigned loop may wrap"),
                         (signed_vs_unsigned, "compared as unsigned"), (narrow_counter, "unsigned loop may wrap")):
        assert not nest.candidates, nest.candidates[0].summary
        assert any(phrase in r for r in _verdict(nest).reasons), _verdict(nest).reasons
        for directive in (Directive.SIMD, Directive.PARALLEL_FOR):
            assert any(phrase in p for p in validate_plan(tu, nest, Plan(loop_id=nest.root_loop_id,
                                                                          directive=directive)))
    assert ne_from_zero.candidates and signed_from_zero.candidates


def test_a_loop_form_the_compilers_reject_gets_no_pragma(analyzed):
    tu, [nest] = analyzed("int a[1000];\nvoid f(void) { for (int i = 0; (i < 1000); i++) a[i] = 2 * i; }\n")
    assert not nest.candidates
    assert any("gcc rejects a parenthesized loop condition" in r for r in _verdict(nest).reasons)
    assert any("parenthesized" in p for p in validate_plan(tu, nest, Plan(loop_id=nest.root_loop_id)))


def test_floating_point_reductions_follow_the_policy(tmp_path, monkeypatch):
    path = tmp_path / "fp.c"
    path.write_text("double dsum(const double *d, int n) {\n    double s = 0;\n"
                    "    for (int i = 0; i < n; i++)\n        s += d[i];\n    return s;\n}\n"
                    "long isum(const long *v, int n) {\n    long s = 0;\n"
                    "    for (int i = 0; i < n; i++)\n        s += v[i];\n    return s;\n}\n")
    monkeypatch.delenv("AUTOPAR_FP_REDUCTIONS", raising=False)

    def loops(*flags):
        report = analyze_file(str(path), list(flags)).report
        return {l.function: l for l in report.loops}

    allowed = loops()
    assert allowed["dsum"].pragma.startswith("#pragma omp parallel for reduction(+: s) if((n > ")
    assert any("result may differ in rounding" in r for r in allowed["dsum"].reasons)
    assert not any("rounding" in r for r in allowed["isum"].reasons)
    strict = loops("-frounding-math")
    assert not strict["dsum"].parallel and strict["isum"].parallel
    assert any("floating-point reduction on s kept serial" in r for r in strict["dsum"].reasons)
    assert loops("-frounding-math", "-ffast-math")["dsum"].parallel  # the last flag wins
    monkeypatch.setenv("AUTOPAR_FP_REDUCTIONS", "strict")  # the environment wins over the flags
    assert not loops("-ffast-math")["dsum"].parallel
    fa = analyze_file(str(path))
    nest = fa.nests[0]
    plan = Plan(loop_id=nest.root_loop_id, reductions=[Reduction(op=ReductionOp.ADD, variables=["s"])])
    assert any("strict floating-point policy" in p for p in validate_plan(fa.tu, nest, plan))


def test_a_subscript_through_a_narrow_integer_type_is_not_affine(analyzed):
    tu, nests = analyzed("""
int a[1000];
void cast(void) { for (int i = 0; i < 1000; i++) a[(unsigned char)i] = i; }
void local(int n) { for (int i = 0; i < n; i++) { unsigned char c = i; a[c] = i; } }
void widening(int n) { for (int i = 0; i < n; i++) { long c = i; a[c] = i; } }
void narrow_counter(void) { for (unsigned char c = 0; c < 200; c++) a[c] = c; }
""")
    cast, local, widening, narrow_counter = nests
    for nest in (cast, local):
        assert not nest.candidates
        assert any("narrowing conversion" in r for r in _verdict(nest).reasons)
        assert validate_plan(tu, nest, Plan(loop_id=nest.root_loop_id, directive=Directive.SIMD))
    assert widening.candidates and narrow_counter.candidates


def test_the_trip_count_proof_ignores_bounds_an_enclosing_loop_changes(analyzed):
    tu, nests = analyzed("""
int a[1000];
int stale(int k, int n) {
    int s = 0;
    for (int o = k + 1; o < n; o++) {
        int j = 42;
        for (j = 0; j < o - k; j++) a[j] = j;
        s += j;
        k = k + 7;
    }
    return s;
}
""")
    [nest] = nests
    inner = next(l for l in tu.loops if l.parent == nest.root_loop_id)
    # o >= k + 1 held for the k the outer loop started with, not for the k the inner loop reads: the
    # inner loop's lastprivate(j) needs the run-time test, made with the k it reads
    inner_plans = [c.plan for c in nest.candidates if c.plan.loop_id == inner.id]
    assert inner_plans and all(p.runs_check == "(int)(0) < (o - k)" for p in inner_plans)


def test_an_overloaded_name_is_unknown_work_and_lends_no_address(tmp_path):
    """A call site names `f`, not which overload: one summary per name would judge `f(&t, 0)`, which
    keeps the address, by `f(double *)`, which only updates `*p`."""
    source = tmp_path / "over.cpp"
    source.write_text("double y[4000];\ndouble *keep;\n"
                      "static void f(double *p, int) { keep = p; }\n"
                      "static void f(double *p) { *p += 1.0; }\n"
                      "void run(int n) {\n    double t = 0;\n"
                      "    for (int i = 0; i < n; i++) { t = i; f(&t, 0); f(&t); y[i] = t; }\n}\n")
    analysis = analyze_file(str(source))
    (loop,) = [l for l in analysis.report.loops if l.function == "run"]
    assert not loop.parallel and "call-effect" in loop.codes, loop.reasons
    # the same with one function of each name (C): t is lent, and private
    c = tmp_path / "lend.c"
    c.write_text("double y[4000];\nstatic void g(double *p) { *p += 1.0; }\n"
                 "void run(int n) {\n    double t = 0;\n"
                 "    for (int i = 0; i < n; i++) { t = i; g(&t); y[i] = t; }\n}\n")
    (loop,) = [l for l in analyze_file(str(c)).report.loops if l.function == "run"]
    assert loop.parallelizable and "address-taken" not in loop.codes, loop.reasons


@pytest.mark.parametrize("name, text", [
    # the address kept in an array of pointers, read back through it
    ("ptrs.c", "double a[4000], b[4000];\nvoid run(int n) {\n    double v = 0.0;\n    double *ps[4]; ps[0] = &v;\n"
               "    for (int i = 0; i < n; i++) { v = a[i] * 2.0; b[i] = *ps[0] + 1.0; }\n}\n"),
    # a global whose address another function keeps
    ("glob.c", "double a[4000], b[4000], v;\ndouble *gp[1];\nvoid keep(void) { gp[0] = &v; }\n"
               "void run(int n) {\n    for (int i = 0; i < n; i++) { v = a[i] * 2.0; b[i] = gp[0][0] + 1.0; }\n}\n"),
    # a C++ reference bound before the loop
    ("ref.cpp", "double a[4000], b[4000];\nvoid run(int n) {\n    double v = 0.0;\n    double &r = v;\n"
                "    for (int i = 0; i < n; i++) { v = a[i] * 2.0; b[i] = r + 1.0; }\n}\n"),
    # passed before the loop to a C++ reference parameter that keeps its address
    ("keep.cpp", "double a[4000], b[4000];\nstatic double *gp;\nstatic void keep(double &x) { gp = &x; }\n"
                 "void run(int n) {\n    double v = 0.0;\n    keep(v);\n"
                 "    for (int i = 0; i < n; i++) { v = a[i] * 2.0; b[i] = v + *gp; }\n}\n"),
])
def test_an_escaped_address_the_loop_may_use_keeps_the_scalar_shared(tmp_path, name, text):
    source = tmp_path / name
    source.write_text(text)
    (loop,) = [l for l in analyze_file(str(source)).report.loops if l.function == "run"]
    assert not loop.parallelizable and "address-taken" in loop.codes, loop.reasons


def test_validation_rejects_copies_of_arrays_and_structs_the_loop_accesses(tmp_path):
    """A decisions file's `reduction(+: a)` on a whole array added its old elements in again (a wrong
    checksum at one thread), `firstprivate(s)` of a struct whose member array the loop writes lost the
    writes, an empty reduction list did not compile, a member name is no clause variable."""
    path = tmp_path / "copies.c"
    path.write_text("double a[1000], b[1000];\nstruct S { double v[1000]; double w; } s;\n"
                    "void f(int n) { for (int i = 0; i < n; i++) a[i] = b[i] + 1.0; }\n"
                    "void g(int n) { for (int i = 0; i < n; i++) s.v[i] = b[i] + s.w; }\n")
    tu = load_translation_unit(str(path), [])
    analysis = analyze_file(str(path), [])
    for function, plan_fields, message in (
            ("f", {"reductions": [Reduction(op=ReductionOp.ADD, variables=["a"])]}, "the array a"),
            ("f", {"reductions": [Reduction(op=ReductionOp.ADD, variables=["b"])]}, "the array b"),
            ("f", {"reductions": [Reduction(op=ReductionOp.ADD, variables=[])]}, "names no variable"),
            ("g", {"firstprivate": ["s"]}, "s.v of s"),
            ("g", {"firstprivate": ["s.v"]}, "not a variable's name")):
        loop = next(l for l in tu.loops if l.function == function)
        nest = analysis.nest_of(loop.id)
        problems = validate_plan(tu, nest, default_plan(nest).model_copy(update=plan_fields))
        assert any(message in p for p in problems), (function, plan_fields, problems)
