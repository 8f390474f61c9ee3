"""What a loop does that its text does not spell as an access or a call: names of structured
bindings, destructors of locals and temporaries, reads through a global pointer in a called
function, objects placed in a byte buffer; and two over-wide readings (a cast around a remainder in
an `if`, an offload section bounded by a loop's constant cap). Each was a wrong parallelization or
a rewrite that crashed."""

from __future__ import annotations

import pytest

from autopar.decision.pipeline import analyze_tu, load_translation_unit
from autopar.plans.candidates import analyze_nest
from autopar.plans.plan import Directive


def _verdicts(path, args=()):
    tu = load_translation_unit(str(path), list(args))
    analysis = analyze_tu(tu)
    return tu, {l.function: next(v for v in analysis.nest_of(l.id).verdicts if v.loop_id == l.id)
                for l in tu.loops if l.parent is None}


def _kept_serial(path, function: str, code: str) -> None:
    """The outermost loop of `function` in the file at `path` stays serial, with the reason `code`."""
    _, verdict = _verdicts(path)
    assert not verdict[function].parallelizable and code in verdict[function].codes, verdict[function].reasons


def _verdicts_of(tmp_path, name: str, text: str) -> dict:
    """The outermost loops' verdicts, by function, of `text` written to `name`."""
    path = tmp_path / name
    path.write_text(text)
    return _verdicts(path)[1]


def test_a_structured_binding_is_memory_no_access_names(tmp_path):
    path = tmp_path / "bindings.cpp"
    path.write_text("#include <vector>\n"
                    "double two[2] = {1.0, 2.0};\n"
                    "void f(std::vector<double> &v, int n) {\n"
                    "  auto &[t0, t1] = two;\n"
                    "  for (int i = 0; i < n; i++) {\n"
                    "    v[i] = v[i] * 0.5 + t1;\n"
                    "    t0 = v[i];\n"
                    "  }\n"
                    "}\n")
    _, verdict = _verdicts(path, ["-std=c++17"])
    assert not verdict["f"].parallelizable and "unmodelled-access" in verdict["f"].codes


def test_a_destructor_the_body_runs_is_a_call(tmp_path):
    path = tmp_path / "destructors.cpp"
    path.write_text("double G[200000];\n"
                    "long counter = 0;\n"
                    "struct Tick { int k; ~Tick() { counter += k; } };\n"
                    "struct Plain { int k; };\n"
                    "struct Holds { Tick t; };\n"
                    "void temporary(int n) { for (int i = 0; i < n; i++) { G[i] = G[i] * 0.5; Tick{i}; } }\n"
                    "void local(int n) { for (int i = 0; i < n; i++) { Tick t{i}; G[i] = G[i] * 0.5; } }\n"
                    "void member(int n) { for (int i = 0; i < n; i++) { Holds h{{i}}; G[i] = G[i] * 0.5; } }\n"
                    "void plain(int n) { for (int i = 0; i < n; i++) { Plain p{i}; G[i] = G[i] * 0.5 + p.k; } }\n")
    _, verdict = _verdicts(path, ["-std=c++17"])
    for name in ("temporary", "local", "member"):
        assert not verdict[name].parallelizable and "call-unknown" in verdict[name].codes, name
    assert verdict["plain"].parallelizable


def test_a_callee_reading_through_a_global_pointer_may_read_what_the_loop_writes(tmp_path):
    path = tmp_path / "global_pointer.c"
    path.write_text("struct T { double s; };\n"
                    "struct T *gp;\n"
                    "double table[64];\n"
                    "static double get(void) { return gp->s; }\n"
                    "static double first(void) { return table[0]; }\n"
                    "void f(struct T *p, double *a, int n) {\n"
                    "  for (int i = 0; i < n; i++) { a[i] = a[i] * 0.5 + get(); if (i == 1000) p->s = 3.0; }\n"
                    "}\n"
                    "void g(double *restrict a, int n) {\n"
                    "  for (int i = 0; i < n; i++) a[i] = a[i] * 0.5 + first();\n"
                    "}\n")
    _, verdict = _verdicts(path)
    assert not verdict["f"].parallelizable and "call-reads-written" in verdict["f"].codes
    assert verdict["g"].parallelizable  # a global array read: its own name, not what a pointer reaches


