"""Work arrays of static storage that several loops share (NAS BT's `fjac`, `njac` and `lhs`, which
the x, y and z line solves fill and use in turn): a loop whose every iteration writes the whole array
before reading it runs in parallel with `lastprivate` copies, which leave in the array what the
serial loop leaves, whoever reads it later (autopar/plans/candidates/legality.py, `privatizable`;
autopar/frontend/static_arrays.py, `copyable`). The blocks of such solves are inverted by small
routines whose inner loops start at an outer loop's counter (`for (m = p + 1; m < 5; m++)`): their
parameter regions are the hull of those ranges (autopar/frontend/param_regions.py), never written
whole. Near misses stay serial, or fall back to the serial copy at run time."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from autopar.decision.pipeline import analyze_file
from autopar.edit.transform import transform_file
from autopar.tools.verify import FORCED_PATH_FLAGS

BLOCKS = """#include <stdio.h>
static double fjac[16][5], lhs[16][5][5];
static double u[40][40][16][5], rhs[40][40][16][5];

/* r = a^-1 r: the elimination's inner loops start past the pivot */
static void binvrhs(double a[5][5], double r[5])
{
    int p, q, m;
    double pivot, coeff;
    for (p = 0; p < 5; p++) {
        pivot = 1.0 / a[p][p];
        for (m = p + 1; m < 5; m++)
            a[p][m] = a[p][m] * pivot;
        r[p] = r[p] * pivot;
        for (q = 0; q < 5; q++) {
            if (q == p)
                continue;
            coeff = a[q][p];
            for (m = p + 1; m < 5; m++)
                a[q][m] = a[q][m] - coeff * a[p][m];
            r[q] = r[q] - coeff * r[p];
        }
    }
}

static void x_solve(void)
{
    int i, j, k, m, n;
    for (k = 0; k < 40; k++)
        for (j = 0; j < 40; j++) {
            for (i = 0; i < 16; i++)
                for (m = 0; m < 5; m++) {
                    fjac[i][m] = u[k][j][i][m] * 0.01;
                    for (n = 0; n < 5; n++)
                        lhs[i][m][n] = (m == n ? 2.0 : 0.0) + fjac[i][m] * (n + 1) * 0.001;
                }
            for (i = 0; i < 16; i++)
                binvrhs(lhs[i], rhs[k][j][i]);
        }
}

static void z_solve(void)
{
    int i, j, k, m, n;
    for (j = 0; j < 40; j++)
        for (i = 0; i < 16; i++) {
            for (k = 0; k < 16; k++)
                for (m = 0; m < 5; m++) {
                    fjac[k][m] = u[k][j][i][m] * 0.02;
                    for (n = 0; n < 5; n++)
                        lhs[k][m][n] = (m == n ? 3.0 : 0.0) + fjac[k][m] * (m + 1) * 0.001;
                }
            for (k = 0; k < 16; k++)
                binvrhs(lhs[k], rhs[k][j][i]);
        }
}

