"""The loop nests of benchmarks/examples/matmul.c as the real front end and analysis see them, for the
reasoner tests (parsed once per test session)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from autopar.ir import TranslationUnit
from autopar.plans.plan import NestAnalysis

EXAMPLE = str(Path(__file__).resolve().parent.parent / "benchmarks" / "examples" / "matmul.c")


@lru_cache(maxsize=1)
def _analyzed() -> tuple[TranslationUnit, dict[str, list[NestAnalysis]]]:
    from autopar.plans.candidates import analyze_nest
    from autopar.decision.pipeline import load_translation_unit

    tu = load_translation_unit(EXAMPLE)
    nests: dict[str, list[NestAnalysis]] = {}
    for root in tu.nest_roots():
        nests.setdefault(root.function, []).append(analyze_nest(tu, root))
    return tu, nests


def example_tu() -> TranslationUnit:
    return _analyzed()[0]


def nest(function: str) -> NestAnalysis:
    """A fresh copy of the first nest of `function`: matmul, matmul_restrict, prefix_sum, dot, main."""
    return _analyzed()[1][function][0].model_copy(deep=True)


def nests_of(function: str) -> list[NestAnalysis]:
    """Fresh copies of every nest of `function`, in source order."""
    return [n.model_copy(deep=True) for n in _analyzed()[1][function]]


def ids(analysis: NestAnalysis) -> list[str]:
    return [c.id for c in analysis.candidates]


def candidate(analysis: NestAnalysis, candidate_id: str):
    return next(c for c in analysis.candidates if c.id == candidate_id)


def on_loop(analysis: NestAnalysis, depth: int) -> list[str]:
    """Ids of the candidates whose pragma goes on the nest's loop at `depth` (0: the root)."""
    loop_id = analysis.verdicts[depth].loop_id
    return [c.id for c in analysis.candidates if c.plan.loop_id == loop_id]
