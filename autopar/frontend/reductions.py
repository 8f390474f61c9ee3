"""Reductions in a loop's body: the updates `s op= e` that combine with one operator, the
conversions they go through, argmin/argmax pairs (location reductions), and whether a logical
reduction's variable holds 0 or 1 where the loop starts."""

from __future__ import annotations

from typing import Optional

from clang.cindex import CursorKind as K, StorageClass, TypeKind

from autopar.ir import LocationReduction, ReductionOp
from autopar.frontend.ast import (ARRAY_TYPES, EXPLICIT_CASTS, FLOATING_TYPES, INC_DEC, INTEGER_TYPES, LOOP_KINDS, Node, Source,
                              bare, evaluate_int, expression_children, starts_statement, strip, under_implicit_conversions, variable_decl)
from autopar.frontend.same_value import same_value
from autopar.frontend.variables import Variables
from autopar.frontend.calls import call_arguments, declared_by_the_system
from autopar.frontend.first_access import is_scalar_decl
from autopar.frontend.loops import LoopInfo
from autopar.frontend.nest_facts import written_decl_refs


_COMPOUND_OPS = {"+=": ReductionOp.ADD, "-=": ReductionOp.ADD, "*=": ReductionOp.MUL, "&=": ReductionOp.AND,
                 "|=": ReductionOp.OR, "^=": ReductionOp.XOR}


_BINARY_OPS = {"+": ReductionOp.ADD, "*": ReductionOp.MUL, "&": ReductionOp.AND, "|": ReductionOp.OR,
               "^": ReductionOp.XOR, "&&": ReductionOp.LAND, "||": ReductionOp.LOR}


_MAX_FUNCTIONS = {"fmax", "fmaxf", "fmaxl", "max"}


_MIN_FUNCTIONS = {"fmin", "fminf", "fminl", "min"}


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


def _value_unused(node: Node) -> bool:
    """The expression is a statement of its own (or a for header's increment): its value is dropped."""
    child, parent = node, node.parent
    while parent is not None and (parent.kind in (K.PAREN_EXPR, K.UNEXPOSED_EXPR) or
                                  parent.kind == K.BINARY_OPERATOR and parent.binary_op == ","):
        child, parent = parent, parent.parent
    if parent is None or parent.kind == K.COMPOUND_STMT and child is parent.children[-1] and \
            parent.parent is not None and parent.parent.kind == K.StmtExpr:  # (`({ ...; s += x; })`: its value)
        return False
    if parent.kind == K.FOR_STMT:
        return child is not parent.children[-1] or starts_statement(child, parent)
    return starts_statement(child, parent)


UPDATE_KINDS = (K.IF_STMT, K.COMPOUND_ASSIGNMENT_OPERATOR, K.UNARY_OPERATOR, K.BINARY_OPERATOR)


def _spelled(node: Node, target) -> Node:
    """The expression under its parentheses, implicit conversions and casts to `target`'s own type: a
    cast to another type stays (`x = (unsigned char)(x + a[i])` keeps each step's value modulo 256,
    which a reduction's sum of the steps would not)."""
    node = bare(node)
    while node.kind in EXPLICIT_CASTS and node.expressions and \
            node.cursor.type.get_canonical() == target.get_canonical():
        node = bare(node.expressions[-1])
    return node


def _harmless(node: Node) -> bool:
    """Whether evaluating `node` where the serial loop would not (`ok = ok && E` skips E once ok is
    0, a reduction's copy does not) does nothing the program could see: no division or remainder
    by other than a constant (a trap), no call, no element reached through an index read from memory
    or a pointer loaded from it (an element the serial loop never reads may not exist)."""
    for n in node.walk():
        if n.kind in (K.CALL_EXPR, K.CXX_NEW_EXPR, K.CXX_DELETE_EXPR, K.StmtExpr):
            return False
        if n.kind in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR) and n.binary_op in ("/", "%", "/=", "%="):
            if evaluate_int(strip(expression_children(n)[-1])) in (None, 0):
                return False
        if n.kind == K.ARRAY_SUBSCRIPT_EXPR or n.kind == K.UNARY_OPERATOR and n.unary_op == "*":
            inner = [m for c in expression_children(n) for m in c.walk()]
            if any((m.kind in (K.ARRAY_SUBSCRIPT_EXPR, K.MEMBER_REF_EXPR) or m.kind == K.UNARY_OPERATOR
                    and m.unary_op == "*") and m.type_kind not in ARRAY_TYPES for m in inner):
                return False  # (`a[i][j]` of a 2-D array loads nothing on the way to its element)
    return True


def update_candidate(node: Node) -> bool:
    """A node Reductions.scan looks at: an `if`, or an assignment or increment whose value is dropped
    (`out[n++] = x` uses the value of the update: no reduction)."""
    kind = node.kind
    if kind not in UPDATE_KINDS:
        return False
    return kind == K.IF_STMT or _value_unused(node)


