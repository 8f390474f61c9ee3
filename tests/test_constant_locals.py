"""Constant locals: a name in a subscript or bound is its constant initializer exactly when nothing can
change the variable (autopar/frontend/constant_locals.py)."""

from __future__ import annotations

import pytest

from autopar.frontend.translate import translate

C_SOURCE = """
void kept(double *a) { int k = 4; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void stored(double *a) { unsigned char k = 257; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void constant_expression(double *a) { long k = (1 << 3) * 2; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
#define K 4
void from_macro(double *a) { int k = K; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void from_sizeof(double *a) { int k = sizeof(double); for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
int k = 4;
void through_typeof(double *a) { extern __typeof__(0) k; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void wraps(double *a) { unsigned k = -1; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
#define DECLARE_K int k = 4;
void declared_by_macro(double *a) { DECLARE_K for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void configured(double *a) {
#ifdef WIDE
    int k = 8;
#else
    int k = 4;
#endif
    for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void reassigned(double *a, int c) { int k = 4; if (c) k = 5; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void incremented(double *a) { int k = 4; k++; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void compound(double *a) { int k = 4; k *= 2; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void address(double *a, int **out) { int k = 4; *out = &k; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void vol(double *a) { volatile int k = 4; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void computed(double *a, int n) { int k = n; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void with_asm(double *a) { int k = 4; __asm__("" : "=r"(k)); for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void const_after_address(double *a) { const int k = 4; const int *p = &k; (void)p;
    for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
"""

CXX_SOURCE = """
void by_reference(int &r);
void plain(double *a) { int k = 4; by_reference(k); for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void quiet(double *a) { int k = 4; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
void constant(double *a) { const int k = 4; for (int i = 0; i < 10; i++) a[k * i] = 0.0; }
"""


def _subscripts(path) -> dict[str, object]:
    tu = translate(str(path), [])
    assert not tu.has_errors, tu.diagnostics
    return {loop.function: loop.accesses[0].subscripts[0].affine for loop in tu.loops}


def _names_k(affine) -> bool:
    return affine is None or any("k" in term.split("*") for term in affine.coefficients)


@pytest.fixture(scope="module")
def c_subscripts(tmp_path_factory):
    path = tmp_path_factory.mktemp("constant_locals") / "locals.c"
    path.write_text(C_SOURCE)
    return _subscripts(path)


@pytest.mark.parametrize("function, factor", [("kept", 4), ("stored", 1), ("constant_expression", 16),
                                              ("const_after_address", 4)])
def test_a_local_nothing_changes_is_its_value(c_subscripts, function, factor):
    affine = c_subscripts[function]
    assert affine is not None and affine.coefficients == {"i": factor} and affine.constant == 0


@pytest.mark.parametrize("function", ["reassigned", "incremented", "compound", "address", "vol", "computed",
                                      "with_asm", "from_macro", "from_sizeof", "configured", "through_typeof",
                                      "wraps", "declared_by_macro"])
def test_a_local_that_may_change_stays_a_name(c_subscripts, function):
    # k * i: a product of two names (never the initializer's value). A macro's value, or a declaration
    # under #if, may differ in another build of the rewritten file, which would then hold the wrong number.
    # `__typeof__(0)` is no initializer; 4294967295 would be taken for a number that does not wrap; a
    # macro's declarations share one place (and so one key) with every other expansion of it
    assert _names_k(c_subscripts[function])


def test_in_cxx_only_const_locals_count(tmp_path):
    # a C++ local may change through a reference argument; the call's declaration alone shows it here,
    # and in general a reference can be bound anywhere, so only `const` ones are taken
    path = tmp_path / "locals.cpp"
    path.write_text(CXX_SOURCE)
    found = _subscripts(path)
    assert _names_k(found["plain"]) and _names_k(found["quiet"])
    assert found["constant"] is not None and found["constant"].coefficients == {"i": 4}


def test_declarations_from_one_included_text_are_never_taken(tmp_path):
    # both `off`s come from decl.inc: one declaration place, two variables, one of them assigned
    (tmp_path / "decl.inc").write_text("int off = 0;\n")
    path = tmp_path / "included.c"
    path.write_text("void f(double *a) {\n#include \"decl.inc\"\n  for (int i = 0; i < 10; i++) a[off * i] = 0.0; }\n"
                    "void g(double *a, int n) {\n#include \"decl.inc\"\n  off = n;\n"
                    "  for (int i = 0; i < 10; i++) a[off * i] = 0.0; }\n")
    tu = translate(str(path), [])
    assert not tu.has_errors, tu.diagnostics
    for loop in tu.loops:
        affine = loop.accesses[0].subscripts[0].affine
        assert affine is None or any("off" in term.split("*") for term in affine.coefficients)
