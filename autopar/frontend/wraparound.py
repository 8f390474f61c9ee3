"""Integer arithmetic that may wrap around, for the affine subscripts and loop bounds
(autopar.frontend.affine).

The model's integers never wrap; C's unsigned ones wrap modulo 2^N, and a conversion to a narrower
type keeps the low bits. Takes a node's chain of conversions and its affine terms; says why the
model's value may differ from C's there, or nothing when they agree wherever it matters: everywhere
for a loop's start or a part of a wider operation, and wherever a whole subscript (or a loop's end)
indexes an array (below 2^31 elements, as everywhere in the model).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from clang.cindex import TypeKind

from autopar.frontend.ast import INTEGER_TYPES, UNSIGNED_TYPES, Node, integer_range

SMALL = 2 ** 31
# types whose arithmetic cannot wrap in a defined program, and wide enough for any offset
_SIGNED_WIDE = {TypeKind.LONG, TypeKind.LONGLONG, TypeKind.INT128}

Range = tuple[int, int]  # the lowest and highest value

# what a value must keep to: INDEX, the whole subscript, whose C value may differ from the model's
# where it is outside every array; BOUND, a loop's end, likewise but with no walk (no access proves
# it); EXACT, a value that something wider uses or that a loop starts from, C's value everywhere
INDEX, BOUND, EXACT = "index", "bound", "exact"


class Walk(NamedTuple):
    """How a loop's variable moves (autopar.frontend.loops.LoopInfo.canonical_walks)."""
    step: Optional[int]  # None: a variable step, or bounds that name another loop's variable
    first: Optional[int]  # the constant it starts from, None where unknown
    start: Optional[int]  # first, where it counts up from it (its values are then first and above)
    row: Optional[str]  # the parameter n of a loop over a whole row, `j = 0; j < n; j++`
    below_largest: bool = False  # it stays below its type's largest value (`i < n` in its own type)


def type_range(ctype) -> Optional[Range]:
    """The values of an integer type, or None for another type or an enum (whose underlying type
    may be unsigned)."""
    return None if ctype.get_canonical().kind == TypeKind.ENUM else integer_range(ctype)


def large_terms_wrap(chain: list[Node], terms: dict[str, int]) -> bool:
    """With coefficients and constant strictly inside the signed 32-bit range (-2^31 is not: with
    `int i`, `0u - 2147483647u * i - i` is 0 for every even i) the model's value is C's modulo 2^N,
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


def held_throughout(chain: list[Node], constant: int) -> bool:
    """Whether every integer type on the chain holds the constant: where its C value must be exact
    (under a wider operation: `(unsigned)-1 + 1L` is 2^32, not 0)."""
    for node in chain:
        held = type_range(node.cursor.type) if node.type_kind in INTEGER_TYPES else None
        if held is not None and not held[0] <= constant <= held[1]:
            return False
    return True


def variable_terms_wrap(zones: list[Range], terms: dict[str, int], ranges: dict[str, Optional[Range]],
                        walks: dict[str, Walk], mode: str) -> Optional[str]:
    """Why a node with small terms that names variables may wrap in an unsigned type, or in a
    conversion to a type narrower than 64 bits (`(int)` of a long), or None where it cannot differ
    from C's value where that matters; `zones` are exact_zones of the node's chain (asked first, as
    most chains have none), `ranges` the values of its names. EXACT: over every value of the C types of its names the value
    stays in its types (`(unsigned)i` of an int i under a long addition is not: for i < 0 C's value
    is 2^32 + i, the model's i). INDEX and BOUND: it stays where C's is the model's or is 2^31 or
    more away from any element (`(size_t)i * w + j` of an unsigned int w), or, for INDEX only, walk:
    - each term is a loop variable whose step moves the value by less than 2^31 (`i + 2` of an
      unsigned i, `2 * i + 1u`, `i * 256u + j`), or the terms walk whole rows one after the other
      (`i * w + j` for j from 0 to w, i stepping by 1: _whole_rows), `walks` holding the loops whose
      every iteration runs the access (Walk.step None where the loop's bounds name another loop's
      variable: its rows may start anywhere); and
    - its value with each loop at its first value (where unknown, or where a loop's bounds name
      another loop's variable, so that it may not run on that one's first values: any of the
      types') is where C's is the model's or outside every array (`2 * j` for j from 2147484098u
      is not: C's is 900).
    Each loop's first access is then C's value, and each later one (the next iteration, or an inner
    loop starting again as an outer one steps) moves by less than 2^31 from an earlier one: a wrapped
    value that indexes an array (below 2^31 elements) is reached only through values 2^31 or more
    away from any element, which a defined program does not access.
    Otherwise a parameter may scale or move it past the wrap: with `unsigned w = UINT_MAX`,
    `s[i * w + j]` is s[j - i]; with w = 2^31 every even row is row 0; `a[i + k]` with k = UINT_MAX
    is a[i - 1]; and a loop variable stepping by 2^24 makes `a[i * 256u]` the same element."""
    names = [m for m, c in terms.items() if m and c]
    if not names or not zones:
        return None
    if _inside(_value_range(terms, ranges), zones):
        return None
    walking = []
    if mode == INDEX:
        walking = [m for m in names if m in walks and walks[m].step is not None
                   and abs(terms[m] * walks[m].step) < SMALL]
        if len(walking) == len(names) or _whole_rows(terms, walks):
            # a loop whose bounds name another's may skip the first values of that one
            steady = all(w.step is not None for w in walks.values())
            firsts = {**ranges, **{m: (w.first, w.first) for m, w in walks.items() if w.first is not None and steady}}
            if _inside(_value_range(terms, firsts), zones):
                return None
            return "its first value may be past the type's range"
    first = next(m for m in names if m not in walking)
    if "*" not in first and walks.get(first) is not None and walks[first].step is not None and mode == INDEX:
        return f"each step of {first} moves it by {abs(terms[first] * walks[first].step)}"
    return f"{' * '.join(first.split('*'))} may move it past the type's range"


def _inside(value: Optional[Range], zones: list[Range]) -> bool:
    return value is not None and all(low <= value[0] and value[1] < high for low, high in zones)


def _whole_rows(terms: dict[str, int], walks: dict[str, Walk]) -> bool:
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
        step, row = walks[iv].step, walks[iv].row
        if not names:
            return bool(stride) and step in (1, -1) and abs(coefficient) < SMALL
        if step != 1 or row is None:
            return False
        stride.append(row)
    return False


def exact_zones(chain: list[Node], slack: bool = True) -> list[Range]:
    """For each node of the chain that may wrap, the model values [low, high) whose C value is the
    same or (with slack) outside every array: an unsigned N-bit value from -(2^N - 2^31) (C's is at
    least 2^31; without slack from 0) up to 2^N; a conversion to a signed type narrower than 64
    bits, exactly its range."""
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
            zones.append((-max(0, high - SMALL) if slack else 0, high))
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
