"""`autopar bench`: the kernel suite against the compilers' own auto-parallelizers and hand-written OpenMP.

Configurations, all measured in one run on the same machine:
  serial             gcc -O3
  gcc-autopar        gcc -O3 -ftree-parallelize-loops=T
  polly              clang -O3 with Polly's parallel code generation (when this clang has Polly)
  reference          the hand-written OpenMP version, gcc -O3 -fopenmp
  autopar            the source rewritten with the analyzer's default plans, gcc -O3 -fopenmp
  autopar-llm:M:S    the source rewritten with model M's choices under prompt strategy S

Each (kernel, size, configuration, thread count) is timed with warm-up and the median of k runs of
the kernel's own `time_s`, and its checksum compared with the serial build's. Every configuration
that runs OpenMP code is also race-checked with ThreadSanitizer + Archer at the small size. A failed
compile or a crash is recorded and the run goes on.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Callable, Literal, Optional, Sequence

import yaml
from pydantic import BaseModel, Field

from autopar import verify as v

SUITE_FILE = Path(__file__).resolve().parent.parent / "benchmarks" / "kernels.yaml"
# `--suite affine`: static-control kernels for restructuring (benchmarks/affine/)
SUITE_FILES = {"kernels": SUITE_FILE, "affine": SUITE_FILE.parent / "affine.yaml"}
POLLY_FLAGS = ["-mllvm", "-polly", "-mllvm", "-polly-parallel",
               "-mllvm", "-polly-pattern-matching-based-opts=false"]
BASE_CONFIGS = ["serial", "gcc-autopar", "polly", "reference", "autopar"]
# asked for by name (or by a suite's default_configs): the source restructured by `rewrite --optimize`
OPTIONAL_CONFIGS = ["autopar-optimize", "autopar-gpu"]
SIZES = ("tiny", "small", "medium", "large")  # tiny: only the kernels that define it

# tool-failed: autopar's own analysis or rewrite crashed on the kernel (a bug, never hidden)
Status = Literal["ok", "wrong-output", "race", "compile-failed", "run-failed", "timeout", "tool-failed",
                 "unavailable"]


# ------------------------------------------------------------------------------------------- models

class Kernel(BaseModel):
    name: str
    source: str  # absolute paths
    reference: str
    output: Literal["int", "float"] = "float"
    sizes: dict[str, dict[str, int]]

    def defines(self, size: str) -> list[str]:
        return [f"-D{name}={value}" for name, value in self.sizes[size].items()]


class Suite(BaseModel):
    compiler_flags: list[str] = Field(default_factory=lambda: ["-O3"])
    link_flags: list[str] = Field(default_factory=lambda: ["-lm"])
    kernels: list[Kernel]
    default_configs: Optional[list[str]] = None  # the configurations run when --configs is not given


class BenchRecord(BaseModel):
    kernel: str
    size: str
    config: str
    threads: int
    status: Status
    timing: Optional[v.Timing] = None
    speedup: Optional[float] = None  # serial median / this median
    efficiency: Optional[float] = None  # speedup / threads
    output_match: Optional[bool] = None
    max_relative_error: Optional[float] = None
    race_free: Optional[bool] = None  # from this configuration's race check at the small size
    tool_latency_s: Optional[float] = None  # autopar: analysis + rewrite of the kernel file
    parallel_loops: Optional[int] = None  # autopar: pragmas inserted
    decided_by: Optional[dict[str, int]] = None  # autopar: loop nests per decider (analyzer/model/fallback)
    error: Optional[str] = None


class RaceRecord(BaseModel):
    kernel: str
    config: str
    size: str = "small"
    threads: int = 2
    race_free: Optional[bool] = None
    excerpt: Optional[str] = None
    error: Optional[str] = None


class Machine(BaseModel):
    cores: int
    cpu: str
    system: str
    gcc: str
    clang: str
    load_average: list[float] = Field(default_factory=list)  # 1/5/15-minute load when the run started
    load_average_end: list[float] = Field(default_factory=list)  # ... and when it finished


class BenchResults(BaseModel):
    version: int = 1
    machine: Machine
    started: str
    finished: str = ""
    duration_s: float = 0.0
    kernels: list[str]
    sizes: list[str]
    threads: list[int]
    configs: list[str]
    repeat: int
    warmup: int
    tolerance: float
    omp_wait_policy: Optional[str] = None  # OMP_WAIT_POLICY of every run; None: the runtime's default
    unavailable: dict[str, str] = Field(default_factory=dict)  # configuration -> why
    records: list[BenchRecord] = Field(default_factory=list)
    race_checks: list[RaceRecord] = Field(default_factory=list)


# ------------------------------------------------------------------------------------------- set-up

class BenchError(Exception):
    """Bad options or a broken suite file: reported to the user, never a traceback."""


def load_suite(path: Path = SUITE_FILE) -> Suite:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise BenchError(f"cannot read the kernel suite {path}: {error}") from error
    base = path.parent
    kernels = [Kernel(name=name, source=str(base / entry["source"]), reference=str(base / entry["reference"]),
                      output=entry.get("output", "float"), sizes=entry["sizes"])
               for name, entry in data["kernels"].items()]
    # The kernels include their shared driver code (harness.h) from their own directory; a rewritten
    # copy is compiled from elsewhere (sources/, a scratch directory), so it is found through -I.
    includes = [flag for k in kernels for flag in v.include_beside(k.source)]
    return Suite(compiler_flags=[*data.get("compiler_flags", ["-O3"]), *dict.fromkeys(includes)],
                 link_flags=data.get("link_flags", ["-lm"]), kernels=kernels,
                 default_configs=data.get("default_configs"))


def offload_device_unavailable(workdir: str) -> Optional[str]:
    """None when a program built with `gcc -fopenmp` sees an offload device here, else why not:
    without one, `autopar-gpu` (the `--target gpu` plans) is recorded as unavailable, not timed on
    the host's fallback."""
    source = Path(workdir) / "device_probe.c"
    source.write_text('#include <omp.h>\n#include <stdio.h>\nint main(void) { printf("%d\\n", '
                      'omp_get_num_devices()); return 0; }\n')
    built = v.compile_source(str(source), str(Path(workdir) / "device_probe"), "gcc", ["-O1"], openmp=True,
                             link_flags=[])
    if not built.ok:
        return "unavailable (no device): the device probe does not build with gcc -fopenmp"
    run = v.run_program(built.executable, threads=1, timeout=30)
    devices = run.stdout.strip()
    if run.returncode != 0 or not devices.isdigit() or int(devices) == 0:
        return "unavailable (no device): omp_get_num_devices() is 0 for gcc -fopenmp on this machine"
    return None


