"""autopar-cc: command-line parsing, and real compiles through the wrapper with gcc and clang."""

from __future__ import annotations

import json
import faulthandler
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autopar.tools import cc
from autopar.edit import transform
from autopar.tools.cc import analysis_flags, parse_command_line
from autopar.report import FileReport
from autopar.edit.rewrite import plan_rewrite

from test_rewrite import make_tu, parallel

PROJECT = Path(__file__).resolve().parent.parent / "benchmarks" / "examples" / "project"


# ------------------------------------------------------------------------------------- parsing

def test_compile_line_with_output_and_dependency_flags():
    line = parse_command_line(["-O2", "-I", "inc", "-DX=1", "-MD", "-MF", "o/v.d", "-c", "v.c", "-o", "o/v.o"])
    assert line.mode == "compile" and line.output == "o/v.o" and line.dep_file == "o/v.d"
    assert line.makes_deps
    assert [(s.path, s.language) for s in line.sources] == [("v.c", "c")]
    assert line.args[line.sources[0].index] == "v.c"
    assert analysis_flags(line, line.sources[0]) == ["-x", "c", "-O2", "-I", "inc", "-DX=1"]


def test_joined_values_and_language_switch():
    line = parse_command_line(["-c", "-xc++", "a.c", "-x", "none", "b.c", "-ofoo.o", "-MFd.d", "-lm"])
    assert [(s.path, s.language) for s in line.sources] == [("a.c", "c++"), ("b.c", "c")]
    assert line.output == "foo.o" and line.dep_file == "d.d"


def test_a_cxx_driver_compiles_a_c_file_as_cxx_and_fopenmp_defines_openmp():
    """autopar-cxx analyzed `a[i * (sizeof('x') - 1)]` in lang.c as C (a stride of 3) while g++ compiled
    it as C++ (0): the loop raced. With -fopenmp the compile defines _OPENMP, so code under `#ifdef
    _OPENMP` is the code the analysis must read (a carried `a[i + 1]` there raced)."""
    line = parse_command_line(["-c", "lang.c", "-x", "c", "b.c"], cxx=True)
    assert [(s.path, s.language) for s in line.sources] == [("lang.c", "c++"), ("b.c", "c")]
    line = parse_command_line(["-O2", "-fopenmp", "-c", "v.c"])
    assert "-D_OPENMP=201511" in analysis_flags(line, line.sources[0])
    line = parse_command_line(["-O2", "-fopenmp-simd", "-c", "v.c"])
    assert not any("_OPENMP" in flag for flag in analysis_flags(line, line.sources[0]))


def test_modes():
    assert parse_command_line(["--version"]).mode == "query"
    assert parse_command_line(["-E", "a.c"]).mode == "preprocess"
    assert parse_command_line(["-MM", "a.c"]).mode == "preprocess"
    assert parse_command_line(["a.o", "b.o", "-o", "app", "-lm"]).mode == "link"
    line = parse_command_line(["a.c", "b.cpp", "x.o", "-o", "app"])
    assert line.mode == "compile-link"
    assert [s.language for s in line.sources] == ["c", "c++"] and len(line.inputs) == 3
    # values of flags are not inputs: `-include x.h`, `-o a.c` (an odd but legal name)
    assert [i.path for i in parse_command_line(["-include", "x.h", "-c", "k.c"]).inputs] == ["k.c"]
    assert parse_command_line(["-c", "-", "-x", "c"]).sources == []  # stdin is passed through


def test_response_files_are_expanded(tmp_path):
    inner = tmp_path / "inner.rsp"
    inner.write_text('-DNAME="a b"\n')
    outer = tmp_path / "outer.rsp"
    outer.write_text(f"-c 'my file.c' @{inner} -o out.o\n")
    line = parse_command_line(["-O1", f"@{outer}"])
    assert line.args == ["-O1", "-c", "my file.c", "-DNAME=a b", "-o", "out.o"]
    assert [s.path for s in line.sources] == ["my file.c"]


# ------------------------------------------------------------------- compiling through the wrapper

KERNEL = b"""#include "k.h"
/* a comment the copy keeps */
void add(int n, double *restrict a, const double *restrict b) {
    for (int i = 0; i < n; i++)
        a[i] += b[i] * SCALE;
}
"""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOPAR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AUTOPAR_DISABLE", raising=False)
    monkeypatch.delenv("AUTOPAR_REPORT", raising=False)
    return tmp_path / "cache"


@pytest.fixture
def gcc_in_tmp(tmp_path, monkeypatch, cache):
    """Compiles through the wrapper run in `tmp_path`, with gcc as the real compiler and a cache of its own."""
    monkeypatch.setenv("AUTOPAR_CC", "gcc")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _analysis_with_plan(monkeypatch):
    """Stand in for the analysis with a hand-made plan (beside the real end-to-end tests below)."""
    def fake(path, compile_args=None, build_dir=None, reasoner=None, **options):
        source = Path(path).read_bytes()
        tu = make_tu(source)
        edits = plan_rewrite(source, tu, parallel(tu, 0)).edits
        return transform.Transformed(path=path, source=source, edits=edits, report=FileReport(path=path))
    monkeypatch.setattr(transform, "transform_file", fake)


@pytest.mark.parametrize("compiler, runtime_symbol", [("gcc", "GOMP_parallel"), ("clang", "__kmpc_fork_call")])
def test_rewritten_copy_is_compiled_with_openmp(tmp_path, monkeypatch, cache, compiler, runtime_symbol):
    _analysis_with_plan(monkeypatch)
    monkeypatch.setenv("AUTOPAR_CC", compiler)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "k.c").write_bytes(KERNEL)
    (tmp_path / "src" / "k.h").write_text("#define SCALE 2.0\n")
    assert cc.run(["-O1", "-MD", "-c", "src/k.c", "-o", "k.o"]) == 0
    symbols = subprocess.run(["nm", "k.o"], capture_output=True, text=True, check=True).stdout
    assert runtime_symbol in symbols
    # the dependency file names the original source and header, not the copy
    deps = (tmp_path / "k.d").read_text()
    words = deps.replace("\\\n", " ").split()
    assert words[:2] == ["k.o:", "src/k.c"] and "src/k.h" in words and str(cache) not in deps
    # the original stays as it was; the copy has the pragma and #line directives
    assert (tmp_path / "src" / "k.c").read_bytes() == KERNEL
    copy = next(cache.glob("src/*/k.c")).read_bytes()
    assert copy.startswith(b'#line 1 "src/k.c"\n') and b"#pragma omp parallel for\n#line 4\n" in copy


