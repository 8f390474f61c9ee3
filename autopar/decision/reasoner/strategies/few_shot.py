"""Few-shot: two worked examples from the curated set (autopar/decision/reasoner/examples.yaml) come first,
chosen by how many traits (reduction, collapse, runtime check, schedule) they share with the nest.
The examples come first, so when consecutive nests get the same two, llama.cpp reuses their
evaluation (its prompt cache keeps the longest common prefix).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import yaml

from autopar.decision.reasoner.prompt import SYSTEM
from autopar.decision.reasoner.strategies.base import Context, Proposal, ask_answer, feedback

EXAMPLES_PATH = Path(__file__).resolve().parent.parent / "examples.yaml"
SHOTS = 2


@lru_cache(maxsize=1)
def load_examples() -> list[dict]:
    return yaml.safe_load(EXAMPLES_PATH.read_text())["examples"]


def traits(ctx: Context) -> set[str]:
    found: set[str] = set()
    for option in ctx.options:
        plan = option.candidate.plan if option.candidate else None
        if plan is None:
            continue
        if plan.reductions:
            found.add("reduction")
        if plan.collapse > 1:
            found.add("collapse")
        if plan.alias_check:
            found.add("runtime-check")
        if plan.schedule is not None and plan.schedule.value != "static":
            found.add("schedule")
    if len(ctx.nest.verdicts) > 1:
        found.add("nested")
    return found


def pick(ctx: Context, shots: int = SHOTS) -> list[dict]:
    wanted = traits(ctx)
    ranked = sorted(enumerate(load_examples()), key=lambda e: (-len(wanted & set(e[1]["traits"])), e[0]))
    return [example for _, example in ranked[:shots]]


class FewShot:
    name = "few_shot"

    def propose(self, ctx: Context) -> Proposal:
        messages = [{"role": "system", "content": SYSTEM}]
        for example in pick(ctx):
            messages.append({"role": "user", "content": example["prompt"].strip()})
            messages.append({"role": "assistant", "content": json.dumps(example["answer"])})
        messages += [{"role": "user", "content": ctx.prompt()}, *feedback(ctx)]
        return ask_answer(ctx, messages)
