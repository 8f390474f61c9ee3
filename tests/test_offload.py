"""Offload plans (`target teams distribute parallel for` with map clauses), verified without a GPU:

- built by clang with `-fopenmp-targets=x86_64-pc-linux-gnu`, the target region runs on a host
  "device" with its own memory, so a missing or short map clause changes the output (shown below by
  shortening one on purpose);
- built by gcc, the region runs on the host (OpenMP's fallback without a device).
Both must print what the serial build prints, at the kernels' small size."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autopar.tools.bench import load_suite
from autopar.tools.verify import builds_for_nvptx, gcc_offload_flags
from autopar.plans.candidates import analyze_nest, validate_plan
from autopar.decision.pipeline import analyze_file
from autopar.plans.plan import Decision, Directive
from autopar.edit.edits import apply_edits
from autopar.edit.rewrite import plan_rewrite

ROOT = Path(__file__).resolve().parent.parent
KERNELS = ["matmul", "jacobi", "stencil2d", "conv2d", "attention", "heat3d"]
OFFLOAD_FLAGS = ["-fopenmp", "-fopenmp-targets=x86_64-pc-linux-gnu"]


def _host_device_works(tmp_path: Path) -> bool:
    source = tmp_path / "probe.c"
    source.write_text("int main(void) { int x = 0;\n#pragma omp target map(tofrom: x)\n x = 1;\n return !x; }\n")
    build = subprocess.run(["clang", *OFFLOAD_FLAGS, "-o", str(tmp_path / "probe"), str(source)], capture_output=True)
    return build.returncode == 0 and subprocess.run([str(tmp_path / "probe")], capture_output=True).returncode == 0


def _offloaded(path: Path, monkeypatch) -> tuple[bytes, int]:
    """The kernel with every nest that has an offload candidate offloaded, and how many there are."""
    monkeypatch.setenv("AUTOPAR_WHOLE_PROGRAM", "1")
    analysis = analyze_file(str(path), ["-I", str(path.parent)])
    decisions = []
    for nest in analysis.nests:
        offload = [c for c in nest.candidates if c.plan.directive == Directive.TARGET]
        if offload:
            assert validate_plan(analysis.tu, nest, offload[0].plan) == []
            decisions.append(Decision(root_loop_id=nest.root_loop_id, plan=offload[0].plan))
    source = path.read_bytes()
    planned = plan_rewrite(source, analysis.tu, decisions)
    assert planned.skipped == {}
    return apply_edits(source, planned.edits), len(decisions)


def _run(binary: Path, env: dict | None = None) -> list[str]:
    out = subprocess.run([str(binary)], capture_output=True, text=True, timeout=120, env=env, check=True).stdout
    return [line for line in out.splitlines() if not line.startswith("time_s")]


def _same(got: list[str], want: list[str]) -> bool:
    """Equal lines, numbers within a relative 1e-6 (gcc and clang contract multiply-adds differently),
    as the bench compares checksums."""
    if len(got) != len(want):
        return False
    for a, b in zip(got, want):
        for x, y in zip(a.split(), b.split()):
            if x != y and not (re.fullmatch(r"[-+0-9.eE]+", x) and re.fullmatch(r"[-+0-9.eE]+", y)
                               and abs(float(x) - float(y)) <= 1e-6 * max(abs(float(y)), 1e-12)):
                return False
    return True


@pytest.mark.skipif(shutil.which("clang") is None or shutil.which("gcc") is None, reason="needs clang and gcc")
@pytest.mark.parametrize("kernel", KERNELS)
def test_offloaded_kernels_print_the_serial_result(kernel, tmp_path, monkeypatch):
    if not _host_device_works(tmp_path):
        pytest.skip("this clang has no host offload device (libomptarget's x86_64 plugin)")
    suite = {k.name: k for k in load_suite().kernels}
    defines = suite[kernel].defines("small")
    path = ROOT / "benchmarks" / "kernels" / f"{kernel}.c"
    rewritten, nests = _offloaded(path, monkeypatch)
    assert nests >= 1, "the kernel's main nest has an offload candidate"
    assert b"#pragma omp target teams distribute parallel for" in rewritten and b"map(" in rewritten
    (tmp_path / f"{kernel}.c").write_bytes(rewritten)
    shutil.copy(ROOT / "benchmarks" / "kernels" / "harness.h", tmp_path)
    common = ["-O2", *defines, "-I", str(tmp_path)]
    subprocess.run(["gcc", *common, "-o", str(tmp_path / "serial"), str(path), "-lm"], check=True)
    subprocess.run(["clang", *common, *OFFLOAD_FLAGS, "-o", str(tmp_path / "device"), str(tmp_path / f"{kernel}.c"),
                    "-lm"], check=True)
    # where gcc has the nvptx compiler, the target regions are also compiled for the GPU
    subprocess.run(["gcc", *common, "-fopenmp", *gcc_offload_flags(), "-o", str(tmp_path / "host"),
                    str(tmp_path / f"{kernel}.c"), "-lm"], check=True)
    serial = _run(tmp_path / "serial")
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    assert _same(_run(tmp_path / "device", {**env, "OMP_TARGET_OFFLOAD": "MANDATORY"}), serial)
    assert _same(_run(tmp_path / "host", {**env, "OMP_TARGET_OFFLOAD": "DISABLED"}), serial)
    if builds_for_nvptx():  # the GPU's code is in the program, as PTX for the driver to compile
        assert b".target sm_80" in (tmp_path / "host").read_bytes()


@pytest.mark.skipif(shutil.which("clang") is None, reason="needs clang")
def test_a_short_map_changes_the_output_on_the_host_device(tmp_path, monkeypatch):
    """The check above can fail: one map section cut to half its length gives another result."""
    if not _host_device_works(tmp_path):
        pytest.skip("this clang has no host offload device (libomptarget's x86_64 plugin)")
    path = ROOT / "benchmarks" / "kernels" / "matmul.c"
    rewritten, _ = _offloaded(path, monkeypatch)
    text = rewritten.decode()
    cut, count = re.subn(r"map\(to: A\[0:([^\]]+)\]", r"map(to: A[0:(\1) / 2]", text, count=1)
    assert count == 1
    defines = {k.name: k for k in load_suite().kernels}["matmul"].defines("small")
    shutil.copy(ROOT / "benchmarks" / "kernels" / "harness.h", tmp_path)
    outputs = []
    for name, body in (("whole", text), ("cut", cut)):
        (tmp_path / f"{name}.c").write_text(body)
        subprocess.run(["clang", "-O2", *defines, "-I", str(tmp_path), *OFFLOAD_FLAGS, "-o", str(tmp_path / name),
                        str(tmp_path / f"{name}.c"), "-lm"], check=True)
        outputs.append(subprocess.run([str(tmp_path / name)], capture_output=True, text=True, timeout=120,
                                      env={**os.environ, "OMP_TARGET_OFFLOAD": "MANDATORY"}).stdout)
    checksums = [[line for line in out.splitlines() if line.startswith("checksum")] for out in outputs]
    assert checksums[0] and not _same(checksums[1], checksums[0])


def test_offload_is_a_candidate_unless_the_target_is_a_gpu(monkeypatch):
    path = ROOT / "benchmarks" / "kernels" / "matmul.c"
    monkeypatch.setenv("AUTOPAR_WHOLE_PROGRAM", "1")
    from autopar.decision.pipeline import load_translation_unit

    tu = load_translation_unit(str(path), ["-I", str(path.parent)])
    root = next(l for l in tu.loops if l.function == "matmul" and l.depth == 0)
    nest = analyze_nest(tu, root)
    offload = next(c for c in nest.candidates if c.plan.directive == Directive.TARGET)
    assert nest.default_candidate_id != offload.id
    assert [m.model_dump() for m in offload.plan.maps] == [
        {"kind": "to", "items": ["A[0:(long)n * n]", "B[0:(long)n * n]"]}, {"kind": "tofrom", "items": ["C[0:(long)n * n]"]}]
    assert offload.plan.offload_condition == "0 < n"  # an empty space would map sections past the arrays
    # a map the analysis did not derive, and a lastprivate, are refused
    short = offload.plan.model_copy(update={"maps": offload.plan.maps[:1]})
    assert any("map clauses" in p for p in validate_plan(tu, nest, short))
    assert any("lastprivate" in p for p in validate_plan(tu, nest, offload.plan.model_copy(update={"lastprivate": ["i"]})))
    monkeypatch.setenv("AUTOPAR_TARGET", "gpu")
    assert analyze_nest(tu, root).default_candidate_id == offload.id


def test_rewrite_target_gpu_writes_the_offload_plan(tmp_path):
    path = ROOT / "benchmarks" / "kernels" / "matmul.c"
    autopar = [sys.executable, "-m", "autopar.cli"]
    gpu = subprocess.run([*autopar, "rewrite", "--whole-program", "--target", "gpu", str(path)],
                         capture_output=True, text=True, check=True).stdout
    cpu = subprocess.run([*autopar, "rewrite", "--whole-program", str(path)],
                         capture_output=True, text=True, check=True).stdout
    assert "#pragma omp target teams distribute parallel for collapse(2) map(to: A[0:(long)n * n]" in gpu
    assert "omp target" not in cpu


COST_SHAPES = """#define N 4096
double a[N], b[N], c[N], x[N][N], y[N][N], z[N][N];
void add(void) { for (int i = 0; i < N; i++) c[i] = a[i] + b[i]; }
void product(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int k = 0; k < N; k++)
                s += x[i][k] * y[k][j];
            z[i][j] = s;
        }
}
"""


def test_offload_cost_weighs_the_bytes_moved_against_the_work(tmp_path, monkeypatch):
    from autopar.decision.pipeline import load_translation_unit

    path = tmp_path / "shapes.c"
    path.write_text(COST_SHAPES)
    tu = load_translation_unit(str(path), [])

    def nest_of(function):
        root = next(l for l in tu.loops if l.function == function and l.depth == 0)
        nest = analyze_nest(tu, root)
        offload = next(c for c in nest.candidates if c.plan.directive == Directive.TARGET)
        host = min(c.estimated_cost for c in nest.candidates if c.plan.directive != Directive.TARGET)
        return nest, offload, host

    # one pass over three vectors: moving 4 * 4096 doubles costs more than the device saves
    nest, offload, host = nest_of("add")
    assert offload.estimated_cost > host
    assert any("moves about 131 kB to and from the device" in r for r in offload.reasons)
    # a cubic product of square arrays: the transfers are small beside the work
    nest, offload, host = nest_of("product")
    assert offload.estimated_cost < host
    assert any("moves about 537 MB" in r for r in offload.reasons)
    monkeypatch.setenv("AUTOPAR_TARGET", "gpu")  # still the default when asked for, saying why not
    root = next(l for l in tu.loops if l.function == "add")
    nest = analyze_nest(tu, root)
    assert nest.default_candidate_id == next(c.id for c in nest.candidates if c.plan.directive == Directive.TARGET)
    assert "its transfers cost more than the device gains" in nest.default_reason


TIME_LOOP = """#include <stdlib.h>
static double hist[1000];
static void steps(int tsteps, int n, double *a, double *b, double *log) {
    for (int t = 0; t < tsteps; t++) {
        for (int i = 1; i < n - 1; i++)
            b[i] = 0.5 * (a[i - 1] + a[i + 1]);
        for (int i = 1; i < n - 1; i++)
            a[i] = b[i];
        HOST
    }
}
int main(int argc, char **argv) {
    int n = 100 + argc;
    double *a = calloc(n, sizeof(double)), *b = calloc(n, sizeof(double)), *log = calloc(n, sizeof(double));
    steps(10, n, a, b, log);
    return (int)a[1];
}
"""


def test_a_time_loop_of_offloaded_sweeps_keeps_its_data_on_the_device(tmp_path, monkeypatch):
    """One `target data` region around the time loop when its body is only offloaded loops, or a
    host statement that writes an array every call passes apart (`log`, never on the device) and
    reads a mapped one (updated first); none when it writes another unmapped array (the rule takes
    only pointers the calls pass apart: a mapped pointer could point into a global array)."""
    monkeypatch.setenv("AUTOPAR_TARGET", "gpu")
    monkeypatch.setenv("AUTOPAR_WHOLE_PROGRAM", "1")  # the arrays are distinct allocations at the call
    from autopar.edit.data_regions import data_regions

    for index, (host, expected) in enumerate((("", 1), ("log[t] = a[1];", 1), ("hist[t] = a[1];", 0))):
        path = tmp_path / f"steps{index}.c"
        path.write_text(TIME_LOOP.replace("HOST", host))
        analysis = analyze_file(str(path))
        offloaded = [d for d in analysis.decisions if d.plan and d.plan.directive == Directive.TARGET
                     and analysis.tu.loop(d.plan.loop_id).function == "steps"]
        assert len(offloaded) == 2
        regions = data_regions(analysis.tu, analysis.decisions)
        assert len(regions) == expected
        if regions:
            assert [m.model_dump() for m in regions[0].maps] == [{"kind": "tofrom", "items": ["a[0:n]", "b[1:n - 2]"]}]
            assert regions[0].condition == "0 < tsteps && 1 < (n - 1)"
            text = apply_edits(path.read_bytes(), plan_rewrite(path.read_bytes(), analysis.tu, analysis.decisions).edits)
            assert b"#pragma omp target data map(tofrom: a[0:n], b[1:n - 2]) if(0 < tsteps && 1 < (n - 1))" in text
            assert (b"#pragma omp target update from(a[0:n]) if(0 < tsteps && 1 < (n - 1))\n        log[t]" in text) \
                == bool(host)


CONVERGENCE = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define N 52
static int relax(int maxit, int n, double *a, double *b, double *hist, double tol) {
    int it;
    for (it = 0; it < maxit; it++) {
        double err = 0.0;
        for (int i = 1; i < BOUND - 1; i++)
            b[i] = 0.5 * (a[i - 1] + a[i + 1]);
        for (int i = 1; i < BOUND - 1; i++)
            err += fabs(b[i] - a[i]);
        for (int i = 1; i < BOUND - 1; i++)
            a[i] = b[i];
        HOST
    }
    return it;
}
int main(int argc, char **argv) {
    int n = N - 1 + argc;
    double *a = calloc(n, sizeof(double)), *b = calloc(n, sizeof(double)), *hist = calloc(5000, sizeof(double));
    a[0] = 1.0;
    a[n - 1] = 2.0;
    int it = relax(5000, n, a, b, hist, 1e-3);
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i];
    for (int i = 0; i < 5000; i++)
        s += hist[i] * (i % 7);
    printf("%d %.9f\\n", it, s);
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("clang") is None or shutil.which("gcc") is None, reason="needs clang and gcc")
@pytest.mark.parametrize("host, bound, regions, updates", [
    ("if (err < tol) break;", "n", 1, []),
    ("if (err < tol) break; err = it * 0.5;", "n", 1, []),
    # a host statement that reads an array: the device's values first
    ("if (a[1] > 0.5) break;", "N", 1, ["from(a[0:52])"]),
    # one that writes: the device's values first, the host's after
    ("a[0] = 1.0 + 1.0 / (it + 1);\n        if (err < tol) break;", "N", 1, ["from(a[0:52])", "to(a[0:52])"]),
    # one that writes an array every call passes apart (never on the device) from a mapped one
    ("hist[it] = a[1] + a[n - 2];\n        if (err < tol) break;", "n", 1, ["from(a[0:n])"]),
    # symbolic bounds: the sections are the sweeps' hull (an element outside it never leaves the host)
    ("if (a[1] > 0.5) break;", "n", 1, ["from(a[0:n])"]),
    ("a[0] = 1.0 + 1.0 / (it + 1);\n        if (err < tol) break;", "n", 1, ["from(a[0:n])", "to(a[0:n])"]),
    # one that writes and may leave the loop: the update after it might not run
    ("if (a[1] > 0.5) { a[0] = 3.0; break; }", "N", 0, []),
    # one that shares its line with another statement: no line for the update
    ("err = err + 0.0; if (a[1] > 0.5) break;", "N", 0, []),
])
def test_a_convergence_loop_keeps_its_data_on_the_device(host, bound, regions, updates, tmp_path, monkeypatch):
    """Statements between the sweeps: those of scalars (the reduction's variable, the convergence
    test, a `break`) leave the data on the device; those that touch an array get `target update`
    lines around them. Built for libomptarget's host device (memory of its own: a stale host copy
    would change the output) and by gcc, each prints what the serial build prints."""
    if not _host_device_works(tmp_path):
        pytest.skip("this clang has no host offload device (libomptarget's x86_64 plugin)")
    monkeypatch.setenv("AUTOPAR_TARGET", "gpu")
    monkeypatch.setenv("AUTOPAR_WHOLE_PROGRAM", "1")
    from autopar.edit.data_regions import data_regions

    path = tmp_path / "relax.c"
    path.write_text(CONVERGENCE.replace("HOST", host).replace("BOUND", bound))
    analysis = analyze_file(str(path))
    offloaded = [d for d in analysis.decisions if d.plan and d.plan.directive == Directive.TARGET
                 and analysis.tu.loop(d.plan.loop_id).function == "relax"]
    assert len(offloaded) == 3
    assert len(data_regions(analysis.tu, analysis.decisions)) == regions
    text = apply_edits(path.read_bytes(), plan_rewrite(path.read_bytes(), analysis.tu, analysis.decisions).edits)
    assert bool(re.search(rb"#pragma omp target data map\(tofrom: a\[0:\w+\], b\[1:[\w -]+\]\)", text)) == bool(regions)
    assert re.findall(r"#pragma omp target update (\S+)", text.decode()) == updates
    (tmp_path / "relax.offload.c").write_bytes(text)
    subprocess.run(["gcc", "-O2", "-o", str(tmp_path / "serial"), str(path), "-lm"], check=True)
    subprocess.run(["clang", "-O2", *OFFLOAD_FLAGS, "-o", str(tmp_path / "device"), str(tmp_path / "relax.offload.c"),
                    "-lm"], check=True)
    subprocess.run(["gcc", "-O2", "-fopenmp", *gcc_offload_flags(), "-o", str(tmp_path / "host"),
                    str(tmp_path / "relax.offload.c"), "-lm"], check=True)
    serial = _run(tmp_path / "serial")
    assert int(serial[0].split()[0]) < 5000  # it converged: the break ran
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    assert _same(_run(tmp_path / "device", {**env, "OMP_TARGET_OFFLOAD": "MANDATORY"}), serial)
    assert _same(_run(tmp_path / "host", {**env, "OMP_TARGET_OFFLOAD": "DISABLED"}), serial)


HOST_STATEMENT_LOOP = """#include <stdio.h>
#define N 101
#define RECORD a[0] = 7.0 + t; if (t == 4) break
static double a[N], b[N];
static void steps(int tsteps, int skip) {
    int t = 0;
    ENTRY
    for (t = 0; t < tsteps; t++) {
        for (int i = 1; i < N - 1; i++)
            b[i] = 0.5 * (a[i - 1] + a[i + 1]) + 1.0;
        for (int i = 1; i < N - 1; i++)
            a[i] = b[i];
LABEL   HOST
    }
}
int main(int argc, char **argv) {
    steps(10, argc > 5);
    double z = 0;
    for (int i = 0; i < N; i++)
        z += a[i] * (i % 7);
    printf("%.6f %.6f\\n", a[0], z);
    return 0;
}
"""


@pytest.mark.parametrize("host, entry, label", [
    ("(__extension__ a[3]) = 7.0 + t;", "", ""),  # lvalues whose element the front end cannot name
    ("_Generic(t, int: a[3]) = 7.0 + t;", "", ""),
    ("__builtin_choose_expr(1, a[3], b[3]) = 7.0 + t;", "", ""),
    ("RECORD;", "", ""),  # one line, a write and then a break: no line for the update between them
    ("a[3] = a[3] + 1.0;", "if (skip) goto mid;", "mid:"),  # a goto from outside into the region
])
def test_host_statements_whose_effects_cannot_be_followed_get_no_data_region(host, entry, label, tmp_path,
                                                                            monkeypatch):
    """Each of these once got a region with a missing `target update to` (stale device data in the
    next sweep, or, for the macro, the host's write undone by the region's end) or one a goto entered
    (a compile error)."""
    monkeypatch.setenv("AUTOPAR_TARGET", "gpu")
    monkeypatch.setenv("AUTOPAR_WHOLE_PROGRAM", "1")
    path = tmp_path / "steps.c"
    path.write_text(HOST_STATEMENT_LOOP.replace("HOST", host).replace("ENTRY", entry).replace("LABEL", label))
    analysis = analyze_file(str(path))
    offloaded = [d for d in analysis.decisions if d.plan and d.plan.directive == Directive.TARGET
                 and analysis.tu.loop(d.plan.loop_id).function == "steps"]
    assert len(offloaded) == 2
    text = apply_edits(path.read_bytes(), plan_rewrite(path.read_bytes(), analysis.tu, analysis.decisions).edits)
    assert b"omp target data" not in text and b"omp target update" not in text
    # the same loop with a plain host statement does get one (the test above is not vacuous)
    path.write_text(HOST_STATEMENT_LOOP.replace("HOST", "a[3] = 7.0 + t;").replace("ENTRY", "").replace("LABEL", ""))
    analysis = analyze_file(str(path))
    text = apply_edits(path.read_bytes(), plan_rewrite(path.read_bytes(), analysis.tu, analysis.decisions).edits)
    assert b"omp target data" in text and b"omp target update to(a)" in text


NOT_OFFLOADED = {
    # restrict makes the loop legal, not the storage disjoint: called as h(n, a, b, b), q and r map
    # overlapping sections, which libomptarget refuses
    "same_buffer.c": """
