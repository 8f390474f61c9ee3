"""`check` on updates of shared elements under a user's pragma: the user's own atomic updates
(`#pragma omp atomic` above `hist[k]++;`, or `_Pragma("omp atomic") total += v;`), and the array
reductions a loop needs (`reduction(+: hist[:NB])`).

Each such statement is read from the text. An array element it updates is given the statement's
range (Access.update_range), so the analysis judges the array as it judges the atomic updates
`rewrite` writes: a plan that needs atomic updates is safe when every one of them is already atomic.
A scalar that the loop touches only as the target of atomic updates with one operator needs no
reduction clause. Anything else in the loop is judged as in any other loop; a loop that
synchronizes another way (ordered, barrier, locks, an atomic read, write or capture, an
update written `x = x + v`) is not judged at all; critical sections are read by
autopar.report.check_critical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from autopar.deps.isl_text import parenthesized
from autopar.edit.atomic_updates import ATOMIC_IN_TEXT
from autopar.frontend.omp_pragmas import mask_comments, parse_omp_pragma, source_lines
from autopar.frontend.omp_pragmas import OmpPragma
from autopar.ir import Loop, TranslationUnit
from autopar.plans.plan import Plan
from autopar.report.findings import Finding

_OPERATOR_IN_CODE = re.compile(rb'_Pragma\s*\(\s*"(?:\\.|[^"\\\n])*"\s*\)')
_OTHER_SYNCHRONIZATION = {"ordered", "barrier"}  # (directives: not judged; critical: autopar.report.check_critical)
_CLAUSES = {"update", "seq_cst", "relaxed", "acq_rel", "release", "acquire", "hint"}
_COMPOUND = re.compile(r"(?<![+\-*/%&|^<>=!])([+\-*&|^])=(?!=)")
_OPERATOR = {"+": "+", "-": "+", "*": "*", "&": "&", "|": "|", "^": "^"}
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@dataclass
class AtomicStatement:
    start: int  # the statement's first byte
    end: int  # its `;`
    target: int  # where the element or variable it updates is spelled
    target_text: str
    op: str  # as Access.update: "+", "*", "&", "|", "^"


@dataclass
class UserAtomics:
    statements: list[AtomicStatement] = field(default_factory=list)
    scalars: set[str] = field(default_factory=set)  # touched in the loop only as atomic targets, one operator

    @property
    def ranges(self) -> set[tuple[int, int]]:
        return {(s.start, s.end) for s in self.statements}


def user_atomics(source: bytes, tu: TranslationUnit, loop: Loop) -> Optional[UserAtomics]:
    """The loop's atomic update statements, or None when it synchronizes in a way not modelled. A
    loop whose end the front end does not give is judged only where nothing on its lines synchronizes
    (an atomic directive, `_Pragma` too, included)."""
    lines = source_lines(source)
    directives = {p.directive[0] for p in lines.omp_between(loop.line, loop.end_line) if p.directive}
    if loop.end_offset is None:
        text = b"\n".join(source.splitlines()[loop.line - 1:loop.end_line])
        synchronizes = directives & {"atomic", *_OTHER_SYNCHRONIZATION} or b"omp_set_lock" in text or \
            ATOMIC_IN_TEXT.search(text) is not None
        return None if synchronizes else UserAtomics()
    if b"omp_set_lock" in source[loop.offset:loop.end_offset] or directives & _OTHER_SYNCHRONIZATION:
        return None
    code = mask_comments(source[:loop.end_offset])
    used = set(re.findall(rb"[A-Za-z_]\w*", code[loop.offset:loop.end_offset]))
    if used & _pragma_macros(source):
        return None  # (`ATOMIC h[k]++;` with `#define ATOMIC _Pragma("omp atomic")`: not read here)
    found = UserAtomics()
    places: list[tuple[int, int, str]] = [(d.start, d.end, d.text) for d in lines.omp  # (continued lines joined)
                                          if loop.line <= d.first_line <= loop.end_line]
    for m in _OPERATOR_IN_CODE.finditer(code, loop.offset, loop.end_offset):
        if lines.line(lines.line_of(m.start())).kind != "directive":  # (one alone on its line is above)
            places.append((m.start(), m.end(), m.group().decode("utf-8", "replace")))
    for start, end, text in sorted(places):
        pragma = parse_omp_pragma(text)
        if pragma.directive[:1] != ["atomic"]:
            continue  # another omp directive (`simd` on an inner loop)
        if pragma.directive not in (["atomic"], ["atomic", "update"]) or \
                any(c.name not in _CLAUSES for c in pragma.clauses):
            return None
        statement = _statement(code, end, loop.end_offset)
        if statement is None:
            return None
        found.statements.append(statement)
    found.scalars = _atomic_scalars(code, loop, found.statements, [(start, end) for start, end, _ in places])
    return found


def _statement(code: bytes, after: int, limit: int) -> Optional[AtomicStatement]:
    """The update statement that starts after a directive: `lvalue op= value`, `lvalue++`, `++lvalue`."""
    start = after
    while start < limit and code[start:start + 1].isspace():
        start += 1
    end = code.find(b";", start, limit)
    if end < 0:
        return None
    text = code[start:end].decode("utf-8", "replace")
    if re.search(r"[{}]", text):
        return None
    stripped = text.rstrip()
    if stripped.startswith(("++", "--")):
        lead = len(stripped) - len(stripped[2:].lstrip())
        return _target(start, end, start + lead, stripped[lead:], "+")
    if stripped.endswith(("++", "--")):
        return _target(start, end, start, stripped[:-2], "+")
    m = _COMPOUND.search(stripped)
    if m is None:
        return None  # `x = x + v` and other forms: not read here
    return _target(start, end, start, stripped[:m.start()], _OPERATOR[m.group(1)])


def _target(start: int, end: int, at: int, text: str, op: str) -> AtomicStatement:
    """The statement with its target where the element's own text begins: `(h[k])++` at `h`."""
    text = text.rstrip()
    while parenthesized(text):
        inner = text[1:-1]
        at += 1 + len(inner) - len(inner.lstrip())
        text = inner.strip()
    return AtomicStatement(start, end, at, text, op)


