"""The report: the same facts for `analyze`, `rewrite`, `check`, `explain` and `bench`.

The JSON shape (version 1) is a contract other tools read: fields may be added, never renamed or
dropped. See DESIGN.md and the README.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, Field

from autopar.ir import Diagnostic

REPORT_VERSION = 1


class LoopReport(BaseModel):
    id: str
    function: str
    line: int
    column: int
    depth: int
    parent: Optional[str] = None
    induction_variable: Optional[str] = None
    parallel: bool = False
    pragma: Optional[str] = None
    proof: Optional[Literal["static", "runtime-check", "assumption"]] = None
    reasons: list[str] = Field(default_factory=list)
    # added fields (allowed by the contract)
    existing_pragma: Optional[str] = None
    decided_by: Optional[str] = None
    rounds: Optional[int] = None
    rationale: Optional[str] = None
    # the verdict for this loop on its own (some legal plan puts the pragma on it), whether or not it
    # carries the pragma: true for a loop inside a parallelized loop that could carry one itself
    parallelizable: bool = False
    codes: list[str] = Field(default_factory=list)  # a stable code per reason (autopar.plans.reasons)
    # `--optimize` replaced the nest holding this loop: "r1: loops (i, k, j), tiles 32" (its candidate)
    restructured: Optional[str] = None
    # the rewrite runs this loop in one parallel region with its sibling loops: the `#pragma omp parallel`
    # that opens it (on this loop, or on the serial loop around it)
    region: Optional[str] = None


class FileReport(BaseModel):
    path: str
    loops: list[LoopReport] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    error: Optional[str] = None  # set when the file could not be analyzed at all

    @property
    def failed(self) -> bool:
        return self.error is not None or any(d.is_error for d in self.diagnostics)


class Report(BaseModel):
    version: int = REPORT_VERSION
    files: list[FileReport] = Field(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)
