"""The analysis reads a file as clang preprocesses it; gcc compiles what gcc's preprocessor keeps
(autopar.frontend.preprocessor_view). Where the two keep other code, no loop of the file runs in
parallel: a pragma on code gcc never saw analysed raced."""

from __future__ import annotations

import os
import shutil

import pytest

from autopar.decision.pipeline import analyze_tu, load_translation_unit

RECURRENCE = ("int a[4000000], b[4000000];\n"
              "void f(int n) {\n  for (int i = 1; i < n; i++)\n"
              "{guard}\n    a[i] = b[i] + 1;\n#else\n    a[i] = a[i - 1] + 1;\n#endif\n}}\n")


def _verdict(path):
    tu = load_translation_unit(str(path), [])
    analysis = analyze_tu(tu)
    loop = tu.loops[0]
    return tu, next(v for v in analysis.nest_of(loop.id).verdicts if v.loop_id == loop.id)


@pytest.mark.parametrize("guard", ["#ifdef __clang__", "#if __GNUC__ < 5", "#if defined(__llvm__) || __GNUC_MINOR__ > 90"])
def test_code_gcc_compiles_otherwise_keeps_the_file_serial(tmp_path, monkeypatch, guard):
    """libclang defines __clang__ and says __GNUC__ is 4: it read `b[i] + 1` where gcc compiles the
    recurrence `a[i - 1] + 1` (the build printed another sum at every run)."""
    monkeypatch.setenv("AUTOPAR_CC", "gcc")
    path = tmp_path / "guarded.c"
    path.write_text(RECURRENCE.replace("{guard}", guard).replace("}}", "}"))
    tu, verdict = _verdict(path)
    assert tu.preprocessor_divergence and not verdict.parallelizable and "preprocessor" in verdict.codes


def test_conditionals_both_compilers_read_alike_change_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOPAR_CC", "gcc")
    path = tmp_path / "alike.c"
    path.write_text("#ifndef N\n#define N 4000000\n#endif\n#if defined(__GNUC__)\n#define SCALE 2\n#else\n"
                    "#define SCALE 3\n#endif\nint a[N], b[N];\n"
                    "void f(int n) { for (int i = 0; i < n; i++) a[i] = b[i] * SCALE; }\n")
    tu, verdict = _verdict(path)
    assert tu.preprocessor_divergence is None and verdict.parallelizable


