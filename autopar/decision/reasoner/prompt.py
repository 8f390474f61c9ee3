"""What the model is shown and what it may answer: the nest described in a few lines, the options, and
pydantic answer models whose JSON schemas become the decoding grammar.

Every choice is closed: the model picks an id from an enum of the options, and any free text it writes
is a short, length-bounded string that never reaches the source file.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, StringConstraints, create_model

from autopar.ir import Loop, TranslationUnit
from autopar.plans.plan import Candidate, NestAnalysis, Plan

SERIAL = "serial"
RATIONALE_CHARS = 48  # the bound on the model's rationale, in the grammar and in the report
MAX_SOURCE_LINES = 12
MAX_OPTIONS = 8  # the cost model's best few; more only makes the prompt longer

SYSTEM = ("You are an OpenMP expert. Choose how to parallelize a C loop nest: every option is correct; "
          "pick the fastest on a multicore CPU. Answer in JSON.")


class Option(BaseModel):
    """One answer the model may give. `candidate` is None for "serial" and for a decoy."""

    id: str
    summary: str
    candidate: Optional[Candidate] = None
    # set for a decoy: a plan the analysis rejected, offered only when measuring how often a model
    # proposes something illegal; choosing it is rejected with this reason
    illegal_reason: Optional[str] = None


def build_options(tu: TranslationUnit, nest: NestAnalysis, offer_illegal: bool = False) -> list[Option]:
    options = [Option(id=c.id, summary=compact_summary(tu, c), candidate=c) for c in nest.candidates[:MAX_OPTIONS]]
    if offer_illegal:
        used = {c.id for c in nest.candidates}
        number = len(nest.candidates)
        for verdict in nest.verdicts:
            if verdict.parallelizable:
                continue
            while f"c{number}" in used:
                number += 1
            label = loop_label(tu, verdict.loop_id)
            reason = "; ".join(verdict.reasons) or "the analysis found it unsafe"
            options.append(Option(id=f"c{number}", summary=f"loop {_iv(tu, verdict.loop_id)}",
                                  illegal_reason=f"loop {label} cannot run in parallel: {reason}"))
            used.add(f"c{number}")
    options.append(Option(id=SERIAL, summary="leave the whole nest serial"))
    return options


def compact_summary(tu: TranslationUnit, candidate: Candidate) -> str:
    """A few words per option ("loop i, collapse(2), runtime alias check"): prompt tokens are the
    reasoner's main cost, and the analysis's own summary is written for people."""
    return plan_summary(tu, candidate.plan)


def plan_summary(tu: TranslationUnit, plan: Plan) -> str:
    parts = [f"loop {_iv(tu, plan.loop_id)}"]
    if plan.directive.value != "parallel for":
        parts.append(plan.directive.value)
    if plan.collapse > 1:
        parts.append(f"collapse({plan.collapse})")
    parts += [f"reduction({r.op.value}: {', '.join(r.variables)})" for r in plan.reductions]
    if plan.schedule is not None and plan.schedule.value != "static":
        parts.append(f"schedule({plan.schedule.value})")
    if plan.alias_check:
        parts.append("runtime alias check")
    if plan.threshold_check:
        parts.append("with a work threshold")  # its expression says nothing to a model, and a cut one misleads
    return ", ".join(parts)


def _iv(tu: TranslationUnit, loop_id: str) -> str:
    try:
        loop = tu.loop(loop_id)
    except KeyError:
        return loop_id
    return loop.canonical.induction_variable if loop.canonical else f"at line {loop.line}"


def loop_label(tu: TranslationUnit, loop_id: str) -> str:
    try:
        loop = tu.loop(loop_id)
    except KeyError:
        return loop_id
    iv = loop.canonical.induction_variable if loop.canonical else "?"
    return f"{iv} (line {loop.line})"


def source_excerpt(tu: TranslationUnit, root: Loop) -> str:
    """The nest's source lines, dedented and capped, or a line per access when the file is unreadable."""
    try:
        with open(tu.path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()[root.line - 1:root.end_line]
    except OSError:
        lines = [f"{a.text} {'written' if a.is_write else 'read'}" for a in root.accesses]
    lines = [line.rstrip() for line in lines if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in lines), default=0)
    lines = [line[indent:] for line in lines]
    if len(lines) > MAX_SOURCE_LINES:
        lines = lines[:MAX_SOURCE_LINES - 1] + ["..."]
    return "\n".join(lines)


