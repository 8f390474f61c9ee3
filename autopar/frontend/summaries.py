"""Summaries of the functions defined in this translation unit: what each reads and writes (globals,
memory behind its pointer parameters) and its worst side effect, transitively through its calls
to other functions of the file.

Takes the main file's `Function`s and the names wanted; gives `FunctionSummary`s by name. The
element boxes a summary names through a pointer parameter are autopar/frontend/param_regions.py.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.ir import CallEffect, FunctionSummary, Storage
from autopar.ir_calls import UNKNOWN_POINTEE
from autopar.frontend.ast import (ASSIGN_OPS, INC_DEC, Node, expression_children, hidden_store, stored_operand, strip,
                                  variable_decl)
from autopar.frontend.calls import ALLOCATION_FUNCTIONS, call_arguments, callee_name, classify, library_effect
from autopar.frontend.functions import Function, calls_the_definition, cleanup_handlers
from autopar.frontend.hidden_code import OBJECT_KINDS, may_throw, object_code, static_storage
from autopar.frontend.omp_pragmas import omp_macro_names, source_lines
from autopar.frontend.param_regions import (Regions, file_scope_arrays, function_ranges, global_regions, param_regions,
                                           stable_parameters)
from autopar.frontend.variables import Variables
from autopar.frontend.volatiles import Volatiles

_SEVERITY = [CallEffect.PURE, CallEffect.ALLOCATION, CallEffect.RANDOM, CallEffect.IO, CallEffect.UNKNOWN]


def _worse(a: CallEffect, b: CallEffect) -> CallEffect:
    return a if _SEVERITY.index(a) >= _SEVERITY.index(b) else b


def _root_decl(node: Node):
    """The variable at the root of an lvalue or pointer expression: a of a[i], p of *(p+1), s of s.x."""
    base = _base(node)
    return variable_decl(base) if base is not None and base.kind == K.DECL_REF_EXPR else None


def _base(node: Node) -> Optional[Node]:
    """The expression an lvalue or pointer expression reaches memory from: a of a[i], p of *(p+1), s
    of s.x, the call of f(p)[i], the `?:` of (c ? a : b)[i]."""
    e = strip(node)
    while True:
        if e.kind in (K.ARRAY_SUBSCRIPT_EXPR, K.MEMBER_REF_EXPR):
            children = expression_children(e)
            if not children:
                return None
            e = strip(children[0])
        elif e.kind == K.UNARY_OPERATOR and e.unary_op in ("*", "&", *INC_DEC):
            e = strip(expression_children(e)[0])
        elif e.kind == K.BINARY_OPERATOR and e.binary_op in ("+", "-"):
            left, right = expression_children(e)
            pointer = strip(left).type_kind in (TypeKind.POINTER, TypeKind.CONSTANTARRAY)
            e = strip(left if pointer else right)
        else:
            return e


class _Local:
    def __init__(self):
        self.reads_globals: set[str] = set()
        self.global_kinds: dict[str, str] = {}  # (FunctionSummary.global_kinds)
        self.writes_globals: set[str] = set()
        self.writes_params: set[int] = set()
        self.reads_params: set[int] = set()
        self.calls: list[tuple[str, list[set[str]]]] = []  # callee, the origins of each argument
        self.effect = CallEffect.PURE

    def write_through(self, origins: set[str]) -> None:
        for origin in origins:
            what, _, name = origin.partition(":")
            if what == "param":
                self.writes_params.add(int(name))
            elif what in ("global", "pointee"):
                self.writes_globals.add(name)
            elif what == "unknown":
                self.effect = CallEffect.UNKNOWN  # memory we cannot name

    def read_through(self, origins: set[str]) -> None:
        for origin in origins:
            what, _, name = origin.partition(":")
            if what == "param":
                self.reads_params.add(int(name))
            elif what == "global":
                self.reads_globals.add(name)
            elif what == "pointee":
                self.reads_globals.add("*" + name)  # what a global pointer points to: any memory
            elif what == "unknown":  # (a pointer a call returned, or loaded from memory): any memory too
                self.reads_globals.add("*" + UNKNOWN_POINTEE)


class _Origins:
    """Where the memory behind a pointer variable of one function comes from: "param:i", "global:g" (a
    global array), "pointee:g" (what the global pointer g points to), "local" (its own arrays, fresh
    allocations) or "unknown"."""

    def __init__(self, function: Function, variables: Variables):
        self.variables = variables
        self.params = {Variables.key(p): i for i, p in enumerate(function.node.cursor.get_arguments())}
        self.sources: dict[tuple, list[Optional[Node]]] = {}  # pointer local -> the values assigned to it
        for node in function.nodes:
            if node.kind == K.VAR_DECL:
                values = expression_children(node)
                self.sources.setdefault(Variables.key(node.cursor), []).extend(values[-1:])
            elif node.kind in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR) and node.binary_op in ASSIGN_OPS:
                target, value = expression_children(node)
                decl = variable_decl(strip(target))
                if decl is not None and node.binary_op in ("=", "+=", "-="):
                    self.sources.setdefault(Variables.key(decl), []).append(value if node.binary_op == "=" else None)
        # local pointers whose address is taken: `*pp = q` assigns them unseen by `sources`
        self.address_taken = {Variables.key(d) for node in function.nodes
                              if node.kind == K.UNARY_OPERATOR and node.unary_op == "&"
                              and (d := variable_decl(strip(expression_children(node)[0]))) is not None}
        self._cache: dict[tuple, set[str]] = {}

    def of_decl(self, decl, seen: frozenset = frozenset()) -> set[str]:
        key = Variables.key(decl)
        if key in self._cache:
            return self._cache[key]
        variable = self.variables.get(decl)
        if key in self.params:  # (and whatever the function assigns it: `p = q;`)
            found = {f"param:{self.params[key]}"} | ({"unknown"} if key in self.address_taken else set())
            self._cache[key] = found  # (`p = p + 1` is p's own)
            for value in self.sources.get(key, []):
                if value is not None:
                    found = found | self.of_expr(value, seen | {key})
        elif variable.storage in (Storage.GLOBAL, Storage.STATIC_LOCAL):
            # a global array's elements are the global; what a global pointer (or a pointer held in a
            # global struct or array: `gs.p[i]`, `rows[0][i]`) points to may be any memory
            held = variable.is_pointer or variable.is_struct or "*" in variable.type
            found = {f"{'pointee' if held else 'global'}:{decl.spelling}"}
        elif variable.is_pointer and key in self.address_taken:
            found = {"unknown"}
        elif not variable.is_pointer or key in seen:
            found = {"local"}
        else:
            found = set()
            for value in self.sources.get(key, []):
                if value is not None:  # `q += k` keeps q's origin
                    found |= self.of_expr(value, seen | {key})
        self._cache[key] = found
        return found

    def of_expr(self, node: Node, seen: frozenset = frozenset()) -> set[str]:
        e = strip(node)
        if e.kind == K.CALL_EXPR and callee_name(e) in ALLOCATION_FUNCTIONS:
            return {"local"}
        base = _base(e)
        if base is not None and base.kind == K.CALL_EXPR and callee_name(base) not in ALLOCATION_FUNCTIONS:
            # what it returns may be any memory, or be based on a pointer it is given
            return {"unknown"}.union(*(self.of_expr(a, seen) for a in call_arguments(base)
                                       if strip(a).type_kind in (TypeKind.POINTER, TypeKind.CONSTANTARRAY,
                                                                 TypeKind.INCOMPLETEARRAY)))
        if base is not None and base.kind == K.CONDITIONAL_OPERATOR:  # `c ? a : b`: either
            return set().union(*(self.of_expr(branch, seen) for branch in expression_children(base)[1:]))
        if base is not None and base.kind == K.BINARY_OPERATOR and base.binary_op == ",":
            return self.of_expr(expression_children(base)[-1], seen)
        if e.kind == K.GNU_NULL_EXPR or e.kind == K.INTEGER_LITERAL or e.kind == K.CXX_NULL_PTR_LITERAL_EXPR:
            return {"local"}
        decl = _root_decl(e)
        if decl is None:
            return {"unknown"}
        variable = self.variables.get(decl)
        local = decl.kind != K.PARM_DECL and variable.storage == Storage.LOCAL
        number = not (variable.is_pointer or variable.is_array or variable.is_struct)
        if (local or number) and _unnamed_pointer(e, decl):
            return {"unknown"}  # a pointer a local array or struct holds, or an integer used as one
        return self.of_decl(decl, seen)


def _local_facts(function: Function, variables: Variables, defined: dict[str, Function], thread_state: frozenset,
                 cplusplus: bool) -> _Local:
    facts = _Local()
    origins = _Origins(function, variables)
    stored = set()  # targets of plain `=`: written, not read
    for node in function.nodes:
        if node.kind == K.BINARY_OPERATOR and node.binary_op == "=":
            stored.add(id(strip(expression_children(node)[0])))
    if cplusplus and _runs_hidden_code(function):
        facts.effect = CallEffect.UNKNOWN
    for node in function.nodes:
        kind = node.kind
        if may_throw(node) or hidden_store(node) is not None:
            facts.effect = CallEffect.UNKNOWN  # an exception may leave it (never out of a parallel region),
            #                                    or it stores where no pass names (`__real__ g = ...`)
        if cplusplus and kind == K.VAR_DECL and expression_children(node) and \
                variables.get(node.cursor).storage == Storage.STATIC_LOCAL and not _constant(expression_children(node)[-1]):
            facts.writes_globals.add(node.cursor.spelling)  # C++: set by its first call, from what that call had
            facts.global_kinds[node.cursor.spelling] = variables.get(node.cursor).number_kind
        if kind == K.DECL_REF_EXPR:
            decl = variable_decl(node)
            if decl is not None and variables.get(decl).storage in (Storage.GLOBAL, Storage.STATIC_LOCAL):
                facts.reads_globals.add(decl.spelling)
                facts.global_kinds[decl.spelling] = variables.get(decl).number_kind
        elif (kind in (K.ARRAY_SUBSCRIPT_EXPR, K.MEMBER_REF_EXPR) or kind == K.UNARY_OPERATOR
              and node.unary_op == "*") and id(node) not in stored:
            facts.read_through(origins.of_expr(node))
        target = stored_operand(node)
        if target is not None:
            plain = strip(target)
            decl = variable_decl(plain)
            if decl is not None:  # the variable itself
                storage = variables.get(decl).storage
                if storage in (Storage.GLOBAL, Storage.STATIC_LOCAL):
                    facts.writes_globals.add(decl.spelling)
                elif decl.type.get_canonical().kind == TypeKind.LVALUEREFERENCE and Variables.key(decl) in origins.params:
                    facts.writes_params.add(origins.params[Variables.key(decl)])
                elif decl.type.get_canonical().kind in (TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE):
                    # a local reference (`double &e = p[j + 1]; e = ...`) writes what it is bound to
                    bound = function.references.get(Variables.key(decl))
                    if bound is None:
                        facts.effect = CallEffect.UNKNOWN
                    else:
                        facts.write_through(origins.of_expr(bound))
            elif plain.kind == K.MEMBER_REF_EXPR and _root_decl(plain) is not None and not _through_pointer(plain):
                root = _root_decl(plain)  # `s.x = ...` of a struct variable: like writing s
                facts.write_through(origins.of_decl(root) - {"local"} if root.kind != K.PARM_DECL else set())
            else:
                facts.write_through(origins.of_expr(plain))
        if kind in (K.CALL_EXPR, K.CXX_NEW_EXPR, K.CXX_DELETE_EXPR):
            name = callee_name(node)
            if kind == K.CALL_EXPR and not name:
                facts.effect = CallEffect.UNKNOWN  # a call through a pointer
                continue
            if name in defined and not calls_the_definition(node, defined[name]):
                facts.effect = CallEffect.UNKNOWN  # another function of the name: no summary
            elif name in defined:
                facts.calls.append((name, [origins.of_expr(arg) for arg in call_arguments(node)]))
            else:
                facts.calls.append((name, []))
                effect = library_effect(node, name, thread_state, cplusplus)[0] if kind == K.CALL_EXPR else \
                    CallEffect.ALLOCATION
                facts.effect = _worse(facts.effect, effect)
    return facts


def _runs_hidden_code(function: Function) -> bool:
    """C++: a constructor, destructor or default member initializer of the program's that the function
    runs without a call in its text (hidden_code.object_code)."""
    return any(object_code(function, node) for node in function.nodes_of(OBJECT_KINDS))


def _constant(value: Node) -> bool:
    """Whether an initializer is made of literals, enumerators and const variables only (a static
    local's constant initialization, done before any call)."""
    for node in value.walk():
        if node.kind in (K.CALL_EXPR, K.CXX_NEW_EXPR, K.LAMBDA_EXPR):
            return False
        target = node.cursor.referenced if node.kind == K.DECL_REF_EXPR else None
        if target is not None and target.kind != K.ENUM_CONSTANT_DECL and not (
                target.kind == K.VAR_DECL and static_storage(target) and target.type.get_canonical().is_const_qualified()):
            return False  # (a `const int x` parameter or local is the first call's value)
    return True


def _unmodelled_code(function: Function) -> bool:
    """Whether the function holds what a summary cannot stand for: an asm statement (it writes what its
    operands name), a variable with a cleanup handler (a call at its scope's end), or an omp directive
    (an orphaned `omp for`, `single`, `barrier` or a region of its own binds to the team of any
    pragma around its call: a loop of rows came out a quarter done, or hung)."""
    if function.nodes_of((K.ASM_STMT, K.MS_ASM_STMT)) or cleanup_handlers(function):
        return True
    data = function.facts[("source", 0)]
    if b"omp" not in data:
        return False
    lines = source_lines(data)
    first, last = lines.line_of(function.start), lines.line_of(function.end)
    words = set(re.findall(rb"[A-Za-z_]\w*", data[function.start:function.end]))
    return any(function.start <= d.start < function.end for d in lines.omp) or \
        any(first <= line <= last for line, _ in lines.inline_omp) or \
        any(name.encode() in words for name in (*lines.omp_macros, *omp_macro_names(data)))


_TEMPLATES = (K.FUNCTION_TEMPLATE, K.CLASS_TEMPLATE, K.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION)


def _templated(function: Function) -> bool:
    """A function template or a member of a class template: its body's expressions depend on the
    template's arguments (`p[j * S] = ...`), which libclang leaves unexposed, so what it writes is not
    seen. Of unknown effect."""
    cursor = function.cursor
    while cursor is not None and cursor.kind != K.TRANSLATION_UNIT:
        if cursor.kind in _TEMPLATES:
            return True
        cursor = cursor.semantic_parent
    return False


def _unnamed_pointer(node: Node, root) -> bool:
    """Whether the address `node` gives (an lvalue written through, or a pointer value) comes from a
    pointer that no variable names: one loaded from memory (`refs[0][0]`, `*h.p`, `**pp`) or an
    integer's value (`*(int *)addr`), whose origin `_Origins` does not follow. `root`: its variable."""
    e, pending = strip(node), True  # pending: the value of what comes next is used as an address
    while e.kind != K.DECL_REF_EXPR:
        children = expression_children(e)
        if not children:
            return True
        if e.kind in (K.ARRAY_SUBSCRIPT_EXPR, K.MEMBER_REF_EXPR) or e.kind == K.UNARY_OPERATOR and e.unary_op == "*":
            if pending and e.type_kind == TypeKind.POINTER:
                return True  # a pointer read from memory is dereferenced
            base = strip(children[0])
            pending = base.type_kind == TypeKind.POINTER or e.kind == K.UNARY_OPERATOR
        elif e.kind == K.UNARY_OPERATOR and e.unary_op == "&":
            pending, base = False, strip(children[0])
        elif e.kind == K.BINARY_OPERATOR and e.binary_op in ("+", "-"):
            left, right = children
            base = strip(left if strip(left).type_kind in (TypeKind.POINTER, TypeKind.CONSTANTARRAY) else right)
        else:
            base = strip(children[0])
        e = base
    kind = root.type.get_canonical().kind
    return pending and kind not in (TypeKind.POINTER, *_ARRAYS, TypeKind.RECORD)


_ARRAYS = (TypeKind.CONSTANTARRAY, TypeKind.INCOMPLETEARRAY, TypeKind.VARIABLEARRAY)


def _through_pointer(member: Node) -> bool:
    """Whether a member chain dereferences a pointer or indexes an array somewhere (`p->x`, `a[i].x`)."""
    e = member
    while True:
        if e.kind == K.MEMBER_REF_EXPR:
            children = expression_children(e)
            if not children:
                return True  # `this->x`
            if children[0].type_kind == TypeKind.POINTER:
                return True
            e = strip(children[0])
        elif e.kind == K.DECL_REF_EXPR:
            return False
        else:
            return True


def summarize(functions: list[Function], variables: Variables, wanted: set[str],
              volatiles: Optional[Volatiles] = None,
              loop_functions: Optional[list[Function]] = None, thread_state: frozenset = frozenset(),
              cplusplus: bool = False, weak: tuple = (frozenset(), frozenset())) -> dict[str, FunctionSummary]:
    """Summaries of the main file's functions named in `wanted` and of everything they call there,
    closed over same-file calls. A function that makes a volatile access is of unknown effect. Given
    the functions that hold loops (C only), the file-scope arrays a function indexes get their regions
    too (param_regions.file_scope_arrays, asked of those functions and the summarized ones)."""
    by_name = {f.name: f for f in functions}
    # overloads (`f(double *)`, `f(double *, int)`) and namespaces (`a::f`, `b::f`) share a name, which
    # is all a call site gives here: a name defined twice summarises as unknown work
    defined = Counter(f.name for f in functions)
    local: dict[str, _Local] = {}
    todo = [name for name in wanted if name in by_name]
    while todo:
        name = todo.pop()
        if name not in local:
            local[name] = _local_facts(by_name[name], variables, by_name, thread_state, cplusplus)
            if defined[name] > 1 or (volatiles is not None and volatiles.accesses(by_name[name])) or \
                    _templated(by_name[name]) or by_name[name].weak(weak[1]) or name in weak[0] or "*" in weak[0] or \
                    _unmodelled_code(by_name[name]):
                local[name].effect = CallEffect.UNKNOWN
            todo.extend(c for c, _ in local[name].calls if c in by_name and c not in local)
    for _ in range(len(local) + 1):  # propagate along same-file calls until nothing changes
        changed = False
        for name, facts in local.items():
            before = (facts.effect, len(facts.reads_globals), len(facts.writes_globals), len(facts.writes_params),
                      len(facts.reads_params))
            for callee, arg_origins in facts.calls:
                other = local.get(callee)
                if other is None:
                    continue
                facts.effect = _worse(facts.effect, other.effect)
                facts.reads_globals |= other.reads_globals
                facts.global_kinds.update(other.global_kinds)
                facts.writes_globals |= other.writes_globals
                for k in other.writes_params:
                    facts.write_through(arg_origins[k] if k < len(arg_origins) else {"unknown"})
                for k in other.reads_params:
                    facts.read_through(arg_origins[k] if k < len(arg_origins) else set())
            after = (facts.effect, len(facts.reads_globals), len(facts.writes_globals), len(facts.writes_params),
                     len(facts.reads_params))
            changed = changed or before != after
        if not changed:
            break
    out = {}
    arrays: Optional[dict] = None  # (file_scope_arrays walks every loop function: only when a callee needs it)
    for name, f in local.items():
        regions, in_globals, ranges = Regions({}, {}, [], {}, {}), ({}, {}, []), function_ranges(by_name[name])
        if f.effect == CallEffect.PURE and all(c not in by_name and classify(c) == CallEffect.PURE
                                               for c, _ in f.calls):
            regions = param_regions(by_name[name], f.reads_params | f.writes_params, ranges)
            if loop_functions is not None and (f.reads_globals or f.writes_globals):
                if arrays is None:
                    asked = [*loop_functions, *(by_name[n] for n in local if by_name[n] not in loop_functions)]
                    arrays = file_scope_arrays(by_name[name].cursor.translation_unit.cursor, asked)
                named = {g: arrays[g] for g in set(f.reads_globals) | set(f.writes_globals) if g in arrays}
                if named:
                    in_globals = global_regions(by_name[name], {Variables.key(c): g for g, c in named.items()}, ranges)
        out[name] = FunctionSummary(
            name=name, params=[a.spelling for a in by_name[name].cursor.get_arguments()],
            stable_params=stable_parameters(ranges),
            reads_globals=sorted(f.reads_globals), writes_globals=sorted(f.writes_globals),
            global_kinds=dict(sorted(f.global_kinds.items())),
            writes_through_params=sorted(f.writes_params), reads_through_params=sorted(f.reads_params),
            calls=sorted({c for c, _ in f.calls}), effect=f.effect, read_regions=regions.reads,
            write_regions=regions.writes, read_spans=regions.read_spans, write_spans=regions.write_spans,
            whole_writes=regions.whole, global_read_spans=in_globals[0], global_write_spans=in_globals[1],
            global_whole_writes=in_globals[2])
    return out
