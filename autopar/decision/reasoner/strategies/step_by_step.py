"""Step by step: two closed questions in turn. Step 1: which loop carries the pragma (or none).
Step 2: which of that loop's plans (collapse, clauses, schedule), with a reason.
"""

from __future__ import annotations

import json

from autopar.decision.reasoner.prompt import SERIAL, SYSTEM, describe_nest, enum_model, loop_label
from autopar.decision.reasoner.strategies.base import JSON_TOKENS, Context, Proposal, ask_answer, feedback

NONE = "none"


class StepByStep:
    name = "step_by_step"

    def propose(self, ctx: Context) -> Proposal:
        loops: dict[str, list[str]] = {}  # label id ("L1") → option ids on that loop
        names: dict[str, str] = {}
        by_loop: dict[str, str] = {}
        for option in ctx.options:
            if option.id == SERIAL:
                continue
            loop_id = option.candidate.plan.loop_id if option.candidate else option.summary
            if loop_id not in by_loop:
                by_loop[loop_id] = f"L{len(by_loop) + 1}"
                names[by_loop[loop_id]] = (loop_label(ctx.tu, loop_id) if option.candidate
                                           else option.summary.split(",")[0].removeprefix("loop "))
            loops.setdefault(by_loop[loop_id], []).append(option.id)
        if not loops:
            return Proposal(choice=SERIAL, rationale="step 1: no loop can carry a pragma")
        listing = "\n".join(f"{label}: loop {names[label]}" for label in loops)
        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": f"{describe_nest(ctx.tu, ctx.nest)}\n\n"
                                                f"Step 1: which loop should run in parallel?\n{listing}\n"
                                                f"{NONE}: no loop, keep the nest serial"},
                    *feedback(ctx)]
        step1 = ctx.ask(messages, enum_model("Step1", "loop", [*loops, NONE]), JSON_TOKENS)
        if step1.loop == NONE:
            return Proposal(choice=SERIAL, rationale="step 1: no loop worth running in parallel")
        ids = loops[step1.loop]
        plans = "\n".join(f"{o.id}: {o.summary}" for o in ctx.options if o.id in ids)
        messages += [{"role": "assistant", "content": json.dumps({"loop": step1.loop})},
                     {"role": "user", "content": f"Step 2: choose the plan for loop {names[step1.loop]}:\n"
                                                 f"{plans}\nGive its id and a short reason."}]
        return ask_answer(ctx, messages, ids=ids)
