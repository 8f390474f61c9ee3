"""Which of a loop's carried dependences its claims answer (autopar.frontend.claims), and what else a
loop with appending claims must not do: its iterations see the elements appended before in another
order, so nothing it leaves may depend on that order."""

from __future__ import annotations

from autopar.deps import Analysis, declared_inside
from autopar.ir import Loop, Storage
from autopar.plans import reasons as R
from autopar.plans.scalars import ScalarClasses


def claimed_objects(an: Analysis, loop: Loop) -> set[str]:
    """The object keys of the claims' arrays and the appends' buffers (none when the loop names another
    variable by one of their names: the front end's claims are of one declaration)."""
    if not loop.claims:
        return set()
    names = {c.array for c in loop.claims} | {a.buffer for c in loop.claims for a in c.appends}
    for name in names:
        if len({a.base.decl for a in loop.accesses if a.base.name == name} |
               {u.variable.decl for u in loop.scalars if u.variable.name == name}) > 1:
            return set()
    return {key for key, obj in an.model.objects.items() if obj.path == obj.base.name and obj.base.name in names}


def claims_used(loop: Loop, excused: bool) -> bool:
    """The plan writes the claims when they answered a carried dependence or take slots of a counter."""
    return bool(loop.claims) and (excused or any(c.appends for c in loop.claims))


def order_blockers(an: Analysis, loop: Loop, classes: ScalarClasses, claimed: set[str],
                   lastprivate_arrays: list[str]) -> list[str]:
    """Why a loop whose claims append may leave something that depends on the order of its iterations."""
    if not any(c.appends for c in loop.claims):
        return []
    out = []
    written = sorted(obj.path for key, obj in an.model.objects.items()
                     if obj.written and key not in claimed and
                     not (declared_inside(obj.base, loop) and obj.base.storage == Storage.LOCAL))
    kept = classes.lastprivate + list(classes.linear) + [l.value for l in classes.locations] + lastprivate_arrays
    reduced = sorted(n for names in classes.reductions.values() for n in names)
    for names, what in ((written, "writes"), (kept, "keeps the last or best iteration's"), (reduced, "reduces")):
        if names:
            out.append(R.Reason(f"the loop {what} {', '.join(names)}, which would depend on the order of the "
                                "elements its claims append", R.CLAIM_ORDER))
    return out


def claim_notes(loop: Loop) -> list[str]:
    out = []
    for claim in loop.claims:
        appended = "".join(f", appending to {a.buffer} with {a.counter}'s slots taken atomically" for a in claim.appends)
        out.append(R.Reason(f"each element of {claim.array} is claimed once: `{claim.cell} {claim.comparison} "
                            f"{claim.bound}` tested and {claim.cell} = {claim.value} written by a compare-and-swap"
                            f"{appended}", R.CLAIMS))
    return out


def code_around_blockers(claims: bool, classes: ScalarClasses, reduced: bool) -> list[str]:
    """Plans that would need two kinds of code in or around the loop that do not go together: the
    claims (`claims`) or an array reduction's copies (`reduced`) beside other copies or a conditional
    lastprivate."""
    found = []
    if claims and (reduced or classes.locations):
        found.append(R.Reason("claims are written into the loop's text, an array or location reduction as "
                              "copies around it: not both", R.CLAIMS_WITH_COPIES))
    if classes.conditional_lastprivate and (claims or reduced or classes.locations):
        # (the copies or claims are written in a region of their own, whose `omp for` takes no
        # num_threads(1), the clause's form where the compiler has no conditional lastprivate)
        found.append(R.Reason(f"{', '.join(classes.conditional_lastprivate)} keeps the last value assigned "
                              "(conditional lastprivate), and an array or location reduction or claims need "
                              "code around the loop: not both", R.CONDITIONAL_WITH_COPIES))
    return found
