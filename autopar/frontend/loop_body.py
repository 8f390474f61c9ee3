"""What a loop's body does, and its bounds as affine expressions.

Takes a LoopInfo (canonical form read by loop_header) and the NestFacts of its nest; fills the Loop's
affine bounds, whether the body writes the induction variable or the bound, its break/continue/return/
goto/throw, how its body nests loops, and whether its text can be copied as it is (copy_problem,
end_offset, braced).
"""

from __future__ import annotations

import re
from typing import Optional

from clang.cindex import CursorKind as K, StorageClass, TLSKind, TypeKind

from autopar.frontend.affine import AffineBuilder
from autopar.frontend.ast import (FOR_KINDS, LOOP_KINDS, Node, Source, hidden_store, stored_operand, strip,
                                  variable_decl)
from autopar.frontend.between_loops import host_statements, statement_end
from autopar.frontend.calls import RETURNS_TWICE, callee_name
from autopar.frontend.functions import Function
from autopar.frontend.hidden_code import THROWING_KINDS, may_throw
from autopar.frontend.variables import Variables
from autopar.frontend.loops import LoopInfo
from autopar.frontend.nest_facts import ASSIGNING_KINDS, CHAR_TYPES, NestFacts, Scope, range_size, written_decl_refs
from autopar.frontend.omp_pragmas import macros_reaching
from autopar.frontend.containers import container_name
from autopar.frontend.quasi_bounds import quasi_pieces, remainder_start
from autopar.frontend.wraparound import BOUND, EXACT
from autopar.ir import AffineExpr, CanonicalForm, Loop


def _opaque(bound: Optional[AffineExpr]) -> bool:
    """Whether a bound is unknown, or one parameter of its own whose value the model cannot see
    (`(ceild(t,2))`, an invariant expression of parameters)."""
    return bound is None or any("(" in m for m in bound.coefficients)


