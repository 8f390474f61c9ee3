"""`autopar-cc` / `autopar-cxx`: drop-in compiler wrappers (`CC=autopar-cc make`).

For each C/C++ source of a compile command: analyze it, insert the pragmas into a copy (with `#line`
directives so every diagnostic and `__FILE__` names the original file and line), and compile the
copy with the same arguments plus `-fopenmp`. Link lines get `-fopenmp` too.

It never breaks a build:
- analysis or rewriting fails → the original source is compiled unchanged, with one warning line;
- the rewritten copy does not compile → the original command runs as given: when that fails too the
  error is the user's, and its messages and exit code are exactly the real compiler's; when it
  succeeds, one warning line says the parallel version was dropped.

Environment:
  AUTOPAR_CC / AUTOPAR_CXX   the real compiler, possibly with a launcher (`ccache cc`); default cc / c++
  AUTOPAR_DISABLE=1          pure pass-through
  AUTOPAR_REPORT=FILE        append one JSON line per analyzed source: {"version", "command", "applied",
                             "file"}, "file" being the FileReport of `autopar analyze --format json`
  AUTOPAR_CACHE_DIR=DIR      where decisions are cached (default $XDG_CACHE_HOME/autopar or
                             ~/.cache/autopar); AUTOPAR_CACHE=0 turns the cache off
  AUTOPAR_DECISIONS=FILE     measured choices from `autopar tune` decide the regions they name (the
                             file's content is part of the cache key)
  AUTOPAR_OPTIMIZE=1         restructure affine nests (interchange, tiling, parallel loop) as
                             `autopar rewrite --optimize` does; default 0: pragmas only
  AUTOPAR_VERSIONING=0       write work thresholds and runtime checks as if() clauses, as `autopar
                             rewrite --no-versioning` does; default 1: `if (check) { parallel loop }
                             else { serial copy }`
  AUTOPAR_SHARED_REGIONS=0   one `parallel for` region per parallel loop, as `autopar rewrite
                             --no-shared-regions` does; default 1: the parallel loops of a serial loop
                             that holds nothing else share one `parallel` region
  AUTOPAR_TIMEOUT=SECONDS    limit on the analysis of one file (default 120; 0: none); past it the
                             original is compiled, with one warning line. The analysis runs in a
                             forked child, so that a crash in native code cannot end the build.
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time
from typing import Optional

from autopar.frontend.omp_pragmas import openmp_code  # the standard library only, like autopar.flags
from autopar.process import configure_program  # the standard library only
from autopar.tools.cc_command import (CommandLine, Input, analysis_flags,  # noqa: F401
                                      parse_command_line, whole_program)

# This module stays free of pydantic and the analysis at import time: a cached or disabled compile
# should cost little more than starting Python.

PROG = "autopar-cc"

class WrapperError(Exception):
    pass


# --------------------------------------------------------------------------------------- the wrapper

def _real_compiler(cxx: bool) -> list[str]:
    """The compiler to run (AUTOPAR_CC or AUTOPAR_CXX, default cc or c++); WrapperError where it cannot
    be split into words or is this wrapper itself (`cc`, a link to autopar-cc, ran itself for ever)."""
    name = "AUTOPAR_CXX" if cxx else "AUTOPAR_CC"
    value = os.environ.get(name) or ("c++" if cxx else "cc")
    try:
        words = shlex.split(value)
    except ValueError as error:
        raise WrapperError(f"{name}={value!r}: cannot split it into words ({error})") from None
    found = shutil.which(words[0]) if words else None
    if not words or found and os.path.realpath(found) in {os.path.realpath(p) for p in _wrappers()}:
        raise WrapperError(f"the real compiler `{value}` is {PROG} itself (a link to it?): set {name} to the "
                           "compiler, for example gcc")
    return words


def _thread_sanitized(argv: list[str]) -> bool:
    """A ThreadSanitizer build: compiled as asked, without OpenMP, whose runtime (gcc's libgomp) TSan
    does not see into, so its every barrier reads as a race (the build's own tests failed)."""
    return any(arg.startswith("-fsanitize=") and "thread" in arg.split("=", 1)[1].split(",") for arg in argv)


def _wrappers() -> list[str]:
    here = os.path.dirname(os.path.abspath(sys.argv[0]))
    return [sys.argv[0], *(os.path.join(here, name) for name in ("autopar-cc", "autopar-cxx"))]


def _call(command: list[str], capture: bool = False) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, capture_output=capture)
    except OSError as error:
        raise WrapperError(f"cannot run the real compiler `{command[0]}`: {error.strerror}") from None


def _warn(message: str) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr)


