"""The scalars pass: reads, writes, first access on every path, reductions, liveness, escapes."""

from __future__ import annotations

import os

import pytest

from autopar.ir import ReductionOp, Storage
from autopar.frontend.translate import translate

DATA = os.path.join(os.path.dirname(__file__), "data", "frontend")


@pytest.fixture(scope="module")
def tu():
    return translate(os.path.join(DATA, "scalars.c"), [])


def test_parses_cleanly(tu):
    assert not tu.has_errors, tu.diagnostics


@pytest.mark.parametrize("name, op", [
    ("sum", ReductionOp.ADD), ("prod", ReductionOp.MUL), ("diff", ReductionOp.ADD),
    ("big", ReductionOp.MAX),      # if (x[i] > big) big = x[i];
    ("small", ReductionOp.MIN),    # small = x[i] < small ? x[i] : small;
    ("m2", ReductionOp.MAX),       # m2 = fmax(m2, x[i]);
    ("m3", ReductionOp.MIN),       # m3 = fmin(x[i], m3);
    ("bits_and", ReductionOp.AND), ("bits_or", ReductionOp.OR), ("bits_xor", ReductionOp.XOR),
    ("all", ReductionOp.LAND), ("any", ReductionOp.LOR), ("count", ReductionOp.ADD),
])
def test_each_reduction_form(tu, name, op):
    use = tu.loops[0].scalar(name)
    assert use.reduction == op
    assert use.read and use.written and not use.written_before_read
    assert use.live_after_loop and not use.declared_in_loop


def test_induction_variable_and_read_only_scalars(tu):
    loop = tu.loops[0]
    i = loop.scalar("i")
    assert i.is_induction_variable_of == loop.id and i.declared_in_loop and i.reduction is None
    n = loop.scalar("n")
    assert n.read and not n.written and n.variable.storage == Storage.PARAMETER
    x = loop.scalar("x")  # the pointer itself is read, its elements are accesses
    assert x.read and not x.written and x.variable.is_pointer


def test_private_candidates(tu):
    loop = tu.loops[1]
    t = loop.scalar("t")
    assert t.written_before_read and t.always_written and not t.live_after_loop
    partial = loop.scalar("partial")  # written in both branches of an if/else before the read
    assert partial.written_before_read and partial.always_written
    carried = loop.scalar("carried")  # read first: its value crosses iterations
    assert carried.read and carried.written and not carried.written_before_read
    last = loop.scalar("last")  # private, but read after the loop: lastprivate
    assert last.written_before_read and last.live_after_loop and not last.read
    local = loop.scalar("local")
    assert local.declared_in_loop and local.written_before_read
    k = loop.scalar("k")  # the inner loop's induction variable, declared outside
    assert k.is_induction_variable_of == tu.loops[2].id and not k.declared_in_loop
    assert k.written_before_read  # the inner loop's init runs before its condition reads k


def test_not_reductions(tu):
    loop = tu.loops[3]
    s = loop.scalar("s")
    assert s.reduction is None  # also read as a plain value
    q = loop.scalar("q")
    assert q.reduction is None  # the update reads q on its right-hand side


def test_conditional_write_is_not_written_before_read(tu):
    w = tu.loops[4].scalar("w")
    assert w.written and w.read and not w.written_before_read and not w.always_written


def test_address_taken_and_early_exits(tmp_path):
    source = tmp_path / "escape.c"
    source.write_text(
        "void g(int *);\n"
        "int f(int *a, int n) {\n"
        "  int t = 0, v = 0, u;\n"
        "  for (int i = 0; i < n; i++) {\n"
        "    g(&t);\n"
        "    if (a[i] < 0) continue;\n"
        "    v = a[i];\n"
        "    u = v;\n"
        "    a[i] = u;\n"
        "  }\n"
        "  return t + v;\n"
        "}\n")
    loop = translate(str(source), []).loops[0]
    assert loop.scalar("t").address_taken and loop.scalar("t").reduction is None
    v = loop.scalar("v")
    assert v.written_before_read and v.live_after_loop
    assert not v.always_written  # the `continue` path skips the write
    assert not loop.scalar("u").live_after_loop


