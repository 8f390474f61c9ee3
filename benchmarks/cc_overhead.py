"""What `autopar-cc` costs on a project of CFD-shaped sources: `python benchmarks/cc_overhead.py`.

Writes N sources with `benchmarks/cfd_gen.py` (different seeds; ~3,600 lines and ~250 loops each)
and compiles each with `-O3 -c`: once with the plain compiler, once through `autopar-cc` with an
empty decision cache (analysis, rewrite, compile of the parallel copy with -fopenmp), once again with
the cache warm. Serial compiles, best of `--repeat`; wall time and CPU time (user + system of the
children) apart, since the machine may be shared.

    python benchmarks/cc_overhead.py [--files 4] [--repeat 2] [--cc gcc]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(compiler: list[str], sources: list[Path], env: dict) -> tuple[float, float]:
    """(wall, CPU) seconds of compiling every source serially with `compiler -O3 -c`."""
    wall0, cpu0 = time.perf_counter(), _children_cpu()
    for src in sources:
        subprocess.run([*compiler, "-O3", "-c", str(src), "-o", str(src.with_suffix(".o"))], env=env,
                       check=True, capture_output=True)
    return time.perf_counter() - wall0, _children_cpu() - cpu0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--cc", default="gcc")
    args = parser.parse_args(argv)
    from benchmarks.cfd_gen import generate

    work = Path(tempfile.mkdtemp(prefix="autopar-cc-"))
    sources = []
    for seed in range(1, args.files + 1):
        path = work / f"solver{seed}.c"
        path.write_text(generate(seed=seed))
        sources.append(path)
    wrapper = [sys.executable, "-c", "import sys; from autopar.tools.cc import main; sys.exit(main())"]
    cache = work / "cache"
    env = dict(os.environ, AUTOPAR_CC=args.cc, AUTOPAR_CACHE_DIR=str(cache),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    rows = {}
    load = os.getloadavg()[0]
    for label, compiler, cold in (("plain", [args.cc], False), ("autopar-cc, cold cache", wrapper, True),
                                  ("autopar-cc, warm cache", wrapper, False)):
        best = None
        for _ in range(args.repeat):
            if cold:
                shutil.rmtree(cache, ignore_errors=True)
            result = build(compiler, sources, env)
            best = result if best is None else (min(best[0], result[0]), min(best[1], result[1]))
        rows[label] = best
    lines = sum(p.read_text().count("\n") for p in sources)
    print(f"{args.files} sources, {lines} lines, `-O3 -c` each, serial, best of {args.repeat}; "
          f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after")
    print()
    print("| build | wall | CPU | CPU / plain |")
    print("| --- | ---: | ---: | ---: |")
    plain_cpu = rows["plain"][1]
    for label, (wall, cpu) in rows.items():
        print(f"| {label} | {wall:.2f} s | {cpu:.2f} s | {cpu / plain_cpu:.2f}x |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
