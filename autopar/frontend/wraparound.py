"""Integer arithmetic that may wrap around, for the affine subscripts (autopar.frontend.affine).

The model's integers never wrap; C's unsigned ones wrap modulo 2^N, and a conversion to a narrower
type keeps the low bits. Takes a subscript node's chain of conversions and its affine terms; says
why the model's value may differ from C's there, or nothing when they agree wherever the subscript
indexes an array (below 2^31 elements, as everywhere in the model).
"""

from __future__ import annotations

from typing import Optional

from clang.cindex import TypeKind

from autopar.frontend.ast import INTEGER_TYPES, UNSIGNED_TYPES, Node

SMALL = 2 ** 31
# types whose arithmetic cannot wrap in a defined program, and wide enough for any offset
_SIGNED_WIDE = {TypeKind.LONG, TypeKind.LONGLONG, TypeKind.INT128}

Range = tuple[int, int]  # the lowest and highest value


def type_range(ctype) -> Optional[Range]:
    """The values of an integer type, or None for another type."""
    t = ctype.get_canonical()
    if t.kind == TypeKind.BOOL:
        return 0, 1
    if t.kind not in INTEGER_TYPES or t.kind == TypeKind.ENUM or t.get_size() <= 0:
        return None
    bits = 8 * t.get_size()
    return (0, 2 ** bits - 1) if t.kind in UNSIGNED_TYPES else (-2 ** (bits - 1), 2 ** (bits - 1) - 1)


def large_terms_wrap(chain: list[Node], terms: dict[str, int]) -> bool:
    """With coefficients and constant in the signed 32-bit range the model's value is C's modulo 2^N,
    checked by `variable_terms_wrap`. Larger ones differ: with `int i`, `a[i + 4294967295u]` is
    a[i - 1], `a[(int)(i + 4294967296L)]` is a[i], `a[i + ULONG_MAX]` is a[i - 1] in practice. So a
    node whose terms are not all small, in a type that may wrap (unsigned, or narrower than 64 bits)
    anywhere on its chain of conversions, wraps; a constant alone does not when every type on the
    chain holds it and it fits 64 signed bits (a bound `i < 4294967295u`)."""
    constant = terms.get("", 0) if set(terms) <= {""} else None
    for node in chain:
        kind = node.type_kind
        if kind not in INTEGER_TYPES:
            continue
        if constant is not None:
            held = type_range(node.cursor.type)
            if held is not None and held[0] <= constant <= held[1] and -2 ** 63 <= constant < 2 ** 63:
                continue
        elif kind in _SIGNED_WIDE and 8 * node.cursor.type.get_canonical().get_size() >= 64:
            continue
        return True
    return False


def variable_terms_wrap(chain: list[Node], terms: dict[str, int], ranges: dict[str, Optional[Range]],
                        walks: dict[str, tuple[Optional[int], Optional[str]]]) -> Optional[str]:
    """Why a subscript node with small terms that names variables may wrap in an unsigned type, or
    in a conversion to a type narrower than 64 bits (`(int)` of a long), or None where it cannot
    index an array at a value the model does not see. It cannot when either holds:
    - walk: each term is a loop variable whose step moves the value by less than 2^31 (`i + 2` of an
      unsigned i, `2 * i + 1u`, `i * 256u + j`), or the terms walk whole rows one after the other
      (`i * w + j` for j from 0 to w, i stepping by 1: _whole_rows). A wrapped value that indexes an
      array (below 2^31 elements) is then reached only through values 2^31 or more away from any
      element: accesses outside every array on the way, which a defined program does not make.
      `walks` holds the loops whose every iteration runs the access: their steps (None where the
      loop's bounds name another loop's variable: its rows may start anywhere) and row lengths.
    - range: over every value of the C types of its names the value stays where C's is the model's,
      or is 2^31 or more away from any element (`(size_t)i * w + j` of an unsigned int w).
    Otherwise a parameter may scale or move it past the wrap: with `unsigned w = UINT_MAX`,
    `s[i * w + j]` is s[j - i]; with w = 2^31 every even row is row 0; `a[i + k]` with k = UINT_MAX
    is a[i - 1]; and a loop variable stepping by 2^24 makes `a[i * 256u]` the same element."""
    names = [m for m, c in terms.items() if m and c]
    if not names:
        return None
    zones = _exact_zones(chain)
    if not zones:
        return None
    steps = {m: step for m, (step, _) in walks.items()}
    walking = [m for m in names if steps.get(m) is not None and abs(terms[m] * steps[m]) < SMALL]
    if len(walking) == len(names) or _whole_rows(terms, walks):
        return None
    value = _value_range(terms, ranges)
    if value is not None and all(low <= value[0] and value[1] < high for low, high in zones):
        return None
    first = next(m for m in names if m not in walking)
    if "*" not in first and steps.get(first) is not None:
        return f"each step of {first} moves it by {abs(terms[first] * steps[first])}"
    return f"{' * '.join(first.split('*'))} may move it past the type's range"


