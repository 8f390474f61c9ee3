"""benchmarks/race_bench.py on two files in DataRaceBench's layout, one with a race and one without."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NO_RACE = """#include <stdio.h>
int a[1000], b[1000];
int main(void) {
  int i;
#pragma omp parallel for \\
    private(i)
  for (i = 0; i < 1000; i++)
    a[i] = b[i] + 1;
  printf("%d\\n", a[5]);
  return 0;
}
"""

RACE = """#include <stdio.h>
int a[1001];
int main(void) {
  int i;
#pragma omp parallel for
  for (i = 0; i < 1000; i++)
    a[i + 1] = a[i] + 1;
  printf("%d\\n", a[500]);
  return 0;
}
"""

TASKS = """int main(void) {
#pragma omp task
  { }
  return 0;
}
"""


def test_race_bench_scores_the_labelled_loops(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from race_bench import strip

    text, labelled = strip(NO_RACE)
    assert labelled == [7] and text.count("\n") == NO_RACE.count("\n") and "#pragma" not in text
    (tmp_path / "DRB900-copy-orig-no.c").write_text(NO_RACE)
    (tmp_path / "DRB901-shift-orig-yes.c").write_text(RACE)
    (tmp_path / "DRB902-task-orig-no.c").write_text(TASKS)
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "race_bench.py"), str(tmp_path)],
                          capture_output=True, text=True, check=True)
    assert "2 files, 2 labelled loops (1 without a race, 1 with one)" in done.stdout
    assert "recall: 1/1" in done.stdout and "0/1 loops with a race as written found parallelizable" in done.stdout
