"""The LLM reasoner: a strategy proposes one of the nest's options, the reasoner checks it, and a
rejected proposal goes back to the model with the reason, for up to `max_rounds` rounds.

The model never has the last word:
- it can only name an option id (an enum in the decoding grammar), so its text never becomes a plan;
- the chosen candidate's Plan is validated again against the dependence graph (candidates.validate_plan)
  and, when a verifier is given, by compiling and running it;
- after `max_rounds` rejected answers, or when the model cannot answer at all, the analyzer's default
  is used (decided_by "fallback") and the reason lands in the report.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Literal, Optional

from pydantic import BaseModel, Field, ValidationError

from autopar.ir import TranslationUnit
from autopar.plans.plan import Decision, NestAnalysis, Plan
from autopar.decision.reasoner.backends import Backend, BackendError, BackendTimeout, Message
from autopar.decision.reasoner.cache import AnswerCache
from autopar.decision.reasoner.prompt import SERIAL, Option, build_options, sanitize, schema_of
from autopar.decision.reasoner.strategies import Context, InvalidAnswer, Proposal, Rejection, get_strategy

REPORT_RATIONALE_CHARS = 200

# verifier(tu, nest, plan) → problems (empty: the plan compiled, ran and matched the serial output)
Verifier = Callable[[TranslationUnit, NestAnalysis, Plan], list[str]]


class ReasonerConfig(BaseModel):
    strategy: str = "zero_shot"
    max_rounds: int = Field(default=3, ge=1)
    time_budget: float = Field(default=20.0, gt=0)  # seconds per model call
    offer_illegal: bool = False  # measurement only: also offer plans the analysis rejected
    use_cache: bool = True


class NestTrace(BaseModel):
    """What happened on one nest: for benchmarks and for debugging a decision."""

    root_loop_id: str
    proposals: list[str] = Field(default_factory=list)  # option ids, in order
    rejections: list[str] = Field(default_factory=list)  # why each rejected proposal was rejected
    invalid_answers: int = 0  # answers that did not fit the schema (e.g. cut off by the token cap)
    model_calls: int = 0  # calls that reached the model (cache misses)
    cache_hits: int = 0
    seconds: float = 0.0
    error: Optional[str] = None  # why the model could not answer, when it could not
    decision: Optional[Decision] = None
    choice_summary: str = ""  # the accepted option in a few words ("loop i, collapse(2)")
    # "restructuring": the question was which of the nest's restructurings (or none) --optimize applies
    question: Literal["plan", "restructuring"] = "plan"


class LLMReasoner:
    """A `Reasoner` (see autopar.decision.pipeline): call it with (tu, nest) to get a Decision."""

    def __init__(self, backend: Backend, config: Optional[ReasonerConfig] = None,
                 verifier: Optional[Verifier] = None, cache: Optional[AnswerCache] = None):
        self.backend = backend
        self.config = config or ReasonerConfig()
        self.strategy = get_strategy(self.config.strategy)
        self.verifier = verifier
        self.cache = cache if cache is not None else AnswerCache(enabled=self.config.use_cache)
        self.traces: list[NestTrace] = []
        self.problems: list[str] = []  # backend failures, each once, for the user to see
        self._broken: Optional[str] = None  # set once the backend failed for good (no file, no server)

    # ------------------------------------------------------------------------------------------ decide

    def __call__(self, tu: TranslationUnit, nest: NestAnalysis) -> Decision:
        trace = NestTrace(root_loop_id=nest.root_loop_id)
        self.traces.append(trace)
        started = time.perf_counter()
        try:
            trace.decision = self._decide(tu, nest, trace)
            return trace.decision
        finally:
            trace.seconds = time.perf_counter() - started

    def _decide(self, tu: TranslationUnit, nest: NestAnalysis, trace: NestTrace) -> Decision:
        options = build_options(tu, nest, self.config.offer_illegal)
        if len(options) == 1:  # only "serial": nothing to choose, no need to ask
            return _analyzer(nest)
        if self._broken:
            trace.error = self._broken
            return _fallback(nest, f"model unavailable: {self._broken}", 0)
        rejections: list[Rejection] = []
        for round_number in range(1, self.config.max_rounds + 1):
            rejected = {r.choice for r in rejections}
            live = [o for o in options if o.id not in rejected]
            ctx = Context(tu=tu, nest=nest, options=live, ask=self._asker(trace), rejections=rejections,
                          distribution=self._distributor(trace))
            proposal, failure = self.attempt(trace, rejections, lambda: self.strategy.propose(ctx))
            if failure:
                return _fallback(nest, failure, round_number, frozenset(r.choice for r in rejections))
            if proposal is None:
                continue
            trace.proposals.append(proposal.choice)
            option = next((o for o in live if o.id == proposal.choice), None)
            problem = self._check(tu, nest, option, proposal)
            if problem is None:
                trace.choice_summary = option.summary
                return _accepted(nest, option, proposal, round_number)
            rejections.append(Rejection(choice=proposal.choice, reason=problem))
            trace.rejections.append(problem)
        last = rejections[-1].reason if rejections else "no answer"
        return _fallback(nest, f"model answers rejected {len(rejections)} times (last: {last})",
                         self.config.max_rounds, frozenset(r.choice for r in rejections))

    def _check(self, tu: TranslationUnit, nest: NestAnalysis, option: Optional[Option],
               proposal: Proposal) -> Optional[str]:
        """Why the proposal (`option`, None when it names none of the options) cannot be used, or None."""
        if option is None:
            return f"'{sanitize(proposal.choice, 20)}' is not one of the options"
        if option.illegal_reason:
            return option.illegal_reason
        if option.candidate is None:  # serial is always legal
            return None
        plan = option.candidate.plan
        problems = _validate_plan(tu, nest, plan)
        if not problems and self.verifier is not None:
            try:
                problems = self.verifier(tu, nest, plan)
            except Exception as error:  # a verifier that breaks must not let an unverified plan through
                problems = [f"verification failed: {error}"]
        return "; ".join(problems) if problems else None

    def attempt(self, trace: NestTrace, rejections: list[Rejection], ask: Callable[[], Any]) -> tuple[Any, str]:
        """(ask()'s answer, ""); (None, "") for an answer that does not fit the schema (a rejection, so
        the model is asked again); (None, why) when the model timed out or cannot answer at all."""
        try:
            return ask(), ""
        except InvalidAnswer as error:
            rejections.append(Rejection(choice="?", reason=str(error)))
            trace.invalid_answers += 1
            return None, ""
        except BackendTimeout as error:
            trace.error = str(error)
            return None, f"model timed out: {error}"
        except BackendError as error:
            self._broken = trace.error = str(error)
            self.problems.append(str(error))
            return None, f"model unavailable: {error}"

    def choose_restructuring(self, tu: TranslationUnit, plan, decision: Decision) -> None:
        """`--optimize`: keep the nest (with `decision`'s pragma plan) or take one of the restructuring
        candidates of `plan` (an autopar.edit.restructure RestructurePlan, updated in place)."""
        from autopar.decision.reasoner.restructurings import choose

        trace = NestTrace(root_loop_id=plan.root_loop_id, question="restructuring")
        self.traces.append(trace)
        choose(self, tu, plan, decision, trace)

    # --------------------------------------------------------------------------------------------- ask

    def _asker(self, trace: NestTrace):
        def ask(messages: list[Message], model: type[BaseModel], max_tokens: int) -> BaseModel:
            schema = schema_of(model)
            key = self.cache.key(self.backend.identity(), self.strategy.name, messages, schema, max_tokens)
            text = self.cache.get(key)
            if text is None:
                text = self.backend.chat(messages, schema, max_tokens, self.config.time_budget)
                trace.model_calls += 1
                self.cache.put(key, text)
            else:
                trace.cache_hits += 1
            try:
                # strict=False: llama.cpp's JSON grammar lets raw newlines into strings
                return model.model_validate(json.loads(text, strict=False))
            except ValueError as error:  # json.JSONDecodeError and pydantic's ValidationError both
                detail = error.errors()[0]["msg"] if isinstance(error, ValidationError) else error.msg
                raise InvalidAnswer(f"the answer does not fit the schema ({detail})") from None
        return ask


    def _distributor(self, trace: NestTrace):
        """Next-token probabilities through the cache, when the backend can compute them."""
        if not hasattr(self.backend, "distribution"):
            return None

        def distribution(messages: list[Message], prefix: str, labels: list[str]) -> list[float]:
            key = self.cache.key(self.backend.identity(), f"{self.strategy.name}:distribution",
                                 [*messages, {"role": "prefix", "content": prefix}], {"labels": labels}, 0)
            cached = self.cache.get(key)
            if cached is not None:
                trace.cache_hits += 1
                return json.loads(cached)
            probabilities = self.backend.distribution(messages, prefix, labels)
            trace.model_calls += 1
            self.cache.put(key, json.dumps(probabilities))
            return probabilities
        return distribution


def _validate_plan(tu: TranslationUnit, nest: NestAnalysis, plan: Plan) -> list[str]:
    """The analysis's own re-check of a plan against the dependence graph."""
    try:
        from autopar.plans.candidates import validate_plan  # here, not at the top: islpy only when a plan is checked

        return list(validate_plan(tu, nest, plan))
    except Exception as error:  # a check that cannot run does not pass the plan
        return [f"the plan could not be re-checked: {error}"]


def _analyzer(nest: NestAnalysis) -> Decision:
    from autopar.decision.pipeline import default_decision

    return default_decision(nest)


def _fallback(nest: NestAnalysis, why: str, rounds: int, rejected: frozenset = frozenset()) -> Decision:
    """The analyzer's default, or serial where the default is among the `rejected` choices (a user's
    verifier failed it: writing it anyway wrote a program that failed the user's own check)."""
    decision = _analyzer(nest)
    chosen = f"analyzer's default {decision.candidate_id}" if decision.plan else "serial (analyzer's default)"
    if decision.plan is not None and decision.candidate_id in rejected:
        decision = Decision(root_loop_id=nest.root_loop_id)
        chosen = "serial (the analyzer's default was rejected too)"
    return decision.model_copy(update={"decided_by": "fallback", "rounds": rounds,
                                       "rationale": sanitize(f"{why}; using the {chosen}",
                                                             REPORT_RATIONALE_CHARS)})


def _accepted(nest: NestAnalysis, option: Option, proposal: Proposal, rounds: int) -> Decision:
    rationale = sanitize(proposal.rationale, REPORT_RATIONALE_CHARS) or "no reason given"
    if option.id == SERIAL or option.candidate is None:
        return Decision(root_loop_id=nest.root_loop_id, decided_by="model", rounds=rounds,
                        rationale=f"kept serial: {rationale}")
    return Decision(root_loop_id=nest.root_loop_id, plan=option.candidate.plan, candidate_id=option.id,
                    decided_by="model", rounds=rounds, rationale=rationale)
