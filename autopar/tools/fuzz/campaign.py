"""A campaign: many programs over worker processes, every bad case kept on disk, and the counts.

Each bad case goes to `<out>/cases/<generator>-<seed>/`: `case.json` (seed, class, every problem,
the culprit pragmas), the program, the rewrite (and its copy without work thresholds), every
output, autopar-cc's stderr and its report. `<out>/summary.json` holds the counts and one line per
program; `summary_table` renders the counts as text.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

from autopar.tools.fuzz import csmith, loopgen, loopgen_cxx
from autopar.tools.fuzz.check import CLASSES, INVALID, OK, Checker, Outcome
from autopar.tools.fuzz.culprit import find_culprits
from autopar.frontend.omp_pragmas import parse_omp_pragma

GENERATORS = ("loops", "cxx", "csmith")


@dataclass(frozen=True)
class Task:
    generator: str  # loops | cxx | csmith
    seed: int

    @property
    def name(self) -> str:
        return f"{self.generator}-{self.seed}"


def program_for(task: Task) -> tuple[str, list[str]]:
    """(the program's source, the flags its builds need)."""
    if task.generator == "loops":
        return loopgen.generate(task.seed).source, []
    if task.generator == "cxx":
        return loopgen_cxx.generate(task.seed).source, list(loopgen_cxx.CXXFLAGS)
    if task.generator == "csmith":
        return csmith.generate(task.seed), list(csmith.CFLAGS)
    raise ValueError(f"unknown generator {task.generator!r}")


def check_task(task: Task, out_dir: Optional[str], races: bool = True, culprits: bool = True) -> dict:
    """Generate, check, and (when bad) find the culprits and keep the case. Returns the program's
    line of the summary. Runs in a worker process."""
    with tempfile.TemporaryDirectory(prefix=f"autopar-fuzz-{task.name}-") as scratch:
        try:
            source, flags = program_for(task)
        except RuntimeError as error:
            return {"generator": task.generator, "seed": task.seed, "kind": INVALID, "problems":
                    [{"kind": INVALID, "detail": str(error)}], "loops": 0, "parallel": []}
        checker = Checker(scratch, flags, races=races, cxx=task.generator == "cxx")
        outcome = checker.check(source, "program")
        line = {"generator": task.generator, "seed": task.seed, **outcome.summary()}
        if outcome.bad:
            if culprits:
                line["culprits"] = [find_culprits(checker, outcome, problem)
                                    for problem in _distinct_problems(outcome)]
            if out_dir:
                keep_case(Path(out_dir) / "cases" / task.name, task, outcome, line)
        return line


# for each class, the build whose problem is cheapest to search for its culprit
_CHEAPEST = ["autopar-cc", "rewrite-gcc", "rewrite-tsan", "analysis", ""]


def _distinct_problems(outcome: Outcome) -> list:
    """One problem per class, from the cheapest build that shows it: the culprit search for each."""
    chosen = {}
    for problem in outcome.problems:
        best = chosen.get(problem.kind)
        if problem.kind in CLASSES and (best is None or _rank(problem) < _rank(best)):
            chosen[problem.kind] = problem
    return sorted(chosen.values(), key=lambda p: CLASSES.index(p.kind))


def _rank(problem) -> int:
    return _CHEAPEST.index(problem.build) if problem.build in _CHEAPEST else len(_CHEAPEST)


def keep_case(folder: Path, task: Task, outcome: Outcome, line: dict) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, text in outcome.files.items():
        (folder / name).write_text(text)
    (folder / "case.json").write_text(json.dumps(line, indent=1) + "\n")


# ------------------------------------------------------------------------------------------ counts

def pragma_kinds(pragma: str, proof: Optional[str]) -> list[str]:
    """The kinds one inserted pragma counts under."""
    parsed = parse_omp_pragma(pragma)
    kinds = []
    for construct in (["parallel", "for", "simd"], ["parallel", "for"], ["simd"]):
        if parsed.directive[:len(construct)] == construct:
            kinds.append(" ".join(construct))
            break
    kinds += [f"collapse({c.argument})" for c in parsed.clauses_named("collapse")]
    kinds += [f"reduction {c.modifier}" for c in parsed.clauses_named("reduction")]
    if "[:" in pragma:
        kinds.append("array reduction")
    if "/* argmin:" in pragma or "/* argmax:" in pragma:
        kinds.append("location reduction")
    if parsed.clauses_named("lastprivate"):
        kinds.append("lastprivate")
    if proof == "runtime-check":
        kinds.append("runtime check")
    elif parsed.clauses_named("if"):
        kinds.append("work threshold")
    return kinds


def summarize(lines: Iterable[dict]) -> dict:
    lines = list(lines)
    summary: dict = {"programs": {}, "loops": 0, "loops_parallelized": 0, "by_kind": {}, "classes": {},
                     "bad_cases": []}
    programs: Counter = Counter()
    classes: dict[str, Counter] = {}
    kinds: Counter = Counter()
    for line in lines:
        programs[line["generator"]] += 1
        classes.setdefault(line["generator"], Counter())[line["kind"]] += 1
        summary["loops"] += line.get("loops", 0)
        summary["loops_parallelized"] += len(line.get("parallel", []))
        for entry in line.get("parallel", []):
            kinds.update(pragma_kinds(entry["pragma"], entry.get("proof")))
        kinds["versioned (serial copy)"] += line.get("versioned", 0)
        kinds["shared region"] += line.get("shared_regions", 0)
        kinds["specialized copy"] += line.get("specialized", 0)
        kinds["atomic update (statement)"] += line.get("atomic_updates", 0)
        kinds["offloaded (target region)"] += line.get("offloaded", 0)
        kinds["restructured nest (--optimize)"] += line.get("restructured", 0)
        if line["kind"] not in (OK, INVALID):
            first = next((p for p in line.get("problems", []) if p["kind"] == line["kind"]), {})
            summary["bad_cases"].append({"case": f"{line['generator']}-{line['seed']}", "kind": line["kind"],
                                         "detail": (first.get("detail") or "").splitlines()[0][:200] if first else "",
                                         "culprits": [c["pragma"] for r in line.get("culprits", [])
                                                      for c in r["culprits"]]})
    summary["programs"] = dict(programs)
    summary["programs"]["total"] = sum(programs.values())
    summary["by_kind"] = dict(sorted(kinds.items()))
    summary["classes"] = {gen: dict(counter) for gen, counter in classes.items()}
    return summary


def summary_table(summary: dict) -> str:
    out = []
    gens = [g for g in GENERATORS if g in summary["classes"]]
    out.append("programs: " + ", ".join(f"{g} {summary['programs'].get(g, 0)}" for g in gens)
               + f" (total {summary['programs'].get('total', 0)})")
    out.append(f"loops: {summary['loops']}, parallelized: {summary['loops_parallelized']}")
    for kind, count in summary["by_kind"].items():
        out.append(f"  {kind:<22} {count:>6}")
    out.append("outcome".ljust(26) + "".join(g.rjust(9) for g in gens))
    for kind in [OK, *CLASSES, INVALID]:
        out.append(f"  {kind:<24}" + "".join(str(summary["classes"][g].get(kind, 0)).rjust(9) for g in gens))
    for case in summary["bad_cases"]:
        culprits = "; ".join(dict.fromkeys(case["culprits"])) or case.get("detail", "")
        out.append(f"  bad: {case['case']} {case['kind']}: {culprits}")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------- campaign

def run_campaign(tasks: list[Task], out_dir: Optional[str], jobs: int = 2, races: bool = True,
                 culprits: bool = True, progress: Optional[Callable[[dict], None]] = None) -> dict:
    """Check every task over `jobs` processes; write `summary.json` to `out_dir` when given."""
    lines: list[dict] = []
    if out_dir:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        log = Path(out_dir, "results.jsonl").open("w")  # one line per program as it finishes
        given = progress

        def progress(line: dict) -> None:
            log.write(json.dumps(line) + "\n")
            log.flush()
            if given:
                given(line)
    if jobs <= 1:
        for task in tasks:
            lines.append(check_task(task, out_dir, races, culprits))
            if progress:
                progress(lines[-1])
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(check_task, task, out_dir, races, culprits): task for task in tasks}
            for future in as_completed(futures):
                task = futures[future]
                try:
                    lines.append(future.result())
                except Exception as error:  # a checker bug must not end the campaign
                    lines.append({"generator": task.generator, "seed": task.seed, "kind": "analysis-crash",
                                  "problems": [{"kind": "analysis-crash", "detail": f"fuzzer error: {error!r}"}],
                                  "loops": 0, "parallel": []})
                if progress:
                    progress(lines[-1])
    lines.sort(key=lambda l: (GENERATORS.index(l["generator"]), l["seed"]))
    summary = summarize(lines)
    if out_dir:
        Path(out_dir, "summary.json").write_text(json.dumps({**summary, "results": lines}, indent=1) + "\n")
        Path(out_dir, "summary.txt").write_text(summary_table(summary) + "\n")
    return summary
