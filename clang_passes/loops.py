"""Loops pass: every `for` loop of the main file, its nesting, and its canonical form when it has one."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Optional

from clang.cindex import CursorKind as K, StorageClass, TLSKind, TypeKind

from autopar.ir import CanonicalForm, Comparison, Loop
from clang_passes.affine import CHAR_TYPES, AffineBuilder, NestFacts, Scope, written_decl_refs
from clang_passes.ast import (FOR_KINDS, FUNCTION_KINDS, INC_DEC, LOOP_KINDS, Node, Source, expression_children,
                              stored_operand, strip, under_implicit_conversions, variable_decl)
from clang_passes.functions import Function
from clang_passes.variables import Variables, is_integer_decl

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "!=": "!="}


@dataclass
class LoopInfo:
    """A loop with the AST parts the later passes need (never leaves clang_passes)."""

    node: Node
    function: Function
    loop: Loop
    init: Optional[Node] = None
    cond: Optional[Node] = None
    inc: Optional[Node] = None
    body: Optional[Node] = None
    iv_key: Optional[tuple] = None
    iv_decl: object = None  # the induction variable's declaration cursor
    bound: Optional[Node] = None  # the side of the condition that is not the induction variable
    lower_node: Optional[Node] = None
    step_node: Optional[Node] = None
    header_write_nodes: list[Node] = field(default_factory=list)
    parent: Optional["LoopInfo"] = None
    children: list["LoopInfo"] = field(default_factory=list)
    root: Optional["LoopInfo"] = None
    nest: Optional[NestFacts] = None

    def enclosing(self) -> list["LoopInfo"]:
        """Enclosing loops, outermost first, this one included."""
        chain = []
        info: Optional[LoopInfo] = self
        while info is not None:
            chain.append(info)
            info = info.parent
        return chain[::-1]

    def subtree(self) -> list["LoopInfo"]:
        """This loop and every loop inside it, in source order."""
        found = [self]
        for child in self.children:
            found.extend(child.subtree())
        return found

    def canonical_scope(self, include_self: bool = True) -> list[tuple[Node, tuple, str]]:
        return [(i.node, i.iv_key, i.loop.canonical.induction_variable) for i in self.enclosing()
                if i.loop.canonical is not None and i.iv_key is not None and (include_self or i is not self)]


def _is_ident_char(b: int) -> bool:
    return b == 95 or 48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b >= 128


def header_offsets(data: bytes, for_offset: int) -> Optional[tuple[int, int, int]]:
    """Byte offsets of the two `;` and the closing `)` of a `for (...;...;...)` header."""
    i = for_offset + 3
    n = len(data)
    while i < n and data[i] in b" \t\r\n":
        i += 1
    if i >= n or data[i] != 40:  # '('
        return None
    depth = 0
    semis: list[int] = []
    while i < n:
        c = data[i]
        if c == 47 and i + 1 < n and data[i + 1] == 47:  # // comment
            end = data.find(b"\n", i)
            i = n if end < 0 else end
            continue
        if c == 47 and i + 1 < n and data[i + 1] == 42:  # /* comment */
            end = data.find(b"*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c in (34, 39):  # string or character literal
            j = i + 1
            while j < n and data[j] != c:
                j += 2 if data[j] == 92 else 1
            i = j + 1
            continue
        if c in b"([{":
            depth += 1
        elif c in b")]}":
            depth -= 1
            if depth == 0:
                return (semis + [i, i])[0], (semis + [i, i])[1], i
        elif c == 59 and depth == 1:  # ';'
            semis.append(i)
        i += 1
    return None


def address_taken_in(function: Function) -> set[tuple]:
    """Variables whose address escapes: `&v`, or a C++ reference bound to v (`T &r = v`). Kept as the
    function's ("address_taken", 0) fact: the loop pass and the frontend's later passes ask it."""
    keys = function.facts.get(("address_taken", 0))
    if keys is None:
        keys = set()
        for bound in function.references.values():
            target = strip(bound) if bound is not None else None
            if target is not None and target.kind == K.DECL_REF_EXPR and target.cursor.referenced is not None:
                keys.add(Variables.key(target.cursor.referenced))
        for node in function.nodes:
            if node.kind == K.UNARY_OPERATOR and node.unary_op == "&":
                for target in written_decl_refs(node):
                    decl = target.cursor.referenced
                    if decl is not None:
                        keys.add(Variables.key(decl))
        function.facts[("address_taken", 0)] = keys
    return keys


class _NotCanonical(Exception):
    """Why a loop header is not in OpenMP's canonical form (the message is the reason)."""