def test_an_update_whose_value_is_used_is_not_a_reduction(tmp_path):
    source = tmp_path / "compact.c"
    source.write_text(
        "void f(double *out, const double *in, int n, double *p) {\n"
        "  int count = 0, c2 = 0;\n"
        "  for (int i = 0; i < n; i++) {\n"
        "    if (in[i] > 0) out[count++] = in[i];\n"
        "    c2++;\n"
        "    p++;\n"
        "  }\n"
        "  out[0] = count + c2 + *p;\n"
        "}\n")
    loop = translate(str(source), []).loops[0]
    assert loop.scalar("count").reduction is None
    assert loop.scalar("c2").reduction == ReductionOp.ADD
    assert loop.scalar("p").reduction is None  # moving a pointer is not a sum


def test_liveness_follows_the_statements_after_the_loop(tmp_path):
    source = tmp_path / "live.c"
    source.write_text(
        "double f(double *a, int n, int m) {\n"
        "  double t = 0, u = 0, w = 0, z = 0;\n"
        "  for (int i = 0; i < n; i++) { t = a[i]; u = a[i]; w = a[i]; z = a[i]; a[i] = t + u + w + z; }\n"
        "  t = 1;\n"                                  # overwritten before any read: dead
        "  if (m) u = 2; else u = 3;\n"               # overwritten on both paths: dead
        "  if (m) w = 2;\n"                           # overwritten on one path only: live
        "  for (int k = 0; k < m; k++) {\n"
        "    for (int i = 0; i < n; i++) z = a[i];\n"
        "    a[k] = z;\n"                             # read after the inner loop: live for it
        "  }\n"
        "  return t + u + w;\n"
        "}\n"
        "void g(double *a, int n, int m) {\n"
        "  double t = 0;\n"
        "  for (int k = 0; k < m; k++) {\n"
        "    for (int i = 0; i < n; i++) t = a[i];\n"
        "    if (a[k] > 0) break;\n"                  # a jump out: fall back to any later mention
        "    t = 0;\n"
        "  }\n"
        "  a[0] = t;\n"
        "}\n")
    loops = translate(str(source), []).loops
    first = loops[0]
    assert [first.scalar(v).live_after_loop for v in "tuwz"] == [False, False, True, True]
    assert loops[2].scalar("z").live_after_loop  # the inner loop of the k loop
    assert loops[4].scalar("t").live_after_loop


def test_a_write_through_a_reference_writes_the_bound_variable(tmp_path):
    """`n` is a reference to `x`; the loop never names `x` but carries its value from one iteration
    to the next through `n`. The analysis must see `x` as written, and keep the loop serial."""
    from autopar.decision.pipeline import analyze_file

    source = tmp_path / "ref_scalar.cpp"
    source.write_text("void f(int *a, int x, int m) {\n"
                      "    int &n = x;\n"
                      "    for (int i = 0; i < m; i++) { a[i] = n; n = i; }\n"
                      "}\n"
                      "void g(int *a, int x, int m) {\n"
                      "    const int &n = x;\n"
                      "    for (int i = 0; i < m; i++) a[i] = n;\n"
                      "}\n")
    analysis = analyze_file(str(source))
    written, read_only = analysis.tu.loops
    assert any(s.written for s in written.scalars if s.variable.name in ("x", "n"))
    by_loop = {loop.id: loop for loop in analysis.report.loops}
    assert not by_loop[written.id].parallel
    assert not any(s.written for s in read_only.scalars if s.is_induction_variable_of is None)


def _loop_at(tu, line: int):
    return next(loop for loop in tu.loops if loop.line == line)


