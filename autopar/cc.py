"""`autopar-cc` / `autopar-cxx`: drop-in compiler wrappers. (Pass-through until the rewriter lands.)"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys


def _real_compiler(cxx: bool) -> list[str]:
    value = os.environ.get("AUTOPAR_CXX" if cxx else "AUTOPAR_CC") or ("c++" if cxx else "cc")
    return shlex.split(value)


def run(argv: list[str], cxx: bool = False) -> int:
    try:
        return subprocess.call([*_real_compiler(cxx), *argv])
    except FileNotFoundError as error:
        print(f"autopar-cc: cannot run the real compiler: {error}", file=sys.stderr)
        return 127


def main() -> int:
    return run(sys.argv[1:])


def main_cxx() -> int:
    return run(sys.argv[1:], cxx=True)