def test_a_byte_buffer_may_hold_the_object(tmp_path):
    path = tmp_path / "arena.cpp"
    path.write_text("#include <vector>\n"
                    "std::vector<unsigned char> arena(1 << 20);\n"
                    "std::vector<double> values(1 << 20);\n"
                    "struct Obj {\n"
                    "  double scale;\n"
                    "  void fill(int n) { for (int i = 0; i < n; i++) arena[i] = (unsigned char)(scale > 0.5 ? 1 : 2); }\n"
                    "  void set(int n) { for (int i = 0; i < n; i++) values[i] = scale; }\n"
                    "};\n")
    tu = load_translation_unit(str(path), ["-std=c++17"])
    analysis = analyze_tu(tu)
    verdict = {l.function: next(v for v in analysis.nest_of(l.id).verdicts if v.loop_id == l.id) for l in tu.loops}
    fill = verdict["Obj::fill"]
    assert not fill.parallelizable and any("this->scale" in r for r in fill.reasons)
    assert verdict["Obj::set"].parallelizable  # a vector of doubles holds no field of the object


def test_a_cast_around_a_remainder_is_not_read(tmp_path):
    path = tmp_path / "cast.c"
    path.write_text("void f(double *A, int n) {\n"
                    "  for (int i = 1; i < n; i++)\n"
                    "    if ((_Bool)(i % 3) == 1)\n"
                    "      A[i] = A[i - 1] * 0.5 + 1.0;\n"
                    "}\n")
    tu = load_translation_unit(str(path))
    write = next(a for a in tu.loops[0].accesses if a.is_write)
    assert write.conditions == []
    _, verdict = _verdicts(path)
    assert not verdict["f"].parallelizable


def test_an_offload_section_takes_exact_bounds_only(tmp_path, monkeypatch):
    """`i < min(m, CAP)`: the constant CAP bounds the subscripts but is wider than the object of m
    elements; a map of CAP elements read past it (the program crashed)."""
    path = tmp_path / "cap.c"
    path.write_text("#define CAP 4000000\n"
                    "#define min(x, y) ((x) < (y) ? (x) : (y))\n"
                    "void f(double *restrict X, const double *restrict Y, int m) {\n"
                    "  for (int i = 0; i < min(m, CAP); i++) {\n"
                    "    double v = Y[i];\n"
                    "    for (int k = 0; k < 200; k++) v = v * 0.999 + 0.5;\n"
                    "    X[i] = v;\n"
                    "  }\n"
                    "}\n"
                    "int main(void) {\n"
                    "  static double A[20000], B[20000];\n"
                    "  f(A, B, 20000);\n"
                    "  return (int)A[7];\n"
                    "}\n")
    monkeypatch.setenv("AUTOPAR_TARGET", "gpu")
    monkeypatch.setenv("AUTOPAR_WHOLE_PROGRAM", "1")  # (as autopar-cc sees a program of one file)
    tu = load_translation_unit(str(path))
    nest = analyze_nest(tu, next(l for l in tu.loops if l.function == "f" and l.parent is None))
    sections = [item for c in nest.candidates if c.plan.directive == Directive.TARGET
                for m in c.plan.maps for item in m.items]
    assert not any("4000000" in s or "CAP" in s for s in sections), sections


def test_a_remainder_start_converted_to_a_narrow_counter_is_not_read(tmp_path):
    """`unsigned char j = 256 + x % 2` starts at 0 or 1, not at 256 or 257."""
    path = tmp_path / "narrow.c"
    path.write_text("double S[5000];\n"
                    "void f(int x, int n) {\n"
                    "  for (int i = 0; i < n; i++)\n"
                    "    for (unsigned char j = 256 + x % 2; j < 200; j++)\n"
                    "      S[i + j + 1] = S[i + j] * 0.5;\n"
                    "}\n")
    tu, verdict = _verdicts(path)
    assert next(l for l in tu.loops if l.parent is not None).canonical.lower_remainder is None
    assert not verdict["f"].parallelizable


