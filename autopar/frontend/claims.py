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
need a proof that nothing reads it (`order_problem`): the buffer is read only as `frontier[i]` by the
same loop, on the next turn of the loop around it, after a swap of the two buffers and `size = n`,
and the buffers cannot be read after the function (local allocations, or the caller's, which the
caller reads nowhere else).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from clang.cindex import CursorKind as K, StorageClass, TypeKind

from autopar.frontend.ast import (LOOP_KINDS, Node, Source, evaluate_int, expression_children, stored_operand,
                                  strip, variable_decl)
from autopar.frontend.calls import call_arguments, callee_name
from autopar.frontend.carved_rows import harmless_use
from autopar.frontend.functions import Function
from autopar.frontend.loops import LoopInfo
from autopar.frontend.nest_facts import written_decl_refs
from autopar.frontend.noalias import direct_call_sites, file_local, referenced_at_file_scope, symbols_rebound
from autopar.frontend.pointer_facts import allocation, automatic_local, discarded, swaps, used_by
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
    inside = [n for n in info.function.nodes_of((K.IF_STMT,)) if info.node.start < n.start and n.end <= info.node.end]
    drafts = [d for n in inside if (d := _claim_shape(n, source)) is not None]
    if not drafts:
        return [], None
    problem = _loop_problem(info, drafts, source)
    if problem is None and any(d.pairs for d in drafts):
        problem = _order_problem(info, drafts, every_function, tu_cursor, whole_program, source)
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
                   shape=(op, _shape(bound) if bound is not None else 0, _shape(value)))
    appends = []
    for part in parts[1:]:
        append = _append(part, tested[1], source, draft)
        if append is None:
            return None
        appends.append(append)
    if source.text_of(parts[0]).replace(" ", "") != (draft.claim.cell + "=" + draft.claim.value).replace(" ", ""):
        return None  # (spelled in a macro: the ranges would not be the code's)
    draft.claim = draft.claim.model_copy(update={"appends": appends})
    return draft


def _guard(condition: Node) -> Optional[tuple[Node, str, Optional[Node]]]:
    """(cell, comparison, bound) of `cell OP bound`, `bound OP cell` or `!cell` (bound None: 0), the
    cell with no cast of its own (`(unsigned)a[u] > 5` compares another value than a[u] would)."""
    e = _bare(condition)
    if e.kind == K.UNARY_OPERATOR and e.unary_op == "!":
        operand = _bare(expression_children(e)[0])
        return (operand, "==", None) if operand.kind == K.ARRAY_SUBSCRIPT_EXPR else None
    if e.kind != K.BINARY_OPERATOR or e.binary_op not in _FLIPPED:
        return None
    left, right = (_bare(c) for c in expression_children(e))
    if left.kind == K.ARRAY_SUBSCRIPT_EXPR and right.kind != K.ARRAY_SUBSCRIPT_EXPR:
        return left, e.binary_op, right
    if right.kind == K.ARRAY_SUBSCRIPT_EXPR and left.kind != K.ARRAY_SUBSCRIPT_EXPR:
        return right, _FLIPPED[e.binary_op], left
    return None


def _bare(node: Node) -> Node:
    """The expression under its parentheses and implicit conversions (not its casts: the type written)."""
    while node.kind == K.PAREN_EXPR or node.kind == K.UNEXPOSED_EXPR and len(expression_children(node)) == 1:
        node = expression_children(node)[0]
    return node


