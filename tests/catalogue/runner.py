"""Run the loop catalogue: analyse each file, check the expected decisions, then apply the pragmas,
compile with gcc -fopenmp, run on 2 threads and compare with the serial output, and run the same
program under clang's ThreadSanitizer with Archer (exit code 66 means a data race).

Used by tests/test_catalogue.py; also runnable by hand: `python tests/catalogue/runner.py [file.c ...]`.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from autopar.ir import TranslationUnit  # noqa: E402
from autopar.decision.pipeline import FileAnalysis, analyze_file  # noqa: E402
from autopar.plans.plan import Decision, Directive, Plan  # noqa: E402
from autopar.edit.edits import apply_edits  # noqa: E402
from autopar.plans.plan import render_pragma  # noqa: E402
from autopar.edit.rewrite import copies_checked, plan_rewrite  # noqa: E402
from autopar.tools.verify import FORCED_PATH_FLAGS, without_threshold  # noqa: E402

RACE_EXIT = 66
REL_TOL = 1e-6  # float reductions are reassociated


@dataclass
class FileResult:
    path: Path
    analysis: FileAnalysis
    failures: list[str] = field(default_factory=list)
    checked: int = 0  # catalogue entries checked
    parallel: int = 0  # catalogue entries expected parallel


def expectations() -> dict[str, dict[str, dict]]:
    return yaml.safe_load((HERE / "expected.yaml").read_text())


def _nests(tu: TranslationUnit, function: str):
    return [l for l in tu.nest_roots() if l.function == function]


def check_expectations(result: FileResult, table: dict[str, dict]) -> None:
    fa = result.analysis
    tu = fa.tu
    reports = {l.id: l for l in fa.report.loops}
    for function, want in table.items():
        result.checked += 1
        roots = _nests(tu, function)
        if not roots:
            result.failures.append(f"{function}: no loop found")
            continue
        root = roots[want.get("nest", -1)]
        nest = [root, *tu.descendants(root.id)]
        par = [l for l in nest if reports[l.id].parallel]
        where = f"{result.path.name}:{function}"
        if "serial" in want:
            if par:
                result.failures.append(f"{where}: expected serial, got {reports[par[0].id].pragma}")
                continue
            reasons = [r for l in nest for r in reports[l.id].reasons]
            if not any(want["serial"] in r for r in reasons):
                result.failures.append(f"{where}: no reason mentions {want['serial']!r}: {reasons[:3]}")
            codes = [c for l in nest for c in reports[l.id].codes]
            if "code" in want and want["code"] not in codes:
                result.failures.append(f"{where}: no reason has the code {want['code']!r}: {codes}")
            for iv in want.get("legal", []):  # (legal, and left serial by the cost model)
                if not any(reports[l.id].parallelizable and reports[l.id].induction_variable == iv for l in nest):
                    result.failures.append(f"{where}: the loop over {iv} is not parallelizable")
            continue
        result.parallel += 1
        if len(par) != want.get("count", 1):
            result.failures.append(f"{where}: expected {want.get('count', 1)} parallel loop(s), got {len(par)}: "
                                   f"{[reports[l.id].reasons[:1] for l in nest]}")
            continue
        got = reports[par[0].id]
        # the decision, without the start-up gate every threshold gets (tested in test_rewrite.py)
        plan = next((d.plan for d in fa.decisions if d.plan and d.plan.loop_id == par[0].id), None)
        if plan is not None and plan.startup_work:
            got = got.model_copy(update={"pragma": render_pragma(plan.model_copy(update={"startup_work": None}))})
        if any(reports[l.id].induction_variable != want["loop"] for l in par):
            result.failures.append(f"{where}: pragma on loop {got.induction_variable}, expected {want['loop']}")
        if "pragma" in want and got.pragma != want["pragma"]:
            result.failures.append(f"{where}: pragma {got.pragma!r}, expected {want['pragma']!r}")
        for part in want.get("contains", []):
            if part not in (got.pragma or ""):
                result.failures.append(f"{where}: pragma {got.pragma!r} lacks {part!r}")
        if got.proof != want.get("proof", "static"):
            result.failures.append(f"{where}: proof {got.proof}, expected {want.get('proof', 'static')}")
        if "root_code" in want and want["root_code"] not in reports[root.id].codes:
            result.failures.append(f"{where}: outer loop codes lack {want['root_code']!r}: {reports[root.id].codes}")
        if "root_reason" in want:
            reasons = reports[root.id].reasons
            if not any(want["root_reason"] in r for r in reasons):
                result.failures.append(f"{where}: outer loop reasons lack {want['root_reason']!r}: {reasons[:2]}")


def apply_plans(source: str, tu: TranslationUnit, plans: list[Plan]) -> str:
    """Each plan's pragma line above its loop, conditions as if() clauses (the simplest rewrite),
    and the start-up gate's definition where a condition calls it."""
    data = source.encode()
    decisions = [Decision(root_loop_id=plan.loop_id, plan=plan) for plan in plans]
    planned = plan_rewrite(data, tu, decisions, versioning=False, share_regions=False)
    # a loop that steps by a variable is edited only beside its serial copy (its guard picks it), and
    # so is one with per-thread copies under a runtime alias check (the copy runs when the check fails)
    # or with a runs check (the copy runs when the loop does not)
    strided = [d for d in decisions if d.plan.loop_id in planned.skipped and (
               tu.loop(d.plan.loop_id).canonical and tu.loop(d.plan.loop_id).canonical.step_symbol
               or d.plan.alias_check and (d.plan.locations or "[:" in str(d.plan.reductions))
               or d.plan.runs_check or copies_checked(d.plan))]
    edits = list(planned.edits)
    if strided:
        versioned = plan_rewrite(data, tu, strided, versioning=True, share_regions=False)
        assert not versioned.skipped, versioned.skipped
        edits = sorted(edits + versioned.edits, key=lambda edit: edit.offset)
        for d in strided:
            planned.skipped.pop(d.plan.loop_id)
    assert not planned.skipped, planned.skipped
    return apply_edits(data, edits).decode()


