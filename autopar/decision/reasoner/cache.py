"""The on-disk answer cache, so that rebuilds are reproducible and fast.

An answer is keyed by the model (its file's sha256, or the endpoint), the strategy, the messages, the
answer schema and the token cap. A model file is hashed once: the hash is remembered by path, mtime
and size. The cache lives under autopar.atomic.cache_dir(), under the size limit it shares with
autopar-cc's (autopar.atomic: a hit marks its answer used, a new answer may start the hourly
clean-up). A cache that cannot be read or written is skipped, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Optional

from autopar.atomic import cache_dir, maybe_clean, replace_file


def file_hash(path: str) -> str:
    """sha256 of a file, computed once per (path, mtime, size). Raises OSError when unreadable."""
    path = os.path.abspath(path)
    stat = os.stat(path)
    stamp = f"{stat.st_mtime_ns}:{stat.st_size}"
    index_path = cache_dir() / "file-hashes.json"
    try:
        index = json.loads(index_path.read_text())
    except (OSError, ValueError):
        index = {}
    known = index.get(path)
    if isinstance(known, dict) and known.get("stamp") == stamp:
        return known["sha256"]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    index[path] = {"stamp": stamp, "sha256": digest.hexdigest()}
    try:
        replace_file(index_path, json.dumps(index, indent=1).encode())
    except OSError:
        pass
    return digest.hexdigest()


class AnswerCache:
    def __init__(self, directory: Optional[Path] = None, enabled: bool = True):
        self.directory = (directory or cache_dir()) / "answers"
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(model: str, strategy: str, messages: list[dict[str, str]], schema: dict[str, Any],
            max_tokens: int) -> str:
        blob = json.dumps({"model": model, "strategy": strategy, "messages": messages, "schema": schema,
                           "max_tokens": max_tokens}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Optional[str]:
        if not self.enabled:
            return None
        path = self._path(key)
        try:
            answer = json.loads(path.read_text())["answer"]
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        try:
            os.utime(path)  # used now: the size limit removes the least recently used first
        except OSError:
            pass  # a cache this user may read but not write still answers
        return answer

    def put(self, key: str, answer: str) -> None:
        if not self.enabled:
            return
        try:
            replace_file(self._path(key), json.dumps({"answer": answer}).encode())
        except OSError:
            return
        maybe_clean(self.directory.parent)
