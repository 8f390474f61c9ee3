"""Data-sharing classes of the scalars of one loop: shared, private, lastprivate, reduction, or blocking.

A scalar read before it is written in an iteration, and written somewhere in the loop, carries its
value from one iteration to the next unless the update is a reduction: it blocks the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from autopar.plans import reasons as R
from autopar.ir import LocationReduction, Loop, ReductionOp, ScalarUse, Storage

# OpenMP C allows these reductions on arithmetic types only, never on pointers or structs
_ARITHMETIC = ("char", "short", "int", "long", "float", "double", "unsigned", "signed", "_Bool", "bool",
               "size_t", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t",
               "uint64_t", "ptrdiff_t")


@dataclass
class ScalarClasses:
    shared: list[str] = field(default_factory=list)  # read only
    private: list[str] = field(default_factory=list)
    lastprivate: list[str] = field(default_factory=list)
    # live after the loop, assigned only in some iterations and never read there before it is assigned:
    # OpenMP 5.0's `lastprivate(conditional: x)` keeps the value of the last iteration that assigned
    # it, and none assigned, the value it had (autopar.plans.plan.CONDITIONAL_LASTPRIVATE)
    conditional_lastprivate: list[str] = field(default_factory=list)
    reductions: dict[ReductionOp, list[str]] = field(default_factory=dict)
    # argmin/argmax pairs (Loop.location_reductions) whose scalars have no other role in the loop
    locations: list[LocationReduction] = field(default_factory=list)
    linear: dict[str, int] = field(default_factory=dict)  # counter -> step per iteration: `linear(j:step)`
    no_clause: list[str] = field(default_factory=list)  # declared in the body, or this loop's variable
    blockers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: set[str] = field(default_factory=set)  # every scalar the loop writes
    roles: dict[str, str] = field(default_factory=dict)  # per scalar, its class in words (for explain)
    # lastprivate scalars written in each iteration only when loops inside run: name -> their ids
    inner_runs: dict[str, list[str]] = field(default_factory=dict)

    def clause_of(self, name: str) -> str:
        if name in self.private:
            return "private"
        if name in self.lastprivate:
            return "lastprivate"
        if name in self.conditional_lastprivate:
            return "conditional lastprivate"
        if any(name in names for names in self.reductions.values()):
            return "reduction"
        if any(name in (l.value, l.index) for l in self.locations):
            return "location reduction"
        if name in self.linear:
            return "linear"
        return "shared" if name in self.shared else "none"


def _arithmetic(use: ScalarUse) -> bool:
    variable = use.variable
    if "_BitInt" in variable.type or "_BitInt" in variable.element_canonical:
        return False  # (clang 14 crashed on `reduction(+: x)` of an `unsigned _BitInt(7)`)
    if variable.number_kind and not (variable.is_pointer or variable.is_array or variable.is_struct):
        return True  # typedefs resolved (`typedef double real;`, NAS IS's `INT_TYPE`)
    t = variable.type.replace("const", "").replace("volatile", "").strip()
    return "*" not in t and "[" not in t and not use.variable.is_struct and "omplex" not in t and \
        any(word in _ARITHMETIC for word in t.split())


def _floating(use: ScalarUse) -> bool:
    t = use.variable.type
    return use.variable.is_floating or any(w in t.split() for w in ("float", "double"))


def _bool(use: ScalarUse) -> bool:
    return use.variable.is_bool  # (the canonical type: `typedef int bool;` of old C is an int)


def reduction_problem(use: ScalarUse, runs_once: bool, fp_reductions: str) -> Optional[str]:
    """Why the reduction `use.reduction` would not give the value the serial loop leaves, or None.

    - min/max keep one of the values: an update that converts it to a narrower type (`signed char m;
      if (a[i] > m) m = a[i];` with int a[]) makes the result depend on the order: exact conversions only.
    - + * & | ^ on integers commute with truncation modulo 2^N (the conversion gcc and clang define for
      signed types too), so a narrowing integer update is fine; floating to integer is not, nor are
      + * ^ on bool (converting to bool is not modular).
    - && and || turn the start value into 0 or 1 even when no update runs: only when the variable is a
      bool or holds 0 or 1 on entry, or the loop runs at least once and updates it in every iteration.
    - + and * on floating-point reassociate (rounding may differ): only under the `allow` policy;
      `strict` keeps every floating-point reduction serial.
    """
    name, op = use.variable.name, use.reduction
    kind, text = use.reduction_conversion, use.reduction_conversion_text or "a narrower type"
    if op in (ReductionOp.LAND, ReductionOp.LOR):
        if _bool(use) or use.boolean_at_entry:
            return None
        if not runs_once:
            return (f"loop may run zero times: reduction({op.value}: {name}) would turn a start value "
                    f"other than 0 or 1 into 0 or 1")
        if not use.always_written:  # under an if that may never fire, the start value may survive
            return (f"the {op.value} update of {name} may never run: reduction({op.value}: {name}) would "
                    f"turn a start value other than 0 or 1 into 0 or 1")
        return None
    if _floating(use) and fp_reductions == "strict":
        return (f"floating-point reduction on {name} kept serial (strict floating-point policy: "
                "a parallel reduction reorders the operations)")
    if op in (ReductionOp.MIN, ReductionOp.MAX):
        if kind is not None:
            return f"narrowing {op.value} update: {name} is assigned through a conversion from {text}"
        return None
    if _bool(use) and op in (ReductionOp.ADD, ReductionOp.MUL, ReductionOp.XOR):
        return f"bool {name} updated with {op.value}: converting to bool does not wrap, so the order matters"
    if kind == "lossy" and not (_bool(use) and op in (ReductionOp.AND, ReductionOp.OR)):
        return f"narrowing {op.value} update: {name} is assigned through a conversion from {text}"
    if kind == "rounding" and not _floating(use):
        return f"narrowing {op.value} update: {name} is assigned through a conversion from {text}"
    return None


def classify(loop: Loop, runs_once: bool = False, fp_reductions: str = "allow", tu=None,
             runs_test=None) -> ScalarClasses:
    """Classify every scalar `loop` uses (nested loops included) for a pragma on `loop`.

    `runs_once`: the loop is proven to run at least once each time it starts (lastprivate and the
    && / || reductions need it: with no iteration, lastprivate leaves the variable unspecified).
    `fp_reductions`: "allow" or "strict", the floating-point policy (autopar.plans.fppolicy).
    With the translation unit, a scalar live after the loop that only a loop directly inside writes
    may be lastprivate (`_written_by_child`); `runs_test(inner_loop)` says whether a loop inside has a
    first test that can be checked before the loop (else such a scalar may be conditional lastprivate).
    """
    return _Classifier(loop, runs_once, fp_reductions, tu, runs_test).run()


class _Classifier:
    """One classification: each scalar goes to the first class whose test it passes, in the order of
    `run` (address taken, the loop's own variable, declared inside, an inner loop's variable, read
    only, argmin/argmax, reduction, written first), else it carries a value between iterations."""

    def __init__(self, loop: Loop, runs_once: bool, fp_reductions: str, tu, runs_test=None):
        self.loop, self.runs_once, self.fp_reductions, self.tu = loop, runs_once, fp_reductions, tu
        self.runs_test = runs_test
        self.out = ScalarClasses()
        self.continues = loop.has_continue  # a `continue` may skip the write on the last iteration
        # each argmin/argmax scalar in exactly one pair
        named = [n for l in loop.location_reductions for n in (l.value, l.index)]
        self.locations = {n: l for l in loop.location_reductions for n in (l.value, l.index)
                          if named.count(n) == 1}
        self.counters = {a.counter for c in loop.claims for a in c.appends}  # (autopar.frontend.claims)

    def run(self) -> ScalarClasses:
        out = self.out
        for use in sorted(self.loop.scalars, key=lambda u: u.variable.name):
            if use.written:
                out.written.add(use.variable.name)
            # (a counter read through a pointer would be read as the shared variable, not the thread's copy)
            handled = (self._address_taken(use) or self._own_variable(use) or self._declared_inside(use)
                       or self._inner_variable(use) or self._read_only(use) or self._claimed(use) or self._location(use)
                       or self._reduction(use) or self._linear(use) or self._written_first(use))
            if not handled:
                name = use.variable.name
                self._block(name, f"scalar {name} is read before it is written in an iteration and updated "
                                  f"in the loop: its value flows from one iteration to the next "
                                  f"(not a reduction form)", R.SCALAR_CARRIED)
        for use in self.loop.scalars:
            if use.variable.storage in (Storage.GLOBAL, Storage.STATIC_LOCAL) and \
                    use.variable.name in out.private + out.lastprivate:
                out.notes.append(f"{use.variable.name} is a global privatised in the loop")
        return out

    def _block(self, name: str, reason: str, code: str = R.OTHER) -> None:
        self.out.blockers.append(R.Reason(reason, code))
        self.out.roles[name] = f"blocks the loop: {reason}"

    def _own_variable(self, use) -> bool:
        if use.is_induction_variable_of != self.loop.id:
            return False
        name, out = use.variable.name, self.out
        if not use.declared_in_loop and use.live_after_loop and not self.runs_once:
            self._block(name, f"loop may run zero times: lastprivate({name}) would not keep the value "
                              f"the loop variable {name} gets from its initialization", R.ZERO_TRIP)
        elif not use.declared_in_loop and use.live_after_loop:
            out.lastprivate.append(name)
            out.notes.append(f"{name} is the loop variable and is used after the loop: lastprivate")
            out.roles[name] = "induction variable of this loop, used after it: lastprivate"
        else:
            out.no_clause.append(name)
            out.roles[name] = "induction variable of this loop"
        return True

    def _declared_inside(self, use) -> bool:
        if not use.declared_in_loop:
            return False
        name = use.variable.name
        if use.variable.storage == Storage.STATIC_LOCAL and use.written:
            # one object for every iteration, not a fresh one: shared and updated
            self._block(name, f"static variable {name} is declared in the loop and written: "
                              "every iteration shares it", R.STATIC_LOCAL)
        else:
            self.out.no_clause.append(name)
            self.out.roles[name] = "declared inside the loop: private"
        return True

    def _inner_variable(self, use) -> bool:
        if use.is_induction_variable_of is None:
            return False
        name, out = use.variable.name, self.out
        if use.live_after_loop and not self.continues and use.written_before_read and \
                _child_always_runs(self.tu, self.loop, use.is_induction_variable_of):
            # the child's header assigns it in every iteration, whatever its trip count: the last
            # iteration's value is the serial one
            out.lastprivate.append(name)
            out.notes.append(f"inner loop variable {name} is used after the loop; the inner loop runs "
                             "in every iteration: lastprivate")
            out.roles[name] = "induction variable of an inner loop, used after the loop: lastprivate"
        elif use.live_after_loop:
            self._block(name, f"inner loop variable {name} is used after the loop", R.INNER_IV_LIVE_OUT)
        else:
            out.private.append(name)
            out.roles[name] = f"induction variable of {use.is_induction_variable_of}: private"
        return True

    def _address_taken(self, use) -> bool:
        blocked = use.address_taken and use.address_in_reach
        if blocked:
            self._block(use.variable.name, f"the address of {use.variable.name} is taken and may be used "
                                           "inside the loop", R.ADDRESS_TAKEN)
        return blocked

    def _read_only(self, use) -> bool:
        if not use.written:
            self.out.shared.append(use.variable.name)
            self.out.roles[use.variable.name] = "read only: shared"
        return not use.written

    def _claimed(self, use) -> bool:
        """The counter of a claim's appends (autopar.frontend.claims): shared, its slots taken atomically."""
        if use.variable.name not in self.counters or \
                use.variable.storage != Storage.LOCAL or use.declared_in_loop or \
                sum(u.variable.name == use.variable.name for u in self.loop.scalars) != 1:
            return False  # (the front end's counter is one automatic local declared outside the loop)
        self.out.shared.append(use.variable.name)
        self.out.roles[use.variable.name] = "counter of the claims' appends: shared, each slot taken atomically"
        return True

    def _location(self, use) -> bool:
        name, out = use.variable.name, self.out
        location = self.locations.get(name)
        if location is None or not _arithmetic(use):
            return False
        if location not in out.locations:
            out.locations.append(location)
            kind = "minimum" if location.comparison == "<" else "maximum"
            out.notes.append(R.Reason(f"{location.value} and {location.index} find the {kind} and the iteration "
                                      f"it comes from: each thread's share, combined with the serial tie-break",
                                      R.LOCATION_REDUCTION))
        out.roles[name] = "location reduction (value)" if name == location.value else "location reduction (index)"
        return True

    def _reduction(self, use) -> bool:
        if use.reduction is None:
            return False
        name, out = use.variable.name, self.out
        if not _arithmetic(use):
            self._block(name, f"{name} is updated like a reduction but its type {use.variable.type!r} "
                              "cannot be an OpenMP reduction", R.REDUCTION_TYPE)
        elif problem := reduction_problem(use, self.runs_once, self.fp_reductions):
            self._block(name, problem, R.REDUCTION_ORDER)
        else:
            out.reductions.setdefault(use.reduction, []).append(name)
            out.notes.append(f"{name} is a {use.reduction.value} reduction")
            if _floating(use) and use.reduction in (ReductionOp.ADD, ReductionOp.MUL):
                out.notes.append(f"result may differ in rounding: the {use.reduction.value} reduction "
                                 f"on floating-point {name} adds in another order")
            elif _floating(use) and use.reduction in (ReductionOp.MIN, ReductionOp.MAX):
                # (a comparison's NaN and ±0 answers are not associative: no order of combining gives
                # the loop's own; the policy's `allow` takes them as OpenMP programmers do)
                out.notes.append(f"result may differ where NaNs or signed zeros meet: the {use.reduction.value} "
                                 f"reduction on floating-point {name} combines per-thread results")
            out.roles[name] = f"reduction ({use.reduction.value})"
        return True

    def _linear(self, use) -> bool:
        if use.linear_step is None:
            return False
        name, step = use.variable.name, use.linear_step
        self.out.linear[name] = step
        # OpenMP gives each iteration j0 + step * k and the last one's value after the loop (none run:
        # j unchanged), what the serial loop leaves
        self.out.notes.append(R.Reason(f"{name} advances by {step} in every iteration: linear({name}:{step})",
                                       R.LINEAR))
        self.out.roles[name] = f"linear counter (step {step})"
        return True

    def _written_first(self, use) -> bool:
        if not (use.written_before_read or not use.read):
            return False
        name, out = use.variable.name, self.out
        if not use.live_after_loop:
            out.private.append(name)
            out.roles[name] = "written before read: private"
            return True
        every_path = use.written_before_read and not self.continues and \
            (use.always_written or _written_by_child(self.tu, self.loop, name))
        if every_path and not self.runs_once:
            self._block(name, f"loop may run zero times: lastprivate({name}) would not keep the value "
                              f"{name} has before the loop", R.ZERO_TRIP)
        elif every_path:
            # written on every path of every iteration: the last iteration's value is the value
            # the serial loop leaves, which is exactly what lastprivate copies out
            out.lastprivate.append(name)
            out.notes.append(f"{name} is written first in every iteration and used after the loop: "
                             "lastprivate")
            out.roles[name] = "written before read, used after the loop: lastprivate"
        elif use.written_before_read and not self.continues and self.runs_once and \
                (chain := _written_if_children_run(self.tu, self.loop, name)) is not None and \
                (self.runs_test is None or all(self.runs_test(self.tu.loop(i)) for i in chain) or
                 not _assigned_in_place(use)):
            # written in every iteration where the loop inside runs: lastprivate under a run-time
            # check that it runs (legality turns the loop into its test, or blocks)
            out.lastprivate.append(name)
            out.inner_runs[name] = chain
            out.roles[name] = "written before read where a loop inside runs, used after the loop: lastprivate"
        elif _assigned_in_place(use):
            out.conditional_lastprivate.append(name)
            out.notes.append(R.Reason(f"{name} is assigned in some iterations and used after the loop: the last "
                                      f"iteration that assigns it gives its value (lastprivate(conditional: {name}))",
                                      R.CONDITIONAL_LASTPRIVATE))
            out.roles[name] = "assigned in some iterations before any read, used after the loop: lastprivate(conditional)"
        else:
            self._block(name, f"scalar {name} is live after the loop and not lastprivate-able "
                              "(not written on every path of an iteration)", R.SCALAR_LIVE_OUT)
        return True


