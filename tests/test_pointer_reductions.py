"""Array reductions on what a pointer points to (NAS's error norms): the front end's list of pointers
a loop names only as `p[e]`, the exact-interval rule, the runtime check's cover, and the validator."""

from __future__ import annotations

import pytest

from autopar.decision.pipeline import analyze_file
from autopar.deps import Analysis, exact_interval
from autopar.plans.candidates import validate_plan
from autopar.plans.plan import Reduction
from autopar.ir import ReductionOp

HEAD = "#include <math.h>\n"


def _norms(body: str, params: str = "double *rms, const double *u", bound: str = "1000", width: str = "5") -> str:
    return (HEAD + f"void norms({params}) {{\n"
            f"    for (int i = 0; i < {bound}; i++)\n"
            f"        for (int m = 0; m < {width}; m++) {{\n"
            f"            {body}\n"
            "        }\n}\n")


def _outer(fa):
    return next(l for l in fa.tu.loops if l.function == "norms" and l.depth == 0)


def _analyze(tmp_path, text, name="n.c"):
    path = tmp_path / name
    path.write_text(text)
    return analyze_file(str(path))


def _report(fa):
    outer = _outer(fa)
    return next(r for r in fa.report.loops if r.id == outer.id)


@pytest.mark.parametrize("body, listed", [
    ("rms[m] = rms[m] + u[i * 5 + m] * u[i * 5 + m];", True),
    ("(rms)[m] += u[i * 5 + m];", True),
    ("rms[m] += u[i * 5 + m] * (double)sizeof(rms);", False),
    ("rms[m] += u[i * 5 + m] * (double)sizeof rms[0];", True),
    ("rms[m] += u[i * 5 + m] + (rms == u);", False),
    ("double *q = rms; q[m] += u[i * 5 + m];", False),
    ("double *q = &rms[m]; *q += u[i * 5 + m];", False),
    ("m[rms] += u[i * 5 + m];", False),
    ("*(rms + m) += u[i * 5 + m];", False),
    ("rms[m] += u[i * 5 + m] + *rms;", False),
    ("__typeof__(rms) q = 0; rms[m] += u[i * 5 + m] + (q != 0);", False),
    ("char t[sizeof rms]; t[0] = 1; rms[m] += u[i * 5 + m] + t[0];", False),
    ("{ int rms = 1; (void)rms; } rms[m] += u[i * 5 + m];", False),  # another variable of the name inside the loop
    ("if (m > 9) goto out; rms[m] += u[i * 5 + m]; out: ;", False),
])
def test_the_front_end_lists_pointers_named_only_as_subscript_bases(tmp_path, body, listed):
    fa = _analyze(tmp_path, _norms(body))
    keys = _outer(fa).subscripted_pointers
    assert any(k.startswith("rms@") for k in keys) == listed, keys
    if "goto" not in body and "== u" not in body:
        assert any(k.startswith("u@") for k in keys), keys  # the read-only pointer beside it


def test_an_array_parameter_is_a_pointer_and_its_address_taken_anywhere_unlists_it(tmp_path):
    fa = _analyze(tmp_path, _norms("rms[m] += u[i * 5 + m];", params="double rms[5], const double *u"))
    assert [k for k in _outer(fa).subscripted_pointers if k.startswith("rms@")]
    text = _norms("rms[m] += u[i * 5 + m];").replace("{\n    for", "{\n    double **keep = &rms; (void)keep;\n    for", 1)
    fa = _analyze(tmp_path, text, "taken.c")
    assert not [k for k in _outer(fa).subscripted_pointers if k.startswith("rms@")]


@pytest.mark.parametrize("body, bound, width, size", [
    ("rms[m] += u[i * 5 + m];", "1000", "5", 5),
    ("rms[m] += u[i * 5 + m]; rms[4 - m] += 1.0;", "1000", "5", 5),
    ("rms[2 * m] += u[i * 5 + m];", "1000", "5", None),  # gaps
    ("rms[m + 1] += u[i * 5 + m];", "1000", "5", None),  # starts above 0
    ("rms[m - 1] += u[i * 5 + m];", "1000", "5", None),  # reaches below
    ("rms[m] += u[i * 5 + m];", "1000", "k", None),  # width depends on k
    ("if (u[i] > 0) rms[m] += u[i * 5 + m];", "1000", "5", None),  # a guard may skip elements
    ("if (u[i] > 0) continue; rms[m] += u[i * 5 + m];", "1000", "5", None),
    ("if (u[i] > 0) break; rms[m] += u[i * 5 + m];", "1000", "5", None),
    ("rms[i % 5] += u[i * 5 + m];", "1000", "5", None),  # not affine
])
def test_the_touched_elements_must_be_exactly_an_interval_from_zero(tmp_path, body, bound, width, size):
    fa = _analyze(tmp_path, _norms(body, params="double *rms, const double *u, int k", bound=bound, width=width))
    outer = _outer(fa)
    an = Analysis(fa.tu, outer)
    (obj,) = [o for o in an.model.objects.values() if o.path == "rms"]
    found = exact_interval(obj, an.model)
    assert (found.size if found else None) == size
    assert found is None or found.inner_runs == ()


