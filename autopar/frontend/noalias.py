"""No-alias facts from call sites: the pointer parameters of a file-local function that, at every
call in this file, point into an object no other argument points into.

A `static` function (internal linkage) can only be called from this file. When it is only ever
called directly (its address is never taken) and every call passes, for parameter `p`, a named
array, `&x`, or a fresh allocation (a local pointer set once, from `malloc`), and the other pointer
arguments of that call name other such objects, then inside the function `p` reaches memory that
nothing else it names reaches: the same guarantee `restrict` gives, proven rather than promised.
Two more conditions keep the proof inside what the analysis sees: the function (and every function
of this file it calls) never names that object itself and never dereferences a pointer loaded from
memory (a global pointer, a member, an element of a pointer array), which could lead to it; and it
never assigns `p`, except to swap it with another such parameter (`t = u; u = v; v = t;`).
"""

from __future__ import annotations

from typing import Optional
from clang import cindex
from clang.cindex import CursorKind as K, LinkageKind, TypeKind

from autopar.frontend.ast import (ARRAY_TYPES, INC_DEC, TRANSPARENT, Node, Source, expression_children,
                                  from_main_file, strip, unit_cache, variable_decl)
from autopar.frontend.calls import call_arguments, callee_name
from autopar.frontend.functions import Function
from autopar.frontend.pointer_facts import (address_like, automatic_local, changed_variables, fresh_pointers,
                                        function_parameters, in_row_table, in_system_header, pointer_parameter,
                                        swaps)
from autopar.frontend.variables import Variables, is_reference_type


def distinct_parameters(every_function: list[Function], source: Source, tu_cursor,
                        wanted: set[str], language: str, whole_program: bool = False,
                        row_tables: Optional[dict[tuple, int]] = None) -> dict[str, list[tuple]]:
    """For each function named in `wanted` (defined once, internal linkage), the keys
    (`Variables.key`) of its pointer parameters proven not to alias anything else it reaches.
    With `whole_program` (this file is the whole program: compiled and linked alone, autopar-cc's
    `cc prog.c -o prog`), functions with external linkage count too: no other file can call them.
    C only: C++ can rebind a pointer through a reference, and calls in templates stay unresolved.
    The rows of `row_tables` (autopar.frontend.row_tables: allocations stored straight into a table)
    are never an argument's object, so reading through them does not count as a loaded pointer."""
    if language != "c":
        return {}
    by_name: dict[str, list[Function]] = {}
    for function in every_function:
        by_name.setdefault(function.name, []).append(function)
    targets = {name: found[0] for name in sorted(wanted) if len(found := by_name.get(name, [])) == 1
               and file_local(found[0], whole_program)}
    targets = {name: f for name, f in targets.items() if any(pointer_parameter(a) for a in function_parameters(f))}
    if not targets or symbols_rebound(tu_cursor, every_function):
        return {}
    referenced = referenced_at_file_scope(tu_cursor, set(targets))
    sites_of = direct_call_sites(set(targets), every_function)
    if row_tables:  # a row table holds a table of its own, as a fresh pointer holds its allocation
        sites_of = {name: [(caller, call, fresh | set(row_tables)) for caller, call, fresh in sites]
                    for name, sites in sites_of.items()}
    included_until = last_include(tu_cursor)
    found: dict[str, list[tuple]] = {}
    for name, function in targets.items():
        if name in referenced:
            continue  # named in a file-scope initializer: a function pointer may call it
        declared = function.cursor.canonical.extent.start
        if declared.file is None or declared.file.name != function.cursor.extent.start.file.name or \
                declared.offset < included_until:
            continue  # an #include after its declaration may call it (a unity build)
        sites = sites_of.get(name)
        if not sites:
            continue
        reached = _reached(function, by_name, row_tables or {})
        if reached is None:
            continue
        named = set()
        for f in reached:
            named |= _named_variables(f)
        parameters = function_parameters(function)
        pairs = _swapped_parameters(function, parameters)
        if pairs is None:
            continue  # `u = v;` would make two parameters point into one object
        keys = [Variables.key(parameter) for k, parameter in enumerate(parameters) if pointer_parameter(parameter)
                and all(_distinct_at(site, k, parameters, named) for site in sites)]
        keys = _closed_under_swaps(keys, pairs)
        if keys:
            found[name] = keys
    return found


