"""The rewriter on hand-made loops and plans: byte-exact output, idempotence, loops it must not touch."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from autopar.ir import Loop, ReductionOp, TranslationUnit
from autopar.plans.plan import Decision, Plan, Reduction
from autopar.edit.edits import Edit, RewriteError, apply_edits, unified_diff, with_line_directives
from autopar.plans.plan import render_pragma
from autopar.edit.rewrite import plan_rewrite


def make_tu(source: bytes, **flags_by_index) -> TranslationUnit:
    """A TranslationUnit whose loops are the `for` keywords of `source`, as the front end records them.

    `flags_by_index={"loop1": {"from_macro": True}}` sets fields of the second loop.
    """
    loops = []
    for index, match in enumerate(re.finditer(rb"\bfor\s*\(", source)):
        offset = match.start()
        line_start = source.rfind(b"\n", 0, offset) + 1
        line = source.count(b"\n", 0, offset) + 1
        prefix = source[line_start:offset].decode()
        loop = Loop(id=f"t.c:{line}:{offset - line_start + 1}", file="t.c", line=line,
                    column=offset - line_start + 1, offset=offset, function="f", depth=0, end_line=line,
                    indentation=prefix if not prefix.strip() else "")
        loops.append(loop.model_copy(update=flags_by_index.get(f"loop{index}", {})))
    return TranslationUnit(path="t.c", language="c", loops=loops)


def parallel(tu: TranslationUnit, *indices: int, **plan_fields) -> list[Decision]:
    return [Decision(root_loop_id=tu.loops[i].id, plan=Plan(loop_id=tu.loops[i].id, **plan_fields))
            for i in indices]


def rewrite(source: bytes, tu: TranslationUnit, decisions: list[Decision]) -> bytes:
    return apply_edits(source, plan_rewrite(source, tu, decisions).edits)


SOURCE = b"""/* header comment */
#define N 100
static double a[N], b[N];