class BodyReader:
    """Reads what each loop's body does (after the header is read, once the nest's facts are known)."""

    def __init__(self, source: Source, affine: AffineBuilder, header_data: tuple[Optional[bytes], ...] = ()):
        self.source = source
        self.affine = affine
        self.header_data = header_data  # the program's own headers' bytes: their macros expand in the loops too
        self._counter_macros: Optional[set[str]] = None  # the macros that expand to __COUNTER__ (read once)
        self._constexpr_macros: Optional[frozenset] = None  # the macros that spell constexpr (read once)

    def _function_problem(self, info: LoopInfo) -> Optional[str]:
        """Loop.function_problem: its function's, or in C++17 a lambda's around it where the file
        evaluates constants (a lambda is constexpr where it can be; `static_assert` may call it)."""
        if self._constexpr_macros is None:
            texts = [self.source.data, *self.header_data]
            self._constexpr_macros = frozenset(macros_reaching(texts, lambda body: re.search(
                r"\b(?:constexpr|consteval)\b", body) is not None)) if any(
                t is not None and b"const" in t for t in texts) else frozenset()
        problem = function_problem(info.function, self._constexpr_macros)
        if problem is None and _nearest(info.node, {K.LAMBDA_EXPR}) is not None and \
                re.search(rb"\b(?:static_assert|constexpr|consteval|constinit)\b", self.source.data):
            problem = ("it is in a lambda, which C++17 makes constexpr where it can be, in a file that evaluates "
                       "constants: no OpenMP directive may appear in one")
        return problem

    def body_facts(self, info: LoopInfo, nest: NestFacts) -> None:
        loop = info.loop
        info.nest = nest
        canonical = loop.canonical
        if canonical is not None and canonical.range_over:
            canonical = loop.canonical = _range_bounds(info, nest)
        elif canonical is not None:
            scope = Scope(nest, info.canonical_scope(include_self=False), info.node, info.canonical_walks())
            # a start whose C value may differ from the model's is unknown, as is an end that may wrap
            # into an array (`j < i * 1073741824u + 200000u` ends below 200000 for every i % 4 == 0)
            up = canonical.step > 0
            lower_each = self.affine.pieces(info.lower_node, scope, "max" if up else "min", EXACT) or []
            upper_each = [] if canonical.comparison.value == "!=" else \
                self.affine.pieces(info.bound, scope, "min" if up else "max", BOUND) or []
            lower = self.affine.build(info.lower_node, scope, EXACT)[0]
            upper = self.affine.build(info.bound, scope, BOUND)[0]
            # a bound that divides (generated code's floord/ceild) is read for the isl model alone
            lower_quasi = quasi_pieces(self.affine, info.lower_node, scope, "max" if up else "min", EXACT) \
                if _opaque(lower) and len(lower_each) < 2 else None
            upper_quasi = quasi_pieces(self.affine, info.bound, scope, "min" if up else "max", BOUND) \
                if _opaque(upper) and len(upper_each) < 2 and canonical.comparison.value != "!=" else None
            lower_remainder = remainder_start(self.affine, info.lower_node, scope) \
                if lower is None and len(lower_each) < 2 and not lower_quasi else None
            loop.canonical = canonical.model_copy(update={
                "lower": lower, "upper": upper,
                "lower_each": lower_each if len(lower_each) > 1 else [],
                "upper_each": upper_each if len(upper_each) > 1 else [],
                "lower_quasi": lower_quasi or [], "upper_quasi": upper_quasi or [], "lower_remainder": lower_remainder})
        loop.function_problem = self._function_problem(info)
        if (body := info.body) is None:
            return
        bound_decls: dict[tuple, object] = {}
        bound_roots: set[tuple] = set()  # variables whose memory the bound reads (a[0], s->n, *p)
        bound_types: set[str] = set()  # and the types of that memory
        for part in (info.bound, info.step_node):
            if part is None:
                continue
            for n in part.walk():
                decl = variable_decl(n)
                if decl is not None:
                    bound_decls[Variables.key(decl)] = decl
                if n.kind in (K.ARRAY_SUBSCRIPT_EXPR, K.MEMBER_REF_EXPR) or n.unary_op == "*":
                    bound_roots.update(Variables.key(d) for d in map(variable_decl, n.walk()) if d is not None)
                    bound_types.add(_memory_type(n))
        references = info.function.references
        # only the nodes that can matter, found once per function (a nest's loops share its nodes);
        # a bound that reads memory needs every node (any store may write it)
        nodes = body.walk() if bound_roots else _notable_nodes(info.function, body)
        for n in nodes:
            for target in written_decl_refs(n):
                decl = target.cursor.referenced
                if decl is None:
                    continue
                keys = {Variables.key(decl)}
                bound = references.get(Variables.key(decl))
                bound_decl = variable_decl(strip(bound)) if bound is not None else None
                if bound_decl is not None:
                    keys.add(Variables.key(bound_decl))  # `int &r = i; r++;` writes both r and i
                if info.iv_key in keys:
                    loop.writes_induction_variable = True
                if not keys.isdisjoint(bound_decls):
                    loop.writes_bound = True
            if bound_roots and _writes_memory_of(n, bound_roots, bound_types):
                loop.writes_bound = True
            _note_control(loop, n, info.node)
        if loop.has_entry_label:
            loop.entered_by_jump = _entered_by_jump(info.function, info.node)
        if info.function.nodes_where("dependent operators", body, _OPERATOR_KINDS, _dependent) and \
                _DEPENDENT not in loop.unmodelled_accesses:
            loop.unmodelled_accesses.append(_DEPENDENT)
        # through a pointer or a call (`int *p = &n; ... *p = 0;`), as far as the nest can tell
        if info.iv_decl is not None and nest.may_change_indirectly(info.iv_key, info.iv_decl):
            loop.writes_induction_variable = True
        # (a const object never changes: writing it is undefined behaviour, not a way to change the bound)
        if any(nest.may_change_indirectly(k, d) for k, d in bound_decls.items() if not _const_object(d)):
            loop.writes_bound = True
        loop.perfectly_nests_child = _single_loop(body)
        loop.body_only_loops = _only_loops(body)
        loop.host_statements = host_statements(body, self.source.data)
        self._copy_facts(info)

    def _copy_facts(self, info: LoopInfo) -> None:
        """Where the loop statement ends, and whether its text can be copied as it is (see
        Loop.copy_problem); the body's nodes were judged by body_facts."""
        loop = info.loop
        if loop.from_macro:
            loop.copy_problem = loop.copy_problem or "the loop comes from a macro expansion"
            return
        data = self.source.data
        end = statement_end(info.node, data)
        text = data[loop.offset:end] if end is not None else b""
        if end is None or not _balanced(text):
            loop.copy_problem = loop.copy_problem or "its end cannot be told from the source text"
            return
        loop.end_offset = end
        loop.braced = info.node.parent is not None and info.node.parent.kind == K.COMPOUND_STMT
        if loop.copy_problem is None and (b"#" in text or b"%:" in text or b"??=" in text) and \
                _DIRECTIVE_LINE.search(text):  # (most loops: no directive)
            loop.copy_problem = "a preprocessor line is inside it"
        if loop.copy_problem is None and (b"__LINE__" in text or b"__COUNTER__" in text):
            loop.copy_problem = "it uses __LINE__ or __COUNTER__"
        if loop.copy_problem is None and self._counter_macros is None:  # (`#define TAG __COUNTER__`)
            self._counter_macros = counter_macros([data, *self.header_data])
        if loop.copy_problem is None and self._counter_macros and \
                self._counter_macros & set(re.findall(r"[A-Za-z_]\w*", text.decode("latin-1"))):
            loop.copy_problem = "a macro it names expands to __COUNTER__, which a copy would count again"


