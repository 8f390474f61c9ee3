"""The affine tests of the `if`s around an access (autopar/frontend/domain_conditions.py), which the
isl model adds to its iteration domain; the compiled and race-checked loops are in the catalogue
(tests/catalogue/depth_bounds.c, guarded_*)."""

from __future__ import annotations

import pytest

from autopar.decision.pipeline import analyze_tu, load_translation_unit

SOURCE = r"""
#define floord(n, d) (((n) < 0) ? -((-(n) + (d) - 1) / (d)) : (n) / (d))
double A[100000];
int g;
int f(int);
void tiles(int n, int t) {
  if (n >= 3 && t >= 1)
    for (int c0 = 0; c0 < t; c0++)
      for (int c1 = 0; c1 < n; c1++)
        if (c0 <= floord(32 * c1 - n, 32) && c1 < c0 + 4)
          A[c1] = 0;
}
void else_branch(int n) {
  for (int i = 0; i < 2 * n; i++)
    if (i >= n) A[i + 1] = 0; else if (i > 3 || i < 1) A[i + 2] = 0; else A[i + 3] = 0;
}
void written_in_branch(int n, int m) {
  for (int i = 0; i < n; i++)
    if (i < m) { m = m + 1; A[i] = 0; }
}
void address_taken(int n, int m) {
  int *p = &m;
  for (int i = 0; i < n; i++)
    if (i < m) { *p = 0; A[i] = 0; }
}
void global_test(int n) {
  for (int i = 0; i < n; i++)
    if (i < g) A[i] = 0;
}
void call_test(int n) {
  for (int i = 0; i < n; i++)
    if (i < f(n)) A[i] = 0;
}
void unsigned_test(int n, unsigned m) {
  for (int i = 0; i < n; i++)
    if (i < m) A[i] = 0;
}
void label_inside(int n, int m) {
  for (int i = 0; i < n; i++) {
    if (i > 5) goto in;
    if (i < m) { in: A[i] = 0; }
  }
}
void guarded(int n) {
  for (int i = 0; i < 2 * n; i++)
    if (i < n) A[i] = A[i + n];
}
void parity(int n, int color) {
  for (int i = 0; i < n; i++)
    if ((i + 1) % 2 == color) A[i] = 0;
}
void parity_else(int n) {
  for (int i = 0; i < n; i++)
    if (i % 2 == 1) A[i] = 0; else A[i + 1] = 0;
}
void parity_variable(int n, int m) {
  for (int i = 0; i < n; i++)
    if (i % m == 0) A[i] = 0;
}
void parity_unsigned(int n, unsigned u) {
  for (int i = 0; i < n; i++)
    if (u % 2 == i) A[i] = 0;
}
void guarded_near(int n) {
  for (int i = 0; i < 2 * n; i++)
    if (i <= n) A[i] = A[i + n];
}
"""


@pytest.fixture(scope="module")
def unit(tmp_path_factory):
    path = tmp_path_factory.mktemp("conditions") / "conditions.c"
    path.write_text(SOURCE)
    tu = load_translation_unit(str(path))
    return tu, analyze_tu(tu)


def _conditions(tu, function, k=0):
    loop = next(l for l in tu.loops if l.function == function and not l.children)
    writes = [a for a in loop.accesses if a.is_write]
    return [(c.left.expr.coefficients, c.left.expr.constant, c.left.divisor, c.op,
             c.right.expr.coefficients, c.right.expr.constant, c.right.divisor) for c in writes[k].conditions]


def test_the_tests_around_an_access_are_its_conditions(unit):
    tu, _ = unit
    got = _conditions(tu, "tiles")
    assert ({"c0": 1}, 0, 1, "<=", {"c1": 32, "n": -1}, 0, 32) in got  # floord(32 c1 - n, 32)
    assert ({"c1": 1}, 0, 1, "<", {"c0": 1}, 4, 1) in got
    assert ({"n": 1}, 0, 1, ">=", {}, 3, 1) in got and ({"t": 1}, 0, 1, ">=", {}, 1, 1) in got  # around the nest
    assert _conditions(tu, "else_branch", 0) == [({"i": 1}, 0, 1, ">=", {"n": 1}, 0, 1)]
    # an else-branch negates a single comparison; `||` says nothing
    assert _conditions(tu, "else_branch", 1) == [({"i": 1}, 0, 1, "<", {"n": 1}, 0, 1)]
    assert _conditions(tu, "else_branch", 2) == [({"i": 1}, 0, 1, "<", {"n": 1}, 0, 1)]


