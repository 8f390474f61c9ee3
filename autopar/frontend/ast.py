"""A light tree over libclang cursors for one function body, plus small helpers the passes share.

libclang cursors are walked once per function and kept as `Node`s (kind, byte extent, children,
parent), so the passes can look around freely without asking libclang again. Also the main file's
text (`Source`), addressed by the byte offsets nodes carry. Which functions the file defines is
autopar/frontend/functions.py; the `Variable`s behind declarations, autopar/frontend/variables.py. Nothing
here leaves `autopar/frontend/`.
"""

from __future__ import annotations

import ctypes
import re
from typing import Iterator, Optional

from clang import cindex
from clang.cindex import CursorKind, TypeKind

from autopar.frontend.cursor_kinds import OPAQUE_EXPR, cursor_kind

K = CursorKind

# clang-c/Index.h (LLVM 17+): CXBinaryOperatorKind and CXUnaryOperatorKind, in order.
_BINARY = ["", ".*", "->*", "*", "/", "%", "+", "-", "<<", ">>", "<=>", "<", ">", "<=", ">=", "==", "!=",
           "&", "^", "|", "&&", "||", "=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|=", ","]
_UNARY = ["", "post++", "post--", "++", "--", "&", "*", "+", "-", "~", "!", "__real", "__imag",
          "__extension__", "co_await"]

_lib = cindex.conf.lib
from_main_file = _lib.clang_Location_isFromMainFile  # (of a SourceLocation: not from an included file)
try:
    _lib.clang_getCursorBinaryOperatorKind.argtypes = [cindex.Cursor]
    _lib.clang_getCursorBinaryOperatorKind.restype = ctypes.c_int
    _lib.clang_getCursorUnaryOperatorKind.argtypes = [cindex.Cursor]
    _lib.clang_getCursorUnaryOperatorKind.restype = ctypes.c_int
    _HAVE_OPERATOR_KINDS = True
except AttributeError:  # libclang older than 17: read the operator from the source text instead
    _HAVE_OPERATOR_KINDS = False

try:
    _lib.clang_Cursor_Evaluate.argtypes = [cindex.Cursor]
    _lib.clang_Cursor_Evaluate.restype = ctypes.c_void_p
    _lib.clang_EvalResult_getKind.argtypes = [ctypes.c_void_p]
    _lib.clang_EvalResult_getKind.restype = ctypes.c_int
    _lib.clang_EvalResult_getAsLongLong.argtypes = [ctypes.c_void_p]
    _lib.clang_EvalResult_getAsLongLong.restype = ctypes.c_longlong
    _lib.clang_EvalResult_dispose.argtypes = [ctypes.c_void_p]
    _HAVE_EVALUATE = True
except AttributeError:
    _HAVE_EVALUATE = False


def _unhooked(name: str, argtypes: list, restype):
    """A second handle on a libclang function, without the bindings' result hook (Type.from_result
    and Cursor.from_result search the arguments for their translation unit on every call): for what
    the passes ask of tens of thousands of nodes on a large file."""
    function = _lib._FuncPtr((name, _lib))
    function.argtypes, function.restype = argtypes, restype
    return function


_cursor_type = _unhooked("clang_getCursorType", [cindex.Cursor], cindex.Type)
_cursor_referenced = _unhooked("clang_getCursorReferenced", [cindex.Cursor], cindex.Cursor)
_cursor_is_null = _unhooked("clang_Cursor_isNull", [cindex.Cursor], ctypes.c_int)
_canonical_type = _unhooked("clang_getCanonicalType", [cindex.Type], cindex.Type)
_cursors_equal = _unhooked("clang_equalCursors", [cindex.Cursor, cindex.Cursor], ctypes.c_uint)


def same_cursor(a, b) -> bool:
    """Whether two cursor objects stand for the same entity (their hashes may collide)."""
    return bool(_cursors_equal(a, b))


def bare_cursor(cursor):
    """A copy of the cursor's handle without its translation unit: a cache on that unit may keep it
    without making a reference cycle."""
    return cindex.Cursor.from_buffer_copy(cursor)


def referenced(node: "Node"):
    """`node.cursor.referenced`, without the bindings' result hook (which asks libclang for a null
    cursor to compare with and searches the arguments for the translation unit)."""
    found = _cursor_referenced(node.cursor)
    if _cursor_is_null(found):
        return None
    found._tu = node.cursor._tu  # as the hook keeps it: the translation unit outlives the cursor
    return found


