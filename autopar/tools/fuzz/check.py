"""One program, built and run every way, and the outcome classified.

- the reference: plain `gcc -O1`, run once (it must build, run and exit 0, else generator-invalid);
- `autopar-cc` (AUTOPAR_CC=gcc, AUTOPAR_CACHE=0, AUTOPAR_REPORT): its warning line tells a fallback
  (the rewrite did not compile) from an analysis failure; run with OMP_NUM_THREADS=1 and 4, stdout
  and exit status must equal the reference's exactly;
- the rewrite with `--target gpu` (offload plans, autopar.plans.candidates.offload), where it has any: built
  by clang for libomptarget's host device (`-fopenmp-targets=x86_64-pc-linux-gnu`, memory of its own,
  so a missing or short map clause shows) and run with OMP_TARGET_OFFLOAD=MANDATORY, and by gcc
  (host fallback); both outputs must equal the reference's;
- the rewrite with `--optimize` (restructured nests, autopar.edit.restructure), where it restructures any:
  without its work thresholds, built with gcc -fopenmp and run with 4 threads, and under
  ThreadSanitizer + Archer; both outputs must equal the reference's;
- the rewrite as `autopar rewrite` makes it (autopar.edit.transform, in a forked child), without its work
  thresholds (clauses or versioned loops: so that the small inputs run the parallel code, as `autopar
  verify` does it), built with gcc -fopenmp and with clang ThreadSanitizer + Archer, each run with 4
  threads: a race is exit code 66 or a ThreadSanitizer report, and its output must match too. A pragma
  that gcc rejects is dropped from this build (a fallback already), so it cannot hide the other pragmas.

Classes, worst first: mismatch, race, analysis-crash, fallback-did-not-compile, timeout; ok; and
generator-invalid when the reference itself fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import autopar
from autopar.tools import verify
from autopar.tools.verify.offload import TARGET_PROBE
from autopar.edit.restructure import plan as restructure_plan
from autopar.edit.atomic_updates import ATOMIC
from autopar.edit.versioning import SERIAL_COPY_MARK
from autopar.tools.fuzz.texts import omp_directives, pragma_lines, without_lines

# the test that selects a specialized copy: `if (pool == 2 && w == 512u) {`
_SPECIALIZED = re.compile(r"\s*if \((?:\w+ == \(?-?\d+[uUlL]*\)?(?: && )?)+\) \{\s*")

CLASSES = ["mismatch", "race", "analysis-crash", "fallback-did-not-compile", "timeout"]  # worst first
OK, INVALID = "ok", "generator-invalid"
THREADS, RACE_THREADS = (1, 4), 4
REFERENCE_FLAGS = ["-O1", "-w"]
RUN_TIMEOUT_S = 5.0  # the programs run in milliseconds; csmith's may loop for long
# the `--target gpu` builds run each target region on the host, a team of teams: 16,000 (a function called
OFFLOAD_TIMEOUT_FACTOR = 4  # 8,000 times, twice) took 2.6 s at 4 threads on 2 cores; 40 s loaded, unless passive
TSAN_TIMEOUT_S, ANALYSIS_TIMEOUT_S = 60.0, 120


@dataclass
class Problem:
    kind: str  # one of CLASSES
    detail: str
    build: str = ""  # autopar-cc | rewrite-gcc | rewrite-tsan | analysis
    threads: Optional[int] = None


@dataclass
class Outcome:
    kind: str  # ok, generator-invalid, or the worst problem's class
    problems: list[Problem] = field(default_factory=list)
    loops: int = 0
    parallel: list[dict] = field(default_factory=list)  # {"line", "pragma", "proof"} per inserted pragma
    fallback: bool = False
    seconds: float = 0.0
    # kept for a bad case: file name -> text
    files: dict[str, str] = field(default_factory=dict)
    rewrite: Optional[str] = None  # the rewrite of `autopar rewrite`
    rewrite_forced: Optional[str] = None  # the same without work thresholds, when it differs
    offloaded: int = 0  # target regions of the `--target gpu` rewrite
    restructured: int = 0  # nests the `--optimize` rewrite restructured
    reference_stdout: str = ""
    rejected_by_gcc: list[int] = field(default_factory=list)  # rewrite lines of pragmas gcc refused
    versioned: int = 0  # loops and regions of the rewrite with a serial copy
    shared_regions: int = 0  # `#pragma omp parallel` regions of the rewrite around serial loops
    specialized: int = 0  # parallel copies of a loop for the constants its callers pass
    atomic_updates: int = 0  # update statements the rewrite makes atomic (autopar.edit.atomic_updates)
    # the texts the other builds ran (`--target gpu`, `--optimize`): build name -> text
    variants: dict[str, str] = field(default_factory=dict)

    @property
    def bad(self) -> bool:
        return self.kind not in (OK, INVALID)

    def summary(self) -> dict:
        data = asdict(self)
        for key in ("files", "rewrite", "rewrite_forced", "reference_stdout", "variants"):
            data.pop(key)
        return data


# ------------------------------------------------------------------------------------------ tools

def tool_env(extra: Optional[dict] = None) -> dict:
    """The environment for autopar's own commands: they run this checkout's code."""
    root = str(Path(autopar.__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH", "")
    env = dict(os.environ, PYTHONPATH=root + (os.pathsep + path if path else ""))
    env.update(extra or {})
    return env


def tool_command(name: str) -> list[str]:
    """`autopar` / `autopar-cc` beside this Python, or the same entry point through `python -c`."""
    script = Path(sys.executable).parent / name
    if script.exists():
        return [str(script)]
    entry, function = {"autopar": ("autopar.cli.main", "main"), "autopar-cc": ("autopar.tools.cc", "main"),
                       "autopar-cxx": ("autopar.tools.cc", "main_cxx")}[name]
    return [sys.executable, "-c", f"import sys; from {entry} import {function}; sys.exit({function}())"]


# ------------------------------------------------------------------------------------ the checker

class Checker:
    """Checks programs in `workdir`; `cflags` go to every build (say, csmith's include folder)."""

    def __init__(self, workdir: str, cflags: Sequence[str] = (), run_timeout: float = RUN_TIMEOUT_S,
                 races: bool = True, cxx: bool = False):
        self.workdir = Path(workdir)
        # C++ programs: the same builds with g++, clang++ and autopar-cxx
        self.cxx = cxx
        self.suffix = ".cpp" if cxx else ".c"
        self.gcc, self.clang = ("g++", "clang++") if cxx else ("gcc", "clang")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.cflags, self.link_flags = verify.split_link_flags(cflags)  # (`-lm` goes after the source)
        self.run_timeout = run_timeout
        self.races = races and verify.tsan_available() is None
        self.offload_text: Optional[str] = None  # the last program's `--target gpu` rewrite, if it offloads
        self.optimized_text: Optional[str] = None  # its `--optimize` rewrite (no thresholds), if it restructures
        self.gated_text: Optional[str] = None  # the same as `rewrite --optimize` writes it (work thresholds)

    def path(self, name: str) -> str:
        return str(self.workdir / name)

    # ---------------------------------------------------------------------------------- pieces

    def build_gcc(self, source_text: str, name: str, openmp: bool) -> verify.CompileResult:
        source = self.path(name + self.suffix)
        Path(source).write_text(source_text)
        forced = verify.FORCED_PATH_FLAGS if openmp else []  # the OpenMP builds here are the forced rewrites
        return verify.compile_source(source, self.path(name), self.gcc, [*REFERENCE_FLAGS, *forced, *self.cflags],
                                     openmp=openmp, link_flags=self.link_flags)

    def run(self, executable: str, threads: int, timeout: Optional[float] = None,
            extra_env: Optional[dict] = None) -> verify.RunResult:
        return verify.run_program(executable, threads=threads, timeout=timeout or self.run_timeout,
                                  extra_env=extra_env)

    def tsan(self, source_text: str, name: str) -> tuple[Optional[verify.RaceCheck], Optional[verify.RunResult]]:
        """The race check of verify, plus the run's output (to compare it too)."""
        source = self.path(name + self.suffix)
        Path(source).write_text(source_text)
        executable = self.path(name)
        built = verify.compile_source(source, executable, self.clang, [*verify.TSAN_FLAGS, "-w", *self.cflags],
                                      openmp=False, link_flags=self.link_flags)
        if not built.ok:
            return verify.RaceCheck(ran=False, threads=RACE_THREADS, command=built.command,
                                    error="ThreadSanitizer build failed: " + built.stderr.strip()[:500]), None
        run = self.run(executable, RACE_THREADS, TSAN_TIMEOUT_S, extra_env=verify.TSAN_ENV)
        report = verify.races._tsan_report(run.stderr)
        if run.returncode == verify.TSAN_EXIT_CODE or report:
            return verify.RaceCheck(ran=True, race_free=False, threads=RACE_THREADS, command=built.command,
                                    excerpt=report or run.stderr[-3000:]), run
        return verify.RaceCheck(ran=run.returncode is not None, race_free=run.returncode is not None or None,
                                threads=RACE_THREADS, command=built.command), run

    def rewrite(self, source: str) -> tuple[Optional[str], Optional[str], str]:
        """`source` as `autopar rewrite` writes it, and the same without work thresholds (verify's
        race-check source: small inputs take the parallel paths), from one analysis in a forked child:
        (text or None, text without thresholds or None, why there is none). The `--target gpu`
        rewrite, when it has target regions, is kept in `offload_text`."""
        from autopar.tools.cc import WrapperError, _isolated

        self.offload_text = self.optimized_text = self.gated_text = None
        try:
            result = _isolated(_rewrites, source, list(self.cflags), timeout=ANALYSIS_TIMEOUT_S)
        except WrapperError as error:
            return None, None, str(error)
        self.offload_text = result.get("offload")
        self.optimized_text = result.get("optimized")
        self.gated_text = result.get("gated")
        return result["text"], result["forced"], result["error"] or ""

    def compilable(self, text: str, name: str) -> tuple[str, list[int], Optional[verify.CompileResult]]:
        """`text` without the pragmas gcc rejects: (text, 0-based lines of the dropped pragmas in
        `text`, the build of the result or None when it still does not build)."""
        dropped: list[int] = []
        current = text
        for _ in range(8):
            built = self.build_gcc(current, name, openmp=True)
            if built.ok:
                return current, dropped, built
            lines = pragma_lines(current)
            culprits = set()
            for match in re.finditer(r":(\d+):\d+: error:", built.stderr):
                error_line = int(match.group(1)) - 1
                above = [p for p in lines if p < error_line]
                if above:
                    culprits.add(above[-1])
            if not culprits:
                return current, dropped, None
            remaining = [i for i in range(len(text.splitlines())) if i not in set(dropped)]
            dropped += [remaining[c] for c in sorted(culprits)]
            current = without_lines(current, sorted(culprits))
        return current, dropped, None

    # --------------------------------------------------------------------------------- a program

    def check(self, source_text: str, name: str = "program", rewrite: Optional[str] = None) -> Outcome:
        """Check one program. With `rewrite`, that text stands for `autopar rewrite`'s (to test the
        checker itself with a pragma that is known to be wrong)."""
        start = time.monotonic()
        outcome = self._check(source_text, name, rewrite)
        outcome.seconds = round(time.monotonic() - start, 2)
        return outcome

    def _check(self, source_text: str, name: str, rewrite: Optional[str]) -> Outcome:
        outcome = Outcome(kind=OK)
        source = self.path(name + self.suffix)
        Path(source).write_text(source_text)
        outcome.files[name + self.suffix] = source_text

        reference = verify.compile_source(source, self.path(name + ".ref"), self.gcc,
                                          [*REFERENCE_FLAGS, *self.cflags], openmp=False, link_flags=self.link_flags)
        if not reference.ok:
            outcome.kind = INVALID
            outcome.problems.append(Problem(INVALID, "the reference does not compile: " + reference.stderr[:300]))
            return outcome
        expected = self.run(reference.executable, 1)
        if expected.returncode != 0:
            outcome.kind = INVALID
            why = "timed out" if expected.returncode is None else f"exited with {expected.returncode}"
            outcome.problems.append(Problem(INVALID, f"the reference {why}"))
            return outcome
        outcome.reference_stdout = expected.stdout
        outcome.files["reference.out"] = expected.stdout

        self._autopar_cc(source, name, outcome, expected)
        self._rewrites(source, name, outcome, expected, rewrite)
        if rewrite is None and self.offload_text:
            _check_offload(self, self.offload_text, name, outcome, expected)
        if rewrite is None and self.optimized_text:
            _check_optimized(self, self.optimized_text, name, outcome, expected)
        if rewrite is None and self.gated_text and self.gated_text != self.optimized_text:
            _check_gated(self, self.gated_text, name, outcome, expected)
        kinds = [p.kind for p in outcome.problems]
        outcome.kind = next((k for k in CLASSES if k in kinds), OK)
        return outcome

    def _autopar_cc(self, source: str, name: str, outcome: Outcome, expected: verify.RunResult) -> None:
        report_path = self.path(name + ".report.jsonl")
        if os.path.exists(report_path):
            os.unlink(report_path)
        executable = self.path(name + ".autopar")
        env = tool_env({"AUTOPAR_CXX" if self.cxx else "AUTOPAR_CC": self.gcc, "AUTOPAR_CACHE": "0",
                        "AUTOPAR_REPORT": report_path, "AUTOPAR_TIMEOUT": str(ANALYSIS_TIMEOUT_S)})
        command = [*tool_command("autopar-cxx" if self.cxx else "autopar-cc"), *REFERENCE_FLAGS, *self.cflags, source,
                   "-o", executable, *self.link_flags]
        try:
            built = subprocess.run(command, capture_output=True, text=True, env=env,
                                   timeout=ANALYSIS_TIMEOUT_S + 60)
        except subprocess.TimeoutExpired:
            outcome.problems.append(Problem("timeout", "autopar-cc ran too long", "autopar-cc"))
            return
        outcome.files["autopar-cc.stderr"] = built.stderr
        self._read_report(report_path, outcome)
        problems = classify_warnings(built.stderr)
        outcome.fallback = any(p.kind == "fallback-did-not-compile" for p in problems)
        outcome.problems += problems
        if built.returncode != 0 or not os.path.exists(executable):
            outcome.problems.append(Problem("analysis-crash", f"autopar-cc exited with {built.returncode}: "
                                            + built.stderr.strip()[-300:], "autopar-cc"))
            return
        for threads in THREADS:
            self._compare(self.run(executable, threads), expected, outcome, "autopar-cc", threads)

    def _read_report(self, report_path: str, outcome: Outcome) -> None:
        try:
            lines = Path(report_path).read_text().splitlines()
        except OSError:
            return
        if not lines:
            return
        report = json.loads(lines[-1])["file"]
        outcome.files["report.json"] = json.dumps(report, indent=1)
        loops = report.get("loops", [])
        outcome.loops = len(loops)
        outcome.parallel = [{"line": loop["line"], "pragma": loop["pragma"], "proof": loop.get("proof")}
                            for loop in loops if loop.get("parallel") and loop.get("pragma")]

    def _compare(self, run: verify.RunResult, expected: verify.RunResult, outcome: Outcome, build: str,
                 threads: int, timeout: Optional[float] = None) -> bool:
        outcome.files[f"{build}-{threads}.out"] = run.stdout
        if run.returncode is None:
            outcome.problems.append(Problem("timeout", f"{build} with {threads} thread(s) ran longer than "
                                            f"{timeout or self.run_timeout:g} s", build, threads))
            return False
        if run.returncode != expected.returncode or run.stdout != expected.stdout:
            outcome.problems.append(Problem("mismatch", f"{build} with {threads} thread(s): "
                                            + describe_difference(expected, run), build, threads))
            return False
        return True

    def _rewrites(self, source: str, name: str, outcome: Outcome, expected: verify.RunResult,
                  given: Optional[str]) -> None:
        text, forced, stderr = (given, None, "") if given is not None else self.rewrite(source)
        if text is None:
            if not any(p.kind == "analysis-crash" for p in outcome.problems):
                outcome.problems.append(Problem("analysis-crash", "autopar rewrite failed: " + stderr.strip()[-300:],
                                                "analysis"))
            return
        outcome.rewrite = text
        outcome.versioned, outcome.atomic_updates = text.count(SERIAL_COPY_MARK), text.count(ATOMIC)
        # the `#pragma omp parallel` regions (an if() clause at most) that the rewrite opened
        outcome.shared_regions = sum(1 for d in omp_directives(text) if d.omp.directive == ["parallel"]
                                     and [c.name for c in d.omp.clauses] in ([], ["if"]))
        pragmas = set(pragma_lines(text))
        outcome.specialized = sum(1 for i, line in enumerate(text.splitlines())
                                  if _SPECIALIZED.fullmatch(line) and i + 1 in pragmas)
        outcome.files[name + ".rewrite" + self.suffix] = text
        if not pragma_lines(text):
            return
        tested = text
        if forced is not None and forced != text:  # thresholds, as if() clauses or versioned loops
            outcome.rewrite_forced = tested = forced
            outcome.files[name + ".rewrite-nothreshold" + self.suffix] = forced
        runnable, dropped, built = self.compilable(tested, name + ".rw")
        outcome.rejected_by_gcc = dropped
        if dropped and not outcome.fallback:
            outcome.problems.append(Problem("fallback-did-not-compile", "gcc rejects the pragmas on rewrite lines "
                                            + ", ".join(str(d + 1) for d in dropped), "rewrite-gcc"))
        if built is not None and pragma_lines(runnable):
            self._compare(self.run(built.executable, RACE_THREADS), expected, outcome, "rewrite-gcc", RACE_THREADS)
        self.judge_tsan(tested, name + ".tsan", "rewrite-tsan", "tsan", outcome, expected)

    def judge_tsan(self, text: str, name: str, build: str, files: str, outcome: Outcome,
                   expected: verify.RunResult) -> None:
        """`text` under ThreadSanitizer + Archer with 4 threads (when races are checked): a race, a
        timeout, or its output compared with the reference's; the report kept as `<files>.stderr`."""
        if not self.races:
            return
        check, run = self.tsan(text, name)
        if check.race_free is False:
            outcome.problems.append(Problem("race", (check.excerpt or "")[:2000], build, RACE_THREADS))
            outcome.files[files + ".stderr"] = run.stderr if run else ""
        elif run is not None:
            if run.returncode is None:
                outcome.problems.append(Problem("timeout", "the ThreadSanitizer build ran too long", build,
                                                RACE_THREADS))
            else:
                self._compare(run, expected, outcome, build, RACE_THREADS)
        elif check.error:
            outcome.files[files + ".build-error"] = check.error


OFFLOAD_FLAGS = ["-fopenmp", "-fopenmp-targets=x86_64-pc-linux-gnu"]


def _offload_build(checker: "Checker", text: str, name: str, compiler: str, suffix: str = "") -> verify.CompileResult:
    """`text` built for offload by the compiler family named (clang or gcc), in the checker's language."""
    source = checker.path(name + (suffix or checker.suffix))
    Path(source).write_text(text)
    clang = compiler == "clang"
    if not suffix:
        compiler = checker.clang if clang else checker.gcc
    flags = [*REFERENCE_FLAGS, *(checker.cflags if not suffix else []),
             *(OFFLOAD_FLAGS if clang else ["-fopenmp", *verify.gcc_offload_flags(compiler)])]
    return verify.compile_source(source, checker.path(name), compiler, flags, openmp=False, link_flags=checker.link_flags)


_HOST_DEVICE: dict[str, bool] = {}


# the builds of the other rewrites: build name -> (compiler, built for offload, the runs' environment)
VARIANT_BUILDS = {"offload-host-device": ("clang", True, {"OMP_TARGET_OFFLOAD": "MANDATORY", "OMP_WAIT_POLICY": "passive"}),
                  "offload-gcc": ("gcc", True, {"OMP_TARGET_OFFLOAD": "DISABLED", "OMP_WAIT_POLICY": "passive"}),
                  "optimize-gcc": ("gcc", False, {}), "gated-gcc": ("gcc", False, {})}


def build_variant(checker: "Checker", build: str, text: str, name: str) -> verify.CompileResult:
    """`text` built as the build named `build` (a key of VARIANT_BUILDS) builds it."""
    compiler, offload, _ = VARIANT_BUILDS[build]
    return _offload_build(checker, text, name, compiler) if offload else checker.build_gcc(text, name, openmp=True)


def _host_device(checker: "Checker") -> bool:
    """Whether clang builds and runs a target region on libomptarget's host device (once per process)."""
    if "ok" not in _HOST_DEVICE:
        built = _offload_build(checker, TARGET_PROBE, "host-device-probe", "clang", suffix=".c")
        _HOST_DEVICE["ok"] = built.ok and checker.run(built.executable, 1, extra_env={
            "OMP_TARGET_OFFLOAD": "MANDATORY"}).returncode == 0
    return _HOST_DEVICE["ok"]


def _check_offload(checker: "Checker", text: str, name: str, outcome: Outcome, expected: verify.RunResult) -> None:
    """The `--target gpu` rewrite on libomptarget's host device (clang) and on the host (gcc, whose build
    also compiles the target regions for nvptx where it can)."""
    outcome.offloaded = text.count("#pragma omp target")
    outcome.files[name + ".offload" + checker.suffix] = text
    for build in ("offload-host-device", "offload-gcc"):
        compiler, _, env = VARIANT_BUILDS[build]
        if compiler == "clang" and not _host_device(checker):
            continue  # this clang has no libomptarget host device: the gcc build still runs
        outcome.variants[build] = text
        built = build_variant(checker, build, text, f"{name}.{build}")
        if not built.ok:
            outcome.problems.append(Problem("fallback-did-not-compile", f"{compiler}: " + built.stderr.strip()[:500],
                                            build))
            continue
        timeout = OFFLOAD_TIMEOUT_FACTOR * checker.run_timeout
        checker._compare(checker.run(built.executable, RACE_THREADS, timeout=timeout, extra_env=env), expected,
                         outcome, build, RACE_THREADS, timeout)


def _check_optimized(checker: "Checker", text: str, name: str, outcome: Outcome, expected: verify.RunResult) -> None:
    """The `--optimize` rewrite (restructured nests, without work thresholds) with gcc and under TSan."""
    outcome.restructured = len(re.findall(r"^\s*#define \w*S0\(", text, re.MULTILINE))
    outcome.files[name + ".optimized" + checker.suffix] = text
    outcome.variants["optimize-gcc"] = outcome.variants["optimize-tsan"] = text
    if _built_and_compared(checker, text, name + ".opt", "optimize-gcc", outcome, expected):
        checker.judge_tsan(text, name + ".opt-tsan", "optimize-tsan", "optimize-tsan", outcome, expected)


def _check_gated(checker: "Checker", text: str, name: str, outcome: Outcome, expected: verify.RunResult) -> None:
    """The `--optimize` rewrite as users get it, its parallel loops under work thresholds, with gcc."""
    outcome.files[name + ".optimized-gated" + checker.suffix] = text
    outcome.variants["gated-gcc"] = text
    _built_and_compared(checker, text, name + ".gated", "gated-gcc", outcome, expected)


def _built_and_compared(checker: "Checker", text: str, name: str, build: str, outcome: Outcome,
                        expected: verify.RunResult) -> bool:
    """`text` built with gcc -fopenmp, its output compared at RACE_THREADS threads; False if it did not build."""
    built = checker.build_gcc(text, name, openmp=True)
    if not built.ok:
        outcome.problems.append(Problem("fallback-did-not-compile", "gcc: " + built.stderr.strip()[:500], build))
        return False
    checker._compare(checker.run(built.executable, RACE_THREADS), expected, outcome, build, RACE_THREADS)
    return True


def classify_warnings(stderr: str) -> list[Problem]:
    """The problems that autopar-cc's warning lines report (see autopar/tools/cc.py)."""
    problems = []
    for line in stderr.splitlines():
        if "autopar-cc: warning:" not in line:
            continue
        if "the parallelized copy did not compile" in line:
            problems.append(Problem("fallback-did-not-compile", line.strip(), "autopar-cc"))
        elif "took longer than" in line:
            problems.append(Problem("timeout", line.strip(), "analysis"))
        elif "has omp pragmas of its own" in line:
            continue  # the user's choice, not a failure
        elif "not parallelized" in line:
            problems.append(Problem("analysis-crash", line.strip(), "analysis"))
    return problems


def describe_difference(expected: verify.RunResult, got: verify.RunResult) -> str:
    if got.returncode != expected.returncode:
        return f"exit status {got.returncode} instead of {expected.returncode}"
    want, have = expected.stdout.splitlines(), got.stdout.splitlines()
    for index, (a, b) in enumerate(zip(want, have)):
        if a != b:
            return f"line {index + 1}: expected {a!r}, got {b!r}"
    return f"{len(have)} lines instead of {len(want)}"


def _rewrites(path: str, flags: list[str]) -> dict:
    """In a forked child: the rewrite as `autopar rewrite` makes it, and verify's copy without thresholds."""
    # a program of one source, built alone: a whole program, as autopar-cc sees it
    made = verify.rewrite_with_plans(path, flags, whole_program=True)
    if made.error:
        return {"text": None, "forced": None, "error": made.error}
    forced = made.race_check_source
    gated = verify.rewrite_with_plans(path, flags, optimize=True, whole_program=True)
    # the restructured code is what is checked: every schedule the cache-line model ranks below the
    # source order, not only those it saves enough lines with to be the default (a forked child: the
    # setting ends with it)
    restructure_plan.MAX_COST_RATIO = 1.0
    optimized = verify.rewrite_with_plans(path, flags, optimize=True, whole_program=True)
    restructured = not optimized.error and optimized.source != made.source and \
        optimized.race_check_source is not None
    gated_differs = not gated.error and gated.source != made.source
    os.environ["AUTOPAR_TARGET"] = "gpu"  # (a forked child: the variable ends with it)
    offload = verify.rewrite_with_plans(path, flags, whole_program=True)
    offload_text = offload.source.decode("utf-8", "surrogateescape") if not offload.error else None
    return {"text": made.source.decode("utf-8", "surrogateescape"), "error": None,
            "forced": forced.decode("utf-8", "surrogateescape") if forced is not None else None,
            "offload": offload_text if offload_text and "#pragma omp target" in offload_text else None,
            "optimized": optimized.race_check_source.decode("utf-8", "surrogateescape") if restructured else None,
            "gated": gated.source.decode("utf-8", "surrogateescape") if gated_differs else None}
