"""Zero-shot: the nest, the options, one closed answer."""

from __future__ import annotations

from autopar.decision.reasoner.strategies.base import Context, Proposal, ask_answer, base_messages


class ZeroShot:
    name = "zero_shot"

    def propose(self, ctx: Context) -> Proposal:
        return ask_answer(ctx, base_messages(ctx))
