"""Linear counters: `c[j] += a[i]; j++;` inside `for (i = lo; i < n; i++)`, where `j` advances by the
same constant in every iteration, is `j = j0 + step * (i - lo)` (one step more after the increment):
OpenMP's `linear(j:step)` gives each iteration that value, and the subscripts become affine in `i`.

Takes a canonical loop (its LoopInfo) and the function's escaping variables; gives, per counter, its
step per iteration, and for each reference to it in a subscript, the affine terms to read there
(`j` itself names the value the counter has where the loop starts: the pragma's own place).

Kept narrow on purpose, so that no other loop's analysis sees these terms: the loop steps by 1 or -1
from an affine start; its body is a block with no continue, break, goto, return, label or switch; the
counter is a signed local of at least int width whose address never escapes; its one write in the
loop is `j++`, `++j`, `j--`, `--j`, `j += c` or `j -= c` (c a constant), a statement of the body's
own block; every other reference is in a statement of that block that holds no loop, in a subscript
or as a plain value (`e[i] = j`), never under an `if`, `?:`, `switch`, `&&` or `||` (so no inner
loop and no condition reads the counter).
"""

from __future__ import annotations

from typing import Optional

from clang.cindex import CursorKind as K, StorageClass, TypeKind

from autopar.frontend.ast import (EXPLICIT_CASTS, FUNCTION_KINDS, INC_DEC, LOOP_KINDS, Node, bare, evaluate_int,
                                  expression_children, strip)
from autopar.frontend.loops import LoopInfo
from autopar.frontend.nest_facts import written_decl_refs
from autopar.frontend.variables import Variables, is_volatile

_SIGNED = {TypeKind.INT, TypeKind.LONG, TypeKind.LONGLONG}
_JUMPS = {K.CONTINUE_STMT, K.BREAK_STMT, K.GOTO_STMT, K.INDIRECT_GOTO_STMT, K.RETURN_STMT, K.LABEL_STMT,
          K.SWITCH_STMT}


def linear_counters(info: LoopInfo, escaping: set[tuple], language: str) -> tuple[dict[tuple, int], dict[int, dict[str, int]]]:
    """({counter key: step per iteration}, {id of a reference node in a subscript: its affine terms}).
    C only: in C++ a reference parameter (`keep(j)` binding `int &`) lets the counter escape unseen."""
    c = info.loop.canonical
    body = info.body
    if language != "c" or c is None or c.step_symbol or abs(c.step) != 1 or c.lower is None or body is None or \
            body.kind != K.COMPOUND_STMT:
        return {}, {}
    statements = body.children
    # asked of every loop: the walk for jumps only when the body's block has an increment at all
    if all(_increment(statement) is None for statement in statements) or any(n.kind in _JUMPS for n in body.walk()):
        return {}, {}
    steps: dict[tuple, int] = {}
    refs: dict[int, dict[str, int]] = {}
    for position, statement in enumerate(statements):
        found = _increment(statement)
        if found is None:
            continue
        decl, step = found
        key = Variables.key(decl)
        declared_inside = key[0] == info.loop.file and info.node.start <= key[1] < info.node.end
        if key in steps or key in escaping or declared_inside or not _plain_counter(decl) or key == info.iv_key:
            continue  # (one declared in the loop is a new object every iteration)
        if decl.type.get_canonical().get_size() * 8 > (c.iv_bits or 64):
            continue  # clang 14 miscompiles a counter wider than the loop variable (a crash counting down)
        terms = _reference_terms(info, statements, position, decl, step)
        if terms is not None:
            steps[key] = step
            refs.update(terms)
    return steps, refs


