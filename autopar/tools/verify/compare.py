"""Two programs' outputs compared value by value: integers exactly, floating-point numbers within a
relative tolerance (a parallel reduction adds in a different order), anything else as text."""

from __future__ import annotations

import math
import re
from typing import Optional, Sequence

from autopar.tools.verify.results import Comparison

DEFAULT_TOLERANCE = 1e-6


_INTEGER = re.compile(r"[+-]?\d+")


def compare_values(expected: Sequence[str], got: Sequence[str], tolerance: float = DEFAULT_TOLERANCE) -> Comparison:
    """Integers exactly, floating-point numbers within `tolerance` (relative), anything else as text."""
    if len(expected) != len(got):
        return Comparison(match=False, max_relative_error=math.inf,
                          message=f"expected {len(expected)} values, got {len(got)}")
    worst = 0.0
    for position, (want, have) in enumerate(zip(expected, got)):
        if _INTEGER.fullmatch(want) and _INTEGER.fullmatch(have):
            if int(want) != int(have):
                return Comparison(match=False, max_relative_error=_relative(float(want), float(have)),
                                  message=f"value {position + 1}: expected {want}, got {have} (integers must match)")
            continue
        a, b = _as_float(want), _as_float(have)
        if a is None or b is None:
            if want != have:
                return Comparison(match=False, max_relative_error=math.inf,
                                  message=f"value {position + 1}: expected {want!r}, got {have!r}")
            continue
        if math.isnan(a) or math.isnan(b):
            if not (math.isnan(a) and math.isnan(b)):
                return Comparison(match=False, max_relative_error=math.inf,
                                  message=f"value {position + 1}: expected {want}, got {have}")
            continue
        error = _relative(a, b)
        worst = max(worst, error)
        if error > tolerance:
            return Comparison(match=False, max_relative_error=error,
                              message=f"value {position + 1}: expected {want}, got {have} "
                                      f"(relative error {error:.3g} > {tolerance:g})")
    return Comparison(match=True, max_relative_error=worst)


def _relative(a: float, b: float) -> float:
    if a == b:
        return 0.0
    if math.isinf(a) or math.isinf(b):
        return math.inf
    return abs(a - b) / max(abs(a), abs(b))


def _as_float(text: str) -> Optional[float]:
    try:
        return float(text)
    except ValueError:
        return None
