"""--export-fixes YAML and in-place writing."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import jsonschema
import pytest
import yaml

from autopar.atomic import write_atomic
from autopar.report.findings import rewrite_findings
from autopar.report.fixes import dump_fixes, fixes_document, load_fixes
from autopar.edit.edits import apply_edits
from autopar.edit.rewrite import plan_rewrite

from test_rewrite import SOURCE, make_tu, parallel

SCHEMA = json.loads((Path(__file__).parent / "data" / "clang-replacements.schema.json").read_text())


def _edits(source: bytes):
    tu = make_tu(source)
    return plan_rewrite(source, tu, parallel(tu, 0, 1)).edits


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_yaml_matches_clang_format_and_applies_back(tmp_path, newline):
    source = SOURCE.replace(b"\n", newline)
    path = tmp_path / "t.c"
    path.write_bytes(source)
    edits = _edits(source)
    text = dump_fixes(fixes_document([(str(path), rewrite_findings(str(path), source, edits, {}))], str(tmp_path)))
    assert text.startswith("---\n") and text.rstrip().endswith("...")
    document = yaml.safe_load(text)
    jsonschema.validate(document, SCHEMA)
    assert document["MainSourceFile"] == str(path)
    # FileOffset points at the `for` keyword of the loop in the original file
    for diagnostic in document["Diagnostics"]:
        assert source[diagnostic["DiagnosticMessage"]["FileOffset"]:][:3] == b"for"
        assert diagnostic["DiagnosticMessage"]["Message"].startswith("loop can run in parallel: #pragma omp")
    # parsed back, the replacements give exactly what the rewriter gives
    loaded = load_fixes(text)
    assert {p for p, _ in loaded} == {str(path)}
    assert apply_edits(source, [e for _, e in loaded]) == apply_edits(source, edits)


def test_yaml_for_several_files_has_no_main_file(tmp_path):
    document = fixes_document([(str(tmp_path / "a.c"), rewrite_findings("a.c", SOURCE, _edits(SOURCE), {})),
                               (str(tmp_path / "b.c"), [])])
    jsonschema.validate(document, SCHEMA)
    assert document["MainSourceFile"] == "" and len(document["Diagnostics"]) == 2


def test_schema_rejects_a_malformed_document():
    document = fixes_document([("/x/t.c", rewrite_findings("/x/t.c", SOURCE, _edits(SOURCE), {}))])
    del document["Diagnostics"][0]["DiagnosticMessage"]["Replacements"][0]["Offset"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


def test_write_atomic_replaces_content_and_keeps_mode(tmp_path):
    path = tmp_path / "k.c"
    path.write_bytes(b"old\n")
    os.chmod(path, 0o640)
    write_atomic(str(path), b"new\n", backup_suffix=".orig")
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert (tmp_path / "k.c.orig").read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.c", "k.c.orig"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_write_atomic_failure_leaves_the_original_intact(tmp_path, monkeypatch, failing):
    path = tmp_path / "k.c"
    path.write_bytes(SOURCE)

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(OSError):
        write_atomic(str(path), b"half")
    assert path.read_bytes() == SOURCE
    assert [p.name for p in tmp_path.iterdir()] == ["k.c"]  # no temp file left behind


def test_write_atomic_follows_a_symlink(tmp_path):
    real = tmp_path / "real.c"
    real.write_bytes(b"a\n")
    link = tmp_path / "link.c"
    link.symlink_to(real)
    write_atomic(str(link), b"b\n")
    assert link.is_symlink() and real.read_bytes() == b"b\n"


def _clang_apply_replacements():
    import shutil

    for name in ("clang-apply-replacements", *(f"clang-apply-replacements-{v}" for v in range(20, 10, -1))):
        if shutil.which(name):
            return name
    return None


@pytest.mark.skipif(_clang_apply_replacements() is None, reason="clang-apply-replacements is not installed "
                    "(Debian: clang-tools-14); the schema tests above still run")
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_clang_apply_replacements_gives_the_rewriter_result(tmp_path, newline):
    import subprocess

    source = SOURCE.replace(b"\n", newline)
    path = tmp_path / "t.c"
    path.write_bytes(source)
    edits = _edits(source)
    (tmp_path / "fixes").mkdir()
    findings = rewrite_findings(str(path), source, edits, {})
    (tmp_path / "fixes" / "t.yaml").write_text(dump_fixes(fixes_document([(str(path), findings)], str(tmp_path))))
    subprocess.run([_clang_apply_replacements(), str(tmp_path / "fixes")], check=True)
    assert path.read_bytes() == apply_edits(source, edits)


@pytest.mark.skipif(_clang_apply_replacements() is None, reason="clang-apply-replacements is not installed")
def test_definitions_at_one_place_survive_clang_apply_replacements(tmp_path):
    """A gather needs both the start-up gate and the index inspection's helper, defined at the same
    place: as two insertions there, clang-apply-replacements dropped the second (and exited 0)."""
    import subprocess

    from autopar.cli.main import main

    path = tmp_path / "g.c"
    path.write_text("void gather(int n, const int *idx, const double *x, double *y) {\n"
                    "    for (int i = 0; i < n; i++)\n        y[i] = x[idx[i]] * 2.0;\n}\n")
    (tmp_path / "fixes").mkdir()
    assert main(["rewrite", str(path), "-o", str(tmp_path / "expected.c"),
                 "--export-fixes", str(tmp_path / "fixes" / "g.yaml")]) == 0
    expected = (tmp_path / "expected.c").read_text()
    assert "autopar_team_pays_" in expected and "autopar_indices_outside_int_(" in expected
    subprocess.run([_clang_apply_replacements(), str(tmp_path / "fixes")], check=True)
    assert path.read_text() == expected


@pytest.mark.parametrize("storage", ["inline", "static inline"])
def test_an_inline_function_without_static_gets_no_index_inspection(tmp_path, storage):
    """The inspection's helper is static, which C99 forbids an inline definition with external linkage
    to call: there the gather stays serial in the report, as the rewrite leaves it (analyze said
    parallelized while the rewrite wrote nothing)."""
    from autopar.cli.main import main
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "g.c"
    path.write_text(f"{storage} void gather(int n, const int *idx, const double *x, double *y) {{\n"
                    "    for (int i = 0; i < n; i++)\n        y[i] = x[idx[i]] * 2.0;\n}\n")
    loop, = analyze_file(str(path)).report.loops
    assert main(["rewrite", str(path), "-o", str(tmp_path / "out.c")]) == 0
    rewritten = (tmp_path / "out.c").read_text()
    assert loop.parallel == (storage == "static inline") == ("autopar_indices_outside_int_(" in rewritten)
