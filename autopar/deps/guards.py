"""Writes that their own condition keeps away from an element: `if (w > 0 && dist[u] + w < dist[v])
dist[v] = dist[u] + w;` would write dist[u] only at v == u, where its condition reads dist[u] twice
(as dist[u] and as dist[v]) and asks dist[u] + w < dist[u] with w > 0: never. The pair of that
write and the reads of dist[u] then has no dependence at all.

The question, for a guarded write W and another access B of the same object, to isl: is there an
iteration of W that touches an element B touches (in any of its iterations) where W's comparisons
can hold? Each value a comparison reads is an unknown integer; two elements of one object read by
one condition are the same unknown wherever their subscripts are equal on every such iteration
(nothing writes between the reads of one condition, which has no side effects).
"""

from __future__ import annotations

from autopar.deps.accesses import AccessModel, ivs_for, object_key, same_element
from autopar.deps.isl_text import render_aff, set_text, text_is_empty


def reads_by_position(models: list[AccessModel]) -> dict[tuple[int, int], AccessModel]:
    """A loop's reads by their (line, column), where guards name them; a position two reads share
    (inside one macro) names neither."""
    reads: dict[tuple[int, int], AccessModel] = {}
    ambiguous = set()
    for m in models:
        if not m.access.is_write:
            where = (m.access.line, m.access.column)
            if where in reads:
                ambiguous.add(where)
            reads[where] = m
    for where in ambiguous:
        del reads[where]
    return reads


def never_meet(write: AccessModel, other: AccessModel, reads: dict[tuple[int, int], AccessModel]) -> bool:
    """Whether the guarded `write` never runs where it would touch an element `other` touches.
    `reads`: the loop's reads by position (reads_by_position)."""
    if not (write.affine and other.affine) or len(write.dims) != len(other.dims):
        return False
    conflict = same_element(write, other)
    values: dict[str, str] = {}  # (group, value) -> isl dim
    comparisons = []
    for comparison in write.access.guard:
        terms = []
        for value, coefficient in sorted(comparison.coefficients.items()):
            dim = values.setdefault(f"{comparison.group}|{value}", f"g{len(values)}")
            terms.append(f"{coefficient}*{dim}")
        op = "=" if comparison.op == "==" else comparison.op  # isl spells equality `=`
        comparisons.append(f"{' + '.join(terms) or '0'} + {comparison.constant} {op} 0")
    if not comparisons:
        return False
    equal = _same_elements(write, other, conflict, values, reads)
    text = set_text([("a", write), ("b", other)], pre=list(values.values()), extra=conflict + comparisons + equal)
    return text_is_empty(text)


def _same_elements(write: AccessModel, other: AccessModel, conflict: list[str], values: dict[str, str],
                   reads: dict[tuple[int, int], AccessModel]) -> list[str]:
    """`gi = gj` for two elements of one object read by one condition whose subscripts are equal on
    every iteration where `write` meets `other`."""
    elements = []
    for key, dim in values.items():
        group, value = key.split("|", 1)
        if not value.startswith("element:"):
            continue
        line, column = (int(part) for part in value.split(":")[1:])
        model = reads.get((line, column))
        if model is not None and model.affine and _same_iteration(model, write):
            elements.append((group, object_key(model.access), model, dim))
    out = []
    for index, (group, key, model, dim) in enumerate(elements):
        for group2, key2, model2, dim2 in elements[index + 1:]:
            if group != group2 or key != key2 or len(model.dims) != len(model2.dims):
                continue
            names = ivs_for("a", model)
            differ = " or ".join(f"{render_aff(x, names)} < {render_aff(y, names)} or "
                                 f"{render_aff(x, names)} > {render_aff(y, names)}"
                                 for x, y in zip(model.dims, model2.dims))
            apart = set_text([("a", write), ("b", other)], extra=conflict + [f"({differ})"])
            if text_is_empty(apart):
                out.append(f"{dim} = {dim2}")
    return out


def _same_iteration(read: AccessModel, write: AccessModel) -> bool:
    """The read runs in the iteration of the write's loops it shares (its loops are a prefix of them)."""
    ids = [loop.id for loop in read.loops]
    return ids == [loop.id for loop in write.loops][:len(ids)]