class _Warnings(list):
    """Warnings about sources left serial; shown only when the build step succeeds, so that a compile
    error in the user's code reads exactly as the real compiler's."""

    def flush(self, status: int) -> int:
        if status == 0:
            for message in self:
                _warn(message)
        return status


def run(argv: list[str], cxx: bool = False) -> int:
    try:
        compiler = _real_compiler(cxx)
        if os.environ.get("AUTOPAR_DISABLE", "") not in ("", "0") or _thread_sanitized(argv):
            return _call([*compiler, *argv]).returncode
        try:
            line = parse_command_line(argv, cxx)
        except Exception as error:  # an odd command line is the real compiler's business
            _warn(f"cannot read the command line ({error}); compiling unchanged")
            return _call([*compiler, *argv]).returncode
        if line.mode in ("query", "preprocess"):
            return _call([*compiler, *argv]).returncode
        if line.mode == "link":
            from autopar.tools import cc_link
            relinked = cc_link.relinked_or_given(line.args, _isolated, _analysis_timeout(), _warn)
            return _call([*compiler, *relinked, "-fopenmp"]).returncode
        return _compile(compiler, line)
    except WrapperError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 127


def _compile(compiler: list[str], line: CommandLine) -> int:
    from autopar.tools.cc_link import CompileReports

    reports = CompileReports()
    try:
        return _compile_sources(compiler, line, reports)
    finally:
        reports.append(line.args)  # (once the outcome is known: whether each copy went into the object)


def _compile_sources(compiler: list[str], line: CommandLine, reports) -> int:
    from autopar.tools import cc_cache, cc_link

    links = line.mode == "compile-link"
    original = [*compiler, *line.args, *(["-fopenmp"] if links else [])]
    warnings = _Warnings()
    user_openmp = any(arg == "-fopenmp" or arg.startswith("-fopenmp=") for arg in line.args)
    rewritten: dict[int, str] = {}  # argument index -> path of the rewritten copy
    extra: list[str] = []
    fresh: list[cc_cache.Entry] = []  # analyzed now, to be cached once the compile succeeds
    sensitive: list[str] = []  # sources with code -fopenmp would switch on (own pragmas, `_OPENMP`)
    built = reports.built  # (source, content, entry): recorded for the link once the compile succeeds
    cc_cache.maybe_clean()
    for source in line.sources:
        content, entry = b"", None
        try:
            with open(source.path, "rb") as handle:
                content = handle.read()
            entry = _decisions(line, source, content, whole_program(line))
        except Exception as error:  # never break a build over the analysis
            said = error if isinstance(error, WrapperError) else _one_line(error)
            if re.search(rb"\bfor\b", content):
                warnings.append(f"{source.path}: not parallelized, analysis failed: {said}")
        headers = (entry.user_headers if entry.user_headers is not None else list(entry.headers)) if entry else []
        if not user_openmp and (found := openmp_code(content, headers)):
            # -fopenmp would switch on what the user never compiled as OpenMP: no source of the command
            # is compiled with it (it would switch on this one's too, a one-step build's link too)
            sensitive.append(f"{source.path}: not parallelized: {found} and the command line has no -fopenmp")
        if entry is None:
            continue
        if not entry.cached:
            fresh.append(entry)  # failures too: the same input fails the same way (it stays serial)
        built.append((source, content, entry))
        if entry.error and re.search(rb"\bfor\b", content):  # (a configure probe has no loop: no noise)
            warnings.append(f"{source.path}: not parallelized: {entry.error}")
            continue
        if entry.rewritten is not None:
            extra += _placed_copy(source, entry, line, rewritten, reports, warnings)

    if sensitive:
        warnings.extend(sensitive[:1] if rewritten else [])
        reports.skipped.update({i: "a source of the command has OpenMP code of its own and the command line has "
                                   "no -fopenmp" for i in rewritten})
        rewritten, extra, original = {}, [], [*compiler, *line.args]
    if not rewritten:
        status = _call(original).returncode
        if status == 0:
            _store(fresh, None)
            cc_link.record_compile(compiler, line, built, analysis_flags)
        return warnings.flush(status)
    args = [rewritten.get(i, arg) for i, arg in enumerate(line.args)]
    deps = _dependency_files(line)
    command = [*compiler, *extra, *args, "-fopenmp"]
    if deps is None and len(line.sources) == 1:
        deps = {line.sources[0].index: os.path.join(os.path.dirname(next(iter(rewritten.values()))), "autopar.d")}
        command += ["-MD", "-MF", deps[line.sources[0].index]]  # only to learn the headers, for the cache
    result = _call(command, capture=True)
    if result.returncode != 0:
        # The user's own error, or one the pragmas caused: the original command decides.
        status = _call(original).returncode
        names = ", ".join(line.args[i] for i in rewritten)
        warnings.append(f"{names}: the parallelized copy did not compile; built the original unchanged")
        reports.skipped.update({i: "the parallelized copy did not compile" for i in rewritten})
        return warnings.flush(status)
    reports.applied = set(rewritten)
    sys.stdout.buffer.write(result.stdout)
    sys.stdout.flush()
    sys.stderr.buffer.write(result.stderr)
    sys.stderr.flush()
    read, failures = cc_cache.fixed_dependencies(deps, {rewritten[i]: line.args[i] for i in rewritten})
    warnings.extend(f"dependency file {path}: {_one_line(error)}" for path, error in failures)
    for source, _, entry in built:
        if entry in fresh:  # (what the compile read, and what the analysis read: -MMD leaves -isystem out)
            found = read.get(source.index)
            _store([entry], None if found is None else [*found, *entry.included])
    cc_link.record_compile(compiler, line, built, analysis_flags)
    return warnings.flush(0)