int main(void)
{
    int i, j, k, m;
    double sum = 0.0;
    for (k = 0; k < 40; k++)
        for (j = 0; j < 40; j++)
            for (i = 0; i < 16; i++)
                for (m = 0; m < 5; m++) {
                    u[k][j][i][m] = 1.0 + 0.01 * ((i * 3 + j * 7 + k * 5 + m) % 13);
                    rhs[k][j][i][m] = 0.5 + 0.02 * ((i + 2 * j + 3 * k + m) % 7);
                }
    x_solve();
    z_solve();
    for (k = 0; k < 40; k++)
        for (j = 0; j < 40; j++)
            for (i = 0; i < 16; i++)
                for (m = 0; m < 5; m++)
                    sum += rhs[k][j][i][m] * (1 + (i + j + k + m) % 5);
    printf("%.12e %.12e %.12e\\n", sum, fjac[15][4], lhs[15][4][4]);
    return 0;
}
"""


def _loop(report, line: int):
    return next(l for l in report.loops if l.line == line)


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    lines = [k + 1 for k, line in enumerate(text.splitlines()) if needle in line]
    return lines[nth - 1]


def test_work_arrays_two_solves_share_are_copied_out(tmp_path):
    source = tmp_path / "blocks.c"
    source.write_text(BLOCKS)
    report = analyze_file(str(source)).report
    x = _loop(report, _line_of(BLOCKS, "for (k = 0; k < 40; k++)", 1))
    z = _loop(report, _line_of(BLOCKS, "for (j = 0; j < 40; j++)", 2))
    for outer in (x, z):
        assert outer.parallel, outer.reasons
        assert "lastprivate(fjac, lhs)" in outer.pragma
    assert any("static array lhs, written whole by every iteration," in r for r in x.reasons + _loop(
        report, _line_of(BLOCKS, "for (j = 0; j < 40; j++)", 1)).reasons)


def _build_and_run(tmp_path, text: str, name: str, compiler: str = "gcc", *flags: str) -> subprocess.CompletedProcess:
    source = tmp_path / f"{name}.c"
    source.write_text(text)
    exe = tmp_path / name
    subprocess.run([compiler, "-O2", "-fopenmp", "-w", *FORCED_PATH_FLAGS, *flags, "-o", str(exe), str(source), "-lm"],
                   check=True)
    return subprocess.run([str(exe)], capture_output=True, text=True, check=True,
                          env={**os.environ, "OMP_NUM_THREADS": "4", "TSAN_OPTIONS": "ignore_noninstrumented_modules=1"})


def _forced(tmp_path, text: str) -> str:
    """The rewrite with every region's work threshold open: the parallel copies run."""
    source = tmp_path / "forced_in.c"
    source.write_text(text)
    made = transform_file(str(source), [], versioning=False, team_gate=False)
    assert not made.failed
    return made.rewritten.decode()


def test_copied_out_work_arrays_print_what_serial_leaves(tmp_path):
    parallel = _forced(tmp_path, BLOCKS)
    assert parallel.count("lastprivate(fjac, lhs)") == 2
    serial = subprocess.run(["gcc", "-O2", "-o", str(tmp_path / "serial"), "-x", "c", "-", "-lm"],
                            input=BLOCKS, text=True, check=True)
    assert serial.returncode == 0
    expected = subprocess.run([str(tmp_path / "serial")], capture_output=True, text=True, check=True).stdout
    # the last line's fjac and lhs are those the serial solves leave: the copies are copied out
    assert _build_and_run(tmp_path, parallel, "par").stdout == expected


@pytest.mark.skipif(shutil.which("clang") is None, reason="TSan builds use clang")
def test_copied_out_work_arrays_are_race_free(tmp_path):
    parallel = _forced(tmp_path, BLOCKS)
    done = _build_and_run(tmp_path, parallel, "tsan", "clang", "-g", "-fsanitize=thread")
    assert "ThreadSanitizer" not in done.stderr, done.stderr


NEAR_MISSES = """#include <stdio.h>
static double w[100], v[100], part[100], first[100];
double shared_w[100];
double *gp = shared_w;

/* a pointer set before the loop reads the array: the check finds q inside w, the serial copy runs */
void through_pointer(int n, double *out) {
    double *q = w;
    for (int t = 0; t < n; t++) {
        for (int i = 0; i < 100; i++) w[i] = t + i;
        out[t] = q[5];
    }
}

static double peek(void) { return v[3]; }
/* a call reads the array by name: it would see the shared array, not the copy */
void called(int n, double *out) {
    for (int t = 0; t < n; t++) {
        for (int i = 0; i < 100; i++) v[i] = t * i;
        out[t] = peek();
    }
}

/* a global pointer to the array */
void global_pointer(int n, double *out) {
    for (int t = 0; t < n; t++) {
        for (int i = 0; i < 100; i++) shared_w[i] = t - i;
        out[t] = gp[7];
    }
}

/* not all of it written: element 0 keeps what an earlier iteration left */
void partial(int n, double *out) {
    for (int t = 0; t < n; t++) {
        for (int i = 1; i < 100; i++) part[i] = part[i - 1] + t;
        out[t] = part[99];
    }
}

/* read before it is written in the iteration */
void read_first(int n, double *out) {
    for (int t = 0; t < n; t++) {
        out[t] = first[50];
        for (int i = 0; i < 100; i++) first[i] = t + i;
    }
}

int main(void) {
    static double out[5][3000];
    double s = 0.0;
    through_pointer(3000, out[0]); called(3000, out[1]); global_pointer(3000, out[2]);
    partial(3000, out[3]); read_first(3000, out[4]);
    for (int k = 0; k < 5; k++) for (int t = 0; t < 3000; t++) s += out[k][t] * (t % 5 + 1);
    printf("%.17g %.17g %.17g\\n", s, w[7], shared_w[9]);
    return 0;
}
"""


