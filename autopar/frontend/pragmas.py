"""Pragmas pass: existing `#pragma omp` directives and `// autopar: off` opt-outs, found in the text.

We parse without -fopenmp (with it, libclang hides a loop under its pragma), so directives are read
from the source lines (autopar.frontend.omp_pragmas): a directive directly above a loop (blank lines,
comments and other pragmas may sit between) belongs to that loop. An opt-out comment in the comment
lines right above a loop, at the end of the loop's own line, or right above a function definition
turns autopar off there.
"""

from __future__ import annotations

import re
from typing import Optional

from clang.cindex import CursorKind as K

from autopar.frontend.ast import Source
from autopar.frontend.functions import Function
from autopar.frontend.loops import LoopInfo
from autopar.frontend.omp_pragmas import (SourceLines, macro_pragma_on_line, parse_omp_pragma, pragma_macros,
                                          source_lines)

_OPT_OUT = re.compile(r"autopar\s*:\s*off\b", re.I)


def opt_out_above(lines: SourceLines, number: int) -> bool:
    """`autopar: off` in the comment lines (and pragmas) directly above line `number`."""
    n = number - 1
    while n > 0:
        line = lines.line(n)
        if line.comment and _OPT_OUT.search(line.comment):
            return True
        if line.kind not in ("comment", "directive", "continuation"):
            return False
        n -= 1
    return False


def annotate(infos: list[LoopInfo], functions: list[Function], source: Source,
             header_data: tuple[Optional[bytes], ...] = ()) -> None:
    """`header_data`: the bytes of the program's own headers (their macros may write a loop's pragma)."""
    lines = source_lines(source.data)
    data = source.data
    function_off = {id(f): opt_out_above(lines, f.start_line) for f in functions}
    macros: Optional[dict[str, bool]] = None  # (the macros that write pragmas, read at the first loop that asks)
    for info in infos:
        loop = info.loop
        before = data[source.line_starts[loop.line - 1]:loop.offset]
        alone = not loop.from_macro and not before.strip()
        if alone:
            directive = lines.pragma_above(loop.line)
            if directive is not None:
                loop.existing_pragma = directive.text
            elif (above := _code_line_above(lines, loop.line)) is not None:
                if macros is None:
                    macros = pragma_macros([data, *header_data])
                found = macro_pragma_on_line(above, macros) if macros else None
                if found is not None and found[1]:
                    loop.existing_pragma = found[0]  # (`PFOR`, defined in a header as `_Pragma("omp ...")`)
                elif found is not None:
                    loop.hint_above = found[0]
        loop.opt_out = function_off[id(info.function)] or (alone and opt_out_above(lines, loop.line)) or bool(
            _OPT_OUT.search(lines.line(loop.line).comment))
    # Regions: a directive that is not on a loop covers the statement that follows it.
    regions: list[tuple[int, int]] = []
    for directive in lines.omp:
        if directive.omp.standalone:
            continue
        statement = _statement_after(functions, directive.end)
        if statement is not None:
            regions.append(statement)
    for info in infos:
        loop = info.loop
        parent = info.parent
        while parent is not None and not loop.inside_omp_construct:
            if parent.loop.existing_pragma:
                loop.inside_omp_construct = True
            parent = parent.parent
        for start, end in regions:
            if start <= info.node.start < end and (start, end) != (info.node.start, info.node.end):
                loop.inside_omp_construct = True
        if info.parent is not None and info.parent.loop.opt_out:
            loop.opt_out = True  # opting a loop out opts out its whole nest
    for info in infos:
        _critical_sections(info, lines, functions, source)
        info.loop.omp_in_body = _omp_in_body(info, infos, lines)


def _code_line_above(lines: SourceLines, number: int) -> Optional[bytes]:
    """The code of the statement line above `number` (SourceLines.statement_line_above), or None
    where that is a pragma or there is none."""
    n = lines.statement_line_above(number)
    if n == 0 or lines.line(n).kind != "code":
        return None
    return lines.code[lines.starts[n - 1]:lines.starts[n] if n < len(lines.starts) else len(lines.code)]


def _omp_in_body(info: LoopInfo, infos: list[LoopInfo], lines: SourceLines) -> list[str]:
    """The first words of the omp directives inside the loop (written out, `_Pragma` in its code, or a
    macro that is one), those on a loop of its nest left out."""
    if not (lines.omp or lines.inline_omp):
        return []
    start, end = info.node.start, info.node.end
    on_loops = {i.loop.existing_pragma for i in infos if start < i.node.start < end and i.loop.existing_pragma}
    words = [d.omp.directive[0] for d in lines.omp if start < d.start < end and d.text not in on_loops and
             d.omp.directive]
    words += [omp.directive[0] for line, text in lines.inline_omp if info.loop.line <= line <= info.loop.end_line
              and text not in on_loops and (omp := parse_omp_pragma(text)).directive]
    return sorted(set(words))


def _critical_sections(info: LoopInfo, lines: SourceLines, functions: list[Function], source: Source) -> None:
    """The statements that the `omp critical` directives inside the loop govern, as the AST has them
    (a macro's `;` does not stretch one), with their lock's name; and the variables that macros name in
    the loop (for `check`: autopar.report.check_critical)."""
    loop = info.loop
    for directive in lines.omp:
        if loop.line < directive.first_line <= loop.end_line and directive.omp.directive[:1] == ["critical"] \
                and info.node.start <= directive.start < info.node.end:
            statement = _statement_after(functions, directive.end)
            if statement is not None:  # (the lock's name: `critical(name)`'s own list, as parsed)
                loop.critical_sections.append((*statement, directive.omp.argument or ""))
    if loop.critical_sections:
        loop.macro_named = sorted({node.cursor.spelling for node in info.node.walk() if node.kind == K.DECL_REF_EXPR
                                   and source.data[node.start:node.end] != node.cursor.spelling.encode()})


def _statement_after(functions: list[Function], offset: int) -> Optional[tuple[int, int]]:
    for function in functions:
        if function.body is None or not (function.body.start <= offset < function.body.end):
            continue
        for node in function.nodes:
            if node.start >= offset and node.kind.is_statement() or node.start >= offset and \
                    node.is_expression:
                return node.start, node.end
    return None
