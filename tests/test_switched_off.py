"""Switched-off statements (autopar/frontend/switched_off.py, autopar/plans/candidates/variants.py):
`if (flag) call();` inside a loop, read as doing nothing, so the loop runs in parallel under `!flag`
beside its serial copy. NAS EP's shape is the model: its main loop times itself through another
file's timer, and its scratch array `x` is filled before the loop and in every iteration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autopar.decision.pipeline import analyze_file, load_translation_unit
from autopar.edit.transform import transform_file
from autopar.frontend.switched_off import blanked
from autopar.report.explain import explain_loop

# EP's main loop, as NAS writes it: the timers are another file's, `x` is dead after the loop
EP = r"""#include <stdio.h>
#include <stdlib.h>
void timer_start(int n);
void timer_stop(int n);
static double x[2048];
static double q[10];
int timers_enabled;

static void fill(int n, double seed, double y[]) {
    for (int i = 0; i < n; i++) {
        seed = seed * 1.000001 + 0.37;
        y[i] = seed - (double)(long)seed;
    }
}

int main(int argc, char **argv) {
    double sx = 0.0;
    timers_enabled = argc > 1;
    fill(0, 0.0, x);
    for (int k = 0; k < 200; k++) {
        if (timers_enabled) timer_start(1);
        fill(2048, (double)k, x);
        if (timers_enabled) timer_stop(1);
        for (int i = 0; i < 1024; i++) {
            double t = x[2 * i] * x[2 * i] + x[2 * i + 1] * x[2 * i + 1];
            if (t < 1.0) {
                int l = (int)(t * 10);
                q[l] = q[l] + 1.0;
                sx = sx + t;
            }
        }
    }
    printf("%.6f", sx);
    for (int l = 0; l < 10; l++) printf(" %.0f", q[l]);
    printf("\n");
    return 0;
}
"""

TIMERS = r"""#include <stdio.h>
static int calls[4];
void timer_start(int n) { calls[n]++; }
void timer_stop(int n) { if (calls[n] == 200) fprintf(stderr, "timer %d: %d calls\n", n, calls[n]); }
"""


def _k_loop(report):
    return next(l for l in report.loops if l.function == "main" and l.depth == 0 and l.induction_variable == "k")


def test_blanking_keeps_every_offset_line_and_column():
    text = "int f(int g) {\n  for (int i = 0; i < 9; i++) {\n    if (g) { puts(\"é\");\n      h(i); }\n    if (g) h(i);\n  }\n}\n"
    tu_text = text.encode()
    first = tu_text.index(b"{ puts")
    second = tu_text.index(b"h(i);\n  }")

    class S:  # (the two statements' extents, as SwitchedOff gives them)
        def __init__(self, start, end):
            self.start, self.end = start, end

    out = blanked(text, [S(first, tu_text.index(b"}", first) + 1), S(second, second + 4)]).encode()
    assert len(out) == len(tu_text) and out.count(b"\n") == tu_text.count(b"\n")
    assert b"puts" not in out and b"h(i)" not in out
    assert out.split(b"\n")[2].startswith(b"    if (g) {") and out.split(b"\n")[4] == b"    if (g) 0   ;"
    assert blanked(text, []) == text


def test_the_main_loop_runs_in_parallel_while_the_timers_are_off(tmp_path):
    source = tmp_path / "ep.c"
    source.write_text(EP)
    tu = load_translation_unit(str(source))
    assert [s.flags for s in tu.switchable] == [["timers_enabled"], ["timers_enabled"]]
    assert {s.test for s in tu.switchable} == {"!timers_enabled"}
    report = analyze_file(str(source)).report
    k = _k_loop(report)
    assert k.parallel and k.proof == "runtime-check" and "flag-off" in k.codes
    assert "private(x)" in k.pragma and "reduction(+: q[:10], sx)" in k.pragma and "!timers_enabled" in k.pragma
    # the loop inside keeps its own verdict (it could carry the pragma on its own)
    inner = next(l for l in report.loops if l.parent == k.id)
    assert inner.parallelizable
    # explain shows the loop as the analysis read it: the timers' calls switched off
    text = explain_loop(str(source), k.line).text
    assert "read with `if (timers_enabled) timer_start(1)`" in text and "timer_start()" not in text

    rewritten = transform_file(str(source))
    text = rewritten.rewritten.decode()
    assert "if (!timers_enabled) {" in text and "/* autopar: off" in text  # the serial copy for the flag set
    (tmp_path / "par.c").write_text(text)
    (tmp_path / "timers.c").write_text(TIMERS)
    subprocess.run(["gcc", "-O2", "-fopenmp", "par.c", "timers.c", "-o", "par"], cwd=tmp_path, check=True)
    subprocess.run(["gcc", "-O2", "ep.c", "timers.c", "-o", "serial"], cwd=tmp_path, check=True)
    for args in ([], ["timed"]):  # the flag off (the parallel loop), then on (the serial copy, timed)
        serial = subprocess.run(["./serial", *args], cwd=tmp_path, capture_output=True, text=True, check=True)
        parallel = subprocess.run(["./par", *args], cwd=tmp_path, capture_output=True, text=True, check=True,
                                  env={**os.environ, "OMP_NUM_THREADS": "4"})
        assert parallel.stdout.split()[1:] == serial.stdout.split()[1:]  # the counts exactly
        assert abs(float(parallel.stdout.split()[0]) - float(serial.stdout.split()[0])) < 1e-6 * float(serial.stdout.split()[0])
        assert parallel.stderr == serial.stderr  # the timers ran exactly when the serial build ran them
    # a second rewrite finds nothing more to do
    (tmp_path / "again.c").write_text(text)
    assert transform_file(str(tmp_path / "again.c")).edits == []


NEAR = """#include <stdio.h>
void timer_start(int n); void keep(double *p); int timers_enabled; _Thread_local int mine; double a[1000000];
long carry; int opts[4]; FILE *log_file;
enum mode { QUIET, TRACE }; enum mode mode;
#define NOTE(i) timer_start(1); carry = carry * 3 + (long)a[i]
#define ON timers_enabled
void f(void) {
    for (int i = 0; i < 1000000; i++) { BODY }
}
"""


@pytest.mark.parametrize("name, body, parallel", [
    ("control", "if (timers_enabled) timer_start(1); a[i] = i;", True),
    # the loop writes the flag: a later iteration may run the call
    ("written", "if (timers_enabled) timer_start(1); a[i] = i; timers_enabled = a[i] > 5.0;", False),
    # an `else` branch is read as written: it is what runs while the flag is 0
    ("else", "if (timers_enabled) timer_start(1); else a[i] = i;", True),
    ("else carried", "if (timers_enabled) timer_start(1); else carry = carry * 3 + (long)a[i];", False),
    # the call is handed an array: it may keep its address from a run with the flag set
    ("lends", "if (timers_enabled) keep(a); a[i] = i;", False),
    # a test of flags: its negation is the loop's test
    ("compared", "if (timers_enabled > 1 && opts[0] == 0) timer_start(1); a[i] = i;", False),
    ("levels", "if (timers_enabled > 1 || carry == 2) timer_start(1); a[i] = i;", True),
    ("file", "a[i] = i; if (log_file) fprintf(log_file, \"%d\\n\", i);", True),
    # a file-scope enum's constant means the same before the loop; one declared in the loop does not
    ("enum", "if (mode == TRACE) timer_start(1); a[i] = i;", True),
    ("enum in the loop", "{ enum { LOUD = 1 }; if (mode == LOUD) timer_start(1); } a[i] = i;", False),
    # an element, a macro: not variables the test can name at the loop's start as the `if` does
    ("element", "if (opts[1]) timer_start(1); a[i] = i;", False),
    ("macro flag", "if (ON) timer_start(1); a[i] = i;", False),
    # another variable of the flag's name, declared in the loop: the test at its start would name the global
    ("shadowed", "a[i] = i + timers_enabled; { int timers_enabled = i % 7 == 0; if (timers_enabled) timer_start(1); }",
     False),
    # each thread has its own copy of a thread-local flag
    ("thread-local", "if (mine) timer_start(1); a[i] = i;", False),
    # the macro's second statement runs whatever the flag: blanking its text would drop it
    ("macro", "a[i] = i; if (timers_enabled) NOTE(i);", False),
    # left in the parallel loop's text, a break or return would not compile
    ("break", "if (timers_enabled) { timer_start(1); break; } a[i] = i;", False),
    ("return", "if (timers_enabled) { timer_start(1); return; } a[i] = i;", False),
])
def test_flags_near_misses(tmp_path, name, body, parallel):
    source = tmp_path / "near.c"
    source.write_text(NEAR.replace("BODY", body))
    loop = analyze_file(str(source)).report.loops[0]
    assert loop.parallel == parallel, (name, loop.pragma, loop.reasons[:2])
    if parallel:
        assert {"control": "!timers_enabled", "levels": "!(timers_enabled > 1 || carry == 2)",
                "file": "!log_file", "else": "!timers_enabled", "enum": "!(mode == TRACE)"}[name] in loop.pragma


DEAD = """#include <setjmp.h>
#include <stdio.h>
static double x[16384];
static jmp_buf env;
static void fill(int n, double s, double y[]) {
    for (int i = 0; i < n; i++) y[i] = s * 0.5 + i;
}
int main(void) {
    double s = 0.0;
    PRE
    fill(0, 0.0, x);
    x[3] = -1.0;
    for (int k = 0; k < 100; k++) {
        fill(16384, (double)k, x);
        for (int i = 0; i < 16384; i++) s += x[i];
    }
    POST
    printf("%g\n", s);
    return 0;
}
"""


@pytest.mark.parametrize("name, pre, post, private", [
    ("EP", "", "", True),
    # a pointer to main: it may run again, and its code before the loop read x
    ("pointer to main", "int (*again)(void) = main; (void)again;", "", False),
    # a longjmp may come back to before the loop
    ("setjmp", "if (setjmp(env)) return 1;", "", False),
    # x read after the loop through a block-scope declaration of it
    ("extern after", "", "{ extern double x[16384]; s += x[5]; }", False),
    # a loop around both: the code before the loop runs again after it
    ("loop around", "for (int r = 0; r < 1; r++) {", "}", False),
])
def test_a_static_array_of_main_is_dead_after_its_loop(tmp_path, name, pre, post, private):
    """NAS EP's `x`: filled before the main loop (indexed, and lent to a function that only indexes
    it) and in every iteration, read by nothing after it: `private`, up to DEAD_COPY_LIMIT."""
    source = tmp_path / "dead.c"
    source.write_text(DEAD.replace("PRE", pre).replace("POST", post))
    k = next(l for l in analyze_file(str(source)).report.loops if l.induction_variable == "k")
    assert k.parallel == private and (not private or "private(x)" in k.pragma), (name, k.pragma, k.reasons[:2])


def test_autopar_cc_links_ep_with_its_main_loop_parallel(tmp_path):
    """EP's files built one by one: the compile of ep.c sees neither the timers nor fill; the link,
    with fill's summary from its object, builds ep.c again with the main loop parallel."""
    start, end = EP.index("static void fill"), EP.index("int main")
    (tmp_path / "ep.c").write_text(EP[:start] + "void fill(int n, double seed, double y[]);\n\n" + EP[end:])
    (tmp_path / "fill.c").write_text(EP[start:end].replace("static void", "void"))
    (tmp_path / "timers.c").write_text(TIMERS)
    wrapper = str(Path(sys.executable).with_name("autopar-cc"))
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(tmp_path / "cache"),
           "AUTOPAR_REPORT": str(tmp_path / "report.jsonl")}
    for unit in ("ep", "fill", "timers"):
        subprocess.run([wrapper, "-O2", "-c", f"{unit}.c"], cwd=tmp_path, env=env, check=True)
    subprocess.run([wrapper, "-O2", "-o", "app", "ep.o", "fill.o", "timers.o"], cwd=tmp_path, env=env, check=True)
    lines = [json.loads(l) for l in (tmp_path / "report.jsonl").read_text().splitlines()]
    linked = [l for l in lines if l.get("link_time")]
    assert len(linked) == 1
    k = next(l for l in linked[0]["file"]["loops"] if l["function"] == "main" and l["induction_variable"] == "k")
    assert k["parallel"] and "!timers_enabled" in k["pragma"]
    subprocess.run(["gcc", "-O2", "ep.c", "fill.c", "timers.c", "-o", "serial"], cwd=tmp_path, check=True)
    for args in ([], ["timed"]):
        serial = subprocess.run(["./serial", *args], cwd=tmp_path, capture_output=True, text=True, check=True)
        parallel = subprocess.run(["./app", *args], cwd=tmp_path, capture_output=True, text=True, check=True,
                                  env={**os.environ, "OMP_NUM_THREADS": "4"})
        assert parallel.stdout.split()[1:] == serial.stdout.split()[1:] and parallel.stderr == serial.stderr


