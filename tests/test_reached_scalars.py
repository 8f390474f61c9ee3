"""Values that reach a loop, or leave it, by other ways than their names: a counter read through a
pointer, a value read after the loop through a pointer or a lambda, a lambda's captures, a
block-scope `thread_local`, a program's own `max`, functions whose names a macro spells, and a header's
static function beside another file's function of the same name at the link. Each once ran in
parallel and printed another result than the serial program."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from test_cc_link import _wrapper

from autopar.decision.pipeline import analyze_file
from autopar.edit.edits import apply_edits
from autopar.edit.rewrite import plan_rewrite
from autopar.plans import reasons as R
from autopar.plans.plan import Decision


def loops_by_line(path: Path, text: str, *args: str) -> dict:
    """The report's loops of `text`, written to `path`, by line."""
    path.write_text(text)
    return {l.line: l for l in analyze_file(str(path), list(args)).report.loops}


def _pragmas(path: Path, *args: str) -> dict[int, str | None]:
    fa = analyze_file(str(path), list(args))
    return {l.line: l.pragma for l in fa.report.loops}


def _same_output(tmp_path: Path, name: str, text: str, compiler: str = "gcc") -> None:
    """The rewrite with every plan forced (no thresholds) prints what the serial build prints, at 4 threads."""
    source = tmp_path / name
    source.write_text(text)
    fa = analyze_file(str(source))
    forced = [Decision(root_loop_id=d.root_loop_id, plan=d.plan.model_copy(
        update={"threshold_check": None, "startup_work": None})) for d in fa.decisions if d.plan is not None]
    rewritten = tmp_path / f"par_{name}"
    rewritten.write_bytes(apply_edits(source.read_bytes(), plan_rewrite(source.read_bytes(), fa.tu, forced).edits))
    for out, path, flags in (("serial", source, []), ("parallel", rewritten, ["-fopenmp"])):
        subprocess.run([compiler, "-O2", *flags, str(path), "-o", str(tmp_path / out)], check=True)
    serial = subprocess.run([str(tmp_path / "serial")], capture_output=True, text=True, check=True).stdout
    parallel = subprocess.run([str(tmp_path / "parallel")], capture_output=True, text=True, check=True,
                              env={"OMP_NUM_THREADS": "4"}).stdout
    assert parallel == serial


COUNTER_THROUGH_POINTER = r"""#include <stdio.h>
#define N 100000
double b[N], c[N];
int g, *gp;
void setup(void) { gp = &g; }
int main(void) {
  int j, *pj = &j;
  long s = 0;
  setup();
  for (j = 0; j < N; j++) b[j] = *pj;
  for (g = 0; g < N; g++) c[g] = *gp;
  for (j = 0; j < N; j++) s += (long) b[j] + (long) c[j];
  printf("%ld %ld\n", s, (long) *pj);
  return 0;
}
"""


def test_a_counter_read_through_a_pointer_keeps_its_loop_serial(tmp_path):
    loops = loops_by_line(tmp_path / "counter.c", COUNTER_THROUGH_POINTER)
    assert not loops[10].parallel and R.ADDRESS_TAKEN in loops[10].codes
    assert not loops[11].parallel and R.ADDRESS_TAKEN in loops[11].codes
    # the last loop's counter is read after it through pj: kept (lastprivate), not private
    assert "lastprivate(j)" in loops[12].pragma
    _same_output(tmp_path, "counter.c", COUNTER_THROUGH_POINTER)


LAMBDAS = r"""#include <cstdio>
#include <functional>
#define N 300000
int a[N], b[N];
int main() {
  for (int i = 0; i < N; i++) a[i] = (i % 1000) * 7919 % 1000;
  int last = -1, seen = -1;
  auto fill = [&last](int *p, int n) { for (int i = 0; i < n; i++) { p[i] = i * 3; last = p[i]; } };
  fill(b, N);
  auto get = [&] { return seen; };
  for (int i = 0; i < N; i++) { b[i] += a[i]; seen = b[i]; }
  auto counted = [k = 0](const int *p, int n) mutable { int prev = k; for (int i = 0; i < n; i++) k = p[i]; return prev; };
  int first = counted(a, N), second = counted(b, N);
  int j = 0;
  auto sweep = [&] { for (j = 0; j < N; j++) a[j] = j + 1; };
  sweep();
  long s = 0;
  for (int i = 0; i < N; i++) s += a[i] + b[i];
  std::printf("%d %d %d %d %d %ld\n", last, get(), first, second, j, s);
}
"""


