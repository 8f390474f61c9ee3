"""Array reductions give each thread a copy of the declared array, so every update must index the
array's own elements with one subscript. A view through a cast (`((unsigned char *)hist)[k]` on an
`int hist[64]`) made a 64-byte copy that the loop wrote past (a crash at every thread count), and
`tab[k][i]` of a table of rows (`double *tab[4]`, or `row tab[4]` with a typedef'd row) made a copy
of numbers that the loop subscripted twice (gcc refused the rewrite)."""

from __future__ import annotations

import pytest

from analyzed import loops_of, rewrite_prints_as_serial

BYTE_VIEW = """#include <stdio.h>
#define N 100000
int hist[64];
int idx[N];
int main(void) {
  for (int i = 0; i < N; i++) idx[i] = (i * 7) % 256;
  for (int i = 0; i < N; i++) ((unsigned char *)hist)[idx[i]] += 1;
  long cs = 0;
  for (int k = 0; k < 64; k++) cs = cs * 31 + hist[k];
  printf("%ld\\n", cs);
  return 0;
}
"""

ROW_TABLE = """#include <stdio.h>
#define N 50000
typedef double row[8];
row tab[4];
int idx[N];
int main(void) {
  for (int i = 0; i < N; i++) idx[i] = (i * 7) % 8;
  for (int i = 0; i < N; i++) for (int k = 0; k < 4; k++) tab[k][idx[i]] += 1.0;
  double s = 0;
  for (int k = 0; k < 4; k++) for (int i = 0; i < 8; i++) s += tab[k][i] * (i + k);
  printf("%.10g\\n", s);
  return 0;
}
"""

POINTER_ROWS = ROW_TABLE.replace("typedef double row[8];\nrow tab[4];\n",
                                 "static double r0[8], r1[8], r2[8], r3[8];\ndouble *tab[4] = {r0, r1, r2, r3};\n")


@pytest.mark.parametrize("text, line, array", [(BYTE_VIEW, 7, "hist"), (ROW_TABLE, 8, "tab"), (POINTER_ROWS, 8, "tab")])
def test_no_copy_of_an_array_its_updates_do_not_index_as_declared(tmp_path, text, line, array):
    loop, = [l for l in loops_of(tmp_path, text, "v.c") if l.line == line and l.depth == 0]
    assert f"reduction(+: {array}[" not in (loop.pragma or "")


@pytest.mark.slow
@pytest.mark.parametrize("text", [BYTE_VIEW, ROW_TABLE, POINTER_ROWS])
def test_the_rewrite_of_an_updated_view_or_row_table_builds_and_prints_the_serial_result(tmp_path, text):
    rewrite_prints_as_serial(tmp_path, text, name="v.c")
