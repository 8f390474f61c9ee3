"""The rewriter: renders pragma text from a validated Plan, and turns plans into minimal source edits.

Edits are Clang-style replacements (byte offset, length, text). Each pragma is inserted as a line of
its own just before the `for` line, with the loop's indentation and the file's line ending; every
other byte of the file stays as it was. A loop is never edited when it comes from a macro or another
file, already has (or sits inside) an omp pragma, is opted out, or shares its line with other code;
`plan_rewrite` says why for each such loop.
"""

from __future__ import annotations

import difflib
import re
from typing import Optional, Sequence

from pydantic import BaseModel, Field

from autopar.ir import Loop, TranslationUnit
from autopar.plan import TEAM_GATE, Decision, Directive, Plan, Proof, Schedule, render_maps
from autopar import specialize, thread_copies
from autopar.shared_regions import SharedRegion


def render_pragma(plan: Plan) -> str:
    """The one place pragma text is made. Clauses come in a fixed order so output is stable."""
    parts = ["#pragma omp", plan.directive.value]
    if plan.collapse > 1:
        parts.append(f"collapse({plan.collapse})")
    for clause, names in (("private", plan.private), ("firstprivate", plan.firstprivate),
                          ("lastprivate", plan.lastprivate)):
        if names:
            parts.append(f"{clause}({', '.join(names)})")
    for reduction in plan.reductions:
        parts.append(f"reduction({reduction.op.value}: {', '.join(reduction.variables)})")
    parts += render_maps(plan.maps)
    if plan.offload_condition:
        parts.append(f"if(target: {plan.offload_condition})")
    if plan.schedule is not None:
        chunk = f", {plan.chunk}" if plan.chunk else ""
        parts.append(f"schedule({plan.schedule.value}{chunk})")
    if plan.if_condition:
        parts.append(f"if({plan.if_condition})")
    for location in plan.locations:  # no OpenMP clause says it: written as code (autopar.thread_copies)
        kind = "argmin" if location.comparison == "<" else "argmax"
        parts.append(f"/* {kind}: {location.value} at {location.index} */")
    return " ".join(parts)


class Edit(BaseModel):
    """Replace `length` bytes at byte `offset` with `text` (UTF-8). Insertions have length 0."""

    offset: int = Field(ge=0)
    length: int = Field(default=0, ge=0)
    text: str
    loop_id: Optional[str] = None  # the loop this edit parallelizes
    line: Optional[int] = None  # 1-based line of that loop's `for` in the original file
    pragma: Optional[str] = None  # the pragma text, without indentation or line ending
    # (position in `text`, original line): the code from there on comes from that line of the original
    # file, for `#line` directives; empty for a pragma insertion (the `for` line follows it)
    line_marks: list[tuple[int, int]] = Field(default_factory=list)
    # the edit opens (or closes) a shared parallel region on a serial loop: the loop is not parallel
    opens_region: bool = False
    defines_gate: bool = False  # the start-up gate's definition (TEAM_GATE_DEFINITION), for no loop


class RewritePlan(BaseModel):
    edits: list[Edit] = Field(default_factory=list)
    skipped: dict[str, str] = Field(default_factory=dict)  # loop id -> why its plan was not applied


class RewriteError(Exception):
    pass