def _run(cmd: list[str], env: Optional[dict] = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def same_output(a: str, b: str) -> Optional[str]:
    """None when equal, numbers within a relative tolerance; else the first differing line."""
    la, lb = a.splitlines(), b.splitlines()
    if len(la) != len(lb):
        return f"{len(la)} lines vs {len(lb)} lines"
    for x, y in zip(la, lb):
        tx, ty = x.split(), y.split()
        if len(tx) != len(ty):
            return f"{x!r} vs {y!r}"
        for u, v in zip(tx, ty):
            if u == v:
                continue
            try:
                fu, fv = float(u), float(v)
            except ValueError:
                return f"{x!r} vs {y!r}"
            if not math.isclose(fu, fv, rel_tol=REL_TOL, abs_tol=1e-12):
                return f"{x!r} vs {y!r}"
    return None


def compile_and_compare(result: FileResult, variants: dict[str, list[Plan] | str], workdir: Path,
                        tsan: bool = True) -> None:
    """Build the serial program and each variant; run on 4 threads; compare; race-check with TSan
    (with 2 threads TSan missed some boundary races; with 4 it caught them every time)."""
    src = result.path.read_text()
    tu = result.analysis.tu
    env = dict(os.environ, OMP_NUM_THREADS="4", TSAN_OPTIONS="ignore_noninstrumented_modules=1")
    stem = result.path.stem
    suffix = result.path.suffix  # .c with gcc and clang, .cpp with g++ and clang++
    cc, tsan_cc = ("g++", "clang++") if suffix == ".cpp" else ("gcc", "clang")
    serial_c = workdir / f"{stem}{suffix}"
    serial_c.write_text(src)
    exe = workdir / f"{stem}.serial"
    build = _run([cc, "-O1", "-fopenmp", "-w", "-o", str(exe), str(serial_c), "-lm"])
    if build.returncode:
        result.failures.append(f"{stem}: serial build failed: {build.stderr[:500]}")
        return
    reference = _run([str(exe)], env).stdout
    for name, plans in variants.items():
        if not plans:
            continue
        text = plans if isinstance(plans, str) else apply_plans(src, tu, plans)
        c_file = workdir / f"{stem}.{name}{suffix}"
        c_file.write_text(text)
        exe = workdir / f"{stem}.{name}.gcc"
        build = _run([cc, "-O1", "-fopenmp", "-w", *FORCED_PATH_FLAGS, "-o", str(exe), str(c_file), "-lm"])
        if build.returncode:
            result.failures.append(f"{stem}/{name}: gcc -fopenmp failed: {build.stderr[:800]}")
            continue
        run = _run([str(exe)], env)
        diff = same_output(reference, run.stdout)
        if run.returncode or diff:
            result.failures.append(f"{stem}/{name}: 2-thread output differs from serial: {diff} (rc {run.returncode})")
        if not tsan:
            continue
        exe = workdir / f"{stem}.{name}.tsan"
        build = _run([tsan_cc, "-g", "-O1", "-fsanitize=thread", "-fopenmp", "-w", *FORCED_PATH_FLAGS,
                      "-o", str(exe), str(c_file), "-lm"])
        if build.returncode:
            result.failures.append(f"{stem}/{name}: clang TSan build failed: {build.stderr[:800]}")
            continue
        run = _run([str(exe)], env, timeout=300)
        if run.returncode == RACE_EXIT:
            race = re.search(r"WARNING: ThreadSanitizer: data race.*?(?=\n\n)", run.stderr, re.S)
            result.failures.append(f"{stem}/{name}: data race: {race.group(0)[:1500] if race else run.stderr[:1500]}")
        elif run.returncode:
            result.failures.append(f"{stem}/{name}: TSan run failed with {run.returncode}: {run.stderr[:500]}")
        else:
            diff = same_output(reference, run.stdout)
            if diff:
                result.failures.append(f"{stem}/{name}: TSan run output differs: {diff}")


def variants_of(fa: FileAnalysis) -> dict[str, list[Plan]]:
    """'default': the analyzer's choices; 'alt1'..'alt3': other candidates of each nest, so that
    collapse, schedules, thresholds and simd are compiled and race-checked too. (Not the offload
    plans: ThreadSanitizer cannot run a target region; tests/test_offload.py builds them for a host
    device with memory of its own.)"""
    default = [d.plan for d in fa.decisions if d.plan is not None]
    alt1, alt2, alt3 = [], [], []
    for nest in fa.nests:
        others = [c for c in nest.candidates if c.id != nest.default_candidate_id
                  and c.plan.directive != Directive.TARGET]
        if others:
            alt1.append(others[-1].plan)
            if len(others) > 1:
                alt2.append(others[0].plan)
            if len(others) > 2:
                alt3.append(others[len(others) // 2].plan)
    return {"default": default, "alt1": alt1, "alt2": alt2, "alt3": alt3}


def rewritten(fa: FileAnalysis, path: Path) -> str:
    """The file as `autopar rewrite` writes it (versioned loops, shared regions), with the default
    plans but no work thresholds, so that the catalogue's small inputs take the parallel paths."""
    forced = [d.model_copy(update={"plan": without_threshold(d.plan)}) if d.plan else d for d in fa.decisions]
    source = path.read_bytes()
    return apply_edits(source, plan_rewrite(source, fa.tu, forced).edits).decode()


def run_file(path: Path, table: dict[str, dict], workdir: Path, tsan: bool = True) -> FileResult:
    fa = analyze_file(str(path))
    result = FileResult(path=path, analysis=fa)
    if fa.tu is None:
        result.failures.append(f"{path.name}: analysis failed: {fa.report.error}")
        return result
    check_expectations(result, table)
    compile_and_compare(result, {**variants_of(fa), "rewrite": rewritten(fa, path)}, workdir, tsan=tsan)
    return result


def main(argv: list[str]) -> int:
    table = expectations()
    files = [Path(a) for a in argv] or sorted([*HERE.glob("*.c"), *HERE.glob("*.cpp")])
    workdir = Path(tempfile.mkdtemp(prefix="autopar-catalogue-"))
    failed = 0
    try:
        for path in files:
            result = run_file(path.resolve(), table.get(path.name, {}), workdir)
            print(f"{path.name}: {result.checked} loops checked, {result.parallel} parallel, "
                  f"{len(result.failures)} failures")
            for f in result.failures:
                print("  -", f)
            failed += bool(result.failures)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
