"""autopar tune and the decisions file: real compilers, real runs, small programs."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autopar.decision import decisions as decisions_module
from autopar.cli.main import main
from autopar.plans.plan import Candidate, Plan
from autopar.tools.tune import SourceGuard, TuneConfig, Tuner, command_verifier
from autopar.tools.verify import gcc_offload_flags

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

# Line 6: an independent loop (the analyzer parallelizes it); line 8: a prefix sum (serial);
# line 11: a reduction. Sizes small enough to build and run in a fraction of a second.
PROGRAM = b"""#include <stdio.h>
#define N 200000
static double a[N], b[N];

int main(void) {
    for (int i = 0; i < N; i++)
        a[i] = (i % 17) * 0.5;
    for (int i = 1; i < N; i++)
        b[i] = b[i - 1] + a[i];
    double s = 0.0;
    for (int i = 0; i < N; i++)
        s += b[i] * 1e-9;
    printf("checksum %.17g\\n", s);
    return 0;
}
"""
# the offload flags this machine's gcc needs (with the nvptx compiler and a CUDA 12+ ptxas, a plain
# `gcc -fopenmp` cannot build a target region: autopar/tools/verify/offload.py)
BUILD = f"gcc -O1 -fopenmp {shlex.join(gcc_offload_flags())} -o prog prog.c"


@pytest.fixture
def program(tmp_path, monkeypatch):
    monkeypatch.delenv(decisions_module.ENV, raising=False)
    monkeypatch.setenv("AUTOPAR_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "prog.c").write_bytes(PROGRAM)
    return tmp_path


def _config(directory: Path, **fields) -> TuneConfig:
    values = dict(build=BUILD, run="./prog", cwd=str(directory), budget_s=120, rounds=1, threads=2,
                  output=str(directory / "decisions.json"))
    values.update(fields)
    return TuneConfig(**values)


def _serial_loop_hook(extra_on_line: int):
    """A candidates hook that offers an illegal plan (a plain parallel for) on the loop at that line."""
    def hook(tu, nest):
        candidates = list(nest.candidates)
        loop = next((l for l in tu.loops if l.line == extra_on_line), None)
        if loop is not None and loop.id == nest.root_loop_id:
            candidates.append(Candidate(id="bad", plan=Plan(loop_id=loop.id), summary="illegal parallel for"))
        return candidates
    return hook


def test_a_plan_that_changes_the_output_or_races_is_never_kept(program, monkeypatch):
    import autopar.tools.tune.measure

    monkeypatch.setattr(autopar.tools.tune.measure, "SLOW_FACTOR", 1000.0)  # on a loaded machine: judged, not cut off
    tuner = Tuner([str(program / "prog.c")], _config(program), candidates_hook=_serial_loop_hook(8))
    document = tuner.tune()
    assert (program / "prog.c").read_bytes() == PROGRAM  # restored
    region = next(r for r in tuner.regions if r.nest.root_loop_id.endswith(":8:5"))
    bad = next(o for o in region.options if o.id == "bad")
    assert bad.status in ("wrong-output", "race"), (bad.status, bad.detail)
    assert region.best.id == "serial"
    stored = decisions_module.regions_for(document, PROGRAM)
    assert stored["8:5"]["plan"] is None
    assert {m["option"]: m["status"] for m in stored["8:5"]["measurements"]}["bad"] in ("wrong-output", "race")
    # and the file on disk is the same document
    assert json.loads((program / "decisions.json").read_text())["files"] == document["files"]


def test_a_failing_check_command_rejects_every_parallel_plan(program):
    # --check sees the sources in place: it fails whenever a pragma is in them
    config = _config(program, check="! grep -q pragma prog.c")
    tuner = Tuner([str(program / "prog.c")], config)
    tuner.tune()
    assert (program / "prog.c").read_bytes() == PROGRAM
    assert tuner.regions
    for region in tuner.regions:
        assert region.best.id == "serial"
        for option in region.options[1:]:
            assert option.status in ("check-failed", "not-applied"), (option.id, option.status, option.detail)


def test_the_decisions_file_round_trips_and_rewrite_honors_it(program, capsys):
    prog = program / "prog.c"
    document = Tuner([str(prog)], _config(program)).tune()
    loaded = decisions_module.load(str(program / "decisions.json"))
    assert loaded == json.loads(json.dumps(document))
    assert loaded["version"] == decisions_module.VERSION
    stored = decisions_module.regions_for(loaded, PROGRAM)
    for region in stored.values():
        for measurement in region["measurements"]:
            if measurement["status"] == "ok":
                assert {"median_s", "spread_s", "min_s", "max_s", "runs_s"} <= set(measurement)

    # force a choice that differs from the analyzer's: keep the line-6 loop serial
    first = stored["6:5"]
    first.update(choice="serial", plan=None, speedup=1.0)
    decisions_module.save(str(program / "forced.json"), loaded)
    assert main(["rewrite", str(prog)]) == 0
    default = capsys.readouterr().out
    assert default.count("#pragma omp") >= 1
    assert "#pragma omp parallel for\n    for (int i = 0; i < N; i++)\n        a[i]" in default
    assert main(["rewrite", str(prog), "--decisions", str(program / "forced.json")]) == 0
    honored = capsys.readouterr().out
    assert "a[i] = (i % 17)" in honored
    assert "#pragma omp parallel for\n    for (int i = 0; i < N; i++)\n        a[i]" not in honored
    assert main(["analyze", str(prog), "--format", "json", "--decisions", str(program / "forced.json")]) == 0
    report = json.loads(capsys.readouterr().out)
    root = next(l for l in report["files"][0]["loops"] if l["line"] == 6)
    assert root["parallel"] is False and root["decided_by"] == "tuner"
    main(["check", str(prog), "--format", "concise"])
    assert f"prog.c:6:5" in capsys.readouterr().out  # a missed parallel loop, by the analyzer's count
    main(["check", str(prog), "--format", "concise", "--decisions", str(program / "forced.json")])
    assert "prog.c:6:5" not in capsys.readouterr().out  # measured: it stays serial


MATMUL = b"""#include <stdio.h>
#define N 120
static double A[N][N], B[N][N], C[N][N];

