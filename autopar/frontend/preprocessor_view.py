"""Whether the real compiler keeps the code libclang keeps: the analysis reads the file as clang
preprocesses it, and gcc compiles it as gcc does. They differ where a conditional tests what the two
compilers define otherwise (`#ifdef __clang__`, `#if __GNUC__ < 5`: libclang says 4) or what only the
build's flags define (`__OPTIMIZE__` of -O2). A parallel pragma on code gcc never saw analysed raced:
`a[i] = a[i] + 1` under `#ifdef __clang__`, `a[i] = a[i - 1] + 1` in its `#else`.

Takes the file, the user headers it includes, the compile flags and the real compiler; gives why the
two views differ (the first segment of code between two directives that one keeps and the other
drops), or None. libclang's view is its skipped ranges (a second parse that keeps the preprocessing
record), the compiler's the lines with tokens in its `-E -dD` output (the definitions it keeps too).
A line of code that names a macro the two give other values (`__GNUC__`) is a divergence as well. Only for a compiler that is not
clang, and only where a file of the user has a conditional directive and a directive that names a
reserved identifier (`#ifndef N` alone changes nothing: both read N alike). The compiler runs beside
libclang's second parse: lz4.c's check took 0.07 s on the shared 2-core machine.
"""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
from typing import Optional

from autopar.frontend.ast import Source
from autopar.frontend.omp_pragmas import source_lines

_CONDITIONAL = re.compile(rb"^[ \t]*(?:#|%:|\?\?=)[ \t]*(?:if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b", re.M)
# a conditional or a definition that names a reserved identifier, which a compiler may predefine
# (`__clang__`, `__GNUC__`, `__OPTIMIZE__`, `_WIN32`, `__has_builtin`): only then may the two differ
_RESERVED_TEST = re.compile(rb"^[ \t]*(?:#|%:|\?\?=)[ \t]*(?:if|ifdef|ifndef|elif|elifdef|elifndef|define)\b[^\n]*\b_[_A-Z]", re.M)
_MARKER = re.compile(r'^# (\d+) "((?:[^"\\]|\\.)*)"')
_SCOPE_ONLY = re.compile(rb'\s*(?:extern\s*(?:"C(?:\+\+)?")?|namespace\b[^{]*)\s*\{\s*$')  # (literals removed)
_LITERALS = re.compile(rb'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|//.*|/\*.*?\*/')
_DEFINE = re.compile(r"\s*(?:#|%:|\?\?=)\s*define\s+([A-Za-z_]\w*)")
# flags that do not shape what the preprocessor keeps, or that write files: left out of the -E run
_DROPPED = {"-c", "-S", "-E", "-MD", "-MMD", "-M", "-MM", "-MP", "-g", "-fsyntax-only", "-save-temps"}
_DROPPED_WITH_VALUE = {"-o", "-MF", "-MT", "-MQ"}


def divergence(source: Source, parse_args: list[str], compile_args: list[str], compiler: str,
               headers: list[str]) -> Optional[str]:
    """Why the compiler keeps other code of the file (its text as the analysis read it) or its user
    headers than libclang does, or None."""
    if not compiler or "clang" in os.path.basename(compiler):
        return None
    path = source.path
    files = {os.path.abspath(path): source.data}
    for header in headers:
        try:
            with open(header, "rb") as handle:
                files[header] = handle.read()
        except OSError:
            continue
    in_code = _reaching_code(files.values()) if any(_VERSION_MACROS.search(d) for d in files.values()) else None
    for name, data in files.items():
        used = _version_in_code(data, in_code or set())
        if used:
            return (f"the code at {os.path.basename(name)}:{used[0]} uses {used[1]}, which clang's preprocessor (the "
                    f"analysis) and {os.path.basename(compiler)} give other values")
    if not any(_CONDITIONAL.search(data) and _RESERVED_TEST.search(data) for data in files.values()):
        return None
    running = _start_compiler(path, compile_args, compiler)  # (it runs while libclang parses)
    if running is None:
        return None
    skipped = _skipped_lines(path, source.text, parse_args, list(files))
    kept = _compiler_lines(running)
    if kept is None or skipped is None:
        return None  # (the compiler's own error is the build's business)
    if in_code is None:
        in_code = _reaching_code(files.values())
    for name, data in files.items():
        for first, lines, macro in _segments(data):
            if macro is not None and macro not in in_code:
                continue  # a definition no code expands (its conditionals' uses are compared as code)
            by_compiler = any(line in kept.get(name, ()) for line in lines)
            by_clang = first not in skipped.get(name, ())
            if by_compiler != by_clang:
                where = f"{os.path.basename(name)}:{first}"
                return (f"{os.path.basename(compiler)} {'compiles' if by_compiler else 'leaves out'} the code at {where}, "
                        f"which the analysis (clang's preprocessor) {'leaves out' if by_compiler else 'reads'}: "
                        "a conditional tests what the two compilers define otherwise (`__clang__`, `__GNUC__`, ...)")
    return None


