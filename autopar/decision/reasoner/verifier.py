"""A verifier for the feedback loop: the plan tried on the real program, by autopar.tools.verify.

The file is rewritten with the proposed plan on its nest (every other nest left serial, the plan's
work threshold dropped so that a small input runs the parallel code), compiled, run with 1 and N
threads, compared with the original's output, and race-checked with TSan+Archer. Anything short of
"verified" rejects the proposal, and the reason goes back to the model.
"""

from __future__ import annotations

from typing import Sequence


def program_verifier(path: str, flags: Sequence[str] = ("-O2",), run_args: Sequence[str] = (),
                     threads: int = 2, check_races: bool = True):
    """A `Verifier` (see autopar.decision.reasoner.core) for a C file with a `main`, run with `run_args`."""
    from autopar.tools.verify import RUN_TIMEOUT_S, make_plan_verifier

    return make_plan_verifier(path, list(flags), list(run_args), threads, check_races=check_races,
                              timeout=RUN_TIMEOUT_S)
