"""C's effective types in the dependence analysis (autopar.deps.aliasing): a pointer to numbers of one
kind never reaches a declared object holding the other kind (`double *` and an `int` array or
scalar), so such a pair needs no run-time overlap check; two pointers (allocated memory takes the
type stored into it), a char pointer, a typedef'd or cast element, or a build with
`-fno-strict-aliasing` keep the check."""

from __future__ import annotations

import subprocess

import pytest

from autopar.decision.pipeline import analyze_file

SOURCE = """#include <stdio.h>
#include <stdlib.h>
typedef int count_t;
static int weight = 3;
static int w[400000];
void scale_by(double *y, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = 0.5 * w[i];
}
void narrow(int *out, const double *in, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = (int)in[i];
}
void from_bytes(double *y, const unsigned char *b, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = b[i];
}
void from_counts(double *y, const count_t *c, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = c[i];
}
void weighted(double *y, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = weight * 2.0 + i;
}
void shifted(double *y, const double *x, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = x[i] + 1.0;
}
int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    double *y = malloc(n * sizeof *y), *x = malloc(n * sizeof *x);
    unsigned char *b = malloc(n);
    for (int i = 0; i < n; i++) { w[i] = i % 5; b[i] = (unsigned char)i; x[i] = i; }
    double s = 0;
    scale_by(y, n); for (int i = 0; i < n; i++) s += y[i];
    narrow((int *)x, x, n); for (int i = 0; i < n; i++) s += ((int *)x)[i];
    from_bytes(y, b, n); for (int i = 0; i < n; i++) s += y[i];
    from_counts(y, w, n); for (int i = 0; i < n; i++) s += y[i];
    weighted(y, n); for (int i = 0; i < n; i++) s += y[i];
    shifted(y, x, n); for (int i = 0; i < n; i++) s += y[i];
    printf("%.1f\\n", s);
    return 0;
}
"""


def _proofs(tmp_path, args: list[str]) -> dict[str, str]:
    path = tmp_path / "types.c"
    path.write_text(SOURCE)
    loops = analyze_file(str(path), args).report.loops
    return {l.function: l.proof for l in loops if l.function != "main"}


def test_a_pointer_to_one_kind_of_number_never_reaches_the_other(tmp_path):
    # two pointers keep their check: a store into allocated memory gives it a type (narrow in place)
    assert _proofs(tmp_path, []) == {"scale_by": "static", "weighted": "static", "from_bytes": "runtime-check",
                                     "from_counts": "runtime-check", "shifted": "runtime-check",
                                     "narrow": "runtime-check"}


def test_no_strict_aliasing_keeps_every_check(tmp_path):
    proofs = _proofs(tmp_path, ["-O2", "-fno-strict-aliasing"])
    assert set(proofs.values()) == {"runtime-check"}
    assert _proofs(tmp_path, ["-fno-strict-aliasing", "-fstrict-aliasing"])["scale_by"] == "static"


@pytest.mark.slow
def test_the_rewritten_program_prints_what_the_serial_one_does(tmp_path):
    from autopar.edit.transform import transform_file

    path = tmp_path / "types.c"
    path.write_text(SOURCE)
    made = transform_file(str(path))
    (tmp_path / "rewritten.c").write_bytes(made.rewritten)
    outputs = set()
    for name, source, flags in (("serial", path, []), ("parallel", tmp_path / "rewritten.c", ["-fopenmp"])):
        subprocess.run(["gcc", "-O2", *flags, str(source), "-o", str(tmp_path / name)], check=True)
        outputs.add(subprocess.run([str(tmp_path / name), "400000"], capture_output=True, text=True, check=True,
                                   env={"OMP_NUM_THREADS": "2"}).stdout)
    assert len(outputs) == 1
