"""NAS-style solvers built the way a user builds them: plainly, and with `CC=autopar-cc`.

Each folder of `benchmarks/solvers/` is a small program of several files in old C (globals,
counters declared at the top of functions): `cg` (conjugate gradient on a sparse matrix, as NAS
CG), `adi` (a structured-grid solver with approximate-factorization sweeps, as NAS SP) and `mg`
(V-cycles on a hierarchy of 3-D grids, each level seen through pointers to variably modified
arrays, as NAS MG). The two builds are run round-robin at the given thread count; each run prints `time_s` and its checksums,
which must match the serial build's within a relative tolerance. The table gives the medians and
their ratio (serial time over autopar-cc time), with the load average at the start and the end.

    python benchmarks/solvers.py [--repeat 7] [--threads 2] [--tolerance 1e-6]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "solvers"
FLAGS = ["-O3", "-std=c99"]


def build(folder: Path, compiler: list[str], out: Path) -> None:
    """Compile each file, then link, as a Makefile would (the wrapper sees one file per compile)."""
    objects = []
    for source in sorted(folder.glob("*.c")):
        obj = out.with_name(f"{out.name}-{source.stem}.o")
        subprocess.run([*compiler, *FLAGS, "-c", str(source), "-o", str(obj)], check=True, cwd=folder)
        objects.append(str(obj))
    subprocess.run([*compiler, *FLAGS, *objects, "-o", str(out), "-lm"], check=True)


def run(binary: Path, threads: int) -> tuple[float, dict[str, float]]:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    done = subprocess.run([str(binary)], capture_output=True, text=True, env=env, check=True, timeout=600)
    values = dict(line.split() for line in done.stdout.splitlines() if line.strip())
    return float(values.pop("time_s")), {k: float(v) for k, v in values.items()}


def same(a: dict[str, float], b: dict[str, float], tolerance: float) -> bool:
    return a.keys() == b.keys() and all(abs(a[k] - b[k]) <= tolerance * max(abs(a[k]), abs(b[k]), 1e-300)
                                        for k in a)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tolerance", type=float, default=1e-6)
    args = parser.parse_args()
    wrapper = shutil.which("autopar-cc") or str(Path(sys.executable).with_name("autopar-cc"))
    load_start = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="autopar-solvers-") as tmp:
        for folder in sorted(p for p in HERE.iterdir() if p.is_dir()):
            serial, parallel = Path(tmp) / f"{folder.name}-serial", Path(tmp) / f"{folder.name}-autopar"
            build(folder, ["gcc"], serial)
            build(folder, [wrapper], parallel)
            times: dict[str, list[float]] = {"serial": [], "autopar": []}
            outputs: dict[str, dict[str, float]] = {}
            verified = True
            for _ in range(args.repeat):  # round-robin: machine load falls on both alike
                for name, binary in (("serial", serial), ("autopar", parallel)):
                    seconds, values = run(binary, args.threads)
                    times[name].append(seconds)
                    outputs.setdefault(name, values)
                    verified &= same(outputs["serial"], values, args.tolerance) if "serial" in outputs else True
            s, p = statistics.median(times["serial"]), statistics.median(times["autopar"])
            rows.append((folder.name, s, p, s / p, verified))
    load_end = os.getloadavg()
    print(f"{args.threads} threads, median of {args.repeat} round-robin runs, load average "
          f"{load_start[0]:.2f} at the start, {load_end[0]:.2f} at the end")
    print("| solver | serial (s) | autopar-cc (s) | speedup | output matches |")
    print("|--------|------------|----------------|---------|----------------|")
    for name, s, p, ratio, ok in rows:
        print(f"| {name} | {s:.3f} | {p:.3f} | {ratio:.2f}x | {'yes' if ok else 'NO'} |")
    return 0 if all(row[4] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
