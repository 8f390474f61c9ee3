"""How good is the LLM reasoner? For each model and strategy, on the kernel suite, the bundled example
and the loop catalogue (every loop nest that has at least one legal candidate):

- how often the model's choice equals the analyzer's default, and the measured-fastest candidate
  (--measure-fastest: each kernel nest is rewritten with each of its best candidates, compiled and
  timed with 2 threads; a choice within TIE of the fastest counts as fastest);
- how often it proposed something illegal that was caught (with the grammar's closed enum this can
  only come from the dependence re-check or a verifier; the `+decoys` rows also offer, unmarked, the
  plans the analysis rejected, to see how often a model would choose one if it could);
- the rounds it needed and how often it fell back to the analyzer;
- latency per nest (p50, p95) and per file (p50), uncached, with the model's load time apart;
- with --ranking, the model as the tuner's guide: on nests whose options were measured (by
  --measure-fastest, --fastest-from, or `autopar tune` decisions files given with --tuned), how many
  measurements the tuner needs, in each order, before it has measured an option within 5% of the
  best: the model's order (its expected 1-5 rating of each option, from next-token probabilities),
  the analyzer's cost-model order, and a random order (the exact expectation). Serial comes first
  in every order when it was measured (the tuner always measures it: it is the reference).

    .venv/bin/python benchmarks/llm_eval.py --models smollm2-135m --strategies all --measure-fastest
    .venv/bin/python benchmarks/llm_eval.py --files benchmarks/examples/matmul.c --strategies zero_shot
    .venv/bin/python benchmarks/llm_eval.py --files benchmarks/kernels/maxpool.c --strategies none \
        --ranking --tuned maxpool-decisions.json

Prints a Markdown table (the README's) and writes every per-nest record as JSON (--out).
"""

from __future__ import annotations

import argparse
import glob
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autopar.plans.candidates import analyze_regions  # noqa: E402
from autopar.ir import TranslationUnit  # noqa: E402
from autopar.decision.pipeline import default_decision, load_translation_unit  # noqa: E402
from autopar.plans.plan import Decision, NestAnalysis  # noqa: E402

TIE = 1.05  # within 5% of the fastest median counts as fastest: the machine is shared and noisy
MATTERS = 1.10  # only nests whose candidates differ by more than 10% count for "= fastest"
MAX_TIMED = 4  # candidates timed per nest: the analyzer's default, then the cost model's next best


class Item(BaseModel):
    model_config = {"arbitrary_types_allowed": True}

    path: str
    flags: list[str] = Field(default_factory=list)
    kernel: Optional[str] = None  # the suite's kernel name, for timing
    tu: TranslationUnit
    nests: list[NestAnalysis]  # every nest of the file (those without candidates are never asked)


class NestRecord(BaseModel):
    file: str
    nest: str
    candidates: int
    default: Optional[str]
    fastest: list[str] = Field(default_factory=list)  # candidates within TIE of the best; [] untimed or ties
    choice: Optional[str] = None  # candidate id, or None for serial
    decided_by: str = ""
    rounds: int = 0
    illegal_caught: int = 0  # proposals rejected by the legality re-check or the verifier
    invalid_answers: int = 0  # answers that did not fit the schema
    rejections: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    model_calls: int = 0
    error: Optional[str] = None


# ------------------------------------------------------------------------------------------- corpus

def corpus(files: Optional[list[str]]) -> list[Item]:
    from autopar.tools.bench import load_suite

    suite = {Path(k.source).resolve(): k for k in load_suite().kernels}
    if not files:
        files = [k.source for k in suite.values()]
        files += [str(ROOT / "benchmarks" / "examples" / "matmul.c")]
        files += sorted(glob.glob(str(ROOT / "tests" / "catalogue" / "*.c")))
    items = []
    for path in files:
        kernel = suite.get(Path(path).resolve())
        flags = kernel.defines("small") if kernel else []
        tu = load_translation_unit(path, flags)
        nests = analyze_regions(tu)
        items.append(Item(path=path, flags=flags, kernel=kernel.name if kernel else None, tu=tu, nests=nests))
    return items


