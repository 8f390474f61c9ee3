"""NAS-style solvers built the way a user builds them: plainly, and with `CC=autopar-cc`.

Each folder of `benchmarks/solvers/` is a small program of several files in old C (globals,
counters declared at the top of functions): `cg` (conjugate gradient on a sparse matrix, as NAS
CG), `adi` (a structured-grid solver with approximate-factorization sweeps, as NAS SP), `mg`
(V-cycles on a hierarchy of 3-D grids, each level seen through pointers to variably modified
arrays, as NAS MG) and `bt` (block-tridiagonal line solves along x and z whose 5x5 blocks live in
static work arrays the two solves share, inverted by small routines of the same file through their
array arguments, as NAS BT) and `ep` (NAS EP's main loop, which times its parts through another
file's timers when a file `timer.flag` exists, with its generator in another file). Each folder's `omp/` holds the files of the expert OpenMP version of the same
program that differ from the serial ones (the others are shared), written
as NAS's own OpenMP versions are (`parallel for` on each nest's outermost loop with its private
scalars and work rows, reductions; CG's solve in one parallel region with the vector operations
inlined as worksharing loops). The three builds (serial, `CC=autopar-cc`, expert with `-fopenmp`)
are run round-robin at the given thread count; each run prints `time_s` and its checksums, which
must match the serial build's within a relative tolerance. The table gives the medians, each
speedup over serial, and autopar's share of the expert's speedup; the last line the geometric
means, with the load average at the start and the end.

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


def build(folder: Path, compiler: list[str], out: Path, changed: Path | None = None) -> None:
    """Compile each file, then link, as a Makefile would (the wrapper sees one file per compile).
    `changed`: a folder of files that replace the program's own of the same name (the expert's)."""
    sources = {source.name: source for source in folder.glob("*.c")}
    if changed is not None:
        sources.update({source.name: source for source in changed.glob("*.c")})
    objects = []
    for name, source in sorted(sources.items()):
        obj = out.with_name(f"{out.name}-{source.stem}.o")
        subprocess.run([*compiler, *FLAGS, "-I", str(folder), "-c", str(source), "-o", str(obj)], check=True,
                       cwd=folder)
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
            builds = {"serial": Path(tmp) / f"{folder.name}-serial", "autopar": Path(tmp) / f"{folder.name}-autopar",
                      "expert": Path(tmp) / f"{folder.name}-expert"}
            build(folder, ["gcc"], builds["serial"])
            build(folder, [wrapper], builds["autopar"])
            build(folder, ["gcc", "-fopenmp"], builds["expert"], changed=folder / "omp")
            times: dict[str, list[float]] = {name: [] for name in builds}
            reference: dict[str, float] = {}
            verified = {name: True for name in builds}
            for _ in range(args.repeat):  # round-robin: machine load falls on all alike
                for name, binary in builds.items():
                    seconds, values = run(binary, args.threads)
                    times[name].append(seconds)
                    reference = reference or values  # (serial runs first)
                    verified[name] &= same(reference, values, args.tolerance)
            medians = {name: statistics.median(t) for name, t in times.items()}
            rows.append((folder.name, medians, verified))
    load_end = os.getloadavg()
    print(f"{args.threads} threads, median of {args.repeat} round-robin runs, load average "
          f"{load_start[0]:.2f} at the start, {load_end[0]:.2f} at the end")
    print("| solver | serial (s) | autopar-cc (s) | expert OpenMP (s) | autopar-cc speedup | expert speedup "
          "| share of the expert's | outputs match |")
    print("|---|---|---|---|---|---|---|---|")
    ours, theirs = [], []
    for name, m, ok in rows:
        speedup, expert = m["serial"] / m["autopar"], m["serial"] / m["expert"]
        ours.append(speedup)
        theirs.append(expert)
        print(f"| {name} | {m['serial']:.3f} | {m['autopar']:.3f} | {m['expert']:.3f} | {speedup:.2f}x | "
              f"{expert:.2f}x | {speedup / expert:.0%} | {'yes' if all(ok.values()) else 'NO: ' + ', '.join(k for k, v in ok.items() if not v)} |")
    mean, expert_mean = statistics.geometric_mean(ours), statistics.geometric_mean(theirs)
    print(f"\ngeometric mean: autopar-cc {mean:.2f}x, expert {expert_mean:.2f}x: {mean / expert_mean:.0%} of the expert's")
    return 0 if all(all(ok.values()) for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