void scale(double k) {
  // keep this comment
  for (int i = 0; i < N; i++)   /* trailing */
    a[i] = k * b[i];
\tfor (int j = 0; j < N; j++) {
\t\tb[j] = 0;\t// tab inside
\t}
}
"""


def test_pragma_goes_on_its_own_line_with_the_loop_indentation():
    tu = make_tu(SOURCE)
    out = rewrite(SOURCE, tu, parallel(tu, 0, 1))
    expected = SOURCE.replace(b"  for (int i", b"  #pragma omp parallel for\n  for (int i") \
                     .replace(b"\tfor (int j", b"\t#pragma omp parallel for\n\tfor (int j")
    assert out == expected


def test_every_other_byte_is_kept():
    tu = make_tu(SOURCE)
    out = rewrite(SOURCE, tu, parallel(tu, 0))
    inserted = b"  #pragma omp parallel for\n"
    assert len(out) == len(SOURCE) + len(inserted)
    position = out.index(inserted)
    assert out[:position] + out[position + len(inserted):] == SOURCE


def test_crlf_file_gets_crlf_pragma_lines_and_no_lone_lf():
    source = SOURCE.replace(b"\n", b"\r\n")
    tu = make_tu(source)
    out = rewrite(source, tu, parallel(tu, 0, 1))
    assert b"  #pragma omp parallel for\r\n  for (int i" in out
    assert b"\t#pragma omp parallel for\r\n\tfor (int j" in out
    assert out.count(b"\n") == out.count(b"\r\n")


def test_missing_final_newline_stays_missing():
    source = b"void f(int *a) { int i;\n  for (i = 0; i < 8; i++) a[i] = i; }"
    tu = make_tu(source)
    out = rewrite(source, tu, parallel(tu, 0))
    assert out == b"void f(int *a) { int i;\n  #pragma omp parallel for\n  for (i = 0; i < 8; i++) a[i] = i; }"


def test_loop_on_the_first_line_of_a_crlf_file():
    source = b"for (;;) {}\r\nint x;\r\n"
    tu = make_tu(source)
    assert rewrite(source, tu, parallel(tu, 0)) == b"#pragma omp parallel for\r\n" + source


def test_clauses_come_from_render_pragma():
    tu = make_tu(SOURCE)
    decisions = parallel(tu, 0, private=["t"],
                         reductions=[Reduction(op=ReductionOp.ADD, variables=["s"])],
                         threshold_check="N > 1000")
    edits = plan_rewrite(SOURCE, tu, decisions).edits
    assert [e.pragma for e in edits] == [render_pragma(decisions[0].plan)]
    assert edits[0].text == "  #pragma omp parallel for private(t) reduction(+: s) if(N > 1000)\n"


def test_second_run_changes_nothing():
    tu = make_tu(SOURCE)
    once = rewrite(SOURCE, tu, parallel(tu, 0, 1))
    # the front end of the second run sees the new pragmas; the rewriter's own check must agree
    tu2 = make_tu(once)
    assert rewrite(once, tu2, parallel(tu2, 0, 1)) == once
    skipped = plan_rewrite(once, tu2, parallel(tu2, 0, 1)).skipped
    assert set(skipped.values()) == {"not edited: the loop already has an omp pragma"}


def test_existing_pragma_with_continuation_is_recognised():
    source = b"void f(int *a){\n#pragma omp parallel for \\\n    schedule(static)\n  for (int i=0;i<9;i++) a[i]=0;\n}\n"
    tu = make_tu(source)
    plan = plan_rewrite(source, tu, parallel(tu, 0))
    assert plan.edits == [] and "already has an omp pragma" in plan.skipped[tu.loops[0].id]


@pytest.mark.parametrize("above, edited", [
    (b"#pragma omp parallel for\n  // the hot loop\n", False),  # a comment between: still its pragma
    (b"#ifdef _OPENMP\n#pragma omp parallel for\n#endif\n", False),
    (b"#pragma omp barrier\n", True),  # a standalone directive belongs to no loop
])
def test_the_rewriters_own_check_reads_pragmas_as_the_front_end_does(above, edited):
    """The loops here carry no existing_pragma: the rewriter reads the text itself (it stopped at the
    comment and the `#endif`, and took the barrier for the loop's pragma)."""
    source = b"void f(int *a) {\n" + above + b"  for (int i = 0; i < 9; i++) a[i] = 0;\n}\n"
    tu = make_tu(source)
    plan = plan_rewrite(source, tu, parallel(tu, 0))
    assert bool(plan.edits) == edited


@pytest.mark.parametrize("flags, reason", [
    ({"from_macro": True}, "macro expansion"),
    ({"in_main_file": False}, "another file"),
    ({"opt_out": True}, "autopar: off"),
    ({"existing_pragma": "#pragma omp simd"}, "already has an omp pragma"),
    ({"inside_omp_construct": True}, "inside an existing omp construct"),
])
def test_loops_that_must_not_be_edited(flags, reason):
    tu = make_tu(SOURCE, loop0=flags)
    plan = plan_rewrite(SOURCE, tu, parallel(tu, 0, 1))
    assert reason in plan.skipped[tu.loops[0].id]
    assert [e.loop_id for e in plan.edits] == [tu.loops[1].id]


def test_macro_loop_is_untouched_byte_for_byte():
    source = b"#define ZERO(a, n) for (int i = 0; i < n; i++) a[i] = 0\nvoid f(int *a) {\n  ZERO(a, 8);\n}\n"
    tu = make_tu(source)
    # the front end reports the expansion's `for` at the spelling location, flagged from_macro
    tu = tu.model_copy(update={"loops": [tu.loops[0].model_copy(update={"from_macro": True}), *tu.loops[1:]]})
    plan = plan_rewrite(source, tu, parallel(tu, 0))
    assert plan.edits == [] and apply_edits(source, plan.edits) == source
    assert "macro" in plan.skipped[tu.loops[0].id]


def test_code_before_for_on_the_same_line_gets_a_line_break_and_the_pragma():
    source = (b"void f(int *a) {\n  if (a) {} for (int i = 0; i < 4; i++) a[i] = 1;\nl1: for (;;) break;\n"
              b"  do for (int i = 0; i < 4; i++) a[i] = 2; while (0);\n}\n")
    tu = make_tu(source)
    plan = plan_rewrite(source, tu, parallel(tu, 0, 1, 2))
    assert plan.skipped == {}
    out = apply_edits(source, plan.edits)
    assert out == (b"void f(int *a) {\n  if (a) {}\n  #pragma omp parallel for\n  for (int i = 0; i < 4; i++) a[i] = 1;\n"
                   b"l1:\n#pragma omp parallel for\nfor (;;) break;\n"
                   b"  do\n  #pragma omp parallel for\n  for (int i = 0; i < 4; i++) a[i] = 2; while (0);\n}\n")
    again = make_tu(out)
    assert apply_edits(out, plan_rewrite(out, again, parallel(again, 0, 1, 2)).edits) == out  # idempotent


@pytest.mark.parametrize("before", [b"HINT ", b"x = y; // for\n  int z = 0, ", b"#define L ",
                                    b'_Pragma("omp simd") ', b"REPEAT(3) ", b"(void)(x) "])
def test_code_a_statement_cannot_end_in_keeps_a_loop_after_it_unedited(before):
    source = b"void f(int *a) {\n  " + before + b"for (int i = 0; i < 4; i++) a[i] = 1;\n}\n"
    tu = make_tu(source)
    plan = plan_rewrite(source, tu, parallel(tu, 0))
    assert plan.edits == [] and "precedes the `for`" in plan.skipped[tu.loops[0].id]


def test_a_loop_sharing_its_line_takes_a_plan_that_is_only_its_pragma(tmp_path):
    """A work threshold becomes the pragma's if() clause there (no serial copy), a plan that needs code
    around the loop is not written, and the rewritten file compiles, runs as the serial one and keeps
    every diagnostic at its original line."""
    source = (b"#include <stdio.h>\n#include <stdlib.h>\n"
              b"int main(int argc, char **argv)\n{\n  int n = argc > 1 ? atoi(argv[1]) : 100000, i;\n"
              b"  double *a = malloc(n * sizeof *a); int h[4] = {0};\n"
              b"  if (n > 0) for (i = 0; i < n; i++) a[i] = i * 0.5;\n"
              b"  double s = 0; for (i = 0; i < n; i++) s += a[i];\n"
              b"  { } for (i = 0; i < n; i++) h[i % 4]++;\n"
              b"  int unused; printf(\"%.1f %d\\n\", s, h[3]);\n  return 0;\n}\n")
    path = tmp_path / "line.c"
    path.write_bytes(source)
    from autopar.edit.transform import transform_file

    result = transform_file(str(path), [], None)
    skipped = {loop.line: loop for loop in result.report.loops}
    assert [e.line for e in result.edits if e.pragma] == [7, 8]
    assert all(" if(" in e.pragma for e in result.edits if e.pragma)
    assert "needs more than a pragma line" in " ".join(skipped[9].reasons)
    out = apply_edits(source, result.edits)
    assert b"  if (n > 0)\n  #pragma omp parallel for if(" in out and b"  double s = 0;\n  #pragma omp" in out
    marked = tmp_path / "marked.c"
    marked.write_bytes(with_line_directives(source, result.edits, str(path)))
    outputs = set()
    for compiler in ("gcc", "clang"):
        for name, flags in (("serial", []), ("parallel", ["-fopenmp"])):
            built = subprocess.run([compiler, "-O1", "-Wall", *flags, str(marked if flags else path), "-o",
                                    str(tmp_path / name)], capture_output=True, text=True, check=True)
            assert f"{path}:10:7: warning: unused variable" in built.stderr, built.stderr
            outputs.add(subprocess.run([str(tmp_path / name), "300000"], capture_output=True, text=True,
                                       check=True, env={"OMP_NUM_THREADS": "2"}).stdout)
    assert outputs == {"22499925000.0 75000\n"}


def test_stale_offset_is_refused():
    tu = make_tu(SOURCE)
    tu = tu.model_copy(update={"loops": [tu.loops[0].model_copy(update={"offset": tu.loops[0].offset + 1}),
                                         *tu.loops[1:]]})
    plan = plan_rewrite(SOURCE, tu, parallel(tu, 0))
    assert plan.edits == [] and "no longer matches" in plan.skipped[tu.loops[0].id]


def test_overlapping_edits_are_an_error():
    with pytest.raises(RewriteError):
        apply_edits(b"abcdef", [Edit(offset=1, length=3, text="x"), Edit(offset=2, length=0, text="y")])
    with pytest.raises(RewriteError):
        apply_edits(b"abc", [Edit(offset=2, length=5, text="x")])


def test_unified_diff_applies_with_patch(tmp_path):
    tu = make_tu(SOURCE)
    out = rewrite(SOURCE, tu, parallel(tu, 0, 1))
    (tmp_path / "t.c").write_bytes(SOURCE)
    diff = unified_diff("t.c", SOURCE, out)
    assert diff.startswith("--- a/t.c\n+++ b/t.c\n")
    assert diff.count("\n+") == 2 + 1  # two pragma lines and the +++ header
    subprocess.run(["patch", "-p1", "-s"], input=diff.encode(), cwd=tmp_path, check=True)
    assert (tmp_path / "t.c").read_bytes() == out


def test_a_line_directive_under_a_conditional_stops_the_copy_and_raw_strings_hold_none():
    """Under `#ifdef USE_GRAMMAR_LINES` (not defined), `#line 500 "grammar.y"` moved the copy's later
    lines to grammar.y:507: whether such a directive counts depends on macros autopar does not
    evaluate, so no copy is made. A C++ raw string's `# 1 Introduction` line is text, no directive."""
    loop = b"void f(int *a) {\n  for (int i = 0; i < 4; i++)\n    a[i] = __LINE__;\n}\n"
    guarded = b'#ifdef USE_GRAMMAR_LINES\n#line 500 "grammar.y"\n#endif\n' + loop
    tu = make_tu(guarded)
    with pytest.raises(RewriteError, match="under #if, #ifdef or #ifndef"):
        with_line_directives(guarded, plan_rewrite(guarded, tu, parallel(tu, 0)).edits, "g.c")
    raw = b'const char *doc = R"md(\n# 1 Introduction\n)md";\n' + loop
    tu = make_tu(raw)
    marked = with_line_directives(raw, plan_rewrite(raw, tu, parallel(tu, 0)).edits, "r.cc")
    assert b"  #pragma omp parallel for\n#line 5\n  for (int i" in marked  # (not `#line 2`)


def test_line_directives_keep_compiler_positions(tmp_path):
    source = b"void f(int *a) {\n  for (int i = 0; i < 4; i++)\n    a[i] = undeclared;\n}\n"
    tu = make_tu(source)
    plan = plan_rewrite(source, tu, parallel(tu, 0))
    marked = with_line_directives(source, plan.edits, "src/orig.c")
    assert marked.startswith(b'#line 1 "src/orig.c"\n')
    assert b"  #pragma omp parallel for\n#line 2\n  for (int i" in marked
    temp = tmp_path / "t.c"
    temp.write_bytes(marked)
    for compiler in ("gcc", "clang"):
        result = subprocess.run([compiler, "-fopenmp", "-fsyntax-only", str(temp)], capture_output=True,
                                text=True)
        assert result.returncode != 0
        assert "src/orig.c:3:12: error:" in result.stderr, (compiler, result.stderr)


def test_assumption_plans_need_explicit_permission():
    tu = make_tu(SOURCE)
    decisions = parallel(tu, 0, proof="assumption")
    plan = plan_rewrite(SOURCE, tu, decisions)
    assert plan.edits == [] and "unverified assumption" in plan.skipped[tu.loops[0].id]
    assert len(plan_rewrite(SOURCE, tu, decisions, allow_assumptions=True).edits) == 1


def test_line_directives_keep_a_bom_first(tmp_path):
    source = "\ufeffvoid f(int *a) {\n  for (int i = 0; i < 4; i++)\n    a[i] = nope;\n}\n".encode()
    tu = make_tu(source)
    marked = with_line_directives(source, plan_rewrite(source, tu, parallel(tu, 0)).edits, "b.c")
    assert marked.startswith(b'\xef\xbb\xbf#line 1 "b.c"\n')
    (tmp_path / "b.c").write_bytes(marked)
    result = subprocess.run(["gcc", "-fopenmp", "-fsyntax-only", str(tmp_path / "b.c")], capture_output=True,
                            text=True)
    assert "b.c:3:12: error: 'nope' undeclared" in result.stderr.replace("\u2018", "'").replace("\u2019", "'")


# ------------------------------------------------- end to end: the fuzzing bugs of issue 10 stay fixed

ISSUE10 = r"""#include <stdio.h>
int a[4000], b[4000];
unsigned u[4000];
double d[4000];

int iv_may_skip(int n) { int i = 99;
    for (i = 5; i < n; i++) a[i] = i; return i; }
int t_may_skip(int n) { int t = 7;
    for (int i = 0; i < n; i++) { t = a[i] + 1; b[i] = t; } return t; }
int iv_runs(void) { int i = 99;
    for (i = 5; i < 4000; i++) b[i] = i; return i; }
int narrow_max(int n) { signed char mx = -1;
    for (int i = 0; i < n; i++) if (a[i] > mx) mx = a[i]; return mx; }
int narrow_umax(int n) { unsigned char mx = 0;
    for (int i = 0; i < n; i++) mx = a[i] > mx ? a[i] : mx; return mx; }
int narrow_sum(int n) { signed char s = 3;
    for (int i = 0; i < n; i++) s += a[i]; return s; }
int and_minus_one(int n) { int ok = -1;
    for (int i = 0; i < n; i++) ok = ok && a[i] > 3; return ok; }
int or_minus_one(int n) { int ok = -1;
    for (int i = 0; i < n; i++) ok = ok || a[i] > 3; return ok; }
int and_from_one(int n) { int ok = 1;
    for (int i = 0; i < n; i++) ok = ok && a[i] > 3; return ok; }
int unsigned_ne(void) {
    int c = 0;
    for (unsigned i = -7; i != 5; i++) b[i + 7] = 1;
    for (int k = 0; k < 20; k++) c += b[k];
    return c;
}
int paren(void) {
    for (int i = 0; (i < 1000); i++) b[i] = 2 * i; return b[999]; }
int signed_as_unsigned(unsigned un) {
    int c = 0;
    for (int i = -3; i < un; i++) b[i + 3] = 5;
    for (int k = 0; k < 20; k++) c += b[k];
    return c;
}
long narrow_index(void) {
    long s = 0;
    for (int i = 0; i < 4000; i++) { unsigned char c = i; b[c] = i; }
    for (int k = 0; k < 256; k++) s += (long)b[k] * (k + 1);
    return s;
}

/* found by the fuzzer: the loop runs, but the update sits under an if that never fires */
int and_never_updated(void) {
    int ok = 5;
    for (int i = 0; i < 4000; i++)
        if (a[i] > 5000) ok = ok && a[i] < 100;
    return ok;
}

/* found by the fuzzer: the comparison is unsigned while the maximum is an int */
int unsigned_compare_max(void) {
    int m = 7;
    for (int i = 0; i < 4000; i++)
        if (m <= u[i]) m = u[i];
    return m;
}

int main(int argc, char **argv) {
    (void)argv;
    int zero = argc - 1, n = argc + 2;
    for (int i = 0; i < 4000; i++)
        u[i] = (unsigned)(i % 500);
    for (int i = 0; i < 4000; i++) {
        a[i] = (i * 7919) % 1000 - 300;
        d[i] = 1.0;
    }
    printf("iv_may_skip %d %d\n", iv_may_skip(n), iv_may_skip(4000));
    printf("t_may_skip %d %d\n", t_may_skip(zero), t_may_skip(4000));
    printf("iv_runs %d\n", iv_runs());
    printf("narrow_max %d %d\n", narrow_max(4000), narrow_umax(4000));
    printf("narrow_sum %d\n", narrow_sum(4000));
    printf("logical %d %d %d %d\n", and_minus_one(zero), or_minus_one(zero), and_from_one(zero), and_from_one(4000));
    printf("unsigned_ne %d\n", unsigned_ne());
    printf("paren %d\n", paren());
    printf("signed_as_unsigned %d\n", signed_as_unsigned(n));
    printf("narrow_index %ld\n", narrow_index());
    printf("and_never_updated %d\n", and_never_updated());
    printf("unsigned_compare_max %d\n", unsigned_compare_max());
    return 0;
}
"""


def _build_and_run(compiler: str, source, exe, openmp: bool) -> str:
    flags = ["-fopenmp"] if openmp else []
    built = subprocess.run([compiler, "-O2", *flags, str(source), "-o", str(exe)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    env = {**__import__("os").environ, "OMP_NUM_THREADS": "4"}
    ran = subprocess.run([str(exe)], capture_output=True, text=True, env=env, timeout=60)
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("clang")), reason="needs gcc and clang")
def test_the_fuzzing_bugs_of_issue_10_give_the_serial_output(tmp_path, monkeypatch):
    """Each function was miscompiled by the pragma autopar inserted (wrong lastprivate with no iteration,
    narrowing max, && on -1, an unsigned != loop, a signed counter
    compared as unsigned, an index through unsigned char), or the rewrite did not compile with gcc (a
    parenthesized condition). Built with gcc and clang, 4 threads, the output must be the serial one."""
    from autopar.edit.transform import transform_file

    monkeypatch.delenv("AUTOPAR_FP_REDUCTIONS", raising=False)
    original = tmp_path / "issue10.c"
    original.write_text(ISSUE10)
    made = transform_file(str(original))
    assert not made.failed
    pragmas = {l.function: l.pragma for l in made.report.loops if l.parallel}
    # the sound ones are still parallelized
    assert pragmas["iv_runs"] == "#pragma omp parallel for lastprivate(i)"
    assert pragmas["narrow_sum"] == ("#pragma omp parallel for reduction(+: s) "
                                    "if((n > 10000) && (autopar_team_pays_((double)(n) * 2e-05)))")
    assert pragmas["and_from_one"] == ("#pragma omp parallel for reduction(&&: ok) "
                                      "if((n > 10000) && (autopar_team_pays_((double)(n) * 2e-05)))")
    rewritten = tmp_path / "issue10.autopar.c"
    rewritten.write_bytes(made.rewritten)
    expected = _build_and_run("gcc", original, tmp_path / "serial", openmp=False)
    assert "iv_may_skip 5 4000" in expected and "logical -1 -1 1 0" in expected
    assert "and_never_updated 5" in expected and "unsigned_compare_max 499" in expected
    assert "and_never_updated" not in pragmas and "unsigned_compare_max" not in pragmas
    for compiler in ("gcc", "clang"):
        assert _build_and_run(compiler, rewritten, tmp_path / f"par-{compiler}", openmp=True) == expected


VERSIONED = r"""#include <stdio.h>
#include <stdlib.h>
static double a[200000], b[200000];
static long total(int n) { long t = 0; for (int i = 0; i < n; i++) t += (long)b[i]; return t; }
int main(int argc, char **argv) {
    int n = atoi(argv[1]), i;
    for (i = 0; i < 200000; i++) a[i] = i % 13;
    for (int t = 0; t < 3; t++) {
        for (i = 1; i < n - 1; i++)
            b[i] = a[i - 1] + a[i] + a[i + 1];
        for (int j = 1; j < n - 1; j++) {
#ifndef SCALE
#define SCALE 3
#endif
            a[j] = b[j] / SCALE;
        }
    }
    printf("%ld\n", total(n));
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_a_work_threshold_chooses_between_the_parallel_loop_and_a_serial_copy(tmp_path):
    """A plan with an if() condition is written as `if (c) { pragma loop } else { serial copy }`: a false
    if() clause still enters the OpenMP runtime. The copy is opted out, so a second rewrite and `check`
    leave it alone; a loop whose copy would not mean the same (a preprocessor line) keeps the if() clause. Both paths
    print what the serial program prints."""
    from autopar.report.check import check_file
    from autopar.edit.transform import transform_file

    original = tmp_path / "v.c"
    original.write_text(VERSIONED)
    made = transform_file(str(original), share_regions=False)  # each sweep its own region
    text = made.rewritten.decode()
    # the first loop has a constant trip count; the others' conditions call the start-up gate, defined
    # once above the function; total()'s loop shares its line, so its condition is an if() clause
    assert made.parallel_loops == 4 and len(made.edits) == 6 and text.count("#define AUTOPAR_TEAM_GATE_") == 1
    assert re.search(r"long t = 0;\n#pragma omp parallel for reduction\(\+: t\) if\(.*\)\nfor \(int i = 0;", text)
    assert text.index("#define AUTOPAR_TEAM_GATE_") < text.index("int main")
    first = re.search(r"\n( +)if \(\(n - 2 > \d+\) && \(autopar_team_pays_\(\(double\)\(n - 2\) \* [\d.e-]+\)\)\) \{\n"
                      r" +#pragma omp parallel for\n +for \(i = 1;", text)
    assert first, text
    assert "} else { /* autopar: off (the serial version of the loop above) */\n        for (i = 1;" in text
    assert re.search(r"#pragma omp parallel for if\(\(n - 2 > \d+\) && \(autopar_team_pays_\(.*\)\)\)\n"
                     r" +for \(int j = 1; j < n - 1; j\+\+\) \{\n#ifndef", text)
    rewritten = tmp_path / "v2.c"
    rewritten.write_bytes(made.rewritten)
    again = transform_file(str(rewritten), share_regions=False)
    assert again.edits == [] and again.rewritten == made.rewritten
    assert [f for f in check_file(str(rewritten), [], None).findings if f.rule != "simd"] == []
    serial = _build_and_run_with("gcc", original, tmp_path / "serial", False, ["5", "150000"])
    parallel = _build_and_run_with("gcc", rewritten, tmp_path / "parallel", True, ["5", "150000"])
    assert serial == parallel and len(set(serial)) == 2  # a small run (serial path) and a large one


def _build_and_run_with(compiler: str, source, exe, openmp: bool, arguments: list[str]) -> list[str]:
    flags = ["-fopenmp"] if openmp else []
    built = subprocess.run([compiler, "-O2", *flags, str(source), "-o", str(exe)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    env = {**__import__("os").environ, "OMP_NUM_THREADS": "4"}
    outputs = []
    for argument in arguments:
        ran = subprocess.run([str(exe), argument], capture_output=True, text=True, env=env, timeout=60)
        assert ran.returncode == 0, ran.stderr
        outputs.append(ran.stdout)
    return outputs


def test_line_directives_of_a_versioned_loop_point_at_the_original_lines(tmp_path):
    """autopar-cc compiles the versioned text with #line directives: a diagnostic in either copy, or
    after the loop on its last line, names the line of the original file."""
    from autopar.edit.transform import transform_file

    source = tmp_path / "w.c"
    source.write_text("double a[1000000], b[1000000];\n"
                      "void f(int n) {\n"
                      "    int i;\n"
                      "    for (i = 1; i < n - 1; i++) {\n"
                      "        b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3;\n"
                      "    } int q = 1;\n"
                      "    int r = 2;\n"
                      "}\n")
    made = transform_file(str(source))
    assert made.parallel_loops == 1 and len(made.edits) == 3  # and the start-up gate's definition
    compiled = with_line_directives(made.source, made.edits, "w.c").decode()
    assert "#endif\n\n#line 2\nvoid f(int n) {" in compiled
    copies = [m.start() for m in re.finditer(r"#line 4\n    for \(i = 1;", compiled)]
    assert len(copies) == 2 and "}\n#line 6\n int q = 1;\n    int r = 2;" in compiled


def test_a_time_loop_of_parallel_sweeps_shares_one_region(tmp_path):
    """Where a serial loop holds nothing but parallel loops, `#pragma omp parallel` goes on it (on the
    outermost such loop) and each parallel loop gets `#pragma omp for`; their conditions decide for
    the region. A counter declared outside and read after the loop, or a statement between the
    sweeps, keeps a region per loop; one that nothing reads after it is private to the region. A second rewrite changes nothing and `check` finds nothing to say about the result.
    (tests/catalogue/par_regions.c is also compiled and race-checked by the catalogue.)"""
    from pathlib import Path

    from autopar.report.check import check_file
    from autopar.edit.transform import transform_file

    catalogue = Path(__file__).parent / "catalogue" / "par_regions.c"
    made = transform_file(str(catalogue))
    text = made.rewritten.decode()
    shared = re.findall(r"\n    if \(([^\n]*)\) \{\n    #pragma omp parallel\n    for \(int (\w) = 0;", text)
    assert [variable for _, variable in shared] == ["t", "t", "r"], text
    # one gate for the region: its sweeps' work times the time steps
    assert re.fullmatch(r"\(n - 2 > \d+\) && \(n - 2 > \d+\) && \(autopar_team_pays_\(\(double\)\(steps\) \* "
                        r"\(\(double\)\(n - 2\) \* [\d.e-]+\) \+ \(double\)\(steps\) \* \(\(double\)\(n - 2\) \* [\d.e-]+\)\)\)",
                        shared[0][0]), shared[0][0]
    assert text.count("#pragma omp for") == 8 and "        #pragma omp for reduction(+: s)\n" in text
    old_c = text[text.index("void old_c_counters"):text.index("double statement_between")]
    assert "    #pragma omp parallel private(t)\n    for (t = 0;" in old_c, old_c
    assert old_c.count("        #pragma omp for\n        for (i = 1;") == 2
    outside = text[text.index("int outside_counter"):text.index("void old_c_counters")]
    between = text[text.index("double statement_between"):text.index("int bound_written")]
    for function in (outside, between):
        assert "#pragma omp parallel\n" not in function and function.count("#pragma omp parallel for") == 2
    # bound_written's sweep: lastprivate(k) beside its serial copy, under the test that it runs
    assert "if (((int)(0) < (n)) && " in text[text.index("int bound_written"):]
    assert made.parallel_loops == sum(loop.parallel for loop in made.report.loops) == 15
    # the report says what was written: `#pragma omp for` on each sweep, the region on the time loop
    sweeps = [loop for loop in made.report.loops if loop.region and loop.parallel]
    openers = [loop for loop in made.report.loops if loop.region and not loop.parallel]
    assert len(sweeps) == 8 and all(loop.pragma.startswith("#pragma omp for") for loop in sweeps)
    assert [loop.induction_variable for loop in openers] == ["t", "t", "r", "t"]
    assert all("shared-region" in loop.codes and loop.region.startswith("#pragma omp parallel")
               for loop in sweeps + openers)
    assert openers[0].reasons[0].startswith("opens one parallel region for the loops at lines ")
    assert not any(loop.region for loop in transform_file(str(catalogue), share_regions=False).report.loops)
    rewritten = tmp_path / "regions.c"
    rewritten.write_bytes(made.rewritten)
    again = transform_file(str(rewritten))
    assert again.edits == []
    assert [f for f in check_file(str(rewritten), [], None).findings if f.rule != "simd"] == []
    separate = transform_file(str(catalogue), share_regions=False).rewritten.decode()
    assert "#pragma omp parallel\n" not in separate and "#pragma omp for" not in separate


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_a_versioned_unbraced_body_gets_a_block_and_a_loop_hint_keeps_its_loop_unedited(tmp_path):
    """The unbraced body of an `if` would get a dangling `else` (a warning, an error under -Werror):
    the versioned loop gets a block of its own. gcc accepts an omp pragma neither above nor below
    `#pragma GCC ivdep`: such a loop is left alone, with the reason."""
    from autopar.edit.transform import transform_file

    source = tmp_path / "d.c"
    source.write_text("void f(double *restrict a, int n, int c) {\n"
                      "    if (c)\n"
                      "        for (int i = 0; i < n; i++)\n"
                      "            a[i] = a[i] * 2.0;\n"
                      "    #pragma GCC ivdep\n"
                      "    // a comment between\n"
                      "    for (int i = 0; i < n; i++)\n"
                      "        a[i] += 2.0;\n"
                      "}\n")
    made = transform_file(str(source))
    text = made.rewritten.decode()
    assert "    if (c)\n        { if ((n > " in text and text.count("} }\n") == 1
    skipped = [l for l in made.report.loops if l.line == 7][0]
    assert not skipped.parallel and "`#pragma GCC ivdep` sits on the loop" in skipped.reasons[0]
    rewritten = tmp_path / "d2.c"
    rewritten.write_bytes(made.rewritten)
    built = subprocess.run(["gcc", "-Wall", "-Werror", "-fopenmp", "-c", str(rewritten), "-o", str(tmp_path / "d.o")],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr


def test_export_fixes_puts_every_edit_of_a_versioned_loop_in_one_diagnostic(tmp_path):
    from autopar.report.findings import rewrite_findings
    from autopar.report.fixes import fixes_document
    from autopar.edit.transform import transform_file

    source = tmp_path / "e.c"
    source.write_text("void f(double *restrict a, int n) {\n    for (int i = 0; i < n; i++)\n        a[i] = 0;\n}\n")
    made = transform_file(str(source))
    assert len(made.edits) == 3  # and the definition of the start-up gate its condition calls
    findings = rewrite_findings(str(source), made.source, made.edits, {l.id: l.function for l in made.report.loops})
    assert [(f.rule, f.function, f.line, f.column) for f in findings] == [("parallel-loop", "f", 2, 5)]
    diagnostics = fixes_document([(str(source), findings)])["Diagnostics"]
    assert len(diagnostics) == 1 and len(diagnostics[0]["DiagnosticMessage"]["Replacements"]) == 3
    message = diagnostics[0]["DiagnosticMessage"]
    assert message["Message"] == ("loop can run in parallel: #pragma omp parallel for "
                                  "(versioned: a serial copy runs otherwise)")
    assert source.read_bytes()[message["FileOffset"]:message["FileOffset"] + 3] == b"for"
    assert [r["Offset"] for r in message["Replacements"]] == [e.offset for e in made.edits]


SPECIALIZED = r"""#include <stdio.h>
#include <stddef.h>
#define MEMBER(f) offsetof(struct shape, f)
#ifndef WIDTH
#define WIDTH 2
#endif
struct shape { int w; };
static float in[400000], out[200000];
void rows_max(const float *restrict src, float *restrict dst, int rows, int w, struct shape s) {
    for (int i = 0; i < rows; i++) {
        float best = src[i * w]; /* "w" stays w in a comment */
        for (int k = 1; k < w; k++)
            if (src[i * w + k] > best)
                best = src[i * w + k] + s.w * 0 + (float)MEMBER(w) * 0;
        dst[i] = best;
    }
}
static void widen(float *restrict dst, const float *restrict src, int n, int k) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++)
            dst[i * k + j] = src[i] * j;
}
int main(void) {
    struct shape s = {1};
    long long sum = 0;
    for (int i = 0; i < 400000; i++) in[i] = (float)((i * 79) % 1000);
    rows_max(in, out, 400000 / WIDTH, WIDTH, s);
    for (int i = 0; i < 200000; i++) sum += (long long)out[i] * (i % 7);
    widen(in, out, 1000, 2);
    widen(in, out, 1000, 3);
    printf("%lld %.1f\n", sum, in[2999]);
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_a_parallel_loop_gets_a_copy_for_the_constant_its_callers_pass(tmp_path):
    """Every call passes w == 2, which bounds the inner loop: the serial build propagates it, the
    outlined parallel body would not. The parallel branch gets a copy with the literal at each
    reference to the parameter (not in the comment, not the member s.w, not a macro argument that
    names the member w), taken when w == 2 at run time, and the generic parallel loop
    otherwise. Calls that disagree (widen's k) give nothing to specialize. Both paths print what the
    serial program prints; a second rewrite changes nothing."""
    from autopar.edit.transform import transform_file

    original = tmp_path / "spec.c"
    original.write_text(SPECIALIZED)
    made = transform_file(str(original))
    # small positive constants only: 200000 and 1000 are passed too, but a copy would not unroll them
    assert made.analysis.tu.constant_arguments == {"rows_max": {"w": "2"}}
    text = made.rewritten.decode()
    special = text[text.index("    if (w == 2) {\n    #pragma omp parallel for\n"):text.index("    } else {\n")]
    assert "for (int k = 1; k < 2; k++)" in special and "src[i * 2 + k] + s.w * 0 + (float)MEMBER(w)" in special
    assert '/* "w" stays w in a comment */' in special and "i < rows" in special
    assert "k == " not in text and "n == 1000" not in text  # n bounds no inner loop
    rewritten = tmp_path / "spec2.c"
    rewritten.write_bytes(made.rewritten)
    assert transform_file(str(rewritten)).edits == []
    for width in ("2", "4"):  # the specialized copy, then the generic one
        outputs = []
        for source, flags in ((original, []), (rewritten, ["-fopenmp"])):
            exe = tmp_path / f"w{width}{len(flags)}"
            built = subprocess.run(["gcc", "-O2", f"-DWIDTH={width}", *flags, str(source), "-o", str(exe)],
                                   capture_output=True, text=True)
            assert built.returncode == 0, built.stderr
            ran = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60,
                                 env={**__import__("os").environ, "OMP_NUM_THREADS": "4"})
            outputs.append(ran.stdout)
        assert outputs[0] == outputs[1] and outputs[0].strip(), (width, outputs)