# ------------------------------------------------------------------------------------------ fastest

class Timed(BaseModel):
    fastest: list[str]  # every candidate within TIE of the best
    matters: bool  # the slowest is more than MATTERS times the best: the choice makes a difference
    seconds: dict[str, float]  # median program time per candidate (inf: cut off, over 3x the default)


def measure_fastest(items: list[Item], size: str, threads: int, repeat: int) -> dict[tuple[str, str], Timed]:
    """(file, nest) → timings of its best candidates, for kernel nests with 2+ candidates."""
    from autopar.tools.bench import load_suite
    from autopar.edit.edits import apply_edits
    from autopar.edit.rewrite import plan_rewrite
    from autopar.tools.verify import compile_source, time_runs

    suite = load_suite()
    kernels = {k.name: k for k in suite.kernels}
    fastest: dict[tuple[str, str], Timed] = {}
    with tempfile.TemporaryDirectory(prefix="autopar-llm-eval-") as scratch:
        for item in items:
            if item.kernel is None:
                continue
            kernel = kernels[item.kernel]
            original = Path(item.path).read_bytes()
            defaults = [default_decision(n) for n in item.nests]
            for index, nest in enumerate(item.nests):
                if len(nest.candidates) < 2:
                    continue
                timed = sorted(nest.candidates, key=lambda c: (c.id != nest.default_candidate_id,
                                                               c.estimated_cost))[:MAX_TIMED]
                medians: dict[str, float] = {}
                limit = None
                for cand in timed:  # the default first: it sets the time limit of the others
                    decisions = list(defaults)
                    decisions[index] = Decision(root_loop_id=nest.root_loop_id, plan=cand.plan,
                                                candidate_id=cand.id)
                    source = Path(scratch) / f"{item.kernel}_{index}_{cand.id}.c"
                    source.write_bytes(apply_edits(original, plan_rewrite(original, item.tu, decisions).edits))
                    built = compile_source(str(source), str(source.with_suffix(".exe")), "gcc",
                                           [*suite.compiler_flags, *kernel.defines(size)],
                                           link_flags=suite.link_flags)
                    if not built.ok:
                        continue
                    timing, _ = time_runs(built.executable, threads=threads, repeat=repeat, warmup=0,
                                          timeout=limit or 120.0)
                    # a candidate more than 3x slower than the default is cut off: it is not the fastest
                    medians[cand.id] = timing.median_s if timing is not None else float("inf")
                    if limit is None and timing is not None:
                        limit = max(2.0, 3 * timing.median_s)
                finite = [s for s in medians.values() if s != float("inf")]
                if finite:
                    best = min(finite)
                    record = Timed(fastest=sorted(c for c, s in medians.items() if s <= best * TIE),
                                   matters=max(medians.values()) > best * MATTERS, seconds=medians)
                    fastest[(item.path, nest.root_loop_id)] = record
                    print(f"  timed {Path(item.path).name} {nest.root_loop_id.split(':', 1)[-1]}: "
                          + ", ".join(f"{c}={s:.3f}s" for c, s in medians.items()), file=sys.stderr)
    return fastest


# ----------------------------------------------------------------------------------------- evaluate

