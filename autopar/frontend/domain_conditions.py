"""The affine conditions of the `if`s around an access, for its iteration domain.

Takes an access's node, its Scope and its function; gives the comparisons that hold whenever the
access runs, as DomainCondition: `if (c0 <= floord(32 * c1 - n, 32) && c1 < c2)` around it, in
generated code, keeps a tile's statement to the iterations where it runs, which is what proves its
tiles apart. A then-branch gives the conjuncts (`&&`) of its condition, an else-branch the negation
of a condition that is one comparison. Each side is affine or one floor of an affine expression
(quasi_bounds) of signed integers; `x % d == y` of affine x and y is the congruence of x and y
modulo d.

Only what holds at the access goes in: the condition has no side effect, and no variable it reads can
change between the test and the access: each is a non-static local or parameter of the function that
the branch does not assign or hand to a call, whose address is never taken and to which no reference
is bound, and no label or case lets control enter the branch without the test. Anything left out only widens the domain.
"""

from __future__ import annotations

import re
from typing import Optional

from clang.cindex import CursorKind as K

from autopar.frontend.affine import AffineBuilder, plain_local
from autopar.frontend.ast import FUNCTION_KINDS, Node, Source, expression_children, stored_operand, strip, variable_decl
from autopar.frontend.functions import Function
from autopar.frontend.nest_facts import Scope, written_decl_refs
from autopar.frontend.omp_pragmas import mask_comments
from autopar.frontend.quasi_bounds import bare, floor_value, signed
from autopar.frontend.variables import Variables
from autopar.ir import DomainCondition

_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": None}
_ENTRIES = {K.LABEL_STMT, K.CASE_STMT, K.DEFAULT_STMT}
_ASM = {K.ASM_STMT, K.MS_ASM_STMT}  # (writes its operands without an assignment)
_BODIES = FUNCTION_KINDS | {K.LAMBDA_EXPR}  # a lambda's body runs where it is called, not where it is written


def domain_conditions(affine: AffineBuilder, node: Node, scope: Scope, function: Function,
                      source: Source) -> list[DomainCondition]:
    """The comparisons of the `if`s between `node` and its function's (or lambda's) body that hold
    where it runs."""
    found: list[DomainCondition] = []
    child = node
    while child.parent is not None and child.parent.kind not in _BODIES:
        parent = child.parent
        if parent.kind == K.IF_STMT and len(parent.children) in (2, 3) and parent.children[0].is_expression \
                and child is not parent.children[0]:
            branch = 1 if child is parent.children[1] else 2
            between = mask_comments(source.data[parent.children[1].end:child.start])
            if branch == 2 and re.search(rb"\belse\b", between) is None:
                break  # C++17's `if (init; condition)`: its children are not (condition, then, else)
            key = ("domain_conditions", parent.index, branch)
            if key not in function.facts:
                function.facts[key] = _branch_conditions(affine, parent, branch, scope, function)
            found += function.facts[key]
        child = parent
    return found


def _branch_conditions(affine: AffineBuilder, statement: Node, branch: int, scope: Scope,
                       function: Function, else_written: bool = True) -> list[DomainCondition]:
    """The comparisons that hold in branch 1 (then) or 2 (else) of the `if` statement; `else_written`
    False: branch 2 is what follows an `if` without an else whose branch left (exit_conditions)."""
    condition = statement.children[0]
    body = statement.children[branch] if else_written or branch == 1 else statement
    if any(stored_operand(n) is not None for n in condition.walk()):
        return []
    comparisons = [(node, op) for node, op in _conjuncts(condition) if _stable(node, body, scope, function)]
    if branch == 2:  # else: the test failed, which negates it only when it is one comparison
        if len(comparisons) != 1 or comparisons[0][0] is not strip(condition):
            return []  # (`!done && n > 0` failing says nothing of n)
        node, op = comparisons[0]
        comparisons = [(node, _NEGATED[op])] if _NEGATED[op] else []
    found = []
    for node, op in comparisons:
        left, right = expression_children(node)
        if not (signed(left) and signed(right)):
            continue
        congruence = _congruence(affine, left, right, scope) if op == "==" else None
        if congruence is not None:
            found.append(congruence)
            continue
        sides = [floor_value(affine, side, scope) for side in (left, right)]
        if None not in sides:
            found.append(DomainCondition(left=sides[0], op=op, right=sides[1]))
    return found


