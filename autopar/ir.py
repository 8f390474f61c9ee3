"""The loop IR: plain pydantic data that the libclang front end (`autopar/frontend/`) produces.

No libclang object ever appears here. Every later stage reads only these models (JSON-serialisable).

Conventions
- Positions are 1-based line/column as a compiler reports them; `offset`, 0-based, counts bytes.
- A loop id is "<file name as given>:<line>:<column>" of its `for` keyword.
- Monomials in `AffineExpr.coefficients` are names joined by "*", sorted ("i", "n", "i*n"); higher
  degrees appear only in linearised subscripts (`a[i*n + j]`), which deps delinearises.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal, Optional

from pydantic import Field, PrivateAttr
from autopar.ir_base import _Frozen
from autopar.ir_calls import CallEffect, CallSite, FunctionSummary, SharedPointerCall, SwitchedOff  # noqa: F401 (the IR's parts)
from autopar.ir_affine import AffineExpr, DomainCondition, QuasiBound  # noqa: F401
from autopar.ir_claims import Append, Claim  # noqa: F401
from autopar.ir_variables import Diagnostic, Storage, Variable  # noqa: F401


class Subscript(_Frozen):
    text: str
    affine: Optional[AffineExpr] = None  # None when not affine
    non_affine_reason: Optional[str] = None  # e.g. "indirect subscript idx[i]"


class GuardComparison(_Frozen):
    """One comparison a conditional write runs under: `sum(coefficient * value) + constant <op> 0`,
    op "<", "<=" or "==". A value is "scalar:NAME" (a signed integer scalar as the condition read it)
    or "element:LINE:COLUMN" (the signed integer element that read of the loop's accesses gave).
    Comparisons of one `if` condition share a `group`; values of different groups were read at
    different times."""

    coefficients: dict[str, int]
    constant: int = 0
    op: str
    group: int = 0


class Span(_Frozen):
    """A name that runs over `lower..upper` (inclusive) in a call's region: `scale(A[i], n)`, whose
    callee writes `row[0..n-1]`, is the write A[i][s] for every s in 0..n-1 (autopar.frontend.param_regions)."""

    name: str  # SPAN_PREFIX and more: not a C identifier, so no variable shares it
    lower: AffineExpr
    upper: AffineExpr

    @property
    def text(self) -> str:
        """The range as reasons show it: `0..n - 1`."""
        return f"{self.lower.c_text()}..{self.upper.c_text()}"


SPAN_PREFIX = "span:"  # of a Span's name, and of the loop that stands for it in the isl model


class Access(_Frozen):
    """One read or one write of an array element or a pointee. A compound assignment `a[i] += x`
    gives two accesses, a read and then a write. `*p` is recorded as `p[0]`, `*(p + e)` as `p[e]`."""

    id: str  # unique within the translation unit
    base: Variable  # the root variable: `A` of A[i], `s` of s.data[i], `p` of p->x[i]
    path: str  # the accessed object as spelled without subscripts: "A", "s.data", "p->x"
    is_write: bool
    subscripts: list[Subscript]  # outermost first
    element_type: str = ""  # as spelled: `uint8_t` of `((uint8_t *)x)[k]`
    element_canonical: str = ""  # typedefs and enums resolved: `unsigned char`
    text: str  # source text of the whole access, e.g. "A[i * n + k]"
    line: int
    column: int
    statement: int  # order of the enclosing statement in the function (0-based), for ordering
    base_changes_in: list[str] = Field(default_factory=list)  # loops assigning its pointer, around inner ones
    enclosing_loops: list[str]  # ids of all enclosing `for` loops in the function, outermost first
    conditional: bool = False  # executes under an if/?:/&&/|| inside the innermost enclosing loop
    # the access is the element a statement updates, `a[k] op= v` or `a[k]++` (its value unused): the
    # reduction operator that combines such updates ("+" for += -= ++ --; "*", "&", "|", "^")
    update: Optional[str] = None
    # an update's write that is a statement of its own whose first token is spelled in place (no macro
    # begins it): the statement's byte range (`hist[k] += v`, its `;` left out), where an atomic
    # directive can go (autopar.plans.candidates.array_reductions.atomic_updates)
    update_range: Optional[tuple[int, int]] = None
    guard: list[GuardComparison] = Field(default_factory=list)  # a conditional write's: hold whenever it runs
    conditions: list[DomainCondition] = Field(default_factory=list)  # its `if`s' affine tests (frontend.domain_conditions)
    # `a[i][j].f` (the member path after all subscripts, through struct fields only, no union, no
    # bit-field, ending in an arithmetic or pointer field): the byte offset of that field within the
    # element the subscripts select; None for every other access (autopar.frontend.access_chains)
    member_offset: Optional[int] = None
    member_extents: Optional[list[Optional[int]]] = None  # frontend.member_paths.member_extents
    # a whole struct element of the root's own type (`u1[k] = u0[k]`): it touches every field
    whole_record: bool = False
    # the member path crosses a reference member (`this->r` of `int &r`, `this->s.x` of `S &s`): it
    # names whatever the reference is bound to, not a field of the object
    through_reference: bool = False
    spans: list[Span] = Field(default_factory=list)  # names its subscripts run over (a call's region)

    @property
    def is_affine(self) -> bool:
        return all(s.affine is not None for s in self.subscripts)


class ReductionOp(str, Enum):
    ADD = "+"  # also `s -= e`, which combines partial results with +
    MUL = "*"
    AND = "&"
    OR = "|"
    XOR = "^"
    LAND = "&&"
    LOR = "||"
    MAX = "max"
    MIN = "min"


class LocationReduction(_Frozen):
    """`if (guard && x < best) { best = x; at = i; }` over the loop's iterations: the best value and
    the iteration it came from, the serial tie-break kept (the first iteration wins). Names its two
    scalars; the front end checks the loop touches them nowhere else."""

    value: str  # `best`
    index: str  # `at`, assigned the loop's own variable
    comparison: Literal["<", ">"]  # x < best: the minimum; x > best: the maximum
    increasing: bool  # the loop variable grows: ties go to the smaller index, else to the larger
    value_type: str = ""  # the spelled types of their declarations, for the code around the loop
    index_type: str = ""


class ScalarUse(_Frozen):
    """How one scalar (non-array, non-pointee) variable is used inside one loop, nested loops included."""

    variable: Variable
    declared_in_loop: bool  # declared inside the body: private by scoping, needs no clause
    read: bool
    written: bool
    # True when on every path through one iteration the first access is a write (so it can be private)
    written_before_read: bool = False
    # True when every path through one iteration writes it (so the last iteration's value is what the
    # serial loop leaves, and lastprivate is exact); None when the front end does not say
    always_written: Optional[bool] = None
    # set when every access in the loop is part of a reduction update `s op= e` with the same op,
    # `e` not mentioning `s`; includes `if (x > m) m = x;`, `m = x > m ? x : m`, `m = fmax(m, x)`.
    reduction: Optional[ReductionOp] = None
    # the variable holds 0 or 1 whenever the loop starts (`int ok = 1;` right before it): an && / ||
    # reduction then leaves the serial value even when the loop runs no iteration
    boolean_at_entry: bool = False
    # how the value of the reduction's updates converts to the variable's type, worst first: None
    # (exact), "modular" (an integer narrowing or change of signedness: wraps modulo 2^N in gcc and
    # clang), "rounding" (to a floating type that may not hold it), "lossy" (floating to integer or bool)
    reduction_conversion: Optional[Literal["modular", "rounding", "lossy"]] = None
    reduction_conversion_text: Optional[str] = None  # e.g. "int to signed char", for reasons
    live_after_loop: bool = False  # read after the loop before being overwritten (conservative)
    address_taken: bool = False  # `&s` escapes somewhere in the function, or s is passed by reference
    # the escaped address may be used while the loop runs (`&s` in the loop, a call that is not a pure
    # library function, an access through a pointer): only then does it keep s from being private
    address_in_reach: bool = True
    is_induction_variable_of: Optional[str] = None  # loop id when it is a loop's induction variable
    # `j++` (or `j += c`) once in every iteration, j read in subscripts or as a value, never in a
    # condition: j is j0 + step * (iteration number), `linear(j:step)` in OpenMP (autopar.frontend.linear)
    linear_step: Optional[int] = None


class Comparison(str, Enum):
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    NE = "!="


class CanonicalForm(_Frozen):
    """`for (iv = lower; iv CMP upper; iv += step)` in OpenMP's canonical loop form."""

    induction_variable: str
    iv_type: str
    iv_declared_in_init: bool
    lower: Optional[AffineExpr] = None
    lower_text: str
    upper: Optional[AffineExpr] = None
    upper_text: str
    comparison: Comparison
    step: int  # constant step, negative for decrementing loops
    # a step that is a loop-invariant variable (FFT's `start += len`): its name; `step` is then +1, the
    # direction only. Domains over this loop are the supersets `lower <= iv < upper` (isl cannot say
    # `lower + k * step_symbol`); the loop is judged by autopar.strided
    step_symbol: Optional[str] = None
    iv_unsigned: bool = False  # the induction variable's type is unsigned (it wraps modulo 2^iv_bits)
    iv_bits: int = 0  # width of the induction variable's type (0: unknown)
    compare_unsigned: bool = False  # the condition compares in an unsigned type (after conversions)
    compare_bits: int = 0  # width of the type the condition compares in (0: unknown)
    # a bound that is a min or max of affine pieces (`i <= min(n - 1, 32 * t + 31)`, `i = max(0, a)`):
    # the condition holds against every piece of `upper_each`, and the first value is the max
    # (increasing loop) or min (decreasing loop) of `lower_each`. Beside `upper`/`lower` when the
    # whole bound is also one parameter (a min of parameters), else instead of them (None).
    lower_each: list[AffineExpr] = Field(default_factory=list)
    upper_each: list[AffineExpr] = Field(default_factory=list)
    # a bound with a piece that divides: all its pieces (a max or min), for the isl model alone; beside
    # `lower`/`upper` when that is a parameter of its own (`(ceild(t,2))`), else the bound is unknown to the rest
    lower_quasi: list[QuasiBound] = Field(default_factory=list)
    upper_quasi: list[QuasiBound] = Field(default_factory=list)
    lower_remainder: Optional[DomainCondition] = None  # a start `left + right % modulus` (red-black sweeps)
    # a range-based for over this container variable (`for (auto &x : v)`): a loop over v's indices,
    # named by the element variable; its accesses are v's elements. Only a plain `parallel for` (or
    # `for`) goes on it: no simd, collapse, offload or restructuring, which need a counter in the source
    range_over: Optional[str] = None


class HostStatement(_Frozen):
    """A statement of a serial loop's body between its inner loops (autopar.frontend.between_loops):
    what the host runs there, for device data regions (autopar.edit.data_regions)."""

    offset: int  # its first byte
    end_offset: int  # just past it, its `;` or `}` included
    line: int
    reads: list[str] = Field(default_factory=list)  # arrays and pointers whose elements it reads, by name
    writes: list[str] = Field(default_factory=list)  # ... and writes
    leaves: bool = False  # holds a break or continue
    own_lines: bool = False  # nothing but blanks before it on its first line and after it on its last


class Loop(_Frozen):
    id: str
    file: str
    line: int
    column: int
    offset: int  # byte offset of the `for` keyword
    function: str
    depth: int  # 0 for an outermost loop of its function
    parent: Optional[str] = None
    children: list[str] = Field(default_factory=list)
    end_line: int
    # the whole body is exactly one `for` loop (braces allowed): a perfect nest, collapsible
    perfectly_nests_child: bool = False
    # the statements the user's `omp critical` directives in the loop govern: (start, end, lock name)
    critical_sections: list[tuple[int, int, str]] = Field(default_factory=list)
    # with critical sections: the variables macros name in the loop (their uses are not in its text)
    macro_named: list[str] = Field(default_factory=list)
    # the first word of each omp directive inside the loop that is not on a loop of its nest (`parallel`,
    # `single`, `atomic`, ...): a team put around the loop would become theirs (autopar.frontend.pragmas)
    omp_in_body: list[str] = Field(default_factory=list)
    # affine tests of the `if`s around the loop that hold whenever it starts (`if (n > 0) for ...`)
    entry_conditions: list[DomainCondition] = Field(default_factory=list)
    # the body is `for` loops and nothing else (`{ for ...; for ...; }`): each of its statements is a
    # child loop, so a parallel region around this loop runs nothing but those loops and the header
    body_only_loops: bool = False
    # the body is `for` loops (at least one) and statements of arithmetic scalars and of elements of
    # named arrays and pointers alone (`err = 0;`, `if (err < tol) break;`, `log[t] = a[1];`): those
    # statements, in order ([] when the body is only loops); None for any other body
    host_statements: Optional[list[HostStatement]] = None
    # runs under if/?:/switch/while inside its parent loop's body, so some parent iterations skip it;
    # None when the front end does not say (treated as possibly conditional)
    conditional: Optional[bool] = None

    canonical: Optional[CanonicalForm] = None
    non_canonical_reason: Optional[str] = None
    # canonical for the analysis, but gcc or clang reject it under a pragma (`(i < n)`, a cast on i)
    form_problem: Optional[str] = None
    writes_induction_variable: bool = False  # the body assigns the induction variable
    writes_bound: bool = False  # the body assigns a variable that the bound or step reads
    has_break: bool = False  # a `break` that leaves this loop
    has_return: bool = False
    has_goto: bool = False
    # a label, or a case label of a switch around the loop, is inside it: control may enter from outside
    has_entry_label: bool = False
    # a goto from outside jumps to a label inside it (or a computed goto may), or a case label of a
    # switch around it is inside it (Duff's device): no OpenMP construct may be entered so
    entered_by_jump: bool = False
    has_continue: bool = False  # allowed by OpenMP; recorded for the report
    has_throw: bool = False  # C++ `throw` inside the body
    # its function cannot run it in parallel: constexpr (no directive may appear there), or it calls
    # setjmp (a longjmp from another thread, a signal handler's, would land in this thread's frame)
    function_problem: Optional[str] = None

    accesses: list[Access] = Field(default_factory=list)  # the body's, nested loops included
    # element reads and writes the front end could not name (`get()[i]`, `((double *)addr)[i]`): any memory
    unmodelled_accesses: list[str] = Field(default_factory=list)
    scalars: list[ScalarUse] = Field(default_factory=list)
    calls: list[CallSite] = Field(default_factory=list)

    existing_pragma: Optional[str] = None  # e.g. "#pragma omp parallel for" right above the loop
    # a pragma that is not omp on the loop, from a macro the line above invokes (`IVDEP` for
    # `_Pragma("GCC ivdep")`): gcc accepts an omp pragma neither above nor below one
    hint_above: Optional[str] = None
    inside_omp_construct: bool = False  # an enclosing loop or region carries an omp pragma
    opt_out: bool = False  # `// autopar: off` above the loop or its function
    from_macro: bool = False  # the `for` comes from a macro expansion
    in_lambda: bool = False  # in a lambda's body: what it names from outside is the closure's
    in_main_file: bool = True  # False for loops of included headers (never listed or edited)
    indentation: str = ""  # leading whitespace of the `for` line, used for the pragma line
    end_offset: Optional[int] = None  # just past the loop statement (its `}` or `;`), where known
    # why the loop's text cannot be copied as it is (a label, a `static` local, a preprocessor line),
    # which a versioned plan (a parallel and a serial copy under an `if`) needs; None when it can
    copy_problem: Optional[str] = None
    # a statement of a `{}` block; False for the unbraced body of an if, else, for, while, do or label
    braced: bool = True
    # byte offsets where the loop names each parameter that every call in the file passes one
    # constant (TranslationUnit.constant_arguments), when every such reference is spelled in place
    constant_parameter_uses: dict[str, list[int]] = Field(default_factory=dict)
    # arrays (keys, `u1@12:10`) whose contents nothing reads after the loop: a private copy loses nothing
    arrays_dead_after: list[str] = Field(default_factory=list)
    copied_statics: dict[str, int] = Field(default_factory=dict)  # static arrays a copy fits, their bytes (frontend.static_arrays)
    # arrays (object keys) the loop names other than to index them (`p = row;`, `f(row)`): a private
    # copy's address would leave the region, so they are never privatized
    escaping_arrays: list[str] = Field(default_factory=list)
    # pointers (object keys, `rms@3:28`) the loop names only as the base of one subscript `p[e]` whose
    # element is a number, not taken by address: parameters or automatic locals declared outside the
    # loop whose address the function never takes, no other declaration of the name inside the loop,
    # no goto or label in the loop (autopar.frontend.pointer_uses). A thread's copy may shadow them
    subscripted_pointers: list[str] = Field(default_factory=list)
    # static variables the file declares `threadprivate` that the loop uses: no plan runs it in parallel
    threadprivate_uses: list[str] = Field(default_factory=list)
    volatile_uses: list[str] = Field(default_factory=list)  # volatile accesses, as spelled (frontend.volatiles)
    # variables of Variable.scoped that a clause or a runtime check would have to spell: scalars the loop
    # writes, arrays it updates, any beside an access through a pointer (frontend.variables.scoped_uses)
    scoped_uses: list[str] = Field(default_factory=list)
    # argmin/argmax updates directly in the body that use this loop's variable as the index
    location_reductions: list[LocationReduction] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)  # (autopar.frontend.claims)
    claim_problem: Optional[str] = None  # why its claim-shaped updates cannot be claims
    # where the file-scope declaration holding the loop's function (or its namespace, class or
    # `extern "C"` block) starts: a helper the rewrite needs goes there
    top_level_offset: Optional[int] = None
    # in an `inline` definition without `static`: C99 forbids it to call a static function, which every
    # helper autopar defines (claims, index inspections, the team gate) is
    in_external_inline: bool = False

    def scalar(self, name: str) -> Optional[ScalarUse]:
        return next((s for s in self.scalars if s.variable.name == name), None)