def evaluate(model: str, strategy: str, items: list[Item], fastest: dict, offer_illegal: bool,
             time_budget: float) -> tuple[list[NestRecord], float]:
    from autopar.decision.reasoner import LLMReasoner, ReasonerConfig, make_backend
    from autopar.decision.reasoner.cache import AnswerCache

    backend = make_backend(model)
    load = 0.0
    if hasattr(backend, "load"):
        started = time.perf_counter()
        backend.load()  # start the model process once, timed apart from the answers
        load = time.perf_counter() - started
    reasoner = LLMReasoner(backend, ReasonerConfig(strategy=strategy, offer_illegal=offer_illegal,
                                                   time_budget=time_budget, use_cache=False),
                           cache=AnswerCache(enabled=False))
    records = []
    for item in items:
        for nest in item.nests:
            if not nest.candidates:
                continue
            decision = reasoner(item.tu, nest)
            trace = reasoner.traces[-1]
            records.append(NestRecord(
                file=item.path, nest=nest.root_loop_id, candidates=len(nest.candidates),
                default=nest.default_candidate_id, fastest=_fastest(fastest, item.path, nest.root_loop_id),
                choice=decision.candidate_id, decided_by=decision.decided_by, rounds=decision.rounds,
                illegal_caught=len(trace.rejections), invalid_answers=trace.invalid_answers,
                rejections=trace.rejections, seconds=trace.seconds, model_calls=trace.model_calls,
                error=trace.error))
    return records, load


def _fastest(fastest: dict, path: str, nest_id: str) -> list[str]:
    timed = fastest.get((path, nest_id))
    return timed.fastest if timed is not None and timed.matters else []


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary_row(model: str, strategy: str, records: list[NestRecord], load: float) -> dict:
    n = len(records)
    timed = [r for r in records if r.fastest]
    per_file: dict[str, float] = {}
    for r in records:
        per_file[r.file] = per_file.get(r.file, 0.0) + r.seconds
    share = lambda k, d: f"{k}/{d} ({100 * k / d:.0f}%)" if d else "-"  # noqa: E731
    return {
        "model": model, "strategy": strategy, "nests": n,
        "model = analyzer default": share(sum(r.choice == r.default for r in records), n),
        "model = fastest": share(sum(r.choice in r.fastest for r in timed), len(timed)),
        "analyzer = fastest": share(sum(r.default in r.fastest for r in timed), len(timed)),
        "kept serial": share(sum(r.choice is None and r.decided_by == "model" for r in records), n),
        "illegal proposals caught": share(sum(r.illegal_caught > 0 for r in records), n),
        "unparsable answers": share(sum(r.invalid_answers > 0 for r in records), n),
        "fallbacks": share(sum(r.decided_by == "fallback" for r in records), n),
        "mean rounds": f"{statistics.mean([r.rounds for r in records]):.2f}" if records else "-",
        "p50 s/nest": f"{percentile([r.seconds for r in records], 0.5):.2f}",
        "p95 s/nest": f"{percentile([r.seconds for r in records], 0.95):.2f}",
        "p50 s/file": f"{percentile(list(per_file.values()), 0.5):.2f}",
        "load s": f"{load:.2f}",
    }


# ------------------------------------------------------------------------- the model as the tuner's guide

class Measured(BaseModel):
    """One nest's measured options: option id -> median seconds (inf: measured, but failed or cut off)."""

    file: str
    nest: str
    seconds: dict[str, float]


def measured_from(fastest: dict, tuned_files: list[str], items: list[Item]) -> list[Measured]:
    """Measured nests: from --measure-fastest/--fastest-from timings, and from `autopar tune` files."""
    import hashlib

    from autopar.decision.decisions import load, position

    out = [Measured(file=f, nest=n, seconds=t.seconds) for (f, n), t in fastest.items()]
    by_hash = {hashlib.sha256(Path(i.path).read_bytes()).hexdigest(): i for i in items}
    for path in tuned_files:
        for entry in load(path)["files"]:
            item = by_hash.get(entry.get("sha256"))
            if item is None:
                continue
            for region in entry.get("regions", []):
                nest = next((n for n in item.nests if position(n.root_loop_id) == region["root"]), None)
                if nest is None:
                    continue
                seconds = {m["option"]: (m["median_s"] if m.get("status") == "ok" and "median_s" in m
                                         else float("inf"))
                           for m in region.get("measurements", []) if m.get("status") != "not-applied"}
                if any(v != float("inf") for v in seconds.values()):
                    out.append(Measured(file=item.path, nest=nest.root_loop_id, seconds=seconds))
    return out