def unit_cache(cursor, name: str) -> dict:
    """A cache kept on the libclang translation unit that `cursor` belongs to, so it lives and dies
    with that unit's cursors (a new dict where the cursor has no unit)."""
    unit = getattr(cursor, "_tu", None)
    if unit is None:
        return {}
    found = getattr(unit, name, None)
    if found is None:
        found = {}
        setattr(unit, name, found)
    return found


def canonical_kind(cursor) -> TypeKind:
    """`cursor.type.get_canonical().kind`, without the bindings' Type objects (a declaration's
    cursor; a node's is kept on the node, `Node.type_kind`)."""
    return TypeKind.from_id(_canonical_type(_cursor_type(cursor))._kind_id)


def evaluate_int(node) -> Optional[int]:
    """The value of an integer constant expression (a macro's literal, sizeof, ...), of a Node or cursor."""
    if not _HAVE_EVALUATE:
        return None
    result = _lib.clang_Cursor_Evaluate(node.cursor if isinstance(node, Node) else node)
    if not result:
        return None
    try:
        if _lib.clang_EvalResult_getKind(result) != 1:  # CXEval_Int
            return None
        return int(_lib.clang_EvalResult_getAsLongLong(result))
    finally:
        _lib.clang_EvalResult_dispose(result)


TRANSPARENT = {K.UNEXPOSED_EXPR, K.PAREN_EXPR, K.CSTYLE_CAST_EXPR, K.CXX_STATIC_CAST_EXPR,
               K.CXX_FUNCTIONAL_CAST_EXPR, K.CXX_CONST_CAST_EXPR}
LOOP_KINDS = {K.FOR_STMT, K.WHILE_STMT, K.DO_STMT, K.CXX_FOR_RANGE_STMT}
FOR_KINDS = {K.FOR_STMT, K.CXX_FOR_RANGE_STMT}
FUNCTION_KINDS = {K.FUNCTION_DECL, K.CXX_METHOD, K.CONSTRUCTOR, K.DESTRUCTOR, K.CONVERSION_FUNCTION,
                  K.FUNCTION_TEMPLATE}
INTEGER_TYPES = {TypeKind.BOOL, TypeKind.CHAR_U, TypeKind.UCHAR, TypeKind.CHAR16, TypeKind.CHAR32,
                 TypeKind.USHORT, TypeKind.UINT, TypeKind.ULONG, TypeKind.ULONGLONG, TypeKind.UINT128,
                 TypeKind.CHAR_S, TypeKind.SCHAR, TypeKind.WCHAR, TypeKind.SHORT, TypeKind.INT,
                 TypeKind.LONG, TypeKind.LONGLONG, TypeKind.INT128, TypeKind.ENUM}
UNSIGNED_TYPES = {TypeKind.BOOL, TypeKind.CHAR_U, TypeKind.UCHAR, TypeKind.CHAR16, TypeKind.CHAR32,
                  TypeKind.USHORT, TypeKind.UINT, TypeKind.ULONG, TypeKind.ULONGLONG, TypeKind.UINT128}
FLOATING_TYPES = {TypeKind.FLOAT, TypeKind.DOUBLE, TypeKind.LONGDOUBLE, TypeKind.HALF, TypeKind.FLOAT128}
# type kinds the bundled bindings do not know but libclang reports (`_Float16` is 32): without them,
# asking a type's kind raises (every later lookup is by name, so each gets one)
for _id in range(256):
    if _id >= len(TypeKind._kinds) or TypeKind._kinds[_id] is None:
        setattr(TypeKind, {32: "FLOAT16", 39: "BFLOAT16"}.get(_id, f"KIND_{_id}"), TypeKind(_id))
for _name in ("FLOAT16", "BFLOAT16", "IBM128"):  # newer libclang versions only
    if hasattr(TypeKind, _name):
        FLOATING_TYPES.add(getattr(TypeKind, _name))


def integer_range(ctype) -> Optional[tuple[int, int]]:
    """The lowest and highest value of an integer type (a bool holds 0 and 1 only; an enum is read as
    the signed type of its size), or None for another type or one of unknown size."""
    t = ctype.get_canonical()
    if t.kind not in INTEGER_TYPES or t.get_size() <= 0:
        return None
    if t.kind == TypeKind.BOOL:
        return 0, 1
    bits = 8 * t.get_size()
    return (0, 2 ** bits - 1) if t.kind in UNSIGNED_TYPES else (-2 ** (bits - 1), 2 ** (bits - 1) - 1)


