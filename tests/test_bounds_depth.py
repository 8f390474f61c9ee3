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


QUASI = r"""
#define ceild(n, d) (((n) < 0) ? -((-(n)) / (d)) : ((n) + (d) - 1) / (d))
#define floord(n, d) (((n) < 0) ? -((-(n) + (d) - 1) / (d)) : (n) / (d))
#define max(x, y) ((x) > (y) ? (x) : (y))
#define min(x, y) ((x) < (y) ? (x) : (y))
double A[100000];
void macros(int t) {
  for (int c0 = 0; c0 < t; c0++)
    for (int c1 = max(ceild(2 * c0 + 2, 3), c0 - 9); c1 <= min(floord(2 * c0 + 60, 3), c0); c1++)
      A[c1] = 0;
}
void expanded(int t) {
  for (int c0 = 0; c0 < t; c0++)
    for (int c1 = ((c0 * 2 < 0?-(-c0 / 2) : ((2 < 0?(-c0 + - 2 - 1) / - 2 : (c0 + 2 - 1) / 2))));
         c1 <= (((c0 + 9) * 2 < 0?((2 < 0?-((-(c0 + 9) + 2 + 1) / 2) : -((-(c0 + 9) + 2 - 1) / 2))) : (c0 + 9) / 2)); c1++)
      A[c1 + 20] = A[c1 + 25];
}
void expanded_near(int t) {
  for (int c0 = 0; c0 < t; c0++)
    for (int c1 = ((c0 * 2 < 0?-(-c0 / 2) : ((2 < 0?(-c0 + - 2 - 1) / - 2 : (c0 + 2 - 1) / 2))));
         c1 <= (((c0 + 9) * 2 < 0?((2 < 0?-((-(c0 + 9) + 2 + 1) / 2) : -((-(c0 + 9) + 2 - 1) / 2))) : (c0 + 9) / 2)); c1++)
      A[c1 + 20] = A[c1 + 24];
}
void truncated(int t) {
  for (int c0 = 0; c0 < t; c0++)
    for (int c1 = c0 / 2; c1 <= (c0 + 9) / 2; c1++)
      A[c1 + 20] = A[c1 + 25];
}
void unsigned_ceil(unsigned t) {
  for (unsigned c0 = 0; c0 < t; c0++)
    for (int c1 = ceild(c0, 2); c1 <= 50; c1++)
      A[c1] = 0;
}
void params_only(int t) {
  for (int c1 = ceild(t, 2); c1 <= floord(t + 9, 2); c1++)
    A[c1 + 20] = A[c1 + 25];
}
"""


@pytest.fixture(scope="module")
def quasi(tmp_path_factory):
    from autopar.decision.pipeline import analyze_tu, load_translation_unit
    path = tmp_path_factory.mktemp("quasi") / "quasi.c"
    path.write_text(QUASI)
    tu = load_translation_unit(str(path))
    analysis = analyze_tu(tu)
    inner = {l.function: l for l in tu.loops if l.depth == (0 if l.function == "params_only" else 1)}
    verdicts = {f: next(v for v in analysis.nest_of(l.id).verdicts if v.loop_id == l.id) for f, l in inner.items()}
    return inner, verdicts


def _pieces(pieces):
    return [(p.expr.coefficients, p.expr.constant, p.divisor) for p in pieces]


def test_floor_and_ceiling_of_generated_code_are_read_exactly(quasi):
    loops, _ = quasi
    c = loops["macros"].canonical  # ceil((2 c0 + 2) / 3) = floor((2 c0 + 4) / 3); a plain piece beside it
    assert c.lower is None and _pieces(c.lower_quasi) == [({"c0": 2}, 4, 3), ({"c0": 1}, -9, 1)]
    assert _pieces(c.upper_quasi) == [({"c0": 2}, 60, 3), ({"c0": 1}, 0, 1)]
    c = loops["expanded"].canonical  # the same macros expanded, with their dead `2 < 0` branches
    assert _pieces(c.lower_quasi) == [({"c0": 1}, 1, 2)] and _pieces(c.upper_quasi) == [({"c0": 1}, 9, 2)]
    c = loops["params_only"].canonical  # of parameters: one parameter, and what it is
    assert _aff(c.lower) == ({"(ceild(t,2))": 1}, 0) and _pieces(c.lower_quasi) == [({"t": 1}, 1, 2)]


def test_truncating_division_and_unsigned_values_are_not_floors(quasi):
    loops, _ = quasi
    assert loops["truncated"].canonical.lower_quasi == [] and loops["truncated"].canonical.lower is None
    assert loops["unsigned_ceil"].canonical.lower_quasi == []


def test_the_window_a_divided_bound_leaves_decides_the_dependence(quasi):
    _, verdicts = quasi
    # c1 takes at most 5 values (from ceil(c0/2) to floor((c0+9)/2)): a read 5 on is past them, 4 on is not
    assert verdicts["expanded"].parallelizable and verdicts["params_only"].parallelizable
    assert not verdicts["expanded_near"].parallelizable
    assert not verdicts["truncated"].parallelizable  # nothing known of the window


ELEMENTS = r"""
static int gp[3];
extern int shape[2][2];
double a[64][64];
void f(int *p) {
  for (int i = 0; i < gp[1]; i++) a[0][i] = 0;                 /* 6: a parameter */
  for (int i = 0; i < shape[1][0] - 1; i++) a[1][i] = 0;       /* 7: a parameter, of a 2-D array */
  for (int i = 0; i < gp[3]; i++) a[2][i] = 0;                 /* 8: past the extent: not one */
  for (int i = 0; i < gp[1]; i++) { a[3][i] = 0; *p = i; }     /* 9: an int store through a pointer */
  for (int i = 0; i < gp[1]; i++) { a[4][i] = 0; gp[2] = i; }  /* 10: the array written */
}
"""


def test_elements_of_a_named_array_at_constant_subscripts_are_parameters(tmp_path):
    """NAS's `grid_points[k]` bounds: an integer element at constant subscripts within the extents
    of a named array the nest cannot write is a parameter (a bound the model knows); one past the
    extents, or with an integer store the nest makes through a pointer or into the array, is not."""
    path = tmp_path / "elements.c"
    path.write_text(ELEMENTS)
    upper = {l.line: l.canonical.upper for l in translate(str(path), []).loops}
    assert upper[6].coefficients == {"gp[1]": 1} and upper[7].coefficients == {"shape[1][0]": 1}
    assert upper[8] is None and upper[9] is None and upper[10] is None


def test_a_qualified_array_name_is_no_parameter(tmp_path):
    """`ns::gp[1]` would be spelled `gp[1]` in a runtime check or a threshold, which a local `gp` may
    shadow: it is left unknown."""
    path = tmp_path / "qualified.cpp"
    path.write_text("namespace ns { int gp[3]; }\ndouble a[64][64];\n"
                    "void f() { for (int i = 0; i < ns::gp[1]; i++) a[0][i] = 0; }\n")
    assert translate(str(path), []).loops[0].canonical.upper is None
