"""The statements of a serial loop's body between its inner loops: what the host runs there.

A device data region around a time loop (autopar.edit.data_regions) keeps the arrays on the device
while the loop runs; the host statements between its sweeps then see stale host copies unless the
region brings the elements they read back first (`target update from`) and sends the ones they
write over after (`target update to`). That needs to know, for each such statement, every array it
touches, by name: so a statement qualifies only when it touches nothing but arithmetic scalars and
elements of named arrays and pointers (`err = 0.0;`, `if (err < tol) break;`, `log[t] = a[1];`):
no call, no member, no `*p` or `&x`, no loop, no exit from the function, no pointer value.
"""

from __future__ import annotations

from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import (FLOATING_TYPES, INTEGER_TYPES, LOOP_KINDS, Node, canonical_kind, referenced,
                                  stored_operand, strip, variable_decl)
from autopar.ir import HostStatement

_NOT_PLAIN_KINDS = {K.MEMBER_REF_EXPR, K.CALL_EXPR, K.RETURN_STMT, K.GOTO_STMT, K.INDIRECT_GOTO_STMT, K.ASM_STMT,
                    K.MS_ASM_STMT, K.CXX_THROW_EXPR, K.CXX_NEW_EXPR, K.CXX_DELETE_EXPR, K.LAMBDA_EXPR, *LOOP_KINDS}
_SCALAR_TYPES = INTEGER_TYPES | FLOATING_TYPES
_ARRAY_TYPES = {TypeKind.CONSTANTARRAY, TypeKind.INCOMPLETEARRAY, TypeKind.VARIABLEARRAY}


def host_statements(body: Node, data: bytes) -> Optional[list[HostStatement]]:
    """Each statement of a body of `for` loops (at least one) and qualifying statements ([] when the
    body is only loops); None for any other body."""
    statements = body.children if body.kind == K.COMPOUND_STMT else [body]
    if not any(s.kind == K.FOR_STMT for s in statements):
        return None
    found = []
    previous_end = -1
    for statement in statements:
        # in source order, apart: two statements of one macro expansion (`RECORD;` as `a[0] = x;
        # if (done) break;`) share their place, and no line could hold an update between them
        end = statement_end(statement, data)
        if end is None or statement.start < previous_end or statement.start >= end:
            return None
        previous_end = end
        if statement.kind == K.FOR_STMT:
            continue
        fact = _host_statement(statement, data, end)
        if fact is None:
            return None
        found.append(fact)
    return found


def _host_statement(statement: Node, data: bytes, end: int) -> Optional[HostStatement]:
    nodes = statement.walk()
    roots: dict[int, str] = {}  # the variable at the base of each subscript chain, by its node
    for n in nodes:
        if n.kind in _NOT_PLAIN_KINDS or (n.kind == K.UNARY_OPERATOR and n.unary_op in ("*", "&")):
            return None
        if n.kind == K.VAR_DECL and n.type_kind not in _SCALAR_TYPES:
            return None
        if n.kind == K.ARRAY_SUBSCRIPT_EXPR:
            base = _chain_base(n)
            if id(base) not in roots:  # (each subscript of `u[i][j][k]` has the same base: asked once)
                if not _names_scalars(base):
                    return None
                roots[id(base)] = base.cursor.spelling
    reads: set[str] = set()
    writes: set[str] = set()
    leaves = False
    for n in nodes:
        if n.kind in (K.BREAK_STMT, K.CONTINUE_STMT):
            leaves = True
        elif n.kind == K.DECL_REF_EXPR:  # by its declaration: a C++ reference reads as its referent's type
            declared = referenced(n)
            if declared is None:
                return None
            if canonical_kind(declared) not in _SCALAR_TYPES:
                if id(n) not in roots:
                    return None  # a pointer or array as a value: it may be stored, passed or compared
                reads.add(roots[id(n)])
        target = stored_operand(n)
        if target is not None:
            stored = _plain_lvalue(target)
            if stored is None:
                return None  # `(c ? a[3] : b[3]) = x`, `_Generic(...)`, `(x, a[3])`: which element is written?
            if stored.kind == K.ARRAY_SUBSCRIPT_EXPR:
                writes.add(roots[id(_chain_base(stored))])
    return HostStatement(offset=statement.start, end_offset=end, line=statement.cursor.extent.start.line,
                         reads=sorted(reads), writes=sorted(writes), leaves=leaves,
                         own_lines=_alone_on_its_lines(data, statement.start, end))


