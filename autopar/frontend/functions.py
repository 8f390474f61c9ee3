"""The functions defined in the main file: each a `Function` whose body's Node tree is built and
numbered on first use; their names as summaries key them; and which macros may hide a loop.

Takes a parsed translation unit and its `Source`; gives `Function`s.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from typing import Callable, Iterator, Optional

from clang import cindex
from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import (FUNCTION_KINDS, Node, Source, build_tree, canonical_kind, expression_children,
                                  from_main_file, variable_decl)
from autopar.frontend.omp_pragmas import macros_reaching, pragma_macros
from autopar.frontend.variables import Variables, is_reference

_lib = cindex.conf.lib


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
        self._by_kind: Optional[dict] = None  # cursor kind -> the nodes of that kind, in pre-order
        self.facts: dict[tuple, object] = {}  # what passes learn of a node once, keyed by (fact, node.index)
        self.facts[("source", 0)] = source.data  # (for passes that read a statement's keywords)

    @property
    def external_inline(self) -> bool:
        """Whether the definition is `inline` without `static` (read in its header's text)."""
        header = self._source.data[self.top_level_start:self.end].split(b"{", 1)[0]
        return bool(re.search(rb"\binline\b", header)) and not re.search(rb"\bstatic\b", header)

    def weak(self, macros: frozenset = frozenset()) -> bool:
        """Whether the definition has the weak attribute, here or on a declaration before it, spelled
        or through one of `macros` (`#define WEAK __attribute__((weak))`): a strong one in another file
        replaces it at the link (`#pragma weak` is weak_names's)."""
        for child in self.cursor.get_children():
            if child.kind != K.UNEXPOSED_ATTR:
                continue
            tokens = [t.spelling for t in child.get_tokens()]
            if "weak" in tokens or "__weak__" in tokens or (macros and not tokens):
                return True  # (an attribute a macro spells has no tokens: taken as the weak macro's)
        header = self._source.data[self.start:self.end].split(b"{", 1)[0]
        return bool(macros) and not set(re.findall(rb"[A-Za-z_]\w*", header)).isdisjoint(m.encode() for m in macros)

    def mentions(self, word: bytes) -> bool:
        """Whether the definition's text holds `word` (a cheap test before a walk that looks for it)."""
        return word in self._source.data[self.start:self.end]

    def _ensure(self) -> None:
        if self._node is None:
            self._nodes = build_tree(self.cursor)
            self._node = self._nodes[0]

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
            for node in self.nodes_of((K.VAR_DECL, K.PARM_DECL)):
                if is_reference(node.cursor):
                    values = expression_children(node)
                    found[Variables.key(node.cursor)] = values[-1] if values and node.kind == K.VAR_DECL else None
            self._references = found
        return self._references

    def nodes_of(self, kinds) -> list[Node]:
        """The function's nodes of the given cursor kinds, in pre-order (do not change the list)."""
        if self._by_kind is None:
            self._by_kind = {}
            for node in self.nodes:
                self._by_kind.setdefault(node.kind, []).append(node)
        lists = [self._by_kind[kind] for kind in kinds if kind in self._by_kind]
        if len(lists) == 1:
            return lists[0]
        return sorted(itertools.chain.from_iterable(lists), key=_INDEX)

    def nodes_where(self, name: str, within: Node, kinds, test: Optional[Callable[[Node], bool]] = None) -> list[Node]:
        """The nodes of `within`'s subtree (itself included) of the given kinds that pass `test`, in
        pre-order. The function's list of them is made once and kept under `name`: every loop of a
        nest asks again of its own part, and a walk of each would cover the nest's nodes once per loop."""
        found = self.facts.get((name, 0))
        if found is None:
            selected = [n for n in self.nodes_of(kinds) if test is None or test(n)]
            found = self.facts[(name, 0)] = (selected, [n.index for n in selected])
        selected, indices = found
        return selected[bisect.bisect_left(indices, within.index):bisect.bisect_right(indices, within.last)]

    def array_names(self, within: Optional[Node] = None) -> list[Node]:
        """The references to array variables under `within` (the whole function by default), found
        once per function: the scalars pass, its escape test and the static arrays pass share them."""
        kinds: dict[int, bool] = {}  # declaration's hash -> whether it declares an array: asked once each

        def names_an_array(node: Node) -> bool:
            decl = variable_decl(node)
            if decl is None:
                return False
            found = kinds.get(decl.hash)
            if found is None:
                found = kinds[decl.hash] = decl.kind == K.VAR_DECL and canonical_kind(decl) in _C_ARRAYS
            return found

        return self.nodes_where("array names", within or self.node, (K.DECL_REF_EXPR,), names_an_array)

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


_INDEX = operator.attrgetter("index")
# arrays as C declares them (a template's dependent-sized array is not one the passes model)
_C_ARRAYS = {TypeKind.CONSTANTARRAY, TypeKind.INCOMPLETEARRAY, TypeKind.VARIABLEARRAY}
_WORD = re.compile(rb"[A-Za-z_][A-Za-z_0-9]*")
_DEFINE = re.compile(rb"^[ \t]*(?:#|%:|\?\?=)[ \t]*define[ \t]+(\w+)((?:[^\n]*\\\r?\n)*[^\n]*)", re.M)


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


def calls_the_definition(call: Node, function: "Function") -> bool:
    """Whether the call (`node`) calls `function`, not another function of its name (an overload, a
    namespace's, one declared here and defined in another file, an override of a virtual method)."""
    callee = call.cursor.referenced
    return callee is not None and callee.canonical == function.cursor.canonical and \
        not (callee.kind == K.CXX_METHOD and callee.is_virtual_method())


def qualified_name(function) -> str:
    """A function's name as functions and their summaries are keyed: "f", or "Class::method"."""
    parent = function.semantic_parent
    if parent is not None and parent.kind in (K.CLASS_DECL, K.STRUCT_DECL, K.CLASS_TEMPLATE):
        return f"{parent.spelling}::{function.spelling}"
    return function.spelling


def build_functions(tu, source: Source) -> list[Function]:
    """Every function defined in the main file, with its body as a Node tree."""
    functions: list[Function] = []

    def top_level(cursor, outermost) -> Iterator:
        for child in cursor.get_children():
            # declarations of included headers: never descend into them (a place that a macro spells
            # is not "from the main file": the name of `void KNAME(...)`, the start of
            # `LZ4_FORCE_INLINE int f(...)`; either will do)
            if not (from_main_file(child.location) or from_main_file(child.extent.start)):
                continue
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


def cleanup_handlers(function: Function) -> dict:
    """The local declarations with `__attribute__((cleanup(f)))` -> f: where the variable's scope ends,
    f(&v) runs, a call the text does not show (the address escapes to it). The function's fact."""
    found = function.facts.get(("cleanup", 0))
    if found is None:
        found = function.facts[("cleanup", 0)] = {}
        if function.mentions(b"cleanup"):
            for node in function.nodes_of((K.VAR_DECL,)):
                for attr in node.cursor.get_children():
                    tokens = [t.spelling for t in attr.get_tokens()] if attr.kind == K.UNEXPOSED_ATTR else []
                    if len(tokens) >= 3 and tokens[0].strip("_") == "cleanup":
                        found[node] = tokens[2]
    return found


# `#pragma weak name` (or `name = other`), also as `_Pragma("weak name")`
_PRAGMA_WEAK = re.compile(rb'(?:#[ \t]*pragma[ \t]+|_Pragma\s*\(\s*"\s*)weak[ \t]+([A-Za-z_]\w*)')


def weak_names(texts) -> tuple[frozenset, frozenset]:
    """(the functions that `#pragma weak` makes weak in the file or a header of its own, directly, as
    `_Pragma("weak f")` or through a macro that makes a pragma of its argument (`PW(weak f)`); the
    macros that spell the weak attribute). The texts are their bytes; None for a header that cannot be
    read, which makes every function weak: "*")."""
    if any(text is None for text in texts):
        return frozenset({"*"}), frozenset()
    names = {m.group(1).decode() for text in texts for m in _PRAGMA_WEAK.finditer(text)}
    for macro in pragma_macros(texts):
        call = re.compile(rb"\b" + re.escape(macro.encode()) + rb"\s*\(\s*weak\s+([A-Za-z_]\w*)")
        names.update(m.group(1).decode() for text in texts for m in call.finditer(text))
    spelled = macros_reaching(texts, lambda body: re.search(r"\b(?:weak|__weak__)\b", body) is not None)
    return frozenset(names), frozenset(spelled)
