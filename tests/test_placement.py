"""Where plans go and whether they pay: a plan for each sibling loop under a serial loop, thresholds on
symbolic trip counts, schedules only where imbalance is shown, and the measured machine model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autopar.plans import machine
from autopar.cli.main import main

HEAT = Path(__file__).parent / "data" / "placement" / "heat3d.c"


def _pragma_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if "#pragma omp" in line]


def test_both_sweeps_of_a_time_loop_get_a_plan_and_a_second_rewrite_changes_nothing(tmp_path, capsys):
    source = tmp_path / "heat3d.c"
    source.write_bytes(HEAT.read_bytes())
    assert main(["rewrite", "-i", str(source)]) == 0
    once = source.read_text()
    lines = once.splitlines()
    # the time loop carries the dependence, so each sweep's outer i loop gets a plan; the time loop
    # holds nothing else, so the sweeps share one region (their alias checks evaluated once, above it)
    sweeps = [n for n in _pragma_lines(once) if "for (int i = 1; i < n - 1; i++)" in lines[n]]
    assert len(sweeps) == 2 and all(lines[n - 1].strip() == "#pragma omp for" for n in sweeps)
    region = [n for n in _pragma_lines(once) if "for (int t" in lines[n]]
    assert len(region) == 1 and lines[region[0] - 1].strip() == "#pragma omp parallel"
    guard = lines[region[0] - 2].strip()
    assert guard.startswith("if (") and "(const char *)(&B[n - 2][n - 2][n - 2] + 1)" in guard, guard
    assert main(["rewrite", "-i", str(source)]) == 0
    assert source.read_text() == once  # idempotent
    capsys.readouterr()
    assert main(["check", str(source), "--format", "json"]) == 0


@pytest.mark.slow
def test_the_rewritten_heat_stencil_prints_what_the_serial_one_prints(tmp_path):
    rewritten = tmp_path / "par.c"
    autopar = os.path.join(os.path.dirname(sys.executable), "autopar")
    rewritten.write_text(subprocess.run([autopar, "rewrite", str(HEAT)], check=True, capture_output=True,
                                        text=True).stdout)
    outputs = []
    for name, src, flags in (("serial", HEAT, []), ("par", rewritten, ["-fopenmp"])):
        exe = tmp_path / name
        subprocess.run(["gcc", "-O2", "-DN=24", "-DTSTEPS=5", *flags, str(src), "-o", str(exe)], check=True)
        outputs.append(subprocess.run([str(exe)], capture_output=True, text=True, check=True,
                                      env=dict(os.environ, OMP_NUM_THREADS="4")).stdout)
    assert outputs[0] == outputs[1] and outputs[0].startswith("checksum")


def _default_pragmas(tmp_path, code: str) -> dict[int, str]:
    source = tmp_path / "k.c"
    source.write_text(code)
    from autopar.decision.pipeline import analyze_file

    report = analyze_file(str(source)).report
    return {loop.line: loop.pragma for loop in report.loops if loop.parallel}


def test_tiny_constant_trip_counts_stay_serial_and_symbolic_ones_get_a_threshold(tmp_path):
    pragmas = _default_pragmas(tmp_path, "double a[8], b[8];\n"
                                         "void tiny(void) {\n    for (int i = 0; i < 8; i++)\n        a[i] = b[i] + 1.0;\n}\n"
                                         "void any(double *restrict x, const double *restrict y, int n) {\n"
                                         "    for (int i = 0; i < n; i++)\n        x[i] = y[i] + 1.0;\n}\n")
    assert 3 not in pragmas or pragmas[3] == "#pragma omp simd"  # no parallel region for 8 iterations
    assert pragmas[7].startswith("#pragma omp parallel for if((n > ")


def test_csr_rows_keep_a_static_schedule(tmp_path):
    """Rows of a CSR matrix have data-dependent lengths, but no imbalance is shown: schedule(dynamic)
    with chunk 1 made such a loop 4x slower than serial."""
    pragmas = _default_pragmas(tmp_path,
                               "void spmv(int n, const int *restrict ptr, const int *restrict col,\n"
                               "          const double *restrict val, const double *restrict x, double *restrict y) {\n"
                               "    for (int i = 0; i < n; i++) {\n        double s = 0.0;\n"
                               "        for (int k = ptr[i]; k < ptr[i + 1]; k++)\n            s += val[k] * x[col[k]];\n"
                               "        y[i] = s;\n    }\n}\n")
    assert pragmas[3].startswith("#pragma omp parallel for") and "schedule" not in pragmas[3]


def test_thread_count_follows_omp_num_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3,2")
    assert machine.thread_count() == 3
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert machine.thread_count() == len(os.sched_getaffinity(0))


@pytest.mark.slow
def test_calibration_measures_this_machine_and_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOPAR_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("AUTOPAR_CALIBRATION", "")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    autopar = os.path.join(os.path.dirname(sys.executable), "autopar")
    done = subprocess.run([autopar, "calibrate"], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    saved = list((tmp_path / "calibration").glob("*-2t.json"))
    assert len(saved) == 1
    model = machine.MachineModel.model_validate_json(saved[0].read_text())
    assert model.measured and model.threads == 2
    assert 0.01 < model.unit_ns < 50 and 50 < model.fork_ns < 10_000_000
    # a branchy loop's access costs at least a vectorised one's; a byte from memory, something more
    assert model.branchy_unit_ns is not None and model.branchy_factor >= 1.0 and model.stream_ns_per_byte >= 0.0
    # the analysis reads that file, not the reference model
    machine._model_for.cache_clear()
    assert machine.current() == model
    monkeypatch.setenv("AUTOPAR_CALIBRATION", str(saved[0]))
    assert machine.current() == model
    monkeypatch.setenv("AUTOPAR_CALIBRATION", "builtin")
    assert machine.current() == machine.REFERENCE
    machine._model_for.cache_clear()


def test_explain_shows_the_region_costs(tmp_path, capsys):
    source = tmp_path / "heat3d.c"
    source.write_bytes(HEAT.read_bytes())
    assert main(["explain", f"{source}:11", "--no-png", "--dot", str(tmp_path / "g.dot")]) == 0
    out = capsys.readouterr().out
    assert "region entered" in out and "work units per entry" in out
    assert "cost model: 4 threads; parallel region 3 µs" in out


def test_c89_counters_do_not_push_the_pragma_into_the_innermost_loop(tmp_path, capsys):
    """The shape that ran at 0.17x: counters declared at the top of the function kept the outer loops
    serial, and the only pragma went on the innermost loop with its alias check, entered per (i, j).
    Now both sweeps share one region around the time loop (t is private to it: nothing reads it
    after), and the alias checks are evaluated once, before the region."""
    source = tmp_path / "heat3d_c89.c"
    source.write_bytes((HEAT.parent / "heat3d_c89.c").read_bytes())
    assert main(["rewrite", "-i", str(source)]) == 0
    lines = source.read_text().splitlines()
    pragmas = [n for n in _pragma_lines("\n".join(lines)) if "omp atomic" not in lines[n - 1]]  # not the gate's
    assert len(pragmas) == 3
    region, *sweeps = pragmas
    assert lines[region - 1].strip() == "#pragma omp parallel private(t)"
    assert lines[region].strip().startswith("for (t = 1;") and "(const char *)" in lines[region - 2]
    for n in sweeps:
        assert lines[n].strip().startswith("for (i = 1;") and lines[n - 1].strip() == "#pragma omp for private(j, k)"


def test_the_threshold_of_a_nest_is_its_work_not_its_outer_trip_count(tmp_path):
    """An outer loop over n rows of m columns pays only when n * m is large: `n > 4` would start a
    team for four rows of three columns."""
    pragmas = _default_pragmas(tmp_path, "void add(int n, int m, double *restrict c, const double *restrict a) {\n"
                                         "    for (int i = 0; i < n; i++)\n        for (int j = 0; j < m; j++)\n"
                                         "            c[i * m + j] += a[i * m + j];\n}\n")
    assert pragmas[2] == ("#pragma omp parallel for if(((double)(n) * (m) > 5000) && "  # 4 units per iteration
                          "(autopar_team_pays_((double)(n) * (m) * 4e-05)))")
