"""How fast the analysis is, per file and per nest size: `python benchmarks/analysis_speed.py`.

Per file (each measured in a fresh Python process, so no cache is warm): lines, `for` loops, array
accesses (each counted once, in its outermost loop), front-end time (libclang parse and the IR
passes), analysis time (dependences, candidates, decisions, report), peak memory (max RSS of that
process), and the end-to-end time of `autopar analyze FILE --format json` (Python start-up
included). The files: a generated CFD solver (`benchmarks/cfd_gen.py`, the shape of NAS BT: 4-D
arrays with constant last subscripts, nests of depth 3 to 5 with ~60 accesses), lz4.c and brotli's
decode.c from `tests/data/frontend/`, and any FILE given.

Then the growth with the accesses of one nest (10, 20, 40, 80, 160; a depth-4 sweep of the generator,
`u[k][j][i][c] = ... u[k][j][i-1][c] ...`, whose every access pair may depend): analysis time of
that nest alone (all its loops). Times are the best of `--repeat` runs; the machine is
shared, so compare figures taken in one run, and read the load average printed with them.

    python benchmarks/analysis_speed.py [--repeat 3] [--json] [FILE ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "frontend"
GROWTH = (10, 20, 40, 80, 160)


def _measure_in_child(path: str, args: list[str]) -> dict:
    """Runs in a fresh process: front end and analysis of one file, timed apart."""
    import resource

    import autopar.plans.candidates  # noqa: F401  (imports are start-up, not analysis)
    from autopar.decision.pipeline import analyze_tu, load_translation_unit
    from autopar.process import configure_program

    configure_program()  # as the `autopar` program does

    t0, c0 = time.perf_counter(), time.process_time()
    tu = load_translation_unit(path, args)
    t1, c1 = time.perf_counter(), time.process_time()
    analyze_tu(tu)
    t2, c2 = time.perf_counter(), time.process_time()
    accesses = sum(len(root.accesses) for root in tu.nest_roots())
    nest_sizes = [len(root.accesses) for root in tu.nest_roots()]
    return {"lines": Path(path).read_text(errors="replace").count("\n"), "loops": len(tu.loops),
            "accesses": accesses, "max_nest_accesses": max(nest_sizes, default=0),
            "front_end_s": t1 - t0, "analysis_s": t2 - t1, "front_end_cpu_s": c1 - c0, "analysis_cpu_s": c2 - c1,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


def _child(path: str, args: list[str]) -> dict:
    code = ("import json, sys; sys.path.insert(0, %r); from benchmarks.analysis_speed import _measure_in_child; "
            "print(json.dumps(_measure_in_child(%r, %r)))" % (str(ROOT), path, args))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _end_to_end(path: str, args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of `autopar analyze FILE --format json` in a new process."""
    import resource

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    t0, c0 = time.perf_counter(), cpu()
    subprocess.run([sys.executable, "-m", "autopar.cli", "analyze", path, "--format", "json", *args],
                   capture_output=True, check=False, cwd=ROOT)
    return time.perf_counter() - t0, cpu() - c0


def file_row(name: str, path: str, args: list[str], repeat: int) -> dict:
    runs = [_child(path, args) for _ in range(repeat)]
    row = dict(runs[0])
    for key in ("front_end_s", "analysis_s", "front_end_cpu_s", "analysis_cpu_s", "peak_mb"):
        row[key] = min(r[key] for r in runs)
    ends = [_end_to_end(path, args) for _ in range(repeat)]
    row["end_to_end_s"] = min(e[0] for e in ends)
    row["end_to_end_cpu_s"] = min(e[1] for e in ends)
    row["file"] = name
    return row


def nest_row(accesses: int, repeat: int, workdir: Path) -> dict:
    from benchmarks.cfd_gen import nest_file

    path = workdir / f"nest{accesses}.c"
    path.write_text(nest_file(accesses, kind="sweep"))
    runs = [_child(str(path), []) for _ in range(repeat)]
    return {"accesses": runs[0]["accesses"], "loops": runs[0]["loops"],
            "front_end_s": min(r["front_end_s"] for r in runs),
            "analysis_s": min(r["analysis_s"] for r in runs),
            "analysis_cpu_s": min(r["analysis_cpu_s"] for r in runs)}


def machine() -> str:
    from autopar.plans.machine import cpu_model

    return f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="more C files to measure (no extra flags)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--no-growth", action="store_true", help="skip the growth table")
    args = parser.parse_args(argv)
    from benchmarks.cfd_gen import generate

    workdir = Path(tempfile.mkdtemp(prefix="autopar-speed-"))
    cfd = workdir / "cfd_solver.c"
    cfd.write_text(generate())
    files = [("cfd_solver.c (generated)", str(cfd), []),
             ("lz4.c", str(DATA / "lz4.c"), []),
             ("brotli decode.c", str(DATA / "brotli" / "c" / "dec" / "decode.c"),
              ["-I", str(DATA / "brotli" / "c" / "include")])]
    files += [(f, str(Path(f).resolve()), []) for f in args.files]
    load = os.getloadavg()
    rows = [file_row(name, path, fargs, args.repeat) for name, path, fargs in files]
    growth = [] if args.no_growth else [nest_row(n, args.repeat, workdir) for n in GROWTH]
    load_after = os.getloadavg()
    if args.json:
        print(json.dumps({"machine": machine(), "load": [load, load_after], "files": rows, "growth": growth},
                         indent=1))
        return 0
    print(f"machine: {machine()}; load average {load[0]:.2f} before, {load_after[0]:.2f} after; "
          f"best of {args.repeat}")
    print()
    print("Times are wall (CPU): on a shared machine the CPU time is the steadier figure.")
    print()
    print("| file | lines | loops | accesses | largest nest | front end | analysis | peak memory | "
          "`autopar analyze --format json`, end to end |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['file']} | {r['lines']} | {r['loops']} | {r['accesses']} | {r['max_nest_accesses']} | "
              f"{r['front_end_s']:.2f} s ({r['front_end_cpu_s']:.2f}) | "
              f"{r['analysis_s']:.2f} s ({r['analysis_cpu_s']:.2f}) | {r['peak_mb']:.0f} MB | "
              f"{r['end_to_end_s']:.2f} s ({r['end_to_end_cpu_s']:.2f}) |")
    if growth:
        print()
        print("| accesses in the nest | loops | analysis of the nest, wall (CPU) | CPU per access |")
        print("| ---: | ---: | ---: | ---: |")
        for g in growth:
            print(f"| {g['accesses']} | {g['loops']} | {g['analysis_s'] * 1000:.0f} ms "
                  f"({g['analysis_cpu_s'] * 1000:.0f} ms) | {g['analysis_cpu_s'] / g['accesses'] * 1e6:.0f} us |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
