"""Parameter regions: for a same-file function, the boxes of elements it reads and writes through
each pointer parameter whose every use is an element access with subscripts of known range
(`p[e1][e2]`, `*p`), so a call to it becomes accesses of those elements at the call.

A subscript's range comes from constants, the variables of the function's own counted loops (`for
(int m = 0; m < 5; m++)`, old C's `for (m = 1; m <= n; m++)`), and its integer parameters that it
never assigns: a bound is affine in them (`d + (argument k) * c + ...`), which the call site fills
in with its arguments.

Takes a `Function` and the indices of its pointer parameters; gives, per parameter index, its boxes
of constant ranges (`regions`, listed element by element at a call) or its boxes with bounds that
name parameters or that are too large to list (`spans`, one access over a range at a call).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from clang.cindex import CursorKind as K, StorageClass, TypeKind

from autopar.frontend.ast import (INTEGER_TYPES, TRANSPARENT, Node, evaluate_int, expression_children, stored_operand,
                                  unit_cache,
                                  strip, user_of, variable_decl)
from autopar.frontend.functions import Function
from autopar.frontend.pointer_facts import changed_variables
from autopar.frontend.variables import Variables


MAX_REGION_ELEMENTS = 64  # elements a call's regions may list: each becomes an access at the call

Bound = tuple[int, tuple[tuple[int, int], ...]]  # (d, ((k, c), ...)): d + the sum of (argument k) * c


class Regions(NamedTuple):
    reads: dict  # parameter index -> boxes of constant [low, high] per subscript
    writes: dict
    whole: list  # parameters whose every box written is written whole on every call (`_written_whole`)
    read_spans: dict  # parameter index -> boxes of [Bound, Bound] per subscript (FunctionSummary.read_spans)
    write_spans: dict


def function_ranges(function: Function) -> "_Ranges":  # built once for the questions below
    return _Ranges(function, list(function.node.cursor.get_arguments()))


def param_regions(function: Function, params: set[int], ranges: "_Ranges") -> Regions:
    """For each pointer parameter in `params` whose every use is an element access `p[e1][e2]` or
    `*p` with subscripts of known range (`ranges`: function_ranges), the boxes it reads and writes,
    listed (small constant boxes) or as spans."""
    arguments = list(function.node.cursor.get_arguments())
    out = Regions({}, {}, [], {}, {})
    if function.nodes_of((K.ASM_STMT, K.MS_ASM_STMT)):
        return out  # an asm statement's outputs change variables unseen (`"+r"(n)`)
    for k in sorted(params):
        if k >= len(arguments):
            continue
        key = Variables.key(arguments[k])
        found = _element_uses(function, key, ranges)
        if found is None:
            continue
        r, w, every_call = found
        listed = all(not b[1] for box in r + w for dim in box for b in dim) and \
            sum(_elements(box) for box in r + w) <= MAX_REGION_ELEMENTS
        reads, writes = (out.reads, out.writes) if listed else (out.read_spans, out.write_spans)
        for boxes, into in ((r, reads), (w, writes)):
            if boxes:
                into[k] = [[[lo[0], hi[0]] if listed else [_flat(lo), _flat(hi)] for lo, hi in box] for box in boxes]
        if w and all(box in every_call for box in w) and _no_early_exit(function):
            out.whole.append(k)
    return out


def stable_parameters(ranges: "_Ranges") -> list[int]:
    """The indices of the function's integer parameters that it never assigns, lends or takes the
    address of (`ranges`: function_ranges): a bound that names one is the caller's argument (the cost
    of a call)."""
    return sorted(ranges.parameters.values())


def file_scope_arrays(unit_cursor, functions: list[Function]) -> dict[str, object]:
    """The C translation unit's file-scope arrays of constant size that every reference in `functions`
    names through one declaration (an `extern` in a header before the definition is fine while no
    function refers to it), and that no declaration inside a function names (a block-scope `extern`
    or `static`, a shadowing local): name -> that declaration. Two declarations referred to would be
    two objects to the analysis, and calls are summarized by name. Kept on the unit (`global_arrays`)."""
    top = {c.spelling for c in unit_cursor.get_children() if c.kind == K.VAR_DECL}
    inside = {n.cursor.spelling for f in functions for n in f.nodes_of((K.VAR_DECL,))}
    referred: dict[str, dict[tuple, object]] = {}
    for f in functions:
        for node in f.nodes_of((K.DECL_REF_EXPR,)):
            ref = node.cursor.referenced
            if ref is not None and ref.kind == K.VAR_DECL and ref.spelling in top and ref.spelling not in inside:
                referred.setdefault(ref.spelling, {})[Variables.key(ref)] = ref
    found = {name: next(iter(decls.values())) for name, decls in referred.items() if len(decls) == 1}
    found = {name: c for name, c in found.items() if c.semantic_parent is not None and
             c.semantic_parent.kind == K.TRANSLATION_UNIT and c.type.get_canonical().kind == TypeKind.CONSTANTARRAY}
    unit_cache(unit_cursor, "_autopar_global_arrays")["arrays"] = found
    return found


def global_arrays(unit_cursor) -> dict[str, object]:  # what file_scope_arrays found (summaries ask first)
    return unit_cache(unit_cursor, "_autopar_global_arrays").get("arrays", {})


def global_regions(function: Function, arrays: dict[tuple, str], ranges: "_Ranges") -> tuple[dict, dict, list]:
    """For each file-scope array of `arrays` (its declaration's key -> name) whose every use in the
    function is an element access with subscripts of known range (`r[i]` with `i` a parameter): its
    boxes read and written, as spans (FunctionSummary.global_read_spans), and the names of those it
    writes whole on every call (`ranges`: function_ranges). `row(i, n)` writing `r[i]` is then an
    access of `r[i]` at each call."""
    reads: dict = {}
    writes: dict = {}
    whole: list = []
    if function.nodes_of((K.ASM_STMT, K.MS_ASM_STMT)):
        return reads, writes, whole
    for key, name in sorted(arrays.items(), key=lambda item: item[1]):
        found = _element_uses(function, key, ranges)
        if found is None:
            continue
        r, w, every_call = found
        for boxes, into in ((r, reads), (w, writes)):
            if boxes:
                into[name] = [[[_flat(lo), _flat(hi)] for lo, hi in box] for box in boxes]
        if w and all(box in every_call for box in w) and _no_early_exit(function):
            whole.append(name)
    return reads, writes, whole


def _elements(box: list[tuple[Bound, Bound]]) -> int:
    out = 1
    for lo, hi in box:
        out *= max(0, hi[0] - lo[0] + 1)
    return out


def _element_uses(function: Function, key: tuple, ranges: "_Ranges") -> Optional[tuple[list, list, list]]:
    reads: list[list[tuple[Bound, Bound]]] = []
    writes: list[list[tuple[Bound, Bound]]] = []
    every_call: list[list[tuple[Bound, Bound]]] = []  # boxes some plain store writes whole, on every call
    loops = ranges.exact_loops()  # (a box under a hull is never known to be written whole)
    for node in function.nodes:
        if node.kind != K.DECL_REF_EXPR or node.cursor.referenced is None or \
                Variables.key(node.cursor.referenced) != key:
            continue
        e, box = node, []
        while True:
            parent = user_of(e)
            if parent is None:
                return None
            if parent.kind == K.ARRAY_SUBSCRIPT_EXPR:
                children = expression_children(parent)
                if len(children) != 2 or not (children[0] is e or children[0].contains(e)) or \
                        children[1].contains(node):
                    return None
                span = ranges.interval(children[1])
                if span is None:
                    return None
                box.append(span)
                e = parent
            elif parent.kind == K.UNARY_OPERATOR and parent.unary_op == "*" and not box:
                box.append((_constant(0), _constant(0)))
                e = parent
            else:
                break
        if not box or e.type_kind in (TypeKind.POINTER, TypeKind.RECORD, *_ARRAYS):
            return None  # the pointer itself (passed on, copied, compared) or a struct element
        parent = user_of(e)
        if parent is not None and parent.kind == K.VAR_DECL and \
                parent.cursor.type.get_canonical().kind in (TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE):
            return None  # bound to a reference (`double &e = p[j];`): written through it unseen
        written = parent is not None and stored_operand(parent) is not None and \
            (strip(stored_operand(parent)) is e or stored_operand(parent) is e)
        if parent is not None and parent.kind == K.UNARY_OPERATOR and parent.unary_op == "&":
            return None
        plain = written and parent.kind == K.BINARY_OPERATOR and parent.binary_op == "="
        if not written or not plain:
            if box not in reads:
                reads.append(box)
        if written and box not in writes:
            writes.append(box)
        if plain and box not in every_call and _written_whole(parent, e, loops, ranges):
            every_call.append(box)
    return reads, writes, every_call


def _written_whole(store: Node, element: Node, loops: dict[int, tuple[tuple, Bound, Bound]],
                   ranges: "_Ranges") -> bool:
    """Whether the statement `store` (`p[m][2] = e;`) writes every element of its box each time the
    function runs: a statement of its own, under nothing but blocks and constant loops it is the body
    of, each subscript a point (constants, parameters: `p[size][m]`) or one of those loops' variables
    plus a constant (so the elements written are all of the box), no variable used twice."""
    used, node = [], element
    while node.kind == K.ARRAY_SUBSCRIPT_EXPR:
        base, index = expression_children(node)
        index = _exact(index)
        if index is None:
            return False
        if ranges.point(index) is not None:
            pass  # one value on each call: its dim of the box is that value
        elif any(n.kind == K.DECL_REF_EXPR for n in index.walk()):
            if index.kind == K.BINARY_OPERATOR and index.binary_op in ("+", "-"):
                left, right = (_exact(side) for side in expression_children(index))
                if left is None or right is None or evaluate_int(right) is None or index.type_kind not in _WIDE_SIGNED:
                    return False
                index = left
            decl = variable_decl(index) if index.kind == K.DECL_REF_EXPR else None
            if decl is None:
                return False
            used.append(Variables.key(decl))
        node = strip(base)
    if len(set(used)) != len(used) or node.kind != K.DECL_REF_EXPR:
        return False  # (`*p` is a box of one element, but the loop above still must run it)
    statement, outer = store, store.parent
    while outer is not None and outer.kind not in (K.FUNCTION_DECL, K.CXX_METHOD):
        if outer.kind == K.FOR_STMT:
            head = loops.get(outer.index)
            if head is None or outer.children[3] is not statement:
                return False
            if head[0] in used:
                used.remove(head[0])  # (its range empty, the box is empty too)
            elif head[1][1] or head[2][1] or head[1][0] > head[2][0]:
                return False  # a loop the subscripts do not follow must run, and at least once
        elif outer.kind != K.COMPOUND_STMT:
            return False
        statement, outer = outer, outer.parent
    return not used  # every variable of a subscript is one of the loops around the store


def _no_early_exit(function: Function) -> bool:
    """No return before the end of the body, no goto, break or continue: every statement of the body
    that is not under a condition runs on every call."""
    if function.nodes_of((K.GOTO_STMT, K.INDIRECT_GOTO_STMT, K.BREAK_STMT, K.CONTINUE_STMT, K.LABEL_STMT)):
        return False
    body = function.node.children[-1] if function.node.children else None
    returns = function.nodes_of((K.RETURN_STMT,))
    return body is not None and body.kind == K.COMPOUND_STMT and \
        all(r.parent is body and r is body.children[-1] for r in returns)


_ARRAYS = (TypeKind.CONSTANTARRAY, TypeKind.INCOMPLETEARRAY, TypeKind.VARIABLEARRAY)


class _Ranges:
    """The ranges of a function's integer expressions: constants, its integer parameters that it never
    assigns (a parameter is the point `argument * 1 + 0`), and the variables of its counted loops."""

    def __init__(self, function: Function, arguments: list):
        from autopar.frontend.loops import address_taken_in
        from autopar.frontend.scalars import passed_by_reference_in

        self.parameters: dict[tuple, int] = {}  # key -> index, for the parameters a bound may name
        self.loops: dict[int, tuple[tuple, Bound, Bound]] = {}  # loop node's index -> (variable, low, high)
        # locals set once to a point (`i = size;`): key -> (index of the setting statement's last node, value)
        self.fixed: dict[tuple, tuple[int, Bound]] = {}
        if function.nodes_of((K.LAMBDA_EXPR,)):
            return  # a lambda may capture any variable by reference: what changes it is not seen
        # variables whose address is taken, that a reference is bound to (`int &r = n;`), or passed to
        # a C++ non-const reference parameter: what changes them is not seen
        lent = address_taken_in(function) | passed_by_reference_in(function)
        changed = lent | changed_variables(function)
        self.parameters = {Variables.key(a): k for k, a in enumerate(arguments)
                           if a.type.get_canonical().kind in _WIDE_SIGNED and Variables.key(a) not in changed}
        self._fix_locals(function, lent)
        # loops whose range is a hull: a bound reads the counter of a loop around (`for (m = p + 1; m < 5;
        # m++)`), so the range holds every value the counter takes, not each run's (no box is written whole)
        self.hulls: set[int] = set()
        fors = function.nodes_of((K.FOR_STMT,))  # (in source order: a loop before the loops inside it)
        found: dict[int, tuple[tuple, Bound, Bound]] = {}
        headers: set[int] = set()  # the nodes of those headers' init and increment
        for hull in (False, True):
            self.loops = found  # (the hulls read the ranges of the loops around them)
            for node in fors:
                head = None if node.index in found else self._head(node, hull)
                if head is not None:
                    found[node.index] = head
                    headers.update(part.index for part in (node.children[0], node.children[2]))
                    if hull:
                        self.hulls.add(node.index)
        assigned = set(lent)  # ... and the variables assigned anywhere but those headers
        for node in function.nodes:
            if node.index not in headers:
                assigned.update(_assigned(node))
        # a loop over the counter of a loop around it changes that counter in the outer body (`for (m ...)
        # { for (m ...) ...; a[m] = t; }`): neither gives a range
        by_index = {node.index: node for node in fors}
        nested = {head[0] for index, head in found.items() for other, more in found.items()
                  if other != index and more[0] == head[0] and by_index[index].contains(by_index[other])}
        self.loops = {index: head for index, head in found.items() if head[0] not in assigned | nested}
        # a hull read the range of a loop around it, which may have just lost its own: read again
        while any(self._head(by_index[index], True) != self.loops[index] for index in self.hulls & set(self.loops)):
            self.loops = {index: head for index, head in self.loops.items()
                          if index not in self.hulls or self._head(by_index[index], True) == head}

    def _fix_locals(self, function: Function, lent: set) -> None:
        """The integer locals that a statement of the body's own sets, once, to a point of constants,
        parameters and such locals (`i = size;`, `int k1 = n + 1;`), and nothing else assigns: every
        use after that statement reads that value (no goto may skip it)."""
        body = function.node.children[-1] if function.node.children else None
        if body is None or body.kind != K.COMPOUND_STMT or \
                function.nodes_of((K.GOTO_STMT, K.INDIRECT_GOTO_STMT, K.LABEL_STMT)):
            return
        setters: dict[tuple, list[Node]] = {}
        for node in function.nodes:
            for key in _assigned(node):
                setters.setdefault(key, []).append(node)
        decls = {Variables.key(d.cursor): d for d in function.nodes_of((K.VAR_DECL,))}
        for statement in body.children:
            if statement.kind == K.DECL_STMT:
                found = [(Variables.key(d.cursor), expression_children(d)[-1]) for d in statement.children
                         if d.kind == K.VAR_DECL and expression_children(d)]
            elif statement.kind == K.BINARY_OPERATOR and statement.binary_op == "=":
                target, value = expression_children(statement)
                decl = variable_decl(strip(target))
                found = [(Variables.key(decl), value)] if decl is not None else []
                if found and setters.get(found[0][0]) != [statement]:
                    continue
            else:
                continue
            for key, value in found:
                decl = decls.get(key)
                if decl is None or key in lent or decl.cursor.storage_class == StorageClass.STATIC or \
                        decl.cursor.type.get_canonical().kind not in _WIDE_SIGNED:
                    continue
                declared_here = statement.kind == K.DECL_STMT
                if (key in setters) if declared_here else bool(expression_children(decl)):
                    continue  # declared with a value and assigned too: set twice
                point = self.point(value)
                if point is not None:
                    self.fixed[key] = (statement.last, point)

    def exact_loops(self) -> dict[int, tuple[tuple, Bound, Bound]]:
        """The loops whose range is that of each run (no hull)."""
        return {index: head for index, head in self.loops.items() if index not in self.hulls}

    def _head(self, node: Node, hull: bool = False) -> Optional[tuple[tuple, Bound, Bound]]:
        """(variable, low, high) of a `for` loop's header `m = lo; m < hi (or <= hi); m++` whose bounds
        are points (the variable declared there or assigned), or None. `hull`: bounds may also read the
        counters of the loops around (self.loops); low is then the least value the start takes, high
        the largest the end takes."""
        if len(node.children) != 4:
            return None
        init, cond, inc, _ = node.children
        if init.kind == K.DECL_STMT:
            decls = [c for c in init.children if c.kind == K.VAR_DECL]
            if len(decls) != 1 or not expression_children(decls[0]):
                return None
            var, start = Variables.key(decls[0].cursor), expression_children(decls[0])[-1]
        else:
            init = strip(init)
            target = variable_decl(strip(expression_children(init)[0])) if init.kind == K.BINARY_OPERATOR and \
                init.binary_op == "=" else None
            if target is None:
                return None
            var, start = Variables.key(target), expression_children(init)[1]
        lo, cond, inc = self._end(start, hull, 0), strip(cond), strip(inc)
        if lo is None or cond.kind != K.BINARY_OPERATOR or cond.binary_op not in ("<", "<="):
            return None
        left, right = (_exact(side) for side in expression_children(cond))
        if left is None or right is None or left.type_kind not in _WIDE_SIGNED:
            return None  # (`m < 4u` compares m converted to unsigned: -1 is then the largest value)
        decl, hi = variable_decl(left), self._end(right, hull, 1)
        if decl is None or Variables.key(decl) != var or hi is None or \
                not (inc.kind == K.UNARY_OPERATOR and inc.unary_op in ("++", "post++")) or \
                variable_decl(strip(expression_children(inc)[0])) is None or \
                Variables.key(variable_decl(strip(expression_children(inc)[0]))) != var:
            return None
        hi = _add(hi, _constant(-1)) if cond.binary_op == "<" else hi
        if not lo[1] and not hi[1] and hi[0] < lo[0]:
            return None
        return var, lo, hi

    def _end(self, node: Node, hull: bool, side: int) -> Optional[Bound]:
        """A bound of a loop: its point, or (hull) the least (side 0) or largest (side 1) value of its
        range over the loops around."""
        if not hull:
            return self.point(node)
        found = self.interval(node)
        return found[side] if found is not None else None

    def point(self, node: Node) -> Optional[Bound]:
        """The value of an expression of constants and parameters, as a Bound; None otherwise."""
        found = self.interval(node, loops=False)
        return found[0] if found is not None and found[0] == found[1] else None

    def interval(self, node: Node, loops: bool = True) -> Optional[tuple[Bound, Bound]]:
        """The range of an integer expression of constants, parameters and counted loops' variables (in a
        signed type no conversion changes: anything else has no range here)."""
        e = _exact(node)
        if e is None:
            return None
        if not any(n.kind == K.DECL_REF_EXPR for n in e.walk()):
            value = evaluate_int(e)
            return (_constant(value), _constant(value)) if value is not None else None
        if e.kind == K.DECL_REF_EXPR:
            decl = variable_decl(e)
            if decl is None:
                return None
            key = Variables.key(decl)
            if key in self.parameters:
                return (0, ((self.parameters[key], 1),)), (0, ((self.parameters[key], 1),))
            if key in self.fixed and e.index > self.fixed[key][0]:
                return self.fixed[key][1], self.fixed[key][1]
            return _range_at(e, key, self.loops) if loops else None
        if e.kind == K.BINARY_OPERATOR and e.binary_op in ("+", "-", "*") and e.type_kind in _WIDE_SIGNED:
            parts = expression_children(e)
            if len(parts) != 2:
                return None
            a, b = self.interval(parts[0], loops), self.interval(parts[1], loops)
            if a is None or b is None:
                return None
            if e.binary_op == "+":
                found = _add(a[0], b[0]), _add(a[1], b[1])
            elif e.binary_op == "-":
                found = _add(a[0], _scale(b[1], -1)), _add(a[1], _scale(b[0], -1))
            else:
                found = _product(a, b)
            return found
        return None


def _constant(value: int) -> Bound:
    return (value, ())


def _flat(bound: Bound) -> list[int]:
    """As FunctionSummary writes a span's bound: [d, k1, c1, k2, c2, ...]."""
    return [bound[0], *(x for term in bound[1] for x in term)]


