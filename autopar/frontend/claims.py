"""Claims: a loop that takes each element of an array once, the level-synchronous search's

    for (i = 0; i < size; i++) {          (or any loop, when nothing is appended)
        int v = frontier[i];
        for (e = row[v]; e < row[v + 1]; e++) {
            int u = col[e];
            if (level[u] < 0) { level[u] = depth + 1; next[n++] = u; }
        }
    }

Run in parallel, two visits of one `u` may both see `level[u] < 0`. With a compare-and-swap the
visits of an element take turns: each sees what the ones before it left, and, as every claim writes
the same value, the array ends as in any serial order of the visits, which here all end alike. The
elements appended are the same too, in another order. That order is observable, so appending claims
need a proof that nothing reads it (`autopar.frontend.claim_order`): the buffer is read only as `frontier[i]` by the
same loop, on the next turn of the loop around it, after a swap of the two buffers and `size = n`,
and the buffers cannot be read after the function (local allocations, or the caller's, which the
caller reads nowhere else).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from clang.cindex import CursorKind as K, StorageClass, TypeKind

from autopar.frontend.ast import Node, Source, evaluate_int, expression_children, variable_decl
from autopar.frontend.claim_order import REFERENCES, Appended, bare, order_problem
from autopar.frontend.functions import Function
from autopar.frontend.loops import LoopInfo, address_taken_in
from autopar.frontend.nest_facts import ASSIGNING_KINDS, written_decl_refs
from autopar.frontend.pointer_facts import automatic_local
from autopar.frontend.variables import Variables
from autopar.ir import Append, Claim
from autopar.ir_claims import CLAIM_TYPES

_COUNTER_TYPES = {"int", "unsigned int", "long", "unsigned long", "long long", "unsigned long long"}
_FLIPPED = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
# what a bound or a value may be made of: numbers, variables, arithmetic (no call, no memory read)
_VALUE_KINDS = {K.INTEGER_LITERAL, K.CHARACTER_LITERAL, K.DECL_REF_EXPR, K.PAREN_EXPR, K.UNEXPOSED_EXPR,
                K.CSTYLE_CAST_EXPR, K.BINARY_OPERATOR, K.UNARY_OPERATOR}


@dataclass
class _Draft:
    """One claim-shaped `if` of the loop, with the declarations it names and the references it accounts for."""

    claim: Claim
    array: tuple
    index: tuple
    pairs: set[tuple] = field(default_factory=set)  # (buffer key, counter key) of its appends
    refs: set[int] = field(default_factory=set)  # ids of the DECL_REF nodes of the array, buffer and counter
    value_refs: list[Node] = field(default_factory=list)  # the variables the bound and value read
    shape: tuple = ()  # the comparison, bound and value as the compiler sees them (_shape)


def loop_claims(info: LoopInfo, source: Source, every_function: list[Function], tu_cursor, whole_program: bool,
                language: str) -> tuple[list[Claim], Optional[str]]:
    """The claims of `info`'s loop (anywhere in its body), or none and why the claim-shaped `if`s it
    has cannot be claims (None when it has none)."""
    if language != "c" or info.body is None:
        return [], None
    drafts = [d for n in info.function.nodes_where("claims: ifs", info.node, (K.IF_STMT,))
              if (d := _claim_shape(n, source)) is not None]
    if not drafts:
        return [], None
    if info.loop.in_external_inline:
        return [], "claims call a static helper, which an inline function without `static` may not call (C99)"
    if re.search(rb"(^|\n)[ \t]*(?:#|%:|\?\?=)", source.data[info.node.start:info.node.end]):
        # (`#define V 9` between the test and the write: the rewrite moves the write's value to the test)
        return [], "a preprocessor directive inside the loop may give its claims' texts another meaning where the rewrite moves them"
    problem = _loop_problem(info, drafts, source)
    if problem is None and any(d.pairs for d in drafts):
        (buffer, counter), = set().union(*(d.pairs for d in drafts))
        append = next(a for d in drafts for a in d.claim.appends)
        problem = order_problem(info, Appended(buffer, counter, append.buffer, append.counter_type, {d.array for d in drafts}),
                                every_function, tu_cursor, whole_program, source)
    return ([], problem) if problem else ([d.claim for d in drafts], None)


def _claim_shape(statement: Node, source: Source) -> Optional[_Draft]:
    """`if (a[x] OP bound) { a[x] = value; b[n++] = x; ... }` (no else), as a draft, or None."""
    if len(statement.children) != 2:
        return None
    condition, then = statement.children
    guard = _guard(condition)
    if guard is None:
        return None
    cell, op, bound = guard
    parts = then.children if then.kind == K.COMPOUND_STMT else [then]
    if not parts or parts[0].kind != K.BINARY_OPERATOR or parts[0].binary_op != "=":
        return None
    target, value = expression_children(parts[0])
    tested, written = _cell(cell), _cell(target)
    if tested is None or written is None or Variables.key(tested[0]) != Variables.key(written[0]) or \
            tested[1] != written[1]:
        return None
    element = cell.cursor.type.get_canonical()
    bound_type = bound.cursor.type.get_canonical().spelling if bound is not None else "int"
    if element.spelling not in CLAIM_TYPES or bound_type not in CLAIM_TYPES or \
            cell.cursor.type.is_const_qualified() or cell.cursor.type.is_volatile_qualified():
        return None
    value_refs: list[Node] = []
    if not _invariant_shape(value, value_refs) or bound is not None and not _invariant_shape(bound, value_refs):
        return None
    draft = _Draft(claim=Claim(cell=source.text_of(cell), array=tested[0].spelling, comparison=op,
                               bound=source.text_of(bound) if bound is not None else "0", value=source.text_of(value),
                               element_type=element.spelling, bound_type=bound_type,
                               guard_start=condition.start, guard_end=condition.end,
                               write_start=parts[0].start, write_end=parts[0].end),
                   array=Variables.key(tested[0]), index=tested[1],
                   refs={id(tested[2]), id(tested[3]), id(written[2]), id(written[3])}, value_refs=value_refs,
                   shape=(op, _shape(bound) if bound is not None else ("=", 0, "int"), _shape(value)))
    appends = []
    for part in parts[1:]:
        append = _append(part, tested[1], source, draft)
        if append is None:
            return None
        appends.append(append)
    if source.text_of(parts[0]).replace(" ", "") != (draft.claim.cell + "=" + draft.claim.value).replace(" ", ""):
        return None  # (spelled in a macro: the ranges would not be the code's)
    draft.claim = draft.claim.model_copy(update={"appends": appends})
    draft.shape += (tuple((a.buffer, a.counter) for a in appends),)  # (what a claim does once it wins)
    return draft


def _guard(condition: Node) -> Optional[tuple[Node, str, Optional[Node]]]:
    """(cell, comparison, bound) of `cell OP bound`, `bound OP cell` or `!cell` (bound None: 0), the
    cell with no cast of its own (`(unsigned)a[u] > 5` compares another value than a[u] would)."""
    e = bare(condition)
    if e.kind == K.UNARY_OPERATOR and e.unary_op == "!":
        operand = bare(expression_children(e)[0])
        return (operand, "==", None) if operand.kind == K.ARRAY_SUBSCRIPT_EXPR else None
    if e.kind != K.BINARY_OPERATOR or e.binary_op not in _FLIPPED:
        return None
    left, right = (bare(c) for c in expression_children(e))
    if left.kind == K.ARRAY_SUBSCRIPT_EXPR and right.kind != K.ARRAY_SUBSCRIPT_EXPR:
        return left, e.binary_op, right
    if right.kind == K.ARRAY_SUBSCRIPT_EXPR and left.kind != K.ARRAY_SUBSCRIPT_EXPR:
        return right, _FLIPPED[e.binary_op], left
    return None


def _cell(node: Node) -> Optional[tuple]:
    """(array declaration, index key, the array's reference, the index's reference) of `a[x]`, where a
    is a pointer or array variable and x a variable; else None."""
    node = bare(node)
    if node.kind != K.ARRAY_SUBSCRIPT_EXPR:
        return None
    base, index = (bare(c) for c in expression_children(node))
    array, at = variable_decl(base), variable_decl(index)
    if array is None or at is None or array.type.get_canonical().kind not in (
            TypeKind.POINTER, TypeKind.CONSTANTARRAY, TypeKind.INCOMPLETEARRAY) or \
            array.storage_class == StorageClass.REGISTER:
        return None
    return array, Variables.key(at), base, index


def _invariant_shape(node: Node, refs: list[Node]) -> bool:
    """Whether `node` is made of numbers and variables by arithmetic only (collects the variables)."""
    for n in [node, *node.walk()]:
        if n.kind not in _VALUE_KINDS or n.kind == K.UNARY_OPERATOR and n.unary_op not in ("-", "+", "~") or \
                n.kind == K.BINARY_OPERATOR and n.binary_op not in ("+", "-", "*"):
            return False
        if n.kind == K.DECL_REF_EXPR:
            decl = n.cursor.referenced
            if decl is not None and decl.kind == K.ENUM_CONSTANT_DECL:
                continue
            if variable_decl(n) is None or not automatic_local(variable_decl(n)):
                return False
            refs.append(n)
    return True


def _append(statement: Node, index: tuple, source: Source, draft: _Draft) -> Optional[Append]:
    """`b[n++] = x` of the claimed index x, as an Append, or None."""
    if statement.kind != K.BINARY_OPERATOR or statement.binary_op != "=":
        return None
    target, value = expression_children(statement)
    value = bare(value)
    if value.kind != K.DECL_REF_EXPR or variable_decl(value) is None or Variables.key(variable_decl(value)) != index:
        return None
    target = bare(target)
    if target.kind != K.ARRAY_SUBSCRIPT_EXPR:
        return None
    base, slot = (bare(c) for c in expression_children(target))
    buffer = variable_decl(base)
    if buffer is None or buffer.type.get_canonical().kind != TypeKind.POINTER or \
            slot.kind != K.UNARY_OPERATOR or slot.unary_op != "post++":
        return None
    element = buffer.type.get_canonical().get_pointee()
    counter_ref = bare(expression_children(slot)[0])
    counter = variable_decl(counter_ref)
    # (a counter narrower than int wraps its slots, which blocks of them would not)
    if counter is None or counter.type.get_canonical().spelling not in _COUNTER_TYPES or not automatic_local(counter) or \
            counter.storage_class == StorageClass.REGISTER or element.spelling not in CLAIM_TYPES:
        return None
    text = source.text_of(statement).replace(" ", "")
    if text != f"{buffer.spelling}[{counter.spelling}++]={variable_decl(value).spelling}":
        return None  # (spelled in a macro: the range would not be the code's)
    draft.pairs.add((Variables.key(buffer), Variables.key(counter)))
    draft.refs |= {id(base), id(counter_ref), id(value)}
    return Append(buffer=buffer.spelling, counter=counter.spelling, value=variable_decl(value).spelling,
                  element_type=element.spelling, counter_type=counter.type.get_canonical().spelling,
                  start=statement.start, end=statement.end)


def _loop_problem(info: LoopInfo, drafts: list[_Draft], source: Source) -> Optional[str]:
    """Why the loop's claim-shaped `if`s are not claims it may run in parallel, or None."""
    loop_refs = info.function.nodes_where(REFERENCES, info.node, (K.DECL_REF_EXPR,))
    written = {Variables.key(d) for n in info.function.nodes_where("claims: writes", info.node, ASSIGNING_KINDS)
               for ref in written_decl_refs(n) if (d := variable_decl(ref)) is not None}
    taken = address_taken_in(info.function)
    accounted = set().union(*(d.refs for d in drafts))
    named = {d.array: d.claim.array for d in drafts}
    pairs = set().union(*(d.pairs for d in drafts))
    for key, name in [*named.items(), *((k, "the appends' buffer or counter") for pair in pairs for k in pair)]:
        if any(id(n) not in accounted and Variables.key(variable_decl(n)) == key
               for n in loop_refs if variable_decl(n) is not None):
            return f"the loop also uses {name} outside its claims"
    for array in named:
        shapes = {d.shape for d in drafts if d.array == array}
        if len(shapes) > 1:
            return f"two claims of {named[array]} test or write it differently: which one wins depends on the order"
    if len(pairs) > 1:
        return "the claims append to more than one buffer or with more than one counter"
    if set(named) & {k for pair in pairs for k in pair}:
        return "a claimed array is also the appends' buffer or counter"
    for d in drafts:
        # (the scalar classes make it private, or keep the loop serial; nothing between the test and the
        # appends can change it: no pointer reaches it)
        index = next((n for n in loop_refs if id(n) in d.refs and Variables.key(variable_decl(n)) == d.index), None)
        if index is None or not automatic_local(variable_decl(index)) or d.index in taken:
            return f"the index of {d.claim.cell} is not a local variable whose address the function never takes"
        if any(Variables.key(variable_decl(n)) in written | taken or _inside(variable_decl(n), info)
               for n in d.value_refs):
            return f"the bound or value of the claim of {d.claim.cell} changes in the loop"
    for buffer, counter in pairs:
        if counter in taken or buffer in written or _declared_in(counter, loop_refs, info):
            return "the appends' counter is not a variable outside the loop, or its buffer changes in the loop"
    return None


def _declared_in(key: tuple, refs: list[Node], info: LoopInfo) -> bool:
    decl = next((variable_decl(n) for n in refs if variable_decl(n) is not None and Variables.key(variable_decl(n)) == key), None)
    return decl is None or _inside(decl, info)


def _inside(decl, info: LoopInfo) -> bool:
    """Whether `decl` is declared in the loop's text (a variable of each iteration)."""
    return info.node.start <= decl.extent.start.offset < info.node.end


def _shape(node: Node) -> tuple:
    """A bound or value as the compiler sees it, macros expanded: two texts alike may differ (a macro
    defined again between them)."""
    value = evaluate_int(node)
    if value is not None:  # (`5` and `5u` compare differently)
        return ("=", value, node.cursor.type.get_canonical().spelling)
    decl = variable_decl(node) if node.kind == K.DECL_REF_EXPR else None
    own = Variables.key(decl) if decl is not None else (node.binary_op or node.unary_op or node.cursor.spelling)
    return (node.kind.name, own, node.cursor.type.get_canonical().spelling,
            tuple(_shape(c) for c in expression_children(node)))
