"""`autopar check`: a whole project, for CI. Findings are loops left serial that could run in parallel,
and existing omp pragmas the analysis cannot show to be safe.

Files are analyzed in separate processes (libclang is not thread-safe within one index). Output is
text, JSON or SARIF 2.1.0 (autopar.report.sarif).
"""

from __future__ import annotations

import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Optional

from pydantic import BaseModel, Field

from autopar.edit import thread_copies
from autopar.edit.versioning import copies_checked, versioned_by_rewrite
from autopar.ir import Loop, TranslationUnit
from autopar.plans.plan import CONDITIONAL_LASTPRIVATE, INSPECTION
from autopar.plans.reasons import ALIAS_UNBOUNDED, CARRIED_OUTPUT, MISSING_CLAUSE, REGION_PRIVATE_ARRAY
from autopar.process import configure_program
from autopar.report import REPORT_VERSION, FileReport
from autopar.report.findings import (MISSED, RULE_CODES, SIMD, UNSAFE, Finding,  # noqa: F401
                                     line_fix)
from autopar.frontend import compdb
from autopar.inputs import not_a_file
from autopar.edit.atomic_updates import ATOMIC
from autopar.report.check_restrict import restrict_finding  # noqa: F401  (explain's hint too)
from autopar.report.check_clauses import clause_problems, within_safelen
from autopar.report.check_critical import CriticalSections, critical_sections, without_guarded
from autopar.report.check_overlap import overlap_finding, unchecked_condition_finding, zero_trip_finding
from autopar.report.check_regions import (private_array_problems, region_has_unordered_code, region_private,
                                          region_problems, with_region_private)
from autopar.report.check_updates import (UserAtomics, array_clause_problems, atomic_enough, closest_plans,
                                          linear_missing, loop_extents, missing_atomics_finding, sections_missing,
                                          shared_by, user_atomics, with_atomic_ranges)
from autopar.frontend.omp_pragmas import OmpPragma, omp_macro_names, parse_omp_pragma
from autopar.report.check_versioned import missed_beside_copies, missed_message, switched_off_by_guard, without_pragmas


class CheckError(Exception):
    """Bad input for the whole run (no files, no compilation database): a usage error."""


class FileCheck(BaseModel):
    path: str
    report: FileReport
    findings: list[Finding] = Field(default_factory=list)
    # loops whose existing pragma was not judged: they synchronize in a way the analysis does not
    # model (ordered, locks, atomic capture, a critical section around an unknown call, ...)
    unjudged: list[str] = Field(default_factory=list)


class CheckResult(BaseModel):
    version: int = REPORT_VERSION
    files: list[FileCheck] = Field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for file in self.files for f in file.findings]

    @property
    def failed_files(self) -> list[FileCheck]:
        return [f for f in self.files if f.report.failed]


# ----------------------------------------------------------------------------------------- inputs

def project_files(files: list[str], build_dir: Optional[str]) -> list[str]:
    """FILE... as given, or every source of BUILD_DIR/compile_commands.json (absolute, deduplicated)."""
    if files:
        problems = [p for p in map(not_a_file, files) if p]
        if problems:
            raise CheckError("; ".join(problems))
        return list(files)
    try:
        database = compdb.load(build_dir or ".")
    except compdb.DatabaseError as error:
        raise CheckError(str(error)) from None
    found = database.files()
    if not found:
        raise CheckError(f"{database.path} lists no source files")
    return found


# ---------------------------------------------------------------------------------------- one file

