"""The missed-restrict note of `check` and `explain`: a loop that only possible aliasing keeps serial
would run in parallel if the pointer parameters it writes were `restrict`; the analysis, run again
with them `restrict`, says so, and the fix declares them."""

from __future__ import annotations

from typing import Optional

from autopar.ir import Loop, Storage, TranslationUnit
from autopar.report.findings import RESTRICT, Finding, line_fix


def restrict_finding(source: bytes, tu: TranslationUnit, loop: Loop, compile_args: list[str]) -> Optional[Finding]:
    """A missed-restrict note when marking the pointer parameters the loop writes `restrict` makes
    the analysis find a legal plan for it; None otherwise. The analysis runs again on the IR with
    those parameters `restrict`, so the claim is the analysis's own."""
    from autopar.plans.candidates import analyze_nest

    written = sorted({a.base.name for a in loop.accesses if a.is_write and a.base.storage == Storage.PARAMETER
                      and a.base.is_pointer and not a.base.unaliased})
    if not written:
        return None

    def marked(variable):
        hit = variable.storage == Storage.PARAMETER and variable.name in written
        return variable.model_copy(update={"restrict": True}) if hit else variable

    def mark(other: Loop) -> Loop:
        if other.function != loop.function:
            return other
        accesses = [a.model_copy(update={"base": marked(a.base)}) for a in other.accesses]
        scalars = [u.model_copy(update={"variable": marked(u.variable)}) for u in other.scalars]
        return other.model_copy(update={"accesses": accesses, "scalars": scalars})

    hypothetical = tu.model_copy(update={"loops": [mark(l) for l in tu.loops]})
    root = (hypothetical.ancestors(loop.id) or [hypothetical.loop(loop.id)])[0]
    verdict = next((v for v in analyze_nest(hypothetical, root).verdicts if v.loop_id == loop.id), None)
    if verdict is None or not verdict.parallelizable:
        return None
    keyword = "__restrict" if tu.language != "c" or any(
        a.split("=")[-1] in ("c89", "c90", "gnu89", "gnu90", "iso9899:1990") or a == "-ansi" for a in compile_args
        if a.startswith("-std=") or a == "-ansi") else "restrict"
    lines = source.splitlines(keepends=True)
    fix = None
    declared = {a.base.name: a.base.decl for a in loop.accesses if a.base.name in written}
    places = []
    for name in written:
        try:
            line, column = (int(x) for x in declared[name].split(":")[-2:])
        except (KeyError, ValueError):
            places = []
            break
        places.append((line, column, name))
    if places and len({line for line, _, _ in places}) == 1:  # one line: one fix
        line = places[0][0]
        text = lines[line - 1] if line - 1 < len(lines) else b""
        edited = text
        for _, column, name in sorted(places, key=lambda p: -p[1]):
            before = edited[:column - 1]
            if not before.rstrip().endswith(b"*") or edited[column - 1:column - 1 + len(name)] != name.encode():
                edited = None
                break
            edited = before + f"{keyword} ".encode() + edited[column - 1:]
        if edited is not None:
            fix = (line, edited.decode("utf-8", "surrogateescape"))
    names = ", ".join(f"`{n}`" for n in written)
    iv = loop.canonical.induction_variable if loop.canonical else "?"
    return Finding(rule=RESTRICT, path=tu.path, line=loop.line, column=loop.column, loop_id=loop.id,
                   function=loop.function,
                   message=f"loop over {iv} in {loop.function}() would run in parallel if {names} were "
                           f"`{keyword}`: only possible aliasing keeps it serial, and the ranges cannot be "
                           f"checked at run time (mark it only if it never overlaps another array the loop uses)",
                   **(line_fix(source, fix[0], fix[0] + 1, fix[1], f"Declare {names} `{keyword}`") if fix else {}))