def measurements_needed(order: list[str], seconds: dict[str, float], tie: float = TIE) -> int:
    """How many options, measured in `order`, until one within `tie` of the best has been measured."""
    best = min(seconds.values())
    for count, option in enumerate(order, 1):
        if seconds.get(option, float("inf")) <= best * tie:
            return count
    return len(order)


def expected_random(seconds: dict[str, float], fixed_first: bool, tie: float = TIE) -> float:
    """The expected count under a uniformly random order (serial first when `fixed_first`)."""
    best = min(seconds.values())
    rest = [o for o in seconds if not (fixed_first and o == "serial")]
    if fixed_first and seconds["serial"] <= best * tie:
        return 1.0
    good = sum(seconds[o] <= best * tie for o in rest)
    n = len(rest)
    return (1.0 if fixed_first else 0.0) + (n + 1) / (good + 1)


def first_pick_random(seconds: dict[str, float], tie: float = TIE) -> float:
    """The chance that a random order's first option after serial (or serial itself) is within `tie`."""
    best = min(seconds.values())
    if "serial" in seconds and seconds["serial"] <= best * tie:
        return 1.0
    rest = [o for o in seconds if o != "serial"]
    return sum(seconds[o] <= best * tie for o in rest) / len(rest)


def ranking_rows(items: list[Item], measured: list[Measured], models: list[str]) -> list[dict]:
    """One row per ordering: mean measurements to within 5% of the best, and how often it is reached
    with the first candidate measured (after serial, which the tuner always measures)."""
    from autopar.decision.reasoner import LLMReasoner, ReasonerConfig, make_backend
    from autopar.decision.reasoner.cache import AnswerCache
    from autopar.tools.tune import model_scores

    nests = {(i.path, n.root_loop_id): (i, n) for i in items for n in i.nests}
    cases = [(m, *nests[(m.file, m.nest)]) for m in measured if (m.file, m.nest) in nests]
    orders: dict[str, list[tuple[list[str], dict]]] = {"cost model": [], "random": []}
    random_expected, random_first = [], []
    for m, item, nest in cases:
        fixed = ["serial"] if "serial" in m.seconds else []
        costs = {c.id: c.estimated_cost for c in nest.candidates}
        rest = sorted((o for o in m.seconds if o != "serial"), key=lambda o: (costs.get(o, float("inf")), o))
        orders["cost model"].append((fixed + rest, m.seconds))
        random_expected.append(expected_random(m.seconds, bool(fixed)))
        random_first.append(first_pick_random(m.seconds))
    for model in models:
        reasoner = LLMReasoner(make_backend(model), ReasonerConfig(strategy="tree_of_thoughts", use_cache=False),
                               cache=AnswerCache(enabled=False))
        rows = []
        scored = 0
        for m, item, nest in cases:
            fixed = ["serial"] if "serial" in m.seconds else []
            scores = model_scores(reasoner, item.tu, nest)
            scored += bool(scores)
            costs = {c.id: c.estimated_cost for c in nest.candidates}
            rest = sorted((o for o in m.seconds if o != "serial"),
                          key=lambda o: (-scores.get(o, 0.0), costs.get(o, float("inf")), o))
            rows.append((fixed + rest, m.seconds))
        if scored < len(cases):  # a model that could not score a nest would show the cost model's order
            print(f"{model}: scored {scored} of {len(cases)} nests; not reported", file=sys.stderr)
            continue
        orders[f"model {model} (probability ranking)"] = rows
    out = []
    for name, cases_of in orders.items():
        if name == "random":
            counts, first = random_expected, random_first
        else:
            counts = [measurements_needed(order, seconds) for order, seconds in cases_of]
            first = [float(count <= (2 if "serial" in seconds else 1))
                     for count, (_, seconds) in zip(counts, cases_of)]
        options = [len(seconds) for _, seconds in orders["cost model"]]
        out.append({"ordering": name, "nests": len(counts),
                    "mean measurements to within 5%": f"{statistics.mean(counts):.2f}" if counts else "-",
                    "worst": f"{max(counts):.1f}" if counts else "-",
                    "first pick within 5%": f"{100 * statistics.mean(first):.0f}%" if first else "-",
                    "options per nest (mean)": f"{statistics.mean(options):.2f}" if options else "-"})
    return out