def _whole_rows(terms: dict[str, int], walks: dict[str, tuple[Optional[int], Optional[str]]]) -> bool:
    """Whether the terms are c * (i * w + j) (or c * ((i * h + y) * w + x), ...) where each inner
    variable runs over a whole row (j from 0 to w by 1, y from 0 to h) and the outermost steps by
    1: the value then covers each row, and the next one after it, so it moves through every value
    between its first and its last, as a single loop variable stepping by c would."""
    names = {m for m in terms if m}
    stride: list[str] = []  # the row lengths of the variables inside, so far
    coefficient = None
    for iv in reversed(list(walks)):  # innermost first; a loop the subscript does not name is passed
        monomial = "*".join(sorted([iv, *stride]))
        if monomial not in names:
            continue
        if coefficient is not None and terms[monomial] != coefficient:
            return False
        coefficient = terms[monomial]
        names.discard(monomial)
        step, row = walks[iv]
        if not names:
            return bool(stride) and step in (1, -1) and abs(coefficient) < SMALL
        if step != 1 or row is None:
            return False
        stride.append(row)
    return False


def _exact_zones(chain: list[Node]) -> list[Range]:
    """For each node of the chain that may wrap, the model values [low, high) whose C value is the
    same or outside every array: an unsigned N-bit value from -(2^N - 2^31) (C's is at least 2^31)
    up to 2^N; a conversion to a signed type narrower than 64 bits, exactly its range."""
    kinds = [n.type_kind for n in chain]
    if not any(k in UNSIGNED_TYPES for k in kinds) and len(set(k for k in kinds if k in INTEGER_TYPES)) <= 1:
        return []  # one signed type: no conversion, and signed arithmetic does not wrap
    zones: list[Range] = []
    for position, node in enumerate(chain):
        held = type_range(node.cursor.type) if node.type_kind in INTEGER_TYPES else None
        if held is None:
            continue
        low, high = held[0], held[1] + 1
        if low == 0:
            zones.append((-max(0, high - SMALL), high))
        elif high <= 2 ** 63 - 1 and any(_wider(below, held) for below in chain[position + 1:]):
            zones.append((low, high))
    return zones


def _wider(node: Node, held: Range) -> bool:
    inner = type_range(node.cursor.type) if node.type_kind in INTEGER_TYPES else None
    return inner is not None and (inner[0] < held[0] or inner[1] > held[1])


def _value_range(terms: dict[str, int], ranges: dict[str, Optional[Range]]) -> Optional[Range]:
    """The lowest and highest value of the terms over the ranges of their names; None when a name's
    range is unknown."""
    low = high = terms.get("", 0)
    for monomial, coefficient in terms.items():
        if not monomial:
            continue
        lo, hi = coefficient, coefficient
        for factor in monomial.split("*"):
            held = ranges.get(factor)
            if held is None:
                return None
            corners = [lo * held[0], lo * held[1], hi * held[0], hi * held[1]]
            lo, hi = min(corners), max(corners)
        low, high = low + lo, high + hi
    return low, high
