"""The kernel suite of `autopar bench`: load_suite reads a suite file (benchmarks/kernels.yaml, or
affine.yaml for `--suite affine`) into a Suite of Kernels, each with its sources and sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, Field

from autopar.tools import verify as v

# the suites are package data of autopar (autopar/tools/suites/; benchmarks/kernels and benchmarks/affine in
# the source tree are links to them)
SUITE_FILE = Path(__file__).resolve().parent.parent / "suites" / "kernels.yaml"
# `--suite affine`: static-control kernels for restructuring (autopar/tools/suites/affine/)
SUITE_FILES = {"kernels": SUITE_FILE, "affine": SUITE_FILE.parent / "affine.yaml"}
SIZES = ("tiny", "small", "medium", "large")  # tiny: only the kernels that define it


class Kernel(BaseModel):
    name: str
    source: str  # absolute paths
    reference: str
    output: Literal["int", "float"] = "float"
    sizes: dict[str, dict[str, int]]

    def defines(self, size: str) -> list[str]:
        return [f"-D{name}={value}" for name, value in self.sizes[size].items()]


class Suite(BaseModel):
    compiler_flags: list[str] = Field(default_factory=lambda: ["-O3"])
    link_flags: list[str] = Field(default_factory=lambda: ["-lm"])
    kernels: list[Kernel]
    default_configs: Optional[list[str]] = None  # the configurations run when --configs is not given


class BenchError(Exception):
    """Bad options or a broken suite file: reported to the user, never a traceback."""


def load_suite(path: Path = SUITE_FILE) -> Suite:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise BenchError(f"cannot read the kernel suite {path}: {error}") from error
    base = path.parent
    kernels = [Kernel(name=name, source=str(base / entry["source"]), reference=str(base / entry["reference"]),
                      output=entry.get("output", "float"), sizes=entry["sizes"])
               for name, entry in data["kernels"].items()]
    # The kernels include their shared driver code (harness.h) from their own directory; a rewritten
    # copy is compiled from elsewhere (sources/, a scratch directory), so it is found through -I.
    includes = [flag for k in kernels for flag in v.include_beside(k.source)]
    return Suite(compiler_flags=[*data.get("compiler_flags", ["-O3"]), *dict.fromkeys(includes)],
                 link_flags=data.get("link_flags", ["-lm"]), kernels=kernels,
                 default_configs=data.get("default_configs"))