void h(int n, double *restrict p, const double *restrict q, const double *restrict r) {
    for (int i = 0; i < n; i++) p[i] = q[i] + r[i + 1];
}""",
    # `v.data()` is no lvalue for a map clause
    "vector.cpp": """
#include <vector>
void twice(std::vector<double> &v) { for (unsigned long i = 0; i < v.size(); i++) v[i] = v[i] * 2; }""",
    # a namespace's array is no name where the pragma is
    "namespace.cpp": """
namespace k { double A[1000]; double B[1000]; }
void copy() { for (int i = 0; i < 1000; i++) k::B[i] = k::A[i] * 2; }""",
    # an address computed on the device is the device copy's: stored in mapped memory, it comes back
    # to the host pointing nowhere (a field of a struct array, or an array of pointers)
    "addresses.c": """
struct rec { double *p; double v; };
static struct rec recs[100000];
void link(void) { for (int i = 0; i < 100000; i++) recs[i].p = &recs[i].v; }""",
    "pointer_array.c": """
double x[100000]; double *ptrs[100000];
void link(void) { for (int i = 0; i < 100000; i++) ptrs[i] = &x[i]; }""",
}


@pytest.mark.parametrize("name", sorted(NOT_OFFLOADED))
def test_storage_the_maps_cannot_name_apart_is_not_offloaded(name, tmp_path):
    path = tmp_path / name
    path.write_text(NOT_OFFLOADED[name])
    analysis = analyze_file(str(path))
    assert analysis.tu is not None and analysis.nests
    assert not any(c.plan.directive == Directive.TARGET for n in analysis.nests for c in n.candidates)
    assert any(v.parallelizable for n in analysis.nests for v in n.verdicts)  # still parallel on the host


@pytest.mark.skipif(shutil.which("clang") is None, reason="needs clang")
def test_an_empty_unsigned_loop_runs_on_the_host(tmp_path, monkeypatch):
    """`for (unsigned i = lo; i < hi; i++)` with lo > hi: a trip count `hi - lo` wraps; the plan tests
    the loop's own first comparison instead, so nothing is mapped."""
    if not _host_device_works(tmp_path):
        pytest.skip("this clang has no host offload device (libomptarget's x86_64 plugin)")
    path = tmp_path / "empty.c"
    path.write_text("""#include <stdio.h>
static void g(double *a, unsigned lo, unsigned hi) {
    for (unsigned i = lo; i < hi; i++) a[i] = a[i] * 3 + 1;
}
int main(void) {
    double x[100];
    for (int i = 0; i < 100; i++) x[i] = i;
    g(x, 50, 10);
    g(x, 10, 20);
    printf("%g %g\\n", x[60], x[15]);
    return 0;
}
""")
    monkeypatch.setenv("AUTOPAR_WHOLE_PROGRAM", "1")
    analysis = analyze_file(str(path))
    decisions = [Decision(root_loop_id=n.root_loop_id, plan=c.plan) for n in analysis.nests
                 for c in n.candidates if c.plan.directive == Directive.TARGET]
    assert decisions and decisions[0].plan.offload_condition == "(unsigned int)lo < hi"
    source = path.read_bytes()
    (tmp_path / "off.c").write_bytes(apply_edits(source, plan_rewrite(source, analysis.tu, decisions).edits))
    subprocess.run(["clang", "-O1", *OFFLOAD_FLAGS, "-o", str(tmp_path / "off"), str(tmp_path / "off.c")], check=True)
    out = subprocess.run([str(tmp_path / "off")], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "OMP_TARGET_OFFLOAD": "MANDATORY"})
    assert out.returncode == 0 and out.stdout.split() == ["60", "46"]