@pytest.mark.parametrize("function", ["written_in_branch", "address_taken", "global_test", "call_test",
                                      "unsigned_test", "label_inside", "parity_variable", "parity_unsigned"])
def test_a_test_that_may_not_hold_at_the_access_is_left_out(unit, function):
    tu, _ = unit
    assert _conditions(tu, function) == []


def test_a_condition_that_keeps_the_writes_apart_removes_the_dependence(unit):
    tu, analysis = unit
    verdict = {l.function: next(v for v in analysis.nest_of(l.id).verdicts if v.loop_id == l.id)
               for l in tu.loops if l.function in ("guarded", "guarded_near")}
    assert verdict["guarded"].parallelizable
    assert not verdict["guarded_near"].parallelizable  # i = n writes what i = 0 reads


def test_a_variable_handed_to_a_call_in_the_branch_is_not_trusted(tmp_path):
    path = tmp_path / "by_reference.cpp"
    path.write_text("static void bump(int &x) { x += 1000; }\n"
                    "double A[100000];\n"
                    "void f(int n, int m) {\n"
                    "  if (m < 10) {\n"
                    "    bump(m);\n"
                    "    for (int i = 0; i < n; i++)\n"
                    "      A[i] = A[i + 5];\n"
                    "  }\n"
                    "}\n")
    tu = load_translation_unit(str(path), ["-std=c++17"])
    write = next(a for l in tu.loops for a in l.accesses if a.is_write)
    assert write.conditions == []  # m < 10 no longer holds once bump(m) ran


def test_a_test_of_a_name_the_branch_declares_again_is_left_out(tmp_path):
    path = tmp_path / "shadow.c"
    path.write_text("double A[100000];\n"
                    "void f(int n, int m) {\n"
                    "  if (m < 10) {\n"
                    "    int m = 5000;\n"
                    "    for (int i = 0; i < n; i++)\n"
                    "      A[i] = A[i + m];\n"
                    "  }\n"
                    "}\n")
    tu = load_translation_unit(str(path))
    write = next(a for l in tu.loops for a in l.accesses if a.is_write)
    assert write.conditions == []  # the test's m is not the subscript's


def test_a_row_left_under_a_test_is_seen(tmp_path):
    """The row-leaving test asks of each access its own domain, the tests of its `if`s included: an
    unguarded access of the same loops must not answer for it (b[i][-1] is b[i - 1][63], written by
    the iteration before)."""
    path = tmp_path / "row.c"
    path.write_text("double b[512][64];\n"
                    "void smooth(int n, int k) {\n"
                    "  for (int i = 1; i < n; i++)\n"
                    "    for (int j = 0; j < 64; j++) {\n"
                    "      b[i][j] = b[i][j] * 0.5;\n"
                    "      if (k > 0)\n"
                    "        b[i][j - 1] += 1.0;\n"
                    "    }\n"
                    "}\n")
    tu = load_translation_unit(str(path))
    analysis = analyze_tu(tu)
    outer = next(l for l in tu.loops if l.parent is None)
    verdict = next(v for v in analysis.nest_of(outer.id).verdicts if v.loop_id == outer.id)
    assert not verdict.parallelizable
    assert "leaves-row" in verdict.codes


def test_a_remainder_test_is_a_congruence(unit):
    """`x % d == y`: x and y are congruent modulo d (C's remainder of either sign is x minus a
    multiple of d); the else-branch (`!=`) says nothing, since -1 % 2 != 1 although -1 and 1 are
    congruent."""
    tu, _ = unit
    loop = next(l for l in tu.loops if l.function == "parity")
    (condition,) = next(a for a in loop.accesses if a.is_write).conditions
    assert condition.modulus == 2 and condition.op == "=="
    assert (condition.left.expr.coefficients, condition.left.expr.constant) == ({"i": 1}, 1)
    assert condition.right.expr.coefficients == {"color": 1}
    loop = next(l for l in tu.loops if l.function == "parity_else")
    then_write, else_write = sorted((a for a in loop.accesses if a.is_write), key=lambda a: a.column)
    assert [c.modulus for c in then_write.conditions] == [2] and else_write.conditions == []


