"""Parse pass: read the source, work out the compile arguments, and run libclang.

Compile arguments come from the command line or from a compilation database (`-p BUILD_DIR`).
Builtin headers (stddef.h, stdarg.h, ...) are not in the PyPI libclang wheel, so they are borrowed
from an installed clang (`-resource-dir`) or, failing that, from gcc.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Optional

from autopar.flags import OUTPUT_FLAGS_WITH_VALUE, PATH_FLAGS, strict_aliasing, vectorizes
from autopar.ir import Diagnostic
from autopar.frontend import compdb


class FrontendError(Exception):
    """The file cannot be analyzed at all (missing, unreadable, binary, or libclang gave up)."""

    def __init__(self, message: str, diagnostics: Optional[list[Diagnostic]] = None):
        super().__init__(message)
        self.diagnostics: list[Diagnostic] = diagnostics or []


CXX_EXTENSIONS = {".cpp", ".cc", ".cxx", ".c++", ".C", ".hpp", ".hh", ".hxx", ".h++", ".ipp", ".tpp", ".cu"}
HEADER_EXTENSIONS = {".h", ".hpp", ".hh", ".hxx", ".h++", ".ipp", ".tpp"}

# Flags that change nothing about the AST but would confuse a parse-only run, and whether each takes
# a separate value.
_DROP_WITH_VALUE = OUTPUT_FLAGS_WITH_VALUE
_DROP_EXACT = {"-c", "-S", "-E", "-M", "-MM", "-MD", "-MMD", "-MP", "-MG", "-fopenmp", "-pipe", "-v",
               "-shared", "-static", "-pthread", "-rdynamic", "-fsyntax-only", "-save-temps", "-g"}
_DROP_PREFIXES = ("-Werror", "-fopenmp=", "-fopenmp-", "-Wl,", "-Wa,", "-Wp,", "-o", "-l", "-L",
                  "-fsanitize", "-flto", "-fprofile", "-fcoverage", "-g", "-O")
_PATH_FLAGS = PATH_FLAGS


# Diagnostics that clang 16 and later made errors by default, while gcc (12 and 13) and older clang
# only warn: old C that the user's own compiler builds must still be analyzable. They are warnings
# for the analysis alone; autopar-cc compiles with the user's flags as given.
DOWNGRADED_ERRORS = ("implicit-function-declaration", "implicit-int", "int-conversion",
                     "incompatible-function-pointer-types", "incompatible-pointer-types",
                     "return-type", "deprecated-non-prototype", "strict-prototypes")
_DOWNGRADE_ARGS = tuple(f"-Wno-error={name}" for name in DOWNGRADED_ERRORS)


@dataclass
class ParseSettings:
    args: list[str]  # what libclang gets, the file name excluded
    language: str  # "c" or "c++"
    user_args: list[str]  # the flags as the user or the database gave them, cleaned
    diagnostics: list[Diagnostic] = field(default_factory=list)
    vectorizes: bool = False  # the build vectorizes loops on its own (autopar.flags.vectorizes)
    strict_aliasing: bool = True  # the effective-type rule holds for the build (autopar.flags.strict_aliasing)
    compiler: str = ""  # the real compiler, resolved (autopar-cc's, the database's, else `cc`)
    written_args: list[str] = field(default_factory=list)  # the compile flags as written, before cleaning


def read_source(path: str) -> str:
    """The file's text for libclang. Raises FrontendError for anything that is not a readable source file.

    Source need not be UTF-8: compilers take Latin-1 (or any 8-bit) comments and strings as bytes.
    Each byte that is not part of valid UTF-8 is read as `?`, one byte for one byte, so that every
    byte offset libclang reports is an offset into the file as it is on disk (the rewriter edits those
    bytes and keeps all others exactly).
    """
    if not os.path.exists(path):
        raise FrontendError("no such file")
    if os.path.isdir(path):
        raise FrontendError("is a directory, not a source file")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise FrontendError(f"cannot read: {error.strerror or error}") from None
    return decode_source(data)


_ESCAPED = {c: "?" for c in range(0xDC80, 0xDD00)}  # surrogateescape's stand-ins for undecodable bytes


def decode_source(data: bytes) -> str:
    """`data` as text of the same length in UTF-8 bytes; FrontendError when it is not text at all."""
    if b"\0" in data:
        raise FrontendError("not a C/C++ source file (binary: it has NUL bytes)")
    if b"\r" in data and re.search(rb"\r(?!\n)", data):
        # (classic Mac OS line ends: clang counts each as a line break, and every line number and
        # edit of autopar counts LF alone)
        raise FrontendError("a carriage return ends a line without a line feed (old Mac OS line ends), which "
                            "autopar does not read; convert the file to LF or CRLF line ends")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "surrogateescape")
    undecodable = sum(1 for c in text if "\udc80" <= c <= "\udcff")
    if undecodable * 10 > len(data):  # mostly not text: a binary file without NUL bytes
        raise FrontendError(f"not a C/C++ source file (binary: {undecodable} of {len(data)} bytes are not text)")
    return text.translate(_ESCAPED)


@functools.lru_cache(maxsize=1)
def builtin_header_args() -> tuple[str, ...]:
    """Arguments that give libclang the compiler's builtin headers."""
    clang = shutil.which("clang")
    if clang:
        installed = _installed_resource_dir(clang)
        if installed is not None:
            return ("-resource-dir", installed)
        try:
            out = subprocess.run([clang, "-print-resource-dir"], capture_output=True, text=True, timeout=10)
            resource = out.stdout.strip()
            if out.returncode == 0 and os.path.isdir(os.path.join(resource, "include")):
                return ("-resource-dir", resource)
        except (OSError, subprocess.SubprocessError):
            pass
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc:
        try:
            out = subprocess.run([gcc, "-print-file-name=include"], capture_output=True, text=True, timeout=10)
            include = out.stdout.strip()
            if out.returncode == 0 and os.path.isdir(include):
                return ("-isystem", include, "-D__malloc__(...)=__malloc__")
        except (OSError, subprocess.SubprocessError):
            pass
    return ()


