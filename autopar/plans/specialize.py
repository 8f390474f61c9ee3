"""Constant specialization of a parallel loop: the value the serial build would have propagated.

A function called as `max_pool(in, out, 32, 512, 512, 2)` is inlined or cloned by gcc -O3 and its
loops see `pool == 2`: the window loops `for (dy = 0; dy < pool; dy++)` become two unrolled,
vectorized statements. Put a `parallel for` on the channel loop and its body moves into an outlined
function that reads `pool` from memory: the window loops run generic, and the parallel build can be
slower than the serial one on two threads. So a parallel plan on such a loop carries the constants
that every call in the file passes for the parameters that bound its inner loops, and the rewriter
adds a copy of the parallel loop with each one spelled as a literal, taken when the parameters have
those values at run time (callers in other files may pass anything; they get the generic copy).
"""

from __future__ import annotations

import re

from autopar.ir import Loop, Storage, TranslationUnit

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def constant_parameters(tu: TranslationUnit, loop: Loop) -> dict[str, str]:
    """The parameters to specialize a parallel plan on `loop` for, with their literals: integer
    parameters that bound a loop nested in it, that every call in the file passes one small constant
    for, that the loop reads and never writes, and whose every reference in the loop is spelled in
    place (so the literal can replace exactly those). Whether the loop may be copied at all is the
    rewriter's decision: it writes copies only of a copyable loop (autopar.edit.versioning)."""
    constants = tu.constant_arguments.get(loop.function, {})
    if not constants:
        return {}
    in_bounds: set[str] = set()
    for inner in tu.descendants(loop.id):
        if inner.canonical is not None:
            in_bounds.update(_IDENTIFIER.findall(inner.canonical.lower_text + " " + inner.canonical.upper_text))
    chosen: dict[str, str] = {}
    for name, literal in sorted(constants.items()):
        if name not in in_bounds or not loop.constant_parameter_uses.get(name):
            continue
        uses = [use for use in loop.scalars if use.variable.name == name]
        if len(uses) != 1 or uses[0].variable.storage != Storage.PARAMETER or uses[0].written or \
                uses[0].address_taken or uses[0].declared_in_loop:
            continue
        chosen[name] = literal
    return chosen


def substitute(source: bytes, loop: Loop, constants: dict[str, str]) -> str:
    """The loop's text with its references to the parameters (at the offsets the front end found)
    replaced by their literals."""
    edits = sorted((at, name) for name in constants for at in loop.constant_parameter_uses.get(name, []))
    out: list[bytes] = []
    position = loop.offset
    for at, name in edits:
        out.append(source[position:at])
        out.append(constants[name].encode())
        position = at + len(name.encode())
    out.append(source[position:loop.end_offset])
    return b"".join(out).decode("utf-8", "surrogateescape")


def condition(constants: dict[str, str]) -> str:
    """The test that selects the specialized copy: `pool == 2 && w == 3`."""
    return " && ".join(f"{name} == {literal}" for name, literal in constants.items())


__all__ = ["constant_parameters", "substitute", "condition"]