int main(void) {
    for (int i = 0; i < N * N; i++) {
        A[i / N][i % N] = (i * 7) % 13 * 0.25;
        B[i / N][i % N] = (i * 3) % 11 * 0.5;
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int k = 0; k < N; k++)
                C[i][j] += A[i][k] * B[k][j];
    double s = 0.0;
    for (int i = 0; i < N * N; i++)
        s += C[i / N][i % N] * (i % 5);
    printf("checksum %.17g\\n", s);
    return 0;
}
"""


def test_tune_optimize_measures_restructurings_and_rewrite_optimize_follows_them(program, capsys):
    from autopar.edit.restructure.plan import plan_file
    from autopar.frontend.translate import translate

    prog = program / "prog.c"
    prog.write_bytes(MATMUL)
    tuner = Tuner([str(prog)], _config(program, optimize=True))
    document = tuner.tune()
    assert prog.read_bytes() == MATMUL
    region = next(r for r in tuner.regions if r.nest.root_loop_id.endswith(":10:5"))
    restructurings = [o for o in region.options if o.id.startswith("restructure:")]
    assert restructurings and all(o.status in ("ok", "too-slow") for o in restructurings), \
        [(o.id, o.status, o.detail) for o in restructurings]
    assert all(o.race == "clean" for o in restructurings if o.status == "ok")

    # a decisions file that picks a restructuring other than --optimize's default: --optimize applies
    # it, plain rewrite gives the pragma plan stored beside it
    plan = next(p for p in plan_file(MATMUL, translate(str(prog), [])) if p.root_loop_id.endswith(":10:5"))
    other = next(c for c in plan.candidates if c.id != plan.default_candidate_id)
    loaded = decisions_module.load(str(program / "decisions.json"))
    stored = decisions_module.regions_for(loaded, MATMUL)["10:5"]
    pragma = next(o for o in region.options if o.plan is not None)
    assert stored["optimize"] is True
    stored.update(choice=f"restructure:{other.id}", restructure=other.id, restructure_schedule=other.schedule,
                  plan=decisions_module.plan_record(pragma.plan))
    decisions_module.save(str(program / "forced.json"), loaded)
    assert main(["rewrite", "--optimize", str(prog), "--decisions", str(program / "forced.json")]) == 0
    assert other.code in capsys.readouterr().out
    assert main(["rewrite", str(prog), "--decisions", str(program / "forced.json")]) == 0
    plain = capsys.readouterr().out
    assert "#define S0" not in plain and "#pragma omp" in plain
    # a stored pragma plan (or serial) wins over --optimize's default restructuring
    stored.update(choice=pragma.id, restructure=None)
    decisions_module.save(str(program / "pragma.json"), loaded)
    assert main(["rewrite", "--optimize", str(prog)]) == 0
    assert plan.chosen.code in capsys.readouterr().out
    assert main(["rewrite", "--optimize", str(prog), "--decisions", str(program / "pragma.json")]) == 0
    assert "#define S0" not in capsys.readouterr().out
    # ... but a decision of a tune run that measured no restructuring does not
    del stored["optimize"]
    decisions_module.save(str(program / "plain.json"), loaded)
    assert main(["rewrite", "--optimize", str(prog), "--decisions", str(program / "plain.json")]) == 0
    assert plan.chosen.code in capsys.readouterr().out
    # a stored id whose schedule is not the one measured is not applied
    stored.update(optimize=True, choice=f"restructure:{other.id}", restructure=other.id,
                  restructure_schedule=["[something else]"])
    decisions_module.save(str(program / "stale.json"), loaded)
    assert main(["rewrite", "--optimize", str(prog), "--decisions", str(program / "stale.json")]) == 0
    captured = capsys.readouterr()
    assert other.code not in captured.out and "#define S0" not in captured.out
    assert "no longer names the schedule that was measured" in captured.err
    assert document["files"]


def test_a_decision_that_no_longer_validates_is_ignored_with_a_warning(program, capsys, monkeypatch):
    prog = program / "prog.c"
    document = decisions_module.new_document()
    illegal = Plan(loop_id=f"{prog}:8:5")  # the prefix sum: carries a dependence
    decisions_module.set_region(document, "prog.c", decisions_module.content_hash(PROGRAM),
                                {"root": "8:5", "choice": "c0", "plan": decisions_module.plan_record(illegal)})
    decisions_module.save(str(program / "bad.json"), document)
    assert main(["rewrite", str(prog), "--decisions", str(program / "bad.json")]) == 0
    out, err = capsys.readouterr()
    assert "b[i] = b[i - 1]" in out and "#pragma omp parallel for\n    for (int i = 1;" not in out
    assert "no longer validates" in err

    # a changed file (another content hash) does not match at all
    changed = PROGRAM.replace(b"0.5", b"0.25")
    prog.write_bytes(changed)
    assert decisions_module.regions_for(document, changed) == {}


@pytest.mark.parametrize("files", [
    ["prog.c"],  # an entry that is no object
    [{"sha256": "x", "regions": 5}],
    [{"sha256": "x", "regions": [{"root": ["8:5"]}]}],
    [{"sha256": "x", "regions": [{"root": "8:5", "restructure_schedule": 5}]}],
])
def test_a_decisions_file_of_another_form_is_a_usage_error(program, capsys, files):
    """Each crashed `rewrite` with an internal error (exit 4)."""
    (program / "odd.json").write_text(json.dumps({"version": 1, "files": files}))
    assert main(["rewrite", str(program / "prog.c"), "--decisions", str(program / "odd.json")]) == 2
    assert "not a decisions file" in capsys.readouterr().err


def test_autopar_cc_honors_decisions_and_keys_its_cache_on_them(program):
    prog = program / "prog.c"
    document = Tuner([str(prog)], _config(program)).tune()
    stored = decisions_module.regions_for(document, PROGRAM)
    stored["6:5"].update(choice="serial", plan=None)
    decisions_module.save(str(program / "serial.json"), document)
    wrapper = str(Path(sys.executable).with_name("autopar-cc"))
    env = {**os.environ, "AUTOPAR_CC": "gcc", "AUTOPAR_CACHE_DIR": str(program / "cache")}
    env.pop("AUTOPAR_DISABLE", None)

    def parallel_lines(extra: dict) -> set[int]:
        report = program / "report.jsonl"
        if report.exists():
            report.unlink()
        done = subprocess.run([wrapper, "-O1", "-c", "prog.c", "-o", "prog.o"], cwd=program, capture_output=True,
                              text=True, env={**env, "AUTOPAR_REPORT": str(report), **extra})
        assert done.returncode == 0, done.stderr
        record = json.loads(report.read_text().splitlines()[-1])
        return {l["line"] for l in record["file"]["loops"] if l["parallel"]}

    assert 6 in parallel_lines({})  # the analyzer's default, now in the cache
    assert 6 not in parallel_lines({decisions_module.ENV: str(program / "serial.json")})  # not the cached entry
    assert 6 in parallel_lines({})


def test_the_tuner_respects_its_budget(program):
    # every run takes 1 s; a 4-second budget cannot measure everything
    config = _config(program, run="sleep 1; ./prog", budget_s=4, rounds=3)
    start = time.monotonic()
    tuner = Tuner([str(program / "prog.c")], config)
    document = tuner.tune()
    elapsed = time.monotonic() - start
    assert elapsed < 4 + 3, elapsed  # the budget, plus the restore and the file
    assert tuner.stopped
    assert document["stopped"]
    assert (program / "prog.c").read_bytes() == PROGRAM
    assert json.loads((program / "decisions.json").read_text())["stopped"]


def test_the_users_files_are_restored_after_an_error(program):
    calls = []

    def explode(**state):
        calls.append(state)
        if len(calls) == 3:  # mid-region, with a rewritten source in place
            assert b"#pragma omp" in (program / "prog.c").read_bytes() or True
            raise KeyboardInterrupt

    tuner = Tuner([str(program / "prog.c")], _config(program), progress=explode)
    with pytest.raises(KeyboardInterrupt):
        tuner.tune()
    assert (program / "prog.c").read_bytes() == PROGRAM
    assert not list((program / "cache" / "tune-backups").glob("*/*"))  # the backup is cleaned up


def test_source_guard_restores_on_exception(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOPAR_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "f.c"
    path.write_bytes(b"int x;\n")
    os.chmod(path, 0o640)
    with pytest.raises(RuntimeError):
        with SourceGuard([str(path)]) as guard:
            guard.write(str(path), b"int y;\n")
            assert path.read_bytes() == b"int y;\n"
            raise RuntimeError("boom")
    assert path.read_bytes() == b"int x;\n"
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_tune_command_line_end_to_end(program, capsys, monkeypatch):
    monkeypatch.chdir(program)
    status = main(["tune", "prog.c", "--build", BUILD, "--run", "./prog", "--rounds", "1", "--threads", "2",
                   "--budget", "2", "-o", "d.json"])
    assert status == 0, capsys.readouterr().err
    assert (program / "prog.c").read_bytes() == PROGRAM
    loaded = decisions_module.load("d.json")
    assert decisions_module.regions_for(loaded, PROGRAM)
    assert main(["rewrite", "prog.c", "--decisions", "d.json"]) == 0


def test_tune_usage_errors(program, capsys):
    assert main(["tune", str(program / "prog.c"), "--run", "./prog"]) == 2  # --build is required
    assert main(["rewrite", str(program / "prog.c"), "--verify-with", "true"]) == 2  # needs --llm
    assert "--verify-with needs --llm" in capsys.readouterr().err
    (program / "junk.json").write_text("[]")
    assert main(["rewrite", str(program / "prog.c"), "--decisions", str(program / "junk.json")]) == 2


def test_command_verifier_runs_the_users_command_on_the_plan_and_restores(program):
    from autopar.decision.pipeline import analyze_file

    prog = program / "prog.c"
    analysis = analyze_file(str(prog))
    nest = next(n for n in analysis.nests if n.candidates and n.root_loop_id.endswith(":6:5"))
    plan = nest.candidates[0].plan
    seen = program / "seen.c"
    ok = command_verifier(f"cp prog.c {seen} && {BUILD} && ./prog > /dev/null", cwd=str(program))
    assert ok(analysis.tu, nest, plan) == []
    assert b"#pragma omp" in seen.read_bytes()  # the command saw the plan in place
    assert prog.read_bytes() == PROGRAM
    failing = command_verifier("exit 3", cwd=str(program))
    problems = failing(analysis.tu, nest, plan)
    assert problems and "exit 3" in problems[0]
    assert prog.read_bytes() == PROGRAM


class _FirstChoice:
    """A stand-in model for the control flow: it always names the first allowed option."""

    def identity(self) -> str:
        return "first-choice"

    def chat(self, messages, schema, max_tokens, time_budget):
        reply = {}
        for name, spec in schema["properties"].items():
            reply[name] = spec["enum"][0] if "enum" in spec else "ok"
        return json.dumps(reply)


@pytest.mark.parametrize("command, accepted", [("gcc -O1 -fopenmp -o prog prog.c && ./prog", True),
                                               ("exit 1", False)])
def test_rewrite_llm_verify_with_runs_each_model_plan_through_the_command(program, capsys, monkeypatch,
                                                                          command, accepted):
    import autopar.decision.reasoner

    monkeypatch.setattr(autopar.decision.reasoner, "make_backend", lambda *a, **k: _FirstChoice())
    monkeypatch.chdir(program)
    status = main(["rewrite", "prog.c", "--llm", "--verify-with", command, "--report", "r.json"])
    assert status == 0, capsys.readouterr().err
    assert (program / "prog.c").read_bytes() == PROGRAM
    loops = json.loads((program / "r.json").read_text())["files"][0]["loops"]
    deciders = {l["decided_by"] for l in loops if l["decided_by"]}
    if accepted:
        assert "model" in deciders
    else:  # every parallel proposal failed the command: the model heard why and chose again (serial,
        # which needs no check), or the analyzer's plan was used after the last round
        assert not any(l["parallel"] and l["decided_by"] == "model" for l in loops)
        assert "fallback" in deciders or all(not l["parallel"] for l in loops)


def test_ranking_counts_measurements_to_within_five_percent():
    from benchmarks.llm_eval import expected_random, measurements_needed

    seconds = {"serial": 1.0, "c0": 2.0, "c1": 0.5, "c2": 0.52, "c3": float("inf")}
    assert measurements_needed(["serial", "c1", "c0"], seconds) == 2
    assert measurements_needed(["serial", "c0", "c3", "c2"], seconds) == 4
    # serial first, then 4 candidates of which 2 are good: 1 + (4 + 1) / (2 + 1)
    assert expected_random(seconds, fixed_first=True) == pytest.approx(1 + 5 / 3)
    assert expected_random({"serial": 1.0, "c0": 1.2}, fixed_first=True) == 1.0


class _RatesOne:
    """A stand-in for a loaded model's probabilities: it rates one option 5, every other 1."""

    def __init__(self, favourite: str):
        self.favourite = favourite

    def _asker(self, trace):
        return None

    def _distributor(self, trace):
        def distribution(messages, prefix, labels):
            text = messages[-1]["content"]
            return [0.0, 0.0, 0.0, 0.0, 1.0] if f"only {self.favourite}:" in text else [1.0, 0.0, 0.0, 0.0, 0.0]
        return distribution