def plan_rewrite(source: bytes, tu: TranslationUnit, decisions: list[Decision],
                 allow_assumptions: bool = False, versioning: bool = True,
                 share_regions: bool = True, team_gate: bool = True) -> RewritePlan:
    """The edits that apply the decisions' plans to `source`, and the loops left alone with reasons.

    A plan whose proof is an unverified assumption is applied only with `allow_assumptions`. With
    `versioning`, a plan with an if() condition on a loop that can be copied becomes
    `if (condition) { pragma + loop } else { serial copy }` (two insertions); without it, or when the
    loop cannot be copied, the condition is an if() clause of the one inserted pragma line. With
    `share_regions`, the parallel loops of a serial loop that holds nothing else share one region
    (autopar.shared_regions): `#pragma omp parallel` on the serial loop, `#pragma omp for` on each.
    With `team_gate`, a condition with a start-up share (Plan.startup_work) calls TEAM_GATE, defined
    above the file-scope declaration that holds the loop (TEAM_GATE_DEFINITION); without it, or where
    the definition cannot go, the condition is the rest.
    """
    result = RewritePlan()
    gated: set[int] = set()  # where the gate's definition goes (line starts), for the edits made
    decisions = [d.model_copy(update={"plan": _gated(source, tu, d.plan, team_gate)}) if d.plan else d
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
        reason = _why_not_editable(source, tu, loop)
        if reason is None and plan.proof == Proof.ASSUMPTION and not allow_assumptions:
            reason = "not edited: the plan is legal only under an unverified assumption"
        if reason is None and loop.canonical is not None and loop.canonical.step_symbol and \
                not (versioning and _copyable(loop)):
            # an OpenMP loop whose if() is false still divides by the step: the guard must pick a copy
            reason = ("not edited: a loop that steps by a variable runs in parallel only beside a serial "
                      "copy for the steps OpenMP cannot take (versioning is off or the loop cannot be copied)")
        if reason:
            result.skipped[loop.id] = reason
            continue
        if loop.id in regions:  # a worksharing loop of a shared region: its condition is the region's
            result.edits.append(_pragma_line(source, loop, _worksharing_pragma(plan)))
            continue
        edits = _plan_edits(source, tu, loop, plan, versioning)
        if edits is None:
            result.skipped[loop.id] = ("not edited: the end of the loop cannot be told from the source, "
                                       "which the code of its array or location reduction needs")
            continue
        result.edits.extend(edits)
        if any(TEAM_GATE in edit.text or TEAM_GATE in (edit.pragma or "") for edit in edits):
            gated.add(_gate_place(source, loop))  # (the plan's or its fallback's: one function)
    for region in {id(r): r for r in regions.values()}.values():
        outer = tu.loop(region.outer_loop_id)
        if TEAM_GATE in (region.condition or ""):
            at = _gate_place(source, outer) if team_gate else None
            if at is None:
                region = region.model_copy(update={"condition": region.ungated_condition})
            else:
                gated.add(at)
        opening = "#pragma omp parallel"
        if region.private_variables:
            opening += f" private({', '.join(region.private_variables)})"
        if region.condition and versioning and _copyable(outer):
            opened = _versioned(source, outer, opening, region.condition)
        else:
            condition = f" if({region.condition})" if region.condition else ""
            opened = [_pragma_line(source, outer, opening + condition)]
        result.edits.extend(edit.model_copy(update={"opens_region": True}) for edit in opened)
    result.edits.extend(_data_region_edits(source, tu, decisions))
    result.edits.extend(_gate_definition(source, at) for at in _gate_definitions_needed(source, gated))
    result.edits.sort(key=lambda edit: edit.offset)
    return result


def _plan_edits(source: bytes, tu: TranslationUnit, loop: Loop, plan: Plan, versioning: bool) -> Optional[list[Edit]]:
    """The edits of one plan on its own loop (None when its per-thread copies cannot be written).
    A fallback is written into the serial copy of a versioned plan; without that copy it is dropped."""
    if thread_copies.needed(plan):
        return _with_thread_copies(source, tu, loop, plan, versioning)
    if versioning and (plan.if_condition or plan.specialize) and _copyable(loop):
        fallback = _fallback_edits(source, tu, loop, plan.fallback) if plan.fallback else []
        return _versioned(source, loop, render_pragma(plan.unconditional()), plan.if_condition,
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
    if _why_not_editable(source, tu, inner) is not None or loop.end_offset is None:
        return []
    edits = _plan_edits(source, tu, inner, fallback, versioning=True) or []
    if not all(loop.offset <= e.offset and e.offset + e.length <= loop.end_offset for e in edits):
        return []
    return edits


def _worksharing_pragma(plan: Plan) -> str:
    """The plan's pragma for a loop inside a region opened elsewhere: `#pragma omp for ...`, no if()."""
    return render_pragma(plan.unconditional()).replace("#pragma omp parallel for", "#pragma omp for", 1)


def _with_thread_copies(source: bytes, tu: TranslationUnit, loop: Loop, plan: Plan,
                        versioning: bool) -> Optional[list[Edit]]:
    """A plan that reduces array sections or locations, written with per-thread copies (autopar.thread_copies):
    versioned when it has a condition and the loop can be copied, else the condition is the region's
    if() clause. None when the loop's end is unknown."""
    if loop.end_offset is None:
        return None
    found = thread_copies.sections(plan)
    types = {a.base.name: a.element_type for a in loop.accesses if a.base.name in {s.name for s in found}}
    for location in plan.locations:
        types.update({location.value: location.value_type, location.index: location.index_type})
    worksharing = _worksharing_pragma(thread_copies.without_sections(plan))
    start = _line_start(source, loop.offset)
    indentation = source[start:loop.offset].decode("utf-8", "surrogateescape")
    eol = _line_ending(source, start)
    versioned = versioning and plan.if_condition is not None and _copyable(loop)
    copies = thread_copies.render(plan, types, worksharing, indentation, eol, None if versioned else plan.if_condition)
    return _versioned(source, loop, render_pragma(plan), plan.if_condition if versioned else None, copies=copies)


def _gated(source: bytes, tu: TranslationUnit, plan: Plan, team_gate: bool) -> Plan:
    """The plan (and its fallback) with its start-up gate where the gate's definition can go, else
    without it."""
    if plan.fallback is not None:
        plan = plan.model_copy(update={"fallback": _gated(source, tu, plan.fallback, team_gate)})
    if not plan.startup_work:
        return plan
    try:
        at = _gate_place(source, tu.loop(plan.loop_id)) if team_gate else None
    except KeyError:
        at = None
    return plan if at is not None else plan.model_copy(update={"startup_work": None})


def _gate_place(source: bytes, loop: Loop) -> Optional[int]:
    """The start of the line where the file-scope declaration holding `loop` begins, when nothing
    precedes it there (the gate's definition goes on the lines above); else None."""
    if loop.top_level_offset is None:
        return None
    start = _line_start(source, loop.top_level_offset)
    if source[start:loop.top_level_offset].strip() or _continued_from_above(source, start):
        return None
    header = source[loop.top_level_offset:loop.offset].split(b"{", 1)[0]
    if re.search(rb"\binline\b", header) and not re.search(rb"\bstatic\b", header):
        return None  # C99: an inline definition with external linkage may not call a static function
    while start > 0:  # a pragma on the declaration (`#pragma omp declare simd`) stays right above it
        above = _line_start(source, start - 1)
        if not source[above:start].lstrip().startswith(b"#pragma"):
            break
        start = above
    return start


# The start-up gate of Plan.startup_work. The first parallel region of a process starts the thread
# team: 1-10 ms on a virtual machine, against a microsecond for a region after it. Regions with a
# work threshold run serially until the work they held adds up to one team start (their shares add
# up to 1.0); a short run of a program then never pays for a team, a long one pays at most twice
# the start (the ski-rental bound). Guarded, so that a copy above each function that needs it
# compiles once whichever of them the preprocessor keeps; C89 and C++ alike; the atomics keep
# callers on several threads race-free.
TEAM_GATE_DEFINITION = f"""#ifndef AUTOPAR_TEAM_GATE_
#define AUTOPAR_TEAM_GATE_
/* autopar: regions with a work threshold start the thread team only once their work pays for it */
static double autopar_team_work_;
static int {TEAM_GATE}(double share)
{{
    double total;
#pragma omp atomic read
    total = autopar_team_work_;
    if (total >= 1.0)
        return 1;
#pragma omp atomic capture
    total = autopar_team_work_ += share;
    return total >= 1.0;
}}
#endif

"""


_CONDITIONAL = re.compile(rb"^[ \t]*#[ \t]*(if|ifdef|ifndef|endif)\b", re.M)
# comments, and strings that may hold comment openers (kept: they hold no directives)
_COMMENT = re.compile(rb'"(?:\\.|[^"\\\n])*"|/\*.*?\*/|//[^\n]*', re.S)


def _gate_definitions_needed(source: bytes, places: set[int]) -> list[int]:
    """Where the gate's definition goes: above the first declaration that needs it, and again above
    later ones only while every definition so far sits inside a preprocessor conditional (another
    configuration may drop it); none where a second rewrite finds one already there."""
    needed: list[int] = []
    for at in sorted(places):
        if _defined_above(source, at):
            return needed
        needed.append(at)
        code = _COMMENT.sub(lambda m: b"\n" * m.group(0).count(b"\n"), source[:at])  # a commented-out #endif
        depth = sum(-1 if m.group(1) == b"endif" else 1 for m in _CONDITIONAL.finditer(code))
        if depth <= 0:
            break
    return needed


def _gate_definition(source: bytes, at: int) -> Edit:
    eol = _line_ending(source, at)
    line = source.count(b"\n", 0, at) + 1
    text = TEAM_GATE_DEFINITION.replace("\n", eol)
    return Edit(offset=at, length=0, text=text, line=line, line_marks=[(len(text), line)], defines_gate=True)


def _defined_above(source: bytes, at: int) -> bool:
    """Whether the gate's definition already ends right above `at` (a second rewrite)."""
    eol = _line_ending(source, at)
    return source[:at].endswith(TEAM_GATE_DEFINITION.replace("\n", eol).encode())


def _pragma_line(source: bytes, loop: Loop, pragma: str) -> Edit:
    start = _line_start(source, loop.offset)
    indentation = source[start:loop.offset].decode("utf-8", "surrogateescape")
    return Edit(offset=start, length=0, text=indentation + pragma + _line_ending(source, start),
                loop_id=loop.id, line=loop.line, pragma=pragma)


def _data_region_edits(source: bytes, tu: TranslationUnit, decisions: list[Decision]) -> list[Edit]:
    """`#pragma omp target data` above each serial loop around offloaded loops (autopar.data_regions)
    whose loops can all be edited."""
    if not any(d.plan is not None and d.plan.directive == Directive.TARGET for d in decisions):
        return []
    from autopar.data_regions import data_regions

    edits = []
    for region in data_regions(tu, decisions):
        if any(_why_not_editable(source, tu, tu.loop(i)) for i in [region.outer_loop_id, *region.loop_ids]):
            continue
        pragma = " ".join(["#pragma omp target data", *render_maps(region.maps),
                           *([f"if({region.condition})"] if region.condition else [])])
        edits.append(_pragma_line(source, tu.loop(region.outer_loop_id), pragma).model_copy(
            update={"opens_region": True}))
    return edits


def _editable_regions(source: bytes, tu: TranslationUnit, decisions: list[Decision]) -> dict[str, SharedRegion]:
    """The shared regions whose loops can all be edited, by worksharing loop id."""
    from autopar.shared_regions import shared_regions

    found: dict[str, SharedRegion] = {}
    for region in shared_regions(tu, decisions):
        ids = [region.outer_loop_id, *region.loop_ids]
        if all(_why_not_editable(source, tu, tu.loop(i)) is None for i in ids):
            found.update((i, region) for i in region.loop_ids)
    return found


SERIAL_COPY_MARK = "/* autopar: off (the serial version of the loop above) */"

# A copy doubles the compiler's work on the loop: loop-heavy solver files took 35% longer to build
# at -O3 with every threshold versioned. A loop longer than this keeps the if() clause, whose cost
# when false (entering the OpenMP runtime, about 0.3 µs) is small next to the work of a loop that
# large even below its threshold.
MAX_COPY_BYTES = 1500


def _copyable(loop: Loop) -> bool:
    """Whether a versioned form may copy the loop: its text can be copied as it is, and is short."""
    return loop.copy_problem is None and loop.end_offset is not None and \
        loop.end_offset - loop.offset <= MAX_COPY_BYTES


def _versioned(source: bytes, loop: Loop, pragma: str, condition: Optional[str],
               constants: Optional[dict[str, str]] = None,
               copies: Optional[thread_copies.ThreadCopies] = None,
               fallback: Sequence[Edit] = ()) -> list[Edit]:
    """A plan with an if() condition written as a choice in the source: the parallel loop when the
    condition holds, else a serial copy of the loop. An if() clause that is false still enters the
    OpenMP runtime (a fraction of a microsecond per entry); a plain `if` costs one comparison. The copy
    is opted out, so a second rewrite (or `check`) leaves it alone.

    With `constants` (autopar.specialize), the parallel branch holds a second parallel copy, with
    the constants spelled as literals, taken when the parameters have those values:

        if (condition) {
        if (pool == 2) { #pragma ... <the loop with 2 for pool> } else { #pragma ... <the loop> }
        } else { <serial copy> }

    With `copies` (autopar.thread_copies), the parallel loop is written with per-thread copies of its
    reduced arrays instead of the one pragma line; without a condition, that alone (no serial copy).
    `fallback` are edits inside the loop's text (a plan of an inner loop), applied to the serial copy.
    """
    start = _line_start(source, loop.offset)
    eol = _line_ending(source, start)
    indentation = source[start:loop.offset].decode("utf-8", "surrogateescape")
    # the unbraced body of an `if` would get a dangling `else`: a block of its own keeps it whole
    brace, unbrace = ("", "") if loop.braced else ("{ ", " }")
    end = loop.end_offset
    copy, copy_marks = _copy_with(source, loop, fallback)
    end_line = source.count(b"\n", 0, end) + 1
    opening, opening_marks = indentation + brace, []
    if condition:
        opening += f"if ({condition}) {{{eol}{indentation}"
    if constants:
        opening += f"if ({specialize.condition(constants)}) {{{eol}{indentation}{pragma}{eol}"
        opening_marks.append((len(opening), loop.line))
        opening += f"{indentation}{specialize.substitute(source, loop, constants)}{eol}{indentation}}} else {{{eol}{indentation}"
    opening += copies.opening[len(indentation):] if copies else f"{pragma}{eol}"
    if opening_marks:
        opening_marks.append((len(opening), loop.line))
    closing, closing_marks = copies.closing if copies else "", []
    if constants:
        closing += f"{eol}{indentation}}}"
    if condition:
        closing += f"{eol}{indentation}}} else {{ {SERIAL_COPY_MARK}{eol}"
        closing_marks.append((len(closing), loop.line))
        closing_marks += [(len(closing) + len(indentation) + at, line) for at, line in copy_marks]
        closing += f"{indentation}{copy}{eol}{indentation}}}"
    closing += unbrace
    closing_marks.append((len(closing), end_line))
    return [Edit(offset=start, length=0, text=opening, loop_id=loop.id, line=loop.line, pragma=pragma,
                 line_marks=opening_marks),
            Edit(offset=end, length=0, text=closing, loop_id=loop.id, line=end_line, line_marks=closing_marks)]


def _copy_with(source: bytes, loop: Loop, edits: Sequence[Edit]) -> tuple[str, list[tuple[int, int]]]:
    """The loop's text with `edits` (inside it) applied, and the line marks that map the lines after
    each insertion back to the original's: (position in the copy, line)."""
    out, marks, at = [], [], loop.offset
    for edit in sorted(edits, key=lambda e: e.offset):
        out.append(source[at:edit.offset].decode("utf-8", "surrogateescape"))
        written = sum(len(part) for part in out)
        marks += [(written + position, line) for position, line in edit.line_marks]
        out.append(edit.text)
        at = edit.offset + edit.length
        if edit.text.endswith(("\n", "\r")):  # an insertion of whole lines: the next line is the original's
            marks.append((sum(len(part) for part in out), source.count(b"\n", 0, at) + 1))
    out.append(source[at:loop.end_offset].decode("utf-8", "surrogateescape"))
    return "".join(out), marks


def apply_edits(source: bytes, edits: list[Edit]) -> bytes:
    """Apply non-overlapping edits; insertions at the same offset keep their order."""
    out: list[bytes] = []
    position = 0
    for edit in sorted(edits, key=lambda e: e.offset):  # sorted() is stable
        if edit.offset < position or edit.offset + edit.length > len(source):
            raise RewriteError(f"edit at byte {edit.offset} overlaps another or lies outside the file")
        out.append(source[position:edit.offset])
        out.append(edit.text.encode("utf-8", "surrogateescape"))
        position = edit.offset + edit.length
    out.append(source[position:])
    return b"".join(out)


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    """A `diff -u` style patch (a/ b/ prefixes, as git and `patch -p1` expect)."""
    old = before.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    new = after.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def with_line_directives(source: bytes, edits: list[Edit], original_path: str) -> bytes:
    """The rewritten source for a compiler: `#line` keeps every diagnostic at the original file and line.

    `#line 1 "path"` goes on top, and `#line N` after each inserted pragma, N being the line of the
    `for` in the original file.
    """
    quoted = original_path.replace("\\", "\\\\").replace('"', '\\"')
    eol = _line_ending(source, 0)
    marked = []
    for edit in edits:
        if edit.line is None:
            raise RewriteError("line directives need edits that know their line")
        if edit.line_marks:
            marked.append(edit.model_copy(update={"text": _with_marks(edit, eol)}))
            continue
        if edit.length:  # a replaced nest (--optimize): the code after it keeps its own line
            after = source.count(b"\n", 0, edit.offset + edit.length) + 1
            marked.append(edit.model_copy(update={"text": edit.text + f"{eol}#line {after}{eol}"}))
            continue
        marked.append(edit.model_copy(update={"text": edit.text + f"#line {edit.line}{eol}"}))
    result = apply_edits(source, marked)
    bom = b"\xef\xbb\xbf" if result.startswith(b"\xef\xbb\xbf") else b""  # stays the first bytes
    return bom + f'#line 1 "{quoted}"{eol}'.encode() + result[len(bom):]


def _with_marks(edit: Edit, eol: str) -> str:
    """The edit's text with `#line N` at each of its marks, each directive on a line of its own."""
    pieces, position = [], 0
    for at, line in sorted(edit.line_marks):
        pieces.append(edit.text[position:at])
        before = edit.text[:at]
        pieces.append(("" if before.endswith("\n") else eol) + f"#line {line}{eol}")
        position = at
    pieces.append(edit.text[position:])
    return "".join(pieces)


# ------------------------------------------------------------------------------------------- helpers

def _why_not_editable(source: bytes, tu: TranslationUnit, loop: Loop) -> Optional[str]:
    if not loop.in_main_file:
        return "not edited: the loop is in another file (a header)"
    if loop.from_macro:
        return "not edited: the loop comes from a macro expansion"
    if loop.opt_out:
        return "not edited: `autopar: off` applies to this loop"
    if loop.existing_pragma or omp_pragma_above(source, loop.offset):
        return "not edited: the loop already has an omp pragma"
    if loop.inside_omp_construct or any(a.existing_pragma or omp_pragma_above(source, a.offset)
                                        for a in tu.ancestors(loop.id)):
        return "not edited: the loop is inside an existing omp construct"
    if source[loop.offset:loop.offset + 3] != b"for":
        return "not edited: the file no longer matches the analysis (no `for` at the loop's offset)"
    start = _line_start(source, loop.offset)
    if source[start:loop.offset].strip(b" \t\f\v"):
        return "not edited: other code precedes the `for` on its line"
    if _continued_from_above(source, start):
        return "not edited: the previous line continues onto the `for` line"
    hint = _hint_pragma_above(source, start)
    if hint:
        return f"not edited: `{hint}` sits on the loop, and an omp pragma must be right above the `for`"
    return None


def _hint_pragma_above(source: bytes, line_start: int) -> Optional[str]:
    """A pragma that is not omp (`#pragma GCC ivdep`, `#pragma unroll`) on the nearest line above that
    is not blank or a comment; gcc accepts an omp pragma neither above nor below one."""
    end = line_start
    while end > 0:
        start = _line_start(source, end - 1)
        line = source[start:end].strip()
        end = start
        if not line or line.startswith(b"//") or (line.startswith(b"/*") and line.endswith(b"*/")):
            continue
        words = line.lstrip(b"#").split()
        if line.startswith(b"#") and words[:1] == [b"pragma"] and words[1:2] != [b"omp"]:
            return " ".join(w.decode("utf-8", "surrogateescape") for w in [b"#pragma", *words[1:]])
        return None
    return None


def _line_start(source: bytes, offset: int) -> int:
    return source.rfind(b"\n", 0, offset) + 1


def _continued_from_above(source: bytes, line_start: int) -> bool:
    """Whether the text before `line_start`, line breaks aside, ends in a backslash that continues onto
    this line. Scans back from `line_start` instead of copying the file up to it: it runs for every loop."""
    end = line_start
    while end > 0 and source[end - 1] in b"\r\n":
        end -= 1
    return end > 0 and source[end - 1] == ord("\\")


def _line_ending(source: bytes, line_start: int) -> str:
    """The line ending of the line before `line_start`, else of the file's first line, else LF."""
    if line_start >= 2 and source[line_start - 2:line_start] == b"\r\n":
        return "\r\n"
    if line_start >= 1:
        return "\n"
    first = source.find(b"\n")
    return "\r\n" if first > 0 and source[first - 1:first] == b"\r" else "\n"


def omp_pragma_above(source: bytes, offset: int) -> Optional[str]:
    """The omp pragma on the nearest non-blank line above the `for` at `offset`, continuation lines
    joined, or None. The rewriter's own check, so that a second run changes nothing even when the
    front end did not record the pragma."""
    found = omp_pragma_span(source, offset)
    return found[2] if found else None


def omp_pragma_span(source: bytes, offset: int) -> Optional[tuple[int, int, str]]:
    """(start byte, end byte, normalised text) of the omp pragma line(s) right above the `for` at
    `offset` (blank lines between allowed), or None."""
    end = _line_start(source, offset)
    while end > 0:
        start = _line_start(source, end - 1)
        if source[start:end].strip():
            while _continued_from_above(source, start):
                start = _line_start(source, start - 1)  # the first line of a continued directive
            text = source[start:end].decode("utf-8", "surrogateescape")
            line = " ".join(text.replace("\\\r\n", " ").replace("\\\n", " ").split())
            words = line.lstrip("#").split()
            if line.startswith("#") and words[:2] == ["pragma", "omp"]:
                return start, end, "#pragma " + " ".join(words[1:])
            return (start, end, line) if line.startswith('_Pragma("omp') else None
        end = start
    return None


__all__ = ["render_pragma", "Schedule", "Edit", "RewritePlan", "RewriteError", "plan_rewrite", "omp_pragma_above",
           "omp_pragma_span", "apply_edits", "unified_diff", "with_line_directives"]