def test_at_of_a_member_beside_a_parameter_of_its_name_may_throw(tmp_path):
    path = tmp_path / "shadow.cpp"
    path.write_text("#include <vector>\n"
                    "struct H {\n"
                    "  std::vector<double> v;\n"
                    "  void copy(const std::vector<double> &v, double *out) {\n"
                    "    for (std::size_t i = 0; i < v.size(); i++) out[i] = this->v.at(i) * 2.0 + v[i];\n"
                    "  }\n"
                    "};\n")
    _, verdict = _verdicts(path, ["-std=c++17"])
    assert "throw" in verdict["H::copy"].codes


def test_pointers_held_in_a_global_struct_or_array_are_pointers(tmp_path):
    verdict = _verdicts_of(tmp_path, "held.c", "struct S { double *p; } gs;\ndouble *rows[2];\ndouble A[10000];\n"
                           "static double via_member(int i) { return gs.p[i] * 0.5; }\n"
                           "static double via_array(int i) { return rows[0][i] * 0.5; }\n"
                           "void m1(int n) { for (int i = 1; i < n; i++) A[i] = via_member(i - 1) + 1.0; }\n"
                           "void m2(int n) { for (int i = 1; i < n; i++) A[i] = via_array(i - 1) + 1.0; }\n")
    assert not verdict["m1"].parallelizable and not verdict["m2"].parallelizable


def test_a_binding_at_namespace_scope_is_seen(tmp_path):
    path = tmp_path / "global_binding.cpp"
    path.write_text("struct P { double x, y; } gp_{1.0, 2.0};\n"
                    "auto &[gx, gy] = gp_;\n"
                    "double A[10000], B[10000];\n"
                    "void f(int n) { for (int i = 0; i < n; i++) { gx = gx * 0.5 + A[i]; B[i] = gx; } }\n")
    _, verdict = _verdicts(path, ["-std=c++17"])
    assert not verdict["f"].parallelizable and "unmodelled-access" in verdict["f"].codes


def test_a_parenthesised_aggregate_initialiser_is_a_braced_list(tmp_path):
    """C++20's `Holder h(m)` of an aggregate is a cursor kind older Python bindings do not know; the
    file is analysed, and the reference member it binds makes m escape."""
    path = tmp_path / "paren.cpp"
    path.write_text("struct Holder { int &r; };\n"
                    "int a[4002], b[4002];\n"
                    "int main() {\n"
                    "  int m = 0;\n"
                    "  Holder h(m);\n"
                    "  if (m < 5) {\n"
                    "    h.r += 10;\n"
                    "    for (int i = 0; i < 4002; i++) {\n"
                    "      a[i] = a[i] * 3 + 1;\n"
                    "      if (m >= 5) b[i] = a[4001 - i];\n"
                    "    }\n"
                    "  }\n"
                    "  return a[0] + b[0] + m;\n"
                    "}\n")
    tu, verdict = _verdicts(path, ["-std=c++20"])
    loop = next(l for l in tu.loops if l.line == 8)
    write = next(a for a in loop.accesses if a.is_write and a.text.startswith("b["))
    assert write.conditions == []  # m escapes to h.r: its tests are not trusted


def test_a_bit_field_write_shares_its_memory_with_its_neighbours(tmp_path):
    """`t[i].a` and `t[i - 1].b` of `unsigned a : 16, b : 16` are one memory location: writing one
    rewrites the other."""
    path = tmp_path / "bits.c"
    path.write_text("struct T { unsigned a : 16; unsigned b : 16; } t[200000];\n"
                    "struct U { unsigned a; unsigned b; } u[200000];\n"
                    "void bits(int n) { for (int i = 1; i < n; i++) { t[i].a = i; t[i - 1].b = i; } }\n"
                    "void whole(int n) { for (int i = 1; i < n; i++) { u[i].a = i; u[i - 1].b = i; } }\n")
    _, verdict = _verdicts(path)
    assert not verdict["bits"].parallelizable and "unmodelled-access" in verdict["bits"].codes
    assert verdict["whole"].parallelizable  # distinct fields of plain type never overlap


