"""Scalars pass: how each scalar variable is used inside a loop (nested loops included).

For each variable: read / written, whether every path through one iteration writes it before reading
it (so it can be private), whether every use is a reduction update with one operator, whether it is
read after the loop, and whether its address escapes.
"""

from __future__ import annotations

from typing import Optional

from clang.cindex import CursorKind as K, StorageClass, TypeKind

from autopar.ir import LocationReduction, ReductionOp, ScalarUse, Storage
from clang_passes.affine import written_decl_refs
from clang_passes.ast import (_SCALAR, ARRAY_TYPES, ASSIGN_OPS, FLOATING_TYPES, FUNCTION_KINDS, INC_DEC, INTEGER_TYPES,
                              LOOP_KINDS, Node, Source, Variables, evaluate_int, expression_children,
                              starts_statement, strip, under_implicit_conversions, variable_decl)
from clang_passes.containers import container_type
from clang_passes.calls import call_arguments
from clang_passes.loops import LoopInfo

_COMPOUND_OPS = {"+=": ReductionOp.ADD, "-=": ReductionOp.ADD, "*=": ReductionOp.MUL, "&=": ReductionOp.AND,
                 "|=": ReductionOp.OR, "^=": ReductionOp.XOR}
_BINARY_OPS = {"+": ReductionOp.ADD, "*": ReductionOp.MUL, "&": ReductionOp.AND, "|": ReductionOp.OR,
               "^": ReductionOp.XOR, "&&": ReductionOp.LAND, "||": ReductionOp.LOR}
_MAX_FUNCTIONS = {"fmax", "fmaxf", "fmaxl", "max"}
_MIN_FUNCTIONS = {"fmin", "fminf", "fminl", "min"}


def _is_scalar_decl(decl) -> bool:
    key = Variables.key(decl)
    found = _SCALAR.get(key)
    if found is None:
        # not an array, and not one of the hidden variables of a range-based for
        found = _SCALAR[key] = not decl.spelling.startswith(("__begin", "__end", "__range")) and \
            decl.type.get_canonical().kind not in ARRAY_TYPES and not container_type(decl.type)
    return found


_SEVERITY = {"modular": 1, "rounding": 2, "lossy": 3}
# mantissa bits of the floating types: an integer of at most this many value bits converts exactly
_MANTISSA = {TypeKind.FLOAT: 24, TypeKind.DOUBLE: 53, TypeKind.LONGDOUBLE: 64, TypeKind.FLOAT128: 113,
             TypeKind.HALF: 11}


def conversion(source, target) -> Optional[tuple[str, str]]:
    """How a value of type `source` converts to `target`: None when every value is kept exactly, else
    (kind, "source to target") with kind "modular" (integer to an integer type that cannot hold every
    value: gcc and clang wrap it modulo 2^N), "rounding" (to a floating type that may not hold it) or
    "lossy" (floating to integer, anything but bool to bool, anything not arithmetic)."""
    s, t = source.get_canonical(), target.get_canonical()
    if s.kind == t.kind and s.spelling == t.spelling:
        return None
    text = f"{s.spelling} to {t.spelling}"
    s_int, t_int = s.kind in INTEGER_TYPES, t.kind in INTEGER_TYPES
    s_float, t_float = s.kind in FLOATING_TYPES, t.kind in FLOATING_TYPES
    if t.kind == TypeKind.BOOL:
        return None if s.kind == TypeKind.BOOL else ("lossy", text)
    if s.kind == TypeKind.BOOL and (t_int or t_float):
        return None
    s_bits, t_bits = 8 * max(s.get_size(), 0), 8 * max(t.get_size(), 0)
    if t_float and s_float:
        return None if 0 < s_bits <= t_bits else ("rounding", text)
    if t_float and s_int:
        value_bits = s_bits - (0 if _unsigned(s) else 1)
        return None if 0 < s_bits and value_bits <= _MANTISSA.get(t.kind, 0) else ("rounding", text)
    if t_int and s_int and s.kind != TypeKind.ENUM and t.kind != TypeKind.ENUM and s_bits and t_bits:
        if _unsigned(s) == _unsigned(t) and s_bits <= t_bits or _unsigned(s) and not _unsigned(t) and s_bits < t_bits:
            return None
        return ("modular", text)
    return ("lossy", text)


def _unsigned(t) -> bool:
    return t.kind in (TypeKind.BOOL, TypeKind.CHAR_U, TypeKind.UCHAR, TypeKind.CHAR16, TypeKind.CHAR32,
                      TypeKind.USHORT, TypeKind.UINT, TypeKind.ULONG, TypeKind.ULONGLONG, TypeKind.UINT128)


