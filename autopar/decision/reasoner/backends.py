"""Model backends: one call = messages + JSON schema in, the model's JSON text out.

- LlamaCppBackend: a GGUF file run by llama-cpp-python (the default), in a worker process of its own
  so that a native crash cannot take autopar down. The schema becomes a grammar, so the model can
  only write JSON that fits it. The worker starts on the first question and keeps the model loaded
  for the life of autopar's process, shared by every nest and every reasoner.
- HttpBackend: an OpenAI-compatible endpoint (`python -m llama_cpp.server`, llama.cpp's llama-server),
  so that one server can answer a whole CI fleet. The schema travels as `response_format`.

Every failure becomes a BackendError with a message a user can act on; the reasoner then falls back
to the analyzer's default. Decoding is greedy (temperature 0) with a fixed seed, so answers repeat.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from typing import Any, NoReturn, Optional, Protocol

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

class ModelProcess:
    """One worker process (`autopar.decision.reasoner.worker`) holding one loaded model.

    A native crash in the model ends the worker, not autopar: a closed pipe or a dead process
    becomes a BackendError naming the signal, and the process is not started again, so every later
    question falls back at once.
    """

    def __init__(self, key: tuple):
        self.key = key  # (path, n_ctx, n_threads, chat_format, lora_path)
        self.load_seconds = 0.0
        self.problem: Optional[str] = None  # set once the process has failed for good
        self._process: Optional[subprocess.Popen] = None
        self._stderr: Any = None
        self._lock = threading.Lock()

    def start(self) -> None:
        path, n_ctx, n_threads, chat_format, lora_path = self.key
        env = dict(os.environ)
        # llama.cpp's OpenMP threads sleep instead of spinning while they wait: on a machine whose
        # cores are busy, spinning made one answer 10-30x slower here
        env.setdefault("OMP_WAIT_POLICY", "passive")
        if self._stderr is not None:
            self._stderr.close()
        self._stderr = tempfile.TemporaryFile()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "autopar.decision.reasoner.worker"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=self._stderr, env=env, text=True, encoding="utf-8",
                start_new_session=True)  # a Ctrl-C in the terminal is autopar's to handle, not the worker's
        except OSError as error:
            self._fail(f"the model process could not start: {error}")
        answer = self.ask({"op": "load", "path": path, "n_ctx": n_ctx, "n_threads": n_threads,
                           "chat_format": chat_format, "lora_path": lora_path}, timeout=LOAD_TIMEOUT)
        if not answer.get("ok"):
            self._fail(f"model file does not load ({path}): {answer.get('error')}")
        self.load_seconds = float(answer.get("load_seconds", 0.0))

    @property
    def running(self) -> bool:
        return self._process is not None

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and wait at most `timeout` seconds for its answer. Raises BackendError."""
        with self._lock:
            if self.problem:
                raise BackendError(self.problem)
            process = self._process
            assert process is not None and process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.flush()
            except (OSError, ValueError):
                self._fail(self._death())
            ready, _, _ = select.select([process.stdout], [], [], timeout)
            if not ready:  # hung, or far slower than its budget: stopped, and started afresh next time
                self._kill()
                self._process = None
                raise BackendTimeout(f"the model process did not answer within {timeout:g} s and was stopped")
            line = process.stdout.readline()
            if not line:
                self._fail(self._death())
            try:
                return json.loads(line)
            except ValueError:
                self._fail("the model process sent an unreadable answer")

    def _death(self) -> str:
        """Why the worker is gone, for the user: its signal or exit code, and its last words."""
        process = self._process
        try:
            code = process.wait(timeout=5) if process else None
        except subprocess.TimeoutExpired:
            self._kill()
            code = None
        if code is not None and code < 0:
            try:
                how = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was killed by signal {-code}"
            if -code == signal.SIGKILL:
                how += " (out of memory?)"
        else:
            how = f"exited with code {code}"
        last = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            # llama.cpp's own last words (GGML_ASSERT, an error) say more than the signal does
            lines = [l for l in self._stderr.read().decode("utf-8", "replace").splitlines()
                     if re.search(r"error|assert|abort|fatal", l, re.I)]
            if lines:
                from autopar.decision.reasoner.prompt import sanitize

                last = f": {sanitize(lines[-1], 160)}"
        return f"the model process {how} (a crash in llama.cpp's native code){last}"

    def _fail(self, problem: str) -> NoReturn:
        self._kill()
        self.problem = problem
        raise BackendError(problem)

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def close(self) -> None:
        process = self._process
        if process is None:
            return
        try:
            if process.poll() is None and process.stdin is not None:
                process.stdin.close()  # the worker frees the model and exits at end of input
                process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self._kill()
        if self._stderr is not None:
            self._stderr.close()


