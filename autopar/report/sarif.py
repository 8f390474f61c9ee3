"""SARIF 2.1.0 output of `autopar check`, in the shape GitHub code scanning accepts.

One result per finding; locations are relative to %SRCROOT% (the working directory) when the file
lies under it. Each result carries a fix: for a missed loop, the pragma inserted at column 1 of the
`for` line; for an unsafe pragma, its lines replaced by a safe pragma, or removed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from autopar import __version__
from autopar.report.check import CheckResult
from autopar.report.findings import CONDITIONAL, MISSED, RESTRICT, SIMD, UNSAFE, Finding

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

RULES = [
    {
        "id": f"autopar/{MISSED}",
        "name": "MissedParallelLoop",
        "shortDescription": {"text": "A loop that could run in parallel runs serially"},
        "fullDescription": {"text": "The dependence analysis proves that the iterations of this loop are "
                                    "independent (or independent under the emitted runtime check), so "
                                    "an OpenMP pragma can run it in parallel."},
        "help": {"text": "Insert the suggested pragma (the result's fix), run `autopar rewrite -i`, or "
                         "build with `CC=autopar-cc`. Add `// autopar: ignore[missed-parallel-loop]` (or "
                         "`// autopar: off`) above the loop to silence."},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["performance", "openmp"], "precision": "high",
                       "problem.severity": "recommendation"},
    },
    {
        "id": f"autopar/{UNSAFE}",
        "name": "UnsafeOmpPragma",
        "shortDescription": {"text": "An existing OpenMP pragma that may race"},
        "fullDescription": {"text": "Analyzed as if the pragma were absent, the loop carries a dependence "
                                    "(or one the analysis cannot rule out), or the pragma lacks a "
                                    "data-sharing clause that its variables need."},
        "help": {"text": "Check the loop for cross-iteration dependences; run `autopar explain FILE:LINE` "
                         "for the dependence edges."},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["correctness", "concurrency", "openmp"], "precision": "medium",
                       "problem.severity": "warning"},
    },
    {
        "id": f"autopar/{SIMD}",
        "name": "MissedSimdLoop",
        "shortDescription": {"text": "A loop that could be vectorized with `omp simd`"},
        "fullDescription": {"text": "The loop's iterations are independent, but it is too small (or too deeply "
                                    "nested) to pay for threads; `#pragma omp simd` asks the compiler to "
                                    "vectorize it. Compilers often vectorize such loops on their own at -O3."},
        "help": {"text": "Insert the suggested pragma, or leave the loop to the compiler's vectorizer. "
                         "A note only: it fails `autopar check` only with `--fail-on missed-simd-loop` or "
                         "`--fail-on any`."},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["performance", "openmp", "simd"], "precision": "high",
                       "problem.severity": "recommendation"},
    },
    {
        "id": f"autopar/{RESTRICT}",
        "name": "MissedRestrict",
        "shortDescription": {"text": "A loop that only possible aliasing keeps serial"},
        "fullDescription": {"text": "The loop writes through pointer parameters that may point into other "
                                    "arrays it uses, at offsets no runtime check can bound (data-dependent "
                                    "subscripts); with those parameters `restrict`, the analysis proves "
                                    "the loop parallel."},
        "help": {"text": "Declare the parameters `restrict` (the result's fix) only if no caller ever "
                         "passes overlapping arrays. A note only: it fails `autopar check` only with "
                         "`--fail-on missed-restrict` or `--fail-on any`."},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["performance", "openmp", "aliasing"], "precision": "high",
                       "problem.severity": "recommendation"},
    },
    {
        "id": f"autopar/{CONDITIONAL}",
        "name": "ConditionalOmpPragma",
        "shortDescription": {"text": "An existing OpenMP pragma that is safe only under a condition it does not test"},
        "fullDescription": {"text": "Analyzed as if the pragma were absent, the loop's iterations are independent "
                                    "only when arrays it reaches through pointers do not overlap (or the rows of "
                                    "one table lie apart), which the analysis cannot show for every call."},
        "help": {"text": "Make sure no caller passes overlapping arrays (and declare the pointers `restrict`), "
                         "or let the pragma test it (the result's fix: an if() clause that runs the loop on "
                         "one thread when they overlap). A note only: it fails `autopar check` only with "
                         "`--fail-on conditional-omp-pragma` or `--fail-on any`."},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["correctness", "openmp", "aliasing"], "precision": "high",
                       "problem.severity": "recommendation"},
    },
]
_RULE_INDEX = {rule["id"]: i for i, rule in enumerate(RULES)}


def sarif_log(result: CheckResult, root: str | None = None, baseline: set[str] | None = None) -> dict:
    """With `baseline` (the fingerprints of accepted findings) every result says whether it is new
    (`baselineState`), so that code scanning shows them all and CI can fail on the new ones only."""
    root = os.path.abspath(root or os.getcwd())
    results = [_result(finding, root) for finding in result.findings]
    if baseline is not None:
        for finding, entry in zip(result.findings, results):
            entry["baselineState"] = "unchanged" if finding.fingerprint in baseline else "new"
    notifications = [{"level": "error", "message": {"text": f"{file.path}: not analyzed: "
                                                             f"{file.report.error or 'the file has errors'}"},
                      "locations": [{"physicalLocation": {"artifactLocation": _artifact(file.path, root)}}]}
                     for file in result.failed_files]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "autopar", "version": __version__, "semanticVersion": __version__,
                                "rules": RULES}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(root).as_uri() + "/"}},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
            "results": results,
        }],
    }


def _result(finding: Finding, root: str) -> dict:
    rule_id = f"autopar/{finding.rule}"
    location = {"physicalLocation": {
        "artifactLocation": _artifact(finding.path, root),
        "region": {"startLine": finding.line, "startColumn": finding.column},
    }}
    result = {
        "ruleId": rule_id,
        "ruleIndex": _RULE_INDEX[rule_id],
        "level": RULES[_RULE_INDEX[rule_id]]["defaultConfiguration"]["level"],
        "message": {"text": finding.message},
        "locations": [location],
        # no line or column: a finding keeps its identity when code above it moves
        "partialFingerprints": {"autoparLoop/v2": finding.fingerprint or _fingerprint(finding, root)},
        "properties": {"loopId": finding.loop_id, "function": finding.function, "reasons": finding.reasons,
                       "codes": finding.codes},
    }
    if finding.fix_text is not None and finding.fix_start_line and finding.fix_end_line:
        result["fixes"] = [{
            "description": {"text": finding.fix_description or "Apply autopar's suggestion"},
            "artifactChanges": [{
                "artifactLocation": _artifact(finding.path, root),
                "replacements": [{
                    # whole lines: from column 1 of the first to column 1 of the end line (an empty
                    # region when they are equal: a pure insertion before the `for` line)
                    "deletedRegion": {"startLine": finding.fix_start_line, "startColumn": 1,
                                      "endLine": finding.fix_end_line, "endColumn": 1},
                    "insertedContent": {"text": finding.fix_text},
                }],
            }],
        }]
    return result


def _artifact(path: str, root: str) -> dict:
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, root)
    if relative.startswith(".."):
        return {"uri": Path(absolute).as_uri()}
    return {"uri": Path(relative).as_posix(), "uriBaseId": "%SRCROOT%"}


def _fingerprint(finding: Finding, root: str) -> str:
    where = os.path.relpath(os.path.abspath(finding.path), root)
    text = "\0".join([finding.rule, where, finding.function])
    return hashlib.sha256(text.encode()).hexdigest()[:32]
