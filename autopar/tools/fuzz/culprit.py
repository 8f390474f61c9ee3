"""Which inserted pragma causes a bad outcome.

The rewrite that showed the problem is rebuilt the same way with a subset of its pragmas: first with
each pragma alone (the ones that reproduce the problem on their own are the culprits), and when no
single pragma does, with each pragma removed in turn (the ones whose removal makes the problem
disappear). A race is sought twice before a build is called race-free, since a race shows only on
some runs.
"""

from __future__ import annotations

from typing import Callable, Optional

from autopar.tools.fuzz.check import RACE_THREADS, VARIANT_BUILDS, Checker, Outcome, Problem, build_variant
from autopar.tools.fuzz.texts import original_line, pragma_lines, without_lines

Probe = Callable[[str], bool]  # the rewrite's text -> does it still show the problem


def probe_for(checker: Checker, problem: Problem, expected_stdout: str, name: str) -> Optional[Probe]:
    """How to tell whether a variant of the rewrite still shows `problem`, or None when no pragma
    can be the cause (an analysis crash or time-out)."""
    if problem.kind == "fallback-did-not-compile":
        return lambda text: not _built(checker, problem, text, name).ok
    if problem.kind == "race":
        def raced(text: str) -> bool:
            return any(checker.tsan(text, name)[0].race_free is False for _ in range(2))
        return raced
    if problem.kind in ("mismatch", "timeout") and problem.build in ("rewrite-tsan", "optimize-tsan"):
        def differs_tsan(text: str) -> bool:
            _, run = checker.tsan(text, name)
            return run is not None and (run.returncode != 0 or run.stdout != expected_stdout)
        return differs_tsan
    if problem.kind in ("mismatch", "timeout") and (problem.build in ("autopar-cc", "rewrite-gcc")
                                                    or problem.build in VARIANT_BUILDS):
        env = VARIANT_BUILDS[problem.build][2] if problem.build in VARIANT_BUILDS else None

        def differs(text: str) -> bool:
            built = _built(checker, problem, text, name)
            if not built.ok:
                return False
            # (a race's wrong output depends on timing: a loaded machine ran a short racy loop
            # right once in a while, and the culprit search lost the case)
            for _ in range(3):
                run = checker.run(built.executable, problem.threads or RACE_THREADS, extra_env=env)
                if run.returncode != 0 or run.stdout != expected_stdout:
                    return True
            return False
        return differs
    return None


def _built(checker: Checker, problem: Problem, text: str, name: str):
    """`text` built as the build that showed `problem` built its rewrite (the `--target gpu` and
    `--optimize` rewrites have builds of their own)."""
    if problem.build in VARIANT_BUILDS:
        return build_variant(checker, problem.build, text, name)
    return checker.build_gcc(text, name, openmp=True)


def variant_for(outcome: Outcome, problem: Problem) -> Optional[str]:
    """The text of the rewrite that showed `problem`."""
    if problem.build in outcome.variants:
        return outcome.variants[problem.build]
    if problem.build == "autopar-cc" or problem.kind == "fallback-did-not-compile":
        return outcome.rewrite
    text = outcome.rewrite_forced or outcome.rewrite
    if text is not None and problem.build == "rewrite-gcc" and outcome.rejected_by_gcc:
        text = without_lines(text, outcome.rejected_by_gcc)  # as it was run
    return text


def find_culprits(checker: Checker, outcome: Outcome, problem: Problem, name: str = "culprit") -> dict:
    """{"reproduced", "method", "culprits": [{"pragma", "rewrite_line", "line", "loop"}]}."""
    text = variant_for(outcome, problem)
    probe = probe_for(checker, problem, outcome.reference_stdout, name)
    result: dict = {"problem": problem.kind, "build": problem.build, "threads": problem.threads,
                    "reproduced": False, "method": None, "culprits": []}
    if text is None or probe is None or not pragma_lines(text):
        result["method"] = "no pragma can cause it"
        return result
    if not probe(text):
        result["method"] = "not reproduced from the rewrite"
        return result
    result["reproduced"] = True
    pragmas = pragma_lines(text)
    if probe(without_lines(text, pragmas)):  # a restructured nest, a copy or a check that is wrong itself
        result["method"] = "shown without any pragma: the rewrite's own code, not a pragma"
        return result
    found = [p for p in pragmas if probe(without_lines(text, [q for q in pragmas if q != p]))]
    result["method"] = "each pragma alone"
    if not found:
        found = [p for p in pragmas if not probe(without_lines(text, [p]))]
        result["method"] = "each pragma removed"
    lines = text.splitlines()
    for p in found:
        # (the line before the rewrite counts inserted pragma lines only: the --target gpu and
        # --optimize rewrites insert other code too, so they name the rewrite's line alone)
        line = None if problem.build in VARIANT_BUILDS else original_line(text, p)
        culprit = {"pragma": lines[p].strip(), "rewrite_line": p + 1, "line": line,
                   "loop": lines[p + 1].strip() if p + 1 < len(lines) else ""}
        if problem.kind == "fallback-did-not-compile":  # the compiler's own words
            built = _built(checker, problem, without_lines(text, [q for q in pragmas if q != p]), name)
            culprit["error"] = next((l for l in built.stderr.splitlines() if "error:" in l), "")[:300]
        result["culprits"].append(culprit)
    return result
