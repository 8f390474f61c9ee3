"""No-alias facts from call sites: which pointer parameters of a file-local function every call
proves distinct, and what keeps the proof from holding."""

from __future__ import annotations

from pathlib import Path

from autopar.cli.main import main
from autopar.frontend.translate import translate

HERE = Path(__file__).parent / "catalogue"
CATALOGUE = HERE / "depth_callsite_noalias.c"


def _distinct(tmp_path, source: str, name: str = "f.c", whole_program: bool = False) -> dict[str, list[str]]:
    path = tmp_path / name
    path.write_text(source)
    tu = translate(str(path), [], whole_program=whole_program)
    assert not tu.has_errors, tu.diagnostics
    return tu.distinct_parameters


def test_the_catalogue_functions_get_exactly_the_provable_parameters():
    tu = translate(str(CATALOGUE), [])
    assert tu.distinct_parameters == {
        "cg_matvec": ["rowstr", "colidx", "a", "p", "q"],  # distinct globals at its one call
        "gather_fresh": ["idx", "u", "v"],  # three fresh allocations of main
        "gather_same": ["idx"],  # u and v are both z at one call
        "names_its_argument": ["idx"],  # v is r, which the function names
        "pull_swapped": ["rowstr", "colidx", "rank", "next"],  # rank and next only swapped
    }
    # through_global reads a global pointer, address_taken sits in a table, forwards passes its own
    # parameter, reassigned moves u, external_gather is not static, pull_collapsed's caller copies one
    # swapped pointer onto the other: none of them has a fact
    loop = next(l for l in tu.loops if l.function == "cg_matvec" and l.parent is None)
    assert all(a.base.distinct_at_calls and not a.base.restrict for a in loop.accesses)


GATHER = """
static void gather(int n, const int *idx, const double *u, double *v) {
    for (int i = 0; i < n; i++)
        v[i] = u[idx[i]] SUFFIX;
}
"""


def test_a_loaded_pointer_in_a_called_function_keeps_the_parameters_apart_unproven(tmp_path):
    # helper reads through a global pointer that may lead to v's array: no fact for gather
    source = """
double *view;
int idx[100]; double x[100], y[100];
static double helper(int i) { return view[i]; }
""" + GATHER.replace("SUFFIX", "+ helper(i)") + """
int main(void) { view = y; gather(100, idx, x, y); return (int)y[3]; }
"""
    assert _distinct(tmp_path, source) == {}
    assert _distinct(tmp_path, source.replace("return view[i];", "return (double)i;")) == {
        "gather": ["idx", "u", "v"]}


def test_a_member_pointer_or_a_pointer_array_blocks_the_proof(tmp_path):
    member = """
struct box { double *data; };
int idx[100]; double x[100], y[100];
static void fill(struct box *b, const int *k, double *v) {
    for (int i = 0; i < 100; i++)
        v[i] = b->data[k[i]];
}
int main(void) { struct box b = {y}; fill(&b, idx, y); return (int)y[3]; }
"""
    assert _distinct(tmp_path, member) == {}
    rows = """
int idx[100]; double x[100], y[100]; double *rows[2];
static void fill(const int *k, double *v) {
    for (int i = 0; i < 100; i++)
        v[i] = rows[0][k[i]];
}
int main(void) { rows[0] = y; fill(idx, y); return (int)y[3]; }
"""
    assert _distinct(tmp_path, rows) == {}


def test_a_comment_naming_the_function_does_not_count_as_its_address(tmp_path):
    source = """
/* gather: v[i] = u[idx[i]] */
int idx[100]; double x[100], y[100];
""" + GATHER.replace("SUFFIX", "") + """
int main(void) { gather(100, idx, x, y); return (int)y[3]; }
"""
    assert _distinct(tmp_path, source) == {"gather": ["idx", "u", "v"]}
    pointer = source + "static void (*keep)(int, const int *, const double *, double *) = gather;\n"
    assert _distinct(tmp_path, pointer) == {}


