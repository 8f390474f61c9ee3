"""Pragmas pass: existing `#pragma omp` directives and `// autopar: off` opt-outs, found in the text.

We parse without -fopenmp (with it, libclang hides a loop under its pragma), so directives are read
from the source lines: a directive directly above a loop (blank lines, comments and other pragmas may
sit between) belongs to that loop. An opt-out comment in the comment lines right above a loop, at the
end of the loop's own line, or right above a function definition turns autopar off there.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Optional

from autopar.ir import OmpClause, OmpPragma
from clang_passes.ast import Source
from clang_passes.functions import Function
from clang_passes.loops import LoopInfo

_TOKENS = re.compile(rb'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
_OPT_OUT = re.compile(r"autopar\s*:\s*off\b", re.I)
_CONDITIONAL = re.compile(r"#(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b")
_PRAGMA = re.compile(r"^\s*#\s*pragma\s+(\S+)(.*)$", re.S)
# omp directives with no statement of their own
_STANDALONE = {"barrier", "taskwait", "taskyield", "flush", "threadprivate", "declare", "requires", "end",
               "cancel", "cancellation", "depobj", "scan", "error", "allocate", "assumes", "begin", "nothing"}


@dataclass
class Line:
    kind: str  # blank, comment, directive, continuation, code
    comment: str = ""  # comment text on the line
    directive: str = ""  # the whole directive, continuations joined, for the first line of one
    first: int = 0  # first line of the directive this line belongs to


@dataclass
class Directive:
    text: str  # normalised "#pragma omp ..."
    first_line: int
    last_line: int
    end_offset: int  # byte offset just after the directive

    @property
    def words(self) -> list[str]:
        return self.text.split()[2:]


class SourceLines:
    def __init__(self, source: Source):
        self.source = source
        data = source.data
        starts = source.line_starts
        count = len(starts)
        comments: list[tuple[int, int]] = []
        for m in _TOKENS.finditer(data):
            if m.group().startswith((b"//", b"/*")):
                comments.append((m.start(), m.end()))
        masked = bytearray(data)
        comment_text: dict[int, list[str]] = {}
        for start, end in comments:
            line = self._line_of(start)
            text = data[start:end].decode("utf-8", errors="replace")
            for i, part in enumerate(text.split("\n")):
                comment_text.setdefault(line + i, []).append(part)
            for i in range(start, end):
                if masked[i] != 10:
                    masked[i] = 32
        self.lines: list[Line] = [Line("blank")]  # 1-based
        self.directives: list[Directive] = []
        continuing: Optional[Directive] = None
        for number in range(1, count + 1):
            begin = starts[number - 1]
            end = starts[number] if number < count else len(data)
            raw = bytes(masked[begin:end]).decode("utf-8", errors="replace").rstrip("\r\n")
            comment = " ".join(comment_text.get(number, []))
            if continuing is not None:
                line = Line("continuation", comment, first=continuing.first_line)
                continuing.text += " " + raw.rstrip("\\")
                continuing.last_line = number
                continuing.end_offset = end
                if not raw.rstrip().endswith("\\"):
                    continuing = None
            elif raw.strip().startswith("#"):
                line = Line("directive", comment, first=number)
                directive = Directive(raw.strip().rstrip("\\"), number, number, end)
                self.directives.append(directive)
                if raw.rstrip().endswith("\\"):
                    continuing = directive
            elif not raw.strip():
                line = Line("comment" if comment else "blank", comment)
            else:
                line = Line("code", comment)
            self.lines.append(line)
        by_first: dict[int, Directive] = {}
        for directive in self.directives:
            directive.text = re.sub(r"^#\s*", "#", " ".join(directive.text.split()))
            by_first[directive.first_line] = directive
        self.by_first = by_first
        self.omp = [d for d in self.directives if _is_omp(d.text)]

    def _line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.source.line_starts, offset)

    def line(self, number: int) -> Line:
        return self.lines[number] if 0 < number < len(self.lines) else Line("blank")

    def pragma_above(self, number: int) -> Optional[Directive]:
        """The omp directive directly above line `number`, if any."""
        n = number - 1
        while n > 0:
            line = self.lines[n]
            if line.kind in ("blank", "comment"):
                n -= 1
                continue
            if line.kind in ("directive", "continuation"):
                directive = self.by_first.get(line.first)
                if directive is not None and _CONDITIONAL.match(directive.text):
                    n = line.first - 1  # `#ifdef _OPENMP` around the pragma: look further up
                    continue
                if directive is None or not directive.text.startswith("#pragma"):
                    return None
                if _is_omp(directive.text):
                    words = directive.words
                    return directive if words and words[0] not in _STANDALONE else None
                n = line.first - 1  # another pragma (GCC unroll, ivdep, ...): look further up
                continue
            return None
        return None

    def opt_out_above(self, number: int) -> bool:
        """`autopar: off` in the comment lines (and pragmas) directly above line `number`."""
        n = number - 1
        while n > 0:
            line = self.lines[n]
            if line.comment and _OPT_OUT.search(line.comment):
                return True
            if line.kind not in ("comment", "directive", "continuation"):
                return False
            n -= 1
        return False


def _is_omp(text: str) -> bool:
    m = _PRAGMA.match(text)
    return bool(m and m.group(1) == "omp")


def annotate(infos: list[LoopInfo], functions: list[Function], source: Source) -> None:
    lines = SourceLines(source)
    data = source.data
    function_off = {id(f): lines.opt_out_above(f.start_line) for f in functions}
    for info in infos:
        loop = info.loop
        before = data[source.line_starts[loop.line - 1]:loop.offset]
        alone = not loop.from_macro and not before.strip()
        if alone:
            directive = lines.pragma_above(loop.line)
            if directive is not None:
                loop.existing_pragma = directive.text
        loop.opt_out = function_off[id(info.function)] or (alone and lines.opt_out_above(loop.line)) or bool(
            _OPT_OUT.search(lines.line(loop.line).comment))
    # Regions: a directive that is not on a loop covers the statement that follows it.
    regions: list[tuple[int, int]] = []
    for directive in lines.omp:
        words = directive.words
        if not words or words[0] in _STANDALONE or words[:2] == ["target", "update"] or \
                words[:2] in (["target", "enter"], ["target", "exit"]):
            continue
        statement = _statement_after(functions, directive.end_offset)
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


def _statement_after(functions: list[Function], offset: int) -> Optional[tuple[int, int]]:
    for function in functions:
        if function.body is None or not (function.body.start <= offset < function.body.end):
            continue
        for node in function.nodes:
            if node.start >= offset and node.kind.is_statement() or node.start >= offset and \
                    node.kind.is_expression():
                return node.start, node.end
    return None


# ------------------------------------------------------------------------------ clauses of a directive

# words that name the construct, as opposed to clauses (`nowait` and `untied` take no parentheses but
# are clauses)
_CONSTRUCT_WORDS = {"parallel", "for", "simd", "do", "target", "teams", "distribute", "loop", "taskloop",
                    "master", "masked", "sections", "single", "task", "data", "enter", "exit", "update"}


def parse_omp_pragma(text: str) -> OmpPragma:
    """The construct words and clauses of `#pragma omp ...` (or `_Pragma("omp ...")`), for any module
    that reads an existing pragma's meaning: which variables are private, which are reductions, with
    which operator, the collapse depth, the default data-sharing class."""
    body = text.strip()
    if body.startswith("_Pragma"):
        body = body[body.find("(") + 1:body.rfind(")")].strip().strip('"')
    body = re.sub(r"^#\s*pragma\s+", "", body)
    body = re.sub(r"^omp\b", "", body).strip()
    directive: list[str] = []
    clauses: list[OmpClause] = []
    position = 0
    while position < len(body):
        m = re.compile(r"[\s,]*([A-Za-z_]\w*)\s*").match(body, position)
        if not m:
            break  # stray punctuation: stop rather than guess
        word, position = m.group(1), m.end()
        argument = None
        if position < len(body) and body[position] == "(":
            depth, end = 0, position
            while end < len(body):
                depth += {"(": 1, ")": -1}.get(body[end], 0)
                if depth == 0:
                    break
                end += 1
            argument, position = body[position + 1:end].strip(), end + 1
        if argument is None and not clauses and word in _CONSTRUCT_WORDS:
            directive.append(word)
        else:
            clauses.append(_clause(word, argument))
    return OmpPragma(directive=directive, clauses=clauses)


def _clause(name: str, argument: Optional[str]) -> OmpClause:
    """One clause with its variable list and modifier (`+` of reduction(+: s), `conditional` of
    lastprivate(conditional: x), the step of linear(i: 2))."""
    if argument is None:
        return OmpClause(name=name)
    modifier = None
    items = argument
    if name in ("reduction", "in_reduction", "task_reduction", "lastprivate", "linear", "map", "depend",
                "aligned", "allocate"):
        colon = _top_level_colon(argument)
        if colon is not None:
            head, items = argument[:colon].strip(), argument[colon + 1:]
            if name == "linear" or name == "aligned":
                items, modifier = head, items.strip()  # linear(i, j: step): the step follows the list
            else:
                modifier = head.split(",")[-1].strip()  # reduction(inscan, +: s): the operator
    variables = [m.group(0) for part in _split_top_level(items)
                 if (m := re.match(r"\s*[A-Za-z_]\w*", part))] if name in _LIST_CLAUSES else []
    return OmpClause(name=name, argument=argument, modifier=modifier,
                     variables=[v.strip() for v in variables])


_LIST_CLAUSES = {"private", "firstprivate", "lastprivate", "shared", "reduction", "in_reduction",
                 "task_reduction", "linear", "copyin", "copyprivate", "map", "aligned", "nontemporal",
                 "uniform", "is_device_ptr", "use_device_ptr"}


def _top_level_colon(text: str) -> Optional[int]:
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == ":" and depth == 0 and not text[index:index + 2] == "::" and \
                not (index > 0 and text[index - 1] == ":"):
            return index
    return None


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p for p in [*parts, current] if p.strip()]
