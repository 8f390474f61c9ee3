"""Real, large C files: every `for` loop is found at the position the lexer gives its keyword.

The expected positions come from clang's own token stream of the file (every `for` keyword outside
preprocessor directives), which does not depend on the passes under test.
"""

from __future__ import annotations

import os

import pytest
from clang import cindex

from autopar.frontend.translate import translate
from autopar.frontend.parse import builtin_header_args

DATA = os.path.join(os.path.dirname(__file__), "data", "frontend")
BROTLI = os.path.join(DATA, "brotli")

CASES = [
    (os.path.join(DATA, "lz4.c"), []),
    (os.path.join(BROTLI, "c", "dec", "decode.c"), ["-I", os.path.join(BROTLI, "c", "include")]),
]


def _for_keywords(path: str, args: list[str]) -> list[tuple[int, int]]:
    index = cindex.Index.create()
    tu = index.parse(path, args=args + list(builtin_header_args()),
                     options=cindex.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES)
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    in_directive: set[int] = set()
    continued = False
    for number, text in enumerate(lines, start=1):
        if continued or text.lstrip().startswith("#"):
            in_directive.add(number)
            continued = text.rstrip().endswith("\\")
        else:
            continued = False
    extent = tu.get_extent(path, (0, os.path.getsize(path)))
    return [(t.location.line, t.location.column) for t in tu.get_tokens(extent=extent)
            if t.kind == cindex.TokenKind.KEYWORD and t.spelling == "for" and t.location.line not in in_directive]


@pytest.mark.parametrize("path, args", CASES, ids=["lz4.c", "brotli-decode.c"])
def test_every_loop_of_a_real_file(path, args):
    with open(path, encoding="utf-8") as handle:
        assert sum(1 for _ in handle) > 2500
    tu = translate(path, args)
    assert not tu.has_errors, tu.diagnostics
    expected = _for_keywords(path, args)
    assert len(expected) >= 6
    assert [(loop.line, loop.column) for loop in tu.loops] == expected
    data = open(path, "rb").read()
    for loop in tu.loops:
        assert data[loop.offset:loop.offset + 3] == b"for"
        assert loop.function and loop.end_line >= loop.line
        assert loop.id == f"{path}:{loop.line}:{loop.column}"


def test_loops_of_an_included_source_file_are_not_listed(tmp_path):
    """A file that includes lz4.c (as lz4hc.c does) lists only its own loops."""
    main = tmp_path / "wrapper.c"
    main.write_text(f'#include "{os.path.join(DATA, "lz4.c")}"\n'
                    "int twice(int *a, int n) {\n  int s = 0;\n  for (int i = 0; i < n; i++) s += 2 * a[i];\n"
                    "  return s;\n}\n")
    tu = translate(str(main), [])
    assert [(loop.line, loop.column, loop.function) for loop in tu.loops] == [(4, 3, "twice")]


def _invariants(tu) -> None:
    ids = [loop.id for loop in tu.loops]
    assert len(ids) == len(set(ids))
    by_id = {loop.id: loop for loop in tu.loops}
    for loop in tu.loops:
        if loop.parent is None:
            assert loop.depth == 0
        else:
            parent = by_id[loop.parent]
            assert loop.id in parent.children and loop.depth == parent.depth + 1
            assert parent.line <= loop.line <= loop.end_line <= parent.end_line
        assert all(by_id[c].parent == loop.id for c in loop.children)
        for access in loop.accesses:
            assert loop.id in access.enclosing_loops
            assert all(i in by_id for i in access.enclosing_loops)
            assert access.enclosing_loops[-1] == loop.id or loop.id in access.enclosing_loops[:-1]
        names = [use.variable.name + use.variable.decl for use in loop.scalars]
        assert len(names) == len(set(names))
        for use in loop.scalars:
            assert use.is_induction_variable_of is None or use.is_induction_variable_of in by_id
            assert not use.written_before_read or use.written
    ids = [a.id for loop in tu.loops for a in loop.accesses]
    assert {a.id: a for loop in tu.loops for a in loop.accesses}.keys() == set(ids)


@pytest.mark.parametrize("path, args", CASES + [
    (os.path.join(DATA, name), []) for name in
    ("loops.c", "accesses.c", "scalars.c", "calls.c", "pragmas.c", "kernels.cpp")], ids=lambda x: str(x)[-16:])
def test_ir_invariants(path, args):
    _invariants(translate(path, args))
