"""`--verify-with CMD` for rewrite and check: a reasoner Verifier that writes the proposed plan into
the file in place (restored after), runs the user's command, and race-checks the file alone."""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Optional

from autopar.edit.edits import apply_edits
from autopar.tools.tune.config import RACE_THREADS
from autopar.tools.tune.guard import SourceGuard
from autopar.tools.tune.races import has_main
from autopar.tools.tune.shell import _tail, run_shell


def command_verifier(command: str, cwd: str = ".", threads: Optional[int] = None, timeout: float = 600.0,
                     check_races: bool = True):
    """A reasoner `Verifier`: the proposed plan is written into the file in place (restored after),
    the user's `command` must exit 0, and the file alone is race-checked with TSan when it has a main.
    Its `restructuring(tu, plan, candidate)` does the same for a restructuring the model chose
    (`--optimize`), race-checked in the candidate's form without work thresholds."""
    from autopar.plans.plan import Decision
    from autopar.edit.rewrite import plan_rewrite
    from autopar.tools.verify import without_threshold

    def run_and_race_check(tu, edits, race_edits) -> list[str]:
        with open(tu.path, "rb") as handle:
            original = handle.read()
        problems = _run_with(command, cwd, threads, timeout, tu.path, apply_edits(original, edits))
        if problems or not check_races:
            return problems
        if not has_main(original):
            _note_once(f"{tu.path}: race check skipped (no main in the file)")
            return problems
        return _race_problems(tu, apply_edits(original, race_edits), threads, timeout)

    def check(tu, nest, plan) -> list[str]:
        with open(tu.path, "rb") as handle:
            original = handle.read()
        planned = plan_rewrite(original, tu, [Decision(root_loop_id=nest.root_loop_id, plan=plan)])
        if planned.skipped:
            return [f"cannot apply the plan: {why}" for why in planned.skipped.values()]
        forced = plan_rewrite(original, tu, [Decision(root_loop_id=nest.root_loop_id, plan=without_threshold(plan))])
        return run_and_race_check(tu, planned.edits, forced.edits)

    def restructuring(tu, plan, candidate) -> list[str]:
        from autopar.edit.restructure.apply import replace_nests
        from autopar.edit.restructure.plan import plan_nest

        with open(tu.path, "rb") as handle:
            original = handle.read()
        newline = "\r\n" if b"\r\n" in original else "\n"
        twin = next((c for c in plan_nest(original, tu, tu.loop(plan.root_loop_id), newline,
                                          work_thresholds=False).candidates if c.schedule == candidate.schedule), None)
        if twin is None:
            return ["the restructuring could not be rebuilt without its work thresholds for the race check"]
        edits = replace_nests(original, tu, [], [(plan.root_loop_id, plan.start, plan.end, candidate.code, candidate.summary)])
        race_edits = replace_nests(original, tu, [], [(plan.root_loop_id, plan.start, plan.end, twin.code, twin.summary)])
        return run_and_race_check(tu, edits, race_edits)

    check.restructuring = restructuring
    return check


def _run_with(command: str, cwd: str, threads: Optional[int], timeout: float, path: str, text: bytes) -> list[str]:
    """Problems of `command` run with `path` holding `text` (restored afterwards)."""
    with SourceGuard([path]) as guard:
        guard.write(path, text)
        env = dict(os.environ)
        if threads:
            env["OMP_NUM_THREADS"] = str(threads)
        ran = run_shell(command, cwd, env, timeout)
    if ran.returncode is None:
        return [f"`{command}` timed out after {timeout:g} s with this plan"]
    if ran.returncode != 0:
        return [f"`{command}` failed with this plan (exit {ran.returncode}): {_tail(ran.stderr or ran.stdout, 3)}"]
    return []


def _race_problems(tu, text: bytes, threads: Optional[int], timeout: float) -> list[str]:
    """The file alone, as `text`, built with TSan+Archer and run: a race found is a problem."""
    from autopar.tools.verify import include_beside, race_check, source_flags

    with tempfile.TemporaryDirectory(prefix="autopar-verify-with-") as scratch:
        copy = os.path.join(scratch, os.path.basename(tu.path))
        with open(copy, "wb") as out:
            out.write(text)
        race = race_check(copy, scratch, [*source_flags(tu.compile_args), *include_beside(tu.path)], (),
                          max(RACE_THREADS, threads or 0), timeout=timeout)
    if race.ran and race.race_free is False:
        return ["ThreadSanitizer found a data race with this plan: " + _tail(race.excerpt or "", 3)]
    if not race.ran:
        _note_once(f"{tu.path}: race check skipped ({race.error})")
    return []


_NOTED: set[str] = set()


def _note_once(message: str) -> None:
    if message not in _NOTED:
        _NOTED.add(message)
        print(f"autopar: note: {message}", file=sys.stderr)
