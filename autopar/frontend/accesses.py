"""Accesses pass: every read and write of an array element or a pointee inside a loop nest.

`a[i][j]`, `A[i*n + j]`, `p[i]`, `*p` (as p[0]), `*(p + i)` (as p[i]), `s.data[i]`, `p->x[i]`, `p->x`.
Each subscript is affine in the enclosing induction variables and symbols, or carries the reason it
is not. Accesses are listed in evaluation order: the right-hand side of an assignment before its
target, and a compound assignment `a[i] += x` as a read followed by a write.

Takes each loop nest (its LoopInfos, with their NestFacts); gives its Access records (enclosing loops,
whether it runs conditionally), the element accesses it cannot name, the calls whose regions it
modelled (access_chains reads each lvalue as a chain).
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.ir import Access, AffineExpr, Span, Storage, Subscript, Variable
from autopar.frontend.access_chains import Chain, ChainReader, This
from autopar.frontend.member_paths import member_extents, member_offset, whole_record
from autopar.frontend.call_regions import call_regions
from autopar.frontend.affine import AffineBuilder
from autopar.frontend.containers import ELEMENT, buffer_variable, container_call, plain_element
from autopar.frontend.ast import (ARRAY_TYPES, ASSIGN_OPS, FOR_KINDS, INC_DEC, LOOP_KINDS, Node, Source, from_main_file,
                              bare, referenced, spelled_range, evaluate_int, expression_children, strip, variable_decl)
from autopar.frontend.domain_conditions import domain_conditions
from autopar.frontend.first_access import left_statements
from autopar.frontend.guards import guard_of
from autopar.frontend.unnamed_memory import container_based, unnamed_memory
from autopar.frontend.variables import canonical_spelling
from autopar.frontend.variables import Variables, is_reference, is_volatile
from autopar.frontend.loops import LoopInfo
from autopar.frontend.nest_facts import Scope
from autopar.frontend.wraparound import EXACT, INDEX

_UPDATE_OPS = {"+=": "+", "-=": "+", "*=": "*", "&=": "&", "|=": "|", "^=": "^"}
_FLOATING = {TypeKind.FLOAT, TypeKind.DOUBLE, TypeKind.LONGDOUBLE, TypeKind.HALF, TypeKind.FLOAT128}
_SPELLED_OPS = {"+": "+", "-": "+", "*": "*", "&": "&", "|": "|", "^": "^"}
_SIDE_EFFECTS = {K.CALL_EXPR, K.COMPOUND_ASSIGNMENT_OPERATOR}


def _floating_into_integer(target: Node, value: Node) -> bool:
    """An integer element updated with a floating-point value: each update truncates its own sum."""
    return strip(target).type_kind not in _FLOATING and bare(value).type_kind in _FLOATING


class _SpelledUpdate(NamedTuple):
    operands: list[Node]  # the two operands of the value, in source order
    element: Node  # the one that reads the element assigned
    op: str  # the update's operator, as for `a[k] op= v`


def _spelled_update(target: Node, value: Node) -> Optional[_SpelledUpdate]:
    """`a[k] = a[k] op v` (or `v op a[k]` for a commutative op), when both `a[k]` are the same array
    element spelled alike, with no side effect in the subscripts and no conversion that truncates:
    the same update as `a[k] op= v`. None for anything else."""
    element = strip(target)
    binary = bare(value)
    if element.kind != K.ARRAY_SUBSCRIPT_EXPR or binary.kind != K.BINARY_OPERATOR:
        return None
    op = _SPELLED_OPS.get(binary.binary_op)
    operands = expression_children(binary)
    if op is None or len(operands) != 2 or _floating_into_integer(target, binary):
        return None
    # the element read (the first operand, or the second of a commutative op): asked of every
    # assignment, so the cheap tests come first and the walks only when an element matches
    candidates = [0, 1] if binary.binary_op != "-" else [0]
    candidates = [k for k in candidates if bare(operands[k]).kind == K.ARRAY_SUBSCRIPT_EXPR]
    if not candidates:
        return None
    shape = _shape(element)
    same = next((k for k in candidates if shape is not None and _shape(bare(operands[k])) == shape), None)
    # nothing in the statement may change what a subscript reads between the two reads of the element
    if same is None or any(_side_effect(n) for n in value.walk()) or any(_side_effect(n) for n in element.walk()):
        return None
    return _SpelledUpdate(operands, operands[same], op)


def _side_effect(node: Node) -> bool:
    return node.kind in _SIDE_EFFECTS or (node.kind == K.UNARY_OPERATOR and node.unary_op in INC_DEC) or \
        (node.kind == K.BINARY_OPERATOR and node.binary_op in ASSIGN_OPS)


def _shape(node: Node) -> Optional[tuple]:
    """An expression's tree as comparable facts: each node's kind and operator, the declaration a name
    refers to, a literal's value (macros included: the text of an expansion may be empty or say
    nothing of the value, as `__COUNTER__` shows). None when some node is not one of these."""
    facts = []
    for n in node.walk():
        kind = n.kind
        if kind in (K.DECL_REF_EXPR, K.MEMBER_REF_EXPR):
            decl = n.cursor.referenced
            if decl is None or is_volatile(n.cursor.type):
                return None  # (a volatile may read another value the second time)
            facts.append((kind, Variables.key(decl)))
        elif kind in (K.INTEGER_LITERAL, K.CHARACTER_LITERAL):
            value = evaluate_int(n)
            if value is None:
                return None
            facts.append((kind, value))
        elif kind in (K.BINARY_OPERATOR, K.UNARY_OPERATOR):
            facts.append((kind, n.binary_op or n.unary_op))
        elif kind in (K.ARRAY_SUBSCRIPT_EXPR, K.PAREN_EXPR, K.UNEXPOSED_EXPR, K.CSTYLE_CAST_EXPR):
            facts.append((kind, n.cursor.type.get_canonical().spelling if kind == K.CSTYLE_CAST_EXPR else ""))
        else:
            return None
        facts.append(len(n.children))
    return tuple(facts)


def _value_unused(node: Node) -> bool:
    """An assignment or increment that is a statement of its own, so only its effect on the element
    counts: in a block, or the body of an if, else, for or while (not a condition, an initializer
    or a return value)."""
    parent = node.parent
    if parent is None:
        return False
    if parent.kind == K.COMPOUND_STMT:  # (the last statement of `({ ...; h[k]++; })` is its value)
        return node is not parent.children[-1] or parent.parent is None or parent.parent.kind != K.StmtExpr
    if parent.kind in (K.FOR_STMT, K.WHILE_STMT):
        return node is parent.children[-1]
    return parent.kind == K.IF_STMT and node is not parent.children[0]


def _in_place(statement: Node) -> Optional[tuple[int, int]]:
    """The statement's byte range, when it is in the main file and its first token is spelled in place (no macro)."""
    if not from_main_file(statement.cursor.location):
        return None
    start, _ = spelled_range(statement)
    return (statement.start, statement.end) if start == statement.start < statement.end else None



