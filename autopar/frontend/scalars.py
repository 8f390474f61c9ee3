"""Scalars pass: how each scalar variable is used inside a loop (nested loops included).

For each variable: read / written, whether every path through one iteration writes it before reading
it (so it can be private; the walk is autopar.frontend.first_access), whether every use is a reduction
update with one operator (autopar.frontend.reductions), whether it is read after the loop, and whether
its address escapes.
"""

from __future__ import annotations

from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.ir import CallEffect, ReductionOp, ScalarUse, Storage
from autopar.frontend.ast import ARRAY_TYPES, FUNCTION_KINDS, LOOP_KINDS, Node, strip, user_of, variable_decl
from autopar.frontend.calls import RETURNS_TWICE, argument_index, callee_name
from autopar.frontend.variables import Variables
from autopar.frontend.first_access import FirstAccess, is_scalar_decl, jump_target
from autopar.frontend.functions import Function
from autopar.frontend.reached_after import declared_outside_lambda, named_in_pragmas_after, read_through_kept_address
from autopar.frontend.loops import LoopInfo, captured_by_reference
from autopar.frontend.nest_facts import written_decl_refs
from autopar.frontend.static_arrays import StaticArrays
from autopar.frontend.reductions import UPDATE_KINDS, Reductions, boolean_at_entry, update_candidate


def scalar_uses(info: LoopInfo, variables: Variables, escaping: set[tuple],
                loops: Optional[dict[int, LoopInfo]] = None, language: str = "c") -> list[ScalarUse]:
    """The scalars of one loop. `loops`: every loop of the file by node, to read headers after it."""
    loops = loops or {}
    loop_node = info.node
    path = info.loop.file
    function = info.function
    order, decls, refs = _scalar_declarations(
        function.nodes_where("scalar mentions", loop_node, (K.DECL_REF_EXPR, K.VAR_DECL), _scalar_mention))
    first, always = _first_accesses(info, loops)

    reductions = Reductions(variables.source)
    reductions.scan(function.nodes_where("update candidates", info.body if info.body is not None else loop_node,
                                         UPDATE_KINDS, update_candidate))
    by_reference = _passed_by_reference(function.nodes_where("calls", loop_node, (K.CALL_EXPR,)))
    # (a reference parameter may keep the address: passed anywhere in the function, it escapes)
    escaped_by_reference = passed_by_reference_in(function) if language != "c" else set()
    in_reach = _addresses_in_reach(info) if language == "c" else (lambda key: True)  # C++: references
    # (a lambda's closure keeps a captured variable, or reaches it by reference, after the loop ends;
    # a lambda called after the loop may read what it captured by reference)
    closure = declared_outside_lambda(loop_node) | (captured_by_reference(function) if language != "c" else set())
    ivs: dict[tuple, str] = {}  # the counters of the loop and the loops inside it -> their loop
    for loop_info in info.subtree():
        if loop_info.iv_key is not None and loop_info.loop.canonical is not None:
            ivs.setdefault(loop_info.iv_key, loop_info.loop.id)

    uses: list[ScalarUse] = []
    references = info.function.references
    locals_ = {key for key in order if not (key[0] == path and loop_node.start <= key[1] < loop_node.end)
               and variables.get(decls[key]).storage not in (Storage.GLOBAL, Storage.STATIC_LOCAL)}
    live = _live_after(info, locals_, loops) | named_in_pragmas_after(info, variables.source.data, locals_)
    for key in order:
        decl = decls[key]
        if references.get(key) is not None:
            continue  # a reference bound to a known object: its uses are that object's (accesses, or `&v`)
        variable = variables.get(decl)
        declared_in = key[0] == path and loop_node.start <= key[1] < loop_node.end
        iv_of = ivs.get(key)
        reduction = None
        escaped = key in escaping or key in by_reference or key in escaped_by_reference
        reached = key in by_reference or "volatile" in variable.type or in_reach(key)
        if iv_of is not None and key in closure:  # (a counter in the closure: g++ takes no such loop)
            escaped = reached = True
        if key in references:  # a reference parameter, or bound to something unknown: not private, shared
            declared_in, escaped, reached = False, True, True
        elif declared_in and variable.storage == Storage.GLOBAL:
            # `{ extern int g; g += 1; }` inside the loop names a global (not a fresh variable), which no
            # clause can name at the pragma: shared and reachable, so the loop stays serial
            declared_in, escaped, reached = False, True, True
        arithmetic = not (variable.is_pointer or variable.is_struct)
        if not declared_in and iv_of is None and not (escaped and reached) and arithmetic and key in first.written:
            reduction = reductions.reduction_of(key, refs[key])
        conversion_kind, conversion_text = reductions.conversion_of(key)
        uses.append(ScalarUse(
            variable=variable, declared_in_loop=declared_in, read=key in first.read,
            written=key in first.written,
            written_before_read=key in first.written and key not in first.read_first,
            always_written=key in always,
            reduction=reduction,
            boolean_at_entry=reduction in (ReductionOp.LAND, ReductionOp.LOR) and key not in escaping
            and variable.storage == Storage.LOCAL and boolean_at_entry(loop_node, key),
            reduction_conversion=conversion_kind if reduction is not None else None,
            reduction_conversion_text=conversion_text if reduction is not None else None,
            # (a kept address may read it after the loop: `p = &v; ...loop...; use(*p)`)
            live_after_loop=not declared_in and (key in references or key in live or key not in locals_ or
                                                 escaped and read_through_kept_address(info, key) or key in closure),
            address_taken=escaped, address_in_reach=escaped and reached, is_induction_variable_of=iv_of,
            linear_step=info.linear.get(key),
        ))
    return uses + _written_through_references(order, decls, references, first, variables)