# the macros whose values tell the compilers apart (clang's libclang says __GNUC__ 4)
_VERSION_MACROS = re.compile(rb"\b__(?:GNUC|GNUC_MINOR|GNUC_PATCHLEVEL|clang|clang_major|clang_minor|clang_patchlevel|"
                             rb"llvm|VERSION)__\b")


def _version_in_code(data: bytes, in_code: set[str]) -> Optional[tuple[int, str]]:
    """A line of code (not a directive) that names such a macro (`b[i + (__GNUC__ - 4)]`), or the
    definition of a macro that function bodies expand (`in_code`) that does: its number and the macro."""
    if not _VERSION_MACROS.search(data):
        return None
    viewed = source_lines(data)
    for number, line in enumerate(viewed.lines[1:], start=1):
        if line.kind == "code":
            found = _VERSION_MACROS.search(_line_text(viewed, data, number))
        elif line.kind == "directive" and (directive := viewed.by_first.get(number)) is not None and \
                (defined := _DEFINE.match(directive.text)) and defined.group(1) in in_code:
            found = _VERSION_MACROS.search(directive.text[defined.end():].encode())
        else:
            continue
        if found:
            return number, found.group().decode()
    return None


def _line_text(viewed, data: bytes, number: int) -> bytes:
    """Line `number`'s bytes (1-based; `viewed`: the file's source_lines)."""
    start = viewed.starts[number - 1]
    end = viewed.starts[number] if number < len(viewed.starts) else len(data)
    return data[start:end]


def _segments(data: bytes) -> list[tuple[int, list[int], Optional[str]]]:
    """The runs of code lines between two preprocessor directives, and each `#define` on its own:
    (the first line's number, all of them, 1-based; the macro a definition defines, else None). A run
    is kept or left out whole, by either preprocessor (the compiler's `-dD` prints the definitions it
    keeps, at their lines)."""
    out, current = [], []
    viewed = source_lines(data)
    for number, line in enumerate(viewed.lines[1:], start=1):
        if line.kind in ("directive", "continuation"):
            if current:
                out.append((current[0], current, None))
            current = []
            directive = viewed.by_first.get(number) if line.kind == "directive" else None
            defined = _DEFINE.match(directive.text) if directive is not None else None
            if defined:
                out.append((number, [number], defined.group(1)))
        elif line.kind == "code":
            current.append(number)
    if current:
        out.append((current[0], current, None))
    return out


def _reaching_code(texts) -> set[str]:
    """The names a line of code inside braces (a function's body: not a prototype's array parameter,
    `BROTLI_ARRAY_PARAM(size)`) names, and those the definitions of such names name, and so on: the
    macros whose definitions end up in the code that runs. Also a name in a definition's header (a
    line outside braces that ends in no `;`) whose definitions reach a qualifier that changes what
    the analysis may assume (`#define RESTRICT restrict` on clang only)."""
    names: set[str] = set()
    headers: set[str] = set()
    bodies: dict[str, set[str]] = {}
    for data in texts:
        viewed = source_lines(data)
        depth = 0
        for number, line in enumerate(viewed.lines[1:], start=1):
            if line.kind == "code":
                text = _LITERALS.sub(b"", _line_text(viewed, data, number))
                inside = text if depth > 0 else text[text.find(b"{"):] if b"{" in text else b""
                names.update(w.decode() for w in re.findall(rb"[A-Za-z_]\w*", inside))
                if depth == 0 and not text.rstrip().endswith(b";"):
                    headers.update(w.decode() for w in re.findall(rb"[A-Za-z_]\w*", text))
                if not _SCOPE_ONLY.match(text):  # (`extern "C" {`, often under `#ifdef __cplusplus`, holds no code)
                    depth = max(0, depth + text.count(b"{") - text.count(b"}"))
            elif line.kind == "directive" and (directive := viewed.by_first.get(number)) is not None:
                defined = _DEFINE.match(directive.text)
                if defined:
                    bodies.setdefault(defined.group(1), set()).update(
                        re.findall(r"[A-Za-z_]\w*", directive.text[defined.end():]))
    names |= {name for name in headers if name in bodies and _closure({name}, bodies) & _QUALIFIERS}
    return _closure(names, bodies)


