"""The library leaves the process as it found it; autopar's programs set what they need; the IR it
gives is frozen."""

import gc
import subprocess
import sys

import pytest
from pydantic import ValidationError

from autopar.decision.pipeline import analyze_file, load_translation_unit
from autopar.process import RECURSION_LIMIT

KERNEL = """\
void scale(double *restrict b, const double *restrict a, int n) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < 4; j++)
      b[4 * i + j] = 2.0 * a[4 * i + j];
}
"""


def _deep_sum(terms: int) -> str:
    """A loop whose statement nests `terms` levels deep (a generated sum)."""
    total = " + ".join(f"a[i + {k}]" for k in range(terms))
    return ("void f(double *restrict b, const double *restrict a, int n) {\n"
            f"  for (int i = 0; i < n; i++)\n    b[i] = {total};\n}}\n")


def test_the_front_end_leaves_the_collector_and_the_recursion_limit_alone(tmp_path, monkeypatch):
    from autopar.frontend import translate

    path = tmp_path / "k.c"
    path.write_text(KERNEL)
    state = lambda: (gc.isenabled(), gc.get_threshold(), sys.getrecursionlimit())  # noqa: E731
    seen = []
    passes = translate._translate

    def watched(*args):
        seen.append(state())  # while the front end works, not only after it
        return passes(*args)

    monkeypatch.setattr(translate, "_translate", watched)
    before = state()
    load_translation_unit(str(path))
    assert seen == [before] and state() == before


def test_the_analysis_leaves_what_its_caller_froze_frozen(tmp_path):
    path = tmp_path / "k.c"
    path.write_text(KERNEL)
    gc.freeze()  # as a caller (or autopar's program) may have done
    try:
        frozen = gc.get_freeze_count()
        analyze_file(str(path))
        # (a frozen object that is freed leaves the count: `unfreeze` would empty it)
        assert gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()


def test_the_ir_is_frozen(tmp_path):
    path = tmp_path / "k.c"
    path.write_text(KERNEL)
    tu = load_translation_unit(str(path))
    outer = tu.loops[0]
    for change in (lambda: setattr(outer, "depth", 3), lambda: setattr(outer.canonical, "step", 2),
                   lambda: setattr(outer.accesses[0], "is_write", False), lambda: setattr(tu, "path", "x.c")):
        with pytest.raises(ValidationError):
            change()
    copy = outer.model_copy(update={"depth": 3})  # a stage that needs another value makes a copy
    assert (copy.depth, outer.depth) == (3, 0)


def test_deep_code_is_analyzed_by_the_program_and_refused_clearly_by_a_library_caller(tmp_path):
    path = tmp_path / "deep.c"
    path.write_text(_deep_sum(1500))
    # the `autopar` program raises the recursion limit for its own process
    run = subprocess.run([sys.executable, "-m", "autopar.cli", "analyze", str(path), "--format", "json"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert '"parallel": true' in run.stdout
    # a caller of the library keeps its own limit: the file is refused with the reason, nothing raised
    limit = sys.getrecursionlimit()
    assert limit < RECURSION_LIMIT
    report = analyze_file(str(path)).report
    assert report.error is not None and "nests too deeply" in report.error and str(limit) in report.error
    assert sys.getrecursionlimit() == limit


@pytest.mark.parametrize("command", ["analyze", "check"])
def test_workers_started_afresh_get_the_programs_settings(tmp_path, command):
    """With `-j 2` the files go to worker processes. Started by forkserver (Linux from Python 3.14) or
    spawn (macOS), a worker inherits nothing from the program: it sets the process's settings itself."""
    (tmp_path / "deep.c").write_text(_deep_sum(1500))
    (tmp_path / "k.c").write_text(KERNEL)
    script = ("import multiprocessing, sys\nmultiprocessing.set_start_method('forkserver')\n"
              "from autopar.cli.main import program\n"
              f"sys.argv = ['autopar', {command!r}, 'deep.c', 'k.c', '-j', '2', '--format', 'json']\n"
              "sys.exit(program())\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert "nests too deeply" not in run.stdout + run.stderr
    assert run.returncode == (0 if command == "analyze" else 1), run.stderr  # check: the missed loops
    assert '"error": null' in run.stdout or '"error"' not in run.stdout
