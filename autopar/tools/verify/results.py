"""What the verifier gives: the records of a build (CompileResult), a run (RunResult, with the
ProgramOutput it printed), a timing, an output comparison, a race check, and the whole verification
(VerificationResult, which `autopar verify`, `autopar bench` and the reasoner's feedback loop read)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, Field


class CompileResult(BaseModel):
    ok: bool
    command: list[str]
    executable: Optional[str] = None
    stderr: str = ""


class ProgramOutput(BaseModel):
    """What a run printed, reduced to the parts that are compared and timed."""

    time_s: Optional[float] = None  # the program's own `time_s` line (sum of them, if several)
    values: list[str] = Field(default_factory=list)  # checksum values, or all tokens (see module doc)
    from_checksum_lines: bool = False


class RunResult(BaseModel):
    command: list[str]
    threads: int
    returncode: Optional[int]  # None when it timed out
    wall_s: float
    stdout: str = ""
    stderr: str = ""
    output: ProgramOutput = Field(default_factory=ProgramOutput)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class Timing(BaseModel):
    threads: int
    median_s: float
    min_s: float
    max_s: float
    q1_s: float
    q3_s: float
    runs_s: list[float]
    measure: Literal["program", "wall"]  # the program's own `time_s`, or the process wall time


class Comparison(BaseModel):
    match: bool
    max_relative_error: float = 0.0
    message: str = ""


class RaceCheck(BaseModel):
    ran: bool  # False when it could not be built or run; then race_free is None
    race_free: Optional[bool] = None
    threads: int = 2
    command: list[str] = Field(default_factory=list)
    excerpt: Optional[str] = None  # the first ThreadSanitizer report, shortened
    error: Optional[str] = None


class VerificationResult(BaseModel):
    original: str
    rewritten: str
    compiler: str
    flags: list[str]
    run_args: list[str] = Field(default_factory=list)
    threads: list[int]
    tolerance: float  # relative tolerance used for floating-point values
    compiled_ok: bool = False
    output_match: Optional[bool] = None  # None when nothing could be compared
    max_relative_error: Optional[float] = None
    reference_values: list[str] = Field(default_factory=list)  # the original's output, 1 thread
    race_free: Optional[bool] = None  # None when the race check did not run
    race_check: Optional[RaceCheck] = None
    tsan_excerpt: Optional[str] = None
    timings_original: list[Timing] = Field(default_factory=list)
    timings_rewritten: list[Timing] = Field(default_factory=list)
    speedup: Optional[float] = None  # original at 1 thread / rewritten at the most threads
    speedup_note: Optional[str] = None  # why there is no speedup although both programs ran
    parallel_loops: Optional[int] = None  # pragmas the rewrite inserted, when verify made the rewrite
    tool_latency_s: Optional[float] = None  # time to analyze and rewrite, when verify made the rewrite
    rewritten_source: Optional[str] = None  # the rewrite's text, when verify made it
    rewrite_error: Optional[str] = None  # verify was asked to make the rewrite and could not
    errors: list[str] = Field(default_factory=list)

    @property
    def verified(self) -> bool:
        """Correct as far as the checks can tell: same output, and a race check that ran and found no
        race, unless none was asked for (`--no-race-check`)."""
        unchecked = self.race_check is not None and not self.race_check.ran
        return self.compiled_ok and self.output_match is True and self.race_free is not False and not unchecked

    def summary(self) -> str:
        if self.rewrite_error:
            return f"FAILED: {self.rewrite_error}"
        if not self.compiled_ok:
            return "FAILED: does not compile"
        if self.race_free is False:  # before the output: a race is the cause, and shows in the output only at times
            also = " (and the output differs)" if self.output_match is False else ""
            return "FAILED: data race found by ThreadSanitizer" + also
        if self.output_match is False:
            return f"FAILED: output differs (max relative error {self.max_relative_error:.3g})"
        if self.output_match is None:
            return "FAILED: " + (self.errors[0] if self.errors else "nothing to compare")
        if self.race_check is not None and not self.race_check.ran:
            why = (self.race_check.error or "no reason given").splitlines()[0]
            return f"FAILED: output matches, but the race check could not run ({why}; --no-race-check skips it)"
        race = "race-free" if self.race_free else "race check not run"
        return f"verified: output matches (tolerance {self.tolerance:g}), {race}"
