"""Carved rows: a row table (autopar.frontend.row_tables) whose rows are cut from one block rather
than allocated one by one, as old C builds its matrices:

    double *block = malloc(n * m * sizeof *block);
    for (i = 0; i < n; i++)
        a[i] = block + i * m;          /* or, as Numerical Recipes does: a[i] = a[i - 1] + m */

The rows still lie in memory only the table reaches, when the block is a local pointer set only from
the allocator and used for nothing but carving rows of that one table (and `free`, tests, `sizeof`).
But a row is no allocation of its own: `a[i][m]` is `a[i + 1][0]`, legal C. So two rows are apart
only as far as the columns a loop touches: autopar.deps.carved_rows checks that at run time, before a
loop that writes such a table runs in parallel.

Takes a row store's value and the table it goes to; gives the pointer it is carved from. The blocks
are proven once every use of the file is read (`blocks_misused`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from clang import cindex
from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import ARRAY_TYPES, Node, expression_children, strip, variable_decl
from autopar.frontend.calls import call_arguments, callee_name
from autopar.frontend.functions import Function
from autopar.frontend.pointer_facts import (allocation, automatic_local, discarded, in_sizeof, in_system_header,
                                           used_by)
from autopar.frontend.variables import Variables


@dataclass
class Block:
    """A local pointer rows are carved from: the tables it feeds and the uses that carve them."""

    function: Function
    name: str
    tables: set[tuple] = field(default_factory=set)  # keys of the tables it is carved into
    carving: set[int] = field(default_factory=set)  # ids of its uses inside those row stores


def carved_from(value: Node) -> Optional[tuple[Node, bool]]:
    """The pointer a stored row is carved from: `p` of `p`, `p + e`, `e + p`, `p - e` or `&p[e]`,
    parentheses and casts between pointers skipped, repeatedly (`block + i * m + 1`), and whether an
    offset is added; None for any other value (one through an integer, `(double *)((uintptr_t)p + k)`,
    or a `?:`)."""
    e, offset = _pointer_value(value), False
    while e is not None:
        if e.kind == K.BINARY_OPERATOR and e.binary_op in ("+", "-"):
            left, right = (_pointer_value(c) for c in expression_children(e))
            e = left if left is not None else (right if e.binary_op == "+" else None)
        elif e.kind == K.UNARY_OPERATOR and e.unary_op == "&":
            target = strip(expression_children(e)[0])
            e = _pointer_value(expression_children(target)[0]) if target.kind == K.ARRAY_SUBSCRIPT_EXPR else None
        else:
            return e, offset
        offset = True
    return None


def _pointer_value(node: Node) -> Optional[Node]:
    """`node` past parentheses, implicit conversions of one operand and casts, each of a pointer
    (an array decays to one); None where a value on the way is not a pointer."""
    while True:
        if not _pointer(node):
            return None
        expressions = node.expressions
        if node.kind not in (K.PAREN_EXPR, K.UNEXPOSED_EXPR, K.CSTYLE_CAST_EXPR) or len(expressions) != 1:
            return node
        node = expressions[0]


def _pointer(node: Node) -> bool:
    return node.type_kind in (TypeKind.POINTER, *ARRAY_TYPES)


def row_of(node: Node, table_key: tuple, levels: int) -> bool:
    """Whether `node` reads a row of the table `table_key` (`a[k]` of a `double **a`): the NR form
    `a[i] = a[i - 1] + m` carves a row from another row of the same table."""
    depth, e = 0, node
    while e.kind == K.ARRAY_SUBSCRIPT_EXPR:
        e, depth = strip(expression_children(e)[0]), depth + 1
    decl = variable_decl(e)
    return decl is not None and depth == levels - 1 and Variables.key(decl) == table_key


def block_variable(base: Node) -> Optional[object]:
    """The declaration of `base` when it names a local pointer of the function, automatic, not
    volatile, pointing to numbers or bytes (one level): a candidate block."""
    if base.kind != K.DECL_REF_EXPR:
        return None
    decl = variable_decl(base)
    if decl is None or decl.kind != K.VAR_DECL or not automatic_local(decl) or \
            decl.storage_class != cindex.StorageClass.NONE:
        return None
    t = decl.type.get_canonical()
    if t.kind != TypeKind.POINTER or "volatile" in t.spelling or \
            t.get_pointee().get_canonical().kind == TypeKind.POINTER:
        return None
    return decl


def blocks_misused(blocks: dict[tuple, Block], text, swapped: set[tuple]) -> dict[tuple, str]:
    """For each table some block is carved into: why a block of it may be reached otherwise ("" when
    every block is proven). A block is proven when it feeds one table only (one variable, which its
    function never swaps: a swap would move the rows carved before to the other side, and the next
    carving would give the other table rows of the same block) and every other use of it is
    `free(p)`, a test (`!p`, `p == NULL`), `sizeof`, or a statement `p = malloc(...)`, and it is
    declared without a value or with an allocation. (A variable set again from an allocation leaves
    the table before unreachable: no name keeps it but through a swap.)"""
    why: dict[tuple, str] = {}
    for key, block in blocks.items():
        problem = ""
        if len(block.tables) > 1:
            problem = f"rows of two tables are carved from {block.name}"
        elif block.tables & swapped:
            problem = f"rows are carved from {block.name} into a table that is swapped"
        for node in block.function.nodes_of((K.DECL_REF_EXPR, K.VAR_DECL)):
            if problem:
                break
            if node.kind == K.VAR_DECL:
                values = expression_children(node)
                if Variables.key(node.cursor) == key and values and not allocation(strip(values[-1])):
                    problem = f"{block.name} starts as {text(values[-1])}, not an allocation of its own"
                continue
            decl = variable_decl(node)
            if decl is None or Variables.key(decl) != key or id(node) in block.carving:
                continue
            if not harmless_use(node):
                problem = f"rows are carved from {block.name}, which is also used in {text(used_by(node)[0] or node)}"
        for table in block.tables:
            why[table] = why.get(table) or problem
    return why


def harmless_use(node: Node) -> bool:
    """`free(p)`, `!p`, `p == NULL`, `sizeof *p`, `p = malloc(...)` as a statement of its own."""
    user, child = used_by(node)
    if user is None:
        return False
    if user.kind == K.CALL_EXPR and child in call_arguments(user):
        referenced = user.cursor.referenced
        return callee_name(user) == "free" and referenced is not None and in_system_header(referenced.location)
    if user.kind == K.UNARY_OPERATOR and user.unary_op == "!" or \
            user.kind == K.BINARY_OPERATOR and user.binary_op in ("==", "!="):
        return True
    if user.kind == K.BINARY_OPERATOR and user.binary_op == "=" and expression_children(user)[0] is child:
        return allocation(strip(expression_children(user)[1])) and discarded(user)
    return in_sizeof(node)


def held_objects(fresh: set[tuple], sources: dict[tuple, list[tuple]]) -> dict[tuple, set[tuple]]:
    """For each table variable, the table objects it may hold, each named by the variable whose own
    allocation made it (`fresh`): a variable holds what its `sources` hold (a parameter its
    arguments', a variable set from a function of the file what that function returns, either side
    of a swap the other's), repeatedly, until nothing changes."""
    holds = {key: ({key} if key in fresh else set()) for key in sources}
    changed = True
    while changed:
        changed = False
        for key, found in holds.items():
            more = set().union(*(holds.get(s, set()) for s in sources[key])) - found
            if more:
                found |= more
                changed = True
    return holds


def carved_tables(holds: dict[tuple, set[tuple]], carving: set[tuple], proven: set[tuple]) -> set[tuple]:
    """The proven tables that may hold a table object some row is carved into (through whichever
    variable held it then): their rows are apart only as far as a loop's columns."""
    objects = set().union(*(holds.get(key, set()) for key in carving))
    return {key for key in proven if key in carving or holds.get(key, set()) & objects}
