"""`autopar bench` smoke tests: one real kernel at the small size, and a suite with a broken entry."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from autopar.tools.bench import BenchError, load_suite, run_bench
from autopar.tools.bench.report import markdown, write_report
from autopar.tools.verify import compile_source

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("gcc") is None or shutil.which("clang") is None,
                                 reason="needs gcc and clang")]


def test_every_kernel_has_a_reference_and_three_sizes():
    suite = load_suite()
    assert len(suite.kernels) == 16  # the paper's eleven and five of the never-slower suite
    for kernel in suite.kernels:
        assert Path(kernel.source).is_file() and Path(kernel.reference).is_file()
        assert {"small", "medium", "large"} <= set(kernel.sizes) <= {"tiny", "small", "medium", "large"}
        assert "#pragma omp" in Path(kernel.reference).read_text()
        assert "#pragma omp" not in Path(kernel.source).read_text()


def test_a_copy_of_a_kernel_finds_the_shared_harness_through_the_suite_flags(tmp_path):
    suite = load_suite()
    kernel = next(k for k in suite.kernels if k.name == "vector_add")
    assert '#include "harness.h"' in Path(kernel.source).read_text()
    copy = tmp_path / "vector_add.c"  # where bench writes its rewrites: not beside the header
    copy.write_bytes(Path(kernel.source).read_bytes())
    flags = kernel.defines("small")
    built = compile_source(str(copy), str(tmp_path / "with.exe"), "gcc", [*suite.compiler_flags, *flags],
                           openmp=False, link_flags=suite.link_flags)
    assert built.ok, built.stderr
    alone = compile_source(str(copy), str(tmp_path / "alone.exe"), "gcc", ["-O1", *flags], openmp=False,
                           link_flags=suite.link_flags)
    assert not alone.ok and "harness.h" in alone.stderr


def test_bench_smoke_one_kernel_two_configurations(tmp_path):
    results = run_bench(["matmul"], threads=[1, 2], sizes=["small"], out_dir=str(tmp_path), repeat=1, warmup=0,
                        configs=["reference"])
    assert results.configs == ["serial", "reference"]
    by_key = {(r.config, r.threads): r for r in results.records}
    assert set(by_key) == {("serial", 1), ("reference", 1), ("reference", 2)}
    for threads in (1, 2):
        record = by_key[("reference", threads)]
        assert record.status == "ok", record.error
        assert record.output_match is True and record.race_free is True
        assert record.speedup > 0 and record.efficiency == pytest.approx(record.speedup / threads)
    assert [c.config for c in results.race_checks] == ["reference"]

    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["machine"]["cores"] >= 1 and len(saved["records"]) == 3
    written = write_report(results, str(tmp_path), plots=False)
    table = (tmp_path / "results.md").read_text()
    assert written == [str(tmp_path / "results.md")]
    assert "| matmul" in table and "Summary by approach" in table and "Correctness per approach" in table


def test_the_gpu_configuration_runs_on_a_device_or_says_there_is_none(tmp_path):
    results = run_bench(["matmul"], threads=[2], sizes=["small"], out_dir=str(tmp_path), repeat=1, warmup=0,
                        configs=["autopar-gpu"], race_checks=False)
    [record] = [r for r in results.records if r.config == "autopar-gpu"]
    if "autopar-gpu" in results.unavailable:  # this machine: no offload device for gcc
        assert results.unavailable["autopar-gpu"].startswith("unavailable (no device)")
        assert record.status == "unavailable"
    else:  # a device: the offload plans ran on it (OMP_TARGET_OFFLOAD=MANDATORY) and matched serial
        assert record.status == "ok" and record.output_match is True
    source = (tmp_path / "sources" / "matmul.autopar-gpu.c")
    assert not source.exists() or "#pragma omp target teams distribute parallel for" in source.read_text()


def test_a_broken_configuration_is_recorded_and_the_run_goes_on(tmp_path):
    kernels = Path(__file__).resolve().parent.parent / "benchmarks" / "kernels"
    (tmp_path / "broken_omp.c").write_text("int main(void) { return undeclared; }\n")
    suite = {"kernels": {
        "broken": {"source": str(kernels / "vector_add.c"), "reference": str(tmp_path / "broken_omp.c"),
                   "sizes": {"small": {"N": 1000, "REPS": 1}}},
        "vector_add": {"source": str(kernels / "vector_add.c"), "reference": str(kernels / "vector_add_omp.c"),
                       "sizes": {"small": {"N": 1000, "REPS": 1}}}}}
    suite_file = tmp_path / "suite.yaml"
    suite_file.write_text(yaml.safe_dump(suite))
    results = run_bench(None, threads=[2], sizes=["small"], out_dir=str(tmp_path / "out"), repeat=1, warmup=0,
                        configs=["reference"], race_checks=False, suite_file=suite_file)
    status = {(r.kernel, r.config): r.status for r in results.records}
    assert status == {("broken", "serial"): "ok", ("broken", "reference"): "compile-failed",
                      ("vector_add", "serial"): "ok", ("vector_add", "reference"): "ok"}
    assert "undeclared" in next(r.error for r in results.records if r.status == "compile-failed")
    assert "no build" in markdown(results)


def test_bad_options_are_reported_without_running(tmp_path):
    with pytest.raises(BenchError, match="unknown kernel"):
        run_bench(["nosuchkernel"], out_dir=str(tmp_path))
    with pytest.raises(BenchError, match="unknown size"):
        run_bench(["matmul"], sizes=["huge"], out_dir=str(tmp_path))
    with pytest.raises(BenchError, match="unknown configuration"):
        run_bench(["matmul"], configs=["icc"], out_dir=str(tmp_path))


def test_the_never_slower_kernels_keep_serial_output_at_their_tiny_and_small_sizes(tmp_path):
    """autopar's rewrite of each new kernel prints what the serial build prints, at 4 threads."""
    from autopar.tools.bench import run_bench

    results = run_bench(kernels=["heat3d", "jacobi1d", "spmv", "atax", "trmv"], threads=[4], sizes=["tiny", "small"],
                        out_dir=str(tmp_path), repeat=1, warmup=0, configs=["autopar", "reference"],
                        race_checks=False)
    records = [r for r in results.records if r.config != "serial"]
    assert len(records) == 5 * 2 * 2
    assert all(r.status == "ok" for r in records), [(r.kernel, r.size, r.config, r.status) for r in records]
