"""Tree of thoughts: each option is a branch, and the model scores every branch on its own, 1 to 5.
The best-scored branch wins; ties go to the analyzer's order of the options.

With an in-process model a branch's score is the expected rating under the model's next-token
probabilities for "1".."5" (scoring by log-probability: one forward pass per branch, and no ties
from a tiny model that answers "1" to everything). An endpoint cannot do that, so there the model
writes its rating and a short note under the grammar.
"""

from __future__ import annotations

from autopar.decision.reasoner.prompt import enum_model
from autopar.decision.reasoner.strategies.base import JSON_TOKENS, Context, Proposal, base_messages

MAX_BRANCHES = 5  # serial included; the analyzer's best options come first
SCORES = ["1", "2", "3", "4", "5"]
RATING_PREFIX = '{"score": "'  # the answer's start when scoring by probability: the next token is the rating
NOTE_CHARS = 40
SCORE_TOKENS = NOTE_CHARS + JSON_TOKENS


class TreeOfThoughts:
    name = "tree_of_thoughts"

    def propose(self, ctx: Context) -> Proposal:
        branches = ctx.options[:MAX_BRANCHES - 1] + ctx.options[-1:] if len(ctx.options) > MAX_BRANCHES \
            else ctx.options
        if ctx.distribution is not None:
            return self._by_probability(ctx, branches)
        score_model = enum_model("Score", "score", SCORES, note_chars=NOTE_CHARS)
        scored: list[tuple[int, int, str, str]] = []
        for order, option in enumerate(branches):
            messages = base_messages(ctx) + [{"role": "user", "content": _question(option) + " Give a short note."}]
            answer = ctx.ask(messages, score_model, SCORE_TOKENS)
            scored.append((int(answer.score), -order, option.id, answer.why))
        score, _, choice, note = max(scored)
        others = ", ".join(f"{cid}={s}" for s, _, cid, _ in scored)
        return Proposal(choice=choice, rationale=f"{note} (scores {others})")

    def _by_probability(self, ctx: Context, branches) -> Proposal:
        scored: list[tuple[float, int, str]] = []
        for order, option in enumerate(branches):
            messages = base_messages(ctx) + [{"role": "user", "content": _question(option)}]
            probabilities = ctx.distribution(messages, RATING_PREFIX, SCORES)
            expected = sum(p * int(s) for p, s in zip(probabilities, SCORES))
            scored.append((round(expected, 3), -order, option.id))
        best, _, choice = max(scored)
        others = ", ".join(f"{cid}={s:.2f}" for s, _, cid in scored)
        return Proposal(choice=choice, rationale=f"highest expected score of {len(scored)} branches: {others}")


def _question(option) -> str:
    return (f"Consider only {option.id}: {option.summary}. How fast would this be, from 1 (slow) to "
            f"5 (fastest)?")