def check_file(path: str, compile_args: list[str], build_dir: Optional[str], reasoner=None,
               thresholds: tuple[float, float] = (0, 0)) -> FileCheck:
    """`thresholds`: (minimum trip count, minimum estimated work) of a missed-parallel-loop finding."""
    from autopar.plans.candidates import trip_count, work
    from autopar.edit.transform import transform_file

    # a finding's fix is one inserted line for one loop: a work threshold stays an if() clause, and
    # each loop is its own region
    # (findings_only: a plan written as code around its loop is reported, never applied, even where
    # its runtime check would need a serial copy)
    result = transform_file(path, compile_args, build_dir, reasoner=reasoner, versioning=False,
                            share_regions=False, team_gate=False, findings_only=True)  # each fix is one pragma line
    check = FileCheck(path=path, report=result.report)
    if result.failed or result.analysis is None or result.analysis.tu is None:
        return check
    tu = result.analysis.tu
    reported = {r.id: r for r in result.report.loops}
    edits_of: dict[str, int] = {}
    for edit in result.edits:
        edits_of[edit.loop_id] = edits_of.get(edit.loop_id, 0) + 1
    # (a claim's or an atomic update's edits in the loop's body)
    claimed = {edit.loop_id for edit in result.edits if edit.in_line and edit.text != ATOMIC}
    atomic = {edit.loop_id for edit in result.edits if edit.in_line and edit.text == ATOMIC}
    broken: set[int] = set()  # lines a fix already breaks (the first loop of a line gets that fix)
    for edit in result.edits:
        if edit.pragma is None:
            continue  # the closing part of a plan written around its loop (an array reduction's copies)
        loop = tu.loop(edit.loop_id)
        loop_report = reported.get(loop.id)
        rule = SIMD if (edit.pragma or "").startswith("#pragma omp simd") else MISSED
        if rule == MISSED and thresholds != (0, 0):
            trip, symbolic = trip_count(tu, loop)
            if (not symbolic and trip < thresholds[0]) or work(tu, loop) < thresholds[1]:
                continue
        # a plan written as code around the loop (autopar.edit.thread_copies), or whose check calls a helper
        # defined above the function (an index array's inspection), is no one-line fix: `rewrite` makes it
        inspects = INSPECTION in edit.pragma
        conditional = CONDITIONAL_LASTPRIVATE in edit.pragma  # (its macro: lastprivate(conditional:) where gcc has it)
        one_line = edits_of[edit.loop_id] == 1 and not inspects and not conditional
        needs = ("the helper function its runtime check calls" if inspects
                 else "the macro of its conditional lastprivate clause, which clang and older gcc do not compile "
                      "correctly" if conditional
                 else "the compare-and-swap its claims need, in and around the loop" if edit.loop_id in claimed
                 else "the atomic directives its updates need, in the loop's body" if edit.loop_id in atomic
                 else "the code around the loop that the reduction needs")
        check.findings.append(Finding(
            rule=rule, path=path, line=loop.line, column=loop.column, loop_id=loop.id,
            function=loop.function, pragma=edit.pragma,
            **(_pragma_fix(result.source, loop, edit, broken) if one_line else {}),
            message=missed_message(loop, edit.pragma or "", loop_report.proof if loop_report else None)
            + ("" if one_line else f" (the pragma alone is not enough: `autopar rewrite` writes {needs})"),
            reasons=loop_report.reasons if loop_report else [],
            codes=loop_report.codes if loop_report else []))
    check.findings += missed_beside_copies(result, tu, reported, set(edits_of), thresholds)
    for loop in tu.loops:
        finding = _judge_existing_pragma(result.source, tu, loop.id, check.unjudged)
        if finding is not None:
            check.findings.append(finding.model_copy(update={"path": path}))
    parallel = {loop.id for loop in tu.loops if getattr(reported.get(loop.id), "parallel", False)}
    for loop in tu.loops:
        loop_report = reported.get(loop.id)
        if loop_report is None or loop.id in parallel or ALIAS_UNBOUNDED not in loop_report.codes or \
                any(a.id in parallel for a in tu.ancestors(loop.id)):
            continue
        finding = restrict_finding(result.source, tu, loop, compile_args)
        if finding is not None:
            check.findings.append(finding.model_copy(update={"path": path, "reasons": loop_report.reasons,
                                                             "codes": loop_report.codes}))
    return check


