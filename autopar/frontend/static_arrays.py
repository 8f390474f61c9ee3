"""Static arrays pass: arrays of static storage duration (a file's `static` arrays, `static` locals)
that one loop alone names in the whole translation unit.

`static double sum[M];` used as a scratch row by one nest is private to each iteration of its outer
loop when the loop writes every element before reading it (the analysis proves that part); it can
be a thread's private copy only if nothing else ever reads what the loop leaves in it. That holds
when no other code can name it: internal linkage (or a whole program), and no reference in the
translation unit outside the loop: not in another function of the file (their node trees are asked),
and not anywhere else (headers' functions, file-scope initializers, whatever macros spell there:
every other top-level declaration is walked, headers included), and not `threadprivate` (each
thread has its copy already; OpenMP forbids naming it in a private clause). C only: C++ adds namespaces,
templates and class members to that list. The copy lives on the thread's stack, so only arrays of at
most PRIVATE_COPY_LIMIT bytes qualify.
"""

from __future__ import annotations

import re
from typing import Optional

from clang.cindex import CursorKind as K, LinkageKind, TLSKind

from autopar.ir import Storage
from autopar.frontend.ast import ARRAY_TYPES, LOOP_KINDS, Source, referenced, strip, user_of, variable_decl
from autopar.frontend.calls import argument_index, callee_name
from autopar.frontend.functions import Function
from autopar.frontend.loops import LoopInfo
from autopar.frontend.omp_pragmas import parse_omp_pragma, source_lines
from autopar.frontend.variables import Variables
from autopar.frontend.volatiles import user_header_texts

PRIVATE_COPY_LIMIT = 64 * 1024  # bytes; a worker thread's stack is a few MiB
# An array nothing reads after the loop needs no copy in or out, only room: each thread's copy lives on
# its stack, which glibc makes 2 MiB when the stack limit is unlimited (as HPC sites often set it)
DEAD_COPY_LIMIT = 1024 * 1024


