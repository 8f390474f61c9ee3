"""The program under the tuner: the sources with each region at a chosen option, installed in the
user's files and built with --build (rebuilt only when the sources changed), within the time budget.

ProgramBuilds is a part of autopar.tools.tune.tuner.Tuner; it reads the Tuner's config, files, regions,
guard, clock and deadline."""

from __future__ import annotations

import hashlib
import os
from typing import Optional

from autopar.tools.tune.config import RESERVE_S, OutOfBudget
from autopar.tools.tune.regions import Option
from autopar.tools.tune.shell import _tail, run_shell


class ProgramBuilds:
    """Builds the program with chosen options (a part of Tuner: see the module doc)."""

    def _remaining(self) -> float:
        return self.deadline - self.clock() - RESERVE_S

    def _timeout(self, limit: float) -> float:
        remaining = self._remaining()
        if remaining <= 0.5:
            raise OutOfBudget("the budget is spent")
        return min(limit, remaining)

    def _env(self, threads: Optional[int] = None, extra: Optional[dict] = None) -> dict:
        env = dict(os.environ)
        env.pop("AUTOPAR_DECISIONS", None)
        threads = threads or self.config.threads
        if threads:
            env["OMP_NUM_THREADS"] = str(threads)
        env.update(extra or {})
        return env

    def _sources(self, choice: dict[int, Option], without_thresholds: bool = False) -> dict[str, bytes]:
        """Every file's content with each region at `choice` (region index -> option) or its best."""
        from autopar.plans.plan import Decision
        from autopar.edit.edits import apply_edits
        from autopar.edit.restructure.apply import replace_nests
        from autopar.edit.rewrite import plan_rewrite
        from autopar.tools.verify import without_threshold

        out = {}
        self._skipped: list[str] = []
        for source in self.files:
            decisions, replaced = [], []
            for index, region in enumerate(self.regions):
                if region.file is not source:
                    continue
                option = choice.get(index, region.best)
                if option.plan is not None:
                    plan = without_threshold(option.plan) if without_thresholds else option.plan
                    decisions.append(Decision(root_loop_id=region.nest.root_loop_id, plan=plan))
                elif option.restructure is not None:
                    r = option.restructure
                    replaced.append((region.nest.root_loop_id, r.start, r.end,
                                     r.race_code if without_thresholds else r.code, option.summary))
            planned = plan_rewrite(source.content, source.tu, decisions)
            self._skipped += list(planned.skipped.values())
            edits = replace_nests(source.content, source.tu, planned.edits, replaced) if replaced else planned.edits
            out[source.path] = apply_edits(source.content, edits)
        return out

    def _install(self, sources: dict[str, bytes]) -> None:
        for path, data in sources.items():
            self.guard.write(path, data)  # every time: the mtime changes, so make rebuilds each file

    def _build(self, sources: dict[str, bytes]) -> Optional[str]:
        """Install `sources` and run --build; None when it built, else why not."""
        digest = _digest(sources)
        if digest == self._built:
            return None
        self._built = None
        self._install(sources)
        ran = run_shell(self.config.build, self.config.cwd, self._env(), self._timeout(600))
        _debug(f"build: exit {ran.returncode}, {ran.wall_s:.2f} s")
        if ran.returncode is None:
            self._check_budget()
            return "the build timed out"
        if ran.returncode != 0:
            return f"the build failed (exit {ran.returncode}): {_tail(ran.stderr or ran.stdout)}"
        self._built = digest
        return None

    def _check_budget(self) -> None:
        if self._remaining() <= 0.5:
            raise OutOfBudget("the budget is spent")


def _debug(message: str) -> None:
    from autopar.report.output import debug

    debug(f"autopar tune: {message}")


def _digest(sources: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for path in sorted(sources):
        h.update(path.encode("utf-8", "surrogateescape") + b"\0" + hashlib.sha256(sources[path]).digest())
    return h.hexdigest()
