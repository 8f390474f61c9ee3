"""The accesses pass: bases, paths, subscripts (affine or with a reason), order, storage, restrict."""

from __future__ import annotations

import os

import pytest

from autopar.ir import Storage
from autopar.frontend.translate import translate

DATA = os.path.join(os.path.dirname(__file__), "data", "frontend")


@pytest.fixture(scope="module")
def tu():
    return translate(os.path.join(DATA, "accesses.c"), [])


@pytest.fixture(scope="module")
def outer(tu):
    return tu.loops[0]


def _on(loop, line: int, text: str, write: bool):
    found = [a for a in loop.accesses if a.line == line and a.text == text and a.is_write == write]
    assert len(found) == 1, [(a.line, a.text, a.is_write) for a in loop.accesses if a.line == line]
    return found[0]


def _affine(sub):
    return (sub.affine.coefficients, sub.affine.constant) if sub.affine else None


def test_the_file_parses_cleanly(tu):
    assert not tu.has_errors, tu.diagnostics
    assert len(tu.loops) == 4


def test_multi_dimensional_and_linearised(outer):
    grid = _on(outer, 15, "grid[i][j]", True)
    assert [_affine(s) for s in grid.subscripts] == [({"i": 1}, 0), ({"j": 1}, 0)]
    assert grid.base.storage == Storage.GLOBAL and grid.base.is_array and grid.base.array_dims == ["64", "64"]
    flat = _on(outer, 15, "in[i * m + j]", False)
    assert len(flat.subscripts) == 1 and _affine(flat.subscripts[0]) == ({"i*m": 1, "j": 1}, 0)
    assert flat.base.storage == Storage.PARAMETER and flat.base.is_pointer and flat.base.is_const
    assert not flat.base.restrict
    # the inner j loop and the outer i loop both enclose it, outermost first
    assert flat.enclosing_loops == [outer.id, outer.children[0]]
    assert flat in outer.accesses and flat in [a for l in [outer] for a in l.accesses]


def test_restrict_comes_from_the_type(outer):
    out = _on(outer, 16, "out[i]", True)
    assert out.base.restrict and out.base.type.endswith("restrict")


@pytest.mark.parametrize("line, text, reason", [
    (16, "in[idx[i]]", "indirect subscript idx[i]"),
    (17, "in[i * i]", "non-linear subscript i * i"),
    (18, "local[i % 32]", "non-affine subscript i % 32"),
    (25, "out[k]", "subscript uses k, which the loop writes"),
    (29, "out[abs(i)]", "function call in subscript"),
])
def test_non_affine_subscripts_say_why(outer, line, text, reason):
    access = next(a for a in outer.accesses if a.line == line and a.text == text)
    assert not access.is_affine
    assert access.subscripts[0].non_affine_reason == reason


def test_indirect_subscript_reads_the_index_array_first(outer):
    on_line = [a.text for a in outer.accesses if a.line == 16]
    assert on_line == ["idx[i]", "in[idx[i]]", "out[i]"]


def test_pointer_dereferences(outer):
    star = _on(outer, 19, "*p", True)
    assert star.path == "p" and [_affine(s) for s in star.subscripts] == [({}, 0)]
    offset = _on(outer, 20, "*(p + i)", True)
    assert [_affine(s) for s in offset.subscripts] == [({"i": 1}, 0)]
    right = _on(outer, 21, "*(in + 2 * i - 1)", False)
    assert right.base.name == "in" and _affine(right.subscripts[0]) == ({"i": 2}, -1)
    left = _on(outer, 21, "*(out + i + 1)", True)
    assert _affine(left.subscripts[0]) == ({"i": 1}, 1)


def test_struct_members(outer):
    data = _on(outer, 22, "s.data[i]", True)
    assert (data.base.name, data.path, data.base.is_struct) == ("s", "s.data", True)
    ptr = _on(outer, 22, "s.ptr[i]", False)
    assert ptr.path == "s.ptr"
    arrow = _on(outer, 23, "q->x[i]", True)
    assert (arrow.base.name, arrow.path, [s.text for s in arrow.subscripts]) == ("q", "q->x", ["i"])
    scalar_field = _on(outer, 23, "q->val", False)
    assert scalar_field.path == "q->val" and scalar_field.subscripts == []


def test_increment_is_a_read_then_a_write(outer):
    pair = [a for a in outer.accesses if a.line == 26]
    assert [(a.text, a.is_write) for a in pair] == [("out[i]", False), ("out[i]", True)]
    assert pair[0].statement == pair[1].statement
    compound = [a for a in outer.accesses if a.line == 17 and a.text == "out[i]"]
    assert [a.is_write for a in compound] == [False, True]


