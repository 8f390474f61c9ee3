"""`autopar analyze`: the JSON report, the text table, exit codes, and every kind of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from autopar.cli.main import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MATMUL = os.path.join(ROOT, "benchmarks", "examples", "matmul.c")
LOOP = "void f(int *a, int n) {\n  for (int i = 0; i < n; i++)\n    a[i] = 0;\n}\n"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["analyze", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _write(tmp_path, name: str, content) -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


def test_json_report_lists_every_loop_in_source_order(capsys):
    code, out, err = _run(capsys, MATMUL, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["version"] == 1 and len(report["files"]) == 1
    loops = report["files"][0]["loops"]
    assert [(l["line"], l["column"]) for l in loops] == [(7, 5), (8, 9), (10, 13), (19, 5), (20, 9), (22, 13),
                                                         (31, 5), (38, 5), (47, 5), (53, 5)]
    first = loops[0]
    assert first["id"] == f"{MATMUL}:7:5" and first["function"] == "matmul" and first["depth"] == 0
    assert first["parent"] is None and first["induction_variable"] == "i"
    assert loops[1]["parent"] == first["id"] and loops[2]["depth"] == 2
    for loop in loops:
        assert {"parallel", "pragma", "proof", "reasons"} <= set(loop)


def test_text_table(capsys):
    code, out, _ = _run(capsys, MATMUL, "--format", "table")
    assert code == 0
    assert "matmul_restrict" in out and "7:5" in out and "for k" in out
    assert "10 for loops" in out


def test_missing_file_exits_2(capsys, tmp_path):
    code, _, err = _run(capsys, str(tmp_path / "missing.c"))
    assert code == 2
    assert f"{tmp_path / 'missing.c'}: no such file" in err


def test_syntax_errors_exit_1_with_diagnostics_and_loops(capsys, tmp_path):
    path = _write(tmp_path, "broken.c", "void f(int *a, int n) {\n  int x = ;\n"
                  "  for (int j = 0; j < n; j++) a[j] = 0;\n}\n")
    code, out, err = _run(capsys, path, "--format", "json")
    assert code == 1
    report = json.loads(out)["files"][0]
    assert [(l["line"], l["column"]) for l in report["loops"]] == [(3, 3)]
    assert report["diagnostics"][0]["severity"] == "error" and report["diagnostics"][0]["line"] == 2
    code, out, err = _run(capsys, path, "--format", "text")
    assert code == 1
    assert f"{path}:2:11: error: expected expression" in err


@pytest.mark.parametrize("content, message", [
    (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00", "not a C/C++ source file (binary: it has NUL bytes)"),
    (bytes(range(128, 256)) * 4, "not a C/C++ source file (binary: 512 of 512 bytes are not text)"),
])
def test_binary_files(capsys, tmp_path, content, message):
    path = _write(tmp_path, "bad.c", content)
    code, out, err = _run(capsys, path)
    assert code == 1
    assert f"autopar: {path}: " in err and message in err
    code, out, _ = _run(capsys, path, "--format", "json")
    assert message in json.loads(out)["files"][0]["error"]


@pytest.mark.parametrize("name, content", [("empty.c", ""), ("api.h", "#pragma once\nint f(int);\n")])
def test_files_without_loops(capsys, tmp_path, name, content):
    path = _write(tmp_path, name, content)
    code, out, err = _run(capsys, path)
    assert code == 0 and err == ""
    assert out.strip() == f"{path}: no for loops"


def test_unknown_flag_warns_and_goes_on(capsys, tmp_path):
    path = _write(tmp_path, "k.c", LOOP)
    code, out, err = _run(capsys, path, "-fno-such-flag")
    assert code == 0
    assert "warning: unknown argument: '-fno-such-flag'" in err
    assert "2:3" in out


def test_compile_flags_and_build_dir(capsys, tmp_path):
    path = _write(tmp_path, "k.c", "void f(int *a) {\n#ifdef ON\n  for (int i = 0; i < 4; i++) a[i] = 0;\n#endif\n}\n")
    assert "no for loops" in _run(capsys, path)[1]
    assert "3:3" in _run(capsys, path, "-DON")[1]
    (tmp_path / "compile_commands.json").write_text(json.dumps(
        [{"directory": str(tmp_path), "file": "k.c", "arguments": ["cc", "-DON", "-c", "k.c"]}]))
    assert "3:3" in _run(capsys, path, "-p", str(tmp_path))[1]


def relative_database(tmp_path) -> str:
    """src/k.c, whose loop needs -DON and -Iinc, and build/compile_commands.json naming its directory
    "../src" (relative to the database's folder); the current directory is their parent."""
    (tmp_path / "src" / "inc").mkdir(parents=True)
    (tmp_path / "src" / "inc" / "cfg.h").write_text("#define SCALE 2.0\n")
    _write(tmp_path, "src/k.c", '#include "cfg.h"\nvoid f(double *a, int n) {\n#ifdef ON\n'
                                "    for (int i = 0; i < n; i++) a[i] = SCALE;\n#endif\n}\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "compile_commands.json").write_text(json.dumps(
        [{"directory": "../src", "file": "k.c", "arguments": ["cc", "-Iinc", "-DON", "-c", "k.c"]}]))
    return str(tmp_path / "src" / "k.c")