def test_element_addresses_name_their_array_and_cxx_gets_no_facts(tmp_path):
    source = """
static void scale(int n, const double *u, double *v) {
    for (int i = 0; i < n; i++) v[i] = 2.0 * u[i];
}
double a[64][64], b[64][64];
int main(void) {
    for (int r = 0; r < 64; r++) scale(64, &a[r][0], b[r]);
    scale(64, a[1] + 1, &b[2][0]);
    return (int)b[1][1];
}
"""
    assert _distinct(tmp_path, source) == {"scale": ["u", "v"]}
    # two rows of one array are one object: no proof
    assert _distinct(tmp_path, source.replace("scale(64, a[1] + 1, &b[2][0]);", "scale(64, a[1], a[2]);")) == {}
    # a pointer made of an integer may point anywhere
    cast = source.replace("scale(64, a[1] + 1, &b[2][0]);", "scale(64, a[1], (double *)(long)b[2]);")
    assert _distinct(tmp_path, cast) == {}
    # C++ can rebind a pointer through a reference (`double *&r = p;`): no facts at all
    assert _distinct(tmp_path, source, "f.cpp") == {}


def test_redeclared_objects_macro_calls_and_lookalike_allocators(tmp_path):
    body = """
static void kern(int n, const double *p, double *q) {
    for (int i = 0; i < n; i++) q[i] = p[i] + A[i];
}
"""
    # `extern double A[];` and its definition are one object, which kern names
    redeclared = "extern double A[];\n" + body + "double A[100], B[100];\nint main(void) { kern(100, A, B); return 0; }\n"
    assert _distinct(tmp_path, redeclared) == {"kern": ["q"]}  # p is A, which kern names
    macro = ("double A[100], B[100];\n" + body + "#define SELF(x) kern(100, x, x)\n"
             "static void direct(void) { kern(100, B, A); }\n"
             "int main(void) { direct(); SELF(B); return 0; }\n")
    assert _distinct(tmp_path, macro) == {}  # the call inside the macro passes B twice
    lookalike = ("#include <stddef.h>\ndouble A[100], pool[200];\n"
                 "static void *memalign(size_t a, size_t s) { (void)a; (void)s; return pool; }\n" + body +
                 "int main(void) { double *x = memalign(8, 800), *y = memalign(8, 800); kern(100, x, y); return 0; }\n")
    assert _distinct(tmp_path, lookalike) == {}


def test_explain_says_where_the_fact_comes_from(tmp_path, capsys):
    assert main(["explain", f"{CATALOGUE}:25", "--no-png", "--dot", str(tmp_path / "g.dot")]) == 0
    out = capsys.readouterr().out
    assert "no-alias from the call sites: every call in this file passes rowstr, colidx, a, p, q" in out
    assert "result: this loop gets `#pragma omp parallel for private(k, sum)" in out


def test_a_static_heat_stencil_needs_no_alias_check(tmp_path):
    """The placement test's 3-D heat stencil, file-local: its one call passes two distinct arrays, so
    the region around the time loop needs no runtime check at all."""
    source = tmp_path / "heat3d.c"
    text = (HERE.parent / "data" / "placement" / "heat3d.c").read_text()
    source.write_text(text.replace("void kernel_heat_3d", "static void kernel_heat_3d"))
    assert main(["rewrite", "-i", str(source)]) == 0
    out = source.read_text()
    assert "#pragma omp parallel" in out and "(const char *)" not in out


def test_scratch_arrays_and_pointers_that_enter_with_the_call():
    tu = translate(str(HERE / "depth_private_scratch.c"), [])
    resid = next(l for l in tu.loops if l.function == "resid" and l.parent is None)
    assert [key.split("@")[0] for key in resid.arrays_dead_after] == ["u1", "u2"]
    bases = {a.base.name: a.base for a in resid.accesses}
    # the local VLA pointers copy their void * parameters, which every call passes distinct arrays
    assert all(bases[name].enters_with_call and bases[name].distinct_at_calls for name in "uvr")
    assert not bases["u1"].enters_with_call
    read_after = next(l for l in tu.loops if l.function == "scratch_read_after" and l.parent is None)
    escapes = next(l for l in tu.loops if l.function == "scratch_escapes" and l.parent is None)
    assert read_after.arrays_dead_after == [] and escapes.arrays_dead_after == []
    moved = [l for l in tu.loops if l.function == "moved_pointer"][-1]
    assert not next(a.base for a in moved.accesses if a.base.name == "in").enters_with_call


