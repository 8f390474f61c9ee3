"""A light tree over libclang cursors for one function body, plus small helpers the passes share.

libclang cursors are walked once per function and kept as `Node`s (kind, byte extent, children,
parent), so the passes can look around freely without asking libclang again. Nothing here leaves
`clang_passes/`.
"""

from __future__ import annotations

import ctypes
import re
from typing import Iterator, Optional

from clang import cindex
from clang.cindex import CursorKind, TypeKind

from autopar.ir import Storage, Variable

K = CursorKind

# clang-c/Index.h (LLVM 17+): CXBinaryOperatorKind and CXUnaryOperatorKind, in order.
_BINARY = ["", ".*", "->*", "*", "/", "%", "+", "-", "<<", ">>", "<=>", "<", ">", "<=", ">=", "==", "!=",
           "&", "^", "|", "&&", "||", "=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|=", ","]
_UNARY = ["", "post++", "post--", "++", "--", "&", "*", "+", "-", "~", "!", "__real", "__imag",
          "__extension__", "co_await"]

_lib = cindex.conf.lib
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


def evaluate_int(node: "Node") -> Optional[int]:
    """The value of an integer constant expression (a literal spelled through a macro, sizeof, ...)."""
    if not _HAVE_EVALUATE:
        return None
    result = _lib.clang_Cursor_Evaluate(node.cursor)
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
for _name in ("FLOAT16", "BFLOAT16", "IBM128"):  # newer libclang versions only
    if hasattr(TypeKind, _name):
        FLOATING_TYPES.add(getattr(TypeKind, _name))
ARRAY_TYPES = {TypeKind.CONSTANTARRAY, TypeKind.INCOMPLETEARRAY, TypeKind.VARIABLEARRAY,
               TypeKind.DEPENDENTSIZEDARRAY}
ASSIGN_OPS = {"=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|="}
INC_DEC = ("++", "--", "post++", "post--")


_UNSET = object()


class Node:
    """One cursor of a function body, with its byte extent in the main file."""

    __slots__ = ("cursor", "kind", "children", "parent", "_start", "_end", "stmt", "index", "last", "tree", "decl",
                 "_op")

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
        self._start = _offset(_lib.clang_getRangeStart(extent))
        self._end = _offset(_lib.clang_getRangeEnd(extent))

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
    def is_expression(self) -> bool:
        found = _IS_EXPRESSION.get(self.kind)
        if found is None:
            found = _IS_EXPRESSION[self.kind] = self.kind.is_expression()
        return found


_IS_EXPRESSION: dict = {}


def strip(node: Node) -> Node:
    """Skip parentheses, casts and implicit conversions."""
    while node.kind in TRANSPARENT and node.children:
        expressions = [c for c in node.children if c.is_expression]
        if not expressions:
            break
        node = expressions[-1]
    return node


def expression_children(node: Node) -> list[Node]:
    return [c for c in node.children if c.is_expression]


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


class Function:
    """A function defined in the main file. Its Node tree is built on first use."""

    def __init__(self, name: str, cursor, start_line: int, start: int, end: int, source: "Source",
                 top_level_start: Optional[int] = None):
        self.name = name
        self.cursor = cursor
        self.start_line = start_line  # first line of the definition (return type included)
        self.start = start
        self.end = end
        # where the file-scope declaration holding the definition starts (its namespace, class or
        # `extern "C"` block, else the definition itself): code inserted there is at file scope
        self.top_level_start = start if top_level_start is None else top_level_start
        self._source = source
        self._node: Optional[Node] = None
        self._nodes: list[Node] = []
        self._references: Optional[dict[tuple, Optional[Node]]] = None
        self.facts: dict[tuple, object] = {}  # what passes learn of a node once, keyed by (fact, node.index)

    def _ensure(self) -> None:
        if self._node is None:
            self._node = _build(self.cursor)
            _number(self)

    @property
    def node(self) -> Node:
        self._ensure()
        return self._node

    @property
    def nodes(self) -> list[Node]:
        """Every node of the function, in pre-order."""
        self._ensure()
        return self._nodes

    @property
    def references(self) -> dict[tuple, Optional[Node]]:
        """C++ reference variables declared in the function -> the expression each is bound to (None when
        unknown, as for reference parameters)."""
        if self._references is None:
            found: dict[tuple, Optional[Node]] = {}
            for node in self.nodes:
                if node.kind in (K.VAR_DECL, K.PARM_DECL) and is_reference(node.cursor):
                    values = expression_children(node)
                    found[Variables.key(node.cursor)] = values[-1] if values and node.kind == K.VAR_DECL else None
            self._references = found
        return self._references

    @property
    def body(self) -> Optional[Node]:
        return next((c for c in self.node.children if c.kind == K.COMPOUND_STMT), None)

    def may_have_loops(self, loop_macros: set[bytes]) -> bool:
        """Whether the text has a `for` keyword or names a macro that expands to one."""
        for m in _WORD.finditer(self._source.data, self.start, self.end):
            word = m.group()
            if word == b"for" or word in loop_macros:
                return True
        return False