class Reductions:
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

    def scan(self, nodes: list[Node]) -> None:
        """Claims the updates among `nodes` (a subtree in pre-order, or its update_candidate nodes)."""
        for node in nodes:
            if not update_candidate(node):
                continue
            kind = node.kind
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
        target = strip(lhs).cursor.type
        value = _spelled(rhs, target)
        if value.kind == K.BINARY_OPERATOR and value.binary_op in (*_BINARY_OPS, "-"):
            a, b = expression_children(value)
            op = value.binary_op
            if self._key(a) == key and _spelled(a, target).kind == K.DECL_REF_EXPR and not self._mentions(b, key) \
                    and (op not in ("&&", "||") or _harmless(b)):  # (the serial loop may skip b)
                self._claim(key, ReductionOp.ADD if op == "-" else _BINARY_OPS[op],
                            self._refs(lhs, key) | self._refs(a, key), (value, target))
            elif op != "-" and self._key(b) == key and _spelled(b, target).kind == K.DECL_REF_EXPR \
                    and not self._mentions(a, key):
                self._claim(key, _BINARY_OPS[op], self._refs(lhs, key) | self._refs(b, key), (value, target))
        elif value.kind == K.CONDITIONAL_OPERATOR and len(value.children) == 3:
            cond, yes, no = value.children
            op = self._min_max(cond, key, yes, no)
            if op is not None:
                chosen = [x for x in (yes, no) if not (strip(x).kind == K.DECL_REF_EXPR and self._key(x) == key)]
                self._claim(key, op, self._refs(lhs, key) | self._refs(value, key), (value, target),
                            *[(x, target) for x in chosen], (strip(self._compared(cond, key)), target))
        elif value.kind == K.CALL_EXPR:
            name = value.cursor.spelling
            args = call_arguments(value)
            # (the library's own: a program's `max` may do anything, `mag::max` pick by magnitude)
            if name in _MAX_FUNCTIONS | _MIN_FUNCTIONS and len(args) == 2 and declared_by_the_system(value):
                a, b = args
                mine = [x for x in (a, b) if _spelled(x, target).kind == K.DECL_REF_EXPR and self._key(x) == key]
                other = [x for x in (a, b) if x not in mine]
                if len(mine) == 1 and len(other) == 1 and not self._mentions(other[0], key):
                    op = ReductionOp.MAX if name in _MAX_FUNCTIONS else ReductionOp.MIN
                    self._claim(key, op, self._refs(lhs, key) | self._refs(mine[0], key),
                                (value, target), (other[0], other[0].cursor.type),
                                (mine[0], mine[0].cursor.type))

    def _min_max(self, cond: Node, key: tuple, chosen: Node, other: Node) -> Optional[ReductionOp]:
        """`x > m` choosing `chosen` when true: MAX if it picks the larger, MIN if the smaller."""
        cond = strip(cond)
        if cond.kind != K.BINARY_OPERATOR or cond.binary_op not in ("<", "<=", ">", ">="):
            return None
        left, right = expression_children(cond)
        larger, smaller = (left, right) if cond.binary_op in (">", ">=") else (right, left)
        # casts the source spells are part of the value: `(signed char)a[i] > m` compares another
        # value than the `a[i]` it stores, and `m = (signed char)a[i]` stores another than it compares
        is_m = lambda n: bare(n).kind == K.DECL_REF_EXPR and self._key(n) == key  # noqa: E731
        if is_m(larger) == is_m(smaller):
            return None
        x = smaller if is_m(larger) else larger
        if self._mentions(x, key):
            return None
        if other is not None:  # `c ? chosen : other`: one is m, the other the x compared
            if is_m(chosen) == is_m(other) or not self._same(other if is_m(chosen) else chosen, x):
                return None
        elif is_m(chosen) or not self._same(chosen, x):
            return None
        # (by the tree: a MIN macro's operands all have the macro call's text, which took every
        # `MIN(m, x)` for a max)
        picked_larger = is_m(chosen) == is_m(larger)
        return ReductionOp.MAX if picked_larger else ReductionOp.MIN

    def _same(self, a: Node, b: Node) -> bool:
        return same_value(self.source, a, b, self._key)

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
        x = self._compared(cond, key)
        if not self._same(x, rhs) or self._mentions(rhs, key):
            return
        self._claim(key, op, self._refs(lhs, key) | self._refs(cond, key), (rhs, strip(lhs).cursor.type),
                    (strip(x), strip(lhs).cursor.type))

    def _compared(self, cond: Node, key: tuple) -> Node:
        """The operand a min/max condition compares with the variable. The variable must hold its value
        under its casts too (stripped), whatever conversion the stored copy spells (`m = x > m ?
        (unsigned char)x : m` compares the int x; in C++ the conditional's type is then unsigned char,
        so no implicit conversion shows)."""
        left, right = expression_children(strip(cond))
        return right if bare(left).kind == K.DECL_REF_EXPR and self._key(left) == key else left

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
            if best_key not in by_lhs or not same_value(source, by_lhs[best_key], x, key_of):
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
            if not (is_scalar_decl(best_decl) and is_scalar_decl(at_decl)):
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
