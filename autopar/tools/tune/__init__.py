"""`autopar tune`: measured decisions, as profile-guided optimisation is for compilers.

For each region with legal candidates (largest estimated work first), the tuner rewrites the user's
own sources with that region's option applied (every other region at its best so far, serial until
tuned), runs the user's --build and --run commands in the user's directory, and keeps an option only
when the output equals the serial program's (or --check passes) and ThreadSanitizer finds no race.
Options are timed in interleaved rounds (serial, c0, c1, ..., then again), so that a burst of load
on a shared machine falls on all of them alike; the decisions file records every option's median
and spread. A parallel plan is kept only when its median beats serial's by --min-gain.

The user's files are always restored: they are backed up in memory and on disk before the first
write, written atomically, and put back on exit, on error, on Ctrl-C and on SIGTERM/SIGHUP.

Race checks, in order of preference: --race-build (a command that builds the program with
`clang -fsanitize=thread -fopenmp -g -O1`; then --race-run, default --run, runs it with 4+
threads and TSAN_OPTIONS=ignore_noninstrumented_modules=1); else the rewritten file alone through
autopar.tools.verify.race_check when it has a `main`; else the race check is skipped, and the decisions
file says so for each option.

One job per module:
  config       TuneConfig, the defaults and limits, the errors
  regions      what is measured: files, regions and their options
  guard        SourceGuard: the user's files backed up, replaced and always restored
  shell        run_shell: a user's command in its own process group, with a timeout
  program      the sources with chosen options, installed and built (Tuner part)
  races        the race check of an option (Tuner part)
  measure      reference run, checks, interleaved rounds, decisions, final rounds (Tuner part)
  tuner        Tuner: the session, from analysis to the decisions file
  model_order  --order model: the model's ranking of a region's candidates
  verify_with  --verify-with for rewrite/check: a Verifier over the user's command
"""

from autopar.tools.tune.config import (DEFAULT_MIN_GAIN, DEFAULT_OUTPUT, DEFAULT_ROUNDS, OutOfBudget, TuneConfig,
                                 TuneError)
from autopar.tools.tune.guard import SourceGuard
from autopar.tools.tune.model_order import model_orderer, model_scores
from autopar.tools.tune.regions import Option, Region
from autopar.tools.tune.shell import run_shell
from autopar.tools.tune.tuner import Tuner
from autopar.tools.tune.verify_with import command_verifier

__all__ = ["SourceGuard", "Tuner", "TuneConfig", "Option", "Region", "TuneError", "command_verifier",
           "model_orderer", "run_shell", "DEFAULT_MIN_GAIN", "DEFAULT_OUTPUT", "DEFAULT_ROUNDS", "OutOfBudget",
           "model_scores"]