def file_local(function: Function, whole_program: bool) -> bool:
    """Only this file can call the function: it has internal linkage, or the file is the whole
    program and the function is neither `main` nor a name the C library declares, included here or
    not (a definition of such a name replaces the library's, which may then call it, and the
    compiler itself emits calls to `memmove` and its kin)."""
    cursor = function.cursor
    # (`int f()` in C has no prototype: callers may pass anything, and libclang's variadic test
    # asserts on such a type)
    if cursor.kind != K.FUNCTION_DECL or cursor.type.kind != TypeKind.FUNCTIONPROTO or \
            cursor.type.is_function_variadic():
        return False
    if cursor.linkage == LinkageKind.INTERNAL:
        return True
    if not whole_program or cursor.linkage != LinkageKind.EXTERNAL or function.name == "main" or \
            in_system_header(cursor.canonical.location):
        return False
    library = _library_names()
    return library is not None and function.name not in library


# the C library and POSIX headers whose function names a whole program may not take over
_LIBRARY_HEADERS = ("assert.h", "ctype.h", "errno.h", "fenv.h", "inttypes.h", "locale.h", "math.h", "setjmp.h",
                    "signal.h", "stdio.h", "stdlib.h", "string.h", "strings.h", "time.h", "wchar.h", "wctype.h",
                    "complex.h", "unistd.h", "pthread.h", "sched.h", "fcntl.h", "dirent.h", "dlfcn.h",
                    "sys/stat.h", "sys/time.h", "sys/mman.h", "sys/types.h")
_library_cache: list[Optional[frozenset]] = []


def _library_names() -> Optional[frozenset]:
    """The functions the C library's headers declare, read once per process with libclang; None when
    the headers cannot be read (then no external function qualifies)."""
    if not _library_cache:
        from autopar.frontend.parse import parse, settings_for

        path = "autopar-library-names.c"
        text = "".join(f"#include <{h}>\n" for h in _LIBRARY_HEADERS)
        try:
            tu, _ = parse(path, text, settings_for(path, ["-D_GNU_SOURCE"], None))
            _library_cache.append(frozenset(c.spelling for c in tu.cursor.get_children()
                                            if c.kind == K.FUNCTION_DECL))
        except Exception:  # noqa: BLE001 - the answer is then "no function qualifies", not a failure
            _library_cache.append(None)
    return _library_cache[0]


# (`cleanup(f)` calls f(&v) where v's scope ends, a call the text does not show)
_ALIASING_ATTRIBUTES = {"alias", "weakref", "ifunc", "symver", "cleanup"}


def symbols_rebound(tu_cursor, every_function: list[Function]) -> bool:
    """Whether the file gives a function or object a second name (`__attribute__((alias("f")))`,
    `weakref`, an asm label `__asm__("f")`), calls a function unseen (`cleanup(f)`) or has asm
    statements (whose outputs rebind variables unseen): calls and stores the analysis reads by name
    are then not all there is. Worked out once per translation unit (row tables, call-site facts
    and fresh allocations all ask)."""
    known = unit_cache(tu_cursor, "_autopar_rebound")
    if "rebound" not in known:
        known["rebound"] = _rebound(tu_cursor, every_function)
    return known["rebound"]