def markdown(rows: list[dict]) -> str:
    if not rows:
        return ""
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[h]) for h in header) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    from autopar.decision.reasoner import STRATEGIES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["smollm2-135m"])
    parser.add_argument("--strategies", nargs="+", default=["all"], help=f"all, none, or some of {sorted(STRATEGIES)}")
    parser.add_argument("--decoys", nargs="*", default=["zero_shot"],
                        help="strategies also run with the rejected plans offered (default: zero_shot)")
    parser.add_argument("--files", nargs="*", help="C files (default: kernels, example, catalogue)")
    parser.add_argument("--measure-fastest", action="store_true", help="time the candidates of kernel nests")
    parser.add_argument("--fastest-from", metavar="JSON", help="reuse the timings of an earlier --out file")
    parser.add_argument("--size", default="medium", help="kernel size for timing (kernels.yaml)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--time-budget", type=float, default=30.0, help="seconds per model call")
    parser.add_argument("--out", default="llm_eval.json", help="per-nest records and the summary")
    parser.add_argument("--ranking", action="store_true",
                        help="also report measurements needed to reach within 5%% of the best, per ordering")
    parser.add_argument("--tuned", nargs="*", default=[], metavar="DECISIONS.json",
                        help="`autopar tune` decisions files: their measured nests join the ranking")
    args = parser.parse_args(argv)
    strategies = sorted(STRATEGIES) if args.strategies == ["all"] else (
        [] if args.strategies == ["none"] else args.strategies)
    if not strategies:
        args.decoys = []

    items = corpus(args.files)
    asked = sum(1 for item in items for n in item.nests if n.candidates)
    print(f"{len(items)} files, {asked} nests with at least one legal candidate", file=sys.stderr)
    fastest = measure_fastest(items, args.size, args.threads, args.repeat) if args.measure_fastest else {}
    if args.fastest_from:
        earlier = json.loads(Path(args.fastest_from).read_text())["fastest"]
        fastest.update({tuple(key.split("|", 1)): Timed(**value) for key, value in earlier.items()})

    rows, everything = [], {}
    runs = [(m, s, False) for m in args.models for s in strategies]
    runs += [(m, s, True) for m in args.models for s in (args.decoys or []) if s in STRATEGIES]
    for model, strategy, decoys in runs:
        label = strategy + (" +decoys" if decoys else "")
        started = time.perf_counter()
        records, load = evaluate(model, strategy, items, fastest, decoys, args.time_budget)
        rows.append(summary_row(model, label, records, load))
        everything[f"{model}/{label}"] = [r.model_dump() for r in records]
        print(f"{model} {label}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    Path(args.out).write_text(json.dumps({"summary": rows, "nests": everything,
                                          "fastest": {f"{f}|{n}": t.model_dump() for (f, n), t in fastest.items()}},
                                         indent=1))
    print(markdown(rows))
    if args.ranking:
        measured = measured_from(fastest, args.tuned, items)
        ranking = ranking_rows(items, measured, args.models)
        document = json.loads(Path(args.out).read_text())
        document["ranking"] = ranking
        Path(args.out).write_text(json.dumps(document, indent=1))
        print()
        print(markdown(ranking))
    return 0


if __name__ == "__main__":
    sys.exit(main())
