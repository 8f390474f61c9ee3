"""Row tables: multi-level pointers (`double **a`, `double ***u`) whose rows are distinct allocations.

`a[i][j]` of a `double **a` reads the row pointer `a[i]` from memory, so in general two rows may
overlap and nothing is known of `a[i][j]` and `a[k][l]`. C code often builds such tables itself:

    double **a = malloc(n * sizeof *a);
    for (i = 0; i < n; i++)
        a[i] = malloc(m * sizeof **a);

Each row is then an allocation of its own. When the file also shows that no other store ever
changes a row pointer, the accesses `a[i][j]` and `a[k][l]` name the same element exactly when
i == k and j == l (in bounds: C does not let `a[i][j]` leave row i's allocation), as for a 2-D array.

A local or parameter `v` (C only, automatic, not volatile; its elements numbers) is a row table of
`levels` pointer levels when:
- every value `v` is set to is a fresh table: `malloc`/`calloc` (cast or not), or a call of a function
  of this file whose every `return` returns a row table of its own; or, for a parameter of a function
  only this file calls (autopar.frontend.noalias.file_local, never through a pointer), every call
  passes a row table, and no other argument of that call is the same variable;
- every use of `v` is one of: an element access `v[i][j]`; a row read `v[i]` (only the last level of
  pointers: a sub-table `u[i]` of a `double ***u` handed on could be written through); a store of a
  fresh allocation into a row, `v[i] = malloc(...)` (`u[i][j] = malloc(...)` at any level), or of a
  carved row into a row of the last level; `free`;
  `sizeof`; a test (`!v`, `v == NULL`); `return v`; an argument for a parameter of a function of this
  file that uses it only in these ways; one of the swaps `t = u; u = v; v = t;` between row tables.
  Any other use (`q = v`, `v + 1`, `&v`, `v[i] = b` of a pointer that is no block, `v[i]++`, an
  unknown function) could make two rows overlap or let another name change a row pointer.

A row may also be carved from a block or from another row of the table (`a[i] = block + i * m`,
`a[i] = a[i - 1] + m`, `a[i] += k`: autopar.frontend.carved_rows); such a table is still a row
table, and the third answer (with every table its values reach) says its rows are carved: apart only
as far as a loop's columns, which autopar.deps.carved_rows checks at run time.

Rows may still escape as values (`double *r = a[i]`): such a pointer is an ordinary pointer of
unknown target to the analysis, which keeps it apart from nothing (autopar.deps.aliasing).
A global table is not followed (any function of any file may set it).

Takes every function of the main file; gives `Variables.key` -> levels for the row tables,
`Variables.key` -> why not, for the multi-level pointers of numbers that are not, and the keys of the
tables whose rows may be carved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from clang import cindex
from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import (FLOATING_TYPES, INTEGER_TYPES, Node, Source, evaluate_int, expression_children,
                                  from_main_file, stored_operand, strip, variable_decl)
from autopar.frontend.calls import call_arguments, callee_name
from autopar.frontend.carved_rows import (Block, block_variable, blocks_misused, carved_from, carved_tables,
                                          held_objects, row_of)
from autopar.frontend.functions import Function
from autopar.frontend.noalias import (direct_call_sites, file_local, last_include, referenced_at_file_scope,
                                      symbols_rebound)
from autopar.frontend.pointer_facts import (allocation, automatic_local, discarded, in_sizeof, in_system_header,
                                           swaps, used_by)
from autopar.frontend.variables import Variables
from autopar.ir_calls import INSPECTION

_TWO_STARS = re.compile(rb"\*\s*(?:const\s*|restrict\s*|__restrict\w*\s*)*\*")
_TESTS = {"==", "!="}


@dataclass
class _Table:
    """A multi-level pointer variable that may be a row table."""

    name: str
    levels: int
    function: Optional[Function]  # None for a file-scope variable
    parameter: Optional[int]  # its index, for a parameter
    key: tuple = ()  # Variables.key of its declaration
    misused: str = ""  # why a use of it could change or share its rows ("" while none is known)
    unsourced: str = ""  # why a value it holds may not be a fresh table
    passed_to: list[tuple[str, int]] = field(default_factory=list)  # (function, parameter index)
    allocators: list[str] = field(default_factory=list)  # functions whose results it is set to
    swapped_with: list[tuple] = field(default_factory=list)
    arguments: list[Optional[tuple]] = field(default_factory=list)  # a parameter's: each call's variable
    carved: bool = False  # some row is carved from a block or another row (autopar.frontend.carved_rows)
    fresh: bool = False  # it is set to an allocation of its own (names that table object: held_objects)

    @property
    def why_not(self) -> str:
        return self.misused or self.unsourced

    @property
    def is_global(self) -> bool:
        return self.function is None


def row_tables(every_function: list[Function], source: Source, tu_cursor, language: str,
               whole_program: bool = False) -> tuple[dict[tuple, int], dict[tuple, str], set[tuple]]:
    """(key -> levels of the row tables, key -> why not of the other multi-level pointers, the keys of
    the row tables whose rows may be carved from one block)."""
    if language != "c" or not _TWO_STARS.search(source.data):
        return {}, {}, set()  # (a typedef'd row type is missed: the answer is then only more cautious)
    tables: dict[tuple, _Table] = {}
    for function in every_function:
        for k, parameter in enumerate(function.cursor.get_arguments()):
            _add_candidate(tables, parameter, function, k)
        for node in function.nodes_of((K.VAR_DECL,)):
            if automatic_local(node.cursor) and node.cursor.storage_class == cindex.StorageClass.NONE:
                _add_candidate(tables, node.cursor, function, None)
    for decl, why in _file_scope_candidates(tu_cursor, whole_program):
        _add_candidate(tables, decl, None, None)
        if Variables.key(decl) in tables:
            tables[Variables.key(decl)].misused = why
    if not tables:
        return {}, {}, set()
    if symbols_rebound(tu_cursor, every_function):
        return {}, {key: "the file has asm or aliased symbols" for key in tables}, set()
    file = _File(tables, {f.name: f for f in every_function}, source)
    for function in every_function:
        _read_uses(function, file)
    _read_call_sites(every_function, file, tu_cursor, whole_program)
    returned = _returned(tables, file.by_name)
    holds = _holds(tables, returned)
    swapped = {key for key, t in tables.items() if t.swapped_with}
    for key, why in blocks_misused(file.blocks, file.text, swapped).items():
        tables[key].misused = tables[key].misused or why
    _settle(tables, file.by_name, returned, holds)
    proven = {key: t.levels for key, t in tables.items() if not t.why_not}
    return proven, {**file.globals, **{key: t.why_not for key, t in tables.items() if t.why_not}}, \
        carved_tables(holds, {key for key, t in tables.items() if t.carved}, set(proven))


@dataclass
class _File:
    tables: dict[tuple, _Table]
    by_name: dict[str, Function]
    source: Source
    globals: dict[tuple, str] = field(default_factory=dict)  # key -> why not
    blocks: dict[tuple, Block] = field(default_factory=dict)  # key -> the block rows are carved from

    def text(self, node: Node) -> str:
        shown = self.source.text_of(node)
        return shown if len(shown) <= 60 else shown[:57] + "..."


def _add_candidate(tables: dict[tuple, _Table], decl, function: Function, parameter: Optional[int]) -> None:
    levels = _levels(decl.type)
    if levels >= 2 and "volatile" not in decl.type.get_canonical().spelling:
        key = Variables.key(decl)
        if key in tables:  # two declarations at one place (one macro expansion): neither is followed
            tables[key].misused = f"{decl.spelling} shares its place with another declaration (a macro)"
            return
        tables[key] = _Table(decl.spelling, levels, function, parameter, key)


def _file_scope_candidates(tu_cursor, whole_program: bool):
    """(declaration, why not or "") of the main file's file-scope tables that no other file can name
    (internal linkage, or a whole program), declared once, initialized to nothing or a null pointer,
    and named by no other file-scope declaration. A global table is never handed on: any variable
    that held its rows would be another name for them."""
    top = list(tu_cursor.get_children())
    counts: dict[str, int] = {}
    for child in top:
        if child.kind == K.VAR_DECL:
            counts[child.spelling] = counts.get(child.spelling, 0) + 1
    named_elsewhere = {node.referenced.spelling for child in top if child.kind != K.FUNCTION_DECL
                       for node in child.walk_preorder() if node.kind == K.DECL_REF_EXPR and node.referenced}
    for child in top:
        if child.kind != K.VAR_DECL or not from_main_file(child.location) or _levels(child.type) < 2:
            continue
        linkage = child.linkage
        if not (linkage == cindex.LinkageKind.INTERNAL or whole_program and linkage == cindex.LinkageKind.EXTERNAL
                and child.storage_class != cindex.StorageClass.EXTERN):
            yield child, f"{child.spelling} is a global table, which other files may set"
            continue
        values = [c for c in child.get_children() if c.kind.is_expression()]
        if counts[child.spelling] != 1 or child.spelling in named_elsewhere:
            yield child, f"{child.spelling} is declared more than once, or named by another declaration"
        elif values and not _null(values[-1]):
            yield child, f"{child.spelling} starts as a value that is not a table of its own"
        else:
            yield child, ""


def _null(cursor) -> bool:
    """A null pointer constant (`0`, `NULL`, `(void *)0`)."""
    while cursor.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR, K.CSTYLE_CAST_EXPR):
        children = list(cursor.get_children())
        if len(children) != 1:
            return False
        cursor = children[0]
    if cursor.kind == K.GNU_NULL_EXPR:
        return True
    # (a literal of a macro's expansion, `NULL` as `((void *)0)`, has no tokens of its own)
    return cursor.kind == K.INTEGER_LITERAL and evaluate_int(cursor) == 0


def _levels(ctype) -> int:
    """How many pointer levels lead to a number (`double **` 2), else 0."""
    t, levels = ctype.get_canonical(), 0
    while t.kind == TypeKind.POINTER:
        t, levels = t.get_pointee().get_canonical(), levels + 1
    return levels if t.kind in INTEGER_TYPES | FLOATING_TYPES else 0


def _read_uses(function: Function, file: _File) -> None:
    """Classify every use of a candidate in the function, and the values its locals are set to."""
    tables = file.tables
    swap = swaps(function)
    pairs, in_swaps, temporaries = swap if swap is not None else ([], set(), set())
    swapped = {key for pair in pairs for key in pair}  # (not the temporary: its uses are read as any)
    for pair in pairs:
        a, b = tuple(pair)
        for x, y in ((a, b), (b, a)):
            if x in tables:
                tables[x].swapped_with.append(y)
    for node in function.nodes_of((K.VAR_DECL,)):
        table = tables.get(Variables.key(node.cursor))
        if node.cursor.storage_class == cindex.StorageClass.EXTERN:
            for other in tables.values():
                if other.is_global and other.name == node.cursor.spelling:
                    other.misused = f"{other.name} is declared again in {function.name}"
        values = expression_children(node)
        if table is not None and values:
            _read_source(table, strip(values[-1]), file)
    for node in function.nodes_of((K.DECL_REF_EXPR,)):
        decl = variable_decl(node)
        table = tables.get(Variables.key(decl)) if decl is not None else None
        if table is None and decl is not None and decl.kind == K.VAR_DECL and not automatic_local(decl) and \
                _levels(decl.type) >= 2:
            file.globals[Variables.key(decl)] = f"{decl.spelling} is a table declared in a block or other files " \
                                                "may name, which is not followed"
        in_swap = decl is not None and any(id(a) in in_swaps for a in node.ancestors())
        if decl is not None and Variables.key(decl) in temporaries and not in_swap:
            for pair in pairs:  # after the swap t is still v: it must not be used again
                for key in pair:
                    if key in tables:
                        tables[key].misused = f"{tables[key].name} is still named by a swap's temporary " \
                                              f"after the swap ({file.text(used_by(node)[0] or node)})"
        if table is None or table.misused or in_sizeof(node):
            continue
        if Variables.key(decl) in swapped and in_swap:
            continue  # `t = u; u = v; v = t;`: both sides must be row tables (_settle)
        _read_use(node, table, file, function)


def _read_use(node: Node, table: _Table, file: _File, function: Function) -> None:
    if any(a.kind == K.CALL_EXPR and callee_name(a).startswith(INSPECTION) for a in node.ancestors()):
        return  # autopar's own test of the rows, in a file it rewrote: it only reads them
    level, e = 0, node
    user, child = used_by(e)
    while level < table.levels and user is not None and user.kind == K.ARRAY_SUBSCRIPT_EXPR and \
            expression_children(user)[0] is child:
        level, e = level + 1, user
        user, child = used_by(e)
    name = table.name
    if level == table.levels:
        return  # an element
    if user is not None and user.kind == K.BINARY_OPERATOR and user.binary_op == "=" and \
            expression_children(user)[0] is child:
        value = strip(expression_children(user)[1])
        if not discarded(user):  # `q = a = malloc(...)`: q would hold the table (or a sub-table) too
            table.misused = f"the value of {file.text(user)} is used"
        elif level == 0:
            _read_source(table, value, file)
        elif not allocation(value) and not (level == table.levels - 1 and _carve(table, value, file, function)):
            table.misused = f"a row pointer of {name} is set other than from its own allocation ({file.text(user)})"
        return
    if level == table.levels - 1 and user is not None and user.kind == K.COMPOUND_ASSIGNMENT_OPERATOR and \
            expression_children(user)[0] is child and discarded(user) and \
            user.binary_op in ("+=", "-=") and _pointer_offset(expression_children(user)[1]):
        table.carved = True  # `a[i] += 8`: the row moves within its memory
        return
    if user is not None and user.kind == K.CALL_EXPR and child in call_arguments(user):
        callee = callee_name(user)
        if callee == "free" and user.cursor.referenced is not None and \
                in_system_header(user.cursor.referenced.location):
            return
        if level == 0 and callee in file.by_name and not table.is_global:
            table.passed_to.append((callee, call_arguments(user).index(child)))
            return
        if level == table.levels - 1:
            return  # a row handed on: an ordinary pointer to the callee
        table.misused = f"{name} is handed to {callee or 'a call through a pointer'} ({file.text(user)})"
        return
    if level == table.levels - 1 and (user is None or not _changes(user, child)):
        return  # a row read as a value
    local = table.parameter is None and not table.is_global  # (a local dies with the return)
    if level == 0 and user is not None and (user.kind == K.RETURN_STMT and local or
                                            user.kind == K.BINARY_OPERATOR and user.binary_op in _TESTS or
                                            user.kind == K.UNARY_OPERATOR and user.unary_op == "!"):
        return
    shown = file.text(user) if user is not None else name
    table.misused = f"{name} is used as a value that may share or change its rows ({shown})"


def _carve(table: _Table, value: Node, file: _File, function: Function) -> bool:
    """Whether a row stored as `value` is carved from a block (recorded in `file.blocks`) or from
    another row of the same table; then the table is carved."""
    found = carved_from(value)
    if found is None:
        return False
    base, offset = found
    key = table.key
    if row_of(base, key, table.levels):
        if not offset:
            return False  # `a[1] = a[0]`: one row twice
    else:
        decl = block_variable(base)
        if decl is None:
            return False
        block = file.blocks.setdefault(Variables.key(decl), Block(function, decl.spelling))
        block.tables.add(key)
        block.carving.add(id(base))
    table.carved = True
    return True


def _pointer_offset(value: Node) -> bool:
    """An integer value added to a pointer (not another pointer)."""
    return strip(value).type_kind in INTEGER_TYPES


def _holds(tables: dict[tuple, _Table], returned: dict[str, Optional[list[tuple]]]) -> dict[tuple, set[tuple]]:
    """The table objects each candidate may hold (carved_rows.held_objects): from its own
    allocations, its arguments, the locals its allocators return (`returned`: _returned), and its swaps."""
    sources = {key: [*t.arguments, *t.swapped_with, *(k for name in t.allocators for k in returned.get(name) or [])]
               for key, t in tables.items()}
    return held_objects({key for key, t in tables.items() if t.fresh}, sources)


def _changes(user: Node, child: Node) -> bool:
    """Whether `user` stores to, increments or takes the address of its operand `child`."""
    return user.kind == K.UNARY_OPERATOR and user.unary_op == "&" or stored_operand(user) is child


def _read_source(table: _Table, value: Node, file: _File) -> None:
    """A value the table variable is set to: a fresh allocation, or an allocator function's result."""
    if allocation(value):
        table.fresh = True
        return
    if value.kind == K.CALL_EXPR and (callee := callee_name(value)) in file.by_name:
        table.allocators.append(callee)
        return
    table.unsourced = f"{table.name} is set to {file.text(value)}, not a table of its own"