def test_what_a_lambda_captures_is_kept_after_the_loop(tmp_path):
    path = tmp_path / "lambdas.cpp"
    path.write_text(LAMBDAS)
    pragmas = _pragmas(path)
    assert "lastprivate(last)" in pragmas[8]  # written in the lambda, read after its call
    assert "lastprivate(seen)" in pragmas[11]  # read after the loop by calling `get`
    assert "lastprivate(k)" in pragmas[12]  # a mutable lambda's init-capture: the next call reads it
    assert pragmas[15] is None  # a counter the closure reaches by reference: g++ refuses the loop
    _same_output(tmp_path, "lambdas.cpp", LAMBDAS, compiler="g++")


THREAD_LOCAL_AND_MAX = r"""#include <cstdio>
#define N 200000
int a[N], b[N];
namespace mag { int max(int x, int y) { return (x < 0 ? -x : x) > (y < 0 ? -y : y) ? x : y; } }
int tick(int x) { thread_local int k = 0; k++; return x + k; }
int main() {
  for (int i = 0; i < N; i++) a[i] = (i * 7919) % 1000 - 700;
  for (int i = 0; i < N; i++) b[i] = tick(a[i]);
  for (int i = 0; i < N; i++) { thread_local int k = 0; k++; b[i] += k; }
  int m = 0;
  for (int i = 0; i < N; i++) m = mag::max(m, a[i]);
  long s = 0;
  for (int i = 0; i < N; i++) s = s * 7 + b[i];
  std::printf("%d %ld\n", m, s);
}
"""


def test_a_block_scope_thread_local_and_a_programs_own_max_keep_their_loops_serial(tmp_path):
    path = tmp_path / "tl.cpp"
    path.write_text(THREAD_LOCAL_AND_MAX)
    pragmas = _pragmas(path)
    assert pragmas[8] is None and pragmas[9] is None and pragmas[11] is None
    _same_output(tmp_path, "tl.cpp", THREAD_LOCAL_AND_MAX, compiler="g++")


MACRO_NAMED = r"""#include <stdio.h>
#define N 1000000
static double a[N + 8], b[N + 8];
static void kern(double *d, const double *s, int n) {
  for (int i = 0; i < n; i++) d[i] = s[i] * 0.5 + 1.0;
}
#define PASS(name) pass_##name
void PASS(shift)(double *x, int n) { kern(x + 1, x, n); }
void KNAME(double *x, int n) { for (int i = 0; i < n; i++) x[i] = x[i] * 0.5; }
int main(void) {
  for (int i = 0; i < N + 8; i++) { a[i] = i % 7; b[i] = i % 5; }
  for (int r = 0; r < 3; r++) kern(b, a, N);
  pass_shift(a, N);
  double s = 0;
  for (int i = 0; i < N + 8; i++) s += (a[i] + 2 * b[i]) * (i % 9);
  printf("%.12g\n", s);
  return 0;
}
"""


def test_functions_whose_names_a_macro_spells_are_analyzed(tmp_path):
    """`void PASS(shift)(...)` calls kern with overlapping pointers: kern's loop needs its overlap
    check (the call was not seen, and the call-site facts said the pointers never overlap); the loop
    of `void KNAME(...)`, named by -D, is found (the file had "no for loops")."""
    path = tmp_path / "named.c"
    path.write_text(MACRO_NAMED)
    fa = analyze_file(str(path), ["-DKNAME=k1"])
    loops = {l.line: l for l in fa.report.loops}
    assert loops[5].parallel and loops[5].proof == "runtime-check"
    assert loops[9].parallel and loops[9].function == "k1"


