"""The model's own process: llama.cpp runs here, never in autopar's process.

Native code in llama.cpp can crash (a segfault, an abort, the kernel's out-of-memory kill) on CPUs
and builds nobody tested. Run in its own process, such a crash ends only this worker; the parent
(`backends.LlamaCppBackend`) sees the pipe close, turns it into a BackendError, and the analyzer's
plans are used.

Protocol: one JSON object per line on stdin, one JSON answer per line on the protocol stream, which
is the process's original stdout. File descriptor 1 is pointed at stderr before llama.cpp loads, so
nothing native can write into the protocol.

    {"op": "load", "path": ..., "n_ctx": 2048, "n_threads": 2, "chat_format": null, "lora_path": null}
        → {"ok": true, "load_seconds": 0.2}
    {"op": "chat", "messages": [...], "schema": {...}, "max_tokens": 64, "instruct": true, "time_budget": 20}
        → {"ok": true, "text": "...", "timed_out": false}
    {"op": "distribution", "messages": [...], "prefix": "...", "labels": ["1", ...], "instruct": true}
        → {"ok": true, "probabilities": [...]}
    any failure → {"ok": false, "error": "..."}

`AUTOPAR_WORKER_FAULT=segfault|abort` makes the worker crash for real at its first question, so that
the isolation can be tested end to end (the parent's own code paths are the ones a real crash takes).
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import time
from typing import Any

SEED = 0


def _load(request: dict[str, Any]) -> Any:
    import llama_cpp.llama_cpp as native
    from llama_cpp import Llama

    # llama.cpp's extra buffer types repack weights for AMX (and other CPU-specific kernels); that
    # path segfaulted in llama_decode on Xeons with AMX. The plain CPU buffers are as fast for a
    # model this small, so they are used on every machine.
    defaults = native.llama_model_default_params

    def model_params():
        params = defaults()
        if hasattr(params, "use_extra_bufts"):
            params.use_extra_bufts = False
        return params

    native.llama_model_default_params = model_params
    return Llama(model_path=request["path"], n_ctx=request["n_ctx"], n_threads=request["n_threads"],
                 n_threads_batch=request["n_threads"], seed=SEED, chat_format=request.get("chat_format"),
                 lora_path=request.get("lora_path"), verbose=False)


def _chat(llm: Any, grammars: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    from llama_cpp import LlamaGrammar

    key = json.dumps(request["schema"], sort_keys=True)
    if key not in grammars:
        grammars[key] = LlamaGrammar.from_json_schema(key, verbose=False)
    common = dict(grammar=grammars[key], temperature=0.0, seed=SEED, max_tokens=request["max_tokens"],
                  stream=True)
    deadline = time.monotonic() + request["time_budget"]
    pieces: list[str] = []
    # streamed, so that the time budget can stop generation between two tokens
    if request["instruct"]:
        stream = llm.create_chat_completion(messages=request["messages"], **common)
        field = lambda chunk: chunk["choices"][0]["delta"].get("content") or ""  # noqa: E731
    else:  # a base model has no chat template worth trusting: plain text, then the answer
        stream = llm.create_completion(prompt=plain_prompt(request["messages"]), **common)
        field = lambda chunk: chunk["choices"][0]["text"] or ""  # noqa: E731
    for chunk in stream:
        pieces.append(field(chunk))
        if time.monotonic() > deadline:
            break
    stream.close()
    return {"ok": True, "text": "".join(pieces), "timed_out": time.monotonic() > deadline}


def _distribution(llm: Any, request: dict[str, Any]) -> dict[str, Any]:
    """The probabilities of each label as the next token after the prompt and `prefix`: one forward
    pass, no sampling."""
    import numpy as np
    from llama_cpp import llama_get_logits_ith

    tokens = prompt_tokens(llm, request["messages"], request["prefix"], request["instruct"])
    # reuse the evaluated prefix, as llama-cpp's own generate() does: only the new tail is run
    common = 0
    for old, new in zip(llm.input_ids[:llm.n_tokens].tolist(), tokens):
        if old != new:
            break
        common += 1
    llm.n_tokens = min(common, len(tokens) - 1)
    llm.eval(tokens[llm.n_tokens:])
    logits = np.ctypeslib.as_array(llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),)).copy()
    ids = [llm.tokenize(label.encode(), add_bos=False)[0] for label in request["labels"]]
    chosen = logits[ids]
    weights = np.exp(chosen - chosen.max())
    return {"ok": True, "probabilities": [float(w) for w in weights / weights.sum()]}


def prompt_tokens(llm: Any, messages: list[dict[str, str]], prefix: str, instruct: bool) -> list[int]:
    """The tokens a distribution is read after: the chat (through the model's template, or as plain
    text for a base model), then the answer's first characters. The specialist is trained on these."""
    prompt = (_chat_prompt(llm, messages) if instruct else plain_prompt(messages)) + prefix
    return llm.tokenize(prompt.encode(), add_bos=False, special=True)


def _chat_prompt(llm: Any, messages: list[dict[str, str]]) -> str:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        return plain_prompt(messages)
    eos = llm.detokenize([llm.token_eos()], special=True).decode(errors="replace")
    bos = llm.detokenize([llm.token_bos()], special=True).decode(errors="replace")
    return Jinja2ChatFormatter(template, eos, bos)(messages=messages).prompt


def plain_prompt(messages: list[dict[str, str]]) -> str:
    parts = []
    for message in messages:
        label = {"system": "", "user": "Question: ", "assistant": "Answer: "}.get(message["role"], "")
        parts.append(label + message["content"])
    return "\n\n".join(parts) + "\n\nAnswer: "


def _fault() -> None:
    fault = os.environ.get("AUTOPAR_WORKER_FAULT", "")
    if fault == "segfault":
        ctypes.string_at(0)  # a real SIGSEGV in native code
    elif fault == "abort":
        os.abort()


def serve(requests, answers) -> None:
    llm = None
    grammars: dict[str, Any] = {}
    for line in requests:
        try:
            request = json.loads(line)
            op = request["op"]
            if op == "load":
                started = time.perf_counter()
                llm = _load(request)
                answer = {"ok": True, "load_seconds": time.perf_counter() - started}
            elif llm is None:
                answer = {"ok": False, "error": "no model loaded"}
            elif op == "chat":
                _fault()
                answer = _chat(llm, grammars, request)
            elif op == "distribution":
                _fault()
                answer = _distribution(llm, request)
            else:
                answer = {"ok": False, "error": f"unknown request {op!r}"}
        except Exception as error:  # noqa: BLE001 - every Python-level failure is an answer
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    if llm is not None:
        llm.close()


def main() -> None:
    # keep the protocol stream to ourselves: native code printing to fd 1 lands on stderr
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin, protocol)


if __name__ == "__main__":
    main()