def _congruence(affine: AffineBuilder, left: Node, right: Node, scope: Scope) -> Optional[DomainCondition]:
    """`x % d == y` (either way round) as x ≡ y modulo |d|, for affine x and y: C's remainder, of
    either sign, is x minus a multiple of d (red-black sweeps: `if ((i + j) % 2 == color)`)."""
    for rest, other in ((left, right), (right, left)):
        node = bare(rest)  # (below parentheses and implicit conversions only: `(_Bool)(i % 3)` is no remainder)
        operands = expression_children(node)
        if node.kind != K.BINARY_OPERATOR or node.binary_op != "%" or len(operands) != 2 or not signed(operands[0]):
            continue
        modulus = floor_value(affine, operands[1], scope)
        x, y = floor_value(affine, operands[0], scope), floor_value(affine, other, scope)
        if modulus is None or modulus.expr.coefficients or not modulus.expr.constant or x is None or y is None \
                or x.divisor != 1 or y.divisor != 1:
            return None
        return DomainCondition(left=x, op="==", right=y, modulus=abs(modulus.expr.constant))
    return None


def _conjuncts(condition: Node) -> list[tuple[Node, str]]:
    node = strip(condition)
    if node.kind == K.BINARY_OPERATOR and node.binary_op == "&&":
        return [c for part in expression_children(node) for c in _conjuncts(part)]
    if node.kind == K.BINARY_OPERATOR and node.binary_op in _NEGATED and len(expression_children(node)) == 2:
        return [(node, node.binary_op)]
    return []  # `!done`, `a != b`, `a || b`: left out


def _stable(condition: Node, body: Node, scope: Scope, function: Function) -> bool:
    """Whether the condition (one comparison of an `if`'s test) is pure and what it reads keeps its
    value through the branch. A call in another part of the test cannot change it: what it reads
    are locals whose address is never taken."""
    nodes = condition.walk()
    if any(n.kind in (K.CALL_EXPR, K.COMPOUND_STMT) or stored_operand(n) is not None for n in nodes):
        return False
    read = {Variables.key(d): d for d in map(variable_decl, nodes) if d is not None}
    if not read:
        return True
    nest = scope.nest
    bound = {Variables.key(d) for d in (variable_decl(strip(b)) for b in function.references.values() if b is not None)
             if d is not None}
    for key, decl in read.items():
        if not plain_local(decl) or key in nest.address_taken_in_function or key in bound or \
                key in nest.captured_by_reference:  # (a call of the lambda in the branch changes it)
            return False
    names = {d.spelling for d in read.values()}
    for n in body.walk():
        if n.kind in _ENTRIES or n.kind in _ASM:
            return False
        if n.kind in (K.VAR_DECL, K.PARM_DECL) and n.cursor.spelling in names:
            return False  # another variable of that name inside: the model knows names by spelling
        if n.kind == K.CALL_EXPR and any(Variables.key(d) in read for d in
                                         (variable_decl(strip(a)) for a in expression_children(n)) if d is not None):
            return False  # handed to a call, which may take it by reference (`bump(m)` of `void bump(int &)`)
        for target in written_decl_refs(n):
            decl = target.cursor.referenced
            if decl is not None and Variables.key(decl) in read:
                return False
    return True


_JUMPS = {K.RETURN_STMT, K.CONTINUE_STMT, K.BREAK_STMT, K.GOTO_STMT}


def exit_conditions(affine: AffineBuilder, node: Node, scope: Scope, function: Function,
                    source: Source) -> list[DomainCondition]:
    """The comparisons that hold when `node` (a loop) starts because an earlier statement of a block
    around it left otherwise: `if (n <= 0) return;` (or `continue`, `break`, `goto`, the branch's
    last statement) before it, with no `else`, a test of one comparison whose variables nothing
    between it and the loop changes, and no label between that a jump could enter by."""
    found: list[DomainCondition] = []
    child = node
    while child.parent is not None and child.parent.kind not in _BODIES:
        parent = child.parent
        if parent.kind in _ENTRIES:
            break  # (`label: for`: a jump may enter past any test above)
        if parent.kind == K.COMPOUND_STMT:
            siblings = parent.children[:parent.children.index(child)]
            for k, statement in enumerate(siblings):
                test = _exit_test(statement)
                if test is None:
                    continue
                # (what lies between: the statements after the exit, and the one that holds the loop,
                # with the blocks, labels and enclosing do/while loops between it and the loop)
                between = [*siblings[k + 1:], child]
                if all(_stable(test, body, scope, function) for body in between):
                    found += _branch_conditions(affine, statement, 2, scope, function, else_written=False)
        child = parent
    return found


def _exit_test(statement: Node) -> Optional[Node]:
    """The test of `if (test) <jump>` or `if (test) { ...; <jump>; }` without an else, else None."""
    if statement.kind != K.IF_STMT or len(statement.children) != 2 or not statement.children[0].is_expression:
        return None
    branch = statement.children[1]
    last = branch.children[-1] if branch.kind == K.COMPOUND_STMT and branch.children else branch
    return statement.children[0] if last.kind in _JUMPS else None