def _pragma_fix(source: bytes, loop: Loop, edit, broken: set[int]) -> dict:
    """The fix of a missed loop: its pragma line inserted above the `for` line, or, where other code
    precedes the `for` on its line, that line replaced by its broken form (autopar.edit.rewrite); none
    for a second loop of a line another fix replaces (two fixes would overlap)."""
    from autopar.edit.edit_sites import start_of_line

    description = f"Insert `{edit.pragma}`"
    start = start_of_line(source, edit.offset)
    if start == edit.offset and not edit.length:
        return line_fix(source, loop.line, loop.line, edit.text, description)
    if loop.line in broken:
        return {}
    broken.add(loop.line)
    end = source.find(b"\n", edit.offset)
    end = len(source) if end < 0 else end + 1
    line = source[start:edit.offset] + edit.text.encode("utf-8", "surrogateescape") + \
        source[edit.offset + edit.length:end]
    return line_fix(source, loop.line, loop.line + 1, line.decode("utf-8", "surrogateescape"), description)


def _judge_existing_pragma(source: bytes, tu: TranslationUnit, loop_id: str,
                           unjudged: Optional[list[str]] = None) -> Optional[Finding]:
    """For a loop under an existing `omp ... for` pragma: analyze it as if the pragma were absent.

    A finding when the analysis finds no legal plan for it, or when the pragma lacks a clause that every
    legal plan needs (a reduction, private or lastprivate variable). The user's atomic updates count as
    written (autopar.report.check_updates), and what its critical sections alone touch is guarded
    (autopar.report.check_critical); a loop that synchronizes otherwise (ordered, barriers, locks) is
    not judged: the analysis does not model that synchronization.
    """
    from autopar.edit.edit_sites import omp_pragma_span, shares_line

    loop = tu.loop(loop_id)
    if not loop.in_main_file or loop.from_macro:  # not judged; a header loop's offset is not into `source`
        if unjudged is not None and loop.in_main_file and _expands_a_pragma(source, loop):
            unjudged.append(loop.id)  # (counted: a loop whose pragma a macro writes is not judged)
        return None
    if loop.existing_pragma is None and shares_line(source, loop):
        return None  # (`for (i..) for (j..)`: the pragma above the line is the first loop's)
    span = omp_pragma_span(source, loop.offset)
    pragma = loop.existing_pragma or (span[2] if span else None)
    if pragma and not pragma.startswith(("#", "_Pragma")):  # (`PFOR`, a macro of a header: its text unseen)
        if unjudged is not None:
            unjudged.append(loop.id)
        return None
    parsed = parse_omp_pragma(pragma or "")
    words = set(parsed.directive)
    if not words & (_JUDGED | _UNJUDGED | {"parallel"}):
        return None  # not a loop construct (`omp critical` on the loop statement, ...)
    if words & _UNJUDGED or not words & _JUDGED or parsed.clauses_named("nowait") or \
            region_has_unordered_code(source, loop, combined="parallel" in words):
        # the team runs it otherwise than a worksharing loop (tasks, teams, every thread the whole loop),
        # or later statements of the region may overlap it (nowait): not modelled
        if unjudged is not None:
            unjudged.append(loop.id)
        return None
    if span and thread_copies.written_by_rewrite(source, span[0]):
        return None  # rewrite's per-thread copies: the analysis proved the plan, the code is its rendering
    atomics = user_atomics(source, tu, loop)  # (read from the text: a macro that holds an atomic directive too)
    sections = critical_sections(source, tu, loop, frozenset(v for c in parsed.clauses for v in c.variables))
    if atomics is None or sections is None:
        if unjudged is not None:
            unjudged.append(loop.id)
        return None
    # (an `omp for` in the user's region: the region's own scalars and arrays stay each thread's)
    own = region_private(source, loop) if "parallel" not in parsed.directive else {}
    bare, nest, verdict = _analyzed(source, tu, loop, parsed, atomics, span, sections, own)
    common = dict(rule=UNSAFE, path=tu.path, line=loop.line, column=loop.column, loop_id=loop.id,
                  function=loop.function, existing_pragma=pragma)
    first, last, indentation, eol = _pragma_lines(source, span)  # (the fix replaces them)
    if verdict is None or not verdict.parallelizable:
        reasons = verdict.reasons if verdict else ["the loop was not analyzed"]
        if span:
            common.update(line_fix(source, first, last, "", f"Remove `{pragma}`"))
        return Finding(**common, reasons=reasons, codes=verdict.codes if verdict else ["not-analyzed"],
                       message=f"`{pragma}` may be unsafe: autopar cannot show that the iterations of "
                               f"this loop are independent ({'; '.join(reasons)})")
    plans = [c.plan for c in nest.candidates if c.plan.loop_id == loop.id]
    if not plans:
        return None
    # (the branch of a versioned loop `rewrite` wrote: its overlap test is the `if` around it)
    tested = loop.end_offset is not None and versioned_by_rewrite(source, loop.end_offset)
    conditional = (None if tested else overlap_finding(bare, loop, plans, common)) or \
        zero_trip_finding(plans, parsed, common)
    if conditional is not None:
        return conditional
    if any(p.claims for p in plans):  # legal only with the compare-and-swap `rewrite` writes in the body
        arrays = ", ".join(dict.fromkeys(c.array for p in plans for c in p.claims))
        return Finding(**common, reasons=["two iterations may claim one element at once"], codes=["missing-claims"],
                       message=f"`{pragma}` races on {arrays}: two iterations may claim one element at once; the "
                               "loop runs in parallel only with the compare-and-swap `autopar rewrite` writes for "
                               "its claims (remove the pragma and rewrite)")
    extents = loop_extents(loop)
    if all(p.atomic_updates and not atomic_enough(p, atomics, parsed, extents) for p in plans):
        return missing_atomics_finding(plans, parsed, common)
    plans, problems = _clause_problems(bare, loop, parsed, plans, atomics, extents, set(own))
    if not problems:
        return None if tested else _unchecked_condition(source, plans, parsed, verdict.reasons, common,
                                                        _pragma_lines(source, span) if span else None)
    return _missing_clauses(source, plans, parsed, problems, common, span)