def test_a_math_call_may_set_errno_where_the_file_reads_it(tmp_path):
    """gcc's default -fmath-errno: `log(-1)` sets errno, which each thread keeps its own."""
    path = tmp_path / "errno.c"
    path.write_text("#include <errno.h>\n#include <math.h>\n"
                    "double a[100000], b[100000];\n"
                    "int logs(int n) { errno = 0; for (int i = 0; i < n; i++) b[i] = log(a[i]); return errno; }\n"
                    "void floors(int n) { for (int i = 0; i < n; i++) b[i] = floor(a[i]); }\n")
    _, verdict = _verdicts(path)
    assert not verdict["logs"].parallelizable and "call-unknown" in verdict["logs"].codes
    assert verdict["floors"].parallelizable


@pytest.mark.parametrize("reader, reads", [
    ('perror("after log");', True), ('err(1, "log");', True), ('printf("%m\\n");', True),
    ('puts(strerror(1));', True), ('errx(1, "log");', False), ('puts("done");', False)])
def test_errno_is_read_by_what_prints_it(tmp_path, reader, reads):
    """perror, err, warn, strerror and glibc's `%m` read errno without naming it: a log loop before
    them must keep its serial errno (found: `perror` printed "Success" after a parallel log loop)."""
    path = tmp_path / "printed.c"
    path.write_text("#include <math.h>\n#include <stdio.h>\n#include <string.h>\n#include <err.h>\n"
                    "double a[100000], b[100000];\n"
                    f"void logs(int n) {{ for (int i = 0; i < n; i++) b[i] = log(a[i]); {reader} }}\n")
    _, verdict = _verdicts(path)
    assert verdict["logs"].parallelizable is not reads


def test_a_max_of_the_program_is_not_the_library_s(tmp_path):
    """`max` and `min` are no C library names: a program's own (defined in another file, counting its
    calls) may write memory; std::max of a system header stays pure."""
    path = tmp_path / "mine.c"
    path.write_text("int max(int a, int b);\nint a[100000];\n"
                    "void f(int n) { for (int i = 0; i < n; i++) a[i] = max(i % 100, 50); }\n")
    _, verdict = _verdicts(path)
    assert not verdict["f"].parallelizable and "call-unknown" in verdict["f"].codes
    library = tmp_path / "library.cpp"
    library.write_text("#include <algorithm>\nint a[100000];\n"
                       "void f(int n) { for (int i = 0; i < n; i++) a[i] = std::max(i % 100, 50); }\n")
    _, verdict = _verdicts(library)
    assert verdict["f"].parallelizable


def test_gnu_conditionals_are_no_one_operand(tmp_path):
    """GNU's `x ?: y` and `__builtin_choose_expr(c, x, y)` show in libclang as unexposed expressions,
    like an implicit conversion, whose last operand is y: read as y, `a[(i - 1) ?: n]` became `a[n]`
    (a recurrence parallelized: a wrong sum at 4 threads) and `step(x ?: y, x, n)` passed two distinct
    objects (a call-site no-alias fact: a race)."""
    path = tmp_path / "elvis.c"
    path.write_text("long a[200001];\n"
                    "void rec(int n) { for (int i = 1; i < n; i++) a[i] = a[(i - 1) ?: n] + 1; }\n"
                    "void chosen(int n) { for (int i = 1; i < n; i++) a[i] = a[__builtin_choose_expr(1, i - 1, n)] + 1; }\n"
                    "static void step(long *dst, const long *src, int n) {\n"
                    "  for (int i = 0; i < n; i++) dst[i] = src[i + 1] * 3; }\n"
                    "void call(long *x, long *y, int n) { step(x ?: y, x, n); }\n")
    tu, verdict = _verdicts(path)
    assert not verdict["rec"].parallelizable and not verdict["chosen"].parallelizable
    assert "step" not in tu.distinct_parameters  # x ?: y may be x: dst and src are not apart


