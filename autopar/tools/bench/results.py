"""What `autopar bench` gives: BenchResults (results.json), with a BenchRecord per (kernel, size,
configuration, thread count), a RaceRecord per race check, and the Machine it ran on. The report
(autopar.tools.bench.report) reads these."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, Field

from autopar.tools import verify as v

# tool-failed: autopar's own analysis or rewrite crashed on the kernel (a bug, never hidden)
Status = Literal["ok", "wrong-output", "race", "compile-failed", "run-failed", "timeout", "tool-failed",
                 "unavailable"]


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
    gpu: Optional[str] = None  # name, memory and driver, where nvidia-smi answers (a bundle's run)


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
    built_on: Optional[Machine] = None  # a bundle's: where it was built, when `machine` timed it
    omp_wait_policy: Optional[str] = None  # OMP_WAIT_POLICY of every run; None: the runtime's default
    unavailable: dict[str, str] = Field(default_factory=dict)  # configuration -> why
    records: list[BenchRecord] = Field(default_factory=list)
    race_checks: list[RaceRecord] = Field(default_factory=list)
