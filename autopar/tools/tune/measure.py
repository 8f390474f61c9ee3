"""The measuring: the original program's reference run, then each region's options checked (a
warm-up run whose output must equal the reference) and timed in interleaved rounds, the fastest
kept only when it beats serial by --min-gain, and the whole tuned program timed against the
original at the end (every region reverted to serial when it is slower).

Measuring is a part of autopar.tools.tune.tuner.Tuner; it builds through ProgramBuilds and race-checks
through RaceChecks, and writes its decisions into the Tuner's document."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
from typing import Optional

from autopar.tools.tune.config import MIN_SLOW_LIMIT_S, SLOW_FACTOR, OutOfBudget, TuneError
from autopar.tools.tune.program import _debug
from autopar.tools.tune.regions import Option, Region
from autopar.tools.tune.shell import _tail, run_shell


class Measuring:
    """Measures and decides each region (a part of Tuner: see the module doc)."""

    def _run(self, candidate: bool = False) -> tuple[Optional[str], Optional[float], str, list[str]]:
        """Run --run once: (problem, seconds, measure, output values). A candidate's run is stopped
        once it takes SLOW_FACTOR times serial's (it cannot win; the budget is better spent elsewhere)."""
        from autopar.tools.verify import parse_output

        serial = statistics.median(self.serial_wall) if self.serial_wall else None
        if candidate and serial:
            limit = max(MIN_SLOW_LIMIT_S, SLOW_FACTOR * serial)
        else:
            limit = max(20.0, 30 * serial) if serial else 600.0
        ran = run_shell(self.config.run, self.config.cwd, self._env(), self._timeout(limit))
        self.measurements += 1
        _debug(f"run: exit {ran.returncode}, {ran.wall_s:.2f} s")
        if ran.returncode is None:
            self._check_budget()
            if candidate and serial:
                return (f"too-slow: stopped after {ran.wall_s:.2f} s, {SLOW_FACTOR:g}x the serial "
                        f"program's {serial:.2f} s"), None, "wall", []
            return "the run timed out", None, "wall", []
        if not candidate:
            self.serial_wall.append(ran.wall_s)
        if ran.returncode != 0:
            return f"the run failed (exit {ran.returncode}): {_tail(ran.stderr or ran.stdout)}", None, "wall", []
        output = parse_output(ran.stdout)
        if self.config.check:
            with tempfile.NamedTemporaryFile("w", prefix="autopar-tune-", suffix=".out", delete=False) as out:
                out.write(ran.stdout)
            try:
                checked = subprocess.run(self.config.check, shell=True, cwd=self.config.cwd, input=ran.stdout,
                                         text=True, capture_output=True,
                                         env=self._env(extra={"AUTOPAR_TUNE_OUTPUT": out.name}),
                                         timeout=self._timeout(600))
            except subprocess.TimeoutExpired:
                self._check_budget()
                return "check-failed: --check timed out", None, "wall", []
            finally:
                os.unlink(out.name)
            if checked.returncode != 0:
                return (f"check-failed: --check exited {checked.returncode}: "
                        f"{_tail(checked.stdout + checked.stderr)}"), None, "wall", []
        if output.time_s is not None and output.time_s > 0:
            return None, output.time_s, "program", output.values
        return None, ran.wall_s, "wall", output.values

    # ------------------------------------------------------------------------------------ the steps

    def _baseline(self) -> None:
        """Build and run the original program: the reference output and serial time."""
        sources = {f.path: f.content for f in self.files}
        problem = self._build(sources)
        if problem:
            raise TuneError(f"the original program: {problem}")
        problem, seconds, measure, values = self._run()
        if problem:
            raise TuneError(f"the original program: {problem}")
        self.reference = values
        self.serial_times.append(seconds)
        self.document["baseline"] = {"measure": measure, "reference_values": values[:50]}

    def _tune_region(self, index: int, region: Region) -> None:
        live: list[Option] = []
        try:
            self._check_options(index, region, live)
        except OutOfBudget:
            self._decide(region, live, partial=True)
            raise
        if not any(o.id == "serial" for o in live):
            region.reason = "serial did not build or run; nothing to compare with"
            self._keep_serial_if_default_failed(region)
            return
        self._timed_rounds(index, region, live)
        self._decide(region, live)

    def _check_options(self, index: int, region: Region, live: list[Option]) -> None:
        """Each option's warm-up run, output check and race check; the options that pass join live."""
        from autopar.tools.verify import compare_values

        total = len(self.regions)
        for number, option in enumerate(region.options):
            self.progress(region=index + 1, regions=total, name=region.name, option=number + 1,
                          options=len(region.options), best=self.best_speedup, stage="checking " + option.id)
            sources = self._sources({index: option})
            if option.is_candidate and sources == self._sources({index: region.options[0]}):
                option.status, option.detail = "not-applied", "; ".join(self._skipped) or "no edit"
                continue
            problem = self._build(sources)
            if problem:
                option.status, option.detail = "build-failed", problem
                continue
            # a warm-up run that also checks the output
            problem, seconds, measure, values = self._run(candidate=option.is_candidate)
            if problem:
                option.status = problem.split(":")[0] if problem.startswith(("check-failed", "too-slow")) else (
                    "timeout" if "timed out" in problem else "run-failed")
                option.detail = problem
                continue
            serial_first = region.options[0].times_first if region.options[0].status == "ok" else None
            option.times_first = seconds
            if option.is_candidate and serial_first and seconds > SLOW_FACTOR * serial_first:
                option.status = "too-slow"
                option.detail = (f"{seconds / serial_first:.1f}x the serial time in its first run: "
                                 f"not timed further")
                continue
            if not self.config.check:
                compared = compare_values(self.reference or [], values, self.config.tolerance)
                if not compared.match:
                    option.status, option.detail = "wrong-output", compared.message
                    continue
            option.measure = measure
            if option.is_candidate:
                verdict, detail = self._race_check(index, option)
                option.race = verdict
                if verdict == "race":
                    option.status, option.detail = "race", detail
                    continue
            else:
                option.race = "not needed"
            option.status = "ok"
            live.append(option)

    def _timed_rounds(self, index: int, region: Region, live: list[Option]) -> None:
        """Interleaved rounds: every live option once per round, in the same order."""
        from autopar.tools.verify import compare_values

        total = len(self.regions)
        for round_number in range(self.config.rounds):
            for option in list(live):
                self.progress(region=index + 1, regions=total, name=region.name,
                              option=region.options.index(option) + 1, options=len(region.options),
                              best=self.best_speedup, stage=f"round {round_number + 1}/{self.config.rounds}")
                try:
                    problem = self._build(self._sources({index: option}))
                    if not problem:
                        problem, seconds, measure, values = self._run(candidate=option.is_candidate)
                        if not problem and not self.config.check:
                            compared = compare_values(self.reference or [], values, self.config.tolerance)
                            if not compared.match:
                                problem = "wrong-output: " + compared.message
                except OutOfBudget:
                    self._decide(region, live, partial=True)
                    raise
                if problem:
                    option.status = problem.split(":")[0] if problem.startswith(("wrong-output", "too-slow",
                                                                                  "check-failed")) else "run-failed"
                    option.detail = problem
                    live.remove(option)
                    continue
                option.times.append(seconds)
                if option.id == "serial":
                    self.serial_times.append(seconds)

    def _decide(self, region: Region, live: list[Option], partial: bool = False) -> None:
        serial = next((o for o in live if o.id == "serial" and o.times), None)
        timed = [o for o in live if o.times and o.status == "ok"]
        if serial is None or not timed:
            region.reason = "not measured before the budget ran out" if partial else "serial was not timed"
            self._keep_serial_if_default_failed(region)
            return
        if partial:  # compare only options timed as often as serial, so that the rounds stay fair
            timed = [o for o in timed if len(o.times) >= len(serial.times)]
        # what autopar would apply anyway (the analyzer's default, or --optimize's) stands unless a
        # measurement beats it clearly: by min_gain, and with every run faster than its fastest
        prior = next((o for o in timed if o.id == region.default), serial)
        best = min(timed, key=lambda o: o.median)
        if best is not prior and not _clearly_faster(best, prior, self.config.min_gain):
            region.reason = (f"{best.id} ({best.summary}) measured {prior.median / best.median:.2f}x of "
                             f"{'serial' if prior is serial else 'the default ' + prior.id}, not clearly "
                             f"faster: kept {'serial' if prior is serial else 'the default'}")
            best = prior
        elif best.id == "serial":
            region.reason = "serial was fastest" + (f", clearly faster than the default {prior.id}"
                                                    if prior is not serial else "")
        else:
            region.reason = f"fastest: {serial.median / best.median:.2f}x of serial"
        region.best = best
        region.decided = True
        if best.id != "serial":
            self.best_speedup = max(self.best_speedup, serial.median / best.median)
        self._record(region, serial, partial)

    def _keep_serial_if_default_failed(self, region: Region) -> None:
        """A region left undecided gets no record, and rewrite then applies the analyzer's default:
        unless the tuner saw that default fail (a wrong output, a race, a failed build or run), which
        is recorded as serial."""
        default = next((o for o in region.options if o.id == region.default and o.is_candidate), None)
        if default is None or default.status in ("ok", "pending", "not-applied"):
            return
        region.reason = f"the default {default.id} failed ({default.status}: {default.detail}); {region.reason}: kept serial"
        self._record_serial(region, speedup=None, partial=True)

    def _record_serial(self, region: Region, speedup: Optional[float], partial: bool) -> None:
        region.best = region.options[0]
        self._write_record(region, None, speedup, partial)

    def _record(self, region: Region, serial: Option, partial: bool) -> None:
        best = region.best
        plan, more = best.plan, {}
        if best.restructure is not None:  # without --optimize the nest gets its fastest pragma plan
            fastest = _fastest_pragma_plan(region, serial, self.config.min_gain, partial)
            plan = fastest.plan if fastest else None
            more = dict(restructure=best.restructure.candidate_id, restructure_schedule=best.restructure.schedule,
                        pragma_choice=fastest.id if fastest else "serial",
                        pragma_speedup=round(serial.median / fastest.median, 4) if fastest else 1.0)
        self._write_record(region, plan, round(serial.median / best.median, 4) if best.median else None, partial,
                           **more)

    def _write_record(self, region: Region, plan, speedup: Optional[float], partial: bool, **more) -> None:
        """The decisions file's record of the region: its best option (`plan`: the pragma plan rewrite
        applies), as measured."""
        from autopar.decision.decisions import content_hash, plan_record, position, set_region

        record = {"root": position(region.nest.root_loop_id), "root_loop_id": region.nest.root_loop_id,
                  "choice": region.best.id, "summary": region.best.summary, "plan": plan_record(plan),
                  "speedup": speedup, "reason": region.reason, "partial": partial,
                  "measurements": [o.record() for o in region.options]}
        if self.config.optimize:
            record["optimize"] = True  # restructurings were measured: --optimize follows this record
        record.update(more)
        set_region(self.document, region.file.shown, content_hash(region.file.content), record)

    def _final(self) -> None:
        """Interleaved rounds of the original against the tuned program, for the summary."""
        if not any(r.decided and r.best.is_candidate for r in self.regions):
            self.document["summary"] = {"speedup": 1.0, "note": "every region kept serial"}
            return
        original = {f.path: f.content for f in self.files}
        tuned = self._sources({})
        times: dict[str, list[float]] = {"serial": [], "tuned": []}
        try:
            for _ in range(self.config.rounds):
                for name, sources in (("serial", original), ("tuned", tuned)):
                    self.progress(region=len(self.regions), regions=len(self.regions), name="whole program",
                                  option=1 if name == "serial" else 2, options=2, best=self.best_speedup,
                                  stage="final rounds")
                    problem = self._build(sources)
                    if not problem:
                        problem, seconds, _, _ = self._run(candidate=name == "tuned")
                    if problem:
                        self.document["summary"] = {"error": f"{name}: {problem}"}
                        return
                    times[name].append(seconds)
        except OutOfBudget:
            pass
        if times["serial"] and times["tuned"]:
            count = min(len(times["serial"]), len(times["tuned"]))
            serial, best = statistics.median(times["serial"][:count]), statistics.median(times["tuned"][:count])
            self.document["summary"] = {"serial": _stats(times["serial"]), "tuned": _stats(times["tuned"]),
                                        "speedup": round(serial / best, 4)}
            if serial / best < 1 - self.config.min_gain:
                self._revert(serial / best)

    def _revert(self, speedup: float) -> None:
        """The tuned program as a whole measured slower than serial: the regions' gains were noise or
        do not add up, so every region is kept serial (never slower than the user's own program)."""
        why = (f"the whole program measured {speedup:.2f}x of serial with the tuned plans "
               f"(interleaved rounds): every region kept serial")
        self.document["summary"]["reverted"] = why
        for region in self.regions:
            if not region.decided or not region.best.is_candidate:
                continue
            region.reason = why
            self._record_serial(region, speedup=1.0, partial=False)


def _fastest_pragma_plan(region: Region, serial: Option, min_gain: float, partial: bool) -> Optional[Option]:
    """The pragma option that beat serial clearly (by `min_gain`, with no overlap of their runs), the
    fastest of them; None when none did. After a partial run, only options timed as often as serial."""
    better = [o for o in region.options if o.plan is not None and o.status == "ok" and o.times and
              (not partial or len(o.times) >= len(serial.times)) and _clearly_faster(o, serial, min_gain)]
    return min(better, key=lambda o: o.median, default=None)


def _clearly_faster(option: Option, other: Option, min_gain: float) -> bool:
    """`option` beats `other` beyond noise: its median by `min_gain`, and its slowest run is faster than
    `other`'s fastest."""
    return option.median <= other.median * (1 - min_gain) and max(option.times) < min(other.times)


def _stats(times: list[float]) -> dict:
    median = statistics.median(times)
    return {"median_s": round(median, 6), "min_s": round(min(times), 6), "max_s": round(max(times), 6),
            "spread_s": round(max(times) - min(times), 6), "runs_s": [round(t, 6) for t in times]}
