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
    """Other pointers, ranges apart (also one pointer at offsets: `buf + 200` and `buf` over 100
    elements; `buf` and `buf + 1`, where each iteration reads the element it then writes), constants that keep them apart at that call (`k` is 0, a local
    set to 0, one iteration), and functions that compare the two themselves (an if() clause, an early
    return)."""
    calls = ("  shift(other, buf, 300000);\n  shift(buf + 200, buf, 100);\n  upper(buf, buf, 150000);\n"
             "  shift(buf, buf, 1);\n  shift(buf, buf + 1, 1000);\n  offs(buf, buf, 0, 1000);\n"
             "  offset(buf, buf, 3, 1000);\n"
             "  tested(buf, buf, 0, 1000);\n  { int apart = 0; offs(buf, buf, apart, 1000); }\n")
    assert unsafe_pragmas(tmp_path, capsys, _program(calls), name="k.c") == []


@pytest.mark.slow
def test_a_constant_the_function_changes_first_is_not_the_calls(tmp_path, capsys):
    findings = unsafe_pragmas(tmp_path, capsys, _program("  moved(buf, buf, -1, 1000);\n  offs(buf, buf, 2, 1000);\n"),
                              name="m.c")
    assert [f["line"] for f in findings] == [38, 44]  # moved(), offs()


@pytest.mark.slow
def test_a_pragma_safe_only_while_its_arrays_do_not_overlap_gets_a_note_whose_fix_tests_it(tmp_path, capsys):
    """No call of the file shows the overlap, but none rules it out: a note (the run does not fail),
    whose fix adds the analysis's overlap test as an if() clause; the fixed file compiles and prints
    what the serial one prints, with arrays apart and overlapping."""
    import json

    from autopar.cli.main import main
    from autopar.edit.edits import Edit, apply_edits

    text = ("#include <stdio.h>\nvoid shift(double *dst, const double *src, int n)\n{\n#pragma omp parallel for\n"
            "  for (int i = 0; i < n; i++)\n    dst[i + 1] = src[i];\n}\n")
    source = tmp_path / "lib.c"
    source.write_text(text)
    assert main(["check", str(source), "--format", "json"]) == 0
    findings = [f for file in json.loads(capsys.readouterr().out)["files"] for f in file["findings"]]
    assert [(f["rule"], f["line"]) for f in findings] == [("conditional-omp-pragma", 5)]
    assert "safe only when dst does not overlap src" in findings[0]["message"]
    fixed = apply_edits(text.encode(), [Edit(**e) for fix in findings[0]["fixes"] for e in fix["edits"]])
    assert b"#pragma omp parallel for if(" in fixed
    driver = ("#include <stdio.h>\nvoid shift(double *, const double *, int);\nstatic double a[400002], b[400002];\n"
              "int main(void) {\n  for (int i = 0; i < 400001; i++) a[i] = b[i] = i % 7;\n"
              "  shift(b, a, 400000);\n  shift(a, a, 400000);\n  double s = 0;\n"
              '  for (int i = 0; i < 400001; i++) s += a[i] * i + b[i];\n  printf("%.1f\\n", s);\n  return 0;\n}\n')
    (tmp_path / "main.c").write_text(driver)
    (tmp_path / "fixed.c").write_bytes(fixed)
    outputs = set()
    for name, library, flags in (("serial", source, []), ("fixed", tmp_path / "fixed.c", ["-fopenmp"])):
        subprocess.run(["gcc", "-O2", *flags, str(tmp_path / "main.c"), str(library), "-o", str(tmp_path / name)],
                       check=True)
        outputs.add(subprocess.run([str(tmp_path / name)], capture_output=True, text=True, check=True,
                                   env={"OMP_NUM_THREADS": "4"}).stdout)
    assert len(outputs) == 1


@pytest.mark.slow
@pytest.mark.parametrize("call, passed", [
    ("shift(buf + 1, buf, 300000)", "`buf + 1` for dst and `buf` for src"),  # writes buf[i + 2], reads buf[i]
    ("shift(&buf[2], buf + 1, 300000)", "`&buf[2]` for dst and `buf + 1` for src"),
    ("shift(buf, buf + 2, 300000)", "`buf` for dst and `buf + 2` for src"),  # writes what the one before reads
])
def test_one_pointer_at_two_offsets_makes_a_pragma_race(tmp_path, capsys, call, passed):
    findings = unsafe_pragmas(tmp_path, capsys, _program(f"  {call};\n"), name="f.c")
    assert [(f["line"], f["codes"]) for f in findings] == [(5, ["overlapping-arguments"])]
    assert f"(in main()), with {passed}:" in findings[0]["message"]
    if call.startswith("shift(buf + 1"):  # the race is real: threads start from values not yet shifted
        subprocess.run(["gcc", "-O2", "-fopenmp", str(tmp_path / "f.c"), "-o", str(tmp_path / "f")], check=True)
        outputs = {subprocess.run([str(tmp_path / "f")], env={"OMP_NUM_THREADS": threads}, capture_output=True,
                                  text=True, check=True).stdout for threads in ("1", "4")}
        assert len(outputs) == 2