def _increment(statement: Node) -> Optional[tuple[object, int]]:
    """(declaration, step) when the statement is `v++`, `++v`, `v--`, `--v`, `v += c` or `v -= c`."""
    node = strip(statement)
    operands = expression_children(node)
    if node.kind == K.UNARY_OPERATOR and node.unary_op in INC_DEC and len(operands) == 1:
        target, step = strip(operands[0]), 1 if node.unary_op.endswith("++") else -1
    elif node.kind == K.COMPOUND_ASSIGNMENT_OPERATOR and node.binary_op in ("+=", "-=") and len(operands) == 2:
        value = None if bare(operands[1]).kind in EXPLICIT_CASTS else evaluate_int(strip(operands[1]))  # ((signed char)300)
        if not value:
            return None
        target, step = strip(operands[0]), value if node.binary_op == "+=" else -value
    else:
        return None
    decl = target.cursor.referenced if target.kind == K.DECL_REF_EXPR else None
    return (decl, step) if decl is not None else None


def _plain_counter(decl) -> bool:
    parent = decl.semantic_parent
    return decl.kind == K.VAR_DECL and parent is not None and parent.kind in FUNCTION_KINDS and \
        decl.storage_class not in (StorageClass.STATIC, StorageClass.EXTERN) and \
        decl.type.get_canonical().kind in _SIGNED and not is_volatile(decl.type)


def _reference_terms(info: LoopInfo, statements: list[Node], at: int, decl, step: int
                     ) -> Optional[dict[int, dict[str, int]]]:
    """The terms of each reference to the counter in a subscript, or None when a reference is not in
    a loop-free statement of the body's block, or is under a condition, or the loop writes the
    counter anywhere else (a plain value, `e[i] = j`, gets no terms: linear() gives it its own)."""
    key = Variables.key(decl)
    name = decl.spelling
    c = info.loop.canonical
    iv = c.induction_variable
    # the iteration's number k: i - lo counting up, lo - i counting down
    sign = 1 if c.step > 0 else -1
    k = {iv: sign}
    for mono, coeff in c.lower.coefficients.items():
        k[mono] = k.get(mono, 0) - sign * coeff
    k[""] = k.get("", 0) - sign * c.lower.constant
    out: dict[int, dict[str, int]] = {}
    for position, statement in enumerate(statements):
        mentions = [n for n in statement.walk() if n.kind == K.DECL_REF_EXPR and n.cursor.referenced is not None
                    and Variables.key(n.cursor.referenced) == key]
        writes = [n for n in statement.walk() for t in written_decl_refs(n)
                  if t.cursor.referenced is not None and Variables.key(t.cursor.referenced) == key]
        if position == at:
            if len(mentions) != 1 or len(writes) != 1:
                return None  # `j += j`, or a second write in the increment's statement
            continue
        if writes:
            return None
        if mentions and any(n.kind in LOOP_KINDS for n in statement.walk()):
            return None
        after = position > at
        for ref in mentions:
            if not _in_subscript(ref, statement):
                if _in_condition(ref, statement):
                    return None  # a condition's guard would read j as a value fixed for the loop
                continue  # a value (`e[i] = j`): linear() gives each iteration its own
            terms = {mono: step * coeff for mono, coeff in k.items()}
            terms[name] = terms.get(name, 0) + 1
            terms[""] = terms.get("", 0) + (step if after else 0)
            out[id(ref)] = {m: v for m, v in terms.items() if v or m == ""}
    return out


_CONDITIONS = {K.IF_STMT, K.CONDITIONAL_OPERATOR, K.SWITCH_STMT}


def _in_condition(ref: Node, statement: Node) -> bool:
    """Whether `ref` decides which code runs: in an `if`, `?:` or `switch`, or an operand of `&&`/`||`,
    below `statement` (the conservative reading: anywhere under such a node)."""
    for parent in ref.ancestors():
        if parent.kind in _CONDITIONS or (parent.kind == K.BINARY_OPERATOR and parent.binary_op in ("&&", "||")):
            return True
        if parent is statement:
            return False
    return False


def _in_subscript(ref: Node, statement: Node) -> bool:
    """Whether `ref` is inside the index of an array subscript (not its base) below `statement`."""
    child = ref
    for parent in ref.ancestors():
        if parent.kind == K.ARRAY_SUBSCRIPT_EXPR:
            operands = expression_children(parent)
            if len(operands) == 2 and (operands[1] is child or operands[1].contains(child)):
                return True
        if parent is statement:
            return False
        child = parent
    return False
