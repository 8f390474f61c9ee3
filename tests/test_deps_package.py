"""The dependence package's own rules: isl parameter names depend on the C name alone, and the caches
live on the translation unit they describe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autopar.deps.isl_text import c_name, param_name

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["n", "m*n", "s.n", "p->len", "a_b.c", "x.1f_2e_", "q->v[0]", "P_Qx"])
def test_parameter_names_round_trip(name):
    param = param_name(name)
    assert param.startswith("P_") and param.replace("_", "").isalnum()
    assert c_name(param) == name


def test_parameter_names_do_not_depend_on_the_hash_seed():
    code = "from autopar.deps.isl_text import param_name; print(param_name('s.n'), param_name('p->len'))"
    outs = set()
    for seed in ("1", "2", "random"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
        outs.add(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                check=True).stdout)
    assert len(outs) == 1


def test_pair_questions_are_kept_on_the_translation_unit():
    sys.path.insert(0, str(ROOT / "tests" / "catalogue"))
    from irbuild import Builder, var

    from autopar.deps import PairSolver, analysis
    from autopar.ir import Storage

    b = Builder()
    a = var("a", Storage.GLOBAL, "double[100][100][5]", dims=["100", "100", "5"])
    outer = b.loop("i", "0", "n")
    inner = b.loop("j", "1", "m", parent=outer)
    for c in range(3):  # a[i][j][c] = a[i][j-1][c]: one question for the three components
        b.access(inner, a, ["i", "j-1", str(c)], False)
        b.access(inner, a, ["i", "j", str(c)], True, stmt=b.stmt)
    solver = b.tu.cache("deps.PairSolver", PairSolver)
    carried = analysis(b.tu, outer.id).graph.carried_by(inner.id)
    assert sorted((e.kind, e.distance) for e in carried) == [("flow", "1")] * 3
    asked = len(solver._questions)
    assert asked <= 4  # (read, write), (write, read), (write, write) and nothing per component
    analysis(b.tu, outer.id)
    assert len(solver._questions) == asked


def test_an_analysed_unit_still_copies_and_pickles():
    import pickle

    from autopar.deps import PairSolver
    from autopar.decision.pipeline import analyze_tu, load_translation_unit

    tu = load_translation_unit(str(ROOT / "benchmarks" / "kernels" / "matmul.c"))
    analyze_tu(tu)
    assert tu.cache("deps.PairSolver", PairSolver)._questions  # isl sets, which do not copy
    for copy in (tu.model_copy(deep=True), pickle.loads(pickle.dumps(tu))):
        assert copy.loops == tu.loops
        assert not copy.cache("deps.PairSolver", PairSolver)._questions