def _pragma_macros(source: bytes) -> set[bytes]:
    """The names of the file's macros whose definition holds a `_Pragma` or an omp directive word."""
    return set(re.findall(rb"^[ \t]*(?:#|%:|\?\?=)[ \t]*define[ \t]+([A-Za-z_]\w*)[^\n]*(?:_Pragma|\bomp\b)", source, re.M))


def _atomic_scalars(code: bytes, loop: Loop, statements: list[AtomicStatement],
                    directives: list[tuple[int, int]]) -> set[str]:
    """The loop's outside scalars whose every mention in it is the target of an atomic update, all with
    one operator, and whose address no pointer can reach while the loop runs."""
    targets = {s.target: s for s in statements if _IDENTIFIER.fullmatch(s.target_text)}
    text = code[loop.offset:loop.end_offset].decode("utf-8", "replace")
    found = set()
    for use in loop.scalars:
        name = use.variable.name
        if use.declared_in_loop or use.address_taken and use.address_in_reach:
            continue
        ops = set()
        for m in re.finditer(rf"\b{re.escape(name)}\b", text):
            at = loop.offset + m.start()
            if any(start <= at < end for start, end in directives):
                continue
            statement = targets.get(at)
            if statement is None or statement.target_text != name:
                break
            ops.add(statement.op)
        else:
            if len(ops) == 1:
                found.add(name)
    return found


def with_atomic_ranges(tu: TranslationUnit, loop: Loop, atomics: UserAtomics, source: bytes) -> TranslationUnit:
    """The unit with each element update of an atomic statement given the statement's range, in every
    loop of the nest (the front end leaves it out where a directive sits in a nest)."""
    starts = source_lines(source).starts
    by_target = {s.target: s for s in atomics.statements}
    nest = {loop.id, *(l.id for l in tu.ancestors(loop.id)), *(l.id for l in tu.descendants(loop.id))}

    def marked(access):
        if not access.is_write or access.update is None or access.line > len(starts):
            return access
        statement = by_target.get(starts[access.line - 1] + access.column - 1)
        if statement is None or statement.op != access.update:
            return access
        return access.model_copy(update={"update_range": (statement.start, statement.end)})

    return tu.model_copy(update={"loops": [
        l.model_copy(update={"accesses": [marked(a) for a in l.accesses]}) if l.id in nest else l
        for l in tu.loops]})


# ------------------------------------------------------------------ what a plan needs of the pragma

def missing_atomics_finding(plans: list, parsed: OmpPragma, common: dict) -> Finding:
    """The finding of a pragma over a loop that is legal only with the atomic updates `rewrite`
    writes (or the user's own reduction of those arrays, a section that holds what it updates)."""
    arrays = list(dict.fromkeys(u.array for p in plans for u in p.atomic_updates))
    sections = [s for s in (user_section(parsed, a) for a in arrays) if s]
    races = (f"may race on {', '.join(arrays)}: autopar cannot show that the reduction's "
             f"{' and '.join(sections)} holds every element the loop updates, and two iterations may update "
             "one element at once" if sections else
             f"races on {', '.join(arrays)}: two iterations may update one element at once")
    return Finding(**common, reasons=["two iterations may update one element at once"],
                   codes=["missing-atomic-updates"],
                   message=f"`{common['existing_pragma']}` {races}; the loop runs in parallel only with `#pragma omp "
                           "atomic` on each of its updates (as `autopar rewrite` writes them)")