@pytest.mark.parametrize("declared, spelled", [
    ("long cnt = 0;\nstatic void f(const long *a, int n) {\n  long cnt = 7;", "::cnt"),
    ("namespace stats { long cnt = 0; }\nstatic void f(const long *a, int n) {", "stats::cnt"),
    ("struct S { static long cnt; };\nlong S::cnt = 0;\nstatic void f(const long *a, int n) {", "S::cnt")])
def test_a_scoped_name_is_never_spelled_bare(tmp_path, declared, spelled):
    """`reduction(+: cnt)` on `::cnt += a[i]` reduced the shadowing local (or named none, or a static
    member OpenMP refuses) while the threads raced on the global."""
    verdict = _verdicts_of(tmp_path, "scoped.cpp", f"{declared}\n  for (int i = 0; i < n; i++) {spelled} += a[i];\n}}\n"
                           "long g[100000];\nvoid plain(const long *a, int n) { for (int i = 0; i < n; i++) g[i] = a[i]; }\n")
    assert not verdict["f"].parallelizable and "scoped-name" in verdict["f"].codes
    assert verdict["plain"].parallelizable


# (file, text, the functions whose loop stays serial, the code the first of them gets (None: any), those
# whose loop runs in parallel): each serial loop ran in parallel before and printed another result
SERIAL_BESIDE_PARALLEL = {
    # no exception may leave a parallel region: std::terminate ended the program at 1 thread too
    "throws": ("throws.cpp", "static long check(long v) { if (v < 0) throw 42; return v * 2; }\n"
               "static long twice(long v) { return v * 2; }\nlong a[100000], b[100000];\n"
               "void f(int n) { for (int i = 0; i < n; i++) b[i] = check(a[i]); }\n"
               "void g(int n) { for (int i = 0; i < n; i++) b[i] = twice(a[i]); }\n", ["f"], None, ["g"]),
    # fesetround before a loop rounds only the calling thread's divisions, and fetestexcept after it sees
    # only that thread's flags
    "fenv": ("fenv.c", "#include <fenv.h>\ndouble d[100000];\nint k[100000];\n"
             "int f(int n) { feclearexcept(FE_ALL_EXCEPT);\n  for (int i = 0; i < n; i++) d[i] = 1.0 / d[i];\n"
             "  return fetestexcept(FE_DIVBYZERO) != 0; }\n"
             "void g(int n) { for (int i = 0; i < n; i++) k[i] = i * 3; }\n", ["f"], "fp-environment", ["g"]),
    # the same with integer data rounded through a double (`rint(b[i] * 0.5)` under FE_UPWARD rounded to
    # nearest in the team's threads), a struct's double member, a call of the file's own, and the
    # SSE control register set directly; an integer loop stays free
    "fenv-other-data": ("fenv2.c", "#include <fenv.h>\n#include <math.h>\nint a[1000], b[1000];\n"
                        "struct P { double x, y; } p[1000];\nstatic int half(int v) { return v / 2; }\n"
                        "void r(int n) { fesetround(FE_UPWARD);\n  for (int i = 0; i < n; i++) a[i] = (int)rint(b[i] * 0.5); }\n"
                        "void s(int n) { for (int i = 0; i < n; i++) p[i].y = 1.0 / p[i].x; }\n"
                        "void c(int n) { for (int i = 0; i < n; i++) a[i] = half(b[i]); }\n"
                        "void g(int n) { for (int i = 0; i < n; i++) a[i] = b[i] * 3; }\n",
                        ["r", "s", "c"], "fp-environment", ["g"]),
    "mxcsr": ("mxcsr.c", "double d[1000];\nvoid f(int n) { __builtin_ia32_ldmxcsr(0x7f80 | 0x6000);\n"
              "  for (int i = 0; i < n; i++) d[i] = 1.0 / d[i]; }\n", ["f"], "fp-environment", []),
    # errno set by a builtin spelling of a math function, in a file that reads errno
    "builtin-errno": ("berrno.c", "#include <errno.h>\ndouble x[1000], y[1000];\n"
                      "int f(int n) { errno = 0; for (int i = 0; i < n; i++) y[i] = __builtin_sqrt(x[i]);\n"
                      "  return errno; }\n", ["f"], None, []),
    # a write through the reference a call returns: no access named it
    "references": ("refs.cpp", "struct Vec { double *d; double &at(int i) { return d[i]; } };\n"
                   "double counter;\ndouble &slot() { return counter; }\n"
                   "double &el(double *p, int i) { return p[i]; }\n"
                   "void member(Vec v, int n) { for (int i = 1; i < n; i++) v.at(i) = v.at(i - 1) + 1.0; }\n"
                   "void free_function(double *x, int n) { for (int i = 1; i < n; i++) el(x, i) = el(x, i - 1) + 1.0; }\n"
                   "void global(int n) { for (int i = 0; i < n; i++) slot() += 1.0; }\n"
                   "void plain(double *x, int n) { for (int i = 0; i < n; i++) x[i] = i; }\n",
                   ["member", "free_function", "global"], "unmodelled-access", ["plain"]),
    # `dst[i] = src[i]` of a `T *` may call an instantiation's own `operator=` (a copy counter's raced)
    "templates": ("templates.cpp", "template <class T> void copyn(T *dst, const T *src, int n) {\n"
                  "  for (int i = 0; i < n; i++) dst[i] = src[i];\n}\n"
                  "template <int K> void scale(double *dst, int n) {\n"
                  "  for (int i = 0; i < n; i++) dst[i] = dst[i] * K;\n}\n", ["copyn"], "unmodelled-access", ["scale"]),
}