def test_warning_in_rewritten_copy_points_at_the_original(tmp_path, monkeypatch, cache, gcc_in_tmp, capfd):
    _analysis_with_plan(monkeypatch)
    (tmp_path / "w.c").write_text("int f(int *a) {\n    int unused;\n    for (int i = 0; i < 9; i++)\n"
                                  "        a[i] = i;\n    return 0;\n}\n")
    assert cc.run(["-Wall", "-c", "w.c"]) == 0
    assert (tmp_path / "w.o").exists()  # default object name, as without the wrapper
    err = capfd.readouterr().err
    assert "w.c:2:9: warning: unused variable" in err and str(cache) not in err


def test_copy_that_fails_to_compile_falls_back_to_the_original(tmp_path, monkeypatch, cache, gcc_in_tmp, capfd):
    _analysis_with_plan(monkeypatch)
    # OpenMP rejects a pragma on a loop whose bound it cannot handle (a float induction variable)
    (tmp_path / "f.c").write_text("void f(float *a) {\n    for (float x = 0; x < 9; x += 1)\n        a[0] = x;\n}\n")
    assert cc.run(["-c", "f.c"]) == 0
    err = capfd.readouterr().err.strip().splitlines()
    assert err == ["autopar-cc: warning: f.c: the parallelized copy did not compile; built the original unchanged"]
    assert "GOMP" not in subprocess.run(["nm", "f.o"], capture_output=True, text=True).stdout


def test_compile_error_is_exactly_the_compilers(tmp_path, monkeypatch, cache):
    monkeypatch.chdir(PROJECT)
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(cache)}
    out = str(tmp_path / "broken.o")
    plain = subprocess.run(["gcc", "-c", "broken/broken.c", "-o", out], capture_output=True, text=True)
    wrapped = subprocess.run([_wrapper(), "-c", "broken/broken.c", "-o", out], capture_output=True,
                             text=True, env=env)
    assert plain.returncode == 1 and wrapped.returncode == plain.returncode
    assert wrapped.stderr == plain.stderr and "broken/broken.c:3:20: error" in wrapped.stderr
    assert wrapped.stdout == plain.stdout


def test_link_only_line_gets_openmp(tmp_path, cache, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.c").write_text("#include <omp.h>\nint main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n")
    subprocess.run(["gcc", "-fopenmp", "-c", "m.c"], check=True)
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(cache)}
    plain = subprocess.run(["gcc", "m.o", "-o", "plain"], capture_output=True)
    assert plain.returncode != 0  # libgomp is only linked with -fopenmp
    wrapped = subprocess.run([_wrapper(), "m.o", "-o", "app"], env=env)
    assert wrapped.returncode == 0 and subprocess.run(["./app"]).returncode == 0
    disabled = subprocess.run([_wrapper(), "m.o", "-o", "app2"], capture_output=True,
                              env={**env, "AUTOPAR_DISABLE": "1"})
    assert disabled.returncode == plain.returncode  # pure pass-through


def test_launcher_prefix_and_response_file(tmp_path, cache, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.c").write_text("int a(void) { return 1; }\n")
    (tmp_path / "args.rsp").write_text("-c a.c -o a.o\n")
    env = {**os.environ, "AUTOPAR_CC": "env LC_ALL=C gcc", "AUTOPAR_CACHE_DIR": str(cache)}
    assert subprocess.run([_wrapper(), "@args.rsp"], env=env).returncode == 0
    assert (tmp_path / "a.o").exists()


def test_missing_real_compiler_is_a_clear_error(tmp_path, cache):
    env = {**os.environ, "AUTOPAR_CC": str(tmp_path / "no-such-cc")}
    result = subprocess.run([_wrapper(), "--version"], capture_output=True, text=True, env=env)
    assert result.returncode == 127 and "cannot run the real compiler" in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ the example project with make

def _wrapper() -> str:
    return str(Path(sys.executable).with_name("autopar-cc"))


def _make(build: Path, env: dict, *targets: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-C", str(build), f"CC={_wrapper()}", *targets], capture_output=True,
                          text=True, env=env)


@pytest.fixture
def project(tmp_path):
    build = tmp_path / "project"
    shutil.copytree(PROJECT, build, ignore=shutil.ignore_patterns("*.o", "*.d", "app"))
    return build


@pytest.mark.slow
def test_make_builds_the_project_through_the_wrapper(project, tmp_path):
    pytest.importorskip("autopar.frontend.translate")
    report = tmp_path / "report.jsonl"
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(tmp_path / "cache"),
           "AUTOPAR_REPORT": str(report)}
    env.pop("AUTOPAR_DISABLE", None)
    plain = subprocess.run(["make", "-C", str(project), "CC=gcc", "app"], capture_output=True, text=True)
    assert plain.returncode == 0, plain.stderr
    expected = subprocess.run([str(project / "app")], capture_output=True, text=True).stdout
    subprocess.run(["make", "-C", str(project), "clean"], check=True, capture_output=True)

    built = _make(project, env, "app")
    assert built.returncode == 0, built.stderr
    warnings = [line for line in built.stderr.splitlines() if line.startswith("autopar-cc: warning")]
    # the GNU nested function is the only file the analysis cannot read: one line, and it still builds
    assert len(warnings) == 1 and "gnu_ext.c" in warnings[0], built.stderr
    result = subprocess.run([str(project / "app")], capture_output=True, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "2"})
    assert result.stdout == expected

    # dependency files name the sources, so make rebuilds after a header change and not otherwise
    assert (project / "vec.d").read_text().replace("\\\n", " ").split()[:3] == ["vec.o:", "vec.c", "vec.h"]
    assert subprocess.run(["make", "-q", "-C", str(project), f"CC={_wrapper()}", "app"]).returncode == 0
    os.utime(project / "vec.h")
    assert subprocess.run(["make", "-q", "-C", str(project), f"CC={_wrapper()}", "app"]).returncode == 1

    # one JSON line per analyzed source
    records = [json.loads(line) for line in report.read_text().splitlines()]
    assert {Path(r["file"]["path"]).name for r in records} == {"main.c", "vec.c", "stencil.c", "stats.c",
                                                               "gnu_ext.c"}
    assert all(r["version"] == 1 and not r["cached"] for r in records)

    # a rebuild from clean reads every decision from the cache
    subprocess.run(["make", "-C", str(project), "clean"], check=True, capture_output=True)
    report.unlink()
    again = _make(project, env, "app")
    assert again.returncode == 0
    records = [json.loads(line) for line in report.read_text().splitlines()]
    assert all(r["cached"] for r in records) and len(records) == 5, records
    warnings = [line for line in again.stderr.splitlines() if line.startswith("autopar-cc: warning")]
    assert len(warnings) == 1 and "gnu_ext.c" in warnings[0]  # a cached failure still says so