def test_symbols_casts_and_parentheses(outer):
    assert _affine(_on(outer, 27, "out[counter]", True).subscripts[0]) == ({"counter": 1}, 0)
    reversed_ = _on(outer, 28, "out[n - 1 - i]", True)
    assert _affine(reversed_.subscripts[0]) == ({"i": -1, "n": 1}, -1)
    assert _affine(_on(outer, 28, "out[(i)]", False).subscripts[0]) == ({"i": 1}, 0)


def test_statement_order_and_conditional(outer):
    statements = [a.statement for a in outer.accesses]
    assert statements == sorted(statements)
    assert not _on(outer, 16, "out[i]", True).conditional
    assert _on(outer, 31, "out[i]", True).conditional
    assert _on(outer, 31, "in[i + 1]", False).conditional


def test_a_pointer_the_loop_moves_is_not_affine(tu):
    moving = tu.loops[2].accesses
    assert [(a.text, a.subscripts[0].non_affine_reason) for a in moving] == [
        ("*r", "pointer arithmetic on r, which the loop writes")]
    row = next(a for a in tu.loops[3].accesses if a.text == "row[i]")
    # only declared in the loop (never assigned): its subscript is affine; the dependence stage knows
    # that the loop declares it, so it changes from one iteration of that loop to the next
    assert row.subscripts[0].affine is not None and row.subscripts[0].non_affine_reason is None
    # taking an address is not an access of the element
    assert not any(a.text.startswith("grid") for a in tu.loops[3].accesses)


def test_every_loop_lists_the_accesses_of_its_whole_body(tu, outer):
    inner = tu.loop(outer.children[0])
    assert [a.text for a in inner.accesses] == ["in[i * m + j]", "grid[i][j]"]
    ids = [a.id for loop in tu.loops for a in loop.accesses]
    assert len(set(ids)) == len({a.id for a in outer.accesses} | {a.id for l in tu.loops[2:] for a in l.accesses})


def test_cxx_references_are_the_objects_they_are_bound_to(tmp_path):
    source = tmp_path / "refs.cpp"
    source.write_text(
        "void f(double *a, double &out, int n) {\n"
        "  double total = 0;\n"
        "  for (int i = 0; i < n; i++) {\n"
        "    double &r = a[i];\n"
        "    r = 1;\n"
        "    double &t = total;\n"
        "    t += r;\n"
        "    out = a[i];\n"
        "  }\n"
        "}\n")
    loop = translate(str(source), []).loops[0]
    writes = [(a.text, a.base.name, [s.text for s in a.subscripts]) for a in loop.accesses if a.is_write]
    assert writes == [("r", "a", ["i"])]  # `r = 1` writes a[i]
    assert loop.scalar("r") is None and loop.scalar("t") is None
    assert loop.scalar("total").address_taken  # bound to a reference: it may change through it
    out = loop.scalar("out")  # a reference parameter: the caller's object, never private
    assert out.written and out.address_taken and out.live_after_loop and not out.declared_in_loop


def test_range_for_over_an_array_writes_through_a_moving_cursor(tmp_path):
    source = tmp_path / "range.cpp"
    source.write_text("void f(double (&m)[4][8]) {\n"
                      "  for (int i = 0; i < 4; i++)\n"
                      "    for (auto &x : m[i]) x = i;\n"
                      "}\n")
    outer = translate(str(source), []).loops[0]
    written = [a for a in outer.accesses if a.is_write]
    assert len(written) == 1 and not written[0].is_affine


def test_a_global_symbol_may_change_through_a_pointer_of_its_type(tmp_path):
    source = tmp_path / "alias.c"
    source.write_text(
        "int n_rows;\n"
        "void f(int *counts, double *x, int n) {\n"
        "  for (int i = 0; i < n; i++) counts[i * n_rows] = 0;\n"   # counts may point at n_rows
        "  for (int i = 0; i < n; i++) x[i * n_rows] = 0;\n"        # a double cannot
        "  int local = n;\n"
        "  for (int i = 0; i < n; i++) counts[i * local] = 0;\n"    # nobody has local's address
        "}\n")
    loops = translate(str(source), []).loops
    reason = loops[0].accesses[0].subscripts[0].non_affine_reason
    assert reason == "subscript uses n_rows, which the loop may change through a pointer or a call"
    assert loops[1].accesses[0].is_affine and loops[2].accesses[0].is_affine