_DIRECTIVE_LINE = re.compile(rb"(^|\n)[ \t]*(?:#|%:|\?\?=)")


def counter_macros(texts: list[Optional[bytes]]) -> set[str]:
    """The macros the texts define that expand to __COUNTER__, directly or through other macros
    (`#define UNIQUE_ID (__COUNTER__ + 1)` in a header, `#define TAG2 UNIQUE_ID` in the file)."""
    if not any(text is not None and b"__COUNTER__" in text for text in texts):
        return set()
    return set(macros_reaching(texts, lambda body: re.search(r"\b__COUNTER__\b", body) is not None))


def function_problem(function: Function, constexpr_macros: frozenset = frozenset()) -> Optional[str]:
    """Loop.function_problem of the loops of `function` (asked once per function); `constexpr_macros`:
    the macros that spell constexpr or consteval (`#define CX constexpr`)."""
    if ("function problem", 0) not in function.facts:
        header = function.facts[("source", 0)][function.start:function.end].split(b"{", 1)[0]
        words = set(re.findall(rb"[A-Za-z_]\w*", header))
        problem = None
        if words & {b"constexpr", b"consteval", *(m.encode() for m in constexpr_macros)}:
            problem = "its function is constexpr: no OpenMP directive may appear in it"
        elif any(callee_name(n) in RETURNS_TWICE for n in function.nodes_of((K.CALL_EXPR,))):
            problem = ("its function calls setjmp: a longjmp from another thread (a signal handler's) would "
                       "land in this thread's frame")
        function.facts[("function problem", 0)] = problem
    return function.facts[("function problem", 0)]


