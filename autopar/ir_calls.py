"""The IR of calls: what a same-file function touches (`FunctionSummary`, from
autopar.frontend.summaries) and each call a loop makes (`CallSite`). Part of autopar.ir, which
re-exports them."""

from __future__ import annotations

from enum import Enum
from typing import Optional

from pydantic import Field

from autopar.ir_base import _Frozen


class CallEffect(str, Enum):
    PURE = "pure"  # pure libm-style function: sqrt, fabs, exp, fmax, ...
    IO = "io"  # printf, fwrite, ...
    ALLOCATION = "allocation"  # malloc, free, new, ...
    RANDOM = "random"  # rand, random, drand48: hidden state
    SAME_TU = "same_tu"  # defined in this translation unit; see summary
    UNKNOWN = "unknown"


# the name `reads_globals` gives (after a `*`) to memory read through a pointer the function loads
# from memory or a call returns: any memory, as what a global pointer points to
UNKNOWN_POINTEE = "?"
# the prefix of the functions that inspect an index array in a loop's runtime alias check
# (autopar.deps.indexed), which a rewritten file's conditions call
INSPECTION = "autopar_indices_outside_"


class FunctionSummary(_Frozen):
    """What a function defined in this translation unit touches, transitively where known."""

    name: str
    params: list[str] = Field(default_factory=list)  # its parameters' names, in order (for the cost of a call)
    stable_params: list[int] = Field(default_factory=list)  # integer parameters it never assigns (their indices)
    reads_globals: list[str] = Field(default_factory=list)
    writes_globals: list[str] = Field(default_factory=list)
    # the kind of number (Variable.number_kind) each global of reads_globals holds: a pointer to
    # numbers of another kind cannot point into it (C's effective types)
    global_kinds: dict[str, str] = Field(default_factory=dict)
    writes_through_params: list[int] = Field(default_factory=list)  # 0-based pointer param indices
    reads_through_params: list[int] = Field(default_factory=list)
    calls: list[str] = Field(default_factory=list)
    effect: CallEffect = CallEffect.PURE  # the worst effect of anything it does or calls
    # per pointer parameter (its index), the elements it reads and writes when they are boxes of
    # constant ranges over the pointee, one [low, high] per subscript (`p[m]` for m in 0..4:
    # [[[0, 4]]]); a parameter whose accesses are not all such is absent
    read_regions: dict[int, list[list[list[int]]]] = Field(default_factory=dict)
    write_regions: dict[int, list[list[list[int]]]] = Field(default_factory=dict)
    # boxes whose bounds name the callee's integer parameters, or too large to list: per subscript
    # [lower, upper], each [d, k1, c1, k2, c2, ...] for d + (argument k1) * c1 + ... (`y[1..n]`)
    read_spans: dict[int, list[list[list[list[int]]]]] = Field(default_factory=dict)
    write_spans: dict[int, list[list[list[list[int]]]]] = Field(default_factory=dict)
    whole_writes: list[int] = Field(default_factory=list)  # parameters whose write regions every call writes whole
    # the same for file-scope arrays the function indexes with subscripts of known range (`r[i]` of a
    # `row(i, n)`), by name: boxes as spans, and those written whole on every call
    global_read_spans: dict[str, list[list[list[list[int]]]]] = Field(default_factory=dict)
    global_write_spans: dict[str, list[list[list[list[int]]]]] = Field(default_factory=dict)
    global_whole_writes: list[str] = Field(default_factory=list)
    # integer parameters every call passes a value read from data (frontend.call_site_values): a row
    # such a parameter picks is read in an order no prefetcher follows
    data_selected: list[str] = Field(default_factory=list)

    @property
    def is_side_effect_free(self) -> bool:
        return self.effect == CallEffect.PURE and not self.writes_globals and not self.writes_through_params


class CallSite(_Frozen):
    callee: str
    line: int
    column: int
    effect: CallEffect
    summary: Optional[FunctionSummary] = None  # for SAME_TU
    arguments: list[str] = Field(default_factory=list)  # spelled argument texts
    # per argument, the variables whose memory it may point into (`out` of `(cptr)out`, both of
    # `c ? out : in`; none for a pointer of unknown origin, a call's result)
    argument_roots: list[list[str]] = Field(default_factory=list)
    # arguments whose callee's regions are among the loop's accesses (instantiated at the call)
    modelled_arguments: list[int] = Field(default_factory=list)
    # file-scope arrays whose callee's regions are among the loop's accesses (FunctionSummary.global_write_spans)
    modelled_globals: list[str] = Field(default_factory=list)


class SwitchedOff(_Frozen):
    """`if (timers_enabled) timer_start(2);` inside a loop: a statement that runs only while flags
    (variables its condition tests, `if (verbose > 1)`) say so and calls code of effects the analysis
    cannot see (autopar.frontend.switched_off). A loop is analysed again with its body blanked, and
    runs in parallel only while the condition is false (autopar.plans.candidates.switched_off)."""

    flags: list[str]  # the variables the condition reads
    flag_decls: list[str]  # where each is declared (Variable.decl): another variable of a name is another flag
    test: str  # C that holds when the body does nothing: `!timers_enabled`, `!(verbose > 1)`
    start: int  # byte extent of the statement the `if` guards (its body)
    end: int
    line: int
    text: str  # the `if` as written, on one line, for reasons
    root_loop_id: str  # the outermost loop around it


class SharedPointerCall(_Frozen):
    """A call in this file that passes one pointer to two pointer parameters of the callee
    (`shift(buf, buf, n)`), from autopar.frontend.same_arguments: `check` asks whether a pragma the
    analysis accepts only under a run-time overlap check races there."""

    line: int
    column: int
    caller: str
    parameters: list[str]  # the two parameters' names, in the callee's order
    argument: str  # the argument both receive, as written (the first's, where `offset` is not 0)
    # the second's address less the first's, in the parameters' elements (`f(buf + 1, buf)`: -1), and
    # the second's argument as written where it is not 0
    offset: int = 0
    second_argument: str = ""
    # the integer parameters it passes a constant that the callee never assigns, with their values
    constants: dict[str, int] = Field(default_factory=dict)
