"""Hand-built IR and analyses of the loops in benchmarks/examples/matmul.c, for the reasoner tests.

They mirror what the front end and the dependence analysis report for that file, so the reasoner can
be tested on its own. The source file is the real one: prompts quote its lines.
"""

from __future__ import annotations

from pathlib import Path

from autopar.ir import CanonicalForm, Comparison, Loop, ReductionOp, TranslationUnit
from autopar.plan import Candidate, LoopVerdict, NestAnalysis, Plan, Proof, Reduction, Schedule

EXAMPLE = str(Path(__file__).resolve().parent.parent / "benchmarks" / "examples" / "matmul.c")
NAME = "matmul.c"


def _loop(line: int, column: int, function: str, depth: int, iv: str, end_line: int,
          parent: str | None = None, children: list[str] | None = None) -> Loop:
    return Loop(id=f"{NAME}:{line}:{column}", file=EXAMPLE, line=line, column=column, offset=line * 100,
                function=function, depth=depth, parent=parent, children=children or [], end_line=end_line,
                canonical=CanonicalForm(induction_variable=iv, iv_type="int", iv_declared_in_init=True,
                                        lower_text="0", upper_text="n", comparison=Comparison.LT, step=1))


I, J, K = f"{NAME}:7:5", f"{NAME}:8:9", f"{NAME}:10:13"
DOT = f"{NAME}:39:5"
PREFIX = f"{NAME}:32:5"


def example_tu() -> TranslationUnit:
    loops = [
        _loop(7, 5, "matmul", 0, "i", 14, children=[J]),
        _loop(8, 9, "matmul", 1, "j", 13, parent=I, children=[K]),
        _loop(10, 13, "matmul", 2, "k", 11, parent=J),
        _loop(32, 5, "prefix_sum", 0, "i", 33),
        _loop(39, 5, "dot", 0, "i", 40),
    ]
    loops[0].perfectly_nests_child = True
    return TranslationUnit(path=EXAMPLE, language="c", loops=sorted(loops, key=lambda l: l.line))


ALIAS = "C + n * n <= A || A + n * n <= C"


def matmul_nest() -> NestAnalysis:
    return NestAnalysis(
        root_loop_id=I,
        verdicts=[LoopVerdict(loop_id=I, parallelizable=True, reasons=["no loop-carried dependence"]),
                  LoopVerdict(loop_id=J, parallelizable=True, reasons=["no loop-carried dependence"]),
                  LoopVerdict(loop_id=K, parallelizable=False, reasons=["carries a dependence on sum"])],
        candidates=[
            Candidate(id="c0", summary="loop i, parallel for, if(no overlap)", estimated_cost=1.0,
                      plan=Plan(loop_id=I, alias_check=ALIAS, proof=Proof.RUNTIME_CHECK)),
            Candidate(id="c1", summary="loop i, collapse(2), if(no overlap)", estimated_cost=1.1,
                      plan=Plan(loop_id=I, collapse=2, alias_check=ALIAS, proof=Proof.RUNTIME_CHECK)),
            Candidate(id="c2", summary="loop j, parallel for, if(no overlap)", estimated_cost=3.0,
                      plan=Plan(loop_id=J, alias_check=ALIAS, proof=Proof.RUNTIME_CHECK)),
            Candidate(id="c3", summary="loop i, parallel for, schedule(dynamic), if(no overlap)",
                      estimated_cost=1.2, plan=Plan(loop_id=I, schedule=Schedule.DYNAMIC, alias_check=ALIAS,
                                                    proof=Proof.RUNTIME_CHECK)),
        ],
        default_candidate_id="c0",
        default_reason="outermost parallel loop: most work per thread",
    )


def dot_nest() -> NestAnalysis:
    return NestAnalysis(
        root_loop_id=DOT,
        verdicts=[LoopVerdict(loop_id=DOT, parallelizable=True, reasons=["s is a + reduction"])],
        candidates=[Candidate(id="c0", summary="loop i, parallel for, reduction(+: s)",
                              plan=Plan(loop_id=DOT, reductions=[Reduction(op=ReductionOp.ADD,
                                                                           variables=["s"])]))],
        default_candidate_id="c0",
        default_reason="reduction on s",
    )


def prefix_nest() -> NestAnalysis:
    return NestAnalysis(
        root_loop_id=PREFIX,
        verdicts=[LoopVerdict(loop_id=PREFIX, parallelizable=False,
                              reasons=["out[i] reads out[i - 1], written by the previous iteration"])],
        default_reason="no legal parallel plan",
    )
