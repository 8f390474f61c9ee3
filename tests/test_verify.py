"""The verifier on small real programs: real gcc builds, real clang ThreadSanitizer + Archer runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autopar.cli.main import main
from autopar.tools.verify import VerificationResult, compare_values, parse_output, verify

KERNELS = Path(__file__).resolve().parent.parent / "benchmarks" / "kernels"
needs_compilers = pytest.mark.skipif(shutil.which("gcc") is None or shutil.which("clang") is None,
                                     reason="needs gcc and clang")

SUM = """#include <stdio.h>
#ifndef N
#define N 20000
#endif
static double a[N];
int main(void) {
    for (int i = 0; i < N; i++)
        a[i] = 0.25 * (i % 17) + 1.0 / (i + 1);
    double s = 0.0;
PRAGMA
    for (int i = 0; i < N; i++)
        s += a[i];
    printf("time_s 0.0\\n");
    printf("checksum %.17g\\n", s);
    return 0;
}
"""


def _write(tmp_path: Path, name: str, pragma: str = "") -> str:
    path = tmp_path / name
    path.write_text(SUM.replace("PRAGMA", pragma))
    return str(path)


# --------------------------------------------------------------------------- comparison rules

def test_integers_compare_exactly_and_floats_within_the_tolerance():
    assert compare_values(["42", "1.0"], ["42", "1.0000000001"], 1e-6).match
    assert not compare_values(["42"], ["43"], 1.0).match  # even a huge tolerance does not excuse integers
    loose = compare_values(["1.0"], ["1.001"], 1e-2)
    assert loose.match and loose.max_relative_error == pytest.approx(0.001, rel=1e-3)
    strict = compare_values(["1.0"], ["1.001"], 1e-6)
    assert not strict.match and "relative error" in strict.message
    assert not compare_values(["1.0", "2.0"], ["1.0"]).match  # a missing value is a difference
    assert not compare_values(["nan"], ["1.0"]).match


def test_checksum_lines_are_compared_and_time_lines_are_not():
    output = parse_output("kernel x\nsize N=4\ntime_s 0.50\nchecksum 12\nchecksum 3.5\n")
    assert output.values == ["12", "3.5"] and output.time_s == 0.5 and output.from_checksum_lines
    plain = parse_output("result = 7\ntime_s 1\n")
    assert plain.values == ["result", "=", "7"] and not plain.from_checksum_lines


# ------------------------------------------------------------------------ whole verifications

@pytest.mark.slow
@needs_compilers
def test_a_correct_parallelization_passes(tmp_path):
    original = _write(tmp_path, "sum.c")
    rewritten = _write(tmp_path, "sum_omp.c", "#pragma omp parallel for reduction(+: s)")
    result = verify(original, rewritten, repeat=1, warmup=0, threads=2)
    assert result.compiled_ok and result.output_match is True and result.race_free is True
    assert result.verified, result.errors
    assert result.max_relative_error <= result.tolerance == 1e-6
    assert {t.threads for t in result.timings_rewritten} == {1, 2}


@pytest.mark.slow
@needs_compilers
def test_a_hand_written_kernel_with_a_max_reduction_passes(tmp_path):
    # The copy lies elsewhere, as verify's and bench's own rewrites do: it still finds harness.h.
    copy = tmp_path / "jacobi_omp.c"
    copy.write_bytes((KERNELS / "jacobi_omp.c").read_bytes())
    small = ["-O2", "-DN=48", "-DITERS=3"]
    result = verify(str(KERNELS / "jacobi.c"), str(copy), flags=small, repeat=1, warmup=0)
    assert result.verified, result.errors
    assert result.race_free is True  # the race check built the copy too
    assert len(result.reference_values) == 2  # the grid checksum and the last residual


@pytest.mark.slow
@needs_compilers
def test_a_racy_pragma_fails_the_race_check(tmp_path):
    original = _write(tmp_path, "sum.c")
    racy = _write(tmp_path, "sum_racy.c", "#pragma omp parallel for")  # s is shared: a data race
    result = verify(original, racy, repeat=1, warmup=0)
    assert result.race_free is False
    assert "ThreadSanitizer" in result.tsan_excerpt and "sum_racy.c" in result.tsan_excerpt
    assert not result.verified and "FAILED" in result.summary()


def test_a_race_is_reported_before_the_output_difference_it_causes():
    def result(**fields) -> VerificationResult:
        return VerificationResult(original="a.c", rewritten="b.c", compiler="gcc", flags=[], threads=[1, 2],
                                  tolerance=1e-6, compiled_ok=True, max_relative_error=0.5, **fields)

    both = result(output_match=False, race_free=False).summary()
    assert both.startswith("FAILED: data race") and "output differs" in both
    assert result(output_match=False, race_free=True).summary().startswith("FAILED: output differs")
    assert result(output_match=True, race_free=False).summary() == "FAILED: data race found by ThreadSanitizer"


def test_a_race_check_that_could_not_run_is_no_verification():
    """The TSan build of a racy rewrite failed (a GNU nested function clang refuses) and verify said
    "verified ... race check not run", exit 0. Asked for and not run, it fails; skipped on purpose
    (--no-race-check: no check at all), it does not."""
    from autopar.tools.verify.results import RaceCheck

    common = dict(original="a.c", rewritten="b.c", compiler="gcc", flags=[], threads=[1, 2], tolerance=1e-6,
                  compiled_ok=True, output_match=True, max_relative_error=0.0)
    failed = VerificationResult(**common, race_check=RaceCheck(ran=False, error="ThreadSanitizer build failed: x\ny"))
    assert not failed.verified and "race check could not run (ThreadSanitizer build failed: x;" in failed.summary()
    assert VerificationResult(**common).verified


@needs_compilers
def test_an_original_that_prints_nothing_is_not_verified(tmp_path):
    """Results written to stderr or a file: two empty outputs matched, and verify said "verified"
    about a rewrite that computed another value."""
    text = "#include <stdio.h>\nint main(void) {{ long s = 0; for (int i = 0; i < 1000; i++) s += i % {0};\n" \
           "  fprintf(stderr, \"%ld\\n\", s); return 0; }}\n"
    (tmp_path / "a.c").write_text(text.format(7))
    (tmp_path / "b.c").write_text(text.format(5))
    result = verify(str(tmp_path / "a.c"), str(tmp_path / "b.c"), repeat=1, warmup=0, threads=2, check_races=False)
    assert not result.verified and "prints nothing on standard output" in result.summary()


@pytest.mark.slow
@needs_compilers
def test_a_wrong_reduction_fails_the_output_comparison(tmp_path):
    original = _write(tmp_path, "sum.c")
    wrong = _write(tmp_path, "sum_max.c", "#pragma omp parallel for reduction(max: s)")  # + was meant
    result = verify(original, wrong, repeat=1, warmup=0)
    assert result.race_free is True  # a reduction clause is race-free; only the output shows the bug
    assert result.output_match is False and result.max_relative_error > 1e-6
    assert not result.verified and "output differs" in result.summary()


@pytest.mark.slow
@needs_compilers
def test_a_rewrite_that_does_not_compile_is_reported(tmp_path):
    original = _write(tmp_path, "sum.c")
    broken = _write(tmp_path, "sum_bad.c", "#pragma omp parallel for reduction(+: nosuchvar)")
    result = verify(original, broken, repeat=1, warmup=0, check_races=False)
    assert not result.compiled_ok and not result.verified
    assert any("nosuchvar" in error for error in result.errors)


@pytest.mark.slow
@needs_compilers
def test_verify_command_exit_codes(tmp_path, capsys):
    original = _write(tmp_path, "sum.c")
    good = _write(tmp_path, "sum_omp.c", "#pragma omp parallel for reduction(+: s)")
    wrong = _write(tmp_path, "sum_max.c", "#pragma omp parallel for reduction(max: s)")
    assert main(["verify", original, "--rewritten", good, "--repeat", "1", "-DN=5000"]) == 0
    assert "verified" in capsys.readouterr().out
    assert main(["verify", original, "--rewritten", wrong, "--repeat", "1", "--no-race-check"]) == 1
    assert main(["verify", str(tmp_path / "missing.c")]) == 2


def test_the_commands_defaults_are_the_verifiers():
    from autopar.cli import bench_commands
    from autopar.tools import verify as verifier

    assert bench_commands.DEFAULT_REPEAT == verifier.DEFAULT_REPEAT
    assert bench_commands.DEFAULT_TOLERANCE == verifier.DEFAULT_TOLERANCE


def test_the_verify_and_bench_parsers_are_built_without_importing_the_verifier():
    import subprocess
    import sys

    code = ("import argparse, sys, autopar.cli.bench_commands as b; sub = argparse.ArgumentParser().add_subparsers(); "
            "b.add_verify(sub); b.add_bench(sub); print('autopar.tools.verify' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False"]


def test_a_slow_program_is_timed_by_the_runs_that_fit_the_budget():
    from autopar.tools.verify import time_runs

    timing, runs = time_runs(shutil.which("sleep"), ["0.2"], threads=1, repeat=5, warmup=1, budget_s=0.1)
    assert len(runs) == 1 and timing is not None
    assert timing.measure == "wall" and timing.median_s >= 0.2 and len(timing.runs_s) == 1
    timing, runs = time_runs(shutil.which("sleep"), ["0.01"], threads=1, repeat=3, warmup=1)
    assert len(runs) == 4 and len(timing.runs_s) == 3 and timing.min_s <= timing.median_s <= timing.max_s


@pytest.mark.slow
@needs_compilers
def test_the_plan_verifier_for_the_reasoner_rejects_a_racy_plan(tmp_path):
    from autopar.ir import ReductionOp
    from autopar.decision.pipeline import load_translation_unit
    from autopar.plans.plan import NestAnalysis, Plan, Reduction
    from autopar.tools.verify import make_plan_verifier

    path = _write(tmp_path, "sum.c")
    tu = load_translation_unit(path, [])
    loop = [loop for loop in tu.loops if loop.parent is None][-1]  # the `s += a[i]` loop
    nest = NestAnalysis(root_loop_id=loop.id)
    check = make_plan_verifier(path, ["-O1", "-DN=4000"])
    good = Plan(loop_id=loop.id, reductions=[Reduction(op=ReductionOp.ADD, variables=["s"])])
    assert check(tu, nest, good) == []
    # The race may or may not also change the output on this run; the race is reported first either way.
    problems = check(tu, nest, Plan(loop_id=loop.id))
    assert problems and "race" in problems[0]
    # A work threshold would keep the small test input serial; the check runs the parallel code anyway.
    hidden = check(tu, nest, Plan(loop_id=loop.id, threshold_check="N > 1000000000"))
    assert hidden and "race" in hidden[0]


@pytest.mark.slow
@needs_compilers
def test_verify_without_a_rewritten_file_rewrites_with_autopars_plans(tmp_path, capsys):
    original = _write(tmp_path, "sum.c")
    kept = tmp_path / "sum.par.c"
    code = main(["verify", original, "-o", str(kept), "--repeat", "1", "-DN=5000"])
    out = capsys.readouterr().out
    assert "default plans" in out and "pragma(s) inserted" in out
    assert code == 0, out  # whatever autopar inserted must verify
    assert kept.read_text().startswith("#include <stdio.h>")


@pytest.mark.skipif(not shutil.which("gcc"), reason="needs gcc")
def test_the_default_tolerance_follows_the_floating_point_policy(tmp_path, monkeypatch):
    path = tmp_path / "p.c"
    path.write_text('#include <stdio.h>\nint main(void) { printf("checksum %.17g\\n", 0.1 + 0.2); return 0; }\n')
    monkeypatch.delenv("AUTOPAR_FP_REDUCTIONS", raising=False)

    def tolerance(*flags):
        result = verify(str(path), str(path), flags=["-O1", *flags], repeat=1, warmup=0,
                                 check_races=False, workdir=str(tmp_path / "w"))
        assert result.verified
        return result.tolerance

    assert tolerance() == 1e-6
    assert tolerance("-frounding-math") == 0.0  # strict: floating-point output must match exactly
    monkeypatch.setenv("AUTOPAR_FP_REDUCTIONS", "strict")
    assert tolerance("-ffast-math") == 0.0
    assert compare_values(["1.0"], ["1.0000001"], 0.0).match is False
