"""Work arrays whose every iteration writes the same elements, but not all of them (NAS BT's `fjac`
of PROBLEM_SIZE + 1 rows, rows 0..isize written by each line): the loop runs with copies that start
as the array (firstprivate) and are copied back after the last iteration (lastprivate), so the rows
no iteration writes come back unchanged (autopar/plans/candidates/private_arrays.py, COPIED_IN).
With them: globals declared in a header are never taken for variables declared in the loop (their
line is the header's), scalars written where a loop inside runs are lastprivate under a run-time
check of its test, a routine's local set once (`i = size;`) names the row it writes, and a loop too
long for an optional serial copy still gets the copy its run-time check needs."""

from __future__ import annotations

import os
import subprocess

from autopar.decision.pipeline import analyze_file, load_translation_unit
from autopar.edit.transform import transform_file
from autopar.plans import reasons as R
from autopar.plans.candidates.validate import validate_plan
from autopar.tools.verify import FORCED_PATH_FLAGS

HEADER = """/* work arrays of the line solves */



extern double work[66];
extern double tmp;
"""

# the loop's lines (3..14) hold the line of work's declaration in the header (5)
ROWS = """#include <stdio.h>
#include "work.h"
void sweep(double *restrict out, const double *restrict in, int n, int m) {
    for (int k = 0; k < n; k++) {
        for (int i = 0; i < m; i++) {
            tmp = in[k * m + i];
            work[i] = tmp * 2.0;
        }
        for (int i = 1; i < m; i++)
            out[k * m + i] = work[i] - work[i - 1];
    }
}
double work[66], tmp = -1.0;
static double rows4[64], rows5[64];
double peek(void) { return rows4[5] + rows5[5]; }
/* serial: rows4[m] is written only by some iterations, which the last one may not be */
void outside(double *restrict out, const double *restrict in, int n, int m) {
    for (int k = 0; k < n; k++) {
        for (int i = 0; i < m; i++)
            rows4[i] = in[k * m + i] * 3.0;
        if (in[k] > 0) rows4[m] = 1.0;
        for (int i = 1; i < m; i++)
            out[k * m + i] = rows4[i] + rows4[i - 1];
    }
}
/* parallel: the conditional write is inside the rows every iteration writes */
void inside(double *restrict out, const double *restrict in, int n, int m) {
    for (int k = 0; k < n; k++) {
        for (int i = 0; i < m; i++)
            rows5[i] = in[k * m + i] * 3.0;
        if (in[k] > 0) rows5[m - 1] = 1.0;
        for (int i = 1; i < m; i++)
            out[k * m + i] = rows5[i] + rows5[i - 1];
    }
}
int main(void) {
    static double in[40 * 60], out[40 * 60];
    for (int i = 0; i < 40 * 60; i++) in[i] = (i % 17) - 8.0;
    for (int i = 0; i < 66; i++) work[i] = 0.5 * i;
    for (int i = 0; i < 64; i++) rows5[i] = 0.25 * i;
    sweep(out, in, 40, 60);
    double s = 0.0;
    for (int i = 0; i < 40 * 60; i++) s += out[i] * (i % 7);
    printf("%.12g %.12g %.12g %.12g %.12g\\n", s, work[3], work[60], work[65], tmp);
    inside(out, in, 40, 60);
    printf("%.12g\\n", peek());
    return 0;
}
"""


def _write(tmp_path):
    (tmp_path / "work.h").write_text(HEADER)
    path = tmp_path / "rows.c"
    path.write_text(ROWS)
    return path


def _loop(report, function: str):
    return next(l for l in report.loops if l.function == function and l.depth == 0)