def test_a_plan_on_a_loop_that_does_not_hold_every_switched_off_statement_is_refused(tmp_path):
    """A decisions file (or a fallback) may name a plan on an inner loop of a nest read with
    switched-off statements: it is checked against that reading, where the loop does not hold the
    `puts` after it, so it is refused, as the analysis refused it."""
    from autopar.plans.candidates import validate_plan
    from autopar.plans.plan import Plan

    source = tmp_path / "rows.c"
    source.write_text("#include <stdio.h>\nint verbose;\ndouble b[500][4000];\nvoid f(void) {\n"
                      "    for (int t = 0; t < 500; t++) {\n        for (int i = 0; i < 4000; i++) {\n"
                      "            if (verbose) printf(\"t=%d i=%d\\n\", t, i);\n            b[t][i] = t * 0.5 + i;\n"
                      "        }\n        if (verbose) puts(\"row done\");\n    }\n}\n")
    fa = analyze_file(str(source))
    outer, inner = fa.tu.loops
    nest = fa.nest_of(outer.id)
    assert nest.unit(fa.tu) is not fa.tu and next(l for l in fa.report.loops if l.id == outer.id).parallel
    assert any("outside this loop" in p for p in validate_plan(fa.tu, nest, Plan(loop_id=inner.id)))


