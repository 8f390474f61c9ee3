"""One tuning session (Tuner): the files analyzed into regions with legal candidates (largest
estimated work first, each region's options in the chosen order), then measured (Measuring) with
the user's files guarded (SourceGuard); gives the decisions document, saved after every region."""

from __future__ import annotations

import os
import random
import sys
import time
from typing import Callable, Optional, Sequence

from autopar.tools.tune.config import OutOfBudget, TuneConfig
from autopar.tools.tune.guard import SourceGuard
from autopar.tools.tune.measure import Measuring
from autopar.tools.tune.program import ProgramBuilds, _digest
from autopar.tools.tune.races import RaceChecks, has_main
from autopar.tools.tune.regions import Option, Region, Restructuring, SourceFile
from autopar.tools.tune.shell import _tail, run_shell


class Tuner(Measuring, RaceChecks, ProgramBuilds):
    """One tuning session. `candidates_hook(tu, nest) -> list[Candidate]` replaces a region's candidate
    list (tests use it to offer a wrong plan); `orderer(tu, nest, options) -> options` orders them."""

    def __init__(self, files: Sequence[str], config: TuneConfig, compile_flags: Sequence[str] = (),
                 build_dir: Optional[str] = None, candidates_hook: Optional[Callable] = None,
                 orderer: Optional[Callable] = None, progress: Optional[Callable] = None,
                 clock: Callable[[], float] = time.monotonic):
        self.paths = [os.path.abspath(f) for f in files]
        self.shown = {os.path.abspath(f): f for f in files}
        self.config = config
        self.compile_flags = list(compile_flags)
        self.build_dir = build_dir
        self.candidates_hook = candidates_hook
        self.orderer = orderer
        self.progress = progress or (lambda **state: None)
        self.clock = clock
        self.deadline = clock() + config.budget_s
        self.files: list[SourceFile] = []
        self.regions: list[Region] = []
        self.reference: Optional[list[str]] = None
        self.serial_times: list[float] = []
        self.serial_wall: list[float] = []  # wall time of the serial program's runs (for run limits)
        self.log: list[str] = []
        self.stopped: Optional[str] = None  # why the tuner stopped early
        self.document: Optional[dict] = None
        self._built: Optional[str] = None  # digest of the sources the current build was made from
        self._race_cache: dict[str, tuple[str, str]] = {}
        self.measurements = 0
        self.best_speedup = 1.0
        self.skipped_files: list[str] = []

    # -------------------------------------------------------------------------------------- public

    def tune(self) -> dict:
        """Tune, restore the user's files, write the decisions file; returns the document."""
        from autopar.decision.decisions import new_document

        self.document = new_document(created=time.strftime("%Y-%m-%dT%H:%M:%S%z"), machine=_machine(),
                                     build=self.config.build, run=self.config.run, check=self.config.check,
                                     threads=self.config.threads, rounds=self.config.rounds,
                                     min_gain=self.config.min_gain, budget_s=self.config.budget_s)
        self._analyze()
        if self.skipped_files:
            self.document["not_tuned"] = self.skipped_files
        self._save()
        if not self.regions:
            self.document["note"] = "no region with a legal parallel plan"
            self._save()
            return self.document
        with SourceGuard([f.path for f in self.files]) as guard:
            self.guard = guard
            try:
                self._baseline()
                for index, region in enumerate(self.regions):
                    self._tune_region(index, region)
                    self._save()
                self._final()
            except OutOfBudget as why:
                self.stopped = str(why) or "the budget is spent"
            finally:
                self.document["stopped"] = self.stopped
                self.document["measurements"] = self.measurements
                self._save()
        self._rebuild_original()
        return self.document

    def _rebuild_original(self) -> None:
        """The build the tuner left is of the last option measured (or of a race build): build the
        restored sources once more, so that the program beside them is the user's own again."""
        original = {f.path: f.content for f in self.files}
        if self.measurements == 0 or self._built == _digest(original):
            return
        ran = run_shell(self.config.build, self.config.cwd, self._env(), 600)
        self.document["rebuilt"] = ("the original program" if ran.returncode == 0 else
                                    f"the build of the original program failed: {_tail(ran.stderr or ran.stdout)}")
        self._save()

    # ------------------------------------------------------------------------------------- analysis

    def _analyze(self) -> None:
        from autopar.plans.candidates import entries, work
        from autopar.decision.pipeline import analyze_file, default_decision

        saved = os.environ.pop("AUTOPAR_DECISIONS", None)  # tune from the analysis, not a previous file
        try:
            for path in self.paths:
                with open(path, "rb") as handle:
                    content = handle.read()
                analysis = analyze_file(path, self.compile_flags, self.build_dir)
                if analysis.tu is None or analysis.report.failed:
                    why = analysis.report.error or "the file has errors"
                    self.skipped_files.append(f"{self.shown[path]}: {why}")
                    _note(f"{self.shown[path]} is not tuned: it cannot be analyzed ({why.splitlines()[0]})")
                    continue
                tu = analysis.tu
                source = SourceFile(path=path, shown=self.shown[path], content=content, tu=tu,
                                    nests=analysis.nests, has_main=has_main(content),
                                    flags=list(tu.compile_args))
                self.files.append(source)
                restructurings = _restructurings(content, tu) if self.config.optimize else {}
                for nest in analysis.nests:
                    candidates = (self.candidates_hook(tu, nest) if self.candidates_hook else nest.candidates)
                    restructured = restructurings.get(nest.root_loop_id, [])
                    if not candidates and not restructured:
                        continue
                    default = default_decision(nest).candidate_id
                    options = [Option("serial", "keep serial")]
                    for candidate in candidates:
                        label = " (analyzer default)" if candidate.id == default else ""
                        options.append(Option(candidate.id, candidate.summary + label, candidate.plan,
                                              candidate.estimated_cost))
                    # the --optimize default right after the first pragma option, so that
                    # --max-candidates keeps both kinds' favourites
                    ordered = self._order(tu, nest, options)
                    options = ordered[:2] + restructured[:1] + ordered[2:] + restructured[1:]
                    if self.config.max_candidates is not None:
                        options = options[:1 + self.config.max_candidates]
                    root = tu.loop(nest.root_loop_id)
                    try:
                        weight = work(tu, root) * entries(tu, root)
                    except Exception:
                        weight = 0.0
                    prior = restructured[0].id if restructured and restructured[0].restructure.default \
                        else (default or "serial")
                    self.regions.append(Region(source, nest, options, weight, options[0], default=prior))
        finally:
            if saved is not None:
                os.environ["AUTOPAR_DECISIONS"] = saved
        self.regions.sort(key=lambda r: -r.work)

    def _order(self, tu, nest, options: list[Option]) -> list[Option]:
        """Serial first (it is the reference of every round), then the candidates in the chosen order."""
        serial, rest = options[0], options[1:]
        if self.orderer is not None:
            rest = list(self.orderer(tu, nest, rest))
        elif self.config.order == "random":
            rest = rest[:]
            random.Random(f"{self.config.seed}:{nest.root_loop_id}").shuffle(rest)
        else:  # the cost model's order
            rest = sorted(rest, key=lambda o: (o.estimated_cost, o.id))
        return [serial, *rest]

    def _save(self) -> None:
        if self.config.output and self.document is not None:
            from autopar.decision.decisions import save

            save(self.config.output, self.document)


