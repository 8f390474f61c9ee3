"""Programs from Csmith (Debian packages `csmith` and `libcsmith-dev`).

Csmith writes a random C program, free of undefined behaviour, that prints a checksum of its globals.
The options keep programs small and short-running (few functions, shallow blocks, no volatiles,
no packed structs); a program that still runs too long is classed generator-invalid by the checker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from typing import Optional

INCLUDE_DIR = "/usr/include/csmith"
CFLAGS = [f"-I{INCLUDE_DIR}"]
OPTIONS = ["--no-volatiles", "--no-volatile-pointers", "--no-packed-struct", "--no-bitfields",
           "--max-funcs", "4", "--max-block-depth", "3", "--max-expr-complexity", "6",
           "--max-array-len-per-dim", "40", "--concise"]
GENERATE_TIMEOUT_S = 30


def available() -> Optional[str]:
    """None when csmith and its headers are installed, otherwise what is missing."""
    if shutil.which("csmith") is None:
        return "csmith is not installed (Debian package csmith)"
    if not os.path.isfile(f"{INCLUDE_DIR}/csmith.h"):
        return f"{INCLUDE_DIR}/csmith.h is missing (Debian package libcsmith-dev)"
    return None


def generate(seed: int) -> str:
    """The program of `seed`. Raises RuntimeError when csmith fails or hangs."""
    try:
        # csmith writes a platform.info file into its working directory: keep it out of the user's
        with tempfile.TemporaryDirectory(prefix="autopar-csmith-") as scratch:
            done = subprocess.run(["csmith", "--seed", str(seed), *OPTIONS], capture_output=True, text=True,
                                  timeout=GENERATE_TIMEOUT_S, cwd=scratch)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"csmith --seed {seed} ran longer than {GENERATE_TIMEOUT_S} s") from None
    if done.returncode != 0 or not done.stdout:
        raise RuntimeError(f"csmith --seed {seed} failed: {done.stderr.strip()[:200]}")
    return done.stdout
