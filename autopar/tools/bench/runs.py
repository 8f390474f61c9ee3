"""The timed runs of one kernel at one size: _run_size builds every configuration, runs them
round-robin (warm-up and repeat rounds), and fills each BenchRecord with its timing, its output's
comparison with serial's, and its speedup and efficiency."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from autopar.tools import verify as v
from autopar.tools.bench.builds import _build, _Build
from autopar.tools.bench.results import BenchRecord, BenchResults
from autopar.tools.bench.suite import Kernel


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
