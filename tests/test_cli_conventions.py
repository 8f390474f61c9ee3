"""The command line that users of clang-tidy, ruff and black expect, through the real CLI: strict
options, output for pipes and terminals, configuration files, CI exit codes, inputs, encodings, and
no traceback for a bad output path."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rewrites import without_autopar_lines
from autopar.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
MATMUL = ROOT / "benchmarks" / "examples" / "matmul.c"
AUTOPAR = os.path.join(os.path.dirname(sys.executable), "autopar")
AUTOPAR_CC = os.path.join(os.path.dirname(sys.executable), "autopar-cc")

LOOP = "void f(double *a, int n) {\n    for (int i = 0; i < n; i++)\n        a[i] = a[i] * 2.0;\n}\n"
# a 256-iteration zeroing loop: too small for threads, so the suggestion is `omp simd`
ZEROING = "double buf[256];\nvoid clear(void) {\n    for (int i = 0; i < 256; i++)\n        buf[i] = 0.0;\n}\n"
UNSAFE = ("double prefix(double *a, int n) {\n    #pragma omp parallel for\n    for (int i = 1; i < n; i++)\n"
          "        a[i] = a[i - 1] + 1.0;\n    return a[n - 1];\n}\n")
LINE = re.compile(r"^[^:\s]+:\d+:\d+: (remark|note|warning|error): .+ \[[\w/-]+\]$")


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def _cli(*argv, cwd=None, stdin: bytes | None = None, **env) -> subprocess.CompletedProcess:
    """The installed console script, as a user or CI runs it (stdout is a pipe)."""
    done = subprocess.run([AUTOPAR, *argv], capture_output=True, cwd=cwd, input=stdin, env=_env(**env),
                          timeout=300)
    assert b"Traceback" not in done.stderr + done.stdout, done.stderr.decode()
    return done


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k.c").write_text(LOOP)
    (tmp_path / "z.c").write_text(ZEROING)
    (tmp_path / "u.c").write_text(UNSAFE)
    return tmp_path


# ---------------------------------------------------------------------------- strict, conventional options

def test_a_mistyped_option_is_a_usage_error_with_a_suggestion(work, capsys):
    code, out, err = _run(capsys, "analyze", "--formt", "json", "k.c")
    assert code == 2 and out == ""
    assert "unknown option '--formt'; did you mean '--format'?" in err
    code, _, err = _run(capsys, "check", "--fail-onn", "unsafe", "k.c")
    assert code == 2 and "did you mean '--fail-on'?" in err
    code, _, err = _run(capsys, "analyze", "k.c", "-k")
    assert code == 2 and "unknown option '-k'" in err and "after `--`" in err
    code, _, err = _run(capsys, "analyse", "k.c")
    assert code == 2 and "did you mean 'analyze'?" in err


def test_compiler_flags_are_known_or_come_after_double_dash(work, capsys):
    (work / "inc").mkdir()
    code, out, err = _run(capsys, "analyze", "k.c", "-I", "inc", "-DN=4", "-std=c11", "-O2", "-Wall",
                          "-fno-strict-aliasing", "-march=x86-64", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["files"][0]["loops"][0]["parallel"]
    # after `--`, anything goes to the compiler (which warns about what it does not know)
    code, out, err = _run(capsys, "analyze", "k.c", "--", "-fno-such-flag")
    assert code == 0 and "unknown argument: '-fno-such-flag'" in err


def test_version_quiet_verbose(work):
    done = _cli("--version")
    assert done.returncode == 0 and re.fullmatch(rb"autopar \d+\.\d+\.\d+\n", done.stdout)
    loud = _cli("analyze", "k.c", cwd=work)
    quiet = _cli("analyze", "--quiet", "k.c", cwd=work)
    assert loud.returncode == quiet.returncode == 0
    assert b"1 for loop, 1 parallelized" in loud.stdout and b"parallelized" not in quiet.stdout.splitlines()[-1][-20:]
    assert len(quiet.stdout.splitlines()) == 1  # the loop, no summary
    assert _cli("-q", "analyze", "k.c", cwd=work).stdout == quiet.stdout  # before the command too
    (work / ".autopar.toml").write_text("jobs = 1\n")
    verbose = _cli("analyze", "-v", "k.c", cwd=work)
    assert b"configuration: " + str(work / ".autopar.toml").encode() in verbose.stderr


def test_color_follows_the_option_no_color_and_force_color(work):
    for argv, env, styled in [(["--color", "always"], {}, True), (["--color", "never"], {"FORCE_COLOR": "1"}, False),
                              ([], {"FORCE_COLOR": "1"}, True), ([], {}, False),
                              ([], {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False)]:
        for command in (["analyze", "k.c", "--format", "table"], ["check", "k.c"]):
            done = _cli(*command, *argv, cwd=work, **env)
            assert (b"\x1b[" in done.stdout) is styled, (command, argv, env, done.stdout)
    # NO_COLOR on a terminal: no colour and no bold or italic either (rich's no_color keeps those)
    out = _on_terminal(["analyze", "k.c"], work, NO_COLOR="1")
    assert "for i" in out and "\x1b[" not in out
    assert "\x1b[" in _on_terminal(["analyze", "k.c"], work)


def _on_terminal(argv: list[str], cwd: Path, **env) -> str:
    """Run the CLI with stdout on a pseudo-terminal; what it printed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([AUTOPAR, *argv], stdout=follower, stderr=subprocess.PIPE, cwd=cwd,
                               env=_env(COLUMNS="120", TERM="xterm", **env))
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=300)
    os.close(leader)
    assert b"Traceback" not in process.stderr.read()
    return b"".join(chunks).decode("utf-8", "replace")