PULL = """
#include <stdlib.h>
#include <stdio.h>
LINKAGE void pull(int n, const int *ptr, const int *idx, const double *rank, double *next) {
    for (int v = 0; v < n; v++) {
        double sum = 0.0;
        for (int e = ptr[v]; e < ptr[v + 1]; e++)
            sum += rank[idx[e]];
        next[v] = 0.15 + 0.85 * sum;
    }
}
int main(void) {
    int n = 1000;
    int *ptr = malloc(sizeof(int) * (n + 1)), *idx = malloc(sizeof(int) * n);
    double *rank = malloc(sizeof(double) * n), *next = malloc(sizeof(double) * n);
    double *other = malloc(sizeof(double) * n);
    for (int v = 0; v <= n; v++) ptr[v] = v;
    for (int v = 0; v < n; v++) { idx[v] = (v * 7) % n; rank[v] = 1.0; other[v] = 0.0; }
    for (int it = 0; it < 10; it++) {
        pull(n, ptr, idx, rank, next);
        SWAP
    }
    printf("%g\\n", rank[3] + other[0]);
    return 0;
}
"""
SWAP = "double *tmp = rank; rank = next; next = tmp;"


def _pull(tmp_path, linkage="static", swap=SWAP, whole_program=False) -> dict[str, list[str]]:
    return _distinct(tmp_path, PULL.replace("LINKAGE", linkage).replace("SWAP", swap), "pull.c", whole_program)


def test_pointers_swapped_with_each_other_keep_pointing_into_distinct_allocations(tmp_path):
    everything = {"pull": ["ptr", "idx", "rank", "next"]}
    assert _pull(tmp_path) == everything
    assert _pull(tmp_path, swap="double *tmp; tmp = rank; rank = next; next = tmp;") == everything
    # near misses: a store besides the swaps, a swap through an expression, the address of one taken,
    # the three statements not in a row (an argument that names no object of its own proves nothing)
    assert _pull(tmp_path, swap="double *tmp = rank; rank = next; next = tmp; next = rank;") == {}
    assert _pull(tmp_path, swap="double *tmp = rank; rank = next + 0; next = tmp;") == {}
    assert _pull(tmp_path, swap="double *tmp = rank; rank = next; next = tmp; double **pp = &rank; (void)pp;") == {}
    assert _pull(tmp_path, swap="double *tmp = rank; rank = next; other[1] = 1; next = tmp;") == {}
    # swapped with `other` too: still a permutation of three fresh allocations
    assert _pull(tmp_path, swap="double *t = rank; rank = next; next = t; t = next; next = other; other = t;") \
        == everything


def test_a_whole_program_proves_the_parameters_of_its_external_functions(tmp_path, capsys):
    assert _pull(tmp_path, linkage="") == {}
    assert _pull(tmp_path, linkage="", whole_program=True) == {"pull": ["ptr", "idx", "rank", "next"]}
    path = tmp_path / "pull.c"
    path.write_text(PULL.replace("LINKAGE", "").replace("SWAP", SWAP))
    for option, parallel in ((), False), (("--whole-program",), True):
        assert main(["analyze", *option, "--format", "concise", str(path)]) == 0
        pull_loop = next(line for line in capsys.readouterr().out.splitlines() if ":5:5:" in line)
        assert ("in pull() parallelized" in pull_loop) == parallel, pull_loop


def test_a_whole_program_never_proves_a_function_the_c_library_declares(tmp_path):
    # a definition of a name the C library declares may replace the library's, which then calls it
    source = """
#include <strings.h>
void bcopy(const void *from, void *to, size_t n) {
    const char *f = from; char *t = to;
    for (size_t i = 0; i < n; i++) t[i] = f[i];
}
char a[64], b[64];
int main(void) { bcopy(a, b, 64); return b[1]; }
"""
    path = tmp_path / "copy.c"
    path.write_text(source)
    assert translate(str(path), [], whole_program=True).distinct_parameters == {}
    path.write_text(source.replace("bcopy", "copy_bytes"))
    assert translate(str(path), [], whole_program=True).distinct_parameters == {"copy_bytes": ["from", "to"]}