def _addresses_in_reach(info: LoopInfo):
    """Whether a scalar whose address escapes somewhere in the function may be read or written through
    it while the loop runs: when `&v` is in the loop itself, or the loop calls anything but a pure
    library function, or reaches memory other than elements of declared arrays (a pointer, a member,
    an access the accesses pass could not name). Otherwise only its name reaches it in the loop: NAS
    EP's `t1`, lent to `randlc(&t1, a)` before the loop that then uses it as a temporary."""
    loop = info.loop
    if any(c.effect != CallEffect.PURE for c in loop.calls) or loop.unmodelled_accesses or \
            not all(_declared_array_element(a) for a in loop.accesses):
        return lambda key: True
    inside = {Variables.key(target.cursor.referenced)
              for node in info.function.nodes_where("address-of", info.node, (K.UNARY_OPERATOR,), _address_of)
              for target in written_decl_refs(node) if target.cursor.referenced is not None}
    return lambda key: key in inside


def _address_of(node: Node) -> bool:
    return node.unary_op == "&"


def _declared_array_element(access) -> bool:
    """`a[i][j]` of an array of numbers the program declares: not a parameter (a pointer), not an
    array of pointers (`*ps[0]` is `ps[0][0]`, one subscript more than `ps` has dimensions)."""
    base = access.base
    return base.is_array and not base.is_pointer and base.storage != Storage.PARAMETER and \
        access.path == base.name and "*" not in base.type and len(access.subscripts) == len(base.array_dims)


def _scalar_mention(node: Node) -> bool:
    """A reference to a scalar variable, or its declaration."""
    if node.kind == K.DECL_REF_EXPR:
        decl = variable_decl(node)
    elif node.kind == K.VAR_DECL:
        decl = node.cursor
    else:
        return False
    return decl is not None and is_scalar_decl(decl)


def _scalar_declarations(mentions: list[Node]) -> tuple[list[tuple], dict[tuple, object], dict[tuple, set[int]]]:
    """The scalars the loop names (`mentions`: the loop's _scalar_mention nodes), in order of first
    mention: their keys, declarations, and the reference nodes of each."""
    order: list[tuple] = []
    decls: dict[tuple, object] = {}
    refs: dict[tuple, set[int]] = {}
    for node in mentions:
        decl = variable_decl(node) if node.kind == K.DECL_REF_EXPR else node.cursor
        key = Variables.key(decl)
        if key not in decls:
            decls[key] = decl
            order.append(key)
            refs[key] = set()
        if node.kind == K.DECL_REF_EXPR:
            refs[key].add(id(node))
    return order, decls, refs


def _first_accesses(info: LoopInfo, loops: dict[int, LoopInfo]) -> tuple["FirstAccess", set[tuple]]:
    """What one iteration reads and writes, and which it reads first (the walk), and the names it
    writes on every path to its end or to a jump out."""
    loop_node = info.node
    first = FirstAccess(loops or {id(i.node): i for i in info.subtree()}, loop_node, info.function.facts)
    defined: set[tuple] = set()
    for part in (info.cond, info.body, info.inc):
        if part is not None:
            defined = first.run(part, defined)
    always = set(defined)
    for early in first.exits:
        always &= early
    if info.init is not None and info.loop.canonical is None:
        first.run(info.init, set())  # a non-canonical header still reads and writes its variables
    if info.init is not None:
        for node in info.init.walk():
            if node.kind == K.VAR_DECL:
                first.written.add(Variables.key(node.cursor))
            for target in _assigned(node):
                first.written.add(target)
    return first, always