@pytest.mark.slow
def test_make_project_parallelizes_the_easy_kernels(project, tmp_path):
    """Needs the dependence analysis: the dot product and saxpy become parallel, the macro loop not."""
    pytest.importorskip("autopar.frontend.translate")
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(tmp_path / "cache")}
    assert _make(project, env, "app").returncode == 0
    symbols = subprocess.run(["nm", str(project / "vec.o")], capture_output=True, text=True).stdout
    assert "saxpy._omp_fn" in symbols and "dot._omp_fn" in symbols
    assert "scale_all._omp_fn" not in symbols  # a loop from a macro is never edited
    stats = subprocess.run(["nm", str(project / "stats.o")], capture_output=True, text=True).stdout
    assert "histogram._omp_fn" not in stats and "prefix_sum._omp_fn" not in stats


@pytest.mark.slow
def test_make_broken_target_fails_with_the_compilers_message(project, tmp_path):
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(tmp_path / "cache")}
    plain = subprocess.run(["make", "-C", str(project), "CC=gcc", "broken"], capture_output=True, text=True)
    wrapped = _make(project, env, "broken")
    assert wrapped.returncode == plain.returncode == 2
    strip = lambda text: [l for l in text.splitlines() if not l.startswith("make")]  # noqa: E731
    assert strip(wrapped.stderr) == strip(plain.stderr)
    assert "broken/broken.c:3:20: error" in wrapped.stderr


def test_several_sources_compiled_and_linked_in_one_line(tmp_path, monkeypatch, cache, gcc_in_tmp):
    _analysis_with_plan(monkeypatch)
    (tmp_path / "k.c").write_bytes(KERNEL)
    (tmp_path / "k.h").write_text("#define SCALE 2.0\n")
    (tmp_path / "main.c").write_text(
        '#include <stdio.h>\nvoid add(int n, double *restrict a, const double *restrict b);\n'
        'int main(void) {\n    double a[100], b[100], s = 0;\n    for (int i = 0; i < 100; i++)\n'
        '        a[i] = b[i] = i;\n    add(100, a, b);\n    for (int i = 0; i < 100; i++) s += a[i];\n'
        '    printf("%g\\n", s);\n    return 0;\n}\n')
    assert cc.run(["-O1", "k.c", "main.c", "-o", "app"]) == 0
    result = subprocess.run(["./app"], capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "2"})
    assert result.stdout == "14850\n"
    assert "GOMP_parallel" in subprocess.run(["nm", "app"], capture_output=True, text=True).stdout


def test_cxx_wrapper_with_language_flag(tmp_path, monkeypatch, cache):
    _analysis_with_plan(monkeypatch)
    monkeypatch.setenv("AUTOPAR_CXX", "g++")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k.inc").write_text("#include <vector>\nvoid twice(std::vector<double> &v) {\n"
                                    "    for (long i = 0; i < (long)v.size(); i++)\n        v[i] *= 2;\n}\n")
    assert cc.run(["-x", "c++", "-c", "k.inc", "-o", "k.o"], cxx=True) == 0
    assert "GOMP_parallel" in subprocess.run(["nm", "k.o"], capture_output=True, text=True).stdout


def test_slow_analysis_is_cut_off_and_the_original_compiled(tmp_path, monkeypatch, cache, capfd):
    import time

    def slow(path, compile_args=None, build_dir=None, reasoner=None, **options):
        while True:
            time.sleep(0.05)

    monkeypatch.setattr(transform, "transform_file", slow)
    monkeypatch.setenv("AUTOPAR_CC", "gcc")
    monkeypatch.setenv("AUTOPAR_TIMEOUT", "1")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k.c").write_bytes(KERNEL)
    (tmp_path / "k.h").write_text("#define SCALE 2.0\n")
    assert cc.run(["-c", "k.c"]) == 0 and (tmp_path / "k.o").exists()
    assert capfd.readouterr().err.splitlines() == [
        "autopar-cc: warning: k.c: not parallelized, analysis failed: "
        "the analysis took longer than 1 s (AUTOPAR_TIMEOUT)"]


def test_crash_in_the_analysis_is_one_warning(tmp_path, monkeypatch, cache, gcc_in_tmp, capfd):
    def segfault(path, compile_args=None, build_dir=None, reasoner=None, **options):
        faulthandler.disable()  # pytest's handler would print the child's stack into the test log
        os.kill(os.getpid(), 11)

    monkeypatch.setattr(transform, "transform_file", segfault)
    (tmp_path / "k.c").write_bytes(KERNEL)
    (tmp_path / "k.h").write_text("#define SCALE 2.0\n")
    assert cc.run(["-c", "k.c"]) == 0 and (tmp_path / "k.o").exists()
    assert capfd.readouterr().err.splitlines() == [
        "autopar-cc: warning: k.c: not parallelized, analysis failed: the analysis crashed (SIGSEGV)"]


