"""Flags' tests: in a translation unit read with switched-off statements blanked
(autopar.frontend.switched_off, `if (timers_enabled) timer_start(2);`), a loop's analysis holds only
while those statements do nothing: when each one's condition is false at the loop's start and the
loop cannot change its flags. Takes such a unit and a loop; gives the run-time tests a plan of it
needs (`!timers_enabled`, `!(verbose > 1)`), or why no plan of it can rely on them.

A statement outside the loop is not covered by a test at the loop's start (the code after the loop,
which decides what the loop must leave, was read without it), so a loop that does not hold every
blanked statement gets no plan at all.
"""

from __future__ import annotations

from autopar.ir import Loop, SwitchedOff, TranslationUnit
from autopar.plans import reasons as R


def flag_tests(tu: TranslationUnit, loop: Loop, blockers: list[str], notes: list[str]) -> list[str]:
    """The tests a plan of `loop` needs in a unit read with statements switched off; or none, with
    why in `blockers`. The note that says so goes to `notes`."""
    statements = tu.switched_off
    if not statements:
        return []
    outside = [s for s in statements if loop.end_offset is None or not loop.offset <= s.start < s.end <= loop.end_offset]
    if outside:
        blockers.append(R.Reason(f"read with `{outside[0].text}` (line {outside[0].line}) switched off, which lies "
                                 "outside this loop", R.FLAG_OFF_UNUSABLE))
        return []
    names = sorted({f for s in statements for f in s.flags})
    changed = sorted({f for s in statements for f in s.flags if not flag_unchanged(loop, s, f)})
    if len({pair for s in statements for pair in zip(s.flags, s.flag_decls)}) > len(names):
        changed = names  # (two variables of one name: a test at the loop's start names one of them)
    if changed:
        blockers.append(R.Reason(f"the loop may change {', '.join(changed)}, which an `if` tests before calls the "
                                 "analysis cannot see", R.FLAG_OFF_UNUSABLE))
        return []
    tests = list(dict.fromkeys(s.test for s in statements))
    shown = "; ".join(f"`{s.text}` (line {s.line})" for s in statements[:2])
    more = f" and {len(statements) - 2} more" if len(statements) > 2 else ""
    notes.append(R.Reason(f"runs in parallel only while {' && '.join(tests)} (checked at run time): otherwise "
                          f"{shown}{more} call code the analysis cannot see", R.FLAG_OFF))
    return tests


def flag_unchanged(loop: Loop, statement: SwitchedOff, name: str = "") -> bool:
    """Whether `loop` reads the statement's flags (those variables, not others of their names)
    without writing them or taking their addresses, and declares them outside: a test at its start
    holds throughout. `name`: only that flag."""
    for flag, decl in zip(statement.flags, statement.flag_decls):
        if name and flag != name:
            continue
        use = next((u for u in loop.scalars if u.variable.name == flag and u.variable.decl == decl), None)
        if use is None or use.written or use.declared_in_loop or use.address_taken:
            return False
    return True