def _written_through_references(order: list[tuple], decls: dict[tuple, object], references: dict,
                                first: "FirstAccess", variables: Variables) -> list[ScalarUse]:
    """A reference the loop writes, bound to a variable the loop never names (`int &n = x;` before
    it): the writes land in that variable, which changes through its address."""
    uses = []
    for key in order:
        bound = references.get(key)
        bound_decl = variable_decl(strip(bound)) if bound is not None else None
        if bound_decl is None or key not in first.written or Variables.key(bound_decl) in decls:
            continue
        decls[Variables.key(bound_decl)] = bound_decl
        uses.append(ScalarUse(variable=variables.get(bound_decl), declared_in_loop=False, read=key in first.read,
                              written=True, live_after_loop=True, address_taken=True))
    return uses


def _assigned(node: Node) -> list[tuple]:
    return [Variables.key(t.cursor.referenced) for t in written_decl_refs(node) if t.cursor.referenced is not None]


def passed_by_reference_in(function: Function) -> set[tuple]:
    """_passed_by_reference of every call of the function, kept as its fact (every loop asks)."""
    keys = function.facts.get(("passed_by_reference", 0))
    if keys is None:
        keys = function.facts[("passed_by_reference", 0)] = \
            _passed_by_reference(function.nodes_where("calls", function.node, (K.CALL_EXPR,)))
    return keys


def _passed_by_reference(calls: list[Node]) -> set[tuple]:
    """Variables passed to a C++ non-const reference parameter by one of `calls`."""
    from autopar.frontend.calls import object_argument

    keys: set[tuple] = set()
    for node in calls:
        callee = node.cursor.referenced
        if callee is None:
            continue
        try:
            params = list(callee.get_arguments())
        except Exception:  # noqa: BLE001 - not a function declaration
            continue
        args = list(node.cursor.get_arguments())
        if object_argument(callee, len(args)):
            args = args[1:]
        for param, arg in zip(params, args):
            t = param.type.get_canonical()
            if t.kind == TypeKind.LVALUEREFERENCE and not t.get_pointee().is_const_qualified():
                ref = arg
                while ref.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR):
                    children = list(ref.get_children())
                    if len(children) != 1:
                        break
                    ref = children[0]
                if ref.kind == K.DECL_REF_EXPR and ref.referenced is not None:
                    keys.add(Variables.key(ref.referenced))
    return keys


def _live_after(info: LoopInfo, keys: set[tuple], loops: dict[int, LoopInfo]) -> set[tuple]:
    """Which of `keys` (locals and parameters) may have the value the loop leaves read afterwards.

    Follows the statements after the loop, and after each enclosing statement in turn: a statement that
    reads a variable first makes it live, one that assigns it on every path makes it dead. An enclosing
    loop whose next iteration may read it makes it live. Jumps that leave a statement (break, continue,
    goto, labels) fall back to the conservative answer: any later mention.
    """
    live: set[tuple] = set()
    open_keys = set(keys)
    node, previous = info.node, None
    _has_goto(info)  # a label is only a way in for a goto; without any, it changes nothing
    while node.parent is not None and open_keys:
        parent = node.parent
        if parent.kind == K.COMPOUND_STMT:
            found = _read_before_assigned(parent.children[parent.children.index(node) + 1:], open_keys, loops,
                                          info.function)
            if found is None:
                return live | _mentioned_after(info, open_keys)
            live |= found[0]
            open_keys = found[1]
            if not open_keys:
                return live
        elif parent.kind in LOOP_KINDS and parent is not info.node:
            # the next iteration of an enclosing loop: its header (any mention counts as a read),
            # then its body from the start up to this loop again; a variable that every path of that
            # stretch assigns before reading is not read there. The exit path keeps every key open.
            header = [c for c in parent.children if c is not node]
            mentioned = {_key_of(n) for part in header for n in part.walk() if n.kind == K.DECL_REF_EXPR}
            live |= open_keys & mentioned
            if node.kind == K.COMPOUND_STMT and previous in node.children:
                again = node.children[:node.children.index(previous) + 1]
            else:
                again = [node]
            found = _read_before_assigned(again, open_keys - mentioned, loops, info.function, parent)
            if found is None:
                return live | _mentioned_after(info, open_keys)
            live |= found[0]
            open_keys -= live
        elif parent.kind in (K.SWITCH_STMT, K.CASE_STMT, K.DEFAULT_STMT, K.LABEL_STMT, K.StmtExpr,
                             K.CXX_TRY_STMT, K.CXX_CATCH_STMT):
            # (a statement expression's value and the declaration or expression around it; a catch
            # handler after its try block: no statement list to follow)
            return live | _mentioned_after(info, open_keys)
        elif parent.kind in FUNCTION_KINDS or parent.kind == K.LAMBDA_EXPR:
            return live
        node, previous = parent, node
    return live