class _FirstAccess:
    """Must-write-before-read over one iteration: `defined` is what every path so far has assigned."""

    def __init__(self, loops: dict[int, LoopInfo], loop_node: Optional[Node], facts: Optional[dict] = None):
        self.loops = loops  # inner loops by node, to tell a header from a body
        self.loop_node = loop_node
        # the function's facts: summaries of statements, which every loop around them asks for again
        self.facts = facts
        self.exits: list[set[tuple]] = []  # what was assigned where an iteration ends early
        self.read_first: set[tuple] = set()
        self.written: set[tuple] = set()
        self.read: set[tuple] = set()

    def _read(self, key: tuple, defined: set[tuple]) -> None:
        self.read.add(key)
        if key not in defined:
            self.read_first.add(key)

    def run(self, node: Node, defined: set[tuple]) -> set[tuple]:
        """What is assigned on every path through `node` when `defined` was before it; records the
        reads, writes and early exits it meets. A statement's answer does not depend on `defined`
        otherwise (reads first = reads first from nothing, less `defined`; assigned = `defined` plus
        what it assigns from nothing), so a large statement that no break or continue leaves is
        summarized once per function and reused by every loop around it."""
        if self.facts is not None and node.kind in _SUMMARIZED and node.last - node.index >= _SUMMARY_MIN_NODES \
                and node.index not in _open_statements(node, self.facts):
            summary = self.facts.get(("first", node.index))
            if summary is None:
                inner = _FirstAccess(self.loops, self.loop_node, self.facts)
                out = inner._run(node, set())
                summary = (frozenset(inner.read_first), frozenset(out), [frozenset(e) for e in inner.exits],
                           frozenset(inner.written), frozenset(inner.read))
                self.facts[("first", node.index)] = summary
            read_first, assigned, exits, written, read = summary
            self.read_first |= read_first - defined
            self.written |= written
            self.read |= read
            self.exits.extend(defined | e for e in exits)
            return defined | assigned
        return self._run(node, defined)

    def _run(self, node: Node, defined: set[tuple]) -> set[tuple]:
        """The names defined on every path after `node`, given those before it; reads and writes
        recorded on the way. A kind with a handler of its own (`_HANDLERS`) is walked by it (None:
        the plain walk below); any other node, its children in order."""
        handler = _HANDLERS.get(node.kind)
        if handler is not None:
            result = handler(self, node, defined)
            if result is not None:
                return result
        for child in node.children:
            defined = self.run(child, defined)
        return defined

    def _reference(self, node: Node, defined: set[tuple]) -> set[tuple]:
        decl = variable_decl(node)
        if decl is not None and _is_scalar_decl(decl):
            self._read(Variables.key(decl), defined)
        return defined

    def _declaration(self, node: Node, defined: set[tuple]) -> set[tuple]:
        for child in node.children:
            defined = self.run(child, defined)
        if expression_children(node):
            key = Variables.key(node.cursor)
            self.written.add(key)
            defined = defined | {key}
        return defined

    def _binary(self, node: Node, defined: set[tuple]) -> Optional[set[tuple]]:
        op = node.binary_op
        children = expression_children(node)
        if op in ASSIGN_OPS and len(children) == 2:
            lhs, rhs = children
            defined = self.run(rhs, defined)
            target = strip(lhs)
            decl = variable_decl(target)
            if decl is not None:
                key = Variables.key(decl)
                if op != "=":
                    self._read(key, defined)
                self.written.add(key)
                return defined | {key}
            root = _struct_root(target)
            if root is not None:  # `s.x = e`: a partial write of s, which does not make s private
                defined = self.run(lhs, defined)
                self.written.add(root)
                return defined
            return self.run(lhs, defined)
        if op in ("&&", "||") and len(children) == 2:
            defined = self.run(children[0], defined)
            self.run(children[1], set(defined))
            return defined
        return None

    def _unary(self, node: Node, defined: set[tuple]) -> Optional[set[tuple]]:
        op = node.unary_op
        children = expression_children(node)
        if op in INC_DEC and children:
            target = strip(children[0])
            decl = variable_decl(target)
            if decl is not None:
                key = Variables.key(decl)
                self._read(key, defined)
                self.written.add(key)
                return defined | {key}
            root = _struct_root(target)
            defined = self.run(children[0], defined)
            if root is not None:
                self.written.add(root)
            return defined
        if op == "&" and children:
            decl = variable_decl(strip(children[0]))
            if decl is not None:  # the address escapes: count it as a read and a possible write
                key = Variables.key(decl)
                self._read(key, defined)
                self.written.add(key)
                return defined
        return None

    def _conditional(self, node: Node, defined: set[tuple]) -> Optional[set[tuple]]:
        children = node.children
        if len(children) != 3:
            return None
        defined = self.run(children[0], defined)
        return self.run(children[1], set(defined)) & self.run(children[2], set(defined))

    def _if(self, node: Node, defined: set[tuple]) -> set[tuple]:
        children = node.children
        defined = self.run(children[0], defined)
        then = self.run(children[1], set(defined)) if len(children) > 1 else defined
        other = self.run(children[2], set(defined)) if len(children) > 2 else defined
        return then & other

    def _while_or_switch(self, node: Node, defined: set[tuple]) -> set[tuple]:
        defined = self.run(node.children[0], defined)
        for child in node.children[1:]:
            self.run(child, set(defined))
        return defined

    def _for(self, node: Node, defined: set[tuple]) -> set[tuple]:
        # an inner loop: its init and first condition run, its body and increment may not
        inner = self.loops.get(id(node))
        if inner is not None and node.kind == K.FOR_STMT:
            for part in (inner.init, inner.cond):
                if part is not None:
                    defined = self.run(part, defined)
            for part in (inner.body, inner.inc):
                if part is not None:
                    self.run(part, set(defined))
            return defined
        children = node.children
        for child in children[:-1]:
            defined = self.run(child, defined)
        if children:
            self.run(children[-1], set(defined))
        return defined

    def _jump(self, node: Node, defined: set[tuple]) -> set[tuple]:
        for child in node.children:
            defined = self.run(child, defined)
        if node.kind not in (K.CONTINUE_STMT, K.BREAK_STMT) or _jump_target(node) is self.loop_node:
            self.exits.append(set(defined))
        return defined

    def _lambda(self, node: Node, defined: set[tuple]) -> set[tuple]:
        for n in node.walk():
            if n is not node and n.kind == K.DECL_REF_EXPR:
                self.run(n, defined)
        return defined