# -------------------------------------------------------------------------- output for pipes and people

def test_one_line_per_loop_on_a_pipe_and_the_table_on_a_terminal(work):
    piped = _cli("analyze", str(MATMUL), cwd=work)
    assert piped.returncode == 0
    lines = piped.stdout.decode().splitlines()
    loops = [line for line in lines if re.match(r"^\S+:\d+:\d+: ", line)]
    assert len(loops) == 10 and all(LINE.match(line) for line in loops), lines
    # the file's own path is as long as the checkout's location; measure the rest
    assert "─" not in piped.stdout.decode()
    assert max(len(line.replace(str(MATMUL), "m.c")) for line in lines) < 500
    assert any("parallelized: #pragma omp parallel for" in line and line.endswith("[static]") for line in loops)
    assert any("out[i - 1]" in line and line.endswith("[serial]") for line in loops)  # reasons on one line
    # --format concise does the same anywhere; the table only on a terminal (or when asked for)
    assert _cli("analyze", str(MATMUL), "--format", "concise", cwd=work).stdout == piped.stdout
    table = _on_terminal(["analyze", str(MATMUL)], work)
    assert "┃" in table or "│" in table
    assert "│" in _cli("analyze", str(MATMUL), "--format", "table", cwd=work).stdout.decode()


def test_explain_takes_the_location_that_check_prints(work, capsys):
    code, out, _ = _run(capsys, "check", "k.c", "--fail-on", "none")
    location = re.search(r"^(k\.c:\d+:\d+): warning:", out, re.M).group(1)
    assert location == "k.c:2:5"
    for where in (location, "k.c:2", location + ":"):
        code, out, err = _run(capsys, "explain", where, "--no-png")
        assert code == 0, err
        assert out.startswith("loop k.c:2:5 in f()")
    code, _, err = _run(capsys, "explain", "k.c:x")
    assert code == 2 and "FILE:LINE:COL" in err


# ------------------------------------------------------------------------------------------- configuration

def test_pyproject_configuration_found_upward_and_overridden(work, capsys):
    (work / "src" / "gen").mkdir(parents=True)
    (work / "src" / "a.c").write_text(LOOP + ZEROING)
    (work / "src" / "gen" / "g.c").write_text(LOOP)
    (work / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.autopar]\nexclude = ["src/gen/**"]\n'
                                         'ignore = ["missed-simd-loop"]\nfail-on = ["unsafe"]\n')
    os.chdir(work / "src")
    code, out, err = _run(capsys, "check", ".")
    assert code == 0, err  # fail-on unsafe, and there is none
    assert "a.c:2:5: warning:" in out and "missed-simd-loop" not in out and "g.c" not in out
    # the command line overrides the file (its --ignore replaces the file's list)
    code, out, _ = _run(capsys, "check", ".", "--fail-on", "missed", "--ignore", "unsafe-omp-pragma")
    assert code == 1 and "missed-simd-loop" in out and "g.c" not in out
    code, out, _ = _run(capsys, "check", ".", "--isolated")
    assert code == 1 and "g.c" in out and "missed-simd-loop" in out