def test_loop_counters_declared_at_the_top_are_dead_between_sweeps_of_a_time_loop(tmp_path):
    """C89 style: `int t, i, j;` at the top, each used only as a counter that its loop initialises.
    The value a sweep leaves in j is never read (the next sweep and the next time step set j first),
    so j does not block the sweep's outer loop."""
    path = tmp_path / "c89.c"
    path.write_text("void f(int n, int steps, double a[64][64], double b[64][64]) {\n"
                    "    int t, i, j;\n"
                    "    for (t = 0; t < steps; t++) {\n"
                    "        for (i = 1; i < n - 1; i++)\n"
                    "            for (j = 1; j < n - 1; j++)\n"
                    "                b[i][j] = a[i][j - 1] + a[i][j + 1];\n"
                    "        for (i = 1; i < n - 1; i++)\n"
                    "            for (j = 1; j < n - 1; j++)\n"
                    "                a[i][j] = b[i][j];\n"
                    "    }\n"
                    "}\n"
                    "int g(int n, int steps, double *a) {\n"
                    "    int t, i, j = 0;\n"
                    "    for (t = 0; t < steps; t++) {\n"
                    "        a[t] = j;\n"  # the next time step reads what the sweep left in j
                    "        for (i = 0; i < n; i++)\n"
                    "            for (j = 0; j < n; j++)\n"
                    "                a[i] += 1.0;\n"
                    "    }\n"
                    "    return 0;\n"
                    "}\n")
    tu = translate(str(path), [])
    assert not tu.has_errors
    for line in (4, 7):
        assert not _loop_at(tu, line).scalar("j").live_after_loop
    assert _loop_at(tu, 16).scalar("j").live_after_loop



def test_a_continue_or_break_of_the_time_loop_keeps_liveness_exact(tmp_path):
    """A `continue` or `break` of the loop around starts its body again or leaves it: what the next
    iteration reads first is still read before the jump (the value a sweep leaves in j was taken as
    live, and `check` found autopar's own versioned copies unsafe). Reads before the jump still count."""
    path = tmp_path / "jumps.c"
    path.write_text("void f(int n, int steps, const int *skip, double *a, double *b) {\n"
                    "    int t, j = 0;\n"
                    "    for (t = 0; t < steps; t++) {\n"
                    "        if (skip[t]) continue;\n"
                    "        if (skip[t] > 1) break;\n"
                    "        for (j = 0; j < n; j++)\n"
                    "            a[j] += b[j];\n"
                    "    }\n"
                    "    for (j = 0; j < n; j++)\n"  # a later mention that assigns first
                    "        b[j] = 0;\n"
                    "}\n"
                    "void g(int n, int steps, const int *skip, double *a, double *b) {\n"
                    "    int t, j = 0;\n"
                    "    for (t = 0; t < steps; t++) {\n"
                    "        if (skip[t]) { a[0] = j; continue; }\n"
                    "        for (j = 0; j < n; j++)\n"
                    "            a[j] += b[j];\n"
                    "    }\n"
                    "}\n"
                    "void h(int n, int steps, const int *skip, double *a, double *b) {\n"
                    "    int t, i = 0;\n"
                    "    for (t = 0; t < steps; t++) {\n"
                    "        if (skip[t]) break;\n"
                    "        for (i = 0; i < n; i++)\n"
                    "            a[i] += b[i];\n"
                    "    }\n"
                    "    b[0] = i;\n"
                    "}\n")
    tu = translate(str(path), [])
    assert not tu.has_errors
    assert not _loop_at(tu, 6).scalar("j").live_after_loop
    assert _loop_at(tu, 16).scalar("j").live_after_loop  # read before the continue
    assert _loop_at(tu, 24).scalar("i").live_after_loop  # read after the break leaves the time loop


# ------------------------------------------------- conversions of reduction updates (issue 10, bug 2)

_CONVERSIONS = """#include <math.h>
int a[100]; double d[100]; float fl[100]; signed char sc[100]; long lg[100]; _Bool bb[100];
void f(int n) {
    signed char mx = -1; unsigned char umx = 0; long wide = -1; int s8 = 0; signed char ns = 0;
    int is = 0; float fs = 0; double ds = 0; _Bool any = 0; int cm = 0; float fm = 0; double dm = 0;
    unsigned um = 0; int lm = 0;
    for (int i = 0; i < n; i++) if (a[i] > mx) mx = a[i];
    for (int i = 0; i < n; i++) umx = a[i] > umx ? a[i] : umx;
    for (int i = 0; i < n; i++) if (a[i] > wide) wide = a[i];
    for (int i = 0; i < n; i++) if (sc[i] > s8) s8 = sc[i];
    for (int i = 0; i < n; i++) ns += a[i];
    for (int i = 0; i < n; i++) is += d[i];
    for (int i = 0; i < n; i++) fs += d[i];
    for (int i = 0; i < n; i++) ds = ds + fl[i];
    for (int i = 0; i < n; i++) any |= a[i];
    for (int i = 0; i < n; i++) cm = fmax(cm, a[i]);
    for (int i = 0; i < n; i++) fm = fmax(fm, fl[i]);
    for (int i = 0; i < n; i++) dm = fmax(dm, fl[i]);
    for (int i = 0; i < n; i++) if (a[i] > um) um = a[i];
    for (int i = 0; i < n; i++) if (lg[i] < lm) lm = lg[i];
}
"""


