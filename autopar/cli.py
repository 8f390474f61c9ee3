"""`autopar`: the command line. A thin shell over autopar.pipeline; it holds no analysis of its own.

Exit codes (all commands):
  0  success
  1  a file could not be analyzed (syntax errors, unreadable input) or, for `check`, findings at the
     --fail-on level
  2  usage error: a missing file, a bad option
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from typing import Callable, Optional

from autopar import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# Compile flags whose value may come as the next argument (`-I inc`, `-D X=1`, `-include f.h`).
_FLAGS_WITH_VALUE = {"-I", "-D", "-U", "-include", "-imacros", "-isystem", "-iquote", "-idirafter",
                     "-isysroot", "-x", "-target", "--target", "-Xclang", "-F", "-resource-dir"}


def split_compile_flags(argv: list[str], own_options: dict[str, bool]) -> tuple[list[str], list[str]]:
    """Separate autopar's own options from compile flags mixed into the same command line.

    `own_options` maps each autopar option to whether it takes a value. Anything after `--` is a
    compile flag, as with clang-tidy. Returns (autopar argv, compile flags).
    """
    own: list[str] = []
    flags: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            flags.extend(argv[i + 1:])
            break
        name = arg.split("=", 1)[0]
        if name in own_options:
            own.append(arg)
            if own_options[name] and "=" not in arg and i + 1 < len(argv):
                own.append(argv[i + 1])
                i += 1
        elif arg.startswith("-") and arg != "-":
            flags.append(arg)
            if arg in _FLAGS_WITH_VALUE and i + 1 < len(argv):
                flags.append(argv[i + 1])
                i += 1
        else:
            own.append(arg)
        i += 1
    return own, flags


def _own_options(parser: argparse.ArgumentParser) -> dict[str, bool]:
    options: dict[str, bool] = {}
    for action in parser._actions:
        for option in action.option_strings:
            options[option] = action.nargs != 0
    return options


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits with 2 too; keep the message short
        raise UsageError(f"{self.prog}: {message}")


# ---------------------------------------------------------------------------------------------- analyze

def _add_analyze(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("analyze", help="report every for loop and whether it can run in parallel")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", choices=["json", "text"], default="text")
    p.add_argument("-p", dest="build_dir", metavar="BUILD_DIR", help="read compile_commands.json here")
    add_llm_options(p)
    add_fp_option(p)
    return p


def _cmd_analyze(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.output import print_report
    from autopar.pipeline import analyze_file
    from autopar.report import Report

    reasoner = reasoner_from_args(args)
    report = Report()
    for path in args.files:
        report.files.append(analyze_file(path, compile_flags, args.build_dir, reasoner=reasoner).report)
    print_report(report, args.format)
    if args.format == "text":
        print_llm_decisions(reasoner, args)
    report_llm_problems(reasoner)
    return _exit_code_for(report)


def _exit_code_for(report) -> int:
    import os

    if any(f.error and not os.path.exists(f.path) for f in report.files):
        return EXIT_USAGE
    return EXIT_FAILED if any(f.failed for f in report.files) else EXIT_OK


# ------------------------------------------------------------------------------------ the LLM reasoner

# The names of autopar.reasoner.strategies.STRATEGIES, spelled here so that building the parser does
# not import the reasoner (a test keeps the two in step).
STRATEGY_NAMES = ("chain_of_thought", "few_shot", "react", "step_by_step", "tree_of_thoughts", "zero_shot")


def add_llm_options(p: argparse.ArgumentParser) -> None:
    """--llm, --model, --strategy, --llm-endpoint: for every command that decides plans."""
    p.add_argument("--llm", action="store_true", help="let a local language model choose among the legal plans")
    p.add_argument("--model", metavar="NAME|PATH", help="registry name or .gguf path (see `autopar models list`)")
    p.add_argument("--strategy", choices=STRATEGY_NAMES, default="zero_shot", help="prompting strategy",
                   type=lambda name: name.replace("-", "_"))  # zero-shot works as well as zero_shot
    p.add_argument("--llm-endpoint", metavar="URL", help="an OpenAI-compatible server instead of a local model")


def add_fp_option(p: argparse.ArgumentParser) -> None:
    """--fp-reductions: may floating-point reductions reorder operations (autopar/fppolicy.py)."""
    p.add_argument("--fp-reductions", choices=["strict", "allow"], default=None,
                   help="strict: keep floating-point reductions serial; allow: parallelize them (results may "
                        "differ in rounding). Default: $AUTOPAR_FP_REDUCTIONS, else the compile flags, else allow")


@contextlib.contextmanager
def fp_option(args: argparse.Namespace):
    """The option wins over the environment: it is passed on through it, to every process of the command
    (check's workers too), and the environment is restored afterwards (main may run in-process)."""
    from autopar.fppolicy import ENV

    value = getattr(args, "fp_reductions", None)
    before = os.environ.get(ENV)
    if value:
        os.environ[ENV] = value
    try:
        yield
    finally:
        if value:
            if before is None:
                os.environ.pop(ENV, None)
            else:
                os.environ[ENV] = before


def reasoner_from_args(args: argparse.Namespace):
    """The reasoner the options ask for, or None without --llm (then no model is ever loaded)."""
    if not getattr(args, "llm", False):
        if getattr(args, "model", None) or getattr(args, "llm_endpoint", None):
            raise UsageError("autopar: --model and --llm-endpoint need --llm")
        return None
    from autopar.models import UnknownModel
    from autopar.reasoner import make_reasoner

    try:
        return make_reasoner(model=args.model, strategy=args.strategy, endpoint=args.llm_endpoint)
    except UnknownModel as error:
        raise UsageError(f"autopar: {error}") from None


def print_llm_decisions(reasoner, args: argparse.Namespace, stream=None) -> None:
    """One line per nest the model was asked about: what it chose, in how many rounds, and why."""
    if reasoner is None:
        return
    stream = stream or sys.stdout
    asked = [t for t in reasoner.traces if t.decision is not None and t.decision.decided_by != "analyzer"]
    source = args.llm_endpoint or args.model or "smollm2-135m"
    print(f"model decisions ({source}, {args.strategy}): {len(asked)} nests asked", file=stream)
    for trace in asked:
        d = trace.decision
        choice = d.candidate_id or "serial"
        if d.decided_by == "model":
            rounds = f"{d.rounds} round{'s' if d.rounds != 1 else ''}"
            what = f" ({trace.choice_summary})" if trace.choice_summary else ""
            print(f"  {trace.root_loop_id}: model chose {choice}{what} in {rounds}; its note: {d.rationale}",
                  file=stream)
        else:
            print(f"  {trace.root_loop_id}: analyzer's {choice} used: {d.rationale}", file=stream)


def report_llm_problems(reasoner) -> None:
    """A model that could not answer is not an error (the analyzer decided instead), but say why."""
    for problem in dict.fromkeys(reasoner.problems if reasoner else []):
        print(f"autopar: warning: {problem}; the analyzer's plans were used", file=sys.stderr)


def _add_models(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("models", help="list the language models and check that they load")
    p.add_argument("action", choices=["list", "check"])
    p.add_argument("names", nargs="*", metavar="NAME|PATH", help="check these only (default: all)")
    return p


def _cmd_models(args: argparse.Namespace, compile_flags: list[str]) -> int:
    from autopar.models import UnknownModel, load_problem, load_registry, resolve

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
            problem = load_problem(model.path)
            state = f"present, loads: {model.path}" if problem is None else f"present, {problem}"
            failed = failed or problem is not None
        else:
            state = f"present: {model.path}"
        print(f"{name}{default}: {model.entry.description}\n    {state}")
        failed = failed or (args.action == "check" and bool(args.names) and model.path is None)
    return EXIT_FAILED if failed else EXIT_OK


# --------------------------------------------------------------------------------------------- dispatch

COMMANDS: dict[str, tuple[Callable, Callable]] = {
    "analyze": (_add_analyze, _cmd_analyze),
    "models": (_add_models, _cmd_models),
}


def _delegated(module: str, name: str) -> tuple[Callable, Callable]:
    """A command whose parser (`add_<name>`) and body (`run_<name>`) live in autopar.<module>,
    imported only when that command runs."""
    def add(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
        return getattr(importlib.import_module(f"autopar.{module}"), f"add_{name}")(sub)

    def run(args: argparse.Namespace, compile_flags: list[str]) -> int:
        return getattr(importlib.import_module(f"autopar.{module}"), f"run_{name}")(args, compile_flags)
    return add, run


COMMANDS.update({name: _delegated("commands", name) for name in ("rewrite", "check", "explain")})
COMMANDS.update({name: _delegated("bench_commands", name) for name in ("verify", "bench")})


def main(argv: Optional[list[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _Parser(prog="autopar", description="Source-to-source auto-parallelizer for C and C++ (OpenMP).")
    parser.add_argument("--version", action="version", version=f"autopar {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers = {name: add(sub) for name, (add, _) in COMMANDS.items()}
    try:
        if not argv or argv[0] not in subparsers:
            args = parser.parse_args(argv)  # prints help/version, or raises UsageError
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        own, compile_flags = split_compile_flags(argv[1:], _own_options(subparsers[argv[0]]))
        args = subparsers[argv[0]].parse_args(own)
        with fp_option(args):
            return COMMANDS[argv[0]][1](args, compile_flags)
    except UsageError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("autopar: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
