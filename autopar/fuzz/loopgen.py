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
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Optional

# Changes whenever a seed would give a different program; printed in every program's first line.
VERSION = 11

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


class LoopProgram:
    """Builds one program. `generate(seed)` is the entry point."""

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

    # ------------------------------------------------------------------------------------ naming

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # ------------------------------------------------------------------------------------ arrays

    def new_array(self, dims: tuple[int, ...], where: Optional[str] = None, ctype: Optional[str] = None) -> Array:
        where = where or ("local" if self.chance(0.25) and _cells(dims) <= 6000 else "global")
        ctype = ctype or self.rng.choice(ELEMENT_TYPES)
        array = Array(self.fresh("L" if where == "local" else "g"), ctype, dims, where)
        extents = "".join(f"[{d}]" for d in dims)
        if where == "global":
            self.top.append(f"{ctype} {array.name}{extents};")
        else:
            self.body.append(f"    {ctype} {array.name}{extents};")
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

    # ---------------------------------------------------------------------------------- templates

    def t_map(self) -> None:
        """X[i + a] = f(Y[i + b], Z[i], i): parallel, or carried when X is Y with a > b or a < b."""
        dst = self.array_1d()
        same = self.chance(0.3)
        src = dst if same else self.array_1d()
        other = self.array_1d()
        size = min(dst.size, src.size, other.size)
        a, b = self.rng.choice([0, 0, 0, 1, 2]), self.rng.choice([0, 0, 1, 2, 3])
        lo, hi = 0, size - max(a, b)
        if hi <= lo:
            return
        iv = self.fresh("i")
        expr = self.expression([f"{src.name}[{iv} + {b}]" if b else f"{src.name}[{iv}]", f"{other.name}[{iv}]"], iv)
        target = f"{dst.name}[{iv} + {a}]" if a else f"{dst.name}[{iv}]"
        body = f"{target} = {self.store(dst.ctype, expr)};"
        if self.chance(0.25):
            body = f"if ({other.name}[{iv}] {self.rng.choice(['>', '<', '!=', '=='])} {self.rng.randint(-20, 20)}) {body}"
        self.emit_loop(iv, lo, hi, [body], size=size)

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

    def t_reduction(self) -> None:
        """A reduction of any operator, in any integer type, in one of several spellings."""
        src = self.array_1d()
        op = self.rng.choice(REDUCTION_OPS)
        acc_type = self.rng.choice(INT_TYPES)
        name = self.fresh("r")
        iv = self.fresh("i")
        item = f"{src.name}[{iv}]"
        if self.chance(0.3):
            item = f"({item} {self.rng.choice(['+', '-'])} {self.rng.randint(0, 9)})"
        if op in ("min", "max"):
            start = self.rng.choice(["0", "-1", "1000", "-1000", "7", str(self.rng.randint(-200, 200))])
        elif op == "*":
            start = self.rng.choice(["1", "-1", "3"])
        elif op in ("&&", "||"):
            start = self.rng.choice(["0", "1", "-1", "5", "2"])
        elif op == "&":
            start = self.rng.choice(["-1", "255", "1023", "~0"])
        else:
            start = str(self.rng.randint(-9, 9))
        self.body.append(f"    {acc_type} {name} = {start};")
        less = self.rng.choice(["<", "<="]) if op == "min" else self.rng.choice([">", ">="])
        if op in ("min", "max"):
            form = self.rng.randint(0, 3)
            if form == 0:
                stmt = f"if ({item} {less} {name}) {name} = {item};"
            elif form == 1:
                stmt = f"{name} = {item} {less} {name} ? {item} : {name};"
            elif form == 2:
                stmt = f"{name} = ({name} {_flip(less)} {item}) ? {item} : {name};"
            else:
                stmt = f"if ({name} {_flip(less)} {item}) {{ {name} = {item}; }}"
        elif op == "*":
            if is_signed(acc_type) and TYPES[acc_type][3] >= 32:
                factor = f"({item} % 3 == 0 ? -1 : 1)"
            else:
                factor = f"({item} | 1)"
            stmt = self.rng.choice([f"{name} *= {factor};", f"{name} = {name} * {factor};"])
        elif op in ("&&", "||"):
            cond = f"{item} {self.rng.choice(['>', '<', '!='])} {self.rng.randint(-30, 30)}"
            stmt = self.rng.choice([f"{name} = {name} {op} {cond};", f"{name} = {name} {op} ({cond});",
                                    f"{name} = {name} {op} {item};"])
        else:
            stmt = self.rng.choice([f"{name} {op}= {item};", f"{name} = {name} {op} {item};",
                                    f"{name} = {item} {op} {name};"])
        if self.chance(0.15):
            stmt = f"if ({item} {self.rng.choice(['>', '<'])} {self.rng.randint(-10, 10)}) {stmt}"
        lo = self.rng.choice([0, 0, 0, 1, 3])
        if self.chance(0.2):
            self.body.append(f"    {self.zero_trip_head(iv, lo, True)} {{")
        else:
            self.body.append(f"    {self.loop_head(iv, lo, src.size, size=src.size)} {{")
        self.body.append(f"        {stmt}")
        self.body.append("    }")
        self.scalars.append(Scalar(name, acc_type))

    def t_lastprivate(self) -> None:
        """A scalar assigned in the loop (or its counter) printed after it; the loop may run zero times."""
        dst, src = self.array_1d(), self.array_1d()
        size = min(dst.size, src.size)
        iv, t = self.fresh("i"), self.fresh("t")
        t_type = self.rng.choice(["int", "int", "long long", "short", "unsigned"])
        self.body.append(f"    {t_type} {t} = {self.rng.randint(-99, 99)};")
        self.body.append(f"    int {iv} = {self.rng.randint(-9, 99)};")
        lo = self.rng.choice([0, 0, 2, 5])
        zero = self.chance(0.35)
        head = self.zero_trip_head(iv, lo, False) if zero else self.loop_head(iv, lo, size, declare=False, size=size)
        form = self.rng.randint(0, 3)
        if form == 0:
            body = [f"{t} = {src.name}[{iv}] * 2 + {iv};", f"{dst.name}[{iv}] = {self.store(dst.ctype, t)};"]
        elif form == 1:
            body = [f"{t} = {self.expression([f'{src.name}[{iv}]'], iv)};"]
        elif form == 2:  # conditionally assigned: the last iteration that assigns it decides
            body = [f"if ({src.name}[{iv}] > {self.rng.randint(-20, 20)}) {t} = {iv};"]
        else:  # assigned, then used in the same iteration
            body = [f"{t} = {src.name}[{iv}];", f"{dst.name}[{iv}] = {self.store(dst.ctype, f'{t} + {t} * 3')};"]
        self.body.append(f"    {head} {{")
        self.body.extend(f"        {line}" for line in body)
        self.body.append("    }")
        self.scalars += [Scalar(t, t_type), Scalar(iv, "int")]

    def t_unsigned(self) -> None:
        """Unsigned counters: `!=` bounds, bounds from argc, wrap-around from a negative start."""
        dst = self.array_1d(min_size=16)
        src = self.array_1d()
        iv = self.fresh("u")
        form = self.rng.randint(0, 3)
        utype = self.rng.choice(["unsigned", "unsigned", "unsigned long", "unsigned short", "unsigned char"])
        if form == 0 and utype != "unsigned char":  # wraps: from -k up to m with !=
            k = self.rng.randint(1, min(20, dst.size // 2, src.size))  # the loop reads src[0 .. m + k)
            m = self.rng.randint(0, min(dst.size, src.size) - k)
            head = f"for ({utype} {iv} = ({utype})-{k}; {iv} != {m}; {iv}++)" if utype in ("unsigned", "unsigned long") \
                else f"for (unsigned {iv} = -{k}; {iv} != {m}u; {iv}++)"
            index = f"{iv} + {k}"
        elif form == 1:  # != against a bound from argc
            hi = min(dst.size, src.size, 255 if utype == "unsigned char" else 60000)
            bound = self.size_var(hi)
            head = f"for ({utype} {iv} = 0; {iv} != ({utype}){bound}; {iv}++)"
            index = iv
        elif form == 2:  # counting down with unsigned
            hi = min(dst.size, src.size, 255 if utype == "unsigned char" else 60000)
            head = f"for ({utype} {iv} = {hi}; {iv} > 0; {iv}--)"
            index = f"{iv} - 1"
        else:
            hi = min(dst.size, src.size, 250 if utype == "unsigned char" else 60000)
            cond = f"{iv} < {hi}u" if self.chance(0.85) else f"({iv} < {hi}u)"
            head = f"for ({utype} {iv} = 0; {cond}; {iv}++)"
            index = iv
        expr = self.expression([f"{src.name}[{index}]"], iv)
        self.body.append(f"    {head}")
        self.body.append(f"        {dst.name}[{index}] = {self.store(dst.ctype, expr)};")

    def t_nest(self) -> None:
        """A 2-D nest: parallel everywhere, carried by one of the loops, triangular, or transposed."""
        form = self.rng.randint(0, 5)
        g = self.array_2d(square=form == 4)
        h = self.array_2d(square=form == 4) if form == 4 else self.array_2d()
        rows, cols = min(g.dims[0], h.dims[0]), min(g.dims[1], h.dims[1])
        if form == 4:
            rows = cols = min(rows, cols)
        i, j = self.fresh("i"), self.fresh("j")
        hij = f"{h.name}[{i}][{j}]"
        row_lo, col_lo = 0, 0
        if form == 0:
            value = self.expression([hij, f"{g.name}[{i}][{j}]"], j)
        elif form == 1:  # carried by the outer loop
            row_lo = 1
            value = f"{g.name}[{i} - 1][{j}] * 3 + {hij}"
        elif form == 2:  # carried by the inner loop
            col_lo = 1
            value = f"{g.name}[{i}][{j} - 1] + {hij} * 2"
        elif form == 3:  # triangular
            value = self.expression([hij], i)
        elif form == 4:  # transposed read
            value = f"{h.name}[{j}][{i}] + {i}" if h is not g else f"{g.name}[{j}][{i}] - {j}"
        else:  # the inner loop's bound from argc
            value = self.expression([hij, f"{g.name}[{i}][{j}]"], i)
        store = f"{g.name}[{i}][{j}] = {self.store(g.ctype, value)};"
        outer = self.loop_head(i, row_lo, rows, size=rows)
        if form == 3:
            inner = f"for (int {j} = 0; {j} <= {i} && {j} < {cols}; {j}++)" if self.chance(0.3) \
                else f"for (int {j} = 0; {j} < {i}; {j}++)"
            if rows > cols:
                inner = f"for (int {j} = 0; {j} < {i} % {cols}; {j}++)"
        else:
            inner = self.loop_head(j, col_lo, cols, size=cols, runtime=form == 5 or None)
        self.body.append(f"    {outer}")
        self.body.append(f"        {inner}")
        self.body.append(f"            {store}")

    def t_row_reduction(self) -> None:
        """A reduction in the inner loop whose result is stored per row: private in the outer loop."""
        g = self.array_2d()
        out = self.array_1d(min_size=g.dims[0])
        i, j, s = self.fresh("i"), self.fresh("j"), self.fresh("s")
        acc = self.rng.choice(["int", "long long", "unsigned", "short"])
        self.body.append(f"    {acc} {s} = 0;")
        self.body.append(f"    {self.loop_head(i, 0, g.dims[0], size=g.dims[0])} {{")
        self.body.append(f"        {s} = {self.rng.randint(-5, 5)};")
        self.body.append(f"        {self.loop_head(j, 0, g.dims[1], size=g.dims[1])}")
        self.body.append(f"            {s} += {g.name}[{i}][{j}];")
        self.body.append(f"        {out.name}[{i}] = {self.store(out.ctype, s)};")
        self.body.append("    }")
        self.scalars.append(Scalar(s, acc))

    def t_serial(self) -> None:
        """Loop-carried dependences that must stay serial."""
        x = self.array_1d(min_size=8)
        y = self.array_1d()
        size = min(x.size, y.size)
        iv = self.fresh("i")
        form = self.rng.randint(0, 5)
        d = self.rng.randint(1, 3)
        if form == 0:  # flow dependence at distance d
            self.emit_loop(iv, d, size, [f"{x.name}[{iv}] = {self.store(x.ctype, f'{x.name}[{iv} - {d}] * 3 + {y.name}[{iv}]')};"], size=size)
        elif form == 1:  # anti dependence: parallel runs race
            self.emit_loop(iv, 0, size - d, [f"{x.name}[{iv}] = {self.store(x.ctype, f'{x.name}[{iv} + {d}] + {y.name}[{iv}]')};"], size=size)
        elif form == 2:  # scalar recurrence
            s = self.fresh("h")
            self.body.append(f"    long long {s} = {self.rng.randint(0, 9)};")
            self.emit_loop(iv, 0, size, [f"{s} = ({s} * 31 + {y.name}[{iv}]) % 1000003;",
                                         f"{x.name}[{iv}] = {self.store(x.ctype, f'{s}')};"], size=size)
            self.scalars.append(Scalar(s, "long long"))
        elif form == 3:  # a value carried through a scalar to the next iteration
            p = self.fresh("p")
            self.body.append(f"    int {p} = {self.rng.randint(-9, 9)};")
            self.emit_loop(iv, 0, size, [f"int t = {x.name}[{iv}];", f"{x.name}[{iv}] = {self.store(x.ctype, p)};",
                                         f"{p} = t;"], size=size)
            self.scalars.append(Scalar(p, "int"))
        elif form == 4:  # early exit
            pos = self.fresh("pos")
            self.body.append(f"    int {pos} = -1;")
            value = self.rng.randint(-5, 5)
            self.emit_loop(iv, 0, size, [f"if ({x.name}[{iv}] == {value}) {{ {pos} = {iv}; break; }}"], size=size)
            self.scalars.append(Scalar(pos, "int"))
        else:  # a write through an alias: p = x + d, p[i] = x[i] + ...
            p = self.fresh("p")
            self.body.append(f"    {x.ctype} *{p} = {x.name} + {d};")
            self.emit_loop(iv, 0, x.size - d, [f"{p}[{iv}] = {self.store(x.ctype, f'{x.name}[{iv}] + 1')};"], size=x.size)

    def t_pointer(self) -> None:
        """A helper function over pointer parameters, called on disjoint or overlapping arrays."""
        x = self.array_1d(min_size=8)
        same_type = [a for a in self.arrays if a.shared and len(a.dims) == 1 and a.ctype == x.ctype]
        y = self.rng.choice(same_type)
        name = self.fresh("k")
        t = x.ctype
        k = self.rng.randint(2, 7)
        form = self.rng.randint(0, 2)
        if form == 0:
            stmt = f"d[i] = {self.store(t, f's[i] * {k} + d[i]')};"
        elif form == 1:
            stmt = f"d[i] = {self.store(t, f's[i] + {k}')};"
        else:
            stmt = f"d[i + 1] = {self.store(t, f's[i] - {k}')};"
        extra = " - 1" if form == 2 else ""
        self.functions.append(f"static void {name}({t} *d, {'const ' if self.chance(0.5) else ''}{t} *s, int n)\n"
                              f"{{\n    for (int i = 0; i < n{extra}; i++)\n        {stmt}\n}}")
        size = min(x.size, y.size)
        dst_off = self.rng.choice([0, 0, 1, 2])
        src_off = self.rng.choice([0, 0, 1, 2])
        n = size - max(dst_off, src_off)
        if n <= 1:
            return
        count = self.rng.choice([str(n), f"{self.size_var(size)} - {max(dst_off, src_off)}", "zero"])
        self.body.append(f"    {name}({x.name} + {dst_off}, {y.name} + {src_off}, {count});")

    def t_calls(self) -> None:
        """Calls in the loop body: a pure function, or one that writes through a pointer argument."""
        dst, src = self.array_1d(), self.array_1d()
        size = min(dst.size, src.size)
        iv = self.fresh("i")
        form = self.rng.randint(0, 2)
        if form == 0:
            f = self.pure_function()
            self.emit_loop(iv, 0, size, [f"{dst.name}[{iv}] = {self.store(dst.ctype, f'{f}({src.name}[{iv}]) + {iv} % 7')};"], size=size)
        elif form == 1:
            w = self.fresh("w")
            t = dst.ctype
            self.functions.append(f"static void {w}({t} *p, long long v) {{ *p = {self.store(t, f'v * {self.rng.randint(2, 5)} + 1')}; }}")
            self.emit_loop(iv, 0, size, [f"{w}(&{dst.name}[{iv}], {src.name}[{iv}]);"], size=size)
        else:  # accumulates through a pointer to a scalar: carried
            a, s = self.fresh("acc"), self.fresh("s")
            self.functions.append(f"static void {a}(long long *p, int v) {{ *p = *p * 3 % 10007 + v; }}")
            self.body.append(f"    long long {s} = 1;")
            self.emit_loop(iv, 0, size, [f"{a}(&{s}, {src.name}[{iv}]);"], size=size)
            self.scalars.append(Scalar(s, "long long"))

    def t_window(self) -> None:
        """A helper over rows of a flattened matrix whose row length is a parameter that bounds the
        inner loop, called with one constant (the parallel loop then gets a copy specialized for it),
        now and then with two different ones, or with a value only known at run time."""
        dst, src = self.array_1d(min_size=8), self.array_1d(min_size=8)
        name = self.fresh("win")
        width = self.rng.choice([2, 3, 4, 8])
        rows = min(dst.size, src.size // width)
        if rows < 2:
            return
        acc = self.fresh("acc")
        unsigned = self.chance(0.3)
        param = "unsigned w" if unsigned else "int w"
        column = "(int)j" if unsigned else "j"
        self.functions.append(
            f"static void {name}({dst.ctype} *d, const {src.ctype} *s, int rows, {param})\n{{\n"
            f"    for (int i = 0; i < rows; i++) {{\n"
            f"        long long {acc} = w; /* w, s.w: a comment names it too */\n"
            f"        for ({'unsigned' if unsigned else 'int'} j = 0; j < w; j++)\n"
            f"            {acc} += (long long)s[i * w + j] * ({column} + 1);\n"
            f"        d[i] = {self.store(dst.ctype, acc)};\n    }}\n}}")
        form = self.rng.randint(0, 3)
        if form == 2:  # a second call with another width: nothing to specialize for
            other = self.rng.choice([k for k in (1, 2, 3) if k != width])
            self.body.append(f"    {name}({dst.name}, {src.name}, {min(dst.size, src.size // other)}, {other});")
        second = f"{self.size_var(width)}" if form == 3 else str(width)
        self.body.append(f"    {name}({dst.name}, {src.name}, {rows}, {second});")

    def t_stride(self) -> None:
        """Strided and decreasing loops, a narrow counter type."""
        dst, src = self.array_1d(min_size=8), self.array_1d()
        size = min(dst.size, src.size)
        iv = self.fresh("i")
        form = self.rng.randint(0, 2)
        if form == 0:
            step = self.rng.randint(2, 4)
            head = f"for (int {iv} = {self.rng.randint(0, step - 1)}; {iv} < {size}; {iv} += {step})"
        elif form == 1:
            head = f"for (int {iv} = {size - 1}; {iv} >= 0; {iv}--)"
        else:
            ctype = self.rng.choice(["short", "unsigned char", "signed char", "long long"])
            hi = min(size, {"short": 30000, "unsigned char": 250, "signed char": 120, "long long": 60000}[ctype])
            head = f"for ({ctype} {iv} = 0; {iv} < {hi}; {iv}++)"
        expr = self.expression([f"{src.name}[{iv}]", f"{dst.name}[{iv}]"], iv)
        self.body.append(f"    {head}")
        self.body.append(f"        {dst.name}[{iv}] = {self.store(dst.ctype, expr)};")

    def t_sweeps(self) -> None:
        """A time loop around sweeps: a stencil into a second array and its copy-back, now and then a
        reduction over the result. One shared parallel region when the time loop holds nothing else; a
        statement between the sweeps, or a time variable declared outside and printed, keeps a region
        per loop; one declared outside and never read again is private to the region. Zero time steps now and then."""
        a = self.array_1d(min_size=8)
        b = self.new_array((a.size,), ctype=a.ctype)
        size = a.size
        t, i, j = self.fresh("t"), self.fresh("i"), self.fresh("i")
        steps = self.rng.choice(["2", "3", "zero + 2", "zero", f"argc + {self.rng.randint(0, 2)}"])
        outside, between = self.chance(0.2), self.chance(0.2)
        reduction = self.fresh("r") if self.chance(0.4) else None
        counter = self.fresh("k") if between else None
        for name in (reduction, counter):
            if name:
                self.body.append(f"    long long {name} = {self.rng.randint(-9, 9)};")
                self.scalars.append(Scalar(name, "long long"))
        if outside:
            self.body.append(f"    int {t} = -1;")
            if self.chance(0.5):  # printed at the end: live after the loop; else the region's private
                self.scalars.append(Scalar(t, "int"))
            self.body.append(f"    for ({t} = 0; {t} < {steps}; {t}++) {{")
        else:
            self.body.append(f"    for (int {t} = 0; {t} < {steps}; {t}++) {{")
        expr = self.expression([f"{a.name}[{i} - 1]", f"{a.name}[{i}]", f"{a.name}[{i} + 1]"], i)
        self.body.append(f"        {self.loop_head(i, 1, size - 1, size=size)}")
        self.body.append(f"            {b.name}[{i}] = {self.store(b.ctype, f'{expr} + {t} % 3')};")
        if counter:
            self.body.append(f"        {counter} = ({counter} * 7 + {t}) % 101;")
        extra = f" + {counter}" if counter else ""
        self.body.append(f"        {self.loop_head(j, 1, size - 1, size=size)}")
        self.body.append(f"            {a.name}[{j}] = {self.store(a.ctype, f'{b.name}[{j}] / 2{extra}')};")
        if reduction:
            r = self.fresh("i")
            self.body.append(f"        {self.loop_head(r, 0, size, size=size)}")
            self.body.append(f"            {reduction} += {a.name}[{r}];")
        self.body.append("    }")

    def t_gather(self) -> None:
        """A static helper gathering through an index array, `d[i] = f(s[ix[i]])`: parallel only when
        every call passes it distinct arrays (no-alias facts from the call sites); near misses pass
        one array twice, overlap a second call, or read through a global pointer."""
        d = self.array_1d(min_size=8)
        same_type = [a for a in self.arrays if a.shared and len(a.dims) == 1 and a.ctype == d.ctype and a is not d]
        s = self.rng.choice(same_type) if same_type and self.chance(0.7) else self.array_1d(min_size=8)
        count = min(d.size, s.size)
        ix = Array(self.fresh("ix"), "int", (count,), "global", shared=False)
        self.top.append(f"int {ix.name}[{count}];")
        self.arrays.append(ix)
        k1, k2 = self.rng.choice([7, 13, 31, 101]), self.rng.randint(0, 50)
        self.body.append(f"    for (int i = 0; i < {count}; i++)")
        self.body.append(f"        {ix.name}[i] = (i * {k1} + {k2}) % {count};")
        miss = self.rng.choice(["", "", "", "same", "overlap", "global"])
        name, t = self.fresh("gat"), d.ctype
        view = ""
        if miss == "global":
            view = self.fresh("view")
            self.top.append(f"{t} *{view};")
            self.body.append(f"    {view} = {d.name};")
        k = self.rng.randint(2, 7)
        read = f"s[ix[i]] + {view}[i] % 3" if view else f"s[ix[i]] * {k}"
        self.functions.append(
            f"static void {name}({t} *d, const {s.ctype} *s, const int *ix, int n)\n"
            f"{{\n    for (int i = 0; i < n; i++)\n        d[i] = {self.store(t, read + ' + d[i]')};\n}}")
        n = str(count) if self.chance(0.5) else self.size_var(count)
        if miss == "same" and s.ctype == d.ctype:
            self.body.append(f"    {name}({d.name}, {d.name}, {ix.name}, {n});")
        else:
            self.body.append(f"    {name}({d.name}, {s.name}, {ix.name}, {n});")
        if miss == "overlap" and s.ctype == d.ctype:
            self.body.append(f"    {name}({s.name} + 1, {s.name}, {ix.name}, {count - 1});")

    def t_swap(self) -> None:
        """Time steps between two fresh allocations swapped after each step, `step(b, a, n); t = a;
        a = b; b = t;`, the step a function of this file (static, or external: the program is built
        alone, so it is a whole program): parallel without a check. Near misses make the two
        pointers one (`b = a;` after a step), offset one (`b = a + 1;`), or swap through an expression."""
        self.includes.add("stdlib.h")
        t = self.rng.choice(["int", "int", "short", "long long", "unsigned"])
        n = self.rng.choice([100, 1000, 3000, 8000])
        out = self.new_array((n,), where="global", ctype=t)
        miss = self.rng.choice(["", "", "", "one", "offset", "expression"])
        name = self.fresh("step")
        linkage = "static " if self.chance(0.5) else ""
        k = self.rng.randint(2, 9)
        self.functions.append(
            f"{linkage}void {name}({t} *dst, const {t} *src, int n)\n"
            f"{{\n    for (int i = 1; i < n - 1; i++)\n"
            f"        dst[i] = {self.store(t, f'src[i - 1] + src[i + 1] * {k} - src[i]')};\n}}")
        a, b, tmp, it = self.fresh("a"), self.fresh("b"), self.fresh("t"), self.fresh("it")
        steps = self.rng.randint(2, 6)
        size = str(n) if self.chance(0.5) else self.size_var(n)
        self.body += [
            "    {",
            f"        {t} *{a} = malloc(sizeof({t}) * {n + 1}), *{b} = malloc(sizeof({t}) * {n + 1});",
            f"        {t} *first_{a} = {a}, *first_{b} = {b};",
            f"        if (!{a} || !{b}) return 1;",
            f"        for (int i = 0; i <= {n}; i++) {{ {a}[i] = {out.name}[i < {n} ? i : 0]; {b}[i] = 0; }}",
            f"        for (int {it} = 0; {it} < {steps}; {it}++) {{",
            f"            {name}({b}, {a}, {size});",
        ]
        if miss == "expression":
            self.body.append(f"            {t} *{tmp} = {a}; {a} = {b} + 0; {b} = {tmp};")
        else:
            self.body.append(f"            {t} *{tmp} = {a}; {a} = {b}; {b} = {tmp};")
        if miss == "one":
            self.body.append(f"            if ({it} == {steps // 2}) {b} = {a};")
        elif miss == "offset":
            self.body.append(f"            if ({it} == {steps // 2}) {b} = {a} + 1;")
        self.body += [
            "        }",
            f"        for (int i = 0; i < {n}; i++) {out.name}[i] = {a}[i];",
            f"        free(first_{a});",
            f"        free(first_{b});",
            "    }",
        ]

    def t_strided(self) -> None:
        """Blocks of a run-time width, `for (s = 0; s < n; s += len)`, each iteration updating its own
        block (or, FFT-style, pairs half a block apart): parallel by the window argument. Near misses
        reach one element into the next block, update one shared element, or change the width."""
        d, e = self.array_1d(min_size=40), self.array_1d(min_size=40)
        size = min(d.size, e.size)
        width = self.rng.choice([2, 3, 4, 8, 16])
        n = size - width - 1
        miss = self.rng.choice(["", "", "", "half", "half", "wide", "shared", "changes"])
        if miss == "half" and width % 2:
            width += 1
            n = size - width - 1
        s, k, w, h = self.fresh("s"), self.fresh("k"), self.fresh("w"), self.fresh("h")
        c = self.rng.randint(2, 7)
        at, other = f"{d.name}[{s} + {k}]", f"{e.name}[{s} + {k}]"
        inner_end = f"{w}"
        if miss == "half":
            inner_end = h
            lo, hi = f"{d.name}[{s} + {k}]", f"{d.name}[{s} + {k} + {h}]"
            body = [f"    int x = {lo}, y = {hi};",
                    f"    {lo} = {self.store(d.ctype, 'x + y')};",
                    f"    {hi} = {self.store(d.ctype, f'x - y * {c}')};"]
        else:
            if miss == "wide":
                inner_end = f"{w} + 1"
            target = f"{d.name}[{k}]" if miss == "shared" else at
            body = [f"    {target} = {self.store(d.ctype, f'{at} + {other} * {c} - {d.name}[{s}]')};"]
        if miss == "changes":
            body.append(f"    if ({k} == 0) {w} = {w} + zero;")  # a store to the width (of the same value)
        self.body += [
            "    {",
            f"        int {w} = {width} + zero, {h} = {w} / 2;",
            f"        (void){h};",
            f"        for (int {s} = 0; {s} < {n}; {s} += {w})",
            f"            for (int {k} = 0; {k} < {inner_end}; {k}++) {{",
            *[f"            {line}" for line in body],
            "            }",
            "    }",
        ]

    def t_histogram(self) -> None:
        """Updates of a small array at computed indices, `h[key[i] % m] op= v` (an array reduction,
        written with per-thread copies), or a near miss that must stay serial: the element also read,
        two operators on one array, floating-point elements, an array too large to copy."""
        src, other = self.array_1d(), self.array_1d()
        size = min(src.size, other.size)
        miss = self.rng.choice(["", "", "", "read", "two_ops", "float", "large"])
        cells = 5000 if miss == "large" else self.rng.choice([8, 16, 64, 256, 1000])
        op = self.rng.choice(["++", "--", "+=", "-="] if miss == "float" else
                             ["++", "--", "+=", "-=", "|=", "^=", "&=", "*="])
        # wrapping arithmetic only: *= on a signed element would overflow (undefined)
        ctype = "double" if miss == "float" else \
            self.rng.choice(["unsigned", "unsigned long long", "unsigned short"] if op == "*=" else ELEMENT_TYPES)
        hist = self.new_array((cells,), ctype=ctype)
        hist.shared = False
        iv = self.fresh("i")
        slot = f"{hist.name}[(unsigned){src.name}[{iv}] % {cells}u]"
        value = f"{other.name}[{iv}] % 7" if op != "*=" else self.rng.choice(["3u", "5u", "2u"])
        update = f"{slot}{op};" if op in ("++", "--") else f"{slot} {op} {value};"
        if ctype in ("unsigned char", "signed char", "short", "unsigned short") and op in ("+=", "-=", "++", "--"):
            update = f"{slot} = ({ctype})({slot} {op[0]} {value if op in ('+=', '-=') else 1});"
        body = [update]
        if miss == "read":
            body = [f"if ({slot} < {self.rng.randint(1, 9)})", f"    {update}"]
        elif miss == "two_ops":
            body = [update, f"{hist.name}[(unsigned){other.name}[{iv}] % {cells}u] *= 3u;"]
        elif self.chance(0.3):
            body = [f"if ({other.name}[{iv}] > {self.rng.randint(-50, 50)})", f"    {update}"]
        self.emit_loop(iv, 0, size, body, size=size)

    def t_argmin(self) -> None:
        """`if (guard && x < best) { best = x; at = i; }` (argmin/argmax, counting up or down, many
        ties), or a near miss that must stay serial: `<=`, an index that is not the loop variable, a
        value kept that is not the one compared."""
        src, other = self.array_1d(), self.array_1d()
        size = min(src.size, other.size)
        miss = self.rng.choice(["", "", "", "le", "index", "value"])
        op = self.rng.choice(["<", ">"])
        iv, best, at = self.fresh("i"), self.fresh("b"), self.fresh("a")
        # the value compared and kept: the element itself (its own type) or an int expression
        if self.chance(0.5):
            x, vtype = f"{src.name}[{iv}]", src.ctype
        else:
            x, vtype = f"({src.name}[{iv}] % {self.rng.choice([3, 7, 50])})", "int"
            if not is_signed(src.ctype) or src.ctype in ("long", "long long"):
                x, vtype = f"(int)({src.name}[{iv}] % 50)", "int"
        start = self.rng.choice(["0", "5", "-3", "100", "-1000", "2000"])
        self.body.append(f"    {vtype} {best} = ({vtype}){start};")
        self.body.append(f"    int {at} = {self.rng.choice(['-1', '0', '7'])};")
        compare = op if miss != "le" else op + "="
        condition = f"{x} {compare} {best}" if self.chance(0.6) else f"{best} {_flip(compare)} {x}"
        if self.chance(0.4):
            condition = f"{other.name}[{iv}] % 3 != 0 && {condition}"
        kept = f"{x} + 1" if miss == "value" else x
        index = f"{iv} + 1" if miss == "index" else iv
        assigns = [f"{best} = {kept};", f"{at} = {index};"]
        self.rng.shuffle(assigns)
        if self.chance(0.3):  # counting down: ties go to the larger index
            self.body.append(f"    for (int {iv} = {size - 1}; {iv} >= 0; {iv}--)")
        else:
            self.body.append(f"    {self.loop_head(iv, 0, size, size=size)}")
        self.body.append(f"        if ({condition}) {{")
        self.body.extend(f"            {a}" for a in assigns)
        self.body.append("        }")
        self.scalars += [Scalar(best, vtype if vtype in TYPES else "int"), Scalar(at, "int")]

    def t_device(self) -> None:
        """Data shapes that test an offload plan's map clauses (the `--target gpu` rewrite runs on a
        host device with memory of its own): restrict parameters called with parts of one buffer
        (legal, but their sections overlap: no offload), unsigned bounds that may leave the loop
        empty (`lo > hi`), rows of a declared length, a window at a run-time offset."""
        t = self.rng.choice(["int", "long long", "unsigned", "short"])
        n = self.rng.choice([64, 500, 2000])
        buf = self.new_array((2 * n + 8,), where="global", ctype=t)
        name, k = self.fresh("dev"), self.rng.randint(2, 9)
        shape = self.rng.choice(["same_buffer", "empty_unsigned", "empty_unsigned", "rows", "offset"])
        if shape == "same_buffer":
            self.functions.append(
                f"static void {name}(int n, {t} *restrict p, const {t} *restrict q, const {t} *restrict r)\n"
                f"{{\n    for (int i = 0; i < n; i++)\n        p[i] = {self.store(t, f'q[i] + r[i + 1] * {k}')};\n}}")
            self.body.append(f"    {name}({self.size_var(n)}, {buf.name} + {n + 4}, {buf.name}, {buf.name});")
        elif shape == "empty_unsigned":
            self.functions.append(
                f"static void {name}({t} *a, unsigned lo, unsigned hi)\n"
                f"{{\n    for (unsigned i = lo; i < hi; i++)\n        a[i] = {self.store(t, f'a[i] * {k} + 1')};\n}}")
            for lo, hi in self.rng.sample([(n, 5), (10, n), (n, n), (0, 2 * n + 8), (n + 3, n - 3)], 2):
                self.body.append(f"    {name}({buf.name}, {lo}u + (unsigned)zero, {hi}u);")
        elif shape == "rows":
            width = self.rng.choice([4, 8, 16])
            rows = max(3, n // width)
            src, dst = self.new_array((rows, width), where="global", ctype=t), \
                self.new_array((rows, width), where="global", ctype=t)
            self.functions.append(
                f"static void {name}(int r, {t} (*d)[{width}], const {t} (*s)[{width}])\n"
                f"{{\n    for (int i = 0; i < r - 1; i++)\n        for (int j = 0; j < {width}; j++)\n"
                f"            d[i][j] = {self.store(t, f's[i + 1][j] * {k} - s[i][j]')};\n}}")
            self.body.append(f"    {name}({rows} + zero, {dst.name}, {src.name});")
        else:
            self.functions.append(
                f"static void {name}({t} *restrict d, const {t} *restrict s, int lo, int n)\n"
                f"{{\n    for (int i = lo; i < n; i++)\n        d[i - lo] = {self.store(t, f's[i] * {k}')};\n}}")
            lo = self.rng.choice([0, 3, n // 2, n])
            self.body.append(f"    {name}({buf.name} + {n + 4}, {buf.name}, {lo} + zero, {self.size_var(n)});")

    TEMPLATES = {"map": 4, "reduction": 5, "lastprivate": 3, "unsigned": 2, "nest": 3, "row_reduction": 1,
                 "serial": 3, "pointer": 2, "calls": 2, "stride": 1, "sweeps": 2, "window": 2, "histogram": 2,
                 "argmin": 2, "gather": 2, "swap": 2, "strided": 3, "device": 2}

    # ---------------------------------------------------------------------------------- program

    def generate(self) -> Program:
        names = list(self.TEMPLATES)
        weights = [self.TEMPLATES[n] for n in names]
        self.new_array((self.rng.choice([1000, 3000, 8000]),), where="global", ctype="int")
        for _ in range(self.block_count):
            template = self.rng.choices(names, weights)[0]
            self.templates.append(template)
            self.body.append(f"    /* {template} */")
            getattr(self, f"t_{template}")()
        return Program(seed=self.seed, source=self.render(), blocks=self.templates)

    def render(self) -> str:
        out = [f"/* autopar fuzz program, loopgen {VERSION} seed {self.seed} */", "#include <stdio.h>",
               *(f"#include <{name}>" for name in sorted(self.includes)), ""]
        out += self.top + [""] + self.functions + [""]
        out.append("int main(int argc, char **argv)")
        out.append("{")
        out.append("    int zero = argc - 1;")
        out.append("    (void)argv;")
        for size, name in sorted(self.size_vars.items()):
            out.append(f"    int {name} = {size} + zero;")
        out += self.body
        out.append("    /* the output: every scalar, a checksum of every array */")
        for scalar in self.scalars:
            conv, cast = TYPES[scalar.ctype][0], TYPES[scalar.ctype][1]
            out.append(f'    printf("{scalar.name} {conv}\\n", ({cast}){scalar.name});')
        for array in self.arrays:
            cells = _cells(array.dims)
            flat = f"(({array.ctype} *){array.name})" if len(array.dims) > 1 else array.name
            out.append("    {")
            out.append("        unsigned long long h = 1469598103934665603ull;")
            out.append(f"        for (int i = 0; i < {cells}; i++)")
            out.append(f"            h = (h ^ (unsigned long long)(long long){flat}[i]) * 1099511628211ull;")
            out.append(f'        printf("{array.name} %llu\\n", h);')
            out.append("    }")
        out.append("    return 0;")
        out.append("}")
        return "\n".join(out) + "\n"


def _flip(comparison: str) -> str:
    return {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[comparison]


def _cells(dims: tuple[int, ...]) -> int:
    total = 1
    for d in dims:
        total *= d
    return total


def generate(seed: int, blocks: Optional[int] = None) -> Program:
    """The program of `seed` (the same seed always gives the same program)."""
    return LoopProgram(seed, blocks).generate()
