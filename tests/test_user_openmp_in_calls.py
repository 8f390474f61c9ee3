"""The user's own OpenMP and code no summary models, where a loop autopar parallelizes reaches it:
an orphaned `omp for`, `single`, `master`, `barrier` or region in a called function, and a
`parallel`, `single` or `master` directly in the loop's body, bind to the team of a pragma on the
loop (a loop of rows came out a quarter done, or hung at 3 threads); a callee's `asm`, its cleanup
handlers, and the threadprivate (or thread-local) globals it reads are each thread's own or unseen
(counters lost updates; worker threads read 0)."""

from __future__ import annotations

import pytest

from autopar.decision.pipeline import analyze_tu, load_translation_unit

CALLEES = {
    "orphaned-for": "static void work(double *r, int m) {\n#pragma omp for\n  for (int j = 0; j < m; j++) r[j] = j;\n}\n",
    "single": "static void work(double *r, int m) {\n#pragma omp single\n  r[0] = m;\n}\n",
    "barrier": "static void work(double *r, int m) {\n  r[0] = m;\n#pragma omp barrier\n}\n",
    "region": "static void work(double *r, int m) {\n  int t = 0;\n#pragma omp parallel reduction(+: t)\n  t += 1;\n"
              "  r[0] = m + t;\n}\n",
    "macro": '#define ONCE _Pragma("omp single")\nstatic void work(double *r, int m) {\n  ONCE\n  r[0] = m;\n}\n',
    "asm": "static long counter;\nstatic void work(double *r, int m) {\n  __asm__ volatile(\"incq %0\" : \"+m\"(counter));\n"
           "  r[0] = m;\n}\n",
    "cleanup": "static long released;\nstatic void rel(int *p) { released += *p; }\n"
               "static void work(double *r, int m) {\n  int x __attribute__((cleanup(rel))) = m;\n  r[0] = x;\n}\n",
    "plain": "static void work(double *r, int m) {\n  for (int j = 0; j < m; j++) r[j] = j;\n}\n",
}

CALLER = "double a[1000][64];\nvoid caller(void) {\n  for (int i = 0; i < 1000; i++) work(a[i], 64);\n}\n"


def _caller_verdict(tmp_path, text: str, name: str = "c.c", function: str = "caller"):
    path = tmp_path / name
    path.write_text(text)
    tu = load_translation_unit(str(path), [])
    analysis = analyze_tu(tu)
    loop = next(l for l in tu.loops if l.function == function and l.parent is None)
    return next(v for v in analysis.nest_of(loop.id).verdicts if v.loop_id == loop.id)


@pytest.mark.parametrize("callee", sorted(CALLEES))
def test_a_callee_whose_code_no_summary_models_keeps_its_callers_loop_serial(tmp_path, callee):
    verdict = _caller_verdict(tmp_path, CALLEES[callee] + CALLER)
    assert verdict.parallelizable == (callee == "plain"), verdict.reasons


@pytest.mark.parametrize("construct, parallel", [
    ("#pragma omp parallel num_threads(2)\n    { a[i] += 1; }", False),
    ("#pragma omp single\n    a[i] += 1;", False),
    ("#pragma omp master\n    a[i] += 1;", False),
    ('_Pragma("omp masked") a[i] += 1;', False),
    ("#pragma omp atomic\n    a[i] += 1;", True),  # the same in a team: the loop stays free
    ("#pragma omp critical\n    a[i] += 1;", True),
])
def test_an_omp_construct_in_the_body_keeps_the_loop_serial(tmp_path, construct, parallel):
    verdict = _caller_verdict(tmp_path, f"double a[1000];\nvoid caller(void) {{\n  for (int i = 0; i < 1000; i++) {{\n"
                                        f"    {construct}\n  }}\n}}\n")
    assert verdict.parallelizable == parallel, verdict.reasons
    assert parallel or "contains-pragma" in verdict.codes


@pytest.mark.parametrize("declaration", [
    "int tp = 0;\n#pragma omp threadprivate(tp)\n",
    "_Thread_local int tp = 0;\n",
    "#define DO_PRAGMA(x) _Pragma(#x)\n#define THREADPRIVATE(v) DO_PRAGMA(omp threadprivate(v))\nint tp = 0;\nTHREADPRIVATE(tp)\n",
])
def test_a_threadprivate_global_read_in_a_callee_keeps_the_loop_serial(tmp_path, declaration):
    text = declaration + ("int a[1000];\nstatic int get(int i) { return tp + i; }\n"
                          "void caller(void) {\n  tp = 5;\n  for (int i = 0; i < 1000; i++) a[i] = get(i);\n}\n")
    verdict = _caller_verdict(tmp_path, text)
    assert not verdict.parallelizable and "threadprivate" in verdict.codes