def _deep_norms(bounds: str, body: str = "rms[m] += u[i * 5 + m];", params: str = "double *rms, const double *u, int lo, int hi") -> str:
    """NAS LU's l2norm: the sum over k, j (bounds `bounds`) and m of the squares of one row."""
    return (HEAD + f"void norms({params}) {{\n"
            "    for (int i = 0; i < 1000; i++)\n"
            f"        for (int j = {bounds}; j++)\n"
            "            for (int m = 0; m < 5; m++) {\n"
            f"                {body}\n"
            "            }\n}\n")


@pytest.mark.parametrize("bounds, body, size, inner_runs", [
    ("lo; j < hi", "rms[m] += u[i * 5 + m];", 5, ("(int)(lo) < (hi)",)),
    ("0; j < 7", "rms[m] += u[i * 5 + m];", 5, ()),  # constant bounds run: no test
    ("0; j < i", "rms[m] += u[i * 5 + m];", 5, ()),  # empty for i = 0 only: i = 1 touches all
    ("lo; j < hi + i", "rms[m] += u[i * 5 + m];", None, None),  # no test before the loop shows it runs
    ("lo; j < hi", "rms[m] += u[i * 5 + m]; hi = hi;", None, None),  # its bound is written in the loop
    ("lo; j < hi", "if (u[j] > 0) rms[m] += u[i * 5 + m];", None, None),
    ("lo; j < hi", "rms[m] += u[i * 5 + m]; if (u[j] > 0) break;", None, None),
])
def test_inner_loops_that_may_not_run_join_the_runs_test(tmp_path, bounds, body, size, inner_runs):
    """The elements 0..4 are all touched only when the loops between the analysed one and the
    accesses run: their first tests (bounds invariant in the nest) join the run-time check."""
    fa = _analyze(tmp_path, _deep_norms(bounds, body))
    an = Analysis(fa.tu, _outer(fa))
    (obj,) = [o for o in an.model.objects.values() if o.path == "rms"]
    found = exact_interval(obj, an.model)
    assert (found.size, found.inner_runs) == (size, inner_runs) if size else found is None, found


def test_an_outer_loop_reduces_when_its_inner_loops_run_and_the_plan_must_test_them(tmp_path):
    fa = _analyze(tmp_path, _deep_norms("lo; j < hi", "rms[m] = rms[m] + u[i * 5 + m] * u[j];"))
    outer = _outer(fa)
    nest = next(n for n in fa.nests if n.root_loop_id == outer.id)
    plan = next(c.plan for c in nest.candidates if c.id == nest.default_candidate_id)
    assert plan.loop_id == outer.id and plan.runs_check == "(int)(lo) < (hi)", plan
    assert [(r.op, r.variables) for r in plan.reductions] == [(ReductionOp.ADD, ["rms[:5]"])]
    assert "zero-trip" in _report(fa).codes
    assert validate_plan(fa.tu, nest, plan) == []
    problems = validate_plan(fa.tu, nest, plan.model_copy(update={"runs_check": None}))
    assert any("inner loops run" in p for p in problems), problems


def test_norms_get_a_pointer_reduction_whose_check_covers_the_interval(tmp_path):
    fa = _analyze(tmp_path, _norms("rms[m] = rms[m] + u[i * 5 + m] * u[i * 5 + m];"))
    report = _report(fa)
    assert report.parallelizable and "array-reduction" in report.codes, report.reasons
    outer = _outer(fa)
    nest = next(n for n in fa.nests if n.root_loop_id == outer.id)
    plan = next(c.plan for c in nest.candidates if c.id == nest.default_candidate_id)
    assert plan.loop_id == outer.id
    assert [(r.op, r.variables) for r in plan.reductions] == [(ReductionOp.ADD, ["rms[:5]"])]
    # the check keeps rms[0..4] (the elements the copy is added back into) apart from u[0..4999]
    assert plan.alias_check == ("(const char *)(rms + 5) <= (const char *)(u) || "
                                "(const char *)(u + 5000) <= (const char *)(rms)")
    assert validate_plan(fa.tu, nest, plan) == []
    # the validator accepts this section and nothing wider
    wider = plan.model_copy(update={"reductions": [Reduction(op=ReductionOp.ADD, variables=["rms[:6]"])]})
    assert any("cannot be reduced" in p for p in validate_plan(fa.tu, nest, wider))


def test_a_bound_of_unknown_sign_reduces_only_when_the_loop_runs(tmp_path):
    fa = _analyze(tmp_path, _norms("rms[m] += u[i * 5 + m];", params="double *rms, const double *u, int n",
                                   bound="n"))
    outer = _outer(fa)
    nest = next(n for n in fa.nests if n.root_loop_id == outer.id)
    plan = next(c.plan for c in nest.candidates if c.id == nest.default_candidate_id)
    assert plan.loop_id == outer.id and plan.runs_check == "(int)(0) < (n)"
    assert [(r.op, r.variables) for r in plan.reductions] == [(ReductionOp.ADD, ["rms[:5]"])]
    assert validate_plan(fa.tu, nest, plan) == []
    # without the test, a loop that does not run would still add the copies back into rms[0..4]
    assert any("runs check" in p for p in validate_plan(fa.tu, nest, plan.model_copy(update={"runs_check": None})))