class LoopFinder:
    def __init__(self, path: str, source: Source, variables: Variables):
        self.path = path
        self.source = source
        self.variables = variables
        self.affine = AffineBuilder(source)

    def find(self, functions: list[Function]) -> list[LoopInfo]:
        infos: list[LoopInfo] = []
        seen: dict[str, int] = {}
        for function in functions:
            by_node: dict[int, LoopInfo] = {}
            for node in function.nodes:
                if node.kind not in FOR_KINDS:
                    continue
                info = self._describe(node, function)
                by_node[id(node)] = info
                count = seen[info.loop.id] = seen.get(info.loop.id, 0) + 1
                if count > 1:  # several loops of one macro expansion share its position
                    info.loop.id = f"{info.loop.id}#{count}"
                parent_node = next((a for a in node.ancestors() if a.kind in FOR_KINDS), None)
                if parent_node is not None:
                    info.parent = by_node[id(parent_node)]
                    info.parent.children.append(info)
                    info.parent.loop.children.append(info.loop.id)
                    info.loop.parent = info.parent.loop.id
                    info.loop.depth = info.parent.loop.depth + 1
                    info.root = info.parent.root
                else:
                    info.root = info
                infos.append(info)
        infos.sort(key=lambda i: (i.loop.offset, i.loop.depth))
        return infos

    def _describe(self, node: Node, function: Function) -> LoopInfo:
        cursor = node.cursor
        loc = cursor.location
        offset = loc.offset
        data = self.source.data
        from_macro = not (data[offset:offset + 3] == b"for" and (offset + 3 >= len(data)
                                                                  or not _is_ident_char(data[offset + 3])))
        loop = Loop(id=f"{self.path}:{loc.line}:{loc.column}", file=self.path, line=loc.line, column=loc.column,
                    offset=offset, function=function.name, depth=0, end_line=cursor.extent.end.line,
                    from_macro=from_macro, indentation=self.source.indentation(loc.line),
                    top_level_offset=function.top_level_start)
        info = LoopInfo(node=node, function=function, loop=loop)
        if node.kind == K.CXX_FOR_RANGE_STMT:
            info.body = node.children[-1] if node.children else None
            loop.non_canonical_reason = "range-based for"
            return info
        self._split_header(info, from_macro)
        return info

    def _split_header(self, info: LoopInfo, from_macro: bool) -> None:
        children = info.node.children
        if from_macro:
            if len(children) == 4:
                info.init, info.cond, info.inc, info.body = children
            elif children:
                info.body = children[-1]
            return
        offsets = header_offsets(self.source.data, info.loop.offset)
        if offsets is None:
            info.body = children[-1] if children else None
            return
        semi1, semi2, close = offsets
        for child in children:
            if child.start < semi1:
                info.init = child
            elif child.start < semi2:
                info.cond = child
            elif child.start < close:
                info.inc = child
            else:
                info.body = child

    # -------------------------------------------------------------------------------- canonical form

    def canonical(self, info: LoopInfo) -> None:
        """Fill loop.canonical (without the affine bounds), or non_canonical_reason."""
        loop = info.loop
        if loop.non_canonical_reason:
            return
        if loop.from_macro and info.init is None and info.cond is None:
            loop.non_canonical_reason = "the loop comes from a macro expansion"
            return
        reason = self._canonical(info)
        if reason:
            loop.non_canonical_reason = reason
            loop.canonical = None

    def _canonical(self, info: LoopInfo) -> Optional[str]:
        """Fills `info` and the loop's CanonicalForm when the header is in OpenMP's canonical form,
        else returns why not."""
        try:
            iv_decl, lower_node, declared = self._header_init(info)
            iv, iv_key = iv_decl.spelling, Variables.key(iv_decl)

            def is_iv(node: Node) -> bool:
                decl = variable_decl(strip(node))
                return decl is not None and Variables.key(decl) == iv_key

            comparison, bound, iv_operand = self._header_condition(info, iv, is_iv)
            step, step_node, step_symbol, inc_expr = self._header_increment(info, iv_decl, comparison, bound, is_iv)
        except _NotCanonical as why:
            return str(why)
        text = self.source.text_of
        info.loop.form_problem = _form_problem(info.init, info.cond, iv_operand, inc_expr, is_iv)
        info.header_write_nodes.append(inc_expr)
        info.iv_key = iv_key
        info.iv_decl = iv_decl
        info.bound = bound
        info.lower_node = lower_node
        info.step_node = step_node
        info.loop.canonical = CanonicalForm(
            induction_variable=iv, iv_type=iv_decl.type.spelling, iv_declared_in_init=declared,
            lower_text=text(lower_node), upper_text=text(bound), comparison=Comparison(comparison), step=step,
            step_symbol=step_symbol,
            iv_unsigned=_unsigned(iv_decl.type), iv_bits=_bits(iv_decl.type),
            compare_unsigned=_unsigned(iv_operand.cursor.type), compare_bits=_bits(iv_operand.cursor.type))
        return None

    def _header_init(self, info: LoopInfo):
        """init: `int i = lb` or `i = lb`: (the variable's declaration, lb, declared in the header)."""
        text = self.source.text_of
        init = info.init
        if init is None:
            raise _NotCanonical("no induction variable is initialized in the loop header")
        if init.kind == K.DECL_STMT:
            decls = [c for c in init.children if c.kind == K.VAR_DECL]
            if len(decls) != 1:
                raise _NotCanonical("the loop header declares more than one variable")
            decl_node = decls[0]
            values = expression_children(decl_node)
            if not values:
                raise _NotCanonical(f"the induction variable {decl_node.cursor.spelling} has no initial value")
            iv_decl, lower_node, declared = decl_node.cursor, values[-1], True
            info.header_write_nodes.append(decl_node)
        else:
            expr = strip(init)
            if expr.kind != K.BINARY_OPERATOR or expr.binary_op != "=":
                raise _NotCanonical(f"the loop header init `{text(init)}` is not `var = value`")
            lhs, lower_node = expression_children(expr)
            iv_decl = variable_decl(strip(lhs))
            if iv_decl is None:
                raise _NotCanonical(f"the loop header init `{text(init)}` does not assign a variable")
            declared = False
            info.header_write_nodes.append(expr)
        iv = iv_decl.spelling
        if not is_integer_decl(iv_decl):
            raise _NotCanonical(f"the induction variable {iv} is not an integer ({iv_decl.type.spelling})")
        if iv_decl.type.get_canonical().kind == TypeKind.BOOL:
            raise _NotCanonical(f"the induction variable {iv} is a bool (gcc rejects it in an OpenMP loop)")
        return iv_decl, lower_node, declared

    def _header_condition(self, info: LoopInfo, iv: str, is_iv):
        """condition: `i < ub`, `ub > i`, ...: (the comparison with i on the left, ub, i's operand)."""
        text = self.source.text_of
        cond = info.cond
        if cond is None:
            raise _NotCanonical("the loop has no condition")
        cond_expr = strip(cond)
        op = cond_expr.binary_op if cond_expr.kind == K.BINARY_OPERATOR else ""
        if op not in _FLIP:
            raise _NotCanonical(f"the condition `{text(cond)}` is not a comparison <, <=, >, >= or !=")
        left, right = expression_children(cond_expr)
        if is_iv(left):
            return op, right, left
        if is_iv(right):
            return _FLIP[op], left, right
        raise _NotCanonical(f"the condition `{text(cond)}` does not compare the induction variable {iv}")

    def _header_increment(self, info: LoopInfo, iv_decl, comparison: str, bound: Node, is_iv):
        """increment: i++, ++i, i--, --i, i += c, i -= c, i = i + c, i = c + i, i = i - c:
        (the step, its node, the name of a variable step, the increment's expression)."""
        text = self.source.text_of
        iv = iv_decl.spelling
        inc = info.inc
        if inc is None:
            raise _NotCanonical("the loop has no increment")
        inc_expr = strip(inc)
        step: Optional[int] = None
        step_node: Optional[Node] = None
        sign = 1
        if inc_expr.kind == K.UNARY_OPERATOR and inc_expr.unary_op in INC_DEC:
            if not is_iv(expression_children(inc_expr)[0]):
                raise _NotCanonical(f"the increment `{text(inc)}` does not update {iv}")
            step = 1 if inc_expr.unary_op.endswith("++") else -1
        elif inc_expr.kind == K.COMPOUND_ASSIGNMENT_OPERATOR and inc_expr.binary_op in ("+=", "-="):
            target, step_node = expression_children(inc_expr)
            if not is_iv(target):
                raise _NotCanonical(f"the increment `{text(inc)}` does not update {iv}")
            sign = 1 if inc_expr.binary_op == "+=" else -1
        elif inc_expr.kind == K.BINARY_OPERATOR and inc_expr.binary_op == "=":
            target, value_node = expression_children(inc_expr)
            value_expr = strip(value_node)
            if not is_iv(target) or value_expr.kind != K.BINARY_OPERATOR or value_expr.binary_op not in ("+", "-"):
                raise _NotCanonical(f"the increment `{text(inc)}` is not `{iv} += step`")
            a, b = expression_children(value_expr)
            if is_iv(a):
                step_node = b
                sign = 1 if value_expr.binary_op == "+" else -1
            elif is_iv(b) and value_expr.binary_op == "+":
                step_node, sign = a, 1
            else:
                raise _NotCanonical(f"the increment `{text(inc)}` is not `{iv} += step`")
        else:
            raise _NotCanonical(f"the increment `{text(inc)}` is not `{iv}++`, `{iv}--` or `{iv} += step`")
        step_symbol = None
        if step_node is not None:
            value, _ = self.affine.build(step_node, None)
            step_symbol = self._invariant_step(info, step_node, sign, comparison, iv_decl)
            if step_symbol is not None:
                step = 1
            elif value is None or value.coefficients:
                raise _NotCanonical(f"the step `{text(step_node)}` is not a constant")
            else:
                step = sign * value.constant
        if step == 0:
            raise _NotCanonical("the step is zero")
        if comparison in ("<", "<=") and step < 0 or comparison in (">", ">=") and step > 0:
            raise _NotCanonical(f"the step {step:+d} moves {iv} away from the bound `{text(bound)}`")
        if comparison == "!=" and abs(step) != 1:
            raise _NotCanonical(f"the condition uses != with a step of {step}")
        return step, step_node, step_symbol, inc_expr

    @staticmethod
    def _invariant_step(info: LoopInfo, step_node: Node, sign: int, comparison: str, iv_decl) -> Optional[str]:
        """The name of a variable step (`start += len`) the loop may be parallel over: an `int`
        parameter or automatic local, not the counter itself, whose address the function never
        takes, added to an `int` counter that counts up to its bound (a wider step would be cut to
        the counter's width by `+=`; the guard autopar.deps.strided writes is exact for `int`).
        Whether the body changes it is `writes_bound`'s question (the step is one of the bound's
        variables)."""
        e = strip(step_node)
        decl = variable_decl(e) if e.kind == K.DECL_REF_EXPR else None
        if decl is None or sign != 1 or comparison not in ("<", "<=") or \
                iv_decl.type.get_canonical().kind != TypeKind.INT or \
                decl.type.get_canonical().kind != TypeKind.INT or Variables.key(decl) == Variables.key(iv_decl):
            return None
        if decl.kind == K.VAR_DECL and (decl.storage_class != StorageClass.NONE or
                                        decl.semantic_parent is None or
                                        decl.semantic_parent.kind not in FUNCTION_KINDS):
            return None
        if decl.kind not in (K.PARM_DECL, K.VAR_DECL):
            return None
        if Variables.key(decl) in address_taken_in(info.function):
            return None
        return decl.spelling

    # ---------------------------------------------------------------------------- body facts and bounds

    def body_facts(self, info: LoopInfo, nest: NestFacts) -> None:
        loop = info.loop
        info.nest = nest
        canonical = loop.canonical
        if canonical is not None:
            scope = Scope(nest, info.canonical_scope(include_self=False), info.node)
            canonical.lower, _ = self.affine.build(info.lower_node, scope)
            canonical.upper, _ = self.affine.build(info.bound, scope)
            up = canonical.step > 0
            lower_each = self.affine.pieces(info.lower_node, scope, "max" if up else "min") or []
            canonical.lower_each = lower_each if len(lower_each) > 1 else []
            if canonical.comparison.value != "!=":
                upper_each = self.affine.pieces(info.bound, scope, "min" if up else "max") or []
                canonical.upper_each = upper_each if len(upper_each) > 1 else []
        body = info.body
        if body is None:
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
            kind = n.kind
            if kind == K.BREAK_STMT and _nearest(n, LOOP_KINDS | {K.SWITCH_STMT}) is info.node:
                loop.has_break = True
            elif kind == K.CONTINUE_STMT and _nearest(n, LOOP_KINDS) is info.node:
                loop.has_continue = True
            elif kind == K.RETURN_STMT and _nearest(n, {K.LAMBDA_EXPR}) is None:
                loop.has_return = True
            elif kind == K.GOTO_STMT:
                label = next((c for c in n.children if c.kind == K.LABEL_REF), None)
                target = label.cursor.referenced if label is not None else None
                if target is None or not (info.node.start <= target.extent.start.offset < info.node.end):
                    loop.has_goto = True
            elif kind == K.INDIRECT_GOTO_STMT:
                loop.has_goto = True
            elif kind == K.CXX_THROW_EXPR:
                loop.has_throw = True
            if kind in _COPY_KINDS and loop.copy_problem is None:
                loop.copy_problem = _copy_problem(n, info.node)
        # through a pointer or a call (`int *p = &n; ... *p = 0;`), as far as the nest can tell
        if info.iv_decl is not None and nest.may_change_indirectly(info.iv_key, info.iv_decl):
            loop.writes_induction_variable = True
        if any(nest.may_change_indirectly(k, d) for k, d in bound_decls.items()):
            loop.writes_bound = True
        loop.perfectly_nests_child = _single_loop(body)
        loop.body_only_loops = _only_loops(body)
        self._copy_facts(info)

    def _copy_facts(self, info: LoopInfo) -> None:
        """Where the loop statement ends, and whether its text can be copied as it is (see
        Loop.copy_problem); the body's nodes were judged by body_facts."""
        loop = info.loop
        if loop.from_macro:
            loop.copy_problem = loop.copy_problem or "the loop comes from a macro expansion"
            return
        data = self.source.data
        end = _statement_end(info.node, data)
        text = data[loop.offset:end] if end is not None else b""
        if end is None or not _balanced(text):
            loop.copy_problem = loop.copy_problem or "its end cannot be told from the source text"
            return
        loop.end_offset = end
        loop.braced = info.node.parent is not None and info.node.parent.kind == K.COMPOUND_STMT
        if loop.copy_problem is None and _DIRECTIVE_LINE.search(text):
            loop.copy_problem = "a preprocessor line is inside it"
        if loop.copy_problem is None and (b"__LINE__" in text or b"__COUNTER__" in text):
            loop.copy_problem = "it uses __LINE__ or __COUNTER__"