def test_rows_written_by_every_iteration_are_copied_in_and_back(tmp_path):
    path = _write(tmp_path)
    fa = analyze_file(str(path))
    sweep = _loop(fa.report, "sweep")
    # work is the header's: not "declared inside" the loop whose lines hold its line number
    assert sweep.parallelizable, sweep.reasons
    plans = [c.plan for c in fa.nest_of(sweep.id).candidates if c.plan.loop_id == sweep.id]
    assert plans and all(p.firstprivate == ["work"] and "work" in p.lastprivate for p in plans)
    # tmp is written in each iteration only where the loop over i runs: its test is checked
    assert all("tmp" in p.lastprivate and "(int)(0) < (m)" in p.runs_check for p in plans)
    assert R.ZERO_TRIP in sweep.codes
    assert _loop(fa.report, "inside").parallelizable
    outside = _loop(fa.report, "outside")
    assert not outside.parallelizable and any("rows4" in r for r in outside.reasons)


def test_a_plan_must_copy_in_exactly_the_arrays_partly_written(tmp_path):
    path = _write(tmp_path)
    fa = analyze_file(str(path))
    tu = load_translation_unit(str(path), [])
    sweep = _loop(fa.report, "sweep")
    nest = fa.nest_of(sweep.id)
    plan = next(c.plan for c in nest.candidates if c.plan.loop_id == sweep.id)
    assert validate_plan(tu, nest, plan) == []
    problems = validate_plan(tu, nest, plan.model_copy(update={"firstprivate": []}))
    assert any("needs firstprivate" in p for p in problems), problems


def test_copied_in_rows_give_what_serial_gives(tmp_path):
    path = _write(tmp_path)
    made = transform_file(str(path), [], team_gate=False, work_thresholds=False)
    assert not made.failed
    text = made.rewritten.decode()
    assert "firstprivate(work) lastprivate(tmp, work)" in text
    outputs = []
    for name, source, flags in (("serial", ROWS, []), ("parallel", text, ["-fopenmp", *FORCED_PATH_FLAGS])):
        (tmp_path / f"{name}.c").write_text(source)
        subprocess.run(["gcc", "-O2", "-w", *flags, "-I", str(tmp_path), "-o", str(tmp_path / name),
                        str(tmp_path / f"{name}.c")], check=True)
        outputs.append(subprocess.run([str(tmp_path / name)], capture_output=True, text=True, check=True,
                                      env={**os.environ, "OMP_NUM_THREADS": "4"}).stdout)
    # work[60..65] are written by no iteration: they come back as they were
    assert outputs[0] == outputs[1]


BLOCKS = """
void clear(double a[][5], int size) {
    int i;
    i = size;
    for (int m = 0; m < 5; m++) a[i][m] = 0.0;
}
void clear_two(double a[][5], int size) {
    int i;
    i = size;
    for (int m = 0; m < 5; m++) a[i][m] = 0.0;
    i = 0;
    for (int m = 0; m < 5; m++) a[i][m] = 1.0;
}
void clear_after(double a[][5], int size) {
    int i = 0;
    for (int m = 0; m < 5; m++) a[i][m] = 0.0;
    i = size;
}
void calls(double (*a)[5], int n) {  /* (summaries are made for the functions loops call) */
    for (int k = 0; k < n; k++) {
        clear(a + 8 * k, 3);
        clear_two(a + 8 * k, 3);
        clear_after(a + 8 * k, 3);
    }
}
"""


def test_a_local_set_once_names_the_row_a_routine_writes_whole(tmp_path):
    path = tmp_path / "blocks.c"
    path.write_text(BLOCKS)
    functions = load_translation_unit(str(path), []).functions
    assert functions["clear"].whole_writes == [0]
    assert functions["clear_two"].whole_writes == []  # (i names two rows)
    assert functions["clear_after"].whole_writes == []  # (declared with a value, then set again)


def test_a_long_loop_gets_the_serial_copy_its_run_time_check_needs(tmp_path):
    body = "".join(f"            out[k * m + i] += {j}.0 * in[k * m + i];\n" for j in range(60))
    source = ("double tmp;\n"
              "void long_sweep(double *restrict out, const double *restrict in, int n, int m) {\n"
              "    for (int k = 0; k < n; k++) {\n"
              "        for (int i = 0; i < m; i++) {\n"
              "            tmp = in[k * m + i];\n" + body +
              "        }\n    }\n}\n")
    path = tmp_path / "long.c"
    path.write_text(source)
    made = transform_file(str(path), [])
    text = made.rewritten.decode()
    assert len(source) > 1500  # longer than an optional copy may be (autopar.edit.versioning)
    assert "lastprivate(tmp)" in text and "autopar: off (the serial version of the loop above)" in text