@pytest.mark.parametrize("name, source", [
    # a sweep declares its own t: the checks must not judge the inner t in place of the global counter
    ("shadowed.c", "double A[20000], B[20000];\nint t;\nint f(int n, int steps) {\n"
                   "    for (t = 0; t < steps; t++) {\n"
                   "        for (int i = 1; i < n - 1; i++) { int t = i * 2; B[i] = A[i] * 0.25 + t; }\n"
                   "        for (int i = 1; i < n - 1; i++) A[i] = B[i] - 0.5;\n    }\n    return t;\n}\n"),
    # a lambda reads t by reference after the loop, where the liveness analysis does not look
    ("lambda.cpp", "double A[20000], B[20000];\nint f(int n, int steps) {\n    int t = -1;\n"
                   "    auto g = [&]() { return t; };\n    for (t = 0; t < steps; t++) {\n"
                   "        for (int i = 1; i < n - 1; i++) B[i] = A[i] * 0.25 + t;\n"
                   "        for (int i = 1; i < n - 1; i++) A[i] = B[i] - 0.5;\n    }\n    return g();\n}\n"),
    # a sweep writes the counter of a serial loop of the time loop's region: lastprivate(x) of a
    # private x (the x loop alone may share a region: x is written before it is read after it)
    ("written.c", "double A[8][20000], B[20000];\nvoid f(int steps) {\n    int t, x, i;\n"
                  "    for (t = 0; t < steps; t++) {\n"
                  "        for (x = 0; x < 4; x++)\n"
                  "            for (i = 0; i < 20000; i++) A[x + 1][i] = A[x][i] * 0.5 + B[i];\n"
                  "        for (i = 0; i < 20000; i++) { x = i; B[i] = B[i] * 0.25 + x; }\n    }\n}\n"),
])
def test_a_counter_declared_outside_stays_shared_when_privatizing_it_is_not_proven(tmp_path, name, source):
    from autopar.edit.transform import transform_file

    path = tmp_path / name
    path.write_text(source)
    text = transform_file(str(path)).rewritten.decode()
    assert "#pragma omp parallel private(t" not in text, text
    if shutil.which("gcc"):  # gcc refuses a lastprivate of a variable private in the enclosing region
        rewritten = tmp_path / ("r" + name)
        rewritten.write_text(text)
        built = subprocess.run(["gcc", "-fopenmp", "-c", str(rewritten), "-o", str(tmp_path / "r.o")],
                               capture_output=True, text=True)
        assert built.returncode == 0, built.stderr


