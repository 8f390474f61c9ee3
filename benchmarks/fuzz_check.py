"""Fuzzing `autopar check` with the pragmas a user might write (autopar.tools.fuzz.user_pragmas).

    python benchmarks/fuzz_check.py --programs 40 --seed 1 -j 2 -o fuzz-check-out

Each loopgen program gets `#pragma omp parallel for` on every loop and some critical or atomic
updates; the pragmas `check` accepts must keep the serial output at 1 and 4 threads and be
race-free under ThreadSanitizer + Archer. A case where they do not is kept in `<out>/cases/<seed>/`
(the program, the accepted pragmas, what went wrong, the loops to blame); exit code 1 when any.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path

if __package__ in (None, ""):  # run as a script: this checkout first on the path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autopar.tools.fuzz import loopgen  # noqa: E402
from autopar.tools.fuzz.check import Checker  # noqa: E402
from autopar.tools.fuzz.user_pragmas import check_user_pragmas  # noqa: E402


def one(seed: int, out: str, races: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"autopar-fuzz-check-{seed}-") as scratch:
        checker = Checker(scratch, races=races)
        outcome = check_user_pragmas(checker, loopgen.generate(seed).source, seed)
        line = {"seed": seed, **{k: v for k, v in asdict(outcome).items() if k != "files"}}
        if outcome.kind == "wrong" and out:
            folder = Path(out) / "cases" / str(seed)
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in outcome.files.items():
                (folder / name).write_text(text)
            (folder / "case.json").write_text(json.dumps(line, indent=1) + "\n")
        return line


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="fuzz_check.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--programs", type=int, default=20, metavar="N")
    p.add_argument("--seed", type=int, default=1, help="first loopgen seed")
    p.add_argument("-j", "--jobs", type=int, default=2)
    p.add_argument("-o", "--out", default="", metavar="DIR", help="where wrong cases go")
    p.add_argument("--no-races", action="store_true", help="skip the ThreadSanitizer builds")
    args = p.parse_args(argv)
    lines = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(one, args.seed + k, args.out, not args.no_races) for k in range(args.programs)]
        for done in as_completed(futures):
            line = done.result()
            lines.append(line)
            print(f"seed {line['seed']}: {line['kind']}, {line['accepted']} of {line['pragmas']} pragmas accepted "
                  f"({line['unjudged']} not judged), "
                  f"{line['synchronized']} critical/atomic" + (f", culprit lines {line['culprits']}: "
                                                               f"{line['details'][0][:200]}" if line["culprits"] or
                                                               line["kind"] == "wrong" else ""), flush=True)
    totals = {kind: sum(1 for l in lines if l["kind"] == kind) for kind in ("ok", "invalid", "wrong")}
    print(f"{len(lines)} programs: {totals}; pragmas {sum(l['pragmas'] for l in lines)}, accepted by check "
          f"{sum(l['accepted'] for l in lines)}, not judged {sum(l['unjudged'] for l in lines)}")
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "summary.json").write_text(json.dumps({"totals": totals, "programs": sorted(
            lines, key=lambda l: l["seed"])}, indent=1) + "\n")
    return 1 if totals["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
