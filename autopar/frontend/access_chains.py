"""Lvalues as access chains: `root` [subscripts] with a member path, read from an lvalue expression.

Takes an lvalue expression inside a loop nest (and the nest's loop contexts); gives its Chain: the root
variable (or `this`, or a standard container's buffer), the subscripts and pointer offsets outermost
first, the member path, the sub-expressions evaluated on the way and the pointers loaded from memory.
C++ references, range-based for elements and local row pointers (`T *row = a + i * n`, never
reassigned) are resolved to the object they name.
"""

from __future__ import annotations

from typing import Optional

from clang import cindex
from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import (ARRAY_TYPES, FLOATING_TYPES, FUNCTION_KINDS, INC_DEC, INTEGER_TYPES, TRANSPARENT,
                              Node, Source, canonical_kind, expression_children, referenced, strip,
                              under_implicit_conversions, variable_decl)
from autopar.frontend.variables import Variables, is_reference, is_reference_type
from autopar.frontend.containers import ELEMENT, PLAIN_TYPES, container_call, plain_element, unqualified
from autopar.frontend.loops import LoopInfo
from autopar.frontend.nest_facts import designated, written_decl_refs


_ADDRESS_TYPES = {TypeKind.POINTER, *ARRAY_TYPES}
_NUMBER_TYPES = INTEGER_TYPES | FLOATING_TYPES


def _same_element(pointer_decl, root_decl) -> bool:
    """`T *p` points at elements of `root` (a `T *` or a `T[]`), so p[i] indexes root's elements."""
    root_type = root_decl.type.get_canonical()
    if root_type.kind == TypeKind.POINTER:
        element = root_type.get_pointee()
    elif root_type.kind in ARRAY_TYPES:
        element = root_type.get_array_element_type()
    else:
        return False
    return unqualified(pointer_decl.type.get_canonical().get_pointee()) == unqualified(element)


def _number(decl) -> bool:
    """A variable holding a number: an address made of it (`((double *)addr)[i]`) points nowhere the
    analysis can name, so it is never the root of an element."""
    return canonical_kind(decl) in _NUMBER_TYPES


_CASTS = TRANSPARENT - {K.UNEXPOSED_EXPR, K.PAREN_EXPR}


def _may_move(root, declaration: Node, function_nodes: list[Node]) -> bool:
    """Whether the pointer variable `root` may hold another value where a pointer declared from it
    at `declaration` is used: an assignment or increment may designate it after the declaration in
    the block that declares it (`double *t = u; u = v; v = t;` leaves t where u was; `(c ? u : v) =
    w` too; anywhere in the block when the function has a goto, which may run an earlier one after
    it), or its address is taken or a reference bound to it anywhere in the function, or it is not
    a local or parameter (a call may change a global or static one). An array never moves."""
    if canonical_kind(root) in ARRAY_TYPES:
        return False
    automatic = root.kind == K.PARM_DECL or root.kind == K.VAR_DECL and root.semantic_parent is not None and \
        root.semantic_parent.kind in FUNCTION_KINDS and root.storage_class in _AUTOMATIC
    block = declaration.parent
    while block is not None and block.kind != K.COMPOUND_STMT:
        block = block.parent
    if not automatic or block is None:
        return True
    key = Variables.key(root)

    def names_root(refs: list[Node]) -> bool:
        return any(t.cursor.referenced is not None and Variables.key(t.cursor.referenced) == key for t in refs)
    jumps = any(n.kind in (K.GOTO_STMT, K.INDIRECT_GOTO_STMT) for n in function_nodes)
    if any(names_root(written_decl_refs(n)) for n in block.walk() if jumps or n.start > declaration.start):
        return True
    return any(n.unary_op == "&" and names_root(written_decl_refs(n)) or
               n.kind == K.VAR_DECL and is_reference_type(n.cursor.type) and n.expressions and
               names_root(designated(n.expressions[-1])) for n in function_nodes)


_AUTOMATIC = (cindex.StorageClass.NONE, cindex.StorageClass.AUTO, cindex.StorageClass.REGISTER)


def _crosses_cast(node: Node) -> bool:
    """Whether an explicit cast is among what `strip` skips above `node`'s operand: the fields then
    belong to the cast's struct, not to the root's (`((struct B *)p)->w`)."""
    while node.kind in TRANSPARENT and node.expressions:
        if node.kind in _CASTS:
            return True
        node = node.expressions[-1]
    return False