def test_model_order_puts_the_models_favourite_first(program):
    from autopar.decision.pipeline import analyze_file
    from autopar.tools.tune import Option, model_orderer

    analysis = analyze_file(str(program / "prog.c"))
    nest = next(n for n in analysis.nests if len(n.candidates) >= 2)
    last = nest.candidates[-1]
    options = [Option(c.id, c.summary, c.plan, c.estimated_cost) for c in nest.candidates]
    ordered = model_orderer(_RatesOne(last.id))(analysis.tu, nest, options)
    assert ordered[0].id == last.id
    assert sorted(o.id for o in ordered) == sorted(o.id for o in options)


def test_a_tuned_program_slower_than_serial_as_a_whole_keeps_every_region_serial(program):
    tuner = Tuner([str(program / "prog.c")], _config(program))
    document = tuner.tune()
    region = next(r for r in tuner.regions if len(r.options) > 1)
    region.decided, region.best = True, region.options[1]  # as if a plan had won its region
    document.setdefault("summary", {})
    tuner._revert(0.8)
    assert "every region kept serial" in document["summary"]["reverted"]
    stored = decisions_module.regions_for(document, PROGRAM)
    assert all(r["plan"] is None for r in stored.values())


@pytest.mark.slow
def test_tune_works_through_the_example_projects_makefile(tmp_path, monkeypatch, capsys):
    if shutil.which("make") is None:
        pytest.skip("needs make")
    project = tmp_path / "project"
    shutil.copytree(Path(__file__).resolve().parent.parent / "benchmarks" / "examples" / "project", project,
                    ignore=shutil.ignore_patterns("*.o", "*.d", "app", "compile_commands.json"))
    monkeypatch.delenv(decisions_module.ENV, raising=False)
    monkeypatch.setenv("AUTOPAR_CACHE_DIR", str(tmp_path / "cache"))
    subprocess.run(["make", "-C", str(project), "compile_commands.json"], check=True, capture_output=True)
    before = {p.name: p.read_bytes() for p in project.glob("*.c")}
    monkeypatch.chdir(project)
    status = main(["tune", "-p", ".", "--build", 'make -B app CFLAGS="-O2 -fopenmp" LDFLAGS=-fopenmp',
                   "--run", "./app", "--threads", "2", "--rounds", "1", "--max-candidates", "1",
                   "--budget", "3", "-o", "decisions.json"])
    assert status == 0, capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in project.glob("*.c")} == before
    document = decisions_module.load("decisions.json")
    assert any(entry["regions"] for entry in document["files"])
    assert any("gnu_ext.c" in note for note in document.get("not_tuned", []))


