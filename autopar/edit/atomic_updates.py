"""Atomic updates written into a parallel loop's body (Plan.atomic_updates):

    hist[key[i]] += w[i];

becomes

    _Pragma("omp atomic") hist[key[i]] += w[i];

The operator form of the directive goes on the statement's own line, so no line of the file moves
(compiler messages keep their lines) and an update that is the body of an `if` or a loop stays one.
Each statement is checked against the file before the edit: it lies inside the loop, and it is one
expression (the validator derives the ranges from the file as it is).
"""

from __future__ import annotations

import re
from typing import Optional

from autopar.edit.edits import Edit
from autopar.ir import Loop
from autopar.plans.plan import Plan

ATOMIC = '_Pragma("omp atomic") '
# an atomic directive in either spelling, in a loop's text (autopar.report.check leaves such loops unjudged)
ATOMIC_IN_TEXT = re.compile(rb'_Pragma\s*\(\s*"\s*omp\s+atomic\b')


def atomic_edits(source: bytes, loop: Loop, plan: Plan) -> Optional[list[Edit]]:
    """The in-line edits of the plan's atomic updates, or None when the file no longer shows them."""
    edits: list[Edit] = []
    for update in plan.atomic_updates:
        inside = loop.end_offset is not None and loop.offset < update.start < update.end <= loop.end_offset
        if not inside or re.search(rb"[;{}]", source[update.start:update.end]):
            return None  # (one expression: the validator derived the range from this file)
        edits.append(Edit(offset=update.start, text=ATOMIC, loop_id=loop.id, line=update.line, in_line=True))
    return edits
