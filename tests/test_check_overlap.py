"""`check` on a user's pragma over pointer parameters that a call of this file passes one pointer
(autopar.frontend.same_arguments, autopar.report.check_overlap): the analysis accepts such a loop
only under a run-time overlap check, so the pragma races at that call when the loop, with the two
parameters one pointer, carries a dependence."""

from __future__ import annotations

import subprocess

import pytest

from analyzed import unsafe_pragmas

FUNCTIONS = """#include <stdio.h>
static void shift(double *dst, const double *src, int n)
{
#pragma omp parallel for
  for (int i = 0; i < n; i++)
    dst[i + 1] = src[i];
}
static void add(double *out, const double *x, const double *y, int n)
{
#pragma omp parallel for
  for (int i = 0; i < n; i++)
    out[i] = x[i] + y[i];
}
static void upper(double *dst, const double *src, int n)
{
#pragma omp parallel for
  for (int i = 0; i < n; i++)
    dst[i + n] = src[i];
}
static void offset(double *dst, const double *src, int k, int n)
{
#pragma omp parallel for if(dst != src)
  for (int i = 0; i < n; i++)
    dst[i] = src[i + k];
}
static void tested(double *dst, const double *src, int k, int n)
{
  if (dst == src && k == 0)
    return;
#pragma omp parallel for
  for (int i = 0; i < n; i++)
    dst[i] = src[i + k];
}
static void moved(double *dst, const double *src, int k, int n)
{
  k = k + 1;
#pragma omp parallel for
  for (int i = 0; i < n; i++)
    dst[i] = src[i + k];
}
static void offs(double *dst, const double *src, int k, int n)
{
#pragma omp parallel for
  for (int i = 0; i < n; i++)
    dst[i] = src[i + k];
}
"""


def _program(calls: str) -> str:
    return (FUNCTIONS + "int main(void)\n{\n  static double buf[300002], other[300002];\n"
            "  for (int i = 0; i < 300002; i++) buf[i] = i % 7 + 1;\n" + calls +
            '  double s = 0;\n  for (int i = 0; i < 300002; i++) s += buf[i] + other[i];\n'
            '  printf("%.1f\\n", s);\n  return 0;\n}\n')


@pytest.mark.slow
def test_a_call_passing_one_pointer_twice_makes_a_shifting_pragma_race(tmp_path, capsys):
    calls = "  shift(buf, buf, 300000);\n  add(buf, buf, buf, 300000);\n  upper(buf, buf, 150000);\n"
    findings = unsafe_pragmas(tmp_path, capsys, _program(calls), name="o.c")
    assert [(f["line"], f["codes"]) for f in findings] == [(5, ["overlapping-arguments"])]
    message = findings[0]["message"]
    assert "called as on line 51 (in main()), with `buf` for both dst and src" in message, message
    assert "flow dependence" in message and findings[0].get("fix_text") is None
    # the race is real: the serial loop copies buf[0] all the way up, threads do not
    built = subprocess.run(["gcc", "-O2", "-fopenmp", str(tmp_path / "o.c"), "-o", str(tmp_path / "o")],
                           capture_output=True, text=True, check=True)
    assert not built.stderr
    serial = subprocess.run([str(tmp_path / "o")], env={"OMP_NUM_THREADS": "1"}, capture_output=True,
                            text=True, check=True).stdout
    parallel = subprocess.run([str(tmp_path / "o")], env={"OMP_NUM_THREADS": "4"}, capture_output=True,
                              text=True, check=True).stdout
    assert serial != parallel


@pytest.mark.slow
def test_calls_with_other_pointers_or_ranges_apart_leave_the_pragmas_alone(tmp_path, capsys):
    """Other pointers, ranges apart, constants that keep them apart at that call (`k` is 0, one
    iteration), and functions that compare the two themselves (an if() clause, an early return)."""
    calls = ("  shift(other, buf, 300000);\n  shift(buf + 1, buf, 100);\n  upper(buf, buf, 150000);\n"
             "  shift(buf, buf, 1);\n  offs(buf, buf, 0, 1000);\n  offset(buf, buf, 3, 1000);\n"
             "  tested(buf, buf, 0, 1000);\n")
    assert unsafe_pragmas(tmp_path, capsys, _program(calls), name="k.c") == []


@pytest.mark.slow
def test_a_constant_the_function_changes_first_is_not_the_calls(tmp_path, capsys):
    findings = unsafe_pragmas(tmp_path, capsys, _program("  moved(buf, buf, -1, 1000);\n  offs(buf, buf, 2, 1000);\n"),
                              name="m.c")
    assert [f["line"] for f in findings] == [38, 44]  # moved(), offs()
