"""Running one function over many files in worker processes (`-j N`), results in input order.

libclang is not thread-safe within one index, so files go to separate processes. A worker that dies
in native code (libclang, isl) gives `on_crash(item)` for the files it had, never the end of the run.
"""

from __future__ import annotations

import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Optional, Sequence, TypeVar

from autopar.process import configure_program

T = TypeVar("T")
R = TypeVar("R")


def _worker_start() -> None:
    """A worker leaves Ctrl-C to the parent, which stops the workers itself (each printed a traceback)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_program()


def default_jobs() -> int:
    return os.cpu_count() or 1


def run_all(function: Callable[[T], R], items: Sequence[T], jobs: int, on_crash: Callable[[T], R],
            progress: Optional[Callable[[T], None]] = None) -> list[R]:
    """[function(item) for item in items], in up to `jobs` processes (in this one when jobs is 1)."""
    results: list[R] = []
    if jobs > 1 and len(items) > 1:
        # (a worker is autopar's own process, however it was started: fork, spawn or forkserver)
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(items)), initializer=_worker_start)
        try:
            futures = [pool.submit(function, item) for item in items]
            for item, future in zip(items, futures):
                try:
                    results.append(future.result())
                except BrokenProcessPool:
                    results.append(on_crash(item))
                if progress:
                    progress(item)
        except BaseException:  # Ctrl-C: the workers go now (a join waited on one for ever)
            for worker in list(getattr(pool, "_processes", {}).values()):
                worker.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    else:
        for item in items:
            results.append(function(item))
            if progress:
                progress(item)
    return results