STEP_HEADER = "static inline void step(double *p, const double *q) { p[0] = 0.5 * p[-1] + q[0]; }\n"
STEP_CALLER = r"""#include <stdio.h>
#include "local.h"
#define N 2000000
static double z[N + 1], w[N];
int main(void) {
  for (int i = 0; i <= N; i++) z[i] = i % 3;
  for (int i = 0; i < N; i++) w[i] = i % 4;
  for (int i = 0; i < N; i++) step(&z[i + 1], &w[i]);
  double u = 0; for (int i = 0; i <= N; i++) u += z[i] * (i % 11);
  printf("%.10g\n", u);
  return 0;
}
"""
STEP_ELSEWHERE = "void step(double *p, const double *q) { p[0] += q[0]; }\n"


def test_the_link_never_gives_a_headers_static_function_another_files_summary(tmp_path):
    """a.c calls the static `step` of its own header (a recurrence); b.c defines a global `step` of
    the same name that the link's summaries describe: a.c's loop stays serial."""
    for name, text in (("local.h", STEP_HEADER), ("a.c", STEP_CALLER), ("b.c", STEP_ELSEWHERE)):
        (tmp_path / name).write_text(text)
    wrapper = _wrapper()
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(tmp_path / "cache")}
    for args in (["-c", "a.c"], ["-c", "b.c"], ["-o", "app", "a.o", "b.o"]):
        subprocess.run([wrapper, "-O2", *args], cwd=tmp_path, env=env, check=True, capture_output=True)
    subprocess.run(["gcc", "-O2", "a.c", "b.c", "-o", "serial"], cwd=tmp_path, check=True)
    runs = [subprocess.run([f"./{name}"], cwd=tmp_path, capture_output=True, text=True, check=True,
                           env={**os.environ, "OMP_NUM_THREADS": "4"}).stdout for name in ("serial", "app")]
    assert runs[0] == runs[1]
    assert not any("#pragma omp" in p.read_text() for p in (tmp_path / "cache").glob("link/*/*.c"))


HIDDEN_PATHS = r"""#include <stdio.h>
#define N 100000
double a[N]; int b[N];
static int seen; static long total;
static void report(int *p) { seen = *p; }
static void tally(int *p) { total += *p; }
static double last_of(void) {
  double t __attribute__((cleanup(report_t))) = 0.0;
  return t;
}
static void work(void) {
  int i __attribute__((cleanup(report)));
  for (i = 0; i < N; i++) a[i] = i * 0.5;
}
int main(void) {
  int i;
  work();
  for (i = 0; i < N; i++) b[i] = i % 10;
  for (i = 0; i < N; i++) { int v __attribute__((cleanup(tally))) = b[i]; a[i] = v * 2; }
  double t = -1.0;
  double r = ({ for (int k = 0; k < N; k++) { t = a[k]; a[k] = t + 1.0; } 0.0; }), last = t;
  printf("%d %ld %g %g\n", seen, total, r, last);
  return 0;
}
"""


def test_cleanup_handlers_and_statement_expressions_are_seen(tmp_path):
    """`cleanup(f)` calls f(&v) where v's scope ends: a counter's handler reads its last value (it was
    private), a handler in the body is a call at each iteration's end (it raced on `total`); a
    statement expression's loop leaves `t` to the declarator after it (it was private)."""
    text = HIDDEN_PATHS.replace("static double last_of(void) {\n  double t __attribute__((cleanup(report_t))) = 0.0;\n"
                                "  return t;\n}\n", "")
    path = tmp_path / "hidden.c"
    path.write_text(text)
    pragmas = _pragmas(path)
    assert "lastprivate(i)" in pragmas[9]
    assert pragmas[15] is None
    assert pragmas[17] is None or "private(t)" not in pragmas[17].replace("lastprivate(t)", "")
    _same_output(tmp_path, "hidden.c", text)


CATCH = r"""#include <cstdio>
#include <stdexcept>
#define N 100000
double a[N];
static void validate(int n) { if (n > 10) throw std::runtime_error("large"); }
int main() {
  int i = -1; double t = 0.0;
  try {
    for (i = 0; i < N; i++) { t = i * 1e-4; a[i] = t; }
    validate(N);
  } catch (...) {
    std::printf("%d %g\n", i, t);
    return 0;
  }
  return 1;
}
"""