def _expands_a_pragma(source: bytes, loop: Loop) -> bool:
    """Whether the macro the loop comes from (the name its expansion starts at) holds an omp pragma."""
    named = re.match(rb"[A-Za-z_]\w*", source[loop.offset:loop.offset + 256])
    return named is not None and named.group().decode() in omp_macro_names(source)


# loop constructs whose iterations are shared out as `for`'s are (a simd loop's too: what may run in
# parallel may run in SIMD chunks), and those judged no further
_JUDGED = {"for", "loop", "simd"}
_UNJUDGED = {"taskloop", "distribute"}  # (and a bare `parallel`: each thread runs the whole loop)


def _missing_clauses(source: bytes, plans: list, parsed: OmpPragma, problems: list[tuple[str, str]], common: dict,
                     span) -> Finding:
    """The finding of a pragma that lacks clauses, its fix the analysis's own plan for the loop, the
    one closest to the user's construct (clauses fixed, nothing added: no work threshold the user did
    not ask for). A plan whose clauses need an iteration is no one-line fix: its test must go around
    the loop (an if() clause that is false still runs the clauses)."""
    from autopar.plans.plan import render_pragma

    pragma = common["existing_pragma"]
    same = [p for p in plans if p.collapse == parsed.collapse and p.threshold_check is None and
            ("simd" in parsed.directive) == ("simd" in p.directive.value)]
    chosen = (same or plans)[0]
    if chosen.locations:  # (argmin, argmax: per-thread copies around the loop, no pragma alone)
        names = ", ".join(dict.fromkeys(name for name, _ in problems))
        return Finding(**common, reasons=[text for _, text in problems], codes=["missing-clause"] * len(problems),
                       message=f"`{pragma}` races on {names}: {'; '.join(text for _, text in problems)}; "
                               "`autopar rewrite` writes the per-thread copies it needs around the loop")
    runs = chosen.runs_check
    safe = render_pragma(chosen.model_copy(update={"runs_check": None}) if runs else chosen)
    # (the standard spelling in the user's own pragma: rewrite's macro for it is defined only where it writes one)
    safe = re.sub(rf"\b{CONDITIONAL_LASTPRIVATE}\d+_\(", "lastprivate(conditional: ", safe)
    if "parallel" not in parsed.directive:  # a worksharing loop of the user's region: no region of its own
        safe = re.sub(r"^#pragma omp parallel for\b", "#pragma omp for", safe)
        span = span if " if(" not in safe else None  # (an if() clause belongs to the region: no fix)
    first, last, indentation, eol = _pragma_lines(source, span)
    fix = line_fix(source, first, last, indentation + safe + eol, f"Replace it by `{safe}`") if span and not runs else {}
    names = ", ".join(dict.fromkeys(name for name, _ in problems))
    return Finding(**common, **fix, pragma=safe, reasons=[text for _, text in problems],
                   codes=["missing-clause"] * len(problems),
                   message=f"`{pragma}` races on {names}: {'; '.join(text for _, text in problems)}; "
                           f"a safe form is `{safe}`" + (f", run only when the loop runs (`if ({runs})` around it)"
                                                         if runs else ""))