LOAD_TIMEOUT = 120.0  # seconds a model file may take to load in the worker
# seconds past a question's time budget before the worker is taken for hung: the budget is checked
# between two decoded tokens, and evaluating a long prompt on a loaded machine takes a while
SLACK = 60.0

_PROCESSES: dict[tuple, ModelProcess] = {}  # one worker per model and settings, shared by every backend
_PROCESS_LOCK = threading.Lock()


class LlamaCppBackend:
    """A GGUF file run by llama-cpp-python in its own process (see `autopar.decision.reasoner.worker`)."""

    def __init__(self, path: str, instruct: bool = True, chat_format: Optional[str] = None,
                 n_ctx: int = 2048, n_threads: int = 2, lora_path: Optional[str] = None):
        self.path = path
        self.lora_path = lora_path  # an adapter applied over the model (a specialist), or None
        self.instruct = instruct
        self.chat_format = chat_format
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.load_seconds = 0.0  # time spent loading the file in this backend (0 when already loaded)
        self._hash: Optional[str] = None

    def identity(self) -> str:
        if self._hash is None:
            from autopar.decision.reasoner.cache import file_hash

            try:
                self._hash = "+".join(file_hash(p) for p in (self.path, self.lora_path) if p)
            except OSError as error:
                raise BackendError(f"model file not readable: {error.filename}: {error.strerror}") from None
        return f"gguf:{self._hash}"

    def load(self) -> ModelProcess:
        """The worker with the model loaded, starting it on first use. Raises BackendError."""
        key = (os.path.abspath(self.path), self.n_ctx, self.n_threads, self.chat_format,
               os.path.abspath(self.lora_path) if self.lora_path else None)
        with _PROCESS_LOCK:
            process = _PROCESSES.get(key)
            if process is not None:
                if process.problem:
                    raise BackendError(process.problem)
                if not process.running:
                    process.start()
                return process
            for needed in (self.path, self.lora_path):
                if needed and not os.path.isfile(needed):
                    raise BackendError(f"model file not found: {needed}")
            if importlib.util.find_spec("llama_cpp") is None:
                raise BackendError("llama-cpp-python is not installed: pip install 'autopar[llm]'")
            process = ModelProcess(key)
            if not _PROCESSES:
                atexit.register(_close_all)
            _PROCESSES[key] = process
            process.start()
            self.load_seconds = process.load_seconds
            return process

    def chat(self, messages: list[Message], schema: dict[str, Any], max_tokens: int,
             time_budget: float) -> str:
        answer = self.load().ask({"op": "chat", "messages": messages, "schema": schema,
                                  "max_tokens": max_tokens, "instruct": self.instruct,
                                  "time_budget": time_budget}, timeout=time_budget + SLACK)
        if not answer.get("ok"):  # e.g. a prompt longer than the context window
            raise BackendError(f"the model failed: {answer.get('error')}")
        if answer.get("timed_out"):
            raise BackendTimeout(f"the model took longer than {time_budget:g} s")
        return str(answer.get("text", ""))

    def distribution(self, messages: list[Message], prefix: str, labels: list[str]) -> list[float]:
        """The model's probabilities for each label as the next token of an answer that begins with
        `prefix` (e.g. '{"score": "' and labels "1".."5"), normalised over the labels. One forward pass,
        no sampling: this is how options are scored by log-probability."""
        answer = self.load().ask({"op": "distribution", "messages": messages, "prefix": prefix,
                                  "labels": labels, "instruct": self.instruct}, timeout=LOAD_TIMEOUT)
        if not answer.get("ok"):
            raise BackendError(f"the model could not score the options: {answer.get('error')}")
        return [float(p) for p in answer["probabilities"]]


def _close_all() -> None:
    """Stop the workers before interpreter teardown."""
    while _PROCESSES:
        _PROCESSES.popitem()[1].close()


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
