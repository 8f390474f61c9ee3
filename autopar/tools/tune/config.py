"""The tuner's settings: TuneConfig (what `autopar tune` was asked to do), the defaults and limits
of a session, and the two errors it raises. Every other module of autopar.tools.tune reads these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

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
    optimize: bool = False  # restructuring candidates (autopar.edit.restructure) measured beside pragma plans