class This:
    """The implicit or explicit `this` of a method, as the root of `this->x[i]`."""

    def __init__(self, node: Node):
        if node.kind == K.CXX_THIS_EXPR:
            self.type = node.cursor.type.spelling
        else:
            member = node.cursor.referenced
            owner = member.semantic_parent if member is not None else None
            self.type = f"{owner.spelling} *" if owner is not None else "this"


class Chain:
    """`root` [subscripts] with a member path, decomposed from an lvalue expression."""

    def __init__(self):
        self.root = None  # the root variable's declaration cursor
        # outermost first: ("idx", node), ("deref", [(sign, node), ...]), ("range", text of the range) or
        # ("index", name): the index of a range-based for over a container (ChainReader.range_element)
        self.subs: list[tuple[str, object]] = []
        self.path: list[str] = []
        self.inner: list[Node] = []  # sub-expressions evaluated before the access (subscripts, offsets)
        self.memory = False
        self.root_indexed = False  # subs[0] indexes the root pointer itself: `p[i]`, `*(p + i)`
        self.loads: list[Node] = []  # pointers read from memory on the way: `p->next` of `p->next->val`
        self.container = False  # the root is a standard container: the elements of its buffer
        self.through_reference = False  # a member on the path is a reference (`int &r;`)
        self.call: Optional[Node] = None  # the container's element call (`v[i]`, `v.at(i)`), if any
        # the `.field` steps outside every subscript (`a[i].s.x`: `.s`, `.x`), innermost first
        self.members: list[Node] = []
        # per subscript (as subs): the declared extent of the array it indexes, None for a pointer
        # named by a variable (or an array of unknown extent); `loaded`: some subscript indexes a
        # pointer read from memory (`a[i][j]` of a `double **a`, `s.v[k]` of a `double *v` member)
        self.extents: list[Optional[int]] = []
        self.loaded = False
        self.member_subs = 0  # how many subscripts come after the first member (`vs[i].v[k]`: 1)


