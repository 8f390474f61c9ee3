"""The model's choice among a nest's restructurings (`rewrite --optimize --llm`), with a scripted backend
on the real front end, analysis and isl restructuring of benchmarks/examples/matmul.c; the real model
answers the same question in test_reasoner_model.py."""

from __future__ import annotations

import json

from autopar.decision.pipeline import analyze_file
from autopar.decision.reasoner import BackendError
from autopar.decision.reasoner.restructurings import KEEP, restructuring_options
from autopar.edit.restructure.apply import optimized_rewrite
from autopar.edit.restructure.plan import plan_file
from reasoner_data import EXAMPLE
from test_reasoner import ScriptedBackend, answer, choice_enum, reasoner


def _matmul():
    """(source, analysis, the restructuring plan of matmul's nest) as --optimize makes them."""
    analysis = analyze_file(EXAMPLE)
    with open(EXAMPLE, "rb") as handle:
        source = handle.read()
    plan = next(p for p in plan_file(source, analysis.tu) if analysis.tu.loop(p.root_loop_id).function == "matmul")
    return source, analysis, plan


def _rewrite_with(backend, tmp_path, verifier=None):
    source, analysis, _ = _matmul()
    r = reasoner(backend, tmp_path, verifier=verifier)
    _, edits, plans = optimized_rewrite(source, analysis.tu, analysis.decisions, chooser=r.choose_restructuring)
    plan = next(p for p in plans if analysis.tu.loop(p.root_loop_id).function == "matmul")
    return r, plan, edits


def test_the_options_are_the_candidates_and_keep_with_the_analyzers_choice_first():
    _, _, plan = _matmul()
    assert len(plan.candidates) >= 2 and plan.default_candidate_id is not None
    options = restructuring_options(plan)
    assert options[0] == plan.default_candidate_id and options[1] == KEEP
    assert set(options) == {KEEP, *(c.id for c in plan.candidates)}


def test_a_chosen_candidate_replaces_the_nest_with_its_own_code(tmp_path):
    _, _, analyzer_plan = _matmul()
    other = next(c for c in analyzer_plan.candidates if c.id != analyzer_plan.default_candidate_id)
    backend = ScriptedBackend(answer(other.id, "tiles fit in cache"))
    r, plan, edits = _rewrite_with(backend, tmp_path)
    assert (plan.default_candidate_id, plan.chosen_by, plan.rationale) == (other.id, "model", "tiles fit in cache")
    # the question: every candidate and keep, the analyzer's choice first; the prompt names the costs
    assert choice_enum(backend.calls[0][1]) == restructuring_options(analyzer_plan)
    prompt = backend.calls[0][0][1]["content"]
    assert f"{other.id}: restructure: {other.summary}" in prompt and f"cost {other.estimated_cost:g}" in prompt
    assert [e.text for e in edits if e.line == 7 and e.pragma and e.pragma.startswith("restructured")] == [other.code]
    trace = next(t for t in r.traces if t.question == "restructuring")
    assert trace.decision.restructure == other.id and trace.decision.restructure_schedule == other.schedule


def test_keep_leaves_the_nest_with_its_pragma_plan(tmp_path):
    source, analysis, _ = _matmul()
    r, plan, edits = _rewrite_with(ScriptedBackend(answer(KEEP, "simple is fast")), tmp_path)
    assert plan.chosen is None and plan.chosen_by == "model"
    assert not any(e.pragma and e.pragma.startswith("restructured") for e in edits if e.line == 7)
    root = analysis.tu.loop(plan.root_loop_id)
    assert any(e.loop_id == root.id and "#pragma omp parallel for" in e.text for e in edits)


def test_a_model_that_cannot_answer_leaves_the_analyzers_choice(tmp_path):
    class Broken(ScriptedBackend):
        def chat(self, messages, schema, max_tokens, time_budget):
            raise BackendError("no model file")

    _, _, analyzer_plan = _matmul()
    r, plan, _ = _rewrite_with(Broken("unused"), tmp_path)
    assert plan.default_candidate_id == analyzer_plan.default_candidate_id and plan.chosen_by == "fallback"
    assert "model unavailable: no model file" in plan.rationale and r.problems == ["no model file"]


