"""Affine expressions from the AST: an integer expression as an AffineExpr over induction variables
and symbols, or the reason it is not one.

Takes an expression node and the Scope of the point where it is (nest_facts says which names may appear);
gives its AffineExpr, forward-substituting a local's single reaching definition, or (None, reason).
"""

from __future__ import annotations

import re
from typing import Optional

from clang.cindex import CursorKind as K, StorageClass, Type

from autopar.ir import AffineExpr
from autopar.frontend.ast import (FUNCTION_KINDS, INTEGER_TYPES, LOOP_KINDS, TRANSPARENT, UNSIGNED_TYPES, Node, Source,
                              evaluate_int, expression_children, integer_range, referenced, strip, variable_decl)
from autopar.frontend.variables import Variables, is_integer_decl
from autopar.frontend.nest_facts import Scope, compact_text, container_size, invariant_element, invariant_expression, invariant_member
from autopar.frontend.wraparound import (EXACT, SMALL, Walk, exact_zones, held_throughout, large_terms_wrap,
                                         type_range, variable_terms_wrap)

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


class AffineBuilder:
    def __init__(self, source: Source):
        self.source = source
        self.cplusplus = False  # C++: names may be qualified (`::n`, `ns::m`)
        self._expanding: set[tuple] = set()
        # a linear counter's references in subscripts (by node id): their terms (autopar.frontend.linear)
        self.linear_refs: dict[int, dict[str, int]] = {}
        # variables whose value is their constant initializer wherever they are read (autopar.frontend.constant_locals)
        self.constant_values: dict[tuple, int] = {}
        # the names in the expression being built, each with its C types and loop walks: their values
        # are worked out only where a value may wrap (_name_ranges), not for every name of every subscript
        self._names: dict[str, list[tuple[Type, Optional[Walk]]]] = {}
        # the expression being built must not wrap (wraparound's INDEX, BOUND or EXACT, or None); and
        # the loops whose walks may prove it: those of a subscript that runs on every iteration of its loops
        self._wrap: Optional[str] = None
        self._walks: dict[str, Walk] = {}

    def build(self, node: Node, scope: Optional[Scope], wrap: Optional[str] = None,
              every_iteration: bool = False) -> tuple[Optional[AffineExpr], Optional[str]]:
        """The affine form of an integer expression, or (None, reason). `wrap`: a value that may wrap
        around in its unsigned or narrow type where that matters is not affine (wraparound's INDEX for
        a subscript, BOUND for a loop's end, EXACT for its start); `every_iteration`: the subscript
        indexes on every iteration of the loops around it (no branch, no `continue`, no loop on the
        way that may not run), so their walks count. The state is per call, restored after it, so a
        call inside another cannot change the outer one's check."""
        saved = self._wrap, self._walks, self._names
        self._wrap, self._names = wrap, {}
        self._walks = dict(scope.walks) if scope is not None and every_iteration else {}
        try:
            terms = self._terms(node, scope)
        except _NotAffine as why:
            return None, str(why)
        finally:
            self._wrap, self._walks, self._names = saved
        constant = terms.pop("", 0)
        return AffineExpr(coefficients={m: c for m, c in sorted(terms.items()) if c}, constant=constant), None

    def _terms(self, node: Node, scope: Optional[Scope], operand_of: Optional[Node] = None) -> dict[str, int]:
        """The terms of a node; `operand_of`: the +, -, * or << whose operand it is, or the name whose
        definition it is (None: the whole expression)."""
        chain = _strip_exact(node, self.source)
        terms = self._value_terms(chain[-1], scope)
        if any(not -SMALL < c < SMALL for c in terms.values()):  # rare: only then are the types asked
            if large_terms_wrap(chain, terms):
                raise _NotAffine(f"{self.source.text_of(chain[0])} may wrap around in its unsigned or narrow type")
        elif self._wrap and not set(terms) - {""}:
            # (a loop's constant start out of its type's range is refused with the loop: loop_header)
            if operand_of is not None and not held_throughout(_asked_of(chain, operand_of), terms.get("", 0)):
                raise _NotAffine(f"{self.source.text_of(chain[0])} wraps around in its unsigned or narrow type")
        elif self._wrap:
            mode = self._wrap if operand_of is None else EXACT
            zones = exact_zones(_asked_of(chain, operand_of), slack=mode != EXACT)
            why = zones and variable_terms_wrap(zones, terms, self._name_ranges(), self._walks, mode)
            if why:
                converted = self._converted_parameter(chain, terms, scope)
                if converted is not None:
                    return converted
                raise _NotAffine(f"{self.source.text_of(chain[0])} may wrap around in its unsigned or narrow "
                                 f"type ({why})")
        return terms

    def _converted_parameter(self, chain: list[Node], terms: dict[str, int],
                             scope: Optional[Scope]) -> Optional[dict[str, int]]:
        """`(int)v.size()`, `static_cast<int>(n)`: a conversion of a name the nest cannot change is a value
        it cannot change either: one more parameter, named by its text (its value may differ from the name's)."""
        inner, decl = chain[-1], variable_decl(chain[-1])
        if scope is None or len(chain) < 2 or len(terms) != 1 or "" in terms or 1 not in terms.values() or \
                chain[0].type_kind not in INTEGER_TYPES:
            return None
        if inner.kind == K.DECL_REF_EXPR and (decl is None or scope.classify(decl)[0] != "symbol"):
            return None  # a loop variable, or a name the nest writes
        if inner.kind not in (K.DECL_REF_EXPR, K.CALL_EXPR, K.MEMBER_REF_EXPR):
            return None  # (a call or member here is one _value_terms named: `v.size()`, `s.n`)
        text = compact_text(self.source.text_of(chain[0]))
        if chain[0].kind == K.UNEXPOSED_EXPR:  # an implicit conversion: its value is the converted one
            text = f"({compact_text(chain[0].cursor.type.spelling)})({text})"
        if not text or "*" in text:  # a product would read as a monomial of two names
            return None
        return self._named(f"({text})", chain[0].cursor.type)

    def _value_terms(self, node: Node, scope: Optional[Scope]) -> dict[str, int]:
        """The terms of a node below its conversions and parentheses."""
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

        if kind == K.CALL_EXPR:
            size = container_size(node, scope)
            if size is not None:  # `v.size()` of a container the nest cannot resize: a parameter
                return self._named(size, node.cursor.type)
            raise _NotAffine("function call in subscript")
        if kind in (K.MEMBER_REF_EXPR, K.ARRAY_SUBSCRIPT_EXPR):
            # `v->len`, `s.n`, `grid_points[1]` that nothing in the nest can write: a parameter
            invariant = (invariant_member if kind == K.MEMBER_REF_EXPR else invariant_element)(node, scope)
            if invariant is not None:
                return self._named(invariant, node.cursor.type)
            raise _NotAffine(f"subscript uses the member {text}" if kind == K.MEMBER_REF_EXPR else f"indirect subscript {text}")
        if kind == K.CONDITIONAL_OPERATOR or (kind == K.BINARY_OPERATOR and node.binary_op in ("/", "%")):
            if not any(n.kind == K.DECL_REF_EXPR for n in node.walk()):
                value = evaluate_int(node)  # `M / 2` of a macro constant
                if value is not None:
                    return {"": value}
            opaque = invariant_expression(node, scope, self.source)
            if opaque is not None:  # `n / 2`, `floord(n - 1, 32)`, `(n < m ? n : m)` of the nest's parameters
                return self._named(opaque, node.cursor.type)
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
        linear = self.linear_refs.get(id(node))
        if linear is not None:
            return dict(linear)
        decl = variable_decl(node)  # kept on the node, as the other passes ask for it again
        if decl is None:
            other = referenced(node)
            if other is not None and other.kind == K.ENUM_CONSTANT_DECL:
                return {"": other.enum_value}
            raise _NotAffine(f"non-affine expression {text}")
        constant = self.constant_values.get(Variables.key(decl))
        if constant is not None:  # `int len = 1000;` that nothing assigns again
            return {"": constant}
        if self.cplusplus and node.end - node.start != len(decl.spelling) and "::" in str(text):
            return self._qualified_terms(decl, scope, str(text))
        if scope is None:
            if not is_integer_decl(decl):
                raise _NotAffine(f"{decl.spelling} is not an integer")
            return self._named(decl.spelling, decl.type)
        what, name = scope.classify(decl)
        if what == "symbol" and scope.nest.shadowed(Variables.key(decl)):
            raise _NotAffine(f"{name} names another variable inside the nest too")
        if what in ("written", "symbol") and Variables.key(decl) in scope.nest.any_writes:
            # `i = 1; f[i][j]`, `k1 = k + 1; r[m][k1]`: the definition that reaches this use in
            # the same iteration, when there is exactly one
            value = self._reaching_value(node, decl, scope)
            if value is not None:
                return value
        if what in ("iv", "symbol"):
            return self._named(name, decl.type, scope.walks.get(name) if what == "iv" else None)
        if what == "value":
            try:
                return self._value_of(decl, scope, name, node)
            except _NotAffine:
                if scope.fixed_in_innermost(decl):  # `int half = len / 2;` before the loop
                    return self._named(name, decl.type)
                raise
        if what == "written":
            raise _NotAffine(f"subscript uses {name}, which the loop writes")
        if what == "changed":
            raise _NotAffine(f"subscript uses {name}, which the loop may change through a pointer or a call")
        raise _NotAffine(f"{name} is not an integer")

    def _qualified_terms(self, decl, scope: Optional[Scope], text: str) -> dict[str, int]:
        """`::n`, `ns::m`, `G::N`: named as written, for its bare name may mean another variable (a
        local `n`), or none, where a runtime check or a work threshold spells it. Only a variable the
        nest never writes: the passes that follow writes go by bare names."""
        if not is_integer_decl(decl):
            raise _NotAffine(f"{text} is not an integer")
        if scope is not None:
            key = Variables.key(decl)
            if scope.classify(decl)[0] != "symbol" or key in scope.nest.any_writes or scope.nest.shadowed(key):
                raise _NotAffine(f"subscript uses {text}, which the loop may change")
        return self._named("".join(text.split()), decl.type)

    def _named(self, name: str, ctype, walk: Optional[Walk] = None) -> dict[str, int]:
        """The term of a name (a variable, `v.size()`, `n / 2`), its type and loop walk noted for
        _name_ranges."""
        self._names.setdefault(name, []).append((ctype, walk))
        return {name: 1}

    def _name_ranges(self) -> dict[str, Optional[tuple[int, int]]]:
        """The values of the names noted so far (a name of two types holds both; None: unknown)."""
        ranges: dict[str, Optional[tuple[int, int]]] = {}
        for name, uses in self._names.items():
            held = [_use_range(ctype, walk) for ctype, walk in uses]
            ranges[name] = None if None in held else (min(h[0] for h in held), max(h[1] for h in held))
        return ranges

    def _unary_terms(self, node: Node, scope: Optional[Scope], text) -> dict[str, int]:
        op = node.unary_op
        operand = expression_children(node)
        if op == "-" and operand:
            return {m: -c for m, c in self._terms(operand[0], scope, node).items()}
        if op == "+" and operand:
            return self._terms(operand[0], scope, node)
        if op == "*":
            raise _NotAffine(f"indirect subscript {text}")
        raise _NotAffine(f"non-affine expression {text}")

    def _binary_terms(self, node: Node, scope: Optional[Scope], text) -> dict[str, int]:
        op = node.binary_op
        operands = expression_children(node)
        if len(operands) != 2:
            raise _NotAffine(f"non-affine expression {text}")
        if op in ("+", "-"):
            left = self._terms(operands[0], scope, node)
            right = self._terms(operands[1], scope, node)
            sign = 1 if op == "+" else -1
            for m, c in right.items():
                left[m] = left.get(m, 0) + sign * c
            return left
        if op == "*":
            return self._product(self._terms(operands[0], scope, node), self._terms(operands[1], scope, node),
                                 text, scope)
        if op == "<<":
            left = self._terms(operands[0], scope, node)
            shift = self._terms(operands[1], scope, node)
            if set(shift) - {""} or not 0 <= shift.get("", 0) < 63:
                raise _NotAffine(f"non-linear subscript {text}")
            return {m: c << shift.get("", 0) for m, c in left.items()}
        raise _NotAffine(f"non-affine subscript {text}")

    def _value_of(self, decl, scope: Scope, name: str, use: Node) -> dict[str, int]:
        """The affine form of a local's initializer, read in the scope of its declaration."""
        key = Variables.key(decl)
        node = scope.nest.constants[key]
        if key in self._expanding or scope.nest.scope_at is None:
            raise _NotAffine(f"subscript uses {name}, which the loop writes")
        self._expanding.add(key)
        try:
            return self._terms(expression_children(node)[-1], scope.nest.scope_at(node), use)
        finally:
            self._expanding.discard(key)

    def pieces(self, node: Node, scope: Optional[Scope], kind: str,
               wrap: Optional[str] = None) -> Optional[list[AffineExpr]]:
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
                    first, second = self.pieces(parts[1], scope, kind, wrap), self.pieces(parts[2], scope, kind, wrap)
                    if first is not None and second is not None:
                        return first + second
        value, _ = self.build(node, scope, wrap)
        return [value] if value is not None else None

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
        if nest.scope_at is None or key in self._expanding or not plain_local(decl) \
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
                        return self._terms(value, nest.scope_at(where), use)
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


