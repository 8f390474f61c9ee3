"""Differential fuzzing: random C programs built with plain gcc and with autopar-cc must print the same.

- `loopgen`: a loop-heavy program generator of our own, deterministic from its seed (its parts in
  `loopgen_builder`, `loopgen_loops`, `loopgen_calls`, `loopgen_patterns`);
- `csmith`: programs from Csmith (Debian's `csmith`, headers in /usr/include/csmith);
- `check`: builds and runs one program every way, and classifies the outcome;
- `culprit`: which inserted pragma causes a bad outcome (pragmas removed one at a time);
- `campaign`: many programs over worker processes, bad cases kept on disk, the counts.

`benchmarks/fuzz.py` is the command line.
"""
