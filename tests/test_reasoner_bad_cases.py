"""Bad cases get a clear message and the analyzer's default, never a crash: a missing model file, a
corrupt GGUF, an endpoint that does not answer, a model that runs past its time budget."""

from __future__ import annotations

import importlib.util
import socket
import time

import pytest

from autopar.cli.main import main
from autopar.decision.reasoner import HttpBackend, LLMReasoner, ReasonerConfig, make_reasoner
from autopar.decision.reasoner.cache import AnswerCache
from reasoner_data import example_tu, nest

# (not importorskip: importing llama_cpp here would load OpenMP before autopar sets its wait policy)
if importlib.util.find_spec("llama_cpp") is None:
    pytest.skip("llama-cpp-python is not installed", allow_module_level=True)


def decide_twice(reasoner):
    tu = example_tu()
    return reasoner(tu, nest("matmul")), reasoner(tu, nest("dot"))


def assert_fallback(decision, analysis, words):
    assert decision.decided_by == "fallback"
    assert decision.candidate_id == analysis.default_candidate_id
    assert decision.plan == next(c.plan for c in analysis.candidates if c.id == analysis.default_candidate_id)
    assert words in decision.rationale


def test_missing_model_file_falls_back_with_a_clear_message(tmp_path):
    reasoner = make_reasoner(model=str(tmp_path / "absent.gguf"), use_cache=False)
    first, second = decide_twice(reasoner)
    assert_fallback(first, nest("matmul"), "model file not found")
    assert_fallback(second, nest("dot"), "model file not found")
    assert reasoner.problems == [f"model {tmp_path / 'absent.gguf'}: model file not found: {tmp_path / 'absent.gguf'}"]


def test_corrupt_gguf_falls_back_and_is_loaded_only_once(tmp_path):
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"GGUF" + bytes(range(256)) * 64)
    reasoner = make_reasoner(model=str(junk), use_cache=False)
    first, second = decide_twice(reasoner)
    assert_fallback(first, nest("matmul"), "does not load")
    assert_fallback(second, nest("dot"), "does not load")
    assert len(reasoner.problems) == 1 and reasoner.traces[1].error


def test_registered_model_without_its_file_says_where_to_get_it(monkeypatch, tmp_path):
    monkeypatch.delenv("AUTOPAR_MODEL_QWEN2_5_1_5B", raising=False)
    monkeypatch.setenv("AUTOPAR_MODELS_CONFIG", str(tmp_path / "none.yaml"))
    decision = make_reasoner(model="qwen2.5-1.5b", use_cache=False)(example_tu(), nest("matmul"))
    assert_fallback(decision, nest("matmul"), "qwen2.5-1.5b-instruct-q4_k_m.gguf")


def test_closed_endpoint_port_falls_back_fast():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reasoner = make_reasoner(endpoint=f"http://127.0.0.1:{port}", use_cache=False)
    started = time.monotonic()
    first, second = decide_twice(reasoner)
    assert time.monotonic() - started < 5
    assert_fallback(first, nest("matmul"), "does not answer")
    assert_fallback(second, nest("dot"), "does not answer")


def test_silent_endpoint_times_out_and_falls_back():
    with socket.socket() as server:  # accepts the connection, never answers
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        backend = HttpBackend(f"http://127.0.0.1:{server.getsockname()[1]}/v1", timeout=0.5)
        reasoner = LLMReasoner(backend, ReasonerConfig(), cache=AnswerCache(enabled=False))
        started = time.monotonic()
        decision = reasoner(example_tu(), nest("matmul"))
        assert time.monotonic() - started < 5
    assert_fallback(decision, nest("matmul"), "did not answer within 0.5 s")


@pytest.mark.slow
def test_model_past_its_time_budget_falls_back_and_stays_usable():
    tu = example_tu()
    slow = make_reasoner(time_budget=0.001, use_cache=False)
    assert_fallback(slow(tu, nest("matmul")), nest("matmul"), "model timed out")
    # the shared, already loaded model still answers afterwards
    decision = make_reasoner(time_budget=120, use_cache=False)(tu, nest("dot"))
    assert decision.decided_by == "model"


def test_cli_rejects_unknown_model_and_model_without_llm(capsys):
    assert main(["analyze", "x.c", "--llm", "--model", "no-such-model"]) == 2
    assert "unknown model 'no-such-model'" in capsys.readouterr().err
    assert main(["analyze", "x.c", "--model", "smollm2-135m"]) == 2
    assert "need --llm" in capsys.readouterr().err
