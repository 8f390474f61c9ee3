"""One diagnostic type for every output, as clang-tidy and ruff have one: a `Finding` at a loop, with
its typed reasons (`codes`, autopar.plans.reasons) and its fixes (`Fix`: byte-exact `Edit`s).

Who makes them: `autopar check` (missed loops, unsafe pragmas, `omp simd`, `restrict`;
autopar.report.check) and `rewrite` (one per rewritten loop or shared region, `rewrite_findings`).
Who renders them: SARIF (autopar.report.sarif), the clang-apply-replacements YAML of
`--export-fixes` (autopar.report.fixes), `check`'s JSON and text (autopar.report.check_formats).
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, Field

from autopar.edit.edits import Edit

MISSED = "missed-parallel-loop"
UNSAFE = "unsafe-omp-pragma"
# a loop that can be vectorized (`omp simd`) but is too small or too nested for threads: a note,
# which fails a run only when asked for by name (`--fail-on missed-simd-loop` or `any`)
SIMD = "missed-simd-loop"
# a loop that only possible aliasing keeps serial, and that would run in parallel if the pointer
# parameters it writes were `restrict`: a note with that fix (the user must know they never alias)
RESTRICT = "missed-restrict"
# an existing pragma that is safe only under a run-time condition it does not test (arrays that must
# not overlap, rows of one table that must lie apart): a note with the pragma that tests it as the fix
CONDITIONAL = "conditional-omp-pragma"
RULE_CODES = (MISSED, UNSAFE, SIMD, RESTRICT, CONDITIONAL)
NOTE_RULES = (SIMD, RESTRICT, CONDITIONAL)
# what `rewrite` did to a loop (or a shared region): the fix is its edits (clang-tidy's
# `autopar-parallel-loop` diagnostic in the YAML)
PARALLEL = "parallel-loop"


class Fix(BaseModel):
    """Edits that apply one suggestion whole: a tool applies all of them or none."""

    description: str
    edits: list[Edit] = Field(default_factory=list)


class Finding(BaseModel):
    rule: Literal["missed-parallel-loop", "unsafe-omp-pragma", "missed-simd-loop", "missed-restrict",
                  "conditional-omp-pragma", "parallel-loop"]
    path: str
    line: int
    column: int
    loop_id: str
    function: str
    message: str
    pragma: Optional[str] = None  # the suggested pragma
    existing_pragma: Optional[str] = None
    # the first fix as whole lines, as `check`'s JSON has always given it: lines
    # [fix_start_line, fix_end_line) replaced by fix_text (equal lines: an insertion)
    fix_start_line: Optional[int] = None
    fix_end_line: Optional[int] = None
    fix_text: Optional[str] = None
    fix_description: Optional[str] = None
    reasons: list[str] = Field(default_factory=list)
    codes: list[str] = Field(default_factory=list)  # a stable code per reason (autopar.plans.reasons)
    # identity without line numbers, for baselines and SARIF: rule, file, function and the loop's own text
    fingerprint: Optional[str] = None
    fixes: list[Fix] = Field(default_factory=list)
    offset: Optional[int] = None  # byte offset of the place the finding names, where it is known


def line_fix(source: bytes, first: int, end: int, text: str, description: str) -> dict:
    """The Finding fields of a fix that replaces lines [first, end) of `source` (1-based; equal: an
    insertion before line `first`) by `text`: the line form and the same fix as a byte-exact edit."""
    starts = _line_starts(source)
    start = starts[min(first, len(starts)) - 1]
    stop = starts[min(end, len(starts)) - 1] if end > first else start
    return {"fix_start_line": first, "fix_end_line": end, "fix_text": text, "fix_description": description,
            "fixes": [Fix(description=description, edits=[Edit(offset=start, length=stop - start, text=text)])]}


def _line_starts(source: bytes) -> list[int]:
    """Byte offset where each line starts, and where a line after the last would."""
    starts = [0]
    position = source.find(b"\n")
    while position != -1:
        starts.append(position + 1)
        position = source.find(b"\n", position + 1)
    if starts[-1] != len(source):
        starts.append(len(source))
    return starts


def rewrite_findings(path: str, source: bytes, edits: list[Edit], functions: dict[str, str]) -> list[Finding]:
    """One finding per loop (or shared region) the rewrite edited, with all of its edits as one fix: a
    versioned loop has two (the `if` and pragma above it, the serial copy after it), so that a tool
    applying one finding never applies half a plan. A function the rewrite defines for its conditions
    (the start-up gate, an index array's inspection) goes with the first finding that calls it, in file
    order; a tool that applies only a later one must apply that first one too. `functions`: the
    function of each loop id."""
    starts = _line_starts(source)
    groups: dict[object, list[Edit]] = {}
    definitions = [e for e in edits if e.defines]  # not yet placed in a finding
    for edit in sorted(edits, key=lambda e: e.offset):
        if not edit.defines:
            groups.setdefault(edit.loop_id or id(edit), []).append(edit)
    found = []
    for group in groups.values():
        first = group[0]
        # with the definitions it calls go those inserted at the same place (the gate beside a helper)
        places = {d.offset for d in definitions if any(f"{d.defines}(" in edit.text for edit in group)}
        called = [d for d in definitions if d.offset in places]
        definitions = [d for d in definitions if d not in called]
        what = "loops can share one parallel region" if first.opens_region else "loop can run in parallel"
        versioned = " (versioned: a serial copy runs otherwise)" if len(group) > 1 else ""
        message = f"{what}: {first.pragma or first.text.strip()}{versioned}"
        offset = first.offset + len(_leading_whitespace(first.text))  # the inserted text ends before the `for`
        line = _line_of(starts, offset)
        found.append(Finding(
            rule=PARALLEL, path=path, line=line, column=offset - starts[line - 1] + 1, loop_id=first.loop_id or "",
            function=functions.get(first.loop_id or "", ""), message=message, pragma=first.pragma, offset=offset,
            fixes=[Fix(description=message, edits=[*called, *group])]))
    return found


def _line_of(starts: list[int], offset: int) -> int:
    low, high = 0, len(starts) - 1
    while low < high:  # the last start at or before `offset`
        middle = (low + high + 1) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return low + 1


def _leading_whitespace(text: str) -> str:
    return text[:len(text) - len(text.lstrip(" \t"))]
