"""What a loop nest writes, and so which names and expressions are fixed at a point in it.

A name is usable in an affine expression of code inside a loop nest when it is
- the induction variable of an enclosing canonical loop that nothing but its own header assigns, or
- a symbol: an integer variable that nothing inside the nest assigns (nor can assign through its address
  or an opaque call, for globals), or that only the nest's code outside the innermost loop around the
  expression assigns (or declares) by name: it is fixed while that loop runs. The dependence stage treats
  every name a loop writes or declares as variant in that loop's own analysis, so the outer loops that do
  change it never take it for a parameter.

Takes a nest's root node and what its headers and function write (NestFacts), and a point in the nest
(Scope); gives what each variable is there, and the non-affine expressions of fixed names (a division,
a member, a container's size) that affine may use as parameters.
"""

from __future__ import annotations

import re
from typing import Optional

from clang.cindex import CursorKind as K, StorageClass, TypeKind

from autopar.frontend.ast import (ARRAY_TYPES, FLOATING_TYPES, FUNCTION_KINDS, INTEGER_TYPES, Node, Source,
                                  evaluate_int, expression_children, stored_operand, strip, variable_decl)
from autopar.frontend.variables import Variables, is_integer_decl
from autopar.frontend.wraparound import Walk


class Scope:
    """Decides, for one point in a nest, what each variable is: an induction variable, a symbol, or
    neither (with the reason)."""

    def __init__(self, nest: "NestFacts", enclosing: list[tuple[Node, tuple, str]],
                 innermost: Optional[Node] = None,
                 walks: Optional[dict[str, Walk]] = None):
        self.nest = nest
        self.enclosing = enclosing  # (loop node, iv key, iv name) of enclosing canonical loops, outermost first
        # iv name -> how its loop moves it, outermost first, for subscripts that may wrap around
        # (autopar.frontend.wraparound)
        self.walks = walks or {}
        self.innermost = innermost  # the innermost loop around the point, canonical or not
        self._classified: dict[tuple, tuple[str, str]] = {}  # key -> classify's answer (the facts are final)

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
        found = self._classified.get(key)
        if found is None:
            found = self._classified[key] = self._classify(key, decl)
        return found

    def _classify(self, key: tuple, decl) -> tuple[str, str]:
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


# the kinds of node that can write or declare a variable: stored_operand's, written_decl_refs' and VAR_DECL
_WRITING_KINDS = {K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR, K.UNARY_OPERATOR, K.VAR_DECL}
CHAR_TYPES = {"char", "signed char", "unsigned char", "std::byte"}  # may alias an object of any type


class NestFacts:
    """What a loop nest assigns, computed once per outermost loop.

    Besides direct assignments: an address-taken local or a global may change through a pointer write
    of its type (or of char), through a reference, or inside a call that is not known to leave it alone.
    """

    def __init__(self, root: Node, header_writes: set[int], address_taken_in_function: set[tuple],
                 opaque_calls: bool, references: dict[tuple, Optional[Node]],
                 captured_by_reference: frozenset = frozenset(), calls_write: Optional[set[str]] = None,
                 plain_globals: frozenset = frozenset()):
        self.root = root
        # the globals the nest's calls write by name (None: anything), and the file's globals that
        # hold no address (numbers, arrays of numbers): a call that writes only those changes no other
        self.calls_write, self.plain_globals = calls_write, plain_globals
        self.captured_by_reference = captured_by_reference  # by a lambda: changed by a call of it
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
            if node.kind not in _WRITING_KINDS:
                continue  # nothing else assigns or declares a variable
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
        # spelling -> the variables of that name the nest declares or assigns: a loop-invariant name
        # spelled like one of them (`for (i < j) for (int j ...)`) would be read as the other
        self.spellings: dict[str, set[tuple]] = {}
        for key in self.any_writes:
            self.spellings.setdefault(key[2], set()).add(key)

    def shadowed(self, key: tuple) -> bool:
        """Whether the nest declares or assigns another variable of the same name."""
        return bool(self.spellings.get(key[2], set()) - {key})

    def is_written(self, key: tuple, decl) -> bool:
        return key in self.any_writes or self.may_change_indirectly(key, decl)

    def may_change_indirectly(self, key: tuple, decl) -> bool:
        """A global or address-taken variable that a pointer write or an opaque call may change, or one
        a lambda captures by reference, which an opaque call may change (it may call the lambda)."""
        if key in self.captured_by_reference and self.opaque_calls:
            return True
        parent = decl.semantic_parent
        is_global = parent is None or parent.kind not in FUNCTION_KINDS or decl.storage_class in (
            StorageClass.STATIC, StorageClass.EXTERN)
        if not (is_global or key in self.address_taken_in_function):
            return False  # a local whose address never escapes changes only by assignment
        own = decl.type.get_canonical().spelling
        through_memory = own in self.memory_write_types or bool(self.memory_write_types & CHAR_TYPES)
        return through_memory or self.calls_write is None or decl.spelling in self.calls_write or \
            bool(self.calls_write - self.plain_globals)