def test_a_restructuring_the_verifier_rejects_goes_back_to_the_model(tmp_path):
    _, _, analyzer_plan = _matmul()
    first = analyzer_plan.default_candidate_id
    checked = []

    def verifier(tu, nest, plan):  # pragma plans pass
        return []

    def restructuring(tu, plan, candidate):
        checked.append(candidate.id)
        return ["output differs from the serial run"] if candidate.id == first else []
    verifier.restructuring = restructuring
    backend = ScriptedBackend(answer(first), answer(KEEP))
    _, plan, _ = _rewrite_with(backend, tmp_path, verifier=verifier)
    assert checked == [first] and plan.chosen is None and plan.chosen_by == "model"
    assert first not in choice_enum(backend.calls[1][1])
    assert "was rejected: output differs from the serial run" in backend.calls[1][0][-1]["content"]


def test_when_the_verifier_rejects_the_analyzers_restructuring_the_nest_stays_as_written(tmp_path):
    source, analysis, analyzer_plan = _matmul()

    def verifier(tu, nest, plan):
        return []

    verifier.restructuring = lambda tu, plan, candidate: ["`make check` failed with this plan"]
    r = reasoner(ScriptedBackend(answer(analyzer_plan.default_candidate_id)), tmp_path, verifier=verifier,
                 max_rounds=1)
    _, _, plans = optimized_rewrite(source, analysis.tu, analysis.decisions, chooser=r.choose_restructuring)
    plan = next(p for p in plans if p.root_loop_id == analyzer_plan.root_loop_id)
    assert plan.chosen is None and plan.chosen_by == "fallback"
    assert "nest as written" in plan.rationale


def test_a_nest_the_tuner_decided_is_not_asked(tmp_path):
    source, analysis, _ = _matmul()
    root = next(p.root_loop_id for p in plan_file(source, analysis.tu)
                if analysis.tu.loop(p.root_loop_id).function == "matmul")
    decisions = [d if d.root_loop_id != root else d.model_copy(update={"decided_by": "tuner",
                                                                        "restructurings_measured": True})
                 for d in analysis.decisions]
    backend = ScriptedBackend(answer(KEEP))
    r = reasoner(backend, tmp_path)
    _, _, plans = optimized_rewrite(source, analysis.tu, decisions, chooser=r.choose_restructuring)
    plan = next(p for p in plans if p.root_loop_id == root)
    assert plan.chosen_by == "tuner" and plan.chosen is None
    assert all(t.root_loop_id != root for t in r.traces)


def test_the_report_names_the_restructuring_and_who_chose_it(tmp_path, monkeypatch):
    from autopar.cli.main import main

    monkeypatch.chdir(tmp_path)
    assert main(["rewrite", "--optimize", EXAMPLE, "-o", "out.c", "--report", "r.json"]) == 0
    loops = {loop["id"].split(":", 1)[1]: loop for loop in json.loads((tmp_path / "r.json").read_text())["files"][0]["loops"]}
    root, inner = loops["7:5"], loops["8:9"]
    assert root["restructured"].startswith("r") and root["decided_by"] == "analyzer" and root["parallel"]
    assert root["pragma"] is None and root["codes"][0] == "restructured"
    assert inner["restructured"] == root["restructured"] and not inner["parallel"]
    # the pragma plan's decision and "inside the parallel loop" are gone from the loops it replaced
    assert inner["decided_by"] is None and inner["rationale"] is None and "inside-parallel" not in inner["codes"]


def test_verify_with_builds_runs_and_race_checks_a_restructuring_in_place(tmp_path):
    """--verify-with's check of a restructuring, for real: the candidate's code is written into the
    file, the user's command builds and runs it, the file comes back as it was."""
    import shutil

    from autopar.decision.pipeline import load_translation_unit
    from autopar.tools.tune import command_verifier

    copy = tmp_path / "matmul.c"
    shutil.copy(EXAMPLE, copy)
    original = copy.read_bytes()
    tu = load_translation_unit(str(copy))
    plan = next(p for p in plan_file(original, tu) if tu.loop(p.root_loop_id).function == "matmul")
    build = "gcc -O2 -fopenmp matmul.c -o prog -lm && ./prog 40 > out.txt && grep -c 'ap_min' matmul.c > seen.txt"
    assert command_verifier(build, cwd=str(tmp_path)).restructuring(tu, plan, plan.chosen) == []
    assert int((tmp_path / "seen.txt").read_text()) > 0  # the command saw the restructured nest
    assert copy.read_bytes() == original
    failing = command_verifier("exit 3", cwd=str(tmp_path), check_races=False).restructuring(tu, plan, plan.chosen)
    assert failing and "failed with this plan (exit 3)" in failing[0]
    assert copy.read_bytes() == original
