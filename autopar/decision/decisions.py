"""The decisions file: measured plan choices that override the analyzer's default per region.

`autopar tune` writes it; `analyze`, `rewrite` and `check` read it with `--decisions FILE`, and
`autopar-cc` with `AUTOPAR_DECISIONS=FILE` (both end up in the environment variable, which worker
processes inherit). The format is JSON, versioned (add fields freely, never rename or drop one):

    {"version": 1, "tool": "autopar tune", "created": "...", "machine": {...},
     "build": "...", "run": "...", "threads": 2, "rounds": 3,
     "baseline": {"median_s": ..., "spread_s": ..., "runs_s": [...]},
     "files": [{"path": "kernel.c", "sha256": "<content hash>",
                "regions": [{"root": "12:5", "root_loop_id": "kernel.c:12:5",
                             "choice": "c1" | "serial", "summary": "...",
                             "plan": {... Plan, its loop_id as "LINE:COL" ...} | null,
                             "speedup": 1.8, "reason": "...",
                             "measurements": [{"option": "serial", "status": "ok", "median_s": ...,
                                               "spread_s": ..., "min_s": ..., "max_s": ...,
                                               "runs_s": [...]}, ...]}]}]}

A region is found by the content hash of its file and the line:column of its root loop, so a file
that changed in any way no longer matches (the analyzer decides again), and the same file under
another path (a build directory, autopar-cc's view) still does. A plan that no longer validates
against the dependence graph (candidates.validate_plan) is ignored with a warning.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from typing import Any, Optional

from autopar.atomic import replace_file

VERSION = 1
ENV = "AUTOPAR_DECISIONS"


class DecisionsError(Exception):
    pass


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def position(loop_id: str) -> str:
    """"LINE:COL" of a loop id "path:LINE:COL" (the path may itself hold colons)."""
    parts = loop_id.rsplit(":", 2)
    return ":".join(parts[-2:])


def new_document(**fields: Any) -> dict:
    return {"version": VERSION, "tool": "autopar tune", **fields, "files": []}


def load(path: str) -> dict:
    """Read and check a decisions file; DecisionsError says what is wrong with it."""
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read())
    except OSError as error:
        raise DecisionsError(f"{path}: cannot read: {error.strerror or error}") from None
    except ValueError as error:
        raise DecisionsError(f"{path}: not JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise DecisionsError(f"{path}: not a decisions file (no `files` list)")
    if not isinstance(data.get("version"), int) or data["version"] > VERSION:
        raise DecisionsError(f"{path}: decisions file version {data.get('version')!r} is not supported "
                             f"(this autopar reads version {VERSION})")
    problem = _shape_problem(data["files"])
    if problem:
        raise DecisionsError(f"{path}: not a decisions file ({problem})")
    return data


# the fields of a region that the readers use, with their types (a hand-edited file is checked here,
# once, rather than failing deep inside a reader)
_REGION_FIELDS = (("root", str), ("plan", dict), ("choice", str), ("restructure", str),
                  ("restructure_schedule", list), ("options", list))


_KIND_NAMES = {str: "a string", dict: "an object", list: "a list"}


def _shape_problem(files: list) -> Optional[str]:
    """What makes the `files` list other than the documented form, or None."""
    for i, entry in enumerate(files):
        if not isinstance(entry, dict):
            return f"files[{i}] is not an object"
        if not isinstance(entry.get("sha256", ""), str) or not isinstance(entry.get("regions", []), list):
            return f"files[{i}]: `sha256` must be a string and `regions` a list"
        for j, region in enumerate(entry.get("regions", [])):
            if not isinstance(region, dict) or not isinstance(region.get("root"), str):
                return f"files[{i}].regions[{j}] is not an object with a `root` string"
            for name, kind in _REGION_FIELDS:
                if region.get(name) is not None and not isinstance(region[name], kind):
                    return f"files[{i}].regions[{j}].{name} must be {_KIND_NAMES[kind]}"
    return None


def save(path: str, document: dict) -> None:
    replace_file(path, (json.dumps(document, indent=2) + "\n").encode(), durable=True)


def file_entry(document: dict, path: str, sha: str) -> dict:
    """The entry of `document` for this content, created when missing."""
    for entry in document["files"]:
        if entry.get("sha256") == sha:
            return entry
    entry = {"path": path, "sha256": sha, "regions": []}
    document["files"].append(entry)
    return entry


def set_region(document: dict, path: str, sha: str, record: dict) -> None:
    entry = file_entry(document, path, sha)
    entry["regions"] = [r for r in entry["regions"] if r.get("root") != record["root"]] + [record]


def plan_record(plan) -> Optional[dict]:
    """A Plan as stored: its loop named by LINE:COL only."""
    if plan is None:
        return None
    data = json.loads(plan.model_dump_json())
    data["loop_id"] = position(plan.loop_id)
    if plan.fallback is not None:
        data["fallback"] = plan_record(plan.fallback)
    return data


# ---------------------------------------------------------------------------------- reading them back

_LOADED: dict[tuple, Optional[dict]] = {}
_WARNED: set[str] = set()


def active_path() -> Optional[str]:
    return os.environ.get(ENV) or None


def active() -> Optional[dict]:
    """The decisions file named by $AUTOPAR_DECISIONS, read once per content (None when unset)."""
    path = active_path()
    if not path:
        return None
    try:
        stat = os.stat(path)
        key = (os.path.abspath(path), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = (os.path.abspath(path), None, None)
    if key not in _LOADED:
        try:
            _LOADED[key] = load(path)
        except DecisionsError as error:
            warn(f"decisions file ignored: {error}")
            _LOADED[key] = None
    return _LOADED[key]


def active_hash() -> Optional[str]:
    """The content hash of the active decisions file, for caches keyed by what decides the plans."""
    path = active_path()
    if not path:
        return None
    try:
        with open(path, "rb") as handle:
            return content_hash(handle.read())
    except OSError:
        return "unreadable"


def warn(message: str) -> None:
    if message in _WARNED:
        return
    _WARNED.add(message)
    print(f"autopar: warning: {message}", file=sys.stderr)


def regions_for(document: dict, content: bytes) -> dict[str, dict]:
    """LINE:COL of a root loop -> its stored region, for the file with this content."""
    sha = content_hash(content)
    for entry in document.get("files", []):
        if entry.get("sha256") == sha:
            return {r["root"]: r for r in entry.get("regions", []) if isinstance(r, dict) and "root" in r}
    return {}


def decide(tu, nest, stored: dict):
    """The Decision a stored region gives this nest, or None (with a warning) when it cannot be used."""
    from autopar.plans.candidates import validate_plan
    from autopar.plans.plan import Decision, Plan

    where = f"{tu.path}:{stored.get('root')}"
    restructure = stored.get("restructure") if isinstance(stored.get("restructure"), str) else None
    measured = dict(restructure=restructure, restructurings_measured=stored.get("optimize") is True,
                    restructure_schedule=[str(b) for b in stored.get("restructure_schedule") or []])
    if stored.get("plan") is None:
        what = f"restructuring {restructure} measured fastest" if restructure else "kept serial"
        return Decision(root_loop_id=nest.root_loop_id, decided_by="tuner", rationale=_rationale(stored, what),
                        **measured)
    try:
        data = _with_loop_ids(tu, dict(stored["plan"]))
        if isinstance(data.get("fallback"), dict):
            data["fallback"] = _with_loop_ids(tu, dict(data["fallback"]))
        plan = Plan.model_validate(data)
    except (StopIteration, KeyError, ValueError, TypeError) as error:
        said = " ".join(re.sub(r"For further information visit \S+", "", str(error)).split())
        warn(f"decision for {where} ignored: its plan cannot be read ({type(error).__name__}: {said})")
        return None
    problems = validate_plan(tu, nest, plan)
    if problems:
        warn(f"decision for {where} ignored: its plan no longer validates ({problems[0]}); "
             f"the analyzer decides")
        return None
    candidate = next((c.id for c in nest.candidates if c.plan == plan), None)
    if restructure:  # the plan is the fastest pragma plan; the restructuring won overall
        rationale = (_rationale({"speedup": stored.get("pragma_speedup")}, "the fastest pragma plan measured") +
                     f"; restructuring {restructure} under --optimize" +
                     (f" ({stored['speedup']:.2f}x)" if isinstance(stored.get("speedup"), (int, float)) else ""))
    else:
        rationale = _rationale(stored, "measured fastest")
    return Decision(root_loop_id=nest.root_loop_id, plan=plan,
                    candidate_id=candidate or stored.get("pragma_choice") or stored.get("choice"),
                    decided_by="tuner", rationale=rationale, **measured)


def _with_loop_ids(tu, data: dict) -> dict:
    """A stored plan with its loop named by this file's loop id instead of LINE:COL."""
    line, column = (int(x) for x in str(data["loop_id"]).split(":"))
    data["loop_id"] = next(l for l in tu.loops if l.line == line and l.column == column).id
    return data


def _rationale(stored: dict, what: str) -> str:
    speedup = stored.get("speedup")
    return f"{what} by autopar tune" + (f" ({speedup:.2f}x)" if isinstance(speedup, (int, float)) else "")


def stored_decisions(tu, nests, content: Optional[bytes] = None) -> list:
    """For each nest, the Decision the active decisions file gives it, or None (the nest is decided as
    usual). All None when no decisions file is active or it names nothing of this file's content."""
    none = [None] * len(nests)
    document = active()
    if document is None:
        return none
    if content is None:
        try:
            with open(tu.path, "rb") as handle:
                content = handle.read()
        except OSError:
            return none
    stored = regions_for(document, content)
    if not stored:
        return none
    out = []
    for nest in nests:
        record = stored.get(position(nest.root_loop_id))
        out.append(decide(tu, nest, record) if record is not None else None)
    return out


__all__ = ["VERSION", "ENV", "DecisionsError", "content_hash", "position", "new_document", "load", "save",
           "file_entry", "set_region", "plan_record", "active", "active_hash", "regions_for", "decide",
           "stored_decisions"]