def _rebound(tu_cursor, every_function: list[Function]) -> bool:
    def rebinding(cursor) -> bool:
        if cursor.kind == K.ASM_LABEL_ATTR:
            return True
        if cursor.kind == K.UNEXPOSED_ATTR:
            first = next(iter(cursor.get_tokens()), None)
            return first is not None and first.spelling.strip("_") in _ALIASING_ATTRIBUTES
        return False

    for top in tu_cursor.get_children():
        if not from_main_file(top.location):
            continue
        if any(rebinding(child) for child in top.get_children() if child.kind.is_attribute()):
            return True
    for function in every_function:
        for node in function.nodes:
            if node.kind in (K.ASM_STMT, K.MS_ASM_STMT, K.ASM_LABEL_ATTR) or \
                    node.kind == K.UNEXPOSED_ATTR and rebinding(node.cursor):
                return True
    return False


def last_include(tu_cursor) -> int:
    """The offset in the main file of its last #include that the preprocessor took (whatever its
    spelling: `%:include`, `#/**/include`, a continued line)."""
    last = -1
    main = tu_cursor.translation_unit.spelling
    for inclusion in tu_cursor.translation_unit.get_includes():
        where = inclusion.location
        if inclusion.depth == 1 and where.file is not None and where.file.name == main:
            last = max(last, where.offset)
    return last


_SCOPES = (K.NAMESPACE, K.LINKAGE_SPEC, K.UNEXPOSED_DECL)


def referenced_at_file_scope(tu_cursor, names: set[str]) -> set[str]:
    """Which of the functions `names` a declaration of the main file other than a function names
    (`static op_t table[] = {f, g};`, macros expanded): a function pointer may then call it."""
    found: set[str] = set()

    def visit(cursor) -> None:
        for child in cursor.get_children():
            if not from_main_file(child.location):
                continue
            if child.kind in _SCOPES:
                visit(child)
            elif child.kind not in (K.FUNCTION_DECL, K.FUNCTION_TEMPLATE):
                for node in child.walk_preorder():
                    decl = node.referenced if node.kind == K.DECL_REF_EXPR else None
                    if decl is not None and decl.kind == K.FUNCTION_DECL and decl.spelling in names:
                        found.add(decl.spelling)
    visit(tu_cursor)
    return found


def direct_call_sites(names: set[str], every_function: list[Function]) -> dict[str, list[tuple]]:
    """For each function of `names` called only directly, (caller, call node, the caller's fresh
    pointers) for every call in the file; left out when a reference to it is not a call (its
    address is taken). Every function is read: a macro may hide the name."""
    sites: dict[str, list[tuple]] = {}
    taken: set[str] = set()
    for caller in every_function:
        calls: dict[str, list[Node]] = {}
        references: dict[str, int] = {}
        for node in caller.nodes:
            if node.kind == K.CALL_EXPR and (name := callee_name(node)) in names:
                calls.setdefault(name, []).append(node)
            elif node.kind == K.DECL_REF_EXPR and (decl := node.cursor.referenced) is not None and \
                    decl.kind == K.FUNCTION_DECL and decl.spelling in names:
                references[decl.spelling] = references.get(decl.spelling, 0) + 1
        taken |= {name for name, count in references.items() if count != len(calls.get(name, []))}
        if calls:
            fresh = fresh_pointers(caller)
            for name, nodes in calls.items():
                sites.setdefault(name, []).extend((caller, call, fresh) for call in nodes)
    return {name: found for name, found in sites.items() if name not in taken}


def _address_stripped(node: Node) -> Optional[Node]:
    """`strip`, through parentheses and casts between pointer types only: None when the value went
    through an integer (`(double *)((intptr_t)B + d)` may point anywhere)."""
    e = node
    while e.kind in TRANSPARENT and e.children:
        expressions = e.expressions
        if not expressions:
            break
        e = expressions[-1]
        if not _address_type(e):
            return None
    return e


def _address_type(node: Node) -> bool:
    return node.type_kind in (TypeKind.POINTER, *ARRAY_TYPES)


