"""Typed reasons: a sentence a user reads, and a stable code that tools compare.

Each blocker is made a `Reason` where it is found (the front end's subscript, the dependence edge,
the scalar class, the call), so the code never comes from parsing prose. A `Reason` is a `str` (its
sentence), so code that only prints reasons needs no change; `code_of` reads the code back, and a
plain string (a reason from code that does not type its reasons yet) gets `OTHER`.

The codes are a contract like the JSON report's fields: add codes freely, never rename one.
"""

from __future__ import annotations

# structure of the loop
NOT_MAIN_FILE = "not-main-file"
MACRO = "macro"
OPT_OUT = "opt-out"
EXISTING_PRAGMA = "existing-pragma"
INSIDE_OMP = "inside-omp-construct"
CONTAINS_PRAGMA = "contains-pragma"
THREADPRIVATE = "threadprivate"  # the loop uses a threadprivate variable: each thread has its own copy
VOLATILE = "volatile"  # the loop reads or writes a volatile object: each access must stay in order
FORK = "fork"  # the file forks: a child's parallel region after the parent's hangs in libgomp
PREPROCESSOR = "preprocessor"  # the real compiler keeps other code of the file than clang's preprocessor
FP_ENVIRONMENT = "fp-environment"  # floating-point math in a file that sets or tests fenv: per-thread modes and flags
SCOPED_NAME = "scoped-name"  # C++: a variable a clause or check would name is `ns::x`, a static member, or `::x`
NON_CANONICAL = "non-canonical"
BREAK = "break"
RETURN = "return"
GOTO = "goto"
THROW = "throw"
WRITES_INDUCTION = "writes-induction-variable"
WRITES_BOUND = "writes-bound"
UNSIGNED_WRAP = "unsigned-wrap"  # an unsigned counter (or comparison) that may wrap around
COUNT_OVERFLOW = "count-overflow"  # OpenMP's iteration count may not fit the counter's type
LOOP_FORM = "loop-form"  # a header gcc or clang rejects under an OpenMP pragma
FUNCTION = "function"  # its function cannot hold a parallel loop: constexpr, or it calls setjmp
BOUND_MEMORY_WRITTEN = "bound-memory-written"
# dependences
CARRIED_FLOW = "carried-flow"
CARRIED_ANTI = "carried-anti"
CARRIED_OUTPUT = "carried-output"
NOT_AFFINE = "not-affine"
POINTER_LOADED = "pointer-loaded"  # a subscript goes through a pointer loaded from memory
POINTER_CHANGES = "pointer-changes"  # the base pointer is assigned inside the loop
SUBSCRIPT_VARIANT = "subscript-variant"  # a subscript uses a scalar the loop changes
SHAPE_MISMATCH = "shape-mismatch"
DELINEARISE = "delinearise-failed"
LEAVES_ROW = "leaves-row"  # a subscript that leaves its row of a multi-dimensional array whenever the loop runs
ALIAS = "alias"  # may alias, with ranges for a runtime check (a note, not a blocker)
ARRAY_REDUCTION = "array-reduction"  # every access updates an element with one operator (a note)
ATOMIC_UPDATES = "atomic-updates"  # the same, with no per-thread copy: each update atomic (a note)
LOCATION_REDUCTION = "location-reduction"  # argmin/argmax: best value and its iteration (a note)
LINEAR = "linear"  # a counter advanced once per iteration: linear(j:step) (a note)
CONDITIONAL_LASTPRIVATE = "conditional-lastprivate"  # assigned in some iterations, used after: lastprivate(conditional:) (a note)
CONDITIONAL_WITH_COPIES = "conditional-with-copies"  # conditional lastprivate beside copies or claims around the loop
CLAIMS = "claims"  # elements taken once with a compare-and-swap (a note)
CLAIM_ORDER = "claim-order"  # claims whose appended elements' order may be observed
CLAIMS_WITH_COPIES = "claims-with-copies"  # claims and an array or location reduction in one loop
STRIDED_WINDOWS = "strided-windows"  # a variable-step loop's iterations touch disjoint windows (a note)
ALIAS_UNBOUNDED = "alias-unbounded"
ALIAS_GLOBAL = "alias-global"
# calls
CALL_UNKNOWN = "call-unknown"
UNMODELLED_ACCESS = "unmodelled-access"  # an element reached through a call result, an integer address or a container element's pointer
CALL_IO = "call-io"
CALL_RANDOM = "call-random"
CALL_ALLOCATION = "call-allocation"
CALL_EFFECT = "call-effect"  # a same-file function that does I/O, allocation, ...
CALL_WRITES_GLOBAL = "call-writes-global"
CALL_WRITES_ARGUMENT = "call-writes-argument"
CALL_READS_WRITTEN = "call-reads-written"
CALL_SEES_PRIVATE_GLOBAL = "call-sees-private-global"
# `if (flag) call();` read as switched off (autopar.frontend.switched_off): the flag's test (a note),
# or why it cannot be (the statement lies outside the loop, or the loop may change the flag)
FLAG_OFF = "flag-off"
FLAG_OFF_UNUSABLE = "flag-off-unusable"
CONTAINER_ACCESS = "container-access"  # a C++ container member (operator[], size, at, data) of a container not named
CONTAINER_RESIZE = "container-resize"  # push_back, resize, insert, erase, ...: may reallocate
# scalars
SCALAR_CARRIED = "scalar-carried"
SCALAR_LIVE_OUT = "scalar-live-out"
INNER_IV_LIVE_OUT = "inner-iv-live-out"
ADDRESS_TAKEN = "address-taken"
REDUCTION_TYPE = "reduction-type"
REDUCTION_ORDER = "reduction-order"  # the parallel reduction would not give the serial value
ZERO_TRIP = "zero-trip"  # lastprivate or &&/|| need an iteration the loop may not run
STATIC_LOCAL = "static-local"
# verdicts and the report
INDEPENDENT = "independent"
NOTE = "note"  # a remark on a legal loop (a private array, a reduction, a lastprivate)
COST_TOO_SMALL = "cost-too-small"
KERNELS_FROM_TEAM = "kernels-from-team"  # its calls reach offloaded loops: each thread would launch kernels
INSIDE_PARALLEL = "inside-parallel"
SHARED_REGION = "shared-region"  # the rewrite opens one parallel region on a serial loop around parallel ones
COLLAPSED = "collapsed"
MORE = "more"
REWRITE_SKIPPED = "rewrite-skipped"
RESTRUCTURED = "restructured"  # --optimize replaced the loop's nest with restructured code
MISSING_CLAUSE = "missing-clause"  # an existing pragma lacks a clause (autopar check)
# a worksharing loop writes its iterations' elements of an array each thread of the region has a copy of,
# and the region uses the array elsewhere (autopar check)
REGION_PRIVATE_ARRAY = "region-private-array"
ANALYSIS_FAILED = "analysis-failed"
NOT_ANALYZED = "not-analyzed"
OTHER = "other"


class Reason(str):
    """A reason sentence with its stable code."""

    code: str

    def __new__(cls, text: str, code: str) -> "Reason":
        out = str.__new__(cls, text)
        out.code = code
        return out

    def __getnewargs__(self):  # pickling (analysis jobs in worker processes)
        return (str(self), self.code)


def code_of(reason: str) -> str:
    return getattr(reason, "code", None) or OTHER


def codes_of(reasons: list[str]) -> list[str]:
    return [code_of(r) for r in reasons]


def carried(kind: str) -> str:
    """The code of an exact dependence of kind flow, anti or output."""
    return {"flow": CARRIED_FLOW, "anti": CARRIED_ANTI, "output": CARRIED_OUTPUT}.get(kind, OTHER)
