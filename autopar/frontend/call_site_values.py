"""Call-site values: the integer parameters of a file-local function that every call passes the same
value, for the cost model's estimates only (PolyBench's `kernel_gemm(ni, nj, ...)` from a `main` whose
`int ni = NI;` is never changed: its loops run `ni` times in this build). Nothing is written from these
values: a build with other `-D` flags gets the same code, only sized for this one.

Takes the main file's `Function`s and text; gives {function: {parameter: value}}.
"""

from __future__ import annotations

from collections import Counter
from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import ARRAY_TYPES, LOOP_KINDS, Node, Source, evaluate_int, strip, user_of, variable_decl
from autopar.frontend.calls import call_arguments, callee_name
from autopar.frontend.functions import Function
from autopar.frontend.noalias import file_local
from autopar.frontend.nest_facts import ASSIGNING_KINDS, written_decl_refs
from autopar.frontend.pointer_facts import automatic_local, changed_variables
from autopar.frontend.variables import Variables, is_integer_decl

_LARGEST = 2 ** 31 - 1


def call_site_values(every_function: list[Function], wanted: set[str], source: Source,
                     whole_program: bool) -> dict[str, dict[str, int]]:
    """For each function named in `wanted` that only this file can call (noalias.file_local), defined
    once, its name only ever spelled as a call (no pointer to it escapes), the integer parameters it
    never assigns and that every call passes the same positive value: a constant expression, or a
    local of the caller initialised with one and never changed ({"kernel_gemm": {"ni": 20}})."""
    found: dict[str, dict[str, int]] = {}
    for function, parameter, arguments in _integer_arguments(every_function, wanted, source, whole_program):
        values = {_argument_value(argument, caller) for argument, caller in arguments}
        if len(values) == 1 and None not in values:
            found.setdefault(function.name, {})[parameter] = next(iter(values))
    return found


def data_selected_parameters(every_function: list[Function], wanted: set[str], source: Source,
                             whole_program: bool) -> dict[str, list[str]]:
    """For the same functions (C only: a C++ reference could change a caller's local unseen), the
    integer parameters they never assign, that they never shadow, and that every call passes a
    value read from data anew in the loop around the call: an element at a computed index
    (`perm[k]`), the result of a call that is passed memory (`closest(dist, visited, n)`), or a
    local of the caller set only to such values, at least once in that loop (`u = closest(...);
    relax(adj, u)`). A row such a parameter picks comes in an order no prefetcher follows
    ({"relax_edges": ["u"]})."""
    found: dict[str, list[str]] = {}
    for function, parameter, arguments in _integer_arguments(every_function, wanted, source, whole_program):
        if any(n.cursor.spelling == parameter for n in function.nodes_of((K.VAR_DECL,))):
            continue  # a block's own `u` would be taken for the parameter by name
        if all(_read_from_data(argument, caller) for argument, caller in arguments):
            found.setdefault(function.name, []).append(parameter)
    return found


def _integer_arguments(every_function: list[Function], wanted: set[str], source: Source, whole_program: bool):
    """(Function, parameter, [(argument, caller) of every call]) for each integer parameter, never
    assigned, of each function of `wanted` that only this file calls, by name alone."""
    defined = Counter(f.name for f in every_function)
    targets = {f.name: f for f in every_function if f.name in wanted and defined[f.name] == 1
               and file_local(f, whole_program)}
    for name in _taken_addresses(every_function, set(targets), source):
        del targets[name]
    seen: dict[str, dict[int, list]] = {name: {} for name in targets}
    for function in every_function:  # (every one: a call through a macro need not spell the name)
        for node in function.nodes_of((K.CALL_EXPR,)):
            name = callee_name(node)
            if name in targets:
                for k, argument in enumerate(call_arguments(node)):
                    seen[name].setdefault(k, []).append((argument, function))
    for name, by_position in seen.items():
        function = targets[name]
        parameters = list(function.cursor.get_arguments())
        changed = changed_variables(function)
        for k, arguments in by_position.items():
            if k < len(parameters) and is_integer_decl(parameters[k]) and parameters[k].spelling and \
                    Variables.key(parameters[k]) not in changed:
                yield function, parameters[k].spelling, arguments


