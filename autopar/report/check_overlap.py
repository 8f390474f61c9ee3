"""A user's pragma that holds only under a run-time condition it does not test. A loop whose clauses need
an iteration (`zero_trip_finding`). A loop the analysis accepts only under a run-time check that two
pointer parameters do not overlap, where a call in this file passes both the same pointer
(autopar.frontend.same_arguments). The analysis runs again with the second parameter's
accesses made the first's (one pointer, as at that call); when the loop then carries a dependence,
the pragma races whenever it is called that way."""

from __future__ import annotations

from typing import Optional

from autopar.ir_base import unqualified
from autopar.ir import AffineExpr, Loop, SharedPointerCall, Storage, TranslationUnit
from autopar.frontend.omp_pragmas import OmpPragma
from autopar.plans.plan import Plan
from autopar.report.findings import CONDITIONAL, Finding


def unchecked_condition_finding(plans: list[Plan], pragma: OmpPragma, reasons: list[str], common: dict,
                                fix: Optional[dict]) -> Optional[Finding]:
    """The note for a pragma every legal plan of which needs a run-time overlap check (`v` must not
    overlap `u`, carved rows must lie apart) that the pragma does not test (no if() clause of its
    own); `fix`: the Finding fields of the pragma with that check as its if() clause, or None."""
    if not plans or not all(p.alias_check for p in plans) or pragma.clauses_named("if"):
        return None
    conditions = [r for r in reasons if "(runtime check)" in r] or [f"{plans[0].alias_check} holds"]
    said = "; ".join(c.replace(" (runtime check)", "") for c in conditions)
    found = dict(common, rule=CONDITIONAL)
    return Finding(**found, **(fix or {}), reasons=conditions, codes=["alias-checked"],
                   message=f"`{common['existing_pragma']}` is safe only {said.removeprefix('legal ')}, which "
                           f"autopar cannot show for every call" + (": the fix tests it in an if() clause" if fix else ""))


def zero_trip_finding(plans: list[Plan], pragma: OmpPragma, common: dict) -> Optional[Finding]:
    """The conditional-omp-pragma note when every legal plan needs the loop to run at least once (its
    `lastprivate`, `&&` or `||` clauses: Plan.runs_check) and the loop may run no iteration: OpenMP
    then leaves those variables unspecified (gcc copies out what the private copy held), where the
    serial loop leaves them as they were. None otherwise, or when the pragma lacks those clauses
    (a missing clause is reported as such)."""
    if not plans or not all(p.runs_check for p in plans):
        return None
    needed = {*plans[0].lastprivate, *(v for r in plans[0].reductions if r.op.value in ("&&", "||") for v in r.variables)}
    # (a conditional lastprivate keeps the variable's value when no iteration assigns it)
    given = [v for c in pragma.clauses if c.name == "lastprivate" and c.modifier != "conditional" or
             c.name == "reduction" and c.modifier in ("&&", "||") for v in c.variables if v in needed]
    if not given:
        return None
    test, names = plans[0].runs_check, list(dict.fromkeys(given))
    listed, verb, them = ", ".join(names), "are" if len(names) > 1 else "is", "them" if len(names) > 1 else "it"
    reason = f"the loop may run no iteration (when {test} is false), and then {listed} {verb} left unspecified"
    # a note: the run-time test it needs may hold wherever the loop is reached (an early return,
    # an enclosing while) where the analysis does not see it
    return Finding(**dict(common, rule=CONDITIONAL), reasons=[reason], codes=["zero-trip-clauses"],
                   message=f"`{common['existing_pragma']}` is safe only when the loop runs: {reason}, where the "
                           f"serial loop leaves {them} as before; run it only when it runs (`if ({test})` around "
                           f"the loop) unless that always holds there")


def overlap_finding(tu: TranslationUnit, loop: Loop, plans: list[Plan], common: dict) -> Optional[Finding]:
    """The unsafe-pragma finding (`common`: its rule, place and pragma) when a call passes one pointer
    to two parameters the plans need apart and the loop then carries a dependence; else None."""
    overlap = overlapping_call(tu, loop, plans)
    if overlap is None:
        return None
    call, reasons = overlap
    first, second = call.parameters
    passed = f"`{call.argument}` for {first} and `{call.second_argument}` for {second}" if call.offset else \
        f"`{call.argument}` for both {first} and {second}"
    return Finding(**common, reasons=reasons, codes=["overlapping-arguments"],
                   message=f"`{common['existing_pragma']}` may race when {loop.function}() is called as on line "
                           f"{call.line} (in {call.caller}()), with {passed}: "
                           f"the loop's iterations are independent only when they do not overlap ({'; '.join(reasons)})")