@pytest.mark.parametrize("index, name, op, kind", [
    (0, "mx", ReductionOp.MAX, "modular"),  # int to signed char
    (1, "umx", ReductionOp.MAX, "modular"),
    (2, "wide", ReductionOp.MAX, None),  # int to long: exact
    (3, "s8", ReductionOp.MAX, None),  # signed char to int: exact
    (4, "ns", ReductionOp.ADD, "modular"),
    (5, "is", ReductionOp.ADD, "lossy"),  # double to int
    (6, "fs", ReductionOp.ADD, "rounding"),  # double to float
    (7, "ds", ReductionOp.ADD, None),  # float to double
    (8, "any", ReductionOp.OR, "lossy"),  # int to _Bool
    (9, "cm", ReductionOp.MAX, "lossy"),  # fmax's double to int
    (10, "fm", ReductionOp.MAX, "rounding"),  # fmax's double to float
    (11, "dm", ReductionOp.MAX, None),
    (12, "um", ReductionOp.MAX, "modular"),  # int to unsigned
    (13, "lm", ReductionOp.MIN, "modular"),  # long to int
])
def test_reduction_updates_record_how_their_value_converts(tmp_path, index, name, op, kind):
    path = tmp_path / "conv.c"
    path.write_text(_CONVERSIONS)
    use = translate(str(path), []).loops[index].scalar(name)
    assert use.reduction == op
    assert use.reduction_conversion == kind, use.reduction_conversion_text


@pytest.mark.parametrize("body, boolean", [
    ("int ok = 1; for (int i = 0; i < n; i++) ok = ok && a[i] > 3;", True),
    ("int ok = -1; for (int i = 0; i < n; i++) ok = ok && a[i] > 3;", False),
    ("int ok = 1; ok = -2; for (int i = 0; i < n; i++) ok = ok || a[i] > 3;", False),
    ("int ok; ok = n > 2; if (n) for (int i = 0; i < n; i++) ok = ok || a[i] > 3;", True),
    ("int ok = 0; g(&ok); for (int i = 0; i < n; i++) ok = ok || a[i] > 3;", False),
    # a later iteration of the outer loop starts the inner one with ok = -3
    ("int ok = 1; for (int o = 0; o < n; o++) { for (int i = 0; i < m; i++) ok = ok && a[i] > 3; ok = -3; }",
     False),
    ("int ok = 1; for (int o = 0; o < n; o++) { for (int i = 0; i < m; i++) ok = ok && a[i] > 3; }", True),
])
def test_a_logical_reduction_knows_whether_it_starts_from_0_or_1(tmp_path, body, boolean):
    path = tmp_path / "b.c"
    path.write_text("int a[100];\nvoid g(int *);\nint f(int n, int m) {\n    " + body + "\n    return ok;\n}\n")
    loop = [l for l in translate(str(path), []).loops if l.canonical.induction_variable == "i"][0]
    use = loop.scalar("ok")
    assert use.reduction in (ReductionOp.LAND, ReductionOp.LOR) or use.address_taken
    assert use.boolean_at_entry == boolean


def test_a_label_without_any_goto_keeps_liveness_exact(tmp_path):
    """A label is only a way in for a goto: in a function without one, a labelled statement after the
    loop is followed like any other (`i` is assigned again before it is read, so it is dead after the
    first loop). With a goto in the function the label makes the answer the conservative one."""
    source = tmp_path / "labels.c"
    body = ("  int i;\n"
            "  for (int t = 0; t < m; t++) {\n"
            "    for (i = 0; i < n; i++) a[i] = 0;\n"
            "    done: a[t] = 1;\n"
            "    for (i = 0; i < n; i++) a[i] += 1;\n"
            "  }\n")
    source.write_text("void f(double *a, int n, int m) {\n" + body + "}\n"
                      "void g(double *a, int n, int m) {\n" + body + "  if (n < 0) goto done;\n}\n")
    loops = [l for l in translate(str(source), []).loops if l.canonical.induction_variable == "i"]
    assert [l.function for l in loops] == ["f", "f", "g", "g"]
    assert not loops[0].scalar("i").live_after_loop
    assert loops[2].scalar("i").live_after_loop