def _object(argument: Node, fresh: set[tuple]) -> Optional[tuple]:
    """The object a pointer argument points into, or None when it cannot be named."""
    e = _address_stripped(argument)
    if e is None:
        return None
    if e.kind == K.UNARY_OPERATOR and e.unary_op == "&":
        return _lvalue_object(expression_children(e)[0], fresh)
    if e.kind == K.BINARY_OPERATOR and e.binary_op in ("+", "-"):
        left, right = expression_children(e)
        if address_like(left):
            return _object(left, fresh)
        return _object(right, fresh) if e.binary_op == "+" else None
    if e.type_kind in ARRAY_TYPES:
        return _lvalue_object(e, fresh)  # an array (or a row of one) that decays to a pointer
    if e.kind == K.DECL_REF_EXPR:
        decl = variable_decl(e)
        if decl is not None and decl.kind == K.VAR_DECL and Variables.key(decl) in fresh:
            return ("allocation",) + Variables.key(decl)
    return None


def _lvalue_object(lvalue: Node, fresh: set[tuple]) -> Optional[tuple]:
    e = strip(lvalue)
    if e.kind == K.DECL_REF_EXPR:
        decl = variable_decl(e)
        if decl is None or decl.kind != K.VAR_DECL or is_reference_type(decl.type):
            return None
        return ("variable",) + _canonical_key(decl)
    if e.kind == K.ARRAY_SUBSCRIPT_EXPR:
        base, index = expression_children(e)
        if address_like(index) and not address_like(base):
            base = index  # `i[a]`
        if strip(base).type_kind in ARRAY_TYPES:
            return _lvalue_object(base, fresh)
        return _object(base, fresh)
    if e.kind == K.UNARY_OPERATOR and e.unary_op == "*":
        return _object(expression_children(e)[0], fresh)
    return None  # a member, a call's result, ...: not followed


def _distinct_at(site: tuple, k: int, parameters: list, named: set[tuple]) -> bool:
    """Whether, at this call, argument k points into an object that no other pointer argument
    points into and that the function does not name."""
    _caller, call, fresh = site
    arguments = call_arguments(call)
    if len(arguments) != len(parameters):
        return False
    mine = _object(arguments[k], fresh)
    if mine is None or mine[1:] in named:
        return False
    for j, (argument, parameter) in enumerate(zip(arguments, parameters)):
        if j == k or not pointer_parameter(parameter):
            continue
        other = _object(argument, fresh)
        if other is None or other == mine:
            return False
    return True


def _reached(function: Function, by_name: dict[str, list[Function]], rows: dict[tuple, int]) -> Optional[list[Function]]:
    """The function and every function of the file it calls, transitively; None when one of them
    dereferences a pointer loaded from memory or calls through a pointer."""
    seen: dict[str, Function] = {}
    todo = [function]
    while todo:
        f = todo.pop()
        if f.name in seen:
            continue
        seen[f.name] = f
        for node in f.nodes:
            if node.kind == K.CALL_EXPR:
                name = callee_name(node)
                if not name:
                    return None
                todo.extend(by_name.get(name, []))
            elif (_loaded_pointer(node) or not _dereference_is_plain(node)) and not in_row_table(node, rows):
                return None
    return list(seen.values())


def _loaded_pointer(node: Node) -> bool:
    """A pointer value read from memory, dereferenced or handed on (`get(view, i)`): a global or
    static pointer variable, a member, an element, `*pp`."""
    if node.type_kind != TypeKind.POINTER:
        return False
    if node.kind in (K.MEMBER_REF_EXPR, K.ARRAY_SUBSCRIPT_EXPR) or \
            node.kind == K.UNARY_OPERATOR and node.unary_op == "*":
        return True
    if node.kind == K.DECL_REF_EXPR:
        decl = variable_decl(node)
        return decl is not None and decl.kind == K.VAR_DECL and not automatic_local(decl)
    return False