def _cell(node: Node) -> Optional[tuple]:
    """(array declaration, index key, the array's reference, the index's reference) of `a[x]`, where a
    is a pointer or array variable and x a variable; else None."""
    node = _bare(node)
    if node.kind != K.ARRAY_SUBSCRIPT_EXPR:
        return None
    base, index = (_bare(c) for c in expression_children(node))
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
    value = _bare(value)
    if value.kind != K.DECL_REF_EXPR or variable_decl(value) is None or Variables.key(variable_decl(value)) != index:
        return None
    target = _bare(target)
    if target.kind != K.ARRAY_SUBSCRIPT_EXPR:
        return None
    base, slot = (_bare(c) for c in expression_children(target))
    buffer = variable_decl(base)
    if buffer is None or buffer.type.get_canonical().kind != TypeKind.POINTER or \
            slot.kind != K.UNARY_OPERATOR or slot.unary_op != "post++":
        return None
    element = buffer.type.get_canonical().get_pointee()
    counter_ref = _bare(expression_children(slot)[0])
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
    loop_refs = [n for n in info.function.nodes_of((K.DECL_REF_EXPR,)) if info.node.start <= n.start < info.node.end]
    written = {Variables.key(d) for n in info.node.walk() for ref in written_decl_refs(n)
               if (d := variable_decl(ref)) is not None}
    taken = _address_taken(info.function)
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
        index = next((n for n in loop_refs if id(n) in d.refs and Variables.key(variable_decl(n)) == d.index), None)
        declared = index is not None and variable_decl(index).extent.start.offset
        if index is None or not info.node.start < declared < info.node.end or d.index in taken:
            return f"the index of {d.claim.cell} is not a variable of the loop's own"
        if any(Variables.key(variable_decl(n)) in written | taken or
               info.node.start <= variable_decl(n).extent.start.offset < info.node.end for n in d.value_refs):
            return f"the bound or value of the claim of {d.claim.cell} changes in the loop"
    for buffer, counter in pairs:
        if counter in taken or buffer in written or _declared_in(counter, loop_refs, info):
            return "the appends' counter is not a variable outside the loop, or its buffer changes in the loop"
    return None


def _declared_in(key: tuple, refs: list[Node], info: LoopInfo) -> bool:
    decl = next((variable_decl(n) for n in refs if variable_decl(n) is not None and Variables.key(variable_decl(n)) == key), None)
    return decl is None or info.node.start < decl.extent.start.offset < info.node.end


def _address_taken(function: Function) -> set[tuple]:
    found = function.facts.get(("claims.taken", 0))
    if found is None:
        found = {Variables.key(d) for n in function.nodes_of((K.UNARY_OPERATOR,)) if n.unary_op == "&"
                 for d in [variable_decl(strip(expression_children(n)[0]))] if d is not None}
        function.facts[("claims.taken", 0)] = found
    return found


def _order_problem(info: LoopInfo, drafts: list[_Draft], every_function: list[Function], tu_cursor,
                   whole_program: bool, source: Source) -> Optional[str]:
    """Why the order of the appended elements may be observed, or None (see the module's docstring)."""
    (buffer, counter), = set().union(*(d.pairs for d in drafts))
    name = next(a.buffer for d in drafts for a in d.claim.appends)
    why = f"the order of {name}'s elements may be observed: "
    function, c = info.function, info.loop.canonical
    size_ref = strip(info.bound) if info.bound is not None else None
    size = variable_decl(size_ref) if size_ref is not None else None
    if c is None or c.step != 1 or c.step_symbol or c.comparison.value != "<" or c.lower is None or \
            c.lower.coefficients or c.lower.constant != 0 or size is None or not automatic_local(size):
        return why + "the loop is not `for (i = 0; i < size; i++)` over a variable size"
    found = swaps(function)
    pair = next((p for p in found[0] if buffer in p), None) if found else None
    if pair is None or found[0].count(pair) != 1 or any(p != pair and p & pair for p in found[0]):
        return why + f"{name} is not swapped, once, with the buffer the loop reads and no other"
    frontier = next(k for k in pair if k != buffer)
    counter_type = next(a.counter_type for d in drafts for a in d.claim.appends)
    if frontier in {d.array for d in drafts} or size.type.get_canonical().spelling != counter_type:
        return why + "the loop claims the buffer it reads, or its size is not of the counter's type"
    block, around = info.node.parent, info.node.parent.parent if info.node.parent is not None else None
    if block is None or block.kind != K.COMPOUND_STMT or around is None or around.kind not in LOOP_KINDS or \
            around.parent is None or around.parent.kind != K.COMPOUND_STMT:
        return why + "the loop is not a statement of a loop's body"
    if any(n.kind in (K.LABEL_STMT, K.CASE_STMT, K.DEFAULT_STMT) for n in around.parent.walk()):
        return why + "a label in the block of the loop around may let a jump skip a turn's start"
    turn = _turn_problem(info, block.children, found, pair, Variables.key(size), counter)
    if turn:
        return why + turn
    uses = _uses_problem(info, around, found, pair, buffer, Variables.key(size), counter, source)
    if uses:
        return why + uses
    start = _start_problem(around, frontier, Variables.key(size))
    if start:
        return why + start
    return _exit_problem(function, pair, every_function, tu_cursor, whole_program, why)