def describe_nest(tu: TranslationUnit, nest: NestAnalysis) -> str:
    try:
        root = tu.loop(nest.root_loop_id)
    except KeyError:
        return f"Loop nest {nest.root_loop_id}."
    lines = [f"Loop nest in {root.function}:", "```c", source_excerpt(tu, root), "```", trip_counts(tu, root)]
    for verdict in nest.verdicts:  # the options already say which loops can run in parallel
        if not verdict.parallelizable:
            why = f": {verdict.reasons[0][:100]}" if verdict.reasons else ""
            lines.append(f"Loop {_iv(tu, verdict.loop_id)} must stay serial{why}")
    return "\n".join(lines)


def trip_counts(tu: TranslationUnit, root: Loop) -> str:
    """"Trip counts: i 256, j 256" (the size decides whether a thread team pays), "?" where unknown."""
    from autopar.deps import descendants
    from autopar.plans.candidates.cost import known_trip_count

    parts = []
    for loop in [root, *descendants(tu, root)]:
        count = known_trip_count(tu, loop)
        parts.append(f"{_iv(tu, loop.id)} {count if count is not None else '?'}")
    return "Trip counts: " + ", ".join(parts)


def describe_options(options: list[Option]) -> str:
    return "\n".join(f"{o.id}: {o.summary}" for o in options)


def nest_prompt(tu: TranslationUnit, nest: NestAnalysis, options: list[Option]) -> str:
    return (f"{describe_nest(tu, nest)}\nOptions:\n{describe_options(options)}\n"
            f"Answer with the best option's id and a short reason.")


# ------------------------------------------------------------------------------------- answer models

def bounded(chars: int) -> Any:
    """A string type of at most `chars` characters (maxLength in the schema, so also in the grammar)."""
    return Annotated[str, StringConstraints(max_length=chars)]


def answer_model(ids: list[str], reasoning_chars: int = 0) -> type[BaseModel]:
    """{"choice": one of ids, "rationale": short text}, with an optional bounded "reasoning" first."""
    fields: dict[str, Any] = {}
    if reasoning_chars:
        fields["reasoning"] = (bounded(reasoning_chars), ...)
    fields["choice"] = (Literal[tuple(ids)], ...)
    fields["rationale"] = (bounded(RATIONALE_CHARS), ...)
    return create_model("Answer", **fields)


def enum_model(name: str, field: str, values: list[str], note_chars: int = 0) -> type[BaseModel]:
    """A one-field closed answer, e.g. {"score": "4"}, with an optional short note after it."""
    fields: dict[str, Any] = {field: (Literal[tuple(values)], ...)}
    if note_chars:
        fields["why"] = (bounded(note_chars), ...)
    return create_model(name, **fields)


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema without titles (shorter grammars, the same constraints), with a one-value
    Literal written as a one-value enum, as every other choice is."""
    return _normalize(model.model_json_schema())


def _normalize(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _normalize(v) for k, v in node.items() if k != "title"}
        if "const" in node:
            node["enum"] = [node.pop("const")]
        return node
    if isinstance(node, list):
        return [_normalize(v) for v in node]
    return node


_UNSAFE = re.compile(r"[^\w .,;:()+\-*/=<>'\[\]%!?&|]")


def sanitize(text: str, limit: int = RATIONALE_CHARS) -> str:
    """Model text made safe to print: one line, no control or markup characters, bounded."""
    text = _UNSAFE.sub(" ", text.replace("*/", " ").replace("/*", " "))
    text = " ".join(text.split())
    return text[:limit].rstrip()
