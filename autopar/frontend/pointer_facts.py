"""What the no-alias passes learn of one function's pointers: its pointer parameters, the
variables it changes (assigns, increments, takes the address of), the local pointers set in their
declaration, and those that each hold a fresh allocation of their own (swaps between them included).

Takes a `Function`; gives sets of `Variables.key`s. Per-function answers are kept in
`Function.facts`, so each is worked out once.
"""

from __future__ import annotations

from typing import Optional

from clang import cindex
from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import ARRAY_TYPES, Node, expression_children, starts_statement, strip, variable_decl
from autopar.frontend.calls import callee_name
from autopar.frontend.functions import Function
from autopar.frontend.nest_facts import written_decl_refs
from autopar.frontend.variables import Variables

# calls whose result is memory nothing else points to yet
_FRESH = {"malloc", "calloc", "aligned_alloc", "valloc", "memalign", "__builtin_malloc"}

in_system_header = cindex.conf.lib.clang_Location_isInSystemHeader


def function_parameters(function: Function) -> list:
    return list(function.cursor.get_arguments())


def pointer_parameter(parameter) -> bool:
    """A pointer parameter, `double a[]` and `double a[n][5]` included."""
    return parameter.type.get_canonical().kind in (TypeKind.POINTER, *ARRAY_TYPES)


def address_like(node: Node) -> bool:
    return strip(node).type_kind in (TypeKind.POINTER, *ARRAY_TYPES)


def fresh_pointers(caller: Function) -> set[tuple]:
    """Local pointers that each point into an allocation of their own: set in their declaration from
    a fresh allocation and never assigned again nor their address taken, or changed only by swapping
    them with one another (`t = a; a = b; b = t;`), which keeps them pointing into distinct
    allocations (PageRank's `rank` and `rank_next` between iterations)."""
    fresh = {key for key, value in _initialised_pointers(caller) if allocation(value)}
    fresh -= ambiguous_keys(caller)
    changed = changed_variables(caller)
    found = swaps(caller) if fresh & changed else ([], set(), set())
    swapped = None if found is None else found[0]
    if swapped is None:
        return fresh - changed
    # a changed pointer stays fresh only when it is swapped, and only with pointers that are fresh
    while True:
        bad = {key for key in fresh & changed
               if not any(key in pair for pair in swapped)
               or any(other not in fresh for pair in swapped if key in pair for other in pair)}
        if not bad:
            return fresh
        fresh -= bad


def allocation(value: Node) -> bool:
    """A call of the C library's allocator (not a function of the same name of the user's)."""
    return value.kind == K.CALL_EXPR and callee_name(value) in _FRESH and \
        in_system_header(value.cursor.referenced.location)


def swaps(function: Function) -> Optional[tuple[list[frozenset], set[int], set[tuple]]]:
    """The pairs of pointer variables (locals or parameters) the function swaps through a third one,
    three statements in a row: `T *t = a; a = b; b = t;` (or `t = a;`), with the ids of those statements' nodes and
    the keys of the third ones (which still hold one of the pair after the swap). None when a
    pointer changes otherwise too: every store to a swapped pointer must be one of its swaps, and
    its address is never taken."""
    pairs: list[frozenset] = []
    in_swaps: set[int] = set()  # ids of the assignment nodes that swaps account for
    statements: set[int] = set()
    temporaries: set[tuple] = set()
    for node in function.nodes:
        if node.kind != K.COMPOUND_STMT or node.parent is None or node.parent.is_expression:
            continue  # (the last statement of a `({ ... })` is its value: no swap there)
        body = node.children
        for first, second, third in zip(body, body[1:], body[2:]):
            saved = _copy_statement(first)
            a_to_b = _plain_assignment(second)
            b_to_t = _plain_assignment(third)
            if saved is None or a_to_b is None or b_to_t is None:
                continue
            (t, a), (a2, b), (b2, t2) = saved[0], a_to_b[0], b_to_t[0]
            if a == a2 and b == b2 and t == t2 and len({a, b, t}) == 3:
                pairs.append(frozenset((a, b)))
                in_swaps |= {id(a_to_b[1]), id(b_to_t[1])}
                statements |= {id(first), id(second), id(third)}
                temporaries.add(t)
    swapped = {key for pair in pairs for key in pair}
    if not swapped:
        return [], set(), set()
    for node in function.nodes:
        if id(node) not in in_swaps and _changes(node) & swapped:
            return None
    return pairs, statements, temporaries


def _copy_statement(statement: Node) -> Optional[tuple[tuple[tuple, tuple], Node]]:
    """`T *t = a;` or `t = a;` with local pointers t and a: ((t, a), node)."""
    if statement.kind == K.DECL_STMT and len(statement.children) == 1:
        decl = statement.children[0]
        values = expression_children(decl)
        if decl.kind != K.VAR_DECL or len(values) != 1 or not _local_pointer(decl.cursor):
            return None
        source = variable_decl(strip(values[0])) if strip(values[0]).kind == K.DECL_REF_EXPR else None
        if source is None or not _local_pointer(source):
            return None
        return (Variables.key(decl.cursor), Variables.key(source)), decl
    return _plain_assignment(statement)