SWEEP_SETS_A_BOUND = r"""#include <stdio.h>
#define N 100000
double a[N], b[N];
int main(void) {
    int passes = 0, m = 1;
    for (int i = 0; i < N; i++) { a[i] = i % 50000; b[i] = 0; }
    for (int t = 0; t < 10; t++) {
        for (int i = 0; i < N; i++)
            passes += a[i] == 0.0;
        for (int s = 0; s < passes; s++)
            for (int i = 0; i < N; i++)
                b[i] = 0.5 * b[i] + a[i];
        for (int s = 0; s < m; s++)
            for (int i = 0; i < N; i++)
                b[i] = 0.25 * b[i] + a[i];
        for (int i = 0; i < N; i++) {
            a[i] = a[i] + 1.0;
            m = (i + t) % 3 + 1;
        }
    }
    double sum = 0;
    // autopar: off
    for (int i = 0; i < N; i++) sum += b[i] * (i % 7);
    printf("%.17g %d %d\n", sum, passes, m);
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_a_sweep_that_writes_an_inner_loops_bound_keeps_the_time_loop_out_of_one_region(tmp_path):
    """The sweeps reduce into `passes` and leave `m` (lastprivate) that the serial `s` loops test: in
    one region around the time loop each thread tested them again after the sweep's barrier while a
    faster one stored the next value (the threads met different numbers of worksharing loops: hangs
    at 4 and 3 threads, other sums)."""
    from autopar.edit.transform import transform_file

    source = tmp_path / "bound.c"
    source.write_text(SWEEP_SETS_A_BOUND)
    made = transform_file(str(source))
    time_loop = next(l for l in made.report.loops if l.line == 7)
    assert not time_loop.region
    rewritten = tmp_path / "bound_par.c"
    rewritten.write_bytes(made.rewritten)
    serial = _build_and_run_with("gcc", source, tmp_path / "serial", False, [""])
    for threads in ("3", "4"):
        exe = tmp_path / "par"
        subprocess.run(["gcc", "-O2", "-fopenmp", str(rewritten), "-o", str(exe)], check=True)
        ran = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60,
                             env={**__import__("os").environ, "OMP_NUM_THREADS": threads})
        assert ran.stdout == serial[0]


def test_overloads_and_unsafe_constants_get_no_specialized_copy(tmp_path):
    """Two overloads share a name, so their calls cannot tell whose parameter a constant is for (its
    literal's suffix would come from the wrong one); a zero could turn `x % pad` into a constant
    division by zero that compilers warn about. Neither gives a copy."""
    from autopar.edit.transform import transform_file

    cpp = tmp_path / "over.cpp"
    cpp.write_text("float A[4096][16], B[4096];\n"
                   "static void h(int n, int pool) { for (int i = 0; i < n; i++) { float s = 0;\n"
                   "    for (int k = 0; k < pool; k++) s += A[i][k] + (float)(k - pool); B[i] = s; } }\n"
                   "static void h(float *x, unsigned pool, int n) { for (int i = 0; i < n; i++) x[i] += pool; }\n"
                   "int main() { h(4096, 6); h(B, 6u, 3); return (int)B[5]; }\n")
    made = transform_file(str(cpp))
    assert made.analysis.tu.constant_arguments == {} and " == 6" not in made.rewritten.decode()
    c = tmp_path / "zero.c"
    c.write_text("double A[100000];\n"
                 "void f(int n, int pad) { for (int i = 0; i < n; i++) for (int k = 0; k < pad + 8; k++)\n"
                 "    A[i] += pad ? i % pad : k; }\n"
                 "int main(void) { f(100000 / 8, 0); return 0; }\n")
    made = transform_file(str(c))
    assert "pad" not in made.analysis.tu.constant_arguments.get("f", {})


GATED = r"""#include <stdio.h>
#include <stdlib.h>
static double a[1000000];
static void scale(double *restrict x, int n) {
    for (int i = 0; i < n; i++)
        x[i] = x[i] * 0.5 + 1.0;
}
int main(int argc, char **argv) {
    int n = argc > 2 ? atoi(argv[1]) : 1, calls = argc > 2 ? atoi(argv[2]) : 1, c;
    for (c = 0; c < calls; c++)
        scale(a, n);
    printf("%.17g %.17g\n", a[0], a[n - 1]);
#ifdef AUTOPAR_TEAM_GATE_
    fprintf(stderr, "%g\n", autopar_team_work_);
#endif
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("std", ["-std=c99", "-std=c11"])
def test_regions_wait_until_their_work_pays_for_starting_the_team(tmp_path, std):
    """The start-up gate: a loop above its work threshold still runs serially until the work of the
    calls that asked adds up to one team start (the builtin model: 100 µs, 3 units per iteration, so
    33,333 iterations), then in parallel from then on, without counting any more. The output is the
    serial program's either way, and the gate compiles cleanly under -Wall -Wextra -pedantic."""
    from autopar.edit.transform import transform_file

    original = tmp_path / "g.c"
    original.write_text(GATED)
    made = transform_file(str(original))
    rewritten = tmp_path / "g2.c"
    rewritten.write_bytes(made.rewritten)
    assert "autopar_team_pays_((double)(n) * 3e-05)" in made.rewritten.decode()
    runs = {"10000 2": "0.6", "10000 4": "1.2", "100000 3": "3"}  # shares added: 0.3 per 10,000
    outputs: dict[str, list[str]] = {}
    for source, flags in ((original, []), (rewritten, ["-fopenmp"])):
        exe = tmp_path / source.stem
        built = subprocess.run(["gcc", std, "-O2", "-Wall", "-Wextra", "-pedantic", "-Werror", *flags,
                                str(source), "-o", str(exe)], capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        for arguments in runs:
            ran = subprocess.run([str(exe), *arguments.split()], capture_output=True, text=True, timeout=60,
                                 env={**__import__("os").environ, "OMP_NUM_THREADS": "4"})
            assert ran.returncode == 0
            outputs.setdefault(arguments, []).append((ran.stdout, ran.stderr.strip()))
    for arguments, total in runs.items():
        (serial, nothing), (parallel, shares) = outputs[arguments]
        assert serial == parallel and nothing == "" and shares == total


HISTOGRAM_C89 = r"""#include <stdio.h>
static int key[100000];
static long hist[256];
static unsigned mask[32];
static void fill(int n) {
    int i;
    for (i = 0; i < n; i++)
        key[i] = (i * 7919) % 1000;
}
static void count(int n) {
    int i;
    for (i = 0; i < n; i++) {
        hist[key[i] & 255]++;
        mask[key[i] & 31] &= (unsigned)(key[i] | 1);
    }
}
int main(void) {
    long s = 0;
    int k;
    for (k = 0; k < 32; k++)
        mask[k] = 4095u;
    fill(100000);
    count(100000);
    for (k = 0; k < 256; k++)
        s += hist[k] * (k + 1);
    for (k = 0; k < 32; k++)
        s += (long)mask[k] * (k + 1);
    printf("%ld\n", s);
    return 0;
}
"""


@pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("clang")), reason="needs gcc and clang")
def test_an_array_reduction_is_written_as_per_thread_copies_both_compilers_get_right(tmp_path):
    """`hist[key[i] & 255]++` gets `reduction(+: hist[:256])` in its plan, but the rewrite spells it
    out: clang 14's runtime gave wrong sums for the clause after another parallel region. Forced
    parallel (no thresholds) at 4 threads, after the parallel `fill`, both compilers print the serial
    sum, and the code compiles as C89 without a warning."""
    from autopar.decision.pipeline import analyze_file
    from autopar.edit.edits import apply_edits
    from autopar.edit.rewrite import plan_rewrite
    from autopar.tools.verify import without_threshold

    original = tmp_path / "h.c"
    original.write_text(HISTOGRAM_C89)
    analysis = analyze_file(str(original))
    plans = {d.plan.loop_id.split(":")[1]: d.plan for d in analysis.decisions if d.plan}
    assert [(r.op.value, r.variables) for r in plans["12"].reductions] == [("+", ["hist[:256]"]), ("&", ["mask[:32]"])]
    forced = [d.model_copy(update={"plan": without_threshold(d.plan)}) if d.plan else d for d in analysis.decisions]
    text = apply_edits(original.read_bytes(), plan_rewrite(original.read_bytes(), analysis.tu, forced).edits)
    assert b"reduction(+: hist" not in text and b"    long hist[256] = {0};\n" in text
    assert b"    #pragma omp for nowait\n    for (i = 0; i < n; i++) {" in text
    rewritten = tmp_path / "h2.c"
    rewritten.write_bytes(text)
    serial = _build_and_run_with("gcc", original, tmp_path / "serial", False, [""])
    for compiler in ("gcc", "clang"):
        exe = tmp_path / compiler
        built = subprocess.run([compiler, "-std=c89", "-pedantic", "-Wall", "-Wextra", "-Werror", "-O2", "-fopenmp",
                                str(rewritten), "-o", str(exe)], capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        for _ in range(3):
            ran = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60,
                                 env={**__import__("os").environ, "OMP_NUM_THREADS": "4"})
            assert ran.stdout == serial[0], compiler


NEGATIVE_ZEROS = r"""#include <stdio.h>
#include <math.h>
#define N 1000000
double h[8];
float f[4];
double w[N];
int main(void) {
    int i, k;
    for (k = 0; k < 8; k++) h[k] = -0.0;
    for (k = 0; k < 4; k++) f[k] = -0.0f;
    for (i = 0; i < N; i++) w[i] = (i % 3) * 0.5;
    for (i = 0; i < N; i++) {
        h[i & 3] += w[i];
        f[i & 1] -= 0.0f;
    }
    for (k = 0; k < 8; k++) printf("%g %d\n", h[k], signbit(h[k]) != 0);
    for (k = 0; k < 4; k++) printf("%g %d\n", f[k], signbit(f[k]) != 0);
    return 0;
}
"""


def test_floating_point_array_copies_start_at_negative_zero(tmp_path):
    """IEEE's identity of + is -0.0: each thread's copy started at 0.0, and an element that held -0.0
    and that no update changed (or only one adding zeros) came back as 0.0."""
    from autopar.decision.pipeline import analyze_file
    from autopar.edit.edits import apply_edits
    from autopar.edit.rewrite import plan_rewrite
    from autopar.tools.verify import without_threshold

    original = tmp_path / "z.c"
    original.write_text(NEGATIVE_ZEROS)
    analysis = analyze_file(str(original))
    plans = {d.plan.loop_id.split(":")[1]: d.plan for d in analysis.decisions if d.plan}
    assert [(r.op.value, r.variables) for r in plans["12"].reductions] == [("+", ["f[:4]", "h[:8]"])]
    forced = [d.model_copy(update={"plan": without_threshold(d.plan)}) if d.plan else d for d in analysis.decisions]
    rewritten = tmp_path / "z2.c"
    rewritten.write_bytes(apply_edits(original.read_bytes(), plan_rewrite(original.read_bytes(), analysis.tu, forced).edits))
    assert "h[autopar_k] = -0.0;" in rewritten.read_text()
    serial = _build_and_run_with("gcc", original, tmp_path / "serial", False, [""])
    assert serial[0].count(" 1\n") == 8  # h[4..7] untouched, f[0..3] (-0.0f - 0.0f is -0.0f)
    assert _build_and_run_with("gcc", rewritten, tmp_path / "parallel", True, [""]) == serial


LOCATIONS = r"""#include <stdio.h>
#include <math.h>
#define N 4000
static double v[N];
static int done[N];
static int first_min(int n) {
    double best = 1e300;
    int at = -1, i;
    for (i = 0; i < n; i++) {
        if (!done[i] && v[i] < best) {
            best = v[i];
            at = i;
        }
    }
    return at;
}
static int last_max(int n) {
    double best = -1e300;
    int at = -1, i;
    for (i = n - 1; i >= 0; i--)
        if (best < v[i]) {
            at = i;
            best = v[i];
        }
    return at;
}
int main(void) {
    int i;
    for (i = 0; i < N; i++) {
        v[i] = (double)((i * 37) % 11) - 5.0;  /* many ties */
        done[i] = i % 7 == 3;
    }
    v[5] = sqrt(-1.0 + 0.0 * v[4]);  /* a NaN (C89 has no NAN): never chosen */
    v[9] = -0.0;
    printf("%d %d\n", first_min(N), last_max(N));
    for (i = 0; i < N; i++)
        v[i] = v[i] == -5.0 ? 0.0 : (i % 3 ? -0.0 : 0.0) + (i % 2);  /* -0.0 and 0.0 tie */
    printf("%d %d\n", first_min(N), last_max(N));
    return 0;
}
"""


@pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("clang")), reason="needs gcc and clang")
def test_argmin_and_argmax_keep_the_serial_tie_break_on_every_thread_count(tmp_path):
    """Location reductions: each thread finds its share's best value and first iteration, and the
    shares are combined with the loop's own tie-break (the smaller index counting up, the larger
    counting down). Forced parallel (no thresholds), 1 to 7 threads, gcc and clang, C89: the output is
    the serial one, ties, NaN and signed zeros included; `check` on the rewrite finds nothing."""
    from autopar.report.check import check_file
    from autopar.decision.pipeline import analyze_file
    from autopar.edit.edits import apply_edits
    from autopar.edit.rewrite import plan_rewrite
    from autopar.tools.verify import without_threshold

    original = tmp_path / "m.c"
    original.write_text(LOCATIONS)
    analysis = analyze_file(str(original))
    locations = [(l.value, l.index, l.comparison, l.increasing) for d in analysis.decisions if d.plan
                 for l in d.plan.locations]
    assert locations == [("best", "at", "<", True), ("best", "at", ">", False)]
    forced = [d.model_copy(update={"plan": without_threshold(d.plan)}) if d.plan else d for d in analysis.decisions]
    rewritten = tmp_path / "m2.c"
    rewritten.write_bytes(apply_edits(original.read_bytes(),
                                      plan_rewrite(original.read_bytes(), analysis.tu, forced).edits))
    assert b"#pragma omp parallel firstprivate(best, at)" in rewritten.read_bytes()
    assert [f for f in check_file(str(rewritten), [], None).findings if f.rule != "simd"] == []
    serial = subprocess.run(["gcc", "-O2", str(original), "-o", str(tmp_path / "s"), "-lm"], capture_output=True)
    assert serial.returncode == 0
    expected = subprocess.run([str(tmp_path / "s")], capture_output=True, text=True).stdout
    for compiler in ("gcc", "clang"):
        exe = tmp_path / compiler
        built = subprocess.run([compiler, "-std=c89", "-pedantic", "-Wall", "-Wextra", "-O2", "-fopenmp",
                                str(rewritten), "-o", str(exe), "-lm"], capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        for threads in ("1", "2", "3", "4", "7"):
            ran = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60,
                                 env={**__import__("os").environ, "OMP_NUM_THREADS": threads})
            assert ran.stdout == expected, (compiler, threads)