ARRAY_TYPES = {TypeKind.CONSTANTARRAY, TypeKind.INCOMPLETEARRAY, TypeKind.VARIABLEARRAY,
               TypeKind.DEPENDENTSIZEDARRAY}
ASSIGN_OPS = {"=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|="}
INC_DEC = ("++", "--", "post++", "post--")


_UNSET = object()


class Node:
    """One cursor of a function body, with its byte extent in the main file."""

    __slots__ = ("cursor", "kind", "children", "parent", "_start", "_end", "stmt", "index", "last", "tree", "decl",
                 "_op", "_type_kind", "_expressions")

    def __init__(self, cursor, kind, parent):
        self.cursor = cursor
        self.kind = kind
        self.parent: Optional[Node] = parent
        self.children: list[Node] = []
        self._start = -1  # byte extent, asked of libclang on first use
        self._end = -1
        self.stmt = 0  # order of the enclosing statement in the function
        self.index = 0  # pre-order number in the function
        self.last = 0  # pre-order number of the last node of this subtree
        self.tree: Optional[list[Node]] = None  # the function's nodes in pre-order
        self.decl = _UNSET  # the variable a DECL_REF_EXPR names, once looked up
        self._op: Optional[str] = None
        self._type_kind: Optional[TypeKind] = None
        self._expressions: Optional[list[Node]] = None

    @property
    def start(self) -> int:
        """Byte offset where the node starts (its expansion location for macro code)."""
        if self._start < 0:
            self._extent()
        return self._start

    @property
    def end(self) -> int:
        if self._end < 0:
            self._extent()
        return self._end

    def _extent(self) -> None:
        extent = _lib.clang_getCursorExtent(self.cursor)
        _instantiation(_lib.clang_getRangeStart(extent), None, None, None, _OFFSET_ADDRESS)
        self._start = _OFFSET.value
        _instantiation(_lib.clang_getRangeEnd(extent), None, None, None, _OFFSET_ADDRESS)
        self._end = _OFFSET.value

    def location(self) -> tuple[int, int]:
        """(line, column) where the node starts, as `cursor.extent.start` gives them, without the
        bindings' range and location objects."""
        start = _lib.clang_getRangeStart(_lib.clang_getCursorExtent(self.cursor))
        _instantiation(start, None, _LINE_ADDRESS, _COLUMN_ADDRESS, None)
        return _LINE.value, _COLUMN.value

    def walk(self) -> list["Node"]:
        """This node and all below it, in pre-order (source order)."""
        if self.tree is not None:
            return self.tree[self.index:self.last + 1]
        found, stack = [], [self]
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(reversed(node.children))
        return found

    def ancestors(self) -> Iterator["Node"]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def contains(self, other: "Node") -> bool:
        """Whether `other` lies strictly below this node."""
        if self.tree is not None and self.tree is other.tree:
            return self.index < other.index <= self.last
        return any(a is self for a in other.ancestors())

    @property
    def type_kind(self) -> TypeKind:
        """The kind of the node's canonical type, asked of libclang once."""
        if self._type_kind is None:
            self._type_kind = canonical_kind(self.cursor)
        return self._type_kind

    @property
    def binary_op(self) -> str:
        if self.kind not in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR):
            return ""
        if self._op is None:
            k = _lib.clang_getCursorBinaryOperatorKind(self.cursor) if _HAVE_OPERATOR_KINDS else 0
            self._op = _BINARY[k] if 0 <= k < len(_BINARY) else ""
        return self._op

    @property
    def unary_op(self) -> str:
        if self.kind != K.UNARY_OPERATOR:
            return ""
        if self._op is None:
            k = _lib.clang_getCursorUnaryOperatorKind(self.cursor) if _HAVE_OPERATOR_KINDS else 0
            self._op = _UNARY[k] if 0 <= k < len(_UNARY) else ""
        return self._op

    @property
    def expressions(self) -> list["Node"]:
        """The children that are expressions, found once (the passes ask again and again; do not
        change the list)."""
        if self._expressions is None:
            self._expressions = [c for c in self.children if c.is_expression]
        return self._expressions

    @property
    def is_expression(self) -> bool:
        found = _IS_EXPRESSION.get(self.kind)
        if found is None:
            found = _IS_EXPRESSION[self.kind] = self.kind.is_expression()
        return found


_IS_EXPRESSION: dict = {OPAQUE_EXPR: True}


