"""What the command modules share (autopar.cli.main, autopar.cli.commands, autopar.cli.bench_commands,
autopar.cli.tune_command): exit codes, usage errors, the options several commands take, and the reasoner
those options describe. It imports no command module, so the command modules and the `autopar`
entry point depend on it and not on each other."""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
from typing import Optional

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_BROKEN_PIPE = 141  # as a program killed by SIGPIPE


class UsageError(Exception):
    pass


def shell_words(text: str) -> list[str]:
    """An option's value split as a shell splits it (an argparse `type`: unbalanced quotes are a usage
    error, exit 2)."""
    try:
        return shlex.split(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"cannot split {text!r} into words: {error}") from None


def add_input_options(p: argparse.ArgumentParser, jobs: bool = True) -> None:
    """--stdin-filename and -j: for the commands that take many files."""
    p.add_argument("--stdin-filename", metavar="NAME",
                   help="the name of the source read from `-` (standard input): messages and flags use it")
    if jobs:
        p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                       help="analyze N files at a time, in separate processes (default: the number of CPUs)")


def jobs_of(args: argparse.Namespace) -> int:
    from autopar.jobs import default_jobs

    jobs = args.jobs if args.jobs is not None else (args.config_data.jobs or default_jobs())
    if jobs < 1:
        raise UsageError(f"autopar {args.command}: -j needs a positive number")
    return jobs


def check_output_path(path: Optional[str], option: str, prog: str, stdout_allowed: bool = True) -> None:
    """A usage error now, before any work, when `path` cannot be written (`-`, standard output, only
    where `stdout_allowed`)."""
    if path == "-" and not stdout_allowed:
        raise UsageError(f"{prog}: {option} -: give a file name (standard output is not possible here)")
    if not path or path == "-":
        return
    directory = os.path.dirname(os.path.abspath(path))
    problem = None
    if os.path.isdir(path):
        problem = "is a directory"
    elif not os.path.isdir(directory):
        problem = f"no such directory: {os.path.dirname(path) or '.'}"
    elif os.path.exists(path) and not os.access(path, os.W_OK):
        problem = "not writable"
    elif not os.path.exists(path) and not os.access(directory, os.W_OK | os.X_OK):
        problem = f"cannot create files in {os.path.dirname(path) or '.'}"
    if problem:
        raise UsageError(f"{prog}: {option} {path}: {problem}")


def write_output(path: str, text, option: str, prog: str) -> Optional[str]:
    """Write `text` (str or bytes) to `path` (`-`: standard output); the error message when that
    fails, else None."""
    if path == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape"))
        sys.stdout.flush()
        return None
    try:
        if isinstance(text, bytes):
            with open(path, "wb") as out:
                out.write(text)
        else:
            with open(path, "w", encoding="utf-8") as out:
                out.write(text)
    except OSError as error:
        return f"{prog}: {option} {path}: cannot write: {error.strerror or error}"
    return None


# ---------------------------------------------------------------------------------------------- analyze


def inputs_flags(inputs, path: str, compile_flags: list[str], build_dir: Optional[str]):
    """(compile flags, build dir) for one input: standard input gets --stdin-filename's directory for
    quoted includes and, with -p, the flags its compile_commands.json gives that name."""
    if path != inputs.stdin_path:
        return list(compile_flags), build_dir
    flags = list(compile_flags) + inputs.stdin_flags
    if build_dir and inputs.stdin_name not in (None, "-"):
        from autopar.frontend.parse import FrontendError, database_flags

        try:
            from_db, _ = database_flags(inputs.stdin_name, build_dir)
        except FrontendError as error:
            raise UsageError(f"autopar: {error}") from None
        flags = (from_db or []) + flags
    return flags, None


STRATEGY_NAMES = ("chain_of_thought", "few_shot", "react", "step_by_step", "tree_of_thoughts", "zero_shot")


def add_llm_options(p: argparse.ArgumentParser) -> None:
    """--llm, --model, --strategy, --llm-endpoint: for every command that decides plans."""
    p.add_argument("--llm", action="store_true", help="let a local language model choose among the legal plans")
    p.add_argument("--model", metavar="NAME|PATH", help="registry name or .gguf path (see `autopar models list`)")
    p.add_argument("--strategy", choices=STRATEGY_NAMES, default=None, help="prompting strategy (default zero_shot)",
                   type=lambda name: name.replace("-", "_"))  # zero-shot works as well as zero_shot
    p.add_argument("--llm-endpoint", metavar="URL", help="an OpenAI-compatible server instead of a local model")
    p.add_argument("--decisions", metavar="FILE.json",
                   help="measured choices from `autopar tune`: they decide the regions they name")
    p.add_argument("--verify-with", metavar="CMD",
                   help="with --llm: each model-chosen plan is written in place, CMD must exit 0 and TSan "
                        "must find no race, or the model hears why and chooses again")