def test_near_misses_stay_serial_or_check_at_run_time(tmp_path):
    source = tmp_path / "near.c"
    source.write_text(NEAR_MISSES)
    report = analyze_file(str(source)).report
    outer = {l.function: l for l in report.loops if l.depth == 0 and l.function != "main"}
    for name in ("called", "partial", "read_first"):
        assert not outer[name].parallel, (name, outer[name].pragma)
    # (peek's read of v[3] is an access of the loop at the call: the dependence says it)
    assert any("to v[3] in peek()" in r for r in outer["called"].reasons), outer["called"].reasons
    # the pointer's element is checked against the array: apart, the copies run; inside it, the serial loop
    for name in ("through_pointer", "global_pointer"):
        assert not outer[name].parallel or "<= (const char *)&" in outer[name].pragma, outer[name].pragma
    expected = subprocess.run(["gcc", "-O2", "-o", str(tmp_path / "serial"), str(source)], check=True)
    assert expected.returncode == 0
    serial = subprocess.run([str(tmp_path / "serial")], capture_output=True, text=True, check=True).stdout
    assert _build_and_run(tmp_path, _forced(tmp_path, NEAR_MISSES), "par").stdout == serial


GAPS = """static int w2[5];
/* writes w2[0], w2[1], w2[3], w2[4]: the hull of m's ranges, [0, 4], is not written whole */
static void gaps(int a[5]) { int p, m; for (p = 0; p < 2; p++) for (m = 3 * p; m < 3 * p + 2; m++) a[m] = p + m; }
void g(int n, int *out) { for (int t = 0; t < n; t++) { gaps(w2); w2[2] = w2[2] + t; out[t] = w2[2] + w2[4]; } }
"""


def test_a_hull_of_ranges_is_never_taken_as_written_whole(tmp_path):
    source = tmp_path / "gaps.c"
    source.write_text(GAPS)
    loop = next(l for l in analyze_file(str(source)).report.loops if l.function == "g")
    assert not loop.parallel
    assert any("w2[2] in gaps()" in r for r in loop.reasons)  # the call's region includes the gap


# Holes a review found in the copies (each printed another result than serial, or did not build):
# a callee reading the array through a pointer the loop does not model, a pointer into the array
# kept past the loop, a thread-local array, and more copies than a thread's stack holds.
_REVIEWED = {
    "pointer_argument": """
static double w[100];
double out[N];
static double peek(const double *r, int k) { return r[k % 100]; }
void f(int n) {
    double *q = w;
    for (int t = 0; t < n; t++) {
        for (int i = 0; i < 100; i++) w[i] = t + i;
        out[t] = peek(q, t);
    }
}
""",
    "pointer_in_a_struct": """
static double w[100];
double out[N];
struct S { double *p; };
static double peek(const struct S *sp) { return sp->p[5]; }
void f(int n, const struct S *s) {
    for (int t = 0; t < n; t++) {
        for (int i = 0; i < 100; i++) w[i] = t + i;
        out[t] = peek(s);
    }
}
static void run(void) { struct S s = { w }; f(N, &s); }
""",
    "address_kept": """
static double w[100];
double out[N];
double *gp;
void f(int n) {
    for (int t = 0; t < n; t++) {
        for (int i = 0; i < 100; i++) w[i] = t + i;
        gp = &w[3];
        out[t] = w[5];
    }
}
static void run(void) { f(N); gp[0] += 1; }
""",
    # (older than the copies: a local array whose element's address the loop keeps)
    "local_address_kept": """
static double w[100];
double out[N];
void f(int n) {
    double loc[100], *q = 0;
    for (int t = 0; t < n; t++) {
        for (int i = 0; i < 100; i++) loc[i] = t + i;
        q = &loc[3];
        out[t] = loc[5];
    }
    *q += 1;
    out[0] += *q + loc[3];
}
""",
    "thread_local": """
static _Thread_local double w[100];
double out[N];
void f(int n) {
    for (int t = 0; t < n; t++) {
        for (int i = 0; i < 100; i++) w[i] = t + i;
        out[t] = w[5];
    }
}
""",
    # (older than the copies: the callee reads, through q, the array the loop writes)
    "written_array_read_through_a_pointer": """
static double w[N];
double out[N];
static double peek(const double *q, int k) { return q[(k * 7) % N]; }
void f(int n) {
    const double *q = w;
    for (int t = 0; t < n; t++)
        w[t] = t + peek(q, t);
    for (int t = 0; t < n; t++)
        out[t] = w[t];
}
""",
}
_DRIVER = """
int main(void) {
    run();
    double c = 0;
    for (int t = 0; t < N; t++) c += out[t] * (t % 7 + 1);
    printf("%.17g %.17g\\n", c, w[3]);
    return 0;
}
"""