@pytest.mark.parametrize("case", sorted(SERIAL_BESIDE_PARALLEL))
def test_effects_no_text_spells_keep_a_loop_serial(tmp_path, case):
    name, text, serial, code, parallel = SERIAL_BESIDE_PARALLEL[case]
    verdict = _verdicts_of(tmp_path, name, text)
    assert not any(verdict[f].parallelizable for f in serial) and all(verdict[f].parallelizable for f in parallel)
    assert code is None or code in verdict[serial[0]].codes


def test_an_enum_counter_is_not_canonical(tmp_path):
    """gcc 12 fails (an internal compiler error) on an OpenMP loop over an enum counter."""
    path = tmp_path / "enum.c"
    path.write_text("enum E { E0, EMAX = 100000 };\nint a[100000];\n"
                    "void f(void) { enum E e; for (e = E0; e < EMAX; e++) a[e] = (int)e * 3; }\n")
    _kept_serial(path, "f", "non-canonical")


def test_a_header_of_the_program_that_sets_the_rounding_mode_counts(tmp_path):
    """fesetround in the program's own header: `y[i] = 1.0 / x[i]` ran in the team's threads, which
    still rounded to nearest."""
    (tmp_path / "myfe.h").write_text("#include <fenv.h>\nstatic void round_up(void) { fesetround(FE_UPWARD); }\n")
    path = tmp_path / "fe.c"
    path.write_text('#include "myfe.h"\ndouble x[1000], y[1000];\n'
                    "void f(int n) { round_up(); for (int i = 0; i < n; i++) y[i] = 1.0 / x[i]; }\n")
    _kept_serial(path, "f", "fp-environment")


def test_a_file_that_includes_itself_keeps_its_loops_serial(tmp_path):
    """Its second reading, under other macros, made the loop a recurrence (`a[i] = a[i - OFF]` with
    OFF 1) that the analysis of the first reading (OFF 0) never saw: the rewrite raced."""
    path = tmp_path / "self.c"
    path.write_text("#ifndef PASS\ndouble a[1000];\n#define PASS 1\n#define FN step_a\n#define OFF 0\n#else\n"
                    "#undef FN\n#undef OFF\n#define FN step_b\n#define OFF 1\n#endif\n"
                    "void FN(int n) { for (int i = 1; i < n; i++) a[i] = a[i - OFF] + 1; }\n"
                    "#if PASS == 1\n#undef PASS\n#define PASS 2\n#include \"self.c\"\n#endif\n")
    _kept_serial(path, "step_a", "preprocessor")