def test_unusable_cache_directory_costs_only_time(tmp_path, monkeypatch, capfd):
    _analysis_with_plan(monkeypatch)
    (tmp_path / "not-a-dir").write_text("")
    monkeypatch.setenv("AUTOPAR_CACHE_DIR", str(tmp_path / "not-a-dir" / "cache"))
    monkeypatch.setenv("AUTOPAR_CC", "gcc")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k.c").write_bytes(KERNEL)
    (tmp_path / "k.h").write_text("#define SCALE 2.0\n")
    assert cc.run(["-c", "k.c"]) == 0
    assert capfd.readouterr().err == ""
    assert "GOMP_parallel" in subprocess.run(["nm", "k.o"], capture_output=True, text=True).stdout


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("cmake") and shutil.which("ninja")), reason="cmake and ninja are needed")
def test_cmake_with_ninja_uses_the_wrapper(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(PROJECT, src, ignore=shutil.ignore_patterns("*.o", "*.d", "app", "Makefile", "broken"))
    (tmp_path / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.13)\nproject(demo C)\n"
        "add_executable(app src/main.c src/vec.c src/stencil.c src/stats.c src/gnu_ext.c)\n")
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(tmp_path / "cache")}
    build = tmp_path / "build"
    configure = subprocess.run(["cmake", "-S", str(tmp_path), "-B", str(build), "-G", "Ninja",
                                f"-DCMAKE_C_COMPILER={_wrapper()}"], capture_output=True, text=True, env=env)
    assert configure.returncode == 0, configure.stderr
    built = subprocess.run(["cmake", "--build", str(build)], capture_output=True, text=True, env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    assert subprocess.run([str(build / "app")], capture_output=True, text=True).stdout.startswith("saxpy ")
    # ninja's dependency log names the original sources and headers
    deps = subprocess.run(["ninja", "-C", str(build), "-t", "deps"], capture_output=True, text=True).stdout
    assert str(src / "vec.c") in deps and str(src / "vec.h") in deps and str(tmp_path / "cache") not in deps
    assert "no work to do" in subprocess.run(["ninja", "-C", str(build)], capture_output=True, text=True,
                                             env=env).stdout


def test_file_with_its_own_pragmas_is_parallelized_only_under_fopenmp(tmp_path, monkeypatch, cache, gcc_in_tmp, capfd):
    _analysis_with_plan(monkeypatch)
    (tmp_path / "k.h").write_text("#define SCALE 2.0\n")
    (tmp_path / "k.c").write_bytes(KERNEL + b"void g(int *a) {\n#pragma omp parallel for\n"
                                            b"    for (int i = 0; i < 9; i++) a[0] += i;\n}\n")
    assert cc.run(["-c", "k.c"]) == 0
    assert "GOMP" not in subprocess.run(["nm", "k.o"], capture_output=True, text=True).stdout
    assert "has omp pragmas of its own" in capfd.readouterr().err
    assert cc.run(["-fopenmp", "-c", "k.c"]) == 0  # the user asked for OpenMP: ours are added too
    assert "add._omp_fn" in subprocess.run(["nm", "k.o"], capture_output=True, text=True).stdout


@pytest.mark.parametrize("own, parallelized", [
    (b"/* was:\n#pragma omp parallel for\n*/\n", True),  # commented out: no pragma of its own
    (b"void g(int *a) {\n#pragma \\\n    omp parallel for\n    for (int i = 0; i < 9; i++) a[0] += i;\n}\n", False),
])
def test_own_pragmas_are_read_as_the_front_end_reads_them(tmp_path, monkeypatch, cache, gcc_in_tmp, capfd, own, parallelized):
    # the wrapper's own scan took the commented-out pragma for one and missed the continued one
    _analysis_with_plan(monkeypatch)
    (tmp_path / "k.h").write_text("#define SCALE 2.0\n")
    (tmp_path / "k.c").write_bytes(KERNEL + own)
    assert cc.run(["-c", "k.c"]) == 0
    assert ("GOMP" in subprocess.run(["nm", "k.o"], capture_output=True, text=True).stdout) == parallelized
    assert ("has omp pragmas of its own" in capfd.readouterr().err) != parallelized


DSUM = b"""double dsum(const double *d, int n) {
    double s = 0;
    for (int i = 0; i < n; i++)
        s += d[i];
    return s;
}
"""


def test_the_floating_point_policy_comes_from_the_environment_and_is_part_of_the_cache_key(
        tmp_path, monkeypatch, cache, gcc_in_tmp):
    (tmp_path / "d.c").write_bytes(DSUM)
    report = tmp_path / "report.jsonl"
    monkeypatch.setenv("AUTOPAR_REPORT", str(report))

    def parallel_after(policy):
        if policy is None:
            monkeypatch.delenv("AUTOPAR_FP_REDUCTIONS", raising=False)
        else:
            monkeypatch.setenv("AUTOPAR_FP_REDUCTIONS", policy)
        assert cc.run(["-O1", "-c", "d.c"]) == 0
        line = json.loads(report.read_text().splitlines()[-1])
        [loop] = line["file"]["loops"]
        return loop["parallel"], line["cached"]

    assert parallel_after(None) == (True, False)
    assert parallel_after("strict") == (False, False)  # not the cached allow decision
    assert parallel_after("strict") == (False, True)
    assert parallel_after("allow") == (True, True)


@pytest.mark.parametrize("line, whole", [
    ("-O2 prog.c -o prog", True),
    ("-O2 prog.c -o prog -lm -fopenmp", True),
    ("-O2 -c prog.c", False),
    ("prog.c lib.c -o prog", False),
    ("prog.c lib.o -o prog", False),
    ("-shared -fPIC prog.c -o libprog.so", False),
    ("-rdynamic prog.c -o prog", False),
    ("prog.c -Wl,--export-dynamic -o prog", False),
    ("prog.c -Xlinker -E -o prog", False),
    ("prog.c -Wl,-e,start -o prog", False),
    ("-r prog.c -o prog.o", False),
    # a library of the user's (or an object handed to the linker) may call the program's functions
    ("prog.c -L. -lhelper -o prog", False),
    ("prog.c -l:libhelper.a -o prog", False),
    ("prog.c -Wl,helper.o -o prog", False),
    ("prog.c -Xlinker helper.o -o prog", False),
    ("prog.c -Wl,--export-dynamic-symbol=step -o prog", False),
    ("-fPIC prog.c -Wl,--shared -o libprog.so", False),
    ("prog.c -Wl,--defsym=other=step -o prog", False),
    ("-nostdlib prog.c -Wl,-i -o prog.o", False),
    ("-O1 -march=native -std=c99 -DN=3 -I. -static prog.c -o prog -l m -lpthread", True),
])
def test_a_command_that_builds_a_program_of_one_source_is_a_whole_program(line, whole):
    assert cc.whole_program(parse_command_line(line.split())) == whole


PULL_PROGRAM = b"""#include <stdio.h>
#include <stdlib.h>
void pull(int n, const int *ptr, const int *idx, const double *rank, double *next) {
    for (int v = 0; v < n; v++) {
        double sum = 0.0;
        for (int e = ptr[v]; e < ptr[v + 1]; e++)
            sum += rank[idx[e]];
        next[v] = 0.15 + 0.85 * sum / (ptr[v + 1] - ptr[v] + 1);
    }
}
int main(void) {
    int n = 4000, deg = 4;
    int *ptr = malloc(sizeof(int) * (n + 1)), *idx = malloc(sizeof(int) * n * deg);
    double *rank = malloc(sizeof(double) * n), *next = malloc(sizeof(double) * n);
    for (int v = 0; v <= n; v++) ptr[v] = v * deg;
    for (int e = 0; e < n * deg; e++) idx[e] = (e * 7919) % n;
    for (int v = 0; v < n; v++) rank[v] = 1.0 / n;
    for (int it = 0; it < 20; it++) {
        pull(n, ptr, idx, rank, next);
        double *tmp = rank; rank = next; next = tmp;
    }
    double s = 0.0;
    for (int v = 0; v < n; v++) s += rank[v] * (v % 7);
    printf("%.10f\\n", s);
    return 0;
}
"""


def test_a_program_of_one_source_gets_the_facts_of_a_whole_program(tmp_path, monkeypatch, cache, gcc_in_tmp):
    (tmp_path / "pr.c").write_bytes(PULL_PROGRAM)
    report = tmp_path / "report.jsonl"
    monkeypatch.setenv("AUTOPAR_REPORT", str(report))

    def pull_loop() -> dict:
        line = json.loads(report.read_text().splitlines()[-1])
        return next(l for l in line["file"]["loops"] if l["function"] == "pull" and l["depth"] == 0)

    assert cc.run(["-O1", "-c", "pr.c", "-o", "pr.o"]) == 0  # an object: other files may call pull
    assert not pull_loop()["parallel"]
    assert cc.run(["-O1", "pr.c", "-o", "pr"]) == 0
    assert pull_loop()["parallel"]
    serial = subprocess.run(["gcc", "-O1", "pr.c", "-o", "serial"], capture_output=True)
    assert serial.returncode == 0
    expected = subprocess.run(["./serial"], capture_output=True, text=True).stdout
    for threads in ("1", "3"):
        run = subprocess.run(["./pr"], capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": threads})
        # the checksum's own loop is a floating-point + reduction (n is the constant 4000), whose order
        # the default policy lets change
        assert float(run.stdout) == pytest.approx(float(expected), rel=1e-12)


def test_the_cache_fingerprint_changes_with_a_module_of_a_subpackage(tmp_path, monkeypatch):
    """A cached rewrite must never outlive the code that made it: a change to autopar/deps/x.py (not
    only to autopar/*.py) gives new keys. (A stale entry once served the old inspection helper.)"""
    import autopar
    from autopar.tools import cc_cache

    for name in ("autopar/__init__.py", "autopar/deps/x.py", "autopar/frontend/y.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# one\n")
    monkeypatch.setattr(autopar, "__file__", str(tmp_path / "autopar" / "__init__.py"))
    monkeypatch.setattr(cc_cache, "_FINGERPRINT", None)
    first = cc_cache.code_fingerprint()
    (tmp_path / "autopar" / "deps" / "x.py").write_text("# two, longer\n")
    monkeypatch.setattr(cc_cache, "_FINGERPRINT", None)
    assert cc_cache.code_fingerprint() != first


def test_the_cache_stays_under_its_size_limit_least_recently_used_first(tmp_path, monkeypatch, cache):
    """Every build in a new folder (a CI checkout, a temporary directory) adds a decision entry and
    a parallelized copy that nothing else removes: a compile keeps them under
    $AUTOPAR_CACHE_MAX_SIZE, checked at most once an hour, dropping the least recently used."""
    from autopar.tools import cc_cache

    monkeypatch.setenv("AUTOPAR_CC", "gcc")
    report = tmp_path / "report.jsonl"
    monkeypatch.setenv("AUTOPAR_REPORT", str(report))
    source = b"double a[100000];\nvoid scale(int n) {\n  for (int i = 0; i < n; i++)\n    a[i] = a[i] * 2.0 + i;\n}\n"

    def build(folder: str, size: str = "1G") -> bool:
        """Whether the decisions came from the cache."""
        work = tmp_path / folder
        work.mkdir(exist_ok=True)
        (work / "k.c").write_bytes(source)
        monkeypatch.chdir(work)
        monkeypatch.setenv("AUTOPAR_CACHE_MAX_SIZE", size)
        assert cc.run(["-O1", "-c", "k.c", "-o", "k.o"]) == 0
        return json.loads(report.read_text().splitlines()[-1])["cached"]

    def used() -> int:
        return sum(p.stat().st_size for folder in ("decisions", "src") for p in (cache / folder).rglob("*")
                   if p.is_file())

    for k in range(6):
        assert not build(f"checkout{k}")
    assert len(list((cache / "src").iterdir())) == 6  # one copy per build folder
    per_build = used() / 6
    assert build("checkout0")  # a hit: checkout0 is now the most recently used
    os.utime(cache / "last-cleanup", (0, 0))  # an hour has passed
    limit = int(per_build * 3)
    assert not build("checkout6", str(limit))  # 1 to 4, the least recently used, go; then 6 is added
    assert used() <= limit
    assert build("checkout0") and build("checkout5")
    assert not build("checkout1", "1")  # analyzed again; within the hour, no clean-up at any limit
    assert len(list((cache / "src").iterdir())) == 4
    monkeypatch.setenv("AUTOPAR_CACHE_MAX_SIZE", "lots")  # an unreadable limit is the default
    assert cc_cache.max_size() == cc_cache.DEFAULT_MAX_SIZE


def test_a_cache_entry_that_cannot_be_marked_used_is_still_a_hit(tmp_path, monkeypatch, cache):
    """A shared cache this user may read but not write: marking the entry used fails, the hit stands
    (root, who runs the tests, may write anywhere, so the refusal is made by hand)."""
    from autopar.tools import cc_cache

    entry = cc_cache.Entry(key="k" * 64, report_json="{}")
    cc_cache.store(entry, [])

    def refused(*args, **kwargs):
        raise PermissionError("read-only")
    monkeypatch.setattr(cc_cache.os, "utime", refused)
    found = cc_cache.lookup("k" * 64)
    assert found is not None and found.cached


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_a_loop_broken_off_its_line_keeps_the_columns_of_its_diagnostics(tmp_path, monkeypatch, cache, capfd,
                                                                           compiler):
    """The pragma of a loop that shares its line goes on a line of its own; in the compiler's copy the
    `for` keeps its column (a tab stays a tab), so a warning further on names the user's line and column."""
    monkeypatch.setenv("AUTOPAR_CC", compiler)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.c").write_text(
        "double a[100000], b[100000];\n"
        "int f(int n, unsigned k0) {\n"
        "\tint k;\n"
        "\tif (n > 0)  for (k = 0; k < n; k++) a[k] = b[k] * 2.0 + (k0 < 0u ? 1 : 0) + (n == n);\n"
        "\treturn 0;\n"
        "}\n")
    flags = ["-Wall", "-Wextra", "-Wtype-limits", "-Wtautological-compare", "-c", "s.c"]
    plain = subprocess.run([compiler, *flags, "-o", "plain.o"], capture_output=True, text=True)
    expected = sorted(line for line in plain.stderr.splitlines() if line.startswith("s.c:4:"))
    assert len(expected) >= 1, plain.stderr
    assert cc.run([*flags, "-o", "s.o"]) == 0
    copy = next(cache.rglob("s.c")).read_text()
    assert "#pragma omp parallel for" in copy  # the loop was parallelized, on a line broken off
    err = capfd.readouterr().err
    assert sorted(line for line in err.splitlines() if line.startswith("s.c:4:")) == expected


@pytest.mark.parametrize("where", ["source", "header", "one_step"])
def test_what_fopenmp_would_switch_on_stays_off(tmp_path, monkeypatch, cache, capfd, where):
    """Code under `#ifdef _OPENMP`, or an omp pragma in a header the source includes, compiled without
    -fopenmp: a parallelized copy (compiled with it) would switch it on (it printed "threads=4" where gcc's
    build printed "serial build"), so nothing of the command is parallelized. A one-step compile and
    link is no exception (its original got -fopenmp and printed "hi" four times)."""
    monkeypatch.setenv("AUTOPAR_CC", "gcc")
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    monkeypatch.chdir(tmp_path)
    loop = "long a[2000000];\nlong sum(int n) { long s = 0; for (int i = 0; i < n; i++) { a[i] = i; s += a[i] % 7; } return s; }\n"
    banner = {"source": "#ifdef _OPENMP\n#define MODE \"openmp\"\n#else\n#define MODE \"serial\"\n#endif\n",
              "header": "#include \"hello.h\"\n#define MODE \"serial\"\n",
              "one_step": "#define MODE \"serial\"\n"}[where]
    (tmp_path / "hello.h").write_text("static void hello(void) {\n#pragma omp parallel\n  puts(\"hello\");\n}\n")
    own = "#pragma omp parallel\n    puts(\"hi\");\n" if where == "one_step" else ""
    (tmp_path / "m.c").write_text("#include <stdio.h>\n" + banner + loop +
                                  "int main(int argc, char **argv) {\n" + own +
                                  "    for (int r = 0; r < 40; r++) sum(2000000 - argc);\n"
                                  "    printf(\"%s %ld\\n\", MODE, sum(1000 + argc));\n    return 0;\n}\n")
    if where == "one_step":
        assert cc.run(["-O1", "m.c", "-o", "p"]) == 0
    else:
        assert cc.run(["-O1", "-c", "m.c"]) == 0
        assert subprocess.run(["gcc", "m.o", "-o", "p"]).returncode == 0
    out = subprocess.run(["./p"], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[-1].startswith("serial ") and out.count("hi") <= 1
    assert "not parallelized" in capfd.readouterr().err


def test_several_sources_each_get_their_dependency_file_and_no_stale_copy(tmp_path, monkeypatch, cache, gcc_in_tmp):
    """`-MD -c a.c b.c`: each source's `.d` names it, not its copy; and a header of b.c that changes
    between two builds is seen (it was checked against a.c's headers, and b.c's old copy raced)."""
    for name in ("a", "b"):
        (tmp_path / f"{name}.h").write_text("#define STEP 0\n")
        (tmp_path / f"{name}.c").write_text(f"#include \"{name}.h\"\nlong {name}v[1000002];\n"
                                            f"void {name}f(int n) {{ for (int i = 0; i < n; i++) "
                                            f"{name}v[i] = {name}v[i + STEP] * 2 + 1; }}\n")
    assert cc.run(["-O1", "-MD", "-c", "a.c", "b.c"]) == 0
    for name in ("a", "b"):
        words = (tmp_path / f"{name}.d").read_text().replace("\\\n", " ").split()
        assert words[:2] == [f"{name}.o:", f"{name}.c"] and str(cache) not in " ".join(words)
    first = subprocess.run(["nm", "b.o"], capture_output=True, text=True).stdout
    (tmp_path / "b.h").write_text("#define STEP 1\n")  # b's loop is now a recurrence
    assert cc.run(["-O1", "-MD", "-c", "a.c", "b.c"]) == 0
    assert "GOMP_parallel" in first
    assert "GOMP_parallel" not in subprocess.run(["nm", "b.o"], capture_output=True, text=True).stdout


def test_the_sources_own_line_directives_are_kept(tmp_path, monkeypatch, cache, gcc_in_tmp, capfd):
    """A parser bison wrote says `#line 500 "gen.y"`: the directives the copy adds after a pragma must
    say gen.y's line too (`__LINE__` printed gen.y:8, gcc's build gen.y:504)."""
    (tmp_path / "g.c").write_text(
        "#include <stdio.h>\nlong a[4000000];\n#line 500 \"gen.y\"\n"
        "long f(int n) {\n  long s = 0;\n  for (int i = 0; i < n; i++) a[i] = i;\n"
        "  for (int i = 0; i < n; i++) s += a[i];\n  printf(\"%s:%d\\n\", __FILE__, __LINE__);\n  return s;\n}\n"
        "int main(int argc, char **argv) { long t = 0; for (int r = 0; r < 8; r++) t += f(4000000 - argc);\n"
        "  printf(\"%ld\\n\", t); return 0; }\n")
    assert subprocess.run(["gcc", "-O1", "g.c", "-o", "plain"]).returncode == 0
    assert cc.run(["-O1", "-c", "g.c"]) == 0 and subprocess.run(["gcc", "-fopenmp", "g.o", "-o", "p"]).returncode == 0
    assert "#pragma omp" in next(cache.rglob("g.c")).read_text()
    expected = subprocess.run(["./plain"], capture_output=True, text=True).stdout
    assert subprocess.run(["./p"], capture_output=True, text=True).stdout == expected and "gen.y:504" in expected


@pytest.mark.parametrize("compiler,name", [("gcc", "b.c"), ("g++", "b.cpp"), ("clang", "b.c")])
def test_base_file_names_the_original(tmp_path, monkeypatch, cache, compiler, name):
    """`__BASE_FILE__` is the file the compile command names, which no #line changes: it named the
    copy in autopar's cache. The copy defines it again, without a warning under -Werror."""
    if shutil.which(compiler) is None:
        pytest.skip(f"{compiler} is not installed")
    monkeypatch.setenv("AUTOPAR_CC" if name.endswith(".c") else "AUTOPAR_CXX", compiler)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / name).write_text(
        "#include <stdio.h>\nstatic double a[100000];\nint main(void) {\n  double s = 0;\n"
        "  for (int i = 0; i < 100000; i++) a[i] = i * 0.5;\n  for (int i = 0; i < 100000; i++) s += a[i];\n"
        "  printf(\"%s %s %g\\n\", __BASE_FILE__, __FILE__, s);\n  return 0;\n}\n")
    flags = ["-O1", "-fopenmp", "-Wall", "-Werror", "-pedantic", f"src/{name}", "-o", "p"]
    assert cc.run(flags, cxx=not name.endswith(".c")) == 0
    assert "#pragma omp" in next(cache.rglob(name)).read_text()
    assert subprocess.run(["./p"], capture_output=True, text=True, check=True).stdout == \
        f"src/{name} src/{name} 2.49998e+09\n"


def test_the_environment_s_include_paths_are_part_of_the_cache_key(tmp_path, monkeypatch, cache, gcc_in_tmp):
    """CPATH picks the header: another CPATH, another header, so the cached copy of the other is not
    the one to compile (its loop became a recurrence)."""
    for name, step in (("apart", 0), ("carried", 1)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "step.h").write_text(f"#define STEP {step}\n")
    (tmp_path / "k.c").write_text("#include <step.h>\nlong v[1000002];\n"
                                  "void f(int n) { for (int i = 0; i < n; i++) v[i] = v[i + STEP] * 2 + 1; }\n")
    symbols = {}
    for name in ("apart", "carried"):
        monkeypatch.setenv("CPATH", str(tmp_path / name))
        assert cc.run(["-O1", "-c", "k.c"]) == 0
        symbols[name] = subprocess.run(["nm", "k.o"], capture_output=True, text=True).stdout
    assert "GOMP_parallel" in symbols["apart"] and "GOMP_parallel" not in symbols["carried"]


def test_a_report_line_says_whether_the_parallel_copy_went_into_the_object(tmp_path, monkeypatch, cache, gcc_in_tmp):
    """The $AUTOPAR_REPORT line is written once the compile's outcome is known: `"applied": false` and
    why, when the object was built from the file unchanged (a file clang cannot parse, a copy that did
    not compile), so that a report never claims pragmas the object does not have."""
    report = tmp_path / "report.jsonl"
    monkeypatch.setenv("AUTOPAR_REPORT", str(report))
    loop = "double a[100000];\nvoid scale(int n) {\n  for (int i = 0; i < n; i++)\n    a[i] = a[i] * 2.0 + i;\n}\n"
    nested = loop + "int outer(int k) {\n  int inner(int x) { return x + k; }\n  return inner(1);\n}\n"  # GNU C only
    (tmp_path / "plain.c").write_text(loop)
    (tmp_path / "nested.c").write_text(nested)

    def last_line() -> dict:
        return json.loads(report.read_text().splitlines()[-1])

    assert cc.run(["-O1", "-c", "plain.c"]) == 0
    assert last_line()["applied"] and "not_applied" not in last_line()
    assert cc.run(["-O1", "-c", "nested.c"]) == 0
    assert not last_line()["applied"] and "clang cannot parse it" in last_line()["not_applied"]
    # a copy the compiler refuses (a stand-in compiler that fails every -fopenmp compile; the original
    # command then builds the object, as the real compiler's refusal would have it)
    monkeypatch.setattr(cc, "_call", _failing_copies(cc._call))
    assert cc.run(["-O1", "-c", "plain.c", "-o", "again.o"]) == 0
    assert not last_line()["applied"] and last_line()["not_applied"] == "the parallelized copy did not compile"


def _failing_copies(call):
    """`cc._call` that fails every compile of a parallelized copy (the one with -fopenmp)."""
    def failing(command, capture=False):
        if "-fopenmp" in command:
            return subprocess.CompletedProcess(command, 1, b"", b"error: refused\n")
        return call(command, capture=capture) if capture else call(command)
    return failing


def test_response_files_are_split_as_gcc_splits_them(tmp_path):
    """A backslash escapes the next character inside quotes too: shlex read `'a\\b'` as `a\\b`, and the
    compile of a file with nothing to parallelize got another macro than gcc would."""
    rsp = tmp_path / "r.rsp"
    rsp.write_text("-DM1='a\\b' \"-DM2=c\\d\" m.c\n")
    assert parse_command_line([f"@{rsp}"]).args == ["-DM1=ab", "-DM2=cd", "m.c"]


@pytest.mark.parametrize("spelled", [["-Wp,-DSHIFTED,-UNOTHING"], ["-Xpreprocessor", "-DSHIFTED"],
                                     ["--define-macro", "SHIFTED"], ["--define-macro=SHIFTED"]])
def test_macros_given_to_the_preprocessor_by_another_spelling_reach_the_analysis(spelled):
    """`-Wp,-D_FORTIFY_SOURCE=2` is in distributions' default CFLAGS: the compile saw the macro and the
    analysis did not (a loop that the macro made a recurrence ran in parallel)."""
    line = parse_command_line(["-O2", *spelled, "-c", "a.c"])
    assert "-DSHIFTED" in analysis_flags(line, line.sources[0])


def test_a_one_step_build_whose_analysis_failed_keeps_the_users_pragmas_off(tmp_path, monkeypatch, cache, gcc_in_tmp):
    """`autopar-cc x.c -o x` links with -fopenmp; where the analysis failed (a GNU nested function
    clang cannot parse), the source's own pragma was compiled with it too and raced (300000, 199999
    where gcc printed 399999)."""
    (tmp_path / "ne.c").write_text("#include <stdio.h>\nint main(void) {\n  long cnt = 0;\n"
                                   "  int twice(int x) { return 2 * x; }\n#pragma omp parallel for\n"
                                   "  for (int i = 0; i < 400000; i++) cnt += twice(i) % 3;\n"
                                   "  printf(\"%ld\\n\", cnt);\n  return 0;\n}\n")
    assert cc.run(["-O1", "ne.c", "-o", "ne"]) == 0
    assert "GOMP_parallel" not in subprocess.run(["nm", "ne"], capture_output=True, text=True).stdout


def test_a_source_that_tests_reentrant_is_not_given_fopenmp(tmp_path, monkeypatch, cache, gcc_in_tmp, capfd):
    """-fopenmp defines _REENTRANT (gcc's -pthread): a file choosing its code by it printed
    "thread-safe" where gcc's build printed "single-threaded"."""
    (tmp_path / "r.c").write_bytes(b"#ifdef _REENTRANT\nint reentrant = 1;\n#endif\n" + KERNEL.replace(b'#include "k.h"\n', b"#define SCALE 2.0\n"))
    assert cc.run(["-c", "r.c"]) == 0
    assert "add._omp_fn" not in subprocess.run(["nm", "r.o"], capture_output=True, text=True).stdout
    assert "_REENTRANT" in capfd.readouterr().err


def test_what_a_copy_would_change_stays_as_gcc_has_it(tmp_path, monkeypatch, cache, gcc_in_tmp):
    """A `#line` in a comment or under `#if 0` is no directive (the copy's lines said old.c:907); a
    macro that expands to __COUNTER__ keeps its loop from being copied (the count rose by one per
    copy); __TIMESTAMP__ is the source's time, not the copy's."""
    (tmp_path / "ln.c").write_text(
        "#include <stdio.h>\n#include <stdlib.h>\n#if 0\n#line 500 \"grammar.y\"\n#endif\n/*\n # 900 \"old.c\"\n */\n"
        "#define TAG __COUNTER__\nint main(int argc, char **argv) {\n  int n = argc > 1 ? atoi(argv[1]) : 200000;\n"
        "  long *b = malloc(n * sizeof *b);\n  for (int i = 0; i < n; i++) b[i] = (long)i * 3 + TAG;\n  long s = 0;\n"
        "  for (int i = 0; i < n; i++) s += b[i] * (i % 7);\n"
        "  printf(\"%ld %s:%d %d %s\\n\", s, __FILE__, __LINE__, __COUNTER__, __TIMESTAMP__);\n  return 0;\n}\n")
    os.utime(tmp_path / "ln.c", (1_600_000_000, 1_600_000_000))
    subprocess.run(["gcc", "-O2", "ln.c", "-o", "serial"], check=True)
    assert cc.run(["-O2", "ln.c", "-o", "par"]) == 0
    outputs = [subprocess.run([f"./{exe}"], capture_output=True, text=True, check=True,
                              env={**os.environ, "OMP_NUM_THREADS": "4"}).stdout for exe in ("serial", "par")]
    assert outputs[0] == outputs[1] and "ln.c:16 1 " in outputs[0]


def test_a_changed_isystem_header_that_mmd_leaves_out_is_noticed(tmp_path, monkeypatch, cache, gcc_in_tmp):
    """-MMD leaves -isystem headers out of the dependency file, so the cache kept the copy made while
    SHIFT was 0 after the header said 1: the reused pragma raced. The cache now checks every file
    the analysis read too."""
    (tmp_path / "sys").mkdir()
    (tmp_path / "m.c").write_text("#include <kern.h>\ndouble a[400001];\n"
                                  "void step(void) {\n  for (int i = 0; i < 400000; i++) a[i + SHIFT] = a[i] + 1.0;\n}\n")
    outlined = []
    for shift in ("0", "1"):
        (tmp_path / "sys" / "kern.h").write_text(f"#define SHIFT {shift}\n")
        assert cc.run(["-O2", "-isystem", "sys", "-MMD", "-c", "m.c", "-o", "m.o"]) == 0
        outlined.append("step._omp_fn" in subprocess.run(["nm", "m.o"], capture_output=True, text=True).stdout)
    assert outlined == [True, False]


def test_a_dependency_file_behind_a_symlink_stays_a_symlink_with_its_mode(tmp_path, monkeypatch, cache, gcc_in_tmp):
    """The fixed dependency file replaced the symlink `-MF link.d` (and `-MF /dev/null` with a regular
    file, as root) and came out mode 0600: the target is written in place of itself (and a device is
    left alone, which this test does not try on the machine's own /dev/null)."""
    (tmp_path / "k.c").write_text("double a[400000];\nvoid f(void) {\n  for (int i = 0; i < 400000; i++) a[i] = i * 2.0;\n}\n")
    (tmp_path / "deps").mkdir()
    (tmp_path / "deps" / "real.d").write_text("")
    os.chmod(tmp_path / "deps" / "real.d", 0o644)
    os.symlink("deps/real.d", tmp_path / "link.d")
    assert cc.run(["-O2", "-MD", "-MF", "link.d", "-c", "k.c", "-o", "k.o"]) == 0
    assert os.path.islink(tmp_path / "link.d") and (os.stat(tmp_path / "deps" / "real.d").st_mode & 0o777) == 0o644
    assert " k.c " in (tmp_path / "deps" / "real.d").read_text() and ".autopar" not in (tmp_path / "deps" / "real.d").read_text()


def test_a_report_that_cannot_be_written_never_fails_the_build(tmp_path, monkeypatch, cache, capfd):
    """AUTOPAR_REPORT into a missing directory gave a traceback and exit 1 after the object was built."""
    monkeypatch.setenv("AUTOPAR_CC", "gcc")
    monkeypatch.setenv("AUTOPAR_REPORT", str(tmp_path / "missing" / "r.jsonl"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k.c").write_text("double a[400000];\nvoid f(void) {\n  for (int i = 0; i < 400000; i++) a[i] = i * 2.0;\n}\n")
    assert cc.run(["-O2", "-c", "k.c", "-o", "k.o"]) == 0 and (tmp_path / "k.o").exists()
    assert "AUTOPAR_REPORT" in capfd.readouterr().err


def test_a_real_compiler_that_is_the_wrapper_itself_is_an_error_not_a_loop(tmp_path, monkeypatch, capfd):
    """`cc` linked to autopar-cc first in PATH ran itself for ever (72 processes after 6 s); an
    unbalanced quote in AUTOPAR_CC was a traceback."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = Path(sys.executable).parent / "autopar-cc"
    os.symlink(wrapper, bin_dir / "cc")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("AUTOPAR_CC", None)
    done = subprocess.run([str(bin_dir / "cc"), "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 127 and "is autopar-cc itself" in done.stderr
    done = subprocess.run([str(wrapper), "--version"], env={**env, "AUTOPAR_CC": 'gcc "'}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 127 and "cannot split it into words" in done.stderr


def test_a_configure_probe_without_loops_gets_no_warning(tmp_path, monkeypatch, cache, gcc_in_tmp, capfd):
    """autoconf's AC_LANG_WERROR judges a probe by an empty stderr: `autopar-cc: warning: ... clang
    cannot parse it` on a probe of GNU nested functions made configure say "no" where gcc says yes."""
    (tmp_path / "conftest.c").write_text("int main(void) {\n  int twice(int v) { return 2 * v; }\n  return twice(0);\n}\n")
    assert cc.run(["-g", "-O2", "conftest.c", "-o", "conftest"]) == 0
    assert capfd.readouterr().err == ""


def test_a_thread_sanitizer_build_is_compiled_as_asked(tmp_path, monkeypatch, cache, gcc_in_tmp):
    """libgomp is not instrumented: the parallelized build of a race-free program reported 6 races."""
    (tmp_path / "k.c").write_text("double a[400000];\nvoid f(void) {\n  for (int i = 0; i < 400000; i++) a[i] = i * 2.0;\n}\n")
    assert cc.run(["-O1", "-fsanitize=thread", "-c", "k.c", "-o", "k.o"]) == 0
    assert "f._omp_fn" not in subprocess.run(["nm", "k.o"], capture_output=True, text=True).stdout
    assert cc.run(["-O2", "-c", "k.c", "-o", "k.o"]) == 0
    assert "f._omp_fn" in subprocess.run(["nm", "k.o"], capture_output=True, text=True).stdout


@pytest.mark.skipif(shutil.which("clang") is None, reason="needs clang")
def test_the_real_compiler_is_part_of_the_cache_key(tmp_path, monkeypatch, cache):
    """A file that keeps another loop under `#ifdef __clang__`: clang's build parallelizes its loop,
    gcc's (a recurrence) must not, and gcc's build took clang's cached decision (it raced)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "div.c").write_text(
        "int a[4000000];\nvoid f(int n) {\n  for (int i = 1; i < n; i++)\n#ifdef __clang__\n"
        "    a[i] = a[i] + 1;\n#else\n    a[i] = a[i - 1] + 1;\n#endif\n}\n")
    report = tmp_path / "report.jsonl"
    monkeypatch.setenv("AUTOPAR_REPORT", str(report))
    for compiler in ("clang", "gcc"):
        monkeypatch.setenv("AUTOPAR_CC", compiler)
        assert cc.run(["-O1", "-c", "div.c", "-o", f"div-{compiler}.o"]) == 0
    first, second = [json.loads(line) for line in report.read_text().splitlines()]
    assert not second.get("cached"), second
    loops = second["file"]["loops"]
    assert not any(loop["parallel"] for loop in loops), loops
