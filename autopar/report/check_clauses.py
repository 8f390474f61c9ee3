"""`check`'s reading of a pragma's scalar clauses: each scalar's data-sharing class in the user's
pragma against the class the analysis derives for the loop (reductions, private, lastprivate,
conditional lastprivate, argmin/argmax pairs), as (variable, why) problems."""

from __future__ import annotations

from autopar.frontend.omp_pragmas import OmpPragma
from autopar.ir import TranslationUnit

_PRIVATE_KINDS = {"private", "firstprivate", "lastprivate", "linear"}


def clause_problems(tu: TranslationUnit, loop, pragma: OmpPragma) -> list[tuple[str, str]]:
    """(variable, why) for each scalar whose data-sharing class in the existing pragma differs from
    what the analysis derives for the loop: a reduction that is shared, private or has another
    operator; a variable written first in every iteration left shared; a value used after the loop
    without lastprivate; a clause on a variable that does not behave that way."""
    from autopar.plans.candidates import scalar_classes

    # as the analysis classifies them (fp policy), for a loop that runs: where it may run no iteration,
    # a clause that needs one is reported by itself (autopar.report.check_overlap.zero_trip_finding)
    classes = scalar_classes(tu, loop, runs_once=True)
    # the loops that the construct takes over are private by rule (OpenMP's predetermined classes)
    folded, current = set(), loop
    for _ in range(pragma.collapse):
        if current.canonical:
            folded.add(current.canonical.induction_variable)
        if not current.children:
            break
        current = tu.loop(current.children[0])

    def given(name: str) -> list[str]:
        return pragma.sharing(name) or [pragma.default]

    problems: list[tuple[str, str]] = []
    for op, names in classes.reductions.items():
        for name in names:
            kinds = given(name)
            wanted = f"reduction({op.value})"
            if wanted in kinds or (op.value == "+" and "reduction(-)" in kinds):
                continue
            other = [k for k in kinds if k.startswith("reduction(")]
            if other:
                problems.append((name, f"wrong reduction operator: {name} is a {op.value} reduction, the "
                                       f"pragma says {other[0]}"))
            else:
                problems.append((name, f"{name} is a {op.value} reduction but the pragma makes it "
                                       f"{' '.join(kinds)}; it needs reduction({op.value}: {name})"))
    for name in classes.private:
        if name in folded or set(given(name)) & _PRIVATE_KINDS:
            continue
        problems.append((name, f"{name} is written before it is read in every iteration but the pragma "
                               f"makes it {' '.join(given(name))}; it needs private({name})"))
    for name in classes.lastprivate:
        kinds = set(given(name))
        if kinds & {"lastprivate", "linear"}:
            continue
        if kinds & _PRIVATE_KINDS or name in folded:
            problems.append((name, f"missing lastprivate: {name} is used after the loop, and "
                                   f"{' '.join(sorted(kinds & _PRIVATE_KINDS) or ['the loop variable'])} "
                                   f"leaves its value undefined there; it needs lastprivate({name})"))
        else:
            problems.append((name, f"{name} is used after the loop but the pragma makes it "
                                   f"{' '.join(sorted(kinds))}; it needs lastprivate({name})"))
    for name in classes.conditional_lastprivate:
        kinds = set(given(name))
        if any(name in c.variables and c.modifier == "conditional" for c in pragma.clauses_named("lastprivate")):
            continue
        problems.append((name, f"{name} is assigned in some iterations only and used after the loop, but the pragma "
                               f"makes it {' '.join(sorted(kinds))}"
                               + (" (the last iteration's copy, which may not assign it)" if "lastprivate" in kinds else "")
                               + f"; it needs lastprivate(conditional: {name}) (OpenMP 5.0: gcc 10 and later; "
                                 "clang 14 copies out a wrong value)"))
    for location in classes.locations:
        each = " and ".join(f"{name} {' '.join(given(name))}" for name in (location.value, location.index))
        kind = "argmin" if location.comparison == "<" else "argmax"
        problems.append((location.value, f"{location.value} and {location.index} are an {kind} (the best value and "
                                         f"the first index that has it), which the pragma makes {each}: "
                                         "no clause keeps the pair together"))
    reductions = {n: op for op, names in classes.reductions.items() for n in names}
    paired = {name for location in classes.locations for name in (location.value, location.index)}
    for clause in pragma.clauses_named("reduction"):
        for name in clause.variables:
            if name not in reductions and name not in paired and loop.scalar(name) is not None:
                problems.append((name, f"{name} is not a {clause.modifier} reduction in this loop"))
    for clause in pragma.clauses_named("private"):
        for name in clause.variables:
            use = loop.scalar(name)
            if use is not None and use.read and not use.written:
                problems.append((name, f"private({name}) leaves {name} uninitialised, but the loop reads it "
                                       "and never writes it (leave it shared, or make it firstprivate)"))
    return problems


def within_safelen(ctx, loop, pragma: OmpPragma) -> bool:
    """Whether a plain `simd` pragma's numeric `safelen(k)` holds what blocks the loop: every blocker
    is a dependence the loop carries, each exact at a constant distance of at least k iterations
    (iterations that far apart never run in one SIMD chunk). `ctx`: the nest's NestContext."""
    from autopar.plans import reasons as R

    lengths = [c.argument for c in pragma.clauses_named("safelen")]
    if pragma.directive != ["simd"] or len(lengths) != 1 or not (lengths[0] or "").strip().isdigit():
        return False
    safelen = int(lengths[0].strip())
    legality = ctx.legality(loop)
    carried = legality.analysis.graph.carried_by(loop.id) if legality.analysis else []
    blocking = [e for e in carried if e.reason in set(legality.blockers)]
    return bool(legality.blockers) and all(
        b.code in (R.CARRIED_FLOW, R.CARRIED_ANTI, R.CARRIED_OUTPUT) and any(e.reason == b for e in blocking)
        for b in legality.blockers) and all(
        e.exact and e.alias is None and (e.distance or "").lstrip("-").isdigit() and abs(int(e.distance)) >= safelen
        for e in blocking)
