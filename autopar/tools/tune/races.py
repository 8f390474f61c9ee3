"""The race check of one option: the whole program through --race-build/--race-run, else the
rewritten file alone through autopar.tools.verify's race_check when it has a `main`, else skipped (and
the decisions file says why). Results are cached by the sources' digest.

RaceChecks is a part of autopar.tools.tune.tuner.Tuner; it builds through ProgramBuilds."""

from __future__ import annotations

import os
import re
import shlex
import tempfile

from autopar.tools.tune.config import RACE_THREADS
from autopar.tools.tune.program import _debug, _digest
from autopar.tools.tune.regions import Option, SourceFile
from autopar.tools.tune.shell import _tail, run_shell


class RaceChecks:
    """Race-checks an option (a part of Tuner: see the module doc)."""

    def _race_check(self, index: int, option: Option) -> tuple[str, str]:
        """("clean" | "race" | "skipped: why", detail) for the program with `option` on region `index`."""
        if not self.config.check_races:
            return "skipped: --no-race-check", ""
        sources = self._sources({index: option}, without_thresholds=True)
        key = _digest(sources)
        if key in self._race_cache:
            return self._race_cache[key]
        if self.config.race_build:
            result = self._race_with_build(sources)
        else:
            result = self._race_single_file(self.regions[index].file, sources[self.regions[index].file.path])
        self._race_cache[key] = result
        _debug(f"race check of {option.id}: {result[0]}")
        return result

    def _race_with_build(self, sources: dict[str, bytes]) -> tuple[str, str]:
        from autopar.tools.verify.races import TSAN_ENV, TSAN_EXIT_CODE, _tsan_report

        self._built = None  # the race build replaces the program: the next timing build must redo it
        self._install(sources)
        ran = run_shell(self.config.race_build, self.config.cwd, self._env(), self._timeout(600))
        if ran.returncode != 0:
            return "skipped: the --race-build command failed: " + _tail(ran.stderr or ran.stdout), ""
        threads = max(RACE_THREADS, self.config.threads or 0)
        ran = run_shell(self.config.race_run or self.config.run, self.config.cwd,
                        self._env(threads, TSAN_ENV), self._timeout(1200))
        report = _tsan_report(ran.stderr)
        if ran.returncode == TSAN_EXIT_CODE or report:
            return "race", report or _tail(ran.stderr, 10)
        if ran.returncode != 0:
            return f"skipped: the race build's run exited {ran.returncode}: {_tail(ran.stderr)}", ""
        return "clean", ""

    def _race_single_file(self, source: SourceFile, data: bytes) -> tuple[str, str]:
        from autopar.tools.verify import include_beside, race_check, source_flags

        if not source.has_main:
            return (f"skipped: {source.shown} has no main and no --race-build was given", "")
        defines = source_flags(self.compile_flags or source.flags)
        if self.config.race_flags is not None:
            defines = [f for f in defines if not f.startswith(("-D", "-U"))] + list(self.config.race_flags)
        with tempfile.TemporaryDirectory(prefix="autopar-tune-race-") as scratch:
            copy = os.path.join(scratch, os.path.basename(source.path))
            with open(copy, "wb") as out:
                out.write(data)
            threads = max(RACE_THREADS, self.config.threads or 0)
            check = race_check(copy, scratch, [*defines, *include_beside(source.path)],
                               run_arguments(self.config.race_run or self.config.run), threads,
                               timeout=self._timeout(600))
        if check.ran and check.race_free is False:
            return "race", check.excerpt or ""
        if check.ran:
            return "clean", ""
        return f"skipped: {check.error}", ""


def run_arguments(command: str) -> tuple[str, ...]:
    """The arguments `--run` gives its program, where it runs one program (`./prog 50000`): the race
    check runs the file's own build with them (without, a program that needs them printed its usage
    and exited, and its loops were never checked). None for a shell pipeline or list."""
    if re.search(r"[;&|<>`$()]", command):
        return ()
    try:
        return tuple(shlex.split(command)[1:])
    except ValueError:
        return ()


_MAIN = re.compile(rb"^[ \t]*(?:int|void)?[ \t\n]*\bmain[ \t]*\(", re.MULTILINE)


def has_main(content: bytes) -> bool:
    """Whether the file defines `main` (a plain text test: the race check needs a program)."""
    return _MAIN.search(content) is not None
