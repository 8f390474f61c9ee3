"""The timed runs of one kernel at one size: _run_size builds every configuration, runs them
round-robin (warm-up and repeat rounds, autopar.tools.bench.rounds), and judge_runs fills each
BenchRecord with its timing, its output's comparison with serial's, and its speedup and efficiency."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from autopar.tools import verify as v
from autopar.tools.bench.builds import _build, _Build
from autopar.tools.bench.results import BenchRecord, BenchResults
from autopar.tools.bench.rounds import Slot, run_rounds
from autopar.tools.bench.suite import Kernel


class _Job(BaseModel):
    """One (configuration, thread count) of one kernel and size being measured."""

    record: BenchRecord
    executable: str
    environment: dict[str, str] = Field(default_factory=dict)  # besides OMP_NUM_THREADS
    runs: list[v.RunResult] = Field(default_factory=list)
    done: bool = False


def _run_size(kernel: Kernel, size: str, builds: dict[str, _Build], results: BenchResults, workdir: Path,
              link_flags: list[str], repeat: int, warmup: int, tolerance: float, tick) -> None:
    """Build every configuration, run them round-robin (autopar.tools.bench.rounds), judge the runs."""
    jobs = _build_jobs(kernel, size, builds, results, workdir, link_flags, tick)
    slots = [Slot(job, job.record.config == "serial", done=job.done) for job in jobs]

    def run(slot: Slot, timeout: float) -> v.RunResult:
        job = slot.key
        return v.run_program(job.executable, (), job.record.threads, timeout, extra_env=job.environment)

    def step(slot: Slot, fraction: float) -> None:
        tick(f"{kernel.name} {size}: {slot.key.record.config} T={slot.key.record.threads}", fraction)

    run_rounds(slots, warmup + repeat, run, v.RUN_TIMEOUT_S, step)
    for slot in slots:
        slot.key.runs = slot.runs
        if slot.failure:
            slot.key.record.status, slot.key.record.error = slot.failure
    judge_runs(jobs, warmup, tolerance)


def _build_jobs(kernel: Kernel, size: str, builds: dict[str, _Build], results: BenchResults, workdir: Path,
                link_flags: list[str], tick) -> list[_Job]:
    """A record per (configuration, thread count), and a job for each that built."""
    jobs: list[_Job] = []
    for config, build in builds.items():
        # the offload plans' thread count is the host's: one, the largest, shows the device
        for threads in ([1] if config == "serial" else [max(results.threads)] if config == "autopar-gpu"
                        else results.threads):
            record = BenchRecord(kernel=kernel.name, size=size, config=config, threads=threads, status="ok",
                                 tool_latency_s=build.tool_latency_s, parallel_loops=build.parallel_loops,
                                 decided_by=build.decided_by)
            results.records.append(record)
            tick(f"{kernel.name} {size}: build {config} T={threads}", 0)
            executable = _build(kernel, size, config, build, threads, record, workdir, link_flags, results)
            if executable:
                jobs.append(_Job(record=record, executable=executable, environment=run_environment(config, results)))
    if not any(job.record.config == "serial" for job in jobs):
        for job in jobs:
            if job.record.status == "ok":
                job.record.status, job.record.error = "unavailable", "the serial build failed, so there is no baseline"
                job.done = True
    return jobs


def run_environment(config: str, results: BenchResults) -> dict[str, str]:
    """The environment of a configuration's runs, besides OMP_NUM_THREADS."""
    environment = {"OMP_WAIT_POLICY": results.omp_wait_policy} if results.omp_wait_policy else {}
    if config == "autopar-gpu":  # the offload plans run on the device or fail, never silently on the host
        environment["OMP_TARGET_OFFLOAD"] = "MANDATORY"
    return environment


def judge_runs(jobs: list[_Job], warmup: int, tolerance: float) -> None:
    """Each job's timing, its output's comparison with serial's, its speedup and efficiency."""
    serial = next((job for job in jobs if job.record.config == "serial"), None)
    if serial is None or serial.record.status != "ok" or not serial.runs:
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
