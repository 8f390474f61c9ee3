"""Atomic updates against serial and against a hand-written array reduction, round-robin.

    python benchmarks/atomic_updates.py [--repeat 7] [--threads 2] [--rows 100000] [--features 400] [--keys spread|few]

The program scores each row over its features, then counts it in one of 65,536 bins (a histogram
over a classification: `counts[bucket_of(s)]++`, and a floating-point sum per bin), the rows' keys
spread over the bins or falling in about 100 of them. The bound is a parameter, so no per-thread
copy is made; `autopar rewrite` writes `_Pragma("omp atomic")` on the
updates. The expert's version reduces the two arrays (`reduction(+: counts[:NB], mass[:NB])`: a
copy of 768 KB per thread). Each build times the loop alone and prints the counts; the outputs must
agree (the sums within rounding). Prints one table: the median time of each build and its speedup.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PROGRAM = r"""#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define NB 65536
static int counts[NB];
static double mass[NB];

static int bucket_of(double s) { return (int)((unsigned long long)(s * 4099.0) % NB); }

void classify(const double *restrict feature, const double *restrict weight, int n, int f) {
    PRAGMA
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = 0; k < f; k++)
            s += feature[(long)i * f + k] * weight[k];
        int b = bucket_of(s);
        counts[b]++;
        mass[b] += s;
    }
}

int main(int argc, char **argv) {
    int n = atoi(argv[1]), f = atoi(argv[2]);
    double *feature = malloc(sizeof(double) * (size_t)n * f), *weight = malloc(sizeof(double) * f);
    unsigned long long x = 88172645463325252ull;
    for (long i = 0; i < (long)n * f; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        feature[i] = FEATURE;
    }
    for (int k = 0; k < f; k++)
        weight[k] = (k % 5) * 0.25 + 0.5;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    classify(feature, weight, n, f);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long c = 0;
    double m = 0.0;
    for (int k = 0; k < NB; k++) { c += (long)counts[k] * (k % 7 + 1); m += mass[k]; }
    printf("time %.6f\ncounts %ld\nmass %.6e\n", (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec), c, m);
    return 0;
}
"""
EXPERT = "#pragma omp parallel for reduction(+: counts[:NB], mass[:NB])"
# the features of `--keys spread` (random: the rows' scores fall in most bins) and `--keys few` (every
# row alike but for its number modulo 101: the scores fall in about 100 bins, where threads meet)
FEATURES = {"spread": "(double)(x >> 40) / 16777216.0", "few": "(double)((i * 37) % 101) / 64.0"}


def _build(directory: Path, name: str, text: str, openmp: bool) -> Path:
    source, binary = directory / f"{name}.c", directory / name
    source.write_text(text)
    subprocess.run(["gcc", "-O2", *(["-fopenmp"] if openmp else []), "-o", str(binary), str(source)], check=True)
    return binary


def _run(binary: Path, args: list[str], threads: int) -> dict[str, str]:
    done = subprocess.run([str(binary), *args], capture_output=True, text=True, check=True,
                          env={**os.environ, "OMP_NUM_THREADS": str(threads)})
    return dict(line.split(" ", 1) for line in done.stdout.splitlines())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--features", type=int, default=400)
    parser.add_argument("--keys", choices=sorted(FEATURES), default="spread")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        program = PROGRAM.replace("FEATURE", FEATURES[args.keys])
        serial_text = program.replace("PRAGMA", "")
        (directory / "classify.c").write_text(serial_text)
        subprocess.run([sys.executable, "-m", "autopar.cli", "rewrite", str(directory / "classify.c"),
                        "-o", str(directory / "rewritten.c")], check=True, capture_output=True)
        rewritten = (directory / "rewritten.c").read_text()
        if '_Pragma("omp atomic")' not in rewritten:
            print("autopar wrote no atomic updates for this size: nothing to compare")
            return 1
        builds = {"serial": _build(directory, "serial", serial_text, False),
                  "autopar (atomic updates)": _build(directory, "atomic", rewritten, True),
                  "expert (array reduction)": _build(directory, "expert", program.replace("PRAGMA", EXPERT), True)}
        times: dict[str, list[float]] = {name: [] for name in builds}
        outputs: dict[str, dict[str, str]] = {}
        run_args = [str(args.rows), str(args.features)]
        for _ in range(args.repeat):
            for name, binary in builds.items():
                out = _run(binary, run_args, args.threads)
                times[name].append(float(out.pop("time")))
                outputs[name] = out
    serial = statistics.median(times["serial"])
    print(f"rows {args.rows}, features {args.features}, keys {args.keys}, {args.threads} threads, median of "
          f"{args.repeat} (round-robin)\n")
    print("| build | time | vs serial | counts equal | sums' relative difference |\n| --- | ---: | ---: | --- | ---: |")
    for name in builds:
        median = statistics.median(times[name])
        mass, base = float(outputs[name]["mass"]), float(outputs["serial"]["mass"])
        print(f"| {name} | {median * 1000:.1f} ms | {serial / median:.2f}x | "
              f"{outputs[name]['counts'] == outputs['serial']['counts']} | {abs(mass - base) / abs(base):.1e} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
