"""The text of runtime overlap checks: a constant times an `int` parameter is computed in `long` (the
test of planes 1 MiB apart wrapped from n = 2048 and passed overlapping ranges), and ranges that load a
pointer (`q->a + n`) come after the loop's own first test (q may be null where the loop runs no
iteration, and the check read it: a segfault where the serial program printed its result)."""

from __future__ import annotations

import subprocess

from analyzed import loops_of

PLANES = """#include <stdio.h>
#include <stdlib.h>
#define PLANE 1048576L
void shift(char *d, const char *s, int n) {
  for (long i = 0; i < n; i++)
    for (int j = 0; j < 64; j++)
      d[i * 1048576 + j] = s[i * 1048576 + j] + 1;
}
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2048;
  char *buf = calloc((size_t)(n + 1) * PLANE, 1);
  if (!buf) return 0;
  for (int j = 0; j < 64; j++) buf[(long)n * PLANE + j] = (char)j;
  shift(buf, buf + PLANE, n);
  long sum = 0;
  for (long i = 0; i <= n; i++)
    for (int j = 0; j < 64; j++) sum = sum * 31 + buf[i * PLANE + j];
  printf("%ld\\n", sum);
  return 0;
}
"""

NULL_WHEN_EMPTY = """#include <stdio.h>
#include <stdlib.h>
struct V { double *a; double *b; };
void f(struct V *q, int n) {
  for (int i = 0; i < n; i++) q->a[i] = q->b[i + 1] * 2.0;
}
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 0;
  f(NULL, n);
  printf("done\\n");
  return 0;
}
"""


def _rewritten_and_run(tmp_path, name: str, text: str, *args: str) -> tuple[str, str]:
    """(serial output, output of the rewrite with the start-up gate always open), at 4 threads."""
    from autopar.cli.main import main

    source = tmp_path / name
    source.write_text(text)
    assert main(["rewrite", str(source), "-o", str(tmp_path / "par.c")]) == 0
    forced = (tmp_path / "par.c").read_text().replace("(autopar_team_pays_(", "(1 || autopar_team_pays_(")
    (tmp_path / "par.c").write_text(forced)
    outputs = []
    for exe, path, flags in (("ser", source, []), ("par", tmp_path / "par.c", ["-fopenmp"])):
        subprocess.run(["gcc", "-O2", *flags, str(path), "-o", str(tmp_path / exe)], check=True)
        outputs.append(subprocess.run([str(tmp_path / exe), *args], capture_output=True, text=True,
                                      env={"OMP_NUM_THREADS": "4"}).stdout)
    return outputs[0], outputs[1]


def test_a_constant_times_an_int_parameter_is_computed_in_long(tmp_path):
    loop = next(l for l in loops_of(tmp_path, PLANES, "planes.c") if l.function == "shift" and l.depth == 0)
    assert "1048576L * n" in loop.pragma
    serial, parallel = _rewritten_and_run(tmp_path, "planes.c", PLANES, "2048")
    assert parallel == serial and serial


def test_ranges_that_load_a_pointer_come_after_the_loops_first_test(tmp_path):
    loop = next(l for l in loops_of(tmp_path, NULL_WHEN_EMPTY, "null.c") if l.function == "f")
    assert loop.pragma.startswith("#pragma omp parallel for if((((int)(0) < (n)) && ((const char *)(q->a")
    serial, parallel = _rewritten_and_run(tmp_path, "null.c", NULL_WHEN_EMPTY)
    assert parallel == serial == "done\n"
