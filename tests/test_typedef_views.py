"""A view of an array through a cast counts its subscripts in the cast's elements, whatever the
cast's type is spelled as: `((uint8_t *)x)[2 * i + 1]` and `((byte *)x)[...]` with
`typedef unsigned char byte` read bytes of a `double` array, as `(unsigned char *)` does. Typedefs
were not compared (only the words `char`, `int`, ... were), so the byte index was taken to count
doubles: 2i = 2i' + 1 has no solution, and the loop (which reads bytes that another iteration
writes) was parallelized, a race that printed other sums at 3 and 4 threads."""

from __future__ import annotations

import pytest

from analyzed import loops_of, rewrite_prints_as_serial

VIEW = """#include <stdio.h>
#include <stdint.h>
typedef unsigned char byte;
enum small { ZERO };
#define N 40000
double x[2 * N + 8];
long sums[N];
void f(double *restrict p, long *restrict out, int n) {
  for (int i = 0; i < n; i++) {
    p[2 * i] = p[2 * i] + 1000.0;
    out[i] = ((VIEW_TYPE *)p)[2 * i + 1];
  }
}
int main(void) {
  for (int i = 0; i < 2 * N + 8; i++) x[i] = i * 0.75;
  for (int i = 0; i < N; i++) {
    x[2 * i] = x[2 * i] + 1000.0;
    sums[i] += ((VIEW_TYPE *)x)[2 * i + 1];
  }
  f(x, sums, N);
  long s = 0;
  for (int i = 0; i < N; i++) s = s * 31 + sums[i];
  printf("%ld\\n", s);
  return 0;
}
"""
TYPES = ["byte", "uint8_t", "uint16_t", "enum small", "unsigned char"]


@pytest.mark.parametrize("view_type", TYPES)
def test_a_view_through_a_typedef_is_a_view_of_other_elements(tmp_path, view_type):
    loops = loops_of(tmp_path, VIEW.replace("VIEW_TYPE", view_type), "v.c")
    for line in (9, 16):
        loop, = [l for l in loops if l.line == line]
        assert not loop.parallel, (line, loop.pragma)
        assert any("elements of different types" in r for r in loop.reasons), loop.reasons


@pytest.mark.slow
@pytest.mark.parametrize("view_type", ["byte", "uint8_t"])
def test_the_rewrite_of_a_typedef_view_prints_the_serial_result(tmp_path, view_type):
    rewrite_prints_as_serial(tmp_path, VIEW.replace("VIEW_TYPE", view_type), name="v.c")


def test_a_typedef_of_the_declared_type_is_the_same_elements(tmp_path):
    """`typedef double real;` read as `((real *)x)[i]` counts doubles: nothing to refuse."""
    text = ("typedef double real;\ndouble x[1000], y[1000];\nvoid f(void) {\n  for (int i = 0; i < 1000; i++)\n"
            "    y[i] = ((real *)x)[i] + x[i];\n}\n")
    loop, = [l for l in loops_of(tmp_path, text, "r.c") if l.line == 4]
    assert not any("different types" in r for r in loop.reasons), loop.reasons


def test_a_view_of_a_byte_buffer_as_pointers_counts_pointers(tmp_path):
    """`((char **)buf)[i]` of an `unsigned char buf[]` writes bytes 8i..8i+7 while `buf[i]` reads byte i."""
    text = ("#include <stdint.h>\nunsigned char buf[8 * 4000];\nvoid f(int n) {\n  for (int i = 0; i < n; i++)\n"
            "    ((char **)buf)[i] = (char *)(uintptr_t)(buf[i] + 3);\n}\n")
    loop, = loops_of(tmp_path, text, "p.c")
    assert not loop.parallel and any("different types" in r for r in loop.reasons), loop.reasons