def _assigned_in_place(use: ScalarUse) -> bool:
    """Whether conditional lastprivate gives the serial value of a scalar live after the loop: an
    automatic variable (a parameter too) of an arithmetic or pointer type that no pointer reaches while
    the loop runs (the compiler tracks its assignments in the loop's own text, none through a pointer
    or a callee), no C++ reference, never read in an iteration before that iteration assigns it."""
    variable = use.variable
    if variable.storage not in (Storage.LOCAL, Storage.PARAMETER) or use.address_in_reach or \
            not (use.written_before_read or not use.read):
        return False
    if variable.is_pointer and not (variable.is_array or variable.is_struct) and "&" not in variable.type:
        return True
    return _arithmetic(use) and "&" not in variable.type


def _constant_trip(loop: Loop) -> int:
    """The trip count of a loop with constant bounds, else 0."""
    c = loop.canonical
    if c is None or c.lower is None or c.upper is None or c.lower.coefficients or c.upper.coefficients \
            or c.comparison.value == "!=" or c.step_symbol:
        return 0
    span = (c.upper.constant - c.lower.constant) * (1 if c.step > 0 else -1)
    if c.comparison.value in ("<=", ">="):
        span += 1
    return max(0, -(-span // abs(c.step)))


def _child_always_runs(tu, loop: Loop, child_id: str) -> bool:
    """The loop `child_id` is directly inside `loop`, not under a condition, and its header assigns
    its variable (`for (j = 0; ...)`): its initialisation runs in every iteration of `loop`. And `loop`
    itself runs at least once: a lastprivate of a loop with no iteration assigns an undefined value
    with gcc, where the serial loop leaves the variable alone."""
    if tu is None or child_id not in loop.children or _constant_trip(loop) < 1:
        return False
    child = tu.loop(child_id)
    return child.conditional is False and child.canonical is not None and \
        not child.canonical.iv_declared_in_init and not child.writes_induction_variable


def _written_by_child(tu, loop: Loop, name: str) -> bool:
    """A loop directly inside `loop`, not under a condition, with a constant trip count of at least one,
    no break or continue, writes `name` on every path of each of its iterations: every iteration of
    `loop` writes it. (A trip count that may be zero would leave the private copy unwritten.) `loop`
    itself has a constant trip count of at least one (see `_child_always_runs`)."""
    if tu is None or _constant_trip(loop) < 1:
        return False
    return any(_constant_trip(child) >= 1 and _writes_before_reading(child, name) and child.scalar(name).always_written
               for child in _straight_children(tu, loop))


def _straight_children(tu, loop: Loop) -> list[Loop]:
    """The loops directly inside `loop`, not under a condition, with no break or continue: each runs
    all its iterations whenever an iteration of `loop` runs."""
    return [child for child in map(tu.loop, loop.children)
            if child.conditional is False and not child.has_break and not child.has_continue]


def _writes_before_reading(loop: Loop, name: str) -> bool:
    """Whether `loop` writes `name`, declared outside it, before reading it in each iteration."""
    use = loop.scalar(name)
    return use is not None and use.written_before_read and not use.declared_in_loop


def _written_if_children_run(tu, loop: Loop, name: str) -> Optional[list[str]]:
    """Loops inside `loop` whose running makes every iteration of `loop` write `name` on every path
    before reading it (their ids, outermost first): a loop directly inside, not under a condition,
    with no break or continue, that writes it on every path of each of its iterations, or does so
    where a loop inside it runs (the same question, one level down). None if there are none."""
    if tu is None:
        return None
    for child in _straight_children(tu, loop):
        if child.canonical is None or not _writes_before_reading(child, name):
            continue
        if child.scalar(name).always_written:
            return [child.id]
        deeper = _written_if_children_run(tu, child, name)
        if deeper is not None:
            return [child.id, *deeper]
    return None
