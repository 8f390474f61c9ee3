"""Claims (autopar/frontend/claims.py, autopar/edit/claims.py): a loop that takes each element of an
array once, the level-synchronous search, runs in parallel with a compare-and-swap per claim and a
buffer per thread for what it appends, where the front end proves the appended order is not
observed. The rewritten programs run on 4 threads against serial builds and under TSan; the
catalogue's idiom_claims.c has more loops, in both directions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from analyzed import loops_of
from autopar.decision.pipeline import analyze_file
from autopar.plans import reasons as R
from autopar.plans.candidates.validate import validate_plan
from autopar.tools.verify import FORCED_PATH_FLAGS

# the buffers: `LOCAL` in the function, or the caller's (`PASSED`)
SEARCH = r"""
#include <stdio.h>
#include <stdlib.h>
SIGNATURE {
    LOCAL
    for (int v = 0; v < nv; v++)
        level[v] = -1;
    level[source] = 0;
    frontier[0] = source;
    int size = 1, depth = 0;
    while (size > 0) {
        int count = 0;
        for (int i = 0; i < size; i++) {
            int v = frontier[i];
            for (int e = row[v]; e < row[v + 1]; e++) {
                int u = col[e];
                if (level[u] < 0) {
                    level[u] = depth + 1;
                    next[count++] = u;
                }
            }
        }
        int *t = frontier;
        frontier = next;
        next = t;
        size = count;
        depth++;
    }
    FREE
    return depth;
}
int main(void) {
    int nv = 50000, deg = 6;
    int *row = malloc(sizeof(int) * (nv + 1)), *col = malloc(sizeof(int) * nv * deg), *level = malloc(sizeof(int) * nv);
    int *frontier = malloc(sizeof(int) * nv), *next = malloc(sizeof(int) * nv);
    unsigned s = 7;
    long long sum = 0;
    if (!row || !col || !level || !frontier || !next)
        return 1;
    for (int v = 0; v <= nv; v++)
        row[v] = v * deg;
    for (int e = 0; e < nv * deg; e++) {
        s = s * 1103515245u + 12345u;
        col[e] = (int)((s >> 8) % (unsigned)nv);
    }
    for (int src = 0; src < 3; src++) {
        sum += search(row, col, nv, src * 11, level CALL);
        for (int v = 0; v < nv; v++)
            sum += (long long)level[v] * (v % 5 + 1);
    }
    AFTER
    printf("%lld\n", sum);
    free(frontier);
    free(next);
    return 0;
}
"""

LOCAL = {"SIGNATURE": "static int search(const int *row, const int *col, int nv, int source, int *level)",
         "LOCAL": "int *frontier = malloc(sizeof(int) * nv), *next = malloc(sizeof(int) * nv);\n"
                  "    if (!frontier || !next) return -1;",
         "FREE": "free(frontier);\n    free(next);", "CALL": "", "AFTER": ""}
PASSED = {"SIGNATURE": "int search(const int *row, const int *col, int nv, int source, int *level, int *frontier, "
                       "int *next)", "LOCAL": "", "FREE": "", "CALL": ", frontier, next", "AFTER": ""}


def _search(**parts) -> str:
    text = SEARCH
    for key, value in parts.items():
        text = text.replace(key, value)
    return text


def _frontier_loop(loops):
    return next(l for l in loops if l.function == "search" and l.depth == 0 and l.induction_variable == "i")


def test_a_search_with_local_buffers_claims_its_vertices(tmp_path):
    loop = _frontier_loop(loops_of(tmp_path, _search(**LOCAL)))
    assert loop.parallel and R.CLAIMS in loop.codes
    assert "each element of level is claimed once" in " ".join(loop.reasons)


def test_buffers_of_the_caller_need_the_whole_program(tmp_path):
    """The caller's buffers keep the order after the call, which another file's caller might read:
    only a whole program (autopar-cc's one file) shows that `main` never reads them."""
    path = tmp_path / "p.c"
    path.write_text(_search(**PASSED))
    alone = _frontier_loop(analyze_file(str(path), whole_program=False).report.loops)
    whole = _frontier_loop(analyze_file(str(path), whole_program=True).report.loops)
    assert not alone.parallel and R.CLAIM_ORDER in alone.codes
    assert "may be called from another file" in " ".join(alone.reasons)
    assert whole.parallel and R.CLAIMS in whole.codes
    read = path.with_name("r.c")
    read.write_text(_search(**{**PASSED, "AFTER": "sum += frontier[0];"}))
    after = _frontier_loop(analyze_file(str(read), whole_program=True).report.loops)
    assert not after.parallel and "a caller of search may read the buffer it passes" in " ".join(after.reasons)


def test_an_inline_function_without_static_gets_no_claims(tmp_path):
    """C99 forbids an inline definition with external linkage to call a static function, which the
    claims' helpers are: the loop stays serial in the report, as the rewrite leaves it (analyze said
    parallelized while the rewrite wrote nothing)."""
    inline = {**LOCAL, "SIGNATURE": "inline int search(const int *row, const int *col, int nv, int source, int *level)"}
    loop = _frontier_loop(loops_of(tmp_path, _search(**inline)))
    assert not loop.parallel and R.CLAIM_ORDER in loop.codes
    assert "an inline function without `static` may not call" in " ".join(loop.reasons)
    assert _frontier_loop(loops_of(tmp_path, _search(**{**inline, "SIGNATURE": "static " + inline["SIGNATURE"]}))).parallel


def test_a_plan_without_its_claims_is_refused(tmp_path):
    """The counter is shared only for the claims' atomic slots: a plan that drops them would race."""
    path = tmp_path / "p.c"
    path.write_text(_search(**LOCAL))
    analysis = analyze_file(str(path))
    decision = next(d for d in analysis.decisions if d.plan and d.plan.claims)
    nest = next(n for n in analysis.nests if n.root_loop_id == decision.root_loop_id)
    stripped = decision.plan.model_copy(update={"claims": []})
    problems = validate_plan(analysis.tu, nest, stripped)
    assert any("claims are not those the analysis derives" in p for p in problems)
    assert not validate_plan(analysis.tu, nest, decision.plan)


def _rewrite(tmp_path, text: str, name: str, *flags: str) -> str:
    source = tmp_path / f"{name}.c"
    source.write_text(text)
    out = tmp_path / f"{name}_par.c"
    done = subprocess.run([sys.executable, "-m", "autopar.cli", "rewrite", str(source), "-o", str(out), *flags],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out.read_text()


def _run(tmp_path, text: str, name: str, compiler: str = "gcc", *flags: str) -> subprocess.CompletedProcess:
    source = tmp_path / f"{name}.c"
    source.write_text(text)
    exe = tmp_path / name
    subprocess.run([compiler, "-O2", "-fopenmp", "-w", *FORCED_PATH_FLAGS, *flags, "-o", str(exe), str(source)],
                   check=True)
    return subprocess.run([str(exe)], capture_output=True, text=True,
                          env={**os.environ, "OMP_NUM_THREADS": "4", "TSAN_OPTIONS": "ignore_noninstrumented_modules=1"})


@pytest.mark.parametrize("parts,flags", [(LOCAL, ()), (PASSED, ("--whole-program",))])
def test_rewritten_searches_print_what_serial_ones_do(tmp_path, parts, flags):
    text = _search(**parts)
    parallel = _rewrite(tmp_path, text, "p", *flags)
    assert "autopar_unclaimed_int_lt_int_(&(level[u]), (0)) && autopar_claim_int_lt_int_(&(level[u]), (0), (depth + 1))" in parallel
    assert "autopar_append_int_int_(autopar_found, &autopar_found_count, next, &count, u)" in parallel
    forced = parallel.replace("autopar_team_pays_((double)", "1 || autopar_team_pays_((double)")
    assert _run(tmp_path, forced, "par").stdout == _run(tmp_path, text, "serial").stdout
    # a second rewrite changes nothing
    assert _rewrite(tmp_path, parallel, "again", *flags) == parallel


@pytest.mark.skipif(shutil.which("clang") is None, reason="TSan builds use clang")
def test_claims_are_race_free_and_the_plain_updates_race(tmp_path):
    """Under TSan with 4 threads: the rewritten search is clean; the same loop with a plain pragma
    and its original body races, so the test can tell."""
    text = _search(**LOCAL)
    parallel = _rewrite(tmp_path, text, "p").replace("autopar_team_pays_((double)", "1 || autopar_team_pays_((double)")
    clean = _run(tmp_path, parallel, "tsan", "clang", "-g", "-fsanitize=thread")
    assert clean.returncode == 0 and "data race" not in clean.stderr, clean.stderr[-2000:]
    plain = text.replace("        for (int i = 0; i < size; i++) {", "#pragma omp parallel for\n        for (int i = 0; i < size; i++) {")
    racy = _run(tmp_path, plain, "racy", "clang", "-g", "-fsanitize=thread")
    assert "data race" in racy.stderr


# each keeps the frontier loop serial: what it leaves would show the order of the appended vertices
ORDER_SHOWN = {
    "value_of_the_visitor": ("level[u] = depth + 1;", "level[u] = v;", "the bound or value of the claim of level[u] changes"),
    # (refused whatever they compute: a sum over the elements, a write at each element, would not show it)
    "reduction": ("int v = frontier[i];", "int v = frontier[i]; weight += v;", "the loop reduces weight"),
    "written": ("int v = frontier[i];", "int v = frontier[i]; seen_at[v] = depth;", "the loop writes seen_at"),
}


@pytest.mark.parametrize("name", sorted(ORDER_SHOWN))
def test_a_loop_whose_result_shows_the_order_stays_serial(tmp_path, name):
    old, new, phrase = ORDER_SHOWN[name]
    text = _search(**LOCAL).replace(old, new).replace("int size = 1, depth = 0;",
                                                      "int size = 1, depth = 0; long weight = 0;")
    text = text.replace("return depth;", "return depth + (int)(weight % 7);").replace(
        "#include <stdlib.h>", "#include <stdlib.h>\nint seen_at[50000];")
    loop = _frontier_loop(loops_of(tmp_path, text))
    assert not loop.parallel
    assert phrase in " ".join(loop.reasons)


MARKS = r"""
#include <stdio.h>
#define N 100000
int a[N], picks[2 * N], hist[16];
int main(void) {
    unsigned s = 7;
    long sum = 0;
    for (int k = 0; k < 2 * N; k++) { s = s * 1103515245u + 12345u; picks[k] = (int)((s >> 9) % N); }
    for (int v = 0; v < N; v++) a[v] = -1;
    for (int k = 0; k < N; k++) {
        int u = picks[k], w = picks[k + N];
        CLAIMS
    }
    for (int v = 0; v < N; v++) sum += a[v] * (v % 5);
    for (int v = 0; v < 16; v++) sum += hist[v] * (v + 1);
    printf("%ld\n", sum);
    return 0;
}
"""

# each is no claim, or no claim the loop may run in parallel with: what a parallel run prints would differ
NOT_CLAIMS = {
    # (which changes the comparison: -1 as unsigned is above 5)
    "cast_cell": (MARKS, "CLAIMS", "if ((unsigned)a[u] > 5) a[u] = 1;", None),
    # (the test and the write each see their own V; the rewrite would move the write's to the test)
    "macro_values": (MARKS, "CLAIMS", "if (a[u] < 0) a[u] = V;\n#undef V\n#define V 2\n        if (a[w] < 0) a[w] = V;",
                     "a preprocessor directive inside the loop"),
    "macro_between": (MARKS, "CLAIMS", "if (a[u] < 0)\n#undef V\n#define V 9\n            a[u] = V;",
                      "a preprocessor directive inside the loop"),
    "with_copies": (MARKS, "CLAIMS", "if (a[u] < 0) a[u] = 1;\n        hist[u % 16]++;", "not both"),
    "third_buffer": (_search(**LOCAL), "size = count;", "size = count; t = frontier; frontier = spare; spare = t;",
                     "is not swapped, once, with the buffer the loop reads"),
    "narrow_counter": (_search(**LOCAL), "int count = 0;", "unsigned char count = 0;", None),
    "narrow_size": (_search(**LOCAL), "int size = 1, depth = 0;", "unsigned short size = 1; int depth = 0;",
                    "its size is not of the counter's type"),
    "claims_its_buffer": (_search(**LOCAL), "if (level[u] < 0) {\n                    level[u] = depth + 1;",
                          "if (next[u] < 0) {\n                    next[u] = depth + 1;",
                          "a claimed array is also the appends' buffer"),
    "label_in_block": (_search(**LOCAL), "        int *t = frontier;", "    again:;\n        int *t = frontier;",
                       "a label in the block of the loop around"),
    "register_counter": (_search(**LOCAL), "int count = 0;", "register int count = 0;", None),
    # (which claim wins decides what is appended)
    "mixed_appends": (_search(**LOCAL), "                int u = col[e];",
                      "                int u = col[e], w = col[(e * 7) % (nv * 6)];\n"
                      "                if (level[w] < 0) level[w] = depth + 1;", "test or write it differently"),
    "bound_types": (MARKS, "CLAIMS", "if (a[u] < 5) a[u] = -1;\n        if (a[w] < 5u) a[w] = -1;",
                    "test or write it differently"),
    "cast_size": (_search(**LOCAL), "size = count;", "size = (unsigned char)count;", "the size set to the count"),
    "cast_read": (_search(**LOCAL), "int v = frontier[i];", "int v = frontier[(unsigned char)i];",
                  "the buffers are also used in"),
    # (the slot follows the order the last turn appended in)
    "slot_used": (_search(**LOCAL), "int v = frontier[i];", "int v = frontier[i];\n            if (i >= 64) continue;",
                  "the loop's variable is used beside `frontier[i]`"),
    "cast_bound": (_search(**LOCAL), "for (int i = 0; i < size; i++)", "for (int i = 0; i < (unsigned char)size; i++)",
                   "the loop is not `for (i = 0; i < size; i++)`"),
}


@pytest.mark.parametrize("name", sorted(NOT_CLAIMS))
def test_near_misses_of_claims_stay_serial(tmp_path, name):
    text, old, new, phrase = NOT_CLAIMS[name]
    text = text.replace(old, new).replace("#define N 100000", "#define N 100000\n#define V 1")
    text = text.replace("int *frontier = malloc(sizeof(int) * nv), *next = malloc(sizeof(int) * nv);",
                        "int *frontier = malloc(sizeof(int) * nv), *next = malloc(sizeof(int) * nv), "
                        "*spare = malloc(sizeof(int) * nv);")
    loops = loops_of(tmp_path, text)
    loop = next(l for l in loops if l.depth == 0 and (l.function, l.induction_variable) in (("search", "i"), ("main", "k"))
                and l.line >= 10)
    assert R.CLAIMS not in loop.codes, loop.reasons
    assert not loop.parallel or name == "with_copies" and "hist" in (loop.pragma or "")
    if phrase:
        assert phrase in " ".join(loop.reasons)


def test_a_comment_in_the_claimed_cell_compiles(tmp_path):
    text = _search(**LOCAL).replace("if (level[u] < 0) {\n                    level[u] = depth + 1;",
                                    "if (level[u/*v*/] < 0) {\n                    level[u/*v*/] = depth + 1;")
    parallel = _rewrite(tmp_path, text, "c")
    assert "autopar_claim_int_lt_int_(&(level[u/*v*/])" in parallel
    assert _run(tmp_path, parallel, "c").stdout == _run(tmp_path, text, "cs").stdout


def test_check_says_the_claims_need_the_rewrite(tmp_path, capsys):
    from autopar.cli.main import main

    source = tmp_path / "s.c"
    source.write_text(_search(**LOCAL))
    main(["check", str(source), "--format", "json"])
    findings = [f for file in json.loads(capsys.readouterr().out)["files"] for f in file["findings"]
                if f["function"] == "search" and f["line"] == 14]
    assert len(findings) == 1 and "the compare-and-swap its claims need" in findings[0]["message"]
    assert "fix_text" not in findings[0] or not findings[0]["fix_text"]  # no one-line fix: `rewrite` writes it


def test_check_finds_a_users_plain_pragma_on_claims_unsafe(tmp_path, capsys):
    """The analysis proves the loop only with the claims' compare-and-swap: the user's plain pragma on
    the same code races (and the test can tell: TSan sees it, test_claims_are_race_free_...)."""
    from autopar.cli.main import main

    source = tmp_path / "u.c"
    source.write_text(_search(**LOCAL).replace("        for (int i = 0; i < size; i++) {",
                                               "#pragma omp parallel for\n        for (int i = 0; i < size; i++) {"))
    assert main(["check", str(source), "--format", "json", "--fail-on", "unsafe"]) == 1
    findings = [f for file in json.loads(capsys.readouterr().out)["files"] for f in file["findings"]
                if f["rule"].endswith("unsafe-omp-pragma")]
    assert len(findings) == 1 and findings[0]["codes"] == ["missing-claims"]
    assert "races on level" in findings[0]["message"]
