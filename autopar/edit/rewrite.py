"""The rewriter: turns validated plans (their pragma text from autopar.plans.plan.render_pragma) into minimal source edits.

Edits are Clang-style replacements (byte offset, length, text). Each pragma is inserted as a line of
its own just before the `for` line, with the loop's indentation and the file's line ending; every
other byte of the file stays as it was. A loop is never edited when it comes from a macro or another
file, already has (or sits inside) an omp pragma, is opted out, or shares its line with other code;
`plan_rewrite` says why for each such loop.

Beside it: the edits and their application (autopar.edit.edits), where a loop may be edited
(autopar.edit.edit_sites), versioned loops (autopar.edit.versioning) and the start-up gate and other definitions its conditions call
(autopar.edit.team_gate).
"""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Field

from autopar.edit.edit_sites import breakable_before, line_ending, shares_line, start_of_line, why_not_editable
from autopar.edit.edits import Edit
from autopar.ir import Loop, TranslationUnit
from autopar.plans.plan import TEAM_GATE, Decision, Directive, Plan, Proof, Schedule, render_maps, render_pragma
from autopar.edit import thread_copies
from autopar.edit.atomic_updates import atomic_edits
from autopar.edit.claims import claim_edits, region as claims_region
from autopar.edit.shared_regions import SharedRegion
from autopar.edit.team_gate import (gate_definition, gate_definitions_needed, gate_place, gated_plan, helper_definitions,
                               helpers_without_place)
from autopar.edit.versioning import copies_checked, copy_required, copyable, versioned_edits


class RewritePlan(BaseModel):
    edits: list[Edit] = Field(default_factory=list)
    skipped: dict[str, str] = Field(default_factory=dict)  # loop id -> why its plan was not applied
    # shared regions as written: each worksharing loop's `#pragma omp for` line, and each region's
    # opening (`#pragma omp parallel ...`, its condition as written) by the id of the loop it opens on
    worksharing: dict[str, str] = Field(default_factory=dict)
    region_openings: dict[str, str] = Field(default_factory=dict)


def plan_rewrite(source: bytes, tu: TranslationUnit, decisions: list[Decision],
                 allow_assumptions: bool = False, versioning: bool = True,
                 share_regions: bool = True, team_gate: bool = True, findings_only: bool = False) -> RewritePlan:
    """The edits that apply the decisions' plans to `source`, and the loops left alone with reasons.

    A plan whose proof is an unverified assumption is applied only with `allow_assumptions`. With
    `versioning`, a plan with an if() condition on a loop that can be copied becomes
    `if (condition) { pragma + loop } else { serial copy }` (two insertions); without it, or when the
    loop cannot be copied, the condition is an if() clause of the one inserted pragma line. With
    `share_regions`, the parallel loops of a serial loop that holds nothing else share one region
    (autopar.edit.shared_regions): `#pragma omp parallel` on the serial loop, `#pragma omp for` on each.
    With `team_gate`, a condition with a start-up share (Plan.startup_work) calls TEAM_GATE, defined
    above the file-scope declaration that holds the loop (TEAM_GATE_DEFINITION); without it, or where
    the definition cannot go, the condition is the rest. `findings_only`: see `_unversioned_copies`.
    """
    result = RewritePlan()
    gated: set[int] = set()  # where the gate's definition goes (line starts), for the edits made
    decisions = [d.model_copy(update={"plan": gated_plan(source, tu, d.plan, team_gate)}) if d.plan else d
                 for d in decisions]
    regions = _editable_regions(source, tu, decisions) if share_regions else {}
    seen: set[str] = set()
    for decision in decisions:
        plan = decision.plan
        if plan is None or plan.loop_id in seen:
            continue
        seen.add(plan.loop_id)
        try:
            loop = tu.loop(plan.loop_id)
        except KeyError:
            result.skipped[plan.loop_id] = "not edited: the loop is not in this file's loop list"
            continue
        reason = _why_not_applied(source, tu, loop, plan, allow_assumptions, versioning)
        if reason:
            result.skipped[loop.id] = reason
            continue
        if loop.id in regions:  # a worksharing loop of a shared region: its condition is the region's
            result.worksharing[loop.id] = _worksharing_pragma(plan)
            result.edits.append(_pragma_line(source, loop, result.worksharing[loop.id]))
            continue
        edits = _plan_edits(source, tu, loop, plan, versioning and not shares_line(source, loop), findings_only)
        if edits is None:
            result.skipped[loop.id] = _not_edited(source, loop, plan, versioning)
            continue
        result.edits.extend(edits)
        if any(TEAM_GATE in edit.text or TEAM_GATE in (edit.pragma or "") for edit in edits):
            gated.add(gate_place(source, loop))  # (the plan's or its fallback's: one function)
    for region in {id(r): r for r in regions.values()}.values():
        outer = tu.loop(region.outer_loop_id)
        if TEAM_GATE in (region.condition or ""):
            at = gate_place(source, outer) if team_gate else None
            if at is None:
                region = region.model_copy(update={"condition": region.ungated_condition})
            else:
                gated.add(at)
        opening = "#pragma omp parallel"
        if region.private_variables:
            opening += f" private({', '.join(region.private_variables)})"
        if region.condition and versioning and copyable(outer):
            opened = versioned_edits(source, outer, opening, region.condition)
            result.region_openings[outer.id] = f"{opening} (when {region.condition}, else a serial copy)"
        else:
            condition = f" if({region.condition})" if region.condition else ""
            opened = [_pragma_line(source, outer, opening + condition)]
            result.region_openings[outer.id] = opening + condition
        result.edits.extend(edit.model_copy(update={"opens_region": True}) for edit in opened)
    regions, updates = _data_region_edits(source, tu, decisions, set(result.skipped))
    # first: an update after a host statement shares its offset with the next sweep's pragma line,
    # and must come before it (the sort below keeps the order of equal offsets)
    result.edits[:0] = updates
    result.edits.extend(regions)
    result.edits.extend(gate_definition(source, at) for at in gate_definitions_needed(source, gated))
    result.edits.extend(helper_definitions(source, tu, result.edits))
    result.edits.sort(key=lambda edit: edit.offset)
    return result


