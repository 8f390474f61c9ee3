"""The start-up gate of Plan.startup_work in the rewritten source: takes the source, a loop or a plan
and gives where the gate's definition (TEAM_GATE_DEFINITION) may go, the plan with or without its
gate, and the edits that insert the definition.
"""

from __future__ import annotations

import re
from typing import Optional

from autopar.edit.edit_sites import continued_from_above, line_ending, start_of_line
from autopar.edit.edits import Edit
from autopar.ir import Loop, TranslationUnit
from autopar.plans.plan import CONDITIONAL_LASTPRIVATE, INSPECTION, TEAM_GATE, Plan
from autopar.frontend.omp_pragmas import source_lines


def gated_plan(source: bytes, tu: TranslationUnit, plan: Plan, team_gate: bool) -> Plan:
    """The plan (and its fallback) with its start-up gate where the gate's definition can go, else
    without it."""
    if plan.fallback is not None:
        plan = plan.model_copy(update={"fallback": gated_plan(source, tu, plan.fallback, team_gate)})
    if not plan.startup_work:
        return plan
    try:
        at = gate_place(source, tu.loop(plan.loop_id)) if team_gate else None
    except KeyError:
        at = None
    return plan if at is not None else plan.model_copy(update={"startup_work": None})


def gate_place(source: bytes, loop: Loop, macro: bool = False) -> Optional[int]:
    """The start of the line where the file-scope declaration holding `loop` begins, when nothing
    precedes it there (the gate's definition goes on the lines above); else None. `macro`: the
    definition is a macro's, which C99's rule for inline functions does not concern."""
    if loop.top_level_offset is None:
        return None
    start = start_of_line(source, loop.top_level_offset)
    if source[start:loop.top_level_offset].strip() or continued_from_above(source, start):
        return None
    if not macro and loop.in_external_inline:
        return None  # C99: an inline definition with external linkage may not call a static function
    # a pragma on the declaration (`#pragma omp declare simd`) stays right above it
    lines = source_lines(source)
    number = lines.line_of(start)
    while (directive := lines.directive_of(number - 1)) is not None and directive.pragma is not None:
        start, number = directive.start, directive.first_line
    return start


# The start-up gate of Plan.startup_work. The first parallel region of a process starts the thread
# team: 1-10 ms on a virtual machine, against a microsecond for a region after it. Regions with a
# work threshold run serially until the work they held adds up to one team start (their shares add
# up to 1.0); a short run of a program then never pays for a team, a long one pays at most twice
# the start (the ski-rental bound). Guarded, so that a copy above each function that needs it
# compiles once whichever of them the preprocessor keeps; C89 and C++ alike; the atomics keep
# callers on several threads race-free; its names are autopar's own, so that no macro of the file
# can change them.
TEAM_GATE_DEFINITION = f"""#ifndef AUTOPAR_TEAM_GATE_
#define AUTOPAR_TEAM_GATE_
/* autopar: regions with a work threshold start the thread team only once their work pays for it */
static double autopar_team_work_;
static int {TEAM_GATE}(double autopar_share)
{{
    double autopar_total;
#pragma omp atomic read
    autopar_total = autopar_team_work_;
    if (autopar_total >= 1.0)
        return 1;
#pragma omp atomic capture
    autopar_total = autopar_team_work_ += autopar_share;
    return autopar_total >= 1.0;
}}
#endif

"""


def conditional_lastprivate_definition(count: int) -> str:
    """The macro of Plan.conditional_lastprivate for `count` variables: OpenMP 5.0's conditional
    lastprivate where gcc 10 or later compiles it (its copy-out keeps the last assigning iteration's
    value, and the variable's own when none assigns); elsewhere the region runs on one thread, in
    order, on the variables themselves. No variadic macro: C89 and C++98 have none."""
    name = f"{CONDITIONAL_LASTPRIVATE}{count}_"
    parameters = ", ".join(f"autopar_v{k}" for k in range(1, count + 1))
    return (f"#ifndef {name}\n"
            "/* autopar: variables assigned in some iterations keep the last assigned value (OpenMP 5.0) */\n"
            "#if defined(__GNUC__) && __GNUC__ >= 10 && !defined(__clang__) && !defined(__INTEL_COMPILER)\n"
            f"#define {name}({parameters}) lastprivate(conditional: {parameters})\n"
            "#else\n"
            f"#define {name}({parameters}) num_threads(1)\n"
            "#endif\n"
            "#endif\n\n")


