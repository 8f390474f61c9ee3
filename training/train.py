"""Fine-tune the default model into the specialist: a LoRA adapter that rates plans as measured.

Reads training/data/train.jsonl (made by dataset.py), de-quantizes the default model's GGUF to
fp32, trains LoRA weights so that the model's next token after '{"score": "' is each option's
measured rating (the loss is over the five rating tokens only, as they are normalised when the tuner
asks), and writes the adapter as a GGUF LoRA file that llama.cpp loads beside the base model
(`autopar/models/`, the registry's `smollm2-135m-autopar`).

Needs the `train` extra (torch on the CPU, transformers, peft, gguf): `make specialist`. The prompt is
rendered and tokenized by llama.cpp itself, exactly as the worker does when it asks, so training and
use see the same tokens. On 2 CPU cores an epoch of ~1,200 examples takes about 20 minutes; a GPU is
used when torch sees one.

    python training/train.py --epochs 2 -o autopar/models/smollm2-135m-autopar.lora.gguf
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from autopar.decision.reasoner.worker import prompt_tokens  # noqa: E402
from autopar.decision.reasoner.strategies.tree_of_thoughts import RATING_PREFIX, SCORES  # noqa: E402

LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
LLAMA_CPP_VERSION = "0.3.36"  # the sdist whose vendored llama.cpp converts the adapter (pyproject's pin)


class Nest(NamedTuple):
    """One nest's examples: the tokens its questions share (the system prompt and the nest), and per
    option the rest of its question and its rating (0-4)."""
    prefix: list[int]
    options: list[tuple[list[int], int]]


def load_nests(path: Path, llm, instruct: bool) -> list[Nest]:
    grouped: dict[tuple[str, str], list[tuple[list[int], int]]] = {}
    for line in path.read_text().splitlines():
        record = json.loads(line)
        key = (record["program"], record["nest"])
        tokens = prompt_tokens(llm, record["messages"], RATING_PREFIX, instruct)  # what the worker evaluates
        grouped.setdefault(key, []).append((tokens, record["rating"] - 1))
    nests = []
    for examples in grouped.values():
        shared = min(len(ids) for ids, _ in examples) - 1  # every option keeps at least one token
        for ids, _ in examples[1:]:
            shared = next((i for i, (a, b) in enumerate(zip(ids[:shared], examples[0][0])) if a != b), shared)
        nests.append(Nest(examples[0][0][:shared], [(ids[shared:], rating) for ids, rating in examples]))
    return nests


def nest_logits(inner, heads, nest: Nest, device: str):
    """The five rating logits of each option: the shared prefix is run once, its cache repeated for
    the options, and only their own tokens are run after it (the same logits as one full pass each)."""
    import torch

    prefix = torch.tensor([nest.prefix], device=device)
    cache = inner.model(input_ids=prefix, use_cache=True).past_key_values
    count = len(nest.options)
    cache.batch_repeat_interleave(count)
    width = max(len(ids) for ids, _ in nest.options)
    ids = torch.tensor([t + [0] * (width - len(t)) for t, _ in nest.options], device=device)
    mask = torch.tensor([[1] * (len(nest.prefix) + len(t)) + [0] * (width - len(t)) for t, _ in nest.options],
                        device=device)
    hidden = inner.model(input_ids=ids, attention_mask=mask, past_key_values=cache).last_hidden_state
    last = torch.tensor([len(t) - 1 for t, _ in nest.options], device=device)
    return hidden[torch.arange(count, device=device), last] @ heads.T


def train(args) -> None:
    import torch
    from llama_cpp import Llama
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from autopar.decision.models import resolve

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    resolved = resolve(args.base)
    base = Path(resolved.path or sys.exit(f"the base model {args.base} is not installed"))
    vocab = Llama(model_path=str(base), vocab_only=True, verbose=False)
    label_ids = [vocab.tokenize(r.encode(), add_bos=False)[0] for r in SCORES]
    nests = load_nests(Path(args.data) / "train.jsonl", vocab, resolved.entry.instruct)
    print(f"{sum(len(n.options) for n in nests)} examples in {len(nests)} nests; base {base.name}", file=sys.stderr)

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = AutoModelForCausalLM.from_pretrained(str(base.parent), gguf_file=base.name, dtype=torch.float32)
    _unmark_quantized(model)
    config = model.config.to_dict()  # the converter reads the base's config beside the adapter
    config["architectures"] = [type(model).__name__]  # a GGUF-loaded config lacks it
    model = get_peft_model(model, LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.05,
                                             target_modules=LORA_TARGETS, task_type="CAUSAL_LM")).to(device)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    model.train()  # LoRA's dropout
    inner = model.get_base_model()
    heads = inner.lm_head.weight[label_ids].detach().to(device)  # the five rating tokens' output rows
    rng = random.Random(args.seed)
    per_step = args.nests_per_step
    steps = args.epochs * ((len(nests) + per_step - 1) // per_step)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 10) * max(0.05, 1 - s / steps))
    started, step = time.monotonic(), 0
    for epoch in range(args.epochs):
        order = list(nests)
        rng.shuffle(order)
        for first in range(0, len(order), per_step):
            group = order[first:first + per_step]
            examples = sum(len(n.options) for n in group)
            total = 0.0
            for nest in group:  # gradients add up over the step's nests, weighted by their options
                logits = nest_logits(inner, heads, nest, device)
                target = torch.tensor([r for _, r in nest.options], device=device)
                loss = torch.nn.functional.cross_entropy(logits, target, reduction="sum") / examples
                loss.backward()
                total += loss.item()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 10 == 0 or step == steps:
                print(f"epoch {epoch + 1} step {step}/{steps} loss {total:.3f} "
                      f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    # the adapter in PEFT's form and the base's config, kept so that --convert-only can redo the last step
    adapter, base_dir = Path(args.work) / "adapter", Path(args.work) / "base"
    model.save_pretrained(str(adapter))
    base_dir.mkdir(parents=True, exist_ok=True)
    (base_dir / "config.json").write_text(json.dumps(config))
    convert(adapter, base_dir, Path(args.output))


def _unmark_quantized(model) -> None:
    """transformers marks a model loaded from a GGUF as quantized and refuses to save it; the weights
    are plain fp32 once loaded."""
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


def convert(adapter: Path, base_dir: Path, output: Path) -> None:
    """llama.cpp's convert_lora_to_gguf.py, from the llama-cpp-python sdist (the version autopar
    builds), with its own gguf-py."""
    tools = _llama_cpp_tools()
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(tools / "convert_lora_to_gguf.py"), str(adapter), "--base", str(base_dir),
               "--outfile", str(output), "--outtype", "f16"]
    env = {"PYTHONPATH": str(tools / "gguf-py"), "PATH": "/usr/bin:/bin", "NO_LOCAL_GGUF": ""}
    subprocess.run(command, check=True, env=env)
    print(f"wrote {output}", file=sys.stderr)


def _llama_cpp_tools() -> Path:
    cache = Path.home() / ".cache" / "autopar" / f"llama.cpp-{LLAMA_CPP_VERSION}"
    if (cache / "conversion" / "__init__.py").is_file():
        return cache
    with tempfile.TemporaryDirectory(prefix="autopar-sdist-") as scratch:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        f"llama-cpp-python=={LLAMA_CPP_VERSION}", "-d", scratch], check=True)
        sdist = next(Path(scratch).glob("llama_cpp_python-*.tar.gz"))
        prefix = f"{sdist.name[:-len('.tar.gz')]}/vendor/llama.cpp/"
        with tarfile.open(sdist) as tar:
            wanted = [m for m in tar.getmembers() if m.name.startswith(prefix) and (
                m.name[len(prefix):] in ("convert_lora_to_gguf.py", "convert_hf_to_gguf.py")
                or m.name[len(prefix):].startswith(("gguf-py/", "conversion/")))]
            for member in wanted:
                member.name = member.name[len(prefix):]
            cache.mkdir(parents=True, exist_ok=True)
            tar.extractall(cache, members=wanted, filter="data")
    return cache


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(HERE / "data"))
    parser.add_argument("--base", default="smollm2-135m", help="the registry name of the base model")
    parser.add_argument("-o", "--output", default=str(ROOT / "autopar" / "models" / "smollm2-135m-autopar.lora.gguf"))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--nests-per-step", type=int, default=2, help="nests (all their options) per step")
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", default=str(HERE / "out"), help="where the PEFT adapter is kept")
    parser.add_argument("--convert-only", action="store_true", help="convert the adapter kept in --work")
    args = parser.parse_args(argv)
    if args.convert_only:
        convert(Path(args.work) / "adapter", Path(args.work) / "base", Path(args.output))
    else:
        train(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