def _dereference_is_plain(node: Node) -> bool:
    """False when the node reads through a pointer that was itself loaded from memory: `g[i]` of a
    global pointer, `s->data[i]`, `rows[i][j]` of `double *rows[]`, `**pp`."""
    if node.kind == K.ARRAY_SUBSCRIPT_EXPR:
        base, index = expression_children(node)
        pointer = index if address_like(index) and not address_like(base) else base  # `i[a]`
    elif node.kind == K.UNARY_OPERATOR and node.unary_op == "*":
        pointer = expression_children(node)[0]
    elif node.kind == K.MEMBER_REF_EXPR:
        children = expression_children(node)
        if not children or children[0].type_kind != TypeKind.POINTER:
            return True  # `s.x`, or `this->x`: the object itself (a method is never a target)
        pointer = children[0]
    else:
        return True
    if strip(pointer).type_kind in ARRAY_TYPES:
        return True  # indexing an array, not a pointer
    return _plain_pointer(pointer)


def _plain_pointer(pointer: Node) -> bool:
    """A pointer value computed from a parameter or a local pointer variable (whose own value the
    analysis treats as possibly pointing anywhere), never loaded from memory nor made of an integer."""
    e = _address_stripped(pointer)
    if e is None:
        return False
    while e.kind == K.BINARY_OPERATOR and e.binary_op in ("+", "-") or \
            e.kind == K.UNARY_OPERATOR and e.unary_op in INC_DEC:
        children = expression_children(e)
        pointers = [c for c in children if address_like(c)]
        if len(pointers) != 1:
            return False
        e = strip(pointers[0])
    if e.type_kind in ARRAY_TYPES:
        return True
    if e.kind != K.DECL_REF_EXPR:
        return False
    decl = variable_decl(e)
    if decl is None:
        return False
    if decl.kind == K.PARM_DECL:
        return True
    # a local pointer: the analysis already treats what it points to as anything (an `extern` one
    # declared in the function is a global)
    return decl.kind == K.VAR_DECL and decl.semantic_parent is not None and \
        decl.semantic_parent.kind == K.FUNCTION_DECL and decl.storage_class != cindex.StorageClass.EXTERN


def _canonical_key(decl) -> tuple:
    """One key for every declaration of a variable (`extern double A[];` and its definition)."""
    return Variables.key(decl.canonical)


def _named_variables(function: Function) -> set[tuple]:
    return {_canonical_key(decl) for node in function.nodes if node.kind == K.DECL_REF_EXPR
            and (decl := variable_decl(node)) is not None}


def _swapped_parameters(function: Function, parameters: list) -> Optional[list[frozenset]]:
    """The pairs of pointer parameters the function swaps with each other, three statements in a row
    (`double *t = u; u = v; v = t;`, a solver's time loop), when those swaps are the only changes of
    its pointer parameters and no address of one is taken (pointer_facts.swaps): [] when none
    changes. None when one changes otherwise (`u = v;`, `u++`, a swap with a local)."""
    keys = {Variables.key(p) for p in parameters if pointer_parameter(p)}
    changed = keys & changed_variables(function)
    if not changed:
        return []
    found = swaps(function)
    if found is None:
        return None
    pairs = [pair for pair in found[0] if pair & keys]
    if any(not pair <= keys for pair in pairs) or not changed <= {k for pair in pairs for k in pair}:
        return None
    return pairs


def _closed_under_swaps(keys: list[tuple], pairs: list[frozenset]) -> list[tuple]:
    """The proven parameters whose swap partners are proven too: a swap permutes the objects the
    pair points into, so each still points into one no other argument does; a partner that may
    share its object would hand that object over."""
    proven = set(keys)
    changed = True
    while changed:
        changed = False
        for pair in pairs:
            if pair & proven and not pair <= proven:
                proven -= pair
                changed = True
    return [k for k in keys if k in proven]
