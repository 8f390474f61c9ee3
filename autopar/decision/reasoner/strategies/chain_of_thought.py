"""Chain of thought: one call whose answer starts with a bounded "reasoning" field, then the choice.

The grammar puts the reasoning first, so the choice is decoded after (and conditioned on) it.
"""

from __future__ import annotations

from autopar.decision.reasoner.strategies.base import Context, Proposal, ask_answer, base_messages

REASONING_CHARS = 160


class ChainOfThought:
    name = "chain_of_thought"

    def propose(self, ctx: Context) -> Proposal:
        hint = ("\nFirst write your reasoning in \"reasoning\": which loop has the most independent work, "
                "whether a reduction or collapse is needed. Then choose.")
        return ask_answer(ctx, base_messages(ctx, suffix=hint), reasoning_chars=REASONING_CHARS)