def test_a_row_pointer_declared_in_the_loop_indexes_its_array(tmp_path):
    source = tmp_path / "rows.c"
    source.write_text(
        "void f(float *scores, float *other, int seq) {\n"
        "  for (int i = 0; i < seq; i++) {\n"
        "    float *row = scores + (long)i * seq;\n"
        "    const float *in = &other[i];\n"
        "    float *moving = scores;\n"
        "    for (int j = 0; j < seq; j++)\n"
        "      row[j] = in[j] + *(row + j + 1);\n"
        "    moving++;\n"
        "    *moving = 0;\n"
        "  }\n"
        "}\n")
    loop = translate(str(source), []).loops[0]
    shapes = [(a.text, a.base.name, [(s.affine.coefficients, s.affine.constant) if s.affine else None
                                      for s in a.subscripts]) for a in loop.accesses]
    assert shapes == [
        ("in[j]", "other", [({"i": 1, "j": 1}, 0)]),
        ("*(row + j + 1)", "scores", [({"i*seq": 1, "j": 1}, 1)]),
        ("row[j]", "scores", [({"i*seq": 1, "j": 1}, 0)]),
        ("*moving", "moving", [None]),  # assigned again: stays a pointer of its own, not affine
    ]


def test_a_pointer_loaded_on_the_way_is_read_first(tu):
    chase = [(a.text, a.path, a.is_write) for a in tu.loops[3].accesses if a.path.startswith("q->")]
    assert chase == [("q->next", "q->next", False), ("q->next->val", "q->next->val", False)]


def test_range_for_elements_belong_to_the_range(tmp_path):
    source = tmp_path / "range2.cpp"
    source.write_text("void f(double (&m)[4][8], double *out) {\n"
                      "  for (int i = 0; i < 4; i++) {\n"
                      "    double s = 0;\n"
                      "    for (double x : m[i]) s += x;\n"
                      "    for (auto &y : m[i]) y = s;\n"
                      "    out[i] = s;\n"
                      "  }\n"
                      "}\n")
    loop = translate(str(source), []).loops[0]
    m = [a for a in loop.accesses if a.base.name == "m"]
    assert [(a.is_write, a.path, a.subscripts[0].text) for a in m] == [(False, "m", "i"), (True, "m", "i")]
    assert all(a.subscripts[1].non_affine_reason == "element of a range-based for over m[i]" for a in m)
    assert m[0].text == "an element of m[i]"


def test_locals_declared_in_the_nest_stand_for_their_initializer(tmp_path):
    source = tmp_path / "locals.c"
    source.write_text(
        "void f(double *a, const double *b, const int *idx, int n, int m) {\n"
        "  for (int i = 0; i < n; i++) {\n"
        "    int row = i * m;\n"
        "    int len = n - i;\n"
        "    for (int j = 0; j < len; j++) {\n"
        "      int at = row + j;\n"
        "      a[at] = b[at + 1];\n"
        "    }\n"
        "    int k = idx[i];\n"
        "    a[k] = 0;\n"
        "    int t = i;\n"
        "    t++;\n"
        "    a[t] = 1;\n"
        "  }\n"
        "}\n")
    tu = translate(str(source), [])
    outer, inner = tu.loops
    assert (inner.canonical.upper.coefficients, inner.canonical.upper_text) == ({"i": -1, "n": 1}, "len")
    shapes = {a.text: (a.subscripts[0].affine.coefficients, a.subscripts[0].affine.constant)
              if a.subscripts[0].affine else a.subscripts[0].non_affine_reason for a in outer.accesses}
    assert shapes["a[at]"] == ({"i*m": 1, "j": 1}, 0) and shapes["b[at + 1]"] == ({"i*m": 1, "j": 1}, 1)
    assert shapes["a[k]"] == "indirect subscript idx[i]"
    assert shapes["a[t]"] == "subscript uses t, which the loop writes"


