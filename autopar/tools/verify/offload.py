"""How gcc builds an offload plan: with code for NVIDIA GPUs where the nvptx accelerator compiler is
installed (Debian's gcc-N-offload-nvptx), else for the host alone.

The flags are always explicit. With the nvptx compiler installed, a plain `gcc -fopenmp` also
compiles every target region for the GPU, for gcc 12's default PTX target (sm_30); where a CUDA 12
or later `ptxas` is on the PATH, the nvptx assembler checks the PTX with it, and that `ptxas`
refuses such old targets, so the build fails. sm_80 (Ampere) is the oldest target those `ptxas`
accept; the driver compiles the PTX for newer GPUs (Hopper included) when the program starts.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from pathlib import Path

# -lm, -latomic: the device code has math and atomics libraries of its own, linked only when asked
# for (a reduction over a char or short is a compare-and-swap loop from libatomic)
# libgomp without --as-needed: gcc links the offload image's registration code (which calls
# GOMP_offload_register_ver) after the libraries, so where the optimizer removed every target region
# of the host code as dead (a branch it folds), the linker gcc runs with --as-needed has dropped
# libgomp before that code comes, and the link fails
NVPTX_FLAGS = ["-foffload=nvptx-none", "-foffload-options=nvptx-none=-march=sm_80 -lm -latomic",
               "-Wl,--push-state,--no-as-needed,-lgomp,--pop-state"]
HOST_ONLY_FLAGS = ["-foffload=disable"]
# a program with one target region, which exits 0 when it ran
TARGET_PROBE = "int main(void) { int x = 0;\n#pragma omp target map(tofrom: x)\nx = 1;\nreturn !x; }\n"


def gcc_offload_flags(compiler: str = "gcc") -> tuple[str, ...]:
    """NVPTX_FLAGS when `compiler` builds a target region for nvptx here, else HOST_ONLY_FLAGS."""
    return tuple(NVPTX_FLAGS if builds_for_nvptx(compiler) else HOST_ONLY_FLAGS)


@functools.lru_cache(maxsize=None)
def builds_for_nvptx(compiler: str = "gcc") -> bool:
    """Whether `compiler -fopenmp` with NVPTX_FLAGS builds a program with a target region (once per process)."""
    with tempfile.TemporaryDirectory(prefix="autopar-nvptx-") as scratch:
        source = Path(scratch) / "probe.c"
        source.write_text(TARGET_PROBE)
        try:
            done = subprocess.run([compiler, "-fopenmp", *NVPTX_FLAGS, "-o", str(Path(scratch) / "probe"), str(source)],
                                  capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0