def _placed_copy(source: Input, entry, line: CommandLine, rewritten: dict[int, str], reports, warnings) -> list[str]:
    """Writes the parallelized copy of one source (its path into `rewritten`) and gives the options
    its compile needs; none, with a warning, when it cannot be written."""
    from autopar.tools import cc_cache

    try:
        copy = rewritten[source.index] = cc_cache.write_rewritten(source.path, entry, line.output)
    except Exception as error:
        reports.skipped[source.index] = f"rewriting failed: {_one_line(error)}"
        warnings.append(f"{source.path}: not parallelized, {reports.skipped[source.index]}")
        return []
    return cc_cache.copy_flags(copy, source.path, entry.rewritten or b"")


def _decisions(line: CommandLine, source: Input, content: bytes, whole: bool):
    """The rewritten copy's content and the report for one source: from the cache, or by analyzing.
    `whole`: the command builds a program of this source alone."""
    from autopar.plans.fppolicy import resolve
    from autopar.tools import cc_cache

    flags = analysis_flags(line, source)
    # what decides the plans besides the source and flags is in the key: the floating-point policy
    # (it may come from $AUTOPAR_FP_REDUCTIONS), measured choices (autopar tune's decisions file) and
    # restructuring (AUTOPAR_OPTIMIZE)
    # and the real compiler: what its preprocessor keeps (`#ifdef __clang__`) decides plans, and a
    # clang build's decisions raced in a gcc build of the same file
    extra = [f"fp-reductions={resolve(flags)}", f"compiler={_compiler_identity()}"]
    if os.environ.get("AUTOPAR_DECISIONS"):
        from autopar.decision.decisions import active_hash

        extra.append(f"\0decisions={active_hash()}")
    optimize, versioning, shared = _switches()
    extra += [setting for setting, on in (("AUTOPAR_OPTIMIZE=1", optimize), ("AUTOPAR_VERSIONING=0", not versioning),
                                          ("AUTOPAR_SHARED_REGIONS=0", not shared), ("whole-program", whole)) if on]
    # the include paths the environment adds decide which headers the compile reads
    extra += [f"{name}={os.environ[name]}" for name in _INCLUDE_PATH_VARIABLES if os.environ.get(name)]
    key = cc_cache.cache_key(source.path, content, [*flags, *extra])
    entry = cc_cache.lookup(key)
    if entry is None:
        outcome = _isolated(_analyze, source.path, content, flags, whole, timeout=_analysis_timeout())
        entry = cc_cache.Entry(key=key, report_json=outcome["report"], error=outcome["error"],
                               rewritten=base64.b64decode(outcome["rewritten"]) if outcome["rewritten"] else None,
                               user_headers=outcome.get("user_headers"), included=outcome.get("included") or [])
    return entry


def _compiler_identity() -> str:
    """The real compilers (C and C++), each as the file its name resolves to (a launcher's link,
    `/usr/lib/ccache/gcc`, as itself: it names the compiler)."""
    from autopar.frontend.parse import resolved_compiler

    names = []
    for cxx in (False, True):
        try:
            words = _real_compiler(cxx)
        except WrapperError:  # (the other language's compiler, unusable: this build does not run it)
            words = []
        names.append(" ".join(resolved_compiler(w) for w in words))
    return "|".join(names)


