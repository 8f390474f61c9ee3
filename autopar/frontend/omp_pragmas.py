"""Existing OpenMP pragmas, read from the source text: the one reader of them for the front end, the
rewriter, `check`, `autopar-cc` and the fuzzer, so that they agree on what a pragma is.

- A directive is a `#` line (spaces after `#` allowed, backslash continuation lines joined) or a
  `_Pragma("...")` alone on its line. Text inside comments is no directive.
- A pragma belongs to the statement below it when only blank lines, comments, other pragmas and
  `#if`/`#ifdef`/`#else`/`#endif` lines sit between (`SourceLines.pragma_above`); a standalone
  directive (`barrier`, `flush(a)`, `target update`) belongs to none.
- `parse_omp_pragma` gives a pragma's directive words and clauses.
- `has_omp_pragma` says whether a file holds an omp pragma anywhere, a `_Pragma` in a macro too.

This module imports only the standard library: `autopar-cc` loads it on every compile.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional

# autopar's own form of lastprivate(conditional: ...) in rewritten code, read back as that clause
# (autopar.plans.plan.CONDITIONAL_LASTPRIVATE; the standard library only here, so spelled again)
CONDITIONAL_LASTPRIVATE = re.compile(r"autopar_last_assigned\d+_")
_TOKENS = re.compile(rb'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
_CONDITIONAL = re.compile(r"#(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b")
_OPERATOR = re.compile(rb'_Pragma\s*\(\s*("(?:\\.|[^"\\\n])*")\s*\)')
# what starts a directive: `#`, its digraph `%:` (C95, C++) and its trigraph `??=` (with -trigraphs or
# a strict -std=; elsewhere such a line does not compile, so reading it as a directive is safe)
_HASHES = ("#", "%:", "??=")
_OMP_MACRO = re.compile(r'#\s*define\s+([A-Za-z_]\w*)\s+(_Pragma\s*\(\s*"(?:\\.|[^"\\])*"\s*\))\s*')


def mask_comments(data: bytes, strings: bool = False) -> bytes:
    """`data` with every comment (and, with `strings`, every string and character literal) blanked
    out, line breaks kept: offsets and line numbers stay."""
    def blank(match: re.Match) -> bytes:
        text = match.group()
        return re.sub(rb"[^\n]", b" ", text) if strings or text.startswith((b"//", b"/*")) else text
    return _TOKENS.sub(blank, data)


def _destringize(literal: str) -> str:
    """The text of a string literal, as `_Pragma` reads it (C11 6.10.9)."""
    return re.sub(r'\\(["\\])', r"\1", literal[1:-1])


@dataclass
class Line:
    kind: str  # blank, comment, directive, continuation, code
    comment: str = ""  # comment text on the line
    first: int = 0  # first line of the directive this line belongs to


@dataclass
class Directive:
    text: str  # spaces collapsed: "#pragma omp ...", "#ifdef X", `_Pragma("omp ...")`
    first_line: int
    last_line: int
    start: int  # byte offset of its first line
    end: int  # byte offset just after its last line

    @property
    def pragma(self) -> Optional[str]:
        """What the pragma says ("omp parallel for", "GCC ivdep"); None for another directive."""
        return _pragma_body(self.text)

    @property
    def is_omp(self) -> bool:
        return _is_omp(self.pragma)

    @property
    def omp(self) -> OmpPragma:
        return parse_omp_pragma(self.text)


def _pragma_body(text: str) -> Optional[str]:
    if text.startswith("_Pragma"):
        m = re.fullmatch(r'_Pragma\s*\(\s*("(?:\\.|[^"\\])*")\s*\)', text.strip())
        return " ".join(_destringize(m.group(1)).split()) if m else None
    m = re.match(r"#\s*pragma\b(.*)$", text.strip(), re.S)
    return " ".join(m.group(1).split()) if m else None


def _is_omp(body: Optional[str]) -> bool:
    return body is not None and body.split(None, 1)[:1] == ["omp"]


class SourceLines:
    """Each line of a file, what kind it is and its comment text, and the directives among them.
    Line numbers are 1-based; `source_lines` keeps the last few built."""

    def __init__(self, data: bytes):
        self.starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]
        self.code = mask_comments(data)
        comments = self._comments(data)
        self.lines: list[Line] = [Line("blank")]
        self.directives: list[Directive] = []
        continuing: Optional[Directive] = None
        parts: list[str] = []
        for number in range(1, len(self.starts) + 1):
            begin, end = self.starts[number - 1], self._line_end(number, len(data))
            raw = self.code[begin:end].decode("utf-8", errors="replace").rstrip("\r\n")
            comment = " ".join(comments.get(number, []))
            stripped = raw.strip()
            # (a backslash ends the line even inside a comment: lines are spliced before comments go)
            continues = stripped.endswith("\\") or data[begin:end].rstrip().endswith(b"\\")
            if continuing is not None:
                line = Line("continuation", comment, first=continuing.first_line)
                continuing.last_line, continuing.end = number, end
            elif stripped.startswith(_HASHES) or _OPERATOR.fullmatch(stripped.encode()):
                line = Line("directive", comment, first=number)
                continuing = Directive("", number, number, begin, end)
                self.directives.append(continuing)
                parts = []
            elif stripped:
                line = Line("code", comment)
            else:
                line = Line("comment" if comment else "blank", comment)
            if continuing is not None:
                parts.append(stripped[:-1] if stripped.endswith("\\") else stripped)
                continuing.text = _normalised(" ".join(parts))
                if not continues:
                    continuing = None
            self.lines.append(line)
        self.by_first = {d.first_line: d for d in self.directives}
        self.omp = [d for d in self.directives if d.is_omp]
        # `#define PFOR _Pragma("omp parallel for")`: a line of just `PFOR` is that directive
        self.omp_macros = {m.group(1): m.group(2) for d in self.directives
                           if (m := _OMP_MACRO.fullmatch(d.text)) and _is_omp(_pragma_body(m.group(2)))}
        # `_Pragma("omp ...")` inside code or a macro's definition, not alone on its line: (line, text)
        self.inline_omp: list[tuple[int, str]] = []
        for m in _OPERATOR.finditer(self.code):
            number = self.line_of(m.start())
            alone = self.line(number).kind == "directive" and self.by_first[number].text.startswith("_Pragma")
            text = m.group().decode("utf-8", errors="replace")
            if not alone and _is_omp(_pragma_body(text)):
                self.inline_omp.append((number, text))

    def _line_end(self, number: int, size: int) -> int:
        return self.starts[number] if number < len(self.starts) else size

    def _comments(self, data: bytes) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for m in _TOKENS.finditer(data):
            if m.group().startswith((b"//", b"/*")):
                first = self.line_of(m.start())
                for i, part in enumerate(m.group().decode("utf-8", errors="replace").split("\n")):
                    found.setdefault(first + i, []).append(part)
        return found

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def line(self, number: int) -> Line:
        return self.lines[number] if 0 < number < len(self.lines) else Line("blank")

    def directive_of(self, number: int) -> Optional[Directive]:
        """The directive line `number` is part of (its first line or a continuation), if any."""
        line = self.line(number)
        return self.by_first.get(line.first) if line.kind in ("directive", "continuation") else None

    def pragma_above(self, number: int) -> Optional[Directive]:
        """The omp directive that applies to the statement on line `number`, if any."""
        n = number - 1
        while n > 0:
            kind = self.line(n).kind
            if kind in ("blank", "comment"):
                n -= 1
                continue
            if kind == "code" and self.omp_macros:  # (a line that is only a macro that is the pragma)
                start, end = self.starts[n - 1], self._line_end(n, len(self.code))
                spelled = self.code[start:end].strip().decode("latin-1")
                if spelled in self.omp_macros:
                    return Directive(self.omp_macros[spelled], n, n, start, end)
            directive = self.directive_of(n)
            if directive is None:
                return None
            if directive.is_omp:
                return None if directive.omp.standalone else directive
            if directive.pragma is None and not _CONDITIONAL.match(directive.text):
                return None  # a #define, #include, ...: the pragma above it is not this statement's
            n = directive.first_line - 1  # `#ifdef _OPENMP` around it, or `#pragma GCC ivdep`: look further up
        return None

    def statement_line_above(self, number: int) -> int:
        """The nearest line above `number` that is neither blank, a comment, nor part of a directive
        other than a pragma (`#ifdef`, `#define`: a pragma above them still applies to the statement
        below): a line of code or of a pragma; 0 where there is none."""
        n = number - 1
        while n > 0:
            kind = self.line(n).kind
            directive = self.directive_of(n) if kind in ("directive", "continuation") else None
            if kind == "code" or directive is not None and directive.pragma is not None:
                return n
            n = directive.first_line - 1 if directive is not None else n - 1
        return 0

    def omp_between(self, first: int, last: int) -> list[OmpPragma]:
        """Every omp pragma on lines first..last, `_Pragma("omp ...")` inside code too."""
        found = [d.text for d in self.omp if first <= d.first_line <= last]
        found += [text for line, text in self.inline_omp if first <= line <= last]
        return [parse_omp_pragma(text) for text in found]


def _normalised(text: str) -> str:
    return re.sub(r"^(?:#|%:|\?\?=)\s*", "#", " ".join(text.split()))


@functools.lru_cache(maxsize=8)
def source_lines(data: bytes) -> SourceLines:
    """The lines of `data`, built once: the rewriter asks about every loop of a file."""
    return SourceLines(data)


def has_omp_pragma(data: bytes) -> bool:
    """Whether the text holds an omp pragma of its own: a `#pragma omp` line, or `_Pragma("omp ...")`
    anywhere in the code (a macro may hold it). Comments do not count."""
    if b"omp" not in data:
        return False  # most files: nothing to read
    lines = SourceLines(data)
    return bool(lines.omp or lines.inline_omp)


def openmp_code(content: bytes, headers: list[str]) -> Optional[str]:
    """What -fopenmp would switch on in a source or the headers of its own it includes (an omp pragma,
    code under `_OPENMP` or `_REENTRANT`), said for autopar-cc's warning; None when nothing."""
    if has_omp_pragma(content):
        return "it has omp pragmas of its own"
    if b"_OPENMP" in content:
        return "it tests _OPENMP"
    if b"_REENTRANT" in content:
        return "it tests _REENTRANT, which -fopenmp defines (gcc's -pthread)"
    for header, text in zip(headers, header_texts(headers)):
        if text is not None and (has_omp_pragma(text) or b"_OPENMP" in text or b"_REENTRANT" in text):
            return f"{header}, which it includes, has omp pragmas or tests _OPENMP or _REENTRANT"
    return None


