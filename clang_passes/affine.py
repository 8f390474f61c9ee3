"""Affine expressions from the AST, and which names may appear in them.

A name is usable in an affine expression of code inside a loop nest when it is
- the induction variable of an enclosing canonical loop that nothing but its own header assigns, or
- a symbol: an integer variable that nothing inside the nest assigns (nor can assign through its address
  or an opaque call, for globals), or that only the nest's code outside the innermost loop around the
  expression assigns (or declares) by name: it is fixed while that loop runs. The dependence stage treats
  every name a loop writes or declares as variant in that loop's own analysis, so the outer loops that do
  change it never take it for a parameter.
"""

from __future__ import annotations

import re
from typing import Optional

from clang.cindex import CursorKind as K, StorageClass

from autopar.ir import AffineExpr
from clang_passes.ast import (FUNCTION_KINDS, INTEGER_TYPES, LOOP_KINDS, TRANSPARENT, UNSIGNED_TYPES, Node, Source,
                              evaluate_int, expression_children, stored_operand, strip, variable_decl)
from clang_passes.variables import Variables, is_integer_decl

_INT_LITERAL = re.compile(r"^(0[xX][0-9a-fA-F']+|0[bB][01']+|0[0-7']*|[1-9][0-9']*)[uUlLzZ]*$")


def integer_literal(text: str) -> Optional[int]:
    m = _INT_LITERAL.match(text.strip())
    if not m:
        return None
    digits = m.group(1).replace("'", "")
    if digits.lower().startswith("0x"):
        return int(digits, 16)
    if digits.lower().startswith("0b"):
        return int(digits[2:], 2)
    if len(digits) > 1 and digits.startswith("0"):
        return int(digits, 8)
    return int(digits)


class Scope:
    """Decides, for one point in a nest, what each variable is: an induction variable, a symbol, or
    neither (with the reason)."""

    def __init__(self, nest: "NestFacts", enclosing: list[tuple[Node, tuple, str]],
                 innermost: Optional[Node] = None):
        self.nest = nest
        self.enclosing = enclosing  # (loop node, iv key, iv name) of enclosing canonical loops, outermost first
        self.innermost = innermost  # the innermost loop around the point, canonical or not

    def fixed_in_innermost(self, decl) -> bool:
        """An integer variable that the innermost loop around the point neither assigns nor declares, and
        that changes in the nest only by name (no reference, pointer or call may change it)."""
        loop = self.innermost
        key = Variables.key(decl)
        if loop is None or not is_integer_decl(decl) or key in self.nest.through_reference:
            return False
        if self.nest.may_change_indirectly(key, decl):
            return False
        # a declaration inside the loop (a new object every iteration) is among the writes
        return not any(loop.start <= w.start < loop.end for w in self.nest.all_writes.get(key, []))

    def classify(self, decl) -> tuple[str, str]:
        """('iv'|'symbol'|'value'|'written'|'changed'|'other', name)"""
        key = Variables.key(decl)
        name = decl.spelling
        for loop, iv_key, _ in reversed(self.enclosing):
            if iv_key == key:
                body_writes = self.nest.body_writes.get(key, [])
                if any(loop.start <= w.start < loop.end for w in body_writes):
                    return "written", name
                return "iv", name
        if key in self.nest.constants:
            return "value", name  # declared in the nest from an expression and never assigned again
        if key in self.nest.any_writes:
            return ("symbol" if self.fixed_in_innermost(decl) else "written"), name
        if self.nest.is_written(key, decl):
            return "changed", name
        if not is_integer_decl(decl):
            return "other", name
        return "symbol", name


CHAR_TYPES = {"char", "signed char", "unsigned char", "std::byte"}  # may alias an object of any type