def _add(a: Bound, b: Bound) -> Bound:
    terms = dict(a[1])
    for k, c in b[1]:
        terms[k] = terms.get(k, 0) + c
    return (a[0] + b[0], tuple(sorted((k, c) for k, c in terms.items() if c)))


def _scale(a: Bound, c: int) -> Bound:
    return (a[0] * c, tuple((k, v * c) for k, v in a[1] if v * c))


def _product(a: tuple[Bound, Bound], b: tuple[Bound, Bound]) -> Optional[tuple[Bound, Bound]]:
    """The range of x * y: by a constant point (its sign orders the ends), or of two constant ranges."""
    for x, y in ((a, b), (b, a)):
        if y[0] == y[1] and not y[0][1]:
            c = y[0][0]
            return (_scale(x[0], c), _scale(x[1], c)) if c >= 0 else (_scale(x[1], c), _scale(x[0], c))
    if any(end[1] for end in (*a, *b)):
        return None
    products = [x[0] * y[0] for x in a for y in b]
    return _constant(min(products)), _constant(max(products))


def _assigned(node: Node) -> list[tuple]:
    target = stored_operand(node)
    if target is None and node.kind == K.UNARY_OPERATOR and node.unary_op == "&":
        children = expression_children(node)
        target = children[0] if children else None
    decl = variable_decl(strip(target)) if target is not None else None
    return [Variables.key(decl)] if decl is not None else []