def test_autopar_toml_thresholds_and_bad_keys(work, capsys):
    (work / "big.c").write_text("double a[100000];\nvoid g(void) {\n    for (int i = 0; i < 100000; i++)\n"
                                "        a[i] = a[i] + 1.0;\n}\n" + LOOP.replace("void f", "void h"))
    (work / ".autopar.toml").write_text("min-trip-count = 1000000\n")
    code, out, _ = _run(capsys, "check", "big.c")
    assert code == 1 and "big.c:3:5" not in out and "in h()" in out  # symbolic trip counts stay
    code, out, _ = _run(capsys, "check", "big.c", "--min-trip-count", "10")
    assert "big.c:3:5: warning" in out
    (work / ".autopar.toml").write_text("min-trip-cont = 5\n")
    code, _, err = _run(capsys, "check", "big.c")
    assert code == 2 and "unknown key 'min-trip-cont'; did you mean 'min-trip-count'?" in err
    (work / ".autopar.toml").write_text("select = [\n")
    code, _, err = _run(capsys, "analyze", "big.c")
    assert code == 2 and "not valid TOML" in err
    (work / ".autopar.toml").write_bytes(b"jobs = 1 # caf\xe9\n")  # (Latin-1: an internal error, exit 4)
    code, _, err = _run(capsys, "analyze", "big.c")
    assert code == 2 and "not UTF-8" in err


def test_baseline_reports_only_new_findings(work, capsys):
    code, _, err = _run(capsys, "check", "k.c", "u.c", "--baseline", "base.json", "--write-baseline")
    assert code == 0 and "2 finding(s) recorded in base.json" in err
    code, out, err = _run(capsys, "check", "k.c", "u.c", "--baseline", "base.json")
    assert code == 0 and "warning" not in out and "2 finding(s) in the baseline" in err
    # lines added above the loops do not make their findings new; a new loop is new
    (work / "k.c").write_text("/* a new\n   header */\n" + LOOP + LOOP.replace("void f", "void g"))
    code, out, _ = _run(capsys, "check", "k.c", "u.c", "--baseline", "base.json")
    assert code == 1 and out.count("warning:") == 1 and "in g()" in out
    code, _, err = _run(capsys, "check", "k.c", "--baseline", "missing.json")
    assert code == 2 and "no such file" in err


def test_sarif_with_a_baseline_keeps_every_finding_and_fails_on_new_unsafe_pragmas_only(work, capsys):
    from test_check import validate_sarif

    assert _run(capsys, "check", "k.c", "u.c", "--baseline", "base.json", "--write-baseline")[0] == 0
    # the README's CI step: a new missed loop is uploaded as new but does not fail the run
    (work / "k.c").write_text(LOOP + LOOP.replace("void f", "void g"))
    argv = ["check", "k.c", "u.c", "--baseline", "base.json", "--fail-on", "unsafe", "--format", "sarif",
            "-o", "out.sarif"]
    assert _run(capsys, *argv)[0] == 0
    log = json.loads((work / "out.sarif").read_text())
    validate_sarif(log)
    states = {(r["ruleId"], r["properties"]["function"]): r["baselineState"] for r in log["runs"][0]["results"]}
    assert states == {("autopar/missed-parallel-loop", "f"): "unchanged", ("autopar/missed-parallel-loop", "g"): "new",
                      ("autopar/unsafe-omp-pragma", "prefix"): "unchanged"}
    # a new unsafe pragma fails it
    (work / "u2.c").write_text(UNSAFE.replace("prefix", "prefix2"))
    assert _run(capsys, *argv, "u2.c")[0] == 1


def test_inline_ignore_comments(work, capsys):
    (work / "k.c").write_text(
        "void f(double *a, int n) {\n"
        "    // autopar: ignore[missed-parallel-loop]\n"
        "    for (int i = 0; i < n; i++) a[i] = 1.0;\n"
        "    for (int i = 0; i < n; i++) a[i] = 2.0;  /* autopar: ignore */\n"
        "    for (int i = 0; i < n; i++) a[i] = 3.0;  // autopar: ignore[unsafe-omp-pragma]\n"
        "}\n")
    (work / "u.c").write_text(UNSAFE.replace("    #pragma omp", "    // autopar: ignore[autopar/unsafe-omp-pragma]\n"
                                                               "    #pragma omp"))
    code, out, _ = _run(capsys, "check", "k.c", "u.c")
    assert code == 1
    assert [line.split(":")[1] for line in out.splitlines() if "warning:" in line] == ["5"]


