"""Bounds and subscripts beyond plain affine expressions: min/max bounds as pieces, divisions and
conditionals of the nest's parameters as parameters of their own, struct fields as parameters when
nothing in the nest can write them."""

from __future__ import annotations

import pytest

from autopar.frontend.translate import translate

SOURCE = r"""
#define min(x, y) ((x) < (y) ? (x) : (y))
#define max(x, y) ((x) > (y) ? (x) : (y))
struct vec { int len; double *data; };
void f(int n, int m, int t, double *a, struct vec *v, struct vec s, int *w) {
  for (int i = max(0, t - 3); i <= min(n - 1, 32 * t + 31); i++) a[i] = 0;     /* 6 */
  for (int i = n - 1; i >= max(m, 2); i--) a[i] = 0;                           /* 7 */
  for (int i = 0; i < n / 2; i++) a[i + n / 2] = 0;                             /* 8 */
  for (int i = 0; i < 48 / 2; i++) a[i] = 0;                                   /* 9 */
  for (int i = 0; i < v->len; i++) a[i + s.len] = 0;                           /* 10 */
  for (int i = 0; i < v->len; i++) { w[i] = 0; a[i + v->len] = 0; }           /* 11 */
  for (int i = 0; i < n; i++) { a[i / 2] = 0; a[n / (m = 2)] = 0; }            /* 12 */
  for (int i = 0; i < max(n, m); i++) a[i] = 0;                                /* 13 */
}
"""


@pytest.fixture(scope="module")
def loops(tmp_path_factory):
    path = tmp_path_factory.mktemp("bounds") / "bounds.c"
    path.write_text(SOURCE)
    tu = translate(str(path), [])
    assert not tu.has_errors, tu.diagnostics
    return {l.line: l for l in tu.loops}


def _aff(e):
    return (e.coefficients, e.constant) if e is not None else None


def _sub(loop, k=0):
    writes = [a for a in loop.accesses if a.is_write]
    return _aff(writes[k].subscripts[0].affine)


def test_min_and_max_bounds_are_pieces(loops):
    c = loops[6].canonical
    assert c.upper is None and [_aff(p) for p in c.upper_each] == [({"n": 1}, -1), ({"t": 32}, 31)]
    assert _aff(c.lower) == ({"(max(0,t-3))": 1}, 0)  # of parameters: one parameter, and pieces
    assert [_aff(p) for p in c.lower_each] == [({}, 0), ({"t": 1}, -3)]
    down = loops[7].canonical  # a decreasing loop: its bound is a max
    assert [_aff(p) for p in down.upper_each] == [({"m": 1}, 0), ({}, 2)]


def test_invariant_divisions_and_constants(loops):
    assert _aff(loops[8].canonical.upper) == ({"(n/2)": 1}, 0)
    assert _sub(loops[8]) == ({"(n/2)": 1, "i": 1}, 0)
    assert _aff(loops[9].canonical.upper) == ({}, 24)


def test_struct_fields_are_parameters_unless_the_nest_may_write_them(loops):
    assert _aff(loops[10].canonical.upper) == ({"v->len": 1}, 0)
    assert _sub(loops[10]) == ({"i": 1, "s.len": 1}, 0)
    assert _sub(loops[11], 1) is None  # w[i] (int) may be v->len


def test_what_is_not_invariant_stays_non_affine(loops):
    assert _sub(loops[12], 0) is None  # i / 2
    assert _sub(loops[12], 1) is None  # n / (m = 2) assigns
    c = loops[13].canonical  # a max upper bound is not a conjunction; of parameters, one parameter
    assert c.upper_each == [] and _aff(c.upper) == ({"(max(n,m))": 1}, 0)
    assert _aff(loops[7].canonical.lower) == ({"n": 1}, -1)