STATIC_ROWS = """#include <stdio.h>
#include "peek.h"
static double row[64];
double open_row[64];
static double huge[140000];
static void sweep(double *restrict out, const double *restrict in, int n) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < 64; j++) { row[j] = in[j] * i; open_row[j] = in[j] + i; huge[j] = in[j]; }
        for (int j = 1; j < 64; j++) out[i * 64 + j] = row[j] - row[j - 1] + open_row[j] + huge[j];
    }
}
"""


@pytest.mark.parametrize("after, whole_program, dead", [
    ("", False, ["row"]),                                   # open_row: another file may read it; huge: 1.1 MB
    ("", True, ["open_row", "row"]),                        # a whole program: nothing else can read open_row
    ("#define PEEK() row[0]\n", False, ["row"]),            # a macro nobody uses names nothing
    ("#define PEEK() row[0]\ndouble look(void) { return PEEK(); }\n", False, []),  # used in a function
    ("#define CAT(a, b) a##b\nstatic double *kept = CAT(r, ow);\n", False, []),  # pasted at file scope
    ("double look(void) { return HEADER_PEEK(); }\n", False, []),  # a header's macro names it
    ("double look(void) { return row[1]; }\n", False, []),  # another function reads it
    ("static double *keep = row;\n", False, []),           # a pointer to it at file scope
    ("/* row */ int unrelated;\n", False, ["row"]),        # a comment is not a mention
    ('#include "late.h"\n', False, []),                    # a header's function reads it
    ('#include "other.h"\n', False, ["row"]),              # a header that does not name it
    ("#pragma omp threadprivate(row)\n", False, []),       # each thread has its own already
    ('#include "tp.h"\n', False, []),                      # ... declared so in a header
])
def test_static_arrays_named_only_in_one_loop(tmp_path, after, whole_program, dead):
    (tmp_path / "peek.h").write_text("#define HEADER_PEEK() row[2]\n")
    (tmp_path / "late.h").write_text("static inline double late(void) { return row[5]; }\n")
    (tmp_path / "other.h").write_text("static inline int other(void) { return 0; }\n")
    (tmp_path / "tp.h").write_text("#pragma omp threadprivate(row)\n")
    path = tmp_path / "rows.c"
    path.write_text(STATIC_ROWS + after)
    unit = translate(str(path), [], whole_program=whole_program)
    outer = next(l for l in unit.loops if l.function == "sweep" and l.parent is None)
    assert sorted(key.split("@")[0] for key in outer.arrays_dead_after) == dead


def test_a_static_array_a_header_declares_first_and_reads_is_not_private(tmp_path):
    (tmp_path / "peek.h").write_text("#define HEADER_PEEK() row[2]\n")
    (tmp_path / "first.h").write_text("static double row[64];\nstatic double first_peek(void) { return row[3]; }\n")
    path = tmp_path / "rows.c"
    path.write_text('#include "first.h"\n' + STATIC_ROWS)
    unit = translate(str(path), [])
    outer = next(l for l in unit.loops if l.function == "sweep" and l.parent is None)
    assert outer.arrays_dead_after == []


def test_a_global_declared_extern_inside_the_loop_is_not_private(tmp_path):
    """`{ extern int g; g += 1; }` names the global, not a variable of each iteration: taken for one
    declared inside the loop, it was private and the count came out halved on 2 threads."""
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "e.c"
    path.write_text("int a[1000];\nint g;\nint f(void) {\n    for (int i = 0; i < 1000; i++) {\n"
                    "        a[i] = i * 3;\n        { extern int g; g += 1; }\n    }\n    return g;\n}\n")
    use = translate(str(path), []).loops[0].scalar("g")
    assert not use.declared_in_loop and use.address_in_reach
    loop = analyze_file(str(path)).report.loops[0]
    assert not loop.parallel
