"""State that each thread has of its own, or code that is not what its name says, seen from a loop:
a program's own `toupper` or `fabs` in a header of its own (taken for the library's, it wrote a
static that then raced), a thread locale set with uselocale (the team's other threads keep theirs),
the floating-point environment read or set through the SSE register or the x87 control word, a weak
definition made by `#pragma weak` in a header or by `_Pragma`, a function that calls setjmp (a
longjmp from a signal handler in another thread), and a file that forks (a child's parallel region
after the parent's hangs in libgomp). Each program printed another result or hung at 4 threads."""

from __future__ import annotations

import pytest

from analyzed import loops_of

OWN_TOUPPER = ("static int toupper_last;\n"
               "static inline int toupper(int c) { toupper_last = c; return c >= 'a' && c <= 'z' ? c - 32 : c; }\n")
USES_IT = """#include "own.h"
static char s[40000], u[40000];
int last(int n) {
  for (int i = 0; i < n; i++) u[i] = (char)toupper(s[i]);
  return toupper_last;
}
"""
LOCALE = """#define _GNU_SOURCE
#include <ctype.h>
#include <locale.h>
static char s[40000];
static int u[40000];
void up(int n, locale_t tr) {
  uselocale(tr);
  for (int i = 0; i < n; i++) u[i] = toupper((unsigned char)s[i]);
}
"""
MXCSR = """static double a[40000], b[40000];
unsigned flags(int n) {
  for (int i = 0; i < n; i++) b[i] = 1.0 / a[i];
  return __builtin_ia32_stmxcsr() & 0x3f;
}
"""
X87 = """#include <fpu_control.h>
static long double a[40000], c[40000];
void third(int n) {
  fpu_control_t cw;
  _FPU_GETCW(cw);
  cw = (cw & ~_FPU_EXTENDED) | _FPU_DOUBLE;
  _FPU_SETCW(cw);
  for (int i = 0; i < n; i++) c[i] = a[i] / 3.0L;
}
"""
WEAK = """PRAGMA
extern int scale_calls;
void scale(double *p) { p[0] = p[0] * 2.0 + 1.0; }
static double d[40000];
void all(int n) {
  for (int i = 0; i < n; i++) scale(&d[i]);
}
"""
SETJMP = """#include <setjmp.h>
static sigjmp_buf env;
static int a[40000], b[40000], c[40000];
int divide_all(int n) {
  if (sigsetjmp(env, 1) != 0) return -1;
  for (int i = 0; i < n; i++) c[i] = a[i] / b[i];
  return 0;
}
"""
FORK = """#include <unistd.h>
static double a[200000];
double fill(int n, double k) {
  for (int i = 0; i < n; i++) a[i] = k * i + 1.0;
  return a[n - 1];
}
int child(void) { return fork() == 0; }
"""


def _serial(tmp_path, text, line, named, name="t.c"):
    loop, = [l for l in loops_of(tmp_path, text, name) if l.line == line]
    assert not loop.parallel, loop.pragma
    assert any(named in reason for reason in loop.reasons), loop.reasons
    return loop


def test_a_library_name_the_program_defines_in_its_own_header_is_its_code(tmp_path):
    (tmp_path / "own.h").write_text(OWN_TOUPPER)
    _serial(tmp_path, USES_IT, 4, "toupper (defined by the program")
    (tmp_path / "own.h").write_text("#include <ctype.h>\n")  # the library's: nothing to refuse
    loop, = [l for l in loops_of(tmp_path, USES_IT.replace("return toupper_last;", "return 0;"), "t.c")]
    assert loop.parallel, loop.reasons


def test_a_thread_locale_makes_ctype_calls_unknown(tmp_path):
    _serial(tmp_path, LOCALE, 8, "uselocale")
    loop, = loops_of(tmp_path, LOCALE.replace("  uselocale(tr);\n", ""), "l.c")
    assert loop.parallel, loop.reasons


@pytest.mark.parametrize("text, line", [(MXCSR, 3), (X87, 8)])
def test_the_sse_register_and_the_x87_control_word_are_the_floating_point_environment(tmp_path, text, line):
    _serial(tmp_path, text, line, "floating-point environment")


@pytest.mark.parametrize("pragma", ["#pragma weak scale", '_Pragma("weak scale")', '#include "weak.h"'])
def test_a_weak_definition_by_pragma_is_of_unknown_effect(tmp_path, pragma):
    (tmp_path / "weak.h").write_text("#pragma weak scale\n")
    _serial(tmp_path, WEAK.replace("PRAGMA", pragma), 6, "scale")
    loop, = loops_of(tmp_path, WEAK.replace("PRAGMA", ""), "strong.c")
    assert loop.parallel, loop.reasons


def test_a_loop_in_a_function_that_calls_setjmp_stays_serial(tmp_path):
    _serial(tmp_path, SETJMP, 6, "setjmp")


def test_no_loop_of_a_file_that_forks_is_parallel(tmp_path):
    _serial(tmp_path, FORK, 4, "fork")
    loop, = [l for l in loops_of(tmp_path, FORK.replace("fork()", "getpid()"), "g.c") if l.line == 4]
    assert loop.parallel, loop.reasons


WEAK_STEP = "void step(double *a, int i) { a[i] = a[i] * 0.5; }\nstatic double a[1001];\n" \
            "void all(int n) {\n  for (int i = 0; i < n; i++)\n    step(a, i);\n}\n"


@pytest.mark.parametrize("header, definition", [("#define WEAK __attribute__((weak))\n", "WEAK "),
                                                ("#define PW(x) _Pragma(#x)\nPW(weak step)\n", "")])
def test_a_weak_definition_through_a_macro_is_of_unknown_effect(tmp_path, header, definition):
    (tmp_path / "w.h").write_text(header)
    _serial(tmp_path, '#include "w.h"\n' + definition + WEAK_STEP, 5, "step")


@pytest.mark.parametrize("text", [
    FORK.replace("return fork() == 0;", "pid_t (*spawn)(void) = fork; return spawn() == 0;"),
    FORK.replace("fork()", "_Fork()")])
def test_a_fork_through_a_pointer_or_as_fork_keeps_the_file_serial(tmp_path, text):
    _serial(tmp_path, text, 4, "fork")


def test_the_fp_modes_of_fenv_are_the_floating_point_environment(tmp_path):
    text = ("#define _GNU_SOURCE\n#include <fenv.h>\nstatic double a[1000], b[1000];\n"
            "void divide(int n) {\n  for (int i = 0; i < n; i++) a[i] = b[i] / 3.0;\n}\n"
            "void up(void) { femode_t m; fegetmode(&m); fesetmode(&m); }\n")
    _serial(tmp_path, text, 5, "floating-point environment")