STEP = """
#include <stdlib.h>
void step(int n, const double *x, double *y) {
    for (int i = 1; i < n - 1; i++)
        y[i] = 0.25 * x[i - 1] + 0.5 * x[i] + 0.25 * x[i + 1];
}
EXTRA
int main(void) {
    double *a = malloc(sizeof(double) * 100), *b = malloc(sizeof(double) * 100);
    step(100, a, b);
    CALL
    return (int)b[3];
}
"""


def _step(tmp_path, extra="", call="") -> dict[str, list[str]]:
    return _distinct(tmp_path, STEP.replace("EXTRA", extra).replace("CALL", call), "step.c", whole_program=True)


def test_a_second_name_for_a_function_or_an_asm_statement_proves_nothing(tmp_path):
    assert _step(tmp_path) == {"step": ["x", "y"]}
    # each hides a call `step(n, b, b)` behind another name, or rebinds a pointer unseen
    for extra, call in [
        ('void smooth(int, const double *, double *) __attribute__((alias("step")));', "smooth(100, b, b);"),
        ('#define SAME(f) __attribute__((__alias__(#f)))\nvoid smooth(int, const double *, double *) SAME(step);',
         "smooth(100, b, b);"),
        ('static void sm(int, const double *, double *) __attribute__((weakref("step")));', "sm(100, b, b);"),
        ('extern void smooth(int, const double *, double *) __asm__("step");', "smooth(100, b, b);"),
        ("", '__asm__("" : "=r"(a) : "0"(b)); step(100, a, b);'),
    ]:
        assert _step(tmp_path, extra, call) == {}, extra or call


def test_library_names_included_or_not_and_includes_however_spelled(tmp_path):
    # gcc may turn a copy loop into a call of memmove, which the program's own memmove then serves
    source = """
void *memmove(void *d, const void *s, unsigned long n) {
    char *dd = d; const char *ss = s;
    for (unsigned long i = 0; i < n; i++) dd[i] = ss[i];
    return d;
}
char a[64], b[64];
int main(void) { memmove(b, a, 64); return b[1]; }
"""
    path = tmp_path / "mm.c"
    path.write_text(source)
    assert translate(str(path), [], whole_program=True).distinct_parameters == {}
    # an #include after a static function may call it, whatever its spelling
    (tmp_path / "more.h").write_text("static void twice(int n, double *v) { step(n, v, v); }\n")
    for spelling in ('%:include "more.h"', '#/**/include "more.h"', '#\\\ninclude "more.h"'):
        path = tmp_path / "inc.c"
        path.write_text(STEP.replace("void step", "static void step").replace("EXTRA", spelling)
                        .replace("CALL", "twice(100, b);"))
        assert translate(str(path), []).distinct_parameters == {}, spelling


def test_two_declarations_of_one_macro_expansion_are_not_one_variable(tmp_path):
    extra = """
#define RUN() do { double *p = malloc(sizeof(double) * 100), *q = malloc(sizeof(double) * 100); \\
    step(100, p, q); { double *p = q; step(100, p, q); } } while (0)
"""
    assert _step(tmp_path, extra, "RUN();") == {}
    assert _step(tmp_path, extra.replace("{ double *p = q; step(100, p, q); }", ""), "RUN();") == \
        {"step": ["x", "y"]}


SOLVER = """
#include <stdlib.h>
static void jacobi(double *u, double *unew, const double *f, int n, int steps) {
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            unew[i] = 0.5 * (u[i - 1] + u[i + 1]) + f[i];
        SWAP
    }
}
int main(void) {
    int n = 2000000;
    double *u = calloc(n, sizeof *u), *v = calloc(n, sizeof *v), *f = calloc(n, sizeof *f);
    CALL
    free(u); free(v); free(f);
    return 0;
}
"""


