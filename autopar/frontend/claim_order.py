"""Why the order of what a loop's claims append is not observed (autopar.frontend.claims): the
buffer is read only as `frontier[i]` by the same loop, on the next turn of the loop around it, after
one swap of the two buffers and `size = n`; the first turn reads only elements written before the
loop around; and the buffers cannot be read after the function (local allocations, or the caller's,
which every caller uses for nothing else).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import (LOOP_KINDS, Node, Source, evaluate_int, expression_children, stored_operand, strip,
                                  variable_decl)
from autopar.frontend.calls import call_arguments, callee_name
from autopar.frontend.carved_rows import harmless_use
from autopar.frontend.functions import Function
from autopar.frontend.loops import LoopInfo
from autopar.frontend.nest_facts import ASSIGNING_KINDS, written_decl_refs
from autopar.frontend.noalias import direct_call_sites, file_local, referenced_at_file_scope, symbols_rebound
from autopar.frontend.pointer_facts import allocation, automatic_local, discarded, swaps, used_by
from autopar.frontend.variables import Variables


def bare(node: Node) -> Node:
    """The expression under its parentheses and implicit conversions (not its casts: the type written)."""
    while node.kind == K.PAREN_EXPR or node.kind == K.UNEXPOSED_EXPR and len(expression_children(node)) == 1:
        node = expression_children(node)[0]
    return node


# the name under which a function keeps its references, for `Function.nodes_where`
REFERENCES = "claims: references"


class Appended(NamedTuple):
    """What a loop's claims append to: the buffer's and counter's keys, the buffer's name, the counter's
    type, and the keys of the arrays the claims test."""

    buffer: tuple
    counter: tuple
    name: str
    counter_type: str
    arrays: set


def order_problem(info: LoopInfo, appended: Appended, every_function: list[Function], tu_cursor,
                  whole_program: bool, source: Source) -> Optional[str]:
    """Why the order of the elements the loop's claims append may be observed, or None."""
    buffer, counter, name = appended.buffer, appended.counter, appended.name
    why = f"the order of {name}'s elements may be observed: "
    function, c = info.function, info.loop.canonical
    size_ref = bare(info.bound) if info.bound is not None else None
    size = variable_decl(size_ref) if size_ref is not None else None
    if c is None or c.step != 1 or c.step_symbol or c.comparison.value != "<" or c.lower is None or \
            c.lower.coefficients or c.lower.constant != 0 or size is None or not automatic_local(size):
        return why + "the loop is not `for (i = 0; i < size; i++)` over a variable size"
    found = swaps(function)
    pair = next((p for p in found[0] if buffer in p), None) if found else None
    if pair is None or found[0].count(pair) != 1 or any(p != pair and p & pair for p in found[0]):
        return why + f"{name} is not swapped, once, with the buffer the loop reads and no other"
    frontier = next(k for k in pair if k != buffer)
    if _cast_swaps(function, found, pair):
        return why + "the buffers are of different types, or swapped through a cast"
    if frontier in appended.arrays or size.type.get_canonical().spelling != appended.counter_type:
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
    uses = _uses_problem(info, around, found, pair, buffer, Variables.key(size), counter, source) or \
        _slot_problem(info, frontier, source)
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
    target, value = (variable_decl(bare(e)) for e in expression_children(statement))
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
    for node in info.function.nodes_of(ASSIGNING_KINDS):
        for ref in written_decl_refs(node):
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
    if user is None or user.kind != K.ARRAY_SUBSCRIPT_EXPR or bare(expression_children(user)[0]) is not node:
        return False
    index = variable_decl(bare(expression_children(user)[1]))
    element_user, element = used_by(user)
    stored = element_user is not None and (stored_operand(element_user) is element or
                                           element_user.kind == K.UNARY_OPERATOR and element_user.unary_op == "&")
    return index is not None and Variables.key(index) == iv_key and not stored


def _element_written(node: Node) -> Optional[int]:
    """c of a statement `buffer[c] = e;` whose buffer is `node` (c a constant), else None."""
    user, _ = used_by(node)
    if user is None or user.kind != K.ARRAY_SUBSCRIPT_EXPR or bare(expression_children(user)[0]) is not node:
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
    for decl in decls.values():
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


def _cast_swaps(function: Function, found, pair: frozenset) -> bool:
    """Whether the swapped buffers (or the temporary between them) differ in type, or a swap casts."""
    swapped = [s for s in function.nodes_of((K.DECL_STMT, K.BINARY_OPERATOR)) if id(s) in found[1] and _ref_keys(s) & pair]
    keys = pair | {k for s in swapped for k in _ref_keys(s)}
    types = {n.cursor.type.get_canonical().spelling for n in function.nodes_of((K.VAR_DECL, K.PARM_DECL))
             if Variables.key(n.cursor) in keys}
    return len(types) != 1 or any(n.kind == K.CSTYLE_CAST_EXPR for s in swapped for n in s.walk())


def _slot_problem(info: LoopInfo, frontier: tuple, source: Source) -> Optional[str]:
    """The loop's body uses its own variable only to read `frontier[i]`: anything else that follows the
    slot (`if (i >= 64) continue;`, `w[i]`, a bound from `i`) sees another element in another order."""
    for node in info.function.nodes_where(REFERENCES, info.body, (K.DECL_REF_EXPR,)):
        decl = variable_decl(node)
        if decl is None or Variables.key(decl) != info.iv_key:
            continue
        user, child = used_by(node)
        base = bare(expression_children(user)[0]) if user is not None and user.kind == K.ARRAY_SUBSCRIPT_EXPR else None
        if base is None or child is not expression_children(user)[1] or variable_decl(base) is None or \
                Variables.key(variable_decl(base)) != frontier:
            return f"the loop's variable is used beside `frontier[i]`, in `{source.text_of(_statement_of(node))}`"
    return None
