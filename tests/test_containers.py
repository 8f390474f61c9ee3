"""std::vector / std::array elements through operator[], at() and data() are accesses of the
container's buffer (`v.data()`), size() is a parameter when nothing in the nest resizes the
container, and members that may reallocate stay blockers."""

from __future__ import annotations

import pytest

from autopar.plans import reasons as R
from autopar.decision.pipeline import analyze_file
from autopar.frontend.translate import translate

SOURCE = r"""
#include <vector>
#include <array>
#include <cstddef>
void f(std::vector<double> &a, const std::vector<double> &b, std::array<int, 8> &c) {
  for (std::size_t i = 0; i < a.size(); i++) a[i] = b[i] + b.data()[i];
  for (int i = 0; i < 8; i++) c[i] += 1;
  for (std::size_t i = 0; i < a.size(); i++) if (a[i] > 0) a.push_back(1.0);
  for (int i = 0; i < 8; i++) { std::vector<double> &r = a; r[i] = a[i + 1]; }
}
"""


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    out = tmp_path_factory.mktemp("containers") / "containers.cpp"
    out.write_text(SOURCE)
    return out


def test_elements_and_size(path):
    tu = translate(str(path), [])
    assert not tu.has_errors, tu.diagnostics
    first = tu.loops[0]
    assert first.canonical.upper.coefficients == {"a.size()": 1}
    assert sorted((a.path, a.is_write) for a in first.accesses) == [
        ("a.data()", True), ("b.data()", False), ("b.data()", False)]
    assert all(c.effect.value == "pure" for c in first.calls)
    assert not any(s.variable.name in ("a", "b") for s in first.scalars)
    # push_back: the size is no parameter and the call stays unknown
    assert tu.loops[2].canonical.upper is None


def test_verdicts_and_codes(path):
    loops = analyze_file(str(path)).report.loops
    assert loops[0].parallelizable and R.ALIAS in loops[0].codes  # a and b may be one vector
    assert loops[1].parallelizable
    assert not loops[2].parallelizable and R.WRITES_BOUND in loops[2].codes  # push_back changes a.size()
    # a local reference to a container is not modelled (a runtime check before the loop could not
    # name it): its members stay unknown calls
    assert not loops[3].parallelizable and loops[3].codes == [R.CONTAINER_ACCESS]


def test_struct_elements_and_bit_vectors_stay_unknown(tmp_path):
    path = tmp_path / "structs.cpp"
    path.write_text("#include <vector>\nstruct P { double x, y; };\n"
                    "void f(std::vector<P> &v, std::vector<bool> &b, int n) {\n"
                    "  for (int i = 0; i < n; i++) v[i].x = v[i].y * 2;\n"
                    "  for (int i = 0; i < n; i++) v.data()[i].x = 1;\n"
                    "  for (int i = 0; i < n; i++) b[i] = true;\n}\n")
    loops = analyze_file(str(path)).report.loops
    # v[i].x: the element call is unmodelled; v.data()[i].x: memory reached through the buffer pointer
    assert all(not l.parallelizable and {R.CONTAINER_ACCESS, R.UNMODELLED_ACCESS} & set(l.codes) for l in loops)
    assert R.CONTAINER_ACCESS in loops[0].codes and R.UNMODELLED_ACCESS in loops[1].codes


def test_at_is_an_element_only_where_it_cannot_throw(tmp_path):
    """`v.at(i)` throws std::out_of_range past the size, which a caller may catch; out of a parallel
    region it would end the program. It is an element access where i counts from 0 below v.size()."""
    path = tmp_path / "at.cpp"
    path.write_text("#include <vector>\n"
                    "void f(std::vector<double> &a, const std::vector<double> &b, int n) {\n"
                    "  for (std::size_t i = 0; i < b.size(); i++) a[i] = b.at(i);\n"
                    "  for (int i = 0; i < (int)a.size(); i++) a.at(i) += 1.0;\n"
                    "  for (std::size_t i = 0; i < a.size(); i++) a[i] = b.at(i);\n"
                    "  for (int i = 0; i < n; i++) a.at(i) += 1.0;\n"
                    "  for (int i = 1; i < (int)a.size(); i++) a.at(i - 1) += 1.0;\n"
                    "}\n")
    tu = translate(str(path), [])
    pure = [all(c.effect.value == "pure" for c in loop.calls) for loop in tu.loops]
    assert pure == [True, True, False, False, False]
    loops = analyze_file(str(path)).report.loops
    assert R.THROW in loops[3].codes and not loops[3].parallelizable