def test_parameters_the_callee_swaps_with_each_other_stay_apart(tmp_path, capsys):
    def solver(swap="double *tmp = u; u = unew; unew = tmp;", call="jacobi(u, v, f, n, 10);"):
        return SOLVER.replace("SWAP", swap).replace("CALL", call)

    assert _distinct(tmp_path, solver()) == {"jacobi": ["u", "unew", "f"]}
    # near misses: one array passed twice, a partner that may share its object with another argument,
    # a store besides the swap, a swap with a local
    assert _distinct(tmp_path, solver(call="jacobi(u, u, f, n, 10);")) == {"jacobi": ["f"]}
    assert _distinct(tmp_path, solver(call="jacobi(u, f, f, n, 10);")) == {}
    assert _distinct(tmp_path, solver(swap="double *tmp = u; u = unew; unew = tmp; u = unew;")) == {}
    assert _distinct(tmp_path, solver(swap="double *w = f + 0; double *tmp = u; u = w; w = tmp;")) == {}
    path = tmp_path / "solver.c"
    path.write_text(solver())
    assert main(["analyze", "--format", "concise", str(path)]) == 0
    sweep = next(line for line in capsys.readouterr().out.splitlines() if ":5:9:" in line)
    assert "parallelized" in sweep and "(const char *)" not in sweep, sweep  # no runtime alias check


def test_a_pointer_declared_before_its_target_moves_is_not_that_target(tmp_path, capsys):
    # `double *t = u; u = v; v = t;` leaves t where u was, which is v now: t[i] and v[i + 1] meet
    swapped = SOLVER.replace("unew[i] = 0.5 * (u[i - 1] + u[i + 1]) + f[i];", "unew[i + 1] = t[i] + f[i];") \
        .replace("for (int i = 1; i < n - 1; i++)", "double *t = u; u = unew; unew = t;\n"
                 "        for (int i = 0; i < n - 1; i++)").replace("SWAP", "").replace("CALL", "jacobi(u, v, f, n, 10);")
    # the same without a swap: t is a - 1 once a moves on
    shifted = """
static void shift(double *a, int n, int steps) {
    for (int it = 0; it < steps; it++) {
        double *t = a;
        a = a + 1;
        for (int i = 0; i < n; i++)
            a[i] = t[i] + it;
    }
}
int main(void) { static double a[2000064]; shift(a, 2000000, 40); return 0; }
"""
    for text, line in ((swapped, ":6:9:"), (shifted, ":6:9:")):
        path = tmp_path / "moved.c"
        path.write_text(text)
        assert main(["analyze", "--format", "concise", str(path)]) == 0
        sweep = next(l for l in capsys.readouterr().out.splitlines() if line in l)
        assert "[static]" not in sweep and ("left serial" in sweep or "(t)" in sweep or "(t +" in sweep), sweep


def test_a_target_moved_through_a_conditional_a_comma_or_a_goto_is_seen(tmp_path, capsys):
    # p is the old a + 1: p[i] and a[i + 1] are one element only until a moves
    kernel = """
static void kernel(double *a, double *b, int T) {
    for (int t = 0; t < T; t++) {
        MOVE
        for (int i = 0; i < 2000000; i++)
            p[i] = a[i + 1] * 0.5 + 1.0;
    }
}
"""
    cases = {
        "cond.cpp": "double *p = a + 1;\n        (t >= 0 ? a : b) = b;",
        "comma.cpp": "double *p = &a[1];\n        (0, a) = b;",
        # a backward goto runs `a = b` after the declaration, although it is written before it
        "goto.c": "int pass = 0;\n    top:\n        if (pass) { a = b; goto use; }\n        double *p = a + 1;\n"
                  "        pass = 1;\n        goto top;\n    use:",
    }
    for name, move in cases.items():
        path = tmp_path / name
        path.write_text(kernel.replace("MOVE", move))
        assert main(["analyze", "--format", "concise", str(path)]) == 0
        sweep = [l for l in capsys.readouterr().out.splitlines() if "loop over i" in l][0]
        assert "[static]" not in sweep, (name, sweep)
