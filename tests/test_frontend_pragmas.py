"""The pragmas pass: existing `#pragma omp` lines (read from the text) and `autopar: off` comments."""

from __future__ import annotations

import os

import pytest

from autopar.frontend.translate import translate
from autopar.frontend.omp_pragmas import has_omp_pragma

DATA = os.path.join(os.path.dirname(__file__), "data", "frontend")


@pytest.fixture(scope="module")
def loops():
    tu = translate(os.path.join(DATA, "pragmas.c"), [])
    assert not tu.has_errors, tu.diagnostics
    return {loop.line: loop for loop in tu.loops}


def test_pragma_with_continuation_lines(loops):
    assert loops[5].existing_pragma == "#pragma omp parallel for schedule(static) firstprivate(n)"
    assert not loops[5].inside_omp_construct
    assert loops[6].existing_pragma is None and loops[6].inside_omp_construct


def test_other_pragmas_between_are_skipped(loops):
    assert loops[11].existing_pragma == "#pragma omp simd"


def test_loop_inside_a_parallel_region(loops):
    assert loops[16].existing_pragma is None and loops[16].inside_omp_construct


def test_commented_out_and_standalone_directives_do_not_count(loops):
    assert loops[21].existing_pragma is None and not loops[21].inside_omp_construct
    assert loops[25].existing_pragma is None  # `omp barrier` has no loop of its own


def test_opt_out_comments(loops):
    assert loops[31].opt_out and loops[32].opt_out  # the comment above a nest covers its inner loop
    assert loops[35].opt_out  # a comment on the loop's own line
    assert not loops[40].opt_out
    assert loops[46].opt_out  # the comment above the function


def test_no_pragma_anywhere_in_a_plain_file():
    tu = translate(os.path.join(DATA, "loops.c"), [])
    assert all(l.existing_pragma is None and not l.inside_omp_construct and not l.opt_out for l in tu.loops)


def test_pragma_under_ifdef_openmp_and_spaced_hash(tmp_path):
    source = tmp_path / "guarded.c"
    source.write_text(
        "void f(double *a, int n) {\n"
        "#ifdef _OPENMP\n"
        "#  pragma omp parallel for\n"
        "#endif\n"
        "  for (int i = 0; i < n; i++) a[i] = 0;\n"
        "#define ZERO 0\n"
        "  for (int i = 0; i < n; i++) a[i] = ZERO;\n"
        "}\n")
    tu = translate(str(source), [])
    assert tu.loops[0].existing_pragma == "#pragma omp parallel for"
    assert tu.loops[1].existing_pragma is None  # a #define above is not a pragma


def test_pragma_operator_and_standalone_directives(tmp_path):
    """`_Pragma("omp ...")` alone on its line is a loop's pragma as `#pragma omp` is (the front end
    used to miss it while the rewriter saw it); a standalone directive whose name takes a list
    (`flush(a)`) or `target update` is no loop's pragma (the front end used to take both)."""
    source = tmp_path / "spellings.c"
    source.write_text(
        "void f(double *a, int n) {\n"
        '  _Pragma("omp parallel for")\n'
        "  for (int i = 0; i < n; i++) a[i] = 0;\n"
        "  #pragma omp flush(a)\n"
        "  for (int i = 0; i < n; i++) a[i] = 1;\n"
        "  #pragma omp target update to(a[0:n])\n"
        "  for (int i = 0; i < n; i++) a[i] = 2;\n"
        "}\n")
    tu = translate(str(source), [])
    assert [l.existing_pragma for l in tu.loops] == ['_Pragma("omp parallel for")', None, None]
    assert not any(l.inside_omp_construct for l in tu.loops)


def test_whether_a_file_has_omp_pragmas_is_read_as_the_front_end_reads_them():
    # what autopar-cc asks before adding -fopenmp; its own scan took the commented-out pragma and
    # missed the continued and the comment-led ones
    assert has_omp_pragma(b"int x;\n#pragma omp parallel for\n")
    assert has_omp_pragma(b"# pragma \\\n    omp parallel for\n")
    assert has_omp_pragma(b"/* why */ #pragma omp parallel\n")
    assert has_omp_pragma(b'#define PARALLEL _Pragma("omp parallel for")\n')
    assert not has_omp_pragma(b"/* was:\n#pragma omp parallel for\n*/\n")
    assert not has_omp_pragma(b'// _Pragma("omp parallel")\n#pragma GCC ivdep\nconst char *s = "omp";\n')
