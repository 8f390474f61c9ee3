"""What this machine offers `autopar bench`: its description (machine_info, the Machine record), and
why a configuration cannot run here (Polly, an offload device, a model), or None when it can."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Callable, Optional

from autopar.tools import verify as v
from autopar.tools.bench.results import Machine


def offload_device_unavailable(workdir: str) -> Optional[str]:
    """None when a program built with `gcc -fopenmp` (and its offload flags) sees an offload device
    here, else why not: without one, `autopar-gpu` (the `--target gpu` plans) is recorded as
    unavailable, not timed on the host's fallback."""
    built = build_device_probe(workdir)
    if not built.ok:
        return "unavailable (no device): the device probe does not build with gcc -fopenmp"
    run = v.run_program(built.executable, threads=1, timeout=30)
    devices = run.stdout.strip()
    if run.returncode != 0 or not devices.isdigit() or int(devices) == 0:
        return "unavailable (no device): omp_get_num_devices() is 0 for gcc -fopenmp on this machine"
    return None


def build_device_probe(workdir: str) -> v.CompileResult:
    """A program that prints omp_get_num_devices(), built as the offload plans are."""
    source = Path(workdir) / "device_probe.c"
    source.write_text('#include <omp.h>\n#include <stdio.h>\nint main(void) { printf("%d\\n", '
                      'omp_get_num_devices()); return 0; }\n')
    return v.compile_source(str(source), str(Path(workdir) / "device_probe"), "gcc",
                            ["-O1", *v.gcc_offload_flags()], openmp=True, link_flags=[])


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
        from autopar.decision import reasoner as module
    except Exception as error:  # any import failure means: not available here
        return None, f"autopar.decision.reasoner cannot be imported: {error}"
    factory = getattr(module, "make_reasoner", None)
    if factory is None:
        return None, "autopar.decision.reasoner has no make_reasoner(model, strategy)"
    try:
        return factory(model, strategy), None
    except Exception as error:
        return None, f"cannot load model {model!r} with strategy {strategy!r}: {error}"


def machine_info() -> Machine:
    from autopar.plans.machine import cpu_model

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
