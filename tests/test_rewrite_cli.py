"""`autopar rewrite` end to end: real front end, real analysis, real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from autopar.cli.main import main
from rewrites import without_autopar_lines
from autopar.report.fixes import load_fixes
from autopar.edit.edits import apply_edits
from autopar.edit.team_gate import TEAM_GATE_DEFINITION

ROOT = Path(__file__).resolve().parent.parent
MATMUL = ROOT / "benchmarks" / "examples" / "matmul.c"
PROJECT = ROOT / "benchmarks" / "examples" / "project"
SCHEMA = json.loads((Path(__file__).parent / "data" / "clang-replacements.schema.json").read_text())


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(MATMUL, tmp_path / "matmul.c")
    shutil.copy(PROJECT / "vec.c", tmp_path / "vec.c")
    shutil.copy(PROJECT / "vec.h", tmp_path / "vec.h")
    return tmp_path


def _without_pragma_lines(data: bytes, newline: bytes = b"\n") -> bytes:
    return without_autopar_lines(data, newline)


def test_stdout_only_adds_pragma_lines(work, capfdbinary):
    original = (work / "matmul.c").read_bytes()
    assert main(["rewrite", "matmul.c"]) == 0
    out = capfdbinary.readouterr().out
    assert _without_pragma_lines(out) == original
    assert (work / "matmul.c").read_bytes() == original  # not touched without -i


def test_no_versioning_writes_one_pragma_line_with_an_if_clause(work, capfdbinary):
    original = (work / "matmul.c").read_bytes()
    assert main(["rewrite", "--no-versioning", "matmul.c"]) == 0
    out = capfdbinary.readouterr().out
    gate = TEAM_GATE_DEFINITION.encode()
    assert out.count(gate) == 1
    kept = [line for line in out.replace(gate, b"").split(b"\n") if not line.strip().startswith(b"#pragma omp")]
    assert b"\n".join(kept) == original and b"autopar: off" not in out
    assert (b"    #pragma omp parallel for if(((double)(n) * (n) * (n) > 6666) && "
            b"(autopar_team_pays_((double)(n) * (n) * (n) * 3e-05)))\n    for (int i = 0;") in out


def test_in_place_is_idempotent_and_keeps_a_backup(work):
    original = (work / "matmul.c").read_bytes()
    assert main(["rewrite", "-i", "--backup", ".orig", "matmul.c"]) == 0
    once = (work / "matmul.c").read_bytes()
    assert (work / "matmul.c.orig").read_bytes() == original
    assert main(["rewrite", "-i", "matmul.c"]) == 0
    assert (work / "matmul.c").read_bytes() == once


def test_crlf_file_stays_crlf(work, capfdbinary):
    crlf = (work / "matmul.c").read_bytes().replace(b"\n", b"\r\n")
    (work / "crlf.c").write_bytes(crlf)
    assert main(["rewrite", "crlf.c"]) == 0
    out = capfdbinary.readouterr().out
    assert out.count(b"\n") == out.count(b"\r\n")
    assert _without_pragma_lines(out, b"\r\n") == crlf


def test_export_fixes_matches_in_place(work):
    source = (work / "vec.c").read_bytes()
    assert main(["rewrite", "vec.c", "matmul.c", "--diff", "--export-fixes", "fixes.yaml"]) == 0
    document = yaml.safe_load((work / "fixes.yaml").read_text())
    jsonschema.validate(document, SCHEMA)
    edits = {}
    for path, edit in load_fixes((work / "fixes.yaml").read_text()):
        edits.setdefault(path, []).append(edit)
    assert main(["rewrite", "-i", "vec.c"]) == 0
    assert apply_edits(source, edits.get(str(work / "vec.c"), [])) == (work / "vec.c").read_bytes()


def test_diff_applies_with_patch(work, capsys):
    original = (work / "matmul.c").read_bytes()
    assert main(["rewrite", "--diff", "matmul.c"]) == 0
    diff = capsys.readouterr().out
    expected = subprocess.run([os.sys.executable, "-m", "autopar.cli", "rewrite", "matmul.c"],
                              capture_output=True).stdout
    subprocess.run(["patch", "-p1", "-s"], input=diff.encode(), check=True)
    assert (work / "matmul.c").read_bytes() == expected
    assert diff == "" or original != expected


def test_file_with_errors_is_left_alone(work, capsys):
    (work / "bad.c").write_text("int f(void) { return undeclared; }\nvoid g(int *a) { for (int i = 0; i < 3; i++) a[i] = 0; }\n")
    before = (work / "bad.c").read_bytes()
    assert main(["rewrite", "-i", "bad.c"]) == 1
    assert (work / "bad.c").read_bytes() == before
    assert "not rewritten" in capsys.readouterr().err


def test_failed_write_leaves_the_file_intact(work, monkeypatch, capsys):
    original = (work / "matmul.c").read_bytes()

    def boom(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    status = main(["rewrite", "-i", "matmul.c"])
    assert (work / "matmul.c").read_bytes() == original
    assert sorted(p.name for p in work.iterdir()) == ["matmul.c", "vec.c", "vec.h"]
    if status == 1:  # there was something to write
        assert "No space left on device" in capsys.readouterr().err


def test_usage_errors(work):
    assert main(["rewrite", "missing.c"]) == 2
    assert main(["rewrite", "--backup", ".b", "matmul.c"]) == 2
    assert main(["rewrite", "-i", "--diff", "matmul.c"]) == 2


def test_output_file_holds_what_stdout_would(work, capfdbinary):
    original = (work / "matmul.c").read_bytes()
    assert main(["rewrite", "matmul.c"]) == 0
    printed = capfdbinary.readouterr().out
    assert main(["rewrite", "matmul.c", "-o", "out.c"]) == 0
    assert capfdbinary.readouterr().out == b""
    assert (work / "out.c").read_bytes() == printed != original
    assert (work / "matmul.c").read_bytes() == original
    assert main(["rewrite", "--diff", "matmul.c", "-o", "out.diff"]) == 0
    assert (work / "out.diff").read_text().startswith("--- a/matmul.c")


def test_output_file_usage_errors(work, capsys):
    assert main(["rewrite", "-i", "matmul.c", "-o", "out.c"]) == 2
    assert main(["rewrite", "matmul.c", "vec.c", "-o", "out.c"]) == 2
    assert main(["rewrite", "matmul.c", "-o", "no/such/dir/out.c"]) == 2
    capsys.readouterr()
    # a command without -o of its own does not take a compiler's -o as a flag and drop it
    assert main(["analyze", "matmul.c", "-o", "report.json"]) == 2
    assert "-o is not an option" in capsys.readouterr().err
    assert not (work / "out.c").exists() and not (work / "report.json").exists()


@pytest.mark.slow
def test_matmul_gets_pragmas_and_still_computes_the_same(work, capfdbinary):
    """Needs the dependence analysis: pragmas on matmul, matmul_restrict and dot; not on the prefix sum."""
    assert main(["rewrite", "-i", "--report", "report.json", "matmul.c"]) == 0
    text = (work / "matmul.c").read_text()
    lines = text.splitlines()
    followers = [lines[i + 1].strip() for i, line in enumerate(lines)
                 if line.strip().startswith("#pragma omp") and "omp atomic" not in line]  # the gate's atomics
    assert followers and all(f.startswith("for (") for f in followers)
    report = json.loads((work / "report.json").read_text())
    parallel = {loop["function"] for loop in report["files"][0]["loops"] if loop["parallel"]}
    assert {"matmul", "matmul_restrict", "dot"} <= parallel and "prefix_sum" not in parallel
    # the work threshold chooses between the parallel loop and a serial copy of it
    assert ("    if (((double)(n) * (n) * (n) > 6666) && (autopar_team_pays_((double)(n) * (n) * (n) * 3e-05))) {\n"
            "    #pragma omp parallel for\n    for (int i = 0; i < n; i++)\n"
            "        for (int j") in text
    assert "    } else { /* autopar: off (the serial version of the loop above) */\n    for (int i = 0; i < n; i++)" in text
    for name, source in (("serial", MATMUL), ("parallel", work / "matmul.c")):
        subprocess.run(["gcc", "-O1", "-fopenmp", str(source), "-o", name], check=True)
    run = lambda name: subprocess.run([f"./{name}", "96"], capture_output=True, text=True,  # noqa: E731
                                      env={**os.environ, "OMP_NUM_THREADS": "2"}).stdout
    assert run("parallel") == run("serial")


@pytest.mark.slow
def test_macro_loop_is_never_edited(work):
    """The FOR_EACH loop of vec.c comes from a macro: untouched, and the report says why."""
    assert main(["rewrite", "-i", "--report", "r.json", "vec.c"]) == 0
    text = (work / "vec.c").read_text()
    assert "#pragma omp parallel for\n    FOR_EACH" not in text and "    FOR_EACH(i, n)" in text
    loops = json.loads((work / "r.json").read_text())["files"][0]["loops"]
    scale = [loop for loop in loops if loop["function"] == "scale_all"]
    assert scale and not scale[0]["parallel"]
    assert any("macro" in reason for reason in scale[0]["reasons"])


def test_opt_out_and_omp_regions_are_left_alone(work, capfdbinary):
    source = (b"void a(int n, double *restrict x) {\n"
              b"    // autopar: off\n"
              b"    for (int i = 0; i < n; i++)\n"
              b"        x[i] = 0;\n"
              b"}\n"
              b"void b(int n, double *restrict x) {\n"
              b"#pragma omp parallel\n"
              b"    {\n"
              b"        for (int i = 0; i < n; i++)\n"
              b"            x[i] = 1;\n"
              b"    }\n"
              b"}\n"
              b"void c(int n, double *restrict x) {\n"
              b"    for (int i = 0; i < n; i++)\n"
              b"        x[i] = 2;\n"
              b"}\n")
    (work / "o.c").write_bytes(source)
    assert main(["rewrite", "o.c", "--report", "o.json"]) == 0
    out = capfdbinary.readouterr().out
    # only c() may change (when the analysis proves it); a() and b() never
    out = out.replace(TEAM_GATE_DEFINITION.encode(), b"")
    assert out[:out.index(b"void c(")] == source[:source.index(b"void c(")]
    loops = {loop["function"]: loop for loop in json.loads((work / "o.json").read_text())["files"][0]["loops"]}
    assert not loops["a"]["parallel"] and not loops["b"]["parallel"]


def test_utf8_bom_tabs_and_no_final_newline_through_the_front_end(work, capfdbinary):
    source = ("\ufeff/* café € */\nvoid f(int n, double *restrict a) {\n    /* ü */ \n"
              "\tfor (int i = 0; i < n; i++)\n\t\ta[i] = 0;\n}").encode()
    (work / "u.c").write_bytes(source)
    assert main(["rewrite", "u.c"]) == 0
    out = capfdbinary.readouterr().out
    assert _without_pragma_lines(out) == source
    if out != source:  # the analysis proves the loop parallel: the pragma is tab-indented
        assert b"\n\tif ((n > 10000) && (autopar_team_pays_((double)(n) * 2e-05))) {\n\t#pragma omp parallel for\n\tfor (int i" in out
        assert out.startswith("\ufeff/* café € */\n".encode() + TEAM_GATE_DEFINITION.encode() + b"void f(")