def _turn_problem(info: LoopInfo, body: list[Node], found, pair: frozenset, size: tuple, counter: tuple) -> Optional[str]:
    """Each turn of the loop around sets the counter to 0 before the loop, and swaps the buffers and
    sets `size = n` after it, and nothing leaves a turn early."""
    at = next(k for k, s in enumerate(body) if s is info.node)
    if not any(_sets_constant(s, counter) == 0 for s in body[:at]):
        return "the counter is not set to 0 before the loop in each turn"
    after = body[at + 1:]
    swapped = any(len(after[k:k + 3]) == 3 and all(id(s) in found[1] for s in after[k:k + 3]) and
                  _ref_keys(after[k + 1]) == pair for k in range(len(after)))
    if not swapped or not any(_copies(s, size, counter) for s in after):
        return "the buffers are not swapped and the size set to the count after the loop in each turn"
    for node in info.node.parent.walk():
        if node.kind in (K.RETURN_STMT, K.GOTO_STMT) or node.kind in (K.BREAK_STMT, K.CONTINUE_STMT) and \
                _leaves(node, info.node.parent):
            return "a turn of the loop around may end early"
    return None


def _leaves(jump: Node, body: Node) -> bool:
    """Whether a break or continue belongs to the loop whose body is `body` (not to one inside it)."""
    for ancestor in jump.ancestors():
        if ancestor is body:
            return True
        if ancestor.kind in LOOP_KINDS or jump.kind == K.BREAK_STMT and ancestor.kind == K.SWITCH_STMT:
            return False
    return False


def _ref_keys(node: Node) -> frozenset:
    return frozenset(Variables.key(d) for n in [node, *node.walk()] if n.kind == K.DECL_REF_EXPR
                     and (d := variable_decl(n)) is not None)


def _sets_constant(statement: Node, key: tuple) -> Optional[int]:
    """K of a statement `x = K;` or `T x = K;` of the variable `key`, else None."""
    if statement.kind == K.DECL_STMT:
        for decl in statement.children:
            values = expression_children(decl) if decl.kind == K.VAR_DECL else []
            if Variables.key(decl.cursor) == key:
                return evaluate_int(values[-1]) if values else None
        return None
    if statement.kind == K.BINARY_OPERATOR and statement.binary_op == "=":
        target, value = expression_children(statement)
        d = variable_decl(strip(target))
        return evaluate_int(value) if d is not None and Variables.key(d) == key else None
    return None


def _copies(statement: Node, size: tuple, counter: tuple) -> bool:
    """`size = n;`"""
    if statement.kind != K.BINARY_OPERATOR or statement.binary_op != "=":
        return False
    target, value = (variable_decl(strip(e)) for e in expression_children(statement))
    return target is not None and value is not None and Variables.key(target) == size and Variables.key(value) == counter