_HANDLERS = {
    K.DECL_REF_EXPR: _FirstAccess._reference,
    K.VAR_DECL: _FirstAccess._declaration,
    K.BINARY_OPERATOR: _FirstAccess._binary,
    K.COMPOUND_ASSIGNMENT_OPERATOR: _FirstAccess._binary,
    K.UNARY_OPERATOR: _FirstAccess._unary,
    K.CONDITIONAL_OPERATOR: _FirstAccess._conditional,
    K.IF_STMT: _FirstAccess._if,
    K.WHILE_STMT: _FirstAccess._while_or_switch,
    K.SWITCH_STMT: _FirstAccess._while_or_switch,
    K.FOR_STMT: _FirstAccess._for,
    K.CXX_FOR_RANGE_STMT: _FirstAccess._for,
    K.CONTINUE_STMT: _FirstAccess._jump,
    K.BREAK_STMT: _FirstAccess._jump,
    K.RETURN_STMT: _FirstAccess._jump,
    K.GOTO_STMT: _FirstAccess._jump,
    K.INDIRECT_GOTO_STMT: _FirstAccess._jump,
    K.LAMBDA_EXPR: _FirstAccess._lambda,
}


_SUMMARIZED = {K.COMPOUND_STMT, K.IF_STMT, K.FOR_STMT, K.WHILE_STMT, K.DO_STMT, K.SWITCH_STMT,
               K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR}
_SUMMARY_MIN_NODES = 12


def _open_statements(node: Node, facts: dict) -> set[int]:
    """The nodes of the function that a break or continue leaves without leaving its target: their
    summary would depend on which loop is asking (an iteration of that loop ends there)."""
    found = facts.get(("open", 0))
    if found is None:
        found = set()
        for jump in node.tree or node.walk():
            if jump.kind not in (K.BREAK_STMT, K.CONTINUE_STMT):
                continue
            target = _jump_target(jump)
            found.add(jump.index)
            for ancestor in jump.ancestors():
                if ancestor is target:
                    break
                found.add(ancestor.index)
        facts[("open", 0)] = found
    return found


def _jump_target(jump: Node) -> Optional[Node]:
    """The statement a break or continue leaves: the nearest loop, or for a break also a switch."""
    stops = LOOP_KINDS | {K.SWITCH_STMT} if jump.kind == K.BREAK_STMT else LOOP_KINDS
    return next((a for a in jump.ancestors() if a.kind in stops), None)


def _value_unused(node: Node) -> bool:
    """The expression is a statement of its own (or a for header's increment): its value is dropped."""
    child, parent = node, node.parent
    while parent is not None and (parent.kind in (K.PAREN_EXPR, K.UNEXPOSED_EXPR) or
                                  parent.kind == K.BINARY_OPERATOR and parent.binary_op == ","):
        child, parent = parent, parent.parent
    if parent is None:
        return False
    if parent.kind == K.FOR_STMT:
        return child is not parent.children[-1] or starts_statement(child, parent)
    return starts_statement(child, parent)


def _struct_root(target: Node) -> Optional[tuple]:
    """`s.x.y` of a struct variable s (no pointer, no subscript) -> key of s."""
    e = target
    while e.kind == K.MEMBER_REF_EXPR:
        children = expression_children(e)
        if not children or children[0].cursor.type.get_canonical().kind == TypeKind.POINTER:
            return None
        e = strip(children[0])
    decl = variable_decl(e)
    return Variables.key(decl) if decl is not None and e is not target else None