@pytest.mark.parametrize("name", sorted(_REVIEWED))
def test_reviewed_holes_give_what_serial_gives(tmp_path, name):
    program = _REVIEWED[name]
    text = "#include <stdio.h>\n#define N 20000\n" + program + \
        ("" if "static void run" in program else "static void run(void) { f(N); }\n") + _DRIVER
    source = tmp_path / f"{name}.c"
    source.write_text(text)
    loop = next(l for l in analyze_file(str(source)).report.loops if l.function == "f" and l.depth == 0)
    assert not loop.parallel or not re.search(r"private\([^)]*\b(w|loc)\b", loop.pragma), loop.pragma
    subprocess.run(["gcc", "-O2", "-w", "-o", str(tmp_path / "serial"), str(source)], check=True)
    serial = subprocess.run([str(tmp_path / "serial")], capture_output=True, text=True, check=True).stdout
    assert _build_and_run(tmp_path, _forced(tmp_path, text), "par").stdout == serial


def test_the_copies_of_one_loop_fit_a_threads_stack_together(tmp_path):
    def program(count: int, elements: int) -> str:
        arrays = "".join(f"static double a{k}[{elements}];\n" for k in range(count))
        fills = "".join(f"        for (int i = 0; i < {elements}; i++) a{k}[i] = t + i + {k};\n"
                        f"        s += a{k}[{k}];\n" for k in range(count))
        return (f"{arrays}double out[64];\nvoid f(void) {{\n    for (int t = 0; t < 64; t++) {{\n"
                f"        double s = 0;\n{fills}        out[t] = s;\n    }}\n}}\n"
                f"double last(void) {{ return a0[1]; }}\n")
    for count, elements, copied in ((2, 2048, True), (3, 4096, False)):  # 32 KiB, then 96 KiB of copies
        source = tmp_path / f"copies{count}.c"
        source.write_text(program(count, elements))
        loop = next(l for l in analyze_file(str(source)).report.loops if l.function == "f" and l.depth == 0)
        assert ("lastprivate(" in (loop.pragma or "")) == copied, loop.pragma


# Holes a second review found, older than the copies but reaching them: a callee reading through a
# pointer a call returned (its summary kept no read), a callee reading a global by name that the loop
# writes through a pointer, a global whose address a file-scope initializer takes, and, without
# versioning, a failed check that still ran the loop on a thread's copy.
_SECOND_REVIEW = {
    "returned_pointer": """
static double w[N], out[N];
static const double *ahead(const double *a, int k) { return a + k; }
static double peek(const double *a, int k) { const double *p = ahead(a, k); return *p; }
static void run(void) {
    int i, k;
    for (i = 0; i < N; i++) w[i] = 1.0;
    for (i = 0; i < N - 1; i++) {
        double t = 0;
        for (k = 0; k < 50; k++) t += (i + k) * 1e-3;
        w[i] = t;
        out[i] = peek(w, i + 1);
    }
}
""",
    "global_read_by_name": """
static double w[N], out[N];
static double next_of(int k) { return w[k + 1]; }
static void sweep(double *q, double *o, int n) {
    int i, k;
    for (i = 0; i < n - 1; i++) {
        double t = 0;
        for (k = 0; k < 50; k++) t += (i + k) * 1e-3;
        q[i] = t;
        o[i] = next_of(i);
    }
}
static void run(void) { for (int i = 0; i < N; i++) w[i] = 1.0; sweep(w, out, N); }
""",
    "copies_read_through_a_returned_pointer": """
static double w[16], out[N];
static double *gp;
static const double *at(const double *a, int k) { return a + k; }
static double fourth(void) { const double *p = at(gp, 3); return *p; }
static void run(void) {
    int i, j;
    gp = w;
    for (i = 0; i < N; i++) {
        for (j = 0; j < 16; j++) w[j] = (i + j) * 0.5;
        double t = 0;
        for (j = 0; j < 16; j++) t += w[j] * fourth();
        out[i] = t;
    }
}
""",
    "address_in_an_initializer": """
static double w[16], out[N];
static double g;
static double *gpi = &g;
static double peekg(void) { return *gpi; }
static void run(void) {
    int i, k;
    for (i = 0; i < N; i++) {
        double t = 0;
        for (k = 0; k < 50; k++) t += (i + k) * 1e-3;
        g = t;
        out[i] = peekg() * (i % 7);
    }
    w[3] = g;
}
""",
}


