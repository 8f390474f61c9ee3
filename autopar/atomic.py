"""Writing a file in place without ever leaving it half-written."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile


def write_atomic(path: str, data: bytes, backup_suffix: str | None = None) -> None:
    """Replace `path` by `data`: a temp file in the same directory, fsync, then one rename.

    The file keeps its permission bits. On any error the original is untouched and the temp file
    removed. With `backup_suffix`, a copy of the original is kept as `path + backup_suffix` first.
    """
    target = os.path.realpath(path)  # rename onto the real file, not over a symlink
    directory = os.path.dirname(target) or "."
    mode = stat.S_IMODE(os.stat(target).st_mode)
    if backup_suffix:
        shutil.copy2(target, target + backup_suffix)
    handle, temp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".autopar",
                                    dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
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