class _Reductions:
    """Finds reduction updates; each claims the DECL_REF nodes of its variable that it consumes."""

    def __init__(self, source: Source):
        self.source = source
        self.claims: dict[tuple, list[tuple[ReductionOp, set[int]]]] = {}
        self.conversions: dict[tuple, list[tuple[str, str]]] = {}  # key -> (kind, "int to signed char")

    def _key(self, node: Node) -> Optional[tuple]:
        decl = variable_decl(strip(node))
        return Variables.key(decl) if decl is not None else None

    def _mentions(self, node: Node, key: tuple) -> bool:
        return any(self._key(n) == key for n in node.walk() if n.kind == K.DECL_REF_EXPR)

    def _refs(self, node: Node, key: tuple) -> set[int]:
        return {id(n) for n in node.walk() if n.kind == K.DECL_REF_EXPR and self._key(n) == key}

    def _claim(self, key: tuple, op: ReductionOp, nodes: set[int], *values: tuple[Node, object]) -> None:
        """`values`: (expression, the type it is converted to) for each conversion the update makes."""
        self.claims.setdefault(key, []).append((op, nodes))
        for value, target in values:
            found = conversion(under_implicit_conversions(value).cursor.type, target)
            if found is not None:
                self.conversions.setdefault(key, []).append(found)

    def scan(self, root: Node) -> None:
        for node in root.walk():
            kind = node.kind
            if kind not in (K.IF_STMT, K.COMPOUND_ASSIGNMENT_OPERATOR, K.UNARY_OPERATOR, K.BINARY_OPERATOR):
                continue
            if kind != K.IF_STMT and not _value_unused(node):
                continue  # `out[n++] = x` uses the value of the update: no reduction
            if kind == K.COMPOUND_ASSIGNMENT_OPERATOR and node.binary_op in _COMPOUND_OPS:
                lhs, rhs = expression_children(node)
                key = self._key(lhs) if strip(lhs).kind == K.DECL_REF_EXPR else None
                if key and not self._mentions(rhs, key):
                    self._claim(key, _COMPOUND_OPS[node.binary_op], self._refs(lhs, key),
                                (rhs, strip(lhs).cursor.type))
            elif kind == K.UNARY_OPERATOR and node.unary_op in INC_DEC:
                operand = expression_children(node)[0]
                key = self._key(operand) if strip(operand).kind == K.DECL_REF_EXPR else None
                if key:
                    self._claim(key, ReductionOp.ADD, self._refs(operand, key))
            elif kind == K.BINARY_OPERATOR and node.binary_op == "=":
                self._assignment(node)
            elif kind == K.IF_STMT:
                self._if_update(node)

    def _assignment(self, node: Node) -> None:
        lhs, rhs = expression_children(node)
        if strip(lhs).kind != K.DECL_REF_EXPR:
            return
        key = self._key(lhs)
        value = strip(rhs)
        if value.kind == K.BINARY_OPERATOR and value.binary_op in (*_BINARY_OPS, "-"):
            a, b = expression_children(value)
            op = value.binary_op
            target = strip(lhs).cursor.type
            if self._key(a) == key and strip(a).kind == K.DECL_REF_EXPR and not self._mentions(b, key):
                self._claim(key, ReductionOp.ADD if op == "-" else _BINARY_OPS[op],
                            self._refs(lhs, key) | self._refs(a, key), (rhs, target))
            elif op != "-" and self._key(b) == key and strip(b).kind == K.DECL_REF_EXPR \
                    and not self._mentions(a, key):
                self._claim(key, _BINARY_OPS[op], self._refs(lhs, key) | self._refs(b, key), (rhs, target))
        elif value.kind == K.CONDITIONAL_OPERATOR and len(value.children) == 3:
            cond, yes, no = value.children
            op = self._min_max(cond, key, yes, no)
            if op is not None:
                target = strip(lhs).cursor.type
                chosen = [x for x in (yes, no) if not (strip(x).kind == K.DECL_REF_EXPR and self._key(x) == key)]
                self._claim(key, op, self._refs(lhs, key) | self._refs(value, key), (rhs, target),
                            *[(x, target) for x in chosen])
        elif value.kind == K.CALL_EXPR:
            name = value.cursor.spelling
            args = call_arguments(value)
            if name in _MAX_FUNCTIONS | _MIN_FUNCTIONS and len(args) == 2:
                a, b = args
                mine = [x for x in (a, b) if strip(x).kind == K.DECL_REF_EXPR and self._key(x) == key]
                other = [x for x in (a, b) if x not in mine]
                if len(mine) == 1 and len(other) == 1 and not self._mentions(other[0], key):
                    op = ReductionOp.MAX if name in _MAX_FUNCTIONS else ReductionOp.MIN
                    self._claim(key, op, self._refs(lhs, key) | self._refs(mine[0], key),
                                (rhs, strip(lhs).cursor.type), (other[0], other[0].cursor.type),
                                (mine[0], mine[0].cursor.type))

    def _min_max(self, cond: Node, key: tuple, chosen: Node, other: Node) -> Optional[ReductionOp]:
        """`x > m` choosing `chosen` when true: MAX if it picks the larger, MIN if the smaller."""
        cond = strip(cond)
        if cond.kind != K.BINARY_OPERATOR or cond.binary_op not in ("<", "<=", ">", ">="):
            return None
        left, right = expression_children(cond)
        larger, smaller = (left, right) if cond.binary_op in (">", ">=") else (right, left)
        text = lambda n: self.source.text_of(strip(n))  # noqa: E731
        is_m = lambda n: strip(n).kind == K.DECL_REF_EXPR and self._key(n) == key  # noqa: E731
        if is_m(larger) == is_m(smaller):
            return None
        x = smaller if is_m(larger) else larger
        if self._mentions(x, key):
            return None
        if other is not None:
            if not ({text(chosen), text(other)} == {text(x), text(larger if is_m(larger) else smaller)}
                    and (is_m(chosen) or is_m(other))):
                return None
        picked_larger = text(chosen) == text(larger)
        return ReductionOp.MAX if picked_larger else ReductionOp.MIN

    def _if_update(self, node: Node) -> None:
        """`if (x > m) m = x;` (no else)."""
        if len(node.children) != 2:
            return
        cond, then = node.children
        while then.kind == K.COMPOUND_STMT and len(then.children) == 1:
            then = then.children[0]
        assign = strip(then)
        if assign.kind != K.BINARY_OPERATOR or assign.binary_op != "=":
            return
        lhs, rhs = expression_children(assign)
        if strip(lhs).kind != K.DECL_REF_EXPR:
            return
        key = self._key(lhs)
        op = self._min_max(cond, key, rhs, None)
        if op is None:
            return
        c = strip(cond)
        left, right = expression_children(c)
        x = right if strip(left).kind == K.DECL_REF_EXPR and self._key(left) == key else left
        if self.source.text_of(strip(x)) != self.source.text_of(strip(rhs)) or self._mentions(rhs, key):
            return
        self._claim(key, op, self._refs(lhs, key) | self._refs(cond, key), (rhs, strip(lhs).cursor.type))

    def conversion_of(self, key: tuple) -> tuple[Optional[str], Optional[str]]:
        """The worst conversion of the variable's updates: (kind, text), (None, None) when all exact."""
        found = self.conversions.get(key)
        if not found:
            return None, None
        return max(found, key=lambda kt: _SEVERITY[kt[0]])

    def reduction_of(self, key: tuple, all_refs: set[int]) -> Optional[ReductionOp]:
        claims = self.claims.get(key)
        if not claims:
            return None
        ops = {op for op, _ in claims}
        if len(ops) != 1:
            return None
        covered: set[int] = set()
        for _, nodes in claims:
            covered |= nodes
        return ops.pop() if all_refs <= covered else None