def test_a_program_whose_target_regions_are_dead_code_links(tmp_path):
    """The fuzzer's csmith program 2800019: every target region sat in a branch gcc folds away at -O1,
    and its nvptx build failed to link (the offload image's registration code calls libgomp, which
    the linker had dropped as not needed)."""
    if not builds_for_nvptx():
        pytest.skip("gcc has no nvptx offload compiler here: the build is for the host alone")
    source = tmp_path / "dead.c"
    source.write_text("#include <stdio.h>\nint main(void) {\n  int a[10], i;\n  if ((void *)0 != (void *)0) {\n"
                      "    #pragma omp target teams distribute parallel for map(tofrom: a)\n"
                      "    for (i = 0; i < 10; i++) a[i] = 1;\n  }\n  puts(\"ok\");\n  return 0;\n}\n")
    built = subprocess.run(["gcc", "-O1", "-fopenmp", *gcc_offload_flags(), "-o", str(tmp_path / "dead"), str(source)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    ran = subprocess.run([str(tmp_path / "dead")], capture_output=True, text=True, env={**os.environ,
                         "OMP_TARGET_OFFLOAD": "DISABLED"})
    assert ran.returncode == 0 and ran.stdout == "ok\n"


BODY_ARRAY = """#define N 64
static double u[N][N][5], rsd[N][N][5];
static void exact(int i, double ue[5]) { int m; for (m = 0; m < 5; m++) ue[m] = i * 0.5 + m; }
void rhs(int n) {
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            double flux[5];
            for (int m = 0; m < 5; m++) flux[m] = u[j][i][m] * 0.5;
            for (int m = 0; m < 5; m++) rsd[j][i][m] = rsd[j][i][m] - flux[m];
        }
}
void grid(double ue[5]) { for (int i = 0; i < 1000; i++) exact(i, ue); }
"""


def test_gpu_plans_map_no_array_of_the_region_body_and_skip_tiny_regions(tmp_path, monkeypatch):
    """`double flux[5];` declared in the offloaded loop's body is each iteration's own: naming it in a
    map clause made gcc refuse the rewrite (it is not in scope at the pragma). And `exact`'s loop of
    five iterations, entered once per call, is not offloaded by default with `--target gpu`."""
    monkeypatch.setenv("AUTOPAR_TARGET", "gpu")
    path = tmp_path / "body.c"
    path.write_text(BODY_ARRAY)
    analysis = analyze_file(str(path))
    by_function = {analysis.tu.loop(d.plan.loop_id).function: d.plan for d in analysis.decisions if d.plan}
    rhs = by_function["rhs"]
    assert rhs.directive == Directive.TARGET
    assert all("flux" not in item for clause in rhs.maps for item in clause.items), rhs.maps
    assert "exact" not in by_function or by_function["exact"].directive != Directive.TARGET
    report = next(l for l in analysis.report.loops if l.function == "exact")
    assert any("not offloaded by default: its region has 5 iterations" in r for r in report.reasons)


def test_a_128_bit_reduction_is_not_offloaded(tmp_path, monkeypatch):
    """clang's device code for `reduction(+: s)` of an `__int128` calls libatomic's `__atomic_load`,
    which the offload link lacks: the rewrite did not build (found by review). The host plan stays."""
    monkeypatch.setenv("AUTOPAR_TARGET", "gpu")
    path = tmp_path / "wide.c"
    path.write_text("typedef __int128 big;\nint a[20000];\nlong long f(void) {\n  big s = 0;\n"
                    "  for (int i = 0; i < 20000; i++)\n    s += (big)a[i] * a[i];\n  return (long long)(s % 1000003);\n}\n")
    analysis = analyze_file(str(path))
    plans = [d.plan for d in analysis.decisions if d.plan]
    assert plans and all(p.directive != Directive.TARGET for p in plans)
    assert any("reduction(+: s)" in (l.pragma or "") for l in analysis.report.loops)


def test_a_loop_bounded_by_an_outer_counter_is_tiny_too(tmp_path, monkeypatch):
    """A block elimination's `for (q = p + 1; q < 4; q++)` runs at most 3 times, whatever p: offloaded
    by default, each call launched a kernel per pivot (a fuzz program's offload build ran past 5 s)."""
    monkeypatch.setenv("AUTOPAR_TARGET", "gpu")
    path = tmp_path / "pivots.c"
    path.write_text("static void elim(long long a[4][4], long long r[4]) {\n  int p, q, m;\n"
                    "  for (p = 0; p < 4; p++)\n    for (q = p + 1; q < 4; q++) {\n"
                    "      for (m = p + 1; m < 4; m++) a[q][m] = (a[q][m] * 3 - a[p][m] * a[q][p]) % 1000;\n"
                    "      r[q] = (r[q] - r[p] * (a[q][p] % 5)) % 1000;\n    }\n}\n"
                    "long long w[20000][4][4], v[20000][4];\n"
                    "void all(void) { for (int i = 0; i < 20000; i++) elim(w[i], v[i]); }\n")
    analysis = analyze_file(str(path))
    report = next(l for l in analysis.report.loops if l.function == "elim" and l.induction_variable == "q")
    assert any("not offloaded by default: its region has 3 iterations" in r for r in report.reasons), report.reasons
