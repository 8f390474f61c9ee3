"""The model's choice among a nest's restructurings (`rewrite --optimize --llm`, `AUTOPAR_OPTIMIZE=1`
with `AUTOPAR_LLM`): keep the nest as written (with its pragma plan) or take one of the restructuring
candidates, each a schedule isl checked against every dependence before its code was generated.

The model names an option id from an enum, nothing else: the code that replaces the nest is the
candidate's own, rendered from its validated schedule. One closed question per nest, whatever the
strategy (its options are few and described by the cost model's figures); a verifier's rejection goes
back to the model with the reason, as for pragma plans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from autopar.ir import TranslationUnit
from autopar.plans.plan import Decision
from autopar.decision.reasoner.backends import Message
from autopar.decision.reasoner.prompt import MAX_OPTIONS, SYSTEM, answer_model, plan_summary, sanitize, source_excerpt
from autopar.decision.reasoner.strategies.base import ANSWER_TOKENS, Rejection, consistent_note, feedback_turns

if TYPE_CHECKING:
    from autopar.edit.restructure.plan import RestructureCandidate, RestructurePlan

KEEP = "keep"  # the nest as written, with the pragma plan it already has (or serial)


def restructuring_options(plan: "RestructurePlan") -> list[str]:
    """Option ids in the analyzer's order: its default first (a candidate or `keep`), then the
    candidates by estimated cache lines, at most MAX_OPTIONS in all."""
    ranked = sorted(plan.candidates, key=lambda c: (c.estimated_cost, -c.parallel_loops, c.id))
    ids = [c.id for c in ranked]
    first = plan.default_candidate_id or KEEP
    ordered = [first, *(i for i in [KEEP, *ids] if i != first)]
    return ordered[:MAX_OPTIONS]


def describe_candidate(candidate: "RestructureCandidate") -> str:
    loops = f"{candidate.parallel_loops} parallel loop{'s' if candidate.parallel_loops != 1 else ''}"
    wave = ", wavefront of tiles" if candidate.wavefront else ""
    return f"restructure: {candidate.summary}, {loops}{wave}, cost {candidate.estimated_cost:g}"


def restructuring_prompt(tu: TranslationUnit, plan: "RestructurePlan", decision: Decision, ids: list[str]) -> str:
    root = tu.loop(plan.root_loop_id)
    as_written = (f"it gets: {plan_summary(tu, decision.plan)}" if decision.plan is not None
                  else "it stays serial")
    cost = f"; the nest as written costs {plan.source_cost:g}" if plan.source_cost is not None else ""
    lines = [f"Loop nest in {root.function}:", "```c", source_excerpt(tu, root), "```",
             f"As written {as_written}. It can also be restructured; every option below is correct. "
             f"Cost is the estimated cache lines touched per iteration (lower is better){cost}.", "Options:"]
    by_id = {c.id: c for c in plan.candidates}
    for option_id in ids:
        lines.append(f"{option_id}: " + (f"keep the nest as written ({as_written})" if option_id == KEEP
                                          else describe_candidate(by_id[option_id])))
    lines.append("Answer with the fastest option's id and a short reason.")
    return "\n".join(lines)


def choose(reasoner, tu: TranslationUnit, plan: "RestructurePlan", decision: Decision, trace) -> None:
    """Set `plan.default_candidate_id` (None: keep the nest as written), `plan.chosen_by` and
    `plan.rationale` from the model's answer (`reasoner`: the LLMReasoner asking, `trace`: its
    NestTrace of this question); the analyzer's choice stands when the model cannot answer."""
    analyzer_choice = plan.default_candidate_id
    outcome = _ask(reasoner, tu, plan, decision, trace)
    if isinstance(outcome, str):  # why the model's choice could not be used
        if analyzer_choice in trace.proposals and trace.rejections:
            analyzer_choice = None  # the verifier rejected it too: the nest as written needs no check
        plan.default_candidate_id, plan.chosen_by = analyzer_choice, "fallback"
        plan.rationale = sanitize(f"{outcome}; using the analyzer's "
                                  f"{analyzer_choice or 'nest as written'}", 200)
    else:
        option_id, note, rounds = outcome
        plan.default_candidate_id = None if option_id == KEEP else option_id
        plan.chosen_by, plan.rationale = "model", note
    chosen = plan.chosen
    trace.choice_summary = (describe_candidate(chosen) if chosen is not None
                            else "keep the nest as written")
    trace.decision = decision.model_copy(update={
        "decided_by": plan.chosen_by, "rationale": plan.rationale, "rounds": 0 if isinstance(outcome, str) else rounds,
        "restructure": chosen.id if chosen is not None else None,
        "restructure_schedule": list(chosen.schedule) if chosen is not None else []})


def _ask(reasoner, tu: TranslationUnit, plan: "RestructurePlan", decision: Decision,
         trace):
    """(option id, note, rounds) of an accepted answer, or why there is none."""
    if reasoner._broken:
        trace.error = reasoner._broken
        return f"model unavailable: {reasoner._broken}"
    options = restructuring_options(plan)
    ask = reasoner._asker(trace)
    rejections: list[Rejection] = []
    for round_number in range(1, reasoner.config.max_rounds + 1):
        live = [o for o in options if o not in {r.choice for r in rejections}]
        if not live:
            break
        messages: list[Message] = [{"role": "system", "content": SYSTEM},
                                   {"role": "user", "content": restructuring_prompt(tu, plan, decision, live)},
                                   *feedback_turns(rejections, live)]
        answer, failure = reasoner.attempt(trace, rejections,
                                           lambda: ask(messages, answer_model(live), ANSWER_TOKENS))
        if failure:
            return failure
        if answer is None:
            continue
        trace.proposals.append(answer.choice)
        problem = _verify(reasoner, tu, plan, answer.choice)
        if problem is None:
            note = sanitize(consistent_note(answer.choice, answer.rationale, r"r\d+|keep"), 200) or "no reason given"
            return answer.choice, note, round_number
        rejections.append(Rejection(choice=answer.choice, reason=problem))
        trace.rejections.append(problem)
    last = rejections[-1].reason if rejections else "no answer"
    return f"model answers rejected {len(rejections)} times (last: {last})"


def _verify(reasoner, tu: TranslationUnit, plan: "RestructurePlan", option_id: str) -> Optional[str]:
    """Why the chosen restructuring cannot be used (the verifier's problems), or None. Keeping the
    nest as written needs no check: its pragma plan was checked when the model chose it."""
    check = getattr(reasoner.verifier, "restructuring", None)
    if option_id == KEEP or check is None:
        return None
    candidate = next(c for c in plan.candidates if c.id == option_id)
    try:
        problems = check(tu, plan, candidate)
    except Exception as error:  # noqa: BLE001 - a verifier that breaks must not let a plan through
        problems = [f"verification failed: {error}"]
    return "; ".join(problems) if problems else None
