"""The object pairs of a loop's aliasing edges, for its runtime overlap check: which one is written,
which pairs may be equal, and the sentences that say what the check tests (or why there is none)."""

from __future__ import annotations

from autopar.deps import Analysis, ObjectModel


def equal_pointer_pairs(an: Analysis, handled: set[str]) -> frozenset:
    """The pointer pairs the runtime check may let be equal (DependenceGraph.equal_pointers), but
    none whose object a thread's copy, a private array or a window stands for: equal, the other
    pointer would reach the shared elements."""
    return frozenset(p for p in an.graph.equal_pointers if not set(p) & handled)


def unbounded_text(w: ObjectModel, o: ObjectModel) -> str:
    if w.key == o.key and w.carved_rows:  # (deps.carved_rows)
        return (f"the rows of {w.path} are carved from one block and may overlap, and the rows and columns it "
                "touches cannot be bounded exactly for a runtime check (a write under a condition, a table of "
                "three levels, a loop that moves its rows)")
    if w.key == o.key:  # (deps.member_bounds)
        return (f"the subscripts of {w.path} may run past its member array (old C over-indexes a struct's "
                "arrays), and their bounds are not one expression for a runtime check")
    return f"{w.path} and {o.path} may point to the same memory and their accessed ranges cannot be computed " \
           "for a runtime check"


def apart_text(w: ObjectModel, o: ObjectModel, equal: frozenset) -> str:
    if w.key == o.key and w.carved_rows:  # (deps.carved_rows)
        return f"the rows of {w.path} it touches lie further apart than its columns"
    if w.key == o.key:  # (deps.member_bounds)
        return f"the subscripts of {w.path} stay inside its member array"
    return f"{w.path} does not overlap {o.path}" + (" or equals it" if (w.key, o.key) in equal else "")


def written_first(an: Analysis, alias_pairs: set[tuple[str, str]]) -> list[tuple[ObjectModel, ObjectModel]]:
    """The object pairs of alias edges, in a stable order, each with its written object first."""
    pairs = []
    for x, y in sorted(alias_pairs):
        ox, oy = an.model.objects[x], an.model.objects[y]
        pairs.append((ox, oy) if ox.written else (oy, ox))
    return pairs
