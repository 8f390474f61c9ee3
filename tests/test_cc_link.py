"""Link-time parallelization (autopar/tools/cc_link.py): NAS BT's layout, a line solve in one file
calling block routines of another, compiled file by file through autopar-cc. The compile of the
solve leaves its loop serial (the routines are unknown there); the link, given the routines' object,
analyzes the solve again with their summaries and links a parallel build of it. Stale or foreign
objects, routines that touch globals, and AUTOPAR_LINK_TIME=0 link the objects as they are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEADER = """#define N 24
extern double lhs[N + 1][5][5], rhs[N][N][5], scale;
void lhsinit(double a[][5][5], int size);
void block_sub(double a[5][5], double r[5]);
void solve(void);
"""

SOLVE = """#include "bt.h"
void solve(void) {
    int i, j, k, m, n, isize = N - 1;
    for (k = 0; k < N; k++) {
        lhsinit(lhs, isize);
        for (i = 1; i < isize; i++)
            for (m = 0; m < 5; m++)
                for (n = 0; n < 5; n++)
                    lhs[i][m][n] = (m == n ? 2.0 : 0.1) + 0.01 * rhs[k][i][m];
        for (j = 1; j < isize; j++) {
            block_sub(lhs[j], rhs[k][j]);
            for (m = 0; m < 5; m++)
                rhs[k][j][m] += 0.5 * rhs[k][j - 1][m];
        }
    }
}
"""

SUBS = """#include "bt.h"
void lhsinit(double a[][5][5], int size) {
    int i, m, n;
    i = size;
    for (m = 0; m < 5; m++)
        for (n = 0; n < 5; n++) {
            a[0][m][n] = 0.0;
            a[i][m][n] = 0.0;
        }
}
void block_sub(double a[5][5], double r[5]) {
    for (int m = 0; m < 5; m++)
        for (int n = 0; n < 5; n++)
            r[m] = r[m] - 0.001 * a[n][m] * r[n];
}
"""

MAIN = """#include <stdio.h>
#include "bt.h"
double lhs[N + 1][5][5], rhs[N][N][5], scale = 1.0;
int main(void) {
    for (int k = 0; k < N; k++)
        for (int j = 0; j < N; j++)
            for (int m = 0; m < 5; m++)
                rhs[k][j][m] = 0.01 * (k + 2 * j + 3 * m);
    for (int m = 0; m < 5; m++) lhs[N][m][m] = 7.0;
    for (int step = 0; step < 3; step++) solve();
    double s = 0.0;
    for (int k = 0; k < N; k++) for (int j = 0; j < N; j++) for (int m = 0; m < 5; m++) s += rhs[k][j][m] * (m + 1);
    printf("%.12g %.12g %.12g\\n", s, lhs[3][2][2], lhs[N][4][4]);
    return 0;
}
"""

UNITS = ("solve", "subs", "main")


def _wrapper() -> str:
    return str(Path(sys.executable).with_name("autopar-cc"))


@pytest.fixture
def project(tmp_path):
    build = tmp_path / "bt"
    build.mkdir()
    for name, text in (("bt.h", HEADER), ("solve.c", SOLVE), ("subs.c", SUBS), ("main.c", MAIN)):
        (build / name).write_text(text)
    return build


def _build(build: Path, env: dict, compiler: str | None = None, link: list[str] | None = None) -> str:
    for unit in UNITS:
        subprocess.run([compiler or _wrapper(), "-O2", "-c", f"{unit}.c"], cwd=build, env=env, check=True)
    subprocess.run([_wrapper(), "-O2", "-o", "app", *(link or [f"{u}.o" for u in UNITS])], cwd=build, env=env,
                   check=True)
    return subprocess.run(["./app"], cwd=build, capture_output=True, text=True, check=True,
                          env={**env, "OMP_NUM_THREADS": "4"}).stdout


def _serial(build: Path) -> str:
    subprocess.run(["gcc", "-O2", "-o", "serial", *(f"{u}.c" for u in UNITS)], cwd=build, check=True)
    return subprocess.run(["./serial"], cwd=build, capture_output=True, text=True, check=True).stdout


def _rebuilt(cache: Path) -> list[str]:
    """The sources the links built again, as they were written."""
    return [p.read_text() for p in (cache / "link").glob("*/*.c")]


def test_the_link_parallelizes_a_solve_that_calls_another_files_routines(project, tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(cache),
           "AUTOPAR_REPORT": str(tmp_path / "report.jsonl")}
    out = _build(project, env)
    assert out == _serial(project)
    # the report has a line per compile, and one for the solve built again at the link
    lines = [json.loads(l) for l in (tmp_path / "report.jsonl").read_text().splitlines()]
    linked = [l for l in lines if l.get("link_time")]
    assert len(lines) == len(UNITS) + 1 and len(linked) == 1 and not linked[0]["cached"]
    assert any(loop["parallel"] and loop["function"] == "solve" and loop["depth"] == 0
               for loop in linked[0]["file"]["loops"])
    rebuilt = _rebuilt(cache)
    assert len(rebuilt) == 1 and "#pragma omp parallel for" in rebuilt[0]
    # the k loop: lhs's rows 0..isize copied in and back (row N is written by no iteration)
    assert "firstprivate(lhs) lastprivate(lhs)" in rebuilt[0]
    # a second link asks nothing again and links the same build
    again = subprocess.run([_wrapper(), "-O2", "-o", "app2", *(f"{u}.o" for u in UNITS)], cwd=project, env=env,
                           capture_output=True, text=True, check=True)
    assert again.stderr == "" and len(_rebuilt(cache)) == 1


def test_without_the_routines_object_or_with_it_switched_off_nothing_is_rebuilt(project, tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(cache)}
    subprocess.run(["gcc", "-O2", "-c", "subs.c", "-o", "other.o"], cwd=project, check=True)
    # the routines' object was not built through autopar-cc: nothing is known of it
    assert _build(project, env, link=["solve.o", "other.o", "main.o"]) == _serial(project)
    assert _rebuilt(cache) == []
    off = {**env, "AUTOPAR_LINK_TIME": "0"}
    assert _build(project, off) == _serial(project)
    assert _rebuilt(cache) == []


def test_a_routine_that_writes_a_global_or_a_changed_source_is_not_used(project, tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(cache)}
    (project / "subs.c").write_text(SUBS.replace("r[m] = r[m] - 0.001", "{ scale += 1.0; r[m] = r[m] - 0.001").replace("* r[n];", "* r[n]; }"))
    assert _build(project, env) == _serial(project)
    assert _rebuilt(cache) == []
    # the routines' source edited after its object was built: the record no longer holds
    (project / "subs.c").write_text(SUBS)
    for unit in UNITS:
        subprocess.run([_wrapper(), "-O2", "-c", f"{unit}.c"], cwd=project, env=env, check=True)
    (project / "subs.c").write_text(SUBS + "\n/* edited */\n")
    subprocess.run([_wrapper(), "-O2", "-o", "app", *(f"{u}.o" for u in UNITS)], cwd=project, env=env, check=True)
    assert _rebuilt(cache) == []


# (review) a loop calling one routine of another file, in several forms the link must not trust
CALLER = """#include <stdio.h>
void f(double *a, int i);
static double a[200000];
int main(void) {
    for (int i = 0; i < 200000; i++) a[i] = i % 7;
    for (int k = 0; k < 5; k++)
        for (int i = 0; i < 200000; i++) f(a, i);
    double s = 0; for (int i = 0; i < 200000; i++) s += a[i];
    printf("VERSION %.17g\\n", s);
    return 0;
}
"""
ROUTINE = "void f(double *a, int i) { a[i] = a[i] * 0.5 + i * 0.001; }\n"  # (one line: nm finds it)


def _two_files(tmp_path, routine: str = ROUTINE, version: str = "1"):
    build = tmp_path / "two"
    build.mkdir(parents=True, exist_ok=True)
    (build / "a.c").write_text(CALLER.replace("VERSION", f"version {version}"))
    (build / "b.c").write_text(routine)
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(tmp_path / "cache")}
    return build, env


def _cc(build: Path, env: dict, *args: str) -> None:
    subprocess.run([_wrapper(), *args], cwd=build, env=env, check=True, capture_output=True)


def _run(build: Path) -> str:
    return subprocess.run(["./app"], cwd=build, capture_output=True, text=True, check=True,
                          env={**os.environ, "OMP_NUM_THREADS": "4"}).stdout


def test_each_version_of_a_source_links_its_own_build(tmp_path):
    build, env = _two_files(tmp_path)
    outputs = []
    for version in ("1", "2", "1"):
        (build / "a.c").write_text(CALLER.replace("VERSION", f"version {version}"))
        for unit in ("a", "b"):
            _cc(build, env, "-O2", "-c", f"{unit}.c")
        _cc(build, env, "-O2", "-o", "app", "a.o", "b.o")
        outputs.append(_run(build).split()[1])
    assert outputs == ["1", "2", "1"]
    assert any("#pragma omp parallel" in text for text in _rebuilt(tmp_path / "cache"))


def test_a_header_changed_since_the_compile_leaves_the_objects_as_they_are(tmp_path):
    build, env = _two_files(tmp_path, routine='#include "h.h"\n' + ROUTINE.replace("0.5", "SCALE"))
    (build / "h.h").write_text("#define SCALE 0.5\n")
    for unit in ("a", "b"):
        _cc(build, env, "-O2", "-c", f"{unit}.c")
    (build / "h.h").write_text("#define SCALE 0.25\n")
    _cc(build, env, "-O2", "-o", "app", "a.o", "b.o")
    assert _rebuilt(tmp_path / "cache") == []


def test_a_weak_definition_or_a_link_that_wraps_calls_is_not_trusted(tmp_path):
    build, env = _two_files(tmp_path, routine="__attribute__((weak)) " + ROUTINE)
    (build / "c.c").write_text("void f(double *a, int i) { a[0] += 1.0; (void)i; }\n")
    for unit in ("a", "b", "c"):
        _cc(build, env, "-O2", "-c", f"{unit}.c")
    _cc(build, env, "-O2", "-o", "app", "a.o", "b.o", "c.o")
    assert _rebuilt(tmp_path / "cache") == []
    (build / "b.c").write_text(ROUTINE)
    _cc(build, env, "-O2", "-c", "b.c")
    _cc(build, env, "-O2", "-o", "app", "a.o", "b.o", "-Wl,--wrap=g")
    assert _rebuilt(tmp_path / "cache") == []


def test_the_rebuild_keeps_the_projects_dependency_file_and_its_own_pragmas_off(tmp_path):
    build, env = _two_files(tmp_path)
    _cc(build, env, "-O2", "-c", "a.c", "-MMD", "-MF", "a.d")
    _cc(build, env, "-O2", "-c", "b.c")
    before = (build / "a.d").read_text()
    _cc(build, env, "-O2", "-o", "app", "a.o", "b.o")
    assert len(_rebuilt(tmp_path / "cache")) == 1 and (build / "a.d").read_text() == before
    # a file with an omp pragma of its own, compiled without -fopenmp: never rebuilt with it
    other, env2 = _two_files(tmp_path / "x")
    text = CALLER.replace("int main(void) {", "int main(void) {\n    #pragma omp parallel\n    puts(\"hello\");")
    (other / "a.c").write_text(text)
    for unit in ("a", "b"):
        _cc(other, env2, "-O2", "-c", f"{unit}.c")
    _cc(other, env2, "-O2", "-o", "app", "a.o", "b.o")
    assert _run(other).count("hello") == 1


@pytest.mark.parametrize("routine", [
    # an orphaned worksharing loop binds to the team of a pragma around the call (a quarter of the rows)
    "void f(double *a, int i) {\n#pragma omp for\n  for (int k = 0; k < 1; k++) a[i] = a[i] * 0.5 + i * 0.001;\n}\n",
    # a cleanup handler is a call at the scope's end: a counter in it lost updates
    "static long released;\nstatic void rel(int *p) { released += *p; }\n"
    "void f(double *a, int i) { int x __attribute__((cleanup(rel))) = i; a[i] = a[i] * 0.5 + x * 0.001; }\n",
])
def test_a_routine_holding_omp_pragmas_or_a_cleanup_handler_is_not_trusted(tmp_path, routine):
    build, env = _two_files(tmp_path, routine=routine)
    flags = ["-fopenmp"] if "omp" in routine else []
    for unit in ("a", "b"):
        _cc(build, env, "-O2", *flags, "-c", f"{unit}.c")
    _cc(build, env, "-O2", *flags, "-o", "app", "a.o", "b.o")
    assert _rebuilt(tmp_path / "cache") == []