def scalar_uses(info: LoopInfo, variables: Variables, address_taken: set[tuple],
                loops: Optional[dict[int, LoopInfo]] = None) -> list[ScalarUse]:
    """The scalars of one loop. `loops`: every loop of the file by node, to read headers after it."""
    loops = loops or {}
    loop_node = info.node
    path = info.loop.file
    order, decls, refs = _scalar_declarations(loop_node)
    first, always = _first_accesses(info, loops)

    reductions = _Reductions(variables.source)
    reductions.scan(info.body if info.body is not None else loop_node)
    by_reference = _passed_by_reference(loop_node)
    ivs: dict[tuple, str] = {}  # the counters of the loop and the loops inside it -> their loop
    for loop_info in info.subtree():
        if loop_info.iv_key is not None and loop_info.loop.canonical is not None:
            ivs.setdefault(loop_info.iv_key, loop_info.loop.id)

    uses: list[ScalarUse] = []
    references = info.function.references
    locals_ = {key for key in order if not (key[0] == path and loop_node.start <= key[1] < loop_node.end)
               and variables.get(decls[key]).storage not in (Storage.GLOBAL, Storage.STATIC_LOCAL)}
    live = _live_after(info, locals_, loops)
    for key in order:
        decl = decls[key]
        if references.get(key) is not None:
            continue  # a reference bound to a known object: its uses are that object's (accesses, or `&v`)
        variable = variables.get(decl)
        declared_in = key[0] == path and loop_node.start <= key[1] < loop_node.end
        iv_of = ivs.get(key)
        reduction = None
        escaped = key in address_taken or key in by_reference
        if key in references:  # a reference parameter, or bound to something unknown: not private, shared
            declared_in, escaped = False, True
        arithmetic = not (variable.is_pointer or variable.is_struct)
        if not declared_in and iv_of is None and not escaped and arithmetic and key in first.written:
            reduction = reductions.reduction_of(key, refs[key])
        conversion_kind, conversion_text = reductions.conversion_of(key)
        uses.append(ScalarUse(
            variable=variable, declared_in_loop=declared_in, read=key in first.read,
            written=key in first.written,
            written_before_read=key in first.written and key not in first.read_first,
            always_written=key in always,
            reduction=reduction,
            boolean_at_entry=reduction in (ReductionOp.LAND, ReductionOp.LOR) and key not in address_taken
            and variable.storage == Storage.LOCAL and boolean_at_entry(loop_node, key),
            reduction_conversion=conversion_kind if reduction is not None else None,
            reduction_conversion_text=conversion_text if reduction is not None else None,
            live_after_loop=not declared_in and (key in references or key in live or key not in locals_),
            address_taken=escaped, is_induction_variable_of=iv_of,
        ))
    return uses + _written_through_references(order, decls, references, first, variables)