def _read_call_sites(every_function: list[Function], file: _File, tu_cursor, whole_program: bool) -> None:
    """A parameter's values: what every call passes. Only a function no other file and no pointer
    can call has them all in view."""
    tables = file.tables
    parameters = {t.function.name for t in tables.values() if t.parameter is not None}
    sites = direct_call_sites(parameters, every_function)
    referenced = referenced_at_file_scope(tu_cursor, parameters)
    include = last_include(tu_cursor)
    for table in tables.values():
        if table.parameter is None:
            continue
        function = table.function
        declared = function.cursor.canonical.extent.start
        if not file_local(function, whole_program) or function.name in referenced or declared.file is None or \
                declared.file.name != function.cursor.extent.start.file.name or declared.offset < include:
            table.unsourced = f"{table.name} is a parameter of {function.name}, which other files may call"
            continue
        if function.name not in sites:
            table.unsourced = f"{table.name} is a parameter of {function.name}, which is not called directly here"
            continue
        for _caller, call, _fresh in sites[function.name]:
            arguments = call_arguments(call)
            if table.parameter >= len(arguments):
                table.unsourced = f"a call of {function.name} passes no {table.name}"
                break
            argument = strip(arguments[table.parameter])
            decl = variable_decl(argument)
            key = Variables.key(decl) if decl is not None else None
            same = [a for a in arguments if (d := variable_decl(strip(a))) is not None and Variables.key(d) == key]
            if key not in tables or len(same) > 1:
                table.unsourced = f"{function.name} is called with {file.text(argument)} for {table.name}" + \
                    (" twice" if len(same) > 1 else "")
                break
            table.arguments.append(key)


