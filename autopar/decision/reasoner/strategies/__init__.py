"""The prompting strategies, by name. Each is a small module with one class behind `Strategy`."""

from __future__ import annotations

from autopar.decision.reasoner.strategies.base import Context, InvalidAnswer, Proposal, Rejection, Strategy
from autopar.decision.reasoner.strategies.chain_of_thought import ChainOfThought
from autopar.decision.reasoner.strategies.few_shot import FewShot
from autopar.decision.reasoner.strategies.react import ReAct
from autopar.decision.reasoner.strategies.step_by_step import StepByStep
from autopar.decision.reasoner.strategies.tree_of_thoughts import TreeOfThoughts
from autopar.decision.reasoner.strategies.zero_shot import ZeroShot

STRATEGIES: dict[str, type] = {cls.name: cls for cls in
                               (ZeroShot, ChainOfThought, TreeOfThoughts, ReAct, StepByStep, FewShot)}


def get_strategy(name: str) -> Strategy:
    """A strategy by name; "zero-shot" and "zero_shot" both work. Raises ValueError for an unknown name."""
    try:
        return STRATEGIES[name.replace("-", "_")]()
    except KeyError:
        raise ValueError(f"unknown strategy '{name}': choose from {', '.join(sorted(STRATEGIES))}") from None


__all__ = ["STRATEGIES", "get_strategy", "Context", "InvalidAnswer", "Proposal", "Rejection", "Strategy"]
