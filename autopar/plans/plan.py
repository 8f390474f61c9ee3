"""Plans and candidates: what the analysis proves, what the reasoner chooses from, what the rewriter renders.

A `Plan` is pure data. Its pragma text is produced only by `render_pragma` (below), from
these fields, so nothing a model writes can reach the source file verbatim. The `if_condition` comes
from the dependence analysis (a runtime overlap check or a work threshold), never from a model.
"""

from __future__ import annotations

import os
from enum import Enum
from typing import Literal, Optional

from pydantic import BaseModel, Field, PrivateAttr

from autopar.ir import Claim, LocationReduction, ReductionOp, TranslationUnit
from autopar.ir_calls import INSPECTION  # (named here for the stages that read plans)


# where the default plans run: "gpu" makes a nest's offload plan its default (autopar.plans.candidates.offload)
TARGET_ENV = "AUTOPAR_TARGET"


def target_gpu() -> bool:
    """Whether offload plans are the defaults ($AUTOPAR_TARGET=gpu, set by `--target gpu`)."""
    return os.environ.get(TARGET_ENV, "cpu").strip().lower() == "gpu"


class Proof(str, Enum):
    STATIC = "static"  # proven from the dependence graph alone
    RUNTIME_CHECK = "runtime-check"  # legal when the emitted if(...) holds; serial otherwise
    ASSUMPTION = "assumption"  # legal only under an assumption a model or the user supplied


class Schedule(str, Enum):
    STATIC = "static"
    DYNAMIC = "dynamic"
    GUIDED = "guided"


class Directive(str, Enum):
    PARALLEL_FOR = "parallel for"
    PARALLEL_FOR_SIMD = "parallel for simd"
    SIMD = "simd"
    # offload to an accelerator (autopar.plans.candidates.offload): the loop's iterations over the device's
    # teams and threads, its data moved by the plan's map clauses
    TARGET = "target teams distribute parallel for"


class Reduction(BaseModel):
    op: ReductionOp
    variables: list[str]


class MapClause(BaseModel):
    """`map(kind: items)`: the data an offloaded loop reads (`to`) or writes (`tofrom`: the elements
    it does not write come back unchanged). Items are array sections the analysis derives."""

    kind: Literal["to", "tofrom"]
    items: list[str]


def render_maps(maps: Optional[list[MapClause]]) -> list[str]:
    return [f"map({m.kind}: {', '.join(m.items)})" for m in maps or []]


class AtomicUpdate(BaseModel):
    """A statement `a[k] op= v` (or `a[k]++`) that runs as an atomic update of its element
    (autopar.plans.candidates.array_reductions.atomic_updates)."""

    array: str  # the object as spelled without subscripts (`hist`, `s.bins`)
    op: str  # its reduction operator, as ArrayReduction's
    start: int  # the statement's byte range in the file (its `;` left out)
    end: int
    line: int