@pytest.mark.parametrize("name", sorted(_SECOND_REVIEW))
def test_second_review_holes_give_what_serial_gives(tmp_path, name):
    text = "#include <stdio.h>\n#define N 20000\n" + _SECOND_REVIEW[name] + _DRIVER
    source = tmp_path / f"{name}.c"
    source.write_text(text)
    subprocess.run(["gcc", "-O2", "-w", "-o", str(tmp_path / "serial"), str(source)], check=True)
    serial = subprocess.run([str(tmp_path / "serial")], capture_output=True, text=True, check=True).stdout
    if name == "address_in_an_initializer":  # (g's copy would leave *gpi reading the shared g)
        loop = next(l for l in analyze_file(str(source)).report.loops if l.function == "run" and l.depth == 0)
        assert not loop.parallel and "the address of g is taken" in " ".join(loop.reasons)
    parallel = _build_and_run(tmp_path, _forced(tmp_path, text), "par").stdout
    # (the sums are `omp simd` reductions in the rewrite: the same values, added in another order)
    assert [float(v) for v in parallel.split()] == pytest.approx([float(v) for v in serial.split()], rel=1e-12)


def test_without_versioning_a_checked_copy_is_not_written(tmp_path):
    """`if(false)` still runs the region on one thread with `loc` copied, while q reads the original."""
    text = """#include <stdio.h>
#define N 20000
static double out[N];
int main(void) {
    int i, j; double loc[16]; double *q = loc;
    for (j = 0; j < 16; j++) loc[j] = 0;
    for (i = 0; i < N; i++) {
        for (j = 0; j < 16; j++) loc[j] = (i + j) * 0.5;
        double t = 0;
        for (j = 0; j < 16; j++) t += loc[j] * q[3];
        out[i] = t;
    }
    double s = 0;
    for (i = 0; i < N; i++) s += out[i] * (i % 7);
    printf("%.6f %.3f\\n", s, loc[3]);
    return 0;
}
"""
    source = tmp_path / "checked.c"
    source.write_text(text)
    made = transform_file(str(source), [], versioning=False, team_gate=False)
    assert "private(loc" not in made.rewritten.decode() and "lastprivate(loc" not in made.rewritten.decode()
    subprocess.run(["gcc", "-O2", "-w", "-o", str(tmp_path / "serial"), str(source)], check=True)
    serial = subprocess.run([str(tmp_path / "serial")], capture_output=True, text=True, check=True).stdout
    assert _build_and_run(tmp_path, made.rewritten.decode(), "par").stdout == serial


def test_an_address_taken_in_a_cxx_namespace_initializer_is_taken(tmp_path):
    """`namespace { double *gpi = &g; }` is file scope too: g's copy would leave *gpi reading the shared g."""
    source = tmp_path / "ns.cpp"
    source.write_text("#define N 20000\nstatic double g;\nnamespace { double *gpi = &g; }\n"
                      "static double peekg() { return *gpi; }\ndouble run() {\n    double s = 0;\n"
                      "    for (int i = 0; i < N; i++) {\n        double t = 0;\n"
                      "        for (int k = 0; k < 50; k++) t += (i + k) * 1e-3;\n"
                      "        g = t;\n        s += peekg() * (i % 7);\n    }\n    return s + g;\n}\n")
    loop = next(l for l in analyze_file(str(source)).report.loops if l.depth == 0)
    assert not loop.parallel and "the address of g is taken" in " ".join(loop.reasons)
