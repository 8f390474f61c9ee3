"""`autopar`: the command line. A thin shell over autopar.decision.pipeline; it holds no analysis of its own.

Exit codes, the same for every command (the README has the table):
  0  success: nothing at the --fail-on level, the files rewritten, the program verified
  1  a file could not be analyzed (or rewritten); `check`: findings at the --fail-on level;
     `verify`: not verified; `explain`: no loop at that location
  2  usage error, found before any work: an unknown option, a bad value, a missing input, an output
     path that cannot be written, a bad configuration file
  3  the work was done (`rewrite -i`: the files are rewritten) but an output written after it
     (--report, --export-fixes, -o) could not be written
  4  internal error (a bug: one line says so; AUTOPAR_DEBUG=1 shows the traceback)
  130 interrupted
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
from typing import Callable, Optional

from autopar import __version__
from autopar.flags import is_compile_flag, takes_value
from autopar.process import configure_program

from autopar.cli.cli_common import (EXIT_BROKEN_PIPE, EXIT_FAILED, EXIT_INTERNAL, EXIT_OK,  # noqa: F401
                                EXIT_PARTIAL, EXIT_USAGE,
                                STRATEGY_NAMES, UsageError, add_fp_option, add_input_options, add_llm_options,
                                add_program_option, check_output_path, command_environment, inputs_flags, jobs_of,
                                print_llm_decisions, reasoner_from_args, report_llm_problems, write_output)


def split_compile_flags(argv: list[str], own_options: dict[str, bool],
                        prog: str = "autopar") -> tuple[list[str], list[str]]:
    """Separate autopar's own options from compile flags mixed into the same command line.

    `own_options` maps each autopar option to whether it takes a value. A compile flag is one that
    gcc or clang knows (autopar.flags); anything after `--` is a compile flag, as with clang-tidy.
    Any other option is a usage error, with the closest autopar option as a suggestion.
    Returns (autopar argv, compile flags).
    """
    own: list[str] = []
    flags: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            flags.extend(argv[i + 1:])
            break
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if name in own_options:
            if own_options[name] and "=" not in arg and i + 1 < len(argv):
                # `--race-flags -DN=64`: joined, so that argparse takes a value that starts with `-`
                own.extend([f"{arg}={argv[i + 1]}"] if arg.startswith("--") else [arg, argv[i + 1]])
                i += 1
            else:
                own.append(arg)
        elif arg[:2] in own_options and own_options[arg[:2]] and arg[:2] == "-j" and arg[2:].isdigit():
            own.append(arg)  # -j4
        elif not arg.startswith("-") or arg == "-":
            own.append(arg)
        elif (arg == "-o" or (arg.startswith("-o") and is_compile_flag(arg))) and "-o" not in own_options:
            # a compiler's output file: this command writes no object, so do not drop it silently
            raise UsageError(f"{prog}: -o is not an option of this command (it prints to stdout; "
                             f"a compiler's -o goes after `--`)")
        elif is_compile_flag(arg):
            flags.append(arg)
            if takes_value(arg) and i + 1 < len(argv):
                flags.append(argv[i + 1])
                i += 1
        else:
            raise UsageError(_unknown_option(prog, name, own_options))
        i += 1
    return own, flags


def _unknown_option(prog: str, name: str, own_options: dict[str, bool]) -> str:
    longs = [option for option in own_options if option.startswith("--")]
    close = difflib.get_close_matches(name, longs if name.startswith("--") else list(own_options), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return (f"{prog}: unknown option '{name}'{hint} (compiler flags that gcc or clang would not know "
            f"go after `--`)")


def _own_options(parser: argparse.ArgumentParser) -> dict[str, bool]:
    options: dict[str, bool] = {}
    for action in parser._actions:
        for option in action.option_strings:
            options[option] = action.nargs != 0
    return options


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)  # `--form` is not `--format`: say so instead
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # argparse exits with 2 too; keep the message short
        raise UsageError(f"{self.prog}: {message}")


# The options every command takes; also accepted before the command (`autopar -q check ...`).
COMMON_OPTIONS = {"-q": False, "--quiet": False, "-v": False, "--verbose": False, "--color": True,
                  "--config": True, "--isolated": False}


def add_common_options(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("common options")
    group.add_argument("-q", "--quiet", action="store_true", help="print findings and errors only")
    group.add_argument("-v", "--verbose", action="count", default=0, help="say what is read and decided")
    group.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                       help="colour and styles (auto: on a terminal, unless NO_COLOR is set; FORCE_COLOR forces)")
    group.add_argument("--config", metavar="FILE", help="a .autopar.toml or pyproject.toml to use instead of "
                                                         "the one found upward from the files")
    group.add_argument("--isolated", action="store_true", help="ignore every configuration file")


def _add_analyze(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("analyze", help="report every for loop and whether it can run in parallel")
    p.add_argument("files", nargs="+", metavar="FILE|DIR|-")
    p.add_argument("--format", choices=["text", "table", "concise", "json"], default="text",
                   help="text (the default): a table on a terminal, one line per loop elsewhere")
    p.add_argument("-p", dest="build_dir", metavar="BUILD_DIR", help="read compile_commands.json here")
    p.add_argument("--report", metavar="FILE.json", help="also write the JSON report here "
                                                         "(default: the configuration's `decisions`)")
    add_input_options(p)
    add_llm_options(p)
    add_fp_option(p)
    add_program_option(p)
    return p


def _analyze_one(job: tuple[str, list[str], Optional[str]]):
    from autopar.decision.pipeline import analyze_file

    path, flags, build_dir = job
    return analyze_file(path, flags, build_dir).report


def _analyze_crashed(job):
    from autopar.report import FileReport

    return FileReport(path=job[0], error="not analyzed: the analysis process crashed")


def _cmd_analyze(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.inputs import InputError, collect
    from autopar.jobs import run_all
    from autopar.report.output import debug, print_report
    from autopar.decision.pipeline import analyze_file
    from autopar.report import FileReport, Report

    report_path = args.report or args.config_data.decisions
    check_output_path(report_path, "--report", "autopar analyze")
    jobs = jobs_of(args)
    reasoner = reasoner_from_args(args)
    report = Report()
    try:
        inputs = collect(args.files, args.config_data, args.stdin_filename, allow_missing=True)
    except InputError as error:
        raise UsageError(f"autopar analyze: {error}") from None
    with inputs:
        work = [(path, *inputs_flags(inputs, path, compile_flags, args.build_dir)) for path in inputs.paths]
        debug(f"{len(work)} file(s), {jobs if reasoner is None else 1} at a time, compile flags: "
              f"{' '.join(compile_flags) or 'none'}")
        if reasoner is not None:
            files = [analyze_file(p, f, b, reasoner=reasoner).report for p, f, b in work]
        else:
            files = run_all(_analyze_one, work, jobs, _analyze_crashed)
        report.files = [FileReport.model_validate_json(inputs.rename(f.model_dump_json())) for f in files]
        skipped = bool(inputs.skipped)
    print_report(report, args.format)
    if args.format != "json":
        print_llm_decisions(reasoner, args)
    report_llm_problems(reasoner)
    if report_path:
        problem = write_output(report_path, report.to_json() + "\n", "--report", "autopar analyze")
        if problem:
            print(problem, file=sys.stderr)
            return EXIT_PARTIAL
    return max(_exit_code_for(report), EXIT_FAILED if skipped else EXIT_OK)


def _exit_code_for(report) -> int:
    if any(f.error and not os.path.exists(f.path) and f.error == "no such file" for f in report.files):
        return EXIT_USAGE
    return EXIT_FAILED if any(f.failed for f in report.files) else EXIT_OK


# ------------------------------------------------------------------------------------ the LLM reasoner

# The names of autopar.decision.reasoner.strategies.STRATEGIES, spelled here so that building the parser does
# not import the reasoner (a test keeps the two in step).
def _add_models(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("models", help="list the language models and check that they load")
    p.add_argument("action", choices=["list", "check"])
    p.add_argument("names", nargs="*", metavar="NAME|PATH", help="check these only (default: all)")
    return p


def _cmd_models(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.decision.models import UnknownModel, load_problem, load_registry, resolve

    registry = load_registry()
    names = args.names or list(registry.models)
    failed = False
    for name in names:
        try:
            model = resolve(name, assemble=args.action == "check", registry=registry)
        except UnknownModel as error:
            print(f"autopar: {error}", file=sys.stderr)
            return EXIT_USAGE
        default = " (default)" if name == registry.default else ""
        if model.path is None:
            state = f"missing: {model.problem}"
        elif args.action == "check":
            problem = load_problem(model.path, lora_path=model.lora_path)
            files = model.path + (f" with adapter {model.lora_path}" if model.lora_path else "")
            state = f"present, loads: {files}" if problem is None else f"present, {problem}"
            failed = failed or problem is not None
        else:
            state = f"present: {model.path}" + (f" with adapter {model.lora_path}" if model.lora_path else "")
        print(f"{name}{default}: {model.entry.description}\n    {state}")
        failed = failed or (args.action == "check" and bool(args.names) and model.path is None)
    return EXIT_FAILED if failed else EXIT_OK


# --------------------------------------------------------------------------------------------- dispatch

COMMANDS: dict[str, tuple[Callable, Callable]] = {
    "analyze": (_add_analyze, _cmd_analyze),
    "models": (_add_models, _cmd_models),
}


def _delegated(module: str, name: str) -> tuple[Callable, Callable]:
    """A command whose parser (`add_<name>`) and body (`run_<name>`) live in autopar.cli.<module>,
    imported only when that command runs."""
    def add(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
        return getattr(importlib.import_module(f"autopar.cli.{module}"), f"add_{name}")(sub)

    def run(args: argparse.Namespace, compile_flags: list[str]) -> int:
        return getattr(importlib.import_module(f"autopar.cli.{module}"), f"run_{name}")(args, compile_flags)
    return add, run


COMMANDS.update({name: _delegated("commands", name) for name in ("rewrite", "check", "explain")})
COMMANDS.update({name: _delegated("bench_commands", name) for name in ("verify", "bench", "calibrate")})
COMMANDS["tune"] = _delegated("tune_command", "tune")


def _hoist_common_options(argv: list[str]) -> list[str]:
    """`autopar -q check x.c` reads as `autopar check -q x.c`."""
    leading: list[str] = []
    i = 0
    while i < len(argv) and argv[i].split("=", 1)[0] in COMMON_OPTIONS:
        leading.append(argv[i])
        if COMMON_OPTIONS[argv[i]] and "=" not in argv[i] and i + 1 < len(argv):
            leading.append(argv[i + 1])
            i += 1
        i += 1
    if not leading or i >= len(argv):
        return argv
    return [argv[i], *leading, *argv[i + 1:]]


def _apply_config(args: argparse.Namespace) -> None:
    """Read the configuration file (unless --isolated) into args.config_data, and fill every option
    the command line left unset from it."""
    from autopar.config import Config, ConfigError, find_config, load_config
    from autopar.report.output import debug

    if args.isolated:
        args.config_data = Config()
        return
    if args.config and not os.path.isfile(args.config):
        raise UsageError(f"autopar: --config {args.config}: no such file")
    starts = [getattr(args, "file", None)] + list(getattr(args, "files", None) or [])
    if getattr(args, "location", None):
        starts.insert(0, args.location.split(":", 1)[0])
    if getattr(args, "build_dir", None):
        starts.append(args.build_dir)
    try:
        path = args.config or find_config([s for s in starts if s])
        args.config_data = load_config(path)
    except ConfigError as error:
        raise UsageError(f"autopar: {error}") from None
    if path:
        debug(f"configuration: {path}")
    config = args.config_data
    if hasattr(args, "strategy"):
        if args.model is None and config.model and getattr(args, "llm", False):
            args.model = config.model
        args.strategy = args.strategy or (config.strategy or "zero_shot").replace("-", "_")


def program() -> int:
    """The `autopar` program (its console script, `python -m autopar.cli`): the process's settings
    (autopar.process), then `main`."""
    configure_program()
    return main()


def main(argv: Optional[list[str]] = None) -> int:
    from autopar.report.output import configure

    argv = _hoist_common_options(list(sys.argv[1:] if argv is None else argv))
    parser = _Parser(prog="autopar", description="Source-to-source auto-parallelizer for C and C++ (OpenMP).",
                     epilog="Exit codes: 0 success, 1 findings or a file not analyzed, 2 usage error, "
                            "3 work done but a later output not written, 4 internal error.")
    parser.add_argument("--version", action="version", version=f"autopar {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers = {name: add(sub) for name, (add, _) in COMMANDS.items()}
    for subparser in subparsers.values():
        add_common_options(subparser)
    try:
        if not argv or argv[0] not in subparsers:
            if argv and not argv[0].startswith("-"):
                close = difflib.get_close_matches(argv[0], list(subparsers), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise UsageError(f"autopar: unknown command '{argv[0]}'{hint} "
                                 f"(one of {', '.join(subparsers)})")
            args = parser.parse_args(argv)  # prints help/version, or raises UsageError
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        prog = f"autopar {argv[0]}"
        own, compile_flags = split_compile_flags(argv[1:], _own_options(subparsers[argv[0]]), prog)
        args = subparsers[argv[0]].parse_intermixed_args(own)  # `a.c -o x.sarif b.c` too
        args.command = argv[0]
        configure(quiet=args.quiet, verbose=args.verbose, color=args.color)
        _apply_config(args)
        with command_environment(args):
            return COMMANDS[argv[0]][1](args, compile_flags)
    except UsageError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("autopar: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        try:  # the reader is gone (`| head`): say nothing more, as other tools do
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_BROKEN_PIPE  # not success: what was to be shown was not (`set -o pipefail` sees it)
    except Exception as error:  # noqa: BLE001 - never a traceback, unless asked for
        if os.environ.get("AUTOPAR_DEBUG"):
            raise
        print(f"autopar: internal error: {type(error).__name__}: {error} "
              f"(a bug; AUTOPAR_DEBUG=1 shows where)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