class NestFacts:
    """What a loop nest assigns, computed once per outermost loop.

    Besides direct assignments: an address-taken local or a global may change through a pointer write
    of its type (or of char), through a reference, or inside a call that is not known to leave it alone.
    """

    def __init__(self, root: Node, header_writes: set[int], address_taken_in_function: set[tuple],
                 opaque_calls: bool, references: dict[tuple, Optional[Node]]):
        self.root = root
        self.body_writes: dict[tuple, list[Node]] = {}  # key -> writing nodes, canonical headers excluded
        self.any_writes: set[tuple] = set()
        self.all_writes: dict[tuple, list[Node]] = {}  # key -> writing nodes and declarations, headers included
        self.through_reference: set[tuple] = set()  # variables assigned through a reference bound to them
        self.address_taken_in_function = address_taken_in_function
        self.opaque_calls = opaque_calls
        self.memory_write_types: set[str] = set()  # canonical types written through pointers, arrays, members
        # integer locals declared in the nest with an initializer and never assigned again: stand-ins
        # for that expression (`int row = i * n; a[row + j]`); scope_at gives the scope of a declaration
        self.constants: dict[tuple, Node] = {}
        self.scope_at = None
        assigned: set[tuple] = set()
        for node in root.walk():
            written: list[tuple] = []
            stored = stored_operand(node)
            if stored is not None and strip(stored).kind != K.DECL_REF_EXPR:
                self.memory_write_types.add(strip(stored).cursor.type.get_canonical().spelling)
            if node.kind == K.VAR_DECL:
                key = Variables.key(node.cursor)
                written.append(key)
                if node is not root and expression_children(node) and is_integer_decl(node.cursor) \
                        and node.cursor.storage_class != StorageClass.STATIC:
                    self.constants[key] = node
            for target in written_decl_refs(node):
                decl = target.cursor.referenced
                if decl is None:
                    continue
                key = Variables.key(decl)
                assigned.add(key)
                written.append(key)
                if key in references:  # writing a reference writes what it is bound to
                    bound = references[key]
                    bound_decl = variable_decl(strip(bound)) if bound is not None else None
                    if bound_decl is not None:
                        written.append(Variables.key(bound_decl))
                        self.through_reference.add(Variables.key(bound_decl))
                    else:
                        self.memory_write_types.add(decl.type.get_pointee().get_canonical().spelling)
            for key in written:
                self.any_writes.add(key)
                self.all_writes.setdefault(key, []).append(node)
                if node.index not in header_writes:
                    self.body_writes.setdefault(key, []).append(node)
        for key in assigned:
            self.constants.pop(key, None)
        self.assigned = assigned  # variables the nest assigns by name (declarations not counted)

    def is_written(self, key: tuple, decl) -> bool:
        return key in self.any_writes or self.may_change_indirectly(key, decl)

    def may_change_indirectly(self, key: tuple, decl) -> bool:
        """A global or address-taken variable that a pointer write or an opaque call may change."""
        parent = decl.semantic_parent
        is_global = parent is None or parent.kind not in FUNCTION_KINDS or decl.storage_class in (
            StorageClass.STATIC, StorageClass.EXTERN)
        if not (is_global or key in self.address_taken_in_function):
            return False  # a local whose address never escapes changes only by assignment
        own = decl.type.get_canonical().spelling
        through_memory = own in self.memory_write_types or bool(self.memory_write_types & CHAR_TYPES)
        return self.opaque_calls or through_memory


def written_decl_refs(node: Node) -> list[Node]:
    """DECL_REF_EXPRs that `node` assigns directly (=, op=, ++, --, &x)."""
    target = stored_operand(node)
    if target is None and node.unary_op == "&":
        children = expression_children(node)
        target = children[0] if children else None
    if target is not None:
        target = strip(target)
        if target.kind == K.DECL_REF_EXPR:
            return [target]
    return []