_UNSIGNED_KINDS = {TypeKind.BOOL, TypeKind.CHAR_U, TypeKind.UCHAR, TypeKind.CHAR16, TypeKind.CHAR32,
                   TypeKind.USHORT, TypeKind.UINT, TypeKind.ULONG, TypeKind.ULONGLONG, TypeKind.UINT128}
_CASTS = {K.CSTYLE_CAST_EXPR, K.CXX_STATIC_CAST_EXPR, K.CXX_FUNCTIONAL_CAST_EXPR, K.CXX_CONST_CAST_EXPR,
          K.CXX_REINTERPRET_CAST_EXPR}


def _unsigned(t) -> bool:
    """Whether an integer type is unsigned (after typedefs); enums count as signed."""
    return t.get_canonical().kind in _UNSIGNED_KINDS


def _bits(t) -> int:
    size = t.get_canonical().get_size()
    return 8 * size if size and size > 0 else 0


def _has_cast(node: Node) -> bool:
    """An explicit cast on the way from `node` down to the variable it wraps (parentheses skipped)."""
    while node.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR) or node.kind in _CASTS:
        if node.kind in _CASTS:
            return True
        children = expression_children(node)
        if len(children) != 1:
            break
        node = children[0]
    return False


def _form_problem(init: Node, cond: Node, iv_operand: Node, inc: Node, is_iv) -> Optional[str]:
    """Why gcc 12 or clang 14 would reject this canonical-looking header under an OpenMP pragma, or None.
    Checked by compiling each form with both (see tests/test_frontend_loops.py)."""
    if init.kind != K.DECL_STMT:
        assign = under_implicit_conversions(init)
        if assign.kind == K.PAREN_EXPR:
            return "gcc rejects a parenthesized loop initialization under an OpenMP pragma"
        lhs = expression_children(assign)[0] if expression_children(assign) else assign
        if under_implicit_conversions(lhs).kind == K.PAREN_EXPR or _has_cast(lhs):
            return "gcc rejects a parenthesized induction variable in the loop initialization"
    if under_implicit_conversions(cond).kind == K.PAREN_EXPR:
        return "gcc rejects a parenthesized loop condition under an OpenMP pragma"
    if _has_cast(iv_operand):
        return "clang rejects a cast on the induction variable in the loop condition"
    if inc.kind == K.BINARY_OPERATOR and inc.binary_op == "=":
        value = expression_children(inc)[1]
        if _has_cast(value):
            return "clang rejects a cast in the loop increment"
        inner = strip(value)
        if any(_has_cast(part) for part in expression_children(inner) if is_iv(part)):
            return "clang rejects a cast in the loop increment"
    return None


