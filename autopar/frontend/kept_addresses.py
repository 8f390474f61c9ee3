"""Kept addresses: the variables that may hold a pointer parameter's address once some function of
the file has stored it (`gp = x;`, `s.p = x + 1;`, `struct S s = {x};`, `double *q = x; gp = q;`), or
passed it to a function that keeps it (`keep(x);` with `static void keep(double *p) { gp = p; }`, or
to code the analysis cannot see). Such a variable reaches the parameter's memory whatever `restrict`
or the call sites say of the parameter: `restrict` promises only that pointers *not* based on it do
not reach its elements.

Takes the main file's `Function`s; gives `Variables.key` -> the parameters ("name@line:column") it
may hold (read into `Variable.based_on`). Over-approximate by design: any variable named in a
pointer-valued right-hand side or argument counts, and the file is one graph whatever the order of
its statements or which call reaches which.
"""

from __future__ import annotations

from collections import Counter
from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import (ARRAY_TYPES, FLOATING_TYPES, INTEGER_TYPES, Node, expression_children, stored_operand,
                                  strip, unit_cache, variable_decl)
from autopar.frontend.calls import call_arguments, callee_name
from autopar.frontend.functions import Function
from autopar.frontend.pointer_facts import (address_like, automatic_local, function_parameters, in_system_header,
                                        pointer_parameter)
from autopar.frontend.variables import Variables

# memory the analysis cannot name: stored through a pointer, or kept by a call it cannot see into.
# Every variable that could hold an address there (`_may_hold`) is taken to hold what it holds.
ANYWHERE = ("", -1, "*")
# library functions that keep a pointer argument after they return; the others only use it
_RETAINING = {"pthread_create", "pthread_setspecific", "setbuf", "setvbuf", "strtok", "putenv", "atexit"}
_HOLDING = (TypeKind.POINTER, TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE)


def stored_parameters(functions: list[Function]) -> dict[tuple, set[str]]:
    """Variables that may hold a pointer parameter's address -> those parameters ("name@line:column")."""
    flows = [_Flows(f) for f in functions]
    defined = Counter(f.name for f in functions)
    by_name = {flow.name: flow for flow in flows if defined[flow.name] == 1}
    kept = _kept_arguments(flows, by_name)
    edges: dict[tuple, set[tuple]] = {ANYWHERE: set()}
    seeds: dict[tuple, set[str]] = {}
    for flow in flows:
        for sources, target in flow.stores + flow.call_edges(kept, by_name):
            for source in sources:
                edges.setdefault(source, set()).add(target)
        edges[ANYWHERE] |= flow.holders
        seeds.update(flow.seeds)
    return {key: ids for key, ids in _propagate(seeds, edges).items() if key != ANYWHERE and ids}


