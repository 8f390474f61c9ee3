"""The LLM reasoner: a local model picks one of the analysis's legal plans for each loop nest.

    reasoner = make_reasoner(model="smollm2-135m", strategy="zero_shot")
    analyze_file("kernel.c", reasoner=reasoner)

Backends (backends.py), prompting strategies (strategies/), the answer cache (cache.py) and the
feedback loop (core.py) are separate modules. Nothing here loads a model until the first question.
"""

from __future__ import annotations

from typing import Any, Optional

from autopar.decision.reasoner.backends import Backend, BackendError, BackendTimeout, HttpBackend, LlamaCppBackend
from autopar.decision.reasoner.cache import AnswerCache
from autopar.decision.reasoner.core import LLMReasoner, NestTrace, ReasonerConfig, Verifier
from autopar.decision.reasoner.strategies import STRATEGIES


class UnavailableBackend:
    """Stands in for a model that cannot be used (e.g. its file is missing): every question fails
    with the same clear message, so every nest falls back to the analyzer's default."""

    def __init__(self, problem: str):
        self.problem = problem

    def identity(self) -> str:
        raise BackendError(self.problem)

    def chat(self, messages, schema, max_tokens, time_budget) -> str:
        raise BackendError(self.problem)


def make_backend(model: Optional[str] = None, endpoint: Optional[str] = None,
                 endpoint_timeout: float = 30.0) -> Backend:
    """The backend for --model/--llm-endpoint. Raises autopar.decision.models.UnknownModel for a bad name."""
    if endpoint:
        return HttpBackend(endpoint, model=model, timeout=endpoint_timeout)
    from autopar.decision.models import resolve

    resolved = resolve(model, assemble=True)
    if not resolved.available:
        return UnavailableBackend(f"model {resolved.name}: {resolved.problem}")
    return LlamaCppBackend(resolved.path, instruct=resolved.entry.instruct,
                           chat_format=resolved.entry.chat_format, lora_path=resolved.lora_path)


def make_reasoner(model: Optional[str] = None, strategy: str = "zero_shot", endpoint: Optional[str] = None,
                  verifier: Optional[Verifier] = None, **config: Any) -> LLMReasoner:
    backend = make_backend(model, endpoint)
    return LLMReasoner(backend, ReasonerConfig(strategy=strategy, **config), verifier=verifier)


__all__ = ["make_reasoner", "make_backend", "LLMReasoner", "ReasonerConfig", "NestTrace", "Verifier",
           "AnswerCache", "STRATEGIES", "Backend", "BackendError", "BackendTimeout", "HttpBackend",
           "LlamaCppBackend", "UnavailableBackend"]