_INCLUDE_PATH_VARIABLES = ("CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "OBJC_INCLUDE_PATH")


def _switches() -> tuple[bool, ...]:
    """(AUTOPAR_OPTIMIZE, AUTOPAR_VERSIONING, AUTOPAR_SHARED_REGIONS), each on when neither empty nor 0
    (unset: off, on, on)."""
    return tuple(os.environ.get(name, default) not in ("", "0") for name, default in
                 (("AUTOPAR_OPTIMIZE", "0"), ("AUTOPAR_VERSIONING", "1"), ("AUTOPAR_SHARED_REGIONS", "1")))


def _analyze(path: str, content: bytes, flags: list[str], whole: bool) -> dict:
    """Runs in the child process: analysis, edits and the rewritten copy of one source, as JSON data."""
    from autopar.edit.edits import with_line_directives
    from autopar.edit.transform import transform_file

    optimize, versioning, shared = _switches()
    result = transform_file(path, flags, optimize=optimize, versioning=versioning, share_regions=shared,
                            whole_program=whole or None)
    if result.source != content:
        raise WrapperError("the file changed while it was analyzed")
    error = result.report.error or (_first_error(result.report) if result.failed else None)
    rewritten = with_line_directives(content, result.edits, path) if result.edits and not error else None
    tu = result.analysis.tu if result.analysis is not None else None
    return {"report": result.report.model_dump_json(), "error": error,
            "user_headers": tu.user_headers if tu else None, "included": tu.included if tu else [],
            "rewritten": base64.b64encode(rewritten).decode() if rewritten else None}


def _isolated(function, *args, timeout: int) -> dict:
    """Run `function(*args)` in a forked child and return its JSON result.

    A crash in native code (libclang, isl), an exception, or running past `timeout` seconds (0: no
    limit) becomes a WrapperError here, never the end of the build.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        try:
            payload = {"ok": function(*args)}
        except BaseException as error:  # noqa: BLE001 - everything goes back to the parent
            payload = {"failed": _one_line(error) if not isinstance(error, WrapperError) else str(error)}
        with os.fdopen(write_end, "wb") as out:
            out.write(json.dumps(payload).encode())
        os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout if timeout else None
    try:
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                os.kill(pid, signal.SIGKILL)
                raise WrapperError(f"the analysis took longer than {timeout} s (AUTOPAR_TIMEOUT)")
            ready, _, _ = select.select([read_end], [], [], remaining)
            if ready:
                data = os.read(read_end, 1 << 16)
                if not data:
                    break
                chunks.append(data)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        raise WrapperError(f"the analysis crashed ({signal.Signals(os.WTERMSIG(status)).name})")
    try:
        payload = json.loads(b"".join(chunks))
    except ValueError:
        raise WrapperError("the analysis ended without an answer") from None
    if "failed" in payload:
        raise WrapperError(payload["failed"])
    return payload["ok"]


def _analysis_timeout() -> int:
    try:
        return max(0, int(os.environ.get("AUTOPAR_TIMEOUT", "120")))
    except ValueError:
        return 120


def _store(entries: list, headers: Optional[list[str]]) -> None:
    from autopar.tools import cc_cache

    for entry in entries:
        if headers is None and entry.rewritten is not None:
            continue  # a parallelized file is cached only with its headers, to notice when they change
        try:
            cc_cache.store(entry, headers or [])
        except OSError:
            pass  # a read-only or full cache only costs time


def _dependency_files(line: CommandLine) -> Optional[dict[int, str]]:
    """Where the compiler writes the dependency files the user asked for (-MD/-MMD), by source, if any:
    -MF's file (one source), else beside -o's object, else each source's name with `.d` (several
    sources: gcc writes one file per source, in the current directory)."""
    if not line.makes_deps:
        return None
    named = line.dep_file or (os.path.splitext(line.output)[0] + ".d" if line.output else None)
    if named is not None:
        # (several sources into one file: each compile overwrites it, and only its names are fixed)
        return {s.index: named for s in line.sources}
    return {s.index: os.path.splitext(os.path.basename(s.path))[0] + ".d" for s in line.sources}


def _first_error(report) -> str:
    errors = [d for d in report.diagnostics if d.is_error]
    return f"clang cannot parse it ({errors[0].render()})" if errors else "the file has errors"


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def main() -> int:
    configure_program()
    return run(sys.argv[1:])


def main_cxx() -> int:
    configure_program()
    return run(sys.argv[1:], cxx=True)
