"""A call's regions as accesses: a call of a same-file function whose pointer parameters touch boxes
of their pointees (autopar.frontend.param_regions) becomes accesses at the call, of the argument's
object. Takes the access collector and a call node; adds to its accesses and `modelled`.

`matvec_sub(a, rhs[i][j], rhs[i][j])` writes rhs[i][j][0..4]: each element of a small constant box
becomes an access of its own. `scale(A[i], n)`, whose callee writes `row[0..n-1]`, becomes one access
A[i][s] whose subscript runs over a range (`Access.spans`, s from 0 to n - 1 with n the argument at
the call), as does a constant box too large to list. Each is a read or a write that may happen
(conditional), or a write that happens on every call (FunctionSummary.whole_writes: `exact(i, j, k,
ue)`, `copy(src, dst, n)`). They have no element type of their own: they count the argument's elements
(a cast to other elements is not a region, `region_base`).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.access_chains import Chain, This, pointee_spelling
from autopar.frontend.ast import ARRAY_TYPES, Node, canonical_kind, expression_children, strip
from autopar.frontend.calls import call_arguments, callee_name
from autopar.frontend.wraparound import EXACT
from autopar.ir import SPAN_PREFIX, AffineExpr, FunctionSummary, Span

if TYPE_CHECKING:
    from autopar.frontend.accesses import AccessCollector


def call_regions(collector: AccessCollector, call: Node) -> None:
    summary = collector.summaries.get(callee_name(call))
    if summary is None:
        return
    if summary.global_read_spans or summary.global_write_spans:
        _global_accesses(collector, call, summary)
    if not (summary.read_regions or summary.write_regions or summary.read_spans or summary.write_spans):
        return
    arguments = call_arguments(call)
    line, column = call.location()
    for k in sorted({*summary.read_regions, *summary.write_regions, *summary.read_spans, *summary.write_spans}):
        if k >= len(arguments):
            continue
        if id(strip(arguments[k])) in collector.lent:
            collector.modelled.add((line, column, k))  # `f(&v)`: the scalar analysis sees v read and written
            continue
        base = region_base(collector, arguments[k])
        if base is None:
            continue
        if k in summary.read_spans or k in summary.write_spans:
            boxes = (summary.read_spans.get(k, []), summary.write_spans.get(k, []))
            shown = _argument_text(collector.source.text_of(arguments[k]), base[1])
            if _span_accesses(collector, call, arguments, base, boxes, shown, k in summary.whole_writes):
                collector.modelled.add((line, column, k))
            continue
        chain, last_plus = base
        shown = _argument_text(collector.source.text_of(arguments[k]), last_plus)
        for is_write, boxes in ((False, summary.read_regions.get(k, [])), (True, summary.write_regions.get(k, []))):
            for box in boxes:
                for point in itertools.product(*[range(lo, hi + 1) for lo, hi in box]):
                    text = f"{shown}{''.join(f'[{c}]' for c in point)} in {callee_name(call)}()"
                    collector.emit(call, _element_at(chain, last_plus, list(point)), is_write, text=text,
                                   conditional=not (is_write and k in summary.whole_writes), element_type="")
        collector.modelled.add((line, column, k))


def _global_accesses(collector: AccessCollector, call: Node, summary: FunctionSummary) -> None:
    """The accesses of the file-scope arrays the callee indexes (FunctionSummary.global_write_spans),
    each of the array itself: `row(i, n)` writing `r[i]` is a write of `r[i]` at the call."""
    arguments = call_arguments(call)
    line, column = call.location()
    for name in sorted({*summary.global_read_spans, *summary.global_write_spans}):
        decl = collector.global_arrays.get(name)
        if decl is None:
            continue
        chain = Chain()
        chain.root, chain.memory = decl, True
        boxes = (summary.global_read_spans.get(name, []), summary.global_write_spans.get(name, []))
        element = decl.type.get_canonical()
        while element.kind in ARRAY_TYPES:
            element = element.get_array_element_type().get_canonical()
        if _span_accesses(collector, call, arguments, (chain, False), boxes, name, name in summary.global_whole_writes,
                          element.spelling):
            collector.modelled_globals.add((line, column, name))


def _span_accesses(collector: AccessCollector, call: Node, arguments: list[Node], base: tuple[Chain, bool],
                   boxes: tuple[list, list], shown: str, whole: bool, element_type: str = "") -> bool:
    """The accesses of a callee's spans at a call (`boxes`: those read, those written, of a parameter's
    pointee or a file-scope array, `shown` as the text names it; `whole`: its writes happen on every
    call; `element_type`: its elements', "" for a parameter's, which count the argument's); False, and
    none, when an argument a bound names is not affine at the call (in the parameter's type: a
    conversion that may change it is not)."""
    enclosing, _ = collector.contexts.get(id(call), ((), False))
    if not enclosing:
        return False
    scope = enclosing[-1].scope()
    read_boxes, write_boxes = boxes
    values: dict[int, AffineExpr] = {}
    named = {index for box in read_boxes + write_boxes for dim in box for bound in dim for index in bound[1::2]}
    for j in sorted(named):
        value = collector.affine.build(arguments[j], scope, wrap=EXACT)[0] if j < len(arguments) else None
        if value is None:
            return False
        values[j] = value
    chain, last_plus = base
    for is_write, group in ((False, read_boxes), (True, write_boxes)):
        for box in group:
            spans, point, texts = [], [], []
            for d, (lo, hi) in enumerate(box):
                lower, upper = _bound_value(lo, values), _bound_value(hi, values)
                if lower == upper and not lower.coefficients:
                    point.append(lower.constant)
                    texts.append(str(lower.constant))
                    continue
                # named after the access it belongs to (the collector's next id): unique in the unit
                span = Span(name=f"{SPAN_PREFIX}a{collector.counter}:{d}", lower=lower, upper=upper)
                spans.append(span)
                point.append(span.name)
                texts.append(span.text)
            text = f"{shown}{''.join(f'[{t}]' for t in texts)} in {callee_name(call)}()"
            collector.emit(call, _element_at(chain, last_plus, point), is_write, text=text,
                           conditional=not (is_write and whole), spans=spans, element_type=element_type)
    return True


def _argument_text(name: str, last_plus: bool) -> str:
    return f"({name})" if last_plus and not name.replace("_", "").isalnum() else name


def _element_at(chain: Chain, last_plus: bool, point: list) -> Chain:
    """The chain of the element `point` (constants, or span names) of the callee's box: its subscripts
    follow the argument's, the first adding to the argument's last when the argument is a pointer."""
    element = Chain()
    element.root, element.path, element.memory = chain.root, list(chain.path), True
    element.root_indexed = chain.root_indexed
    subs = list(chain.subs)
    rest = list(point)
    if last_plus:
        what, item = subs[-1]
        offsets = [(1, item)] if what == "idx" else list(item)
        subs[-1] = ("deref", offsets + [(1, rest.pop(0))])
    subs += [("deref", [(1, c)]) for c in rest]
    element.subs = subs
    return element


def _bound_value(bound: list[int], values: dict[int, AffineExpr]) -> AffineExpr:
    """A summary's bound `[d, k1, c1, ...]`, d + (argument k1) * c1 + ..., with the arguments' values
    at the call."""
    terms: dict[str, int] = {}
    constant = bound[0]
    for k, c in zip(bound[1::2], bound[2::2]):
        constant += c * values[k].constant
        for m, v in values[k].coefficients.items():
            terms[m] = terms.get(m, 0) + c * v
    return AffineExpr(coefficients={m: v for m, v in sorted(terms.items()) if v}, constant=constant)


def region_base(collector: AccessCollector, argument: Node) -> Optional[tuple[Chain, bool]]:
    """The argument of a call as the chain the callee's subscripts continue: an array lvalue that
    decays (`rhs[i][j]`: new subscripts follow) or a pointer (`v`, `v + 3 * i`, `&v[2 * i]`: the
    callee's first subscript adds to the last one). None for anything else, a cast to a pointer to
    other elements included (`(unsigned char *)&t[2 * i]`: the callee's `p[4]` is a byte of t[2i + 1])."""
    chains = collector.chains
    e = strip(argument)
    kind = e.type_kind if pointee_spelling(e) == pointee_spelling(argument) else None
    if kind in ARRAY_TYPES:
        chain = chains.decompose(e)
        if chain is None or chain.root is None or isinstance(chain.root, This) or chain.loads or \
                any(what == "range" for what, _ in chain.subs):
            return None
        return chain, False
    if kind != TypeKind.POINTER:
        return None
    if e.kind == K.ARRAY_SUBSCRIPT_EXPR:  # a row of a row table (`a[i]`, frontend/row_tables.py)
        chain = chains.decompose(e)
        if chain is None or chain.root is None or isinstance(chain.root, This) or chain.loads or \
                not hasattr(chain.root, "type") or any(what != "idx" for what, _ in chain.subs) or \
                collector.variables.get(chain.root).row_levels != len(chain.subs) + 1:
            return None
        return chain, False  # the callee's subscripts index the row
    if e.kind == K.UNARY_OPERATOR and e.unary_op == "&":
        target = strip(expression_children(e)[0])
        if target.kind != K.ARRAY_SUBSCRIPT_EXPR:
            return None
        chain = chains.decompose(target)
        if chain is None or chain.root is None or isinstance(chain.root, This) or chain.loads or \
                not chain.subs or chain.subs[-1][0] == "range":
            return None
        return chain, True
    chain = Chain()
    offsets = chains.pointer_parts(e, chain)
    if offsets is None or chain.root is None or isinstance(chain.root, This) or chain.subs or chain.loads:
        return None
    if not hasattr(chain.root, "type") or canonical_kind(chain.root) not in (TypeKind.POINTER, *ARRAY_TYPES):
        return None
    chain.subs = [("deref", offsets)]
    chain.root_indexed = True
    return chain, True