class ChainReader:
    """Reads lvalues as chains, for one nest at a time (see begin)."""

    def __init__(self, source: Source):
        self.source = source
        self.function = None

    def begin(self, root: LoopInfo, contexts: dict[int, tuple[tuple[LoopInfo, ...], bool]]) -> None:
        """Starts the nest of `root`, whose nodes' loop contexts (AccessCollector._contexts) are
        `contexts`."""
        if root.function is not self.function:  # facts of the whole function: kept for its next nest
            self._decls: Optional[dict[tuple, Node]] = None
            self._written: Optional[set[tuple]] = None
        self.function = root.function
        self.root = root
        # the element variables of the nest's range-based for loops over containers (loop_body
        # left canonical): element key -> (container declaration, the loop's index name)
        self.range_elements = {Variables.key(info.range_element): (info.range_container,
                                                                   info.loop.canonical.induction_variable)
                               for info in root.subtree() if info.range_container is not None
                               and info.loop.canonical is not None}
        self._resolving: set[tuple] = set()
        self._aliases: dict[tuple, Optional[tuple]] = {}
        self.contexts = contexts

    def decompose(self, expr: Node) -> Optional[Chain]:
        """The chain of an lvalue, from the outside in: each step (`_STEPS`, by node kind) records
        its part and returns the node inside it, or ends the walk with the chain (or None: not an
        access the analysis can name)."""
        chain = Chain()
        e = strip(expr)
        while True:
            step = _STEPS.get(e.kind)
            if step is None:
                return None
            e = step(self, e, chain)
            if not isinstance(e, Node):
                return e

    def _call_step(self, e: Node, chain: Chain) -> Optional[Chain]:
        """`v[i]`, `v.at(i)`, `v.data()` of a standard container."""
        found = container_call(e, self.root.node)
        if found is None:
            return None
        method, decl, args = found
        if chain.path:
            return None  # a member of an element (`v[i].x`): not modelled, the call stays unknown
        if method in ELEMENT and chain.subs:
            return None  # `v[i][0]`, `*v[i]`: through the pointer the element holds, not the element
        if method in ELEMENT and len(args) == 1 and plain_element(e):
            chain.subs.insert(0, ("idx", args[0]))
            chain.inner.append(args[0])
            chain.memory = True
        elif method != "data" or args or not chain.subs or \
                e.cursor.type.get_pointee().get_canonical().kind not in PLAIN_TYPES:
            return None
        chain.root = decl
        chain.root_indexed = False
        chain.container = True
        chain.call = e if method in ELEMENT else None
        return chain

    def _subscript_step(self, e: Node, chain: Chain) -> Optional[Node]:
        children = expression_children(e)
        if len(children) != 2:
            return None
        base, index = children
        if strip(base).type_kind not in _ADDRESS_TYPES:
            base, index = index, base  # `i[a]`
        chain.subs.insert(0, ("idx", index))
        chain.extents.insert(0, self._indexed_extent(base, chain))
        chain.loaded = chain.loaded or _crosses_cast(base)
        chain.inner.append(index)
        chain.memory = True
        base = strip(base)
        chain.root_indexed = base.kind == K.DECL_REF_EXPR
        return base

    @staticmethod
    def _indexed_extent(base: Node, chain: Chain) -> Optional[int]:
        """The extent of the array a subscript indexes (`G.cells[i]` of a `double cells[64][64]`
        member: 64); None for a pointer variable. Marks the chain `loaded` where it indexes a pointer
        read from memory, or something else (a cast)."""
        operand = under_implicit_conversions(base)
        ctype = operand.cursor.type.get_canonical()
        if ctype.kind == TypeKind.CONSTANTARRAY:
            return ctype.element_count
        if ctype.kind not in ARRAY_TYPES and not (ctype.kind == TypeKind.POINTER and operand.kind == K.DECL_REF_EXPR):
            chain.loaded = True
        return None

    def _member_step(self, e: Node, chain: Chain):
        member = e.cursor.referenced
        if member is not None and member.kind == K.VAR_DECL:
            return None  # a static data member (C++): one object for every element, no field of this one
        if member is not None and is_reference_type(member.type):
            chain.through_reference = True
        owner = member.semantic_parent if member is not None else None
        if owner is None or owner.kind not in (K.STRUCT_DECL, K.CLASS_DECL) or not owner.spelling or \
                owner.is_anonymous():  # a union's member, or one of an anonymous member's: fields may overlap
            chain.loaded = True  # (no member_extents: deps.aliasing keeps such fields together)
        chain.member_subs = len(chain.subs)  # (the walk goes inwards: the root's first member is last)
        chain.loaded = chain.loaded or bool(e.expressions) and _crosses_cast(e.expressions[0])
        children = expression_children(e)
        if not children:  # a member used inside a method: implicit `this->x`
            chain.path.insert(0, "->" + e.cursor.spelling)
            chain.memory = True
            chain.root = This(e)
            return chain
        base = children[0]
        arrow = base.type_kind == TypeKind.POINTER
        chain.path.insert(0, ("->" if arrow else ".") + e.cursor.spelling)
        if not arrow:
            if not chain.subs:
                chain.members.insert(0, e)
            return strip(base)
        chain.memory = True
        before = len(chain.subs)
        offsets = self.pointer_parts(base, chain)
        if offsets is None:
            return None
        if offsets:
            chain.subs.insert(len(chain.subs) - before, ("deref", offsets))
            chain.extents.insert(len(chain.extents) - before, None)  # (the root pointer's: `(p + k)->u`)
        return chain

    def _deref_step(self, e: Node, chain: Chain) -> Optional[Chain]:
        if e.unary_op != "*":
            return None
        children = expression_children(e)
        if not children:
            return None
        before = len(chain.subs)
        offsets = self.pointer_parts(children[0], chain)
        if offsets is None:
            return None
        chain.root_indexed = len(chain.subs) == before  # no pointer loaded on the way
        chain.subs.insert(len(chain.subs) - before, ("deref", offsets))
        chain.extents.insert(len(chain.extents) - before, None)  # (the root pointer's: `(*p).u`)
        chain.memory = True
        return chain

    def _name_step(self, e: Node, chain: Chain) -> Optional[Chain]:
        decl = variable_decl(e)
        if decl is None:
            return None
        bound = self._reference_binding(decl)
        if bound is not None:  # a C++ reference: the access is to what it is bound to
            chain.root = bound.root
            chain.subs[0:0] = bound.subs
            chain.path[0:0] = bound.path
            chain.inner.extend(bound.inner)
            chain.memory = chain.memory or bound.memory
            chain.container = chain.container or bound.container
            chain.root_indexed = False
            return chain
        if chain.memory and not chain.path and _number(decl):
            return None
        chain.root = decl
        return chain

    def range_element(self, key: tuple) -> Optional[Chain]:
        """The element a range-based for over a container binds its variable to, in its iteration:
        `v.data()[x]`, x the loop's index."""
        found = self.range_elements.get(key)
        if found is None:
            return None
        chain = Chain()
        chain.root, chain.container, chain.memory = found[0], True, True
        chain.subs = [("index", found[1])]
        return chain

    def unresolved_reference(self, expr: Node) -> bool:
        """Whether `expr` names a reference whose lvalue no chain describes: memory the accesses cannot
        name. A local reference bound to such an lvalue (`int &r = c ? m : k`; one that is resolved is
        that lvalue's uses), or one bound where the function does not show it: a global's (`extern long
        &ext_ref;`), a lambda's init-capture (`[&r = total]`), a template's reference parameter
        (`template <long &R>`). (A reference parameter is judged as a parameter.)"""
        e = strip(expr)
        if e.kind != K.DECL_REF_EXPR or self.function is None:
            return False
        decl = variable_decl(e)
        if decl is None:
            target = referenced(e)
            return target is not None and target.kind == K.TEMPLATE_NON_TYPE_PARAMETER and is_reference(target)
        key = Variables.key(decl)
        if key not in self.function.references:
            return is_reference(decl)
        return self.function.references[key] is not None and self._reference_binding(decl) is None

    def _reference_binding(self, decl) -> Optional[Chain]:
        """The lvalue a local reference variable is bound to (`double &r = a[i]`, `for (auto &x : v)`)."""
        if decl.kind != K.VAR_DECL or self.function is None:
            return None
        key = Variables.key(decl)
        element = self.range_element(key)
        if element is not None:
            return element
        if key in self._resolving:
            return None
        value = self.function.references.get(key)
        if value is None:
            return None
        self._resolving.add(key)
        try:
            over = self.range_of(key, value)
            if over is not None:  # `for (auto &x : m[i])`: x is some element of m[i]
                chain = self.decompose(over)
                if chain is None or chain.root is None:
                    return None
                chain.subs.append(("range", self.source.text_of(over)))
                chain.memory = True
                chain.root_indexed = False
                return chain
            return self.decompose(value)
        finally:
            self._resolving.discard(key)

    def range_of(self, key: tuple, value: Node) -> Optional[Node]:
        """The range of a range-based for whose element `*__begin` the variable `key` is bound to."""
        e = strip(value)
        if e.kind != K.UNARY_OPERATOR or e.unary_op != "*":
            return None
        cursor = strip(expression_children(e)[0])
        decl = variable_decl(cursor)
        if decl is None or not decl.spelling.startswith("__begin"):
            return None
        for node in self.function.nodes:
            if node.kind == K.CXX_FOR_RANGE_STMT and len(node.children) >= 3 and \
                    node.children[0].kind == K.VAR_DECL and Variables.key(node.children[0].cursor) == key:
                return node.children[1]
        return None

    def pointer_alias(self, decl) -> Optional[tuple]:
        """For a local pointer declared in this nest as `T *p = a + e` (or `&a[e]`) and never assigned
        again: (a, [(sign, e)], the scope at the declaration). Its elements are a's elements."""
        if not hasattr(decl, "kind") or decl.kind != K.VAR_DECL:
            return None
        key = Variables.key(decl)
        if key in self._aliases:
            return self._aliases[key]
        found = None
        node = self._pointer_decls().get(key)
        if node is not None and self.root.node.start <= node.start < self.root.node.end \
                and key not in self._reassigned():
            values = expression_children(node)
            value = strip(values[-1]) if values else None
            chain = Chain()
            offsets = None
            if value is not None and value.kind == K.UNARY_OPERATOR and value.unary_op == "&":
                target = strip(expression_children(value)[0])
                parts = expression_children(target) if target.kind == K.ARRAY_SUBSCRIPT_EXPR else []
                if len(parts) == 2 and strip(parts[0]).kind == K.DECL_REF_EXPR:
                    chain.root, offsets = variable_decl(strip(parts[0])), [(1, parts[1])]
            elif value is not None:
                offsets = self.pointer_parts(value, chain)
            if offsets is not None and chain.root is not None and not isinstance(chain.root, This) \
                    and not chain.subs and _same_element(decl, chain.root) and \
                    not _may_move(chain.root, node, self.function.nodes):
                enclosing, _ = self.contexts.get(id(node), ((), False))
                scope = enclosing[-1].scope() if enclosing else None
                found = (chain.root, offsets, scope)
        self._aliases[key] = found
        return found

    def _pointer_decls(self) -> dict[tuple, Node]:
        if self._decls is None:
            self._decls = {Variables.key(n.cursor): n for n in self.function.nodes
                           if n.kind == K.VAR_DECL and n.type_kind == TypeKind.POINTER}
        return self._decls

    def _reassigned(self) -> set[tuple]:
        """Variables assigned anywhere in the function after their declaration, or whose address escapes."""
        if self._written is None:
            self._written = set()
            for n in self.function.nodes:
                for target in written_decl_refs(n):
                    decl = target.cursor.referenced
                    if decl is not None:
                        self._written.add(Variables.key(decl))
        return self._written

    def pointer_parts(self, pointer: Node, chain: Chain) -> Optional[list[tuple[int, Node]]]:
        """`p + i - 1` -> offsets [(+1, i), (-1, 1)]; sets chain.root to p. None if not understood."""
        offsets: list[tuple[int, Node]] = []
        chain.loaded = chain.loaded or _crosses_cast(pointer)  # (for member_extents: `((B *)p + i)->w`)
        e = strip(pointer)
        sign = 1
        while True:
            if e.kind == K.BINARY_OPERATOR and e.binary_op in ("+", "-"):
                left, right = expression_children(e)
                if strip(left).type_kind in _ADDRESS_TYPES:
                    offsets.insert(0, (sign * (1 if e.binary_op == "+" else -1), right))
                    chain.inner.append(right)
                    chain.loaded = chain.loaded or _crosses_cast(left)
                    e = strip(left)
                elif e.binary_op == "+":
                    offsets.insert(0, (sign, left))
                    chain.inner.append(left)
                    chain.loaded = chain.loaded or _crosses_cast(right)
                    e = strip(right)
                else:
                    return None
            elif e.kind == K.UNARY_OPERATOR and e.unary_op in INC_DEC:
                e = strip(expression_children(e)[0])  # `*p++`: p moves, which the subscript reports
            elif e.kind == K.DECL_REF_EXPR:
                decl = variable_decl(e)
                if decl is None or _number(decl):
                    return None
                chain.root = decl
                return offsets
            elif e.kind == K.CXX_THIS_EXPR:
                chain.root = This(e)
                return offsets
            elif e.kind in (K.ARRAY_SUBSCRIPT_EXPR, K.MEMBER_REF_EXPR) or (
                    e.kind == K.UNARY_OPERATOR and e.unary_op == "*"):
                # a pointer loaded from memory: `*a[i]`, `p->next->x`; keep decomposing that lvalue
                inner = self.decompose(e)
                if inner is None:
                    return None
                chain.root = inner.root
                chain.subs[0:0] = inner.subs
                chain.path[0:0] = inner.path
                chain.loads.append(e)  # read as an access of its own, with its subscripts
                return offsets
            else:
                return None


def pointee_spelling(node: Node) -> str:
    """What a pointer or array expression's elements are, as an unqualified canonical spelling ("" for
    anything else): a cast between two pointers to different types changes what a subscript counts."""
    return type_pointee_spelling(node.cursor.type)


def type_pointee_spelling(ctype) -> str:
    """pointee_spelling of a type (a parameter's, say)."""
    t = ctype.get_canonical()
    inner = t.get_pointee() if t.kind == TypeKind.POINTER else t.get_array_element_type() if t.kind in ARRAY_TYPES else None
    return unqualified(inner) if inner is not None else ""


_STEPS = {
    K.CALL_EXPR: ChainReader._call_step,
    K.ARRAY_SUBSCRIPT_EXPR: ChainReader._subscript_step,
    K.MEMBER_REF_EXPR: ChainReader._member_step,
    K.UNARY_OPERATOR: ChainReader._deref_step,
    K.DECL_REF_EXPR: ChainReader._name_step,
}
