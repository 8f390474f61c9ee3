"""The decision cache of `autopar-cc`, the rewritten copies it compiles, and dependency-file repair.

A cache entry holds one source's edits and report, keyed by the file's content, its path, the
working directory, the analysis flags and autopar's own code. An entry with edits also records the
content hash of every header the compile read (from the dependency file) and the analysis read
(libclang's includes: a -MMD dependency file leaves system and -isystem headers out), and is used
only while they are all unchanged. An entry without edits records no headers: if a header change makes a loop
parallel, the cached entry at worst leaves it serial until the source changes.

Entries and copies are kept under $AUTOPAR_CACHE_MAX_SIZE with the model's answers
(autopar.atomic; a hit marks an entry used; every build in a new directory or temporary folder
adds copies).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import autopar
from autopar.atomic import DEFAULT_MAX_SIZE, cache_dir, max_size, maybe_clean, replace_file  # noqa: F401


@dataclass
class Entry:
    """Plain data (no pydantic), so that a cache hit imports nothing of the analysis."""

    key: str
    report_json: str  # the FileReport, as JSON
    rewritten: Optional[bytes] = None  # the parallelized source with #line directives; None: no edits
    error: Optional[str] = None
    headers: dict[str, str] = field(default_factory=dict)  # path -> sha256 of its content
    # the files the source includes that are no system headers (TranslationUnit.user_headers); None in
    # an entry written before they were kept: then every header of `headers` is read
    user_headers: Optional[list[str]] = None
    # every file the analysis read (TranslationUnit.included), for `headers` when the entry is stored
    included: list[str] = field(default_factory=list)
    cached: bool = False

    def to_json(self) -> str:
        rewritten = base64.b64encode(self.rewritten).decode() if self.rewritten is not None else None
        return json.dumps({"key": self.key, "report": json.loads(self.report_json), "rewritten": rewritten,
                           "error": self.error, "headers": self.headers, "user_headers": self.user_headers})

    @classmethod
    def from_json(cls, text: bytes) -> "Entry":
        data = json.loads(text)
        rewritten = base64.b64decode(data["rewritten"]) if data.get("rewritten") is not None else None
        return cls(key=data["key"], report_json=json.dumps(data["report"]), rewritten=rewritten,
                   error=data.get("error"), headers=dict(data.get("headers") or {}),
                   user_headers=data.get("user_headers"))


def _enabled() -> bool:
    return os.environ.get("AUTOPAR_CACHE", "1") != "0"


_FINGERPRINT: Optional[str] = None


def code_fingerprint() -> str:
    """autopar's version and the size and time of each of its modules: new code never reads old entries."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        parts = [autopar.__version__]
        root = Path(autopar.__file__).parent.parent
        for package in ("autopar",):  # subpackages too (autopar/deps, ...)
            for module in sorted((root / package).rglob("*.py")):
                info = module.stat()
                parts.append(f"{module.relative_to(root)}:{info.st_size}:{info.st_mtime_ns}")
        _FINGERPRINT = _sha256("\0".join(parts).encode())
    return _FINGERPRINT


def cache_key(path: str, content: bytes, flags: list[str]) -> str:
    header = "\0".join([code_fingerprint(), os.getcwd(), path, *flags]).encode("utf-8", "surrogateescape")
    return _sha256(header + b"\0\0" + content)


def _entry_path(key: str) -> Path:
    return cache_dir() / "decisions" / key[:2] / f"{key}.json"


def lookup(key: str) -> Optional[Entry]:
    if not _enabled():
        return None
    path = _entry_path(key)
    try:
        entry = Entry.from_json(path.read_bytes())
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.utime(path)  # used now: the size limit removes the least recently used first
    except OSError:
        pass  # a cache this user may read but not write (a shared one) still answers
    for header, digest in entry.headers.items():
        try:
            if _sha256(Path(header).read_bytes()) != digest:
                return None
        except OSError:
            return None
    entry.cached = True
    return entry


def store(entry: Entry, headers: list[str]) -> None:
    if not _enabled():
        return
    hashes = {}
    for header in dict.fromkeys(headers):
        try:
            hashes[os.path.abspath(header)] = _sha256(Path(header).read_bytes())
        except OSError:
            return  # a header we cannot read again: do not cache
    entry.headers = hashes
    replace_file(_entry_path(entry.key), entry.to_json().encode())


