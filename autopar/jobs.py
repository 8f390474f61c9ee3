"""Running one function over many files in worker processes (`-j N`), results in input order.

libclang is not thread-safe within one index, so files go to separate processes. A worker that dies
in native code (libclang, isl) gives `on_crash(item)` for the files it had, never the end of the run.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Optional, Sequence, TypeVar

from autopar.process import configure_program

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    return os.cpu_count() or 1


def run_all(function: Callable[[T], R], items: Sequence[T], jobs: int, on_crash: Callable[[T], R],
            progress: Optional[Callable[[T], None]] = None) -> list[R]:
    """[function(item) for item in items], in up to `jobs` processes (in this one when jobs is 1)."""
    results: list[R] = []
    if jobs > 1 and len(items) > 1:
        # (a worker is autopar's own process, however it was started: fork, spawn or forkserver)
        with ProcessPoolExecutor(max_workers=min(jobs, len(items)), initializer=configure_program) as pool:
            futures = [pool.submit(function, item) for item in items]
            for item, future in zip(items, futures):
                try:
                    results.append(future.result())
                except BrokenProcessPool:
                    results.append(on_crash(item))
                if progress:
                    progress(item)
    else:
        for item in items:
            results.append(function(item))
            if progress:
                progress(item)
    return results