class _Caches(dict):
    """What later stages keep on a translation unit: derived facts, so a copy (deep or pickled) of the
    unit starts without them (they may hold isl objects, which do not copy)."""

    def __deepcopy__(self, memo) -> "_Caches":
        return _Caches()

    def __reduce__(self):
        return _Caches, ()


class TranslationUnit(_Frozen):
    """Everything the front end learned about one source file."""

    path: str  # as given by the user
    language: Literal["c", "c++"]
    compile_args: list[str] = Field(default_factory=list)
    build_vectorizes: bool = False  # its build vectorizes loops itself (autopar.flags.vectorizes: -O3)
    # C's effective-type rule holds for its build (no -fno-strict-aliasing: autopar.flags.strict_aliasing)
    strict_aliasing: bool = True
    # the file sets or tests the floating-point environment (fesetround, fetestexcept, `FENV_ACCESS`):
    # rounding modes and exception flags are each thread's own
    uses_fp_environment: bool = False
    # where it does: the loops whose code computes with a floating-point value (a literal, a member, a
    # conversion: any expression of a floating type) or calls a function (which may)
    floating_loops: list[str] = Field(default_factory=list)
    # the files it includes that are not system headers (absolute paths): what -fopenmp would change in
    # them is autopar-cc's business (autopar.tools.cc)
    user_headers: list[str] = Field(default_factory=list)
    # every file it includes, system headers too (absolute): autopar-cc's cache checks them (not -MMD's)
    included: list[str] = Field(default_factory=list)
    # why the real compiler keeps other code of the file than the analysis read (a conditional on
    # `__clang__` or `__GNUC__`: autopar.frontend.preprocessor_view); no loop of it is parallelized
    preprocessor_divergence: Optional[str] = None
    # the file (or a header of its own) calls fork: a child that runs a parallel region after its parent
    # ran one hangs in libgomp (its threads do not survive fork); no loop of it is parallelized
    forks: bool = False
    loops: list[Loop] = Field(default_factory=list)  # main-file loops, in source order
    functions: dict[str, FunctionSummary] = Field(default_factory=dict)
    # per function, integer parameters every call in this file passes one constant for: {"max_pool": {"pool": "2"}}
    constant_arguments: dict[str, dict[str, str]] = Field(default_factory=dict)
    # per file-local function, integer parameters every call passes one value (a constant, or a local
    # initialised with one): sizes for the cost model, never written into code ({"kernel_gemm": {"ni": 20}})
    call_site_values: dict[str, dict[str, int]] = Field(default_factory=dict)
    # per file-local function, pointer parameters every call points into an object of its own (restrict)
    distinct_parameters: dict[str, list[str]] = Field(default_factory=dict)
    # per function whose loop carries the user's omp pragma, the calls passing one pointer to two parameters
    shared_pointer_calls: dict[str, list[SharedPointerCall]] = Field(default_factory=dict)
    # analyzed as a whole program (--whole-program, autopar-cc's `cc prog.c -o prog`): only this file
    # calls its functions, so call-site facts hold for functions with external linkage too
    whole_program: bool = False
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    # floating-point reductions: "allow" (reassociate) or "strict" (serial), from the option, env or flags
    fp_reductions: Literal["allow", "strict"] = "allow"
    # statements a flag switches off (SwitchedOff): those found, and those this text has blanked
    switchable: list[SwitchedOff] = Field(default_factory=list)
    switched_off: list[SwitchedOff] = Field(default_factory=list)
    _index: Optional[tuple[tuple[int, int], dict[str, Loop]]] = PrivateAttr(default=None)  # see loop()
    _caches: Optional[tuple[tuple[int, int], "_Caches"]] = PrivateAttr(default=None)  # see cache()

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def loop(self, loop_id: str) -> Loop:
        # rebuilt whenever `loops` is another list or has another length; read through
        # __pydantic_private__, as the analysis asks for loops thousands of times per file
        private = self.__pydantic_private__
        key = (id(self.loops), len(self.loops))
        index = private.get("_index")
        if index is None or index[0] != key:
            index = private["_index"] = (key, {loop.id: loop for loop in self.loops})
        return index[1][loop_id]

    def cache(self, name: str, factory):
        """A cache that later stages keep on this translation unit (created by `factory` on first
        use), e.g. facts per loop id. Like the loop index it starts afresh when `loops` changes."""
        private = self.__pydantic_private__
        key = (id(self.loops), len(self.loops))
        caches = private.get("_caches")
        if caches is None or caches[0] != key:
            caches = private["_caches"] = (key, _Caches())
        if name not in caches[1]:
            caches[1][name] = factory()
        return caches[1][name]

    def ancestors(self, loop_id: str) -> list[Loop]:
        """The loops that enclose `loop_id`, outermost first."""
        found: list[Loop] = []
        parent = self.loop(loop_id).parent
        while parent is not None:
            found.insert(0, self.loop(parent))
            parent = found[0].parent
        return found

    def nest_roots(self) -> list[Loop]:
        return [loop for loop in self.loops if loop.parent is None]

    def descendants(self, loop_id: str) -> list[Loop]:
        """All loops nested in `loop_id`, in source order."""
        found: list[Loop] = []
        frontier = list(self.loop(loop_id).children)
        while frontier:
            child = self.loop(frontier.pop(0))
            found.append(child)
            frontier.extend(child.children)
        return sorted(found, key=lambda loop: loop.offset)