def _unevaluated(node: Node) -> bool:
    """`sizeof a[i + 1]`, `_Alignof(*p)`, `sizeof(int)`: an operand C does not evaluate, so it reads
    no memory. Where a variable-length array type appears anywhere in it (`sizeof vla[i]`,
    `sizeof(char[k[0]++])`, a cast to a pointer to one), C evaluates (or may evaluate) it, and it counts."""
    inside = node.walk()[1:]
    operands = expression_children(node)
    # an expression operand ends where the sizeof does and starts after it; libclang shows the size
    # expressions of a type name (`sizeof(char[k[0]++])`) as children too (a macro's nodes share
    # one place, which tells nothing: taken as a type name)
    if len(operands) != 1 or operands[0].end != node.end or operands[0].start <= node.start:
        return not any(n.is_expression for n in inside)  # a type name: only a VLA's sizes are expressions
    return not any(_variably_modified(n.cursor.type) for n in inside if n.is_expression)


def _variably_modified(ctype) -> bool:
    """A variable-length array type, or an array of or pointer to one."""
    t = ctype.get_canonical()
    while t.kind == TypeKind.POINTER or t.kind in ARRAY_TYPES:
        if t.kind in (TypeKind.VARIABLEARRAY, TypeKind.DEPENDENTSIZEDARRAY):
            return True
        t = (t.get_pointee() if t.kind == TypeKind.POINTER else t.get_array_element_type()).get_canonical()
    return False


