"""loopgen's templates of helper functions and their call sites: pointer parameters on disjoint or
overlapping arrays, calls in loop bodies, row-length parameters to specialize for, gathers through an
index array, swapped allocations, and the data shapes of offload plans. Each `t_<name>` adds one
block to the program being built (a `ProgramBuilder`).
"""

from __future__ import annotations

from autopar.tools.fuzz.loopgen_builder import Array, ProgramBuilder, Scalar


class CallTemplates(ProgramBuilder):
    """Templates of helper functions of the file and the calls to them."""

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
        form = self.rng.randint(0, 3)
        if form == 3:  # a callee reading through a global pointer that points into the written array
            g, get = self.fresh("gp"), self.fresh("get")
            t = dst.ctype
            self.top.append(f"static {t} *{g};")
            self.functions.append(f"static long long {get}(void) {{ return (long long){g}[0]; }}")
            at = self.rng.randint(0, max(0, size - 1)) if self.chance(0.7) else None
            self.body.append(f"    {g} = {'&' + dst.name + f'[{at}]' if at is not None else src.name};")
            if at is None and src.ctype != t:
                self.body[-1] = f"    {g} = &{dst.name}[0];"
            self.emit_loop(iv, 0, size, [f"{dst.name}[{iv}] = {self.store(t, f'{src.name}[{iv}] + {get}()')};"], size=size)
            return
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

    def t_lent(self) -> None:
        """Scalars whose address is lent or escapes: `f(&c)` where f reads and writes only `*p` (c private
        when written first in the iteration), or an address kept in a global before the loop (the
        scalar is private unless the loop reads through that pointer, directly or in a call)."""
        dst, src = self.array_1d(), self.array_1d()
        size = min(dst.size, src.size)
        iv, t, t_type = self.fresh("i"), self.fresh("t"), "long long"
        form = self.rng.randint(0, 3)
        if form == 0:
            f = self.fresh("lend")
            self.functions.append(f"static {t_type} {f}({t_type} *p, int v) {{ *p = (*p * 2 + v) % 100003; return *p % 1000; }}")
            self.body.append(f"    {t_type} {t} = 5;")
            first = f"{t} = {src.name}[{iv}] % 13;" if self.chance(0.7) else f"{t} += 1;"  # else carried
            self.emit_loop(iv, 0, size, [first, f"{dst.name}[{iv}] = {self.store(dst.ctype, f'{f}(&{t}, {iv})')};"],
                           size=size)
            self.scalars.append(Scalar(t, t_type))
            return
        kept, keep = self.fresh("kept"), self.fresh("keep")
        self.top.append(f"static {t_type} *{kept};")
        self.functions.append(f"static void {keep}({t_type} *p) {{ {kept} = p; *p = 3; }}")
        self.body.append(f"    {t_type} {t} = 0;")
        self.body.append(f"    {keep}(&{t});")
        use = "1"
        if form == 2:  # reads t through the kept pointer: t must stay shared
            use = f"*{kept}"
        elif form == 3:  # a call reads it
            peek = self.fresh("peek")
            self.functions.append(f"static {t_type} {peek}(void) {{ return *{kept} % 100; }}")
            use = f"{peek}()"
        self.emit_loop(iv, 0, size, [f"{t} = {src.name}[{iv}] * 2;",
                                     f"{dst.name}[{iv}] = {self.store(dst.ctype, f'{t} + {use}')};"], size=size)
        self.scalars.append(Scalar(t, t_type))

    def t_norms(self) -> None:
        """A helper that sums into a few elements of a pointer parameter over a nest (NAS's error norms),
        called on a part of a shared array, possibly the one it reads (then only the runtime check
        keeps it right). A pointer array reduction when the loop runs a constant number of times and
        touches exactly acc[0 .. width - 1] every time; near misses: a loop that may not run (`n`, 0
        now and then), subscripts from 1 or from -1, gaps (`acc[2 * m]`), a guard, and uses of the
        pointer that a thread's copy would change (sizeof, a comparison, a copy of it, a call)."""
        acc = self.array_1d(min_size=16)
        src = self.rng.choice([a for a in self.arrays if a.shared and len(a.dims) == 1 and a.ctype == acc.ctype]
                              or [acc])
        name, t = self.fresh("norms"), acc.ctype
        width = self.rng.randint(2, 6)
        rows = min(src.size // width, 4000)
        if rows < 1:
            return
        miss = self.rng.choice(["none"] * 6 + ["zero", "from1", "below", "gap", "guard", "sizeof", "compare",
                                               "copy", "call"])
        element = {"from1": "acc[m + 1]", "below": "acc[m - 1]", "gap": "acc[2 * m]"}.get(miss, "acc[m]")
        value = f"g[i * {width} + m] % 7"
        value += {"sizeof": " + (int)(sizeof(acc) % 5)", "compare": " + (acc == g)",
                  "call": f" + {name}_peek(acc)"}.get(miss, "")
        update = self.rng.choice([f"{element} = {element} + {value};", f"{element} += {value};",
                                  f"{element} = {value} + {element};", f"{element} = {value} - {element};"])
        if t in ("unsigned char", "signed char", "short", "unsigned short") and self.chance(0.5):
            update = f"{element} = ({t})({element} + {value});"  # (not an update the analysis reduces)
        elif t in ("unsigned char", "signed char", "short", "unsigned short"):
            update = f"{element} += {value};"
        if miss == "guard":
            update = f"if (g[i * {width} + m] % 3) {update}"
        elif miss == "copy":
            update = "{ " + f"{t} *q = acc; " + update.replace("acc[", "q[") + " }"
        # the loop runs a constant number of times, or n times (n may be 0: the caller passes 0 at times)
        bound = "n" if miss == "zero" else str(rows)
        if miss == "call":
            self.functions.append(f"static int {name}_peek(const {t} *p)\n{{\n    return (int)(p[0] % 2);\n}}")
        # NAS LU's l2norm: a loop between, over lo..hi (empty at times), whose test joins the check;
        # near misses: its bound moves with i, or the loop changes it
        middle = self.rng.choice(["", "", "between", "between", "moves", "changed"])
        inner = f"for (int m = 0; m < {width}; m++)\n            {update}"
        if middle:
            top = "hi + i % 2" if middle == "moves" else "hi"
            inner = (f"{{\n        for (int j = lo; j < {top}; j++)\n            " + inner.replace("\n", "\n    ") +
                     ("\n        if (i == 1) hi = lo + 1;" if middle == "changed" else "") + "\n    }")
            inner = inner.replace("\n        ", "\n            ").replace("\n    }", "\n        }")
        self.functions.append(f"static void {name}({t} *acc, const {t} *g, int n, int lo, int hi)\n{{\n"
                              + ("" if bound == "n" else "    (void)n;\n") + ("" if middle else "    (void)lo; (void)hi;\n") +
                              f"    for (int i = 0; i < {bound}; i++)\n"
                              f"        {inner}\n}}")
        offset = self.rng.randint(1, acc.size - 2 * width - 2)
        count = self.rng.choice([str(rows), f"{self.size_var(rows)}"] + (["0"] if miss == "zero" else []))
        lo, hi = self.rng.choice([(0, 1), (0, 3), (2, 5), (3, 3), (4, 1)])
        self.body.append(f"    {name}({acc.name} + {offset}, {src.name}, {count}, {lo}, {hi});")

    def t_in_place(self) -> None:
        """A helper over pointer parameters called in place (NAS MG's `resid(u, r, r)`): `z[i] = f(x[i],
        y[i])` may run in parallel with z equal to x or y as well as apart; in 2-D through pointers
        to rows of a parameter's length (`double (*a)[m] = (double (*)[m])oa;`). Called with z == x,
        z == y, z one element past x (the serial copy must run) or apart. Near misses: `x[i + 1]`,
        `x[n - 1 - i]` (equal, a dependence), x of another element type, rows whose length changes
        between the two declarations."""
        a = self.array_1d(min_size=64)
        b = self.rng.choice([c for c in self.arrays if c.shared and len(c.dims) == 1 and c.ctype == a.ctype
                             and c.size >= 64] or [a])
        name, t = self.fresh("inplace"), self.spelled(a.ctype)
        miss = self.rng.choice(["none"] * 5 + ["shifted", "reversed", "resized"])
        rows = self.rng.choice([0, 0, 4, 8])  # 0: one dimension
        if miss == "resized" and not rows:
            rows = 4
        n = min(a.size, b.size) // max(rows, 1) - 1
        read = {"shifted": "x[i + 1]", "reversed": "x[n - 1 - i]"}.get(miss, "x[i]")
        if rows:
            read = {"shifted": "x[i2][i + 1]", "reversed": "x[i2][m - 2 - i]"}.get(miss, "x[i2][i]")
            body = (f"    {t} (*x)[m] = ({t} (*)[m])ox;\n" + ("    m = m - 1;\n" if miss == "resized" else "") +
                    f"    {t} (*z)[m] = ({t} (*)[m])oz;\n"
                    f"    for (int i2 = 0; i2 < n; i2++)\n"
                    f"        for (int i = 0; i < m - 1; i++)\n"
                    f"            z[i2][i] = {self.store(a.ctype, f'{read} * 3 + y[i2 * m + i] % 5')};\n")
            self.functions.append(f"static void {name}(void *ox, const {t} *y, void *oz, int n, int m)\n{{\n{body}}}")
        else:
            self.functions.append(f"static void {name}(const {t} *x, const {t} *y, {t} *z, int n)\n{{\n"
                                  f"    for (int i = 0; i < n - 1; i++)\n"
                                  f"        z[i] = {self.store(a.ctype, f'{read} * 3 + y[i] % 5')};\n}}")
        extra = f", {rows}" if rows else ""
        for x, y, z in self.rng.sample([(a.name, b.name, a.name), (a.name, b.name, b.name),
                                        (a.name, b.name, f"{a.name} + 1"), (b.name, a.name, a.name)], 2):
            self.body.append(f"    {name}({x}, {y}, {z}, {n}{extra});")

    def t_fills(self) -> None:
        """A helper that fills a small array parameter (NAS's `exact(i, j, k, ue)`), called in a loop on a
        local array declared before it, whose elements the loop then reads: the array is private to
        each iteration when every call stores every element. Old C's counter, declared before its
        loop, at times. Near misses: a store under a condition, a return before the stores, every other
        element stored, each element read before it is stored, a counter used after its loop, a
        subscript through a conversion (`v[(_Bool)m]`), a counter compared as unsigned, a counter an
        inner loop reuses."""
        dst, src = self.array_1d(min_size=4), self.array_1d()
        size = min(dst.size, src.size)
        name, width = self.fresh("fill"), self.rng.randint(2, 6)
        miss = self.rng.choice(["none"] * 5 + ["guard", "early", "gap", "accumulate", "after", "cast", "unsigned",
                                               "reuse"])
        width = 3 if miss == "reuse" else width  # (the inner loop leaves m at 2: 3 ends the outer one)
        old_c = self.chance(0.5) or miss in ("after", "unsigned", "reuse")
        element = {"gap": "v[2 * m]", "cast": "v[(_Bool)m]", "unsigned": "v[m + 1]"}.get(miss, "v[m]")
        value = f"x * {self.rng.randint(1, 9)} + m" + (" + v[m]" if miss == "accumulate" else "")
        store = f"{element} = (int)(({value}) % 1000);"
        if miss == "guard":
            store = f"if (x % 3) {store}"
        elif miss == "reuse":  # an inner loop over m leaves it at 2: one element stored
            store = "{\n        for (m = 0; m < 2; m++)\n            x = x % 1000 + 1;\n        " + store + "\n    }"
        lines = [f"static void {name}(int v[{2 * width if miss == 'gap' else width}], int x)", "{"]
        lines.append("    int m;" if old_c else "")
        if miss == "early":
            lines.append("    if (x % 5 == 1)\n        return;")
        head = {"unsigned": "m = -1"}.get(miss, "m = 0" if old_c else "int m = 0")
        bound = f"{width - 1}u" if miss == "unsigned" else str(width)  # (-1 < 4u is false: no iteration)
        lines.append(f"    for ({head}; m < {bound}; m++)\n        {store}")
        if miss == "after":
            lines.append(f"    v[m - 1] = x % 7;")
        lines.append("}")
        self.functions.append("\n".join(line for line in lines if line))
        buffer, iv = self.fresh("t"), self.fresh("i")
        # (not zeros: an element no call stores keeps this, where a private copy would hold garbage, often 0)
        self.body.append(f"    int {buffer}[{2 * width}] = {{{', '.join(str(k + 3) for k in range(2 * width))}}};")
        read = f"{buffer}[0] + {buffer}[{width - 1}]" + (f" + {buffer}[1]" if miss == "gap" else "")
        self.emit_loop(iv, 0, size, [f"{name}({buffer}, (int){src.name}[{iv}]);",
                                     f"{dst.name}[{iv}] = {self.store(dst.ctype, read)};"], size=size)

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

    def t_gather(self) -> None:
        """A static helper gathering through an index array, `d[i] = f(s[ix[i] + c])`: parallel
        without a check when every call passes it distinct arrays (no-alias facts from the call
        sites), else under a runtime check that inspects the index values. Near misses pass one array
        twice, overlap a second call, read through a global pointer, or write one half of an array
        while the indices read the other (legal) and then a part they reach (the serial copy)."""
        d = self.array_1d(min_size=8)
        same_type = [a for a in self.arrays if a.shared and len(a.dims) == 1 and a.ctype == d.ctype and a is not d]
        s = self.rng.choice(same_type) if same_type and self.chance(0.7) else self.array_1d(min_size=8)
        count = min(d.size, s.size)
        index_type = self.rng.choice(["int", "int", "short", "unsigned", "unsigned char"] if count <= 255
                                     else ["int", "int", "short", "unsigned"])
        ix = Array(self.fresh("ix"), index_type, (count,), "global", shared=False)
        self.top.append(f"{index_type} {ix.name}[{count}];")
        self.arrays.append(ix)
        miss = self.rng.choice(["", "", "", "same", "overlap", "global", "halves", "halves"])
        half = count // 2
        reach = half if miss == "halves" else count - 1  # the indices (plus the offset) stay below it
        offset = self.rng.choice([0, 0, 1])
        k1, k2 = self.rng.choice([7, 13, 31, 101]), self.rng.randint(0, 50)
        self.body.append(f"    for (int i = 0; i < {count}; i++)")
        self.body.append(f"        {ix.name}[i] = ({index_type})((i * {k1} + {k2}) % {max(1, reach - offset)});")
        name, t = self.fresh("gat"), d.ctype
        view = ""
        if miss == "global":
            view = self.fresh("view")
            self.top.append(f"{t} *{view};")
            self.body.append(f"    {view} = {d.name};")
        k = self.rng.randint(2, 7)
        at = f"ix[i] + {offset}" if offset else "ix[i]"
        read = f"s[{at}] + {view}[i] % 3" if view else f"s[{at}] * {k}"
        self.functions.append(
            f"static void {name}({t} *d, const {s.ctype} *s, const {index_type} *ix, int n)\n"
            f"{{\n    for (int i = 0; i < n; i++)\n        d[i] = {self.store(t, read + ' + d[i]')};\n}}")
        n = str(count) if self.chance(0.5) else self.size_var(count)
        if miss == "same" and s.ctype == d.ctype:
            self.body.append(f"    {name}({d.name}, {d.name}, {ix.name}, {n});")
        elif miss == "halves" and s.ctype == d.ctype and half >= 4:
            # writes s[half..count) while the indices read below half: no overlap, then s[half/2..)
            self.body.append(f"    {name}({s.name} + {half}, {s.name}, {ix.name}, {count - half});")
            self.body.append(f"    {name}({s.name} + {half // 2}, {s.name}, {ix.name}, {count - half});")
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

    def t_spans(self) -> None:
        """A helper whose loop runs to its int parameter, over a row (`step(M[i], S[i], n)`) or a
        window of a flat array (`step(a + i * w, s + i * w, w)`), called in a loop over rows: each
        call touches that range, so the rows of different iterations are apart; or a fill of a static
        scratch array that the loop then reads (private, as NAS EP's `vranlc(n, &seed, a, x - 1)`
        fills its x).
        Near misses: the next row as the source (`M[i + 1]`), windows that overlap (`a + i`, a width
        one more than the step), a callee that changes its bound, a count of zero."""
        name, form = self.fresh("span"), self.rng.choice(["rows", "rows", "flat", "scratch"])
        miss = self.rng.choice(["none"] * 4 + ["next", "overlap", "assigned", "zero"])
        k, lo = self.rng.randint(2, 7), self.rng.choice([0, 0, 1])
        iv = self.fresh("i")
        if form == "scratch":
            dst, width = self.array_1d(min_size=2), self.rng.choice([4, 40, 100, 300])
            buffer, t = self.fresh("scr"), self.spelled(dst.ctype)
            self.top.append(f"static {t} {buffer}[{width + 1}];")
            tail = "    n = n - 1;\n    v[n] = (" + t + ")(x % 7);\n" if miss == "assigned" else ""
            self.functions.append(f"static void {name}(int n, int x, {t} v[])\n{{\n"
                                  f"    for (int j = 1; j <= n; j++)\n"
                                  f"        v[j - 1] = {self.store(dst.ctype, f'x * {k} + j')};\n{tail}}}")
            count = "0" if miss == "zero" else self.rng.choice([str(width), self.size_var(width)])
            read = f"{buffer}[0] + {buffer}[{width - 1}] + {buffer}[{max(0, width // 2)}]"
            self.emit_loop(iv, 0, dst.size, [f"{name}({count}, (int)({iv} % 97), {buffer});",
                                             f"{dst.name}[{iv}] = {self.store(dst.ctype, read)};"], size=dst.size)
            return
        m = self.array_2d() if form == "rows" else self.array_1d(min_size=64)
        t = self.spelled(m.ctype)
        previous = "d[j - 1]" if lo else "d[j]"
        tail = "    n = 0;\n    d[n] = s[n];\n" if miss == "assigned" else ""
        self.functions.append(f"static void {name}({t} *d, const {t} *s, int n)\n{{\n"
                              f"    for (int j = {lo}; j < n; j++)\n"
                              f"        d[j] = {self.store(m.ctype, f'{previous} * {k} + s[j]')};\n{tail}}}")
        if form == "rows":
            rows, cols = m.dims
            others = [a for a in self.arrays if a.shared and len(a.dims) == 2 and a.ctype == m.ctype and a.dims == m.dims]
            src = self.rng.choice(others)
            count = "0" if miss == "zero" else self.rng.choice([str(cols), self.size_var(cols), str(cols - 1)])
            if miss == "next" and rows > 1:
                self.emit_loop(iv, 0, rows - 1, [f"{name}({m.name}[{iv} + 1], {m.name}[{iv}], {count});"], size=rows)
            else:
                self.emit_loop(iv, 0, rows, [f"{name}({m.name}[{iv}], {src.name}[{iv}], {count});"], size=rows)
            return
        width = self.rng.choice([2, 4, 8, 16])
        rows = (m.size - 1) // width
        start = f"{iv}" if miss == "next" else f"{iv} * {width}"
        count = {"zero": "0", "overlap": str(width + 1)}.get(miss, self.rng.choice([str(width), self.size_var(width)]))
        self.emit_loop(iv, 0, rows, [f"{name}({m.name} + {start}, {m.name} + {start}, {count});"], size=rows)

    def t_swap_inside(self) -> None:
        """A solver that swaps its two buffer parameters after each step (`t = u; u = v; v = t;`),
        called with two fresh allocations: its sweep runs in parallel without a check
        (autopar/frontend/noalias.py). Near misses pass one buffer twice, or one shifted by an
        element, so the sweep updates in place, or swap before the sweep and read the temporary,
        which is the buffer the sweep writes."""
        self.includes.add("stdlib.h")
        t = self.rng.choice(["int", "int", "short", "long long", "unsigned"])
        n = self.rng.choice([100, 1000, 3000, 8000])
        out = self.new_array((n,), where="global", ctype=t)
        miss = self.rng.choice(["", "", "", "twice", "offset", "stale"])
        name, k = self.fresh("solve"), self.rng.randint(2, 9)
        linkage = "static " if self.chance(0.5) else ""
        swap = f"        {t} *tmp = u;\n        u = v;\n        v = tmp;\n"
        if miss == "stale":  # tmp is v after the swap: v[i + 1] reads what the iteration before wrote
            sweep = f"        for (int i = 0; i < n - 1; i++)\n            v[i + 1] = {self.store(t, f'tmp[i] * {k} + u[i]')};\n"
            body = swap + sweep
        else:
            body = (f"        for (int i = 1; i < n - 1; i++)\n"
                    f"            v[i] = {self.store(t, f'u[i - 1] + u[i + 1] * {k} - u[i]')};\n" + swap)
        self.functions.append(
            f"{linkage}void {name}({t} *u, {t} *v, int n, int steps)\n{{\n"
            f"    for (int it = 0; it < steps; it++) {{\n{body}    }}\n}}")
        a, b = self.fresh("a"), self.fresh("b")
        size = str(n) if self.chance(0.5) else self.size_var(n)
        second = {"": b, "stale": b, "twice": a, "offset": f"{a} + 1"}[miss]
        self.body += [
            "    {",
            f"        {t} *{a} = malloc(sizeof({t}) * {n + 1}), *{b} = malloc(sizeof({t}) * {n + 1});",
            f"        if (!{a} || !{b}) return 1;",
            f"        for (int i = 0; i <= {n}; i++) {{ {a}[i] = {out.name}[i < {n} ? i : 0]; {b}[i] = 0; }}",
            f"        {name}({a}, {second}, {size}, {self.rng.randint(2, 6)});",
            f"        for (int i = 0; i < {n}; i++) {out.name}[i] = {a}[i] + {b}[i];",
            f"        free({a});",
            f"        free({b});",
            "    }",
        ]
