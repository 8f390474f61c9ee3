"""A verifier for the feedback loop: the plan tried on the real program, by autopar.verify.

The file is rewritten with the proposed plan on its nest (every other nest left serial), compiled,
run with 1 and N threads, compared with the original's output, and race-checked with TSan+Archer.
Anything short of "verified" rejects the proposal, and the reason goes back to the model.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Sequence

from autopar.ir import TranslationUnit
from autopar.plan import Decision, NestAnalysis, Plan


def program_verifier(path: str, flags: Sequence[str] = ("-O2",), run_args: Sequence[str] = (),
                     threads: int = 2, check_races: bool = True):
    """A `Verifier` (see autopar.reasoner.core) for a C file with a `main`, run with `run_args`."""

    def verify_plan(tu: TranslationUnit, nest: NestAnalysis, plan: Plan) -> list[str]:
        from autopar.rewrite import apply_edits, plan_rewrite
        from autopar.verify import verify

        original = Path(path).read_bytes()
        edits = plan_rewrite(original, tu, [Decision(root_loop_id=nest.root_loop_id, plan=plan)]).edits
        with tempfile.TemporaryDirectory(prefix="autopar-plan-") as workdir:
            rewritten = Path(workdir) / Path(path).name
            rewritten.write_bytes(apply_edits(original, edits))
            result = verify(path, str(rewritten), flags=list(flags), run_args=list(run_args), threads=threads,
                            repeat=1, warmup=0, check_races=check_races, workdir=workdir)
        return [] if result.verified else [result.summary()]

    return verify_plan
