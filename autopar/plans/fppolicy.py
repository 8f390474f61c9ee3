"""The floating-point policy: may a parallel reduction reorder floating-point operations?

A `reduction(+: s)` on a double adds in another order than the serial loop, so the result may
differ in rounding (with d[0] = 1e16 and 3,999 ones: serial 1e16, 4 threads 1e16 + 3000).
- `allow` (the default, as OpenMP programmers write such loops by hand): floating-point `+` and `*`
  reductions are parallelized and each such loop's reasons say "result may differ in rounding";
  the verifier compares floating-point output within a relative tolerance (1e-6). Floating-point
  `min` and `max` reductions too, whose reasons say "result may differ where NaNs or signed zeros
  meet": `m = m < d[i] ? m : d[i]` lets a NaN through and drops it at the next element, an order
  that per-thread results cannot keep (a NaN that ends one thread's share is its result).
- `strict`: every reduction on a floating-point variable keeps its loop serial (the rest of the file
  is still parallelized), and the verifier compares floating-point output exactly.

Who decides, first match wins: `--fp-reductions strict|allow` (analyze, rewrite, check), the
environment variable AUTOPAR_FP_REDUCTIONS (autopar-cc, and every command), then the compile flags:
the last of `-ffast-math`, `-Ofast`, `-fassociative-math`, `-funsafe-math-optimizations`,
`-ffp-model=fast` (allow) and `-fno-associative-math`, `-fno-unsafe-math-optimizations`,
`-frounding-math`, `-ffp-model=strict` (strict); else `allow`.
"""

from __future__ import annotations

import os
from typing import Optional, Sequence

POLICIES = ("allow", "strict")
ENV = "AUTOPAR_FP_REDUCTIONS"
ALLOW_TOLERANCE = 1e-6  # relative, for floating-point output under `allow`

_ALLOW_FLAGS = {"-ffast-math", "-Ofast", "-fassociative-math", "-funsafe-math-optimizations", "-ffp-model=fast"}
_STRICT_FLAGS = {"-fno-associative-math", "-fno-unsafe-math-optimizations", "-frounding-math",
                 "-ffp-model=strict"}


class PolicyError(ValueError):
    pass


def check(name: str) -> str:
    value = name.strip().lower()
    if value not in POLICIES:
        raise PolicyError(f"unknown floating-point reduction policy {name!r} (use strict or allow)")
    return value


def resolve(compile_args: Sequence[str] = (), explicit: Optional[str] = None) -> str:
    """The policy for one file: the explicit choice, else $AUTOPAR_FP_REDUCTIONS, else the flags."""
    if explicit:
        return check(explicit)
    from_env = os.environ.get(ENV, "").strip().lower()
    if from_env in POLICIES:
        return from_env
    policy = "allow"
    for arg in compile_args:
        if arg in _ALLOW_FLAGS:
            policy = "allow"
        elif arg in _STRICT_FLAGS:
            policy = "strict"
    return policy


def tolerance(policy: str) -> float:
    """The verifier's relative tolerance for floating-point values under `policy`."""
    return 0.0 if policy == "strict" else ALLOW_TOLERANCE