@pytest.mark.parametrize("text", [
    _norms("rms[m] += u[i * 5 + m] + first(rms + 1);").replace(
        "void norms", "static double first(const double *p) { return p[0]; }\nvoid norms"),  # passed on
    _norms("rms[m] += u[i * 5 + m] + peek(m);").replace(
        "void norms", "double g[8];\nstatic double peek(int k) { return g[k]; }\nvoid norms"),  # a call
    _norms("rms[m] += u[i * 5 + m];", params="volatile double *rms, const double *u"),
])
def test_near_misses_stay_serial_and_the_validator_refuses_their_reduction(tmp_path, text):
    fa = _analyze(tmp_path, text)
    report = _report(fa)
    assert not report.parallelizable, report.reasons
    outer = _outer(fa)
    nest = next(n for n in fa.nests if n.root_loop_id == outer.id)
    forged = Reduction(op=ReductionOp.ADD, variables=["rms[:5]"])
    from autopar.plans.plan import Plan
    problems = validate_plan(fa.tu, nest, Plan(loop_id=outer.id, reductions=[forged]))
    # (a volatile element keeps the whole loop serial before any clause is looked at)
    assert any("cannot be reduced" in p or "the volatile rms[m]" in p for p in problems), problems


def test_cplusplus_gives_pointers_no_reduction_copies(tmp_path):
    """(Atomic updates, which rename nothing, remain: legal, and left serial by cost.)"""
    fa = _analyze(tmp_path, _norms("rms[m] += u[i * 5 + m];"), "n.cpp")
    assert not _outer(fa).subscripted_pointers
    nest = next(n for n in fa.nests if n.root_loop_id == _outer(fa).id)
    assert not any("[" in v for c in nest.candidates for r in c.plan.reductions for v in r.variables)
    assert not _report(fa).parallel and "atomic-updates" in _report(fa).codes


def test_copies_under_an_alias_check_are_written_only_beside_a_serial_copy(tmp_path):
    """Without a serial copy, a failed check would run the copies on a team of one: the loop would read
    the shared array's old values through the overlapping pointer (a declared array too: with u = hist,
    `hist[7 - (i & 7)] += u[i] + 1` gave 227437609984 instead of 256814812994)."""
    from autopar.edit.rewrite import plan_rewrite
    from autopar.plans.plan import Decision

    fa = _analyze(tmp_path, _norms("rms[m] = rms[m] + u[i * 5 + m] * u[i * 5 + m];"))
    outer = _outer(fa)
    nest = next(n for n in fa.nests if n.root_loop_id == outer.id)
    plan = next(c.plan for c in nest.candidates if c.id == nest.default_candidate_id)
    assert plan.alias_check
    source = (tmp_path / "n.c").read_bytes()
    decisions = [Decision(root_loop_id=outer.id, plan=plan)]
    plain = plan_rewrite(source, fa.tu, decisions, versioning=False)
    assert outer.id in plain.skipped and "serial copy" in plain.skipped[outer.id] and not plain.edits
    versioned = plan_rewrite(source, fa.tu, decisions, versioning=True)
    assert not versioned.skipped and any("autopar: off" in e.text for e in versioned.edits)


@pytest.mark.parametrize("header, hoisted", [
    ("for (idx j = lo; j < hi; j++)", False),  # a typedef declared inside the outer loop
    ("for (__typeof__(w) j = lo; j < hi; j++)", False),  # typeof of a local of the outer loop
    ("for (long j = lo; j < HI; j++)", True),  # an enum constant: its value, not its name
    ("for (long j = lo; j < hi; j++)", True),
])
def test_an_inner_test_is_written_from_its_bounds_not_from_names_the_outer_loop_may_shadow(tmp_path, header, hoisted):
    """Found by review: the test was copied from the source, evaluated before the outer loop, where
    `idx`, `HI` or `w` may name something else (a NULL sum was then written through)."""
    text = (HEAD + "typedef unsigned char idx;\nunsigned char w;\nint HI = 100;\nstatic double v[20][5];\n"
            "void norms(double *sum, long lo, long hi, int nk) {\n"
            "    for (int k = 0; k < nk; k++) {\n"
            "        typedef long idx; long w = 0; enum { HI = 3 }; (void)w;\n"
            f"        {header}\n"
            "            for (int m = 0; m < 5; m++)\n"
            "                sum[m] = sum[m] + v[k][m];\n"
            "    }\n}\n")
    fa = _analyze(tmp_path, text)
    outer = _outer(fa)
    nest = next(n for n in fa.nests if n.root_loop_id == outer.id)
    plans = [c.plan for c in nest.candidates if c.plan.loop_id == outer.id]
    if not hoisted:
        assert not plans, [p.runs_check for p in plans]
        return
    (plan,) = plans[:1]
    assert plan.runs_check.endswith("(long)(lo) < (3)" if "HI" in header else "(long)(lo) < (hi)"), plan.runs_check