def test_an_access_spelled_in_a_macro_argument_shows_its_own_text(tmp_path):
    """Its position is the macro call's (where edits go), its text the argument's spelling; an access
    that a header's macro body spells shows the macro call, never a slice of another file."""
    (tmp_path / "get.h").write_text("#define GET(a, i) a[i]\n")
    path = tmp_path / "mac.c"
    path.write_text('#include "get.h"\n'
                    "#define LESS(a, b) ((a) < (b))\n"
                    "int d[100];\n"
                    "void f(int n, int u) {\n"
                    "    for (int v = 0; v < n; v++)\n"
                    "        if (LESS(d[u] + 1, d[v + 1]) && GET(d, v) > 0)\n"
                    "            d[v] = 0;\n"
                    "}\n")
    loop = translate(str(path), []).loops[0]
    reads = sorted((a.column, a.text, [s.text for s in a.subscripts]) for a in loop.accesses if not a.is_write)
    assert reads == [(13, "d[u]", ["u"]), (13, "d[v + 1]", ["v + 1"]), (41, "GET(d, v)", ["v"])]


WRAPPING = {  # subscript: its model, or None where C's value may wrap around the model's
    "i + 4294967295u": None,  # (i - 1) mod 2^32: a[i - 1]
    "i + 0xFFFFFFFF": None,  # an unsigned int literal too
    "i + 18446744073709551615ul": None,  # modulo 2^64: i - 1
    "(int)(i + 4294967295L)": None,  # the low 32 bits: i - 1
    "(unsigned)(i + 4294967295L)": None,
    "i * 4294967295u": None,
    "i + 2147483648u + 2147483648u": None,  # i: each constant fits, the sum wraps
    "i + (_Bool)2": None,  # a bool holds 1
    "i - 1u": ({"i": 1}, -1),  # the same value modulo 2^32
    "i + (unsigned)-1": ({"i": 1}, -1),
    "2 * i + 1u": ({"i": 2}, 1),
    "i - sizeof(int)": ({"i": 1}, -4),
    "i + 3000000000L - 3000000000L": ({"i": 1}, 0),  # signed 64-bit: no wrap
}


def test_a_subscript_that_may_wrap_around_is_not_affine(tmp_path):
    path = tmp_path / "wrap.c"
    path.write_text("int a[100];\n" + "".join(
        f"void f{k}(void) {{ for (int i = 1; i < 50; i++) a[i] = a[{e}] + 1; }}\n" for k, e in enumerate(WRAPPING)))
    tu = translate(str(path), [])
    got = {}
    for loop in tu.loops:
        read = next(a for a in loop.accesses if not a.is_write)
        got[read.subscripts[0].text] = read.subscripts[0]
    assert {e: _affine(got[e]) for e in WRAPPING} == WRAPPING
    assert "4294967295u may wrap around" in got["i + 4294967295u"].non_affine_reason


VARIABLE_WRAPS = {  # a loop header and the subscript written in its body: the model, or None where it may wrap
    ("int i = 0; i < n; i++", "i * uw + 1"): None,  # uw = UINT_MAX: 1 - i modulo 2^32
    ("long i = 0; i < n; i++", "i * sw + 1"): None,  # sw = SIZE_MAX: 1 - i modulo 2^64
    ("int i = 1; i < n; i++", "i + uw"): None,  # uw = UINT_MAX: i - 1
    ("int i = 0; i < n; i += 16777216", "i * 256u"): None,  # each step moves it by 2^32
    ("int i = 0; i < n; i += 1000", "(int)(i * 3000000L)"): None,  # steps of 3 * 10^9 in a narrowing to int
    ("int i = 0; i < n; i++", "(int)(i * 3000000L)"): ({"i": 3000000}, 0),  # steps of 3 * 10^6
    ("unsigned i = 0; i < n; i++", "i + 2"): ({"i": 1}, 2),  # steps of 1: it cannot jump past 2^31
    ("unsigned i = 0; i < n; i++", "i * 640u + 7"): ({"i": 640}, 7),
    ("int i = 0; i < n; i += 16777216", "i * 16u"): ({"i": 16}, 0),  # a step of 2^28
    ("int i = 0; i < n; i++", "(size_t)i * uw + 1"): ({"i*uw": 1}, 1),  # below 2^63: no wrap
    ("int i = 0; i < n; i++", "i + uc"): ({"i": 1, "uc": 1}, 0),  # an unsigned char adds 255 at most
    ("int i = 0; i < n; i++", "i * lw + 1"): ({"i*lw": 1}, 1),  # a signed long cannot wrap
}