def test_a_catch_handler_reads_what_the_loop_left(tmp_path):
    path = tmp_path / "catch.cpp"
    path.write_text(CATCH)
    pragma = _pragmas(path)[9]
    assert pragma is None or ("lastprivate(" in pragma and " private(t)" not in pragma)
    _same_output(tmp_path, "catch.cpp", CATCH, compiler="g++")


def test_a_const_bound_is_neither_taken_nor_changed_by_a_call(tmp_path):
    """C++'s `static const int N` as an array's extent (`int a[N]`) is not an initializer that takes
    its address, and an unknown call cannot change a const object: the loop's reason is the call."""
    path = tmp_path / "bound.cpp"
    path.write_text("static const int N = 1000;\nint a[N];\nvoid note(int x);\n"
                    "void f() { for (int i = 0; i < N; i++) a[i] = i; }\n"
                    "void g() { for (int i = 0; i < N; i++) { note(a[i]); a[i] = i; } }\n")
    loops = {l.function: l for l in analyze_file(str(path)).report.loops}
    assert loops["f"].parallel
    assert not loops["g"].parallel and loops["g"].codes == [R.CALL_UNKNOWN]


UNRUN = r"""#include <stdio.h>
#define N 100000
double A[N];
static int find(int n, double t) {
  int last = -1;
  for (int i = 0; i < n; i++)
    if (A[i] > t) last = i;
  (void)sizeof(last = 3);
  (void)_Generic(1.0, int: (last = 7), default: 0);
  return last;
}
static int omp_clause(int n) {
  int last = -1;
  for (int i = 0; i < n; i++)
    last = (int)A[i];
#pragma omp parallel num_threads(last >= 0 ? 2 : 1)
  { }
  return n;
}
int main(void) {
  for (int i = 0; i < N; i++) A[i] = (double)((i * 7919L) % 1000);
  printf("%d %d\n", find(N, 990.0), omp_clause(N));
  return 0;
}
"""


def test_assignments_that_never_run_and_reads_in_a_directive_count(tmp_path):
    """`sizeof(last = 3)` and `_Generic`'s other branch assign nothing (they made `last` dead after the
    loop: private); a clause of a later omp directive reads `last` (it was dead too)."""
    loops = loops_by_line(tmp_path / "unrun.c", UNRUN)
    assert "autopar_last_assigned1_(last)" in loops[6].pragma
    assert loops[14].pragma is None or "lastprivate(last)" in loops[14].pragma


SWITCH = r"""#include <stdio.h>
#define N 200000
int a[N], b[N];
static long state_machine(int n) {
  int mark = -1;
  for (int i = 0; i < n; i++) {
    switch (a[i] % 4) {
    case 0: mark = i; break;
    case 1: b[i] = mark; break;
    default: b[i] = 0; break;
    }
  }
  return mark;
}
static long moved(int n, int p[], int q[]) {
  for (int i = 0; i < n; i++)
    if (q[i] % 1000 == 7) p = q + i;
  return p - q;
}
int main(void) {
  for (int i = 0; i < N; i++) a[i] = (int)((i * 7919L) % 1000);
  long m = state_machine(N), s = 0;
  for (int i = 0; i < N; i++) s += b[i];
  printf("%ld %ld %ld\n", m, s, moved(N, b, a));
  return 0;
}
"""


def test_a_case_label_is_reached_with_only_what_the_switch_began_with(tmp_path):
    """`case 0: mark = i; break; case 1: b[i] = mark;` reads the mark of an earlier iteration: the
    walk went through the cases as one straight line (mark private, or conditional lastprivate);
    an array parameter (`int p[]`) reassigned in the loop is a pointer, not an array (it had no clause)."""
    loops = loops_by_line(tmp_path / "switch.c", SWITCH)
    assert not loops[6].parallel and R.SCALAR_CARRIED in loops[6].codes
    assert "autopar_last_assigned1_(p)" in loops[16].pragma
    _same_output(tmp_path, "switch.c", SWITCH)