_WORD = re.compile(rb"[A-Za-z_][A-Za-z_0-9]*")
_DEFINE = re.compile(rb"^[ \t]*#[ \t]*define[ \t]+(\w+)((?:[^\n]*\\\r?\n)*[^\n]*)", re.M)


def loop_macros(source: "Source") -> set[bytes]:
    """Names of the main file's macros whose expansion contains a `for` loop (directly or through another)."""
    bodies = {m.group(1): set(_WORD.findall(m.group(2))) for m in _DEFINE.finditer(source.data)}
    found = {name for name, words in bodies.items() if b"for" in words}
    changed = True
    while changed:
        changed = False
        for name, words in bodies.items():
            if name not in found and words & found:
                found.add(name)
                changed = True
    return found


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

    def line_text(self, line: int) -> str:
        if line < 1 or line > len(self.line_starts):
            return ""
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.data)
        return self.data[start:end].decode("utf-8", errors="replace").rstrip("\r\n")

    def indentation(self, line: int) -> str:
        text = self.line_text(line)
        return text[:len(text) - len(text.lstrip(" \t"))]


def qualified_name(function) -> str:
    """A function's name as functions and their summaries are keyed: "f", or "Class::method"."""
    parent = function.semantic_parent
    if parent is not None and parent.kind in (K.CLASS_DECL, K.STRUCT_DECL, K.CLASS_TEMPLATE):
        return f"{parent.spelling}::{function.spelling}"
    return function.spelling


def build_functions(tu, source: Source) -> list[Function]:
    """Every function defined in the main file, with its body as a Node tree."""
    functions: list[Function] = []
    is_from_main = _lib.clang_Location_isFromMainFile

    def top_level(cursor, outermost) -> Iterator:
        for child in cursor.get_children():
            if not is_from_main(child.location):
                continue  # declarations of included headers: never descend into them
            kind = child.kind
            if kind in (K.NAMESPACE, K.LINKAGE_SPEC, K.CLASS_DECL, K.STRUCT_DECL, K.CLASS_TEMPLATE,
                        K.UNEXPOSED_DECL):
                yield from top_level(child, outermost or child)
            elif kind in FUNCTION_KINDS:
                yield child, outermost or child

    for cursor, outermost in top_level(tu.cursor, None):
        if not cursor.is_definition():
            continue
        extent = cursor.extent
        start, end = extent.start, extent.end
        functions.append(Function(qualified_name(cursor), cursor, start.line, start.offset, end.offset, source,
                                  outermost.extent.start.offset))
    return functions


_OFFSET = ctypes.c_uint()


def _offset(location) -> int:
    """The expansion offset of a location, without building file/line/column objects."""
    _lib.clang_getInstantiationLocation(location, None, None, None, ctypes.byref(_OFFSET))
    return _OFFSET.value


def _collect(child, parent, out):
    out.append(child)
    return 1  # CXChildVisit_Continue


_COLLECT = cindex.callbacks["cursor_visit"](_collect)


def _make_node(cursor, parent: Optional[Node]) -> Node:
    return Node(cursor, CursorKind.from_id(_lib.clang_getCursorKind(cursor)), parent)


def _build(cursor) -> Node:
    """The Node tree under `cursor` (iteratively: generated code nests expressions thousands deep)."""
    tu = cursor._tu
    root = _make_node(cursor, None)
    stack = [root]
    while stack:
        node = stack.pop()
        children: list = []
        _lib.clang_visitChildren(node.cursor, _COLLECT, children)  # leaner than Cursor.get_children()
        for child in children:
            child._tu = tu
            node.children.append(_make_node(child, node))
        stack.extend(node.children)
    return root


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


def _number(function: Function) -> None:
    """Pre-order numbers, and the statement order index of every node."""
    counter = 0
    nodes = function._nodes
    for order, node in enumerate(function._node.walk()):
        node.index = order
        node.tree = nodes
        nodes.append(node)
        parent = node.parent
        if parent is not None and starts_statement(node, parent) and node.kind != K.COMPOUND_STMT:
            node.stmt = counter
            counter += 1
        else:
            node.stmt = parent.stmt if parent is not None else 0
    for node in reversed(nodes):
        node.last = node.children[-1].last if node.children else node.index


