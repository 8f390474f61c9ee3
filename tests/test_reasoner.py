"""The reasoner's control flow with a scripted backend: the feedback loop, each strategy, the cache.

The nests come from the real front end and analysis (benchmarks/examples/matmul.c); only the model is
scripted, answering from a script or from the answer schema. The real model is exercised in
test_reasoner_model.py, and failures of real backends in test_reasoner_bad_cases.py.
"""

from __future__ import annotations

import json
import os

import pytest

import autopar.plans.candidates
from autopar.decision.reasoner import AnswerCache, LLMReasoner, ReasonerConfig
from autopar.decision.reasoner.prompt import sanitize
from autopar.decision.reasoner.strategies import STRATEGIES
from autopar.decision.reasoner.strategies.tree_of_thoughts import SCORES
from reasoner_data import candidate, example_tu, ids, nest, on_loop


class ScriptedBackend:
    """Answers each question with the next scripted reply; a callable reply sees (messages, schema)."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.calls: list[tuple[list[dict], dict]] = []

    def identity(self) -> str:
        return "scripted"

    def chat(self, messages, schema, max_tokens, time_budget):
        self.calls.append((messages, schema))
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return reply(messages, schema) if callable(reply) else reply


def answer(choice: str, rationale: str = "because") -> str:
    return json.dumps({"choice": choice, "rationale": rationale})


def first_enum(messages, schema) -> str:
    """An obedient model: the first allowed value of every enum field, a short text for the rest."""
    reply = {}
    for name, field in schema["properties"].items():
        reply[name] = field["enum"][0] if "enum" in field else f"{name} text"
    return json.dumps(reply)


def reasoner(backend, tmp_path, verifier=None, **config) -> LLMReasoner:
    return LLMReasoner(backend, ReasonerConfig(**config), verifier=verifier,
                       cache=AnswerCache(tmp_path / "cache", enabled=config.get("use_cache", False)))


def choice_enum(schema) -> list[str]:
    return schema["properties"]["choice"]["enum"]


# ------------------------------------------------------------------------------------- feedback loop

def test_accepted_choice_carries_the_candidates_plan_not_model_text(tmp_path):
    matmul = nest("matmul")
    backend = ScriptedBackend(answer("c1", "collapse spreads\nthe work */ evenly"))
    decision = reasoner(backend, tmp_path)(example_tu(), matmul)
    assert decision.decided_by == "model" and decision.rounds == 1
    assert decision.candidate_id == "c1" and decision.plan == candidate(matmul, "c1").plan
    assert decision.rationale == "collapse spreads the work evenly"
    assert choice_enum(backend.calls[0][1]) == ids(matmul)[:8] + ["serial"]


def test_verifier_rejection_goes_back_to_the_model_and_the_option_leaves_the_enum(tmp_path):
    matmul = nest("matmul")
    inner = on_loop(matmul, 1)[0]
    backend = ScriptedBackend(answer(inner), answer("c0"))
    verifier = lambda tu, n, plan: ["output differs from the serial run"] if plan.loop_id != n.root_loop_id else []
    r = reasoner(backend, tmp_path, verifier=verifier)
    decision = r(example_tu(), matmul)
    assert (decision.decided_by, decision.candidate_id, decision.rounds) == ("model", "c0", 2)
    second_messages, second_schema = backend.calls[1]
    assert inner not in choice_enum(second_schema)
    assert any(f"Option {inner} was rejected: output differs from the serial run" in m["content"]
               for m in second_messages)
    assert r.traces[0].proposals == [inner, "c0"]


def test_validate_plan_problems_reject_the_answer(tmp_path, monkeypatch):
    def validate_plan(tu, n, plan):
        return ["collapse(2) folds a loop that carries a dependence"] if plan.collapse > 1 else []

    monkeypatch.setattr(autopar.plans.candidates, "validate_plan", validate_plan)
    matmul = nest("matmul")
    collapsed = next(c.id for c in matmul.candidates if c.plan.collapse > 1)
    backend = ScriptedBackend(answer(collapsed), answer("c0"))
    decision = reasoner(backend, tmp_path)(example_tu(), matmul)
    assert (decision.candidate_id, decision.rounds) == ("c0", 2)


def test_the_real_validate_plan_rejects_a_tampered_candidate(tmp_path):
    # a candidate whose plan lost its runtime alias check: the analysis re-derives that it is unsafe
    matmul = nest("matmul")
    tampered = next(c for c in matmul.candidates if c.plan.alias_check)
    tampered.plan.alias_check = None
    other = next(c.id for c in matmul.candidates if c.id != tampered.id)
    decision = reasoner(ScriptedBackend(answer(tampered.id), answer(other)), tmp_path)(example_tu(), matmul)
    assert (decision.candidate_id, decision.rounds) == (other, 2)


def test_illegal_decoy_is_rejected_with_the_analysis_reason_and_retried(tmp_path):
    prefix = nest("prefix_sum")  # no legal plan; the decoy offers the loop anyway
    backend = ScriptedBackend(answer("c0"), answer("serial"))
    r = reasoner(backend, tmp_path, offer_illegal=True)
    decision = r(example_tu(), prefix)
    assert choice_enum(backend.calls[0][1]) == ["c0", "serial"]
    assert (decision.decided_by, decision.plan, decision.rounds) == ("model", None, 2)
    assert "flow dependence" in r.traces[0].rejections[0]


def test_answer_outside_the_enum_is_rejected_and_retried(tmp_path):
    # what an endpoint that ignores the schema could send
    backend = ScriptedBackend(answer("c99"), "not json", answer("c2"))
    r = reasoner(backend, tmp_path)
    decision = r(example_tu(), nest("matmul"))
    assert (decision.decided_by, decision.candidate_id, decision.rounds) == ("model", "c2", 3)
    assert r.traces[0].invalid_answers == 2 and r.traces[0].rejections == []
    assert "does not fit the schema" in backend.calls[1][0][-1]["content"]


def test_after_max_rounds_the_analyzer_default_is_used(tmp_path):
    matmul = nest("matmul")
    backend = ScriptedBackend(answer("c1"), answer("c2"), answer("c3"))
    r = reasoner(backend, tmp_path, verifier=lambda tu, n, plan: ["races under TSan"], max_rounds=3)
    decision = r(example_tu(), matmul)
    assert decision.decided_by == "fallback" and decision.rounds == 3
    assert decision.candidate_id == matmul.default_candidate_id
    assert decision.plan == candidate(matmul, matmul.default_candidate_id).plan
    assert "rejected 3 times" in decision.rationale and len(backend.calls) == 3


def test_a_default_the_verifier_rejected_is_not_the_fallback(tmp_path):
    """`rewrite --llm --verify-with` wrote the analyzer's default after the user's own check had failed
    it (a floating-point sum that changed in the last digits): the nest stays serial instead."""
    matmul = nest("matmul")
    default = matmul.default_candidate_id
    others = [c.id for c in matmul.candidates if c.id != default]
    backend = ScriptedBackend(answer(default), answer(others[0]), answer(others[1]))
    r = reasoner(backend, tmp_path, verifier=lambda tu, n, plan: ["output differs"], max_rounds=3)
    decision = r(example_tu(), matmul)
    assert (decision.decided_by, decision.plan) == ("fallback", None)
    assert "default was rejected" in decision.rationale


def test_a_broken_verifier_does_not_let_a_plan_through(tmp_path):
    def verifier(tu, n, plan):
        raise RuntimeError("compiler crashed")

    decision = reasoner(ScriptedBackend(answer("c1")), tmp_path, verifier=verifier)(example_tu(), nest("matmul"))
    assert decision.decided_by == "fallback"


def test_serial_is_a_legal_choice(tmp_path):
    decision = reasoner(ScriptedBackend(answer("serial", "too little work")), tmp_path)(example_tu(), nest("dot"))
    assert decision.decided_by == "model" and decision.plan is None
    assert decision.rationale == "kept serial: too little work"


def test_nest_without_candidates_asks_nothing(tmp_path):
    backend = ScriptedBackend(answer("serial"))
    decision = reasoner(backend, tmp_path)(example_tu(), nest("prefix_sum"))
    assert decision.decided_by == "analyzer" and decision.plan is None and not backend.calls


def test_sanitize_bounds_and_flattens_model_text():
    assert sanitize("a\n\tb */ <script>`x`" + "z" * 500, 50) == "a b <script> x " + "z" * 35


# -------------------------------------------------------------------------------------- strategies

@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_yields_a_legal_decision(name, tmp_path):
    matmul = nest("matmul")
    backend = ScriptedBackend(first_enum)
    decision = reasoner(backend, tmp_path, strategy=name)(example_tu(), matmul)
    assert decision.decided_by == "model" and decision.candidate_id in ids(matmul)
    assert backend.calls


def test_chain_of_thought_decodes_reasoning_before_the_choice(tmp_path):
    backend = ScriptedBackend(first_enum)
    reasoner(backend, tmp_path, strategy="chain_of_thought")(example_tu(), nest("matmul"))
    schema = backend.calls[0][1]
    assert list(schema["properties"]) == ["reasoning", "choice", "rationale"]
    assert schema["properties"]["reasoning"]["maxLength"] == 160


def test_step_by_step_asks_for_the_loop_then_for_that_loops_plans(tmp_path):
    def model(messages, schema):
        if "loop" in schema["properties"]:
            return json.dumps({"loop": "L2"})  # loop j
        return answer(choice_enum(schema)[-1])

    matmul = nest("matmul")
    backend = ScriptedBackend(model)
    decision = reasoner(backend, tmp_path, strategy="step_by_step")(example_tu(), matmul)
    assert backend.calls[0][1]["properties"]["loop"]["enum"] == ["L1", "L2", "L3", "none"]
    assert choice_enum(backend.calls[1][1]) == on_loop(matmul, 1)  # only the plans on loop j
    assert decision.candidate_id == on_loop(matmul, 1)[-1]


def test_step_by_step_none_keeps_the_nest_serial(tmp_path):
    backend = ScriptedBackend(json.dumps({"loop": "none"}))
    decision = reasoner(backend, tmp_path, strategy="step_by_step")(example_tu(), nest("matmul"))
    assert decision.plan is None and decision.decided_by == "model" and len(backend.calls) == 1


def test_tree_of_thoughts_scores_every_branch_and_takes_the_best(tmp_path):
    scores = {"c0": "2", "c1": "5", "c2": "1", "c3": "5", "serial": "1"}

    def model(messages, schema):
        branch = messages[-1]["content"].split(":")[0].removeprefix("Consider only ")
        return json.dumps({"score": scores[branch], "why": f"{branch} note"})

    backend = ScriptedBackend(model)
    decision = reasoner(backend, tmp_path, strategy="tree_of_thoughts")(example_tu(), nest("matmul"))
    assert len(backend.calls) == 5  # the analyzer's best four, and serial
    assert decision.candidate_id == "c1"  # the first of the two best: the analyzer's order breaks ties
    assert decision.rationale.startswith("c1 note")


def test_tree_of_thoughts_scores_by_probability_when_the_backend_can(tmp_path):
    class Scoring(ScriptedBackend):
        def distribution(self, messages, prefix, labels):
            self.calls.append((messages, {"prefix": prefix, "labels": labels}))
            branch = messages[-1]["content"].split(":")[0].removeprefix("Consider only ")
            return [0.1, 0.1, 0.1, 0.1, 0.6] if branch == "c2" else [0.6, 0.1, 0.1, 0.1, 0.1]

    backend = Scoring(answer("c0"))
    r = reasoner(backend, tmp_path, strategy="tree_of_thoughts", use_cache=True)
    decision = r(example_tu(), nest("matmul"))
    assert len(backend.calls) == 5 and backend.calls[0][1] == {"prefix": '{"score": "', "labels": SCORES}
    assert decision.candidate_id == "c2" and "c2=4.00" in decision.rationale
    again = reasoner(Scoring(answer("c0")), tmp_path, strategy="tree_of_thoughts", use_cache=True)
    assert again(example_tu(), nest("matmul")) == decision and again.traces[0].cache_hits == 5


def test_react_runs_tools_then_answers_within_the_step_bound(tmp_path):
    steps = iter([{"action": "dependences", "loop": "L3"}, {"action": "candidates", "loop": "L2"},
                  {"action": "scalars", "loop": "L1"}, {"action": "dependences", "loop": "L1"}])

    def model(messages, schema):
        if "action" in schema["properties"]:
            return json.dumps(next(steps))
        return answer("c2")

    matmul = nest("matmul")
    backend = ScriptedBackend(model)
    decision = reasoner(backend, tmp_path, strategy="react")(example_tu(), matmul)
    assert len(backend.calls) == 4  # three tool steps (the bound), then the answer
    observations = [m["content"] for m in backend.calls[-1][0] if m["content"].startswith("Observation")]
    assert "no loop-carried dependence on k" in observations[0] and "sum" in observations[0]
    assert f"{on_loop(matmul, 1)[0]}: #pragma omp parallel for" in observations[1]
    assert "j: induction variable" in observations[2] or "sum: declared inside" in observations[2]
    assert decision.candidate_id == "c2" and "looked up dependences(L3)" in decision.rationale


def test_react_stops_when_the_model_answers(tmp_path):
    def model(messages, schema):
        return json.dumps({"action": "answer", "loop": "L1"}) if "action" in schema["properties"] \
            else answer("c0")

    backend = ScriptedBackend(model)
    reasoner(backend, tmp_path, strategy="react")(example_tu(), nest("matmul"))
    assert len(backend.calls) == 2


def test_few_shot_puts_matching_examples_first(tmp_path):
    backend = ScriptedBackend(first_enum)
    reasoner(backend, tmp_path, strategy="few_shot")(example_tu(), nest("dot"))
    messages = backend.calls[0][0]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert "reduction(+: total)" in messages[1]["content"]  # the reduction example ranks first


# -------------------------------------------------------------------------------------------- cache

def test_cache_answers_the_second_run_without_the_model(tmp_path):
    first = ScriptedBackend(answer("c1"))
    one = reasoner(first, tmp_path, use_cache=True)(example_tu(), nest("matmul"))
    second = ScriptedBackend(answer("c2"))  # would answer differently if asked
    r = reasoner(second, tmp_path, use_cache=True)
    two = r(example_tu(), nest("matmul"))
    assert one == two and not second.calls and r.traces[0].cache_hits == 1


def test_cache_key_depends_on_model_strategy_and_prompt():
    messages = [{"role": "user", "content": "x"}]
    key = AnswerCache.key("m1", "zero_shot", messages, {}, 64)
    assert key == AnswerCache.key("m1", "zero_shot", messages, {}, 64)
    assert key != AnswerCache.key("m2", "zero_shot", messages, {}, 64)
    assert key != AnswerCache.key("m1", "few_shot", messages, {}, 64)
    assert key != AnswerCache.key("m1", "zero_shot", [{"role": "user", "content": "y"}], {}, 64)


def test_unknown_strategy_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="choose from chain_of_thought"):
        reasoner(ScriptedBackend(answer("c0")), tmp_path, strategy="telepathy")


def test_the_cli_spells_every_strategy_name():
    from autopar.cli.main import STRATEGY_NAMES

    assert sorted(STRATEGY_NAMES) == sorted(STRATEGIES)


def test_a_note_that_names_another_option_is_not_shown(tmp_path):
    from autopar.decision.reasoner.strategies.base import WITHHELD

    matmul = nest("matmul")
    decision = reasoner(ScriptedBackend(answer("c0", "The best option is c1, which is faster")), tmp_path)(
        example_tu(), matmul)
    assert decision.candidate_id == "c0" and decision.rationale == WITHHELD
    kept = reasoner(ScriptedBackend(answer("c1", "c1 collapses the pair")), tmp_path / "b")(example_tu(), matmul)
    assert kept.rationale == "c1 collapses the pair"


def test_the_answer_cache_stays_under_the_size_limit_least_recently_used_first(tmp_path, monkeypatch):
    """Answers share autopar-cc's size limit: the hourly clean-up that a new answer may start removes
    the least recently used answers, and a hit marks its answer used."""
    cache = AnswerCache(tmp_path)
    keys = [AnswerCache.key("m", "zero_shot", [{"role": "user", "content": str(k)}], {}, 64) for k in range(11)]
    for k, key in enumerate(keys[:10]):
        cache.put(key, "x" * 1000)
        os.utime(cache._path(key), (1000 + k, 1000 + k))  # written one after the other, long ago
    assert cache.get(keys[0]) == "x" * 1000  # the oldest, used now
    os.utime(tmp_path / "last-cleanup", (0, 0))  # an hour has passed
    monkeypatch.setenv("AUTOPAR_CACHE_MAX_SIZE", "5000")
    cache.put(keys[10], "y" * 1000)
    kept = [k for k in keys if cache._path(k).exists()]
    assert keys[0] in kept and keys[10] in kept and keys[1] not in kept
    assert sum(cache._path(k).stat().st_size for k in kept) <= 5000
