"""Findings on loops whose plans run beside a serial copy of the loop (autopar.edit.versioning): the
missed ones, which `check` reports without a fix (the copy and its test are `rewrite`'s to write), and
the pragmas such a copy guards, judged as the analysis read them (a loop whose switched-off statements,
autopar.frontend.switched_off, the guard's tests keep from running)."""

from __future__ import annotations

import re
from typing import Optional

from autopar.ir import Loop, TranslationUnit
from autopar.report.findings import MISSED, Finding


def missed_message(loop: Loop, pragma: str, proof: Optional[str]) -> str:
    """The message of a missed-loop finding."""
    verb = "can be vectorized" if pragma.startswith("#pragma omp simd") else "can run in parallel"
    condition = " (legal under its runtime check)" if proof == "runtime-check" else ""
    iv = loop.canonical.induction_variable if loop.canonical else "?"
    return f"loop over {iv} in {loop.function}() {verb}{condition}: {pragma}"


def missed_beside_copies(result, tu: TranslationUnit, reported: dict, edited: set[str],
                          thresholds: tuple[float, float]) -> list[Finding]:
    """Missed loops whose plan runs in parallel only beside a serial copy of the loop (a runs check,
    flags' tests, a variable step): `check` writes no such code, so they get a finding without a fix,
    which `autopar rewrite` makes."""
    from autopar.edit.versioning import copy_required
    from autopar.plans.candidates import trip_count, work
    from autopar.plans.plan import render_pragma

    out: list[Finding] = []
    for decision in result.analysis.decisions:
        plan = decision.plan
        if plan is None or plan.loop_id in edited or not copy_required(plan, tu.loop(plan.loop_id)):
            continue
        loop, loop_report = tu.loop(plan.loop_id), reported.get(plan.loop_id)
        if loop_report is None or not any("beside a serial copy" in r for r in loop_report.reasons):
            continue  # (not written for another reason: the loop shares its line, ...)
        trip, symbolic = trip_count(tu, loop)
        if thresholds != (0, 0) and ((not symbolic and trip < thresholds[0]) or work(tu, loop) < thresholds[1]):
            continue
        pragma = render_pragma(plan.model_copy(update={"startup_work": None}))  # (as `check` writes every pragma)
        out.append(Finding(rule=MISSED, path=tu.path, line=loop.line, column=loop.column, loop_id=loop.id,
                           function=loop.function, pragma=pragma,
                           message=missed_message(loop, pragma, plan.proof.value) + " (the pragma alone is not "
                           "enough: `autopar rewrite` writes the serial copy it runs beside, and the test that "
                           "picks one)", reasons=loop_report.reasons, codes=loop_report.codes))
    return out


def switched_off_by_guard(source: bytes, tu: TranslationUnit, loop: Loop, pragma_start: int):
    """(unit, nest, verdict) of the loop read with its switched-off statements blanked, when the
    block it opens is guarded by their tests: `if ((!timers_enabled) && ...) {` right above the
    pragma, each test one of the condition's top-level `&&` terms (as rewrite writes it beside the
    serial copy); None otherwise."""
    from autopar.decision.pipeline import load_translation_unit
    from autopar.frontend.translate import FrontendError
    from autopar.plans.candidates import analyze_nest

    inside = [s for s in tu.switchable if loop.end_offset and loop.offset <= s.start < s.end <= loop.end_offset]
    line = source[:pragma_start].rstrip().rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
    guard = re.fullmatch(r"\s*(?:\{\s*)?if\s*\((.*)\)\s*\{", line)
    terms = _conjuncts(guard.group(1)) if guard else None
    if not inside or terms is None or not all(s.test in terms or f"({s.test})" in terms for s in inside):
        return None
    try:
        unit = load_translation_unit(tu.path, tu.compile_args, whole_program=tu.whole_program, switched_off=inside)
    except FrontendError:
        return None
    unit = without_pragmas(unit, loop.id)
    nest = analyze_nest(unit, (unit.ancestors(loop.id) or [unit.loop(loop.id)])[0])
    verdict = next((v for v in nest.verdicts if v.loop_id == loop.id), None)
    return (unit, nest, verdict) if verdict is not None and verdict.parallelizable else None


def _conjuncts(condition: str) -> Optional[list[str]]:
    """The top-level `&&` terms of a C condition, stripped; None when `||` or `?:` joins at the top."""
    terms, depth, start, k = [], 0, 0, 0
    while k < len(condition):
        c = condition[k]
        depth += c == "("
        depth -= c == ")"
        if depth == 0 and condition.startswith("&&", k):
            terms.append(condition[start:k].strip())
            start, k = k + 2, k + 2
            continue
        if depth == 0 and (condition.startswith("||", k) or c == "?"):
            return None
        k += 1
    return terms + [condition[start:].strip()]


def without_pragmas(tu: TranslationUnit, loop_id: str) -> TranslationUnit:
    """The unit with the loop and the loops inside it as if their pragmas were absent, and not opted
    out: `autopar: off` asks for no new pragma (rewrite's serial copies carry it, and a fallback's
    pragma inside one), not for no judgement of an existing one."""
    ids = {loop_id, *(d.id for d in tu.descendants(loop_id))}
    return tu.model_copy(update={"loops": [
        l.model_copy(update={"existing_pragma": None, "inside_omp_construct": False, "opt_out": False})
        if l.id in ids else l for l in tu.loops]})