def _settle(tables: dict[tuple, _Table], by_name: dict[str, Function], returned: dict[str, Optional[list[tuple]]],
            holds: dict[tuple, set[tuple]]) -> None:
    """Drop candidates whose proof leans on one that failed, until none does (the largest set of
    tables whose proofs only lean on each other). Misuse first, over every candidate: a table whose
    values are unproven (an exported function's parameter) still hands its rows on as it does.
    `returned` and `holds`: _returned and _holds, which ask nothing of the proof."""
    parameters = {(t.function.name, t.parameter): key for key, t in tables.items() if t.parameter is not None}

    def uses(table: _Table) -> None:
        for callee, k in table.passed_to:
            target = tables.get(parameters.get((callee, k)))
            if target is None or target.misused or target.levels != table.levels:
                table.misused = f"{table.name} is handed to {callee}, which may share or change its rows"
        for other in table.swapped_with:
            if other not in tables or tables[other].misused:
                table.misused = f"{table.name} is swapped with a pointer that is not a row table"

    def values(table: _Table) -> None:
        for other in table.swapped_with:
            if tables[other].why_not:
                table.unsourced = f"{table.name} is swapped with {tables[other].name}, and {tables[other].why_not}"
        for name in table.allocators:
            keys = returned.get(name)
            failed = next((tables[k] for k in keys or [] if tables[k].why_not), None)
            # (a returned local swapped with a parameter may hold the caller's own table)
            foreign = any(tables[o].function is not by_name[name] for k in keys or [] for o in holds[k])
            if keys is None or failed is not None or foreign or any(tables[k].levels != table.levels for k in keys):
                table.unsourced = f"{table.name} is set to the result of {name}, not proven a table of its own" + \
                    (f" ({failed.why_not})" if failed is not None else "") + \
                    (" (it may return a table it was handed)" if foreign else "")
        for argument in table.arguments:
            if tables[argument].why_not:
                table.unsourced = f"a call of {table.function.name} passes {tables[argument].name} for " \
                                  f"{table.name}, and {tables[argument].why_not}"

    _until_settled(tables, uses, lambda t: t.misused)
    _until_settled(tables, values, lambda t: t.why_not)


def _until_settled(tables: dict[tuple, _Table], check, failed) -> None:
    """Run `check` on every table that has not `failed` yet, again while one more fails."""
    changed = True
    while changed:
        changed = False
        for table in tables.values():
            if not failed(table):
                check(table)
                changed |= bool(failed(table))


def _returned(tables: dict[tuple, _Table], by_name: dict[str, Function]) -> dict[str, Optional[list[tuple]]]:
    """For each function some table is set from: the local variables its `return`s return, or None
    when one returns something else."""
    found: dict[str, Optional[list[tuple]]] = {}
    for name in {n for t in tables.values() for n in t.allocators}:
        keys: Optional[list[tuple]] = []
        for node in by_name[name].nodes_of((K.RETURN_STMT,)):
            values = expression_children(node)
            if values and _null(values[0].cursor):
                continue  # `return NULL;` when an allocation fails: no table, no rows
            decl = variable_decl(strip(values[0])) if values else None
            key = Variables.key(decl) if decl is not None else None
            if key not in tables or tables[key].parameter is not None or tables[key].function is not by_name[name]:
                keys = None
                break
            keys.append(key)
        found[name] = keys if keys else None
    return found