def _taken_addresses(every_function: list[Function], names: set[str], source: Source) -> set[str]:
    """The functions of `names` whose name is used other than as a callee (`fp = kernel;`, a table
    of functions at file scope), or in a call a template's parameters decide: calls through such a
    pointer, or of such an instantiation, are not this file's to see."""
    taken: set[str] = set()
    for function in every_function:  # (every one: a macro may spell the name for it)
        for node in function.nodes_of((K.DECL_REF_EXPR,)):
            name = node.cursor.spelling
            if name in names and not _is_callee(node):
                taken.add(name)
        # a C++ call that depends on a template parameter (`kernel(m, a)` with `T m`) is resolved
        # only when the template is instantiated: its arguments are not this file's to read
        taken |= {n.cursor.spelling for n in function.nodes_of((K.OVERLOADED_DECL_REF,)) if n.cursor.spelling in names}
    if every_function:
        main_file = every_function[0].cursor.location.file.name
        for top in every_function[0].cursor.translation_unit.cursor.get_children():
            if top.kind == K.VAR_DECL and top.location.file and top.location.file.name == main_file:
                taken |= {c.spelling for c in top.walk_preorder() if c.kind == K.DECL_REF_EXPR and c.spelling in names}
    return taken


def _is_callee(node: Node) -> bool:
    call = user_of(node)
    return call is not None and call.kind == K.CALL_EXPR and bool(call.expressions) and \
        strip(call.expressions[0]) is node


def _argument_value(argument: Node, caller: Function) -> Optional[int]:
    """The argument's value when it is one: a constant expression, or a local of the caller whose
    initializer is one and which the caller never assigns nor lends (`int n = N; kernel(n);`)."""
    value = evaluate_int(argument)
    if value is None:
        decl = variable_decl(strip(argument))
        if decl is None or decl.kind != K.VAR_DECL or not automatic_local(decl) or not is_integer_decl(decl):
            return None
        key = Variables.key(decl)
        if key in changed_variables(caller):
            return None
        declarations = _declarations(caller).get(key, [])
        if len(declarations) != 1 or not declarations[0].expressions:
            return None
        value = evaluate_int(declarations[0].expressions[-1])
    return value if value is not None and 0 < value <= _LARGEST else None


def _declarations(caller: Function) -> dict[tuple, list[Node]]:
    """The caller's VAR_DECLs by variable (its ("declarations", 0) fact: asked once per argument)."""
    found = caller.facts.get(("declarations", 0))
    if found is None:
        found = {}
        for node in caller.nodes_of((K.VAR_DECL,)):
            found.setdefault(Variables.key(node.cursor), []).append(node)
        caller.facts[("declarations", 0)] = found
    return found


def _read_from_data(argument: Node, caller: Function) -> bool:
    """Whether the argument is read from data anew in the innermost loop around its call: a data
    value (`_data_value`), or an automatic integer local of the caller, never written but by `=`
    or its initializer, all of whose values are data values and one of them set in that loop."""
    loop = next((a for a in argument.ancestors() if a.kind in LOOP_KINDS), None)
    if loop is None:
        return False  # one call: one row
    e = strip(argument)
    if _data_value(e):
        return True
    decl = variable_decl(e)
    if decl is None or decl.kind != K.VAR_DECL or not automatic_local(decl) or not is_integer_decl(decl):
        return False
    values = _assigned_values(caller).get(Variables.key(decl))
    return bool(values) and all(_data_value(strip(v)) for v in values) and any(loop.contains(v) for v in values)


def _data_value(e: Node) -> bool:
    """An element at an index that is not a constant, or the result of a call passed a pointer."""
    if e.kind == K.ARRAY_SUBSCRIPT_EXPR:
        return len(e.expressions) == 2 and evaluate_int(e.expressions[1]) is None
    return e.kind == K.CALL_EXPR and any(strip(a).type_kind in _POINTERS or a.type_kind in _POINTERS
                                         for a in call_arguments(e))


_POINTERS = {TypeKind.POINTER, *ARRAY_TYPES}


def _assigned_values(caller: Function) -> dict[tuple, Optional[list[Node]]]:
    """Per variable of the caller, the values its initializers and plain `=` give it; None for one
    also written otherwise (`u++`, `u += 1`, `&u`). Made once per function (its ("assigned", 0) fact)."""
    found = caller.facts.get(("assigned", 0))
    if found is not None:
        return found
    found = {key: [n.expressions[-1] for n in nodes if n.expressions] for key, nodes in _declarations(caller).items()}
    for node in caller.nodes_of(ASSIGNING_KINDS):
        for target in written_decl_refs(node):
            decl = variable_decl(target)
            if decl is None:
                continue
            key = Variables.key(decl)
            if node.kind == K.BINARY_OPERATOR and node.binary_op == "=" and len(node.expressions) == 2 and \
                    found.get(key, []) is not None:
                found.setdefault(key, []).append(node.expressions[1])
            else:
                found[key] = None
    caller.facts[("assigned", 0)] = found
    return found
