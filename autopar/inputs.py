"""What the commands read: files, directories (recursed for C and C++ sources) and `-` (standard input).

A directory yields its C/C++ sources, minus the configuration's `exclude` globs (and, when `include`
is set, only those it matches), minus what git ignores when the directory is in a git work tree
(`git check-ignore`), minus hidden directories. Files named on the command line are always taken.

Standard input is written to a private temporary file of the same name as `--stdin-filename` (so the
language follows its extension), and every message and report then names `--stdin-filename`.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Optional

from autopar.config import Config

SOURCE_EXTENSIONS = {".c", ".cc", ".cp", ".cxx", ".cpp", ".CPP", ".c++", ".C"}


class InputError(Exception):
    """Bad input for the whole run (a missing file, `-` twice): a usage error."""


@dataclass
class Inputs:
    paths: list[str] = field(default_factory=list)  # what to analyze, in order
    stdin_path: Optional[str] = None  # the temporary file that holds standard input
    stdin_name: Optional[str] = None  # the name reports use for it
    stdin_flags: list[str] = field(default_factory=list)  # -iquote DIR of --stdin-filename
    skipped: list[str] = field(default_factory=list)  # sources not analyzed for their names (exit 1)
    _scratch: Optional[str] = None

    def display(self, path: str) -> str:
        return self.stdin_name if self.stdin_path is not None and path == self.stdin_path else path

    def rename(self, text: str) -> str:
        """`text` (a report, as JSON) with the temporary file's path replaced by --stdin-filename."""
        if self.stdin_path is None:
            return text
        import json

        return text.replace(json.dumps(self.stdin_path)[1:-1], json.dumps(self.stdin_name)[1:-1])

    def close(self) -> None:
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def __enter__(self) -> "Inputs":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def collect(arguments: list[str], config: Config, stdin_filename: Optional[str] = None,
            allow_missing: bool = False) -> Inputs:
    """Expand FILE/DIR/- arguments. A missing file is an InputError unless `allow_missing` (then it is
    kept, for the report to say so)."""
    inputs = Inputs()
    if arguments.count("-") > 1:
        raise InputError("`-` (standard input) can be given once")
    if stdin_filename and "-" not in arguments:
        raise InputError("--stdin-filename needs `-` among the inputs")
    for argument in arguments:
        if not _utf8(argument):
            _skip_name(argument)
            inputs.skipped.append(argument)
        elif argument == "-":
            inputs.paths.append(_read_stdin(inputs, stdin_filename))
        elif os.path.isdir(argument):
            found = sources_in(argument, config)
            if not found:
                print(f"autopar: warning: {argument}: no C/C++ sources in this directory", file=sys.stderr)
            for name in (p for p in found if not _utf8(p)):
                _skip_name(name)
                inputs.skipped.append(name)
            inputs.paths.extend(p for p in found if p not in inputs.paths and _utf8(p))
        elif os.path.exists(argument) or allow_missing:
            inputs.paths.append(argument)
        else:
            raise InputError(f"no such file: {argument}")
    return inputs


def not_a_file(path: str) -> Optional[str]:
    """Why `path` cannot be read as a source file (missing, or a directory), else None."""
    if os.path.isdir(path):
        return f"{path}: is a directory"
    if not os.path.exists(path):
        return f"no such file: {path}"
    return None


def _utf8(path: str) -> bool:
    """Whether the name is UTF-8 text (a byte that is not comes in as a lone surrogate, which no
    report, JSON or SARIF, can hold)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _skip_name(path: str) -> None:
    shown = os.fsencode(path).decode("utf-8", "replace")
    print(f"autopar: warning: {shown}: the file name is not UTF-8, which reports cannot hold; not analyzed "
          "(rename the file)", file=sys.stderr)


def _read_stdin(inputs: Inputs, stdin_filename: Optional[str]) -> str:
    name = stdin_filename or "stdin.c"
    inputs._scratch = tempfile.mkdtemp(prefix="autopar-stdin-")
    path = os.path.join(inputs._scratch, os.path.basename(name) or "stdin.c")
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    with open(path, "wb") as out:
        out.write(data)
    inputs.stdin_path, inputs.stdin_name = path, stdin_filename or "-"
    # `#include "x.h"` is looked up beside the file it names
    inputs.stdin_flags = ["-iquote", os.path.dirname(os.path.abspath(name)) or "."]
    return path


def sources_in(directory: str, config: Config) -> list[str]:
    """The C/C++ sources under `directory`, sorted, as the configuration and git allow."""
    found: list[str] = []
    for top, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if os.path.splitext(name)[1] in SOURCE_EXTENSIONS:
                found.append(os.path.join(top, name))
    found = sorted(path for path in found if _selected(path, config))
    return _not_git_ignored(found, directory)


def _selected(path: str, config: Config) -> bool:
    relative = os.path.relpath(os.path.abspath(path), config.root).replace(os.sep, "/")
    candidates = (relative, os.path.basename(path), path.replace(os.sep, "/"))

    def matches(globs: list[str]) -> bool:
        return any(fnmatch.fnmatchcase(c, g) or fnmatch.fnmatchcase(c, g.rstrip("/") + "/*")
                   for g in globs for c in candidates)
    if config.exclude and matches(config.exclude):
        return False
    return not config.include or matches(config.include)


def _not_git_ignored(paths: list[str], directory: str) -> list[str]:
    """`paths` (all under `directory`) less those that git ignores; all of them outside a git work
    tree or without git."""
    if not paths or shutil.which("git") is None:
        return paths
    try:
        done = subprocess.run(["git", "-C", directory, "check-ignore", "--stdin", "-z"],
                              input=b"".join(os.path.abspath(p).encode("utf-8", "surrogateescape") + b"\0"
                                             for p in paths),
                              capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return paths
    if done.returncode not in (0, 1):  # 128: not a git work tree
        return paths
    ignored = {p.decode("utf-8", "surrogateescape") for p in done.stdout.split(b"\0") if p}
    return [p for p in paths if os.path.abspath(p) not in ignored]
