"""Array-section reductions (`hist[key[i]]++` over the loop) written as per-thread copies.

OpenMP 4.5 says `reduction(+: hist[:256])`, and gcc 12 gets it right; clang 14's runtime gives wrong
sums for it when another parallel region ran before (4 threads: 12571600 expected, 12543096 seen).
So the rewriter spells out what the clause means, in code both compilers get right: each thread
declares its own `hist`, initialized to the operator's identity (shadowing the shared one, so the
loop's own text is unchanged), runs its share of the iterations into it, and adds it into the shared
array under a named `critical` (for integer elements the order of the additions cannot matter;
floating-point ones, under the `allow` policy, may round differently, as any reduction's):

    { /* autopar: each thread updates its own copy of hist, added into hist after its share */
    long *const autopar_hist = hist;
    #pragma omp parallel
    {
    long hist[256] = {0};
    #pragma omp for nowait
    for (...) ... hist[k]++ ...
    #pragma omp critical(autopar_combine)
    {
    int autopar_k;
    for (autopar_k = 0; autopar_k < 256; autopar_k++) autopar_hist[autopar_k] += hist[autopar_k];
    }
    }
    }

Declarations come first in each block, so the code is C89 as well as C99 and C++.
"""

from __future__ import annotations

import re
from typing import Optional

from pydantic import BaseModel

from autopar.plans.plan import Plan

_SECTION = re.compile(r"([A-Za-z_]\w*)\[:(\d+)\]")
_IDENTITY = {"+": "0", "|": "0", "^": "0", "*": "1", "&": "~0"}


class Section(BaseModel):
    op: str  # the reduction operator: + * & | ^
    name: str  # a declared 1-D array of integers
    size: int


class ThreadCopies(BaseModel):
    opening: str  # the lines that go before the loop's own line
    closing: str  # the text that goes right after the loop statement


def sections(plan: Plan) -> list[Section]:
    """The array sections the plan reduces (`reduction(+: hist[:256])`), in the plan's order."""
    found = []
    for reduction in plan.reductions:
        for variable in reduction.variables:
            match = _SECTION.fullmatch(variable)
            if match:
                found.append(Section(op=reduction.op.value, name=match.group(1), size=int(match.group(2))))
    return found


def without_sections(plan: Plan) -> Plan:
    """The plan with only its scalar reductions and no locations: the clauses of the worksharing loop."""
    reductions = [r.model_copy(update={"variables": [v for v in r.variables if not _SECTION.fullmatch(v)]})
                  for r in plan.reductions]
    return plan.model_copy(update={"reductions": [r for r in reductions if r.variables], "locations": []})


def needed(plan: Plan) -> bool:
    """Whether the plan is written as code around its loop: it reduces array sections or locations."""
    return bool(plan.locations or sections(plan))


def render(plan: Plan, types: dict[str, str], for_pragma: str, indentation: str, eol: str,
           condition: Optional[str] = None, floating: frozenset[str] = frozenset()) -> ThreadCopies:
    """The code around the loop. `for_pragma` is the worksharing loop's pragma (`#pragma omp for ...`),
    `types` the spelled type of each reduced array's elements and of each location scalar,
    `condition` an if() for the region, `floating` the reduced arrays of floating-point elements."""
    found, locations = sections(plan), plan.locations
    scalars = [n for l in locations for n in (l.value, l.index)]
    what = []
    if found:
        what.append(f"updates its own copy of {', '.join(s.name for s in found)}, added into the shared one")
    for l in locations:
        what.append(f"finds the {'minimum' if l.comparison == '<' else 'maximum'} {l.value} of its share, "
                    f"and the first {l.index} with it")
    lines = [f"{{ /* autopar: each thread {'; '.join(what)} */"]
    lines += [f"{types[s.name]} *const autopar_{s.name} = {s.name};" for s in found]
    lines += [f"{types[n]} *const autopar_{n} = &{n};" for n in scalars]
    lines.append("#pragma omp parallel" + (f" firstprivate({', '.join(scalars)})" if scalars else "")
                 + (f" if({condition})" if condition else ""))
    lines.append("{")
    for s in found:
        lines.append(f"{types[s.name]} {s.name}[{s.size}]" + (" = {0};" if _identity(s, floating) == "0" else ";"))
    starts = [(s, f"{s.name}[autopar_k] = {_identity(s, floating)};") for s in found if _identity(s, floating) != "0"]
    if starts:
        lines += ["{", "int autopar_k;", *_each_element(starts), "}"]
    lines.append(f"{for_pragma} nowait")
    opening = "".join(f"{indentation}{line}{eol}" for line in lines)
    # named: an unnamed critical inside the user's own (a caller's) would deadlock
    combine = ["#pragma omp critical(autopar_combine)", "{"]
    if found:
        combine.append("int autopar_k;")
        combine += _each_element([(s, f"autopar_{s.name}[autopar_k] {s.op}= {s.name}[autopar_k];") for s in found])
    for l in locations:
        # the serial loop keeps the first iteration with the best value: a smaller index when it counts
        # up; a share that found nothing better holds the starting values, and changes nothing
        earlier = "<" if l.increasing else ">"
        v, i = l.value, l.index
        combine += [f"if ({v} {l.comparison} *autopar_{v} || ({v} == *autopar_{v} && {i} {earlier} *autopar_{i})) {{",
                    f"*autopar_{v} = {v};", f"*autopar_{i} = {i};", "}"]
    closing = "".join(f"{eol}{indentation}{line}" for line in [*combine, "}", "}", "}"])
    return ThreadCopies(opening=opening, closing=closing)


# the lines rewrite writes between the opening comment and the worksharing loop's pragma
_OPENING_LINE = re.compile(rb"[ \t]*(\{|\}|int autopar_k;|#pragma omp parallel\b.*"
                           rb"|[\w \t]+\*const autopar_\w+ = &?\w+;"
                           rb"|[\w \t]+ \w+\[\d+\]( = \{0\})?;|int autopar_found_count = 0;"
                           rb"|for \(autopar_k = 0; autopar_k < \d+; autopar_k\+\+\) \w+\[autopar_k\] = (~?\d+|-0\.0);)\r?")
_MARK = b"{ /* autopar: each thread "


def written_by_rewrite(source: bytes, pragma_start: int) -> bool:
    """Whether the worksharing pragma starting at byte `pragma_start` is one `rewrite` wrote for per-thread
    copies (its opening comment, then only the lines `render` writes): `check` leaves such a loop
    alone, as it leaves the serial copy of a versioned loop."""
    mark = source.rfind(_MARK, 0, pragma_start)
    if mark < 0:
        return False
    lines = source[source.find(b"\n", mark) + 1:pragma_start].split(b"\n")
    return all(_OPENING_LINE.fullmatch(line) for line in lines[:-1]) and not lines[-1].strip()


def _identity(section: Section, floating: frozenset[str]) -> str:
    """Where each thread's copy starts. IEEE's identity of + is -0.0: a copy of 0.0 added into an
    element that holds -0.0, and that no iteration of the thread changed, made it 0.0."""
    return "-0.0" if section.op == "+" and section.name in floating else _IDENTITY[section.op]


def _each_element(statements: list[tuple[Section, str]]) -> list[str]:
    """`for (autopar_k = 0; autopar_k < size; autopar_k++) statement` per array (sizes may differ)."""
    return [f"for (autopar_k = 0; autopar_k < {s.size}; autopar_k++) {statement}" for s, statement in statements]


__all__ = ["Section", "ThreadCopies", "sections", "without_sections", "needed", "render", "written_by_rewrite"]