def strip(node: Node) -> Node:
    """Skip parentheses, casts and implicit conversions (not `a ?: b` or `__builtin_choose_expr`:
    OPAQUE_EXPR, whose value is not one operand's)."""
    while node.kind in TRANSPARENT and node.children:
        expressions = node.expressions
        if not expressions:
            break
        node = expressions[-1]
    return node


EXPLICIT_CASTS = {K.CSTYLE_CAST_EXPR, K.CXX_STATIC_CAST_EXPR, K.CXX_FUNCTIONAL_CAST_EXPR, K.CXX_CONST_CAST_EXPR,
                  K.CXX_REINTERPRET_CAST_EXPR}


def bare(node: Node) -> Node:
    """The expression under its parentheses and implicit conversions, not the casts the source spells
    (a cast converts: it may narrow)."""
    while node.kind in (K.PAREN_EXPR, K.UNEXPOSED_EXPR) and node.expressions:
        node = node.expressions[-1]
    return node


def expression_children(node: Node) -> list[Node]:  # the node's own list: do not change it
    return node.expressions


def user_of(node: Node) -> Optional[Node]:
    """The expression that uses `node`, above its implicit conversions and parentheses."""
    parent = node.parent
    while parent is not None and parent.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR):
        parent = parent.parent
    return parent


def under_implicit_conversions(node: Node) -> Node:
    """The expression under its implicit conversions (libclang shows them as unexposed expressions)."""
    while node.kind == K.UNEXPOSED_EXPR:
        children = expression_children(node)
        if len(children) != 1:
            break
        node = children[0]
    return node


def stored_operand(node: Node) -> Optional[Node]:
    """The operand an assignment (=, op=) or an increment/decrement stores to, as written; else None."""
    if node.kind in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR):
        if node.binary_op not in ASSIGN_OPS:
            return None
    elif node.kind != K.UNARY_OPERATOR or node.unary_op not in INC_DEC:
        return None
    children = expression_children(node)
    return children[0] if children else None


def hidden_store(node: Node) -> Optional[str]:
    """For an assignment or increment whose target the passes cannot name: what it stores through.
    `__real__ z[i + 1] = ...` (half an element: the other half is kept), `__extension__ a[i] = ...`,
    `_Generic(...)` or `__builtin_choose_expr(...)` as the target (OPAQUE_EXPR)."""
    target = stored_operand(node)
    if target is None:
        return None
    target = strip(target)
    if target.kind == K.UNARY_OPERATOR and target.unary_op in ("__real", "__imag", "__extension__"):
        return f"a store through {target.unary_op}{'' if target.unary_op.endswith('_') else '__'}"
    if target.kind in (OPAQUE_EXPR, K.GENERIC_SELECTION_EXPR):
        return "a store to a _Generic or __builtin_choose_expr"
    return None


class Source:
    """The main file's text, addressed by byte offsets as clang reports them."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text
        self.data = text.encode("utf-8")
        self.line_starts = [0] + [m.end() for m in re.finditer(rb"\n", self.data)]

    def slice(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8", errors="replace")

    def text_of(self, node: Node) -> str:
        return " ".join(self.slice(node.start, node.end).split())

    def shown_text(self, node: Node) -> str:
        """The node's text for a reader: `text_of`, or, for an expression spelled in a macro's
        argument (whose expansion range is empty), the argument's own spelling in this file."""
        text = self.text_of(node)
        start, end = (None, None) if text else spelled_range(node)
        if text or start is None or end is None or not start < end <= len(self.data):
            return text
        return " ".join(self.slice(start, end).split())

    def line_text(self, line: int) -> str:
        if line < 1 or line > len(self.line_starts):
            return ""
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.data)
        return self.data[start:end].decode("utf-8", errors="replace").rstrip("\r\n")

    def indentation(self, line: int) -> str:
        text = self.line_text(line)
        return text[:len(text) - len(text.lstrip(" \t"))]


# clang_getInstantiationLocation's outputs, by address to a handle of plain addresses (the bindings' converts each call)
_instantiation = _unhooked("clang_getInstantiationLocation", [cindex.SourceLocation] + [ctypes.c_void_p] * 4, None)
_spelling = _unhooked("clang_getSpellingLocation", [cindex.SourceLocation] + [ctypes.c_void_p] * 4, None)
_FILE = ctypes.c_void_p()
_OFFSET = ctypes.c_uint()
_LINE = ctypes.c_uint()
_COLUMN = ctypes.c_uint()
_OFFSET_ADDRESS = ctypes.addressof(_OFFSET)
_LINE_ADDRESS = ctypes.addressof(_LINE)
_COLUMN_ADDRESS = ctypes.addressof(_COLUMN)


