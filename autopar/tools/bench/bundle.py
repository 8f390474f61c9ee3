"""A bench bundle: `autopar bench`'s builds, made and race-checked here, timed on another machine
where autopar is not installed (a machine with a GPU or more cores), and judged here again.

    autopar bench --bundle DIR [options]        builds every configuration, writes DIR
    python3 DIR/run.py                          there: times the builds round-robin, writes DIR/runs.json
    autopar bench --from-bundle DIR --out OUT   here: outputs against serial's, speedups, OUT's report

DIR holds manifest.json (the results so far and each kernel and size's jobs), the builds (build/),
the rewritten sources (sources/), lib/ (the OpenMP runtimes and offload plugins the builds load,
which the other machine may lack), run.py and the schedule it shares with `autopar bench`, rounds.py.
The figures are the other machine's, and say so: its processor, cores and GPU head the report.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, Field

from autopar.tools import verify as v
from autopar.tools.bench.results import BenchResults, Machine
from autopar.tools.bench.runs import _Job, judge_runs
from autopar.tools.bench.suite import BenchError

# the runtimes a build may load that another machine may not have (its C library it will have)
_RUNTIMES = re.compile(r"^lib(gomp|omp|omptarget|atomic)\b")


class BundleJob(BaseModel):
    record: int  # index into the results' records
    config: str
    threads: int
    executable: str  # relative to the bundle
    environment: dict[str, str] = Field(default_factory=dict)


class BundleGroup(BaseModel):
    kernel: str
    size: str
    jobs: list[BundleJob] = Field(default_factory=list)


class Manifest(BaseModel):
    version: int = 1
    rounds: int
    timeout_s: float
    device_probe: Optional[str] = None  # relative; its output is omp_get_num_devices()
    groups: list[BundleGroup] = Field(default_factory=list)
    results: BenchResults


def add_group(groups: list[BundleGroup], bundle: Path, results: BenchResults, kernel: str, size: str,
              jobs: list[_Job]) -> None:
    """One kernel and size's jobs, as the bundle runs them (jobs already ended stay in the results)."""
    index = {id(record): i for i, record in enumerate(results.records)}
    groups.append(BundleGroup(kernel=kernel, size=size, jobs=[
        BundleJob(record=index[id(job.record)], config=job.record.config, threads=job.record.threads,
                  executable=str(Path(job.executable).resolve().relative_to(bundle.resolve())),
                  environment=job.environment) for job in jobs if not job.done]))


def write_bundle(bundle: Path, results: BenchResults, groups: list[BundleGroup], rounds: int,
                 device_probe: Optional[str]) -> None:
    """manifest.json, run.py, rounds.py and lib/ beside the builds."""
    probe = str(Path(device_probe).resolve().relative_to(bundle.resolve())) if device_probe else None
    manifest = Manifest(rounds=rounds, timeout_s=v.RUN_TIMEOUT_S, device_probe=probe, groups=groups, results=results)
    (bundle / "manifest.json").write_text(manifest.model_dump_json(indent=1))
    here = Path(__file__).resolve().parent
    shutil.copy(here / "bundle_run.py", bundle / "run.py")
    shutil.copy(here / "rounds.py", bundle / "rounds.py")
    executables = [bundle / job.executable for group in groups for job in group.jobs]
    copy_runtimes(executables + ([bundle / probe] if probe else []), bundle / "lib")


def copy_runtimes(executables: list[Path], lib: Path) -> list[str]:
    """The OpenMP runtimes the executables load (by `ldd`), and the offload plugins beside gcc's, into `lib`."""
    lib.mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    for executable in executables:
        done = subprocess.run(["ldd", str(executable)], capture_output=True, text=True)
        for line in done.stdout.splitlines():
            parts = line.split("=>")
            if len(parts) == 2 and _RUNTIMES.match(parts[0].strip()) and parts[1].split():
                found[parts[0].strip()] = Path(parts[1].split()[0])
    for name, path in list(found.items()):
        if name.startswith("libgomp.so"):  # libgomp loads its offload plugins by name, from its own folder
            for plugin in path.parent.glob("libgomp-plugin-*.so.1"):
                found.setdefault(plugin.name, plugin)
    for name, path in found.items():
        shutil.copyfile(path.resolve(), lib / name)
    return sorted(found)


def judge_bundle(bundle: Path) -> BenchResults:
    """The bundle's results, with the runs that run.py wrote judged as `autopar bench` judges its own."""
    try:
        manifest = Manifest.model_validate_json((bundle / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        raise BenchError(f"{bundle}: not a bench bundle ({error})") from error
    try:
        runs = json.loads((bundle / "runs.json").read_text())
    except (OSError, ValueError) as error:
        raise BenchError(f"{bundle}/runs.json: {error} (run `python3 {bundle}/run.py` on the machine to measure)")
    results = manifest.results
    results.built_on = results.machine
    results.machine = Machine(**{**results.machine.model_dump(), **runs["machine"]})
    results.duration_s = runs.get("duration_s", 0.0)
    results.started = runs.get("started", results.started)  # when it was timed, not built
    measured = {(g["kernel"], g["size"]): g for g in runs["groups"]}
    for group in manifest.groups:
        slots = {slot["record"]: slot for slot in measured.get((group.kernel, group.size), {}).get("slots", [])}
        jobs = []
        for job in group.jobs:
            record = results.records[job.record]
            slot = slots.get(job.record)
            if slot is None:
                record.status, record.error = "unavailable", "not run on the bundle's machine"
                continue
            if slot["failure"]:
                record.status, record.error = slot["failure"]
            jobs.append(_Job(record=record, executable=job.executable, environment=job.environment, runs=[
                v.RunResult(command=[job.executable], threads=job.threads, returncode=r["returncode"],
                            wall_s=r["wall_s"], stdout=r["stdout"], stderr=r["stderr"],
                            output=v.parse_output(r["stdout"])) for r in slot["runs"]]))
        judge_runs(jobs, results.warmup, results.tolerance)
    if runs.get("device_count") == 0 and "autopar-gpu" in results.configs:
        results.unavailable["autopar-gpu"] = "unavailable (no device): omp_get_num_devices() is 0 on the bundle's machine"
    return results