def test_a_subscript_whose_variables_may_carry_it_past_the_wrap_is_not_affine(tmp_path):
    path = tmp_path / "wrap.c"
    path.write_text("#include <stddef.h>\ndouble a[100];\n" + "".join(
        f"void f{k}(int n, unsigned uw, size_t sw, long lw, unsigned char uc) {{ for ({h}) a[{e}] = 1; }}\n"
        for k, (h, e) in enumerate(VARIABLE_WRAPS)))
    tu = translate(str(path), [])
    got = {}
    for (header, subscript), loop in zip(VARIABLE_WRAPS, tu.loops):
        got[header, subscript] = _affine(loop.accesses[0].subscripts[0])
    assert got == VARIABLE_WRAPS
    reasons = [loop.accesses[0].subscripts[0].non_affine_reason for loop in tu.loops]
    assert "i * uw + 1 may wrap around in its unsigned or narrow type (i * uw may move it past" in reasons[0]
    assert "each step of i moves it by 4294967296" in reasons[3]


def test_a_branch_keeps_only_the_ranges_of_the_types(tmp_path):
    """Under a branch the loop may skip the iterations between a value and its wrap (i = 0 and i = 4
    of `a[i * 1073741824u]` both touch a[0]): only the types' ranges, from the loop's start, count."""
    path = tmp_path / "branch.c"
    path.write_text("double a[100], c[100];\n"
                    "void f(int n) { for (int i = 0; i < n; i++) if (c[i] > 0) a[i * 1073741824u] = 1; }\n"
                    "void g(int n) { for (int i = 0; i < n; i++) if (c[i] > 0) a[2 * i + 1u] = 1; }\n"
                    "void h(int n) { for (int i = 0; i < n; i++) {\n"
                    "    if (c[i] > 0) continue; a[i * 1073741824u] = 1; } }\n"
                    "void k(int n) { for (int i = 0; i < n; i++) a[i * 1073741824u] = 1; }\n")
    tu = translate(str(path), [])
    writes = [next(a for a in loop.accesses if a.is_write).subscripts[0] for loop in tu.loops]
    assert [_affine(s) for s in writes] == [None, ({"i": 2}, 1), None, ({"i": 1073741824}, 0)]


def test_whole_rows_walk_every_value_between(tmp_path):
    """`s[i * w + j]` with j over whole rows of w and i stepping by 1 moves through every value
    between its first and its last; rows that start elsewhere, or skip, can wrap (w = UINT_MAX:
    j - i; w = 2^31: every even row is row 0), and so can rows whose bounds follow i (they may start
    anywhere)."""
    path = tmp_path / "rows.c"
    loops = ["int i = 0; i < n; i++) for (unsigned j = 0; j < w; j++",
             "int i = 0; i < n; i++) for (unsigned j = 1; j < w; j++",
             "int i = 0; i < n; i += 2) for (unsigned j = 0; j < w; j++",
             "int i = 0; i < n; i++) for (unsigned j = 0; j < m; j++",
             "unsigned i = 0; i < n; i++) for (unsigned j = i; j < i + 1; j++"]
    path.write_text("double s[100];\n" + "".join(
        f"void f{k}(int n, unsigned w, unsigned m) {{ for ({h}) s[i * w + j] = 1; }}\n" for k, h in enumerate(loops)))
    tu = translate(str(path), [])
    inner = [loop for loop in tu.loops if loop.depth == 1]
    assert [_affine(loop.accesses[0].subscripts[0]) for loop in inner] == [({"i*w": 1, "j": 1}, 0), None, None, None,
                                                                          None]


def test_a_loop_bound_that_may_wrap_is_unknown(tmp_path):
    """A loop's start must be C's value and its end may not wrap into an array: rows of j from
    `i * 1073741824u` all start at 0 for i % 4 == 0, and a coefficient of -2^31 is not small
    (`0u - 2147483647u * i - i` is 0 for every even i). `j = i + 1` of a size_t i < n cannot wrap."""
    path = tmp_path / "bounds.c"
    path.write_text("#include <stddef.h>\ndouble s[100];\n"
                    "void f(int n) { for (int i = 0; i < n; i += 4)\n"
                    "    for (unsigned j = i * 1073741824u; j < i * 1073741824u + 200u; j++) s[j] = 1; }\n"
                    "void g(int n) { for (int i = 0; i < n; i += 2)\n"
                    "    for (unsigned j = 0u - 2147483647u * i - i; j < 200u; j++) s[j] = 1; }\n"
                    "void h(int n) { for (int i = 0; i < n; i++)\n"
                    "    for (unsigned j = 0; j < i * 1073741824u + 200u; j++) s[j] = 1; }\n"
                    "void k(size_t n) { for (size_t i = 0; i < n; i++) for (size_t j = i + 1; j < n; j++) s[j] = 1; }\n"
                    "void m(int n, unsigned u) { for (int i = 0; i < n; i++) for (unsigned j = u - 1; j < u; j++) s[j] = 1; }\n")
    tu = translate(str(path), [])
    inner = [loop.canonical for loop in tu.loops if loop.depth == 1]
    assert [(c.lower is not None, c.upper is not None) for c in inner] == [
        (False, False), (False, True), (True, False), (True, True), (False, True)]