def _plain_lvalue(target: Node) -> Optional[Node]:
    """The subscript or variable an assignment stores to, through parentheses and implicit nodes of
    one operand only; None for anything else that can be an lvalue (a conditional, a comma, a
    generic selection, `__extension__`, `__builtin_choose_expr`)."""
    node = target
    while node.kind in (K.PAREN_EXPR, K.UNEXPOSED_EXPR):
        if len(node.children) != 1:
            return None
        node = node.children[0]
    return node if node.kind in (K.ARRAY_SUBSCRIPT_EXPR, K.DECL_REF_EXPR) else None


def _chain_base(subscript: Node) -> Node:
    """What `a[i][j]` subscripts, through its chain: `a` (`i` of `i[a]`, the call of `f()[i]`)."""
    node = subscript
    while node.kind == K.ARRAY_SUBSCRIPT_EXPR and node.expressions:
        node = strip(node.expressions[0])
    return node


def _names_scalars(base: Node) -> bool:
    """Whether a subscript chain's base is a named array or pointer of scalars (not `i` of `i[a]`,
    a call, or a pointer to pointers)."""
    declared = variable_decl(base)
    if declared is None:
        return False
    kind = declared.type.get_canonical()
    while kind.kind in _ARRAY_TYPES:
        kind = kind.element_type.get_canonical()
    if kind.kind == TypeKind.POINTER:
        kind = kind.get_pointee().get_canonical()
    return kind.kind in _SCALAR_TYPES


def _alone_on_its_lines(data: bytes, start: int, end: int) -> bool:
    line_start = data.rfind(b"\n", 0, start) + 1
    line_end = data.find(b"\n", end)
    return not data[line_start:start].strip() and not data[end:line_end if line_end >= 0 else len(data)].strip()


_ENDS_IN_LAST_CHILD = {K.FOR_STMT, K.WHILE_STMT, K.CXX_FOR_RANGE_STMT, K.SWITCH_STMT, K.IF_STMT, K.LABEL_STMT,
                       K.CASE_STMT, K.DEFAULT_STMT}


def statement_end(node: Node, data: bytes) -> Optional[int]:
    """The byte just past statement `node`, its `;` included (libclang's extent of an expression
    statement stops before it), or None."""
    while node.kind in _ENDS_IN_LAST_CHILD:
        if not node.children:
            return None
        node = node.children[-1]
    end = node.end
    if end <= 0 or end > len(data):
        return None
    if node.kind == K.COMPOUND_STMT:
        return end if data[end - 1:end] == b"}" else None
    if data[end - 1:end] == b";" and node.kind in (K.DECL_STMT, K.NULL_STMT):
        return end
    position = skip_blanks_and_comments(data, end)
    return position + 1 if data[position:position + 1] == b";" else None


def skip_blanks_and_comments(data: bytes, position: int) -> int:
    while position < len(data):
        if data[position:position + 1] in (b" ", b"\t", b"\n", b"\r", b"\f", b"\v"):
            position += 1
        elif data.startswith(b"/*", position):
            close = data.find(b"*/", position + 2)
            if close < 0:
                return len(data)
            position = close + 2
        elif data.startswith(b"//", position):
            newline = data.find(b"\n", position)
            position = len(data) if newline < 0 else newline + 1
        else:
            break
    return position
