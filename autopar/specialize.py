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
    parameters that bound a loop nested in it, that every call in the file passes one constant for,
    and that the loop reads and never writes. Empty when the loop's text cannot be copied."""
    constants = tu.constant_arguments.get(loop.function, {})
    if not constants or loop.copy_problem is not None or loop.end_offset is None or loop.from_macro:
        return {}
    in_bounds: set[str] = set()
    for inner in tu.descendants(loop.id):
        if inner.canonical is not None:
            in_bounds.update(_IDENTIFIER.findall(inner.canonical.lower_text + " " + inner.canonical.upper_text))
    chosen: dict[str, str] = {}
    for name, literal in sorted(constants.items()):
        if name not in in_bounds:
            continue
        uses = [use for use in loop.scalars if use.variable.name == name]
        if len(uses) != 1 or uses[0].variable.storage != Storage.PARAMETER or uses[0].written or \
                uses[0].address_taken or uses[0].declared_in_loop:
            continue
        if any(access.base.name == name for access in loop.accesses):
            continue  # an array of the same name declared in the loop: the text names two things
        chosen[name] = literal
    return chosen


def substitute(text: str, constants: dict[str, str]) -> str:
    """`text` (a loop's source) with every use of the named variables replaced by its literal.
    Comments, string and character literals, and member names (`s.pool`, `p->pool`, `ns::pool`) are
    left alone."""
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in constants and not _after_member_operator(text, match.start()):
            out.append(text[position:match.start()])
            out.append(constants[token])
            position = match.end()
    out.append(text[position:])
    return "".join(out)


# comments and literals first, so that a name inside them is never taken for a variable
_TOKEN = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|[A-Za-z_]\w*|\d\w*',
                    re.DOTALL)


def _after_member_operator(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return before.endswith((".", "->", "::"))


def condition(constants: dict[str, str]) -> str:
    """The test that selects the specialized copy: `pool == 2 && w == 512`."""
    return " && ".join(f"{name} == {literal}" for name, literal in constants.items())


__all__ = ["constant_parameters", "substitute", "condition"]
