"""Forward substitution in the front end's affine pass: a private scalar's one reaching definition
(`i = 1; f[i][j]`, `k1 = k + 1; r[m][k1]`) replaces it in subscripts and bounds; anything less
certain keeps the scalar (and its reason)."""

from __future__ import annotations

import pytest

from autopar.frontend.translate import translate

SOURCE = r"""
double f[3][64], r[64][66], g[256];
void defs(int n, int c) {
  int i, k1, x, y, z, w, v;
  short s;
  for (int j = 0; j < 64; j++) {
    i = 1; f[i][j] = 0;                        /* 7: constant */
    i = 2; f[i][j] = 1;                        /* 8: redefined */
    k1 = j + 1; r[j][k1] = 0;                  /* 9: affine in the loop variable */
    x = k1 + n; g[x] = 0;                      /* 10: chain and a parameter */
    if (c) y = j; g[y] = 1;                    /* 11: conditional definition */
    g[z] = 2; z = j;                           /* 12: use before definition */
    w = j; for (int m = 0; m < 4; m++) { r[m][w] = 0; w = m; }  /* 13: redefined in an inner loop */
    v = j; g[v + (v = 3)] = 0;                 /* 14: written beside the use */
    s = j; g[s] = 0;                           /* 15: narrow type */
    switch (c) { case 0: i = 5; case 1: g[i] = 0; }  /* 16: a jump past the definition */
  }
}
"""


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    path = tmp_path_factory.mktemp("subst") / "subst.c"
    path.write_text(SOURCE)
    tu = translate(str(path), [])
    assert not tu.has_errors, tu.diagnostics
    return tu.loops[0]


def _subs(loop, line, text):
    found = [a for a in loop.accesses if a.line == line and a.text == text and a.is_write]
    assert found, [(a.line, a.text) for a in loop.accesses]
    return [(s.affine.coefficients, s.affine.constant) if s.affine else None for s in found[0].subscripts]


def test_definitions_that_reach_are_substituted(loop):
    assert _subs(loop, 7, "f[i][j]") == [({}, 1), ({"j": 1}, 0)]
    assert _subs(loop, 8, "f[i][j]") == [({}, 2), ({"j": 1}, 0)]
    assert _subs(loop, 9, "r[j][k1]") == [({"j": 1}, 0), ({"j": 1}, 1)]
    assert _subs(loop, 10, "g[x]") == [({"j": 1, "n": 1}, 1)]


@pytest.mark.parametrize("line,text", [(11, "g[y]"), (12, "g[z]"), (13, "r[m][w]"),
                                       (14, "g[v + (v = 3)]"), (15, "g[s]"), (16, "g[i]")])
def test_uncertain_definitions_are_not(loop, line, text):
    assert None in _subs(loop, line, text)