def test_a_walk_must_start_at_c_s_value(tmp_path):
    """A walk proves nothing when its first value is already wrapped: `2 * j` for j from
    2147484098u is 900 in C, 2^32 + 900 in the model; from 0 (or within the type) it walks."""
    path = tmp_path / "start.c"
    path.write_text("double a[100];\n"
                    "void f(int n) { for (unsigned j = 2147484098u; j < 2147484099u; j++) a[2 * j] = 1; }\n"
                    "void g(int n) { for (unsigned j = 0; j < n; j++) a[2 * j] = 1; }\n"
                    "void h(unsigned m, unsigned n) { for (unsigned j = m; j < n; j++) a[j + 2] = 1; }\n"
                    "void k(unsigned m, unsigned n) { for (unsigned j = m; j < n; j++) a[j] = 1; }\n"
                    "void l(void) { for (unsigned i = 2147483000u; i < 2147485600u; i++)\n"
                    "    for (unsigned j = 2147484098u; j < i; j += 4096) a[2 * i] = 1; }\n")
    tu = translate(str(path), [])
    subscripts = [loop.accesses[0].subscripts[0] for loop in tu.loops if loop.accesses]
    # l (its loops i and j): the loop of j runs first at i = 2147484099u, where 2 * i is 902 in C
    assert [_affine(s) for s in subscripts] == [None, ({"j": 2}, 0), None, ({"j": 1}, 0), None, None]
    assert "its first value may be past the type's range" in subscripts[0].non_affine_reason


def test_a_wrap_inside_a_wider_sum_must_be_exact(tmp_path):
    """Only the whole subscript may rely on a wrapped value being outside every array: under a long
    addition `(unsigned)i` of a negative i is 2^32 + i, which the sum brings back. A conversion to
    the unsigned type of the operation that takes it wraps with it (`i * w + j` of int i and j)."""
    path = tmp_path / "inner.c"
    path.write_text("double a[100];\n"
                    "void f(void) { for (int i = -100; i < 0; i++) a[(unsigned)i + (100 - 4294967296L)] = 1; }\n"
                    "void g(void) { for (int i = 0; i < 100; i++) a[(unsigned)i + 1L] = 1; }\n"
                    "void k(void) { for (int i = 0; i < 100; i++) a[(unsigned)-1 + 1L + i] = 1; }\n"
                    "void h(int n, unsigned w) { for (int i = 0; i < n; i++) for (int j = 0; j < w; j++)\n"
                    "    a[i * w + j] = 1; }\n")
    tu = translate(str(path), [])
    subscripts = [loop.accesses[0].subscripts[0] for loop in tu.loops if loop.accesses]
    assert [_affine(s) for s in subscripts[:3]] == [None, ({"i": 1}, 1), None]  # (unsigned)-1 + 1L is 2^32
    assert _affine(tu.loops[-1].accesses[0].subscripts[0]) == ({"i*w": 1, "j": 1}, 0)


def test_a_part_of_pointer_arithmetic_must_be_exact(tmp_path):
    """Each part of `p + a + b` is its own pointer offset: `(unsigned)i` of a negative i is 2^32 + i,
    and `- 4294967296L` takes it back to p + i, so only a lone part may rely on a wrapped value being
    outside every array; `p + i + 2u` of an unsigned i < n stays affine."""
    path = tmp_path / "parts.c"
    path.write_text("void f(double *a) { for (int i = -100; i < 0; i++) *(a + (unsigned)i - 4294967296L + 100) = 1; }\n"
                    "void g(double *a) { for (int i = -100; i < 0; i++) { double *p = a + (unsigned)i; p[100] = 1; } }\n"
                    "void h(double *a, unsigned n) { for (unsigned i = 0; i < n; i++) *(a + i + 2u) = 1; }\n"
                    "void k(double *a, unsigned n) { for (unsigned i = 0; i < n; i++) *(a + (i + 2u)) = 1; }\n")
    tu = translate(str(path), [])
    writes = [next(a for a in loop.accesses if a.is_write).subscripts[0] for loop in tu.loops]
    assert [_affine(s) for s in writes] == [None, None, ({"i": 1}, 2), ({"i": 1}, 2)]
