"""Loops pass: every `for` loop of the main file, its nesting, and the parts of its header.

Takes a file's functions; gives a LoopInfo per `for` loop (its LoopDraft: position, nesting, macro origin;
the AST parts of the header and body), in source order. loop_header reads the canonical form from those
parts, loop_body what the body does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.ir import Loop
from autopar.frontend.ast import ARRAY_TYPES, FOR_KINDS, Node, Source
from autopar.frontend.containers import range_container
from autopar.frontend.functions import Function, cleanup_handlers
from autopar.frontend.variables import Variables
from autopar.frontend.nest_facts import NestFacts, Scope, written_decl_refs
from autopar.frontend.wraparound import Walk


class LoopDraft:
    """A loop's facts while the front end's passes find them: the fields of `Loop`, set one pass after
    another. The IR's `Loop` is frozen; `translate` makes each one once, from its draft, after the last
    pass (`frozen`)."""

    # (field name, default value, default factory): asking pydantic for each default costs more than
    # the front end's pass over a loop
    _DEFAULTS = tuple((name, spec.default, spec.default_factory) for name, spec in Loop.model_fields.items())

    def __init__(self, **given):
        for name, default, factory in self._DEFAULTS:
            setattr(self, name, given.pop(name) if name in given else (factory() if factory else default))
        if given:
            raise TypeError(f"Loop has no field {', '.join(sorted(given))}")

    scalar = Loop.scalar  # (reads fields only)

    def frozen(self) -> Loop:
        return Loop.model_validate(vars(self))


@dataclass
class LoopInfo:
    """A loop with the AST parts the later passes need (never leaves autopar.frontend)."""

    node: Node
    function: Function
    loop: LoopDraft
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
    # a range-based for over a container (containers.range_container): the declarations of its
    # element variable and of the container variable
    range_element: object = None
    range_container: object = None
    parent: Optional["LoopInfo"] = None
    children: list["LoopInfo"] = field(default_factory=list)
    root: Optional["LoopInfo"] = None
    nest: Optional[NestFacts] = None
    linear: dict = field(default_factory=dict)  # counter key -> step per iteration (autopar.frontend.linear)
    _scope: Optional[Scope] = field(default=None, repr=False)

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

    def canonical_walks(self) -> dict[str, Walk]:
        """How each enclosing canonical loop moves its variable: its step (None where it is a variable,
        or where its bounds name another loop's variable: a row may then start anywhere), the constant
        it starts from (None where unknown), and the parameter n when it runs over a whole row,
        `for (j = 0; j < n; j++)` (autopar.frontend.wraparound)."""
        infos = [info for info in self.enclosing() if info.loop.canonical is not None and info.iv_key is not None]
        ivs = {info.loop.canonical.induction_variable for info in infos}
        walks = {}
        for info in infos:
            form = info.loop.canonical
            first = form.lower.constant if form.lower is not None and not form.lower.coefficients and \
                not form.lower_each else None
            start = first if form.step > 0 else None
            bounds = [form.lower, form.upper, *form.lower_each, *form.upper_each]
            moving = any(b is None or any(ivs & set(m.split("*")) for m in b.coefficients) for b in bounds)
            step = None if form.step_symbol or moving else form.step
            walks[form.induction_variable] = Walk(step, first, start, _row(form, start), _below_largest(info))
        return walks

    def scope(self) -> Scope:
        """The Scope of code in this loop's condition, increment and body, once its nest's facts are
        known; made once, as each access of the loop asks for it."""
        if self._scope is None:
            self._scope = Scope(self.nest, self.canonical_scope(), self.node, self.canonical_walks())
        return self._scope


def _below_largest(info: LoopInfo) -> bool:
    """Whether the loop's variable stays below its type's largest value in the body: it counts up
    while `i < n` (or `i != n` by 1) compared in its own type, where n is at most that value (an
    `int i < unsigned n` may reach INT_MAX)."""
    form = info.loop.canonical
    if form.step_symbol or form.step <= 0 or info.bound is None or info.iv_decl is None or \
            form.comparison.value not in ("<", "!=") or (form.comparison.value == "!=" and form.step != 1):
        return False
    own = info.iv_decl.type.get_canonical()
    compared = info.bound.cursor.type.get_canonical()
    return own.kind == compared.kind and own.get_size() == compared.get_size() >= 4


def _row(form, start: Optional[int]) -> Optional[str]:
    """The parameter n of a loop `for (j = 0; j < n; j++)` (or `j != n`, `j <= n - 1`), else None."""
    upper = form.upper
    if start != 0 or form.step != 1 or form.step_symbol or form.upper_each or upper is None or \
            len(upper.coefficients) != 1:
        return None
    (name, coefficient), = upper.coefficients.items()
    last = {"<": 0, "!=": 0, "<=": -1}.get(form.comparison.value)
    return name if coefficient == 1 and "*" not in name and upper.constant == last else None


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
        keys = function.facts[("address_taken", 0)] = escaping_addresses(function, set())
    return keys


def escaping_addresses(function: Function, lent: set[int]) -> set[tuple]:
    """Variables whose address escapes, not counting the `&v` nodes in `lent` (by id): addresses
    handed to a call that only reads and writes `*p` for its duration (calls.lent_addresses). Besides
    `&v`: every variable named in what a reference is bound to (`T &r = c ? m : k`), and a variable
    bound to a reference member in a braced initialiser (`Holder h{m}`). (A lambda's captures by
    reference change only when it is called: `captured_by_reference`.)"""
    keys = set()
    for bound in function.references.values():
        if bound is not None:
            keys.update(Variables.key(d) for d in map(_named_variable, bound.walk()) if d is not None)
    for node in function.nodes_of((K.UNARY_OPERATOR,)):  # (the function's index by kind: no walk of its own)
        if node.unary_op == "&" and id(node) not in lent:
            for target in written_decl_refs(node):
                decl = target.cursor.referenced
                if decl is not None:
                    keys.add(Variables.key(decl))
    for node in function.nodes_of((K.INIT_LIST_EXPR,)):
        for item, field in zip(node.children, _aggregate_fields(node)):
            decl = _named_variable(item) if field else None
            if decl is not None:
                keys.add(Variables.key(decl))
    return keys | {Variables.key(node.cursor) for node in cleanup_handlers(function)}


def initializer_addresses(clang_tu) -> set[tuple]:
    """Variables named in the initializer of a declaration at file scope, in the main file or a
    header (`static double *gpi = &g;`, `struct S held = { w };`): in C such an initializer is a
    constant, so a variable named there has its address taken (C++ may also copy a value: counted
    too, which only keeps a loop serial). C++'s namespaces and `extern "C" { }` blocks are file scope
    too."""
    keys = set()
    scopes = [clang_tu.cursor]
    while scopes:
        for top in scopes.pop().get_children():
            if top.kind in _FILE_SCOPES:
                scopes.append(top)
            elif top.kind == K.VAR_DECL:
                keys |= _named_in(top)
    return keys


def _extent_spans(declaration) -> list[tuple[int, int]]:
    """The byte ranges of the `[...]` that follow a declaration's name (its array extents)."""
    spans, depth, start, after_name = [], 0, 0, False
    for token in declaration.get_tokens():
        text, offset = token.spelling, token.extent.start.offset
        if not after_name:
            after_name = token.kind.name == "IDENTIFIER" and text == declaration.spelling
            continue
        if depth == 0 and text != "[":
            break
        depth += {"[": 1, "]": -1}.get(text, 0)
        if text == "[" and depth == 1:
            start = offset
        elif text == "]" and depth == 0:
            spans.append((start, offset + 1))
    return spans


# declarations whose members are at file scope as well
_FILE_SCOPES = {K.NAMESPACE, K.LINKAGE_SPEC, K.UNEXPOSED_DECL}


def _named_in(declaration) -> set[tuple]:
    """The variables a declaration's initializer names (by both keys of each: its own and its first
    declaration's); an array's extent (`int a[N]`, with a C++ `const int N`) is no initializer."""
    keys = set()
    extents = _extent_spans(declaration) if declaration.type.get_canonical().kind in ARRAY_TYPES else []
    for node in declaration.walk_preorder():
        if node.kind == K.DECL_REF_EXPR and not any(a <= node.extent.start.offset < b for a, b in extents):
            decl = node.referenced
            if decl is not None and decl.kind == K.VAR_DECL:
                keys.update({Variables.key(decl), Variables.key(decl.canonical)})
    return keys


def _aggregate_fields(init_list: Node) -> list[bool]:
    """For each element of a braced initialiser of a struct, whether it initialises a reference
    member (`struct Holder { int &r; }; Holder h{m};`); every element where a base comes first."""
    record = init_list.cursor.type.get_canonical()
    if record.kind != TypeKind.RECORD:
        return []  # (an array's elements are values)
    children = list(record.get_declaration().get_children())
    if any(c.kind == K.CXX_BASE_SPECIFIER for c in children):
        return [True] * len(init_list.children)
    return [c.type.get_canonical().kind in (TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE)
            for c in children if c.kind == K.FIELD_DECL]


def captured_by_reference(function: Function) -> set[tuple]:
    """The variables of the function that a lambda capturing by reference names (`[&] { m += 10; }`,
    `[&m]`): a call of it, wherever it was handed, may change them. The function's fact."""
    keys = function.facts.get(("captured_by_reference", 0))
    if keys is None:
        keys = function.facts[("captured_by_reference", 0)] = set()
        for node in function.nodes_of((K.LAMBDA_EXPR,)):
            if _captures_by_reference(node):
                keys.update(Variables.key(d) for d in map(_named_variable, node.walk())
                            if d is not None and not node.start <= d.extent.start.offset < node.end)
    return keys


def _named_variable(node: Node):
    """The variable a DECL_REF_EXPR (below parentheses) names, or None."""
    while node.kind == K.PAREN_EXPR and node.children:
        node = node.children[0]
    if node.kind != K.DECL_REF_EXPR:
        return None
    decl = node.cursor.referenced
    return decl if decl is not None and decl.kind in (K.VAR_DECL, K.PARM_DECL) else None


def _captures_by_reference(lambda_node: Node) -> bool:
    """Whether a lambda's capture list has a `&` (a default `[&]`, or `[&m]`)."""
    depth = 0
    for token in lambda_node.cursor.get_tokens():
        text = token.spelling
        if text == "[":
            depth += 1
        elif text == "]":
            depth -= 1
            if depth == 0:
                return False
        elif text in ("&", "&&") and depth == 1:
            return True
    return True  # (no end found: assumed to)


class LoopFinder:
    def __init__(self, path: str, source: Source, variables: Variables):
        self.path = path
        self.source = source
        self.variables = variables

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
        enclosing = node.parent
        while enclosing is not None and enclosing.kind != K.LAMBDA_EXPR:
            enclosing = enclosing.parent
        loop = LoopDraft(id=f"{self.path}:{loc.line}:{loc.column}", file=self.path, line=loc.line, column=loc.column,
                    offset=offset, function=function.name, depth=0, end_line=cursor.extent.end.line,
                    from_macro=from_macro, in_lambda=enclosing is not None, indentation=self.source.indentation(loc.line),
                    top_level_offset=function.top_level_start, in_external_inline=function.external_inline)
        info = LoopInfo(node=node, function=function, loop=loop)
        if node.kind == K.CXX_FOR_RANGE_STMT:
            info.body = node.children[-1] if node.children else None
            over = range_container(node)
            if over is not None and b";" in self.source.data[node.start:node.children[0].start]:
                loop.non_canonical_reason = "range-based for with an init-statement (gcc 12 refuses OpenMP on it)"
            elif over is None:
                loop.non_canonical_reason = "range-based for"
            else:
                info.range_element, info.range_container = over
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
