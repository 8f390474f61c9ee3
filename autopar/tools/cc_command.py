"""The compile command `autopar-cc` wraps, read as gcc reads it: its inputs and their languages,
what it builds (a query, a preprocessing, a compile, a link), its dependency-file options, and the
flags that matter to the analysis of each source. The standard library only at import time, as
autopar.tools.cc."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

from autopar.flags import FLAGS_WITH_VALUE, expand_response_files, preprocessor_spelling
from autopar.tools.link_inputs import shapes_the_link  # the standard library only, like autopar.flags

SOURCE_LANGUAGES = {".c": "c", ".cc": "c++", ".cp": "c++", ".cxx": "c++", ".cpp": "c++", ".CPP": "c++",
                    ".c++": "c++", ".C": "c++"}
# compile flags that matter for parsing the source (macros, include paths, target); the language is
# the source's own, put first by analysis_flags
_ANALYSIS_WITH_VALUE = {"-I", "-D", "-U", "-include", "-imacros", "-isystem", "-iquote", "-idirafter",
                        "-isysroot", "--sysroot", "-target", "--target"}
_ANALYSIS_PREFIXES = ("-D", "-U", "-I", "-std=", "-isystem", "-iquote", "-idirafter", "-include",
                      "-imacros", "--sysroot=", "--target=", "-m", "-f", "-O", "-ansi", "-nostdinc",
                      "-pthread")


@dataclass
class Input:
    index: int  # position in CommandLine.args
    path: str
    language: Optional[str] = None  # "c" or "c++"; None: not a C/C++ source (object, archive, stdin)


@dataclass
class CommandLine:
    args: list[str]  # with @response files expanded
    inputs: list[Input] = field(default_factory=list)
    mode: str = "query"  # query | preprocess | compile | compile-link | link
    output: Optional[str] = None
    dep_file: Optional[str] = None  # -MF value
    makes_deps: bool = False  # -MD / -MMD

    @property
    def sources(self) -> list[Input]:
        return [i for i in self.inputs if i.language is not None]


def parse_command_line(argv: list[str], cxx: bool = False) -> CommandLine:
    """`cxx`: the command is a C++ driver's (`autopar-cxx`), which compiles a `.c` file as C++."""
    args = expand_response_files(argv)
    line = CommandLine(args=args)
    language: Optional[str] = None  # the current -x
    stop = {"-E": False, "-M": False, "-MM": False, "-c": False, "-S": False, "-fsyntax-only": False}
    i = 0
    while i < len(args):
        arg = args[i]
        value: Optional[str] = None
        if arg in FLAGS_WITH_VALUE and i + 1 < len(args):
            value = args[i + 1]
            i += 1
        if arg == "-o" or (arg.startswith("-o") and len(arg) > 2 and value is None):
            line.output = value if value is not None else arg[2:]
        elif arg == "-x" or (arg.startswith("-x") and len(arg) > 2):
            language = value if value is not None else arg[2:]
        elif arg == "-MF" or (arg.startswith("-MF") and len(arg) > 3):
            line.dep_file = value if value is not None else arg[3:]
        elif arg in ("-MD", "-MMD"):
            line.makes_deps = True
        elif arg.startswith(("-Wp,-MD,", "-Wp,-MMD,")):  # (the preprocessor's own: kbuild writes it so)
            line.makes_deps, line.dep_file = True, arg.split(",", 2)[2]
        elif arg in stop:
            stop[arg] = True
        elif value is None and (not arg.startswith("-") or arg == "-"):
            line.inputs.append(Input(index=i, path=arg, language=_language(arg, language, cxx)))
        i += 1
    if stop["-E"] or ((stop["-M"] or stop["-MM"]) and not line.makes_deps):
        line.mode = "preprocess"
    elif stop["-c"] or stop["-S"] or stop["-fsyntax-only"]:
        line.mode = "compile"
    elif not line.inputs:
        line.mode = "query"
    else:
        line.mode = "compile-link" if line.sources else "link"
    return line


# the libraries a whole program may link by name: the C and OpenMP runtimes never call a program's
# functions by name; any other library (the user's own, say) may
_SYSTEM_LIBRARIES = {"m", "c", "pthread", "rt", "dl", "gomp", "omp", "iomp5"}


def whole_program(line: CommandLine) -> bool:
    """`cc -O2 prog.c -o prog -lm`: one source compiled and linked alone into an executable, with no
    library but the C and OpenMP runtimes and no option that shapes the link, so only that source
    calls its functions."""
    if line.mode != "compile-link" or len(line.inputs) != 1 or len(line.sources) != 1:
        return False
    args = line.args
    if shapes_the_link(args):
        return False
    for k, arg in enumerate(args):
        if arg == "-l":
            if k + 1 >= len(args) or args[k + 1] not in _SYSTEM_LIBRARIES:
                return False
        elif arg.startswith("-l") and arg[2:] not in _SYSTEM_LIBRARIES:
            return False
    return True


def _language(path: str, x: Optional[str], cxx: bool = False) -> Optional[str]:
    if path == "-":
        return None
    if x and x != "none":
        return x if x in ("c", "c++") else None
    language = SOURCE_LANGUAGES.get(os.path.splitext(path)[1])
    return "c++" if cxx and language == "c" else language


def analysis_flags(line: CommandLine, source: Input) -> list[str]:
    """The flags that matter for parsing `source`: macros, include paths, standard, target, language."""
    flags: list[str] = []
    args = line.args
    i = 0
    while i < len(args):
        arg = args[i]
        spelled, taken = preprocessor_spelling(args, i)  # (`-Wp,-DX`: the compile sees X defined)
        if taken:
            flags.extend(spelled)
            i += taken
            continue
        if arg in FLAGS_WITH_VALUE:
            if arg in _ANALYSIS_WITH_VALUE and i + 1 < len(args):
                flags.extend(args[i:i + 2])
            i += 2
            continue
        if arg.startswith(_ANALYSIS_PREFIXES) and not arg.startswith(("-fopenmp", "-fdiagnostics")):
            flags.append(arg)
        i += 1
    if "-fopenmp" in args:  # (the compile defines it, as 201511 in gcc 12 and clang 14: that code runs)
        flags.append("-D_OPENMP=201511")
    return ["-x", source.language, *flags] if source.language else flags
