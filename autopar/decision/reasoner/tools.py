"""The analysis tools a ReAct strategy may call before it answers. A closed set, each one a short text
built from the analysis's own data (never a second analysis, never the model's words).
"""

from __future__ import annotations

from autopar.ir import TranslationUnit
from autopar.plans.plan import NestAnalysis
from autopar.plans.plan import render_pragma
from autopar.plans.candidates import scalar_classes

MAX_CHARS = 400  # an observation stays short: the context window is small


def dependences(tu: TranslationUnit, nest: NestAnalysis, loop_id: str) -> str:
    """What the dependence analysis said about the loop, and which arrays it writes and reads."""
    lines = []
    verdict = next((v for v in nest.verdicts if v.loop_id == loop_id), None)
    if verdict is not None:
        state = "no dependence stops it" if verdict.parallelizable else "it carries a dependence"
        lines.append(f"{state}: " + ("; ".join(verdict.reasons) or "no details"))
    try:
        loop = tu.loop(loop_id)
    except KeyError:
        return "\n".join(lines) or "unknown loop"
    written = sorted({a.text for a in loop.accesses if a.is_write})
    read = sorted({a.text for a in loop.accesses if not a.is_write})
    if written:
        lines.append("writes " + ", ".join(written))
    if read:
        lines.append("reads " + ", ".join(read))
    return _cap("\n".join(lines) or "no array accesses")


def scalars(tu: TranslationUnit, nest: NestAnalysis, loop_id: str) -> str:
    """Each scalar the loop uses and its role: induction variable, private, reduction, shared."""
    try:
        loop = tu.loop(loop_id)
    except KeyError:
        return "unknown loop"
    roles = scalar_classes(tu, loop).roles  # the classes the analysis itself uses for this loop
    lines = [f"{use.variable.name}: {roles[use.variable.name]}" for use in loop.scalars]
    return _cap("\n".join(lines) or "no scalars")


def candidates(tu: TranslationUnit, nest: NestAnalysis, loop_id: str) -> str:
    """The legal plans that put the pragma on this loop, as the pragma each one would emit."""
    lines = [f"{c.id}: {render_pragma(c.plan)}" + (f" ({c.reasons[0]})" if c.reasons else "")
             for c in nest.candidates if c.plan.loop_id == loop_id]
    return _cap("\n".join(lines) or "no legal plan puts the pragma on this loop")


TOOLS = {"dependences": dependences, "scalars": scalars, "candidates": candidates}


def _cap(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS - 3] + "..."