_DEFINITION = re.compile(rb"^[ \t]*(?:#|%:|\?\?=)[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)]*\))?((?:[^\n\\]|\\.|\\\n)*)",
                         re.M)


def macros_reaching(texts: list[Optional[bytes]], expands: Callable[[str], bool]) -> dict[str, str]:
    """{macro: its definition} for each macro the texts define whose definition `expands` accepts, or
    names such a macro (`#define TAG2 UNIQUE_ID` after `#define UNIQUE_ID (__COUNTER__ + 1)`)."""
    # every definition of a name counts (`#ifndef NO_UNROLL` / `#define R _Pragma(...)` / `#else` /
    # `#define R` / `#endif`: the last one, empty, hid the pragma, and a pragma went between R and its for)
    bodies: dict[str, str] = {}
    for text in texts:
        for m in _DEFINITION.finditer(text or b""):
            name, body = m.group(1).decode(), m.group(3).decode("utf-8", "replace")
            bodies[name] = f"{bodies[name]}\n{body}" if name in bodies else body
    found = {name for name, body in bodies.items() if any(expands(part) for part in body.split("\n"))}
    while True:
        more = {name for name, body in bodies.items() if name not in found
                and set(re.findall(r"[A-Za-z_]\w*", body)) & found}
        if not more:
            return {name: bodies[name] for name in found}
        found |= more


