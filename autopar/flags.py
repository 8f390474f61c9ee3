"""The one table of gcc/clang command-line flags that autopar knows.

`autopar-cc` reads whole compiler command lines with it, the front end (autopar/frontend/parse.py) picks
what a parse needs from it, and the `autopar` command line uses it to tell a compile flag
(`-I inc`, `-DN=4`, `-std=c11`, `-fno-strict-aliasing`) from a mistyped autopar option (`--formt`).
Anything else goes after `--`, as with clang-tidy.

It also reads the options other spellings hand the preprocessor (`-Wp,-DX`) and response files as
gcc does. This module imports nothing but `os`: `autopar-cc` loads it on every compile.
"""

from __future__ import annotations

import os

# Options whose value may be the next argument (`-I inc`, `-o out.o`, `-x c++`).
FLAGS_WITH_VALUE = frozenset({
    "-o", "-x", "-I", "-D", "-U", "-include", "-imacros", "-isystem", "-iquote", "-idirafter",
    "-isysroot", "-iprefix", "-iwithprefix", "-iwithprefixbefore", "-imultilib", "-MF", "-MT", "-MQ",
    "-L", "-l", "-u", "-T", "-z", "-e", "-Xlinker", "-Xassembler", "-Xpreprocessor", "-Xclang",
    "-Xarch_host", "-target", "--target", "-arch", "--param", "-aux-info", "-dumpbase", "-dumpdir", "-A",
    "--sysroot", "-resource-dir", "-gcc-toolchain", "--gcc-toolchain", "-wrapper", "-B", "-G",
})

# Options that name a directory or file to search, relative to the compile's working directory.
PATH_FLAGS = ("-I", "-isystem", "-iquote", "-idirafter", "-include", "-imacros", "-F")

# Options that shape what the link makes or what it exports: with any of them a source's functions
# may be called from elsewhere, or a call reach another definition (a shared or relocatable output,
# exported or wrapped symbols, an entry point, a linker script, options handed to the linker
# unread); alone or with `=value`
LINK_SHAPING = frozenset({"-Wl", "-Xlinker", "-shared", "-r", "-rdynamic", "-e", "--entry", "-T", "-u", "-z",
                          "-nostdlib", "-nostartfiles", "-nodefaultlibs", "-specs", "--specs", "-static-pie",
                          "-Bshareable"})
# and those whose value may also be joined to them (`-Wl,-E`, `-Tscript.ld`, `-ustart`)
LINK_SHAPING_JOINED = ("-Wl,", "-T", "-u", "-e", "-z", "-specs")

# Options that only matter to the linker, the assembler or the driver's output, not to a parse.
OUTPUT_FLAGS_WITH_VALUE = frozenset({"-o", "-MF", "-MT", "-MQ", "-Xlinker", "-L", "-l", "-T", "-u", "-z"})

# Exact single-dash spellings with no value that a compiler accepts.
_EXACT = frozenset({
    "-c", "-S", "-E", "-M", "-MM", "-MD", "-MMD", "-MP", "-MG", "-C", "-CC", "-P", "-H", "-w", "-g",
    "-pipe", "-shared", "-static", "-pthread", "-rdynamic", "-pie", "-no-pie", "-ansi", "-pedantic",
    "-pedantic-errors", "-nostdinc", "-nostdinc++", "-nostdlib", "-nostartfiles", "-nodefaultlibs",
    "-undef", "-trigraphs", "-traditional", "-traditional-cpp", "-save-temps", "-s", "-fsyntax-only",
})

# Families: any flag that starts with one of these (`-Wall`, `-O2`, `-march=native`, `-std=c11`).
_PREFIXES = (
    "-I", "-D", "-U", "-W", "-f", "-m", "-O", "-g", "-std=", "-x", "-l", "-L", "-o", "-MF", "-MT",
    "-MQ", "-isystem", "-iquote", "-idirafter", "-include", "-imacros", "-isysroot", "-iprefix",
    "-iwithprefix", "-imultilib", "-Xclang", "-Xlinker", "-Xpreprocessor", "-Xassembler", "-Wl,",
    "-Wa,", "-Wp,", "-resource-dir", "-target", "-gcc-toolchain", "-stdlib=", "-rtlib=", "-B", "-F",
    "-specs=", "-save-temps=", "-print-", "-dump", "-e", "-Ofast", "-Os", "-Oz", "-Og", "-p", "-pg",
    "-nostdlib", "-static-", "-shared-", "-arch", "-A", "-T", "-u", "-z", "-G", "-d",
)

# Double-dash spellings that compilers accept (`--sysroot=/x`, `--target=aarch64-linux-gnu`).
_LONG = ("--sysroot", "--target", "--gcc-toolchain", "--param", "--std", "--include-directory",
         "--define-macro", "--undefine-macro", "--language", "--output", "--rtlib", "--stdlib", "--coverage")


def is_compile_flag(arg: str) -> bool:
    """Whether `arg` reads as a gcc/clang option (its value, if separate, not included)."""
    if not arg.startswith("-") or arg == "-":
        return False
    if arg.startswith("--"):
        name = arg.split("=", 1)[0]
        return name in _LONG
    return arg in _EXACT or arg.startswith(_PREFIXES)


