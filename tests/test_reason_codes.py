"""Typed reasons: every loop of the JSON report has `parallelizable` and a stable code per reason,
and SARIF results carry the codes; tests assert codes, not prose."""

from __future__ import annotations

import json
import pickle

import pytest

from autopar.plans import reasons as R
from autopar.cli.main import main

SOURCE = r"""
#include <stdio.h>
double a[100][100], b[100];
int g;
void op(double *);
void f(int n, double *p, double *q, int *idx, double **rows) {
  for (int i = 1; i < n; i++) b[i] = b[i-1] + 1;
  for (int i = 0; i < n; i++) b[i] = b[i+1];
  for (int i = 0; i < n; i++) b[0] = i;
  for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i][j] = i + j;
  for (int i = 0; i < n; i++) printf("%d\n", i);
  for (int i = 0; i < n; i++) p[idx[i]] = 0;
  double t = 0, last = 0, w = 0;
  for (int i = 0; i < n; i++) { t = t * 2 + b[i]; }
  for (int i = 0; i < n; i++) { if (b[i] > 0) g = i; }
  printf("%d %g\n", g, last);
  for (int i = 0; i < 4; i++) b[i] = 0;
  for (int i = 0; i < n; i++) p[i] = q[i+1];
  for (int i = 0; i < n; i++) { if (b[i] < 0) break; b[i] = 1; }
  for (int i = 0; i < n; i++) op(p);
  for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) rows[i][j] = 0;
  for (int i = 0; i < n; i++) { double *r = &w; *r = i; }
  for (int i = 0; i < n; i++) for (int j = 1; j < n; j++) a[i][j] = a[i][j - 1];
}
"""


@pytest.fixture(scope="module")
def loops(tmp_path_factory):
    path = tmp_path_factory.mktemp("codes") / "codes.c"
    path.write_text(SOURCE)
    from autopar.decision.pipeline import analyze_file

    report = json.loads(analyze_file(str(path)).report.model_dump_json())
    return {(l["line"], l["depth"]): l for l in report["loops"]}


def test_every_reason_has_a_code(loops):
    for loop in loops.values():
        assert len(loop["codes"]) == len(loop["reasons"]), loop
        assert isinstance(loop["parallelizable"], bool)


@pytest.mark.parametrize("line,depth,code", [
    (7, 0, R.CARRIED_FLOW), (8, 0, R.CARRIED_ANTI), (9, 0, R.CARRIED_OUTPUT),
    (11, 0, R.CALL_IO), (12, 0, R.NOT_AFFINE), (12, 0, R.ALIAS_UNBOUNDED), (14, 0, R.SCALAR_CARRIED),
    (15, 0, R.SCALAR_LIVE_OUT), (19, 0, R.BREAK), (20, 0, R.CALL_UNKNOWN),
    (21, 0, R.POINTER_LOADED), (22, 0, R.ADDRESS_TAKEN),
])
def test_blockers_have_their_codes(loops, line, depth, code):
    loop = loops[(line, depth)]
    assert not loop["parallelizable"] and not loop["parallel"]
    assert code in loop["codes"], loop


def test_a_loop_inside_a_parallel_loop_is_still_parallelizable(loops):
    outer, inner = loops[(10, 0)], loops[(10, 1)]
    assert outer["parallel"] and outer["parallelizable"] and outer["codes"][0] == R.INDEPENDENT
    assert not inner["parallel"] and inner["parallelizable"]
    assert inner["codes"][:2] == [R.INSIDE_PARALLEL, R.INDEPENDENT]


def test_runtime_check_and_wavefront_inner(loops):
    assert loops[(18, 0)]["parallel"] and R.ALIAS in loops[(18, 0)]["codes"]
    # a[i][j - 1]: the outer loop is free, the inner carries a flow dependence
    outer, inner = loops[(23, 0)], loops[(23, 1)]
    assert outer["parallelizable"] and not inner["parallelizable"] and R.CARRIED_FLOW in inner["codes"]


def test_a_subscript_that_always_leaves_its_row(tmp_path):
    """From j = 0, a[i][j - 1] is a[i - 1][99]: the previous row, written by another iteration of i."""
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "rows.c"
    path.write_text("double a[100][100];\nvoid f(int n) {\n  for (int i = 1; i < n; i++)\n"
                    "    for (int j = 0; j < n; j++)\n      a[i][j] = a[i][j - 1] + 1.0;\n}\n")
    outer, inner = analyze_file(str(path)).report.loops
    assert not outer.parallelizable and R.LEAVES_ROW in outer.codes
    assert not inner.parallelizable


def test_reason_is_a_string_that_survives_pickling():
    reason = R.Reason("calls printf (I/O)", R.CALL_IO)
    assert reason == "calls printf (I/O)" and R.code_of(reason) == R.CALL_IO
    again = pickle.loads(pickle.dumps(reason))
    assert again == reason and again.code == R.CALL_IO
    assert R.code_of("untyped") == R.OTHER


def test_sarif_results_carry_codes(tmp_path, capsys, monkeypatch):
    path = tmp_path / "k.c"
    path.write_text("void f(double *restrict a, const double *restrict b, int n) {\n"
                    "  for (int i = 0; i < n; i++)\n    a[i] = b[i] * 2.0;\n}\n")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.sarif"
    main(["check", "k.c", "--format", "sarif", "-o", str(out), "--fail-on", "none"])
    capsys.readouterr()
    results = json.loads(out.read_text())["runs"][0]["results"]
    assert results and all(len(r["properties"]["codes"]) == len(r["properties"]["reasons"]) for r in results)
    assert results[0]["properties"]["codes"][0] == R.INDEPENDENT


def test_multi_level_pointers_name_the_loaded_pointers(tmp_path):
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "levels.c"
    path.write_text("void f(double ***u, int n) {\n  for (int i = 0; i < n; i++)\n"
                    "    for (int k = 0; k < n; k++) u[i][2][k] = 0;\n}\n")
    loop = analyze_file(str(path)).report.loops[0]
    assert loop.codes[0] == R.POINTER_LOADED
    assert "u[i] and u[i][2] are read from memory (a multi-level pointer)" in loop.reasons[0]


def test_loops_under_existing_pragmas_say_whether_a_plan_exists(tmp_path):
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "pragmas.c"
    path.write_text("void f(double *restrict a, double *restrict b, int n) {\n"
                    "#pragma omp parallel for\n  for (int i = 0; i < n; i++) a[i] = b[i] + 1;\n"
                    "#pragma omp parallel for\n  for (int i = 1; i < n; i++) a[i] = a[i - 1] + 1;\n}\n")
    free, carried = analyze_file(str(path)).report.loops
    assert not free.parallel and free.parallelizable and free.codes == [R.EXISTING_PRAGMA, R.INDEPENDENT]
    assert not carried.parallelizable and carried.codes == [R.EXISTING_PRAGMA, R.CARRIED_FLOW]