def loop_extents(loop: Loop) -> dict[str, Optional[int]]:
    """The length of each one-dimensional array of the loop spelled with a number, and None for each
    pointer the loop indexes (its length is unknown)."""
    extents: dict[str, Optional[int]] = {a.base.name: None for a in loop.accesses
                                         if a.subscripts and a.base.is_pointer and not a.base.is_array}
    extents.update({a.base.name: int(a.base.array_dims[0]) for a in loop.accesses
                    if a.base.is_array and len(a.base.array_dims) == 1 and (a.base.array_dims[0] or "").isdigit()})
    return extents



def user_reductions(pragma: OmpPragma) -> dict[str, str]:
    """Each variable (an array section: its base) the pragma reduces, with its operator (`-` as `+`)."""
    return {name: "+" if clause.modifier == "-" else (clause.modifier or "")
            for clause in pragma.clauses_named("reduction") for name in clause.variables}


def shared_by(pragma: OmpPragma, name: str) -> bool:
    """The pragma leaves `name` shared: no clause names it, and the default is shared."""
    return set(pragma.sharing(name) or [pragma.default]) <= {"shared"}


def atomic_enough(plan: Plan, atomics: UserAtomics, pragma: OmpPragma, extents: dict[str, Optional[int]]) -> bool:
    """The plan's atomic updates are atomic as written, on arrays the pragma leaves shared, or the
    pragma reduces those arrays with their operator (a section no shorter than `extents` says; a
    section of a pointer, None in `extents`, cannot be shown to hold the elements the loop updates:
    the plans with atomic updates are those whose updated elements the analysis could not bound)."""
    reduced = user_reductions(pragma)

    def whole(name: str) -> bool:
        section = user_section(pragma, name)
        if section is None or name not in extents:
            return True  # (an array whose length is spelled with a name: that name may be the length)
        return extents[name] is not None and _covers(section, f"{name}[0:{extents[name]}]")
    return all(reduced.get(u.array) == u.op and whole(u.array) or
               (u.start, u.end) in atomics.ranges and shared_by(pragma, u.array) for u in plan.atomic_updates)


def sections_missing(plan: Plan, pragma: OmpPragma, extents: dict[str, Optional[int]]) -> list[tuple[str, str]]:
    """(array, why) for each array section the plan reduces and the pragma does not, with its
    operator, or reduces a shorter section of (both spelled with numbers; a whole array: `extents`,
    the declared length of the loop's arrays)."""
    reduced = user_reductions(pragma)
    missing = []
    for reduction in plan.reductions:
        for variable in reduction.variables:
            base = variable.split("[")[0].strip()
            if "[" not in variable and extents.get(base) is not None and base in reduced:
                variable = f"{base}[0:{extents[base]}]"  # (a whole array: its declared length)
            if "[" not in variable:
                continue
            if reduced.get(base) != reduction.op.value:
                missing.append((base, f"two iterations may update one element of {base} at once; it needs "
                                      f"reduction({reduction.op.value}: {variable}), or `#pragma omp atomic` on "
                                      "each of its updates"))
            elif (given := user_section(pragma, base)) and not _covers(given, variable):
                missing.append((base, f"its reduction section {given} may not hold every element of {base} the "
                                      f"loop updates ({variable})"))
    return missing


def user_section(pragma: OmpPragma, base: str) -> Optional[str]:
    for clause in pragma.clauses_named("reduction"):
        m = re.search(rf"\b{re.escape(base)}\s*\[[^\]]*\]", clause.argument or "")
        if m:
            return re.sub(r"\s", "", m.group())
    return None


def _covers(given: str, needed: str) -> bool:
    """Whether the section `given` holds `needed` (`h[0:8]` holds `h[:8]`); True unless both are spelled
    with numbers and it does not (a name or a macro may be the same size)."""
    def bounds(section: str) -> Optional[tuple[int, int]]:
        m = re.fullmatch(r"\w+\[(\d*):(\d+)\]", re.sub(r"\s", "", section))
        return (int(m.group(1) or 0), int(m.group(1) or 0) + int(m.group(2))) if m else None
    mine, theirs = bounds(given), bounds(needed)
    return mine is None or theirs is None or mine[0] <= theirs[0] and theirs[1] <= mine[1]