def pragma_macros(texts: list[Optional[bytes]]) -> dict[str, bool]:
    """{macro: whether its pragma is omp} for each macro the texts define that expands to a pragma:
    its definition holds `_Pragma`, or names such a macro (`#define OMP_FOR DO_PRAGMA(omp parallel
    for)` through `#define DO_PRAGMA(x) _Pragma(#x)`). Its pragma is taken as omp where the definition
    names `omp`."""
    if not any(text is not None and b"_Pragma" in text for text in texts):
        return {}
    return {name: bool(re.search(r"\bomp\b", body))
            for name, body in macros_reaching(texts, lambda body: "_Pragma" in body).items()}


@functools.lru_cache(maxsize=8)
def omp_macro_names(data: bytes) -> frozenset[str]:
    """The macros the file defines that write an omp pragma (pragma_macros: `#define PFOR(i, n)
    _Pragma("omp parallel for") for (...)`): a loop one expands to carries a pragma the analysis does
    not read. Kept for the last few files: every function of a file asks."""
    return frozenset(name for name, omp in pragma_macros([data]).items() if omp)


def macro_pragma_on_line(line: bytes, macros: dict[str, bool]) -> Optional[tuple[str, bool]]:
    """(the line's text, whether omp) when the line is one invocation of a macro of `macros`
    (`IVDEP`, `UNROLL(4)`, `PFOR`) and nothing else."""
    m = re.fullmatch(rb"\s*([A-Za-z_]\w*)\s*(\([^;{}]*\))?\s*", line)
    if m is None or m.group(1).decode() not in macros:
        return None
    return " ".join(line.decode("utf-8", "replace").split()), macros[m.group(1).decode()]


def header_texts(headers: list[str]) -> Iterator[Optional[bytes]]:
    """The bytes of each of a file's own headers, in order; None for one that cannot be read."""
    for header in headers:
        try:
            with open(header, "rb") as handle:
                yield handle.read()
        except OSError:
            yield None