def add_fp_option(p: argparse.ArgumentParser) -> None:
    """--fp-reductions: may floating-point reductions reorder operations (autopar/plans/fppolicy.py)."""
    p.add_argument("--fp-reductions", choices=["strict", "allow"], default=None,
                   help="strict: keep floating-point reductions serial; allow: parallelize them (results may "
                        "differ in rounding). Default: $AUTOPAR_FP_REDUCTIONS, else the compile flags, else allow")


def add_program_option(p: argparse.ArgumentParser) -> None:
    """--whole-program: each file is a program of its own (autopar/decision/pipeline.py, autopar/frontend/noalias.py);
    --target: where the default plans run (autopar/plans/candidates/offload.py)."""
    p.add_argument("--whole-program", action="store_true",
                   help="each file is compiled and linked alone, so only it calls its functions: their pointer "
                        "parameters may then be proven not to alias from the calls (autopar-cc assumes it for "
                        "`cc prog.c -o prog`). Default: $AUTOPAR_WHOLE_PROGRAM")
    p.add_argument("--target", choices=["cpu", "gpu"], default=None,
                   help="gpu: a nest whose loop can be offloaded (`target teams distribute parallel for` with map "
                        "clauses from the analysis) gets that plan by default; cpu (the default): offload stays "
                        "a candidate. Default: $AUTOPAR_TARGET, else cpu")


@contextlib.contextmanager
def command_environment(args: argparse.Namespace):
    """Options that reach the analysis through the environment, so that every process of the command
    sees them (check's workers too): --fp-reductions, --whole-program and --target here, --decisions in
    reasoner_from_args. They hold for this command only: main may run in-process, and the environment
    is restored afterwards."""
    from autopar.decision.decisions import ENV as DECISIONS
    from autopar.plans.fppolicy import ENV as FP
    from autopar.decision.pipeline import WHOLE_PROGRAM_ENV
    from autopar.plans.plan import TARGET_ENV

    saved = {name: os.environ.get(name) for name in (FP, DECISIONS, WHOLE_PROGRAM_ENV, TARGET_ENV)}
    if getattr(args, "fp_reductions", None):
        os.environ[FP] = args.fp_reductions
    if getattr(args, "whole_program", False):
        os.environ[WHOLE_PROGRAM_ENV] = "1"
    if getattr(args, "target", None):
        os.environ[TARGET_ENV] = args.target
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def reasoner_from_args(args: argparse.Namespace):
    """The reasoner the options ask for, or None without --llm (then no model is ever loaded).
    Also makes --decisions FILE the active decisions file ($AUTOPAR_DECISIONS, inherited by workers)."""
    if getattr(args, "decisions", None):
        from autopar.decision.decisions import ENV, DecisionsError, load

        try:
            load(args.decisions)
        except DecisionsError as error:
            raise UsageError(f"autopar: --decisions {error}") from None
        os.environ[ENV] = os.path.abspath(args.decisions)
    if not getattr(args, "llm", False):
        if getattr(args, "model", None) or getattr(args, "llm_endpoint", None):
            raise UsageError("autopar: --model and --llm-endpoint need --llm")
        if getattr(args, "verify_with", None):
            raise UsageError("autopar: --verify-with needs --llm")
        return None
    from autopar.decision.models import UnknownModel
    from autopar.decision.reasoner import make_reasoner

    if args.strategy not in STRATEGY_NAMES:
        raise UsageError(f"autopar: unknown strategy '{args.strategy}' (one of {', '.join(STRATEGY_NAMES)})")
    verifier = None
    if getattr(args, "verify_with", None):
        from autopar.tools.tune import command_verifier

        verifier = command_verifier(args.verify_with)
    try:
        return make_reasoner(model=args.model, strategy=args.strategy, endpoint=args.llm_endpoint,
                             verifier=verifier)
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
        if trace.question == "restructuring":  # --optimize: a restructuring, or the nest as written
            choice = d.restructure or "keep"
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
