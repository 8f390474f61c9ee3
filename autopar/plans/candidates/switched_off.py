"""Flags' tests: in a translation unit read with switched-off statements blanked
(autopar.frontend.switched_off, `if (timers_enabled) timer_start(2);`), a loop's analysis holds only
while those statements do nothing: when each flag is 0 at the loop's start and the loop cannot
change it. Takes such a unit and a loop; gives the run-time tests a plan of it needs (`!flag`), or
why no plan of it can rely on them.

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
    flags = sorted({s.flag for s in statements})
    changed = [s.flag for s in statements if not flag_unchanged(loop, s)]
    if len({(s.flag, s.flag_decl) for s in statements}) > len(flags):
        changed = flags  # (two variables of one name: a test at the loop's start names one of them)
    if changed:
        blockers.append(R.Reason(f"the loop may change {', '.join(sorted(set(changed)))}, whose `if` switches off calls the "
                                 "analysis cannot see", R.FLAG_OFF_UNUSABLE))
        return []
    shown = "; ".join(f"`{s.text}` (line {s.line})" for s in statements[:2])
    more = f" and {len(statements) - 2} more" if len(statements) > 2 else ""
    notes.append(R.Reason(f"runs in parallel only while {' and '.join(flags)} {'is' if len(flags) == 1 else 'are'} 0 "
                          f"(checked at run time): otherwise {shown}{more} call code the analysis cannot see", R.FLAG_OFF))
    return [f"!{f}" for f in flags]


def flag_unchanged(loop: Loop, statement: SwitchedOff) -> bool:
    """Whether `loop` reads the statement's flag (that variable, not another of its name) without
    writing it or taking its address, and declares it outside: a test at its start holds throughout."""
    use = next((u for u in loop.scalars if u.variable.name == statement.flag and
                u.variable.decl == statement.flag_decl), None)
    return use is not None and not (use.written or use.declared_in_loop or use.address_taken)
