"""A bench bundle: built here, timed by its own run.py with nothing but Python's standard library
(`python3 -S`: no site packages, so no autopar and no pydantic), and judged here again."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

AUTOPAR = [sys.executable, "-m", "autopar.cli"]


def test_a_bundle_is_built_here_timed_by_plain_python_and_judged_here(tmp_path):
    bundle, report = tmp_path / "bundle", tmp_path / "report"
    built = subprocess.run([*AUTOPAR, "bench", "--kernels", "matmul", "--sizes", "small", "--threads", "2",
                            "--configs", "serial,autopar", "--target", "gpu", "--repeat", "2", "--no-race-check",
                            "--bundle", "--out", str(bundle)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert "python3" in built.stdout and (bundle / "run.py").exists() and (bundle / "rounds.py").exists()
    # --target gpu adds the offload configuration; the CPU configuration keeps its CPU plans
    assert "omp target" not in (bundle / "sources" / "matmul.autopar.small.c").read_text()
    assert "omp target teams" in (bundle / "sources" / "matmul.autopar-gpu.small.c").read_text()
    assert any(p.name.startswith("libgomp.so") for p in (bundle / "lib").iterdir())
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert {job["config"] for job in manifest["groups"][0]["jobs"]} == {"serial", "autopar", "autopar-gpu"}

    timed = subprocess.run(["/usr/bin/env", "python3", "-S", str(bundle / "run.py")], capture_output=True, text=True,
                           cwd=tmp_path)
    assert timed.returncode == 0, timed.stderr
    runs = json.loads((bundle / "runs.json").read_text())
    assert runs["machine"]["cores"] >= 1 and len(runs["groups"]) == 1
    built = json.loads((bundle / "results.json").read_text())["started"]

    judged = subprocess.run([*AUTOPAR, "bench", "--from-bundle", str(bundle), "--out", str(report), "--no-plots"],
                            capture_output=True, text=True)
    assert judged.returncode == 0, judged.stdout + judged.stderr
    assert "timed here from a bundle" in judged.stdout
    report_started = json.loads((report / "results.json").read_text())["started"]
    assert report_started == runs["started"] and report_started >= built
    records = {(r["config"], r["threads"]): r for r in json.loads((report / "results.json").read_text())["records"]}
    assert records[("serial", 1)]["status"] == "ok"
    cpu = records[("autopar", 2)]
    assert cpu["status"] == "ok" and cpu["output_match"] is True and cpu["speedup"] > 0
    gpu = records[("autopar-gpu", 2)]
    if runs["device_count"]:  # a GPU where the bundle ran: the offload plans ran there and matched
        assert gpu["status"] == "ok" and gpu["output_match"] is True
    else:
        assert gpu["status"] == "unavailable" and "no device" in gpu["error"]


def test_judging_a_bundle_that_was_not_run_says_how_to_run_it(tmp_path):
    bundle = tmp_path / "bundle"
    subprocess.run([*AUTOPAR, "bench", "--kernels", "vector_add", "--sizes", "small", "--threads", "1",
                    "--configs", "serial", "--repeat", "1", "--no-race-check", "--bundle", "--out", str(bundle)],
                   capture_output=True, check=True)
    judged = subprocess.run([*AUTOPAR, "bench", "--from-bundle", str(bundle), "--out", str(tmp_path / "r")],
                            capture_output=True, text=True)
    assert judged.returncode == 2 and "run.py" in judged.stderr
    not_a_bundle = subprocess.run([*AUTOPAR, "bench", "--from-bundle", str(tmp_path), "--out", str(tmp_path / "r")],
                                  capture_output=True, text=True)
    assert not_a_bundle.returncode == 2 and "not a bench bundle" in not_a_bundle.stderr