@pytest.mark.skipif(shutil.which("clang") is None, reason="clang is not installed")
def test_clang_reads_the_file_as_the_analysis_does(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOPAR_CC", "clang")
    path = tmp_path / "clang.c"
    path.write_text(RECURRENCE.replace("{guard}", "#ifdef __clang__").replace("}}", "}"))
    tu, verdict = _verdict(path)
    assert tu.preprocessor_divergence is None and verdict.parallelizable


@pytest.mark.parametrize("text", [
    # a branch of definitions only: gcc's -E holds no code line of it, and the body it keeps is the recurrence
    "#ifdef __clang__\n#define UPD(i) (b[i] + 1)\n#else\n#define UPD(i) (b[(i) + 1] + 1)\n#endif\n"
    "int b[4000016];\nvoid f(int n) {\n  for (int i = 0; i < n; i++)\n    b[i] = UPD(i);\n}\n",
    # the version in code: libclang reads b[i + 0], gcc 12 b[i + 8]
    "int b[4000016];\nvoid f(int n) {\n  for (int i = 0; i < n; i++)\n    b[i] = b[i + (__GNUC__ - 4)] + 1;\n}\n",
    # and through a macro the body expands
    "#define SHIFT (__GNUC__ - 4)\nint b[4000016];\nvoid f(int n) {\n  for (int i = 0; i < n; i++)\n"
    "    b[i] = b[i + SHIFT] + 1;\n}\n"])
def test_definitions_and_versions_the_compilers_give_otherwise_keep_the_file_serial(tmp_path, monkeypatch, text):
    monkeypatch.setenv("AUTOPAR_CC", "gcc")
    path = tmp_path / "defined.c"
    path.write_text(text)
    tu, verdict = _verdict(path)
    assert tu.preprocessor_divergence and not verdict.parallelizable and "preprocessor" in verdict.codes


def test_a_definition_no_function_body_expands_changes_nothing(tmp_path, monkeypatch):
    """brotli's `BROTLI_ARRAY_PARAM(name)`, `(name)` for gcc and empty for clang, sizes prototypes'
    array parameters only (in an `extern "C" {` block): its loops stay parallel."""
    monkeypatch.setenv("AUTOPAR_CC", "gcc")
    path = tmp_path / "proto.c"
    path.write_text('#if defined(__cplusplus)\nextern "C" {\n#endif\n#if !defined(__clang__)\n'
                    "#define ARRAY_PARAM(name) (name)\n#else\n#define ARRAY_PARAM(name)\n#endif\n"
                    "void use(int n, const int data[ARRAY_PARAM(n)]);\nint a[4000000], b[4000000];\n"
                    "void f(int n) { for (int i = 0; i < n; i++) a[i] = b[i] * 2; }\n"
                    "#if defined(__cplusplus)\n}\n#endif\n")
    tu, verdict = _verdict(path)
    assert tu.preprocessor_divergence is None and verdict.parallelizable


def test_a_backslash_at_the_end_of_a_comment_continues_the_definition(tmp_path, monkeypatch):
    """Python's cpython/object.h continues a `#define` through `/* ... \\` and `... */ \\` lines: read as
    code from the comment's end, its lines seemed kept by gcc and skipped by clang, and every file that
    includes Python.h was serial (preprocessor) under gcc."""
    monkeypatch.setenv("AUTOPAR_CC", "gcc")
    (tmp_path / "obj.h").write_text(
        "#define BEGIN(op) \\\n    do { \\\n        int t_ = 0; \\\n"
        "        /* if cond is false, then t_ stays 0 and the deallocator \\\n"
        "         * runs normally */ \\\n        if (op) { \\\n            t_ = 1; \\\n        } \\\n"
        "    } while (0)\n#if defined(__GNUC__) && !defined(__clang__)\n#define HOT __attribute__((hot))\n#endif\n")
    path = tmp_path / "ext.c"
    path.write_text('#include "obj.h"\nint a[4000000], b[4000000];\n'
                    "void f(int n) { for (int i = 0; i < n; i++) a[i] = b[i] * 2; }\n")
    tu, verdict = _verdict(path)
    assert tu.preprocessor_divergence is None and verdict.parallelizable


def test_a_qualifier_only_one_compiler_gets_in_a_parameter_list_keeps_the_file_serial(tmp_path, monkeypatch):
    """`#define RESTRICT restrict` under `#ifdef __clang__`: the analysis read restrict pointers that gcc
    compiles without it (called with overlapping arguments, the loop raced)."""
    monkeypatch.setenv("AUTOPAR_CC", "gcc")
    path = tmp_path / "restrict.c"
    path.write_text("#ifdef __clang__\n#define RESTRICT restrict\n#else\n#define RESTRICT\n#endif\n"
                    "void shift(int *RESTRICT dst, const int *RESTRICT src, int n) {\n"
                    "  for (int i = 0; i < n; i++) dst[i] = src[i] + 1;\n}\n")
    tu, verdict = _verdict(path)
    assert tu.preprocessor_divergence and not verdict.parallelizable


@pytest.mark.skipif(not os.path.exists("/usr/lib/ccache/gcc"), reason="needs ccache's compiler links")
def test_a_compiler_behind_a_ccache_link_is_the_compiler(tmp_path, monkeypatch):
    """`/usr/lib/ccache/gcc` resolves to ccache: run as `ccache -E file` the check failed, and the file
    was read as clang reads it."""
    monkeypatch.setenv("AUTOPAR_CC", "/usr/lib/ccache/gcc")
    path = tmp_path / "guarded.c"
    path.write_text(RECURRENCE.replace("{guard}", "#ifdef __clang__").replace("}}", "}"))
    tu, verdict = _verdict(path)
    assert tu.preprocessor_divergence and not verdict.parallelizable