def _why_not_applied(source: bytes, tu: TranslationUnit, loop: Loop, plan: Plan, allow_assumptions: bool,
                     versioning: bool) -> Optional[str]:
    """Why the plan cannot be written on its loop, or None."""
    reason = why_not_editable(source, tu, loop, own_line=False) or helpers_without_place(source, tu, plan) or \
        _why_not_one_line(source, loop, plan)
    if reason is None and plan.proof == Proof.ASSUMPTION and not allow_assumptions:
        reason = "not edited: the plan is legal only under an unverified assumption"
    required = copy_required(plan, loop)
    if reason is None and loop.canonical is not None and loop.canonical.step_symbol and \
            not (versioning and copyable(loop, required)):
        # an OpenMP loop whose if() is false still divides by the step: the guard must pick a copy
        reason = ("not edited: a loop that steps by a variable runs in parallel only beside a serial "
                  "copy for the steps OpenMP cannot take (versioning is off or the loop cannot be copied)")
    if reason is None and plan.runs_check and not (versioning and copyable(loop, required)):
        # with no iteration, lastprivate and && leave what the serial loop would not: only the copy may run
        reason = ("not edited: a plan whose clauses need an iteration runs in parallel only beside a serial "
                  "copy for when the loop does not run (versioning is off or the loop cannot be copied)")
    if reason is None and copies_checked(plan) and not (versioning and copyable(loop, required)):
        # a false if() still runs the region, on one thread, with the copy the check found a pointer reaching
        reason = ("not edited: a plan whose run-time check keeps a pointer apart from a variable it copies "
                  "per thread runs in parallel only beside a serial copy (versioning is off or the loop "
                  "cannot be copied)")
    return reason


def _why_not_one_line(source: bytes, loop: Loop, plan: Plan) -> Optional[str]:
    """Why a loop that other code precedes on its line cannot take the plan: there the pragma goes on a
    line of its own broken off before the `for`, and nothing else is written (no serial copy, no code
    around the loop, no directive in its body), so a condition is the pragma's if() clause."""
    if not shares_line(source, loop):
        return None
    if thread_copies.needed(plan) or plan.claims or plan.atomic_updates or copy_required(plan, loop):
        return ("not edited: other code precedes the `for` on its line, and its plan needs more than a pragma "
                "line (code around the loop, a serial copy or directives in its body)")
    return None


def _plan_edits(source: bytes, tu: TranslationUnit, loop: Loop, plan: Plan, versioning: bool,
                findings_only: bool = False) -> Optional[list[Edit]]:
    """The edits of one plan on its own loop (None when its per-thread copies or atomic updates cannot
    be written). A fallback is written into the serial copy of a versioned plan; without that copy it
    is dropped. `findings_only`: the edits are read (by `check`), never applied. The atomic updates
    are edits of the loop's own text: a serial copy is written from the file as it was."""
    atomics = atomic_edits(source, loop, plan) if plan.atomic_updates else []
    edits = None if atomics is None else _loop_edits(source, tu, loop, plan, versioning, findings_only)
    return None if edits is None else edits + atomics