def spelled_range(node: Node) -> tuple[Optional[int], Optional[int]]:
    """Where the node's first and last tokens are spelled (each None outside the file it is expanded in)."""
    extent = _lib.clang_getCursorExtent(node.cursor)
    return _spelled_offset(_lib.clang_getRangeStart(extent)), _spelled_offset(_lib.clang_getRangeEnd(extent))


def _spelled_offset(location) -> Optional[int]:
    """Offset of where `location` is spelled, when that is the file where it is expanded (the main
    file, for the nodes of its functions); None otherwise (a macro of a header, say)."""
    _instantiation(location, ctypes.addressof(_FILE), None, None, None)
    expanded_in = _FILE.value
    _spelling(location, ctypes.addressof(_FILE), None, None, _OFFSET_ADDRESS)
    if not _FILE.value or _FILE.value != expanded_in:
        return None
    return _OFFSET.value


def _collect(child, parent, out):
    out.append(child)
    return 1  # CXChildVisit_Continue


_COLLECT = cindex.callbacks["cursor_visit"](_collect)


def _make_node(cursor, parent: Optional[Node]) -> Node:
    return Node(cursor, cursor_kind(cursor._kind_id), parent)  # the kind is a field of the cursor



def build_tree(cursor) -> list[Node]:
    """The Node tree under `cursor`, as its nodes in pre-order (the root first), each numbered as it
    is made: `index`, `last`, `tree` (that list) and `stmt`, the order of its statement. Built
    iteratively: generated code nests expressions thousands deep."""
    tu = cursor._tu
    nodes: list[Node] = []
    stack = [_make_node(cursor, None)]
    counter = 0
    visit, kind_of = _lib.clang_visitChildren, cursor_kind  # (once per node: kept at hand)
    while stack:
        node = stack.pop()
        node.index = len(nodes)
        node.tree = nodes
        nodes.append(node)
        parent = node.parent
        if parent is not None:  # its parent's children are all made, as starts_statement needs
            if parent.kind in _STATEMENT_PARENTS and node.kind != K.COMPOUND_STMT and starts_statement(node, parent):
                node.stmt = counter
                counter += 1
            else:
                node.stmt = parent.stmt
        children: list = []
        visit(node.cursor, _COLLECT, children)  # leaner than Cursor.get_children()
        if children:
            made = node.children
            for child in children:
                child._tu = tu
                made.append(Node(child, kind_of(child._kind_id), node))  # the kind is a field of the cursor
            stack.extend(reversed(made))
            if node.kind == K.UNEXPOSED_EXPR and len(node.expressions) > 1:
                node.kind = OPAQUE_EXPR  # (`x ?: y`: not an implicit conversion of one operand)
    for node in reversed(nodes):
        node.last = node.children[-1].last if node.children else node.index
    return nodes


# the kinds of node that have statements among their children (starts_statement is False under any other)
_STATEMENT_PARENTS = {K.COMPOUND_STMT, K.FOR_STMT, K.WHILE_STMT, K.SWITCH_STMT, K.CASE_STMT, K.DEFAULT_STMT,
                      K.LABEL_STMT, K.CXX_FOR_RANGE_STMT, K.DO_STMT, K.IF_STMT}


def starts_statement(node: Node, parent: Node) -> bool:
    """Whether `node` is a statement of `parent` (a block item or a branch/body), not an operand."""
    kind = parent.kind
    if kind == K.COMPOUND_STMT:
        return True
    if kind in (K.FOR_STMT, K.WHILE_STMT, K.SWITCH_STMT, K.CASE_STMT, K.DEFAULT_STMT, K.LABEL_STMT,
                K.CXX_FOR_RANGE_STMT):
        return node is parent.children[-1]
    if kind == K.DO_STMT:
        return node is parent.children[0]
    if kind == K.IF_STMT:
        return node is not parent.children[0]
    return False


def variable_decl(node: Node):
    """The VAR_DECL/PARM_DECL a DECL_REF_EXPR names, or None."""
    if node.kind != K.DECL_REF_EXPR:
        return None
    decl = node.decl
    if decl is _UNSET:
        decl = referenced(node)
        if decl is not None and decl.kind not in (K.VAR_DECL, K.PARM_DECL):
            decl = None
        node.decl = decl
    return decl