REVIEWED = {
    # register variables have no address: the per-thread code needs theirs
    "reg.c": ("int vals[100]; int find(int n) { register int best = 1 << 30; register int at = -1; int i;\n"
              "    for (i = 0; i < n; i++) {\n        if (vals[i] < best) {\n            best = vals[i];\n"
              "            at = i;\n        }\n    }\n    return at + best; }\n", "serial"),
    # a variable of the same name declared inside the loop: the code around it would name the wrong one
    "shadow.c": ("double vals[100]; int out[100];\nint find(int n) { double best = 1e30; int at = -1, i;\n"
                 "    for (i = 0; i < n; i++) {\n        if (vals[i] < best) {\n            best = vals[i];\n"
                 "            at = i;\n        }\n        { int best = i * 2; out[i] = best; }\n    }\n"
                 "    return at + (int)best; }\n", "no location"),
    "hshadow.c": ("int hist[256], key[1000]; long other[2];\nvoid count(int n) { int i;\n"
                  "    for (i = 0; i < n; i++) {\n        hist[key[i] & 255]++;\n"
                  "        { long hist[2] = {0, 0}; hist[i & 1] = i; other[0] += hist[0]; }\n    }\n}\n", "no section"),
    # the only gated loop follows a macro's name on its line: not edited, so no unused definition either
    "unused.c": ("#define NOTE\ndouble a[100], b[100];\nvoid scale(int n, double s) {\n"
                 "    int i; NOTE for (i = 0; i < n; i++) a[i] = b[i] * s;\n}\n", "no gate"),
    # ... and after a statement on its line: a line break, and the gate is used in its if() clause
    "shared.c": ("double a[100], b[100];\nvoid scale(int n, double s) {\n"
                 "    int i; for (i = 0; i < n; i++) a[i] = b[i] * s;\n}\n", "gate"),
    # C99: an inline definition with external linkage may not call a static function
    "inl.c": ("double a[100], b[100];\ninline void scale(int n, double s) {\n    int i;\n"
              "    for (i = 0; i < n; i++)\n        a[i] = b[i] * s;\n}\nvoid use(void) { scale(100, 2.0); }\n", "no gate"),
}


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
@pytest.mark.parametrize("name", sorted(REVIEWED))
def test_cases_found_in_review_compile_cleanly_and_keep_their_meaning(tmp_path, name):
    """Each broke the build under -Wall -Werror, or changed the result, before its fix."""
    from autopar.edit.transform import transform_file

    source, expect = REVIEWED[name]
    path = tmp_path / name
    path.write_text(source)
    made = transform_file(str(path))
    text = made.rewritten.decode()
    plans = [d.plan for d in made.analysis.decisions if d.plan]
    if expect == "serial":
        assert not any(p.locations for p in plans)
    elif expect == "no location":
        assert not any(p.locations for p in plans)
    elif expect == "no section":
        assert not any("[:" in v for p in plans for r in p.reductions for v in r.variables)
    elif expect == "no gate":
        assert "autopar_team_pays_" not in text
    elif expect == "gate":
        assert "    int i;\n    #pragma omp parallel for if((n > " in text and "autopar_team_pays_((double)" in text
    out = tmp_path / "out.c"
    out.write_text(text)
    built = subprocess.run(["gcc", "-std=c99", "-Wall", "-Werror", "-fopenmp", "-c", str(out), "-o", str(tmp_path / "o.o")],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr


def test_the_per_thread_code_uses_a_named_critical_and_cxx_gets_neither_idiom(tmp_path):
    """An unnamed critical in the per-thread code deadlocks when a caller holds its own unnamed
    critical; in C++ a qualified name (`::hist`, `ns::best`) escapes a thread's copy, so C++ gets
    neither idiom."""
    from autopar.edit.transform import transform_file

    c = tmp_path / "h.c"
    c.write_text("int hist[256], key[1000];\nvoid count(int n) {\n    for (int i = 0; i < n; i++)\n"
                 "        hist[key[i] & 255]++;\n}\n")
    assert "#pragma omp critical(autopar_combine)" in transform_file(str(c)).rewritten.decode()
    cxx = tmp_path / "h.cpp"
    cxx.write_text("int hist[256], key[1000];\nvoid count(int n) {\n    for (int i = 0; i < n; i++)\n"
                   "        ::hist[key[i] & 255]++;\n}\n")
    made = transform_file(str(cxx))
    assert not any(d.plan for d in made.analysis.decisions if d.plan and d.plan.reductions)


@pytest.mark.parametrize("pragma", ["#pragma omp declare simd uniform(a, b, n)\n",
                                    "#pragma omp declare simd \\\n    uniform(a, b, n)\n"])
def test_the_gate_goes_above_a_pragma_on_its_function(tmp_path, pragma):
    # the whole of a continued pragma (the gate went between its last line and the function)
    from autopar.edit.transform import transform_file

    path = tmp_path / "d.c"
    path.write_text(pragma + "void f(float *restrict a, const float *restrict b, int n) {\n"
                    "    for (int i = 0; i < n; i++)\n        a[i] = b[i] * 2;\n}\n")
    text = transform_file(str(path)).rewritten.decode()
    assert text.startswith("#ifndef AUTOPAR_TEAM_GATE_") and "#endif\n\n" + pragma + "void f(" in text


def test_the_gate_is_defined_again_after_a_conditional_whose_end_a_comment_mimics(tmp_path):
    """The first definition sits inside `#ifdef USE_F`; a commented-out `#endif` before it must not
    make it look unconditional, or a build without USE_F would lack the gate that g() calls."""
    from autopar.edit.transform import transform_file

    path = tmp_path / "c.c"
    path.write_text("#ifdef USE_F\n/* an old version:\n#endif\n*/\n"
                    "void f(double *restrict a, int n) {\n    for (int i = 0; i < n; i++)\n        a[i] = 0;\n}\n"
                    "#endif\n"
                    "void g(double *restrict a, int n) {\n    for (int i = 0; i < n; i++)\n        a[i] = 1;\n}\n")
    made = transform_file(str(path), ["-DUSE_F"])
    text = made.rewritten.decode()
    assert text.count("#define AUTOPAR_TEAM_GATE_") == 2
    out = tmp_path / "out.c"
    out.write_text(text)
    for flags in ([], ["-DUSE_F"]):
        built = subprocess.run(["gcc", "-std=c99", "-Wall", "-Werror", "-fopenmp", *flags, "-c", str(out),
                                "-o", str(tmp_path / "o.o")], capture_output=True, text=True)
        assert built.returncode == 0, built.stderr


def test_a_second_rewrite_defines_the_gate_for_a_configuration_the_first_did_not_see(tmp_path):
    """Rewritten with -DX, the gate's copy sits inside `#ifdef X`; rewritten again with -DX -DY, f()
    finds that copy above it for its second loop, and g() under `#ifdef Y` still needs a copy of its
    own, or a build with -DY alone lacks the gate g() calls."""
    from autopar.edit.transform import transform_file

    path = tmp_path / "m.c"
    path.write_text("#ifdef X\n"
                    "void f(double *restrict a, int n) {\n    for (int i = 0; i < n; i++)\n        a[i] = 0;\n"
                    "#ifdef Y\n    for (int i = 0; i < n; i++)\n        a[i] += 2;\n#endif\n}\n"
                    "#endif\n#ifdef Y\n"
                    "void g(double *restrict a, int n) {\n    for (int i = 0; i < n; i++)\n        a[i] = 1;\n}\n"
                    "#endif\n")
    path.write_bytes(transform_file(str(path), ["-DX"]).rewritten)
    text = transform_file(str(path), ["-DX", "-DY"]).rewritten.decode()
    assert text.count("#define AUTOPAR_TEAM_GATE_") == 2
    out = tmp_path / "out.c"
    out.write_text(text)
    for flags in (["-DY"], ["-DX"], ["-DX", "-DY"]):
        built = subprocess.run(["gcc", "-std=c99", "-Wall", "-Werror", "-fopenmp", *flags, "-c", str(out),
                                "-o", str(tmp_path / "o.o")], capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
    path.write_text(text)
    assert transform_file(str(path), ["-DX", "-DY"]).rewritten.decode() == text  # a third changes nothing


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_a_namespace_array_gets_no_runtime_check_that_names_it_unqualified(tmp_path):
    """`k::A` has the path `A`, no name where the pragma is: `&A + 1` in a check would not compile."""
    source = tmp_path / "ns.cpp"
    source.write_text("""namespace k { double A[1000]; }
void fill(const double *a, int n) {
    for (int i = 0; i < n; i++) k::A[i] = a[i] * 2;
}
""")
    from autopar.decision.pipeline import analyze_file

    analysis = analyze_file(str(source))
    data = source.read_bytes()
    (tmp_path / "out.cpp").write_bytes(apply_edits(data, plan_rewrite(data, analysis.tu, analysis.decisions).edits))
    subprocess.run(["g++", "-fopenmp", "-c", "-o", str(tmp_path / "out.o"), str(tmp_path / "out.cpp")], check=True)