def takes_value(arg: str) -> bool:
    """Whether a compile flag takes the next argument as its value (`-I dir`, but not `-Idir`)."""
    return arg in FLAGS_WITH_VALUE or arg in PATH_FLAGS


_VECTORIZE = {"-ftree-vectorize": True, "-fno-tree-vectorize": False}
# the loop vectorizer alone: gcc's wins over -f[no-]tree-vectorize whatever their order; clang's
_LOOP_VECTORIZE = {"-ftree-loop-vectorize": True, "-fno-tree-loop-vectorize": False,
                   "-fvectorize": True, "-fno-vectorize": False}
_FULL_COST_MODEL = ("-fvect-cost-model=dynamic", "-fvect-cost-model=unlimited")


def vectorizes(args: list[str], compiler: str = "gcc") -> bool:
    """Whether a build with these flags vectorizes loops on its own, with the compiler's full cost
    model. gcc: `-O3`, `-O4` or `-Ofast` (the last level given), or `-O2` with
    `-fvect-cost-model=dynamic`; its `-O2` alone (12 and later) vectorizes only loops that need no
    versioning or remainder. clang and Intel's icx: from `-O2` on. An explicit `-f[no-]tree-vectorize`
    wins over any level, and `-f[no-]tree-loop-vectorize` (clang: `-f[no-]vectorize`) over both,
    wherever they stand. `compiler` is the compiler's name or path (`cc` counts as gcc)."""
    level, generic, loop, full_model = "", None, None, False
    for arg in args:
        if arg.startswith("-O") and arg[2:] in ("", "0", "1", "2", "3", "4", "s", "z", "g", "fast"):
            level = arg[2:]
        elif arg in _VECTORIZE:
            generic = _VECTORIZE[arg]
        elif arg in _LOOP_VECTORIZE:
            loop = _LOOP_VECTORIZE[arg]
        elif arg.startswith("-fvect-cost-model="):
            full_model = arg in _FULL_COST_MODEL
    if loop is not None:
        return loop
    if generic is not None:
        return generic
    name = compiler.replace("\\", "/").rsplit("/", 1)[-1]
    if "clang" in name or name.startswith(("icx", "icpx")):
        return level in ("2", "3", "4", "s", "z", "fast")
    return level in ("3", "4", "fast") or (level == "2" and full_model)


def strict_aliasing(args: list[str]) -> bool:
    """Whether the analysis may use C's and C++'s effective-type rule (a `double *` never reaches an
    `int` object): yes unless the last of `-f[no-]strict-aliasing` turns it off. The rule is the
    language's at every optimization level; code built with `-fno-strict-aliasing` (kernels, type
    punning through pointers) may break it, so there it is not used."""
    strict = True
    for arg in args:
        if arg in ("-fstrict-aliasing", "-fno-strict-aliasing"):
            strict = arg == "-fstrict-aliasing"
    return strict


def preprocessor_spelling(args: list[str], i: int) -> tuple[list[str], int]:
    """The macro and include options `args[i]` hands the preprocessor under another spelling, as `-D`,
    `-U` and `-I` (`-Wp,-D_FORTIFY_SOURCE=2`, `-Xpreprocessor -DX`, `--define-macro X`,
    `--define-macro=X`, `--undefine-macro=X`, `--include-directory=d`), and how many arguments it
    takes; ([], 0) for any other option."""
    arg = args[i]
    if arg.startswith("-Wp,"):
        return [p for p in arg[4:].split(",") if p.startswith(("-D", "-U", "-I")) and len(p) > 2], 1
    if arg == "-Xpreprocessor" and i + 1 < len(args):
        value = args[i + 1]
        return ([value] if value.startswith(("-D", "-U", "-I")) and len(value) > 2 else []), 2
    for long, short in (("--define-macro", "-D"), ("--undefine-macro", "-U"), ("--include-directory", "-I")):
        if arg == long and i + 1 < len(args):
            return [short + args[i + 1]], 2
        if arg.startswith(long + "="):
            return [short + arg[len(long) + 1:]], 1
    return [], 0


def split_response_file(text: str) -> list[str]:
    """The arguments of a response file as gcc reads it (libiberty's buildargv): white space
    separates them, single and double quotes group, and a backslash takes the next character as it
    is, inside quotes too (`'a\\b'` is `ab`)."""
    found: list[str] = []
    current: list[str] = []
    started, quote, escaped = False, "", False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped, started = True, True
        elif quote:
            if char == quote:
                quote = ""
            else:
                current.append(char)
        elif char in "'\"":
            quote, started = char, True
        elif char.isspace():
            if started:
                found.append("".join(current))
                current, started = [], False
        else:
            current.append(char)
            started = True
    if started:
        found.append("".join(current))
    return found


def expand_response_files(argv: list[str], depth: int = 0) -> list[str]:
    """Replace each `@file` by the arguments it holds (quotes and backslashes as gcc reads them)."""
    expanded: list[str] = []
    for arg in argv:
        if arg.startswith("@") and len(arg) > 1 and depth < 16 and os.path.isfile(arg[1:]):
            with open(arg[1:], encoding="utf-8", errors="surrogateescape") as handle:
                expanded.extend(expand_response_files(split_response_file(handle.read()), depth + 1))
        else:
            expanded.append(arg)
    return expanded