def linear_missing(plan: Plan, pragma: OmpPragma, counters: set[str]) -> list[tuple[str, str]]:
    """(counter, why) for each counter the plan makes linear (`b[j] = ...; j += 2;`) that the pragma
    does not give that step (shared, each thread would advance the one counter; a step spelled other
    than with a number is taken as right), and for each variable the pragma makes linear that is no
    such counter (nor one of `counters`, the loops' own)."""
    missing = []
    for name, step in sorted(plan.linear.items()):
        given = [_step(c.modifier) for c in pragma.clauses_named("linear") if name in c.variables]
        if not any(g is None or g == step for g in given):
            missing.append((name, f"{name} advances by {step} in every iteration; it needs linear({name}:{step})"))
    for clause in pragma.clauses_named("linear"):
        for name in clause.variables:
            if name not in plan.linear and name not in counters:
                missing.append((name, f"{name} is not advanced by a constant in every iteration, but linear({name}) "
                                      "gives each iteration another value of it"))
    return missing


def _step(modifier: Optional[str]) -> Optional[int]:
    """A linear clause's step as a number (`2`, `(2)`, `+2`, `2L`); None where it is spelled otherwise."""
    text = re.sub(r"[\s()]", "", modifier or "1").lstrip("+")
    text = re.sub(r"(?<=\d)[uUlL]+$", "", text)
    return int(text) if re.fullmatch(r"-?\d+", text) else None


def closest_plans(plans: list[Plan], atomics: UserAtomics, pragma: OmpPragma,
                  extents: dict[str, Optional[int]]) -> list[Plan]:
    """The plans the pragma can take as written or with clauses added, fewest arrays to reduce first,
    each without reductions of the scalars the user updates atomically."""
    usable = [p for p in plans if not p.atomic_updates or atomic_enough(p, atomics, pragma, extents)]
    usable.sort(key=lambda p: len(sections_missing(p, pragma, extents)))
    return [p.model_copy(update={"reductions": [
        r.model_copy(update={"variables": [v for v in r.variables if v not in atomics.scalars]})
        for r in p.reductions if set(r.variables) - atomics.scalars]}) for p in usable]


def array_clause_problems(loop: Loop, pragma: OmpPragma, plan: Plan, plans: list[Plan],
                          own: set[str] = frozenset()) -> list[tuple[str, str]]:
    """(array, why) for each array of the loop that the pragma privatizes or reduces where the plan
    does not: a thread's copy of an array the loop writes loses those writes (or leaves the copy
    unset where it is read), and a reduction adds each thread's copy into an array the loop writes.
    And each work array that every plan of `plans` gives each thread a copy of (written before it is
    read in every iteration) that the pragma leaves shared, unless the user's region gives each thread
    one already (`own`): the threads overwrite each other's."""
    accessed = {a.base.name for a in loop.accesses if a.subscripts}
    written = {a.base.name for a in loop.accesses if a.is_write}
    reduced = {v.split("[")[0].strip(): r.op.value for r in plan.reductions for v in r.variables}
    reduced.update({u.array: u.op for u in plan.atomic_updates})
    copied = set.intersection(*({*p.private, *p.firstprivate, *p.lastprivate} for p in plans)) if plans else set()
    problems = [(name, f"every iteration writes {name} before it reads it, but the pragma leaves it shared: the "
                       f"threads overwrite each other's elements; it needs private({name})")
                for name in sorted(copied & accessed & written - own)
                if set(pragma.sharing(name) or [pragma.default]) <= {"shared"}]
    for name in sorted(accessed & {v for c in pragma.clauses for v in c.variables}):
        kinds = set(pragma.sharing(name))
        copies = kinds & {"private", "firstprivate", "lastprivate"}
        given = {k[len("reduction("):-1] for k in kinds if k.startswith("reduction(")}
        if copies and name in written and name not in {*plan.private, *plan.firstprivate, *plan.lastprivate}:
            problems.append((name, f"the loop writes {name}, but {' '.join(sorted(copies))}({name}) gives each "
                                   "thread a copy of it: the writes do not reach the array as the loop makes them"))
        elif copies and name not in written and copies == {"private"}:
            problems.append((name, f"private({name}) leaves {name} unset, but the loop reads it and never writes it"))
        # (a copy where the plan copies in or out too is not judged: the plan's copies are cautious,
        # and an expert's `private` work rows that every iteration fills are right)
        for op in given:
            if name in written and reduced.get(name) != ("+" if op == "-" else op):
                problems.append((name, f"{name} is not a {op} reduction in this loop: the reduction adds each "
                                       "thread's copy into what the loop writes"))
    return problems
