"""loopgen's templates of loops whose bounds and subscripts the analysis reads as parameters or
forward-substitutes: bounds that are struct fields (`s.n`, `p->n`) or elements of a global array
(`grid_points[1]`), the smaller of two values
(`?:`) and quotients by a constant; scalars that name an element (`k = 1; a[k][i] = ...`); and
window loops to a parameter that every call passes one constant for (constant specialization). Each
has near misses that must stay serial or generic. Each `t_<name>` adds one block to the program being built.
"""

from __future__ import annotations

from autopar.tools.fuzz.loopgen_builder import ProgramBuilder, Scalar

# the struct of the bounds: two lengths, and room for the writes of a loop handed `&s.n` as its array
SHAPE = "struct ap_shape { int n; int m; int rest[14]; };"


class BoundsTemplates(ProgramBuilder):
    """Templates of loops bounded by fields, minima and quotients, and of element-naming scalars."""

    def _shape(self, n: str, m: str) -> str:
        """A new local `struct ap_shape` holding n and m: its name."""
        if SHAPE not in self.top:
            self.top.append(SHAPE)
        name = self.fresh("s")
        self.body.append(f"    struct ap_shape {name} = {{ {n}, {m}, {{ 0 }} }};")
        self.scalars += [Scalar(f"{name}.n", "int"), Scalar(f"{name}.m", "int")]
        return name

    def t_bounds(self) -> None:
        """X[i + a] = f(Y[i + b], Z[i], i) for i below a field of a struct (by value or through a
        pointer), the smaller of two fields, or a quotient by a constant; parallel, or carried when X
        is Y. Near misses: the loop changes its own bound (the field, or the field through a
        pointer), which C reads again before every iteration."""
        dst, src, other, size, a, b = self.map_arrays(min_size=40)
        hi = size - max(a, b)
        var = self.size_var(hi)  # hi, unknown to the compiler
        form = self.rng.choice(["value", "pointer", "min", "quotient", "pointer-min"])
        miss = self.rng.choice(["", "", "", "", "field", "through"])
        fewer = self.rng.randint(0, min(hi, 30))
        s = self._shape(f"{var} - {fewer}", f"{var} - {self.rng.randint(0, min(hi, 30))}")
        field = s + ".n"
        if form in ("pointer", "pointer-min"):
            p = self.fresh("p")
            self.body.append(f"    struct ap_shape *{p} = &{s};")
            field = f"{p}->n"
        bound = {"value": field, "pointer": field,
                 "min": f"({s}.n < {s}.m ? {s}.n : {s}.m)",
                 "pointer-min": f"({field} > {s}.m ? {s}.m : {field})",
                 "quotient": self._quotient(s)}[form]
        iv, statement = self.map_statement(dst, src, other, a, b)
        body = [statement]
        if miss == "field":  # the bound shrinks as the loop runs
            body.append(f"if ({iv} % {self.rng.randint(3, 9)} == 1) {s}.n = {s}.n - 1;")
        elif miss == "through":
            q = self.fresh("q")
            self.body.append(f"    int *{q} = &{s}.n;")
            body.append(f"if ({other.name}[{iv}] > {self.rng.randint(-50, 50)}) *{q} -= 1;")
        self.body.append(f"    for (int {iv} = 0; {iv} < {bound}; {iv}++) {{")
        self.body.extend(f"        {line}" for line in body)
        self.body.append("    }")

    def _quotient(self, s: str) -> str:
        """(n + d - 1) / d for a small d: never above n."""
        d = self.rng.choice([1, 2, 4, 8])
        return f"({s}.n + {self.rng.randint(0, d - 1)}) / {d}"

    def t_element_bounds(self) -> None:
        """A nest bounded by elements of a global array at constant subscripts (NAS's `grid_points`):
        `for (i < gpN[0]) for (j < gpN[1] - d) a[i][j] = f(b[i][j], i, j)`, parallel; near misses: a
        call in the nest passed the bounds' array (it shrinks an element), or the address of the
        element, or a carried read `a[i][j - 1]`."""
        a = self.array_2d()
        rows, cols = a.dims
        name = self.fresh("gp")
        miss = self.rng.choice(["none"] * 4 + ["shrink", "element", "carried"])
        self.top.append(f"static int {name}[3];")
        cut = self.rng.randint(0, min(2, cols - 1))
        self.body.append(f"    {name}[0] = {rows} + zero; {name}[1] = {cols} + zero; {name}[2] = {cut};")
        self.scalars += [Scalar(f"{name}[0]", "int"), Scalar(f"{name}[1]", "int")]
        i, j = self.fresh("i"), self.fresh("j")
        lines = []
        if miss in ("shrink", "element"):
            helper = self.fresh("shrink")
            self.functions.append(f"static void {helper}(int *g)\n{{\n    g[0] = g[0] > 1 ? g[0] - {1 if miss == 'shrink' else 0} : g[0];\n}}")
            lines.append(f"        {helper}({name if miss == 'shrink' else f'&{name}[1]'});")
        read = f"{a.name}[{i}][{j} - 1]" if miss == "carried" else f"{a.name}[{i}][{j}]"
        lo = 1 if miss == "carried" else 0
        value = self.expression([read, f"({i} - {j})"], j, allow_product=False)
        lines.append(f"        for (int {j} = {lo}; {j} < {name}[1] - {name}[2]; {j}++)")
        lines.append(f"            {a.name}[{i}][{j}] = {self.store(a.ctype, value)};")
        self.body.append(f"    for (int {i} = 0; {i} < {name}[0]; {i}++) {{")
        self.body += lines
        self.body.append("    }")

    def t_global_bounds(self) -> None:
        """A time loop around a sweep bounded by global scalars and a call of the file that writes a
        global array (NAS LU's ssor beside `relax(k)`): the sweep is parallel. Near misses: the call
        sits inside the sweep and writes the bound by name, or through a global pointer to it."""
        a = self.array_2d()
        rows, cols = a.dims
        lo, hi, ref, helper = self.fresh("jlo"), self.fresh("jhi"), self.fresh("jref"), self.fresh("relax")
        scratch = self.new_array((cols,), where="global", ctype="int")
        miss = self.rng.choice(["none"] * 4 + ["by_name", "through"])
        self.top.append(f"static int {lo}, {hi};")
        self.top.append(f"static int *{ref} = &{hi};")
        self.body.append(f"    {lo} = {self.rng.randint(0, 2)} + zero; {hi} = {cols} + zero;")
        touch = {"by_name": f"    {hi} = {hi} > {lo} + 1 ? {hi} - 1 : {hi};\n",
                 "through": f"    *{ref} = *{ref} > {lo} + 1 ? *{ref} - 1 : *{ref};\n"}.get(miss, "")
        self.functions.append(f"static void {helper}(int r)\n{{\n"
                              f"    for (int c = 0; c < {cols}; c++)\n"
                              f"        {scratch.name}[c] = ({scratch.name}[c] + r + c) % 1000;\n{touch}}}")
        t, i, j = self.fresh("t"), self.fresh("i"), self.fresh("j")
        value = self.expression([f"{a.name}[{i}][{j}]", f"({i} + {j})"], j, allow_product=False)
        call = f"        {helper}({i});" if miss != "none" else ""
        self.body += [line for line in [f"    for (int {t} = 0; {t} < 2; {t}++) {{",
                      f"    for (int {i} = 0; {i} < {rows}; {i}++) {{",
                      f"        for (int {j} = {lo}; {j} < {hi}; {j}++)",
                      f"            {a.name}[{i}][{j}] = {self.store(a.ctype, value)};",
                      call, "    }",
                      f"    {helper}({t});" if miss == "none" else "", "    }"] if line]

    def t_field_call(self) -> None:
        """A helper that loops to `p->n` over an int array it is handed: parallel, the array being
        apart from the struct (a runtime check of the field against the array's range, or the call
        sites' facts). Near miss: the loop lowers `p->n` now and then, which C reads again before
        every iteration."""
        fn = self.fresh("k")
        k = self.rng.randint(1, 9)
        shrinks = self.chance(0.3)
        body = f"        a[i] = (a[i] + i * {k}) % 5 + 1;\n"
        if shrinks:
            body = f"    {{\n    {body}        if (a[i] == {self.rng.randint(1, 5)}) p->n -= 1;\n    }}\n"
        self.functions.append(f"static void {fn}(struct ap_shape *p, int *a) {{\n"
                              f"    for (int i = 0; i < p->n; i++)\n{body}}}")
        array = self.new_array((self.rng.choice([40, 1000, 8000]),), where="global", ctype="int")
        s = self._shape(f"{self.size_var(array.size)} - {self.rng.randint(0, 30)}", "0")
        self.body.append(f"    {fn}(&{s}, {array.name});")

    def t_named(self) -> None:
        """Scalars that name an element before each use: `k = 1; A[k][i] = ...; k = 2; A[k][i] = ...`
        and `k1 = i + 1; B[k1] = ...`, each assigned before it is read in every iteration (private,
        and forward-substituted into the subscripts) and printed after the loop (its last value).
        Near misses: a use before the assignment (the value of the previous iteration), or an
        assignment under a condition."""
        rows = self.new_array((3, self.rng.choice([30, 200, 1000])))
        flat = self.array_1d(min_size=40)
        cols = min(rows.dims[1], flat.size - 1)
        iv, k, k1 = self.fresh("i"), self.fresh("k"), self.fresh("k")
        miss = self.rng.choice(["", "", "", "before", "conditional"])
        self.body.append(f"    int {k} = {self.rng.randint(0, 2)}, {k1} = {self.rng.randint(-5, 5)};")
        first = self.expression([f"{flat.name}[{iv}]"], iv)
        second = self.expression([f"{rows.name}[0][{iv}]"], iv)
        body = [f"{k} = 1;", f"{rows.name}[{k}][{iv}] = {self.store(rows.ctype, first)};",
                f"{k} = 2;", f"{rows.name}[{k}][{iv}] = {self.store(rows.ctype, second)};",
                f"{k1} = {iv} + 1;", f"{flat.name}[{k1}] = {self.store(flat.ctype, f'{rows.name}[1][{iv}] + {k1}')};"]
        if miss == "before":  # reads the row the previous iteration chose last (2), then chooses
            body.insert(0, f"{rows.name}[{k}][{iv}] = {self.store(rows.ctype, f'{rows.name}[{k}][{iv}] + 1')};")
        elif miss == "conditional":
            body[0] = f"if ({flat.name}[{iv}] > {self.rng.randint(-20, 20)}) {k} = 1;"
        self.body.append(f"    for (int {iv} = 0; {iv} < {self.size_var(cols)}; {iv}++) {{")
        self.body.extend(f"        {line}" for line in body)
        self.body.append("    }")
        self.scalars += [Scalar(k, "int"), Scalar(k1, "int")]

    def t_specialized(self) -> None:
        """A helper whose row loop holds a window loop to its parameter `w`, called with one small
        constant (the parallel plan carries a copy with `w` spelled as that literal, taken when `w`
        has that value). Near misses: a second call with another constant or a run-time width (no
        copy), the parameter clamped before the loop (the copy's test must read the value the loop
        sees), or a local `w` in an inner block of the row loop, which names other memory."""
        fn = self.fresh("win")
        width = self.rng.randint(1, 16)
        rows = self.rng.choice([20, 300, 2000])
        dst = self.new_array((rows,), where="global", ctype="int")
        src = self.new_array((rows * 17,), where="global", ctype=self.rng.choice(["int", "short", "unsigned char"]))
        miss = self.rng.choice(["", "", "", "second", "runtime", "assigned", "shadow"])
        k = self.rng.randint(1, 9)
        lines = [f"static void {fn}(int *dst, const {src.ctype} *src, int rows, int w) {{"]
        if miss == "assigned":
            lines.append("    w = w > 16 ? 16 : w;")
        lines += ["    for (int r = 0; r < rows; r++) {",
                  "        int acc = r % 7;",
                  "        for (int d = 0; d < w; d++)",
                  f"            acc += src[r * w + d] * {k} + d;"]
        if miss == "shadow":
            lines += ["        {", "            int w = 1 + r % 3;", "            acc += w * 5;", "        }"]
        lines += ["        dst[r] = acc % 1000;", "    }", "}"]
        self.functions.append("\n".join(lines))
        self.body.append(f"    {fn}({dst.name}, {src.name}, {self.size_var(rows)}, {width});")
        if miss == "second":
            self.body.append(f"    {fn}({dst.name}, {src.name}, {self.size_var(rows)} - 1, {self.rng.randint(1, 16)});")
        elif miss == "runtime":
            self.body.append(f"    {fn}({dst.name}, {src.name}, {self.size_var(rows)}, {width} + zero);")

    def _divided(self, numerator: str, divisor: int, rounding: str, style: str) -> str:
        """ceil or floor of numerator / divisor as a code generator spells it: a macro (`style`
        "macro"), the macro's text expanded with the sign test on `x * d < 0` ("expanded"), or C's
        plain truncating `/` ("trunc", a near miss: not a floor where the numerator is negative)."""
        n, d = f"({numerator})", divisor
        if style == "macro":
            for name, text in (("ap_ceild", "(((n) < 0) ? -((-(n)) / (d)) : ((n) + (d) - 1) / (d))"),
                               ("ap_floord", "(((n) < 0) ? -((-(n) + (d) - 1) / (d)) : (n) / (d))")):
                if not any(line.startswith(f"#define {name}(") for line in self.top):
                    self.top.insert(0, f"#define {name}(n, d) {text}")
            return f"ap_{rounding}d({numerator}, {d})"
        if style == "trunc":
            return f"{n} / {d}"
        if rounding == "ceil":
            return f"({n} * {d} < 0 ? -(-{n} / {d}) : (({d} < 0 ? (-{n} + -{d} - 1) / -{d} : ({n} + {d} - 1) / {d})))"
        return f"({n} * {d} < 0 ? (({d} < 0 ? -((-{n} + {d} + 1) / {d}) : -((-{n} + {d} - 1) / {d}))) : {n} / {d})"

    def t_tiles(self) -> None:
        """Loops of generated code whose bounds divide by a constant, over an outer counter that
        goes negative: a window `c1` from ceil(c0 / d) to floor((c0 + w) / d) (at most w / d + 1
        values) that reads X[c1 + s] and writes X[c1], parallel when s is past the window; and a
        skewed band from max(ceil((2 c0 + 2) / 3), c0 - k) to min(floor((2 c0 + m) / 3), c0) that writes
        row 3 c1 - 2 c0 of a 2-D array and reads row 3 c1 - 2 c0 + s (s = 3: the next iteration's).
        Near misses: a step into the window, and plain truncating `/` in place of the floor."""
        style = self.rng.choice(["macro", "expanded", "expanded", "trunc"])
        low = -self.rng.randint(0, 12)
        outer = self.rng.randint(2, 8)
        c0, c1 = self.fresh("c"), self.fresh("c")
        if self.chance(0.5):
            d = self.rng.choice([2, 3, 4, 16])
            w = self.rng.choice([5, 40, 900, 3000])
            width = w // d + 1
            s = self.rng.choice([width, width + 1, width - 1, 1, d])
            size = (outer + w) // d + abs(s) + 40
            x = self.new_array((size,), ctype=self.rng.choice(["int", "int", "short", "long long"]))
            offset = 20 + (-low) // d
            lower = self._divided(c0, d, "ceil", style)
            upper = self._divided(f"{c0} + {w}", d, "floor", style)
            value = self.store(x.ctype, f"{x.name}[{c1} + {offset + s}] * 3 + {c1}")
            self.body.append(f"    for (int {c0} = {low}; {c0} < {outer}; {c0}++)")
            self.body.append(f"        for (int {c1} = {lower}; {c1} <= {upper}; {c1}++)")
            self.body.append(f"            {x.name}[{c1} + {offset}] = {value};")
            return
        outer = self.rng.randint(2, 60)
        k, m = self.rng.randint(3, 12), self.rng.choice([30, 200, 600])
        s = self.rng.choice([0, 1, 2, 3, 3, -3])
        rows = outer + m // 3 + 12
        y = self.new_array((rows + 3, self.rng.choice([4, 50])))
        x = y if self.chance(0.5) else self.new_array(y.dims)
        lower = f"({self._divided(f'2 * {c0} + 2', 3, 'ceil', style)} > {c0} - {k} ? " \
                f"{self._divided(f'2 * {c0} + 2', 3, 'ceil', style)} : {c0} - {k})"
        upper = f"({self._divided(f'2 * {c0} + {m}', 3, 'floor', style)} < {c0} ? " \
                f"{self._divided(f'2 * {c0} + {m}', 3, 'floor', style)} : {c0})"
        row = f"3 * {c1} - 2 * {c0} + {3 - low}"
        j = self.fresh("j")
        value = self.store(y.ctype, f"{x.name}[{row} + {s}][{j}] + {y.name}[{row}][{j}] * 2 + {c0}")
        self.body.append(f"    for (int {c0} = {low}; {c0} < {outer}; {c0}++)")
        self.body.append(f"        for (int {c1} = {lower}; {c1} <= {upper}; {c1}++)")
        self.body.append(f"            for (int {j} = 0; {j} < {y.dims[1]}; {j}++)")
        self.body.append(f"                {y.name}[{row}][{j}] = {value};")

    def t_guarded(self) -> None:
        """X[i] = f(X[i + s]) for i below 2h under an affine test that keeps the writes below h (`i < h`,
        `h > i`, `i <= floord(2h - 1, 2)`, or the else-branch of `i >= h`), so that they never meet the
        reads when s >= h. Near misses: s = h - 1, a test one too wide (`i <= h`), a test the branch
        invalidates (h grows before the access), a test under `||` (which says nothing), and the else of
        a test under `&&` (which says nothing either)."""
        h_size = self.rng.choice([5, 60, 700, 3000])
        miss = self.rng.choice(["", "", "", "overlap", "wide", "moved", "or", "and"])
        # (the else of the `&&` test also reads X[i + h] for i up to 2h: room for 3h)
        x = self.new_array(((3 if miss == "and" else 2) * h_size + 8,),
                           ctype=self.rng.choice(["int", "int", "short", "long long"]))
        h, i = self.fresh("h"), self.fresh("i")
        s = f"{h} - 1" if miss == "overlap" else h
        form = "else" if miss == "and" else self.rng.choice(["less", "greater", "floord", "else"])
        test = {"less": f"{i} < {h}", "greater": f"{h} > {i}", "floord": f"{i} <= {self._divided(f'2 * {h} - 1', 2, 'floor', 'macro')}",
                "else": f"{i} >= {h}"}[form]
        if miss == "wide":
            test = f"{i} <= {h}" if form != "else" else f"{i} > {h}"
        elif miss == "or":
            test = f"({test} || {i} == {self.rng.randint(0, h_size)})"
        elif miss == "and":  # its else runs where either part fails: it says nothing of i >= h
            test = f"({i} % 3 != 0 && {test})"
        value = self.store(x.ctype, f"{x.name}[{i} + {s}] * 3 + {i}")
        write = f"{x.name}[{i}] = {value};"
        if miss == "moved":
            write = f"{{ {h} = {self.size_var(h_size)} + {self.rng.randint(1, 3)}; {write} }}"  # once, not per pass
        self.body.append(f"    int {h} = {self.size_var(h_size)};")
        self.body.append(f"    for (int {i} = 0; {i} < 2 * {self.size_var(h_size)}; {i}++)")
        if form == "else":
            self.body.append(f"        if ({test}) {x.name}[{i} + 4] = {self.store(x.ctype, i)}; else {write}")
        else:
            self.body.append(f"        if ({test}) {write}")
        self.scalars.append(Scalar(h, "int"))

    def t_gnu_operands(self) -> None:
        """GNU's `x ?: y` and `__builtin_choose_expr` in a subscript or a call's argument, which libclang
        shows as an implicit conversion of their last operand: `X[i] = X[(i - 1) ?: m] + c` is a
        recurrence (read as X[m], it ran in parallel), `step(p ?: q, p, n)` passes one array twice
        (read as q, a call-site no-alias fact). The parallel forms read another array through them."""
        form = self.rng.choice(["elvis", "choose", "apart", "argument"])
        n_size = self.rng.choice([60, 700, 3000])
        ctype = self.rng.choice(["int", "long long", "unsigned"])
        x = self.new_array((n_size + 2,), ctype=ctype)
        i = self.fresh("i")
        n = self.size_var(n_size)
        if form == "argument":
            self.includes.add("stdlib.h")
            name, p, q = self.fresh("step"), self.fresh("p"), self.fresh("q")
            self.functions.append(f"static void {name}({ctype} *dst, const {ctype} *src, int n)\n{{\n"
                                  f"    for (int {i} = 0; {i} < n; {i}++)\n"
                                  f"        dst[{i}] = {self.store(ctype, f'src[{i} + 1] * 3 + 1')};\n}}")
            other = self.new_array((n_size + 2,), ctype=ctype)
            pick = self.rng.choice([f"{p} ?: {q}", f"__builtin_choose_expr(1, {p}, {q})", q])
            self.body.append(f"    {{ {ctype} *{p} = {x.name}, *{q} = {other.name}; {name}({pick}, {p}, {n}); }}")
            return
        subscript = {"elvis": f"({i} - 1) ?: {n}", "choose": f"__builtin_choose_expr(1, {i} - 1, {n})",
                     "apart": f"({i} - 1) ?: {n}"}[form]
        source = x if form != "apart" else self.new_array((n_size + 2,), ctype=ctype)
        self.body.append(f"    for (int {i} = 1; {i} < {n}; {i}++)")
        self.body.append(f"        {x.name}[{i}] = {self.store(ctype, f'{source.name}[{subscript}] + {i} % 5')};")

    def t_guarded_read(self) -> None:
        """A read under a test beside the same read (same loops, same subscript) outside it: `if (i < h)
        t = X[i + h]; X[i + 2h] = t + X[i + h]` for i below 2h meets the write outside the test only.
        Or a row left under a test: `if (k > 0) Y[i][j - 1] += ...` at j = 0 is Y[i - 1][last]. Or a
        red-black sweep (`_red_black`). The parallel forms: the write past everything read, or the
        row kept (`Y[i][j + 1]` up to the last column but one)."""
        shape = self.rng.choice(["twice", "row", "colour"])
        if shape == "colour":
            self._red_black()
            return
        if shape == "twice":
            h_size = self.rng.choice([5, 60, 700, 3000])
            x = self.new_array((5 * h_size + 8,), ctype=self.rng.choice(["int", "long long", "short"]))
            h, i, t = self.fresh("h"), self.fresh("i"), self.fresh("t")
            meets = self.chance(0.6)  # the same read outside the test: a carried flow dependence
            past = "0" if meets else f"{h}"  # written from 3h on: past every read
            outside = f" + {x.name}[{i} + {h}]" if meets else ""
            self.body.append(f"    int {h} = {self.size_var(h_size)};")
            self.body.append(f"    for (int {i} = 0; {i} < 2 * {h}; {i}++) {{")
            self.body.append(f"        {x.ctype} {t} = 0;")
            self.body.append(f"        if ({i} < {h}) {t} = {x.name}[{i} + {h}];")
            self.body.append(f"        {x.name}[{i} + 2 * {h} + {past}] = {self.store(x.ctype, f'{t} * 3 + 1{outside}')};")
            self.body.append("    }")
            return
        y = self.array_2d()
        rows, cols = y.dims
        i, j, k = self.fresh("i"), self.fresh("j"), self.fresh("k")
        leaves = self.chance(0.6)
        self.body.append(f"    int {k} = {self.size_var(3)} - 2;")
        self.body.append(f"    for (int {i} = 1; {i} < {self.size_var(rows)}; {i}++)")
        lo, hi, sub = ("0", cols, f"{j} - 1") if leaves else ("0", cols - 1, f"{j} + 1")
        self.body.append(f"        for (int {j} = {lo}; {j} < {hi}; {j}++) {{")
        self.body.append(f"            {y.name}[{i}][{j}] = {self.store(y.ctype, f'{y.name}[{i}][{j}] * 2 + {j}')};")
        self.body.append(f"            if ({k} > 0) {y.name}[{i}][{sub}] = "
                         f"{self.store(y.ctype, f'{y.name}[{i}][{sub}] + {i}')};")
        self.body.append("        }")
        self.scalars.append(Scalar(k, "int"))

    def _red_black(self) -> None:
        """`if ((i + j) % 2 == c)` (or `(i - j) % 2`, whose C remainder is negative below the
        diagonal, and c in -1..1) around an update of Y[i][j] from its four neighbours, which have
        the other colour: parallel. Near misses: a diagonal neighbour, or a remainder modulo 3 (a
        neighbour two rows down has the same colour then)."""
        y = self.array_2d()
        rows, cols = y.dims
        if rows < 3 or cols < 3:
            y = self.new_array((self.rng.choice([8, 30, 64]), self.rng.choice([8, 30, 64])))
            rows, cols = y.dims
        i, j, c = self.fresh("i"), self.fresh("j"), self.fresh("c")
        if self.chance(0.4):
            self._red_black_step(y, i, j, c)
            return
        miss = self.rng.choice(["", "", "diagonal", "three"])
        sign = self.rng.choice(["+", "-"])
        modulus = 3 if miss == "three" else 2
        colour = self.rng.randint(-1, 1) if sign == "-" else self.rng.randint(0, 1)
        neighbours = [(-1, 0), (1, 0), (0, -1), (0, 1)]
        if miss == "diagonal":
            neighbours[self.rng.randrange(4)] = self.rng.choice([(-1, -1), (1, 1), (-1, 1), (1, -1)])
        elif miss == "three":
            neighbours[0] = (-2, -1) if sign == "+" else (-2, 1)  # i ± j changes by 3: the same colour
        reads = " + ".join(f"{y.name}[{i} + {di}][{j} + {dj}]" for di, dj in neighbours)
        self.body.append(f"    int {c} = {self.size_var(colour + 5)} - 5;")
        self.body.append(f"    for (int {i} = 2; {i} < {self.size_var(rows)} - 2; {i}++)")
        self.body.append(f"        for (int {j} = 1; {j} < {cols - 1}; {j}++)")
        self.body.append(f"            if (({i} {sign} {j}) % {modulus} == {c})")
        self.body.append(f"                {y.name}[{i}][{j}] = {self.store(y.ctype, f'{reads} + {i}')};")
        self.scalars.append(Scalar(c, "int"))

    def _red_black_step(self, y, i: str, j: str, c: str) -> None:
        """The sweep that steps over the other colour: `for (j = 2 + (i + c) % 2; j < cols - 1; j += 2)`,
        c from -3 to 3 (a negative remainder where i + c < 0). Near misses: a step of 1 (both
        colours), a diagonal neighbour (the same colour)."""
        rows, cols = y.dims
        miss = self.rng.choice(["", "", "diagonal", "step1"])
        neighbours = [(-1, 0), (1, 0), (0, -1), (0, 1)]
        if miss == "diagonal":
            neighbours[self.rng.randrange(4)] = self.rng.choice([(-1, -1), (1, 1), (-1, 1), (1, -1)])
        reads = " + ".join(f"{y.name}[{i} + {di}][{j} + {dj}]" for di, dj in neighbours)
        colour = self.rng.randint(-3, 3)
        self.body.append(f"    int {c} = {self.size_var(colour + 5)} - 5;")
        self.body.append(f"    for (int {i} = 1; {i} < {self.size_var(rows)} - 1; {i}++)")
        self.body.append(f"        for (int {j} = 2 + ({i} + {c}) % 2; {j} < {cols - 1}; "
                         f"{j} += {1 if miss == 'step1' else 2})")
        self.body.append(f"            {y.name}[{i}][{j}] = {self.store(y.ctype, f'{reads} + {j}')};")
        self.scalars.append(Scalar(c, "int"))