def _restructurings(content: bytes, tu) -> dict[str, list[Option]]:
    """Root loop id -> its restructuring options, as `rewrite --optimize` would make them: the
    `--optimize` default first, then the others by the cache-line cost model."""
    from autopar.edit.restructure.plan import plan_file

    found: dict[str, list[Option]] = {}
    unthresholded = {p.root_loop_id: p for p in plan_file(content, tu, work_thresholds=False)}
    for plan in plan_file(content, tu):
        # the same schedules without work thresholds, for the race check (a candidate without its
        # twin is not offered: its race check would run the thresholds' serial paths only)
        race = {(c.id, tuple(c.schedule)): c.code for c in unthresholded[plan.root_loop_id].candidates}
        ranked = sorted(plan.candidates, key=lambda c: (c.id != plan.default_candidate_id, c.estimated_cost, c.id))
        found[plan.root_loop_id] = [
            Option(f"restructure:{c.id}", f"restructured: {c.summary}" +
                   (" (--optimize default)" if c.id == plan.default_candidate_id else ""),
                   restructure=Restructuring(c.id, plan.start, plan.end, c.code, race[(c.id, tuple(c.schedule))],
                                             list(c.schedule), default=c.id == plan.default_candidate_id))
            for c in ranked if (c.id, tuple(c.schedule)) in race]
    return found


def _note(message: str) -> None:
    from autopar.report.output import info

    info(f"autopar tune: {message}")


def _machine() -> dict:
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {"cpus": os.cpu_count(), "load_average": load, "platform": sys.platform}
