"""The canonical form of a loop header: `for (init; condition; increment)` read as OpenMP's canonical
loop form, or the reason it is not.

Takes a LoopInfo whose header parts the loops pass found; fills its Loop's CanonicalForm (without the
affine bounds, which loop_body adds) and the LoopInfo's induction variable, bound, lower bound, step and
header writes, or sets Loop.non_canonical_reason.
"""

from __future__ import annotations

from typing import Optional

from clang.cindex import CursorKind as K, StorageClass, TypeKind

from autopar.ir import CanonicalForm, Comparison
from autopar.frontend.affine import AffineBuilder
from autopar.frontend.containers import container_name
from autopar.frontend.ast import (FLOATING_TYPES, FUNCTION_KINDS, INC_DEC, Node, Source, expression_children, strip,
                              under_implicit_conversions, variable_decl)
from autopar.frontend.loops import LoopInfo, address_taken_in
from autopar.frontend.variables import Variables, is_integer_decl

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "!=": "!="}


class _NotCanonical(Exception):
    """Why a loop header is not in OpenMP's canonical form (the message is the reason)."""


class HeaderReader:
    """Reads each loop's header as OpenMP's canonical form."""

    def __init__(self, source: Source, affine: AffineBuilder):
        self.source = source
        self.affine = affine

    def canonical(self, info: LoopInfo) -> None:
        """Fill loop.canonical (without the affine bounds), or non_canonical_reason."""
        loop = info.loop
        if loop.non_canonical_reason:
            return
        if info.range_container is not None:  # `for (auto &x : v)`: x over v's indices (bounds: loop_body)
            name = container_name(info.range_container)
            loop.canonical = CanonicalForm(
                induction_variable=info.range_element.spelling, iv_type="std::size_t", iv_declared_in_init=True,
                lower_text="0", upper_text=f"{name}.size()", comparison=Comparison.LT, step=1, range_over=name)
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
        if any(_writes(n) for n in lower_node.walk()):  # (`i = cnt++`, `i = (u = 5)`)
            raise _NotCanonical(f"the initial value `{text(lower_node)}` assigns a variable: OpenMP leaves it "
                                "unspecified how often a loop header's side effects happen")
        iv = iv_decl.spelling
        if not is_integer_decl(iv_decl):
            raise _NotCanonical(f"the induction variable {iv} is not an integer ({iv_decl.type.spelling})")
        if iv_decl.type.get_canonical().kind == TypeKind.BOOL:
            raise _NotCanonical(f"the induction variable {iv} is a bool (gcc rejects it in an OpenMP loop)")
        if iv_decl.type.get_canonical().kind == TypeKind.ENUM:
            raise _NotCanonical(f"the induction variable {iv} is an enum (gcc 12 fails on it in an OpenMP loop)")
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
        if is_iv(left) or is_iv(right):
            bound = right if is_iv(left) else left
            if under_implicit_conversions(bound).type_kind in FLOATING_TYPES:
                # (`i` converted to float: gcc rejects the pragma, "invalid controlling predicate")
                raise _NotCanonical(f"the condition `{text(cond)}` compares {iv} with a floating-point value")
            return (op, right, left) if is_iv(left) else (_FLIP[op], left, right)
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


_UNSIGNED_KINDS = {TypeKind.BOOL, TypeKind.CHAR_U, TypeKind.UCHAR, TypeKind.CHAR16, TypeKind.CHAR32,
                   TypeKind.USHORT, TypeKind.UINT, TypeKind.ULONG, TypeKind.ULONGLONG, TypeKind.UINT128}
_CASTS = {K.CSTYLE_CAST_EXPR, K.CXX_STATIC_CAST_EXPR, K.CXX_FUNCTIONAL_CAST_EXPR, K.CXX_CONST_CAST_EXPR,
          K.CXX_REINTERPRET_CAST_EXPR}


def _writes(node: Node) -> bool:
    return node.kind == K.COMPOUND_ASSIGNMENT_OPERATOR or node.kind == K.BINARY_OPERATOR and node.binary_op == "=" \
        or node.kind == K.UNARY_OPERATOR and node.unary_op in INC_DEC


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
    if any(n.kind == K.FOR_STMT for part in (init, cond, inc) if part is not None for n in part.walk()):
        return "clang rejects a `for` loop inside a statement expression of the loop header"
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