def _note_control(loop: Loop, n: Node, loop_node: Node) -> None:
    """What node `n` of the loop's body tells of its control flow and of copying its text."""
    kind = n.kind
    if kind == K.BREAK_STMT and _nearest(n, LOOP_KINDS | {K.SWITCH_STMT}) is loop_node:
        loop.has_break = True
    elif kind == K.CONTINUE_STMT and _nearest(n, LOOP_KINDS) is loop_node:
        loop.has_continue = True
    elif kind == K.RETURN_STMT and _nearest(n, {K.LAMBDA_EXPR}) is None:
        loop.has_return = True
    elif kind == K.GOTO_STMT:
        label = next((c for c in n.children if c.kind == K.LABEL_REF), None)
        target = label.cursor.referenced if label is not None else None
        if target is None or not (loop_node.start <= target.extent.start.offset < loop_node.end):
            loop.has_goto = True
    elif kind == K.INDIRECT_GOTO_STMT:
        loop.has_goto = True
    elif may_throw(n):
        loop.has_throw = True
    elif kind in (K.ASM_STMT, K.MS_ASM_STMT) and "an asm statement" not in loop.unmodelled_accesses:
        loop.unmodelled_accesses.append("an asm statement")  # (it may write its operands and any memory)
    if kind in ASSIGNING_KINDS:
        store = hidden_store(n)  # (a write no pass names: `__real__ z[i + 1] = ...`)
        if store is not None and store not in loop.unmodelled_accesses:
            loop.unmodelled_accesses.append(store)
    if kind in _COPY_KINDS:
        problem = _copy_problem(n, loop_node)
        if loop.copy_problem is None:
            loop.copy_problem = problem
        # a label, or a case label of a switch outside (the one kind of those with a problem), lets
        # a goto or that switch enter the loop
        if problem is not None and kind in (K.LABEL_STMT, K.CASE_STMT, K.DEFAULT_STMT):
            loop.has_entry_label = True


def _entered_by_jump(function: Function, loop_node: Node) -> bool:
    """Whether control may enter the loop's body other than through its header: a goto outside it to a
    label inside it, a computed goto anywhere in the function (`&&label` may name one inside), or a
    case label of a switch around the loop inside it."""
    inside = range(loop_node.start, loop_node.end)
    for n in function.nodes_where("entry jumps", function.node, _JUMP_KINDS):
        if n.kind == K.INDIRECT_GOTO_STMT:
            return True
        if n.kind in (K.CASE_STMT, K.DEFAULT_STMT) and n.start in inside and \
                _nearest(n, {K.SWITCH_STMT}) in (None, *loop_node.ancestors()):
            return True
        if n.kind == K.GOTO_STMT and not loop_node.contains(n):
            label = next((c for c in n.children if c.kind == K.LABEL_REF), None)
            target = label.cursor.referenced if label is not None else None
            if target is None or target.extent.start.offset in inside:
                return True
    return False


_JUMP_KINDS = {K.GOTO_STMT, K.INDIRECT_GOTO_STMT, K.CASE_STMT, K.DEFAULT_STMT}

# an operator on a type a template's argument decides (`dst[i] = src[i]` of a `T *`): an instantiation
# may call an operator of its own, with any effect (a copy counter's `operator=` raced)
_OPERATOR_KINDS = {K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR, K.UNARY_OPERATOR, K.CALL_EXPR}
_DEPENDENT = "an operator on a template's type (an instantiation may call an operator of its own)"


def _dependent(node: Node) -> bool:
    return node.type_kind == TypeKind.DEPENDENT


_COPY_KINDS = {K.LABEL_STMT, K.CASE_STMT, K.DEFAULT_STMT, K.ASM_STMT, K.MS_ASM_STMT, K.VAR_DECL}
_CONTROL_KINDS = {K.BREAK_STMT, K.CONTINUE_STMT, K.RETURN_STMT, K.GOTO_STMT, K.INDIRECT_GOTO_STMT, *THROWING_KINDS}


def _notable_nodes(function: Function, body: Node) -> list[Node]:
    """The nodes under `body` that body_facts looks at: those that assign a variable, jump, throw, or
    keep a loop's text from being copied. The function's list of them (in pre-order) is kept."""
    return function.nodes_where("notable", body, _CONTROL_KINDS | _COPY_KINDS | ASSIGNING_KINDS, _notable)


def _notable(n: Node) -> bool:
    return n.kind in _CONTROL_KINDS or n.kind in _COPY_KINDS or bool(written_decl_refs(n)) or \
        (n.kind in ASSIGNING_KINDS and hidden_store(n) is not None)