def _read_before_assigned(statements: list[Node], keys: set[tuple], loops: dict[int, LoopInfo],
                          function: Function, next_iteration_of: Optional[Node] = None
                          ) -> Optional[tuple[set[tuple], set[tuple]]]:
    """Run through `statements` (of `function`) in order: (the keys some path reads before assigning
    them, the keys no statement assigned on every path yet). None when control may leave one of the
    statements. `next_iteration_of`: the statements begin the body of that loop, which a break or
    continue of its own may leave (such a path starts that body again or leaves the loop, both of which
    the caller follows; the keys assigned are then not those of every path). Each statement's first
    accesses are kept in the function's facts: every loop asks again."""
    facts = function.facts
    fact = "live_after" if next_iteration_of is None else "live_after_again"
    read: set[tuple] = set()
    pending = set(keys)
    for statement in statements:
        if not pending:
            break
        known = facts.get((fact, statement.index))
        if known is None:
            if _leaves(statement, function, labels=bool(facts.get(("jumps", 0), True)), own=next_iteration_of):
                known = None, None
            else:
                first = FirstAccess(loops, None, facts)
                defined = first.run(statement, set())
                known = frozenset(first.read_first), frozenset(defined)
            facts[(fact, statement.index)] = known
        read_first, defined = known
        if read_first is None:
            return None
        read |= pending & read_first
        pending -= read_first | defined
    return read, pending


def _key_of(node: Node) -> Optional[tuple]:
    decl = variable_decl(node)
    return Variables.key(decl) if decl is not None else None


_JUMPS = {K.GOTO_STMT, K.INDIRECT_GOTO_STMT, K.CASE_STMT, K.DEFAULT_STMT, K.LABEL_STMT, K.BREAK_STMT,
          K.CONTINUE_STMT}


def _leaves(statement: Node, function: Function, labels: bool = True, own: Optional[Node] = None) -> bool:
    """Whether control may leave `statement` (of `function`) other than at its end or by `return`.
    `labels`: whether a label counts (a goto somewhere in the function may jump to it). A break or
    continue of the loop `own` does not count."""
    for n in function.nodes_where("jump statements", statement, _JUMPS):
        kind = n.kind
        if kind in (K.GOTO_STMT, K.INDIRECT_GOTO_STMT, K.CASE_STMT, K.DEFAULT_STMT) or \
                (labels and kind == K.LABEL_STMT):
            return True
        if kind in (K.BREAK_STMT, K.CONTINUE_STMT):
            target = jump_target(n)
            if target is None or not (target is statement or target is own or statement.contains(target)):
                return True
    return False


def _has_goto(info: LoopInfo) -> bool:
    """Whether the loop's function has a goto, or calls a function that returns twice (`setjmp`);
    kept as the function's ("jumps", 0) fact."""
    function = info.function
    if ("jumps", 0) not in function.facts:
        jumps = function.nodes_where("jump statements", function.node, _JUMPS)
        function.facts[("jumps", 0)] = any(n.kind in (K.GOTO_STMT, K.INDIRECT_GOTO_STMT) for n in jumps) or \
            any(callee_name(n) in RETURNS_TWICE for n in function.nodes_of((K.CALL_EXPR,)))
    return function.facts[("jumps", 0)]


def arrays_dead_after(info: LoopInfo, variables: Variables, statics: StaticArrays) -> list[str]:
    """The automatic local arrays, declared before the loop, that the function names only inside it
    (`double u1[M];` a scratch row of one sweep), and the static arrays that nothing in the file but
    the loop names (autopar.frontend.static_arrays), as object keys `name@line:col`. Nothing reads what
    the loop leaves in them, and nothing reached them before it: their address is never taken outside
    the loop. A function with a goto is left out (a jump into the loop would skip its writes)."""
    if _has_goto(info):
        return []
    refs, decls = _array_refs(info.function)
    start, end = info.node.start, info.node.end
    dead = []
    for key, offsets in refs.items():
        variable = variables.get(decls[key])
        if not variable.is_array:
            continue
        if variable.storage != Storage.LOCAL:
            if statics.named_only_in(info, key, decls[key], variables):
                dead.append(f"{variable.name}@{variable.decl}")
            continue
        if key[0] != info.loop.file or key[1] >= start or not all(start <= at < end for at in offsets):
            continue
        dead.append(f"{variable.name}@{variable.decl}")
    return sorted(dead)


