"""Label the corpus: `autopar tune` measures every legal plan of each generated program's kernel
nest, as a user would run it (build with gcc -O2 -fopenmp, run, compare the output), and writes one
decisions file per program into the work folder. A program already labelled is skipped, so a
cut-short run resumes. At the end the measurements of every program are gathered into one file,
training/data/measurements.jsonl (kept in the repository: the labels, without the 45 minutes they took on 2 cores).

    python training/label.py --seed 1 --count 300 -o corpus/
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from training.nestgen import program  # noqa: E402

MEASUREMENTS = HERE / "data" / "measurements.jsonl"
THREADS = 2
TOLERANCE = "1e-4"  # reductions reassociate: a float checksum moves in its last digits
AUTOPAR = str(Path(sys.executable).parent / "autopar")


def tune(source: Path, build: str, decisions: Path, budget_minutes: float, flags: tuple[str, ...] = (),
         threads: int = THREADS, autopar: str = AUTOPAR) -> None:
    """`autopar tune` on one file in its folder, timing only (every candidate is legal by the
    analysis; the race checks are the fuzzer's and the tests' job), as the labels are measured."""
    command = [autopar, "tune", source.name, *flags, "--build", build, "--run", f"./{source.stem}",
               "--no-race-check", "--threads", str(threads), "--tolerance", TOLERANCE,
               "--budget", str(budget_minutes), "-o", str(decisions), "-q"]
    done = subprocess.run(command, cwd=source.parent, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{source.name}: autopar tune failed ({done.returncode}): {done.stderr.strip()[-300:]}",
              file=sys.stderr)


def label(source: Path, budget_minutes: float, autopar: str = AUTOPAR) -> bool:
    """Tune one program; True when its decisions file holds its measurements."""
    decisions = source.with_suffix(".decisions.json")
    decisions.unlink(missing_ok=True)  # an earlier program's measurements must not stand for this one
    tune(source, f"gcc -O2 -fopenmp -w {source.name} -o {source.stem} -lm", decisions, budget_minutes,
         autopar=autopar)
    return is_labelled(source)


def is_labelled(source: Path) -> bool:
    """Whether the program's decisions file holds measurements of this very text (the tuner writes
    the file before it measures, so a run cut short leaves one without)."""
    decisions = source.with_suffix(".decisions.json")
    try:
        document = json.loads(decisions.read_text())
    except (OSError, ValueError):
        return False
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    entries = [f for f in document.get("files", []) if f.get("sha256") == digest]
    return bool(entries) and all("measurements" in r for f in entries for r in f.get("regions", []))


def gather(corpus: Path, seeds: range, output: Path) -> int:
    """One line per labelled program: its seed, the sha256 of its text, the machine, and each
    region's measurements (option, status, median seconds) as `autopar tune` wrote them."""
    lines = []
    for seed in seeds:
        source = corpus / f"nest_{seed}.c"
        decisions = source.with_suffix(".decisions.json")
        if not is_labelled(source):
            continue
        document = json.loads(decisions.read_text())
        regions = [{"root": r["root"],
                    "measurements": [{k: m[k] for k in ("option", "status", "median_s") if k in m}
                                     for m in r.get("measurements", [])]}
                   for f in document["files"] for r in f.get("regions", [])]
        lines.append(json.dumps({"seed": seed, "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
                                 "threads": document.get("threads"), "machine": document.get("machine"),
                                 "regions": regions}))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("".join(line + "\n" for line in lines))
    return len(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=250)
    parser.add_argument("-o", "--out", required=True)
    parser.add_argument("--budget", type=float, default=1.5, help="minutes of `autopar tune` per program")
    parser.add_argument("--autopar", default=AUTOPAR)
    parser.add_argument("--measurements", default=str(MEASUREMENTS), help="where the labels are gathered")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    labelled = 0
    for number, seed in enumerate(range(args.seed, args.seed + args.count), 1):
        source = out / f"nest_{seed}.c"
        text = program(seed)
        if source.exists() and source.read_text() == text and is_labelled(source):
            labelled += 1
            continue
        source.write_text(text)
        labelled += label(source, args.budget, args.autopar)
        print(f"[{number}/{args.count}] {source.name} labelled {labelled}, "
              f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    count = gather(out, range(args.seed, args.seed + args.count), Path(args.measurements))
    print(f"{count} programs' measurements in {args.measurements}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