# (control entering a statement in the middle, and C++'s if and try: each printed another result)
ENTERED_FRAME = r"""#include <stdio.h>
#define N 100000
int a[N], b[N];
int main() {
  int t = T0;
  for (int i = 0; i < N; i++) a[i] = FILL;
  for (int i = 0; i < N; i++) {
BODY
  }
  unsigned long s = 0;
  for (int i = 0; i < N; i++) s = s * 31 + b[i];
  printf("%lu %d\n", s, t);
  return 0;
}
"""
ENTERED = {  # name -> (t's start, a[i], the loop's body)
    "case_in_summarized_if.c": ("0", "i % 7 + 1", """    switch (i % 1000 == 0) {
    case 0:
      t = a[i];
      if (a[i] > -100) {
    case 1:
        b[i] += t;
      }
    }"""),
    "goto_into_while_body.c": ("0", "i % 7 + 1", """    if (i % 1000 == 0) goto L;
    while ((t = a[i]) < 0) {
    L:
      break;
    }
    b[i] = t;"""),
    "if_init_else_write.cpp": ("0", "i % 1000 ? i % 7 + 1 : 0", """    b[i] = a[i];
    if (int q = a[i]; q > 0) b[i] = q; else t = i;"""),
    "if_condvar_else_read.cpp": ("5", "i % 1000 ? i % 7 + 1 : 0", """    if (int q = a[i]) t = q; else b[i] = t;"""),
    "catch_assigns.cpp": ("9", "i % 7 + 1", """    try { b[i] = a[i]; } catch (...) { t = 5; }
    b[i] += t;"""),
}


@pytest.mark.parametrize("name", sorted(ENTERED))
def test_control_that_enters_in_the_middle_or_skips_a_branch(tmp_path, name):
    """A case label inside a large `if` of the switch (the statement was summarized from nothing
    assigned), a goto or case into a while's body (its condition's assignment skipped), C++'s
    `if (init; cond) ... else ...` and `if (T x = e)` (the else branch was never walked, or the
    condition taken for the then branch), a catch handler's assignment (taken as always made)."""
    t0, fill, body = ENTERED[name]
    text = ENTERED_FRAME.replace("T0", t0).replace("FILL", fill).replace("BODY", body)
    _same_output(tmp_path, name, text, compiler="g++" if name.endswith(".cpp") else "gcc")


@pytest.mark.parametrize("name,text", [
    ("capture.cpp", "#include <cstdio>\n#define N 1000\nlong a[N], seen[N];\nint main() {\n  long total = 0;\n"
                    "  auto run = [&, &r = total]() {\n    for (int i = 0; i < N; i++) {\n      total += a[i];\n"
                    "      seen[i] = r;\n    }\n  };\n  run();\n  std::printf(\"%ld %ld\\n\", total, seen[9]);\n}\n"),
    ("template.cpp", "#include <cstdio>\n#define N 1000\nlong total = 0;\nlong seen[N], a[N];\n"
                     "template <long &R> void accumulate() {\n  for (int i = 0; i < N; i++) {\n    total += a[i];\n"
                     "    seen[i] = R;\n  }\n}\nint main() {\n  accumulate<total>();\n"
                     "  std::printf(\"%ld %ld\\n\", total, seen[9]);\n}\n"),
    ("extern.cpp", "#include <cstdio>\n#define N 1000\nlong a[N], seen[N];\nlong total = 0;\nextern long &ext_ref;\n"
                   "int main() {\n  for (int i = 0; i < N; i++) {\n    total += a[i];\n    seen[i] = ext_ref;\n  }\n"
                   "  std::printf(\"%ld %ld\\n\", total, seen[9]);\n}\n"),
])
def test_a_reference_bound_where_the_function_does_not_show_it_is_unnamed_memory(tmp_path, name, text):
    """`r`, `R` and `ext_ref` are `total` (an init-capture, a template's reference parameter, a global
    bound in another file): each was a scalar of its own, and reduction(+: total) raced with its reads."""
    (tmp_path / name).write_text(text)
    loop = next(l for l in analyze_file(str(tmp_path / name), ["-std=c++20"]).report.loops if l.line >= 6)
    assert not loop.parallel and "accesses memory the analysis cannot name" in " ".join(loop.reasons)