def _uses_problem(info: LoopInfo, around: Node, found, pair: frozenset, buffer: tuple, size: tuple, counter: tuple,
                  source: Source) -> Optional[str]:
    """The function uses the buffers only to read `frontier[i]` in the loop, append in its claims, swap
    them, and write elements before the loop around (or `free`, tests, `sizeof`, `p = malloc(...)`); it
    sets the size only before the loop around and to the count after the loop, the counter only to 0
    before the loop and in the appends."""
    temporaries = {k for s in info.node.parent.children if id(s) in found[1] for k in _ref_keys(s)} - pair
    start_block = around.parent.children
    before = start_block[:next(k for k, s in enumerate(start_block) if s is around)]
    top = {id(s) for s in info.node.parent.children}
    for node in info.function.nodes_of((K.DECL_REF_EXPR,)):
        decl = variable_decl(node)
        key = Variables.key(decl) if decl is not None else None
        statement = _statement_of(node)
        if key in pair | temporaries:
            if info.node.start <= node.start < info.node.end and key in pair and \
                    (key == buffer or _reads_at(node, info.iv_key)):
                continue  # (the loop names the buffer only in its appends: _loop_problem)
            if id(statement) in found[1] and id(statement) in top or key in pair and harmless_use(node):
                continue
            if key in pair and any(statement is s for s in before) and _element_written(node) is not None:
                continue
            return f"the buffers are also used in `{source.text_of(statement)}`"
    for node in info.function.nodes:
        for ref in written_decl_refs(node) if node.kind in _WRITES else ():
            decl = variable_decl(ref)
            key = Variables.key(decl) if decl is not None else None
            statement = _statement_of(node)
            if key == size and not (id(statement) in top and _copies(statement, size, counter) or
                                    any(statement is s for s in before) and _sets_constant(statement, size) is not None):
                return "the size changes elsewhere than before the loop around and after the loop"
            if key == counter and not (id(statement) in top and _sets_constant(statement, counter) == 0 or
                                       info.node.start <= node.start < info.node.end):
                return "the counter changes elsewhere than before the loop and in its appends"
    return None


_WRITES = (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR, K.UNARY_OPERATOR)


def _statement_of(node: Node) -> Node:
    """The statement of a block that holds `node`."""
    child = node
    for ancestor in node.ancestors():
        if ancestor.kind == K.COMPOUND_STMT:
            return child
        child = ancestor
    return child


def _reads_at(node: Node, iv_key: Optional[tuple]) -> bool:
    """Whether `node` (a buffer's name) is only read as `buffer[i]` of the loop's own variable i."""
    user, _ = used_by(node)
    if user is None or user.kind != K.ARRAY_SUBSCRIPT_EXPR or strip(expression_children(user)[0]) is not node:
        return False
    index = variable_decl(strip(expression_children(user)[1]))
    element_user, element = used_by(user)
    stored = element_user is not None and (stored_operand(element_user) is element or
                                           element_user.kind == K.UNARY_OPERATOR and element_user.unary_op == "&")
    return index is not None and Variables.key(index) == iv_key and not stored


def _element_written(node: Node) -> Optional[int]:
    """c of a statement `buffer[c] = e;` whose buffer is `node` (c a constant), else None."""
    user, _ = used_by(node)
    if user is None or user.kind != K.ARRAY_SUBSCRIPT_EXPR or strip(expression_children(user)[0]) is not node:
        return None
    assignment, element = used_by(user)
    if assignment is None or assignment.kind != K.BINARY_OPERATOR or assignment.binary_op != "=" or \
            expression_children(assignment)[0] is not element or not discarded(assignment):
        return None
    return evaluate_int(expression_children(user)[1])


