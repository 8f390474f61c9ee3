"""The loops pass on small sources written for it: positions, nesting, canonical forms, control flow."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from autopar.ir import Comparison
from autopar.frontend.translate import translate

DATA = os.path.join(os.path.dirname(__file__), "data", "frontend")


def _path(name: str) -> str:
    return os.path.join(DATA, name)


@pytest.fixture(scope="module")
def loops_c():
    return translate(_path("loops.c"), [])


def _at(tu, line: int):
    found = [loop for loop in tu.loops if loop.line == line]
    assert len(found) == 1, f"expected one loop on line {line}, got {[l.id for l in found]}"
    return found[0]


def _for_columns(path: str) -> list[tuple[int, int]]:
    """(line, column) of every `for` keyword that starts a statement, found without libclang."""
    import re

    found = []
    with open(path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if text.lstrip().startswith("#"):
                continue
            for m in re.finditer(r"\bfor\s*\(", text):
                found.append((number, m.start() + 1))
    return found


def test_every_loop_in_source_order_with_exact_positions(loops_c):
    positions = [(loop.line, loop.column) for loop in loops_c.loops if not loop.from_macro]
    assert positions == _for_columns(_path("loops.c"))
    offsets = [loop.offset for loop in loops_c.loops]
    assert offsets == sorted(offsets)
    data = open(_path("loops.c"), "rb").read()
    for loop in loops_c.loops:
        assert loop.id == f"{_path('loops.c')}:{loop.line}:{loop.column}"
        if not loop.from_macro:
            assert data[loop.offset:loop.offset + 3] == b"for"


def test_canonical_forms(loops_c):
    le = _at(loops_c, 9).canonical
    assert (le.induction_variable, le.comparison, le.step, le.iv_declared_in_init) == ("i", Comparison.LE, 1, False)
    assert le.lower.constant == 0 and le.upper.coefficients == {"n": 1}

    down = _at(loops_c, 11).canonical
    assert (down.comparison, down.step, down.iv_declared_in_init, down.iv_type) == (Comparison.GT, -1, True, "int")
    assert down.lower.coefficients == {"n": 1} and down.upper.constant == 0

    pre_dec = _at(loops_c, 13).canonical
    assert (pre_dec.comparison, pre_dec.step, pre_dec.lower_text) == (Comparison.GE, -1, "n - 1")
    assert pre_dec.lower.coefficients == {"n": 1} and pre_dec.lower.constant == -1

    assert _at(loops_c, 15).canonical.step == 2
    ne = _at(loops_c, 17).canonical
    assert (ne.comparison, ne.step) == (Comparison.NE, 1)
    assert _at(loops_c, 19).canonical.step == -3
    assert _at(loops_c, 21).canonical.step == 4  # i = i + 4
    flipped = _at(loops_c, 31).canonical  # m > i is i < m
    assert (flipped.comparison, flipped.upper_text) == (Comparison.LT, "m")
    unsigned = _at(loops_c, 33).canonical
    assert unsigned.iv_type == "unsigned long" and unsigned.upper.constant == 10


@pytest.mark.parametrize("line, reason", [
    (23, "the increment `i *= 2`"),
    (25, "no induction variable is initialized"),
    (27, "is not `var = value`"),
    (29, "moves i away from the bound"),
])
def test_non_canonical_loops_say_why(loops_c, line, reason):
    loop = _at(loops_c, line)
    assert loop.canonical is None
    assert reason in loop.non_canonical_reason


def test_control_flow_flags(loops_c):
    outer = _at(loops_c, 38)
    assert outer.has_break and outer.has_return and not outer.has_continue
    inner = _at(loops_c, 41)
    assert inner.has_continue and inner.has_return and not inner.has_break
    # break inside a switch and inside a while loop leave those, not the for loop
    switchy = _at(loops_c, 48)
    assert not switchy.has_break and not switchy.has_return
    leaves = _at(loops_c, 61)
    assert leaves.has_goto and leaves.writes_induction_variable and leaves.writes_bound
    assert leaves.canonical.upper is None  # n is assigned inside: not a symbol any more
    # a goto to a label inside the outer loop leaves the inner loop but not the outer one
    assert not _at(loops_c, 68).has_goto
    assert _at(loops_c, 69).has_goto


def test_nesting_depth_parent_children_and_perfect_nests(loops_c):
    outer, inner = _at(loops_c, 80), _at(loops_c, 81)
    assert (outer.depth, inner.depth) == (0, 1)
    assert inner.parent == outer.id and outer.children == [inner.id]
    assert outer.perfectly_nests_child and not inner.perfectly_nests_child
    assert outer.end_line == 83 and inner.end_line == 83
    assert outer.function == "nests"
    triangle_outer, triangle_inner = _at(loops_c, 84), _at(loops_c, 86)
    assert not triangle_outer.perfectly_nests_child  # b[i] = 0 sits beside the inner loop
    assert triangle_inner.canonical.upper.coefficients == {"i": 1}
    assert loops_c.nest_roots()[0].id == _at(loops_c, 9).id
    assert [l.id for l in loops_c.descendants(_at(loops_c, 38).id)] == [_at(loops_c, 41).id]


def test_indentation_and_macro_loops(loops_c):
    assert _at(loops_c, 9).indentation == "    "
    assert _at(loops_c, 81).indentation == "        "
    macro = _at(loops_c, 89)
    assert macro.from_macro and macro.function == "nests" and macro.in_main_file


def test_cxx_methods_templates_and_range_for():
    tu = translate(_path("kernels.cpp"), [])
    assert tu.language == "c++" and not tu.has_errors
    by_line = {loop.line: loop for loop in tu.loops}
    assert sorted(by_line) == [9, 17, 26, 29, 34]
    assert by_line[9].function == "Grid::scale"
    assert by_line[17].function == "total" and by_line[17].canonical.induction_variable == "i"
    range_for = by_line[26]  # `for (double x : v)` of a vector the loop cannot resize: over v's indices
    c = range_for.canonical
    assert (c.induction_variable, c.range_over, c.lower.constant, c.upper.coefficients) == ("x", "v", 0, {"v.size()": 1})
    reads = [(a.path, [s.affine.coefficients for s in a.subscripts]) for a in range_for.accesses]
    assert reads == [("v.data()", [{"x": 1}])]
    # the member array of a method is reached through `this`
    writes = [a for a in by_line[9].accesses if a.is_write]
    assert [(a.path, a.base.name, [s.text for s in a.subscripts]) for a in writes] == [("this->cells", "this", ["i"])]


def test_loops_of_included_files_are_not_listed(tmp_path):
    header = tmp_path / "helpers.h"
    header.write_text("static inline void clear(int *a, int n) { for (int i = 0; i < n; i++) a[i] = 0; }\n")
    main = tmp_path / "main.c"
    main.write_text('#include "helpers.h"\nvoid f(int *a) {\n  for (int k = 0; k < 4; k++) a[k] = 1;\n}\n')
    tu = translate(str(main), [])
    assert [(l.line, l.column, l.function) for l in tu.loops] == [(3, 3, "f")]


def test_a_bound_read_from_memory_and_the_writes_that_may_change_it(tmp_path):
    source = tmp_path / "bounds.c"
    source.write_text(
        "struct vec { double *data; int len; int *counts; };\n"
        "void f(struct vec *v, int *a, int n, double b[n][n]) {\n"
        "  for (int i = 0; i < v->len; i++) v->data[i] = 0;\n"     # a double cannot overlap the int len
        "  for (int i = 0; i < v->len; i++) v->counts[i] = 0;\n"   # an int might
        "  for (int i = 0; i < a[0]; i++) a[i] = 1;\n"
        "  for (int i = 0; i < n; i++) b[i][i] = 1;\n"
        "}\n")
    tu = translate(str(source), [])
    assert [loop.writes_bound for loop in tu.loops] == [False, True, True, False]
    # a field nothing in the loop can write is a parameter; one an int write may change is not
    assert tu.loops[0].canonical.upper.coefficients == {"v->len": 1} and tu.loops[0].canonical.upper_text == "v->len"
    assert tu.loops[1].canonical.upper is None
    b = tu.loops[3].accesses[0].base  # an array parameter is a pointer: it may alias other parameters
    assert b.is_pointer and not b.is_array and b.array_dims == ["n", "n"]


def test_loops_of_one_macro_expansion_get_distinct_ids(tmp_path):
    source = tmp_path / "macros.c"
    source.write_text(
        "#define CLEAR2(a, n) for (int i = 0; i < (n); i++) for (int j = 0; j < (n); j++) a[i][j] = 0\n"
        "#define TWICE(a, n) do { for (int i = 0; i < (n); i++) a[i] = 0; "
        "for (int i = 0; i < (n); i++) a[i] += 1; } while (0)\n"
        "void f(double a[8][8], double *b) {\n    CLEAR2(a, 8);\n    TWICE(b, 8);\n}\n")
    tu = translate(str(source), [])
    ids = [loop.id for loop in tu.loops]
    assert ids == [f"{source}:4:5", f"{source}:4:5#2", f"{source}:5:5", f"{source}:5:5#2"]
    assert tu.loops[1].parent == ids[0] and tu.loops[3].parent is None
    assert all(loop.from_macro and loop.canonical is not None for loop in tu.loops)
    assert tu.loops[0].canonical.upper.constant == 8


def test_indirect_writes_of_the_bound_and_the_induction_variable(tmp_path):
    source = tmp_path / "indirect.cpp"
    source.write_text(
        "int g_n;\n"
        "void h(void);\n"
        "void f(int *a, double *x, int n) {\n"
        "  int m = n, *p = &m;\n"
        "  for (int i = 0; i < m; i++) { a[i] = 0; *p = 3; }\n"   # m changes through p
        "  for (int i = 0; i < g_n; i++) x[i] = 0;\n"             # a double store cannot reach g_n
        "  for (int i = 0; i < g_n; i++) h();\n"                  # an unknown call may
        "  int k;\n"
        "  int &r = k;\n"
        "  for (k = 0; k < n; k++) r++;\n"                        # k changes through r
        "}\n")
    tu = translate(str(source), [])
    assert [(l.writes_bound, l.writes_induction_variable) for l in tu.loops] == [
        (True, False), (False, False), (True, False), (False, True)]


def test_columns_and_offsets_count_bytes(tmp_path):
    source = tmp_path / "utf8.c"
    text = "/* größe */\nvoid f(int *a, int n) {\n    /* é */ for (int i = 0; i < n; i++) a[i] = 0;\n}\n"
    source.write_text(text, encoding="utf-8")
    loop = translate(str(source), []).loops[0]
    data = text.encode("utf-8")
    assert data[loop.offset:loop.offset + 3] == b"for"
    line_start = data.index(b"    /* \xc3\xa9 */")
    assert loop.line == 3 and loop.column == loop.offset - line_start + 1 == 14
    assert loop.indentation == "    "


def test_loops_in_a_header_file(tmp_path):
    header = tmp_path / "kernels.h"
    header.write_text("#pragma once\nstatic inline void clear(int *a, int n) {\n"
                      "  for (int i = 0; i < n; i++) a[i] = 0;\n}\n")
    tu = translate(str(header), [])
    assert not tu.diagnostics and [(l.line, l.column, l.function) for l in tu.loops] == [(3, 3, "clear")]


def test_writing_the_bound_through_a_reference_is_a_bound_write(tmp_path):
    source = tmp_path / "ref_bound.cpp"
    source.write_text("void f(int *a, int x) {\n"
                      "    int &n = x;\n"
                      "    for (int i = 0; i < n; i++) { a[i] = 1; n--; }\n"
                      "}\n")
    loop = translate(str(source), []).loops[0]
    assert loop.writes_bound


# ------------------------------------------------------------- loop forms gcc or clang reject (issue 10)

_FORM_PROGRAM = """int a[2000]; unsigned un = 100; int m = 100;
void f(void) {
    int i;
    %s
        a[(i) & 1023] += 1;
}
"""

# (header, whether gcc 12 and clang 14 both accept it under `#pragma omp parallel for`): checked by
# compiling each one, and by the front end's form_problem
_FORMS = [
    ("for (i = 0; (i < 1000); i++)", False),  # gcc: invalid controlling predicate
    ("for (i = 0; ((i) < 1000); i++)", False),
    ("for ((i) = 0; i < 1000; i++)", False),  # gcc
    ("for ((i = 0); i < 1000; i++)", False),  # gcc
    ("for (i = 0; (long)i < 1000; i++)", False),  # clang
    ("for (i = 0; i < 1000; i = (int)i + 1)", False),  # clang
    ("for (i = 0; i < 1000; i = (int)(i + 1))", False),  # clang
    ("for (i = 0; (i) < (1000); i++)", True),
    ("for (i = 0; 1000 > i; i++)", True),
    ("for (i = 0; i < (long)1000; i++)", True),
    ("for (i = 0; i < 1000; (i) += 1)", True),
    ("for (i = 0; i < 1000; i = 1 + i)", True),
    ("for (i = 0; i < 1000; i = (i + 1))", True),
    ("for (i = 0; i < 1000; i += (int)1)", True),
    ("for (i = 0; i < 1000; ++(i))", True),
    ("for (i = 1000; i > 0; i = -1 + i)", True),
    ("for (i = 0; i != 1000; i++)", True),
    # clang: a `for` inside a statement expression of the header (a `while` is accepted)
    ("for (i = 0; i < ({ int s = 0; for (int k = 0; k < 9; k++) s += k; s; }); i++)", False),
    ("for (i = 0; i < ({ int s = 0; while (s < m) s++; s; }); i++)", True),
]


@pytest.mark.parametrize("header, accepted", _FORMS, ids=[h for h, _ in _FORMS])
def test_loop_forms_the_compilers_reject_are_recorded(tmp_path, header, accepted):
    path = tmp_path / "form.c"
    path.write_text(_FORM_PROGRAM % header)
    loop = translate(str(path), []).loops[0]  # (the header's own loops come after it)
    assert loop.canonical is not None
    assert (loop.form_problem is None) == accepted, loop.form_problem


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("clang")), reason="needs gcc and clang")
@pytest.mark.parametrize("header, accepted", _FORMS, ids=[h for h, _ in _FORMS])
def test_the_recorded_forms_match_what_gcc_and_clang_do(tmp_path, header, accepted):
    path = tmp_path / "form.c"
    path.write_text((_FORM_PROGRAM % header).replace("    for", "#pragma omp parallel for\n    for", 1))
    ok = all(subprocess.run([cc, "-fopenmp", "-c", str(path), "-o", str(tmp_path / "form.o")],
                            capture_output=True).returncode == 0 for cc in ("gcc", "clang"))
    assert ok == accepted


def test_a_bool_counter_is_not_canonical(tmp_path):
    path = tmp_path / "b.c"
    path.write_text("int a[4];\nvoid f(void) { for (_Bool b = 0; b < 1; b++) a[b] = 1; }\n")
    [loop] = translate(str(path), []).loops
    assert loop.canonical is None and "bool" in loop.non_canonical_reason


@pytest.mark.parametrize("init", ["int i = cnt++", "int i = (cnt = 5)", "i = (cnt -= 1) + 1", "i = ((p = a), 0)"])
def test_an_initial_value_that_assigns_is_not_canonical(tmp_path, init):
    """gcc's `lastprivate(conditional: cnt)` wrote back a copy no iteration assigned (cnt=0 where the
    serial program printed 1), and OpenMP leaves how often such a side effect happens unspecified."""
    path = tmp_path / "init.c"
    path.write_text(f"int a[100], cnt, *p;\nvoid f(void) {{\n  int i;\n  for ({init}; i < 100; i++) a[i] += 3;\n}}\n")
    [loop] = translate(str(path), []).loops
    assert loop.canonical is None and "assigns a variable" in loop.non_canonical_reason


def test_unsigned_counters_and_comparisons_are_recorded(tmp_path):
    path = tmp_path / "u.c"
    path.write_text("""#include <stddef.h>
