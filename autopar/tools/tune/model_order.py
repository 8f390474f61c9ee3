"""The model as a guide for `autopar tune --order model`: a region's candidates ordered by the
model's expected rating of each (its next-token probabilities, as tree of thoughts scores them)."""

from __future__ import annotations

import math

from autopar.tools.tune.regions import Option


def model_orderer(reasoner):
    """Order a region's candidates by the model's preference: its probabilities per option when the
    backend gives them (the tree-of-thoughts scoring), best first; the cost model's order on failure."""
    def order(tu, nest, options: list[Option]) -> list[Option]:
        scores = model_scores(reasoner, tu, nest)
        if not scores:
            return sorted(options, key=lambda o: (o.estimated_cost, o.id))
        return sorted(options, key=lambda o: (-scores.get(o.id, -math.inf), o.estimated_cost, o.id))
    return order


def model_scores(reasoner, tu, nest) -> dict[str, float]:
    """Option id -> the model's expected rating of that option (1-5) from its next-token probabilities
    (tree of thoughts' scoring), or {} when the backend cannot give probabilities."""
    from autopar.decision.reasoner.core import NestTrace
    from autopar.decision.reasoner.strategies.tree_of_thoughts import RATING_PREFIX, SCORES

    try:
        trace = NestTrace(root_loop_id=nest.root_loop_id)
        distribution = reasoner._distributor(trace)
        if distribution is None:
            return {}
        scores = {}
        for option_id, messages in rating_messages(tu, nest):
            probabilities = distribution(messages, RATING_PREFIX, SCORES)
            scores[option_id] = sum(p * int(s) for p, s in zip(probabilities, SCORES))
        return scores
    except Exception:  # noqa: BLE001 - a model that cannot rank leaves the cost model's order
        return {}


def rating_messages(tu, nest) -> list[tuple[str, list[dict[str, str]]]]:
    """(option id, the chat that asks the model to rate that option 1-5), for each option of the nest:
    the questions `model_scores` asks, and the prompts the specialist model is trained on."""
    from autopar.decision.reasoner.prompt import build_options
    from autopar.decision.reasoner.strategies.base import Context, base_messages
    from autopar.decision.reasoner.strategies.tree_of_thoughts import _question

    options = build_options(tu, nest, False)
    ctx = Context(tu=tu, nest=nest, options=options, ask=None, rejections=[], distribution=None)
    return [(option.id, base_messages(ctx) + [{"role": "user", "content": _question(option)}])
            for option in options]