def test_sigterm_during_tune_restores_the_files(program):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen([sys.executable, "-m", "autopar.cli", "tune", "prog.c", "--build", BUILD,
                                "--run", "sleep 1; ./prog", "--rounds", "3", "--budget", "5", "-o", "d.json"],
                               cwd=program, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and b"#pragma omp" not in (program / "prog.c").read_bytes():
        time.sleep(0.05)  # until a rewritten source is in place
    process.send_signal(15)
    process.communicate(timeout=60)
    assert (program / "prog.c").read_bytes() == PROGRAM


def test_a_measurement_must_beat_the_default_clearly_to_replace_it(tmp_path):
    """The rule of _decide, on given timings: the option autopar applies anyway (the analyzer's
    default) stays unless another beats it by --min-gain with no overlap of their runs; serial
    replaces it only when clearly faster too."""
    from types import SimpleNamespace

    from autopar.decision.decisions import new_document
    from autopar.tools.tune.regions import Option, Region

    def decide(times: dict[str, list[float]]) -> str:
        tuner = Tuner([], _config(tmp_path, output=None))
        tuner.document = new_document()
        options = [Option(name, name, status="ok", times=list(runs)) for name, runs in times.items()]
        source = SimpleNamespace(shown="k.c", content=b"")
        region = Region(source, SimpleNamespace(root_loop_id="k.c:3:5"), options, 1.0, options[0], default="c0")
        tuner._decide(region, options)
        return region.best.id

    assert decide({"serial": [1.0, 1.1, 1.05], "c0": [0.95, 1.02, 0.99], "c1": [0.5, 0.52, 0.51]}) == "c1"
    # c1 faster by median but its runs overlap the default's: the default stays
    assert decide({"serial": [1.0, 1.1, 1.05], "c0": [0.60, 0.70, 0.64], "c1": [0.55, 0.66, 0.58]}) == "c0"
    # serial within noise of the default: the default stays; clearly faster: serial
    assert decide({"serial": [0.98, 1.04, 1.0], "c0": [0.97, 1.03, 1.06]}) == "c0"
    assert decide({"serial": [0.50, 0.52, 0.51], "c0": [1.0, 1.05, 1.02]}) == "serial"


def test_the_race_check_runs_the_program_with_the_runs_arguments():
    """A program that prints its usage without an argument was race-checked without one: "skipped",
    and its plans stayed `ok` unchecked."""
    from autopar.tools.tune.races import run_arguments

    assert run_arguments("./taprog 50000") == ("50000",)
    assert run_arguments("./prog -n 'a b'") == ("-n", "a b")
    assert run_arguments("./prog 5 | tail -1") == ()  # a pipeline: not one program's arguments


@pytest.mark.parametrize("stage", ["checking", "round"])
def test_a_default_plan_found_wrong_stays_serial_when_the_budget_runs_out(program, stage):
    # --check fails whenever a pragma is in the sources: the analyzer's default for the loop on line 6
    # is found wrong, then the budget runs out (while the next option is checked, or in the rounds)
    # before serial is timed. Without a record, rewrite would apply the default the tuner saw fail.
    spent = []

    def progress(**state):
        if state["name"].endswith(":6:5") and state["stage"].startswith(stage):
            if stage == "round" or state["option"] > 2:  # in the rounds, or once the default (c0) is checked
                spent.append(True)

    times = iter(range(10 ** 6))
    config = _config(program, check="! grep -q pragma prog.c")
    tuner = Tuner([str(program / "prog.c")], config, progress=progress,
                  clock=lambda: 10 ** 6 if spent else next(times) * 1e-3)
    document = tuner.tune()
    assert tuner.stopped
    region = next(r for r in tuner.regions if r.nest.root_loop_id.endswith(":6:5"))
    assert next(o for o in region.options if o.id == region.default).status == "check-failed"
    stored = decisions_module.regions_for(document, PROGRAM)
    assert stored["6:5"]["plan"] is None, stored["6:5"]
    assert "check-failed" in stored["6:5"]["reason"]


def test_the_program_left_behind_is_built_from_the_restored_sources(program):
    # the build command writes a marker of the source it built from: after tuning, the last build must
    # be of the user's own source again, not of the last option (or race build) measured
    build = BUILD + " && sha1sum prog.c > built-from"
    tuner = Tuner([str(program / "prog.c")], _config(program, build=build))
    document = tuner.tune()
    assert (program / "prog.c").read_bytes() == PROGRAM
    built_from = (program / "built-from").read_text().split()[0]
    assert built_from == hashlib.sha1(PROGRAM).hexdigest()
    assert document["rebuilt"] == "the original program"