# the kinds of node whose children may be in another loop or branch than the node itself (_contexts);
# jumps that may skip the rest of a loop's body, or of an outer loop's (a `break` of an inner loop)
_CONTEXT_KINDS = FOR_KINDS | LOOP_KINDS | {K.IF_STMT, K.CONDITIONAL_OPERATOR, K.SWITCH_STMT, K.BINARY_OPERATOR}
_SKIPS, _GOTOS = {K.CONTINUE_STMT, K.BREAK_STMT, K.GOTO_STMT, K.INDIRECT_GOTO_STMT}, {K.GOTO_STMT, K.INDIRECT_GOTO_STMT, K.LABEL_STMT}


def _loops_around(enclosing, writes: list[Node]) -> list[str]:
    """The ids of the enclosing loops (LoopInfos, outermost first) whose text holds one of `writes`."""
    return [info.loop.id for info in enclosing
            if any(info.node.start <= w.start and w.end <= info.node.end for w in writes)]


class AccessCollector:
    def __init__(self, source: Source, variables: Variables, affine: AffineBuilder):
        self.source = source
        self.variables = variables
        self.affine = affine
        self.chains, self.counter, self.function = ChainReader(source), 0, None
        self.summaries: dict = {}  # same-file function summaries, for the regions their calls touch
        self.modelled: set[tuple[int, int, int]] = set()  # (line, column, argument) of calls instantiated
        self.modelled_globals: set[tuple[int, int, str]] = set()  # (line, column, array) of calls instantiated
        self.global_arrays: dict = {}  # the file-scope arrays a call's regions may name (param_regions)
        self.lent: set[int] = set()  # the `&v` arguments (node ids) that lend a scalar (calls.lent_addresses)
        self.container_elements: set[tuple[int, int]] = set()  # (line, column) of `v[i]` calls modelled
        self.unmodelled: list[tuple[list[str], str]] = []  # (loop ids, text) of memory no chain names: `get()[i]`
        self.jumps: dict[int, bool] = {}  # nest root (node id) -> whether a jump of _SKIPS is in it
        self.directive_nests: dict[int, bool] = {}  # nest root (node id) -> whether a directive is in its text

    def collect(self, root: LoopInfo, loops_by_node: dict[int, LoopInfo]) -> list[Access]:
        """All accesses of one nest, in evaluation order."""
        self.loops_by_node = loops_by_node
        self.function = root.function
        self.root = root
        self.contexts = self._contexts(root.node)
        self.chains.begin(root, self.contexts)
        self.found: list[Access] = []
        self._visit(root.node)
        return self.found

    # ------------------------------------------------------------------------------------- the walk

    def _declaration(self, node: Node) -> bool:
        """The accesses of a declaration's initializer that are not plain reads (a range-based for's
        element, a reference's binding); False where the walk goes on into its children."""
        values, key = expression_children(node), Variables.key(node.cursor)
        element = self.chains.range_element(key) if values else None
        if element is not None and not is_reference(node.cursor):  # `for (double y : v)`: reads v[y]
            self.emit(strip(values[-1]), element, False, text=f"{element.root.spelling}[{node.cursor.spelling}]")
        if element is not None:  # (a reference element: its uses are the accesses)
            return True
        if values and is_reference(node.cursor):
            self._lvalue(values[-1], read=False, write=False)  # binding a reference reads nothing
            return True
        over = self.chains.range_of(key, values[-1]) if values else None
        if over is not None:  # `for (double x : m[i])`: reads some element of m[i]
            chain = self.chains.decompose(over)
            if chain is not None and chain.root is not None:
                chain.subs.append(("range", self.source.text_of(over)))
                self.emit(strip(values[-1]), chain, False)
            return True
        return False

    def _visit(self, node: Node) -> None:
        kind = node.kind
        if kind == K.VAR_DECL and self.function is not None and self._declaration(node):
            return
        if kind in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR):
            op = node.binary_op
            if op in ASSIGN_OPS:
                children = expression_children(node)
                if len(children) == 2:
                    spelled = _spelled_update(children[0], children[1]) \
                        if op == "=" and _value_unused(node) else None
                    if spelled is not None:  # `q[l] = q[l] + v`: the update `q[l] += v`, in source order
                        for operand in spelled.operands:
                            if operand is spelled.element:
                                self._lvalue(operand, read=True, write=False, update=spelled.op)
                            else:
                                self._visit(operand)
                        self._lvalue(children[0], read=False, write=True, update=spelled.op)
                        return
                    self._visit(children[1])
                    update = _UPDATE_OPS.get(op) if _value_unused(node) else None
                    if update is not None and _floating_into_integer(children[0], children[1]):
                        update = None  # `h[k] += 1.5` on integers truncates each sum: not a reduction
                    self._lvalue(children[0], read=op != "=", write=True, update=update,
                                 statement=node if update is not None else None)
                    return
        elif kind == K.UNARY_OPERATOR:
            op = node.unary_op
            children = expression_children(node)
            if op in INC_DEC and children:
                unused = _value_unused(node)
                self._lvalue(children[0], read=True, write=True, update="+" if unused else None,
                             statement=node if unused else None)
                return
            if op == "&" and children:
                self._lvalue(children[0], read=False, write=False)
                return
            if op == "*":
                self._lvalue(node, read=True, write=False)
                return
        elif kind == K.MEMBER_REF_EXPR and (member := referenced(node)) is not None and \
                member.kind in (K.CXX_METHOD, K.CONVERSION_FUNCTION, K.DESTRUCTOR):
            for child in node.children:  # `c->eval` of a call: the method, no member of the object
                self._visit(child)
            return
        elif kind in (K.ARRAY_SUBSCRIPT_EXPR, K.MEMBER_REF_EXPR):
            self._lvalue(node, read=True, write=False)
            return
        elif kind == K.DECL_REF_EXPR and self.function is not None and (
                self.function.references and (decl := variable_decl(node)) is not None and
                self.function.references.get(Variables.key(decl)) is not None or self.chains.unresolved_reference(node)):
            self._lvalue(node, read=True, write=False)  # `s += r` of `double &r = a[i]`: reads a[i]
            return
        elif kind == K.LAMBDA_EXPR or kind == K.CXX_UNARY_EXPR and _unevaluated(node):
            return
        elif kind == K.CALL_EXPR and (found := container_call(node, self.root.node)) is not None:
            if found[0] in ELEMENT and plain_element(node):
                self._lvalue(node, read=True, write=False)  # `v[i]`, `v.at(i)` read
                return
            for argument in found[2]:  # `v.size()`: the container object itself is no access
                self._visit(argument)
            return
        elif kind == K.CALL_EXPR and self.summaries:
            for child in node.children:
                self._visit(child)
            call_regions(self, node)
            return
        for child in node.children:
            self._visit(child)

    def _lvalue(self, expr: Node, read: bool, write: bool, update: Optional[str] = None,
                statement: Optional[Node] = None) -> None:
        """`statement`: the update statement whose element `expr` is (Access.update_range)."""
        chain = self.chains.decompose(expr)
        if (read or write) and (chain is None and unnamed_memory(expr) or self.chains.unresolved_reference(expr)) \
                and not container_based(expr, self.root.node):
            enclosing, _ = self.contexts.get(id(strip(expr)), ((), False))
            if enclosing:
                self.unmodelled.append(([info.loop.id for info in enclosing], self.source.text_of(strip(expr))))
        if chain is None or not chain.memory:
            for child in expr.children:
                self._visit(child)
            return
        for load in chain.loads:
            self._lvalue(load, read=True, write=False)
        for inner in chain.inner:
            self._visit(inner)
        top = strip(expr)
        if top.type_kind in ARRAY_TYPES:
            return  # `a[i]` of a 2-D array used as a pointer: an address, not an element
        if read:
            self.emit(top, chain, False, update=update)
        if write:
            self.emit(top, chain, True, update=update, statement=statement)

    # ------------------------------------------------------------------------------------ the record

    def emit(self, top: Node, chain: Chain, is_write: bool, text: Optional[str] = None,
             conditional: bool = False, update: Optional[str] = None, spans: Optional[list[Span]] = None,
             element_type: Optional[str] = None, statement: Optional[Node] = None) -> None:
        enclosing, in_branch = self.contexts.get(id(top), ((), False))
        conditional = conditional or in_branch
        if not enclosing:
            return
        innermost = enclosing[-1]
        scope = innermost.scope()
        root = chain.root
        subs = list(chain.subs)
        for _ in range(4):  # `float *row = a + i * n;` then row[j] is a[i * n + j]
            alias = self.chains.pointer_alias(root) if chain.root_indexed and subs else None
            if alias is None:
                break
            root, offsets, decl_scope = alias
            scoped = [(sign, node, decl_scope) for sign, node in offsets]
            what, item = subs[0]
            subs[0] = ("deref", scoped + ([(1, item, None)] if what == "idx" else list(item)))
        changes_in: list[str] = []  # the enclosing loops that assign the pointer `root`
        if isinstance(root, This):
            variable = Variable(name="this", decl="0:0", storage=Storage.PARAMETER, type=root.type,
                                is_pointer=True)
            written = False  # `this` cannot be assigned
        elif chain.container:
            if chain.call is not None:
                self.container_elements.add(chain.call.location())
            variable = buffer_variable(self.variables.get(root), root)
            written = False
        else:
            variable = self.variables.get(root)
            # a pointer the nest only declares (`double *row = u[i];` in the outer loop) is fixed in the
            # loops inside its declaration; the loop around it sees it as declared there (variant)
            key = Variables.key(root)
            indirectly = innermost.nest.may_change_indirectly(key, root)
            written = not variable.is_array and (key in innermost.nest.assigned or indirectly
                                                 or root.spelling.startswith("__begin"))  # range-for cursor
            if written and key in innermost.nest.assigned and not indirectly:
                # assigned only in outer loops (`u = w;` of a time loop's swap): fixed in the inner ones
                changes_in = _loops_around(enclosing, innermost.nest.all_writes.get(key, []))
                written = not changes_in or changes_in[-1] == innermost.loop.id
        every = not conditional and self._every_iteration(enclosing)
        subscripts: list[Subscript] = []
        for what, item in subs:
            if what == "range":
                subscripts.append(Subscript(text="*", non_affine_reason=f"element of a range-based for over {item}"))
            elif what == "index":
                subscripts.append(Subscript(text=item, affine=AffineExpr(coefficients={item: 1})))
            elif what == "idx":
                value, reason = self.affine.build(item, scope, wrap=INDEX, every_iteration=every)
                subscripts.append(Subscript(text=self.source.shown_text(item), affine=value, non_affine_reason=reason))
            else:
                subscripts.append(self._offset_subscript(item, scope, every))
        for span in spans or []:  # shown as its range (`row[0..n - 1]`), the name being internal
            subscripts = [Subscript(text=s.text.replace(span.name, span.text), affine=s.affine,
                                    non_affine_reason=s.non_affine_reason) for s in subscripts]
        if written:
            reason = f"pointer arithmetic on {variable.name}, which the loop writes"
            first = Subscript(text=subscripts[0].text if subscripts else "0", affine=None, non_affine_reason=reason)
            subscripts[:1] = [first]
        (line, column), text = top.location(), text or self.source.shown_text(top)
        if subs and subs[-1][0] == "range" and not any(c.isalnum() for c in text):
            text = f"an element of {subs[-1][1]}"  # the hidden `*__begin` of a range-based for
        self.found.append(Access(
            id=f"a{self.counter}", base=variable, path=variable.name + "".join(chain.path), is_write=is_write,
            subscripts=subscripts, element_type=top.cursor.type.spelling if element_type is None else element_type,
            element_canonical=canonical_spelling(top.cursor.type) if element_type is None else element_type, text=text,
            line=line, column=column, statement=top.stmt,
            enclosing_loops=[info.loop.id for info in enclosing], conditional=conditional, update=update,
            update_range=_in_place(statement) if statement is not None and is_write and not self._directives() else None,
            guard=guard_of(top, innermost.node) if is_write and conditional else [],
            conditions=domain_conditions(self.affine, top, scope, innermost.function, self.source),
            member_offset=member_offset(chain, root, subs) if not chain.container else None,
            member_extents=member_extents(chain, subs),
            whole_record=whole_record(chain, root, subs, top),
            base_changes_in=changes_in if not written else [],
            through_reference=chain.through_reference,
            spans=spans or [],
        ))
        self.counter += 1

    def _directives(self) -> bool:
        """Whether the nest's text holds a directive or `_Pragma` (a user's `omp atomic` before an update)."""
        root = self.root.node
        if id(root) not in self.directive_nests:
            self.directive_nests[id(root)] = re.search(rb"(^|\n)[ \t]*(?:#|%:|\?\?=)|\b_Pragma\b", self.source.data[root.start:root.end]) is not None
        return self.directive_nests[id(root)]

    def _offset_subscript(self, offsets: list[tuple], scope: Scope, every: bool) -> Subscript:
        """The subscript of `*(p + a - b)`: offsets are (sign, node) or (sign, node, scope of that node)."""
        if not offsets:
            return Subscript(text="0", affine=AffineExpr())
        text = ""
        total: dict[str, int] = {}
        constant = 0
        reason = None
        # each part is added as a pointer offset of its own: only a lone part is the whole subscript, which
        # may rely on a wrapped value being outside every array (`p + (unsigned)i - 4294967296L` is p + i)
        wrap = INDEX if len(offsets) == 1 else EXACT
        for sign, node, *own_scope in offsets:
            if isinstance(node, int):  # a constant a call's region adds
                text = str(node) if not text and sign > 0 else f"{text} {'+' if sign > 0 else '-'} {node}".strip()
                constant += sign * node
                continue
            if isinstance(node, str):  # the name of a span a call's region runs over (Access.spans)
                text = node if not text and sign > 0 else f"{text} {'+' if sign > 0 else '-'} {node}".strip()
                total[node] = total.get(node, 0) + sign
                continue
            part = self.source.shown_text(node)
            text = part if not text and sign > 0 else f"{text} {'+' if sign > 0 else '-'} {part}".strip()
            value, why = self.affine.build(node, own_scope[0] if own_scope and own_scope[0] else scope, wrap=wrap,
                                           every_iteration=every)
            if value is None:
                reason = reason or why
                continue
            for m, c in value.coefficients.items():
                total[m] = total.get(m, 0) + sign * c
            constant += sign * value.constant
        if reason:
            return Subscript(text=text, affine=None, non_affine_reason=reason)
        return Subscript(text=text, affine=AffineExpr(coefficients={m: c for m, c in sorted(total.items()) if c},
                                                      constant=constant))

    def _every_iteration(self, enclosing: tuple[LoopInfo, ...]) -> bool:
        """Whether code that no branch of its innermost loop holds runs on every iteration of each loop
        around it: no inner loop is under a branch or has bounds the model does not see (it may run
        zero times), and no `continue`, `break` or `goto` in the nest skips the rest of a body."""
        root = enclosing[0].node
        if id(root) not in self.jumps:
            self.jumps[id(root)] = any(n.kind in _SKIPS for n in root.walk())
        return not self.jumps[id(root)] and all(i.loop.canonical is not None and i.loop.canonical.lower is not None and
                                 i.loop.canonical.upper is not None and i.loop.conditional is False
                                 for i in enclosing[1:])

    def _contexts(self, root: Node) -> dict[int, tuple[tuple[LoopInfo, ...], bool]]:
        """For every node of a nest, in one pass from the top: the loops whose condition, increment or body
        contain it (outermost first), and whether it runs conditionally within the innermost one (under
        if/?:/&&/||/switch, a while loop, a statement a break leaves, any code of a nest with a goto)."""
        contexts: dict[int, tuple[tuple[LoopInfo, ...], bool]] = {id(root): ((), False)}
        nodes = root.walk()  # a goto or label makes any code of a body skippable; a break, what it leaves
        anywhere, left = any(n.kind in _GOTOS for n in nodes), left_statements(nodes)
        for parent in nodes:
            context = contexts[id(parent)]
            kind = parent.kind
            if kind not in _CONTEXT_KINDS:  # most nodes: their children share their context
                for child in parent.children:
                    contexts[id(child)] = context
                continue
            enclosing, conditional = context
            info = self.loops_by_node.get(id(parent)) if kind in FOR_KINDS else None
            if info is not None:  # within its parent loop's body (a break may end it early)
                info.loop.conditional = conditional or parent.index in left
            first = parent.children[0] if parent.children else None
            for child in parent.children:
                if info is not None and child is not info.init:
                    contexts[id(child)] = (enclosing + (info,), anywhere)
                    continue
                branch = conditional or parent.index in left
                if kind in (K.IF_STMT, K.CONDITIONAL_OPERATOR, K.SWITCH_STMT) and child is not first:
                    branch = True
                elif kind == K.BINARY_OPERATOR and child is not first and parent.binary_op in ("&&", "||"):
                    branch = True
                elif kind in LOOP_KINDS and kind != K.DO_STMT:
                    branch = True  # a while loop, or a loop that is not a listed one: may not run
                contexts[id(child)] = (enclosing, branch)
        return contexts
