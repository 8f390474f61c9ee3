"""The one interface every strategy implements, and what a strategy is given to work with.

A strategy turns a nest into a Proposal (an option id and a short rationale) by asking the model one
or more closed questions through `Context.ask`. It never decides legality: the reasoner checks the
proposal afterwards and, if it is rejected, calls the strategy again with the rejection in `rejections`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol

from pydantic import BaseModel

from autopar.ir import TranslationUnit
from autopar.plans.plan import NestAnalysis
from autopar.decision.reasoner.backends import Message
from autopar.decision.reasoner.prompt import RATIONALE_CHARS, SYSTEM, Option, answer_model, nest_prompt

# A bounded string can still take one token per character ("1.1.1.1..."), so every token cap is the
# schema's total string length plus room for the JSON around it: an answer is never cut off.
JSON_TOKENS = 32
ANSWER_TOKENS = RATIONALE_CHARS + JSON_TOKENS


class InvalidAnswer(Exception):
    """The model's text does not fit the answer model (e.g. cut off by the token cap)."""


class Proposal(BaseModel):
    choice: str
    rationale: str = ""


class Rejection(BaseModel):
    choice: str
    reason: str


# ask(messages, answer model, max_tokens) → a validated instance of the answer model
Ask = Callable[[list[Message], type[BaseModel], int], BaseModel]
# distribution(messages, answer prefix, labels) → the model's probability of each label coming next
Distribution = Callable[[list[Message], str, list[str]], list[float]]


@dataclass
class Context:
    tu: TranslationUnit
    nest: NestAnalysis
    options: list[Option]  # what may still be chosen (rejected options removed), "serial" last
    ask: Ask
    rejections: list[Rejection] = field(default_factory=list)
    distribution: Optional[Distribution] = None  # None when the backend cannot score (an endpoint)

    @property
    def ids(self) -> list[str]:
        return [o.id for o in self.options]

    def option(self, option_id: str) -> Option:
        return next(o for o in self.options if o.id == option_id)

    def prompt(self) -> str:
        return nest_prompt(self.tu, self.nest, self.options)


class Strategy(Protocol):
    name: str

    def propose(self, ctx: Context) -> Proposal: ...


def feedback(ctx: Context) -> list[Message]:
    """Earlier rejected answers and why, as turns of the conversation."""
    return feedback_turns(ctx.rejections, ctx.ids)


def feedback_turns(rejections: list[Rejection], ids: list[str]) -> list[Message]:
    turns: list[Message] = []
    for rejection in rejections:
        turns.append({"role": "assistant", "content": json.dumps({"choice": rejection.choice})})
        turns.append({"role": "user", "content": f"Option {rejection.choice} was rejected: {rejection.reason}. "
                                                 f"Choose again from: {', '.join(ids)}."})
    return turns


def base_messages(ctx: Context, system: str = SYSTEM, suffix: str = "") -> list[Message]:
    return [{"role": "system", "content": system},
            {"role": "user", "content": ctx.prompt() + suffix}, *feedback(ctx)]


def ask_answer(ctx: Context, messages: list[Message], ids: list[str] | None = None,
               reasoning_chars: int = 0) -> Proposal:
    """Ask for {"choice", "rationale"} (and optional "reasoning") restricted to `ids`."""
    model = answer_model(ids or ctx.ids, reasoning_chars)
    answer = ctx.ask(messages, model, ANSWER_TOKENS + reasoning_chars)
    return Proposal(choice=answer.choice, rationale=consistent_note(answer.choice, answer.rationale))


WITHHELD = "(not shown: the model's note named another option than its choice)"


def consistent_note(choice: str, note: str, names: str = r"c\d+|serial") -> str:
    """The model's note, unless it names an option other than its own choice: small models often
    write "the best option is c1" beside the choice c0, and such a note must never be printed.
    `names`: the pattern of the option ids."""
    named = {name.lower() for name in re.findall(rf"\b({names})\b", note, re.I)}
    return WITHHELD if named - {choice.lower()} else note