class AffineBuilder:
    def __init__(self, source: Source):
        self.source = source
        self._expanding: set[tuple] = set()

    def build(self, node: Node, scope: Optional[Scope]) -> tuple[Optional[AffineExpr], Optional[str]]:
        """The affine form of an integer expression, or (None, reason)."""
        try:
            terms = self._terms(node, scope)
        except _NotAffine as why:
            return None, str(why)
        constant = terms.pop("", 0)
        return AffineExpr(coefficients={m: c for m, c in sorted(terms.items()) if c}, constant=constant), None

    def _terms(self, node: Node, scope: Optional[Scope]) -> dict[str, int]:
        node = _strip_exact(node, self.source)
        kind = node.kind
        text = _Text(self.source, node)  # spelled only for a message or a literal: most nodes need neither
        if kind == K.INTEGER_LITERAL:
            value = integer_literal(str(text))
            if value is None:  # spelled through a macro
                value = evaluate_int(node)
            if value is None:
                raise _NotAffine(f"non-affine expression {text}")
            return {"": value}
        if kind == K.CHARACTER_LITERAL or kind == K.FLOATING_LITERAL:
            raise _NotAffine(f"non-affine expression {text}")
        if kind == K.DECL_REF_EXPR:
            return self._reference_terms(node, scope, text)
        if kind == K.ARRAY_SUBSCRIPT_EXPR:
            raise _NotAffine(f"indirect subscript {text}")
        if kind == K.CALL_EXPR:
            size = self._container_size(node, scope)
            if size is not None:  # `v.size()` of a container the nest cannot resize: a parameter
                return {size: 1}
            raise _NotAffine("function call in subscript")
        if kind == K.MEMBER_REF_EXPR:
            member = self._invariant_member(node, scope)
            if member is not None:  # `v->len`, `s.n` that nothing in the nest can write: a parameter
                return {member: 1}
            raise _NotAffine(f"subscript uses the member {text}")
        if kind == K.CONDITIONAL_OPERATOR or (kind == K.BINARY_OPERATOR and node.binary_op in ("/", "%")):
            if not any(n.kind == K.DECL_REF_EXPR for n in node.walk()):
                value = evaluate_int(node)  # `M / 2` of a macro constant
                if value is not None:
                    return {"": value}
            opaque = self._invariant_expression(node, scope)
            if opaque is not None:  # `n / 2`, `floord(n - 1, 32)`, `(n < m ? n : m)` of the nest's parameters
                return {opaque: 1}
        if kind == K.UNARY_OPERATOR:
            return self._unary_terms(node, scope, text)
        if kind == K.BINARY_OPERATOR:
            return self._binary_terms(node, scope, text)
        if kind == K.CXX_UNARY_EXPR:  # sizeof, alignof
            value = evaluate_int(node)
            if value is not None:
                return {"": value}
        if kind in (K.UNEXPOSED_EXPR, K.CXX_BOOL_LITERAL_EXPR):
            raise _NotAffine(f"non-affine expression {text}")
        raise _NotAffine(f"non-affine subscript {text}")

    def _reference_terms(self, node: Node, scope: Optional[Scope], text) -> dict[str, int]:
        """A name in a subscript: a loop variable, a parameter, or a local whose value is known."""
        decl = node.cursor.referenced
        if decl is not None and decl.kind == K.ENUM_CONSTANT_DECL:
            return {"": decl.enum_value}
        if decl is None or decl.kind not in (K.VAR_DECL, K.PARM_DECL):
            raise _NotAffine(f"non-affine expression {text}")
        if scope is None:
            if not is_integer_decl(decl):
                raise _NotAffine(f"{decl.spelling} is not an integer")
            return {decl.spelling: 1}
        what, name = scope.classify(decl)
        if what in ("written", "symbol") and Variables.key(decl) in scope.nest.any_writes:
            # `i = 1; f[i][j]`, `k1 = k + 1; r[m][k1]`: the definition that reaches this use in
            # the same iteration, when there is exactly one
            value = self._reaching_value(node, decl, scope)
            if value is not None:
                return value
        if what in ("iv", "symbol"):
            return {name: 1}
        if what == "value":
            try:
                return self._value_of(decl, scope, name)
            except _NotAffine:
                if scope.fixed_in_innermost(decl):  # `int half = len / 2;` before the loop
                    return {name: 1}
                raise
        if what == "written":
            raise _NotAffine(f"subscript uses {name}, which the loop writes")
        if what == "changed":
            raise _NotAffine(f"subscript uses {name}, which the loop may change through a pointer or a call")
        raise _NotAffine(f"{name} is not an integer")

    def _unary_terms(self, node: Node, scope: Optional[Scope], text) -> dict[str, int]:
        op = node.unary_op
        operand = expression_children(node)
        if op == "-" and operand:
            return {m: -c for m, c in self._terms(operand[0], scope).items()}
        if op == "+" and operand:
            return self._terms(operand[0], scope)
        if op == "*":
            raise _NotAffine(f"indirect subscript {text}")
        raise _NotAffine(f"non-affine expression {text}")

    def _binary_terms(self, node: Node, scope: Optional[Scope], text) -> dict[str, int]:
        op = node.binary_op
        operands = expression_children(node)
        if len(operands) != 2:
            raise _NotAffine(f"non-affine expression {text}")
        if op in ("+", "-"):
            left = self._terms(operands[0], scope)
            right = self._terms(operands[1], scope)
            sign = 1 if op == "+" else -1
            for m, c in right.items():
                left[m] = left.get(m, 0) + sign * c
            return left
        if op == "*":
            return self._product(self._terms(operands[0], scope), self._terms(operands[1], scope), text, scope)
        if op == "<<":
            left = self._terms(operands[0], scope)
            shift = self._terms(operands[1], scope)
            if set(shift) - {""} or not 0 <= shift.get("", 0) < 63:
                raise _NotAffine(f"non-linear subscript {text}")
            return {m: c << shift.get("", 0) for m, c in left.items()}
        raise _NotAffine(f"non-affine subscript {text}")

    def _value_of(self, decl, scope: Scope, name: str) -> dict[str, int]:
        """The affine form of a local's initializer, read in the scope of its declaration."""
        key = Variables.key(decl)
        node = scope.nest.constants[key]
        if key in self._expanding or scope.nest.scope_at is None:
            raise _NotAffine(f"subscript uses {name}, which the loop writes")
        self._expanding.add(key)
        try:
            return self._terms(expression_children(node)[-1], scope.nest.scope_at(node))
        finally:
            self._expanding.discard(key)

    def pieces(self, node: Node, scope: Optional[Scope], kind: str) -> Optional[list[AffineExpr]]:
        """A bound that is the `kind` ("min" or "max") of affine expressions, as those expressions:
        `(a < b ? a : b)` (also from a `min` macro) nested to any depth; a plain affine expression is
        one piece. None when it is neither."""
        node = strip(node)
        if node.kind == K.CONDITIONAL_OPERATOR:
            parts = expression_children(node)
            cond = strip(parts[0]) if len(parts) == 3 else None
            if cond is not None and cond.kind == K.BINARY_OPERATOR and cond.binary_op in ("<", "<=", ">", ">="):
                sides = expression_children(cond)
                l, r = (self.build(sides[0], scope)[0], self.build(sides[1], scope)[0]) if len(sides) == 2 \
                    else (None, None)
                x, y = self.build(parts[1], scope)[0], self.build(parts[2], scope)[0]
                less = cond.binary_op in ("<", "<=")
                picked = None
                if None not in (l, r) and l == x and r == y:
                    picked = "min" if less else "max"
                elif None not in (l, r) and l == y and r == x:
                    picked = "max" if less else "min"
                if picked == kind:
                    first, second = self.pieces(parts[1], scope, kind), self.pieces(parts[2], scope, kind)
                    if first is not None and second is not None:
                        return first + second
        value, _ = self.build(node, scope)
        return [value] if value is not None else None

    def _invariant_names(self, node: Node, scope: Optional[Scope]) -> bool:
        """Every variable `node` reads is an integer that nothing in the nest can change, and it has no
        side effect, call or memory read: its value is the same wherever the nest evaluates it."""
        if scope is None:
            return False
        for n in node.walk():
            kind = n.kind
            if kind in (K.CALL_EXPR, K.ARRAY_SUBSCRIPT_EXPR, K.MEMBER_REF_EXPR, K.COMPOUND_STMT,
                        K.LAMBDA_EXPR) or \
                    n.unary_op in ("*", "&", "++", "--") or stored_operand(n) is not None:
                return False
            if kind == K.DECL_REF_EXPR:
                decl = n.cursor.referenced
                if decl is not None and decl.kind == K.ENUM_CONSTANT_DECL:
                    continue
                if decl is None or decl.kind not in (K.VAR_DECL, K.PARM_DECL) or not is_integer_decl(decl):
                    return False
                key = Variables.key(decl)
                if key in scope.nest.any_writes or scope.nest.may_change_indirectly(key, decl) or \
                        key in scope.nest.through_reference or scope.classify(decl)[0] != "symbol":
                    return False
        return True

    def _invariant_expression(self, node: Node, scope: Optional[Scope]) -> Optional[str]:
        """The C text of an integer expression of the nest's parameters that is not affine (a division,
        a remainder, a conditional), as the name of one more parameter: the same text is the same
        value everywhere in the nest. None when it reads anything the nest may change."""
        if not self._invariant_names(node, scope):
            return None
        text = "".join(self.source.text_of(node).split())
        if not text or "*" in text:  # a product would read as a monomial of two names
            return None
        return f"({text})"

    def _invariant_member(self, node: Node, scope: Optional[Scope]) -> Optional[str]:
        """`v->len`, `s.n`, `p->dims.n`: an integer member of a variable that the nest neither assigns
        nor may write through memory of the member's type or a call, as a parameter name."""
        if scope is None or not is_integer_decl(node.cursor):
            return None
        nest = scope.nest
        member_type = node.cursor.type.get_canonical().spelling
        if nest.opaque_calls or member_type in nest.memory_write_types or nest.memory_write_types & CHAR_TYPES:
            return None
        path = []
        current = node
        while current.kind == K.MEMBER_REF_EXPR:
            children = expression_children(current)
            if len(children) != 1:
                return None
            base = strip(children[0])
            arrow = base.cursor.type.get_canonical().kind.name == "POINTER"
            path.insert(0, ("->" if arrow else ".") + current.cursor.spelling)
            current = base
        if current.kind != K.DECL_REF_EXPR:
            return None
        decl = current.cursor.referenced
        if decl is None or decl.kind not in (K.VAR_DECL, K.PARM_DECL):
            return None
        key = Variables.key(decl)
        if key in nest.any_writes or key in nest.through_reference or nest.may_change_indirectly(key, decl):
            return None
        if _calls_that_may_write(nest.root):
            return None
        return decl.spelling + "".join(path)

    def _container_size(self, node: Node, scope: Optional[Scope]) -> Optional[str]:
        from clang_passes.containers import container_call, fixed_size

        found = container_call(node, scope.nest.root) if scope is not None else None
        if scope is None or found is None or found[0] != "size" or found[2]:
            return None
        decl = found[1]
        key = Variables.key(decl)
        nest = scope.nest
        if key in nest.any_writes or key in nest.through_reference or not fixed_size(nest.root, decl):
            return None
        return f"{decl.spelling}.size()"

    def _reaching_value(self, use: Node, decl, scope: Scope) -> Optional[dict[str, int]]:
        """Forward substitution: the affine value of a local integer scalar at `use`, from the one plain
        definition (`x = e;` or `int x = e;`) that dominates the use within an iteration of every loop
        around it, with no other write of the scalar on the way: found by walking up from the use,
        looking at the statements before it in each block. A loop on the way that writes the scalar
        anywhere (a value from an earlier iteration), a write beside the use in the same expression or
        condition, or a label, case or switch on the way (a jump past the definition) gives None.
        The definition's operands are read in its own scope, so a name that the loop around the
        definition changes is not affine there; nothing between the definition and the use (inside
        that loop, in the same iteration) can change the names that are affine there."""
        nest = scope.nest
        key = Variables.key(decl)
        if nest.scope_at is None or key in self._expanding or not _plain_local(decl) \
                or key in nest.through_reference or key in nest.address_taken_in_function \
                or _has_labels(nest.root):
            return None
        writes = nest.all_writes.get(key, [])
        child = use
        for parent in use.ancestors():
            kind = parent.kind
            if kind in _JUMP_TARGETS or kind == K.SWITCH_STMT:
                return None
            inside = [w for w in writes if w is parent or parent.contains(w)]
            if kind == K.COMPOUND_STMT:
                position = next(k for k, c in enumerate(parent.children) if c is child)
                for sibling in reversed(parent.children[:position]):
                    if sibling.kind in _JUMP_TARGETS:
                        return None
                    hits = [w for w in inside if w is sibling or sibling.contains(w)]
                    if not hits:
                        continue
                    definition = _definition(sibling, key)
                    if definition is None or len(hits) != 1:
                        return None
                    value, where = definition
                    self._expanding.add(key)
                    try:
                        return self._terms(value, nest.scope_at(where))
                    except _NotAffine:
                        return None
                    finally:
                        self._expanding.discard(key)
            elif kind in LOOP_KINDS:
                if inside:  # the value may come from an earlier iteration
                    return None
            elif any(not (w is child or child.contains(w)) for w in inside):
                return None
            if parent is nest.root:
                return None
            child = parent
        return None

    @staticmethod
    def _product(left: dict[str, int], right: dict[str, int], text: str, scope: Optional[Scope]) -> dict[str, int]:
        ivs = {iv for _, _, iv in scope.enclosing} if scope else set()
        out: dict[str, int] = {}
        for m1, c1 in left.items():
            for m2, c2 in right.items():
                names = (m1.split("*") if m1 else []) + (m2.split("*") if m2 else [])
                if len([n for n in names if n in ivs]) > 1:  # i*i, i*j: not affine in the loop indices
                    raise _NotAffine(f"non-linear subscript {text}")
                monomial = "*".join(sorted(names))
                out[monomial] = out.get(monomial, 0) + c1 * c2
        return out