def polly_unavailable() -> Optional[str]:
    """None when `clang -mllvm -polly` works here, otherwise why not."""
    try:
        done = subprocess.run(["clang", "-mllvm", "-polly", "-x", "c", "-c", "/dev/null", "-o", "/dev/null"],
                              capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        return "clang not found"
    except subprocess.TimeoutExpired:
        return "clang -mllvm -polly timed out"
    if done.returncode != 0:
        return "this clang has no Polly: " + (done.stderr.strip().splitlines() or ["(no message)"])[0]
    return None


def llm_reasoner(model: str, strategy: str) -> tuple[Optional[Callable], Optional[str]]:
    """A pipeline Reasoner for `model` and `strategy`, or (None, why not)."""
    try:
        from autopar import reasoner as module
    except Exception as error:  # any import failure means: not available here
        return None, f"autopar.reasoner cannot be imported: {error}"
    factory = getattr(module, "make_reasoner", None)
    if factory is None:
        return None, "autopar.reasoner has no make_reasoner(model, strategy)"
    try:
        return factory(model, strategy), None
    except Exception as error:
        return None, f"cannot load model {model!r} with strategy {strategy!r}: {error}"


def machine_info() -> Machine:
    from autopar.machine import cpu_model

    return Machine(cores=os.cpu_count() or 1, cpu=cpu_model(), system=f"{platform.system()} {platform.release()}",
                   gcc=_first_line(["gcc", "--version"]), clang=_first_line(["clang", "--version"]),
                   load_average=_load_average())


def _load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):  # AttributeError: a system without getloadavg
        return []


