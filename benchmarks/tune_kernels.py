"""`autopar tune` on kernels of the suite, against the analyzer's default plans.

For each kernel: copy it (and harness.h) to a scratch directory, tune it at the `medium` size with
the race check at `small`, then build serial, the analyzer's rewrite and the tuned rewrite
(`rewrite --decisions`), and time the three in interleaved rounds (median and spread of the
program's own `time_s`). Prints a Markdown table and writes tune_kernels.json.

    python benchmarks/tune_kernels.py --kernels maxpool,matmul --threads 2 --budget 4 --rounds 5 [--optimize]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def _defines(sizes: dict) -> list[str]:
    return [f"-D{k}={v}" for k, v in sizes.items()]


def _time(exe: str, threads: int) -> tuple[float, str]:
    done = subprocess.run([exe], capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)},
                          check=True)
    seconds = next(float(l.split()[1]) for l in done.stdout.splitlines() if l.startswith("time_s"))
    checksum = next(l for l in done.stdout.splitlines() if l.startswith("checksum"))
    return seconds, checksum


def _same(got: set, expected: set) -> bool:
    """Every checksum equals serial's within the verifier's tolerance (a parallel reduction adds in
    another order)."""
    from autopar.tools.verify import compare_values

    reference = next(iter(expected)).split()[1:]
    return all(compare_values(reference, line.split()[1:]).match for line in got)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kernels", default="maxpool,matmul,jacobi,vector_add")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--budget", type=float, default=4.0, help="minutes of tuning per kernel")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds of the comparison")
    parser.add_argument("--tune-rounds", type=int, default=3)
    parser.add_argument("--optimize", action="store_true",
                        help="tune with --optimize (restructurings measured too) and time `rewrite --optimize` "
                             "beside the analyzer's pragmas and the tuned rewrite")
    parser.add_argument("--out", default="tune_kernels.json")
    args = parser.parse_args()
    suite = yaml.safe_load((HERE / "kernels.yaml").read_text())
    autopar = [sys.executable, "-m", "autopar.cli"]
    results = []
    for name in args.kernels.split(","):
        kernel = suite["kernels"][name]
        medium, small = _defines(kernel["sizes"]["medium"]), _defines(kernel["sizes"]["small"])
        work = Path(tempfile.mkdtemp(prefix=f"tune-{name}-"))
        source = HERE / kernel["source"]
        shutil.copy(source, work / source.name)
        shutil.copy(HERE / "kernels" / "harness.h", work / "harness.h")
        flags = " ".join(["-O3", "-fopenmp", *medium])
        build = f"gcc {flags} -o prog {source.name} -lm"
        tune = subprocess.run([*autopar, "tune", source.name, *medium, "--build", build, "--run", "./prog",
                               "--threads", str(args.threads), "--budget", str(args.budget),
                               "--rounds", str(args.tune_rounds), "--race-flags=" + " ".join(small),
                               "-o", "decisions.json", *(["--optimize"] if args.optimize else [])],
                              cwd=work, capture_output=True, text=True)
        print(tune.stdout + tune.stderr, file=sys.stderr)
        exes = {}
        builds = [("serial", None), ("analyzer", [])]
        if args.optimize:
            builds.append(("optimize", ["--optimize"]))
        builds.append(("tuned", ["--decisions", "decisions.json", *(["--optimize"] if args.optimize else [])]))
        for label, extra in builds:
            path = work / f"{label}.c"
            if extra is None:
                shutil.copy(work / source.name, path)
            else:
                out = subprocess.run([*autopar, "rewrite", source.name, *medium, *extra], cwd=work,
                                     capture_output=True, check=True)
                path.write_bytes(out.stdout)
            subprocess.run(["gcc", "-O3", "-fopenmp", *medium, "-I", str(work), "-o", str(work / label), str(path),
                            "-lm"], check=True)
            exes[label] = str(work / label)
        times = {label: [] for label in exes}
        checks = {label: set() for label in exes}
        for _ in range(args.rounds):
            for label, exe in exes.items():
                seconds, checksum = _time(exe, args.threads)
                times[label].append(seconds)
                checks[label].add(checksum)
        medians = {label: statistics.median(t) for label, t in times.items()}
        same = {label: (work / f"{label}.c").read_bytes() == (work / "serial.c").read_bytes() for label in exes}
        row = {"kernel": name, "threads": args.threads, "load": os.getloadavg(),
               "median_s": medians, "spread_s": {l: max(t) - min(t) for l, t in times.items()},
               "runs_s": times, "same_output": all(_same(c, checks["serial"]) for c in checks.values()),
               "analyzer_speedup": medians["serial"] / medians["analyzer"],
               "tuned_speedup": medians["serial"] / medians["tuned"],
               "optimize_speedup": medians["serial"] / medians["optimize"] if "optimize" in medians else None,
               "source_equals_serial": same,
               "decisions": json.loads((work / "decisions.json").read_text())}
        results.append(row)
        print(f"{name}: analyzer {row['analyzer_speedup']:.2f}x, tuned {row['tuned_speedup']:.2f}x "
              f"(serial {medians['serial']:.3f} s; outputs equal: {row['same_output']})", file=sys.stderr)
    Path(args.out).write_text(json.dumps(results, indent=1))
    optimize = " --optimize default |" if args.optimize else ""
    print(f"| kernel | serial (s) | analyzer default |{optimize} autopar tune | tuned choices |")
    print("|---|---|---|---|---|" + ("---|" if args.optimize else ""))
    for row in results:
        choices = "; ".join(f"{r['root']}: {r['choice']}" for f in row["decisions"]["files"] for r in f["regions"])
        mark = {label: " (serial's source)" if row["source_equals_serial"][label] else "" for label in row["median_s"]}
        optimized = f" {row['optimize_speedup']:.2f}x{mark['optimize']} |" if args.optimize else ""
        print(f"| {row['kernel']} | {row['median_s']['serial']:.3f} | {row['analyzer_speedup']:.2f}x{mark['analyzer']} |"
              f"{optimized} {row['tuned_speedup']:.2f}x{mark['tuned']} | {choices} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
