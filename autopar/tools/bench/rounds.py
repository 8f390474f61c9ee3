"""The schedule of a bench's timed runs: round-robin over the builds of one kernel at one size, with
the rules that keep a slow build from stalling the run. Plain Python with no imports from autopar or
any package, so that the same schedule runs inside `autopar bench` and, from a bundle
(autopar.tools.bench.bundle), on a machine where autopar is not installed.

Interleaving spreads the load of a shared machine evenly over the configurations, instead of
penalising whichever one happened to run while something else was busy.
"""

from __future__ import annotations

from typing import Any, Callable, Optional


class Slot:
    """One build being timed: its runs so far, and why it stopped early (`failure`: a status and a message)."""

    def __init__(self, key: Any, is_serial: bool, done: bool = False):
        self.key = key
        self.is_serial = is_serial
        self.runs: list[Any] = []  # what `run` returned: each has ok, returncode, wall_s and stderr
        self.spent_s = 0.0
        self.done = done
        self.failure: Optional[tuple[str, str]] = None


def run_rounds(slots: list[Slot], rounds: int, run: Callable[[Slot, float], Any], timeout_s: float,
               tick: Callable[[Slot, float], None] = lambda slot, step: None) -> None:
    """Round r runs each slot once, `run(slot, timeout)`. A failed run ends its slot; when the serial
    build fails, every other slot ends unjudged. After serial's first run, the timeout becomes 30
    times its time and each slot's budget 10 times its whole series: a build far slower than serial
    (a badly placed pragma) is timed by the runs it had."""
    serial = next((slot for slot in slots if slot.is_serial), None)
    timeout, budget = timeout_s, None
    for round_index in range(rounds):
        for slot in slots:
            tick(slot, 1 / rounds)
            if slot.done:
                continue
            result = run(slot, timeout)
            slot.runs.append(result)
            slot.spent_s += result.wall_s
            if not result.ok:
                slot.done = True
                if result.returncode is None:
                    slot.failure = ("timeout", f"killed after {timeout:.0f} s")
                else:
                    slot.failure = ("run-failed", f"exit code {result.returncode}: {result.stderr[-1500:]}")
                if slot is serial:  # no baseline: the others cannot be judged
                    for other in slots:
                        if not other.done:
                            other.done = True
                            other.failure = ("unavailable", "the serial build did not run, so there is no baseline")
            elif slot is serial and round_index == 0:
                timeout = max(20.0, 30 * result.wall_s)
                budget = max(10.0, 10 * result.wall_s * rounds)
            elif budget is not None and slot.spent_s > budget:
                slot.done = True  # timed by the runs it had