# (review) a pointer into the work array read in the loop: its run-time check fails, and only the serial
# copy may run then; a shared region's if() would run the copies on one thread, reading the shared array
SHARED = """#include <stdio.h>
#define N 2000
double out[256][N];
int main(void) {
    int n = 1000;
    double work[N + 1];
    for (int i = 0; i <= N; i++) work[i] = 100.0 + i;
    double *p = work + 1;
    for (int step = 0; step < 3; step++) {
""" + "".join(f"        /* padding {k:02d}: the time loop is longer than an optional serial copy may be */\n"
              for k in range(18)) + """        for (int k = 0; k < 256; k++) {
            for (int i = 0; i < n; i++) work[i] = k * 1.0 + i + step;
            for (int i = 0; i < n; i++) out[k][i] = p[i] * 2.0 + work[i];
        }
        for (int k = 0; k < 256; k++)
            for (int i = 0; i < n; i++) out[k][i] += 0.5 * k;
    }
    double s = 0, t = 0;
    for (int i = 0; i <= N; i++) s += work[i] * (i + 1);
    for (int k = 0; k < 256; k++) for (int i = 0; i < N; i++) t += out[k][i] * (k + 1);
    printf("%.17g %.17g\\n", s, t);
    return 0;
}
"""


def test_a_checked_copy_never_joins_a_shared_region(tmp_path):
    path = tmp_path / "shared.c"
    path.write_text(SHARED)
    text = transform_file(str(path), [], team_gate=False, work_thresholds=False).rewritten.decode()
    assert "#pragma omp for firstprivate(work)" not in text
    runs = []
    for name, source, flags in (("serial", SHARED, []), ("parallel", text, ["-fopenmp"])):
        (tmp_path / f"{name}.c").write_text(source)
        subprocess.run(["gcc", "-O2", "-w", *flags, "-o", str(tmp_path / name), str(tmp_path / f"{name}.c")],
                       check=True)
        runs.append(subprocess.run([str(tmp_path / name)], capture_output=True, text=True, check=True,
                                   env={**os.environ, "OMP_NUM_THREADS": "4"}).stdout)
    assert runs[0] == runs[1]


def test_a_private_array_is_never_collapsed(tmp_path):
    """(review) a decisions file may ask for collapse(2) on a loop whose copied-in array each outer
    iteration fills and reads: a thread running part of one outer iteration would read another's."""
    path = tmp_path / "collapse.c"
    path.write_text("double work[2001], out[4][2000];\n"
                    "void f(void) {\n"
                    "    for (int k = 0; k < 4; k++)\n"
                    "        for (int i = 0; i < 1000; i++) {\n"
                    "            work[i] = k * 1.0 + i;\n"
                    "            out[k][i] = work[i] * 2.0;\n"
                    "        }\n"
                    "}\n")
    fa = analyze_file(str(path))
    tu = load_translation_unit(str(path), [])
    nest = fa.nests[0]
    plan = next(c.plan for c in nest.candidates if c.plan.firstprivate == ["work"])
    assert validate_plan(tu, nest, plan) == []
    assert any("cannot be collapsed" in p for p in validate_plan(tu, nest, plan.model_copy(update={"collapse": 2})))


def test_a_cxx_function_with_a_lambda_still_has_regions(tmp_path):
    """(review) the set-once locals of a function with a lambda: none, and no crash."""
    path = tmp_path / "lam.cpp"
    path.write_text("static void fill(double *w, int n) { auto f = [](int x) { return x * 2; }; int i;\n"
                    "    for (i = 0; i < 8; i++) w[i] = i + n; (void)f; }\n"
                    "double a[64][8];\n"
                    "void g(int n) { for (int k = 0; k < 64; k++) fill(a[k], n); }\n")
    fa = analyze_file(str(path))
    assert fa.report.error is None and any(l.function == "g" for l in fa.report.loops)
