"""The user's files under the tuner: SourceGuard backs them up, lets the tuner replace them, and
puts the originals back on exit, on error, on Ctrl-C and on SIGTERM/SIGHUP."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
from typing import Optional, Sequence

from autopar.atomic import cache_dir, replace_file
from autopar.tools.tune.config import TuneError


class SourceGuard:
    """Backs up files, lets the tuner replace them, and puts the originals back whatever happens.

    The originals are kept in memory and copied to a backup directory (printed if restoring fails,
    so a killed tuner can be undone by hand). Each write is atomic (temp file + rename). Restoring
    leaves the file's modification time at "now", so that the next `make` rebuilds from the original.
    """

    def __init__(self, paths: Sequence[str]):
        self.paths = [os.path.abspath(p) for p in dict.fromkeys(paths)]
        self.originals: dict[str, bytes] = {}
        self.modes: dict[str, int] = {}
        self.backup_dir: Optional[str] = None
        self._handlers: dict[int, object] = {}

    def __enter__(self) -> "SourceGuard":
        for path in self.paths:
            with open(path, "rb") as handle:
                self.originals[path] = handle.read()
            self.modes[path] = os.stat(path).st_mode & 0o7777
        root = cache_dir() / "tune-backups"
        root.mkdir(parents=True, exist_ok=True)
        self.backup_dir = tempfile.mkdtemp(prefix="backup-", dir=root)
        manifest = []
        for index, (path, data) in enumerate(self.originals.items()):
            copy = os.path.join(self.backup_dir, f"{index}-{os.path.basename(path)}")
            replace_file(copy, data, durable=True)
            manifest.append({"original": path, "backup": copy})
        replace_file(os.path.join(self.backup_dir, "manifest.json"), json.dumps(manifest, indent=1).encode(),
                     durable=True)
        for signum in (signal.SIGTERM, signal.SIGHUP):
            try:
                self._handlers[signum] = signal.signal(signum, _interrupt)
            except (ValueError, OSError):  # not the main thread: the finally clause still restores
                pass
        return self

    def write(self, path: str, data: bytes) -> None:
        path = os.path.abspath(path)
        if path not in self.originals:
            raise TuneError(f"{path} is not a guarded file")
        replace_file(path, data, mode=self.modes[path])

    def restore(self) -> list[str]:
        """Put every original back; the paths that could not be restored (with the backup's place)."""
        failed = []
        for path, data in self.originals.items():
            try:
                with open(path, "rb") as handle:
                    same = handle.read() == data
            except OSError:
                same = False
            if same:
                continue
            try:
                replace_file(path, data, durable=True, mode=self.modes[path])
            except OSError as error:
                failed.append(f"{path}: {error}")
        return failed

    def __exit__(self, *exc) -> None:
        # Ctrl-C during the restore must not leave a file half-way: ignore it until all are back
        previous = None
        try:
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except (ValueError, OSError):
            pass
        try:
            failed = self.restore()
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            for signum, handler in self._handlers.items():
                signal.signal(signum, handler)
        if failed:
            print(f"autopar tune: could not restore {'; '.join(failed)}; the originals are in "
                  f"{self.backup_dir}", file=sys.stderr)
        elif self.backup_dir:
            for name in os.listdir(self.backup_dir):
                os.unlink(os.path.join(self.backup_dir, name))
            os.rmdir(self.backup_dir)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")
