"""The specialist against the base model, the cost model and a random order, on nests it never
trained on: how many measurements `autopar tune` needs, in each order, before it has measured an
option within 5% of the best (benchmarks/llm_eval.py's ranking; serial is measured first in every
order, as the tuner does).

Two sets of nests: the held-out nests of the corpus (training/dataset.py says which), and with --kernels the
kernel suite's programs, tuned here at their medium size (`autopar tune`, 2 threads), which are
unlike the generated ones.

    python training/evaluate.py --models smollm2-135m smollm2-135m-autopar
    python training/evaluate.py --kernels maxpool,matmul,jacobi --tuned-dir kernel-tunes/
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import llm_eval  # noqa: E402
from training.dataset import DATA, held_out, measured_nests, program_source, read_measurements  # noqa: E402


def held_out_cases(records: list[dict], folder: Path) -> tuple[list, list]:
    """(llm_eval items, their measured held-out nests) for the corpus's programs."""
    from autopar.tools.tune.model_order import rating_messages

    items = llm_eval.corpus([str(program_source(r, folder)) for r in records])
    measured = [llm_eval.Measured(file=item.path, nest=nest.root_loop_id, seconds=seconds)
                for record, item in zip(records, items)
                for nest, seconds in measured_nests(item.nests, record["regions"])
                if held_out(rating_messages(item.tu, nest)[0][1])]
    return items, measured


def kernel_cases(names: list[str], folder: Path, threads: int, budget_minutes: float) -> tuple[list, list]:
    """(llm_eval items, their measured nests) for suite kernels, each tuned at its medium size in
    `folder` (a kernel whose decisions file is already there is not tuned again)."""
    from autopar.decision.pipeline import load_translation_unit
    from autopar.plans.candidates import analyze_regions
    from autopar.tools.bench import load_suite
    from training.label import tune

    suite = {k.name: k for k in load_suite().kernels}
    items, measured = [], []
    for name in names:
        kernel = suite[name]
        flags = kernel.defines("medium")
        work = folder / name
        work.mkdir(parents=True, exist_ok=True)
        source = work / Path(kernel.source).name
        shutil.copy(kernel.source, source)
        shutil.copy(Path(kernel.source).parent / "harness.h", work / "harness.h")
        decisions = work / "decisions.json"
        if not decisions.exists():
            build = " ".join(["gcc", "-O3", "-fopenmp", *flags, "-o", source.stem, source.name, "-lm"])
            tune(source, build, decisions, budget_minutes, tuple(flags), threads)
        if not decisions.exists():
            print(f"{name}: not tuned", file=sys.stderr)
            continue
        tu = load_translation_unit(str(source), flags)
        item = llm_eval.Item(path=str(source), flags=flags, kernel=name, tu=tu, nests=analyze_regions(tu))
        items.append(item)
        regions = [r for entry in json.loads(decisions.read_text())["files"] for r in entry.get("regions", [])]
        measured += [llm_eval.Measured(file=item.path, nest=nest.root_loop_id, seconds=seconds)
                     for nest, seconds in measured_nests(item.nests, regions)]
    return items, measured


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measurements", default=str(DATA / "measurements.jsonl"))
    parser.add_argument("--models", nargs="+", default=["smollm2-135m", "smollm2-135m-autopar"])
    parser.add_argument("--kernels", help="comma-separated suite kernels instead of the held-out programs")
    parser.add_argument("--tuned-dir", default=".autopar-cache/specialist-kernels",
                        help="where the kernels are tuned (kept: a second run reuses the measurements)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--budget", type=float, default=4.0, help="minutes of `autopar tune` per kernel")
    parser.add_argument("--out", help="write the rows as JSON here too")
    args = parser.parse_args(argv)
    if args.kernels:
        items, measured = kernel_cases(args.kernels.split(","), Path(args.tuned_dir), args.threads, args.budget)
        rows = llm_eval.ranking_rows(items, measured, args.models)
    else:
        with tempfile.TemporaryDirectory(prefix="autopar-evaluate-") as folder:
            items, measured = held_out_cases(read_measurements(Path(args.measurements)), Path(folder))
            rows = llm_eval.ranking_rows(items, measured, args.models)
    print(llm_eval.markdown(rows))
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