def _scalar_declarations(loop_node: Node) -> tuple[list[tuple], dict[tuple, object], dict[tuple, set[int]]]:
    """The scalars the loop names, in order of first mention: their keys, declarations, and the
    reference nodes of each."""
    order: list[tuple] = []
    decls: dict[tuple, object] = {}
    refs: dict[tuple, set[int]] = {}
    for node in loop_node.walk():
        if node.kind == K.DECL_REF_EXPR:
            decl = variable_decl(node)
        elif node.kind == K.VAR_DECL:
            decl = node.cursor
        else:
            continue
        if decl is None or not _is_scalar_decl(decl):
            continue
        key = Variables.key(decl)
        if key not in decls:
            decls[key] = decl
            order.append(key)
            refs[key] = set()
        if node.kind == K.DECL_REF_EXPR:
            refs[key].add(id(node))
    return order, decls, refs


def _first_accesses(info: LoopInfo, loops: dict[int, LoopInfo]) -> tuple["_FirstAccess", set[tuple]]:
    """What one iteration reads and writes, and which it reads first (the walk), and the names it
    writes on every path to its end or to a jump out."""
    loop_node = info.node
    first = _FirstAccess(loops or {id(i.node): i for i in info.subtree()}, loop_node, info.function.facts)
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
                                first: "_FirstAccess", variables: Variables) -> list[ScalarUse]:
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


def location_reductions(info: LoopInfo, source: Source, language: str) -> list[LocationReduction]:
    """The argmin/argmax updates among the statements of the loop's body:

        if (guard && x < best) { best = x; at = i; }      (or `best > x`, `>` for the maximum)

    where `i` is this loop's variable, `x` (the same text twice) and `guard` name neither `best` nor
    `at`, `best` holds every value of `x` exactly and `at` every value of `i`, and the loop touches
    `best` and `at` nowhere else. The comparison is strict, so the first iteration with the best
    value wins, as a thread's share does when it runs its iterations in order."""
    body, canonical = info.body, info.loop.canonical
    if body is None or canonical is None or info.iv_key is None or abs(canonical.step) != 1 or \
            canonical.step_symbol:
        return []
    if language != "c":
        return []  # C only: a C++ name may be qualified (`::best`, `ns::best`, a static member)
    statements = body.children if body.kind == K.COMPOUND_STMT else [body]
    if not any(s.kind == K.IF_STMT and len(s.children) == 2 for s in statements):
        return []  # (most loops: the walk below would be wasted)
    key_of = lambda n: Variables.key(variable_decl(strip(n))) if variable_decl(strip(n)) is not None else None  # noqa: E731
    refs: dict[tuple, int] = {}
    declared_inside: set[str] = set()  # names the loop declares (one may shadow `best` or `at`)
    for node in info.node.walk():
        if node.kind == K.DECL_REF_EXPR:
            key = key_of(node)
            refs[key] = refs.get(key, 0) + 1
        elif node.kind == K.VAR_DECL:
            declared_inside.add(node.cursor.spelling)
    found = []
    for statement in statements:
        if statement.kind != K.IF_STMT or len(statement.children) != 2:
            continue
        cond, then = statement.children
        while then.kind == K.COMPOUND_STMT and len(then.children) == 1 and then.children[0].kind == K.COMPOUND_STMT:
            then = then.children[0]
        parts = then.children if then.kind == K.COMPOUND_STMT else []
        assigns = [strip(p) for p in parts]
        if len(assigns) != 2 or any(a.kind != K.BINARY_OPERATOR or a.binary_op != "=" for a in assigns):
            continue
        sides = [expression_children(a) for a in assigns]
        if any(strip(lhs).kind != K.DECL_REF_EXPR for lhs, _ in sides):
            continue
        comparison, guards = strip(cond), []
        while comparison.kind == K.BINARY_OPERATOR and comparison.binary_op == "&&":
            guard, comparison = expression_children(comparison)
            guards.append(guard)
            comparison = strip(comparison)
        if comparison.kind != K.BINARY_OPERATOR or comparison.binary_op not in ("<", ">"):
            continue
        left, right = expression_children(comparison)
        by_lhs = {key_of(lhs): rhs for lhs, rhs in sides}
        lhs_of = {key_of(lhs): lhs for lhs, _ in sides}
        for best, x, op in ((right, left, comparison.binary_op), (left, right, _FLIPPED[comparison.binary_op])):
            best_key = key_of(best) if strip(best).kind == K.DECL_REF_EXPR else None
            if best_key not in by_lhs or source.text_of(strip(by_lhs[best_key])) != source.text_of(strip(x)):
                continue
            at_key = next((k for k in by_lhs if k != best_key), None)
            at_value = by_lhs.get(at_key)
            if at_key is None or strip(at_value).kind != K.DECL_REF_EXPR or key_of(at_value) != info.iv_key:
                continue
            if any(_mentions_key(n, k) for n in (x, *guards) for k in (best_key, at_key)):
                continue
            if refs.get(best_key) != 2 or refs.get(at_key) != 1:
                continue  # touched elsewhere in the loop
            best_decl, at_decl = variable_decl(strip(best)), variable_decl(strip(lhs_of[at_key]))
            if conversion(strip(x).cursor.type, best_decl.type) is not None or \
                    conversion(strip(at_value).cursor.type, at_decl.type) is not None:
                continue
            if not (_is_scalar_decl(best_decl) and _is_scalar_decl(at_decl)):
                continue
            if {best_decl.spelling, at_decl.spelling} & declared_inside or \
                    StorageClass.REGISTER in (best_decl.storage_class, at_decl.storage_class):
                continue  # the code around the loop names them and takes their addresses
            found.append(LocationReduction(value=best_decl.spelling, index=at_decl.spelling, comparison=op,
                                           increasing=canonical.step > 0, value_type=best_decl.type.spelling,
                                           index_type=at_decl.type.spelling))
            break
    return found