def overlapping_call(tu: TranslationUnit, loop: Loop, plans: list[Plan]) -> Optional[tuple[SharedPointerCall, list[str]]]:
    """(the call, the loop's reasons with one pointer) for the first call of the loop's function that
    passes one pointer to two parameters the loop reads or writes and makes the loop carry a
    dependence; None when every plan holds without a run-time overlap check, or no call does."""
    from autopar.plans.candidates import analyze_nest

    if not plans or not all(p.alias_check for p in plans):
        return None
    for call in tu.shared_pointer_calls.get(loop.function, []):
        merged = _one_pointer(tu, loop, *call.parameters, constants=call.constants, offset=call.offset)
        if merged is None:
            continue
        root = (merged.ancestors(loop.id) or [merged.loop(loop.id)])[0]
        verdict = next((v for v in analyze_nest(merged, root).verdicts if v.loop_id == loop.id), None)
        if verdict is not None and not verdict.parallelizable:
            return call, verdict.reasons
    return None


def _one_pointer(tu: TranslationUnit, loop: Loop, first: str, second: str,
                 constants: Optional[dict[str, int]] = None, offset: int = 0) -> Optional[TranslationUnit]:
    """The unit with the accesses through parameter `second` in the loop's function made accesses
    through `first` (`offset` elements on: `second[e]` is `first[e + offset]`), and the call's
    `constants` put for their parameters in subscripts and bounds; None when the loop does not use
    both, they point to different types, or an offset meets a subscript that is not affine."""
    def parameter(name: str):
        return [a for a in loop.accesses if a.base.name == name and a.base.storage == Storage.PARAMETER]

    firsts, seconds = parameter(first), parameter(second)
    if not firsts or not seconds or {unqualified(a.element_type) for a in firsts} != \
            {unqualified(a.element_type) for a in seconds} or \
            any(a.path != a.base.name for a in firsts + seconds):  # (the pointees' own elements only)
        return None
    if offset and any(not a.subscripts or a.subscripts[0].affine is None for a in seconds):
        return None
    base = firsts[0].base

    def through_first(access):
        subscripts = access.subscripts
        if offset:
            head = subscripts[0]
            shifted = head.affine.model_copy(update={"constant": head.affine.constant + offset})
            subscripts = [head.model_copy(update={"affine": shifted, "text": f"{head.text} + {offset}"}),
                          *subscripts[1:]]
        return access.model_copy(update={"base": base, "path": first, "subscripts": subscripts})

    def merged(other: Loop) -> Loop:
        if other.function != loop.function:
            return other
        accesses = [through_first(a) if a.base.name == second and a.base.storage == Storage.PARAMETER else a
                    for a in other.accesses]
        if constants:
            accesses = [a.model_copy(update={"subscripts": [s.model_copy(update={"affine": _put(s.affine, constants)})
                                                            for s in a.subscripts]}) for a in accesses]
        update = {"accesses": accesses}
        if constants and other.canonical is not None:
            c = other.canonical
            update["canonical"] = c.model_copy(update={
                "lower": _put(c.lower, constants), "upper": _put(c.upper, constants),
                "lower_each": [_put(e, constants) for e in c.lower_each],
                "upper_each": [_put(e, constants) for e in c.upper_each]})
        return other.model_copy(update=update)

    return tu.model_copy(update={"loops": [merged(l) for l in tu.loops]})


def _put(expr: Optional[AffineExpr], values: dict[str, int]) -> Optional[AffineExpr]:
    """`expr` with the names of `values` replaced by their values."""
    if expr is None or not expr.variables & set(values):
        return expr
    terms: dict[str, int] = {}
    constant = expr.constant
    for monomial, coefficient in expr.coefficients.items():
        factors = monomial.split("*")
        rest = "*".join(f for f in factors if f not in values)
        for f in factors:
            coefficient *= values.get(f, 1)
        if rest:
            terms[rest] = terms.get(rest, 0) + coefficient
        else:
            constant += coefficient
    return AffineExpr(coefficients={m: c for m, c in terms.items() if c}, constant=constant)
