"""Updates that look like reductions and are not: `ok = ok && E` where the serial loop never evaluates
E once ok is 0 (a trap, an element that may not exist), a `bool` that old C defines as int, a cast
that keeps each step's value in a narrower type, a linear step spelled through a cast; and a
`_Float16` variable, which crashed the front end. Each once ran in parallel and printed another
result (or crashed) where the serial program did not."""

from __future__ import annotations

import pytest

from analyzed import loops_of

PROGRAM = """#include <stdio.h>
#define N 1000
typedef int bool;
int a[N], b[N], *p[N], idx[N];
double d[N];
int main(void) {
  TYPE x = START;
  for (int i = 0; i < N; i++)
    UPDATE;
  printf("%d\\n", (int)x);
  return 0;
}
"""


def _loop(tmp_path, update: str, type_: str = "int", start: str = "1"):
    text = PROGRAM.replace("UPDATE", update).replace("TYPE", type_).replace("START", start)
    loop, = [l for l in loops_of(tmp_path, text, "r.c") if l.line == 8]
    return loop


@pytest.mark.parametrize("update", [
    "x = x && a[i] % b[i] == 0",  # b[i] may be 0 where the serial loop stopped dividing
    "x = x || a[i] / b[i] == 4",
    "x = x && *p[i] > 0",  # p[i] may be null past the first failure
    "x = x && a[idx[i]] > 0",
])
def test_a_logical_update_whose_right_side_the_serial_loop_may_skip_is_no_reduction(tmp_path, update):
    loop = _loop(tmp_path, update)
    assert not loop.parallel and "reduction(" not in (loop.pragma or "")


@pytest.mark.parametrize("update", ["x = x && a[i] > 0", "x = x || a[i] % 4 == 3", "x = a[i] % b[i] == 0 && x"])
def test_a_logical_update_that_evaluates_only_plain_elements_stays_a_reduction(tmp_path, update):
    loop = _loop(tmp_path, update)
    assert loop.parallel and ("reduction(&&: x)" in loop.pragma or "reduction(||: x)" in loop.pragma)


def test_a_bool_that_old_c_defines_as_int_is_an_int(tmp_path):
    """`typedef int bool;`: the start value 5 survives a loop whose update never runs, which
    reduction(&&) would turn into 1."""
    assert not _loop(tmp_path, "if (a[i] > 0) x = x && a[i] > 2", "bool", "5").parallel
    bool_typedef = _loop(tmp_path, "if (a[i] > 0) x = x && a[i] > 2", "_Bool", "1")
    assert bool_typedef.parallel


@pytest.mark.parametrize("update,type_", [
    ("x = (unsigned char)(x + a[i])", "int"),  # each step modulo 256
    ("x = (signed char)x + a[i]", "int"),
    ("x = (unsigned short)(x * a[i])", "long"),
    ("x = (unsigned char)(a[i] > x ? a[i] : x)", "int"),
    ("x = (int)(x + d[i])", "int"),  # truncated toward zero at each step
    ("x = (float)x + d[i] * 0.1", "double"),
])
def test_a_cast_in_the_update_keeps_each_steps_value(tmp_path, update, type_):
    loop = _loop(tmp_path, update, type_, "0")
    assert not loop.parallel and "reduction(" not in (loop.pragma or "")


@pytest.mark.parametrize("update,type_", [("x = (long)(x + a[i])", "long"), ("x = (double)x + d[i]", "double")])
def test_a_cast_to_the_variables_own_type_changes_nothing(tmp_path, update, type_):
    assert "reduction(+: x)" in (_loop(tmp_path, update, type_, "0").pragma or "")


def test_a_linear_step_spelled_through_a_cast_is_not_its_literal(tmp_path):
    """`j += (signed char)300` steps by 44: linear(j:300) wrote far out of bounds."""
    text = ("#include <stdio.h>\n#define N 1000\nlong c[50 * N];\nint a[N];\nint main(void) {\n  int j = 0;\n"
            "  for (int i = 0; i < N; i++) {\n    c[j] += a[i];\n    j += (signed char)300;\n  }\n"
            "  printf(\"%ld %d\\n\", c[44], j);\n  return 0;\n}\n")
    loop, = loops_of(tmp_path, text, "l.c")
    assert "linear(j:300)" not in (loop.pragma or "") + " ".join(loop.reasons)


def test_a_float16_variable_is_analyzed(tmp_path):
    text = ("#include <stdio.h>\n_Float16 h[1000];\nfloat s[1000];\nint main(void) {\n"
            "  for (int i = 0; i < 1000; i++) s[i] = (float)h[i] * 2;\n  printf(\"%g\\n\", s[9]);\n  return 0;\n}\n")
    loop, = loops_of(tmp_path, text, "h.c")
    assert loop.parallel