def _plain_assignment(statement: Node) -> Optional[tuple[tuple[tuple, tuple], Node]]:
    """`x = y;` between local pointer variables: ((x, y), node)."""
    if statement.kind != K.BINARY_OPERATOR or statement.binary_op != "=":
        return None
    children = expression_children(statement)
    if len(children) != 2 or any(strip(c).kind != K.DECL_REF_EXPR for c in children):
        return None
    target, source = (variable_decl(strip(c)) for c in children)
    if target is None or source is None or not _local_pointer(target) or not _local_pointer(source):
        return None
    return (Variables.key(target), Variables.key(source)), statement


def _local_pointer(decl) -> bool:
    """A pointer variable of the function itself: a local, or a parameter (a copy of the caller's)."""
    return decl.kind in (K.VAR_DECL, K.PARM_DECL) and decl.type.get_canonical().kind == TypeKind.POINTER and \
        decl.storage_class == cindex.StorageClass.NONE and automatic_local(decl)


def automatic_local(decl) -> bool:
    return decl.semantic_parent is not None and decl.semantic_parent.kind == K.FUNCTION_DECL and \
        decl.storage_class not in (cindex.StorageClass.EXTERN, cindex.StorageClass.STATIC)


def changed_variables(function: Function) -> set[tuple]:
    """The variables the function assigns, increments or takes the address of (kept as its
    ("changed", 0) fact: the passes here ask once per function)."""
    found = function.facts.get(("changed", 0))
    if found is None:
        found = set().union(*map(_changes, function.nodes))
        function.facts[("changed", 0)] = found
    return found


def _changes(node: Node) -> set[tuple]:
    """The variables `node` assigns, increments or takes the address of (nest_facts.written_decl_refs:
    through `?:` and a comma too)."""
    return {Variables.key(decl) for target in written_decl_refs(node) if (decl := variable_decl(target)) is not None}


def ambiguous_keys(function: Function) -> set[tuple]:
    """Keys that two declarations of the function share: declared in one macro expansion, both at
    the expansion's place (`{ double *p = q; }` shadowing a `p` of the same macro)."""
    found = function.facts.get(("ambiguous", 0))
    if found is None:
        owners: dict[tuple, int] = {}
        found = set()
        for node in function.nodes:
            if node.kind in (K.VAR_DECL, K.PARM_DECL):
                key = Variables.key(node.cursor)
                if owners.setdefault(key, node.cursor.hash) != node.cursor.hash:
                    found.add(key)
        function.facts[("ambiguous", 0)] = found
    return found


def _initialised_pointers(function: Function):
    """(key, value) of the automatic local pointers set in their declaration, the value stripped of
    casts, whatever happens to them after."""
    for node in function.nodes:
        if node.kind != K.VAR_DECL or node.cursor.storage_class != cindex.StorageClass.NONE or \
                node.type_kind != TypeKind.POINTER:
            continue
        values = expression_children(node)
        if values:
            yield Variables.key(node.cursor), strip(values[-1])


def set_once(function: Function):
    """(key, value) of the automatic local pointers set in their declaration and never changed
    after (no assignment, no increment, address never taken); the value stripped of casts."""
    changed = changed_variables(function)
    return ((key, value) for key, value in _initialised_pointers(function) if key not in changed)


def in_row_table(node: Node, rows: dict[tuple, int]) -> bool:
    """Whether `node` reads a row table's row pointers or elements (`a[i]`, `a[i][j]`, `*a[i]` of a
    `double **a` among `rows`, autopar.frontend.row_tables): no deeper than its levels."""
    depth, e = 0, node
    while True:
        if e.kind == K.ARRAY_SUBSCRIPT_EXPR:
            base, index = expression_children(e)
            if address_like(index) and not address_like(base):
                return False  # `i[a]`: not followed
            e = strip(base)
        elif e.kind == K.UNARY_OPERATOR and e.unary_op == "*":
            e = strip(expression_children(e)[0])
        else:
            break
        depth += 1
    decl = variable_decl(e)
    return decl is not None and 0 < depth <= rows.get(Variables.key(decl), 0)


# ------------------------------------------------------------- how an expression uses a variable

def used_by(node: Node) -> tuple[Optional[Node], Node]:
    """The expression using `node` above implicit conversions and parentheses, and its child on the way."""
    child, parent = node, node.parent
    while parent is not None and transparent(parent):
        child, parent = parent, parent.parent
    return parent, child


def transparent(node: Node) -> bool:
    """Parentheses, or an implicit conversion: an unexposed expression of one operand (an atomic
    builtin, `a ?: b` or `__builtin_choose_expr` is unexposed too, with more)."""
    return node.kind == K.PAREN_EXPR or node.kind == K.UNEXPOSED_EXPR and len(node.children) == 1


def in_sizeof(node: Node) -> bool:
    """`sizeof *a`, `sizeof a[0][0]`: an operand of sizeof made of the variable by subscripts and
    dereferences only (the operand of a sizeof of a variable-length array type is evaluated)."""
    e = node.parent
    while e is not None and (transparent(e) or e.kind == K.ARRAY_SUBSCRIPT_EXPR or
                             e.kind == K.UNARY_OPERATOR and e.unary_op == "*"):
        e = e.parent
    return e is not None and e.kind == K.CXX_UNARY_EXPR


def discarded(expression: Node) -> bool:
    """Whether the value of `expression` is thrown away: it is a statement of its own."""
    child, parent = expression, expression.parent
    while parent is not None and parent.kind == K.PAREN_EXPR:
        child, parent = parent, parent.parent
    if parent is None or parent.kind == K.COMPOUND_STMT and (parent.parent is None or parent.parent.is_expression):
        return False  # the last statement of a `({ ... })` is its value
    return starts_statement(child, parent)