def _loop_edits(source: bytes, tu: TranslationUnit, loop: Loop, plan: Plan, versioning: bool,
                findings_only: bool) -> Optional[list[Edit]]:
    if thread_copies.needed(plan):  # (never with claims: the analysis keeps them apart)
        return None if plan.claims else _with_thread_copies(source, tu, loop, plan, versioning, findings_only)
    claimed = claim_edits(source, loop, plan) if plan.claims else []
    if claimed is None or claimed and loop.end_offset is None:
        return None
    if claimed:  # (the serial copy of a versioned plan keeps the loop's own text)
        worksharing = _worksharing_pragma(plan)
        around = _region_edits(source, loop, plan, versioning,
                               lambda indentation, eol, condition: claims_region(plan, worksharing, indentation, eol, condition))
        return (around or _loop_edits(source, tu, loop, plan.model_copy(update={"claims": []}), versioning, False)) + claimed
    if versioning and (plan.if_condition or plan.specialize) and copyable(loop, copy_required(plan, loop)):
        fallback = _fallback_edits(source, tu, loop, plan.fallback) if plan.fallback else []
        return versioned_edits(source, loop, render_pragma(plan.unconditional()), plan.if_condition,
                               plan.specialize, fallback=fallback)
    return [_pragma_line(source, loop, render_pragma(plan))]


def _fallback_edits(source: bytes, tu: TranslationUnit, loop: Loop, fallback: Plan) -> list[Edit]:
    """The fallback's edits, when they all fall inside `loop`'s text (the copy they are written
    into), else none: an inner loop that starts on its outer loop's line would be edited from the
    start of that line."""
    try:
        inner = tu.loop(fallback.loop_id)
    except KeyError:
        return []
    if why_not_editable(source, tu, inner) is not None or loop.end_offset is None:
        return []
    edits = _plan_edits(source, tu, inner, fallback, versioning=True) or []
    if not all(loop.offset <= e.offset and e.offset + e.length <= loop.end_offset for e in edits):
        return []
    return edits


def _worksharing_pragma(plan: Plan) -> str:
    """The plan's pragma for a loop inside a region opened elsewhere: `#pragma omp for ...`, no if()."""
    return render_pragma(plan.unconditional()).replace("#pragma omp parallel for", "#pragma omp for", 1)


def _with_thread_copies(source: bytes, tu: TranslationUnit, loop: Loop, plan: Plan,
                        versioning: bool, findings_only: bool = False) -> Optional[list[Edit]]:
    """A plan that reduces array sections or locations, written with per-thread copies (autopar.edit.thread_copies):
    versioned when it has a condition and the loop can be copied, else the condition is the region's
    if() clause. None when the loop's end is unknown."""
    if loop.end_offset is None or (_unversioned_copies(loop, plan, versioning) and not findings_only):
        return None
    found = thread_copies.sections(plan)
    reduced = [a for a in loop.accesses if a.base.name in {s.name for s in found}]
    types = {a.base.name: a.element_type for a in reduced}
    for location in plan.locations:
        types.update({location.value: location.value_type, location.index: location.index_type})
    floating = frozenset(a.base.name for a in reduced if a.base.number_kind == "floating")
    worksharing = _worksharing_pragma(thread_copies.without_sections(plan))
    return _region_edits(source, loop, plan, versioning, lambda indentation, eol, condition: thread_copies.render(
        plan, types, worksharing, indentation, eol, condition, floating))


def _region_edits(source: bytes, loop: Loop, plan: Plan, versioning: bool, render) -> Optional[list[Edit]]:
    """The plan written as code around its loop (per-thread copies, a claims' region): `render(indentation,
    line ending, the region's if() or None)` gives it (None: no code around). Versioned when the plan has
    a condition and the loop can be copied, else the condition is the region's if() clause."""
    start = start_of_line(source, loop.offset)
    versioned = versioning and plan.if_condition is not None and copyable(loop, copy_required(plan, loop))
    copies = render(source[start:loop.offset].decode("utf-8", "surrogateescape"), line_ending(source, start),
                    None if versioned else plan.if_condition)
    if copies is None:
        return None
    return versioned_edits(source, loop, render_pragma(plan), plan.if_condition if versioned else None, copies=copies)


def _unversioned_copies(loop: Loop, plan: Plan, versioning: bool) -> bool:
    """Whether a plan with per-thread copies has a runtime alias check and no serial copy to take when
    it fails: an if() clause would run the copies on a team of one, and the loop would read the shared
    array's old values through the pointer that overlaps it, where the serial loop reads its updates.
    Such a plan is not written, unless `findings_only` (`check`: its edits are read, never applied)."""
    return bool(plan.alias_check) and not (versioning and copyable(loop, copy_required(plan, loop)))


