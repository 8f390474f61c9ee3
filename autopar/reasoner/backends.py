"""Model backends: one call = messages + JSON schema in, the model's JSON text out.

- LlamaCppBackend: a GGUF file run in-process by llama-cpp-python (the default). The schema becomes a
  grammar, so the model can only write JSON that fits it. llama_cpp is imported on first use, and a
  loaded model is kept for the life of the process, shared by every nest and every reasoner.
- HttpBackend: an OpenAI-compatible endpoint (`python -m llama_cpp.server`, llama.cpp's llama-server),
  so that one server can answer a whole CI fleet. The schema travels as `response_format`.

Every failure becomes a BackendError with a message a user can act on; the reasoner then falls back
to the analyzer's default. Decoding is greedy (temperature 0) with a fixed seed, so answers repeat.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Optional, Protocol

Message = dict[str, str]

SEED = 0


class BackendError(Exception):
    """The model could not answer: it does not load, the endpoint is down, the answer is unreadable."""


class BackendTimeout(BackendError):
    """The model did not finish within its per-call time budget."""


class Backend(Protocol):
    def identity(self) -> str:
        """What the answers depend on besides the prompt (the model file's hash), for the cache key."""

    def chat(self, messages: list[Message], schema: dict[str, Any], max_tokens: int,
             time_budget: float) -> str:
        """The model's answer as text, constrained to `schema`. Raises BackendError."""


# ------------------------------------------------------------------------------------------ llama-cpp

_LOADED: dict[tuple, Any] = {}  # (path, n_ctx, n_threads, chat_format) → Llama, loaded once per process
_LOAD_LOCK = threading.Lock()


class LlamaCppBackend:
    def __init__(self, path: str, instruct: bool = True, chat_format: Optional[str] = None,
                 n_ctx: int = 2048, n_threads: int = 2):
        self.path = path
        self.instruct = instruct
        self.chat_format = chat_format
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.load_seconds = 0.0  # time spent loading the file in this backend (0 when already loaded)
        self._grammars: dict[str, Any] = {}
        self._hash: Optional[str] = None

    def identity(self) -> str:
        if self._hash is None:
            from autopar.reasoner.cache import file_hash

            try:
                self._hash = file_hash(self.path)
            except OSError as error:
                raise BackendError(f"model file not readable: {self.path}: {error.strerror}") from None
        return f"gguf:{self._hash}"

    def llm(self) -> Any:
        """The loaded model, loading it on first use. Raises BackendError."""
        key = (os.path.abspath(self.path), self.n_ctx, self.n_threads, self.chat_format)
        with _LOAD_LOCK:
            if key in _LOADED:
                return _LOADED[key]
            if not os.path.isfile(self.path):
                raise BackendError(f"model file not found: {self.path}")
            Llama = _import_llama()
            started = time.perf_counter()
            try:
                llm = Llama(model_path=self.path, n_ctx=self.n_ctx, n_threads=self.n_threads,
                            n_threads_batch=self.n_threads, seed=SEED, chat_format=self.chat_format,
                            verbose=False)
            except Exception as error:  # llama-cpp raises ValueError for an unreadable or corrupt file
                raise BackendError(f"model file does not load ({self.path}): {error}") from None
            self.load_seconds = time.perf_counter() - started
            if not _LOADED:
                atexit.register(_close_all)
            _LOADED[key] = llm
            return llm

    def chat(self, messages: list[Message], schema: dict[str, Any], max_tokens: int,
             time_budget: float) -> str:
        llm = self.llm()
        grammar = self._grammar(schema)
        deadline = time.monotonic() + time_budget
        common = dict(grammar=grammar, temperature=0.0, seed=SEED, max_tokens=max_tokens, stream=True)
        pieces: list[str] = []
        try:
            # streamed, so that the time budget can stop generation between two tokens
            if self.instruct:
                stream = llm.create_chat_completion(messages=messages, **common)
                for chunk in stream:
                    pieces.append(chunk["choices"][0]["delta"].get("content") or "")
                    if time.monotonic() > deadline:
                        break
            else:  # a base model has no chat template worth trusting: plain text, then the answer
                stream = llm.create_completion(prompt=_plain_prompt(messages), **common)
                for chunk in stream:
                    pieces.append(chunk["choices"][0]["text"] or "")
                    if time.monotonic() > deadline:
                        break
            stream.close()
        except Exception as error:  # e.g. a prompt longer than the context window
            raise BackendError(f"the model failed: {error}") from None
        if time.monotonic() > deadline:
            raise BackendTimeout(f"the model took longer than {time_budget:g} s")
        return "".join(pieces)

    def distribution(self, messages: list[Message], prefix: str, labels: list[str]) -> list[float]:
        """The model's probabilities for each label as the next token of an answer that begins with
        `prefix` (e.g. '{"score": "' and labels "1".."5"), normalised over the labels. One forward pass,
        no sampling: this is how options are scored by log-probability."""
        import numpy as np

        llm = self.llm()
        try:
            prompt = (self._chat_prompt(llm, messages) if self.instruct else _plain_prompt(messages)) + prefix
            tokens = llm.tokenize(prompt.encode(), add_bos=False, special=True)
            # reuse the evaluated prefix, as llama-cpp's own generate() does: only the new tail is run
            common = 0
            for old, new in zip(llm.input_ids[:llm.n_tokens].tolist(), tokens):
                if old != new:
                    break
                common += 1
            llm.n_tokens = min(common, len(tokens) - 1)
            llm.eval(tokens[llm.n_tokens:])
            from llama_cpp import llama_get_logits_ith

            logits = np.ctypeslib.as_array(llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),)).copy()
            ids = [llm.tokenize(label.encode(), add_bos=False)[0] for label in labels]
        except Exception as error:
            raise BackendError(f"the model could not score the options: {error}") from None
        chosen = logits[ids]
        weights = np.exp(chosen - chosen.max())
        return [float(w) for w in weights / weights.sum()]

    def _chat_prompt(self, llm: Any, messages: list[Message]) -> str:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            return _plain_prompt(messages)
        eos = llm.detokenize([llm.token_eos()], special=True).decode(errors="replace")
        bos = llm.detokenize([llm.token_bos()], special=True).decode(errors="replace")
        return Jinja2ChatFormatter(template, eos, bos)(messages=messages).prompt

    def _grammar(self, schema: dict[str, Any]) -> Any:
        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            from llama_cpp import LlamaGrammar

            try:
                self._grammars[key] = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
            except Exception as error:
                raise BackendError(f"could not build a grammar from the answer schema: {error}") from None
        return self._grammars[key]


