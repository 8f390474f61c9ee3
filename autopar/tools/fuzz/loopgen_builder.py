"""The building blocks of loopgen's programs: the C types and data (arrays, scalars, the finished
`Program`), and `ProgramBuilder`, the state of one program being built (its seeded random source,
declarations, helper functions, main's statements) with the pieces every template uses: arrays,
bounded stores, expressions, pure functions, loop heads. Takes the seed; the templates
(loopgen_loops, loopgen_calls, loopgen_patterns) add blocks through it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Optional

# (C type, printf conversion, cast for printing, signed, width in bits)
TYPES = {
    "signed char": ("%lld", "long long", True, 8),
    "unsigned char": ("%llu", "unsigned long long", False, 8),
    "short": ("%lld", "long long", True, 16),
    "unsigned short": ("%llu", "unsigned long long", False, 16),
    "int": ("%lld", "long long", True, 32),
    "unsigned": ("%llu", "unsigned long long", False, 32),
    "long": ("%lld", "long long", True, 64),
    "unsigned long": ("%llu", "unsigned long long", False, 64),
    "long long": ("%lld", "long long", True, 64),
    "unsigned long long": ("%llu", "unsigned long long", False, 64),
}
INT_TYPES = list(TYPES)
# element types of arrays: mostly int, every width now and then
ELEMENT_TYPES = ["int"] * 6 + ["short", "unsigned char", "signed char", "unsigned", "long long",
                                "unsigned long long", "unsigned short", "long"]
REDUCTION_OPS = ["+", "*", "&", "|", "^", "&&", "||", "min", "max"]


def is_signed(ctype: str) -> bool:
    return TYPES[ctype][2] if ctype in TYPES else True  # double (t_histogram's near miss)


@dataclass
class Array:
    name: str
    ctype: str
    dims: tuple[int, ...]
    where: str  # global | local
    # other templates may read and write it: its values stay small (store() bounds them), so that
    # their arithmetic cannot overflow; t_histogram's arrays wrap and are only checksummed
    shared: bool = True

    @property
    def size(self) -> int:
        return self.dims[0]


@dataclass
class Scalar:
    name: str
    ctype: str


@dataclass
class Program:
    seed: int
    source: str
    blocks: list[str] = field(default_factory=list)  # the template of each block, in order


class ProgramBuilder:
    """One program being built, and the pieces its templates share."""

    def __init__(self, seed: int, blocks: Optional[int] = None):
        self.seed = seed
        self.rng = random.Random(seed)
        self.block_count = blocks if blocks is not None else self.rng.randint(6, 14)
        self.top: list[str] = []  # file-scope declarations
        self.functions: list[str] = []  # helper function definitions
        self.body: list[str] = []  # main's statements
        self.arrays: list[Array] = []
        self.scalars: list[Scalar] = []  # printed at the end
        self.templates: list[str] = []
        self.counter = 0
        self.pure_functions: dict[str, str] = {}  # name -> its parameter/return type
        self.size_vars: dict[int, str] = {}
        self.includes: set[str] = set()  # headers beside stdio.h
        # arrays of structs (or unions): (name, length, field names), checksummed field by field
        self.records: list[tuple[str, int, list[str]]] = []
        self.typedefs: dict[str, str] = {}  # element or scalar type -> its typedef (`spelled`)
        # (drawn apart, so that the rest of each seed's program stays what it was)
        self.spelling_rng = random.Random(seed * 7919 + 17)

    # ------------------------------------------------------------------------------------ naming


    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def spelled(self, ctype: str) -> str:
        """`ctype`, or now and then its typedef (`typedef short T3;`, declared once): reductions and
        element types are to be judged on the type a typedef names, as old C's `real` or `INT_TYPE`."""
        if self.spelling_rng.random() >= 0.2:
            return ctype
        if ctype not in self.typedefs:
            self.typedefs[ctype] = f"T{len(self.typedefs) + 1}_t"  # (not `fresh`: the other names stay)
            self.top.append(f"typedef {ctype} {self.typedefs[ctype]};")
        return self.typedefs[ctype]

    # ------------------------------------------------------------------------------------ arrays


    def new_array(self, dims: tuple[int, ...], where: Optional[str] = None, ctype: Optional[str] = None) -> Array:
        where = where or ("local" if self.chance(0.25) and cell_count(dims) <= 6000 else "global")
        ctype = ctype or self.rng.choice(ELEMENT_TYPES)
        array = Array(self.fresh("L" if where == "local" else "g"), ctype, dims, where)
        extents, spelled = "".join(f"[{d}]" for d in dims), self.spelled(ctype)
        if where == "global":
            self.top.append(f"{spelled} {array.name}{extents};")
        else:
            self.body.append(f"    {spelled} {array.name}{extents};")
        self.arrays.append(array)
        self.init_array(array)
        return array

    def init_array(self, array: Array) -> None:
        k1, k2, m = self.rng.randint(1, 97), self.rng.randint(0, 50), self.rng.choice([7, 23, 101, 999])
        if len(array.dims) == 1:
            value = f"(i * {k1} + {k2}) % {m} - {m // 2}"
            self.body.append(f"    for (int i = 0; i < {array.size}; i++)")
            self.body.append(f"        {array.name}[i] = {self.store(array.ctype, value)};")
        else:
            value = f"(i * {k1} + j * {k2 + 1} + {k2}) % {m} - {m // 2}"
            self.body.append(f"    for (int i = 0; i < {array.dims[0]}; i++)")
            self.body.append(f"        for (int j = 0; j < {array.dims[1]}; j++)")
            self.body.append(f"            {array.name}[i][j] = {self.store(array.ctype, value)};")

    def array_1d(self, min_size: int = 1) -> Array:
        fits = [a for a in self.arrays if a.shared and len(a.dims) == 1 and a.size >= min_size]
        if fits and self.chance(0.75):
            return self.rng.choice(fits)
        size = max(min_size, self.rng.choice([16, 100, 1000, 3000, 8000, 8000, 20000]))
        return self.new_array((size,))

    def array_2d(self, square: bool = False) -> Array:
        fits = [a for a in self.arrays if a.shared and len(a.dims) == 2 and (not square or a.dims[0] == a.dims[1])]
        if fits and self.chance(0.6):
            return self.rng.choice(fits)
        r = self.rng.choice([2, 3, 8, 30, 64, 120, 200])  # few rows: a collapse(2) candidate
        c = r if square else self.rng.choice([8, 30, 64, 120, 200, 1000])
        return self.new_array((r, c), where="local" if r * c <= 4000 and self.chance(0.3) else "global")

    @staticmethod
    def store(ctype: str, value: str) -> str:
        """`value` reduced to [-1000, 1000] (signed) or [0, 1000) (unsigned), converted to `ctype`."""
        if is_signed(ctype):
            return f"({ctype})(({value}) % 1000)"
        return f"({ctype})((({value}) % 1000 + 1000) % 1000)"

    def size_var(self, size: int) -> str:
        """A variable holding `size` that no compiler can fold (it depends on argc)."""
        if size not in self.size_vars:
            name = f"n{size}"
            self.size_vars[size] = name
        return self.size_vars[size]

    # ------------------------------------------------------------------------------- expressions


    def element(self, array: Array, index: str) -> str:
        return f"{array.name}[{index}]"

    def expression(self, terms: list[str], iv: str, allow_product: bool = True) -> str:
        """An integer expression over bounded `terms` (array elements, each within +-1000)."""
        parts = []
        product_used = not allow_product
        for term in terms:
            form = self.rng.randint(0, 5)
            if form == 0 and not product_used and len(terms) > 1:
                parts.append(f"{term} * {self.rng.choice(terms)}")
                product_used = True
            elif form == 1:
                parts.append(f"{term} * {self.rng.randint(2, 7)}")
            elif form == 2 and self.pure_functions and self.chance(0.7):
                parts.append(f"{self.rng.choice(list(self.pure_functions))}({term})")
            elif form == 3:
                parts.append(f"({term} {self.rng.choice(['&', '|', '^'])} {self.rng.randint(1, 255)})")
            else:
                parts.append(term)
        if self.chance(0.4):
            parts.append(f"{iv} % {self.rng.randint(2, 50)}")
        if self.chance(0.3):
            parts.append(str(self.rng.randint(-20, 20)))
        out = parts[0]
        for part in parts[1:]:
            out += f" {self.rng.choice(['+', '-', '+', '^'])} {part}"
        if self.chance(0.2):
            out = f"({terms[0]} > {self.rng.randint(-50, 50)} ? {out} : {self.rng.randint(-9, 9)})"
        return out

    def map_arrays(self, min_size: int = 1) -> tuple[Array, Array, Array, int, int, int]:
        """The arrays of `X[i + a] = f(Y[i + b], Z[i], i)`: X, Y (X itself now and then: a carried
        dependence when a != b), Z, the length they share, a and b."""
        dst = self.array_1d(min_size)
        src = dst if self.chance(0.3) else self.array_1d(min_size)
        other = self.array_1d(min_size)
        a, b = self.rng.choice([0, 0, 0, 1, 2]), self.rng.choice([0, 0, 1, 2, 3])
        return dst, src, other, min(dst.size, src.size, other.size), a, b

    def map_statement(self, dst: Array, src: Array, other: Array, a: int, b: int) -> tuple[str, str]:
        """A fresh loop variable and the statement `X[i + a] = f(Y[i + b], Z[i], i);` over it."""
        iv = self.fresh("i")
        expr = self.expression([f"{src.name}[{iv} + {b}]" if b else f"{src.name}[{iv}]", f"{other.name}[{iv}]"], iv)
        target = f"{dst.name}[{iv} + {a}]" if a else f"{dst.name}[{iv}]"
        return iv, f"{target} = {self.store(dst.ctype, expr)};"

    def pure_function(self) -> str:
        if self.pure_functions and self.chance(0.6):
            return self.rng.choice(list(self.pure_functions))
        name = self.fresh("f")
        k1, k2 = self.rng.randint(2, 9), self.rng.randint(-30, 30)
        form = self.rng.randint(0, 2)
        if form == 0:
            body = f"return (x * {k1} + {k2}) % 1000;"
        elif form == 1:
            body = f"return x > {k2} ? x - {k1} : {k1} - x;"
        else:
            body = f"int y = x % {k1 + 1}; return y * y + {k2};"
        self.functions.append(f"static int {name}(int x) {{ {body} }}")
        self.pure_functions[name] = "int"
        return name

    # ------------------------------------------------------------------------------------ loops


    def loop_head(self, iv: str, lo: int, hi: int, declare: bool = True, size: Optional[int] = None,
                  runtime: Optional[bool] = None, ivtype: str = "int") -> str:
        """`for (...)` running `iv` over [lo, hi): the bound literal or from argc, the condition in
        one of several spellings, now and then parenthesized."""
        if runtime is None:
            runtime = self.chance(0.5)
        bound = str(hi)
        if runtime:
            var = self.size_var(hi if size is None else size)
            bound = var if size is None or size == hi else f"{var} - {size - hi}"
        decl = f"{ivtype} {iv} = {lo}" if declare else f"{iv} = {lo}"
        # mostly `<`; `<=`, `>` and `!=` spellings; parenthesized conditions now and then
        form = self.rng.choices(["<", "<=", ">", "!=", "()", "(())"], [24, 4, 4, 5, 2, 1])[0]
        if form == "<=":
            cond = f"{iv} <= {bound} - 1"
        elif form == ">":
            cond = f"{bound} > {iv}"
        elif form == "!=" and hi >= lo:
            cond = f"{iv} != {bound}"
        elif form == "()":
            cond = f"({iv} < {bound})"
        elif form == "(())":
            cond = f"(({iv}) < ({bound}))"
        else:
            cond = f"{iv} < {bound}"
        step = f"{iv}++" if self.chance(0.8) else (f"++{iv}" if self.chance(0.5) else f"{iv} += 1")
        return f"for ({decl}; {cond}; {step})"

    def zero_trip_head(self, iv: str, lo: int, declare: bool) -> str:
        """A loop that runs zero times at run time, though the compiler cannot know it."""
        decl = f"int {iv} = {lo}" if declare else f"{iv} = {lo}"
        bound = self.rng.choice([f"zero + {lo}", f"argc + {lo - 1}", f"{lo} * argc", "zero"])
        if bound == "zero" and lo > 0:
            bound = f"zero + {lo}"
        cond = f"{iv} < {bound}" if self.chance(0.9) else f"({iv} < {bound})"
        return f"for ({decl}; {cond}; {iv}++)"

    def emit_loop(self, iv: str, lo: int, hi: int, body: list[str], size: Optional[int] = None,
                  indent: str = "    ", live_after: bool = False) -> None:
        declare = not live_after and self.chance(0.7)
        if not declare:
            self.body.append(f"{indent}int {iv} = -3;" if live_after else f"{indent}int {iv};")
        self.body.append(f"{indent}{self.loop_head(iv, lo, hi, declare=declare, size=size)} {{")
        self.body.extend(f"{indent}    {line}" for line in body)
        self.body.append(f"{indent}}}")
        if live_after:
            self.scalars.append(Scalar(iv, "int"))


def flip_comparison(comparison: str) -> str:
    return {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[comparison]


def cell_count(dims: tuple[int, ...]) -> int:
    total = 1
    for d in dims:
        total *= d
    return total


def add_blocks(program, count: int) -> None:
    """`count` blocks in main, each from a template (`t_<name>`) drawn by the weights of
    `program.TEMPLATES`, its name noted in the program and as a comment before it."""
    names = list(program.TEMPLATES)
    weights = [program.TEMPLATES[n] for n in names]
    for _ in range(count):
        template = program.rng.choices(names, weights)[0]
        program.templates.append(template)
        program.body.append(f"    /* {template} */")
        getattr(program, f"t_{template}")()
