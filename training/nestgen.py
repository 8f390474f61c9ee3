"""Random timed loop nests: the corpus the specialist model learns from.

Each program holds one kernel function, called REPS times by `main`, and prints a checksum. The
kernel is one of the nest shapes whose best parallel plan differs (outer or inner loop, collapse,
reduction, a carried dependence on either loop, triangular bounds, a short outer loop, a costly
body), at a size drawn from tiny to large, with its arrays as globals or as pointer parameters.
Work per program is kept near WORK flops so that a run takes tens of milliseconds.

    python training/nestgen.py --seed 1 --count 200 -o corpus/
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

WORK = 2e8  # body executions per run, summed over the REPS calls
SHAPES = ["map", "transpose", "gemv", "colsum", "matmul", "stencil", "carry_outer", "carry_inner",
          "triangle", "short_outer", "reduce_all", "cube", "costly"]


def program(seed: int) -> str:
    rng = random.Random(seed)
    shape = rng.choice(SHAPES)
    real = rng.choice(["double", "double", "float"])
    side = rng.choice([32, 64, 128, 256, 512, 1024, 2048])
    if shape in ("matmul", "cube"):
        side = rng.choice([24, 48, 96, 128] if shape == "cube" else [24, 48, 96, 160, 256])
    rows, cols = side, side
    if shape == "short_outer":
        rows, cols = rng.choice([2, 3, 4, 6, 8]), side * side // 8 + 64
    depth = 3 if shape in ("matmul", "cube") else 2
    body_work = rows * cols * (side if depth == 3 else 1) * (20 if shape == "costly" else 1)
    reps = max(1, min(1000000, int(WORK / body_work)))
    globals_ = rng.random() < 0.5
    bounds = rng.choice(["macro", "param"])
    return render(shape, real, rows, cols, side, reps, globals_, bounds, rng)


def render(shape: str, real: str, rows: int, cols: int, side: int, reps: int, globals_: bool,
           bounds: str, rng: random.Random) -> str:
    ni, nj, nk = ("NI", "NJ", "NK") if bounds == "macro" else ("ni", "nj", "nk")
    coef = rng.choice(["0.5", "0.25", "0.75"])
    nest = NESTS[shape].format(ni=ni, nj=nj, nk=nk, coef=coef).splitlines()
    cube = shape == "cube"
    dims = "[NI][NJ][NK]" if cube else "[NI][NJ]"
    arrays = ["a", "b", "c"]
    lines = ["#include <stdio.h>", "#include <math.h>", "",
             f"#define NI {rows}", f"#define NJ {cols}", f"#define NK {side}", f"#define REPS {reps}", "",
             f"static {real} a{dims}, b{dims}, c{dims};", f"static {real} x[NJ > NI ? NJ : NI], "
             f"y[NJ > NI ? NJ : NI];", f"static {real} total;", ""]
    if globals_:
        params = "int ni, int nj, int nk" if bounds == "param" else "void"
    else:
        arr = [f"{real} (*{n}){dims[4:]}" for n in arrays]
        params = ", ".join(([f"int ni, int nj, int nk"] if bounds == "param" else [])
                           + arr + [f"{real} *x", f"{real} *y"])
    lines += [f"static void kernel({params})", "{", *("    " + l for l in nest), "}", ""]
    call_args = (["NI", "NJ", "NK"] if bounds == "param" else []) + ([] if globals_ else ["a", "b", "c", "x", "y"])
    index = "[i][j][k]" if cube else "[i][j]"
    loops = ["for (int i = 0; i < NI; i++)", "for (int j = 0; j < NJ; j++)"] + (
        ["for (int k = 0; k < NK; k++)"] if cube else [])
    # main's own loops are recurrences (a random-number generator, a running checksum), so that the
    # kernel's nest is the only one with parallel plans: its plans alone decide the program's time
    lines += ["int main(void)", "{", "    unsigned seed = 12345;",
              *("    " + "    " * d + l for d, l in enumerate(loops)),
              f"    {'    ' * len(loops)}seed = seed * 1103515245u + 12345u, a{index} = ({real})(seed >> 16 & 1023) / 1024, "
              f"b{index} = ({real})(seed >> 8 & 1023) / 1024, c{index} = 0;",
              "    for (int i = 0; i < (NJ > NI ? NJ : NI); i++)",
              f"        seed = seed * 1103515245u + 12345u, x[i] = ({real})(seed >> 16 & 1023) / 1024, y[i] = 0;",
              "    for (int r = 0; r < REPS; r++)",
              f"        kernel({', '.join(call_args)});",
              "    double sum = total;",
              *("    " + "    " * d + l for d, l in enumerate(loops)),
              f"    {'    ' * len(loops)}sum = sum * 0.999 + a{index} + b{index} + c{index};",
              "    for (int i = 0; i < (NJ > NI ? NJ : NI); i++)",
              "        sum = sum * 0.999 + x[i] + y[i];",
              '    printf("%.6e\\n", sum);',
              "    return 0;", "}", ""]
    return "\n".join(lines)


# Each nest, as C with {ni} {nj} {nk} (the bounds: macros or parameters) and {coef} to fill in.
NESTS = {
    "map": """for (int i = 0; i < {ni}; i++)
    for (int j = 0; j < {nj}; j++)
        c[i][j] = a[i][j] * {coef} + b[i][j];""",
    # the inner loop walks a column: interchange or the inner loop's parallelism pays differently
    "transpose": """for (int j = 0; j < {nj}; j++)
    for (int i = 0; i < {ni}; i++)
        c[i][j] = a[i][j] + {coef} * b[i][j];""",
    "gemv": """for (int i = 0; i < {ni}; i++) {{
    double s = 0;
    for (int j = 0; j < {nj}; j++)
        s += a[i][j] * x[j];
    y[i] = {coef} * s;
}}""",
    "colsum": """for (int j = 0; j < {nj}; j++) {{
    double s = 0;
    for (int i = 0; i < {ni}; i++)
        s += a[i][j];
    y[j] = {coef} * s;
}}""",
    "matmul": """for (int i = 0; i < {ni}; i++)
    for (int j = 0; j < {nj}; j++) {{
        double s = 0;
        for (int k = 0; k < {nk}; k++)
            s += a[i][k] * b[k][j];
        c[i][j] = {coef} * s;
    }}""",
    "stencil": """for (int i = 1; i < {ni} - 1; i++)
    for (int j = 1; j < {nj} - 1; j++)
        c[i][j] = {coef} * (a[i][j] + a[i - 1][j] + a[i + 1][j] + a[i][j - 1] + a[i][j + 1]);""",
    "carry_outer": """for (int i = 1; i < {ni}; i++)
    for (int j = 0; j < {nj}; j++)
        a[i][j] = {coef} * a[i - 1][j] + b[i][j];""",
    "carry_inner": """for (int i = 0; i < {ni}; i++)
    for (int j = 1; j < {nj}; j++)
        a[i][j] = {coef} * a[i][j - 1] + b[i][j];""",
    "triangle": """for (int i = 0; i < {ni}; i++)
    for (int j = 0; j <= i; j++)
        c[i][j] = a[i][j] * {coef} + b[j][i];""",
    "short_outer": """for (int i = 0; i < {ni}; i++)
    for (int j = 0; j < {nj}; j++)
        c[i][j] = a[i][j] * {coef} + b[i][j] * b[i][j];""",
    "reduce_all": """double s = 0;
for (int i = 0; i < {ni}; i++)
    for (int j = 0; j < {nj}; j++)
        s += a[i][j] * b[i][j];
total += {coef} * s;""",
    "cube": """for (int i = 1; i < {ni}; i++)
    for (int j = 0; j < {nj}; j++)
        for (int k = 0; k < {nk}; k++)
            c[i][j][k] = {coef} * c[i - 1][j][k] + a[i][j][k];""",
    "costly": """for (int i = 0; i < {ni}; i++)
    for (int j = 0; j < {nj}; j++)
        c[i][j] = sqrt(a[i][j] + {coef}) * exp(-b[i][j]) + sin(a[i][j]);""",
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("-o", "--out", required=True)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for seed in range(args.seed, args.seed + args.count):
        (out / f"nest_{seed}.c").write_text(program(seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
