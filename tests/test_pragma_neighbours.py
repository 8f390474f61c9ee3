"""What sits right above a loop decides where an omp pragma may go: a pragma a macro writes
(`IVDEP` for `_Pragma("GCC ivdep")`, `UNROLL(4)`), a `#pragma GCC ivdep` with `#ifdef`/`#endif`
lines between it and the loop, an omp pragma macro defined in the program's header (`PFOR`), a
line continued by a backslash that blanks follow. Each rewrite once failed to compile (gcc: "for
statement expected before '#pragma'", or a `#` joined onto the line above); a file whose lines end
in CR alone crashed the front end."""

from __future__ import annotations

import pytest

from analyzed import rewrite_prints_as_serial
from autopar.cli.main import main

BODY = "  for (int i = 0; i < N; i++) b[i] = a[i] * 2;\n"
PROGRAM = ("#include <stdio.h>\n{head}#define N 300000\ndouble a[N], b[N];\nint main(void) {{\n"
           "  for (int i = 0; i < N; i++) a[i] = i % 10;\n{above}" + BODY +
           "  long s = 0;\n  for (int i = 0; i < N; i++) s += (long)b[i];\n  printf(\"%ld\\n\", s);\n  return 0;\n}}\n")

CASES = {
    "hint macro": ('#define IVDEP _Pragma("GCC ivdep")\n', "  IVDEP\n"),
    "hint macro with arguments": ('#define DO_PRAGMA(x) _Pragma(#x)\n#define UNROLL(n) DO_PRAGMA(GCC unroll n)\n',
                                  "  UNROLL(4)\n"),
    "hint above a conditional": ("", "#pragma GCC ivdep\n#ifdef TRACE\n#define T 1\n#endif\n"),
    "hint above a definition": ("", "#pragma GCC ivdep\n#define FOO 1\n"),
    "omp macro of a header": ('#include "par.h"\n', "  PFOR\n"),
    "continued with blanks": ("", "  double t = 0; \\  \n"),
    # the last definition is empty: every definition counts (pycryptodome's ROWS_UNROLL)
    "hint macro empty in an else": ('#ifndef NO_UNROLL\n#define ROWS_UNROLL _Pragma("GCC unroll 20")\n#else\n'
                                    "#define ROWS_UNROLL\n#endif\n", "  ROWS_UNROLL\n"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_rewrite_beside_what_sits_above_a_loop_builds_and_prints_the_serial_result(tmp_path, case):
    head, above = CASES[case]
    (tmp_path / "par.h").write_text('#define PFOR _Pragma("omp parallel for")\n')
    rewritten = rewrite_prints_as_serial(tmp_path, PROGRAM.format(head=head, above=above), gcc_flags=("-w",))
    lines = rewritten.read_text().splitlines()
    at = lines.index(BODY.rstrip("\n"))
    assert "#pragma omp" not in lines[at - 1]  # (the loop keeps what sits above it, and gets no pragma)


def test_a_header_macro_that_is_an_omp_pragma_is_the_loops_pragma(tmp_path, capsys):
    import json

    (tmp_path / "par.h").write_text('#define PFOR _Pragma("omp parallel for")\n')
    source = tmp_path / "p.c"
    source.write_text(PROGRAM.format(head='#include "par.h"\n', above="  PFOR\n"))
    main(["check", str(source), "--format", "json"])
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert len(report["unjudged"]) == 1 and not [f for f in report["findings"] if f["line"] == 9]


def test_a_file_whose_lines_end_in_cr_alone_gets_a_message_of_its_own(tmp_path, capsys):
    source = tmp_path / "mac.c"
    source.write_bytes(b"int a[10];\rvoid f(void) {\r  for (int i = 0; i < 10; i++) a[i] = i;\r}\r")
    assert main(["rewrite", str(source), "-o", str(tmp_path / "out.c")]) == 1
    assert "carriage return ends a line without a line feed" in capsys.readouterr().err


def test_a_pragma_macro_defined_on_the_command_line_is_a_pragma(tmp_path):
    """`-DUNROLL=_Pragma("GCC unroll 4")`: the definition is the command line's, which no text of the
    file holds; a pragma went between UNROLL and its loop, and autopar-cc built the original."""
    program = PROGRAM.format(head="", above="  UNROLL\n")
    rewritten = rewrite_prints_as_serial(tmp_path, program, defines=('-DUNROLL=_Pragma("GCC unroll 4")',),
                                         gcc_flags=("-w",))
    lines = rewritten.read_text().splitlines()
    assert "#pragma omp" not in lines[lines.index(BODY.rstrip("\n")) - 1]