# ------------------------------------------------------------------------------ one directive parsed

# omp directives with no statement of their own
_STANDALONE = {"barrier", "taskwait", "taskyield", "flush", "threadprivate", "declare", "requires", "end",
               "cancel", "cancellation", "depobj", "scan", "error", "allocate", "assumes", "begin", "nothing"}
# words that name the construct, as opposed to clauses (`nowait` and `untied` take no parentheses but
# are clauses)
_CONSTRUCT_WORDS = {"parallel", "for", "simd", "do", "target", "teams", "distribute", "loop", "taskloop",
                    "master", "masked", "sections", "single", "task", "data", "enter", "exit", "update"}


@dataclass
class OmpClause:
    """One clause of an omp directive: `reduction(+: s, t)` is name "reduction", modifier "+",
    variables ["s", "t"]."""

    name: str
    argument: Optional[str] = None  # the text between the parentheses, None without them
    modifier: Optional[str] = None  # a reduction's operator, lastprivate's `conditional`, linear's step
    variables: list[str] = field(default_factory=list)  # the names of a list clause (array sections: their base)


@dataclass
class OmpPragma:
    """An omp directive, parsed: its words and clauses."""

    directive: list[str] = field(default_factory=list)  # the construct's words: ["parallel", "for"]
    clauses: list[OmpClause] = field(default_factory=list)
    argument: Optional[str] = None  # the directive's own list: critical(name), flush(a), threadprivate(x)

    def clauses_named(self, name: str) -> list[OmpClause]:
        return [c for c in self.clauses if c.name == name]

    @property
    def standalone(self) -> bool:
        """No statement of its own follows it (an executable or declarative directive)."""
        return not self.directive or self.directive[0] in _STANDALONE or \
            self.directive[:2] in (["target", "update"], ["target", "enter"], ["target", "exit"])

    @property
    def collapse(self) -> int:
        for clause in self.clauses_named("collapse"):
            if clause.argument and clause.argument.strip().isdigit():
                return int(clause.argument)
        return 1

    @property
    def default(self) -> str:
        """The data-sharing class of a variable named in no clause (OpenMP's default is shared)."""
        found = [c.argument.strip() for c in self.clauses_named("default") if c.argument]
        return found[-1] if found else "shared"

    def sharing(self, name: str) -> list[str]:
        """Every class the pragma gives `name`: "private", "lastprivate", "reduction(+)", "linear", ...
        Empty when no clause names it (it then gets `default`)."""
        found = []
        for clause in self.clauses:
            if name in clause.variables:
                found.append(f"reduction({clause.modifier})" if clause.name == "reduction" else clause.name)
        return found


_WORD = re.compile(r"[\s,]*([A-Za-z_]\w*)\s*")


def parse_omp_pragma(text: str) -> OmpPragma:
    """The directive words and clauses of `#pragma omp ...` or `_Pragma("omp ...")`, for any module
    that reads an existing pragma's meaning: which variables are private, which are reductions, with
    which operator, the collapse depth, the default data-sharing class."""
    body = _pragma_body(text)
    body = re.sub(r"^omp\b", "", " ".join(text.split()) if body is None else body).strip()
    pragma = OmpPragma()
    position = 0
    while position < len(body):
        m = _WORD.match(body, position)
        if not m:
            break  # stray punctuation: stop rather than guess
        word, position = m.group(1), m.end()
        argument = None
        if position < len(body) and body[position] == "(":
            end = closing(body, position)
            end = len(body) if end is None else end
            argument, position = body[position + 1:end].strip(), end + 1
        if not pragma.directive:
            pragma.directive.append(word)  # the first word names the directive, critical(name) too
            pragma.argument = argument
        elif argument is None and not pragma.clauses and word in _CONSTRUCT_WORDS:
            pragma.directive.append(word)
        else:
            pragma.clauses.append(_clause(word, argument))
    return pragma


def closing(text: str, opening: int, pair: str = "()") -> Optional[int]:
    """The index of the bracket that closes the one at `opening` (`pair`: "()" or "{}"), or None."""
    depth = 0
    for end in range(opening, len(text)):
        depth += {pair[0]: 1, pair[1]: -1}.get(text[end], 0)
        if depth == 0:
            return end
    return None


def _clause(name: str, argument: Optional[str]) -> OmpClause:
    """One clause with its variable list and modifier (`+` of reduction(+: s), `conditional` of
    lastprivate(conditional: x), the step of linear(i: 2))."""
    if argument is None:
        return OmpClause(name=name)
    if CONDITIONAL_LASTPRIVATE.fullmatch(name):  # (autopar's own form of lastprivate(conditional: ...))
        name, argument = "lastprivate", f"conditional: {argument}"
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