class Plan(BaseModel):
    loop_id: str  # the loop that carries the pragma
    directive: Directive = Directive.PARALLEL_FOR
    collapse: int = Field(default=1, ge=1)
    private: list[str] = Field(default_factory=list)
    firstprivate: list[str] = Field(default_factory=list)
    lastprivate: list[str] = Field(default_factory=list)
    # scalars assigned in some iterations only (ScalarClasses.conditional_lastprivate): OpenMP 5.0's
    # `lastprivate(conditional: ...)`, rendered through CONDITIONAL_LASTPRIVATE
    conditional_lastprivate: list[str] = Field(default_factory=list)
    # counters advanced by a constant in every iteration (`c[j] += v; j++;`): name -> step
    linear: dict[str, int] = Field(default_factory=dict)
    reductions: list[Reduction] = Field(default_factory=list)
    schedule: Optional[Schedule] = None
    chunk: Optional[int] = Field(default=None, ge=1)
    # the runtime overlap check of a RUNTIME_CHECK plan, rendered as C by the analysis
    alias_check: Optional[str] = None
    # the loop's first test (`(int)(0) < (n)`), when a clause needs an iteration (lastprivate, a
    # pointer's section, && and ||) that only a run-time test shows: a RUNTIME_CHECK plan that is
    # written only beside its serial copy (an OpenMP loop whose if() is false still runs its clauses)
    runs_check: Optional[str] = None
    # serial fallback below this many iterations when the trip count is symbolic, as C text
    threshold_check: Optional[str] = None
    # with a threshold: the region's work per entry as a share of the process's first thread-team
    # start, as C. The rewriter adds TEAM_GATE: regions stay serial until the work they held would
    # have paid for starting the team (a tiny run of a program never pays for it)
    startup_work: Optional[str] = None
    proof: Proof = Proof.STATIC
    # parameters whose value every call in the file passes as one constant, with its literal: the
    # rewriter adds a copy of the parallel loop with those literals, chosen at run time
    # (autopar.plans.specialize); the analysis derives them, and never for a `simd` plan
    specialize: dict[str, str] = Field(default_factory=dict)
    # argmin/argmax pairs (derived by the analysis): each thread finds its share's best value and
    # iteration, and the rewriter combines them with the serial tie-break (autopar.edit.thread_copies)
    locations: list[LocationReduction] = Field(default_factory=list)
    # a plan for a loop inside this one, applied to the serial copy that a plan with a runtime
    # condition is written beside: when the condition fails (an FFT stage with fewer blocks than
    # threads), the inner loop (that stage's butterflies) can still run in parallel. Legal on its own,
    # validated like any plan; it has no fallback of its own
    fallback: Optional["Plan"] = None
    # with Directive.TARGET: the data the loop moves to and from the device (derived by the analysis),
    # and the condition under which those sections cover what it touches (positive strides of a
    # flattened subscript), rendered `if(target: ...)`: when it fails the loop runs on the host,
    # where no data moves
    maps: list[MapClause] = Field(default_factory=list)
    offload_condition: Optional[str] = None
    # elements the loop takes once (derived by the front end, autopar.frontend.claims): the rewriter
    # writes each test as a compare-and-swap and each append's slot as an atomic increment
    claims: list[Claim] = Field(default_factory=list)
    # updates of arrays too large to copy per thread (derived by the analysis): the rewriter writes
    # `_Pragma("omp atomic")` before each statement
    atomic_updates: list[AtomicUpdate] = Field(default_factory=list)

    @property
    def reduces_sections_or_locations(self) -> bool:
        """Whether the plan reduces array sections (`hist[:256]`) or argmin/argmax locations: it is
        written with per-thread copies around its loop (autopar.edit.thread_copies), not as one pragma."""
        return bool(self.locations) or any("[" in v for r in self.reductions for v in r.variables)

    def unconditional(self) -> "Plan":
        """The plan without its runtime conditions (alias and runs checks, work threshold, start-up gate)."""
        return self.model_copy(update={"alias_check": None, "runs_check": None, "threshold_check": None,
                                       "startup_work": None})

    @property
    def if_condition(self) -> Optional[str]:
        checks = [self.alias_check, self.threshold_check]
        if self.alias_check and INSPECTION in self.alias_check:
            checks.reverse()  # the cheap threshold first: an inspection reads an index array (autopar.deps.indexed)
        return join_conditions([self.runs_check, *checks, team_gate(self.startup_work) if self.startup_work else None])


# The function the rewriter defines (once per file, autopar.edit.team_gate.TEAM_GATE_DEFINITION) for
# Plan.startup_work: true once the work of the regions that asked adds up to one team start.
TEAM_GATE = "autopar_team_pays_"


# The clause of Plan.conditional_lastprivate, a macro the rewriter defines above the function
# (autopar.edit.team_gate.conditional_lastprivate_definition): `lastprivate(conditional: ...)` where
# the compiler is gcc 10 or later; elsewhere `num_threads(1)`, the loop run in order by one thread on
# the variables themselves (clang 14 copies out an undefined value when no iteration assigns, and the
# wrong one when an inner loop does)
# (one macro per number of variables, `autopar_last_assigned2_(last, v)`: C89 and C++98 have no
# variadic macros)
CONDITIONAL_LASTPRIVATE = "autopar_last_assigned"


def team_gate(work: str) -> str:
    return f"{TEAM_GATE}({work})"


def join_conditions(conditions: list[Optional[str]]) -> Optional[str]:
    """`a && b` of the conditions given (None and empty ones left out), each parenthesized when
    there are several."""
    parts = [c for c in conditions if c]
    if not parts:
        return None
    return " && ".join(f"({p})" if len(parts) > 1 else p for p in parts)


