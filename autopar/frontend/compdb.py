"""The compilation database (BUILD_DIR/compile_commands.json), read in one place for the front end
(a file's flags) and `autopar check` / `autopar tune` (the project's files).

Each entry comes with an absolute directory: a relative `directory` is taken relative to the
database's own folder, whatever the current directory (a missing one is that folder), so that
`-p build` reads the same from anywhere.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
from dataclasses import dataclass
from typing import Optional


class DatabaseError(Exception):
    """No database, or one that cannot be read: callers turn it into their own error."""


@dataclass(frozen=True)
class Entry:
    directory: str  # absolute
    file: str  # absolute, normalised
    argv: tuple[str, ...]  # the whole command, compiler first


@dataclass(frozen=True)
class Database:
    path: str  # BUILD_DIR/compile_commands.json, as the caller named BUILD_DIR
    entries: tuple[Entry, ...]

    def files(self) -> list[str]:
        """Every source file once, in the database's order."""
        return list(dict.fromkeys(entry.file for entry in self.entries))

    def entry_for(self, path: str) -> Optional[Entry]:
        """The first entry that compiles `path` (links and all resolved), or None."""
        wanted = os.path.realpath(path)
        return next((e for e in self.entries if os.path.realpath(e.file) == wanted), None)


def load(build_dir: str) -> Database:
    """BUILD_DIR/compile_commands.json; DatabaseError when it is missing or not a database."""
    path = os.path.join(build_dir, "compile_commands.json")
    if not os.path.isfile(path):
        raise DatabaseError(f"no compile_commands.json in {build_dir}")
    stat = os.stat(path)
    return _load(path, os.path.abspath(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _load(path: str, absolute: str, mtime_ns: int, size: int) -> Database:
    """Read once per process while the file stays the same: the front end asks for every file."""
    try:
        with open(absolute, encoding="utf-8") as handle:
            raw = json.load(handle)
    except OSError as error:
        raise DatabaseError(f"cannot read {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise DatabaseError(f"{path}: not JSON: {error}") from None
    if not isinstance(raw, list):
        raise DatabaseError(f"{path}: not a compilation database (expected a JSON list)")
    base = os.path.dirname(absolute)
    entries = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            continue
        directory = os.path.normpath(os.path.join(base, item.get("directory") or ""))
        argv = item["arguments"] if "arguments" in item else shlex.split(item.get("command", ""))
        entries.append(Entry(directory=directory, file=os.path.normpath(os.path.join(directory, item["file"])),
                             argv=tuple(argv)))
    return Database(path=path, entries=tuple(entries))
