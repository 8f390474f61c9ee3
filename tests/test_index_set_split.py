"""Index-set splitting (`rewrite --optimize`): a loop whose every carried dependence starts or ends at
one of its iterations is split there, and the pieces before and after run in parallel. Built with
gcc at 1 and 4 threads against the serial program, and race-checked with TSan + Archer."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from autopar.decision.pipeline import load_translation_unit
from autopar.edit.restructure.plan import plan_file
from autopar.edit.transform import transform_file
from autopar.tools.verify import race_check

PROGRAM = """#include <stdio.h>
#include <math.h>
#define N 48
static double d[N][N];
static int r[N][N];
static double a[N][N];

void shortest_paths(int n) {
  for (int k = 0; k < n; k++)
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++)
        d[i][j] = fmin(d[i][j], d[i][k] + d[k][j]);
}

void closure(int n) {
  for (int k = 0; k < n; k++)
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++)
        r[i][j] = r[i][j] | (r[i][k] & r[k][j]);
}

/* row k is read as it is before iteration i == k and as updated after it: the split keeps that */
void eliminate(int n) {
  for (int k = 0; k < n; k++)
    for (int i = 0; i < n; i++)
      for (int j = k + 1; j < n; j++)
        a[i][j] = a[i][j] - 0.01 * a[i][k] * a[k][j] + 0.5 * a[k][j];
}

int main(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      d[i][j] = i == j ? 0.0 : (double)((i * 7 + j * 13) % 31 + 1);
      r[i][j] = (i * 5 + j * 3) % 11 == 0;
      a[i][j] = (double)((i * 3 + j * 5) % 17) / 17.0;
    }
  shortest_paths(N);
  closure(N);
  eliminate(N);
  double s = 0.0;
  long c = 0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      s += d[i][j] * (i + 1) + a[i][j] * (j + 1);
      c += r[i][j] * (i * N + j);
    }
  printf("%.17g %ld\\n", s, c);
  return 0;
}
"""

# near misses: every row depends on the one before (no single iteration), and two split points
NEAR_MISSES = """#include <stdio.h>
#define N 40
static double b[N][N];

void running_rows(int n) {
  for (int k = 0; k < n; k++)
    for (int i = 1; i < n; i++)
      for (int j = 0; j < n; j++)
        b[i][j] = b[i][j] + 0.5 * b[i - 1][j];
}

void two_points(int n) {
  for (int k = 0; k < n; k++)
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++)
        b[i][j] = b[i][j] + 0.25 * b[k][j] + 0.125 * b[n - 1 - k][j];
}

int main(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++)
      b[i][j] = (double)((i * 3 + j) % 7) / 7.0;
  running_rows(N);
  two_points(N);
  double s = 0.0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++)
      s += b[i][j] * (i + j + 1);
  printf("%.17g\\n", s);
  return 0;
}
"""


def _plans(source: Path) -> dict:
    tu = load_translation_unit(str(source))
    return {tu.loop(p.root_loop_id).function: p for p in plan_file(source.read_bytes(), tu, work_thresholds=False)}


def _output(source: Path, out: Path, openmp: bool, threads: str = "1") -> str:
    command = ["gcc", "-O2", *(["-fopenmp"] if openmp else []), str(source), "-o", str(out), "-lm"]
    subprocess.run(command, check=True, capture_output=True)
    return subprocess.run([str(out)], check=True, capture_output=True, text=True, timeout=60,
                          env={"OMP_NUM_THREADS": threads, "PATH": "/usr/bin:/bin"}).stdout


def _close(got: str, expected: str) -> bool:
    pairs = list(zip(got.split(), expected.split()))
    return len(pairs) == len(expected.split()) and all(
        abs(float(a) - float(b)) <= 1e-12 * max(1.0, abs(float(b))) for a, b in pairs)


def test_a_loop_whose_dependences_all_pass_through_one_iteration_is_split_there(tmp_path):
    source = tmp_path / "split.c"
    source.write_text(PROGRAM)
    plans = _plans(source)
    expected = _output(source, tmp_path / "serial", openmp=False)
    text = source.read_bytes()
    for function in ("shortest_paths", "closure", "eliminate"):
        split = next((c for c in plans[function].candidates if c.order == "split"), None)
        assert split is not None, (function, plans[function].refused)
        assert "i = k" in split.summary and split.parallel_loops == 2
        assert split.code.count("#pragma omp parallel for") == 2
        # each split, on its own, computes the serial result
        plan = plans[function]
        (tmp_path / "one.c").write_bytes(text[:plan.start] + split.code.encode() + text[plan.end:])
        assert _output(tmp_path / "one.c", tmp_path / "one", openmp=True, threads="4") == expected, function
    # no loop of these two can run in parallel as written: the split is their plan; `eliminate` has a
    # tiled schedule that touches fewer cache lines
    assert plans["shortest_paths"].chosen.order == plans["closure"].chosen.order == "split"
    assert plans["eliminate"].chosen.order == "stride"
    made = transform_file(str(source), [], optimize=True, work_thresholds=False)
    rewritten = tmp_path / "rewritten.c"
    rewritten.write_bytes(made.rewritten)
    for threads in ("1", "4"):  # main's checksum becomes a reduction: summed in another order
        assert _close(_output(rewritten, tmp_path / "parallel", openmp=True, threads=threads), expected), threads
    check = race_check(str(rewritten), str(tmp_path))
    if not check.ran:
        pytest.skip(check.error)
    assert check.race_free, check.excerpt


def test_a_loop_that_carries_dependences_through_many_iterations_is_not_split(tmp_path):
    source = tmp_path / "near.c"
    source.write_text(NEAR_MISSES)
    plans = _plans(source)
    for function in ("running_rows", "two_points"):
        assert all(c.order != "split" for c in plans[function].candidates), function
        chosen = plans[function].chosen
        assert chosen is None or chosen.order != "split"
    made = transform_file(str(source), [], optimize=True, work_thresholds=False)
    rewritten = tmp_path / "rewritten.c"
    rewritten.write_bytes(made.rewritten)
    expected = _output(source, tmp_path / "serial", openmp=False)
    assert _close(_output(rewritten, tmp_path / "parallel", openmp=True, threads="4"), expected)