def _first_line(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "not found"


# -------------------------------------------------------------------------------------------- running

class _Build(BaseModel):
    """How one configuration is compiled: which source, compiler and flags (T: the thread count)."""

    source: Optional[str]  # None: unavailable
    compiler: str = "gcc"
    flags: list[str] = Field(default_factory=list)
    openmp: bool = True
    per_thread_count: bool = False  # gcc-autopar fixes the thread count at compile time
    race_checked: bool = True
    race_flags: list[str] = Field(default_factory=list)
    race_source: Optional[str] = None  # what the race check builds, when not `source` (see Rewritten)
    unavailable: Optional[str] = None
    tool_error: Optional[str] = None  # the analysis/rewrite failed
    tool_latency_s: Optional[float] = None
    parallel_loops: Optional[int] = None
    decided_by: Optional[dict[str, int]] = None


def run_bench(kernels: Optional[Sequence[str]] = None, threads: Sequence[int] = (1, 2),
              sizes: Sequence[str] = ("medium",), out_dir: str = "bench-results", repeat: int = 3,
              warmup: int = 1, tolerance: float = v.DEFAULT_TOLERANCE, llm_models: Sequence[str] = (),
              llm_strategies: Sequence[str] = (), race_checks: bool = True, suite_file: Path = SUITE_FILE,
              configs: Optional[Sequence[str]] = None, omp_wait_policy: Optional[str] = None,
              progress: Optional[Callable[[str, int], None]] = None) -> BenchResults:
    """Run the suite and return the results (also written to `out_dir`/results.json).

    `configs` picks among BASE_CONFIGS (default: all); serial always runs, as every speedup needs it.
    `omp_wait_policy` (OMP_WAIT_POLICY) is set for every run when given. On a machine shared with
    other work, "passive" (threads sleep at barriers) keeps a spinning thread from taking the core its
    partner needs: a 2-thread Dijkstra took 0.3 s passive and 4.4 s active at a load average of 4. On
    an idle machine the runtime's default is faster for fine-grained kernels (0.09 s against 0.33 s).
    """
    suite = load_suite(suite_file)
    chosen = _choose_kernels(suite, kernels)
    for size in sizes:
        if size not in SIZES:
            raise BenchError(f"unknown size {size!r} (choose from {', '.join(SIZES)})")
    if not threads or any(t < 1 for t in threads):
        raise BenchError("thread counts must be positive integers")
    known = BASE_CONFIGS + OPTIONAL_CONFIGS
    unknown = [c for c in configs or () if c not in known]
    if unknown:
        raise BenchError(f"unknown configuration(s): {', '.join(unknown)} (known: {', '.join(known)})")
    if configs is None and suite.default_configs:
        configs = list(suite.default_configs)
    configs = ["serial"] + [c for c in known[1:] if (c in BASE_CONFIGS and configs is None) or c in (configs or ())]
    configs += [f"autopar-llm:{m}:{s}" for m in llm_models for s in llm_strategies]
    out = Path(out_dir)
    (out / "build").mkdir(parents=True, exist_ok=True)
    (out / "sources").mkdir(parents=True, exist_ok=True)
    started = time.time()
    results = BenchResults(machine=machine_info(), started=_utc(started), kernels=[k.name for k in chosen],
                           sizes=list(sizes), threads=sorted(set(threads)), configs=configs, repeat=repeat,
                           warmup=warmup, tolerance=tolerance, omp_wait_policy=omp_wait_policy)
    polly_reason = polly_unavailable()
    if polly_reason:
        results.unavailable["polly"] = polly_reason
    if "autopar-gpu" in configs:
        device_reason = offload_device_unavailable(str(out / "build"))
        if device_reason:
            results.unavailable["autopar-gpu"] = device_reason
    reasoners: dict[str, Callable] = {}
    for config in [c for c in configs if c.startswith("autopar-llm:")]:
        _, model, strategy = config.split(":", 2)
        made, why = llm_reasoner(model, strategy)
        if made is None:
            results.unavailable[config] = why
        else:
            reasoners[config] = made

    tick = progress or (lambda label, steps: None)
    base_flags = suite.compiler_flags
    for kernel in chosen:
        workdir = out / "build" / kernel.name
        workdir.mkdir(parents=True, exist_ok=True)
        builds = _builds(kernel, configs, base_flags, results.unavailable, reasoners, out / "sources")
        for size in (s for s in sizes if s in kernel.sizes):
            _run_size(kernel, size, builds, results, workdir, suite.link_flags, repeat, warmup, tolerance, tick)
        if race_checks:
            for config, build in builds.items():
                if build.source is None or not build.race_checked:
                    continue
                tick(f"{kernel.name}: race check {config}", 0)
                check = v.race_check(build.race_source or build.source, str(workdir),
                                     [*build.race_flags, *kernel.defines("small"),
                                      *v.include_beside(kernel.source)],
                                     threads=max(v.RACE_THREADS, max(threads)), link_flags=suite.link_flags)
                results.race_checks.append(RaceRecord(kernel=kernel.name, config=config, threads=check.threads,
                                                      race_free=check.race_free, excerpt=check.excerpt,
                                                      error=check.error))
                _apply_race_result(results, kernel.name, config, check.race_free)
        _write(results, out, started)
    _write(results, out, started)
    return results


def count_steps(kernels: int, sizes: int, threads: Sequence[int], configs: int) -> int:
    """Progress steps: one per timed (kernel, size, configuration, thread count) and serial."""
    return kernels * sizes * (1 + (configs - 1) * len(set(threads)))


def _choose_kernels(suite: Suite, names: Optional[Sequence[str]]) -> list[Kernel]:
    if not names:
        return suite.kernels
    known = {k.name: k for k in suite.kernels}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise BenchError(f"unknown kernel(s): {', '.join(unknown)} (known: {', '.join(known)})")
    return [known[n] for n in names]


def _builds(kernel: Kernel, configs: list[str], base_flags: list[str], unavailable: dict[str, str],
            reasoners: dict[str, Callable], sources_dir: Path) -> dict[str, _Build]:
    builds: dict[str, _Build] = {
        "serial": _Build(source=kernel.source, flags=base_flags, openmp=False, race_checked=False),
        "gcc-autopar": _Build(source=kernel.source, flags=[*base_flags, "-ftree-parallelize-loops={T}"],
                              openmp=False, per_thread_count=True, race_checked=False),
        "polly": _Build(source=kernel.source, compiler="clang", flags=["-O3", *POLLY_FLAGS], race_flags=POLLY_FLAGS),
        "reference": _Build(source=kernel.reference, flags=base_flags),
    }
    for config in configs:
        if config not in ("autopar", "autopar-optimize", "autopar-gpu") and not config.startswith("autopar-llm:"):
            continue
        if config in unavailable:
            builds[config] = _Build(source=None, unavailable=unavailable[config])
            continue
        # each kernel is a program of one source, built as `cc kernel.c -o kernel`: autopar-cc
        # analyzes such a build as a whole program, and so does the bench
        if config == "autopar-optimize":
            made = v.rewrite_with_plans(kernel.source, [], optimize=True, whole_program=True)
        elif config == "autopar-gpu":
            made = _offload_rewrite(kernel.source)
        else:
            made = v.rewrite_with_plans(kernel.source, [], reasoner=reasoners.get(config), whole_program=True)
        if made.error:
            builds[config] = _Build(source=None, tool_error=made.error, tool_latency_s=made.latency_s)
            continue
        path = sources_dir / f"{kernel.name}.{config.replace(':', '_')}.c"
        path.write_bytes(made.source)
        race_path = None
        if made.race_check_source is not None and made.race_check_source != made.source:
            race_path = sources_dir / f"{kernel.name}.{config.replace(':', '_')}.nothreshold.c"
            race_path.write_bytes(made.race_check_source)
        builds[config] = _Build(source=str(path), race_source=str(race_path) if race_path else None,
                                flags=base_flags, tool_latency_s=made.latency_s,
                                parallel_loops=made.parallel_loops, decided_by=made.decided_by,
                                # nothing to race-check when nothing was parallelized
                                race_checked=made.parallel_loops > 0)
    if "polly" in unavailable:
        builds["polly"] = _Build(source=None, unavailable=unavailable["polly"])
    return {c: builds[c] for c in configs}


def _offload_rewrite(source: str):
    """The kernel as `autopar rewrite --whole-program --target gpu` writes it."""
    from autopar.plan import TARGET_ENV

    saved = os.environ.get(TARGET_ENV)
    os.environ[TARGET_ENV] = "gpu"
    try:
        return v.rewrite_with_plans(source, [], whole_program=True)
    finally:
        if saved is None:
            os.environ.pop(TARGET_ENV, None)
        else:
            os.environ[TARGET_ENV] = saved


class _Job(BaseModel):
    """One (configuration, thread count) of one kernel and size being measured."""

    record: BenchRecord
    executable: str
    runs: list[v.RunResult] = Field(default_factory=list)
    spent_s: float = 0.0
    done: bool = False


def _run_size(kernel: Kernel, size: str, builds: dict[str, _Build], results: BenchResults, workdir: Path,
              link_flags: list[str], repeat: int, warmup: int, tolerance: float, tick) -> None:
    """Build every configuration, then run them round-robin: round r runs each build once.

    Interleaving spreads the load of a shared machine evenly over the configurations, instead of
    penalising whichever one happened to run while something else was busy.
    """
    jobs: list[_Job] = []
    for config, build in builds.items():
        for threads in ([1] if config == "serial" else results.threads):
            record = BenchRecord(kernel=kernel.name, size=size, config=config, threads=threads, status="ok",
                                 tool_latency_s=build.tool_latency_s, parallel_loops=build.parallel_loops,
                                 decided_by=build.decided_by)
            results.records.append(record)
            tick(f"{kernel.name} {size}: build {config} T={threads}", 0)
            executable = _build(kernel, size, config, build, threads, record, workdir, link_flags, results)
            if executable:
                jobs.append(_Job(record=record, executable=executable))
    serial = next((job for job in jobs if job.record.config == "serial"), None)
    for job in jobs:
        if serial is None and job.record.status == "ok":
            job.record.status, job.record.error = "unavailable", "the serial build failed, so there is no baseline"
            job.done = True

    rounds = warmup + repeat
    timeout, budget = v.RUN_TIMEOUT_S, None
    environment = {"OMP_WAIT_POLICY": results.omp_wait_policy} if results.omp_wait_policy else {}
    for round_index in range(rounds):
        for job in jobs:
            tick(f"{kernel.name} {size}: {job.record.config} T={job.record.threads}", 1 / rounds)
            if job.done:
                continue
            # the offload plans run on the device or fail, never silently on the host
            device = {"OMP_TARGET_OFFLOAD": "MANDATORY"} if job.record.config == "autopar-gpu" else {}
            run = v.run_program(job.executable, (), job.record.threads, timeout, extra_env={**environment, **device})
            job.runs.append(run)
            job.spent_s += run.wall_s
            if not run.ok:
                job.done = True
                if run.returncode is None:
                    job.record.status, job.record.error = "timeout", f"killed after {timeout:.0f} s"
                else:
                    job.record.status = "run-failed"
                    job.record.error = f"exit code {run.returncode}: {run.stderr[-1500:]}"
                if job is serial:  # no baseline: the others cannot be judged
                    for other in jobs:
                        if not other.done:
                            other.done = True
                            other.record.status = "unavailable"
                            other.record.error = "the serial build did not run, so there is no baseline"
            elif job is serial and round_index == 0:
                # A build far slower than serial (a badly placed pragma) must not stall the whole run.
                timeout = max(20.0, 30 * run.wall_s)
                budget = max(10.0, 10 * run.wall_s * rounds)
            elif budget is not None and job.spent_s > budget:
                job.done = True  # timed by the runs it had

    if serial is None or serial.record.status != "ok":
        return
    expected = serial.runs[0].output.values
    serial_timing = v.timing_of(serial.runs, warmup, serial.record.threads)
    for job in jobs:
        record = job.record
        if record.status != "ok" or not job.runs:
            continue
        record.timing = v.timing_of(job.runs, warmup, record.threads)
        comparisons = [v.compare_values(expected, r.output.values, tolerance) for r in job.runs]
        record.output_match = all(c.match for c in comparisons)
        record.max_relative_error = max(c.max_relative_error for c in comparisons)
        if not record.output_match:
            record.status = "wrong-output"
            record.error = next(c.message for c in comparisons if not c.match)
        if record.timing.median_s > 0:
            record.speedup = serial_timing.median_s / record.timing.median_s
            record.efficiency = record.speedup / record.threads


def _build(kernel: Kernel, size: str, config: str, build: _Build, threads: int, record: BenchRecord,
           workdir: Path, link_flags: list[str], results: BenchResults) -> Optional[str]:
    """The executable for one configuration and thread count, or None (the record says why)."""
    if build.tool_error:
        record.status, record.error = "tool-failed", build.tool_error
        return None
    if build.source is None:
        record.status, record.error = "unavailable", build.unavailable
        return None
    flags = [f.replace("{T}", str(threads)) for f in build.flags] + kernel.defines(size)
    tag = f"{config.replace(':', '_')}-{size}" + (f"-T{threads}" if build.per_thread_count else "")
    executable = str(workdir / f"{tag}.exe")
    if os.path.exists(executable) and _built_this_run(executable, results):
        return executable  # the same build serves every thread count
    built = v.compile_source(build.source, executable, build.compiler, flags, openmp=build.openmp,
                             link_flags=link_flags)
    if not built.ok:
        record.status = "compile-failed"
        record.error = f"{' '.join(built.command)}\n{built.stderr[-1500:]}"
        return None
    return executable


def _built_this_run(executable: str, results: BenchResults) -> bool:
    """An executable left by an earlier run is rebuilt: the sources or the compiler may have changed."""
    started = datetime.datetime.fromisoformat(results.started.replace("Z", "+00:00")).timestamp()
    return os.path.getmtime(executable) >= started


def _apply_race_result(results: BenchResults, kernel: str, config: str, race_free: Optional[bool]) -> None:
    for record in results.records:
        if record.kernel == kernel and record.config == config:
            record.race_free = race_free
            if race_free is False and record.status == "ok":
                record.status = "race"


def _write(results: BenchResults, out: Path, started: float) -> None:
    results.finished = _utc(time.time())
    results.machine.load_average_end = _load_average()
    results.duration_s = round(time.time() - started, 1)
    (out / "results.json").write_text(results.model_dump_json(indent=2))


def _utc(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat(timespec="seconds")


def parse_threads(text: str) -> list[int]:
    try:
        counts = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError as error:
        raise BenchError(f"--threads takes comma-separated integers, not {text!r}") from error
    if not counts or counts[0] < 1:
        raise BenchError("--threads needs positive thread counts")
    return counts


def split_list(text: Optional[str]) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


