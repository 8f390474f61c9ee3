"""Link-time parallelization for `autopar-cc`: a loop that a compile left serial because it calls a
function of another file (NAS BT's line solves call `binvcrhs`, defined in `solve_subs.c`) is
analyzed again when the objects are linked, with that function's summary from the file that defines
it, and the file's parallel copy is compiled again and linked in place of its first object.

Each compile of one source into one object records what it built (`record`): the object and source
with their hashes, the command, and the functions its loops call that the file does not define.
A link (`relinked`) reads the records of the objects it is given. Nothing stale is used: an object
or source whose bytes are not those recorded is linked as it is, and only the link's own objects
may define a function. A function qualifies when exactly one of them defines it with external
linkage, touches only what its pointer arguments reach (autopar.frontend.external_summaries), and
none of its own loops runs in parallel (no region nests in another). Any failure links the objects
as they are; AUTOPAR_LINK_TIME=0 turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Optional

from autopar.atomic import cache_dir, replace_file

ENV = "AUTOPAR_LINK_TIME"
_UNKNOWN_CODE = "call-unknown"  # (autopar.plans.reasons.CALL_UNKNOWN)
_INSIDE_CODE = "inside-parallel"  # (autopar.plans.reasons: a loop inside a parallel one)
_CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_NOT_CALLS = {"if", "for", "while", "switch", "return", "sizeof", "defined", "_Alignof", "alignof", "_Generic",
              "__attribute__", "__typeof__", "typeof", "__asm__", "asm"}


def enabled() -> bool:
    return os.environ.get(ENV, "1") not in ("0", "")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record_path(obj: str) -> Path:
    return cache_dir() / "objects" / f"{_sha256(os.path.abspath(obj).encode('utf-8', 'surrogateescape'))}.json"


def record_compile(compiler: list[str], line, built: list[tuple], analysis_flags) -> None:
    """After a compile through autopar-cc (`line`, a autopar.tools.cc.CommandLine; `built`: its
    (source, content, cache entry)): `-c` of one source into an object is recorded for the link."""
    if line.mode != "compile" or "-c" not in line.args or len(line.sources) != 1 or len(built) != 1 or \
            (line.output is not None and not line.output.endswith(".o")):
        return
    source, content, entry = built[0]
    try:
        record(compiler, line.args, source.index, line.output, content, analysis_flags(line, source),
               entry.report_json)
    except Exception:  # (a record that cannot be written only costs the link its second look)
        pass


def relinked_or_given(args: list[str], isolated, timeout: int, warn) -> list[str]:
    """`relinked`, or the arguments as given when that fails (with a warning)."""
    try:
        return relinked(args, isolated, timeout)
    except Exception as error:
        warn(f"link-time analysis failed ({type(error).__name__}: {error}); linking the objects as they are")
        return args


def record(command: list[str], args: list[str], source_index: int, output: Optional[str], content: bytes,
           flags: list[str], report_json: str) -> None:
    """After `command args` compiled the source at args[source_index] (whose bytes were `content`)
    into `output` (default: the source's name with .o, here): what a link needs to build it again."""
    if not enabled():
        return
    source = args[source_index]
    obj = output or os.path.splitext(os.path.basename(source))[0] + ".o"
    report = json.loads(report_json)
    # a loop calls a function the file does not define: the names the file calls (a superset: the
    # report names a loop's first few blockers only) are asked of the link's other objects
    blocked = any(_UNKNOWN_CODE in loop.get("codes", []) for loop in report.get("loops", []))
    wants = sorted(set(_CALLED.findall(content.decode("utf-8", "replace"))) - _NOT_CALLS) if blocked else []
    data = {"object": os.path.abspath(obj), "object_sha": _sha256(Path(obj).read_bytes()),
            "source": os.path.abspath(source), "source_sha": _sha256(content), "cwd": os.getcwd(),
            "command": command, "args": args, "source_index": source_index, "output": output, "flags": flags,
            "wants": wants, "parallel": [loop["id"] for loop in report.get("loops", []) if loop.get("parallel")]}
    replace_file(_record_path(obj), json.dumps(data).encode())


def _current(obj: str) -> Optional[dict]:
    """The record of an object, when the object and its source are still the bytes recorded."""
    try:
        data = json.loads(_record_path(obj).read_bytes())
        if _sha256(Path(obj).read_bytes()) != data["object_sha"] or \
                _sha256(Path(data["source"]).read_bytes()) != data["source_sha"]:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return data


def relinked(args: list[str], isolated, timeout: int) -> list[str]:
    """The link's arguments, each object whose file gains parallel loops from the others' summaries
    replaced by its new build. `isolated(function, *args, timeout=...)` runs an analysis in a child."""
    if not enabled():
        return args
    records = {i: r for i, a in enumerate(args) if a.endswith(".o") and (r := _current(a)) is not None}
    if not any(r["wants"] for r in records.values()):
        return args
    defined = _defined_by(records, {n for r in records.values() for n in r["wants"]}, isolated, timeout)
    out = list(args)
    for index, wanting in records.items():
        # each function it calls that exactly one other object of the link defines, in a usable form
        summaries = {name: found[0][1] for name in wanting["wants"]
                     if len(found := [d for d in defined.get(name, []) if d[0] != index]) == 1 and found[0][1]}
        if not summaries:
            continue
        try:  # (one file's failure leaves that object as it is, not the others)
            built = _remembered(["build", wanting, summaries],
                                lambda: {"object": isolated(_rebuild, wanting, summaries, timeout=timeout)},
                                valid=lambda found: not found["object"] or os.path.isfile(found["object"]))
        except Exception:
            continue
        if built["object"] and os.path.isfile(built["object"]):
            out[index] = built["object"]
    return out


def _defined_by(records: dict[int, dict], names: set[str], isolated, timeout: int) -> dict[str, list]:
    """name -> [(argument index of the object whose source defines it, its summary as JSON or None
    when another file may not use it)], for the `names` whose definition a source seems to hold."""
    found: dict[str, list] = {}
    for index, other in records.items():
        try:
            text = Path(other["source"]).read_text(errors="replace")
        except OSError:
            continue
        here = [n for n in sorted(names) if re.search(rf"^[^;#\n]*\b{re.escape(n)}\s*\([^;]*$", text, re.M)]
        if not here:
            continue
        try:
            summaries = _remembered(["summaries", other, here], lambda: isolated(_own_summaries, other, here,
                                                                                timeout=timeout))
        except Exception:
            continue
        for name, summary in summaries.items():
            found.setdefault(name, []).append((index, summary))
    return found


def _remembered(question: list, answer, valid=lambda found: True):
    """The answer to a question asked at an earlier link (the same records, so the same files, flags
    and objects, and the same autopar), else `answer()`, kept for the next link: a `make` that only
    relinks analyzes nothing again. `valid`: whether a kept answer still holds (its object is there)."""
    from autopar.tools.cc_cache import code_fingerprint

    key = _sha256(json.dumps([code_fingerprint(), question], sort_keys=True).encode())
    path = cache_dir() / "link" / "answers" / f"{key}.json"
    try:
        found = json.loads(path.read_bytes())
        if valid(found):
            return found
    except (OSError, ValueError):
        pass
    found = answer()
    replace_file(path, json.dumps(found).encode())
    return found


def _own_summaries(other: dict, names: list[str]) -> dict:
    """In the child: the summaries of `names` that `other`'s source defines, None for one whose own
    loops run in parallel there (not only vectorized)."""
    from autopar.decision.pipeline import analyze_tu, load_translation_unit
    from autopar.frontend import external_summaries

    os.chdir(other["cwd"])
    with external_summaries.wanted(set(names)):
        tu = load_translation_unit(other["source"], other["flags"])
    # (a simd loop runs on the calling thread; any other pragma opens or joins a parallel region)
    parallel = {loop.function for loop in analyze_tu(tu).report.loops
                if loop.parallel and not (loop.pragma or "").startswith("#pragma omp simd")}
    return {name: (None if name in parallel or not external_summaries.importable(tu.functions[name])
                   else tu.functions[name].model_dump(mode="json"))
            for name in names if name in tu.functions}


def _rebuild(wanting: dict, summaries: dict) -> Optional[str]:
    """In the child: the object of `wanting`'s source analyzed with `summaries`, built again when it
    gains parallel loops; its path, or None."""
    from autopar.edit.edits import with_line_directives
    from autopar.edit.transform import transform_file
    from autopar.frontend import external_summaries
    from autopar.ir import FunctionSummary

    os.chdir(wanting["cwd"])
    given = {name: FunctionSummary.model_validate(s) for name, s in summaries.items()}
    with external_summaries.given(given):  # (the source named as the compile named it: the loops' ids)
        result = transform_file(wanting["args"][wanting["source_index"]], wanting["flags"])
    if result.failed or not result.edits or not _gains(wanting["parallel"], result.report.loops):
        return None
    source = Path(wanting["source"])
    if _sha256(result.source) != wanting["source_sha"]:
        return None
    place = cache_dir() / "link" / _sha256(json.dumps([wanting["object"], summaries], sort_keys=True).encode())[:20]
    copy, obj = place / source.name, place / (Path(wanting["object"]).stem + ".o")
    replace_file(copy, with_line_directives(result.source, result.edits, str(source)))
    args = list(wanting["args"])
    args[wanting["source_index"]] = str(copy)
    args = _with_output(args, wanting["output"] or "", str(obj))
    command = [*wanting["command"], "-iquote", str(source.parent), *args, "-fopenmp"]
    if subprocess.run(command, capture_output=True).returncode != 0:
        return None
    return str(obj)


def _gains(before: list[str], loops) -> bool:
    """Whether the new decisions run more in parallel: a loop parallel now that was not, and every
    loop parallel before still parallel or inside one that is."""
    now = {loop.id: loop for loop in loops}
    kept = all(i in now and (now[i].parallel or _INSIDE_CODE in now[i].codes) for i in before)
    return kept and any(loop.parallel and loop.id not in before for loop in loops)


def _with_output(args: list[str], old: str, new: str) -> list[str]:
    """The compile's arguments writing `new` instead of `old` (`-o old` or `-oold`)."""
    out = list(args)
    for i, arg in enumerate(out):
        if arg == "-o" and i + 1 < len(out) and out[i + 1] == old:
            out[i + 1] = new
            return out
        if arg == "-o" + old:
            out[i] = "-o" + new
            return out
    return out + ["-o", new]
