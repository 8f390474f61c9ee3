"""The specialist model (training/): the corpus generator, the labels `autopar tune` measures, the
examples made from them, and the shipped adapter as a registry model that llama.cpp loads."""

from __future__ import annotations

import hashlib
import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import pytest

from autopar.decision.models import resolve
from autopar.decision.pipeline import load_translation_unit
from autopar.plans.candidates import analyze_regions
from autopar.tools.tune.model_order import rating_messages
from training import dataset, label, nestgen

ROOT = Path(__file__).resolve().parent.parent


def test_generated_programs_compile_and_only_the_kernel_has_plans(tmp_path):
    shapes = set()
    for seed in range(1, 25):
        text = nestgen.program(seed)
        assert text == nestgen.program(seed)  # the labels are keyed by seed: the text must not vary
        source = tmp_path / f"nest_{seed}.c"
        source.write_text(text)
        built = subprocess.run(["gcc", "-O2", "-fopenmp", "-w", "-fsyntax-only", str(source)],
                               capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        tu = load_translation_unit(str(source), [])
        planned = [n for n in analyze_regions(tu) if n.candidates]
        assert [tu.loop(n.root_loop_id).function for n in planned if tu.loop(n.root_loop_id).function != "main"] \
            == ["kernel"], seed
        # main's loop of REPS calls, whose every call writes all of the static output anew, may run
        # in parallel with a copy of it left in place (`lastprivate`): the labels measure the kernel only
        for nest in planned:
            if tu.loop(nest.root_loop_id).function == "main":
                assert tu.loop(nest.root_loop_id).canonical.induction_variable == "r", seed
                assert all(c.plan.lastprivate for c in nest.candidates if c.plan.directive.value != "simd"), seed
        shapes.add(text.split("static void kernel", 1)[1].split("}", 1)[0].count("for ("))
    assert shapes >= {2, 3}  # two- and three-deep nests both occur


def test_ratings_follow_the_measured_times():
    assert dataset.rating(1.00, best=1.00, serial=2.0) == 5
    assert dataset.rating(1.04, best=1.00, serial=2.0) == 5
    assert dataset.rating(1.20, best=1.00, serial=2.0) == 4
    assert dataset.rating(1.80, best=1.00, serial=2.0) == 3
    assert dataset.rating(2.10, best=1.00, serial=2.0) == 2
    assert dataset.rating(3.00, best=1.00, serial=2.0) == 1
    assert dataset.rating(math.inf, best=1.00, serial=2.0) == 1
    region = {"measurements": [{"option": "serial", "status": "ok", "median_s": 2.0},
                               {"option": "c0", "status": "too-slow"},
                               {"option": "c1", "status": "wrong-output"},
                               {"option": "c2", "status": "not-applied"},
                               {"option": "c3", "status": "build-failed"}]}
    # not built (a machine's GPU compiler) or wrong says nothing of speed: no label
    assert dataset.measured_seconds(region) == {"serial": 2.0, "c0": math.inf}


def test_twins_fall_on_the_same_side_of_the_split():
    def chat(code: str) -> list[dict[str, str]]:
        return [{"role": "system", "content": "s"}, {"role": "user", "content": code}]

    base = "for (int i = 0; i < NI; i++)\n    c[i] = {} * a[i];\nTrip counts: i {}"
    for size in (64, 128, 256, 512, 1024):
        sides = {dataset.held_out(chat(base.format(coef, size))) for coef in ("0.25", "0.5", "0.75")}
        assert len(sides) == 1
    held = [dataset.held_out(chat(base.format("0.5", size))) for size in range(1, 2001)]
    assert 0.15 < sum(held) / len(held) < 0.25


@pytest.mark.slow
def test_a_program_labelled_by_autopar_tune_becomes_examples(tmp_path):
    seed = 5
    source = tmp_path / f"nest_{seed}.c"
    source.write_text(nestgen.program(seed))
    assert label.label(source, budget_minutes=1.0, autopar=str(Path(sys.executable).parent / "autopar"))
    measurements = tmp_path / "measurements.jsonl"
    assert label.gather(tmp_path, range(seed, seed + 1), measurements) == 1
    record = dataset.read_measurements(measurements)[0]
    again = tmp_path / "again"
    again.mkdir()
    examples = dataset.program_examples(record, again)
    assert examples and len({e.held_out for e in examples}) == 1  # a nest is on one side of the split
    # the prompts are the ones the tuner's model order asks
    tu = load_translation_unit(str(again / source.name), [])
    nest = next(n for n in analyze_regions(tu) if n.candidates)
    asked = dict(rating_messages(tu, nest))
    assert all(asked[e.option] == e.messages for e in examples)
    by_time = sorted(examples, key=lambda e: e.seconds)
    assert by_time[0].rating == 5 and all(a.rating >= b.rating for a, b in zip(by_time, by_time[1:]))
    # a generator that changed since the labels were measured is refused, not silently mislabelled
    with pytest.raises(ValueError, match="label again"):
        dataset.program_source({**record, "sha256": "0" * 64}, tmp_path)


def test_the_committed_labels_match_the_generator():
    records = dataset.read_measurements(ROOT / "training" / "data" / "measurements.jsonl")
    assert len(records) >= 250
    # the generator still makes every measured program (else the labels would name other code)
    for record in records:
        assert hashlib.sha256(nestgen.program(record["seed"]).encode()).hexdigest() == record["sha256"]


def test_the_specialist_is_a_registry_model_with_a_shipped_adapter():
    model = resolve("smollm2-135m-autopar")
    assert model.lora_path and Path(model.lora_path).is_file()
    assert Path(model.lora_path).read_bytes()[:4] == b"GGUF"
    base = resolve("smollm2-135m")
    if base.available:
        assert model.path == base.path  # the same base file, with the adapter over it


@pytest.mark.slow
def test_llama_cpp_loads_the_adapter_and_it_changes_the_ratings():
    if importlib.util.find_spec("llama_cpp") is None or not resolve("smollm2-135m").available:
        pytest.skip("the llm extra is not installed")
    from autopar.decision.reasoner import make_backend

    tu = load_translation_unit(str(ROOT / "benchmarks" / "examples" / "matmul.c"), [])
    nest = next(n for n in analyze_regions(tu) if len(n.candidates) >= 2)
    option, messages = rating_messages(tu, nest)[0]
    base, specialist = make_backend("smollm2-135m"), make_backend("smollm2-135m-autopar")
    assert base.identity() != specialist.identity()  # answers cached for one are not the other's
    ratings = [b.distribution(messages, '{"score": "', list("12345")) for b in (base, specialist)]
    assert all(abs(sum(r) - 1) < 1e-6 for r in ratings)
    assert max(abs(a - b) for a, b in zip(*ratings)) > 0.01
    assert main_models_check("smollm2-135m-autopar") == 0


def main_models_check(name: str) -> int:
    from autopar.cli.main import main

    return main(["models", "check", name])