_FLIPPED = {"<": ">", ">": "<"}
_BOOLEAN_OPS = {"<", ">", "<=", ">=", "==", "!=", "&&", "||"}


def _boolean_valued(node: Node) -> bool:
    """An expression whose value is 0 or 1: a comparison, `&&`, `||`, `!`, true/false, 0 or 1."""
    node = strip(node)
    if node.kind == K.BINARY_OPERATOR and node.binary_op in _BOOLEAN_OPS:
        return True
    if node.kind == K.UNARY_OPERATOR and node.unary_op == "!":
        return True
    if node.kind == K.CXX_BOOL_LITERAL_EXPR:
        return True
    return node.kind == K.INTEGER_LITERAL and evaluate_int(node) in (0, 1)


def _mentions_key(node: Node, key: tuple) -> bool:
    for n in node.walk():
        decl = variable_decl(n) if n.kind == K.DECL_REF_EXPR else (n.cursor if n.kind == K.VAR_DECL else None)
        if decl is not None and Variables.key(decl) == key:
            return True
    return False


def _writes_key(node: Node, key: tuple) -> bool:
    return any(t.cursor.referenced is not None and Variables.key(t.cursor.referenced) == key
               for n in node.walk() for t in written_decl_refs(n))


def _writes_here(node: Node, key: tuple) -> bool:
    return any(t.cursor.referenced is not None and Variables.key(t.cursor.referenced) == key
               for t in written_decl_refs(node))


def boolean_at_entry(loop_node: Node, key: tuple) -> bool:
    """Whether the local variable `key` holds 0 or 1 every time the loop starts: the nearest statement
    before the loop that names it is its declaration or an assignment with a 0/1 value (`int ok = 1;`,
    `ok = a > b;`), and nothing around the loop (an enclosing loop's other statements, an if's
    condition) writes it. Anything else (a label, a jump, another mention) answers False."""
    node = loop_node
    while node.parent is not None:
        parent = node.parent
        if parent.kind == K.COMPOUND_STMT:
            siblings = parent.children[:parent.children.index(node)]
            for statement in reversed(siblings):
                if any(n.kind in (K.LABEL_STMT, K.CASE_STMT, K.DEFAULT_STMT, K.GOTO_STMT, K.INDIRECT_GOTO_STMT)
                       for n in statement.walk()):
                    return False
                if not _mentions_key(statement, key):
                    continue
                if statement.kind == K.DECL_STMT:
                    decl = next((c for c in statement.children if c.kind == K.VAR_DECL
                                 and Variables.key(c.cursor) == key), None)
                    values = expression_children(decl) if decl is not None else []
                    return bool(values) and _boolean_valued(values[-1]) and all(
                        not _mentions_key(c, key) for c in statement.children if c is not decl)
                expr = strip(statement)
                if expr.kind == K.BINARY_OPERATOR and expr.binary_op == "=":
                    lhs, rhs = expression_children(expr)
                    target = variable_decl(strip(lhs))
                    return target is not None and Variables.key(target) == key and _boolean_valued(rhs)
                return False
        elif parent.kind in LOOP_KINDS:
            # a later iteration of an enclosing loop starts this loop again: nothing else in that loop
            # (before or after this one) may write it
            outside = [n for n in parent.walk() if not loop_node.start <= n.start < loop_node.end]
            if any(_writes_here(n, key) for n in outside):
                return False
        elif parent.kind == K.IF_STMT:
            if _writes_key(parent.children[0], key):
                return False
        else:  # a function body's end, a label, a case: the value at the loop is not known here
            return False
        node = parent
    return False


def _assigned(node: Node) -> list[tuple]:
    return [Variables.key(t.cursor.referenced) for t in written_decl_refs(node) if t.cursor.referenced is not None]