def _not_edited(source: bytes, loop: Loop, plan: Plan, versioning: bool) -> str:
    """Why a plan with per-thread copies (autopar.edit.thread_copies) or claims was not written."""
    if plan.claims:
        return "not edited: the file no longer shows its claims' code where the analysis read it"
    if plan.atomic_updates and atomic_edits(source, loop, plan) is None:
        return "not edited: the file no longer shows its atomic updates where the analysis read them"
    if _unversioned_copies(loop, plan, versioning):
        return ("not edited: its array or location reduction has a runtime alias check, which needs a serial "
                "copy of the loop to run when the check fails (versioning is off, or the loop cannot be copied)")
    return ("not edited: the end of the loop cannot be told from the source, which the code of its array or "
            "location reduction needs")


def _pragma_line(source: bytes, loop: Loop, pragma: str) -> Edit:
    if shares_line(source, loop):
        return _broken_line(source, loop, pragma)
    return _directive_line(source, loop.offset, start_of_line(source, loop.offset), pragma, loop_id=loop.id,
                           line=loop.line)


def _broken_line(source: bytes, loop: Loop, pragma: str) -> Edit:
    """The pragma for a loop that other code precedes on its line: the blanks before the `for` become a
    line break, the pragma's line and the `for`'s own line, both indented as the line they came from
    (`if (n > 0) for` -> `if (n > 0)`, the pragma, `for`); in a compiler's copy the `for` keeps its column."""
    start = start_of_line(source, loop.offset)
    blanks = breakable_before(source, loop.offset)
    line = source[start:loop.offset]
    indentation = line[:len(line) - len(line.lstrip(b" \t"))].decode("utf-8", "surrogateescape")
    eol = line_ending(source, start)
    head = eol + indentation + pragma + eol
    # a compiler's copy keeps the `for` at its column: a tab stays a tab, any other character a blank
    column = "".join(c if c == "\t" else " " for c in line.decode("utf-8", "surrogateescape"))
    return Edit(offset=blanks, length=loop.offset - blanks, text=head + indentation, pragma=pragma,
                loop_id=loop.id, line=loop.line, line_marks=[(len(head), loop.line)], column_blanks=column)


def _data_region_edits(source: bytes, tu: TranslationUnit, decisions: list[Decision],
                       skipped: set[str]) -> tuple[list[Edit], list[Edit]]:
    """`#pragma omp target data` above each serial loop around offloaded loops (autopar.edit.data_regions)
    whose loops can all be edited and were (a sweep left serial would run on the host's stale copies
    inside the region), and the `target update` lines around its host statements."""
    if not any(d.plan is not None and d.plan.directive == Directive.TARGET for d in decisions):
        return [], []
    from autopar.edit.data_regions import data_regions

    regions, updates = [], []
    for region in data_regions(tu, decisions):
        if any(why_not_editable(source, tu, tu.loop(i)) for i in [region.outer_loop_id, *region.loop_ids]) \
                or skipped.intersection(region.loop_ids):
            continue
        condition = [f"if({region.condition})"] if region.condition else []
        pragma = " ".join(["#pragma omp target data", *render_maps(region.maps), *condition])
        regions.append(_pragma_line(source, tu.loop(region.outer_loop_id), pragma).model_copy(
            update={"opens_region": True}))
        for update in region.updates:
            statement = update.statement
            updates.append(_directive_line(source, statement.offset, start_of_line(source, statement.offset), " ".join(
                ["#pragma omp target update", f"from({', '.join(update.update_from)})", *condition])))
            if update.update_to:
                after = source.find(b"\n", statement.end_offset)
                updates.append(_directive_line(source, statement.offset, len(source) if after < 0 else after + 1,
                                               " ".join(["#pragma omp target update",
                                                         f"to({', '.join(update.update_to)})", *condition])))
    return regions, updates


def _directive_line(source: bytes, indented_as: int, at: int, pragma: str, **fields) -> Edit:
    """A directive's own line at the line start `at`, indented as the code at byte `indented_as`
    (`fields`: the loop it parallelizes, for the report)."""
    start = start_of_line(source, indented_as)
    indentation = source[start:indented_as].decode("utf-8", "surrogateescape")
    ending = line_ending(source, start)
    text = indentation + pragma + ending
    if at == len(source) and not source.endswith(b"\n"):
        text = ending + text
    return Edit(offset=at, length=0, text=text, pragma=pragma, **fields)


def _editable_regions(source: bytes, tu: TranslationUnit, decisions: list[Decision]) -> dict[str, SharedRegion]:
    """The shared regions whose loops can all be edited, by worksharing loop id."""
    from autopar.edit.shared_regions import shared_regions

    found: dict[str, SharedRegion] = {}
    for region in shared_regions(tu, decisions):
        ids = [region.outer_loop_id, *region.loop_ids]
        if all(why_not_editable(source, tu, tu.loop(i)) is None for i in ids):
            found.update((i, region) for i in region.loop_ids)
    return found


__all__ = ["render_pragma", "Schedule", "RewritePlan", "plan_rewrite"]