def _copy_problem(node: Node, loop_node: Node) -> Optional[str]:
    """Why a copy of the loop holding `node` would not mean the same (or not compile), if it would not."""
    kind = node.kind
    if kind == K.LABEL_STMT:
        return "a label is inside it"
    if kind in (K.CASE_STMT, K.DEFAULT_STMT) and _nearest(node, {K.SWITCH_STMT}) in (None, *loop_node.ancestors()):
        return "a case label of an enclosing switch is inside it"
    if kind in (K.ASM_STMT, K.MS_ASM_STMT):
        return "an asm statement is inside it"
    if kind == K.VAR_DECL and (node.cursor.storage_class in (StorageClass.STATIC, StorageClass.EXTERN) or
                               node.cursor.tls_kind != TLSKind.NONE):
        return "a static, extern or thread-local declaration is inside it"
    return None


def _balanced(text: bytes) -> bool:
    """Brackets balance outside strings, characters and comments: the text is whole statements."""
    if text.rstrip()[-1:] not in (b"}", b";"):
        return False
    if not any(quote in text for quote in (b'"', b"'", b"/*", b"//")):  # the common case, counted in C
        return all(text.count(o) == text.count(c) for o, c in ((b"(", b")"), (b"[", b"]"), (b"{", b"}")))
    depth = 0
    for token in _BRACKET_TOKENS.finditer(text):
        piece = token.group()
        if piece in (b"(", b"[", b"{"):
            depth += 1
        elif piece in (b")", b"]", b"}"):
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and text.rstrip()[-1:] in (b"}", b";")


_BRACKET_TOKENS = re.compile(rb'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*|[()\[\]{}]', re.S)


def _nearest(node: Node, kinds: set) -> Optional[Node]:
    return next((a for a in node.ancestors() if a.kind in kinds), None)


def _only_loops(body: Node) -> bool:
    statements = body.children if body.kind == K.COMPOUND_STMT else [body]
    return bool(statements) and all(s.kind == K.FOR_STMT for s in statements)


def _const_object(decl) -> bool:
    """A variable declared const (not a reference to const, which other names may change), not volatile."""
    t = decl.type
    return t.is_const_qualified() and not t.is_volatile_qualified() and "&" not in t.spelling


def _single_loop(body: Node) -> bool:
    while body.kind == K.COMPOUND_STMT:
        if len(body.children) != 1:
            return False
        body = body.children[0]
    return body.kind in FOR_KINDS


def _range_bounds(info: LoopInfo, nest: NestFacts) -> Optional[CanonicalForm]:
    """A range-based for over a container runs over its indices `0 <= x < v.size()` when the nest
    can neither resize the container nor see another object by its name; else it is not canonical."""
    loop, container = info.loop, info.range_container
    size = range_size(container, nest)
    if size is None:
        loop.non_canonical_reason = f"range-based for over {container_name(container)}, which the loop nest may resize " \
                                    f"or which is declared inside it"
        return None
    return loop.canonical.model_copy(update={"lower": AffineExpr(), "upper": AffineExpr(coefficients={size: 1})})


def _memory_type(node: Node) -> str:
    return node.cursor.type.get_canonical().spelling


def _writes_memory_of(node: Node, roots: set[tuple], types: set[str]) -> bool:
    """An assignment through memory (a[..], *p, s.x, p->x) rooted at one of `roots` that may overlap memory
    of one of `types`: by C's aliasing rules an object is only written through its own type or a char."""
    target = stored_operand(node)
    if target is None:
        return False
    target = strip(target)
    if target.kind == K.DECL_REF_EXPR:
        return False
    written_type = _memory_type(target)
    if written_type not in types and written_type not in CHAR_TYPES and not types & CHAR_TYPES:
        return False
    for n in target.walk():
        decl = variable_decl(n)
        if decl is not None and Variables.key(decl) in roots:
            return True
    return False