def _installed_resource_dir(clang: str) -> Optional[str]:
    """What `clang -print-resource-dir` prints, read off the installation instead (running clang costs
    20 ms, on every file `autopar-cc` compiles): `<prefix>/lib/clang/<version>` beside the binary the
    name resolves to, when exactly one version with an `include` folder is installed there."""
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(clang)))
    versions = os.path.join(prefix, "lib", "clang")
    try:
        found = [os.path.join(versions, v) for v in os.listdir(versions)
                 if os.path.isdir(os.path.join(versions, v, "include"))]
    except OSError:
        return None
    return found[0] if len(found) == 1 else None


def clean_flags(flags: list[str], directory: Optional[str] = None) -> list[str]:
    """Drop flags that make no sense for a parse; make include paths absolute against `directory`."""
    out: list[str] = []
    i = 0
    while i < len(flags):
        flag = flags[i]
        if flag in _DROP_WITH_VALUE:
            i += 2
            continue
        if flag in _DROP_EXACT or flag.startswith(_DROP_PREFIXES) and not flag.startswith("-include"):
            i += 1
            continue
        if directory and flag in _PATH_FLAGS and i + 1 < len(flags):
            out += [flag, os.path.join(directory, flags[i + 1])]
            i += 2
            continue
        if directory and flag.startswith(("-I", "-F")) and len(flag) > 2:
            out.append(flag[:2] + os.path.join(directory, flag[2:]))
            i += 1
            continue
        out.append(flag)
        i += 1
    return out


def language_of(path: str, flags: list[str]) -> str:
    for i, flag in enumerate(flags):
        if flag == "-x" and i + 1 < len(flags):
            return "c++" if "c++" in flags[i + 1] else "c"
        if flag.startswith("-x") and len(flag) > 2:
            return "c++" if "c++" in flag else "c"
    for flag in flags:
        if flag.startswith("-std=") and "++" in flag:
            return "c++"
    return "c++" if os.path.splitext(path)[1] in CXX_EXTENSIONS else "c"