def test_a_red_black_sweep_is_parallel(tmp_path):
    path = tmp_path / "red_black.c"
    path.write_text("double u[512][512];\n"
                    "void sweep(int n, int color) {\n"
                    "  for (int i = 1; i < n - 1; i++)\n"
                    "    for (int j = 1; j < n - 1; j++)\n"
                    "      if ((i + j) % 2 == color)\n"
                    "        u[i][j] = 0.25 * (u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1]);\n"
                    "}\n"
                    "void diagonal(int n, int color) {\n"
                    "  for (int i = 1; i < n - 1; i++)\n"
                    "    for (int j = 1; j < n - 1; j++)\n"
                    "      if ((i + j) % 2 == color)\n"
                    "        u[i][j] = 0.5 * (u[i - 1][j - 1] + u[i][j]);\n"
                    "}\n")
    tu = load_translation_unit(str(path))
    analysis = analyze_tu(tu)
    outer = {l.function: l for l in tu.loops if l.parent is None}
    verdict = {f: next(v for v in analysis.nest_of(l.id).verdicts if v.loop_id == l.id) for f, l in outer.items()}
    assert verdict["sweep"].parallelizable
    assert not verdict["diagonal"].parallelizable  # u[i - 1][j - 1] has the same colour


def test_a_red_black_sweep_that_steps_over_a_colour_is_parallel(tmp_path):
    """`for (j = 1 + (i + color) % 2; j < n - 1; j += 2)`: the start is no affine bound, but it is
    congruent to i + color + 1 modulo 2 (C's remainder of either sign), and so is every j."""
    path = tmp_path / "red_black_step.c"
    path.write_text("double u[512][512];\n"
                    "void sweep(int n, int color) {\n"
                    "  for (int i = 1; i < n - 1; i++)\n"
                    "    for (int j = 1 + (i + color) % 2; j < n - 1; j += 2)\n"
                    "      u[i][j] = 0.25 * (u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1]);\n"
                    "}\n"
                    "void every(int n, int color) {\n"
                    "  for (int i = 1; i < n - 1; i++)\n"
                    "    for (int j = 1 + (i + color) % 2; j < n - 1; j++)\n"
                    "      u[i][j] = 0.25 * (u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1]);\n"
                    "}\n")
    tu = load_translation_unit(str(path))
    analysis = analyze_tu(tu)
    inner = next(l for l in tu.loops if l.function == "sweep" and l.parent is not None)
    remainder = inner.canonical.lower_remainder
    assert remainder.modulus == 2 and remainder.left.expr.constant == 1
    assert remainder.right.expr.coefficients == {"i": 1, "color": 1}
    verdict = {(l.function, l.parent is None): next(v for v in analysis.nest_of(l.id).verdicts if v.loop_id == l.id)
               for l in tu.loops}
    assert verdict[("sweep", True)].parallelizable and verdict[("sweep", False)].parallelizable
    assert not verdict[("every", True)].parallelizable  # every point: the neighbours are updated too


def test_the_else_of_a_conjunction_says_nothing_of_its_comparisons(tmp_path):
    """`if (!done && n > 0) ... else` runs the else with n > 0 whenever done is set: reading it as
    n <= 0 emptied the recurrence's domain and parallelized it (a wrong sum at 4 threads)."""
    path = tmp_path / "conj.c"
    path.write_text("double a[100001];\nvoid f(int n, int done) {\n  if (!done && n > 0) {\n    a[0] = 1;\n"
                    "  } else {\n    for (int i = 1; i < n; i++)\n      a[i] = a[i - 1] + 1.0;\n  }\n"
                    "  if (n > 2 && g(n))\n    for (int j = 0; j < n; j++)\n      a[j] = 2.0;\n}\n"
                    "int g(int);\n".replace("void f", "int g(int);\nvoid f"))
    tu = load_translation_unit(str(path), [])
    recurrence, guarded = tu.loops
    assert all(a.conditions == [] for a in recurrence.accesses)
    report = {loop.id: loop for loop in analyze_tu(tu).report.loops}
    assert not report[recurrence.id].parallelizable and "carried-flow" in report[recurrence.id].codes
    # a call in another part of a test does not change a plain local: n > 2 still holds in the branch
    assert [c.op for c in guarded.entry_conditions] == [">"]
