"""GNU C stores that no access names, and stores of several elements at once. `__real__ z[i + 1] = ...`
(half an element), `__extension__ a[i + 1] = ...`, `_Generic(...)` or `__builtin_choose_expr(...)` as
the target recorded no write at all: recurrences through them ran in parallel (other sums at 3 and 4
threads). A store through a cast to a vector or a struct type (`*(v4si *)(b + 2 * i)`) writes several
ints of b: its element type was not compared, being no number."""

from __future__ import annotations

import pytest

from analyzed import loops_of

HEAD = ("#include <complex.h>\ntypedef int v4si __attribute__((vector_size(16), aligned(4)));\n"
        "struct P { int x, y; };\n_Complex double z[100001];\n_Complex double r;\nint a[200008], b[200008];\n"
        "#define AT(i) _Generic(b[0], int: b[(i) + 1], default: b[i])\n")


@pytest.mark.parametrize("body, named", [
    ("__real__ z[i + 1] = __real__ z[i] + 1;", "__real__"),
    ("__imag__ r += a[i];", "__imag__"),
    ("__extension__ a[i + 1] = a[i] + 1;", "__extension__"),
    ("AT(i) = b[i] + 2;", "_Generic"),
    ("__builtin_choose_expr(1, a[i + 1], a[0]) = a[i] + 1;", "__builtin_choose_expr"),
    ("*(v4si *)(b + 2 * i) = (v4si){i, i, i, i};", "different types"),
    ("*(struct P *)(b + i) = (struct P){i, -i};", "different types"),
])
def test_a_store_no_access_names_keeps_the_loop_serial(tmp_path, body, named):
    text = HEAD + f"void f(int n) {{\n  for (int i = 0; i < n; i++) {{\n    {body}\n  }}\n}}\n"
    loop, = loops_of(tmp_path, text, "g.c")
    assert not loop.parallel, loop.pragma
    assert any(named in reason for reason in loop.reasons), loop.reasons


def test_a_store_of_the_arrays_own_vector_type_is_one_element(tmp_path):
    text = ("typedef int v4si __attribute__((vector_size(16)));\nv4si v[1000], w[1000];\n"
            "void f(void) {\n  for (int i = 0; i < 1000; i++)\n    v[i] = w[i] + 1;\n}\n")
    loop, = loops_of(tmp_path, text, "v.c")
    assert loop.parallel, loop.reasons


def test_no_reduction_over_a_bit_precise_integer(tmp_path):
    """clang 14 crashed compiling `reduction(+: x)` of an `unsigned _BitInt(7)`."""
    text = ("unsigned _BitInt(7) h[3000];\nunsigned total(void) {\n  unsigned _BitInt(7) x = 0;\n"
            "  for (int i = 0; i < 3000; i++)\n    x += h[i];\n  return x;\n}\n")
    loop, = loops_of(tmp_path, text, "b.c")
    assert "reduction" not in (loop.pragma or ""), loop.pragma