# ------------------------------------------------------------------------------------------- variables

def _type_dims(t) -> list[Optional[str]]:
    dims: list[Optional[str]] = []
    while t.kind in ARRAY_TYPES:
        if t.kind == TypeKind.CONSTANTARRAY:
            dims.append(str(t.get_array_size()))
        else:
            m = re.search(r"\[([^\]]*)\]", t.spelling)
            dims.append(m.group(1).strip() or None if m else None)
        t = t.get_array_element_type()
    return dims


_KEYS: dict[int, tuple] = {}  # cursor hash -> key; cleared for each translation unit
_SCALAR: dict[tuple, bool] = {}  # key -> whether the scalars pass tracks it; cleared likewise


class Variables:
    """Builds `Variable`s from declaration cursors, once each."""

    def __init__(self, source: Source):
        self.source = source
        self._cache: dict = {}
        self.distinct_at_calls: set[tuple] = set()  # parameter keys from clang_passes/noalias.py
        self.entry_pointers: set[tuple] = set()  # from clang_passes/noalias.py too
        _KEYS.clear()
        _SCALAR.clear()

    @staticmethod
    def key(decl) -> tuple:
        """(file, offset, name) of a declaration: tells shadowed names apart. Kept on the cursor object
        too (a node keeps the cursor it refers to), which saves asking libclang for its hash."""
        found = getattr(decl, "_autopar_key", None)
        if found is not None:
            return found
        h = decl.hash
        found = _KEYS.get(h)
        if found is None:
            loc = decl.location
            found = _KEYS[h] = (loc.file.name if loc.file else "", loc.offset, decl.spelling)
        decl._autopar_key = found
        return found

    def get(self, decl) -> Variable:
        key = self.key(decl)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._make(decl)
        return found

    def _make(self, decl) -> Variable:
        t = decl.type
        canonical = t.get_canonical()
        if decl.kind == K.PARM_DECL:
            storage = Storage.PARAMETER
        else:
            parent = decl.semantic_parent
            in_function = parent is not None and parent.kind in FUNCTION_KINDS | {K.LAMBDA_EXPR}
            static = decl.storage_class in (cindex.StorageClass.STATIC, cindex.StorageClass.EXTERN)
            if not in_function:
                storage = Storage.GLOBAL
            elif decl.storage_class == cindex.StorageClass.EXTERN:
                storage = Storage.GLOBAL
            elif static:
                storage = Storage.STATIC_LOCAL
            else:
                storage = Storage.LOCAL
        is_pointer = canonical.kind == TypeKind.POINTER
        is_array = canonical.kind in ARRAY_TYPES
        dims: list[Optional[str]] = []
        is_const = canonical.is_const_qualified()
        element = canonical
        while element.kind in ARRAY_TYPES:
            element = element.get_array_element_type()
        if is_array:
            dims = _type_dims(t if t.kind in ARRAY_TYPES else canonical)
            if decl.kind == K.PARM_DECL:  # `double a[n][m]` as a parameter is a pointer, and may alias
                is_array, is_pointer = False, True
            is_const = is_const or element.is_const_qualified()
        elif is_pointer:
            pointee = canonical.get_pointee()
            is_const = is_const or pointee.is_const_qualified()
            if pointee.kind in ARRAY_TYPES:
                dims = [None] + _type_dims(pointee)
        loc = decl.location
        return Variable(
            name=decl.spelling, decl=f"{loc.line}:{loc.column}", storage=storage, type=t.spelling,
            is_pointer=is_pointer, is_array=is_array, array_dims=dims,
            restrict=canonical.is_restrict_qualified() or "restrict" in t.spelling,
            distinct_at_calls=self.key(decl) in self.distinct_at_calls,
            enters_with_call=self.key(decl) in self.entry_pointers,
            is_const=is_const, is_struct=element.kind == TypeKind.RECORD,
            is_floating=canonical.kind in FLOATING_TYPES, is_bool=canonical.kind == TypeKind.BOOL,
        )


def is_integer_decl(decl) -> bool:
    return decl.type.get_canonical().kind in INTEGER_TYPES


def is_reference(decl) -> bool:
    return decl.type.kind in (TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE)


def variable_decl(node: Node):
    """The VAR_DECL/PARM_DECL a DECL_REF_EXPR names, or None."""
    if node.kind != K.DECL_REF_EXPR:
        return None
    decl = node.decl
    if decl is _UNSET:
        decl = node.cursor.referenced
        if decl is not None and decl.kind not in (K.VAR_DECL, K.PARM_DECL):
            decl = None
        node.decl = decl
    return decl