def test_a_relative_directory_in_the_database_is_relative_to_the_database(capsys, tmp_path, monkeypatch):
    # it was taken relative to the current directory: no entry for the file, and so no flags
    path = relative_database(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, path, "-p", "build")
    assert code == 0 and err == "" and "4:5" in out


def test_one_bad_file_does_not_hide_the_others(tmp_path):
    """Through the installed command: a binary file and a missing file beside a good one."""
    bad = _write(tmp_path, "bad.c", b"\x00\x01\x02")
    good = _write(tmp_path, "good.c", LOOP)
    autopar = os.path.join(os.path.dirname(sys.executable), "autopar")
    done = subprocess.run([autopar, "analyze", bad, str(tmp_path / "gone.c"), good, "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr
    assert done.returncode == 2  # a missing file is a usage error, and it wins
    files = json.loads(done.stdout)["files"]
    assert [f["path"] for f in files] == [bad, str(tmp_path / "gone.c"), good]
    assert "binary" in files[0]["error"] and "no such file" in files[1]["error"]
    assert files[2]["error"] is None and [l["line"] for l in files[2]["loops"]] == [2]
    done = subprocess.run([autopar, "analyze", bad, good], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{good}" in done.stdout and "2:3" in done.stdout


def test_text_table_keeps_brackets_of_subscripts_and_proofs(capsys):
    code, out, _ = _run(capsys, os.path.join(ROOT, "benchmarks", "examples", "matmul.c"))
    assert code == 0
    flat = " ".join(out.split())  # the table folds long cells over several lines
    assert "flow dependence from out[i] (line 32) to out[i - 1] (line 32)" in flat
    assert "[runtime-check]" in flat


DSUM = "double dsum(const double *d, int n) {\n  double s = 0;\n  for (int i = 0; i < n; i++)\n    s += d[i];\n  return s;\n}\n"


def test_fp_reductions_option_strict_keeps_a_double_sum_serial(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AUTOPAR_FP_REDUCTIONS", raising=False)
    path = _write(tmp_path, "dsum.c", DSUM)

    def loop(*argv):
        code, out, err = _run(capsys, path, "--format", "json", *argv)
        assert code == 0, err
        return json.loads(out)["files"][0]["loops"][0]

    default = loop()
    assert default["pragma"] == ("#pragma omp parallel for reduction(+: s) "
                                 "if((n > 10000) && (autopar_team_pays_((double)(n) * 2e-05)))")
    assert any("result may differ in rounding" in r for r in default["reasons"])
    strict = loop("--fp-reductions", "strict")
    assert not strict["parallel"]
    assert any("strict floating-point policy" in r for r in strict["reasons"])
    monkeypatch.setenv("AUTOPAR_FP_REDUCTIONS", "strict")  # the option wins over the environment
    assert loop("--fp-reductions", "allow")["parallel"]
    assert _run(capsys, path, "--fp-reductions", "sloppy")[0] == 2


def test_fp_reductions_option_does_not_outlive_the_command(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AUTOPAR_FP_REDUCTIONS", raising=False)
    path = _write(tmp_path, "dsum.c", DSUM)
    assert _run(capsys, path, "--fp-reductions", "strict")[0] == 0
    assert "AUTOPAR_FP_REDUCTIONS" not in os.environ