def test_ignore_comments_above_a_continued_pragma_and_not_above_code(work, capsys):
    # the comment and pragma lines above a loop are read as the front end reads them: a pragma's
    # continuation line is one of them, a code line that starts with `*` is not
    (work / "u.c").write_text(UNSAFE.replace("    #pragma omp parallel for\n",
                                             "    // autopar: ignore[unsafe-omp-pragma]\n"
                                             "    #pragma omp parallel for \\\n        schedule(static)\n"))
    (work / "v.c").write_text(UNSAFE.replace("    #pragma omp", "    *a = 0.0;  // autopar: ignore\n"
                                                               "    #pragma omp"))
    code, out, _ = _run(capsys, "check", "u.c", "v.c", "--fail-on", "unsafe")
    assert code == 1
    assert [line.split(":")[:2] for line in out.splitlines() if "warning:" in line] == [["v.c", "4"]]


# -------------------------------------------------------------------------------------------- CI semantics

def test_fail_on_levels_and_rule_codes(work, capsys):
    assert _run(capsys, "check", "k.c")[0] == 1
    assert _run(capsys, "check", "k.c", "--fail-on", "unsafe")[0] == 0
    assert _run(capsys, "check", "u.c", "--fail-on", "unsafe")[0] == 1
    assert _run(capsys, "check", "k.c", "u.c", "--fail-on", "autopar/unsafe-omp-pragma", "--format", "sarif")[0] == 1
    assert _run(capsys, "check", "k.c", "--fail-on", "missed-parallel-loop,unsafe-omp-pragma")[0] == 1
    assert _run(capsys, "check", "k.c", "--fail-on", "none")[0] == 0
    code, _, err = _run(capsys, "check", "k.c", "--fail-on", "unsafe-pragma")
    assert code == 2 and "did you mean 'unsafe-omp-pragma'?" in err


def test_a_256_iteration_zeroing_loop_does_not_fail_ci(work, capsys):
    code, out, _ = _run(capsys, "check", "z.c")
    assert code == 0
    assert "z.c:3:5: note: loop over i in clear() can be vectorized: #pragma omp simd [autopar/missed-simd-loop]" in out
    assert _run(capsys, "check", "z.c", "--fail-on", "any")[0] == 1
    code, out, _ = _run(capsys, "check", "z.c", "--format", "sarif")
    result = json.loads(out)["runs"][0]["results"][0]
    assert result["ruleId"] == "autopar/missed-simd-loop" and result["level"] == "note"


def test_unanalyzed_files_fail_unless_allowed(work, capsys):
    (work / "broken.c").write_text("void f(void) { int x = ; }\n")
    code, out, _ = _run(capsys, "check", "z.c", "broken.c")
    assert code == 1 and "1 file(s) not analyzed" in out
    assert _run(capsys, "check", "z.c", "broken.c", "--allow-unanalyzed")[0] == 0


# ------------------------------------------------------------------------------------------------- inputs

