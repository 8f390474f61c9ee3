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

The run's parts, one job per module:
  suite    the suite file: kernels, their sources and sizes
  results  the results: records, race checks, the machine
  machine  what this machine offers (Polly, an offload device, a model)
  builds   each configuration's source and flags, and its build
  runs     the interleaved, timed runs of one kernel at one size (rounds: their schedule)
  bundle   the builds made here and timed on another machine (bundle_run: the runner there)
"""

from __future__ import annotations

import contextlib
import datetime
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

from autopar.tools import verify as v
from autopar.tools.bench.builds import _builds
from autopar.tools.bench.bundle import BundleGroup, add_group, judge_bundle, write_bundle
from autopar.tools.bench.machine import (_load_average, build_device_probe, llm_reasoner, machine_info,
                                         offload_device_unavailable, polly_unavailable)
from autopar.tools.bench.results import BenchRecord, BenchResults, RaceRecord
from autopar.tools.bench.runs import _build_jobs, _run_size
from autopar.tools.bench.suite import SIZES, SUITE_FILE, SUITE_FILES, BenchError, Kernel, Suite, load_suite

BASE_CONFIGS = ["serial", "gcc-autopar", "polly", "reference", "autopar"]
# asked for by name (or by a suite's default_configs): the source restructured by `rewrite --optimize`
OPTIONAL_CONFIGS = ["autopar-optimize", "autopar-gpu"]


def run_bench(kernels: Optional[Sequence[str]] = None, threads: Sequence[int] = (1, 2),
              sizes: Sequence[str] = ("medium",), out_dir: str = "bench-results", repeat: int = 3,
              warmup: int = 1, tolerance: float = v.DEFAULT_TOLERANCE, llm_models: Sequence[str] = (),
              llm_strategies: Sequence[str] = (), race_checks: bool = True, suite_file: Path = SUITE_FILE,
              configs: Optional[Sequence[str]] = None, omp_wait_policy: Optional[str] = None,
              progress: Optional[Callable[[str, int], None]] = None, bundle: bool = False) -> BenchResults:
    """Run the suite and return the results (also written to `out_dir`/results.json).

    `configs` picks among BASE_CONFIGS (default: all); serial always runs, as every speedup needs it.
    `omp_wait_policy` (OMP_WAIT_POLICY) is set for every run when given. On a machine shared with
    other work, "passive" (threads sleep at barriers) keeps a spinning thread from taking the core its
    partner needs: a 2-thread Dijkstra took 0.3 s passive and 4.4 s active at a load average of 4. On
    an idle machine the runtime's default is faster for fine-grained kernels (0.09 s against 0.33 s).
    With `bundle`, nothing is timed: `out_dir` becomes a bundle (autopar.tools.bench.bundle) of the
    builds, to be timed on another machine.
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
    device_probe = _check_availability(results, configs, out, bundle)
    reasoners = _reasoners(results, configs)

    tick = progress or (lambda label, steps: None)
    groups: list[BundleGroup] = []
    base_flags = suite.compiler_flags
    for kernel in chosen:
        workdir = out / "build" / kernel.name
        workdir.mkdir(parents=True, exist_ok=True)
        builds_at = {}
        for size in (s for s in sizes if s in kernel.sizes):
            builds_at[size] = _builds(kernel, configs, base_flags, results.unavailable, reasoners, out / "sources",
                                      size)
            if bundle:
                add_group(groups, out, results, kernel.name, size,
                          _build_jobs(kernel, size, builds_at[size], results, workdir, suite.link_flags, tick))
            else:
                _run_size(kernel, size, builds_at[size], results, workdir, suite.link_flags, repeat, warmup,
                          tolerance, tick)
        if race_checks:
            # at the small size, the plans autopar makes for it
            race_builds = builds_at.get("small") or _builds(kernel, configs, base_flags, results.unavailable,
                                                             reasoners, out / "sources", "small")
            # a bundle carries only what it runs: its race-check builds are made elsewhere
            with tempfile.TemporaryDirectory(prefix="autopar-race-") if bundle else contextlib.nullcontext(
                    workdir) as race_dir:
                _race_check(kernel, race_builds, results, Path(race_dir), max(v.RACE_THREADS, max(threads)),
                            suite.link_flags, tick)
        _write(results, out, started)
    _write(results, out, started)
    if bundle:
        write_bundle(out, results, groups, warmup + repeat, device_probe)
    return results


def _check_availability(results: BenchResults, configs: list[str], out: Path, bundle: bool) -> Optional[str]:
    """Records why Polly or the offload device is unavailable here; a bundle's device probe (its
    device is looked for where the bundle runs), when autopar-gpu is asked for."""
    polly_reason = polly_unavailable()
    if polly_reason:
        results.unavailable["polly"] = polly_reason
    if "autopar-gpu" not in configs:
        return None
    if bundle:
        probe = build_device_probe(str(out / "build"))
        if not probe.ok:
            results.unavailable["autopar-gpu"] = "unavailable (no device): the device probe does not build with gcc"
        return probe.executable
    device_reason = offload_device_unavailable(str(out / "build"))
    if device_reason:
        results.unavailable["autopar-gpu"] = device_reason
    return None


def _reasoners(results: BenchResults, configs: list[str]) -> dict[str, Callable]:
    """A reasoner per autopar-llm configuration whose model loads (the others are recorded unavailable)."""
    reasoners: dict[str, Callable] = {}
    for config in [c for c in configs if c.startswith("autopar-llm:")]:
        _, model, strategy = config.split(":", 2)
        made, why = llm_reasoner(model, strategy)
        if made is None:
            results.unavailable[config] = why
        else:
            reasoners[config] = made
    return reasoners


def _race_check(kernel: Kernel, builds: dict, results: BenchResults, workdir: Path, threads: int,
                link_flags: list[str], tick) -> None:
    """Each OpenMP build of the kernel under ThreadSanitizer at the small size; the verdict goes on
    every record of that configuration."""
    for config, build in builds.items():
        if build.source is None or not build.race_checked:
            continue
        tick(f"{kernel.name}: race check {config}", 0)
        check = v.race_check(build.race_source or build.source, str(workdir),
                             [*build.race_flags, *kernel.defines("small"), *v.include_beside(kernel.source)],
                             threads=threads, link_flags=link_flags)
        results.race_checks.append(RaceRecord(kernel=kernel.name, config=config, threads=check.threads,
                                              race_free=check.race_free, excerpt=check.excerpt, error=check.error))
        _apply_race_result(results, kernel.name, config, check.race_free)


def count_steps(kernels: int, sizes: int, threads: Sequence[int], configs: int, at_one_count: int = 0) -> int:
    """Progress steps: one per timed (kernel, size, configuration, thread count) and serial;
    `at_one_count` of the configurations run at one thread count only (autopar-gpu)."""
    return kernels * sizes * (1 + at_one_count + (configs - 1 - at_one_count) * len(set(threads)))


def _choose_kernels(suite: Suite, names: Optional[Sequence[str]]) -> list[Kernel]:
    if not names:
        return suite.kernels
    known = {k.name: k for k in suite.kernels}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise BenchError(f"unknown kernel(s): {', '.join(unknown)} (known: {', '.join(known)})")
    return [known[n] for n in names]


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


__all__ = ["BASE_CONFIGS", "OPTIONAL_CONFIGS", "SIZES", "SUITE_FILE", "SUITE_FILES", "BenchError", "BenchRecord",
           "BenchResults", "Kernel", "RaceRecord", "Suite", "count_steps", "judge_bundle", "load_suite", "parse_threads",
           "run_bench", "split_list"]
