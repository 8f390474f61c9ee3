"""Tree of thoughts: each option is a branch. The model scores every branch on its own (1-5, with a
short note), and the best-scored branch wins; ties go to the analyzer's order of the options.
"""

from __future__ import annotations

from autopar.reasoner.prompt import enum_model
from autopar.reasoner.strategies.base import JSON_TOKENS, Context, Proposal, base_messages

MAX_BRANCHES = 5  # serial included; the analyzer's best options come first
SCORES = ["1", "2", "3", "4", "5"]
NOTE_CHARS = 40
SCORE_TOKENS = NOTE_CHARS + JSON_TOKENS


class TreeOfThoughts:
    name = "tree_of_thoughts"

    def propose(self, ctx: Context) -> Proposal:
        branches = ctx.options[:MAX_BRANCHES - 1] + ctx.options[-1:] if len(ctx.options) > MAX_BRANCHES \
            else ctx.options
        score_model = enum_model("Score", "score", SCORES, note_chars=NOTE_CHARS)
        scored: list[tuple[int, int, str, str]] = []
        for order, option in enumerate(branches):
            messages = base_messages(ctx) + [{"role": "user", "content":
                f"Consider only {option.id}: {option.summary}. How fast would this be, from 1 (slow) to "
                f"5 (fastest)? Give the score and a short note."}]
            answer = ctx.ask(messages, score_model, SCORE_TOKENS)
            scored.append((int(answer.score), -order, option.id, answer.why))
        score, _, choice, note = max(scored)
        others = ", ".join(f"{cid}={s}" for s, _, cid, _ in scored)
        return Proposal(choice=choice, rationale=f"{note} (scores {others})")