def _use_range(ctype, walk: Optional[Walk]) -> Optional[tuple[int, int]]:
    """The values of a name's C type; for a loop's variable, from the constant it counts up from, and
    below its type's largest value where its loop's condition keeps it there (`j = i + 1` of a size_t
    i < n does not wrap)."""
    held = type_range(ctype)
    if held is not None and walk is not None and walk.start is not None and held[0] <= walk.start <= held[1]:
        held = (walk.start, held[1])
    if held is not None and walk is not None and walk.below_largest and held[0] < held[1]:
        held = (held[0], held[1] - 1)
    return held


def plain_local(decl) -> bool:
    """A non-static local integer of at least int width: it changes only by assignment."""
    parent = decl.semantic_parent
    return parent is not None and parent.kind in FUNCTION_KINDS and \
        decl.storage_class not in (StorageClass.STATIC, StorageClass.EXTERN) and \
        decl.type.get_canonical().spelling in _WIDE_INTEGERS


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


def _strip_exact(node: Node, source: Source) -> list[Node]:
    """`strip`, as the chain of nodes from `node` down to the stripped one; but a conversion (explicit
    or implicit) to an integer type narrower than 32 bits that may change the value (`(unsigned char)i`,
    `short s = i;`) is not affine: `a[(unsigned char)i]` for i < 1000 touches a[0] four times, while
    the affine model `a[i]` would see four distinct elements. Wider conversions keep the model when
    the value cannot wrap (autopar.frontend.wraparound): isl's parameters are unbounded, and an array
    index beyond 2^31 is out of any array here."""
    chain = [node]
    while node.kind in TRANSPARENT and node.children:
        expressions = node.expressions
        if not expressions:
            break
        inner = expressions[-1]
        if node.kind != K.PAREN_EXPR and _narrows(inner, node) and \
                not _literal_fits(inner, node.cursor.type, source):
            raise _NotAffine(f"narrowing conversion in {source.text_of(node)}")
        node = inner
        chain.append(node)
    return chain


