"""The bench tables: a result that failed verification never counts as a speedup."""

from __future__ import annotations

import pytest

from autopar.tools.bench.results import BenchRecord, BenchResults, Machine
from autopar.tools.bench.report import markdown, summary_table
from autopar.tools.verify import summarize


def _record(kernel, config, threads, seconds, status="ok", serial=1.0):
    timing = summarize([seconds], threads, "program")
    return BenchRecord(kernel=kernel, size="medium", config=config, threads=threads, status=status, timing=timing,
                       speedup=serial / seconds, efficiency=serial / seconds / threads,
                       output_match=status != "wrong-output")


@pytest.fixture
def results():
    records = []
    for kernel in ("a", "b"):
        records.append(_record(kernel, "serial", 1, 1.0))
    records += [_record("a", "autopar", 2, 0.5), _record("b", "autopar", 2, 0.25, status="wrong-output"),
                _record("a", "reference", 2, 0.5), _record("b", "reference", 2, 0.5)]
    return BenchResults(machine=Machine(cores=2, cpu="test", system="test", gcc="gcc", clang="clang"),
                        started="2026-01-01T00:00:00+00:00", kernels=["a", "b"], sizes=["medium"], threads=[2],
                        configs=["serial", "reference", "autopar"], repeat=1, warmup=0, tolerance=1e-6,
                        records=records)


def test_a_wrong_result_is_marked_and_not_counted(results):
    table = markdown(results)
    assert "wrong (4.00x)" in table  # shown, but marked
    summary = summary_table(results, "medium", 2)
    autopar = next(line for line in summary.splitlines() if line.startswith("| autopar"))
    cells = [c.strip() for c in autopar.strip("|").split("|")]
    assert cells[1] == "1/2"  # verified
    assert cells[2] == "2.00x"  # geomean over the verified kernel only, not 4x
    assert cells[3] == "1.41x"  # the failed kernel counted as serial (1.0x)
    reference = next(line for line in summary.splitlines() if line.startswith("| reference"))
    assert "2/2" in reference and "2.00x" in reference
    assert "ideal speedup is 2x" in table
