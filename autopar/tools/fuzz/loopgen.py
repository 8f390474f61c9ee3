"""A loop-heavy random C program generator, deterministic from its seed.

Each program is a sequence of blocks in `main` (and in small helper functions): affine loop nests
over global, local and pointer arrays; reductions of every operator on every integer width, signed
and unsigned, through narrowing assignments too; scalars live after their loop (lastprivate
candidates); loops whose bounds come from `argc` (so no compiler can fold them), some of which run
zero times; unsigned and `!=` loops, some wrapping around; parenthesized conditions; calls to small
functions of the same file (pure ones, and ones that write through a pointer argument); and
loop-carried dependences that must stay serial. At the end it prints every scalar and a checksum of
every array, so any change in behaviour changes the output.

The programs are free of undefined behaviour, so that gcc and clang, serial and parallel, must all
print the same: every array element stays within [-1000, 1000] (each store is reduced modulo 1000,
into [0, 1000) for unsigned element types), expressions multiply at most two bounded values, signed
products in reductions use factors of +-1 (or a narrow accumulator, promoted to int), and only
integer arithmetic is used. Conversions to narrower types are implementation-defined, not
undefined, and gcc and clang agree on them. Run time stays in milliseconds.

This module picks the blocks and writes the program out; `loopgen_builder` holds the types and the
shared pieces (arrays, stores, expressions, loop heads), and the blocks' templates are in
`loopgen_loops`, `loopgen_calls`, `loopgen_patterns`, `loopgen_bounds`, `loopgen_tables` and `loopgen_claims`.
"""

from __future__ import annotations

import random
from typing import Optional

from autopar.tools.fuzz.loopgen_bounds import BoundsTemplates
from autopar.tools.fuzz.loopgen_builder import TYPES, Program, add_blocks, cell_count
from autopar.tools.fuzz.loopgen_blocks import BlockTemplates
from autopar.tools.fuzz.loopgen_calls import CallTemplates
from autopar.tools.fuzz.loopgen_claims import ClaimTemplates
from autopar.tools.fuzz.loopgen_loops import LoopTemplates
from autopar.tools.fuzz.loopgen_patterns import PatternTemplates
from autopar.tools.fuzz.loopgen_tables import TableTemplates

# Changes whenever a seed would give a different program; printed in every program's first line.
VERSION = 71


class LoopProgram(LoopTemplates, CallTemplates, PatternTemplates, BoundsTemplates, TableTemplates, ClaimTemplates,
                  BlockTemplates):
    """Builds one program. `generate(seed)` is the entry point."""

    TEMPLATES = {"map": 4, "reduction": 5, "lastprivate": 3, "unsigned": 2, "nest": 3, "row_reduction": 1,
                 "serial": 3, "pointer": 2, "calls": 2, "stride": 1, "sweeps": 2, "window": 2, "histogram": 2,
                 "argmin": 2, "gather": 2, "swap": 2, "strided": 3, "device": 2, "pivot": 2, "relax": 2,
                 "scratch": 2, "lent": 2, "norms": 2, "linear": 2, "constants": 2, "records": 2, "bounds": 2,
                 "field_call": 1, "named": 2, "specialized": 2, "tiles": 2, "guarded": 2, "guarded_read": 2, "fills": 2, "element_bounds": 2, "skips": 2,
                 "in_place": 2, "global_bounds": 2, "spans": 2, "rows": 2, "members": 2, "swap_inside": 2,
                 "carved": 2, "claims": 2, "marks": 1, "blocks": 2, "line_rows": 2, "flags": 2, "atomics": 2,
                 "global_calls": 2, "gnu_operands": 1, "last_assigned": 2}

    # ---------------------------------------------------------------------------------- program

    def generate(self) -> Program:
        self.new_array((self.rng.choice([1000, 3000, 8000]),), where="global", ctype="int")
        add_blocks(self, self.block_count)
        return Program(seed=self.seed, source=self.render(), blocks=self.templates)

    def render(self) -> str:
        out = [f"/* autopar fuzz program, loopgen {VERSION} seed {self.seed} */", "#include <stdio.h>",
               *(f"#include <{name}>" for name in sorted(self.includes)), ""]
        out += self.top + [""] + _shared_lines(self.functions, self.seed) + [""]
        out.append("int main(int argc, char **argv)")
        out.append("{")
        out.append("    int zero = argc - 1;")
        out.append("    (void)argv;")
        for size, name in sorted(self.size_vars.items()):
            out.append(f"    int {name} = {size} + zero;")
        out += _shared_lines(self.body, self.seed + 1)
        out.append("    /* the output: every scalar, a checksum of every array */")
        for scalar in self.scalars:
            conv, cast = TYPES[scalar.ctype][0], TYPES[scalar.ctype][1]
            out.append(f'    printf("{scalar.name} {conv}\\n", ({cast}){scalar.name});')
        for array in self.arrays:
            cells = cell_count(array.dims)
            flat = f"(({array.ctype} *){array.name})" if len(array.dims) > 1 else array.name
            out.append("    {")
            out.append("        unsigned long long h = 1469598103934665603ull;")
            out.append(f"        for (int i = 0; i < {cells}; i++)")
            out.append(f"            h = (h ^ (unsigned long long)(long long){flat}[i]) * 1099511628211ull;")
            out.append(f'        printf("{array.name} %llu\\n", h);')
            out.append("    }")
        for name, length, fields in self.records:
            out.append("    {")
            out.append("        unsigned long long h = 1469598103934665603ull;")
            out.append(f"        for (int i = 0; i < {length}; i++) {{")
            for f in fields:
                out.append(f"            h = (h ^ (unsigned long long)(long long){name}[i].{f}) * 1099511628211ull;")
            out.append("        }")
            out.append(f'        printf("{name} %llu\\n", h);')
            out.append("    }")
        out.append("    return 0;")
        out.append("}")
        return "\n".join(out) + "\n"


def _shared_lines(lines: list[str], seed: int) -> list[str]:
    """`lines` with some `for` lines joined onto the line before, where that line ends a statement or
    opens or closes a block (`int i; for (...)`, `} for (...)`): the rewriter must break such a line
    before it writes a pragma there. Its own generator, so the blocks of a seed stay as they were."""
    rng = random.Random(seed * 7919 + 13)
    out: list[str] = []
    for line in lines:
        previous = out[-1].strip() if out else ""
        if line.lstrip().startswith("for (") and previous[-1:] in (";", "{", "}") and \
                not previous.startswith("#") and "//" not in previous and rng.random() < 0.25:
            out[-1] += " " + line.strip()
            continue
        out.append(line)
    return out


def generate(seed: int, blocks: Optional[int] = None) -> Program:
    """The program of `seed` (the same seed always gives the same program)."""
    return LoopProgram(seed, blocks).generate()