def _range_at(use: Node, var: tuple, loops: dict[int, tuple[tuple, Bound, Bound]]) -> Optional[tuple[Bound, Bound]]:
    """The range of `var` at `use`: that of the nearest `for` around the use whose variable it is,
    when that loop is one of `loops` and the use is in its body (not in its header); else None."""
    for ancestor in use.ancestors():
        if ancestor.kind == K.FOR_STMT and len(ancestor.children) == 4:
            head = loops.get(ancestor.index)
            if head is not None and head[0] == var:
                return (head[1], head[2]) if ancestor.children[3].contains(use) or ancestor.children[3] is use else None
            if head is None and _for_variable(ancestor) == var:
                return None  # the nearest loop over it is not a counted one
    return None


def _for_variable(node: Node) -> Optional[tuple]:
    """The variable a `for` loop's increment steps, if it names one."""
    inc = strip(node.children[2])
    children = expression_children(inc) if inc.kind in (K.UNARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR,
                                                         K.BINARY_OPERATOR) else []
    decl = variable_decl(strip(children[0])) if children else None
    return Variables.key(decl) if decl is not None else None


_WIDE_SIGNED = {TypeKind.INT, TypeKind.LONG, TypeKind.LONGLONG}
_SIGNED = {TypeKind.CHAR_S, TypeKind.SCHAR, TypeKind.SHORT, *_WIDE_SIGNED}


def _exact(node: Node) -> Optional[Node]:
    """`node` below parentheses and the conversions that keep every value (to int, long or long long,
    from a signed type no wider or an unsigned one narrower); None where a conversion may change a value
    (`a[(_Bool)m]`, `a[(unsigned char)(m + 250)]`, `m` compared with `4u`)."""
    while node.kind in TRANSPARENT and node.expressions:
        inner = node.expressions[-1]
        if node.kind != K.PAREN_EXPR and node.type_kind != inner.type_kind:
            to, size, inner_size = node.type_kind, node.cursor.type.get_size(), inner.cursor.type.get_size()
            if to not in _WIDE_SIGNED or not (inner.type_kind in _SIGNED and size >= inner_size or
                                               inner.type_kind in INTEGER_TYPES and size > inner_size):
                return None
        node = inner
    return node
