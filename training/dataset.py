"""From measurements to training examples: each option of each labelled nest becomes one example,
the chat that asks for the option's rating (the very prompt `autopar tune --order model` and
`llm_eval --ranking` ask) and the rating its measured time earns.

Ratings, from the option's median time t against the nest's best time and its serial time:
5 within 5% of the best; 4 within 25% of the best; 3 faster than serial; 2 within 10% of serial;
1 slower or cut off. An option that did not build says nothing of its speed (gcc's GPU compiler
fails on some machines) and is left out, as is one whose output changed (a bug to report).

The split is by nest, and keeps twins together: programs that differ only in a coefficient, or in
float against double, show the model the same prompt, so the held-out set is a fifth of the nests'
prompts with their coefficients blanked (by hash), never trained on in any form.

The programs are made again from their seeds (training/nestgen.py) and must match the text that was
measured (its sha256 is in the measurements file).

    python training/dataset.py   # training/data/measurements.jsonl -> train.jsonl, heldout.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import tempfile
from pathlib import Path

from pydantic import BaseModel

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

HELD_OUT_EVERY = 5
DATA = HERE / "data"


class Example(BaseModel):
    program: str
    nest: str
    option: str
    messages: list[dict[str, str]]
    rating: int
    seconds: float  # inf: not measured to the end (too slow, failed build)
    held_out: bool


def rating(seconds: float, best: float, serial: float) -> int:
    if not math.isfinite(seconds):
        return 1
    if seconds <= best * 1.05:
        return 5
    if seconds <= best * 1.25:
        return 4
    if seconds <= serial * 0.95:
        return 3
    if seconds <= serial * 1.10:
        return 2
    return 1


def measured_seconds(region: dict) -> dict[str, float]:
    """Option -> median seconds (inf when it was built but not timed to the end or not built at all);
    options the tuner did not try (not applied, out of budget) are left out."""
    out = {}
    for m in region.get("measurements", []):
        if m.get("status") == "ok" and "median_s" in m:
            out[m["option"]] = m["median_s"]
        elif m.get("status") in ("too-slow", "run-failed", "timeout"):
            out[m["option"]] = math.inf
        # not built, a wrong output or a race says nothing of speed (the last two are bugs to report)
    return out


def measured_nests(nests: list, regions: list[dict]) -> list[tuple]:
    """(nest, option -> seconds) for each measured region (a decisions file's) whose nest is among
    `nests`, with serial timed and at least one other option measured."""
    from autopar.decision.decisions import position

    by_position = {position(n.root_loop_id): n for n in nests}
    out = []
    for region in regions:
        nest, seconds = by_position.get(region["root"]), measured_seconds(region)
        if nest is not None and math.isfinite(seconds.get("serial", math.inf)) and len(seconds) >= 2:
            out.append((nest, seconds))
    return out


def held_out(messages: list[dict[str, str]]) -> bool:
    """Whether a nest is held out, from its prompt (the chat's first user message) with the
    coefficients blanked: twins fall on the same side."""
    key = re.sub(r"\b\d+\.\d+\b", "C", messages[1]["content"])
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % HELD_OUT_EVERY == 0


def program_source(record: dict, folder: Path) -> Path:
    """The measured program, written again from its seed; ValueError when the generator has changed."""
    from training.nestgen import program

    text = program(record["seed"])
    if hashlib.sha256(text.encode()).hexdigest() != record["sha256"]:
        raise ValueError(f"nest_{record['seed']}.c: training/nestgen.py no longer makes the program that was "
                         f"measured; label again (training/label.py)")
    source = folder / f"nest_{record['seed']}.c"
    source.write_text(text)
    return source


def program_examples(record: dict, folder: Path) -> list[Example]:
    from autopar.decision.decisions import position
    from autopar.decision.pipeline import load_translation_unit
    from autopar.plans.candidates import analyze_regions
    from autopar.tools.tune.model_order import rating_messages

    source = program_source(record, folder)
    tu = load_translation_unit(str(source), [])
    out = []
    for nest, seconds in measured_nests(analyze_regions(tu), record["regions"]):
        best = min(seconds.values())
        asked = rating_messages(tu, nest)
        for option, messages in asked:
            if option in seconds:
                out.append(Example(program=source.name, nest=position(nest.root_loop_id), option=option,
                                   messages=messages,
                                   rating=rating(seconds[option], best, seconds["serial"]),
                                   seconds=seconds[option], held_out=held_out(asked[0][1])))
    return out


def read_measurements(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measurements", default=str(DATA / "measurements.jsonl"))
    parser.add_argument("-o", "--out", default=str(DATA))
    args = parser.parse_args(argv)
    examples = []
    with tempfile.TemporaryDirectory(prefix="autopar-dataset-") as folder:
        for record in read_measurements(Path(args.measurements)):
            examples += program_examples(record, Path(folder))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, held in (("train", False), ("heldout", True)):
        chosen = [e for e in examples if e.held_out == held]
        with open(out / f"{name}.jsonl", "w") as f:
            for e in chosen:
                f.write(e.model_dump_json() + "\n")
        counts = {r: sum(e.rating == r for e in chosen) for r in range(1, 6)}
        print(f"{name}: {len(chosen)} examples from {len({(e.program, e.nest) for e in chosen})} nests, "
              f"ratings {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
