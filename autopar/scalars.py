"""Data-sharing classes of the scalars of one loop: shared, private, lastprivate, reduction, or blocking.

A scalar read before it is written in an iteration, and written somewhere in the loop, carries its
value from one iteration to the next unless the update is a reduction: it blocks the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autopar import reasons as R
from autopar.ir import Loop, ReductionOp, ScalarUse, Storage

# OpenMP C allows these reductions on arithmetic types only, never on pointers or structs
_ARITHMETIC = ("char", "short", "int", "long", "float", "double", "unsigned", "signed", "_Bool", "bool",
               "size_t", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t",
               "uint64_t", "ptrdiff_t")


@dataclass
class ScalarClasses:
    shared: list[str] = field(default_factory=list)  # read only
    private: list[str] = field(default_factory=list)
    lastprivate: list[str] = field(default_factory=list)
    reductions: dict[ReductionOp, list[str]] = field(default_factory=dict)
    no_clause: list[str] = field(default_factory=list)  # declared in the body, or this loop's variable
    blockers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: set[str] = field(default_factory=set)  # every scalar the loop writes
    roles: dict[str, str] = field(default_factory=dict)  # per scalar, its class in words (for explain)

    def clause_of(self, name: str) -> str:
        if name in self.private:
            return "private"
        if name in self.lastprivate:
            return "lastprivate"
        if any(name in names for names in self.reductions.values()):
            return "reduction"
        return "shared" if name in self.shared else "none"


def _arithmetic(use: ScalarUse) -> bool:
    t = use.variable.type.replace("const", "").replace("volatile", "").strip()
    return "*" not in t and "[" not in t and not use.variable.is_struct and "omplex" not in t and \
        any(word in _ARITHMETIC for word in t.split())


def classify(loop: Loop) -> ScalarClasses:
    """Classify every scalar `loop` uses (nested loops included) for a pragma on `loop`."""
    out = ScalarClasses()
    continues = loop.has_continue  # a `continue` may skip the write on the last iteration

    def block(name: str, reason: str, code: str = R.OTHER) -> None:
        out.blockers.append(R.Reason(reason, code))
        out.roles[name] = f"blocks the loop: {reason}"

    for use in sorted(loop.scalars, key=lambda u: u.variable.name):
        name = use.variable.name
        if use.written:
            out.written.add(name)
        if use.is_induction_variable_of == loop.id:
            if not use.declared_in_loop and use.live_after_loop:
                out.lastprivate.append(name)
                out.notes.append(f"{name} is the loop variable and is used after the loop: lastprivate")
                out.roles[name] = "induction variable of this loop, used after it: lastprivate"
            else:
                out.no_clause.append(name)
                out.roles[name] = "induction variable of this loop"
            continue
        if use.declared_in_loop:
            if use.variable.storage == Storage.STATIC_LOCAL and use.written:
                # one object for every iteration, not a fresh one: shared and updated
                block(name, f"static variable {name} is declared in the loop and written: "
                            "every iteration shares it", R.STATIC_LOCAL)
            else:
                out.no_clause.append(name)
                out.roles[name] = "declared inside the loop: private"
            continue
        if use.is_induction_variable_of is not None:
            if use.live_after_loop:
                block(name, f"inner loop variable {name} is used after the loop", R.INNER_IV_LIVE_OUT)
            else:
                out.private.append(name)
                out.roles[name] = f"induction variable of {use.is_induction_variable_of}: private"
            continue
        if use.address_taken:
            block(name, f"the address of {name} is taken inside the loop", R.ADDRESS_TAKEN)
            continue
        if not use.written:
            out.shared.append(name)
            out.roles[name] = "read only: shared"
            continue
        if use.reduction is not None:
            if not _arithmetic(use):
                block(name, f"{name} is updated like a reduction but its type {use.variable.type!r} "
                            "cannot be an OpenMP reduction", R.REDUCTION_TYPE)
            else:
                out.reductions.setdefault(use.reduction, []).append(name)
                out.notes.append(f"{name} is a {use.reduction.value} reduction")
                out.roles[name] = f"reduction ({use.reduction.value})"
            continue
        if use.written_before_read or not use.read:
            if not use.live_after_loop:
                out.private.append(name)
                out.roles[name] = "written before read: private"
            elif use.written_before_read and use.always_written and not continues:
                # written on every path of every iteration: the last iteration's value is the value
                # the serial loop leaves, which is exactly what lastprivate copies out
                out.lastprivate.append(name)
                out.notes.append(f"{name} is written first in every iteration and used after the loop: "
                                 "lastprivate")
                out.roles[name] = "written before read, used after the loop: lastprivate"
            else:
                block(name, f"scalar {name} is live after the loop and not lastprivate-able "
                            "(not written on every path of an iteration)", R.SCALAR_LIVE_OUT)
            continue
        block(name, f"scalar {name} is read before it is written in an iteration and updated "
                    f"in the loop: its value flows from one iteration to the next "
                    f"(not a reduction form)", R.SCALAR_CARRIED)
    for use in loop.scalars:
        if use.variable.storage in (Storage.GLOBAL, Storage.STATIC_LOCAL) and \
                use.variable.name in out.private + out.lastprivate:
            out.notes.append(f"{use.variable.name} is a global privatised in the loop")
    return out