def _asked_of(chain: list[Node], operation: Optional[Node]) -> list[Node]:
    """The part of a node's chain of conversions whose wrap is asked of the node itself, not of the
    operation (+, -, *, <<, or a name's use) that takes it: none for an operand in the operation's own
    type with no conversion (modulo 2^N the value is the same, asked of the operation's value: `i * w`
    of `i * w + j`); below the conversion for one converted to the operation's unsigned type (`(unsigned)i`
    of an int i: a conversion to an unsigned type is modulo 2^N too); else all of it."""
    if operation is None:
        return chain
    kind = chain[0].type_kind
    if operation.type_kind != kind:
        return chain
    if all(n.type_kind == kind for n in chain):
        return []
    return chain[1:] if kind in UNSIGNED_TYPES else chain


def _literal_fits(node: Node, target_type, source: Source) -> bool:
    """An integer literal whose value the narrow type holds (`short i = 0`): the conversion keeps it
    (a bool holds 0 and 1 only: `(_Bool)2` is 1)."""
    value = integer_literal(source.text_of(strip(node)))
    held = integer_range(target_type)
    return value is not None and held is not None and held[0] <= value <= held[1]


def _narrows(source: Node, target: Node) -> bool:
    """Whether converting the value of node `source` to the type of node `target` may change it."""
    if target.type_kind not in INTEGER_TYPES or source.type_kind not in INTEGER_TYPES or \
            target.type_kind == source.type_kind:
        return False  # the common case, told without the bindings' Type objects
    s, t = source.cursor.type.get_canonical(), target.cursor.type.get_canonical()
    t_bits, s_bits = 8 * t.get_size(), 8 * s.get_size()
    if t_bits <= 0 or s_bits <= 0 or t_bits >= 32:
        return False
    s_unsigned, t_unsigned = s.kind in UNSIGNED_TYPES, t.kind in UNSIGNED_TYPES
    if s_unsigned == t_unsigned:
        return s_bits > t_bits
    return not (s_unsigned and s_bits < t_bits)
