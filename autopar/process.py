"""Settings that belong to a whole process, made by autopar's own programs (`autopar`, `autopar-cc`)
when they start, and by the worker processes autopar starts for `-j N` (autopar.jobs, `check`),
never by the library in its caller's process: code that imports autopar keeps its own collector and
recursion limit.

- The collector: the front end builds some 10^5 long-lived nodes per file. Under Python's default
  thresholds the collector scans them again and again while they are built (a quarter of the front
  end's time on a 3,700-line solver file), so a program freezes what its imports made and collects
  the youngest generation every 50,000 allocations instead of 700.
- The recursion limit: the front end's walks recurse as deep as the code nests; a long sum of
  generated code (`a0 + a1 + ... + a999`) nests a thousand levels. Below the limit set here, such a
  file is reported as nesting too deeply to analyze (autopar.frontend.FrontendError), not analyzed.
"""

from __future__ import annotations

import gc
import sys

RECURSION_LIMIT = 50_000
COLLECTOR_THRESHOLDS = (50_000, 20, 20)


def configure_program() -> None:
    """Once, at the start of one of autopar's programs."""
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
