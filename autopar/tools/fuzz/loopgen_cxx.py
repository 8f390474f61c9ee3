"""A loop-heavy random C++ program generator, deterministic from its seed: the C++ side of loopgen.

Each program is a sequence of blocks in `main` (and in helpers: function templates, member
functions, functions over `std::span`): loops over `std::vector`, `std::array` and `std::span`
through `operator[]`, `at()`, `data()` and range-for, with `size()` bounds; reductions of every
operator (`std::min` / `std::max` too) into accumulators of every width; scalars live after their
loop, some loops running zero times (bounds from `argc`); loops that carry a dependence; containers
that grow inside the loop (`push_back`, `resize`); a function template and a span function called
with the same container twice, or with overlapping views, so that only a runtime check can make
their loops parallel; lambdas that read or update what they capture; 2-D grids in one vector and
vectors of vectors. At the end it prints every scalar and a checksum of every container.

The programs are free of undefined behaviour, as loopgen's C programs: every element stays within
(-1000, 1000) (each store is reduced modulo 1000), products have two bounded factors, sums run
over at most a few thousand elements, only unsigned accumulators multiply, and every subscript
stays inside its container. They are built with `-std=c++20` (for `std::span`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Optional

from autopar.tools.fuzz.loopgen_cxx_effects import EffectTemplates
from autopar.tools.fuzz.loopgen_builder import Program, add_blocks

VERSION = 9  # changes whenever a seed would give a different program
CXXFLAGS = ["-std=c++20"]

# accumulator types: (type, printf cast); only the unsigned ones multiply
_ACCUMULATORS = [("int", "long long"), ("long", "long long"), ("short", "long long"),
                 ("unsigned", "unsigned long long"), ("long long", "long long"),
                 ("unsigned char", "unsigned long long")]
_INDEX_TYPES = ["int", "std::size_t", "long", "unsigned"]

_CHECKSUM = """template <typename C>
static void checksum(const char *name, const C &c) {
    unsigned long long h = 1469598103934665603ull;
    for (auto x : c)
        h = (h ^ (unsigned long long)(long long)x) * 1099511628211ull;
    std::printf("%s %llu %zu\\n", name, h, (std::size_t)c.size());
}"""


@dataclass
class Container:
    name: str
    kind: str  # vector | array (std::array, global) | grid (a vector of rows * cols)
    element: str
    length: int  # its size when the program runs (argc == 1)
    length_expr: str  # an expression that is its size at run time, unknown to the compiler


@dataclass
class CxxProgram(EffectTemplates):
    seed: int
    rng: random.Random = field(init=False)
    top: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)
    scalars: list[tuple[str, str]] = field(default_factory=list)  # (name, printf cast)
    templates: list[str] = field(default_factory=list)
    counter: int = 0

    TEMPLATES = {"map": 5, "shifted": 3, "reduction": 5, "lastprivate": 3, "carried": 2, "grow": 2,
                 "method": 2, "template_alias": 2, "span_overlap": 2, "lambda": 2, "grid": 2,
                 "nested_vectors": 1, "reverse": 2, "argmin": 2, "histogram": 2, "range": 4, "typedef_ref": 2,
                 "hidden_write": 2, "unseen": 2, "member_grid": 2, "accessors": 2}

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    # ----------------------------------------------------------------------------------- pieces

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    def emit(self, *lines: str) -> None:
        self.body += ["    " + line for line in lines]

    def size_var(self, length: int) -> str:
        """A variable holding `length` that the compiler cannot fold (it depends on argc)."""
        name = self.fresh("n")
        self.emit(f"int {name} = {length} + zero;")
        return name

    def new_vector(self, element: Optional[str] = None, length: Optional[int] = None,
                   min_length: int = 1) -> Container:
        element = element or self.rng.choice(["int", "int", "int", "long", "short", "unsigned"])
        length = length or max(min_length, self.rng.choice([17, 300, 1000, 2500]))
        size = self.size_var(length)
        vector = Container(self.fresh("v"), "vector", element, length, size)
        self.emit(f"std::vector<{element}> {vector.name}({size});")
        self.fill(vector)
        self.containers.append(vector)
        return vector

    def new_array(self, min_length: int = 1) -> Container:
        length = max(min_length, self.rng.choice([64, 500, 1024]))
        array = Container(self.fresh("a"), "array", "int", length, str(length))
        self.top.append(f"std::array<int, {length}> {array.name};")
        self.fill(array)
        self.containers.append(array)
        return array

    def fill(self, c: Container) -> None:
        p, q = self.rng.randint(3, 97), self.rng.randint(0, 999)
        value = f"(i * {p} + {q}) % 1000" if c.element == "unsigned" else f"(i * {p} + {q}) % 1000 - 500"
        self.emit(f"for (int i = 0; i < (int){c.name}.size(); i++)",
                  f"    {c.name}[i] = ({c.element})({value});")

    def container(self, min_length: int = 1) -> Container:
        choices = [c for c in self.containers if c.kind in ("vector", "array") and c.length >= min_length]
        if not choices or self.rng.random() < 0.3:
            return self.new_array(min_length) if self.rng.random() < 0.3 else self.new_vector(min_length=min_length)
        return self.rng.choice(choices)

    def store(self, c: Container, value: str) -> str:
        """`value` reduced into the element's bounds, as the element's type."""
        if c.element == "unsigned":
            return f"({c.element})(((long long)({value}) % 1000 + 1000) % 1000)"
        return f"({c.element})((long long)({value}) % 1000)"

    def element(self, c: Container, index: str) -> str:
        """One element of `c`, read as the program likes: [], at() or data()."""
        form = self.rng.choice(["[]", "[]", "[]", "at", "data"])
        if form == "at":
            return f"{c.name}.at({index})"
        if form == "data":
            return f"{c.name}.data()[{index}]"
        return f"{c.name}[{index}]"

    def expression(self, c: Container, index: str) -> str:
        k = self.rng.randint(-9, 9)
        return self.rng.choice([f"{self.element(c, index)} * {k} + (long long)({index})",
                                f"{self.element(c, index)} + {k}",
                                f"({self.element(c, index)} > 0 ? {self.element(c, index)} : {abs(k) + 1})"])

    def loop_head(self, index: str, bound: str, start: str = "0") -> str:
        itype = self.rng.choice(_INDEX_TYPES)
        return f"for ({itype} {index} = {start}; {index} < ({itype})({bound}); {index}++)"

    def scalar(self, ctype: str, cast: str, init: str) -> str:
        name = self.fresh("s")
        self.emit(f"{ctype} {name} = ({ctype})({init});")
        self.scalars.append((name, cast))
        return name

    # -------------------------------------------------------------------------------- templates

    def t_map(self) -> None:
        dest = self.container()
        src = self.rng.choice([dest, self.container(dest.length)])
        form = self.rng.choice(["size", "var", "range", "range"])
        if form == "range" and src is dest:
            k = self.rng.randint(2, 9)
            self.emit(f"for (auto &x : {dest.name})", f"    x = {self.store(dest, f'x * {k} + 1')};")
        elif form == "size" or form == "range":
            self.emit(self.loop_head("i", f"{dest.name}.size()"),
                      f"    {dest.name}[i] = {self.store(dest, self.expression(src, 'i'))};")
        else:
            self.emit(self.loop_head("i", dest.length_expr),
                      f"    {self.element(dest, 'i')} = {self.store(dest, self.expression(src, 'i'))};")

    def t_shifted(self) -> None:
        """`d[i] = s[i + 1]` or `d[i] = s[i - 1]`: independent when d is not s, else carried."""
        dest = self.container(2)
        src = dest if self.rng.random() < 0.5 else self.container(dest.length)
        if self.rng.random() < 0.5:
            self.emit(self.loop_head("i", f"{dest.name}.size() - 1"),
                      f"    {dest.name}[i] = {self.store(dest, self.element(src, 'i + 1') + ' + 3')};")
        else:
            self.emit(self.loop_head("i", f"{dest.name}.size()", "1"),
                      f"    {dest.name}[i] = {self.store(dest, self.element(src, 'i - 1') + ' * 2 - i % 5')};")

    def t_reduction(self) -> None:
        src = self.container()
        ctype, cast = self.rng.choice(_ACCUMULATORS)
        ops = ["+", "-", "^", "|", "&", "min", "max", "&&", "||"] + (["*"] if ctype.startswith("unsigned") else [])
        op = self.rng.choice(ops)
        init = {"&": "-1", "*": "1", "min": "1000", "max": "-1000", "&&": "1"}.get(op, "0")
        acc = self.scalar(ctype, cast, init)
        value = "x" if op not in ("*",) else "(x % 3 == 0 ? 2u : 1u)"
        update = {"min": f"{acc} = std::min({acc}, ({ctype})({value}));",
                  "max": f"{acc} = ({value}) > {acc} ? ({ctype})({value}) : {acc};",
                  "&&": f"{acc} = {acc} && ({value} > -900);",
                  "||": f"{acc} = {acc} || ({value} == 77);"}.get(op, f"{acc} {op}= ({ctype})({value});")
        if op == "min" and ctype == "unsigned char":
            update = f"if (({ctype})({value}) < {acc}) {acc} = ({ctype})({value});"
        if self.rng.random() < 0.5:
            ref = self.rng.choice(["auto x", "const auto &x", f"{src.element} x"])
            self.emit(f"for ({ref} : {src.name})", f"    {update}")
        else:
            bound = self.rng.choice([f"{src.name}.size()", src.length_expr])
            self.emit(self.loop_head("i", bound) + " {", f"    auto x = {self.element(src, 'i')};", f"    {update}", "}")

    def t_lastprivate(self) -> None:
        src = self.container()
        dest = self.container(src.length)
        trips = self.rng.choice(["zero", "zero + 1", src.length_expr, f"{src.length_expr} / 2"])
        last = self.scalar("int", "long long", "-7")
        guard = self.rng.random() < 0.4
        self.emit(self.loop_head("i", trips) + " {",
                  f"    {'if (' + src.name + '[i] % 3 == 0) ' if guard else ''}{last} = {src.name}[i] * 3 % 1000;",
                  f"    {dest.name}[i] = {self.store(dest, f'{src.name}[i] + 1')};", "}")

    def t_carried(self) -> None:
        v = self.container(2)
        if self.rng.random() < 0.5:
            self.emit(self.loop_head("i", f"{v.name}.size()", "1"),
                      f"    {v.name}[i] = {self.store(v, f'{v.name}[i] + {v.name}[i - 1]')};")
        else:
            run = self.scalar("long", "long long", "0")
            self.emit(f"for (auto &x : {v.name}) {{", f"    {run} = ({run} + x) % 1000;",
                      f"    x = {self.store(v, run)};", "}")

    def t_grow(self) -> None:
        src = self.container()
        grown = Container(self.fresh("g"), "vector", "int", 0, "")
        self.body.append(f"    std::vector<int> {grown.name};")
        if self.rng.random() < 0.5:
            self.emit(self.loop_head("i", f"{src.name}.size()"),
                      f"    if ({src.name}[i] % 3 == 0) {grown.name}.push_back((int){src.name}[i]);")
        else:
            self.emit(self.loop_head("i", f"{src.name}.size()") + " {",
                      f"    {grown.name}.resize({grown.name}.size() + 1);",
                      f"    {grown.name}[i] = (int)({src.name}[i] % 100);", "}")
        self.containers.append(grown)

    def t_method(self) -> None:
        """A class whose methods loop over its own vectors (`data[i]`, `this->w[i]`, range-for): some
        parallel, some carrying a dependence through a pointer member into `data`, some growing the
        vectors through another method or through a reference to the object."""
        kind = self.fresh("Field")
        k, off = self.rng.randint(2, 7), self.rng.randint(1, 3)
        methods = {
            "update": ["    void update(int shift) {",
                       "        for (std::size_t i = 0; i < data.size(); i++)",
                       "            data[i] = (data[i] * scale + shift) % 1000;", "    }"],
            "smooth": ["    void smooth() {",
                       "        for (std::size_t i = 1; i < this->data.size(); i++)",
                       "            this->data[i] = (data[i] + data[i - 1]) % 1000;", "    }"],
            "weigh": ["    void weigh() {",
                      "        for (std::size_t i = 0; i < w.size(); i++)",
                      "            w.at(i) = (data[i] * scale + this->w[i] % 7) % 1000;", "    }"],
            "shifted": ["    void shifted() {", f"        view = data.data() + {off};",
                        f"        for (std::size_t i = 0; i < data.size() - {off}; i++)",
                        "            data[i] = (view[i] + scale) % 1000;", "    }"],
            "scaled": ["    void scaled() {", "        for (int &x : data)",
                       "            x = (x * scale) % 1000;", "    }"],
            "run": ["    void grow(int t) {", "        data.push_back(t);", "        w.push_back(t);", "    }",
                    "    void run() {", "        for (int t = 0; t < 3; t++) {",
                    "            if (t == 1)", "                grow(t);",
                    "            for (std::size_t i = 0; i < data.size(); i++)",
                    "                data[i] = (data[i] + t) % 1000;", "        }", "    }"],
            "self_grow": [f"    void self_grow() {{", f"        {kind} &self = *this;",
                          "        for (std::size_t i = 0; i < data.size(); i++) {",
                          "            data[i] = (data[i] + 1) % 1000;",
                          "            if (i == 5)", "                self.data.push_back(2);", "        }", "    }"],
        }
        chosen = [m for m in methods if self.rng.random() < 0.6] or ["update"]
        self.top += [f"struct {kind} {{", "    std::vector<int> data;", "    std::vector<long> w;",
                     f"    int scale = {k};", "    int *view = nullptr;",
                     f"    explicit {kind}(int n) : data(n), w(n) {{",
                     "        for (int i = 0; i < n; i++)", f"            data[i] = (i * {k + 5}) % 1000 - 400;", "    }"]
        for m in chosen:
            self.top += methods[m]
        self.top += ["    long total() const {", "        long s = 0;", "        for (int x : data)",
                     "            s += x;", "        for (std::size_t i = 0; i < w.size(); i++)",
                     "            s += w[i] * 3;", "        return s;", "    }", "};"]
        obj = self.fresh("f")
        size = self.size_var(self.rng.choice([50, 1200]))
        self.emit(f"{kind} {obj}({size});")
        for m in self.rng.sample(chosen, len(chosen)):
            self.emit(f"{obj}.{m}({self.rng.randint(-5, 5)});" if m == "update" else f"{obj}.{m}();")
        self.scalar("long", "long long", f"{obj}.total()")
        self.containers.append(Container(f"{obj}.data", "member", "int", 0, ""))

    def t_template_alias(self) -> None:
        """A function template whose loop is parallel only when its two vectors are not one."""
        name = self.fresh("shift_add")
        self.top += ["template <typename T>", f"void {name}(std::vector<T> &y, const std::vector<T> &x) {{",
                     "    for (std::size_t i = 0; i + 1 < y.size(); i++)",
                     "        y[i] = (T)((y[i] + x[i + 1]) % 1000);", "}"]
        y = self.new_vector("int") if self.rng.random() < 0.3 else self.container()
        if y.kind != "vector":
            y = self.new_vector("int")
        same = self.rng.random() < 0.5
        others = [c for c in self.containers if c.kind == "vector" and c.element == y.element
                  and c.length >= y.length and c is not y]
        x = y if same or not others else self.rng.choice(others)
        self.emit(f"{name}({y.name}, {x.name});")

    def t_span_overlap(self) -> None:
        """A function over two spans, called with views of one vector that may overlap."""
        name = self.fresh("blend")
        self.top += [f"static void {name}(std::span<int> out, std::span<const int> in) {{",
                     "    for (std::size_t i = 0; i < out.size(); i++)",
                     "        out[i] = (out[i] + in[i] * 2) % 1000;", "}"]
        v = self.new_vector("int", self.rng.choice([40, 900]))
        m = v.length // 2
        a, b = self.rng.randint(0, m), self.rng.randint(0, m)
        self.emit(f"{name}(std::span<int>({v.name}).subspan({a}, {m}), std::span<const int>({v.name}).subspan({b}, {m}));")

    def t_lambda(self) -> None:
        src = self.container()
        dest = self.container(src.length)
        f = self.fresh("fn")
        if self.rng.random() < 0.5:
            self.emit(f"auto {f} = [&](long i) {{ return {src.name}[i] * 3 % 1000; }};",
                      self.loop_head("i", f"{src.name}.size()"),
                      f"    {dest.name}[i] = {self.store(dest, f'{f}(i)')};")
        else:
            count = self.scalar("int", "long long", "0")
            self.emit(f"auto {f} = [&](long i) {{ {count} += {src.name}[i] % 3 == 0; }};",
                      self.loop_head("i", f"{src.name}.size()"), f"    {f}(i);")

    def t_grid(self) -> None:
        rows, cols = self.rng.choice([(30, 40), (100, 70), (7, 300)])
        size = self.size_var(rows * cols)
        g = Container(self.fresh("grid"), "grid", "int", rows * cols, size)
        self.emit(f"std::vector<int> {g.name}({size});")
        self.fill(g)
        self.containers.append(g)
        r0 = self.rng.choice(["1", "0"])
        read = f"{g.name}[(r - 1) * {cols} + c]" if r0 == "1" else f"{g.name}[r * {cols} + ({cols} - 1 - c)]"
        self.emit(f"for (int r = {r0}; r < {rows}; r++)", f"    for (int c = 0; c < {cols}; c++)",
                  f"        {g.name}[r * {cols} + c] = {self.store(g, read + ' + c % 7')};")

    def t_nested_vectors(self) -> None:
        rows, cols = self.rng.choice([(20, 30), (200, 9)])
        m = self.fresh("m")
        self.emit(f"std::vector<std::vector<int>> {m}({rows}, std::vector<int>({cols}));",
                  f"for (int i = 0; i < {rows}; i++)", f"    for (int j = 0; j < {cols}; j++)",
                  f"        {m}[i][j] = (i * {self.rng.randint(2, 9)} + j) % 1000;")
        total = self.scalar("long", "long long", "0")
        self.emit(f"for (const auto &row : {m})", "    for (int x : row)", f"        {total} += x;")

    def t_reverse(self) -> None:
        v = self.container(2)
        if self.rng.random() < 0.5:
            self.emit(f"for (std::size_t i = {v.name}.size(); i-- > 0; )",
                      f"    {v.name}[i] = {self.store(v, f'{v.name}[i] * 2 + 1')};")
        else:
            self.emit(f"for (unsigned i = (unsigned){v.name}.size() - 1; i != 0; i--)",
                      f"    {v.name}[i] = {self.store(v, f'{v.name}[i - 1] + {v.name}[i] % 3')};")

    def t_argmin(self) -> None:
        v = self.container()
        best = self.scalar(v.element if v.element != "unsigned" else "long", "long long", "2000")
        at = self.scalar("int", "long long", "-1")
        less = self.rng.choice(["<", "<="])
        self.emit(self.loop_head("i", f"{v.name}.size()"),
                  f"    if ({v.name}[i] {less} {best}) {{ {best} = {v.name}[i]; {at} = (int)i; }}")

    def t_histogram(self) -> None:
        v = self.container()
        h = Container(self.fresh("h"), "array", "int", 16, "16")
        self.top.append(f"std::array<int, 16> {h.name};")
        self.containers.append(h)
        self.emit(f"for (auto x : {v.name})", f"    {h.name}[(x % 16 + 16) % 16]++;")

    def t_range(self) -> None:
        """Range-based for loops: one element read from another container (which may be the same
        one), the last element kept after the loop (which may run zero times), a range inside a loop
        over rows, a range over a span parameter."""
        v = self.container()
        form = self.rng.choice(["other", "last", "rows", "span", "sums", "sums"])
        if form == "other":
            w = self.rng.choice([v, self.container()])
            k = self.rng.randint(0, min(v.length, w.length) - 1)
            self.emit(f"for (auto &x : {v.name})", f"    x = {self.store(v, f'x + {w.name}[{k}] % 7')};")
        elif form == "last":
            empty = self.fresh("e")
            self.body.append(f"    std::vector<int> {empty}(zero);")
            over = self.rng.choice([v.name, empty])
            last = self.scalar("int", "long long", "-3")
            self.emit(f"for ({'const auto &' if self.rng.random() < 0.5 else 'int '}x : {over})",
                      f"    {last} = (int)x % 1000;")
        elif form == "sums":  # each row's sum of every element, read through a reference, written back
            rows = min(v.length, self.rng.choice([5, 60]))
            s = self.fresh("t")
            inner = self.rng.choice([[f"    for (const auto &x : {v.name})", f"        {s} += x;"],
                                     [f"    for (std::size_t j = 0; j < {v.name}.size(); j++) {{",
                                      f"        const auto &y = {v.name}[j];", f"        {s} += y;", "    }"]])
            self.emit(f"for (int r = 0; r < {rows}; r++) {{", f"    long {s} = r;", *inner,
                      f"    {v.name}[r] = {self.store(v, f'{s} % 1000')};", "}")
        elif form == "rows":
            rows = self.rng.choice([3, 40])
            self.emit(f"for (int r = 0; r < {rows}; r++)", f"    for (auto &x : {v.name})",
                      f"        x = {self.store(v, 'x + r')};")
        else:
            name = self.fresh("bump")
            self.top += [f"static void {name}(std::span<{v.element}> s, int k) {{", "    for (auto &x : s)",
                         f"        x = {self.store(v, 'x * k + 1')};", "}"]
            self.emit(f"{name}(std::span<{v.element}>({v.name}), {self.rng.randint(-3, 3)});")

    def t_typedef_ref(self) -> None:
        """References spelled through a typedef: a running sum kept in a scalar through `IR r = s;`
        (carried: serial), and a helper over two vector references (`using VR = std::vector<int> &`)
        called with one vector twice (overlapping: a runtime check must fail) or with two."""
        if self.rng.random() < 0.5:
            v = self.container()
            alias = self.fresh("IR")
            self.top.append(f"typedef long long &{alias};")
            total = self.scalar("long long", "long long", str(self.rng.randint(-5, 5)))
            self.emit(f"for (int i = 0; i < {v.length_expr}; i++) {{", f"    {alias} r = {total};",
                      f"    r = (r + {v.name}[i]) % 1000;", f"    {v.name}[i] = {self.store(v, 'r')};", "}")
            return
        alias, name = self.fresh("VR"), self.fresh("shift_ref")
        self.top += [f"using {alias} = std::vector<int> &;", f"static void {name}({alias} y, {alias} x, int n) {{",
                     "    for (int i = 0; i < n; i++)", "        y[i] = (y[i] * 3 + x[i + 1]) % 1000;", "}"]
        y = self.new_vector("int")
        others = [c for c in self.containers if c.kind == "vector" and c.element == "int" and c.length >= y.length
                  and c is not y]
        x = y if self.rng.random() < 0.5 or not others else self.rng.choice(others)
        self.emit(f"{name}({y.name}, {x.name}, {y.length_expr} - 1);")

    # ---------------------------------------------------------------------------------- program

    def generate(self) -> Program:
        add_blocks(self, self.rng.randint(5, 12))
        return Program(seed=self.seed, source=self.render(), blocks=self.templates)

    def render(self) -> str:
        out = [f"// autopar fuzz program, loopgen-cxx {VERSION} seed {self.seed}",
               *(f"#include <{h}>" for h in ("algorithm", "array", "cstddef", "cstdio", "span", "stdexcept", "vector")), "",
               _CHECKSUM, "", *self.top, "", "int main(int argc, char **argv) {", "    int zero = argc - 1;",
               "    (void)argv;", *self.body, "    // the output: every scalar, a checksum of every container"]
        out += [f'    std::printf("{name} %lld\\n", ({cast}){name});' if cast == "long long"
                else f'    std::printf("{name} %llu\\n", ({cast}){name});' for name, cast in self.scalars]
        out += [f'    checksum("{c.name}", {c.name});' for c in self.containers]
        out += ["    return 0;", "}"]
        return "\n".join(out) + "\n"


def generate(seed: int) -> Program:
    """The program of `seed` (the same seed always gives the same program)."""
    return CxxProgram(seed).generate()
