"""ReAct: the model may call analysis tools (a loop's dependences, its scalars, its candidates) before it
answers. Each step is a closed choice {"action": tool or "answer", "loop": L1..Ln}; the observation goes
back into the conversation. At most MAX_STEPS tool calls, then it must answer.
"""

from __future__ import annotations

import json

from typing import Literal

from pydantic import create_model

from autopar.decision.reasoner.prompt import loop_label
from autopar.decision.reasoner.strategies.base import JSON_TOKENS, Context, Proposal, ask_answer, base_messages
from autopar.decision.reasoner.tools import TOOLS

MAX_STEPS = 3
ANSWER = "answer"


class ReAct:
    name = "react"

    def propose(self, ctx: Context) -> Proposal:
        loop_ids = [v.loop_id for v in ctx.nest.verdicts] or [ctx.nest.root_loop_id]
        labels = {f"L{n + 1}": loop_id for n, loop_id in enumerate(loop_ids)}
        listing = ", ".join(f"{label} = loop {loop_label(ctx.tu, loop_id)}" for label, loop_id in labels.items())
        messages = base_messages(ctx, suffix=(
            f"\nBefore answering you may look things up. Actions: dependences, scalars, candidates "
            f"(of one loop: {listing}), or {ANSWER}."))
        step_model = create_model("Step", action=(Literal[tuple([*TOOLS, ANSWER])], ...),
                                  loop=(Literal[tuple(labels)], ...))
        looked_up: list[str] = []
        for _ in range(MAX_STEPS):
            step = ctx.ask(messages, step_model, JSON_TOKENS)
            call = f"{step.action}({step.loop})"
            if step.action == ANSWER or call in looked_up:
                break
            looked_up.append(call)
            observation = TOOLS[step.action](ctx.tu, ctx.nest, labels[step.loop])
            messages += [{"role": "assistant", "content": json.dumps({"action": step.action, "loop": step.loop})},
                         {"role": "user", "content": f"Observation: {observation}"}]
        # (no list of ids here: a tiny model tends to repeat the last one it read, which was "serial")
        messages.append({"role": "user", "content": "Now answer with the best option's id and a short reason."})
        proposal = ask_answer(ctx, messages)
        if looked_up:
            proposal.rationale = f"{proposal.rationale} [looked up {', '.join(looked_up)}]"
        return proposal