def write_rewritten(path: str, entry: Entry, output: Optional[str]) -> str:
    """Write the parallelized copy of `path` and return its path.

    The copy keeps the original's file name (so default object and dependency names match) in a
    directory fixed per (source, output, working directory), so that ccache sees the same command
    each time and parallel make never shares a copy between two outputs.
    """
    place = _sha256("\0".join([os.path.abspath(path), os.path.abspath(output or ""), os.getcwd()])
                    .encode("utf-8", "surrogateescape"))[:20]
    for base in (cache_dir(), Path(tempfile.gettempdir()) / f"autopar-{os.getuid()}"):
        copy = base / "src" / place / os.path.basename(path)
        try:
            replace_file(copy, entry.rewritten or b"")
            dated_as(str(copy), path)
            return str(copy)
        except OSError as error:  # a read-only cache directory: try the temp directory
            failure = error
    raise failure


def dated_as(copy: str, original: str) -> None:
    """The copy gets the original's modification time, which `__TIMESTAMP__` spells."""
    try:
        stat = os.stat(original)
        os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    except OSError:
        pass


def copy_flags(copy: str, original: str, rewritten: bytes) -> list[str]:
    """The options that compile the copy at `copy` as the source at `original`: quoted #includes
    looked up beside the original, debug info naming the original's directory, and no warning for
    the copy's own `__BASE_FILE__` (autopar.edit.edits.with_line_directives)."""
    directory = os.path.dirname(original) or "."
    base_file = ["-Wno-builtin-macro-redefined"] if b"#undef __BASE_FILE__" in rewritten else []
    return ["-iquote", directory, f"-fdebug-prefix-map={os.path.dirname(copy)}={os.path.abspath(directory)}",
            *base_file]


def fixed_dependencies(deps: Optional[dict[int, str]], renamed: dict[str, str]) \
        -> tuple[dict[int, list[str]], list[tuple[str, BaseException]]]:
    """Each dependency file (by source index) made to name the originals instead of their copies:
    the headers it lists, by source, for the cache (none where several sources wrote one file: the
    parallelized ones are then not cached), and the files that could not be read or written."""
    headers: dict[int, list[str]] = {}
    failures: list[tuple[str, BaseException]] = []
    shared = deps is not None and len(set(deps.values())) < len(deps)
    for path in sorted(set((deps or {}).values())):
        try:
            found = fix_dependency_file(path, renamed)
        except Exception as error:  # noqa: BLE001 - said as a warning; the build goes on
            failures.append((path, error))
            continue
        if not shared:
            headers.update({index: found for index, file in deps.items() if file == path})
    return headers, failures


def fix_dependency_file(deps: str, renamed: dict[str, str]) -> list[str]:
    """Make the dependency file name the original sources instead of their copies.

    Returns every prerequisite other than those sources (the headers the compile read).
    """
    text = Path(deps).read_text(encoding="utf-8", errors="surrogateescape")
    for copy, original in renamed.items():
        text = text.replace(_make_escape(copy), _make_escape(original))
    target = os.path.realpath(deps)  # (a symlink stays one: its target is the file the compiler wrote)
    status = os.stat(target)
    if stat.S_ISREG(status.st_mode):  # (`-MF /dev/null`: a device is written to, never replaced)
        replace_file(target, text.encode("utf-8", "surrogateescape"), mode=stat.S_IMODE(status.st_mode))
    headers: list[str] = []
    sources = set(renamed.values())
    for rule in text.replace("\\\n", " ").splitlines():
        _, colon, prerequisites = rule.partition(": ")
        if not colon:
            continue
        for word in _split_make_words(prerequisites):
            if word not in sources and word not in headers:
                headers.append(word)
    return headers


def _make_escape(path: str) -> str:
    return path.replace("$", "$$").replace("#", "\\#").replace(" ", "\\ ")


def _split_make_words(text: str) -> list[str]:
    words, current, i = [], "", 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in " #":
            current += text[i + 1]
            i += 2
            continue
        if char == "$" and text[i + 1:i + 2] == "$":
            current += "$"
            i += 2
            continue
        if char.isspace():
            if current:
                words.append(current)
            current = ""
        else:
            current += char
        i += 1
    if current:
        words.append(current)
    return words


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