_CONDITIONAL = re.compile(rb"^[ \t]*(?:#|%:|\?\?=)[ \t]*(if|ifdef|ifndef|endif)\b", re.M)
# comments, and strings that may hold comment openers (kept: they hold no directives)
_COMMENT = re.compile(rb'"(?:\\.|[^"\\\n])*"|/\*.*?\*/|//[^\n]*', re.S)


def gate_definitions_needed(source: bytes, places: set[int], definition: str = TEAM_GATE_DEFINITION) -> list[int]:
    """Where a definition (the gate's, or another the conditions call) goes: above the first
    declaration that needs it, and again above later ones only while every definition so far sits
    inside a preprocessor conditional (another configuration may drop it); none where a second
    rewrite finds one already there."""
    needed: list[int] = []
    for at in sorted(places):
        if not _defined_above(source, at, definition):
            needed.append(at)
        code = _COMMENT.sub(lambda m: b"\n" * m.group(0).count(b"\n"), source[:at])  # a commented-out #endif
        depth = sum(-1 if m.group(1) == b"endif" else 1 for m in _CONDITIONAL.finditer(code))
        if depth <= 0:
            break
    return needed


def gate_definition(source: bytes, at: int, definition: str = TEAM_GATE_DEFINITION, name: str = TEAM_GATE) -> Edit:
    """The edit that inserts `definition` (of the function `name`) at `at`."""
    eol = line_ending(source, at)
    line = source.count(b"\n", 0, at) + 1
    text = definition.replace("\n", eol)
    return Edit(offset=at, length=0, text=text, line=line, line_marks=[(len(text), line)], defines=name)


def _defined_above(source: bytes, at: int, definition: str) -> bool:
    """Whether the definition already ends right above `at` (a second rewrite)."""
    eol = line_ending(source, at)
    return source[:at].endswith(definition.replace("\n", eol).encode())


# ------------------------------------------------------------- the helpers of index-array inspections

def plan_helpers(plan: Plan) -> list[str]:
    """The inspection helpers (autopar.deps.indexed) the plan's conditions call, its fallback's too."""
    from autopar.deps.indexed import helpers_called

    texts = [plan.alias_check or ""] + ([plan.fallback.alias_check or ""] if plan.fallback else [])
    return helpers_called(" ".join(texts))


def helpers_without_place(source: bytes, tu: TranslationUnit, plan: Plan) -> Optional[str]:
    """Why a plan whose runtime check inspects an index array cannot be written (its helper's
    definition has no place above the function), or None."""
    functions = bool(plan.claims or plan_helpers(plan))  # (a macro's place has one rule less)
    if not functions and not _conditional_lastprivate(plan):
        return None
    try:
        at = gate_place(source, tu.loop(plan.loop_id), macro=not functions)
    except KeyError:
        at = None
    if at is None:
        if functions:
            what = "its claims call" if plan.claims else "the runtime check inspects an index array with"
            return (f"not edited: {what} a helper function, which cannot be defined right above the function "
                    "that holds the loop")
        return ("not edited: its conditional lastprivate clause is a macro, which cannot be defined right above "
                "the function that holds the loop")
    return None


def _conditional_lastprivate(plan: Plan) -> bool:
    return bool(plan.conditional_lastprivate or plan.fallback and plan.fallback.conditional_lastprivate)


def helper_definitions(source: bytes, tu: TranslationUnit, edits: list[Edit]) -> list[Edit]:
    """The definitions of the inspection helpers the edits call, above each function that calls one."""
    from autopar.deps.indexed import helper_definition, helpers_called
    from autopar.edit import claims

    places: dict[tuple[str, str], set[int]] = {}  # (name, definition) -> where
    for edit in edits:
        text = edit.text + " " + (edit.pragma or "")
        found = [(f"{INSPECTION}{name}_", helper_definition(name)) for name in helpers_called(text)] + \
            [(name, claims.helper_definition(name)) for name in claims.helpers_called(text)] + \
            [(name, claims.append_definition(name)) for name in claims.append_helpers_called(text)] + \
            [(f"{CONDITIONAL_LASTPRIVATE}{n}_", conditional_lastprivate_definition(int(n)))
             for n in dict.fromkeys(re.findall(rf"\b{CONDITIONAL_LASTPRIVATE}(\d+)_\(", text))]
        for name, definition in found:
            macro = name.startswith(CONDITIONAL_LASTPRIVATE)
            at = gate_place(source, tu.loop(edit.loop_id), macro=macro) if edit.loop_id else None
            if at is not None:
                places.setdefault((name, definition), set()).add(at)
    out = []
    for (name, definition), found in sorted(places.items()):
        out += [gate_definition(source, at, definition, name) for at in gate_definitions_needed(source, found, definition)]
    return out