_DIRECTIVE_LINE = re.compile(rb"(^|\n)[ \t]*#")
_ENDS_IN_LAST_CHILD = {K.FOR_STMT, K.WHILE_STMT, K.CXX_FOR_RANGE_STMT, K.SWITCH_STMT, K.IF_STMT, K.LABEL_STMT,
                       K.CASE_STMT, K.DEFAULT_STMT}


_COPY_KINDS = {K.LABEL_STMT, K.CASE_STMT, K.DEFAULT_STMT, K.ASM_STMT, K.MS_ASM_STMT, K.VAR_DECL}
_CONTROL_KINDS = {K.BREAK_STMT, K.CONTINUE_STMT, K.RETURN_STMT, K.GOTO_STMT, K.INDIRECT_GOTO_STMT,
                  K.CXX_THROW_EXPR}


def _notable_nodes(function: Function, body: Node) -> list[Node]:
    """The nodes under `body` that body_facts looks at: those that assign a variable, jump, throw, or
    keep a loop's text from being copied. The function's list of them (in pre-order) is kept."""
    notable = function.facts.get(("notable", 0))
    if notable is None:
        notable = [n for n in function.nodes if n.kind in _CONTROL_KINDS or n.kind in _COPY_KINDS
                   or written_decl_refs(n)]
        function.facts[("notable", 0)] = notable
        function.facts[("notable-index", 0)] = [n.index for n in notable]
    indices = function.facts[("notable-index", 0)]
    return notable[bisect.bisect_left(indices, body.index):bisect.bisect_right(indices, body.last)]


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