class _NotAffine(Exception):
    pass


_JUMP_TARGETS = {K.LABEL_STMT, K.CASE_STMT, K.DEFAULT_STMT}
# types whose value is the affine value of the definition (no narrowing of a small type)
_WIDE_INTEGERS = {"int", "long", "long long", "unsigned int", "unsigned long", "unsigned long long"}


def _plain_local(decl) -> bool:
    """A non-static local integer of at least int width: it changes only by assignment."""
    parent = decl.semantic_parent
    return parent is not None and parent.kind in FUNCTION_KINDS and \
        decl.storage_class not in (StorageClass.STATIC, StorageClass.EXTERN) and \
        decl.type.get_canonical().spelling in _WIDE_INTEGERS


def _calls_that_may_write(root: Node) -> bool:
    """A call in the nest other than one of a system header's functions with no pointer argument
    (`sqrt(x)`): it might write any memory it can reach."""
    for n in root.walk():
        if n.kind != K.CALL_EXPR:
            continue
        callee = n.cursor.referenced
        if callee is None or not callee.location.is_in_system_header:
            return True
        if any(a.type.get_canonical().kind.name in ("POINTER", "LVALUEREFERENCE") for a in n.cursor.get_arguments()):
            return True
    return False


def _has_labels(root: Node) -> bool:
    return any(n.kind == K.LABEL_STMT for n in root.walk())