def test_check_accepts_a_pragma_its_flags_guard_and_flags_one_they_do_not(tmp_path):
    """`autopar check` on rewrite's own output (the loop under `if (!flag ...) {`) finds nothing unsafe;
    the same pragma without the guard is reported: when the flag is set the calls run in parallel."""
    from autopar.report.check import check_file

    source = tmp_path / "flags.c"
    source.write_text("#include <stdio.h>\nint verbose;\ndouble a[1000000];\nvoid f(int n) {\n"
                      "    for (int i = 0; i < n; i++) {\n        a[i] = i * 0.5;\n"
                      "        if (verbose) printf(\"%d\\n\", i);\n    }\n}\n")
    # the loop itself: missed, with no fix (the pragma alone, without the serial copy, would be wrong)
    missed = [f for f in check_file(str(source), [], None).findings if f.rule == "missed-parallel-loop"]
    assert len(missed) == 1 and "!verbose" in missed[0].pragma and missed[0].fix_text is None
    rewritten = tmp_path / "rewritten.c"
    rewritten.write_bytes(transform_file(str(source)).rewritten)
    assert "if ((!verbose) && " in rewritten.read_text()
    assert [f.rule for f in check_file(str(rewritten), [], None).findings if "unsafe" in f.rule] == []
    bare = tmp_path / "bare.c"
    bare.write_text(source.read_text().replace("    for (int i", "    #pragma omp parallel for\n    for (int i"))
    assert any("unsafe" in f.rule for f in check_file(str(bare), [], None).findings)
