"""Link-time parallelization for `autopar-cc`: a loop that a compile left serial because it calls a
function of another file (NAS BT's line solves call `binvcrhs`, defined in `solve_subs.c`) is
analyzed again when the objects are linked, with that function's summary from the file that defines
it, and the file's parallel copy is compiled again and linked in place of its first object.

Each compile of one source into one object records what it built (`record`): the object, source
and headers with their hashes, the command, the settings that decide plans, and (where a loop
calls a function the file does not define) the names the file calls. A link (`relinked`) reads the
records of its objects; a record whose object, source or headers are no longer the bytes recorded
is not used. A function qualifies when one object of the link, a recorded one, holds its only strong
definition (`nm`; no weak one, no other definition in any object or archive of the link), it
touches only what its pointer arguments reach (autopar.frontend.external_summaries), and none of its
own loops runs in parallel (no region nests in another). A link whose options may redirect or export
calls (`-shared`, `-r`, `-Wl,...`: autopar.tools.link_inputs) is left alone. Any failure links the
objects as they are; AUTOPAR_LINK_TIME=0 turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Optional

from autopar.atomic import cache_dir, replace_file
from autopar.tools.link_inputs import defined_symbols, object_inputs, shapes_the_link

ENV = "AUTOPAR_LINK_TIME"
# the settings a compile's plans depend on besides its source and flags (autopar.tools.cc._decisions)
SETTINGS = ("AUTOPAR_FP_REDUCTIONS", "AUTOPAR_OPTIMIZE", "AUTOPAR_VERSIONING", "AUTOPAR_SHARED_REGIONS",
            "AUTOPAR_DECISIONS", "AUTOPAR_CALIBRATION", "AUTOPAR_WHOLE_PROGRAM")
_UNKNOWN_CODE = "call-unknown"  # (autopar.plans.reasons.CALL_UNKNOWN)
_INSIDE_CODE = "inside-parallel"  # (autopar.plans.reasons: a loop inside a parallel one)
_CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
# options of the compile that write files besides the object (dependency files, temporaries)
_WRITING = {"-MF", "-MT", "-MQ"}
_WRITING_ALONE = {"-MD", "-MMD", "-MP", "-save-temps"}


def enabled() -> bool:
    return os.environ.get(ENV, "1") not in ("0", "")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record_path(obj: str) -> Path:
    return cache_dir() / "objects" / f"{_sha256(os.path.abspath(obj).encode('utf-8', 'surrogateescape'))}.json"


def record_compile(compiler: list[str], line, built: list[tuple], analysis_flags) -> None:
    """After a compile through autopar-cc (`line`, an autopar.tools.cc.CommandLine; `built`: its
    (source, content, cache entry)): `-c` of one source into an object is recorded for the link."""
    if not enabled() or line.mode != "compile" or "-c" not in line.args or len(line.sources) != 1 or \
            len(built) != 1 or (line.output is not None and not line.output.endswith(".o")):
        return
    source, content, entry = built[0]
    try:
        record(compiler, line.args, source.index, line.output, content, analysis_flags(line, source),
               entry.report_json)
    except Exception:  # (a record that cannot be written only costs the link its second look)
        pass


def record(command: list[str], args: list[str], source_index: int, output: Optional[str], content: bytes,
           flags: list[str], report_json: str) -> None:
    """After `command args` compiled the source at args[source_index] (whose bytes were `content`)
    into `output` (default: the source's name with .o, here): what a link needs to build it again."""
    source = args[source_index]
    obj = output or os.path.splitext(os.path.basename(source))[0] + ".o"
    headers = _headers(command, flags, source)
    if headers is None:
        return  # (without the headers' hashes a later link could not tell a stale record)
    report = json.loads(report_json)
    # a loop calls a function the file does not define: the names the file calls (a superset: the
    # report names a loop's first few blockers only) are asked of the link's other objects
    blocked = any(_UNKNOWN_CODE in loop.get("codes", []) for loop in report.get("loops", []))
    data = {"object": os.path.abspath(obj), "object_sha": _sha256(Path(obj).read_bytes()),
            "source": os.path.abspath(source), "source_sha": _sha256(content), "headers": headers,
            "cwd": os.getcwd(), "command": command, "args": args, "source_index": source_index,
            "output": output, "flags": flags, "settings": {name: os.environ.get(name) for name in SETTINGS},
            "wants": sorted(set(_CALLED.findall(content.decode("utf-8", "replace")))) if blocked else [],
            "defines": defined_symbols(obj) or {}, "object_stat": _stat(obj),
            "parallel": [loop["id"] for loop in report.get("loops", []) if loop.get("parallel")]}
    replace_file(_record_path(obj), json.dumps(data).encode())


def _headers(command: list[str], flags: list[str], source: str) -> Optional[dict[str, str]]:
    """The files the source includes, with their hashes (the compiler's `-M`), or None."""
    done = subprocess.run([*command, *flags, "-M", source], capture_output=True, text=True)
    if done.returncode != 0:
        return None
    words = done.stdout.replace("\\\n", " ").split(":", 1)[-1].split()
    try:
        return {os.path.abspath(w): _sha256(Path(w).read_bytes()) for w in words[1:]}
    except OSError:
        return None


def _stat(path: str) -> list[int]:
    info = os.stat(path)
    return [info.st_size, info.st_mtime_ns]


def _recorded(obj: str) -> Optional[dict]:
    """The record of an object, unchecked (see _current)."""
    try:
        data = json.loads(_record_path(obj).read_bytes())
        return data if data["object"] == os.path.abspath(obj) and isinstance(data["defines"], dict) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _current(data: dict) -> bool:
    """Whether the record's object, source and headers are still the bytes recorded."""
    try:
        files = {data["object"]: data["object_sha"], data["source"]: data["source_sha"], **data["headers"]}
        return all(_sha256(Path(path).read_bytes()) == digest for path, digest in files.items())
    except (OSError, KeyError, TypeError, AttributeError):
        return False


def relinked_or_given(args: list[str], isolated, timeout: int, warn) -> list[str]:
    """`relinked`, or the arguments as given when that fails (with a warning)."""
    try:
        return relinked(args, isolated, timeout)
    except Exception as error:
        warn(f"link-time analysis failed ({type(error).__name__}: {error}); linking the objects as they are")
        return args


def relinked(args: list[str], isolated, timeout: int) -> list[str]:
    """The link's arguments, each object whose file gains parallel loops from the others' summaries
    replaced by its new build. `isolated(function, *args, timeout=...)` runs an analysis in a child."""
    if not enabled() or shapes_the_link(args):
        return args
    inputs = object_inputs(args)
    loaded = {i: r for i, a in inputs if a.endswith(".o") and (r := _recorded(a)) is not None}
    wanting = {i: r for i, r in loaded.items() if r["wants"]}
    # (the cheap questions first: a link whose wanted names no recorded object defines costs no nm)
    named = {n for r in wanting.values() for n in r["wants"] if any(n in d["defines"] for d in loaded.values())}
    if not named:
        return args
    definers = _strong_definers(inputs, named, loaded)
    if definers is None:
        return args
    records = {i: r for i, r in loaded.items() if (i in wanting or i in definers.values()) and _current(r)}
    wanting = {i: r for i, r in wanting.items() if i in records}
    summaries: dict[str, dict] = {}
    for index in sorted(set(definers.values()) & set(records)):
        names = sorted(n for n, i in definers.items() if i == index)
        found = _remembered(["summaries", records[index], names],
                            lambda: isolated(_own_summaries, records[index], names, timeout=timeout))
        summaries.update({name: s for name, s in found.items() if s})
    out = list(args)
    for index, record_ in wanting.items():
        given = {n: summaries[n] for n in record_["wants"] if n in summaries and definers[n] != index}
        if not given:
            continue
        asked: list[bool] = []  # (whether this link built it, or an earlier one)

        def build(record_=record_, given=given) -> dict:
            asked.append(True)
            return isolated(_rebuild, record_, given, timeout=timeout)

        try:  # (one file's failure leaves that object as it is, not the others)
            built = _remembered(["build", record_, given], build,
                                valid=lambda found: not found["object"] or os.path.isfile(found["object"]))
        except Exception:
            continue
        if built["object"]:
            out[index] = built["object"]
            append_report(args, built["report"], cached=not asked, link_time=True)
    return out


class CompileReports:
    """What one `autopar-cc` compile did with each source it analyzed, for its $AUTOPAR_REPORT lines:
    `built` (source, content, cache entry), the argument indexes whose parallelized copy went into the
    object (`applied`), and why a source's copy did not (`skipped`: index -> reason)."""

    def __init__(self) -> None:
        self.built: list[tuple] = []
        self.applied: set[int] = set()
        self.skipped: dict[int, str] = {}

    def append(self, command: list[str]) -> None:
        for source, _, entry in self.built:
            reason = entry.error or self.skipped.get(source.index)
            if reason is None and entry.rewritten is not None and source.index not in self.applied:
                reason = "the compile did not finish"
            append_report(command, entry.report_json, entry.cached, not_applied=reason)


def append_report(command: list[str], report_json: str, cached: bool, link_time: bool = False,
                  not_applied: Optional[str] = None) -> None:
    """One $AUTOPAR_REPORT line for a file `autopar-cc` analyzed: at its compile, or built again at a
    link (`"link_time": true`, with the link's command). `not_applied`: why the object was built from
    the file unchanged (`"applied": false`): the report then says what the analysis found, not what
    runs."""
    import fcntl

    target = os.environ.get("AUTOPAR_REPORT")
    if not target:
        return
    line = {"version": 1, "command": command, "cached": cached, **({"link_time": True} if link_time else {}),
            "applied": not_applied is None, **({"not_applied": not_applied} if not_applied else {}),
            "file": json.loads(report_json)}
    try:
        with open(target, "a", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)  # parallel make: one whole line at a time
            out.write(json.dumps(line) + "\n")
            out.flush()
            fcntl.flock(out, fcntl.LOCK_UN)
    except OSError as error:  # (a report is no part of the build: a missing directory never fails it)
        print(f"autopar-cc: warning: AUTOPAR_REPORT {target}: cannot write: {error.strerror or error}",
              file=sys.stderr)


def _strong_definers(inputs: list[tuple[int, str]], names: set[str], loaded: dict[int, dict]) -> Optional[dict[str, int]]:
    """name -> the index of the one input that defines it, for the `names` that exactly one object or
    archive of the link defines, strongly (not weak, not twice); None when an input cannot be read.
    A recorded object's symbols are its record's (checked with the record before use)."""
    found: dict[str, list[tuple[int, str]]] = {}
    for index, path in inputs:
        try:  # (a recorded object not touched since: its record's symbols; else nm's)
            fresh = index in loaded and _stat(path) == loaded[index].get("object_stat")
        except OSError:
            return None
        symbols = loaded[index]["defines"] if fresh else defined_symbols(path)
        if symbols is None:
            return None
        for name in names & symbols.keys():
            found.setdefault(name, []).append((index, symbols[name]))
    return {name: d[0][0] for name, d in found.items() if len(d) == 1 and d[0][1] == "T"}


def _remembered(question: list, answer, valid=lambda found: True):
    """The answer to a question asked at an earlier link (the same records, so the same files, flags,
    settings and objects, and the same autopar), else `answer()`, kept for the next link: a `make` that
    only relinks analyzes nothing again. `valid`: whether a kept answer still holds (its object is there)."""
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
    loops run in parallel there (not only vectorized). None for all where the source reads `_OPENMP`
    (its object, built with -fopenmp, holds code the analysis does not see) or has omp pragmas."""
    from autopar.decision.pipeline import analyze_file
    from autopar.frontend import external_summaries

    from autopar.frontend.omp_pragmas import has_omp_pragma

    os.chdir(other["cwd"])
    content = Path(other["source"]).read_bytes()
    if b"_OPENMP" in content or has_omp_pragma(content):
        return {}  # (an orphaned `omp for` in a callee binds to the caller's team)
    _apply_settings(other["settings"])
    with external_summaries.wanted(set(names)):  # (analysed as its compile analysed it)
        analysis = analyze_file(other["source"], other["flags"])
    tu = analysis.tu
    if tu is None or analysis.report.failed:
        return {}
    # (a simd loop runs on the calling thread; any other pragma opens or joins a parallel region)
    parallel = {loop.function for loop in analysis.report.loops
                if loop.parallel and not (loop.pragma or "").startswith("#pragma omp simd")}
    return {name: (None if name in parallel or not external_summaries.importable(tu.functions[name])
                   else tu.functions[name].model_dump(mode="json"))
            for name in names if name in tu.functions}


def _apply_settings(settings: dict) -> None:
    """The child's own environment as a compile had it: each recorded setting set, or unset."""
    for name, value in settings.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _rebuild(wanting: dict, summaries: dict) -> dict:
    """In the child: the object of `wanting`'s source analyzed with `summaries`, built again when it
    gains parallel loops: {"object": its path or None, "report": the file's report (JSON)}."""
    return {"object": None, "report": None} | _build(wanting, summaries)


def _build(wanting: dict, summaries: dict) -> dict:
    from autopar.edit.edits import with_line_directives
    from autopar.edit.transform import transform_file
    from autopar.tools.cc_cache import copy_flags, dated_as
    from autopar.frontend import external_summaries
    from autopar.frontend.omp_pragmas import has_omp_pragma
    from autopar.ir import FunctionSummary

    os.chdir(wanting["cwd"])
    args, source = list(wanting["args"]), Path(wanting["source"])
    content = source.read_bytes()
    if "-fopenmp" not in args and has_omp_pragma(content):
        return {}  # (-fopenmp would switch on pragmas the user never compiled as OpenMP)
    settings = wanting["settings"]
    _apply_settings(settings)
    given = {name: FunctionSummary.model_validate(s) for name, s in summaries.items()}
    with external_summaries.given(given):  # (the source named as the compile named it: the loops' ids)
        result = transform_file(args[wanting["source_index"]], wanting["flags"],
                                optimize=settings.get("AUTOPAR_OPTIMIZE") not in (None, "", "0"),
                                versioning=settings.get("AUTOPAR_VERSIONING") not in ("0", ""),
                                share_regions=settings.get("AUTOPAR_SHARED_REGIONS") not in ("0", ""))
    if result.failed or not result.edits or result.source != content or \
            _sha256(content) != wanting["source_sha"] or not _gains(wanting["parallel"], result.report.loops):
        return {}
    place = cache_dir() / "link" / _sha256(json.dumps([wanting, summaries], sort_keys=True).encode())[:24]
    copy, obj = place / source.name, place / (Path(wanting["object"]).stem + ".o")
    rewritten = with_line_directives(content, result.edits, str(source))
    replace_file(copy, rewritten)
    dated_as(str(copy), str(source))
    args[wanting["source_index"]] = str(copy)
    args = _with_output(_without_writing(args), wanting["output"] or "", str(obj) + ".tmp")
    command = [*wanting["command"], *copy_flags(str(copy), str(source), rewritten), *args, "-fopenmp"]
    if subprocess.run(command, capture_output=True).returncode != 0:
        return {}
    os.replace(str(obj) + ".tmp", obj)  # (a link beside this one never reads half an object)
    return {"object": str(obj), "report": result.report.model_dump_json()}


def _gains(before: list[str], loops) -> bool:
    """Whether the new decisions run more in parallel: a loop parallel now that was not, and every
    loop parallel before still parallel or inside one that is."""
    now = {loop.id: loop for loop in loops}
    kept = all(i in now and (now[i].parallel or _INSIDE_CODE in now[i].codes) for i in before)
    return kept and any(loop.parallel and loop.id not in before for loop in loops)


def _without_writing(args: list[str]) -> list[str]:
    """The compile's arguments less those that write other files (the dependency file the first
    compile wrote names the project's object, and stays so)."""
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in _WRITING:
            skip = True
        elif arg not in _WRITING_ALONE and not arg.startswith(("-MF", "-MT", "-MQ", "-save-temps")):
            out.append(arg)
    return out


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
