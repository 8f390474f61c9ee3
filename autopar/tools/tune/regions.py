"""What the tuner measures: a file (SourceFile), a region of it (Region: a loop nest with legal
candidates) and the region's options (Option: serial, then each candidate), with their times and the
record each option leaves in the decisions file."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Optional

@dataclass
class Restructuring:
    """A restructuring candidate of a nest: the code that replaces the nest's text, with its work
    thresholds and without them (for the race check)."""
    candidate_id: str  # "r0", "r1", ...
    start: int  # byte range of the nest
    end: int
    code: str
    race_code: str
    schedule: list[str] = field(default_factory=list)  # the schedule tree's bands: what a stored id names
    default: bool = False  # the one `rewrite --optimize` applies


@dataclass
class Option:
    id: str  # "serial", a candidate id, or "restructure:<id>"
    summary: str
    plan: Optional[object] = None  # a Plan, None for serial and restructurings
    estimated_cost: float = 0.0
    status: str = "pending"  # ok | wrong-output | check-failed | race | build-failed | run-failed | timeout
    #                          | too-slow | not-applied | pending
    detail: str = ""
    race: str = ""  # clean | race | skipped: why | not needed
    times: list[float] = field(default_factory=list)
    measure: str = "wall"
    times_first: Optional[float] = None  # the untimed first run (a warm-up that checks the output)
    restructure: Optional[Restructuring] = None  # a restructuring of the nest instead of a pragma plan

    @property
    def is_candidate(self) -> bool:
        """A parallel option (not serial): it is race-checked and may be slower than serial."""
        return self.plan is not None or self.restructure is not None

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
    default: str = "serial"  # the option autopar applies without a decision: what a choice must clearly beat

    @property
    def name(self) -> str:
        from autopar.decision.decisions import position

        return f"{self.file.shown}:{position(self.nest.root_loop_id)}"
