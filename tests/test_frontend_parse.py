"""The parse pass: compile flags, compilation databases, builtin headers, language, and bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from autopar.frontend.translate import FrontendError, translate
from autopar.frontend.parse import _installed_resource_dir, builtin_header_args, clean_flags, language_of

LOOP = "void f(int *a, int n) {\n  for (int i = 0; i < n; i++)\n    a[i] = 0;\n}\n"


def _write(tmp_path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


@pytest.mark.skipif(shutil.which("clang") is None, reason="needs clang")
def test_the_resource_dir_read_off_the_installation_is_the_one_clang_prints():
    printed = subprocess.run(["clang", "-print-resource-dir"], capture_output=True, text=True).stdout.strip()
    found = _installed_resource_dir(shutil.which("clang"))
    assert found is None or os.path.realpath(found) == os.path.realpath(printed)
    assert builtin_header_args()[1] == (found or printed)


def test_builtin_headers_are_found(tmp_path):
    assert builtin_header_args()  # clang's resource dir, or gcc's include dir
    path = _write(tmp_path, "std.c", "#include <stddef.h>\n#include <stdarg.h>\n#include <stdio.h>\n"
                  "size_t n;\n" + LOOP)
    tu = translate(path, [])
    assert not tu.diagnostics, tu.diagnostics
    assert len(tu.loops) == 1


def test_clean_flags_drops_what_a_parse_cannot_use():
    flags = ["-c", "-o", "k.o", "-O2", "-g", "-fopenmp", "-MD", "-MF", "k.d", "-Werror", "-Wall", "-Iinc",
             "-DX=1", "-std=c11", "-include", "cfg.h"]
    assert clean_flags(flags) == ["-Wall", "-Iinc", "-DX=1", "-std=c11", "-include", "cfg.h"]
    assert clean_flags(["-I", "inc", "-Isub"], "/src") == ["-I", "/src/inc", "-I/src/sub"]


@pytest.mark.parametrize("path, flags, language", [
    ("k.c", [], "c"), ("k.cpp", [], "c++"), ("k.cc", [], "c++"), ("k.h", [], "c"), ("k.hpp", [], "c++"),
    ("k.c", ["-x", "c++"], "c++"), ("k.c", ["-std=c++17"], "c++"), ("k.cpp", ["-xc"], "c"),
])
def test_language(path, flags, language):
    assert language_of(path, flags) == language


def test_defines_and_include_paths_reach_the_parser(tmp_path):
    (tmp_path / "inc").mkdir()
    _write(tmp_path, "inc/cfg.h", "#define LIMIT 8\n")
    path = _write(tmp_path, "k.c", '#include "cfg.h"\nvoid f(int *a) {\n#ifdef WITH_LOOP\n'
                  "  for (int i = 0; i < LIMIT; i++) a[i] = 0;\n#endif\n}\n")
    tu = translate(path, ["-I", str(tmp_path / "inc"), "-DWITH_LOOP"])
    assert not tu.has_errors and len(tu.loops) == 1
    assert tu.loops[0].canonical.upper.constant == 8
    assert translate(path, ["-I", str(tmp_path / "inc")]).loops == []
    assert "-DWITH_LOOP" in tu.compile_args


def test_fopenmp_is_never_given_to_libclang(tmp_path):
    path = _write(tmp_path, "omp.c", "void f(int *a, int n) {\n#pragma omp parallel for\n"
                  "  for (int i = 0; i < n; i++) a[i] = 0;\n}\n")
    tu = translate(path, ["-fopenmp", "-O3"])
    assert len(tu.loops) == 1 and tu.loops[0].existing_pragma == "#pragma omp parallel for"
    assert "-fopenmp" not in tu.compile_args


@pytest.mark.parametrize("form", ["arguments", "command"])
def test_compilation_database(tmp_path, form):
    src = tmp_path / "src"
    (src / "inc").mkdir(parents=True)
    _write(src, "inc/cfg.h", "#define LIMIT 8\n")
    path = _write(src, "k.c", '#include "cfg.h"\n#ifndef SCALE\n#error SCALE missing\n#endif\n'
                  "void f(int *a) { for (int i = 0; i < LIMIT; i++) a[i] = SCALE; }\n")
    build = tmp_path / "build"
    build.mkdir()
    entry = {"directory": str(src), "file": "k.c"}
    if form == "arguments":
        entry["arguments"] = ["cc", "-c", "-Iinc", "-DSCALE=3", "-o", "k.o", "k.c"]
    else:
        entry["command"] = "gcc -c -I inc -D SCALE=3 k.c -o k.o"
    (build / "compile_commands.json").write_text(json.dumps([entry]))
    tu = translate(path, [], build_dir=str(build))
    assert not tu.diagnostics, tu.diagnostics
    assert [(l.line, l.column) for l in tu.loops] == [(5, 18)]
    # without the database the include and the define are missing
    assert translate(path, []).has_errors


def test_compilation_database_without_the_file_warns(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    (build / "compile_commands.json").write_text("[]")
    path = _write(tmp_path, "k.c", LOOP)
    tu = translate(path, [], build_dir=str(build))
    assert len(tu.loops) == 1
    assert [d.severity for d in tu.diagnostics] == ["warning"]
    assert "no entry for this file" in tu.diagnostics[0].message


def test_missing_compilation_database_is_an_error(tmp_path):
    path = _write(tmp_path, "k.c", LOOP)
    with pytest.raises(FrontendError, match="no compile_commands.json"):
        translate(path, [], build_dir=str(tmp_path / "nowhere"))


# ------------------------------------------------------------------------------------------- bad input

def test_missing_file(tmp_path):
    with pytest.raises(FrontendError, match="no such file"):
        translate(str(tmp_path / "missing.c"), [])


def test_directory(tmp_path):
    with pytest.raises(FrontendError, match="is a directory"):
        translate(str(tmp_path), [])


def test_binary_file(tmp_path):
    path = _write(tmp_path, "blob.c", b"\x7fELF\x02\x01\x01\x00\x00\x00for (;;) {}")
    with pytest.raises(FrontendError, match=r"not a C/C\+\+ source file \(binary: it has NUL bytes\)"):
        translate(path, [])
    path = _write(tmp_path, "noise.c", bytes(range(128, 256)) * 8)
    with pytest.raises(FrontendError, match=r"not a C/C\+\+ source file \(binary: 1024 of 1024 bytes"):
        translate(path, [])


def test_non_utf8_file_is_read_byte_for_byte(tmp_path):
    """gcc compiles Latin-1 comments and strings; each byte that is not UTF-8 reads as one `?`, so
    every offset libclang gives is an offset into the file on disk."""
    prefix = "/* caf\xe9 */\nconst char *s = \"\xe9t\xe9\";\n".encode("latin-1")
    path = _write(tmp_path, "latin1.c", prefix + LOOP.encode())
    tu = translate(path, [])
    assert [(loop.line, loop.column) for loop in tu.loops] == [(4, 3)]
    assert tu.loops[0].offset == (prefix + LOOP.encode()).index(b"for")
    assert not tu.has_errors


def test_syntax_errors_give_diagnostics_and_the_loops_still_found(tmp_path):
    path = _write(tmp_path, "broken.c", "void f(int *a, int n) {\n  int x = ;\n"
                  "  for (int j = 0; j < n; j++) a[j] = 0;\n}\n")
    tu = translate(path, [])
    assert tu.has_errors
    error = next(d for d in tu.diagnostics if d.severity == "error")
    assert (error.file, error.line) == (path, 2) and "expected expression" in error.message
    assert [(l.line, l.column) for l in tu.loops] == [(3, 3)]


def test_empty_file(tmp_path):
    tu = translate(_write(tmp_path, "empty.c", ""), [])
    assert tu.loops == [] and tu.diagnostics == []


def test_header_only_file(tmp_path):
    tu = translate(_write(tmp_path, "api.h", "#pragma once\nint f(int);\nstruct s { int a; };\n"), [])
    assert tu.loops == [] and tu.diagnostics == []


def test_unknown_flag_is_a_warning(tmp_path):
    tu = translate(_write(tmp_path, "k.c", LOOP), ["-fno-such-flag", "-Wno-such-warning"])
    assert len(tu.loops) == 1
    assert not tu.has_errors
    messages = [d.message for d in tu.diagnostics]
    assert any("-fno-such-flag" in m for m in messages) and any("-Wno-such-warning" in m for m in messages)
    assert all(d.severity == "warning" for d in tu.diagnostics)
    assert len(messages) == len(set(messages))


@pytest.mark.parametrize("flags, dropped", [
    (["-march=bogus", "-DN=4"], "-march=bogus"),
    (["-std=c99999"], "-std=c99999"),
    (["-target", "nonsense-arch"], "-target nonsense-arch"),
])
def test_flags_libclang_rejects_are_dropped_with_a_warning(tmp_path, flags, dropped):
    path = _write(tmp_path, "k.c", "void f(int *a) {\n  for (int i = 0; i < N; i++) a[i] = 0;\n}\n"
                  if "-DN=4" in flags else LOOP)
    tu = translate(path, flags)
    assert len(tu.loops) == 1 and not tu.has_errors
    warning = next(d for d in tu.diagnostics if "rejected" in d.message)
    assert warning.severity == "warning" and dropped in warning.message
    if "-DN=4" in flags:
        assert tu.loops[0].canonical.upper.constant == 4  # the macro survived the retry


# Old C that gcc 12 builds with warnings, but that clang 16+ (libclang 18) rejects unless told otherwise.
OLD_C = {
    "implicit-function-declaration": ("int main(void) { return get_n(); }\n",
                                      "call to undeclared function 'get_n'"),
    "implicit-int": ("static f(int x) { return x + 1; }\n", "defaults to 'int'"),
    "int-conversion": ("int main(void) { int *p = 5; return p != 0; }\n",
                       "incompatible integer to pointer conversion"),
    "incompatible-function-pointer-types": (
        "int g(void) { return 1; }\nint main(void) { void (*fp)(int) = g; return fp != 0; }\n",
        "incompatible function pointer types"),
    "return-type": ("int g(void) { return; }\n", "should return a value"),
}


@pytest.mark.parametrize("name", sorted(OLD_C))
def test_old_c_that_gcc_accepts_is_analyzed_with_a_warning(tmp_path, name):
    import subprocess

    text, message = OLD_C[name]
    path = tmp_path / "old.c"
    path.write_text("int a[1000];\nvoid fill(int n) {\n    for (int i = 0; i < n; i++)\n        a[i] = i;\n}\n" + text)
    assert subprocess.run(["gcc", "-c", str(path), "-o", str(tmp_path / "old.o")],
                          capture_output=True).returncode == 0  # the user's compiler builds it
    tu = translate(str(path), [])
    assert not tu.has_errors
    assert any(d.severity == "warning" and message in d.message for d in tu.diagnostics)
    assert [loop.line for loop in tu.loops] == [3]


def test_old_c_is_rewritten_but_a_real_syntax_error_still_stops_the_rewrite(tmp_path, capsys):
    from autopar.cli.main import main

    old = tmp_path / "old.c"
    old.write_text("double a[4096];\nint main(void) {\n    int n = get_n();\n"
                   "    for (int i = 0; i < n; i++)\n        a[i] = 2.0 * i;\n    return 0;\n}\n")
    assert main(["rewrite", str(old)]) == 0
    assert "#pragma omp parallel for" in capsys.readouterr().out
    broken = tmp_path / "broken.c"
    broken.write_text(old.read_text().replace("return 0;", "return 0"))
    assert main(["rewrite", str(broken)]) == 1
    assert "not rewritten" in capsys.readouterr().err


def test_cxx_keeps_its_own_rules(tmp_path):
    """C++ never had implicit declarations: g++ rejects them too, so the analysis does as well."""
    path = tmp_path / "a.cpp"
    path.write_text("int main() { return get_n(); }\n")
    assert translate(str(path), []).has_errors


def test_functions_without_prototypes_are_analyzed(tmp_path):
    """`int main()` and K&R definitions (no prototype in C): libclang asserts when asked whether such a
    function is variadic; the whole file once came back as an internal error."""
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "kr.c"
    path.write_text("double a[1000], b[1000];\nstatic void scale(n, s)\nint n; double s;\n{\n    int i;\n"
                    "    for (i = 0; i < n; i++)\n        a[i] = b[i] * s;\n}\nint main()\n{\n    int i;\n"
                    "    for (i = 0; i < 1000; i++) b[i] = i;\n    scale(1000, 2.0);\n    return 0;\n}\n")
    analysis = analyze_file(str(path))
    assert analysis.report.error is None
    assert [(loop.line, loop.parallelizable) for loop in analysis.report.loops] == [(6, True), (12, True)]


def test_declarations_whose_cursor_hashes_collide_keep_their_own_keys():
    """A declaration's key is kept per cursor hash, and clang's hash is 32 bits: in a file of 100,000
    globals one or two pairs collide, differently on each run. Here two real cursors are given one
    hash: each keeps its own key, and another cursor of the first declaration finds the first key."""
    from clang import cindex

    from autopar.frontend.parse import parse, settings_for
    from autopar.frontend.variables import Variables

    class OneHash(cindex.Cursor):
        hash = property(lambda self: 7)

    unit, _ = parse("g.c", "int a;\nint b;\n", settings_for("g.c", [], None))
    a, b = (OneHash.from_buffer_copy(c) for c in unit.cursor.get_children())
    again = OneHash.from_buffer_copy(a)
    for cursor in (a, b, again):
        cursor._tu = unit
    keys = [Variables.key(c) for c in (a, b, again)]
    assert keys == [("g.c", 4, "a"), ("g.c", 11, "b"), ("g.c", 4, "a")]


def test_a_file_that_includes_the_compilers_intrinsics_headers_is_analyzed(tmp_path):
    """The builtin headers come from the installed clang (14 here), which the wheel's libclang (18)
    reads with errors inside their inline functions: every file including <emmintrin.h> was refused.
    Errors there are the library's; the file's own code is read, and the intrinsics are unknown calls."""
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "sse.c"
    path.write_text("#include <emmintrin.h>\nvoid add(int *restrict a, const int *restrict b, int n) {\n"
                    "  for (int i = 0; i < n; i++) a[i] = b[i] + 1;\n}\n"
                    "void vadd(__m128i *restrict a, const __m128i *restrict b, int n) {\n"
                    "  for (int i = 0; i < n; i++) a[i] = _mm_adds_epi8(a[i], b[i]);\n}\n")
    report = analyze_file(str(path)).report
    assert not report.failed, report.diagnostics
    plain, intrinsic = report.loops
    assert plain.parallel and not intrinsic.parallel, (plain.reasons, intrinsic.reasons)
