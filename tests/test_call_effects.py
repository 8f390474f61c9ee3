"""What a call does where its callee is not the library's: a same-file wrapper around a math function
when the program reads errno (or a header of its own does), a program's own `max` behind a wrapper, a
namespace's function with a library name, and `std::max` with a comparator. Each loop once ran in
parallel and printed another result than the serial program; the library's own calls stay pure."""

from __future__ import annotations

import pytest

from analyzed import loops_of
from autopar.plans import reasons as R

ERRNO_WRAPPER = """#include <stdio.h>
#include <errno.h>
#include <math.h>
#define N 1000
static double a[N], b[N];
static double mylog(double x) { return log(x); }
int main(void) {
  for (int i = 0; i < N; i++) a[i] = i - 1.0;
  errno = 0;
  for (int i = 0; i < N; i++) b[i] = mylog(a[i]);
  printf("%d %g\\n", errno, b[5]);
  return 0;
}
"""

OWN_MAX = """#include <stdio.h>
#define N 1000
int max(int a, int b);
static int a[N], b[N];
static int clampz(int x) { return max(x, 0); }
int main(void) {
  for (int i = 0; i < N; i++) a[i] = i % 101 - 50;
  for (int i = 0; i < N; i++) b[i] = clampz(a[i]);
  printf("%d\\n", b[7]);
  return 0;
}
"""

NAMESPACE_ROUND = """#include <cstdio>
#include <cmath>
#define N 1000
namespace util {
long calls;
double trace[N];
inline int round(double x) { trace[calls++] = x; return (int)(x + 0.5); }
int floor(double x);
}
static double x[N];
static int y[N], z[N];
int main() {
  for (int i = 0; i < N; i++) x[i] = i * 0.37;
  for (int i = 0; i < N; i++) y[i] = util::round(x[i]);
  for (int i = 0; i < N; i++) z[i] = util::floor(x[i]);
  for (int i = 0; i < N; i++) y[i] += (int)std::round(x[i]) + (int)round(x[i]);
  std::printf("%d %ld\\n", y[5] + z[5], util::calls);
  return 0;
}
"""

COMPARATOR = """#include <cstdio>
#include <algorithm>
#define N 1000
static long cnt = 0;
static int trace[2 * N];
static bool less_traced(const int &a, const int &b) { trace[cnt++] = a - b; return a < b; }
static int x[N], y[N];
int main() {
  for (int i = 0; i < N; i++) x[i] = i % 101 - 50;
  for (int i = 0; i < N; i++) y[i] = std::max(x[i], 0, less_traced);
  for (int i = 0; i < N; i++) y[i] += std::max(x[i], 3);
  std::printf("%d %ld\\n", y[3], cnt);
  return 0;
}
"""


def _by_line(tmp_path, text: str, name: str) -> dict:
    return {l.line: l for l in loops_of(tmp_path, text, name)}


def test_a_wrapper_around_a_math_function_sets_errno_too(tmp_path):
    loops = _by_line(tmp_path, ERRNO_WRAPPER, "e.c")
    assert not loops[10].parallel and R.CALL_EFFECT in loops[10].codes
    # without the read of errno the wrapper is pure again
    loops = _by_line(tmp_path, ERRNO_WRAPPER.replace("errno = 0;", "").replace("errno, b[5]", "0, b[5]")
                        .replace("#include <errno.h>", ""), "e.c")
    assert loops[10].parallel


def test_errno_read_in_a_header_of_the_program_counts(tmp_path):
    (tmp_path / "check.h").write_text("#include <errno.h>\nstatic inline int math_error(void) { return errno; }\n")
    text = ERRNO_WRAPPER.replace("#include <errno.h>", '#include "check.h"').replace("errno = 0;", "") \
        .replace("errno, b[5]", "math_error(), b[5]").replace("mylog(a[i])", "log(a[i])")
    assert not _by_line(tmp_path, text, "e.c")[10].parallel


def test_a_programs_own_max_behind_a_wrapper_is_unknown(tmp_path):
    assert not _by_line(tmp_path, OWN_MAX, "m.c")[8].parallel
    assert _by_line(tmp_path, "#include <stdlib.h>\n" + OWN_MAX.replace("max(x, 0)", "abs(x)"), "m.c")[9].parallel


def test_a_namespaces_function_with_a_library_name_is_not_the_librarys(tmp_path):
    loops = _by_line(tmp_path, NAMESPACE_ROUND, "n.cpp")
    assert not loops[14].parallel and not loops[15].parallel
    assert loops[16].parallel  # std::round and ::round


def test_std_max_with_a_comparator_runs_the_programs_code(tmp_path):
    loops = _by_line(tmp_path, COMPARATOR, "c.cpp")
    assert not loops[10].parallel
    assert loops[11].parallel


OVERLOADS = """#include <cstdio>
#define N 1000
int bump(int *p);
static int bump(int x) { return x * 3 + 1; }
namespace fast { static int step(int x) { return x + 1; } }
namespace slow { int step(int *p); }
static int a[N + 2], c[N];
int main() {
  for (int i = 0; i < N; i++) c[i] = bump(&a[i]);
  for (int i = 0; i < N; i++) c[i] += slow::step(&a[i]);
  for (int i = 0; i < N; i++) c[i] += bump(i) + fast::step(i);
  std::printf("%d\\n", c[3]);
  return 0;
}
"""


def test_a_summary_is_the_calls_only_where_the_call_reaches_that_definition(tmp_path):
    """Summaries are keyed by name: `bump(int *)`, defined in another file, took the summary of this
    file's `static int bump(int)`, and `slow::step` that of `fast::step` (each wrote a[i + 1] there)."""
    loops = _by_line(tmp_path, OVERLOADS, "o.cpp")
    assert not loops[9].parallel and not loops[10].parallel
    assert loops[11].parallel


