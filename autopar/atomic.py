"""Files autopar writes: replaced without ever leaving one half-written, where its caches live, and
their size limit: the decisions and rewritten copies of `autopar-cc` (autopar.tools.cc_cache) and the
model's answers (autopar.decision.reasoner.cache) together stay under $AUTOPAR_CACHE_MAX_SIZE
(default 1G), as ccache keeps its own: at most once an hour, whichever writes to them removes the
least recently used until they take 80% of it. A hit marks its file used."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import Optional


def write_atomic(path: str, data: bytes, backup_suffix: str | None = None) -> None:
    """Replace a user's file by `data` durably: temp file in the same directory, fsync, one rename.

    The file keeps its permission bits. On any error the original is untouched and the temp file
    removed. With `backup_suffix`, a copy of the original is kept as `path + backup_suffix` first.
    """
    target = os.path.realpath(path)  # rename onto the real file, not over a symlink
    mode = stat.S_IMODE(os.stat(target).st_mode)
    if backup_suffix:
        shutil.copy2(target, target + backup_suffix)
    replace_file(target, data, durable=True, mode=mode)


def replace_file(path: str | os.PathLike, data: bytes, durable: bool = False, mode: int | None = None) -> None:
    """Write `path` through a temp file beside it and one rename, so no reader ever sees half a file.

    Creates missing parent directories. `durable` adds the fsyncs a user's source file deserves;
    caches skip them. On any error the temp file is removed and `path` is as it was.
    """
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".autopar", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    if durable:
        _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename itself is done
    finally:
        os.close(fd)


def cache_dir() -> Path:
    """The root of autopar's caches: $AUTOPAR_CACHE_DIR, else $XDG_CACHE_HOME/autopar, else ~/.cache/autopar."""
    if os.environ.get("AUTOPAR_CACHE_DIR"):
        return Path(os.environ["AUTOPAR_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "autopar"


CACHE_FOLDERS = ("decisions", "src", "answers", "objects", "link")  # under cache_dir(); file-hashes.json is not limited
DEFAULT_MAX_SIZE = 1 << 30
CLEANUP_EVERY_S = 3600.0
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def max_size() -> int:
    """$AUTOPAR_CACHE_MAX_SIZE in bytes (`500M`, `2G`, `100k` or a number of bytes); the default where
    it is unset or unreadable (a cache setting never breaks a build)."""
    text = os.environ.get("AUTOPAR_CACHE_MAX_SIZE", "").strip().lower().removesuffix("b").removesuffix("i")
    number, unit = (text[:-1], text[-1]) if text and text[-1] in "kmgt" else (text, "")
    try:
        value = float(number) * _UNITS[unit]
    except ValueError:
        return DEFAULT_MAX_SIZE
    return int(value) if 0 < value < 1 << 62 else DEFAULT_MAX_SIZE  # (not nan, inf or negative)


def maybe_clean(root: Optional[Path] = None) -> None:
    """Keep the caches under `root` (default cache_dir()) under max_size(), checked at most once every
    CLEANUP_EVERY_S by any writer."""
    root = root or cache_dir()
    stamp = root / "last-cleanup"
    try:
        if time.time() - stamp.stat().st_mtime < CLEANUP_EVERY_S:
            return
    except OSError:
        pass
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
        clean(max_size(), root)
    except OSError:
        pass  # a read-only or vanished cache only costs room


def clean(limit: int, root: Optional[Path] = None) -> int:
    """Remove the least recently used decisions, copies and answers until they take at most 80% of `limit`
    (nothing while they take less than `limit`); the bytes removed. Safe beside other compiles: a
    file another process removed first is skipped, and the copy a compile has just written is the
    newest of all."""
    files, folders = [], []
    for folder in CACHE_FOLDERS:
        for path in ((root or cache_dir()) / folder).rglob("*"):
            try:
                info = path.lstat()
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                files.append((info.st_mtime, info.st_size, path))
            elif stat.S_ISDIR(info.st_mode):
                folders.append(path)
    total = sum(size for _, size, _ in files)
    if total <= limit:
        return 0
    removed = 0
    for _, size, path in sorted(files):
        if total - removed <= limit * 0.8:
            break
        try:
            path.unlink()
            removed += size
        except OSError:
            continue
    for path in sorted(folders, key=lambda p: len(p.parts), reverse=True):  # those left empty, deepest first
        try:
            path.rmdir()
        except OSError:
            pass
    return removed
