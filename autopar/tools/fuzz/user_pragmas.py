"""Fuzzing `autopar check`: random programs with the pragmas a user might write, judged by check and
by running them.

A loopgen program gets `#pragma omp parallel for` above every `for` that starts a line (some get
`#pragma omp simd`, or `collapse(2)` where the next line starts a `for` too; the pragmas gcc rejects
are dropped), and, in some of its loops, `#pragma omp critical` or `#pragma omp atomic`
above an update of a scalar (`s += v;`). `check` judges each parallel pragma; those it reports
unsafe are taken out, and the program with the rest (the ones check accepts) must print what the
serial program prints, at 1 and 4 threads, and be race-free under ThreadSanitizer + Archer. A
difference or a race is a pragma check accepted wrongly, the worst thing check can do; each such
pragma is then run alone to name it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from autopar.tools.fuzz.check import Checker

PARALLEL = "#pragma omp parallel for"
# the loop constructs a user writes above a `for`: mostly a parallel loop, some SIMD loops, and two
# loops collapsed where a `for` starts the next line too
SIMD = "#pragma omp simd"
COLLAPSED = "#pragma omp parallel for collapse(2)"
CONSTRUCTS = (PARALLEL, SIMD, COLLAPSED)
_UPDATE = re.compile(r"^(\s*)([A-Za-z_]\w*)\s*([-+*&|^]?=)\s*[^=;][^;]*;\s*$")


@dataclass
class PragmaOutcome:
    kind: str = "ok"  # ok | invalid | wrong (a pragma check accepts changes the output or races)
    pragmas: int = 0  # parallel pragmas that compile
    accepted: int = 0  # of them, those check does not report
    unjudged: int = 0  # of them, those on loops whose synchronization check does not model (not run)
    synchronized: int = 0  # critical and atomic directives written
    details: list[str] = field(default_factory=list)
    culprits: list[int] = field(default_factory=list)  # 1-based lines of the wrongly accepted pragmas
    files: dict[str, str] = field(default_factory=dict)


def with_user_pragmas(source: str, seed: int) -> tuple[str, int]:
    """`source` with a parallel pragma above every `for` that starts a line, and some scalar updates
    under a critical or atomic directive: (text, the directives added beside the parallel ones)."""
    rng = random.Random(seed * 31 + 7)
    out, synchronized, depth = [], 0, 0
    lines = source.splitlines()
    for k, line in enumerate(lines):
        stripped = line.lstrip()
        indentation = line[:len(line) - len(stripped)]
        if stripped.startswith("for ("):
            nested = k + 1 < len(lines) and lines[k + 1].lstrip().startswith("for (")
            choice = rng.random()
            out.append(indentation + (SIMD if choice < 0.15 else COLLAPSED if nested and choice < 0.4 else PARALLEL))
        update = _UPDATE.match(line)
        if update and depth > 0 and rng.random() < 0.5:
            compound = update.group(3) != "="
            directive = "#pragma omp atomic" if compound and rng.random() < 0.4 else \
                "#pragma omp critical" + rng.choice(["", "", " (first)", " (second)"])
            out.append(indentation + directive)
            synchronized += 1
        out.append(line)
        depth += line.count("{") - line.count("}") if depth or stripped.startswith("for (") else 0
    return "\n".join(out) + "\n", synchronized


def check_user_pragmas(checker: Checker, source: str, seed: int, name: str = "user") -> PragmaOutcome:
    from autopar.report.check import UNSAFE, check_file
    from autopar.report.findings import CONDITIONAL

    outcome = PragmaOutcome()
    reference = checker.build_gcc(source, name + "-serial", openmp=False)
    expected = checker.run(reference.executable, 1) if reference.ok else None
    if expected is None or expected.returncode != 0:
        outcome.kind = "invalid"
        return outcome
    written, outcome.synchronized = with_user_pragmas(source, seed)
    text, _, built = checker.compilable(written, name)
    if built is None:
        outcome.kind = "invalid"
        outcome.details.append("the program with pragmas does not compile")
        return outcome
    path = Path(checker.path(name + ".c"))
    path.write_text(text)
    lines = text.splitlines()
    parallel = [k for k, line in enumerate(lines) if line.strip() in CONSTRUCTS]
    outcome.pragmas = len(parallel)
    # (a pragma safe only under a condition it does not test is not accepted: check says so in a note;
    # nor is one on a loop whose synchronization check does not model: it says nothing either way)
    checked = check_file(str(path), [], None)
    flagged = {f.line - 1 for f in checked.findings if f.rule in (UNSAFE, CONDITIONAL)}
    unjudged = {loop.line - 1 for loop in checked.report.loops if loop.id in checked.unjudged}
    accepted = [k for k in parallel if _loop_below(lines, k) not in flagged | unjudged]
    outcome.accepted, outcome.unjudged = len(accepted), sum(_loop_below(lines, k) in unjudged for k in parallel)
    kept = _keeping(lines, parallel, accepted)
    outcome.files = {"program.c": source, "accepted.c": kept}
    problem = _wrong(checker, kept, name + "-accepted", expected.stdout)
    if problem is None:
        return outcome
    outcome.kind = "wrong"
    outcome.details.append(problem)
    for k in accepted:  # each accepted pragma alone: which of them is wrong
        if _wrong(checker, _keeping(lines, parallel, [k]), f"{name}-{k + 1}", expected.stdout) is not None:
            outcome.culprits.append(_loop_below(lines, k) + 1)
    return outcome


def _loop_below(lines: list[str], k: int) -> int:
    """The 0-based line of the `for` that the pragma on line `k` sits on (other directives may sit between)."""
    j = k + 1
    while j < len(lines) and lines[j].lstrip().startswith("#pragma"):
        j += 1
    return j


def _keeping(lines: list[str], parallel: list[int], kept: list[int]) -> str:
    """The text with the parallel pragmas of `parallel` that are not in `kept` blanked (lines stay put)."""
    dropped = set(parallel) - set(kept)
    return "\n".join("" if k in dropped else line for k, line in enumerate(lines)) + "\n"


def _wrong(checker: Checker, text: str, name: str, expected: str) -> Optional[str]:
    """Why the program is wrong (an output that differs at 1 or 4 threads, a race), or None."""
    built = checker.build_gcc(text, name, openmp=True)
    if not built.ok:
        return "does not compile: " + built.stderr[:300]
    for threads in (1, 4):
        run = checker.run(built.executable, threads)
        if run.returncode != 0 or run.stdout != expected:
            return f"at {threads} threads it printed another output (exit {run.returncode})"
    if checker.races:
        race, _ = checker.tsan(text, name + "-tsan")
        if race is not None and race.ran and race.race_free is False:
            return "ThreadSanitizer: " + (race.excerpt or "")[:600]
    return None