def _definition(statement: Node, key: tuple) -> Optional[tuple[Node, Node]]:
    """(value, node) of `x = value;` or `int x = value;` when `statement` is exactly that for `key`."""
    if statement.kind == K.BINARY_OPERATOR and statement.binary_op == "=":
        operands = expression_children(statement)
        target = strip(operands[0]) if len(operands) == 2 else None
        if target is not None and target.kind == K.DECL_REF_EXPR and target.cursor.referenced is not None \
                and Variables.key(target.cursor.referenced) == key:
            return operands[1], statement
        return None
    if statement.kind == K.DECL_STMT and len(statement.children) == 1:
        var = statement.children[0]
        values = expression_children(var)
        if var.kind == K.VAR_DECL and Variables.key(var.cursor) == key and values:
            return values[-1], var
    return None


class _Text:
    """The source text of a node, read when it is first formatted."""

    __slots__ = ("source", "node", "_text")

    def __init__(self, source: Source, node: Node):
        self.source, self.node, self._text = source, node, None

    def __str__(self) -> str:
        if self._text is None:
            self._text = self.source.text_of(self.node)
        return self._text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _strip_exact(node: Node, source: Source) -> Node:
    """`strip`, but a conversion (explicit or implicit) to an integer type narrower than 32 bits that may
    change the value (`(unsigned char)i`, `short s = i;`) is not affine: `a[(unsigned char)i]` for
    i < 1000 touches a[0] four times, while the affine model `a[i]` would see four distinct elements.
    Wider conversions keep the model: isl's parameters are unbounded, and an array index beyond 2^31
    is out of any array here."""
    while node.kind in TRANSPARENT and node.children:
        expressions = [c for c in node.children if c.is_expression]
        if not expressions:
            break
        inner = expressions[-1]
        if node.kind != K.PAREN_EXPR and _narrows(inner.cursor.type, node.cursor.type) and \
                not _literal_fits(inner, node.cursor.type, source):
            raise _NotAffine(f"narrowing conversion in {source.text_of(node)}")
        node = inner
    return node


def _literal_fits(node: Node, target_type, source: Source) -> bool:
    """An integer literal whose value the narrow type holds (`short i = 0`): the conversion keeps it."""
    value = integer_literal(source.text_of(strip(node)))
    t = target_type.get_canonical()
    bits = 8 * t.get_size()
    if value is None or bits <= 0:
        return False
    low, high = (0, 2 ** bits - 1) if t.kind in UNSIGNED_TYPES else (-2 ** (bits - 1), 2 ** (bits - 1) - 1)
    return low <= value <= high


def _narrows(source_type, target_type) -> bool:
    s, t = source_type.get_canonical(), target_type.get_canonical()
    if t.kind not in INTEGER_TYPES or s.kind not in INTEGER_TYPES or t.kind == s.kind:
        return False
    t_bits, s_bits = 8 * t.get_size(), 8 * s.get_size()
    if t_bits <= 0 or s_bits <= 0 or t_bits >= 32:
        return False
    s_unsigned, t_unsigned = s.kind in UNSIGNED_TYPES, t.kind in UNSIGNED_TYPES
    if s_unsigned == t_unsigned:
        return s_bits > t_bits
    return not (s_unsigned and s_bits < t_bits)
