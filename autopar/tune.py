"""`autopar tune`: measured decisions, as profile-guided optimisation is for compilers.

For each region with legal candidates (largest estimated work first), the tuner rewrites the user's
own sources with that region's option applied (every other region at its best so far, serial until
tuned), runs the user's --build and --run commands in the user's directory, and keeps an option only
when the output equals the serial program's (or --check passes) and ThreadSanitizer finds no race.
Options are timed in interleaved rounds (serial, c0, c1, ..., then again), so that a burst of load
on a shared machine falls on all of them alike; the decisions file records every option's median
and spread. A parallel plan is kept only when its median beats serial's by --min-gain.

The user's files are always restored: they are backed up in memory and on disk before the first
write, written atomically, and put back on exit, on error, on Ctrl-C and on SIGTERM/SIGHUP.

Race checks, in order of preference: --race-build (a command that builds the program with
`clang -fsanitize=thread -fopenmp -g -O1`; then --race-run, default --run, runs it with 4+
threads and TSAN_OPTIONS=ignore_noninstrumented_modules=1); else the rewritten file alone through
autopar.verify.race_check when it has a `main`; else the race check is skipped, and the decisions
file says so for each option.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from autopar.atomic import cache_dir, replace_file

DEFAULT_ROUNDS = 3
DEFAULT_MIN_GAIN = 0.05  # a parallel plan must beat serial's median by 5% to be kept
DEFAULT_OUTPUT = "autopar-decisions.json"
RACE_THREADS = 4  # TSan+Archer missed a boundary race with 2 threads in some runs; 4 caught it each time
SLOW_FACTOR = 3.0  # a candidate run this many times longer than serial is stopped: it cannot win
MIN_SLOW_LIMIT_S = 2.0
RESERVE_S = 2.0  # kept back from the budget for restoring the files and writing the result


class TuneError(Exception):
    pass


class OutOfBudget(Exception):
    pass


# ------------------------------------------------------------------------------------ the user's files

class SourceGuard:
    """Backs up files, lets the tuner replace them, and puts the originals back whatever happens.

    The originals are kept in memory and copied to a backup directory (printed if restoring fails,
    so a killed tuner can be undone by hand). Each write is atomic (temp file + rename). Restoring
    leaves the file's modification time at "now", so that the next `make` rebuilds from the original.
    """

    def __init__(self, paths: Sequence[str]):
        self.paths = [os.path.abspath(p) for p in dict.fromkeys(paths)]
        self.originals: dict[str, bytes] = {}
        self.modes: dict[str, int] = {}
        self.backup_dir: Optional[str] = None
        self._handlers: dict[int, object] = {}

    def __enter__(self) -> "SourceGuard":
        for path in self.paths:
            with open(path, "rb") as handle:
                self.originals[path] = handle.read()
            self.modes[path] = os.stat(path).st_mode & 0o7777
        root = cache_dir() / "tune-backups"
        root.mkdir(parents=True, exist_ok=True)
        self.backup_dir = tempfile.mkdtemp(prefix="backup-", dir=root)
        manifest = []
        for index, (path, data) in enumerate(self.originals.items()):
            copy = os.path.join(self.backup_dir, f"{index}-{os.path.basename(path)}")
            replace_file(copy, data, durable=True)
            manifest.append({"original": path, "backup": copy})
        replace_file(os.path.join(self.backup_dir, "manifest.json"), json.dumps(manifest, indent=1).encode(),
                     durable=True)
        for signum in (signal.SIGTERM, signal.SIGHUP):
            try:
                self._handlers[signum] = signal.signal(signum, _interrupt)
            except (ValueError, OSError):  # not the main thread: the finally clause still restores
                pass
        return self

    def write(self, path: str, data: bytes) -> None:
        path = os.path.abspath(path)
        if path not in self.originals:
            raise TuneError(f"{path} is not a guarded file")
        replace_file(path, data, mode=self.modes[path])

    def restore(self) -> list[str]:
        """Put every original back; the paths that could not be restored (with the backup's place)."""
        failed = []
        for path, data in self.originals.items():
            try:
                with open(path, "rb") as handle:
                    same = handle.read() == data
            except OSError:
                same = False
            if same:
                continue
            try:
                replace_file(path, data, durable=True, mode=self.modes[path])
            except OSError as error:
                failed.append(f"{path}: {error}")
        return failed

    def __exit__(self, *exc) -> None:
        # Ctrl-C during the restore must not leave a file half-way: ignore it until all are back
        previous = None
        try:
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except (ValueError, OSError):
            pass
        try:
            failed = self.restore()
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            for signum, handler in self._handlers.items():
                signal.signal(signum, handler)
        if failed:
            print(f"autopar tune: could not restore {'; '.join(failed)}; the originals are in "
                  f"{self.backup_dir}", file=sys.stderr)
        elif self.backup_dir:
            for name in os.listdir(self.backup_dir):
                os.unlink(os.path.join(self.backup_dir, name))
            os.rmdir(self.backup_dir)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


# --------------------------------------------------------------------------------------- commands

@dataclass
class Ran:
    returncode: Optional[int]  # None: timed out
    wall_s: float
    stdout: str
    stderr: str


def run_shell(command: str, cwd: str, env: dict, timeout: float) -> Ran:
    """`command` through the shell in its own process group, killed whole when it runs past `timeout`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, shell=True, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = process.communicate(timeout=max(0.1, timeout))
    except subprocess.TimeoutExpired:
        _kill_group(process)
        out, err = process.communicate()
        return Ran(None, time.perf_counter() - start, _decode(out), _decode(err))
    except BaseException:
        _kill_group(process)
        process.wait()
        raise
    return Ran(process.returncode, time.perf_counter() - start, _decode(out), _decode(err))


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _decode(data: Optional[bytes]) -> str:
    return (data or b"").decode("utf-8", "replace")


def _tail(text: str, lines: int = 4) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


# ------------------------------------------------------------------------------------------- model

@dataclass
class Option:
    id: str  # "serial" or the candidate id
    summary: str
    plan: Optional[object] = None  # a Plan, None for serial
    estimated_cost: float = 0.0
    status: str = "pending"  # ok | wrong-output | check-failed | race | build-failed | run-failed | timeout
    #                          | too-slow | not-applied | pending
    detail: str = ""
    race: str = ""  # clean | race | skipped: why | not needed
    times: list[float] = field(default_factory=list)
    measure: str = "wall"
    times_first: Optional[float] = None  # the untimed first run (a warm-up that checks the output)

    @property
    def median(self) -> Optional[float]:
        return statistics.median(self.times) if self.times else None

    def record(self) -> dict:
        out = {"option": self.id, "summary": self.summary, "status": self.status, "race_check": self.race,
               "measure": self.measure, "runs_s": [round(t, 6) for t in self.times]}
        if self.detail:
            out["detail"] = self.detail[:500]
        if self.times:
            out.update(median_s=round(self.median, 6), min_s=round(min(self.times), 6),
                       max_s=round(max(self.times), 6), spread_s=round(max(self.times) - min(self.times), 6),
                       spread_rel=round((max(self.times) - min(self.times)) / self.median, 4) if self.median else None)
        return out


@dataclass
class SourceFile:
    path: str  # absolute
    shown: str
    content: bytes
    tu: object
    nests: list
    has_main: bool
    flags: list[str]


@dataclass
class Region:
    file: SourceFile
    nest: object
    options: list[Option]
    work: float
    best: Option
    decided: bool = False
    reason: str = ""

    @property
    def name(self) -> str:
        from autopar.decisions import position

        return f"{self.file.shown}:{position(self.nest.root_loop_id)}"


@dataclass
class TuneConfig:
    build: str
    run: str
    check: Optional[str] = None
    cwd: str = "."
    budget_s: float = 600.0
    rounds: int = DEFAULT_ROUNDS
    threads: Optional[int] = None
    tolerance: float = 1e-6
    min_gain: float = DEFAULT_MIN_GAIN
    race_build: Optional[str] = None
    race_run: Optional[str] = None
    race_flags: Optional[list[str]] = None  # -D... for the single-file race check (a smaller size)
    check_races: bool = True
    order: str = "cost"  # cost | model | random
    max_candidates: Optional[int] = None
    output: Optional[str] = DEFAULT_OUTPUT
    seed: int = 0


# ------------------------------------------------------------------------------------------ tuner

class Tuner:
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
        from autopar.decisions import new_document

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
        return self.document

    # ------------------------------------------------------------------------------------- analysis

    def _analyze(self) -> None:
        from autopar.candidates import entries, work
        from autopar.pipeline import analyze_file, default_decision

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
                for nest in analysis.nests:
                    candidates = (self.candidates_hook(tu, nest) if self.candidates_hook else nest.candidates)
                    if not candidates:
                        continue
                    default = default_decision(nest).candidate_id
                    options = [Option("serial", "keep serial")]
                    for candidate in candidates:
                        label = " (analyzer default)" if candidate.id == default else ""
                        options.append(Option(candidate.id, candidate.summary + label, candidate.plan,
                                              candidate.estimated_cost))
                    options = self._order(tu, nest, options)
                    if self.config.max_candidates is not None:
                        options = options[:1 + self.config.max_candidates]
                    root = tu.loop(nest.root_loop_id)
                    try:
                        weight = work(tu, root) * entries(tu, root)
                    except Exception:
                        weight = 0.0
                    self.regions.append(Region(source, nest, options, weight, options[0]))
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

    # ----------------------------------------------------------------------------------- building

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
        from autopar.plan import Decision
        from autopar.edits import apply_edits
        from autopar.rewrite import plan_rewrite
        from autopar.verify import without_threshold

        out = {}
        self._skipped: list[str] = []
        for source in self.files:
            decisions = []
            for index, region in enumerate(self.regions):
                if region.file is not source:
                    continue
                option = choice.get(index, region.best)
                if option.plan is not None:
                    plan = without_threshold(option.plan) if without_thresholds else option.plan
                    decisions.append(Decision(root_loop_id=region.nest.root_loop_id, plan=plan))
            planned = plan_rewrite(source.content, source.tu, decisions)
            self._skipped += list(planned.skipped.values())
            out[source.path] = apply_edits(source.content, planned.edits)
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

    def _run(self, candidate: bool = False) -> tuple[Optional[str], Optional[float], str, list[str]]:
        """Run --run once: (problem, seconds, measure, output values). A candidate's run is stopped
        once it takes SLOW_FACTOR times serial's (it cannot win; the budget is better spent elsewhere)."""
        from autopar.verify import parse_output

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
        from autopar.verify import compare_values

        live: list[Option] = []
        total = len(self.regions)
        for number, option in enumerate(region.options):
            self.progress(region=index + 1, regions=total, name=region.name, option=number + 1,
                          options=len(region.options), best=self.best_speedup, stage="checking " + option.id)
            sources = self._sources({index: option})
            if option.plan is not None and sources == self._sources({index: region.options[0]}):
                option.status, option.detail = "not-applied", "; ".join(self._skipped) or "no edit"
                continue
            problem = self._build(sources)
            if problem:
                option.status, option.detail = "build-failed", problem
                continue
            # a warm-up run that also checks the output
            problem, seconds, measure, values = self._run(candidate=option.plan is not None)
            if problem:
                option.status = problem.split(":")[0] if problem.startswith(("check-failed", "too-slow")) else (
                    "timeout" if "timed out" in problem else "run-failed")
                option.detail = problem
                continue
            serial_first = region.options[0].times_first if region.options[0].status == "ok" else None
            option.times_first = seconds
            if option.plan is not None and serial_first and seconds > SLOW_FACTOR * serial_first:
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
            if option.plan is not None:
                verdict, detail = self._race_check(index, option)
                option.race = verdict
                if verdict == "race":
                    option.status, option.detail = "race", detail
                    continue
            else:
                option.race = "not needed"
            option.status = "ok"
            live.append(option)
        if not any(o.id == "serial" for o in live):
            region.reason = "serial did not build or run; nothing to compare with"
            return
        # interleaved rounds: every live option once per round, in the same order
        for round_number in range(self.config.rounds):
            for option in list(live):
                self.progress(region=index + 1, regions=total, name=region.name,
                              option=region.options.index(option) + 1, options=len(region.options),
                              best=self.best_speedup, stage=f"round {round_number + 1}/{self.config.rounds}")
                try:
                    problem = self._build(self._sources({index: option}))
                    if not problem:
                        problem, seconds, measure, values = self._run(candidate=option.plan is not None)
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
        self._decide(region, live)

    def _decide(self, region: Region, live: list[Option], partial: bool = False) -> None:
        serial = next((o for o in live if o.id == "serial" and o.times), None)
        timed = [o for o in live if o.times and o.status == "ok"]
        if serial is None or not timed:
            region.reason = "not measured before the budget ran out" if partial else "serial was not timed"
            return
        if partial:  # compare only options timed as often as serial, so that the rounds stay fair
            timed = [o for o in timed if len(o.times) >= len(serial.times)]
        best = min(timed, key=lambda o: o.median)
        if best.id != "serial" and best.median > serial.median * (1 - self.config.min_gain):
            region.reason = (f"{best.id} ({best.summary}) is within {self.config.min_gain:.0%} of serial "
                             f"({serial.median / best.median:.2f}x): kept serial")
            best = serial
        elif best.id != "serial" and max(best.times) >= min(serial.times):
            # the ranges overlap: on a loaded machine (or for a loop outside the timed part of the
            # program) that is noise, not a gain
            region.reason = (f"{best.id} ({best.summary}) measured {serial.median / best.median:.2f}x, but its "
                             f"slowest run was not faster than serial's fastest: kept serial")
            best = serial
        elif best.id == "serial":
            region.reason = "serial was fastest"
        else:
            region.reason = f"fastest: {serial.median / best.median:.2f}x of serial"
        region.best = best
        region.decided = True
        if best.id != "serial":
            self.best_speedup = max(self.best_speedup, serial.median / best.median)
        self._record(region, serial, partial)

    def _record(self, region: Region, serial: Option, partial: bool) -> None:
        from autopar.decisions import content_hash, plan_record, position, set_region

        best = region.best
        record = {"root": position(region.nest.root_loop_id), "root_loop_id": region.nest.root_loop_id,
                  "choice": best.id, "summary": best.summary, "plan": plan_record(best.plan),
                  "speedup": round(serial.median / best.median, 4) if best.median else None,
                  "reason": region.reason, "partial": partial,
                  "measurements": [o.record() for o in region.options]}
        set_region(self.document, region.file.shown, content_hash(region.file.content), record)

    def _race_check(self, index: int, option: Option) -> tuple[str, str]:
        """("clean" | "race" | "skipped: why", detail) for the program with `option` on region `index`."""
        if not self.config.check_races:
            return "skipped: --no-race-check", ""
        sources = self._sources({index: option}, without_thresholds=True)
        key = _digest(sources)
        if key in self._race_cache:
            return self._race_cache[key]
        if self.config.race_build:
            result = self._race_with_build(sources)
        else:
            result = self._race_single_file(self.regions[index].file, sources[self.regions[index].file.path])
        self._race_cache[key] = result
        _debug(f"race check of {option.id}: {result[0]}")
        return result

    def _race_with_build(self, sources: dict[str, bytes]) -> tuple[str, str]:
        from autopar.verify import TSAN_ENV, TSAN_EXIT_CODE, _tsan_report

        self._built = None  # the race build replaces the program: the next timing build must redo it
        self._install(sources)
        ran = run_shell(self.config.race_build, self.config.cwd, self._env(), self._timeout(600))
        if ran.returncode != 0:
            return "skipped: the --race-build command failed: " + _tail(ran.stderr or ran.stdout), ""
        threads = max(RACE_THREADS, self.config.threads or 0)
        ran = run_shell(self.config.race_run or self.config.run, self.config.cwd,
                        self._env(threads, TSAN_ENV), self._timeout(1200))
        report = _tsan_report(ran.stderr)
        if ran.returncode == TSAN_EXIT_CODE or report:
            return "race", report or _tail(ran.stderr, 10)
        if ran.returncode != 0:
            return f"skipped: the race build's run exited {ran.returncode}: {_tail(ran.stderr)}", ""
        return "clean", ""

    def _race_single_file(self, source: SourceFile, data: bytes) -> tuple[str, str]:
        from autopar.verify import include_beside, race_check, source_flags

        if not source.has_main:
            return (f"skipped: {source.shown} has no main and no --race-build was given", "")
        defines = source_flags(self.compile_flags or source.flags)
        if self.config.race_flags is not None:
            defines = [f for f in defines if not f.startswith(("-D", "-U"))] + list(self.config.race_flags)
        with tempfile.TemporaryDirectory(prefix="autopar-tune-race-") as scratch:
            copy = os.path.join(scratch, os.path.basename(source.path))
            with open(copy, "wb") as out:
                out.write(data)
            threads = max(RACE_THREADS, self.config.threads or 0)
            check = race_check(copy, scratch, [*defines, *include_beside(source.path)], (), threads,
                               timeout=self._timeout(600))
        if check.ran and check.race_free is False:
            return "race", check.excerpt or ""
        if check.ran:
            return "clean", ""
        return f"skipped: {check.error}", ""

    def _final(self) -> None:
        """Interleaved rounds of the original against the tuned program, for the summary."""
        if not any(r.decided and r.best.plan is not None for r in self.regions):
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
        from autopar.decisions import content_hash, position, set_region

        why = (f"the whole program measured {speedup:.2f}x of serial with the tuned plans "
               f"(interleaved rounds): every region kept serial")
        self.document["summary"]["reverted"] = why
        for region in self.regions:
            if not region.decided or region.best.plan is None:
                continue
            serial = region.options[0]
            region.best, region.reason = serial, why
            record = {"root": position(region.nest.root_loop_id), "root_loop_id": region.nest.root_loop_id,
                      "choice": "serial", "summary": serial.summary, "plan": None, "speedup": 1.0,
                      "reason": why, "partial": False, "measurements": [o.record() for o in region.options]}
            set_region(self.document, region.file.shown, content_hash(region.file.content), record)

    def _save(self) -> None:
        if self.config.output and self.document is not None:
            from autopar.decisions import save

            save(self.config.output, self.document)


_MAIN = re.compile(rb"^[ \t]*(?:int|void)?[ \t\n]*\bmain[ \t]*\(", re.MULTILINE)


def has_main(content: bytes) -> bool:
    """Whether the file defines `main` (a plain text test: the race check needs a program)."""
    return _MAIN.search(content) is not None


def _note(message: str) -> None:
    from autopar.output import info

    info(f"autopar tune: {message}")


def _debug(message: str) -> None:
    from autopar.output import debug

    debug(f"autopar tune: {message}")


def _stats(times: list[float]) -> dict:
    median = statistics.median(times)
    return {"median_s": round(median, 6), "min_s": round(min(times), 6), "max_s": round(max(times), 6),
            "spread_s": round(max(times) - min(times), 6), "runs_s": [round(t, 6) for t in times]}


def _digest(sources: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for path in sorted(sources):
        h.update(path.encode("utf-8", "surrogateescape") + b"\0" + hashlib.sha256(sources[path]).digest())
    return h.hexdigest()


def _machine() -> dict:
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {"cpus": os.cpu_count(), "load_average": load, "platform": sys.platform}


# ---------------------------------------------------------------------------- the model as a guide

def model_orderer(reasoner):
    """Order a region's candidates by the model's preference: its probabilities per option when the
    backend gives them (the tree-of-thoughts scoring), best first; the cost model's order on failure."""
    def order(tu, nest, options: list[Option]) -> list[Option]:
        scores = model_scores(reasoner, tu, nest)
        if not scores:
            return sorted(options, key=lambda o: (o.estimated_cost, o.id))
        return sorted(options, key=lambda o: (-scores.get(o.id, -math.inf), o.estimated_cost, o.id))
    return order


def model_scores(reasoner, tu, nest) -> dict[str, float]:
    """Option id -> the model's expected rating of that option (1-5) from its next-token probabilities
    (tree of thoughts' scoring), or {} when the backend cannot give probabilities."""
    from autopar.reasoner.core import NestTrace
    from autopar.reasoner.prompt import build_options
    from autopar.reasoner.strategies.base import Context, base_messages
    from autopar.reasoner.strategies.tree_of_thoughts import SCORES, _question

    try:
        options = build_options(tu, nest, False)
        trace = NestTrace(root_loop_id=nest.root_loop_id)
        ctx = Context(tu=tu, nest=nest, options=options, ask=reasoner._asker(trace), rejections=[],
                      distribution=reasoner._distributor(trace))
        if ctx.distribution is None:
            return {}
        scores = {}
        for option in options:
            messages = base_messages(ctx) + [{"role": "user", "content": _question(option)}]
            probabilities = ctx.distribution(messages, '{"score": "', SCORES)
            scores[option.id] = sum(p * int(s) for p, s in zip(probabilities, SCORES))
        return scores
    except Exception:  # noqa: BLE001 - a model that cannot rank leaves the cost model's order
        return {}


# ------------------------------------------------------------------ --verify-with for rewrite/check

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


__all__ = ["SourceGuard", "Tuner", "TuneConfig", "Option", "Region", "TuneError", "command_verifier",
           "model_orderer", "run_shell"]
