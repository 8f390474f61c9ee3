"""What `autopar check` reports and fails on: rule selection, inline suppressions, baselines.

- Rules are named by their codes (`missed-parallel-loop`, `unsafe-omp-pragma`, `missed-simd-loop`),
  with or without the `autopar/` prefix that the text and SARIF output show.
- `// autopar: ignore[rule, ...]` (or `/* ... */`) on the loop's `for` line or on the comment and
  pragma lines directly above it silences those rules for that loop; `// autopar: ignore` silences
  every rule. (`// autopar: off` keeps autopar from touching the loop at all.)
- A baseline is a JSON file of finding fingerprints: rule, file, function, the loop's own text (its
  `for` line, spaces collapsed, and its pragma) and its rank among identical loops of the function.
  No line numbers: adding lines above a loop does not make its finding new.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Iterable, Optional

from autopar.report.check import FAIL_LEVELS, CheckResult, FileCheck
from autopar.report.findings import RULE_CODES, Finding
from autopar.frontend.omp_pragmas import Directive, source_lines


class RuleError(Exception):
    """An unknown rule or level, or a baseline that cannot be read: a usage error."""


def _rule(name: str) -> str:
    code = name.strip().removeprefix("autopar/")
    if code not in RULE_CODES:
        import difflib

        close = difflib.get_close_matches(code, RULE_CODES, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise RuleError(f"unknown rule '{name}'{hint} (rules: {', '.join(RULE_CODES)})")
    return code


def parse_rules(names: Iterable[str]) -> list[str]:
    return [_rule(name) for name in names if name.strip()]


def parse_fail_on(names: Iterable[str]) -> list[str]:
    """warning|missed|unsafe|any|none and rule codes; `none` only alone."""
    out = []
    for name in names:
        name = name.strip()
        out.append(name if name in FAIL_LEVELS else _rule(name))
    if "none" in out and len(out) > 1:
        raise RuleError("--fail-on none cannot be combined with other levels or rules")
    return out or ["warning"]


# ------------------------------------------------------------------------------------- suppressions

_IGNORE = re.compile(r"autopar:\s*ignore\b(?:\[([^\]]*)\])?")


def _ignored_rules(source: bytes, line: int) -> set[str]:
    """Rules silenced for a loop whose `for` is on `line` (1-based); "*" for all of them. They are
    named in the comments of that line and of the comment and pragma lines directly above it."""
    lines = source_lines(source)
    numbers = [line]
    number = line - 1
    while number > 0 and (lines.line(number).kind == "comment" or _is_pragma(lines.directive_of(number))):
        numbers.append(number)
        number -= 1
    found: set[str] = set()
    for number in numbers:
        for match in _IGNORE.finditer(lines.line(number).comment):
            if match.group(1) is None:
                found.add("*")
            else:
                found.update(part.strip().removeprefix("autopar/") for part in match.group(1).split(","))
    return found


def _is_pragma(directive: Optional[Directive]) -> bool:
    return directive is not None and directive.pragma is not None


def _read(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def filter_findings(result: CheckResult, select: Optional[list[str]], ignore: list[str],
                    display=lambda path: path) -> CheckResult:
    """The findings that the rule selection and the inline suppressions let through, each with its
    fingerprint set. `display` gives the name a file is known by (for standard input)."""
    files: list[FileCheck] = []
    for file in result.files:
        source = _read(file.path) if file.findings else None
        lines = source.splitlines() if source is not None else []
        kept: list[Finding] = []
        seen: dict[str, int] = {}
        for finding in file.findings:
            if select is not None and finding.rule not in select:
                continue
            if finding.rule in ignore:
                continue
            silenced = _ignored_rules(source, finding.line) if source is not None else set()
            if "*" in silenced or finding.rule in silenced:
                continue
            key = _identity(finding, lines, display(file.path))
            seen[key] = seen.get(key, 0) + 1
            fingerprint = hashlib.sha256(f"{key}\0{seen[key]}".encode("utf-8", "surrogateescape")).hexdigest()[:32]
            kept.append(finding.model_copy(update={"fingerprint": fingerprint}))
        files.append(file.model_copy(update={"findings": kept}))
    return result.model_copy(update={"files": files})


def _identity(finding: Finding, lines: list[bytes], path: str) -> str:
    text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else b""
    loop_text = b" ".join(text[max(0, finding.column - 1):].split()).decode("utf-8", "surrogateescape")
    return "\0".join([finding.rule, _where(path), finding.function, loop_text,
                      finding.existing_pragma or ""])


def _where(path: str) -> str:
    relative = os.path.relpath(os.path.abspath(path))
    return (path if relative.startswith("..") else relative).replace(os.sep, "/")


# ------------------------------------------------------------------------------------------ baselines

def write_baseline(result: CheckResult, path: str) -> int:
    entries = [{"fingerprint": f.fingerprint, "rule": f.rule, "path": _where(f.path), "function": f.function,
                "message": f.message} for f in result.findings]
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"version": 1, "tool": "autopar", "findings": entries}, out, indent=2)
        out.write("\n")
    return len(entries)


def read_baseline(path: str) -> set[str]:
    """The fingerprints recorded in a baseline file."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        known = {entry["fingerprint"] for entry in data["findings"]}
    except OSError as error:
        raise RuleError(f"--baseline {path}: cannot read: {error.strerror or error}") from None
    except (ValueError, KeyError, TypeError):
        raise RuleError(f"--baseline {path}: not an autopar baseline (write one with --write-baseline)") from None
    return known


def apply_baseline(result: CheckResult, known: set[str]) -> tuple[CheckResult, int]:
    """The result without the findings whose fingerprints are `known`, and how many were dropped."""
    dropped = 0
    files = []
    for file in result.files:
        kept = [f for f in file.findings if f.fingerprint not in known]
        dropped += len(file.findings) - len(kept)
        files.append(file.model_copy(update={"findings": kept}))
    return result.model_copy(update={"files": files}), dropped