WEAK = """#include <stdio.h>
#define N 1000
WEAK_DEFINITION int hook(int v) { return v * 2; }
static int plain(int v) { return v * 2; }
static int x[N], y[N];
int main(void) {
  for (int i = 0; i < N; i++) y[i] = hook(x[i]);
  for (int i = 0; i < N; i++) y[i] += plain(x[i]);
  printf("%d\\n", y[3]);
  return 0;
}
"""


@pytest.mark.parametrize("definition", ["__attribute__((weak))", "#define W __attribute__((__weak__))\nW",
                                        "#pragma weak hook\n"])
def test_a_weak_definition_may_be_replaced_at_the_link(tmp_path, definition):
    """A strong `hook` in another file replaces this file's weak one, and its summary with it."""
    first, second = sorted(loops_of(tmp_path, WEAK.replace("WEAK_DEFINITION", definition), "w.c"), key=lambda l: l.line)
    assert not first.parallel and second.parallel


VIRTUAL = """#include <cstdio>
#define N 1000
struct Shape {
  virtual ~Shape() {}
  virtual int area(int i) const { return i % 7; }
  int sides(int i) const { return i % 3; }
};
static long trace_len = 0;
static int trace[N];
struct Logged : Shape {
  int area(int i) const override { trace[trace_len++] = i; return i % 5; }
};
static int out[N];
int main() {
  Logged l;
  const Shape &s = l;
  for (int i = 0; i < N; i++) out[i] = s.area(i);
  for (int i = 0; i < N; i++) out[i] += s.sides(i);
  std::printf("%d %ld\\n", out[3], trace_len);
  return 0;
}
"""


def test_a_virtual_call_may_run_an_override(tmp_path):
    """`s.area(i)` through a Shape reference ran Logged::area, which writes a global, under Shape::area's
    summary (pure)."""
    loops = _by_line(tmp_path, VIRTUAL, "v.cpp")
    assert not loops[17].parallel and loops[18].parallel


def test_a_method_called_through_a_pointer_is_no_member_access(tmp_path):
    """`c->eval(i)` was read as an access to a data member `eval` of *c: the rewrite's overlap test
    took `&c->eval`, which g++ refuses (the address of a bound member function)."""
    import subprocess

    from autopar.cli.main import main

    source = tmp_path / "m.cpp"
    source.write_text("#include <cstdio>\n#define N 100000\nstruct Calc {\n  int k;\n"
                      "  int eval(int i) const { return i % 7; }\n};\nstatic int out[N];\n"
                      "static void fill(const Calc *c) {\n  for (int i = 0; i < N; i++) out[i] = c->eval(i);\n}\n"
                      "int main() { Calc c{7}; fill(&c); std::printf(\"%d\\n\", out[9]); return 0; }\n")
    assert main(["rewrite", str(source), "-o", str(tmp_path / "p.cpp")]) == 0
    rewritten = (tmp_path / "p.cpp").read_text()
    assert "c->eval)" not in rewritten and "#pragma omp parallel for" in rewritten
    subprocess.run(["g++", "-fopenmp", "-fsyntax-only", str(tmp_path / "p.cpp")], check=True)


KERNEL = """#include <stdio.h>
#define N 1000
typedef const int *cptr;
CALLEE
static void kern(int *restrict out, const int *restrict in, int n, int self) {
  for (int i = 0; i < n; i++) out[i] = (CALL * 3 + in[i]) % 1009;
}
static int A[N + 1], B[N + 1];
int main(int argc, char **argv) {
  (void)argv;
  kern(A, B, N, argc > 5);
  printf("%d\\n", A[7]);
  return 0;
}
"""


@pytest.mark.parametrize("callee,call", [
    # a parameter the callee assigns reads what it was assigned
    ("static int peek(const int *p, const int *q, int i) { p = q; return p[i + 1]; }", "peek(in, out, i)"),
    # a pointer chosen with ?: from the parameters, or returned by a call given them
    ("static int pick(const int *a, const int *b, int i) { const int *r = a[i] > 100 ? a : b; return r[i + 1]; }",
     "pick(in, out, i)"),
    ("static const int *same(const int *p) { return p; }\n"
     "static int via(const int *a, int i) { return same(a)[i + 1]; }", "via(out, i)"),
    # the argument names the written pointer behind a typedef's cast, or in a branch of ?:
    ("static int next(const int *p, int i, int n) { return p[i + 1 < n ? i + 1 : i]; }", "next((cptr)out, i, n)"),
    ("static int peek(const int *p, int i) { return p[i + 1]; }", "peek(self ? out : in, i)"),
])
def test_what_a_callee_reads_through_its_arguments_is_traced_to_the_loops_pointers(tmp_path, callee, call):
    """The callee reads out[i + 1], which the next iteration writes: each of these ran in parallel and
    printed another sum (the origin of a reassigned parameter was the parameter; `?:` and a call's
    result were a loaded pointer, which a restrict `out` was taken never to meet; and the argument's
    variable was the first identifier of its text: `cptr`, `self`)."""
    loop = next(l for l in loops_of(tmp_path, KERNEL.replace("CALLEE", callee).replace("CALL", call), "k.c")
                if l.function == "kern")
    assert not loop.parallel and R.CALL_READS_WRITTEN in loop.codes
    reads_in = KERNEL.replace("CALLEE", callee).replace("CALL", call.replace("out", "in"))
    assert next(l for l in loops_of(tmp_path, reads_in, "k.c") if l.function == "kern").parallelizable