class _Flows:
    """One function's address flows: stores (sources -> the variable stored into), calls, and the
    variables it names that could hold an address kept anywhere."""

    def __init__(self, function: Function):
        self.name = function.name
        self.parameters = [Variables.key(p) for p in function_parameters(function)]
        self.seeds = {Variables.key(p): {f"{p.spelling}@{Variables.place(p)}"}
                      for p in function_parameters(function) if pointer_parameter(p)}
        self.own = set(self.parameters) | {Variables.key(n.cursor) for n in function.nodes_of((K.VAR_DECL,))
                                           if automatic_local(n.cursor)}
        self.stores: list[tuple[set[tuple], tuple]] = []
        self.calls: list[tuple[Optional[str], list[set[tuple]]]] = []  # `_callee`, each argument's names
        for node in function.nodes_of((K.BINARY_OPERATOR, K.VAR_DECL, K.CALL_EXPR)):
            if node.kind == K.CALL_EXPR:
                self.calls.append((_callee(node), [_names(a) if _carries_address(a) else set()
                                                   for a in call_arguments(node)]))
            else:
                self._store(node)
        taken = {Variables.key(d) for n in function.nodes_of((K.UNARY_OPERATOR,)) if n.unary_op == "&"
                 and (d := variable_decl(strip(expression_children(n)[0]))) is not None}
        self.holders = {key for key, d in _declarations(function).items() if _may_hold(d, taken)}

    def _store(self, node: Node) -> None:
        if node.kind == K.BINARY_OPERATOR:
            target = stored_operand(node) if node.binary_op == "=" else None
            if target is None:
                return
            root, through = _stored_root(target)
        else:
            root, through = Variables.key(node.cursor), False
        values = expression_children(node)
        if not values or not _carries_address(values[-1]) and strip(values[-1]).kind != K.INIT_LIST_EXPR:
            return  # `y[i] = x[i]` stores an element, not an address
        sources = _names(values[-1])
        for target in ([root] if root is not None else []) + ([ANYWHERE] if through or root is None else []):
            self.stores.append((sources, target))

    def call_edges(self, kept: dict[str, set[int]], by_name: dict[str, "_Flows"]) -> list[tuple[set[tuple], tuple]]:
        """Arguments a call may keep, into ANYWHERE: all of them for unknown code (a function defined
        twice, as overloads are, is unknown: calls name it alone), those the callee's own flows keep
        for a function of this file, none for the C library's (but `_RETAINING`)."""
        edges = []
        for callee, arguments in self.calls:
            if callee is None:
                continue
            known = by_name.get(callee)
            for k, names in enumerate(arguments):
                if names and (known is None or k in kept.get(callee, ()) or k >= len(known.parameters)):
                    edges.append((names, ANYWHERE))
        return edges

    def kept(self, kept: dict[str, set[int]], by_name: dict[str, "_Flows"]) -> set[int]:
        """The parameters whose value may outlive the call: it reaches a variable that is not the
        function's own (a global, a static) or ANYWHERE."""
        edges: dict[tuple, set[tuple]] = {}
        for sources, target in self.stores + self.call_edges(kept, by_name):
            for source in sources:
                edges.setdefault(source, set()).add(target)
        found = set()
        for k, key in enumerate(self.parameters):
            if any(reached not in self.own for reached in _propagate({key: {"*"}}, edges)):
                found.add(k)
        return found


def _kept_arguments(flows: list[_Flows], by_name: dict[str, _Flows]) -> dict[str, set[int]]:
    """For each function of the file defined once, the argument positions it may keep (through the
    functions it calls too), worked out until nothing changes."""
    kept: dict[str, set[int]] = {name: set() for name in by_name}
    changed = True
    while changed:
        changed = False
        for name, flow in by_name.items():
            found = flow.kept(kept, by_name)
            if found != kept[name]:
                kept[name], changed = found, True
    return kept


def _propagate(seeds: dict[tuple, set[str]], edges: dict[tuple, set[tuple]]) -> dict[tuple, set[str]]:
    """What each variable holds, along the edges from the seeds."""
    holds = {key: set(ids) for key, ids in seeds.items()}
    todo = list(holds)
    while todo:
        source = todo.pop()
        for target in edges.get(source, ()):
            new = holds[source] - holds.setdefault(target, set())
            if new:
                holds[target] |= new
                todo.append(target)
    return holds


def _callee(call: Node) -> Optional[str]:
    """The callee's name for a function of this file; "" for code the analysis cannot see (through
    a pointer, elsewhere); None for a function of the C library that keeps no argument."""
    name = callee_name(call)
    decl = call.cursor.referenced
    if name and decl is not None and in_system_header(decl.location) and name not in _RETAINING:
        return None
    return name


def _carries_address(node: Node) -> bool:
    bare = strip(node)
    return address_like(node) or bare.type_kind == TypeKind.RECORD and not pointer_free(bare.cursor.type)


_NUMBER_KINDS = INTEGER_TYPES | FLOATING_TYPES | {TypeKind.COMPLEX}


