"""The differential fuzzer: its generator, its detector (a wrong pragma must be caught), and a short run
that must find nothing wrong with autopar."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from autopar.tools.fuzz import csmith, loopgen, loopgen_cxx
from autopar.tools.fuzz.campaign import Task, pragma_kinds, run_campaign, summary_table
from autopar.tools.fuzz.check import Checker, Outcome, Problem, classify_warnings
from autopar.tools.fuzz.texts import original_line, pragma_lines
from autopar.tools.fuzz.culprit import find_culprits

needs_compilers = pytest.mark.skipif(shutil.which("gcc") is None or shutil.which("clang") is None,
                                     reason="needs gcc and clang")
needs_csmith = pytest.mark.skipif(csmith.available() is not None, reason=str(csmith.available()))

# a loop-carried dependence (line 7): a `parallel for` on it changes the result
CARRIED = """#include <stdio.h>
int a[100000];
int main(int argc, char **argv)
{
    int n = 100000 + argc - 1;
    for (int i = 0; i < n; i++) a[i] = i % 7;
    for (int i = 1; i < n; i++) a[i] = (a[i - 1] * 3 + a[i]) % 1000;
    unsigned long long h = 0;
    for (int i = 0; i < n; i++) h = h * 31 + a[i];
    printf("h %llu\\n", h);
    return 0;
}
"""


def inject(source: str, line: int, pragma: str) -> str:
    """`source` with `pragma` inserted above its 1-based `line`."""
    lines = source.splitlines(keepends=True)
    return "".join(lines[:line - 1]) + "    " + pragma + "\n" + "".join(lines[line - 1:])


# ------------------------------------------------------------------------------------ the generator

def test_the_generator_is_deterministic_and_covers_what_the_issue_asks():
    assert loopgen.generate(7).source == loopgen.generate(7).source
    assert loopgen.generate(7).source != loopgen.generate(8).source
    text = "\n".join(loopgen.generate(seed).source for seed in range(400))
    for feature in ("zero + ", "argc", " != ", "unsigned", "signed char", "unsigned char", "short",
                    "long long", " && ", " || ", " ? ", "*= ", "&= ", "|= ", "^= ", "static int f",
                    "static void w", "static void k", "(&", "break;", "+ 1] =", " - 1]", "(unsigned)-",
                    "[j]", "L", "printf", "->n; i++)", ".n < ", ".m : ", ") / ", " = 1;", " = 2;", "->n -= 1", "int w = 1 + r % 3;", "+ zero);"):
        assert feature in text, feature
    assert "(i" in text and "((" in text  # parenthesized conditions
    # array members (a struct's grids, each element's vectors, a union, a pointer member) and a
    # solver that swaps its buffer parameters (and one that reads the swap's temporary)
    for feature in (".u[i][j] = ", ".x[j] = ", "union M", ".row[j] = ", "*tmp = u;", "v[i + 1] = "):
        assert feature in text, feature
    # row tables carved from one block, each way (a helper carving the caller's table too)
    for feature in ("a[i] = block + (size_t)i * stride;", "a[i] = &block[(size_t)i * stride];",
                    "a[i] = a[i - 1] + stride;", "(size_t)(i + 1) * stride;"):
        assert feature in text, feature
    assert re.search(r"static void carve\d+\(", text)
    # writes a jump may skip (a do-while's break, an inner loop's break, a forward goto) before a read
    assert ") break; t" in text and "_skip: ;" in text and "q == 1) break;" in text
    # nests bounded by a global array's elements (NAS's `grid_points`), and a call passed that array
    assert re.search(r"for \(int i\d+ = 0; i\d+ < gp\d+\[0\]; i\d+\+\+\)", text) and re.search(r"shrink\d+\(gp\d+\);", text)
    # block eliminations whose inner loops start past the pivot, over work arrays two sweeps share (NAS BT)
    assert re.search(r"static void elim\d+\(long long a\[\d\]\[\d\], long long r\[\d\]\)", text)
    assert "for (m = p + 1; m < " in text
    # helpers that fill a small array on every call, or nearly (NAS's `exact(i, j, k, ue)`)
    assert re.search(r"static void fill\d+\(int v\[\d+\], int x\)\n\{\n    int m;\n    for \(m = 0;", text)
    # struct elements copied whole beside their fields' updates (`r14[i13] = r11[i13];`)
    assert re.search(r"^ +r\d+\[i\d+\] = r\d+\[i\d+\];$", text, re.M)
    # types spelled through a typedef: arrays and reduction accumulators (`T2_t r11 = 0;`)
    assert re.search(r"^typedef [\w ]+ T\d+_t;$", text, re.M) and re.search(r"T\d+_t r\d+ = ", text)
    # min/max whose stored copy or compared value is spelled with a cast (`m = (short)a[i]`, `(short)a[i] > m`)
    cast = r"\((?:unsigned |signed )?(?:char|short|int|long|long long)\)\(?\w+\[i\d+\]"
    assert re.search(r"\br\d+ = " + cast + r"[^;?]*;", text)
    # (the compared one is rarer: 3 seeds of the first 800 with loopgen 62)
    assert any(re.search(cast + r"[^;]* [<>]=? r\d+", loopgen.generate(seed).source) for seed in range(800))


def test_the_cxx_generator_is_deterministic_and_writes_clean_cxx(tmp_path):
    """Every feature the C++ generator is for appears, and its programs build without a warning and
    run clean under the address and undefined-behaviour sanitizers with the library's bound checks."""
    assert loopgen_cxx.generate(7).source == loopgen_cxx.generate(7).source
    assert loopgen_cxx.generate(7).source != loopgen_cxx.generate(8).source
    programs = [loopgen_cxx.generate(seed).source for seed in range(1, 201)]
    text = "\n".join(programs)
    for feature in ("std::vector<", "std::array<", "std::span<", ".at(i)", ".data()[i]", ".size()", "for (auto &x : ",
                    "for (const auto &x : ", "std::min(", "push_back(", ".resize(", "template <typename T>",
                    "this->data[i]", "[&](long i)", "std::vector<std::vector<int>>", "i-- > 0", " != 0; i--",
                    "i < (int)(zero)", " && (x > -900)", "*= ", "void sweep()", "union { int a[", "operator=(const"):
        assert feature in text, feature
    if shutil.which("g++") is None:
        pytest.skip("needs g++")
    for seed in (1, 2, 3):
        source = tmp_path / f"p{seed}.cpp"
        source.write_text(programs[seed - 1])
        built = subprocess.run(["g++", *loopgen_cxx.CXXFLAGS, "-O1", "-Wall", "-Wextra", "-Werror", "-D_GLIBCXX_ASSERTIONS",
                                "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-o", str(tmp_path / f"p{seed}"),
                                str(source)], capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        ran = subprocess.run([str(tmp_path / f"p{seed}")], capture_output=True, text=True)
        assert ran.returncode == 0 and not ran.stderr, ran.stderr


def test_pragma_kinds_and_line_mapping():
    assert pragma_kinds("#pragma omp parallel for collapse(2) lastprivate(t) reduction(max: m) if(n > 9)",
                        "static") == ["parallel for", "collapse(2)", "reduction max", "lastprivate", "work threshold"]
    assert pragma_kinds("#pragma omp simd reduction(+: s) reduction(&&: ok)", "runtime-check") == \
        ["simd", "reduction +", "reduction &&", "runtime check"]
    rewritten = inject(inject(CARRIED, 7, "#pragma omp parallel for"), 6, "#pragma omp simd")
    assert [original_line(rewritten, p) for p in pragma_lines(rewritten)] == [6, 7]


def test_autopar_cc_warning_lines_are_classified():
    kinds = [p.kind for p in classify_warnings(
        "autopar-cc: warning: a.c: the parallelized copy did not compile; built the original unchanged\n"
        "autopar-cc: warning: b.c: not parallelized, analysis failed: the analysis crashed (SIGSEGV)\n"
        "autopar-cc: warning: c.c: not parallelized, analysis failed: the analysis took longer than 5 s\n"
        "autopar-cc: warning: d.c: not parallelized: it has omp pragmas of its own and the command line has no -fopenmp\n"
        "a.c:3:1: warning: unused variable\n")]
    assert kinds == ["fallback-did-not-compile", "analysis-crash", "timeout"]


# ------------------------------------------------------------------------------------- the detector

@pytest.mark.slow
@needs_compilers
def test_a_wrong_pragma_is_flagged_and_found(tmp_path):
    checker = Checker(str(tmp_path))
    outcome = checker.check(CARRIED, "carried", rewrite=inject(CARRIED, 7, "#pragma omp parallel for"))
    assert outcome.kind in ("mismatch", "race"), outcome.problems
    problem = next(p for p in outcome.problems if p.kind == outcome.kind)
    found = find_culprits(checker, outcome, problem)
    assert found["reproduced"]
    assert [(c["line"], c["pragma"]) for c in found["culprits"]] == [(7, "#pragma omp parallel for")]


@pytest.mark.slow
@needs_compilers
def test_a_right_pragma_passes(tmp_path):
    outcome = Checker(str(tmp_path)).check(CARRIED, "right", rewrite=inject(CARRIED, 6, "#pragma omp parallel for"))
    assert outcome.kind == "ok", outcome.problems


@pytest.mark.slow
@needs_compilers
def test_a_pragma_gcc_rejects_is_flagged_as_a_fallback(tmp_path):
    source = CARRIED.replace("for (int i = 0; i < n; i++) a[i] = i % 7;", "for (int i = 0; (i < n); i++) a[i] = i % 7;")
    checker = Checker(str(tmp_path), races=False)
    outcome = checker.check(source, "paren", rewrite=inject(source, 6, "#pragma omp parallel for"))
    problem = next((p for p in outcome.problems if p.kind == "fallback-did-not-compile"), None)
    if problem is None and checker.build_gcc(inject(source, 6, "#pragma omp parallel for"), "probe", openmp=True).ok:
        pytest.skip("this gcc accepts a parenthesized loop condition under an omp pragma (gcc 12 does not)")
    assert problem is not None, outcome.problems
    found = find_culprits(checker, outcome, problem)
    assert [c["line"] for c in found["culprits"]] == [6]


@pytest.mark.slow
@needs_compilers
@pytest.mark.parametrize("build, kind, pragma", [
    ("optimize-gcc", "mismatch", "#pragma omp parallel for"),
    ("offload-gcc", "fallback-did-not-compile", "#pragma omp target teams distribute parallel for map(tofrom: b)"),
])
def test_the_culprit_of_a_gpu_or_optimize_build_is_found_in_that_builds_text(build, kind, pragma, tmp_path):
    """A problem of the `--target gpu` or `--optimize` build is sought in the text that build ran, built
    its own way (the offload flags), not in the plain rewrite: a link failure of the nvptx build was
    'not reproduced from the rewrite', a restructured nest's wrong output had 'no pragma' to blame."""
    checker = Checker(str(tmp_path), races=False)
    expected = checker.check(CARRIED, "reference", rewrite=CARRIED).reference_stdout
    variant = inject(CARRIED, 7, pragma)
    outcome = Outcome(kind=kind, rewrite=CARRIED, reference_stdout=expected, variants={build: variant})
    problem = Problem(kind, "", build, threads=4)
    found = find_culprits(checker, outcome, problem)
    assert found["reproduced"], found
    # (the line before the rewrite is not named: these rewrites insert more than pragma lines)
    assert [(c["rewrite_line"], c["line"], c["pragma"]) for c in found["culprits"]] == [(7, None, pragma)]
    if kind == "fallback-did-not-compile":
        assert "undeclared" in found["culprits"][0]["error"]


@pytest.mark.slow
@needs_compilers
def test_a_rewrite_wrong_without_any_pragma_blames_no_pragma(tmp_path):
    """A restructured nest that is wrong in itself: removing each pragma in turn leaves it wrong, so
    the search must not name an innocent pragma beside it."""
    checker = Checker(str(tmp_path), races=False)
    expected = checker.check(CARRIED, "reference", rewrite=CARRIED).reference_stdout
    wrong = CARRIED.replace("a[i] = (a[i - 1] * 3 + a[i]) % 1000;", "a[i] = (a[i - 1] * 3 + a[i]) % 999;")
    variant = inject(wrong, 6, "#pragma omp parallel for")  # a right pragma on the first loop
    outcome = Outcome(kind="mismatch", rewrite=CARRIED, reference_stdout=expected, variants={"optimize-gcc": variant})
    found = find_culprits(checker, outcome, Problem("mismatch", "", "optimize-gcc", threads=4))
    assert found["reproduced"] and found["culprits"] == [], found
    assert "without any pragma" in found["method"]


# ----------------------------------------------------------------------------------- the short run

@pytest.mark.slow
@needs_compilers
@needs_csmith
def test_a_short_campaign_finds_nothing_wrong(tmp_path):
    tasks = [Task("loops", seed) for seed in range(1, 25)] + [Task("csmith", seed) for seed in (2, 3, 4, 5)]
    summary = run_campaign(tasks, str(tmp_path), jobs=2, culprits=False)
    assert summary["programs"]["total"] == 28 and summary["loops_parallelized"] > 0
    assert summary["classes"]["loops"].get("generator-invalid", 0) == 0
    assert not summary["bad_cases"], summary_table(summary)


CARRIED_CXX = """#include <cstdio>
#include <vector>
int main(int argc, char **) {
    std::vector<int> a(4000 + argc - 1);
    for (std::size_t i = 0; i < a.size(); i++) a[i] = (int)(i % 7);
    for (std::size_t i = 1; i < a.size(); i++) a[i] = (a[i - 1] * 3 + a[i]) % 1000;
    unsigned long long h = 0;
    for (int x : a) h = h * 31 + x;
    std::printf("h %llu\\n", h);
    return 0;
}
"""


@pytest.mark.slow
@needs_compilers
def test_a_wrong_pragma_in_cxx_is_flagged_and_found(tmp_path):
    checker = Checker(str(tmp_path), list(loopgen_cxx.CXXFLAGS), cxx=True)
    right = checker.check(CARRIED_CXX, "right", rewrite=inject(CARRIED_CXX, 5, "#pragma omp parallel for"))
    assert right.kind == "ok", right.problems
    outcome = checker.check(CARRIED_CXX, "carried", rewrite=inject(CARRIED_CXX, 6, "#pragma omp parallel for"))
    assert outcome.kind in ("mismatch", "race"), outcome.problems
    problem = next(p for p in outcome.problems if p.kind == outcome.kind)
    found = find_culprits(checker, outcome, problem)
    assert [(c["line"], c["pragma"]) for c in found["culprits"]] == [(6, "#pragma omp parallel for")]


@pytest.mark.slow
@needs_compilers
def test_a_short_cxx_campaign_finds_nothing_wrong(tmp_path):
    """autopar-cxx and the rewrites of C++ programs, against g++."""
    summary = run_campaign([Task("cxx", seed) for seed in range(1, 7)], str(tmp_path), jobs=2, culprits=False)
    assert summary["programs"]["cxx"] == 6 and summary["loops_parallelized"] > 0
    assert summary["classes"]["cxx"].get("generator-invalid", 0) == 0
    assert not summary["bad_cases"], summary_table(summary)


def test_the_loop_generator_makes_a_program_for_every_seed():
    """Seeds 5174 and 5188 of version 2 asked for an empty random range (an unsigned loop reading a
    source array shorter than its offset)."""
    from autopar.tools.fuzz import loopgen

    for seed in range(1, 1501):
        assert f"seed {seed} " in loopgen.generate(seed).source


OFFLOADED = """#include <stdio.h>
#include <stdlib.h>
static void scale(double *restrict a, const double *restrict b, int n) {
    for (int i = 0; i < n; i++) a[i] = b[i] * 2.0 + i;
}
int main(void) {
    int n = 100; double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) b[i] = i % 7;
    scale(a, b, n);
    double s = 0; for (int i = 0; i < n; i++) s += a[i] * (i % 3);
    printf("%.6f\\n", s);
    return 0;
}
"""


def test_the_offload_rewrite_is_checked_and_a_short_map_is_caught(tmp_path):
    from autopar.tools.fuzz.check import Checker, Outcome, _check_offload, _host_device

    checker = Checker(str(tmp_path), races=False)
    outcome = checker.check(OFFLOADED, "scale")
    assert outcome.kind == "ok" and outcome.offloaded >= 1
    if not _host_device(checker):
        pytest.skip("this clang has no libomptarget host device")
    cut = checker.offload_text.replace("map(to: b[0:n])", "map(to: b[0:n / 2])")
    assert cut != checker.offload_text
    reference = checker.build_gcc(OFFLOADED, "reference", openmp=False)
    bad = Outcome(kind="ok")
    _check_offload(checker, cut, "cut", bad, checker.run(reference.executable, 1))
    assert [(p.kind, p.build) for p in bad.problems] == [("mismatch", "offload-host-device")]


def test_link_flags_of_cflags_go_after_the_source(tmp_path):
    """`fuzz.py --check FILE --cflags=-lm`: a library flag before the source links nothing (gcc reads
    libraries in order), so the checker puts link flags last in every build."""
    checker = Checker(str(tmp_path), ["-O1", "-lm"])
    assert checker.cflags == ["-O1"] and checker.link_flags == ["-lm"]
    source = ("#include <math.h>\n#include <stdio.h>\nint main(int argc, char **argv) {\n"
              "  volatile double x = argc;\n  printf(\"%f\\n\", cbrt(x) + exp2(x));\n  return 0;\n}\n")
    built = checker.build_gcc(source, "uses_libm", openmp=False)
    assert built.ok, built.stderr
    assert built.command[-1] == "-lm"


def test_check_of_a_file_finds_its_own_headers_and_an_unchecked_file_is_not_a_pass(tmp_path, capsys):
    """`fuzz.py --check inc/use.c`: the file is built from a copy, and its `#include "local.h"` was not
    found; the run said generator-invalid and exited 0, a CI step that tested nothing. A value of
    --cflags that begins with `-` is the option's own."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import fuzz

    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "local.h").write_text("#define N 1000\n")
    (tmp_path / "inc" / "use.c").write_text(
        '#include <stdio.h>\n#include "local.h"\ndouble a[N];\nint main(void) {\n'
        '  for (int i = 0; i < N; i++) a[i] = i * 0.5;\n  printf("%f\\n", a[N - 1]);\n  return 0;\n}\n')
    assert fuzz.main(["--check", str(tmp_path / "inc" / "use.c"), "--no-races", "--cflags", "-DUNUSED=1"]) == 0
    assert ": ok," in capsys.readouterr().out
    (tmp_path / "inc" / "broken.c").write_text("int main(void) { return undeclared; }\n")
    assert fuzz.main(["--check", str(tmp_path / "inc" / "broken.c"), "--no-races"]) == 2
