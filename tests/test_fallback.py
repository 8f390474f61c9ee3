"""Plans with a fallback: a plan written beside a serial copy of its loop (a runtime check, a loop
over blocks of a variable size) carries a plan of a loop inside it, written into that copy. An FFT's
block loop runs in parallel while a stage has a block per thread; the last stages' butterflies take
the threads instead. Built with gcc and run against the serial program at sizes that take each path."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from autopar.plans.candidates import analyze_nest, validate_plan
from autopar.decision.decisions import plan_record
from autopar.decision.pipeline import analyze_file
from autopar.plans.plan import Decision
from autopar.edit.edits import apply_edits, with_line_directives
from autopar.edit.rewrite import plan_rewrite
from autopar.frontend.translate import translate

STAGES = """#include <stdio.h>
#include <stdlib.h>

static void stages(double *restrict re, const double *restrict w, int n) {
    for (int len = 2; len <= n; len <<= 1) {
        int half = len / 2;
        for (int start = 0; start < n; start += len) {
            for (int k = 0; k < half; k++) {
                double t = w[k] * re[start + k + half];
                re[start + k + half] = re[start + k] - t;
                re[start + k] = re[start + k] + t;
            }
        }
    }
}

int main(int argc, char **argv) {
    int n = atoi(argv[1]);
    double *re = malloc(sizeof(double) * n), *w = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) {
        re[i] = (double)((i * 37) % 101) / 7.0;
        w[i] = 1.0 / (1.0 + i % 5);
    }
    stages(re, w, n);
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += re[i] * (i % 3 + 1);
    printf("%.10g\\n", s);
    free(re);
    free(w);
    return 0;
}
"""


def _nest(tmp_path):
    path = tmp_path / "stages.c"
    path.write_text(STAGES)
    tu = translate(str(path), [])
    block = next(l for l in tu.loops if l.canonical and l.canonical.step_symbol)
    butterfly = tu.loop(block.children[0])
    return path, tu, block, butterfly, analyze_nest(tu, block)


def test_the_block_loop_falls_back_to_the_butterfly_loop(tmp_path):
    _, tu, block, butterfly, nest = _nest(tmp_path)
    default = next(c for c in nest.candidates if c.id == nest.default_candidate_id).plan
    assert default.loop_id == block.id and default.fallback is not None
    assert default.fallback.loop_id == butterfly.id
    assert "/ len >= " in default.threshold_check  # a block for every thread, else the fallback
    assert validate_plan(tu, nest, default) == []
    # the plan without its fallback is a candidate too, and so is the fallback alone
    plans = [c.plan for c in nest.candidates]
    assert default.model_copy(update={"fallback": None}) in plans and default.fallback in plans


def test_a_fallback_is_validated_like_any_plan(tmp_path):
    _, tu, block, butterfly, nest = _nest(tmp_path)
    default = next(c for c in nest.candidates if c.id == nest.default_candidate_id).plan
    own = default.model_copy(update={"fallback": default.model_copy(update={"fallback": None})})
    assert any("not inside the plan's loop" in p for p in validate_plan(tu, nest, own))
    nested = default.model_copy(update={"fallback": default.fallback.model_copy(update={"fallback": default.fallback})})
    assert validate_plan(tu, nest, nested) == ["a fallback has no fallback of its own"]
    unconditional = default.model_copy(update={"alias_check": None, "threshold_check": None, "proof": "static"})
    assert any("needs a plan with a runtime condition" in p for p in validate_plan(tu, nest, unconditional))
    wrong = default.model_copy(update={"fallback": default.fallback.model_copy(update={"private": ["t"]})})
    assert any(p.startswith("fallback: ") for p in validate_plan(tu, nest, wrong))


def test_a_stored_fallback_names_its_loop_by_position(tmp_path):
    _, tu, block, butterfly, nest = _nest(tmp_path)
    default = next(c for c in nest.candidates if c.id == nest.default_candidate_id).plan
    record = plan_record(default)
    assert record["fallback"]["loop_id"] == f"{butterfly.line}:{butterfly.column}"


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_the_rewritten_stages_give_the_serial_result_on_every_path(tmp_path):
    path, _, block, butterfly, _ = _nest(tmp_path)
    analysis = analyze_file(str(path))
    plan = next(d.plan for d in analysis.decisions if d.plan and d.plan.loop_id == block.id)
    assert plan.fallback is not None
    source = path.read_bytes()
    edits = plan_rewrite(source, analysis.tu, analysis.decisions).edits
    rewritten = apply_edits(source, edits)
    text = rewritten.decode()
    copy = text[text.index("autopar: off"):]
    assert "#pragma omp parallel for" in copy  # the butterflies' pragma, in the block loop's copy
    (tmp_path / "par.c").write_bytes(rewritten)
    (tmp_path / "lines.c").write_bytes(with_line_directives(source, edits, str(path)))
    for name, flags in (("serial", []), ("par", ["-fopenmp"]), ("lines", ["-fopenmp"])):
        source_file = tmp_path / ("stages.c" if name == "serial" else f"{name}.c")
        subprocess.run(["gcc", "-O2", "-Wall", "-Werror", *flags, "-o", str(tmp_path / name), str(source_file)],
                       check=True)
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    # 1 << 15: stages with many blocks (the block loop) and the last ones (the butterflies over the
    # threshold); 8 and 2: every stage small; 1: no stage
    for n in ("32768", "8", "2", "1"):
        serial = subprocess.run([str(tmp_path / "serial"), n], capture_output=True, text=True, check=True).stdout
        for name in ("par", "lines"):
            out = subprocess.run([str(tmp_path / name), n], capture_output=True, text=True, check=True, env=env).stdout
            assert out == serial, (name, n)


def test_a_second_rewrite_and_check_leave_the_fallback_alone(tmp_path):
    path, _, _, _, _ = _nest(tmp_path)
    analysis = analyze_file(str(path))
    source = path.read_bytes()
    once = apply_edits(source, plan_rewrite(source, analysis.tu, analysis.decisions).edits)
    again_path = tmp_path / "once.c"
    again_path.write_bytes(once)
    again = analyze_file(str(again_path))
    assert plan_rewrite(once, again.tu, again.decisions).edits == []
    from autopar.report.check import check_file

    checked = check_file(str(again_path), [], None)
    assert [f for f in checked.findings if f.rule == "unsafe-omp-pragma"] == []


def test_a_plan_without_its_copy_drops_the_fallback(tmp_path):
    path, tu, block, _, nest = _nest(tmp_path)
    default = next(c for c in nest.candidates if c.id == nest.default_candidate_id).plan
    source = path.read_bytes()
    # the catalogue's simplest rewrite writes conditions as if() clauses: no copy, so no fallback;
    # a loop that steps by a variable is then not edited at all
    planned = plan_rewrite(source, tu, [Decision(root_loop_id=block.id, plan=default)], versioning=False)
    assert planned.edits == [] and block.id in planned.skipped


def test_a_loop_over_blocks_collapses_with_an_independent_inner_loop_only(tmp_path):
    _, tu, block, _, nest = _nest(tmp_path)
    collapsed = [c.plan for c in nest.candidates if c.plan.loop_id == block.id and c.plan.collapse == 2]
    assert collapsed and all(validate_plan(tu, nest, p) == [] for p in collapsed)
    assert all(p.threshold_check is None for p in collapsed)  # one space of blocks x half: no block count
    # the same blocks, but each one a running sum: the window excuses the block loop, not the inner one
    path = tmp_path / "sums.c"
    path.write_text(STAGES.replace("double t = w[k] * re[start + k + half];", "double t = w[k] * re[start + k - 1];")
                    .replace("int k = 0; k < half", "int k = 1; k < half"))
    tu = translate(str(path), [])
    block = next(l for l in tu.loops if l.canonical and l.canonical.step_symbol)
    nest = analyze_nest(tu, block)
    assert not any(c.plan.collapse > 1 for c in nest.candidates)
    plan = next(c.plan for c in nest.candidates if c.plan.loop_id == block.id and c.plan.fallback is None)
    problems = validate_plan(tu, nest, plan.model_copy(update={"collapse": 2, "threshold_check": None}))
    assert any("carried by k" in p for p in problems), problems