int a[100];
void f(int n, unsigned un, size_t sz) {
    for (unsigned i = 0; i < un; i++) a[i] = 1;
    for (int i = 0; i < sz; i++) a[i] = 2;
    for (int i = 0; i < n; i++) a[i] = 3;
    for (unsigned char c = 0; c < 50; c++) a[c] = 4;
}
""")
    loops = translate(str(path), []).loops
    facts = [(l.canonical.iv_unsigned, l.canonical.iv_bits, l.canonical.compare_unsigned, l.canonical.compare_bits)
             for l in loops]
    assert facts == [(True, 32, True, 32), (False, 32, True, 64), (False, 32, False, 32), (True, 8, False, 32)]


def test_a_macro_chain_to_counter_from_a_header_stops_a_copy(tmp_path):
    """`#define UNIQUE_ID (__COUNTER__ + 1)` in the program's header and `#define TAG2 UNIQUE_ID` in
    the file: the loop's serial copy counted again (next id 3 where gcc's build said 2)."""
    (tmp_path / "uniq.h").write_text("#define UNIQUE_ID (__COUNTER__ + \\\n  1)\n")
    path = tmp_path / "c.c"
    path.write_text('#include "uniq.h"\n#define TAG2 UNIQUE_ID\nlong b[100];\n'
                    "void f(int n) {\n  for (int i = 0; i < n; i++) b[i] = i + TAG2;\n"
                    "  for (int i = 0; i < n; i++) b[i] = i;\n}\n")
    first, second = translate(str(path), []).loops
    assert "__COUNTER__" in (first.copy_problem or "") and second.copy_problem is None


def test_where_a_loop_ends_and_whether_its_text_can_be_copied(tmp_path):
    """A versioned plan copies the loop's text: the front end says where the statement ends (its `;`
    included) and what would make a copy wrong (a label, a case of an enclosing switch, a static
    local, a preprocessor line)."""
    source = tmp_path / "copies.c"
    source.write_text(
        "int a[100], b[100];\n"
        "void f(int n) {\n"
        "  int i;\n"
        "  for (i = 0; i < n; i++) a[i] = 0 /* c */ ;\n"
        "  for (i = 0; i < n; i++) { a[i] = 1; }\n"
        "  for (i = 0; i < n; i++) if (a[i]) b[i] = 2; else b[i] = 3 ;\n"
        "  for (i = 0; i < n; i++) { static int k; k++; b[i] = k; }\n"
        "  for (i = 0; i < n; i++) { L: b[i] = 1; }\n"
        "  switch (n) { case 0: for (i = 0; i < n; i++) { case 1: b[i] = 1; } }\n"
        "  for (i = 0; i < n; i++) {\n"
        "#ifdef X\n"
        "    b[i] = 0;\n"
        "#endif\n"
        "  }\n"
        "  for (i = 0; i < n; i++) do { b[i]++; } while (0);\n"
        "  for (i = 0; i < n; i++) { switch (b[i]) { case 1: a[i] = 2; } }\n"
        "}\n")
    tu = translate(str(source), [])
    data = source.read_bytes()
    ends = {l.line: data[l.offset:l.end_offset].decode()[-12:] for l in tu.loops if l.end_offset}
    assert ends[4] == " 0 /* c */ ;" and ends[5] == " a[i] = 1; }" and ends[6] == "e b[i] = 3 ;"
    assert ends[15] == "} while (0);"
    problems = {l.line: l.copy_problem for l in tu.loops}
    assert problems == {4: None, 5: None, 6: None, 7: "a static, extern or thread-local declaration is inside it",
                        8: "a label is inside it", 9: "a case label of an enclosing switch is inside it",
                        10: "a preprocessor line is inside it", 15: None, 16: None}


def test_a_thread_local_declaration_stops_a_copy(tmp_path):
    source = tmp_path / "tl.cpp"
    source.write_text("int g = 1;\nvoid f(double *__restrict a, int n) {\n"
                      "    for (int i = 0; i < n; i++) { thread_local const int k = g; a[i] = a[i] * k; }\n"
                      "    for (int i = 0; i < n; i++) { const int k = g; a[i] = a[i] * k; }\n}\n")
    tu = translate(str(source), [])
    assert [l.copy_problem for l in tu.loops] == ["a static, extern or thread-local declaration is inside it", None]


def test_a_loop_entered_by_a_jump(tmp_path):
    """A goto from outside to a label inside the body, a computed goto, or an enclosing switch's case
    label inside the body (Duff's device) enters the loop other than by its header: gcc refuses an
    OpenMP construct entered so ("invalid entry to OpenMP structured block"). A goto that stays in the
    body does not."""
    path = tmp_path / "jumps.c"
    path.write_text(
        "int a[100000], b[100000];\n"
        "void into(int n, int c) {\n"
        "  int i = 0;\n"
        "  if (c) goto inside;\n"
        "  for (i = 0; i < n; i++) {\n"
        "    b[i] = 1;\n"
        "  inside:\n"
        "    b[i] += a[i];\n"
        "  }\n"
        "}\n"
        "void within(int n) {\n"
        "  for (int i = 0; i < n; i++) {\n"
        "    if (a[i] < 0) goto skip;\n"
        "    b[i] = a[i];\n"
        "  skip:\n"
        "    b[i] += 1;\n"
        "  }\n"
        "}\n"
        "void duff(int n) {\n"
        "  int i = 0;\n"
        "  switch (n % 2) {\n"
        "  case 0:\n"
        "    for (i = 0; i < n; i++) {\n"
        "      b[i] = a[i];\n"
        "  case 1:\n"
        "      b[i] += 1;\n"
        "    }\n"
        "  }\n"
        "}\n")
    tu = translate(str(path), [])
    by_function = {l.function: l for l in tu.loops}
    assert by_function["into"].entered_by_jump and by_function["duff"].entered_by_jump
    assert not by_function["within"].entered_by_jump and not by_function["within"].has_goto


def test_a_floating_point_bound_is_not_canonical(tmp_path):
    """`j < n` with a float n compares j converted to float: gcc rejects an OpenMP pragma on it
    ("invalid controlling predicate"), and the whole file's parallel copy failed to compile."""
    path = tmp_path / "fbound.c"
    path.write_text("void k(double *p, float n, int m) {\n  int j;\n  for (j = 0; j < n; j++) p[j] += 1;\n"
                    "  for (j = 0; j < m; j++) p[j] += 1;\n}\n")
    first, second = translate(str(path), []).loops
    assert first.canonical is None and "floating-point" in first.non_canonical_reason
    assert second.canonical is not None