def _unchecked_condition(source: bytes, plans: list, parsed: OmpPragma, reasons: list[str], common: dict,
                         lines) -> Optional[Finding]:
    """The conditional-omp-pragma note (autopar.report.check_overlap.unchecked_condition_finding), its fix
    the pragma with the plan's run-time check as an if() clause, where `lines` (_pragma_lines) place it:
    not where the check calls a helper `rewrite` defines, or names a variable the plan copies per
    thread (a region of one thread still copies it)."""
    pragma = common["existing_pragma"]
    check = plans[0].alias_check if plans else None
    fix = None
    if lines and check and "parallel" in parsed.directive and "autopar_" not in check and not copies_checked(plans[0]):
        first, last, indentation, eol = lines
        checked = f"{pragma} if({check})"
        fix = line_fix(source, first, last, indentation + checked + eol, f"Replace it by `{checked}`")
    return unchecked_condition_finding(plans, parsed, reasons, common, fix)


def _pragma_lines(source: bytes, span) -> tuple[Optional[int], Optional[int], str, str]:
    """(first line, last line, indentation, line ending) of the pragma's own lines, when found in the text."""
    if not span:
        return None, None, "", "\n"
    text = source[span[0]:span[1]]
    return (source.count(b"\n", 0, span[0]) + 1, source.count(b"\n", 0, span[1]) + 1,
            text[:len(text) - len(text.lstrip())].decode("utf-8", "surrogateescape"),
            "\r\n" if text.endswith(b"\r\n") else "\n")


def _clause_problems(bare: TranslationUnit, loop: Loop, parsed: OmpPragma, plans: list, atomics: UserAtomics,
                     extents: dict[str, Optional[int]], own: set[str]) -> tuple[list, list[tuple[str, str]]]:
    """(the plans the pragma can take, closest first; (variable, why) for each clause it lacks or gets
    wrong against the closest): array sections, linear counters, arrays' and scalars' classes (`own`:
    what each thread of the user's region has a copy of already, needing no clause to be private)."""
    plans = closest_plans(plans, atomics, parsed, extents)
    counters = {l.canonical.induction_variable for l in [loop, *bare.descendants(loop.id)] if l.canonical}
    problems = sections_missing(plans[0], parsed, extents) + linear_missing(plans[0], parsed, counters) + \
        array_clause_problems(bare.loop(loop.id), parsed, plans[0], plans, own) + [
            (name, why) for name, why in clause_problems(bare, bare.loop(loop.id), parsed)
            if not (name in atomics.scalars and shared_by(parsed, name))]  # (updated atomically: shared is right)
    return plans, problems