class Candidate(BaseModel):
    id: str  # short and stable within one nest: "c0", "c1", ...
    plan: Plan
    summary: str  # one line for people and for the model: "outer loop i, collapse(2), static"
    estimated_cost: float = 0.0  # lower is better, from the analyzer's cost model
    reasons: list[str] = Field(default_factory=list)


class LoopVerdict(BaseModel):
    """The analysis's word on one loop, whether or not it ends up carrying a pragma."""

    loop_id: str
    parallelizable: bool  # some legal plan puts the pragma on this loop
    reasons: list[str] = Field(default_factory=list)  # why (not), in words a user understands
    # a stable code per reason (autopar.plans.reasons), aligned with `reasons`
    codes: list[str] = Field(default_factory=list)

    def model_post_init(self, __context) -> None:
        if len(self.codes) != len(self.reasons):  # built without codes: the untyped reasons say "other"
            self.codes = (self.codes + ["other"] * len(self.reasons))[:len(self.reasons)]

    def add(self, reason: str, code: str) -> None:
        self.reasons.append(reason)
        self.codes.append(code)


class NestAnalysis(BaseModel):
    """Everything the analysis decided about one loop nest (an outermost loop and what it contains)."""

    root_loop_id: str
    verdicts: list[LoopVerdict] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list)  # every legal plan; may be empty
    default_candidate_id: Optional[str] = None  # the cost model's choice
    default_reason: str = ""
    # the unit its analysis read, where that is not the file as written (switched-off statements
    # blanked, autopar.plans.candidates.variants): plans for it are checked against that unit
    _unit: Optional[TranslationUnit] = PrivateAttr(default=None)

    def unit(self, written: TranslationUnit) -> TranslationUnit:
        """The unit to check this nest's plans against: its own, or the file as `written`."""
        return self._unit or written


class Decision(BaseModel):
    """Which plan a nest finally gets, and who chose it."""

    root_loop_id: str
    plan: Optional[Plan] = None  # None: the nest stays serial
    candidate_id: Optional[str] = None
    decided_by: Literal["analyzer", "model", "fallback", "user", "tuner"] = "analyzer"
    rounds: int = 0
    rationale: str = ""
    # the tuner measured this restructuring candidate (autopar.edit.restructure, "r1", with these schedule
    # bands) fastest: `--optimize` applies it; without `--optimize` the nest gets `plan`, the fastest
    # pragma plan it measured. `restructurings_measured`: the tuner measured the nest's restructurings
    # (`tune --optimize`), so a decision without one keeps `--optimize` from restructuring the nest
    restructure: Optional[str] = None
    restructure_schedule: list[str] = Field(default_factory=list)
    restructurings_measured: bool = False


def render_pragma(plan: Plan) -> str:
    """The one place pragma text is made. Clauses come in a fixed order so output is stable."""
    parts = ["#pragma omp", plan.directive.value]
    if plan.collapse > 1:
        parts.append(f"collapse({plan.collapse})")
    for clause, names in (("private", plan.private), ("firstprivate", plan.firstprivate),
                          ("lastprivate", plan.lastprivate)):
        if names:
            parts.append(f"{clause}({', '.join(names)})")
    if plan.conditional_lastprivate:
        names = plan.conditional_lastprivate
        parts.append(f"{CONDITIONAL_LASTPRIVATE}{len(names)}_({', '.join(names)})")
    for name, step in sorted(plan.linear.items()):
        parts.append(f"linear({name}:{step})")
    for reduction in plan.reductions:
        parts.append(f"reduction({reduction.op.value}: {', '.join(reduction.variables)})")
    parts += render_maps(plan.maps)
    if plan.offload_condition:
        parts.append(f"if(target: {plan.offload_condition})")
    if plan.schedule is not None:
        chunk = f", {plan.chunk}" if plan.chunk else ""
        parts.append(f"schedule({plan.schedule.value}{chunk})")
    if plan.if_condition:
        parts.append(f"if({plan.if_condition})")
    for location in plan.locations:  # no OpenMP clause says it: written as code (autopar.edit.thread_copies)
        kind = "argmin" if location.comparison == "<" else "argmax"
        parts.append(f"/* {kind}: {location.value} at {location.index} */")
    return " ".join(parts)