MIN_MAX_MACROS = """#define MAX(a,b) ((a)>(b) ? (a) : (b))
#define MIN(a,b) ((a)<(b) ? (a) : (b))
#define MIN2(a,b) ((a)<(b) ? a : b)
#define MINR(a,b) ((b)>(a) ? (a) : (b))
int w1(int m, const int *x, int n) { for (int s = 0; s < n; ++s) { m = MAX(m, x[s]); } return m; }
int w2(int m, const int *x, int n) { for (int s = 0; s < n; ++s) { m = MIN(m, x[s]); } return m; }
int w3(int m, const int *x, int n) { for (int s = 0; s < n; ++s) { m = MIN2(m, x[s]); } return m; }
int w4(int m, const int *x, int n) { for (int s = 0; s < n; ++s) { m = MINR(m, x[s]); } return m; }
int w5(int m, const int *x, int n) { for (int s = 0; s < n; ++s) { m = MIN(x[s], m); } return m; }
int w6(int m, const int *x, int n) { for (int s = 0; s < n; ++s) { m = MAX(x[s], m); } return m; }
int w7(int m, const int *x, int n) { for (int s = 0; s < n; ++s) { m = m < x[s] ? m : x[s + 1]; } return m; }
int w8(int m, const int *x, int n) { for (int s = 0; s < n; ++s) { m = MIN(m, x[s + 1]); } return m; }
#define SQ(v) ({int _t = (v); _t * _t;})
#define TWICE(v) ({int _t = (v); _t + _t;})
int w9(int m, const int *x, int n) { for (int s = 0; s < n; ++s) { if (SQ(x[s]) > m) m = TWICE(x[s]); } return m; }
unsigned long w10(unsigned long m, const int *x, int n) {
  for (int s = 0; s < n; ++s) { if (x[s] * sizeof(char) > m) m = x[s] * sizeof(double); } return m; }
#define V(x) ((x) + __LINE__ % 2)
int w11(int m, const int *x, int n) {
  for (int s = 0; s < n; ++s) {
    if (V(x[s]) > m)
      m = V(x[s]);
  }
  return m;
}
int w12(int m, const int *x, int n) {
  for (int s = 0; s < n; ++s) {
    if (x[s] + __builtin_types_compatible_p(int, long) > m) m = x[s] + __builtin_types_compatible_p(int, int); }
  return m;
}
int w13(int m, const int *x, int n) { for (int s = 0; s < n; ++s) { if (x[s + 1] > m) m = x[s + 1]; } return m; }
"""


def test_min_and_max_through_macros_are_told_apart_by_the_tree(tmp_path):
    """Inside a macro's expansion every operand has the call's text: `iters = MIN(iters, oiters)`
    (zstd's Huffman decoder) was taken for a max, and its decompression failed through autopar-cc."""
    found = {l.function: l.pragma or "" for l in loops_of(tmp_path, MIN_MAX_MACROS, "mm.c")}
    expected = {"w1": "max", "w2": "min", "w3": "min", "w4": "min", "w5": "min", "w6": "max", "w13": "max"}
    for function, op in expected.items():
        assert f"reduction({op}: m)" in found[function], (function, found[function])
    # another element than the one compared; a literal a macro hides; statement expressions and
    # sizeof(T), whose trees hold no operands to compare; the same text of a macro that expands otherwise
    # on another line (__LINE__); a type trait
    for function in ("w7", "w8", "w9", "w10", "w11", "w12"):
        assert "reduction" not in found[function], (function, found[function])


def test_a_location_reduction_in_a_macro_stores_the_value_it_compared(tmp_path):
    """`UPD(a[i], b[i], best, at, i)` compares a[i] and stores b[i]: inside the macro both had the call's
    text, and the argmin form was taken."""
    text = ("#define UPD(v, w, b, k, i) if ((v) < (b)) { b = (w); k = (i); }\n"
            "int at_of(const int *a, const int *c, int n) {\n  int best = 1000000, at = -1;\n"
            "  for (int i = 0; i < n; i++) {\n    UPD(a[i], c[i], best, at, i)\n  }\n  return at;\n}\n")
    loop, = loops_of(tmp_path, text, "loc.c")
    assert not loop.parallel, loop.pragma
    same = text.replace("b = (w);", "b = (v);")
    loop, = loops_of(tmp_path, same, "loc2.c")
    assert loop.parallel, loop.reasons
