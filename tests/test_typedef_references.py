"""A reference spelled through a typedef (`typedef int &IR;`, `using VR = std::vector<double> &;`) is a
reference like any other: a write through it writes the variable it is bound to, and two container
references may name one container. Two containers that are not references never share a buffer."""

from __future__ import annotations

import pytest

from autopar.decision.pipeline import analyze_tu, load_translation_unit

SOURCE = r"""
#include <vector>
typedef int &IR;
using VR = std::vector<double> &;
double a[100000];
void counter(int n) {
  int k = 0;
  for (int i = 0; i < n; i++) { IR r = k; r++; a[i] = k; }
}
void sum(int n) {
  double s = 0;
  for (int i = 0; i < n; i++) { using D = double &; D x = s; x += a[i]; }
  a[0] = s;
}
void two_references(VR x, VR y, int n) {
  for (int i = 0; i < n; i++) x[i] = y[i + 1] * 2.0;
}
void two_locals(int n) {
  std::vector<double> x(n + 1, 1.0), y(n + 1, 2.0);
  for (int i = 0; i < n; i++) x[i] = y[i + 1] * 2.0;
  a[0] = x[0];
}
"""


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    path = tmp_path_factory.mktemp("typedef_refs") / "refs.cpp"
    path.write_text(SOURCE)
    tu = load_translation_unit(str(path), ["-std=c++20"])
    analysis = analyze_tu(tu)
    verdicts = {l.function: next(v for v in analysis.nest_of(l.id).verdicts if v.loop_id == l.id) for l in tu.loops}
    return verdicts


def test_a_write_through_a_typedef_reference_writes_the_variable(plans):
    assert not plans["counter"].parallelizable
    assert not plans["sum"].parallelizable


def test_container_references_may_share_a_buffer_but_two_containers_do_not(plans):
    checked = lambda verdict: any("runtime alias check" in r for r in verdict.reasons)  # noqa: E731
    assert plans["two_references"].parallelizable and checked(plans["two_references"])
    assert plans["two_locals"].parallelizable and not checked(plans["two_locals"])