def _passed_by_reference(root: Node) -> set[tuple]:
    """Variables passed to a C++ non-const reference parameter."""
    keys: set[tuple] = set()
    for node in root.walk():
        if node.kind != K.CALL_EXPR:
            continue
        callee = node.cursor.referenced
        if callee is None:
            continue
        try:
            params = list(callee.get_arguments())
        except Exception:  # noqa: BLE001 - not a function declaration
            continue
        args = list(node.cursor.get_arguments())
        for param, arg in zip(params, args):
            t = param.type
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
    facts = info.function.facts  # every loop of the function asks about the same statements
    _has_goto(info)  # a label is only a way in for a goto; without any, it changes nothing
    while node.parent is not None and open_keys:
        parent = node.parent
        if parent.kind == K.COMPOUND_STMT:
            found = _read_before_assigned(parent.children[parent.children.index(node) + 1:], open_keys, loops,
                                          facts)
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
            found = _read_before_assigned(again, open_keys - mentioned, loops, facts)
            if found is None:
                return live | _mentioned_after(info, open_keys)
            live |= found[0]
            open_keys -= live
        elif parent.kind in (K.SWITCH_STMT, K.CASE_STMT, K.DEFAULT_STMT, K.LABEL_STMT):
            return live | _mentioned_after(info, open_keys)
        elif parent.kind in FUNCTION_KINDS or parent.kind == K.LAMBDA_EXPR:
            return live
        node, previous = parent, node
    return live


def _read_before_assigned(statements: list[Node], keys: set[tuple], loops: dict[int, LoopInfo],
                          facts: dict) -> Optional[tuple[set[tuple], set[tuple]]]:
    """Run through `statements` in order: (the keys some path reads before assigning them, the keys
    no statement assigned on every path yet). None when control may leave one of the statements.
    Each statement's first accesses are kept in the function's `facts`: every loop asks again."""
    read: set[tuple] = set()
    pending = set(keys)
    for statement in statements:
        if not pending:
            break
        known = facts.get(("live_after", statement.index))
        if known is None:
            if _leaves(statement, labels=bool(facts.get(("jumps", 0), True))):
                known = None, None
            else:
                first = _FirstAccess(loops, None, facts)
                defined = first.run(statement, set())
                known = frozenset(first.read_first), frozenset(defined)
            facts[("live_after", statement.index)] = known
        read_first, defined = known
        if read_first is None:
            return None
        read |= pending & read_first
        pending -= read_first | defined
    return read, pending


def _key_of(node: Node) -> Optional[tuple]:
    decl = variable_decl(node)
    return Variables.key(decl) if decl is not None else None


def _leaves(statement: Node, labels: bool = True) -> bool:
    """Whether control may leave `statement` other than at its end or by `return`. `labels`: whether a
    label counts (a goto somewhere in the function may jump to it)."""
    for n in statement.walk():
        kind = n.kind
        if kind in (K.GOTO_STMT, K.INDIRECT_GOTO_STMT, K.CASE_STMT, K.DEFAULT_STMT) or \
                (labels and kind == K.LABEL_STMT):
            return True
        if kind in (K.BREAK_STMT, K.CONTINUE_STMT):
            target = _jump_target(n)
            if target is None or not (target is statement or statement.contains(target)):
                return True
    return False


def _has_goto(info: LoopInfo) -> bool:
    """Whether the loop's function has a goto; kept as the function's ("jumps", 0) fact."""
    facts = info.function.facts
    if ("jumps", 0) not in facts:
        facts[("jumps", 0)] = any(n.kind in (K.GOTO_STMT, K.INDIRECT_GOTO_STMT) for n in info.function.nodes)
    return facts[("jumps", 0)]


def arrays_dead_after(info: LoopInfo, variables: Variables) -> list[str]:
    """The automatic local arrays, declared before the loop, that the function names only inside it
    (`double u1[M];` a scratch row of one sweep), as object keys `name@line:col`. Nothing reads what
    the loop leaves in them, and nothing reached them before it: their address is never taken outside
    the loop. A function with a goto is left out (a jump into the loop would skip its writes)."""
    facts = info.function.facts
    if ("array_refs", 0) not in facts:
        refs: dict[tuple, list[int]] = {}
        decls: dict[tuple, object] = {}
        for node in info.function.nodes:
            if node.kind == K.DECL_REF_EXPR:
                decl = variable_decl(node)
                if decl is not None and decl.kind == K.VAR_DECL and \
                        decl.type.get_canonical().kind in (TypeKind.CONSTANTARRAY, TypeKind.VARIABLEARRAY):
                    key = Variables.key(decl)
                    refs.setdefault(key, []).append(node.start)
                    decls[key] = decl
        facts[("array_refs", 0)] = (refs, decls)
    if _has_goto(info):
        return []
    refs, decls = facts[("array_refs", 0)]
    start, end = info.node.start, info.node.end
    dead = []
    for key, offsets in refs.items():
        variable = variables.get(decls[key])
        if variable.storage != Storage.LOCAL or not variable.is_array or key[0] != info.loop.file or \
                key[1] >= start or not all(start <= at < end for at in offsets):
            continue
        dead.append(f"{variable.name}@{variable.decl}")
    return sorted(dead)


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
