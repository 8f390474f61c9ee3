"""The verifier: is a rewritten program still the same program, and is it any faster?

It compiles the original and the rewritten source with the same compiler and flags (plus -fopenmp),
runs both on the same input with 1 and N threads, and compares what they print:
- lines `checksum <value>` when the program prints any, otherwise every token of its output except
  `time_s` lines; integers must match exactly, floating-point numbers within a relative tolerance,
  because a parallel reduction adds in a different order;
- a race check: the rewritten source built with clang's ThreadSanitizer and the OpenMP runtime's
  Archer tool (`clang -g -O1 -fsanitize=thread -fopenmp`, Debian's libomp loads Archer itself), run
  with `TSAN_OPTIONS=ignore_noninstrumented_modules=1`; exit code 66 or any ThreadSanitizer warning
  fails verification;
- timings: one warm-up run, then the median of k runs with their minimum, maximum and quartiles. A
  program that prints `time_s <seconds>` is timed by that figure (the kernel alone); otherwise by
  the wall-clock time of the whole process.

Both builds and the race check also get `-I <the original's directory>`: a rewritten copy written
elsewhere (a scratch directory, bench's sources/) still finds the original's own headers, such as
the kernels' `harness.h`. When the output differs and a race was found, the race is reported first:
it is the cause, and a race shows up in the output only on some runs.

`verify` returns a `VerificationResult`, which `autopar verify`, `autopar bench` and the reasoner's
feedback loop all read. The pieces (compile, run, compare, race check, time) are public for bench.

One job per module:
  results    the records: builds, runs, timings, comparisons, race checks, the verification
  programs   compile, run and time a program; the flags every build shares
  compare    outputs compared value by value, within a tolerance
  races      the ThreadSanitizer + Archer race check
  rewriting  the rewrite under test and its copy without work thresholds
  offload    the flags with which gcc builds an offload plan (for nvptx where it can)
  verifier   verify, in steps, and the plan verifier for the reasoner's feedback loop
"""

from autopar.tools.verify.compare import DEFAULT_TOLERANCE, compare_values
from autopar.tools.verify.offload import builds_for_nvptx, gcc_offload_flags
from autopar.tools.verify.programs import (COMPILE_TIMEOUT_S, DEFAULT_REPEAT, DEFAULT_WARMUP, RUN_TIMEOUT_S,
                                     compile_source, include_beside, parse_output, run_program, source_flags,
                                     split_link_flags, summarize, time_runs, timing_of)
from autopar.tools.verify.races import (EXCERPT_LINES, FORCED_PATH_FLAGS, RACE_THREADS, TSAN_ENV, TSAN_EXIT_CODE, TSAN_FLAGS, race_check,
                                  tsan_available)
from autopar.tools.verify.results import (CompileResult, Comparison, ProgramOutput, RaceCheck, RunResult, Timing,
                                    VerificationResult)
from autopar.tools.verify.rewriting import Rewritten, rewrite_with_plans, without_threshold
from autopar.tools.verify.verifier import MIN_TIMED_S, make_plan_verifier, verify

__all__ = ["COMPILE_TIMEOUT_S", "DEFAULT_REPEAT", "DEFAULT_TOLERANCE", "DEFAULT_WARMUP", "EXCERPT_LINES",
           "FORCED_PATH_FLAGS", "MIN_TIMED_S", "RACE_THREADS", "RUN_TIMEOUT_S", "TSAN_ENV", "TSAN_EXIT_CODE", "TSAN_FLAGS",
           "CompileResult", "Comparison", "ProgramOutput", "RaceCheck", "Rewritten", "RunResult", "Timing",
           "VerificationResult", "builds_for_nvptx", "compare_values", "compile_source", "gcc_offload_flags",
           "include_beside", "make_plan_verifier", "parse_output", "race_check", "rewrite_with_plans", "run_program",
           "source_flags", "split_link_flags", "summarize", "time_runs", "timing_of", "tsan_available", "verify", "without_threshold"]
