"""clang-apply-replacements YAML: the format `clang-tidy --export-fixes` writes.

One document per run:

    ---
    MainSourceFile: /abs/kernel.c
    Diagnostics:
      - DiagnosticName: autopar-parallel-loop
        DiagnosticMessage:
          Message: 'loop can run in parallel: #pragma omp parallel for'
          FilePath: /abs/kernel.c
          FileOffset: 312
          Replacements:
            - {FilePath: /abs/kernel.c, Offset: 300, Length: 0, ReplacementText: "  #pragma omp ...\\n"}
        Level: Warning
        BuildDirectory: /abs
    ...

Offsets and lengths are in bytes, file paths absolute, as clang writes them. One diagnostic per
finding of the rewrite (autopar.report.findings.rewrite_findings: a loop or a shared region, with
every edit of its plan and the definitions it calls), its fix's edits as the replacements.
"""

from __future__ import annotations

import os

import yaml

from autopar.edit.edits import Edit
from autopar.report.findings import Finding

DIAGNOSTIC_NAME = "autopar-parallel-loop"


def fixes_document(files: list[tuple[str, list[Finding]]], build_dir: str | None = None) -> dict:
    """The YAML document (as Python data) for the findings of several files, keyed by their paths."""
    directory = os.path.abspath(build_dir or os.getcwd())
    diagnostics = []
    for path, findings in files:
        absolute = os.path.abspath(path)
        for finding in findings:
            edits = [edit for fix in finding.fixes[:1] for edit in fix.edits]
            diagnostics.append({
                "DiagnosticName": DIAGNOSTIC_NAME,
                "DiagnosticMessage": {
                    "Message": finding.message,
                    "FilePath": absolute,
                    "FileOffset": finding.offset,
                    "Replacements": [{"FilePath": absolute, "Offset": offset, "Length": length,
                                      "ReplacementText": text} for offset, length, text in _merged(edits)],
                },
                "Level": "Warning",
                "BuildDirectory": directory,
            })
    main = os.path.abspath(files[0][0]) if len(files) == 1 else ""
    return {"MainSourceFile": main, "Diagnostics": diagnostics}


def _merged(group: list[Edit]) -> list[tuple[int, int, str]]:
    """(offset, length, text) of the group's edits in order, insertions at one offset made one:
    clang-apply-replacements refuses a second insertion at the place of another (and exits 0)."""
    out: list[tuple[int, int, str]] = []
    for edit in sorted(group, key=lambda e: e.offset):  # (stable: insertions keep their order)
        if out and edit.length == 0 and out[-1][1] == 0 and out[-1][0] == edit.offset:
            out[-1] = (edit.offset, 0, out[-1][2] + edit.text)
        else:
            out.append((edit.offset, edit.length, edit.text))
    return out


class _Quoted(str):
    """Written double-quoted with escapes (`"  #pragma ...\n"`), as LLVM's YAML writer does: LLVM's
    reader does not fold multi-line plain or single-quoted scalars the way PyYAML writes them."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Quoted, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value),
                                                                               style='"'))


def dump_fixes(document: dict) -> str:
    for diagnostic in document.get("Diagnostics", []):
        message = diagnostic["DiagnosticMessage"]
        for replacement in message["Replacements"]:
            replacement["ReplacementText"] = _Quoted(replacement["ReplacementText"])
        message["Message"] = _Quoted(message["Message"])
    return yaml.dump(document, Dumper=_Dumper, explicit_start=True, explicit_end=True, sort_keys=False,
                     allow_unicode=True, width=1 << 30)


def load_fixes(text: str) -> list[tuple[str, Edit]]:
    """The replacements of a YAML document, as (file path, edit) pairs."""
    document = yaml.safe_load(text) or {}
    found = []
    for diagnostic in document.get("Diagnostics") or []:
        for replacement in diagnostic["DiagnosticMessage"].get("Replacements") or []:
            found.append((replacement["FilePath"], Edit(offset=replacement["Offset"],
                                                        length=replacement["Length"],
                                                        text=replacement["ReplacementText"])))
    return found