class StaticArrays:
    """Answers, per loop, which static arrays only that loop names; the translation unit is walked
    once, and only when some loop has a candidate."""

    def __init__(self, clang_tu, functions: list[Function], source: Source, language: str, whole_program: bool,
                 summaries: dict):
        self.clang_tu = clang_tu
        self.functions = functions
        self.source = source
        self.language = language
        self.whole_program = whole_program
        self._threadprivate: Optional[set[str]] = None  # names listed by threadprivate directives
        self._named_by: dict[tuple, set[int]] = {}  # declaration key -> ids of functions that name it
        self._elsewhere: Optional[set[tuple]] = None  # keys named outside the file's function bodies
        self._main_named: Optional[bool] = None
        self.summaries = summaries  # the file's FunctionSummary by name (which parameters callees only index)

    def named_only_in(self, info: LoopInfo, key: tuple, decl, variables: Variables) -> bool:
        """Whether the static array `decl` (named in the loop's function) is named by
        nothing in the translation unit but the loop, or in `main` by the loop and code that runs
        before it (`_only_before_in_main`), and a thread's copy may stand for it (`copyable`, up to
        DEAD_COPY_LIMIT: nothing is copied in or out)."""
        if not self.copyable(decl, variables, DEAD_COPY_LIMIT) or key[0] != info.loop.file:
            return False
        if variables.get(decl).storage == Storage.GLOBAL and decl.linkage != LinkageKind.INTERNAL and not (
                self.whole_program and decl.linkage == LinkageKind.EXTERNAL):
            return False
        entity = Variables.key(decl.canonical)  # a header may declare it first: one object
        if not self.named_by(entity) <= {id(info.function)} or entity in self.named_elsewhere():
            return False
        start, end = info.node.start, info.node.end
        mentions = _mentions(info.function).get(entity, [])
        return all(start <= n.start < end for n in mentions) or self._only_before_in_main(info, mentions)

    def _only_before_in_main(self, info: LoopInfo, mentions: list) -> bool:
        """NAS EP's `x`, filled before the main loop and again in each of its iterations: in `main`,
        which runs once (nothing in the file names it: no call, no pointer to it; no other file calls
        `main` in a program autopar-cc builds), the array's other mentions come before the loop,
        outside any loop around it, and leave no pointer to it behind: each indexes an element, or
        is an argument whose callee only indexes it (its summary has regions for it). Then nothing
        reads what the loop leaves."""
        if info.function.name != "main" or self._names_main():
            return False
        around = [(a.start, a.end) for a in info.node.ancestors() if a.kind in LOOP_KINDS]
        for node in mentions:
            if info.node.start <= node.start < info.node.end:
                continue
            if node.start >= info.node.start or any(lo <= node.start < hi for lo, hi in around) or \
                    not self._indexed_or_lent(node):
                return False
        return True

    def _indexed_or_lent(self, node) -> bool:
        """Whether a mention of an array reads or writes an element (`x[i]`), or passes the array to
        a function that only indexes that parameter (`vranlc(0, &t1, a, x)`): no pointer to it stays."""
        top, user = node, user_of(node)
        while user is not None and user.kind == K.ARRAY_SUBSCRIPT_EXPR and strip(user.expressions[0]) is top:
            top, user = user, user_of(user)
        taken = user is not None and user.kind == K.UNARY_OPERATOR and user.unary_op == "&"
        if top is not node:
            return not taken and top.type_kind not in ARRAY_TYPES
        if user is None or user.kind != K.CALL_EXPR:
            return False
        summary = self.summaries.get(callee_name(user))
        k = argument_index(user, node)
        return summary is not None and k >= 0 and any(
            k in regions for regions in (summary.read_regions, summary.write_regions, summary.read_spans,
                                         summary.write_spans))

    def _names_main(self) -> bool:
        """Whether any function of the file names `main` (a call, or a pointer to it)."""
        if self._main_named is None:
            self._main_named = any(n.cursor.spelling == "main" and (d := referenced(n)) is not None and
                                   d.kind == K.FUNCTION_DECL for f in self.functions for n in f.nodes_of((K.DECL_REF_EXPR,)))
        return self._main_named

    def copyable(self, decl, variables: Variables, limit: int = PRIVATE_COPY_LIMIT) -> bool:
        """Whether a thread's copy may stand for the static array `decl` while a loop runs, when the
        loop's last iteration writes all of it (then `lastprivate` leaves what the serial loop leaves,
        whoever reads it after): C, of static storage, neither const nor volatile, not threadprivate,
        of a known size of at most PRIVATE_COPY_LIMIT bytes (the copy lives on the thread's stack)."""
        variable = variables.get(decl)
        if self.language != "c" or variable.storage not in (Storage.GLOBAL, Storage.STATIC_LOCAL) or \
                not variable.is_array or variable.is_const or decl.type.is_volatile_qualified() or \
                "volatile" in variable.type or variable.name in self.threadprivate() or thread_local(decl):
            return False
        return 0 < decl.type.get_size() <= limit

    def threadprivate(self) -> set[str]:
        """The names that `#pragma omp threadprivate(...)` lines list, in the main file and the
        headers it includes (system headers aside), and those of the variables they declare
        thread-local (`_Thread_local`, `__thread`, `thread_local`): each thread has its own."""
        if self._threadprivate is None:
            self._threadprivate = set()
            texts = [self.source.data, *user_header_texts(self.clang_tu)]
            for text in texts:
                if b"threadprivate" in text:
                    self._threadprivate |= _threadprivate_names(text)
            if any(word in text for text in texts for word in (b"_Thread_local", b"__thread", b"thread_local")):
                self._threadprivate |= {c.spelling for c in self.clang_tu.cursor.walk_preorder()
                                        if c.kind == K.VAR_DECL and thread_local(c)}
        return self._threadprivate

    def threadprivate_uses(self, loop) -> list[str]:
        """The threadprivate variables (of static storage) the loop reads or writes, itself or in the
        functions of this file it calls (a worker thread's call read its own copy, 0)."""
        static = (Storage.GLOBAL, Storage.STATIC_LOCAL)
        used = {a.base.name for a in loop.accesses if a.base.storage in static} | \
            {u.variable.name for u in loop.scalars if u.variable.storage in static} | \
            {name for call in loop.calls if call.summary is not None
             for name in (*call.summary.reads_globals, *call.summary.writes_globals)}
        return sorted(used & self.threadprivate()) if used else []

    def named_by(self, key: tuple) -> set[int]:
        """The functions of the main file whose bodies name the variable (`key`: of its first
        declaration)."""
        if key not in self._named_by:
            found: set[int] = set()
            for function in self.functions:
                decls = (variable_decl(node) for node in function.array_names())
                if any(decl.spelling == key[2] and Variables.key(decl.canonical) == key for decl in decls):
                    found.add(id(function))
            self._named_by[key] = found
        return self._named_by[key]

    def named_elsewhere(self) -> set[tuple]:
        """Keys (of their first declarations) of the variables that something outside the main
        file's function bodies names: the translation unit's other top-level declarations, headers'
        functions and every initializer."""
        if self._elsewhere is None:
            walked = {f.cursor.hash for f in self.functions}
            found: set[tuple] = set()
            for cursor in self.clang_tu.cursor.get_children():
                if cursor.hash in walked:
                    continue
                for node in cursor.walk_preorder():
                    if node.kind == K.DECL_REF_EXPR:
                        target = node.referenced
                        if target is not None and target.kind == K.VAR_DECL:
                            found.add(Variables.key(target.canonical))
            self._elsewhere = found
        return self._elsewhere


