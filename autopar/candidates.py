"""Candidate plans for each loop nest. (Placeholder until the dependence analysis lands.)"""

from __future__ import annotations

from autopar.ir import Loop, TranslationUnit
from autopar.plan import LoopVerdict, NestAnalysis


def analyze_nest(tu: TranslationUnit, root: Loop) -> NestAnalysis:
    loops = [root, *tu.descendants(root.id)]
    return NestAnalysis(
        root_loop_id=root.id,
        verdicts=[LoopVerdict(loop_id=loop.id, parallelizable=False, reasons=["not analyzed yet"])
                  for loop in loops],
        default_reason="not analyzed yet",
    )