def plain_globals(tu_cursor, static_locals: set[str]) -> frozenset:
    """The names of the file-scope variables that hold no address (numbers, arrays of numbers),
    declared so wherever they are declared, and named by no static local (a summary's written
    globals are names, and a static pointer `v` would write where it points)."""
    plain, other = set(), set(static_locals)
    for decl in tu_cursor.get_children():
        if decl.kind != K.VAR_DECL:
            continue
        t = decl.type.get_canonical()
        while t.kind in ARRAY_TYPES:
            t = t.get_array_element_type()
        (plain if t.kind in INTEGER_TYPES | FLOATING_TYPES else other).add(decl.spelling)
    return frozenset(plain - other)


# the nodes `written_decl_refs` may find a write in (=, op=, ++, --, &x)
ASSIGNING_KINDS = frozenset({K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR, K.UNARY_OPERATOR})


def written_decl_refs(node: Node) -> list[Node]:
    """DECL_REF_EXPRs that `node` assigns directly (=, op=, ++, --, &x): the variables its target may
    designate (`designated`)."""
    target = stored_operand(node)
    if target is None and node.unary_op == "&":
        children = expression_children(node)
        target = children[0] if children else None
    return designated(target) if target is not None else []


def designated(lvalue: Node) -> list[Node]:
    """The DECL_REF_EXPRs of the variables an lvalue may be: its name through parentheses and casts,
    and, in C++, either branch of `?:` and the right operand of a comma (`(c ? s : t) = v` writes s
    or t)."""
    e = strip(lvalue)
    if e.kind == K.DECL_REF_EXPR:
        return [e]
    if e.kind == K.CONDITIONAL_OPERATOR and len(e.expressions) == 3:
        return [*designated(e.expressions[1]), *designated(e.expressions[2])]
    if e.kind == K.BINARY_OPERATOR and e.binary_op == "," and e.expressions:
        return designated(e.expressions[-1])
    return []


def _invariant_names(node: Node, scope: Optional[Scope]) -> bool:
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


def invariant_expression(node: Node, scope: Optional[Scope], source: Source) -> Optional[str]:
    """The C text of an integer expression of the nest's parameters that is not affine (a division,
    a remainder, a conditional), as the name of one more parameter: the same text is the same
    value everywhere in the nest. None when it reads anything the nest may change."""
    if not _invariant_names(node, scope):
        return None
    text = compact_text(source.text_of(node))
    if not text or "*" in text:  # a product would read as a monomial of two names
        return None
    return f"({text})"


def compact_text(text: str) -> str:
    """C text without its blanks, except one between two words (`unsigned int`, `sizeof x`)."""
    text = text.strip()
    word = lambda k: text[k].isalnum() or text[k] == "_"  # noqa: E731
    return re.sub(r"\s+", lambda m: " " if word(m.start() - 1) and word(m.end()) else "", text)


def invariant_member(node: Node, scope: Optional[Scope]) -> Optional[str]:
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
        arrow = base.type_kind.name == "POINTER"
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
    named = decl.kind == K.VAR_DECL and not any(step.startswith("->") for step in path)  # `s.n`, not `p->n`
    if _calls_that_may_write(nest.root, nest, decl if named else None):
        return None
    return decl.spelling + "".join(path)


def invariant_element(node: Node, scope: Optional[Scope]) -> Optional[str]:
    """`grid_points[1]`, `dims[0][2]`: an integer element at constant subscripts (each within its
    extent) of a named array that the nest neither assigns nor may write through memory of the
    element's type or a call, as a parameter name (NAS's loops run to `grid_points[0] - 1`)."""
    if scope is None or node.type_kind not in INTEGER_TYPES or node.type_kind.name in ("BOOL", "ENUM"):
        return None
    nest = scope.nest
    if nest.opaque_calls or node.cursor.type.get_canonical().spelling in nest.memory_write_types or \
            nest.memory_write_types & CHAR_TYPES:
        return None
    indices, current = [], node
    while current.kind == K.ARRAY_SUBSCRIPT_EXPR:
        children = expression_children(current)
        if len(children) != 2 or any(n.kind == K.DECL_REF_EXPR for n in children[1].walk()):
            return None
        value = evaluate_int(strip(children[1]))
        if value is None:
            return None
        indices.insert(0, value)
        current = strip(children[0])
    decl = variable_decl(current) if current.kind == K.DECL_REF_EXPR else None
    if decl is None or decl.kind != K.VAR_DECL or current.end - current.start != len(decl.spelling):
        return None  # (a parameter declared as an array is a pointer; `ns::gp[1]` is spelled otherwise)
    extents, array = [], decl.type.get_canonical()
    while array.kind == TypeKind.CONSTANTARRAY:
        extents.append(array.element_count)
        array = array.element_type.get_canonical()
    if len(extents) != len(indices) or not all(0 <= v < n for v, n in zip(indices, extents)):
        return None
    key = Variables.key(decl)
    if key in nest.any_writes or key in nest.through_reference or nest.may_change_indirectly(key, decl) or \
            _calls_that_may_write(nest.root, nest, decl):
        return None
    return decl.spelling + "".join(f"[{v}]" for v in indices)


