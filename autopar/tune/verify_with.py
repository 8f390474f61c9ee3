"""`--verify-with CMD` for rewrite and check: a reasoner Verifier that writes the proposed plan into
the file in place (restored after), runs the user's command, and race-checks the file alone."""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Optional

from autopar.tune.config import RACE_THREADS
from autopar.tune.guard import SourceGuard
from autopar.tune.races import has_main
from autopar.tune.shell import _tail, run_shell


def command_verifier(command: str, cwd: str = ".", threads: Optional[int] = None, timeout: float = 600.0,
                     check_races: bool = True):
    """A reasoner `Verifier`: the proposed plan is written into the file in place (restored after),
    the user's `command` must exit 0, and the file alone is race-checked with TSan when it has a main."""
    from autopar.plan import Decision
    from autopar.edits import apply_edits
    from autopar.rewrite import plan_rewrite
    from autopar.verify import include_beside, race_check, source_flags, without_threshold

    def check(tu, nest, plan) -> list[str]:
        with open(tu.path, "rb") as handle:
            original = handle.read()
        planned = plan_rewrite(original, tu, [Decision(root_loop_id=nest.root_loop_id, plan=plan)])
        if planned.skipped:
            return [f"cannot apply the plan: {why}" for why in planned.skipped.values()]
        problems = []
        with SourceGuard([tu.path]) as guard:
            guard.write(tu.path, apply_edits(original, planned.edits))
            env = dict(os.environ)
            if threads:
                env["OMP_NUM_THREADS"] = str(threads)
            ran = run_shell(command, cwd, env, timeout)
        if ran.returncode is None:
            problems.append(f"`{command}` timed out after {timeout:g} s with this plan")
        elif ran.returncode != 0:
            problems.append(f"`{command}` failed with this plan (exit {ran.returncode}): "
                            f"{_tail(ran.stderr or ran.stdout, 3)}")
        if problems or not check_races:
            return problems
        if not has_main(original):
            _note_once(f"{tu.path}: race check skipped (no main in the file)")
            return problems
        forced = plan_rewrite(original, tu, [Decision(root_loop_id=nest.root_loop_id, plan=without_threshold(plan))])
        with tempfile.TemporaryDirectory(prefix="autopar-verify-with-") as scratch:
            copy = os.path.join(scratch, os.path.basename(tu.path))
            with open(copy, "wb") as out:
                out.write(apply_edits(original, forced.edits))
            race = race_check(copy, scratch, [*source_flags(tu.compile_args), *include_beside(tu.path)], (),
                              max(RACE_THREADS, threads or 0), timeout=timeout)
        if race.ran and race.race_free is False:
            problems.append("ThreadSanitizer found a data race with this plan: "
                            + _tail(race.excerpt or "", 3))
        elif not race.ran:
            _note_once(f"{tu.path}: race check skipped ({race.error})")
        return problems

    return check


_NOTED: set[str] = set()


def _note_once(message: str) -> None:
    if message not in _NOTED:
        _NOTED.add(message)
        print(f"autopar: note: {message}", file=sys.stderr)
