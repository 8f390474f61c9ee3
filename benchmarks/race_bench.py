"""autopar's loop verdicts on a race micro-benchmark suite (DataRaceBench's layout: `DRBnnn-name-yes.c`
has a data race as written, `...-no.c` has none), against the suite's own labels.

    git clone https://github.com/LLNL/dataracebench     # not bundled: fetch it yourself
    python benchmarks/race_bench.py dataracebench/micro-benchmarks [--json out.json]

Each C file whose subject is a loop under `#pragma omp parallel for` / `omp for` / `omp simd` is
taken (files about tasks, sections, target regions, locks, atomics, critical sections, barriers,
single/master, threadprivate, ordered, flush or thread numbers are skipped: without their pragmas
they have no loop meaning). Its `#pragma omp` lines are blanked (line numbers kept) and autopar
analyzes the rest; the loops that carried a loop pragma are the labelled ones. A labelled loop of a
`-no` file is a positive: recall is the share autopar finds parallelizable. A labelled loop of a
`-yes` file that autopar finds parallelizable is listed with the clauses autopar's plan adds: many
such files race only for a missing clause (private, reduction, lastprivate) that autopar adds
itself; the others are false positives to check by hand (build the rewrite, compare, TSan).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

SKIP = re.compile(r"#\s*pragma\s+omp\b[^\n]*\b(task|taskloop|taskwait|taskgroup|sections?|target|teams|atomic|critical|"
                  r"barrier|single|master|masked|threadprivate|ordered|flush|lock)\b|omp_(set|test|get_thread_num)|"
                  r"omp_init_lock")
LOOP_PRAGMA = re.compile(r"^\s*#\s*pragma\s+omp\b.*\b(for|simd)\b")
PRAGMA = re.compile(r"^\s*#\s*pragma\s+omp\b")
CLAUSES = re.compile(r"\b(private|firstprivate|lastprivate|reduction|linear)\(")


def strip(text: str) -> tuple[str, list[int]]:
    """The text with every `#pragma omp` line (and its continuations) blanked, and the lines of the
    `for` statements that followed a loop pragma."""
    lines = text.split("\n")
    out, labelled, pending = [], [], False
    index = 0
    while index < len(lines):
        line = lines[index]
        if PRAGMA.match(line):
            pending = pending or bool(LOOP_PRAGMA.match(line))
            out.append("")
            while line.rstrip().endswith("\\") and index + 1 < len(lines):
                index += 1
                line = lines[index]
                out.append("")
            index += 1
            continue
        out.append(line)
        if pending and re.match(r"\s*for\s*\(", line):
            labelled.append(index + 1)
            pending = False
        index += 1
    return "\n".join(out), labelled


def verdicts(path: Path, workdir: Path) -> tuple[str, list[dict]]:
    """(label, one verdict per labelled loop) of one benchmark file."""
    from autopar.decision.pipeline import analyze_file

    label = "race" if re.search(r"-yes\.c$", path.name) else "no-race" if re.search(r"-no\.c$", path.name) else ""
    text, labelled = strip(path.read_text(encoding="utf-8", errors="surrogateescape"))
    copy = workdir / path.name
    copy.write_text(text, encoding="utf-8", errors="surrogateescape")
    report = analyze_file(str(copy), ["-I", str(path.parent)]).report
    found = []
    for line in labelled:
        loop = next((l for l in report.loops if l.line == line), None)
        found.append({"line": line, "parallelizable": bool(loop and loop.parallelizable),
                      "parallel": bool(loop and loop.parallel), "pragma": loop.pragma if loop else None,
                      "clauses": sorted(set(CLAUSES.findall(loop.pragma or ""))) if loop else [],
                      "reason": (loop.reasons[0] if loop and loop.reasons else report.error or ""),
                      "code": (loop.codes[0] if loop and loop.codes else "")})
    return label, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", type=Path, help="a folder of DRB*.c files (DataRaceBench's micro-benchmarks)")
    parser.add_argument("--json", type=Path, help="write every verdict here")
    args = parser.parse_args()
    files = sorted(p for p in args.suite.glob("*.c") if not SKIP.search(p.read_text(errors="replace")))
    rows = []
    with tempfile.TemporaryDirectory(prefix="autopar-race-bench-") as tmp:
        for path in files:
            label, found = verdicts(path, Path(tmp))
            rows += [{"file": path.name, "label": label, **v} for v in found]
    positives = [r for r in rows if r["label"] == "no-race"]
    negatives = [r for r in rows if r["label"] == "race"]
    found = sum(r["parallelizable"] for r in positives)
    print(f"{len(files)} files, {len(rows)} labelled loops ({len(positives)} without a race, {len(negatives)} with one)")
    print(f"recall: {found}/{len(positives)} loops without a race found parallelizable")
    flagged = [r for r in negatives if r["parallelizable"]]
    print(f"{len(flagged)}/{len(negatives)} loops with a race as written found parallelizable "
          "(with the clauses autopar adds; check each without one by hand):")
    for r in flagged:
        print(f"  {r['file']}:{r['line']}: clauses {', '.join(r['clauses']) or 'none'}: {r['pragma']}")
    print("missed (without a race, not found parallelizable):")
    for r in positives:
        if not r["parallelizable"]:
            print(f"  {r['file']}:{r['line']}: [{r['code']}] {r['reason'][:140]}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
