"""Volatile accesses keep their loop serial: each is a side effect that C keeps in number and order.

Before, `volatile int vc; ... vc += a[i]` became `reduction(+: vc)` (a thread's private copy drops
the volatile accesses), a store to `*port` in a loop was vectorized, and a `typedef volatile int`
was not seen as volatile at all (libclang answers for a type's own qualifiers only)."""

from __future__ import annotations

from autopar.decision.pipeline import analyze_file
from autopar.plans import reasons as R

SOURCE = """\
#include <stdio.h>
typedef volatile int vint;
struct S { volatile int flag; int n; };
struct S s;
vint tick;
volatile int vc;
int a[1000], b[1000], c[64][64];
volatile unsigned char *port;
static int bump(int x) { return x + tick; }
static int twice(int x) { return x * 2; }
int main(void) {
  unsigned char reg = 0;
  port = &reg;
  for (int i = 0; i < 1000; i++) a[i] = twice(i);
  for (int i = 0; i < 1000; i++) vc += a[i];
  for (int i = 0; i < 1000; i++) b[i] = bump(a[i]);
  for (int i = 0; i < 1000; i++) b[i] += s.flag;
  for (int i = 0; i < 1000; i++) *port = (unsigned char)a[i];
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 64; j++) c[i][j] = i + j + tick;
  for (int i = 0; i < 1000; i++) b[i] = a[i] + s.n;
  printf("%d %d %d %d\\n", b[5], vc, reg, c[3][4]);
  return 0;
}
"""


def _loops(tmp_path):
    path = tmp_path / "volatile.c"
    path.write_text(SOURCE)
    return {(l.line, l.column): l for l in analyze_file(str(path)).report.loops}


def test_a_loop_with_a_volatile_access_stays_serial(tmp_path):
    loops = _loops(tmp_path)
    assert loops[(14, 3)].parallelizable and loops[(21, 3)].parallelizable  # no volatile: as before
    for line in (15, 17, 18, 19):  # a volatile scalar, a volatile field, a pointer to volatile, a typedef
        loop = loops[(line, 3)]
        assert not loop.parallelizable and R.VOLATILE in loop.codes, (line, loop.reasons)
    assert not loops[(20, 5)].parallelizable and R.VOLATILE in loops[(20, 5)].codes
    assert not loops[(15, 3)].parallel and "vc" in " ".join(loops[(15, 3)].reasons)


def test_a_function_that_reads_a_volatile_is_of_unknown_effect(tmp_path):
    loop = _loops(tmp_path)[(16, 3)]
    assert not loop.parallelizable and R.CALL_EFFECT in loop.codes, loop.reasons