def _import_llama() -> Any:
    """Import llama_cpp with its OpenMP threads told to sleep, not spin, while they wait.

    llama.cpp's wheel uses OpenMP; on a machine whose cores are busy with other work, spinning
    threads made one answer 10-30x slower here. libgomp reads the policy once, when it loads, so the
    variable is set only for the import and the environment is restored for any child process
    (a verifier's timings must not change because a model was loaded).
    """
    previous = os.environ.get("OMP_WAIT_POLICY")
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    try:
        from llama_cpp import Llama
    except ImportError:
        raise BackendError("llama-cpp-python is not installed: pip install 'autopar[llm]'") from None
    finally:
        if previous is None:
            os.environ.pop("OMP_WAIT_POLICY", None)
    return Llama


def _close_all() -> None:
    """Free loaded models before interpreter teardown, when llama-cpp can still clean up quietly."""
    while _LOADED:
        _LOADED.popitem()[1].close()


def _plain_prompt(messages: list[Message]) -> str:
    parts = []
    for message in messages:
        label = {"system": "", "user": "Question: ", "assistant": "Answer: "}.get(message["role"], "")
        parts.append(label + message["content"])
    return "\n\n".join(parts) + "\n\nAnswer: "


# --------------------------------------------------------------------------------------------- HTTP

class HttpBackend:
    """An OpenAI-compatible chat endpoint. `url` is the server root or its /v1 prefix."""

    def __init__(self, url: str, model: Optional[str] = None, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.model = model
        self.timeout = timeout

    def identity(self) -> str:
        return f"endpoint:{self.url}|{self.model or ''}"

    def _chat_url(self) -> str:
        return self.url + ("/chat/completions" if self.url.endswith("/v1") else "/v1/chat/completions")

    def chat(self, messages: list[Message], schema: dict[str, Any], max_tokens: int,
             time_budget: float) -> str:
        body: dict[str, Any] = {
            "messages": messages, "temperature": 0.0, "seed": SEED, "max_tokens": max_tokens,
            # llama_cpp.server and llama-server both turn this into a grammar
            "response_format": {"type": "json_object", "schema": schema},
        }
        if self.model:
            body["model"] = self.model
        request = urllib.request.Request(self._chat_url(), data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        timeout = min(self.timeout, time_budget)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = json.loads(response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            raise BackendError(f"endpoint {self.url} answered HTTP {error.code}: {error.reason}") from None
        except (TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError) or isinstance(error, TimeoutError):
                raise BackendTimeout(f"endpoint {self.url} did not answer within {timeout:g} s") from None
            raise BackendError(f"endpoint {self.url} does not answer: {reason}") from None
        except ValueError:
            raise BackendError(f"endpoint {self.url} did not send JSON") from None
        try:
            return payload["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise BackendError(f"endpoint {self.url} sent no chat completion") from None