def container_size(node: Node, scope: Optional[Scope]) -> Optional[str]:
    from autopar.frontend.containers import container_call

    found = container_call(node) if scope is not None else None  # (range_size asks where it is declared)
    if scope is None or found is None or found[0] != "size" or found[2]:
        return None
    return range_size(found[1], scope.nest)


def range_size(decl, nest: NestFacts) -> Optional[str]:
    """`v.size()` as a parameter, of the container `decl` (a `v.size()` call's, or a range-based for's):
    one declared outside the nest (not a local reference) that nothing in it can resize; else None."""
    from autopar.frontend.containers import container_name, declared_outside, fixed_size

    key = Variables.key(decl)
    if not declared_outside(decl, nest.root) or key in nest.any_writes or key in nest.through_reference or \
            not fixed_size(nest.root, decl):
        return None
    return f"{container_name(decl)}.size()"


def _calls_that_may_write(root: Node, nest: Optional["NestFacts"] = None, target=None) -> bool:
    """A call in the nest that might write `target` (a declaration; any memory when None): any but a
    system header's function with no pointer argument (`sqrt(x)`), or, given the nest's facts, a
    function of the file that writes no global and calls no unknown code (`nest.opaque_calls` is
    False) whose every pointer or reference argument is rooted at a named variable that is not a
    pointer and not `target` (`exact(xi, eta, zeta, dtemp)`: a local array cannot be `grid_points`)."""
    from autopar.frontend.calls import call_arguments

    for n in root.walk():
        if n.kind != K.CALL_EXPR:
            continue
        callee = n.cursor.referenced
        system = callee is not None and callee.location.is_in_system_header
        if system and not any(a.type.get_canonical().kind.name in ("POINTER", "LVALUEREFERENCE")
                              for a in n.cursor.get_arguments()):
            continue
        if system or callee is None or nest is None or target is None or nest.opaque_calls:
            return True
        parameters = list(callee.get_arguments())
        for k, argument in enumerate(call_arguments(n)):
            passed = parameters[k].type.get_canonical().kind.name if k < len(parameters) else "POINTER"
            if passed in ("POINTER", "LVALUEREFERENCE", "RVALUEREFERENCE", "INCOMPLETEARRAY", "CONSTANTARRAY") or \
                    strip(argument).type_kind.name in ("POINTER", "CONSTANTARRAY", "INCOMPLETEARRAY"):
                base = _argument_root(argument)
                if base is None or Variables.key(base) == Variables.key(target):
                    return True
    return False


def _argument_root(argument: Node):
    """The variable an argument's memory belongs to (`dtemp`, `&s`, `a[i] + 2`, `&g[1]`): a named
    variable that is not a pointer (nothing else lies in its memory); None for anything else."""
    node = strip(argument)
    while True:
        if node.kind == K.UNARY_OPERATOR and node.unary_op == "&" or node.kind in (K.ARRAY_SUBSCRIPT_EXPR,
                                                                                  K.MEMBER_REF_EXPR):
            children = expression_children(node)
            if not children or node.kind == K.MEMBER_REF_EXPR and strip(children[0]).type_kind.name == "POINTER":
                return None
            node = strip(children[0])
        elif node.kind == K.BINARY_OPERATOR and node.binary_op in ("+", "-"):
            left = strip(expression_children(node)[0])
            if left.type_kind.name not in ("POINTER", "CONSTANTARRAY"):
                return None
            node = left
        else:
            break
    decl = variable_decl(node) if node.kind == K.DECL_REF_EXPR else None
    if decl is None or decl.type.get_canonical().kind.name in ("POINTER", "LVALUEREFERENCE", "RVALUEREFERENCE"):
        return None
    return decl