def _analyzed(source: bytes, tu: TranslationUnit, loop: Loop, parsed: OmpPragma, atomics: UserAtomics, span,
              sections: CriticalSections, own: dict[str, str]):
    """(the unit as the analysis reads it, the nest's analysis, the loop's verdict): the pragma left out,
    the user's region's private scalars, atomic updates as written and what critical sections guard
    left out, switched-off statements read as rewrite writes them, and a loop `collapse` takes in
    that cannot run in parallel as the verdict."""
    from autopar.plans.candidates import analyze_nest
    from autopar.plans.candidates.legality import NestContext

    bare = without_pragmas(tu, loop.id)
    if sections.guarded or sections.calls:
        bare = without_guarded(bare, bare.loop(loop.id), sections)
    unreached: list[tuple[str, str]] = []  # (code, why)
    if "parallel" not in parsed.directive:  # (`own`: region_private)
        unreached = [(MISSING_CLAUSE, why) for why in region_problems(bare.loop(loop.id), own)] + \
            [(REGION_PRIVATE_ARRAY, why) for why in private_array_problems(source, loop)]
        bare = with_region_private(bare, bare.loop(loop.id), own)
    if atomics.statements:
        bare = with_atomic_ranges(bare, bare.loop(loop.id), atomics, source)
    root = (bare.ancestors(loop.id) or [bare.loop(loop.id)])[0]
    ctx = NestContext(bare, root)
    nest = analyze_nest(bare, root, ctx)
    verdict = next((v for v in nest.verdicts if v.loop_id == loop.id), None)
    if verdict is not None and not verdict.parallelizable and within_safelen(ctx, bare.loop(loop.id), parsed):
        return bare, nest, verdict.model_copy(update={"parallelizable": True})  # (no plan: nothing more to judge)
    if not (verdict and verdict.parallelizable) and span and (switched := switched_off_by_guard(source, tu, loop, span[0])):
        bare, nest, verdict = switched  # (rewrite's form for switched-off statements, or the user's own)
    if verdict is not None and verdict.parallelizable:
        verdict = _folded_blocker(bare, nest, loop, parsed.collapse) or verdict
    if verdict is not None and verdict.parallelizable and unreached:
        verdict = verdict.model_copy(update={"parallelizable": False, "reasons": [why for _, why in unreached],
                                             "codes": [code for code, _ in unreached]})
    return bare, nest, verdict


def _folded_blocker(tu: TranslationUnit, nest, loop: Loop, collapse: int):
    """The verdict of a loop that `collapse(n)` folds into the pragma's loop and that cannot run in
    parallel, its reasons saying so; None when every folded loop can."""
    current = loop
    for _ in range(collapse - 1):
        if not current.children:
            return None
        current = tu.loop(current.children[0])
        found = next((v for v in nest.verdicts if v.loop_id == current.id), None)
        if found is not None and not found.parallelizable:
            return found.model_copy(update={"reasons": [f"collapse({collapse}) takes in the loop on line "
                                                        f"{current.line}: {r}" for r in found.reasons]})
    if collapse > 1 and not any(c.plan.loop_id == loop.id and c.plan.collapse >= collapse for c in nest.candidates):
        # each loop may run in parallel alone (the inner one with a reduction or atomic updates of its
        # own: `row[i] += a[i][j]`), but no legal plan runs them as one
        from autopar.plans.plan import LoopVerdict

        return LoopVerdict(loop_id=loop.id, parallelizable=False, codes=[CARRIED_OUTPUT], reasons=[
            f"collapse({collapse}) takes in the loop on line {current.line}, and no legal plan runs the "
            f"{collapse} loops as one: the iterations of the inner loops may touch the same elements"])
    return None