def _start_problem(around: Node, frontier: tuple, size: tuple) -> Optional[str]:
    """Before the loop around, in its block, the size is set to a constant K and the elements 0 .. K - 1
    of the buffer the loop reads first are written: the first turn reads nothing an earlier one left."""
    block = around.parent.children
    before = block[:next(k for k, s in enumerate(block) if s is around)]
    sizes = [k for s in before if (k := _sets_constant(s, size)) is not None]
    if not sizes or not 0 <= sizes[-1] <= 64:
        return "the size is not set to a small constant before the loop around"
    written = set()
    for statement in before:
        if statement.kind == K.BINARY_OPERATOR and statement.binary_op == "=":
            target = strip(expression_children(statement)[0])
            if target.kind == K.ARRAY_SUBSCRIPT_EXPR:
                base = strip(expression_children(target)[0])
                if variable_decl(base) is not None and Variables.key(variable_decl(base)) == frontier:
                    written.add(_element_written(base))
    if not set(range(sizes[-1])) <= written:
        return "the elements the loop reads first are not all written before the loop around"
    return None


def _exit_problem(function: Function, pair: frozenset, every_function: list[Function], tu_cursor,
                  whole_program: bool, why: str) -> Optional[str]:
    """After the function the buffers are not read: each is a local allocation, or a parameter whose
    every caller (all in this file) passes a local buffer it uses for nothing else but such calls,
    `free`, tests and `sizeof`."""
    decls = {Variables.key(n.cursor): n.cursor for n in function.nodes_of((K.VAR_DECL, K.PARM_DECL))
             if Variables.key(n.cursor) in pair}
    parameters = [index for index, p in enumerate(function.cursor.get_arguments()) if Variables.key(p) in pair]
    for key, decl in decls.items():
        if decl.kind == K.VAR_DECL and not _allocated_local(decl, function):
            return why + f"{decl.spelling} does not start as an allocation of its own"
    if not parameters:
        return None
    if not file_local(function, whole_program) or symbols_rebound(tu_cursor, every_function) or \
            function.name in referenced_at_file_scope(tu_cursor, {function.name}):
        return why + f"{function.name} may be called from another file, which may read its buffers"
    sites = direct_call_sites({function.name}, every_function).get(function.name)
    if not sites:
        return why + f"{function.name} is not only called directly"
    for caller, call, _ in sites:
        arguments = call_arguments(call)
        for index in parameters:
            argument = variable_decl(strip(arguments[index])) if index < len(arguments) else None
            if argument is None or argument.kind != K.VAR_DECL or not _allocated_local(argument, caller) or \
                    not _only_passed(argument, caller, function.name, set(parameters)):
                return why + f"a caller of {function.name} may read the buffer it passes"
    return None


def _allocated_local(decl, function: Function) -> bool:
    """An automatic local pointer (or array) declared with no value or with an allocation."""
    if not automatic_local(decl) or decl.type.get_canonical().kind not in (TypeKind.POINTER, TypeKind.CONSTANTARRAY):
        return False
    node = next((n for n in function.nodes_of((K.VAR_DECL,)) if n.cursor == decl), None)
    values = expression_children(node) if node is not None else []
    return node is not None and (not values or allocation(strip(values[-1])))


def _only_passed(decl, caller: Function, callee: str, parameters: set[int]) -> bool:
    """Whether every use of `decl` in `caller` is harmless or an argument of `callee` at `parameters`."""
    key = Variables.key(decl)
    for node in caller.nodes_of((K.DECL_REF_EXPR,)):
        if variable_decl(node) is None or Variables.key(variable_decl(node)) != key or harmless_use(node):
            continue
        user, child = used_by(node)
        if user is None or user.kind != K.CALL_EXPR or callee_name(user) != callee:
            return False
        if not any(argument is child for k, argument in enumerate(call_arguments(user)) if k in parameters):
            return False
    return True


def _shape(node: Node) -> tuple:
    """A bound or value as the compiler sees it, macros expanded: two texts alike may differ (a macro
    defined again between them)."""
    value = evaluate_int(node)
    if value is not None:
        return ("=", value)
    decl = variable_decl(node) if node.kind == K.DECL_REF_EXPR else None
    own = Variables.key(decl) if decl is not None else (node.binary_op or node.unary_op or node.cursor.spelling)
    return (node.kind.name, own, node.cursor.type.get_canonical().spelling,
            tuple(_shape(c) for c in expression_children(node)))
