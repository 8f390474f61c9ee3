"""Static arrays pass: arrays of static storage duration (a file's `static` arrays, `static` locals)
that one loop alone names in the whole file.

`static double sum[M];` used as a scratch row by one nest is private to each iteration of its outer
loop when the loop writes every element before reading it (the analysis proves that part); it can
be a thread's private copy only if nothing else ever reads what the loop leaves in it. That holds
when no other code can name it: internal linkage (or a whole program), no mention of its name in
the main file outside the loop, no reference from another function (a header's macro could hide
one, so the functions' trees are asked too), and no header included after its declaration. The copy
lives on the thread's stack, so only arrays of at most PRIVATE_COPY_LIMIT bytes qualify.
"""

from __future__ import annotations

import re
from typing import Optional

from clang.cindex import CursorKind as K, LinkageKind

from autopar.ir import Storage
from clang_passes.ast import Source, variable_decl
from clang_passes.functions import Function
from clang_passes.loops import LoopInfo
from clang_passes.omp_pragmas import mask_comments
from clang_passes.variables import Variables

PRIVATE_COPY_LIMIT = 64 * 1024  # bytes; a worker thread's stack is a few MiB
_INCLUDE = re.compile(rb"^[ \t]*#[ \t]*include\b", re.M)


class StaticArrays:
    """Answers, per loop, which static arrays only that loop names; the file-wide facts are read once
    and only when some loop has a candidate."""

    def __init__(self, functions: list[Function], source: Source, whole_program: bool):
        self.functions = functions
        self.source = source
        self.whole_program = whole_program
        self._code: Optional[bytes] = None  # the main file, comments blanked
        self._last_include: Optional[int] = None
        self._named_by: dict[tuple, set[int]] = {}  # declaration key -> ids of functions that name it
        self._mentions: dict[tuple, list[int]] = {}

    def named_only_in(self, info: LoopInfo, key: tuple, decl, offsets: list[int], variables: Variables) -> bool:
        """Whether the static array `decl` (named at `offsets` in the loop's function) is named by
        nothing in the file but the loop."""
        variable = variables.get(decl)
        if variable.storage not in (Storage.GLOBAL, Storage.STATIC_LOCAL) or variable.is_const or \
                key[0] != info.loop.file:
            return False
        if variable.storage == Storage.GLOBAL and decl.linkage != LinkageKind.INTERNAL and not (
                self.whole_program and decl.linkage == LinkageKind.EXTERNAL):
            return False
        size = decl.type.get_size()
        if not 0 < size <= PRIVATE_COPY_LIMIT:
            return False
        start, end = info.node.start, info.node.end
        if not all(start <= at < end for at in offsets) or key[1] < self.last_include():
            return False
        if not all(start <= at < end for at in self.mentions(key)):
            return False
        return self.named_by(key) <= {id(info.function)}

    def mentions(self, key: tuple) -> list[int]:
        """Offsets where the main file's code spells the name, its declaration's aside."""
        if key not in self._mentions:
            words = re.finditer(rb"\b%s\b" % re.escape(key[2].encode()), self.code())
            self._mentions[key] = [m.start() for m in words if m.start() != key[1]]
        return self._mentions[key]

    def code(self) -> bytes:
        if self._code is None:
            self._code = mask_comments(self.source.data)
        return self._code

    def last_include(self) -> int:
        """Offset of the main file's last #include (-1 without one): a header included after a
        declaration could name the variable."""
        if self._last_include is None:
            self._last_include = max((m.start() for m in _INCLUDE.finditer(self.code())), default=-1)
        return self._last_include

    def named_by(self, key: tuple) -> set[int]:
        if key not in self._named_by:
            found: set[int] = set()
            for function in self.functions:
                for node in function.nodes_of((K.DECL_REF_EXPR,)):
                    decl = variable_decl(node)
                    if decl is not None and decl.spelling == key[2] and Variables.key(decl) == key:
                        found.add(id(function))
                        break
            self._named_by[key] = found
        return self._named_by[key]
