"""`autopar check`'s output formats: text lines (as compilers print them), JSON and SARIF 2.1.0
(autopar.report.sarif), over the findings of autopar.report.check."""

from __future__ import annotations

import json
import os

from autopar.report.check import CheckResult
from autopar.report.findings import CONDITIONAL, MISSED, NOTE_RULES, RESTRICT, SIMD, UNSAFE


# a finding's fixes in the JSON are their description and edits (byte offset, length, text); the
# rewriter's own fields of an edit stay out, as does the offset only rewrite's findings have
_EDIT_INTERNALS = {"loop_id", "line", "pragma", "line_marks", "column_blanks", "opens_region", "defines", "in_line"}
_JSON_LEAVES_OUT = {"files": {"__all__": {"findings": {"__all__": {
    "offset": True, "fixes": {"__all__": {"edits": {"__all__": _EDIT_INTERNALS}}}}}}}}


def render(result: CheckResult, fmt: str) -> str:
    if fmt == "sarif":
        from autopar.report.sarif import sarif_log

        return json.dumps(sarif_log(result), indent=2) + "\n"
    if fmt == "json":
        return result.model_dump_json(indent=2, exclude=_JSON_LEAVES_OUT) + "\n"
    lines = []
    for file in result.files:
        for diagnostic in file.report.diagnostics:
            if diagnostic.is_error:
                lines.append(diagnostic.render())
        if file.report.error:
            lines.append(f"{_display(file.path)}: error: not analyzed: {file.report.error}")
        for f in file.findings:
            level = "note" if f.rule in NOTE_RULES else "warning"
            lines.append(f"{_display(f.path)}:{f.line}:{f.column}: {level}: {f.message} [autopar/{f.rule}]")
    loops = sum(len(f.report.loops) for f in result.files)
    missed = sum(f.rule == MISSED for f in result.findings)
    unsafe = sum(f.rule == UNSAFE for f in result.findings)
    simd = sum(f.rule == SIMD for f in result.findings)
    restrict = sum(f.rule == RESTRICT for f in result.findings)
    conditional = sum(f.rule == CONDITIONAL for f in result.findings)
    unjudged = sum(len(f.unjudged) for f in result.files)
    lines.append(f"{len(result.files)} file(s), {loops} loop(s): {missed} could run in parallel, "
                 f"{unsafe} existing pragma(s) not shown safe, {len(result.failed_files)} file(s) not analyzed"
                 + (f", {simd} could be vectorized" if simd else "")
                 + (f", {restrict} would run in parallel with `restrict` pointers" if restrict else "")
                 + (f", {conditional} safe only under a condition they do not test" if conditional else "")
                 + (f", {unjudged} not judged (constructs or synchronization autopar does not model)" if unjudged else ""))
    return "\n".join(lines) + "\n"


def _display(path: str) -> str:
    """Paths under the working directory are shown relative to it, as a compiler would."""
    relative = os.path.relpath(os.path.abspath(path))
    return path if relative.startswith("..") else relative


__all__ = ["render"]
