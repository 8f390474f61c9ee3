"""How `autopar bench` builds each configuration of a kernel: _builds gives each configuration's
source, compiler and flags (rewriting the kernel for the autopar configurations), _build compiles
one configuration at one size and thread count into an executable (or records why not)."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Callable, Optional

from pydantic import BaseModel, Field

from autopar.tools import verify as v
from autopar.tools.bench.results import BenchRecord, BenchResults
from autopar.tools.bench.suite import Kernel

POLLY_FLAGS = ["-mllvm", "-polly", "-mllvm", "-polly-parallel",
               "-mllvm", "-polly-pattern-matching-based-opts=false"]


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


def _builds(kernel: Kernel, configs: list[str], base_flags: list[str], unavailable: dict[str, str],
            reasoners: dict[str, Callable], sources_dir: Path, size: str) -> dict[str, _Build]:
    """Each configuration's build at one size. The autopar configurations analyze the kernel with
    the build's flags and that size's macros (`-O3 -DN=...`), as `CC=autopar-cc` does: a loop of
    constant trip count is judged at the count it runs, and `omp simd` only where the build does
    not vectorize on its own."""
    analysis_flags = [*base_flags, *kernel.defines(size)]
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
            made = v.rewrite_with_plans(kernel.source, analysis_flags, optimize=True, whole_program=True)
        elif config == "autopar-gpu":
            made = _offload_rewrite(kernel.source, analysis_flags)
        else:
            made = v.rewrite_with_plans(kernel.source, analysis_flags, reasoner=reasoners.get(config), whole_program=True)
        if made.error:
            builds[config] = _Build(source=None, tool_error=made.error, tool_latency_s=made.latency_s)
            continue
        path = sources_dir / f"{kernel.name}.{config.replace(':', '_')}.{size}.c"
        path.write_bytes(made.source)
        race_path = None
        if made.race_check_source is not None and made.race_check_source != made.source:
            race_path = sources_dir / f"{kernel.name}.{config.replace(':', '_')}.{size}.nothreshold.c"
            race_path.write_bytes(made.race_check_source)
        offload = list(v.gcc_offload_flags()) if config == "autopar-gpu" else []
        builds[config] = _Build(source=str(path), race_source=str(race_path) if race_path else None,
                                flags=[*base_flags, *offload], tool_latency_s=made.latency_s,
                                parallel_loops=made.parallel_loops, decided_by=made.decided_by,
                                # nothing to race-check when nothing was parallelized
                                race_checked=made.parallel_loops > 0)
    if "polly" in unavailable:
        builds["polly"] = _Build(source=None, unavailable=unavailable["polly"])
    return {c: builds[c] for c in configs}


def _offload_rewrite(source: str, analysis_flags: list[str]):
    """The kernel as `autopar rewrite --whole-program --target gpu` writes it."""
    from autopar.plans.plan import TARGET_ENV

    saved = os.environ.get(TARGET_ENV)
    os.environ[TARGET_ENV] = "gpu"
    try:
        return v.rewrite_with_plans(source, analysis_flags, whole_program=True)
    finally:
        if saved is None:
            os.environ.pop(TARGET_ENV, None)
        else:
            os.environ[TARGET_ENV] = saved


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