def _without_language(flags: list[str]) -> list[str]:
    out, skip = [], False
    for flag in flags:
        if skip:
            skip = False
        elif flag == "-x":
            skip = True
        elif not flag.startswith("-x"):
            out.append(flag)
    return out


def database_flags(path: str, build_dir: str) -> tuple[Optional[list[str]], list[Diagnostic]]:
    """The compile flags of `path` in BUILD_DIR/compile_commands.json, or None when it has no entry."""
    found, notes = _database_entry(path, build_dir)
    return (clean_flags(*found[1:]) if found else None), notes


def resolved_compiler(compiler: str) -> str:
    """The compiler's real name where it is a link (`cc` to `x86_64-linux-gnu-gcc-12` or `clang`); a
    launcher's link that names the compiler it runs (`/usr/lib/ccache/gcc` to `ccache`) stays the link,
    which runs that compiler (ccache itself would not know which)."""
    found = shutil.which(compiler)
    if not found:
        return compiler
    real = os.path.realpath(found)
    return found if os.path.basename(real) in _LAUNCHERS and os.path.basename(found) not in _LAUNCHERS else real


_LAUNCHERS = {"ccache", "sccache", "distcc", "icecc", "buildcache"}


def _database_entry(path: str, build_dir: str) -> tuple[Optional[tuple[str, list[str], str]], list[Diagnostic]]:
    """`path`'s entry in BUILD_DIR/compile_commands.json: its compiler, its flags as written there and
    its directory, or None when it has none."""
    try:
        database = compdb.load(build_dir)
    except compdb.DatabaseError as error:
        raise FrontendError(str(error)) from None
    entry = database.entry_for(path)
    if entry is None:
        note = Diagnostic(severity="warning", file=path, message=f"no entry for this file in {database.path}; "
                                                                 "using the flags given on the command line")
        return None, [note]
    wanted = os.path.realpath(path)
    # the compiler itself and the source file go; the rest are the flags
    argv = [a for a in entry.argv[1:] if os.path.realpath(os.path.join(entry.directory, a)) != wanted]
    return (entry.argv[0] if entry.argv else "cc", argv, entry.directory), []


def settings_for(path: str, compile_args: list[str], build_dir: Optional[str] = None) -> ParseSettings:
    diagnostics: list[Diagnostic] = []
    flags = clean_flags(list(compile_args))
    written = list(compile_args)  # before cleaning, which drops what a parse does not need (-O3)
    compiler = None
    if build_dir:
        found, notes = _database_entry(path, build_dir)
        diagnostics += notes
        if found is not None:
            flags = clean_flags(*found[1:]) + flags
            written = found[1] + written
            compiler = found[0]
    language = language_of(path, flags)
    if compiler is None:  # autopar-cc's real compiler
        compiler = (os.environ.get("AUTOPAR_CXX" if language == "c++" else "AUTOPAR_CC", "").split() or
                    ["c++" if language == "c++" else "cc"])[-1]
    header = os.path.splitext(path)[1] in HEADER_EXTENSIONS
    args = _without_language(flags) + ["-x", language + ("-header" if header else "")] + list(builtin_header_args())
    if language == "c":
        args += _DOWNGRADE_ARGS
    resolved = resolved_compiler(compiler)
    return ParseSettings(args=args, language=language, user_args=flags, diagnostics=diagnostics,
                         vectorizes=vectorizes(written, resolved), strict_aliasing=strict_aliasing(written),
                         compiler=resolved, written_args=written)


_SEVERITY = {1: "note", 2: "warning", 3: "error", 4: "fatal"}