def _statement_end(node: Node, data: bytes) -> Optional[int]:
    """The byte just past statement `node`, its `;` included (libclang's extent of an expression
    statement stops before it), or None."""
    while node.kind in _ENDS_IN_LAST_CHILD:
        if not node.children:
            return None
        node = node.children[-1]
    end = node.end
    if end <= 0 or end > len(data):
        return None
    if node.kind == K.COMPOUND_STMT:
        return end if data[end - 1:end] == b"}" else None
    if data[end - 1:end] == b";" and node.kind in (K.DECL_STMT, K.NULL_STMT):
        return end
    position = _skip_blanks_and_comments(data, end)
    return position + 1 if data[position:position + 1] == b";" else None


def _skip_blanks_and_comments(data: bytes, position: int) -> int:
    while position < len(data):
        if data[position:position + 1] in (b" ", b"\t", b"\n", b"\r", b"\f", b"\v"):
            position += 1
        elif data.startswith(b"/*", position):
            close = data.find(b"*/", position + 2)
            if close < 0:
                return len(data)
            position = close + 2
        elif data.startswith(b"//", position):
            newline = data.find(b"\n", position)
            position = len(data) if newline < 0 else newline + 1
        else:
            break
    return position


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


def _single_loop(body: Node) -> bool:
    while body.kind == K.COMPOUND_STMT:
        if len(body.children) != 1:
            return False
        body = body.children[0]
    return body.kind in FOR_KINDS


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