def test_directories_recurse_honouring_excludes_and_gitignore(work, capsys):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for folder in ("src/sub", "build", "vendor", ".hidden"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    for path in ("src/a.c", "src/sub/b.cpp", "build/gen.c", "vendor/v.c", ".hidden/h.c"):
        (work / path).write_text(LOOP)
    (work / "src" / "notes.txt").write_text("for (;;)")
    (work / "src" / "api.h").write_text("int f(void);\n")
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    (work / ".gitignore").write_text("build/\n")
    (work / ".autopar.toml").write_text('exclude = ["vendor"]\n')
    code, out, err = _run(capsys, "analyze", ".", "--format", "json", "-j", "2")
    assert code == 0, err
    paths = [f["path"] for f in json.loads(out)["files"]]
    assert paths == ["./k.c", "./src/a.c", "./src/sub/b.cpp", "./u.c", "./z.c"]
    # a file named on the command line is always taken
    code, out, _ = _run(capsys, "analyze", "vendor/v.c", "--format", "json")
    assert [f["path"] for f in json.loads(out)["files"]] == ["vendor/v.c"]


def test_standard_input_with_a_file_name(work):
    (work / "inc").mkdir()
    (work / "inc" / "n.h").write_text("#define N 64\n")
    source = b'#include "n.h"\ndouble a[N];\nvoid g(void) {\n  for (int i = 0; i < N; i++) a[i] += 1.0;\n}\n'
    done = _cli("analyze", "-", "--stdin-filename", "inc/kernel.c", cwd=work, stdin=source)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith("inc/kernel.c:4:3: remark: loop over i in g()")
    done = _cli("check", "-", "--stdin-filename", "inc/kernel.c", "--format", "json", "--fail-on", "none",
                cwd=work, stdin=source)
    assert json.loads(done.stdout)["files"][0]["path"] == "inc/kernel.c"
    done = _cli("rewrite", "-", "--stdin-filename", "inc/kernel.c", cwd=work, stdin=source)
    assert done.returncode == 0 and b"#pragma omp" in done.stdout and done.stdout.endswith(source[-40:])
    assert _cli("rewrite", "-i", "-", cwd=work, stdin=source).returncode == 2
    for argv in (["analyze", "k.c", "--stdin-filename", "x.c"], ["analyze", "-", "-"], ["check", "-", "-"]):
        done = _cli(*argv, cwd=work, stdin=b"")
        assert done.returncode == 2 and done.stderr.count(b"\n") == 1, done.stderr
    # with -p, the flags of --stdin-filename's compile_commands.json entry
    (work / "compile_commands.json").write_text(json.dumps(
        [{"directory": str(work), "file": "inc/kernel.c", "arguments": ["cc", "-DON", "-c", "inc/kernel.c"]}]))
    guarded = b"void g(double *a) {\n#ifdef ON\n  for (int i = 0; i < 64; i++) a[i] += 1.0;\n#endif\n}\n"
    done = _cli("analyze", "-", "--stdin-filename", "inc/kernel.c", "-p", ".", cwd=work, stdin=guarded)
    assert done.stdout.startswith(b"inc/kernel.c:3:3: remark:"), done.stdout + done.stderr


def test_rewrite_of_several_files_to_stdout_says_where_each_begins(work, capsys):
    code, out, _ = _run(capsys, "rewrite", "k.c", "z.c", "-j", "2")
    assert code == 0
    assert out.startswith("==> k.c <==\n") and "\n==> z.c <==\n" in out
    code, out, _ = _run(capsys, "rewrite", "k.c")
    assert not out.startswith("==>")  # one file: exactly the source


# ---------------------------------------------------------------------------------------------- encodings

LATIN1 = ("/* caf\xe9, na\xefve: compiled by gcc as bytes */\nconst char *greeting = \"h\xe9llo\";\n"
          + LOOP + "int main(void) { static double a[1000]; f(a, 1000); return (int)a[3]; }\n").encode("latin-1")


def test_a_latin1_file_is_analyzed_and_rewritten_byte_for_byte(work, capsys):
    (work / "l.c").write_bytes(LATIN1)
    code, out, err = _run(capsys, "analyze", "l.c", "--format", "json")
    assert code == 0, err
    loops = json.loads(out)["files"][0]["loops"]
    assert [(l["line"], l["column"], l["parallel"]) for l in loops] == [(4, 5, True)]
    assert _run(capsys, "rewrite", "-i", "l.c")[0] == 0
    after = (work / "l.c").read_bytes()
    assert b"\n    #pragma omp parallel for\n    for" in after and b"caf\xe9" in after
    assert without_autopar_lines(after) == LATIN1


def test_a_diff_of_a_latin1_file_applies_whatever_the_locale(work):
    if shutil.which("patch") is None:
        pytest.skip("patch is not installed")
    (work / "l.c").write_bytes(LATIN1)
    done = _cli("rewrite", "--diff", "l.c", cwd=work, PYTHONIOENCODING="utf-8:strict")
    assert done.returncode == 0 and b"caf\xe9" in done.stdout
    subprocess.run(["patch", "-p1", "-s"], input=done.stdout, cwd=work, check=True, timeout=60)
    patched = (work / "l.c").read_bytes()
    assert b"\n    #pragma omp parallel for\n    for" in patched
    assert without_autopar_lines(patched) == LATIN1


def test_autopar_cc_parallelizes_a_latin1_file(work):
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    (work / "l.c").write_bytes(LATIN1)
    env = _env(AUTOPAR_CC="gcc", AUTOPAR_CACHE="0")
    done = subprocess.run([AUTOPAR_CC, "-O1", "-c", "l.c", "-o", "l.o"], cwd=work, env=env, capture_output=True,
                          timeout=300)
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    symbols = subprocess.run(["nm", "l.o"], cwd=work, capture_output=True, text=True).stdout
    assert "GOMP_parallel" in symbols


# ------------------------------------------------------------------------------------ no traceback, ever

@pytest.mark.parametrize("argv", [
    ["check", "k.c", "-o", "/nonexistent/x.sarif", "--format", "sarif"],
    ["rewrite", "k.c", "--report", "/nonexistent/r.json"],
    ["rewrite", "k.c", "--diff", "--export-fixes", "/nonexistent/f.yaml"],
    ["explain", "k.c:2", "--dot", "/nonexistent/x.dot"],
    ["analyze", "k.c", "--report", "/nonexistent/r.json"],
    ["check", "k.c", "-o", "."],
    ["bench", "--out", "k.c/results", "--kernels", "jacobi"],
    ["verify", "k.c", "-o", "/nonexistent/v.c"],
])
def test_a_bad_output_path_is_a_usage_error_before_any_work(work, argv):
    done = _cli(*argv, cwd=work)
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.count(b"\n") == 1, done.stderr
    assert any(why in done.stderr for why in (b"/nonexistent", b"is a directory", b"Not a directory")), done.stderr


def test_rewrite_in_place_with_a_bad_report_path_leaves_the_file(work):
    before = (work / "k.c").read_bytes()
    done = _cli("rewrite", "-i", "k.c", "--report", "/nonexistent/r.json", cwd=work)
    assert done.returncode == 2 and (work / "k.c").read_bytes() == before


def test_a_report_that_fails_after_the_rewrite_has_its_own_exit_code(work, capsys, monkeypatch):
    import autopar.cli.commands as commands

    def failing(path, text, option, prog):
        return f"{prog}: {option} {path}: cannot write: No space left on device"
    monkeypatch.setattr(commands, "write_output", failing)
    code, _, err = _run(capsys, "rewrite", "-i", "k.c", "--report", "r.json")
    assert code == 3
    assert "k.c: 1 loop(s) parallelized" in err and "cannot write" in err and "(the files were rewritten)" in err
    assert b"#pragma omp parallel for" in (work / "k.c").read_bytes()


def test_explain_in_a_read_only_tree_writes_to_the_current_directory(work, tmp_path_factory, monkeypatch, capsys):
    tree = tmp_path_factory.mktemp("readonly")
    shutil.copy(work / "k.c", tree / "k.c")
    tree.chmod(0o555)
    try:
        code, out, err = _run(capsys, "explain", f"{tree}/k.c:2", "--no-png")
        assert code == 0, err
        assert "dependence graph: k.c.2.dot" in out and (work / "k.c.2.dot").is_file()
        assert sorted(os.listdir(tree)) == ["k.c"]
    finally:
        tree.chmod(0o755)


# ------------------------------------------------------------------------------------------------- verify

def test_verify_gives_no_speedup_for_runs_too_short_to_time_and_names_no_deleted_file(work, capsys):
    from autopar.tools.verify import Timing
    from autopar.tools.verify.verifier import _speedup

    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    (work / "v.c").write_text('#include <stdio.h>\ndouble a[1000];\nint main(void) {\n'
                              '    for (int i = 0; i < 1000; i++)\n        a[i] = i * 0.5;\n'
                              '    printf("checksum %f\\n", a[999]);\n    return 0;\n}\n')
    code, out, err = _run(capsys, "verify", "v.c", "--repeat", "1", "--no-race-check")
    assert code == 0, out + err
    assert "speedup: not measured: the runs are too short to time" in out and "0.00x" not in out
    assert "v.c rewritten with autopar's default plans (not kept; -o FILE2 keeps it)" in out
    assert "autopar-verify-" not in out  # the temporary folder is gone: never named
    code, out, err = _run(capsys, "verify", "v.c", "--repeat", "1", "--no-race-check", "-o", "kept.c")
    assert code == 0 and "(kept as kept.c)" in out and (work / "kept.c").is_file()

    def timing(seconds, measure="wall"):
        return Timing(threads=1, median_s=seconds, min_s=seconds, max_s=seconds, q1_s=seconds, q3_s=seconds,
                      runs_s=[seconds], measure=measure)
    assert _speedup(timing(2.0), timing(1.0)) == (2.0, None)
    assert _speedup(timing(0.0), timing(0.001))[0] is None  # `time_s 0.000`
    assert "not comparable" in _speedup(timing(2.0, "program"), timing(1.0))[1]


def test_check_of_a_directory_without_sources_checks_nothing(work, capsys):
    """Not the compile_commands.json of the current directory, which `check` reads when no file is
    named: the directory's files are what was asked for, and there are none."""
    (work / "empty").mkdir()
    (work / "compile_commands.json").write_text(json.dumps(
        [{"directory": str(work), "file": "z.c", "arguments": ["cc", "-c", "z.c"]}]))
    code, out, err = _run(capsys, "check", "empty", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["files"] == []
    assert "no C/C++ sources in this directory" in err
    code, out, _ = _run(capsys, "check", "--format", "json")  # no argument at all: a usage error
    assert code == 2


def test_a_file_name_that_is_not_utf8_is_skipped_and_hides_no_other_report(work, capsys):
    """`b\\xe9.c` beside `a.c`: an internal error (exit 4) printed nothing, a.c's report included."""
    import os

    (work / "a.c").write_text(LOOP)
    with open(os.path.join(os.fsencode(str(work)), b"b\xe9.c"), "w") as handle:
        handle.write(LOOP)
    for command in ("analyze", "check"):
        code, out, err = _run(capsys, command, ".", "--format", "json")
        assert code in (0, 1) and "a.c" in out and "the file name is not UTF-8" in err


def test_a_file_not_analyzed_for_its_name_is_a_file_not_analyzed(work, capsys):
    """Skipped for a name that is not UTF-8, the file was asked for and not analyzed: exit 1, as for a
    file with errors (`check --allow-unanalyzed`: 0)."""
    name = os.path.join(os.fsencode(str(work)), b"b\xe9.c")
    with open(name, "w") as handle:
        handle.write(LOOP)
    for command in ("analyze", "check", "rewrite"):
        code, _, err = _run(capsys, command, os.fsdecode(name))
        assert code == 1 and "the file name is not UTF-8" in err, (command, code, err)
    assert _run(capsys, "check", os.fsdecode(name), "--allow-unanalyzed")[0] == 0


def test_dash_as_an_output_is_standard_output(work, capsys):
    code, out, _ = _run(capsys, "rewrite", "k.c", "-o", "-")
    assert code == 0 and "#pragma omp parallel for" in out and not (work / "-").exists()
    code, out, _ = _run(capsys, "analyze", "k.c", "--format", "json", "--report", "-")
    assert code == 0 and not (work / "-").exists()
    assert out.count('"files"') == 2  # the report, then the --report copy
    code, out, _ = _run(capsys, "check", "u.c", "-o", "-")
    assert code == 1 and "u.c:" in out and not (work / "-").exists()
    for argv in (["tune", "k.c", "--build", "true", "--run", "true", "-o", "-"], ["verify", "k.c", "-o", "-"]):
        code, _, err = _run(capsys, *argv)
        assert code == 2 and "-o -" in err, (argv, err)


def test_an_empty_backup_suffix_is_a_usage_error(work, capsys):
    before = (work / "k.c").read_bytes()
    code, _, err = _run(capsys, "rewrite", "-i", "--backup", "", "k.c")
    assert code == 2 and "--backup" in err and (work / "k.c").read_bytes() == before


def test_a_directory_where_a_file_is_expected_is_named_as_one(work, capsys):
    (work / "d").mkdir()
    for argv in (["verify", "d"], ["explain", "d:3"], ["tune", "d", "--build", "true", "--run", "true"]):
        code, _, err = _run(capsys, *argv)
        assert code == 2 and "d: is a directory" in err and "no such file" not in err, (argv, err)


def test_a_reader_that_goes_away_is_not_success(work):
    """`autopar check u.c | true`: the findings could not be shown; with `set -o pipefail` CI must not
    read that as a clean check (141, as a program killed by SIGPIPE)."""
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {AUTOPAR} check u.c k.c z.c --format json | true"],
                          cwd=work, capture_output=True, env=_env())
    assert done.returncode == 141, (done.returncode, done.stderr)
    assert b"Traceback" not in done.stderr
