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
  for (std::size_t i = 0; i < a.size(); i++) a[i] = b.at(i) + b.data()[i];
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