# --------------------------------------------------------------------------------------- a project

def _check_one(job: tuple, reasoner=None) -> FileCheck:
    path, args, build_dir, thresholds = job
    try:
        return check_file(path, args, build_dir, reasoner, thresholds)
    except Exception as error:  # one bad file must not sink the run; it is reported as failed
        return FileCheck(path=path, report=FileReport(path=path, error=f"internal error: {error!r}"))


def check_project(files: list[str], build_dir: Optional[str], compile_args: list[str],
                  jobs: int = 1, reasoner=None, thresholds: tuple[float, float] = (0, 0)) -> CheckResult:
    """Check every file. With a reasoner (a loaded model) the files are checked one after another in
    this process: the model is loaded once and cannot be shared with worker processes."""
    paths = project_files(files, build_dir)
    work = [(path, compile_args, build_dir, thresholds) for path in paths]
    progress = _progress(len(work))
    results: list[FileCheck] = []
    if jobs > 1 and len(work) > 1 and reasoner is None:
        # (a worker is autopar's own process, however it was started: fork, spawn or forkserver)
        with ProcessPoolExecutor(max_workers=min(jobs, len(work)), initializer=configure_program) as pool:
            futures = [pool.submit(_check_one, job) for job in work]
            for (path, *_), future in zip(work, futures):
                try:
                    check = future.result()
                except BrokenProcessPool:  # a crash in native code (libclang, isl) took a worker down
                    check = FileCheck(path=path, report=FileReport(
                        path=path, error="not analyzed: an analysis process crashed"))
                results.append(check)
                progress(path)
    else:
        for job in work:
            results.append(_check_one(job, reasoner))
            progress(job[0])
    progress(None)
    return CheckResult(files=results)


def _progress(total: int):
    """A rich progress bar on stderr when it is a terminal; otherwise nothing at all."""
    if not sys.stderr.isatty():
        return lambda path: None
    from rich.markup import escape
    from rich.progress import Progress

    from autopar.report.output import console

    bar = Progress(transient=True, console=console(sys.stderr))  # --color, NO_COLOR
    task = bar.add_task("checking", total=total)
    bar.start()

    def advance(path: Optional[str]) -> None:
        if path is None:
            bar.stop()
        else:
            bar.update(task, advance=1, description=escape(os.path.basename(path)))  # `[` is markup
    return advance


# ------------------------------------------------------------------------------------------ output

# --fail-on levels. `warning` (the default) is every warning-level rule; `missed` is its older name,
# kept so that existing command lines keep their meaning (an unsafe pragma has always failed it).
FAIL_LEVELS = {"warning": (MISSED, UNSAFE), "missed": (MISSED, UNSAFE), "unsafe": (UNSAFE,), "any": RULE_CODES,
               "none": ()}


def exit_status(result: CheckResult, fail_on, allow_unanalyzed: bool = False, skipped: int = 0) -> int:
    """0 clean; 1 findings of a rule that `fail_on` names, or a file that could not be analyzed
    (also one of the `skipped` inputs, which were not analyzed for their names; unless `allow_unanalyzed`). `fail_on`: one of warning|missed|unsafe|any|none or rule codes, or a
    list of them; `none` never fails. (2, usage, is the command line's.)"""
    names = [fail_on] if isinstance(fail_on, str) else list(fail_on)
    if "none" in names:
        return 0
    rules = {rule for name in names for rule in FAIL_LEVELS.get(name, (name.removeprefix("autopar/"),))}
    if any(f.rule in rules for f in result.findings):
        return 1
    return 1 if (result.failed_files or skipped) and not allow_unanalyzed else 0
