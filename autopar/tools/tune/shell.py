"""The user's commands (--build, --run, --check, --race-build): run_shell runs one through the
shell in its own process group and gives its exit status, wall time and output (Ran)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import Optional


@dataclass
class Ran:
    returncode: Optional[int]  # None: timed out
    wall_s: float
    stdout: str
    stderr: str


def run_shell(command: str, cwd: str, env: dict, timeout: float) -> Ran:
    """`command` through the shell in its own process group, killed whole when it runs past `timeout`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, shell=True, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = process.communicate(timeout=max(0.1, timeout))
    except subprocess.TimeoutExpired:
        _kill_group(process)
        out, err = process.communicate()
        return Ran(None, time.perf_counter() - start, _decode(out), _decode(err))
    except BaseException:
        _kill_group(process)
        process.wait()
        raise
    return Ran(process.returncode, time.perf_counter() - start, _decode(out), _decode(err))


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _decode(data: Optional[bytes]) -> str:
    return (data or b"").decode("utf-8", "replace")


def _tail(text: str, lines: int = 4) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])