_QUALIFIERS = {"restrict", "__restrict", "__restrict__", "volatile", "__volatile__", "_Atomic"}


def _closure(names: set[str], bodies: dict[str, set[str]]) -> set[str]:
    """The names, and those their definitions name, and so on."""
    names = set(names)
    todo = [n for n in names if n in bodies]
    while todo:
        for word in bodies.get(todo.pop(), ()):
            if word not in names:
                names.add(word)
                todo.append(word)
    return names


def _start_compiler(path: str, compile_args: list[str], compiler: str) -> Optional[subprocess.Popen]:
    """The compiler's `-E` of the file with the build's flags (those that shape what it keeps), started."""
    args, skip = [], False
    for arg in compile_args:
        if skip:
            skip = False
            continue
        if arg in _DROPPED_WITH_VALUE:
            skip = True
        elif arg not in _DROPPED and not arg.startswith(("-Wp,", "-MF", "-MT", "-MQ", "-o")) and \
                os.path.abspath(arg) != os.path.abspath(path):
            args.append(arg)
    try:
        return subprocess.Popen([compiler, *args, "-E", "-dD", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL)
    except OSError:
        return None


def _compiler_lines(running: subprocess.Popen) -> Optional[dict[str, set[int]]]:
    """The lines of each file that hold tokens in the compiler's `-E` output, by absolute path."""
    try:
        output, _ = running.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        running.kill()
        running.communicate()
        return None
    if running.returncode != 0:
        return None
    kept: dict[str, set[int]] = {}
    name, line = "", 0
    for text in output.decode("utf-8", "surrogateescape").split("\n"):
        marker = _MARKER.match(text)
        if marker:
            line, name = int(marker.group(1)), os.path.abspath(marker.group(2).encode().decode("unicode_escape"))
            continue
        if text.strip():
            kept.setdefault(name, set()).add(line)
        line += 1
    return kept


def _skipped_lines(path: str, text: str, parse_args: list[str], files: list[str]) -> Optional[dict[str, set[int]]]:
    """The lines of each file that libclang's preprocessor skips (a parse that keeps its record)."""
    from clang import cindex

    class RangeList(ctypes.Structure):
        _fields_ = [("count", ctypes.c_uint), ("ranges", ctypes.POINTER(cindex.SourceRange))]

    lib = cindex.conf.lib
    skipped_ranges = lib.clang_getSkippedRanges
    skipped_ranges.argtypes, skipped_ranges.restype = [cindex.TranslationUnit, cindex.File], ctypes.POINTER(RangeList)
    lib.clang_disposeSourceRangeList.argtypes = [ctypes.POINTER(RangeList)]
    try:
        tu = cindex.TranslationUnit.from_source(path, parse_args, unsaved_files=[(path, text)],
                                                options=cindex.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD)
    except cindex.TranslationUnitLoadError:
        return None
    out: dict[str, set[int]] = {}
    for name in files:
        handle = tu.get_file(name if name != os.path.abspath(path) else path)
        found = skipped_ranges(tu, handle)
        try:
            lines = out.setdefault(name, set())
            for k in range(found.contents.count):
                span = found.contents.ranges[k]
                lines.update(range(span.start.line, span.end.line + 1))
        finally:
            lib.clang_disposeSourceRangeList(found)
    return out
