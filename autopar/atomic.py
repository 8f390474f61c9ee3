"""Files autopar writes: replaced without ever leaving one half-written, and where its caches live."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path


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
