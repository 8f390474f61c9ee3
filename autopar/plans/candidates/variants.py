"""Nests analysed again with their switched-off statements blanked: `if (timers_enabled)
timer_start(2);` in NAS EP's main loop keeps it serial, as the timer's code is another file's. Read
with those statements' bodies empty (autopar.frontend.switched_off), the loop may be legal; its plan
then carries each flag's test (`!timers_enabled`, switched_off.flag_tests) in its run-time condition,
so it runs in parallel only when the statements do nothing, and beside its serial copy otherwise.

Takes the file's unit, its regions (analyze_regions) and a way to translate it again with chosen
statements blanked; gives the regions with each nest's replaced where the variant finds a parallel
plan on a loop holding them all. The loops inside that plan's loop keep the verdicts of the file as
written (whether each could carry a pragma on its own).
"""

from __future__ import annotations

from typing import Callable, Optional

from autopar.ir import SwitchedOff, TranslationUnit
from autopar.plans import reasons as R
from autopar.plans.candidates.generate import root_regions
from autopar.plans.candidates.switched_off import flag_unchanged
from autopar.plans.plan import Directive, NestAnalysis, Plan

MAX_VARIANTS = 8  # translations of one file with statements blanked: each costs another front end run


def with_flags_off(tu: TranslationUnit, regions: list[NestAnalysis],
                   variant: Callable[[list[SwitchedOff]], Optional[TranslationUnit]]) -> list[NestAnalysis]:
    """`variant(statements)`: the file translated with those statements blanked (None when it cannot be)."""
    by_root: dict[str, list[SwitchedOff]] = {}
    for statement in tu.switchable:
        by_root.setdefault(statement.root_loop_id, []).append(statement)
    tried = 0
    for root_id, statements in by_root.items():
        if tried == MAX_VARIANTS:
            break
        root = tu.loop(root_id)
        if _parallel_on(regions, root_id) or not all(flag_unchanged(root, s) for s in statements):
            continue  # its outermost loop runs in parallel already, or it may change a flag
        tried += 1
        other = variant(statements)
        if other is None or _errors(other) > _errors(tu):
            continue  # (the blanked text does not parse as the file does)
        tests = {s.test for s in statements}
        for region in root_regions(other, other.loop(root_id)):
            if _flag_tested(region, tests):
                regions = _replaced(tu, regions, region, tests, other)
    return regions


def _errors(tu: TranslationUnit) -> int:
    return sum(1 for d in tu.diagnostics if d.is_error)


def _parallel_on(regions: list[NestAnalysis], loop_id: str) -> bool:
    region = next((r for r in regions if r.root_loop_id == loop_id), None)
    chosen = region and next((c for c in region.candidates if c.id == region.default_candidate_id), None)
    return bool(chosen and chosen.plan.loop_id == loop_id)


def _flag_tested(region: NestAnalysis, tests: set[str]) -> bool:
    """Whether the variant's region has a default plan that runs in parallel under the flags' tests."""
    chosen = next((c for c in region.candidates if c.id == region.default_candidate_id), None)
    return chosen is not None and chosen.plan.directive == Directive.PARALLEL_FOR and _tested(chosen.plan, tests)


def _tested(plan: Plan, tests: set[str]) -> bool:
    # (each a whole term of the runs check's `&&`s; a test may hold an `&&` of its own)
    joined = f" && {plan.runs_check or ''} && "
    return all(f" && {test} && " in joined for test in tests)


def _replaced(tu: TranslationUnit, regions: list[NestAnalysis], region: NestAnalysis, tests: set[str],
              unit: TranslationUnit) -> list[NestAnalysis]:
    """`regions` with those inside `region`'s root replaced by it, less any candidate without the
    tests (an offload plan); its loops that could not rely on the tests (they do not hold every
    blanked statement) keep their verdicts from `regions`."""
    inside = {region.root_loop_id, *(l.id for l in tu.descendants(region.root_loop_id))}
    written = {v.loop_id: v for r in regions if r.root_loop_id in inside for v in r.verdicts}
    verdicts = [written.get(v.loop_id, v) if R.FLAG_OFF_UNUSABLE in v.codes else v for v in region.verdicts]
    merged = region.model_copy(update={"verdicts": verdicts,
                                       "candidates": [c for c in region.candidates if _tested(c.plan, tests)]})
    merged._unit = unit  # (its plans hold in the variant: they are checked there)
    out: list[NestAnalysis] = []
    for r in regions:
        if r.root_loop_id not in inside:
            out.append(r)
        elif merged not in out:
            out.append(merged)
    return out
