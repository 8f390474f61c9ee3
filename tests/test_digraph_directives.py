"""Directives spelled with the digraph `%:` (C95, C++) or the trigraph `??=` are directives: a stale
`%:pragma omp parallel for` on a recurrence was not seen, so `autopar-cc` switched OpenMP on and the
program printed another sum; `%:ifdef` lines inside a loop were copied into its serial version
(`#endif without #if`); `%:pragma GCC ivdep` above a loop got the omp pragma between them."""

from __future__ import annotations

import pytest

from analyzed import rewrite_prints_as_serial
from autopar.frontend.omp_pragmas import has_omp_pragma, openmp_code

CONDITIONAL_HEADER = """#include <stdio.h>
#include <stdlib.h>
void scale(double *x, int n) {
%:ifdef HALF
  for (int i = 0; i < n / 2; i++)
%:else
  for (int i = 0; i < n; i++)
%:endif
  {
    x[i] = x[i] * 3.0 + 1.0;
  }
}
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 300000;
  double *x = calloc(n, sizeof *x);
  scale(x, n);
  long s = 0;
  for (int i = 0; i < n; i++) s += (long)x[i] * (i % 5);
  printf("%ld\\n", s);
  return 0;
}
"""

HINT_ABOVE = """#include <stdio.h>
#define N 300000
double a[N], b[N];
int main(void) {
  for (int i = 0; i < N; i++) a[i] = i % 10;
%:pragma GCC ivdep
  for (int i = 0; i < N; i++) b[i] = a[i] * 2;
  long s = 0;
  for (int i = 0; i < N; i++) s += (long)b[i];
  printf("%ld\\n", s);
  return 0;
}
"""


@pytest.mark.parametrize("spelling", ["%:pragma omp parallel for", "  %: pragma omp parallel for",
                                      "??=pragma omp parallel for"])
def test_an_omp_pragma_spelled_with_a_digraph_or_trigraph_is_an_omp_pragma(spelling):
    text = f"void f(double *a, int n) {{\n{spelling}\n  for (int i = 1; i < n; i++) a[i] = a[i - 1] + 1;\n}}\n"
    assert has_omp_pragma(text.encode())
    assert openmp_code(text.encode(), []) == "it has omp pragmas of its own"


@pytest.mark.slow
@pytest.mark.parametrize("text, defines", [(CONDITIONAL_HEADER, []), (CONDITIONAL_HEADER, ["-DHALF"]),
                                           (HINT_ABOVE, [])])
def test_the_rewrite_of_loops_beside_digraph_directives_builds_and_prints_the_serial_result(tmp_path, text, defines):
    rewrite_prints_as_serial(tmp_path, text, tuple(defines), name="d.c")
