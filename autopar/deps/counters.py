"""Loop counters whose iterations the affine model or OpenMP may get wrong: unsigned counters (and
comparisons) that wrap, and iteration counts that overflow the counter's type."""

from __future__ import annotations

from typing import Optional

from autopar.ir import CanonicalForm, Comparison


def constant_of(aff) -> Optional[int]:
    return aff.constant if aff is not None and not aff.coefficients else None


def wrap_problem(c: CanonicalForm) -> Optional[str]:
    """Why the affine model `lower <= iv < upper` may not be the iterations the loop runs, or None.

    Signed counters cannot wrap in a defined program. An unsigned counter, or a comparison that C
    performs in an unsigned type, wraps modulo 2^N: `for (unsigned i = -7; i != 5; i++)` runs 12
    times through 2^32 - 7 .. 4, while OpenMP counts (5 - (2^32 - 7)) / 1 iterations, none.
    The loop is exact when the bounds are constants in range and in order, or when a `!=` loop
    starts (or, counting down, ends) at 0, or when a signed counter compared as unsigned starts at
    a constant >= 0 and counts up."""
    if not (c.iv_unsigned or c.compare_unsigned):
        return None
    iv = c.induction_variable
    lower, upper = constant_of(c.lower), constant_of(c.upper)
    bits = min(c.iv_bits or 64, c.compare_bits or 64)
    limit = 2 ** bits
    for value, what in ((lower, "initial value"), (upper, "bound")):
        if value is not None and not 0 <= value < limit:
            return f"unsigned loop may wrap: the {what} of {iv} is out of the range of its unsigned type"
    if not c.iv_unsigned:  # a signed counter compared as unsigned: negative values compare as huge ones
        if c.step > 0 and lower is not None and lower >= 0:
            return None
        return (f"signed counter {iv} is compared as unsigned: it may wrap unless it starts at a "
                "constant >= 0 and counts up")
    if c.comparison != Comparison.NE:
        return None
    if lower is not None and upper is not None:
        if (lower <= upper) if c.step > 0 else (lower >= upper):
            return None
    elif (c.step > 0 and lower == 0) or (c.step < 0 and upper == 0):
        return None
    return f"unsigned loop may wrap: {iv} != {c.upper_text} may pass through 0"


COUNT_STEP_LIMIT = 65536  # a larger constant step with a symbolic bound: OpenMP's count may overflow


def count_problem(c: CanonicalForm) -> Optional[str]:
    """Why OpenMP's iteration count may not fit the counter's type, or None.

    gcc and clang compute `(upper - lower + step - 1) / step` in the counter's own type, and the
    OpenMP spec leaves an overflow there unspecified: `for (short i = 0; i < 30000; i += 10000)`
    runs three times serially and never in parallel, and so does an `int` loop from -2e9 to 2e9.
    Constant bounds are checked exactly. With symbolic bounds, an `int` or wider counter stepping by 1
    is taken to fit (a span past INT_MAX is a loop of more than 2^31 iterations); a larger step,
    up to COUNT_STEP_LIMIT, must start from a constant >= 0 (counting down: end at one), so that the
    count overflows only for a bound within a step of the type's maximum, which is assumed not to
    occur (`for (int i = lo; i < hi; i += 100000000)` from -2e9 to 2e9 runs 40 times serially and
    never in parallel). A counter narrower than `int` (its arithmetic is done in `int`, so the serial
    loop never overflows) must step by 1 away from a constant bound >= 0. Variable steps have their
    own run-time guard (autopar.deps.strided)."""
    if c.step_symbol or not c.iv_bits:
        return None
    bits, iv = c.iv_bits, c.induction_variable
    largest = 2 ** bits - 1 if c.iv_unsigned else 2 ** (bits - 1) - 1
    lower, upper = constant_of(c.lower), constant_of(c.upper)
    step = abs(c.step)
    inclusive = c.comparison in (Comparison.LE, Comparison.GE)
    if lower is not None and upper is not None:
        span = upper - lower if c.step > 0 else lower - upper
        if span < 0 or (span == 0 and not inclusive):
            return None  # no iteration: the count is never computed
        if span + step - 1 + int(inclusive) <= largest:
            return None
        return (f"OpenMP counts the iterations of {iv} in its {bits}-bit type, and "
                f"{span} + {step - 1 + int(inclusive)} does not fit")
    if bits >= 32 and step == 1:
        return None
    # counting up from lower >= 0, the count is at most upper (plus step - 1); counting down to a
    # bound >= 0 (>= 1 for `>=`), at most the first value
    remainder = c.lower_remainder  # a start `a + x % d` lies within d - 1 of a
    if lower is None and remainder is not None and not remainder.left.expr.coefficients:
        lower = remainder.left.expr.constant - (remainder.modulus - 1) if c.step > 0 else None
    from_zero = (c.step > 0 and lower is not None and lower >= 0) or \
        (c.step < 0 and upper is not None and upper >= int(inclusive))
    if from_zero and (step == 1 or (bits >= 32 and step <= COUNT_STEP_LIMIT)):
        return None
    if bits >= 32:
        return (f"OpenMP counts the iterations of {iv} in its {bits}-bit type, which may overflow: with a "
                f"symbolic bound, a step of {step} needs a constant start >= 0 and at most {COUNT_STEP_LIMIT}")
    return (f"OpenMP counts the iterations of {iv} in its {bits}-bit type, which may overflow: "
            "it needs a step of 1 from a constant bound >= 0")