def copied_statics(info: LoopInfo, variables: Variables, statics: StaticArrays) -> dict[str, int]:
    """The static arrays the loop names that a thread's lastprivate copy may stand for
    (StaticArrays.copyable), as object keys, with their sizes in bytes; none in a function with a goto
    (a jump into the loop would skip its writes)."""
    if _has_goto(info):
        return {}
    refs, decls = _array_refs(info.function)
    start, end = info.node.start, info.node.end
    found = {}
    for key, offsets in refs.items():
        if any(start <= at < end for at in offsets) and statics.copyable(decls[key], variables):
            variable = variables.get(decls[key])
            found[f"{variable.name}@{variable.decl}"] = decls[key].type.get_size()
    return dict(sorted(found.items()))


def _array_refs(function: Function) -> tuple[dict[tuple, list[int]], dict[tuple, object]]:
    """Where the function names each variable it indexes or names as an array (key -> byte offsets),
    and the declarations by key; found once per function."""
    facts = function.facts
    if ("array_refs", 0) not in facts:
        refs: dict[tuple, list[int]] = {}
        decls: dict[tuple, object] = {}
        for node in function.array_names():
            decl = variable_decl(node)
            key = Variables.key(decl)
            refs.setdefault(key, []).append(node.start)
            decls[key] = decl
        facts[("array_refs", 0)] = (refs, decls)
    return facts[("array_refs", 0)]


def _mentioned_after(info: LoopInfo, keys: set[tuple]) -> set[tuple]:
    """The conservative answer: any mention after the loop, or anywhere in an enclosing loop, or
    anywhere at all when the function has a goto (a jump backwards reads what comes before)."""
    loop_node = info.node
    outer = None
    for ancestor in loop_node.ancestors():
        if ancestor.kind in LOOP_KINDS:
            outer = ancestor
    backwards = info.function.facts.get(("jumps", 0), True)
    found: set[tuple] = set()
    for node in info.function.nodes:
        if node.kind != K.DECL_REF_EXPR or loop_node.start <= node.start < loop_node.end:
            continue
        if backwards or node.start >= loop_node.end or (outer is not None and outer.start <= node.start < outer.end):
            key = _key_of(node)
            if key in keys:
                found.add(key)
    return found


def escaping_arrays(info: LoopInfo, variables: Variables) -> list[str]:
    """The arrays (object keys `name@line:col`) that the loop names other than to index them or take
    their size: `p = row;`, `f(row)`, `row + 1`, `&row[3]`, `q = a[i]` (a row). A private copy would hand that pointer a thread's
    own copy, which ends with the region, so no such array is privatized. An argument of a call whose
    regions the loop's accesses stand for (CallSite.modelled_arguments: the callee only indexes it,
    and keeps no pointer) is indexed in effect, from an offset too (`vranlc(n, &s, a, x - 1)`):
    `exact(i, j, k, ue)` fills a copy as well."""
    found = set()
    modelled = {(site.line, site.column, k) for site in info.loop.calls for k in site.modelled_arguments}
    for node in info.function.array_names(info.node):
        top, user = node, user_of(node)  # the element or row the name's subscripts and fields reach
        while user is not None and (user.kind == K.ARRAY_SUBSCRIPT_EXPR or user.kind == K.MEMBER_REF_EXPR and
                                    top.type_kind == TypeKind.RECORD) and strip(user.expressions[0]) is top:
            top, user = user, user_of(user)
        if user is not None and user.kind == K.CXX_UNARY_EXPR:
            continue  # measured (`sizeof row`)
        taken = user is not None and user.kind == K.UNARY_OPERATOR and user.unary_op == "&"
        if top is not node and not taken and top.type_kind not in ARRAY_TYPES:
            continue  # an element read or written (`row[j]`, `a[i][j]`, `g[i].x`)
        # its address: the array itself, a row (`a[i]`) or an element's (`&row[3]`, `&g[i].x`)
        argument = user if taken else top
        user = user_of(argument)
        while user is not None and user.kind == K.BINARY_OPERATOR and user.binary_op in ("+", "-") and \
                strip(user.expressions[0]) is argument:  # `x - 1`: the callee indexes from there
            argument, user = user, user_of(user)
        if user is not None and user.kind == K.CALL_EXPR and modelled and \
                (*user.location(), argument_index(user, argument)) in modelled:
            continue
        variable = variables.get(variable_decl(node))
        found.add(f"{variable.name}@{variable.decl}")
    return sorted(found)