# What a parse cannot do without: include paths, macros, the language, and the builtin headers.
_ESSENTIAL = ("-I", "-D", "-U", "-include", "-imacros", "-isystem", "-iquote", "-idirafter", "-x", "-resource-dir",
              "-Wno-error=")


def _only(args: list[str], keep: tuple[str, ...]) -> list[str]:
    """The flags of `args` that start with one of `keep` (with the value that follows a bare flag)."""
    out: list[str] = []
    i = 0
    while i < len(args):
        flag = args[i]
        if flag.startswith(keep):
            out.append(flag)
            if flag in _PATH_FLAGS + ("-D", "-U", "-x", "-resource-dir") and i + 1 < len(args):
                out.append(args[i + 1])
                i += 1
        i += 1
    return out


@contextlib.contextmanager
def _quiet_stderr():
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def parse(path: str, text: str, settings: ParseSettings):
    """Run libclang on the in-memory text. Returns (clang TranslationUnit, diagnostics)."""
    from clang import cindex

    diagnostics = list(settings.diagnostics)
    tu = None
    try:
        index = cindex.Index.create()
        # libclang refuses some flags outright (-march=bogus, -std=c99999): retry with fewer of them
        for keep in (None, _ESSENTIAL + ("-std=",), _ESSENTIAL):
            args = settings.args if keep is None else _only(settings.args, keep)
            try:
                with _quiet_stderr():  # the driver prints flag warnings itself; they come back as diagnostics
                    tu = cindex.TranslationUnit.from_source(path, args, unsaved_files=[(path, text)], options=0,
                                                            index=index)
            except cindex.TranslationUnitLoadError:
                continue
            if keep is not None:
                dropped = [a for a in settings.args if a not in args]
                diagnostics.append(Diagnostic(severity="warning", file=path, message=(
                    f"libclang rejected the compile flags; parsed without {' '.join(dropped)}")))
            break
    except cindex.LibclangError as error:
        raise FrontendError(f"libclang is not usable: {error}") from None
    if tu is None:
        raise FrontendError("libclang could not parse this file "
                            f"(check the compile flags: {' '.join(settings.user_args) or 'none'})")
    seen: set[tuple] = set()
    builtin = _builtin_include_dir()
    in_builtins: list[str] = []
    for diag in tu.diagnostics:
        severity = _SEVERITY.get(diag.severity)
        if severity is None:
            continue
        location = diag.location
        file = location.file.name if location.file else None
        message = diag.spelling
        if severity == "error" and builtin and file and os.path.abspath(file).startswith(builtin):
            # the installed clang's builtin headers, which this libclang (another version) reads with
            # errors inside their inline functions (`__builtin_ia32_paddsb128`): the library's code,
            # of unknown effect to every loop, so the file is still analyzed
            in_builtins.append(f"{os.path.basename(file)}:{location.line}: {message}")
            continue
        if file is None and ("unknown argument" in message or "argument unused" in message
                             or "optimization flag" in message):
            severity = "warning"  # a flag libclang does not know: say so and carry on
        if severity == "note" and file != path:
            continue
        seen_key = (location.line if file else None, message.split(" [-W")[0])
        if seen_key in seen:
            continue  # the driver and the parser both report a bad flag
        seen.add(seen_key)
        diagnostics.append(Diagnostic(severity=severity, file=path if file == path else file,
                                      line=location.line if file else None,
                                      column=location.column if file else None, message=message))
    if in_builtins:
        diagnostics.append(Diagnostic(severity="warning", file=path, message=(
            f"libclang reads the compiler's builtin headers ({builtin}) with {len(in_builtins)} error(s), the first "
            f"{in_builtins[0]}; their functions are of unknown effect")))
    return tu, diagnostics


def _builtin_include_dir() -> Optional[str]:
    """The builtin headers' folder that builtin_header_args gives libclang (a `-resource-dir`'s)."""
    args = builtin_header_args()
    if len(args) >= 2 and args[0] == "-resource-dir":
        return os.path.join(os.path.abspath(args[1]), "include") + os.sep
    return None