def pointer_free(record, depth: int = 0) -> bool:
    """Whether a value of this struct or union type holds no pointer, however nested: only numbers,
    arrays of them and such records (no base class, whose fields libclang does not list). Copying
    one copies no address (`u1[k] = u0[k]` of complex numbers)."""
    record = record.get_canonical()
    declaration = record.get_declaration()
    known = unit_cache(declaration, "pointer_free")  # (kept by the translation unit: names repeat across files)
    where = declaration.location  # (not the spelling: two functions may each declare their own `struct S`)
    key = (where.file.name if where.file else "", where.offset, record.spelling)
    if key in known:
        return known[key]
    found = depth < 8 and record.kind == TypeKind.RECORD and \
        declaration.kind in (K.STRUCT_DECL, K.UNION_DECL) and \
        not any(c.kind == K.CXX_BASE_SPECIFIER for c in declaration.get_children())
    for field in record.get_fields() if found else ():
        t = field.type.get_canonical()
        while t.kind in ARRAY_TYPES:
            t = t.get_array_element_type().get_canonical()
        if not (t.kind in _NUMBER_KINDS or t.kind == TypeKind.RECORD and pointer_free(t, depth + 1)):
            found = False
            break
    known[key] = found
    return found


def _names(value: Node) -> set[tuple]:
    """Every variable an expression names: any of them may be where its address comes from."""
    return {Variables.key(d) for n in value.walk()
            if n.kind == K.DECL_REF_EXPR and (d := variable_decl(n)) is not None}


def _stored_root(lvalue: Node) -> tuple:
    """The variable an lvalue stores into (`gp`, `s` of `s.p` and of `s->p`, `a` of `a[k].p`; None
    when it names none) and whether the store goes through a pointer, into memory others may reach."""
    node, through = strip(lvalue), False
    while node.kind in (K.MEMBER_REF_EXPR, K.ARRAY_SUBSCRIPT_EXPR, K.UNARY_OPERATOR):
        children = expression_children(node)
        if not children or node.kind == K.UNARY_OPERATOR and node.unary_op != "*":
            return None, True
        base = strip(children[0])
        through = through or node.kind == K.UNARY_OPERATOR or base.type_kind not in ARRAY_TYPES | {TypeKind.RECORD}
        node = base
    decl = variable_decl(node) if node.kind == K.DECL_REF_EXPR else None
    return (Variables.key(decl) if decl is not None else None), through


def _declarations(function: Function) -> dict:
    """The variables the function declares or names, by key (each asked of its type once)."""
    found = {}
    for node in function.nodes_of((K.DECL_REF_EXPR, K.VAR_DECL, K.PARM_DECL)):
        decl = variable_decl(node) if node.kind == K.DECL_REF_EXPR else node.cursor
        if decl is not None:
            found.setdefault(Variables.key(decl), decl)
    return found


def _may_hold(decl, taken: set[tuple]) -> bool:
    """Whether code that keeps an address somewhere unseen may have put it where `decl` reaches: a
    struct, a global or static pointer, a pointer whose address is taken, an array of pointers, or
    a parameter pointing at pointers or structs (`double **rows`, `struct S *s`, `void *ctx`); a struct
    of numbers only holds no address."""
    t = decl.type.get_canonical()
    own = t.kind in ARRAY_TYPES or Variables.key(decl) in taken or \
        decl.kind == K.VAR_DECL and not automatic_local(decl)
    while t.kind in ARRAY_TYPES:
        t = t.get_array_element_type().get_canonical()
    if t.kind == TypeKind.RECORD and not pointer_free(t) or t.kind in _HOLDING and own:
        return True
    if t.kind not in _HOLDING:
        return False
    pointee = t.get_pointee().get_canonical()
    while pointee.kind in ARRAY_TYPES:
        pointee = pointee.get_array_element_type().get_canonical()
    return pointee.kind in _HOLDING + (TypeKind.VOID,) or pointee.kind == TypeKind.RECORD and not pointer_free(pointee)