def _mentions(function: Function) -> dict[tuple, list]:
    """The function's names of arrays by the key of their first declaration (every declaration of one
    counts: `{ extern double x[M]; ... x[5] }` too), found once per function."""
    facts = function.facts
    if ("array_mentions", 0) not in facts:
        found: dict[tuple, list] = {}
        for node in function.array_names():
            found.setdefault(Variables.key(variable_decl(node).canonical), []).append(node)
        facts[("array_mentions", 0)] = found
    return facts[("array_mentions", 0)]


def thread_local(decl) -> bool:
    """`_Thread_local` or `__thread`: each thread has its own already (OpenMP forbids it in a
    data-sharing clause, as a threadprivate variable)."""
    try:
        return decl.tls_kind != TLSKind.NONE
    except (AttributeError, ValueError):  # (bindings or a libclang without the call: read the text)
        return any(word in decl.type.spelling for word in ("_Thread_local", "__thread", "thread_local"))


def _threadprivate_names(text: bytes) -> set[str]:
    """The names threadprivate directives list, and every name passed to a macro whose definition says
    `threadprivate` (`THREADPRIVATE(scale)` through `_Pragma(#x)`: its pragma is not in the text)."""
    names: set[str] = set()
    lines = source_lines(text)
    for directive in lines.directives:
        if directive.pragma and "threadprivate" in directive.text:
            pragma = parse_omp_pragma(directive.text)
            if pragma.directive[:1] == ["threadprivate"] and pragma.argument:
                names |= {name.strip() for name in pragma.argument.split(",")}
    macros = {m.group(1) for d in lines.directives if "threadprivate" in d.text and
              (m := re.match(r"#\s*define\s+([A-Za-z_]\w*)\(", d.text))}
    for macro in macros:
        for call in re.finditer(rb"\b" + re.escape(macro.encode()) + rb"\s*\(([^()]*)\)", lines.code):
            names |= {n.decode() for n in re.findall(rb"[A-Za-z_]\w*", call.group(1))}
    return names
