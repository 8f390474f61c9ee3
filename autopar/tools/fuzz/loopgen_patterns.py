"""loopgen's templates of patterns with their near misses: time loops around sweeps (shared regions),
blocks of a run-time width (strided windows), histograms (array reductions), argmin/argmax,
row-pivot nests (index-set splitting), guarded relaxations (conditions that keep a write away),
static scratch rows (private copies of arrays nothing else names) and arrays of structs (fields of
one element). Each `t_<name>` adds one block to the program being built (a `ProgramBuilder`).
"""

from __future__ import annotations

from autopar.tools.fuzz.loopgen_builder import ELEMENT_TYPES, TYPES, ProgramBuilder, Scalar, flip_comparison, is_signed


class PatternTemplates(ProgramBuilder):
    """Templates of whole patterns, each with near misses that must stay serial."""

    def t_sweeps(self) -> None:
        """A time loop around sweeps: a stencil into a second array and its copy-back, now and then a
        reduction over the result. One shared parallel region when the time loop holds nothing else; a
        statement between the sweeps, or a time variable declared outside and printed, keeps a region
        per loop; one declared outside and never read again is private to the region. Zero time steps now and then.
        Under `--target gpu`, one device data region around the loop when the statements between the
        sweeps are plain (the counter, a convergence test on the reduction that leaves the loop); a
        counter that reads an array between the sweeps, or a host write of an element the next sweep
        reads, needs `target update` lines around it inside such a region."""
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
            host_read = f" + (long long){a.name}[1]" if self.chance(0.3) else ""
            self.body.append(f"        {counter} = ({counter} * 7 + {t}{host_read}) % 101;")
            if self.chance(0.3):  # the host writes an element the next sweep reads
                self.body.append(f"        {a.name}[0] = {self.store(a.ctype, f'{a.name}[0] / 2 + {t}')};")
        extra = f" + {counter}" if counter else ""
        self.body.append(f"        {self.loop_head(j, 1, size - 1, size=size)}")
        self.body.append(f"            {a.name}[{j}] = {self.store(a.ctype, f'{b.name}[{j}] / 2{extra}')};")
        if reduction:
            r = self.fresh("i")
            self.body.append(f"        {self.loop_head(r, 0, size, size=size)}")
            self.body.append(f"            {reduction} += {a.name}[{r}];")
            if self.chance(0.4):  # a convergence test: the loop may end early
                self.body.append(f"        if ({reduction} % 3 == 0) break;")
        self.body.append("    }")

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
        written with per-thread copies; also spelled `h[k] = h[k] op v` or `h[k] = v op h[k]`), or a
        near miss that must stay serial: the element also read, two operators on one array, an array
        too large to copy for the iterations over it, `h[k] = v - h[k]`, an integer element plus a
        fraction. Large arrays over four or six times as many iterations are reductions too. Floating-point
        elements (updated with whole numbers, so any order gives the same sums) are reductions too."""
        src, other = self.array_1d(), self.array_1d()
        size = min(src.size, other.size)
        miss = self.rng.choice(["", "", "", "read", "two_ops", "float", "large", "minus", "fraction", "big", "big"])
        cells = 5000 if miss == "large" else self.rng.choice([6000, 12000]) if miss == "big" else \
            self.rng.choice([8, 16, 64, 256, 1000])
        op = self.rng.choice(["++", "--", "+=", "-="] if miss == "float" else
                             ["++", "--", "+=", "-=", "|=", "^=", "&=", "*="])
        # wrapping arithmetic only: *= on a signed element would overflow (undefined)
        ctype = "double" if miss == "float" else \
            self.rng.choice(["unsigned", "unsigned long long", "unsigned short"] if op == "*=" else ELEMENT_TYPES)
        hist = self.new_array((cells,), ctype=ctype)
        hist.shared = False
        iv = self.fresh("i")
        slot = f"{hist.name}[(unsigned){src.name}[{iv}] % {cells}u]"
        if miss == "big":  # a large array over enough iterations to pay for its copies (or not: 2x)
            trips = cells * self.rng.choice([2, 4, 6])
            self.emit_loop(iv, 0, trips, [f"{hist.name}[((unsigned){iv} * 7u + (unsigned){src.name}[{iv} % {size}]) "
                                          f"% {cells}u]{self.rng.choice(['++', '--', ' += 3'])};"], size=trips)
            return
        value = f"{other.name}[{iv}] % 7" if op != "*=" else self.rng.choice(["3u", "5u", "2u"])
        update = f"{slot}{op};" if op in ("++", "--") else f"{slot} {op} {value};"
        narrow = ctype in ("unsigned char", "signed char", "short", "unsigned short")
        if narrow and op in ("+=", "-=", "++", "--"):
            update = f"{slot} = ({ctype})({slot} {op[0]} {value if op in ('+=', '-=') else 1});"
        elif op not in ("++", "--") and miss == "minus":  # `v - h[k]`: no reduction
            update = f"{slot} = {value} - {slot};"
        elif op in ("+=", "-=") and miss == "fraction" and ctype in ("int", "long long"):
            # an integer plus a fraction truncates each sum; only where the sums stay in range: a double
            # converted back to a type that cannot hold it (`*= 1.5` growing, an unsigned going below 0,
            # a narrow type) is undefined, and gcc and clang resolve it differently
            update = f"{slot} {op[0]}= 1.5;"
        elif op not in ("++", "--") and self.chance(0.4):  # the update spelled out, either side
            swap = op[0] != "-" and self.chance(0.5)
            update = f"{slot} = {value} {op[0]} {slot};" if swap else f"{slot} = {slot} {op[0]} {value};"
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
        condition = f"{x} {compare} {best}" if self.chance(0.6) else f"{best} {flip_comparison(compare)} {x}"
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

    def t_pivot(self) -> None:
        """Row k read by every row, `g[i][j] = f(g[i][j], g[i][k], g[k][j])` (Floyd-Warshall's shape):
        the i loop carries dependences only through i == k, which `--optimize` splits there. Near
        misses that must keep the i loop serial: each row reads the one before it, or two pivot rows
        (k and its mirror); and a variant whose column loop starts after k."""
        g = self.array_2d(square=True)
        size = g.dims[0]
        miss = self.rng.choice(["", "", "", "after", "min", "previous", "mirror"])
        k, i, j = self.fresh("k"), self.fresh("i"), self.fresh("j")
        # bounded work (the offload and ThreadSanitizer builds run each pivot's rows as regions too):
        # every pivot of a small array, at most 6 of a large one
        pivots = min(size, self.rng.choice([2, 3, 6] + ([size] if size <= 30 else [])))
        row_lo = 1 if miss == "previous" else 0
        own, ik = f"{g.name}[{i}][{j}]", f"{g.name}[{i}][{k}]"
        kj = f"{g.name}[{i} - 1][{j}]" if miss == "previous" else f"{g.name}[{k}][{j}]"
        if miss == "min":
            value = f"{ik} + {kj} < {own} ? {ik} + {kj} : {own}"
        else:
            terms = [own, ik, kj] + ([f"{g.name}[{size - 1} - {k}][{j}]"] if miss == "mirror" else [])
            value = self.expression(terms, j)
        column = f"for (int {j} = {k} + 1; {j} < {size}; {j}++)" if miss == "after" else \
            self.loop_head(j, 0, size, size=size)
        self.body.append(f"    {self.loop_head(k, 0, pivots, size=pivots)}")
        self.body.append(f"        {self.loop_head(i, row_lo, size, size=size)}")
        self.body.append(f"            {column}")
        self.body.append(f"                {own} = {self.store(g.ctype, value)};")

    def t_relax(self) -> None:
        """Dijkstra's relaxation, `if (w > 0 && d[u] + w < d[v]) d[v] = d[u] + w;`: the write could
        reach d[u], which every iteration reads, only at v == u, where its condition cannot hold, so
        the loop is parallel. Near misses keep it serial: `>= 0` with `<=` (w == 0 holds there), the
        comparison turned around (0 < w holds there), and unsigned elements now and then (sums wrap)."""
        d, weights = self.array_1d(min_size=8), self.array_1d()
        size = min(d.size, weights.size)
        miss = self.rng.choice(["", "", "", "zero", "reversed"])
        u, v, w = self.fresh("u"), self.fresh("v"), self.fresh("w")
        self.body.append(f"    int {u} = {self.rng.randint(0, size - 1)} + zero;")
        self.body.append(f"    {self.loop_head(v, 0, size, size=size)} {{")
        self.body.append(f"        int {w} = {weights.name}[{v}] % 7;")
        du, dv = f"{d.name}[{u}]", f"{d.name}[{v}]"
        condition = {"": f"{w} > 0 && {du} + {w} < {dv}", "zero": f"{w} >= 0 && {du} + {w} <= {dv}",
                     "reversed": f"{w} > 0 && {du} < {dv} + {w}"}[miss]
        value = f"{du} - {w}" if miss == "reversed" else f"{du} + {w}"
        self.body.append(f"        if ({condition})")
        self.body.append(f"            {dv} = {self.store(d.ctype, value)};")
        self.body.append("    }")

    def t_scratch(self) -> None:
        """A static scratch row of a helper function's nest (doitgen's `sum`, old solvers' work rows):
        written in full, then read, in every row of the outer loop, and named by nothing else, so the
        outer loop is parallel with a private copy. Where main reads the row afterwards, another
        function reads it or it has external linkage, the copy is lastprivate (every row writes all
        of it). Near misses keep it serial: each row writes it only from its second element (the
        first keeps what was there before), the loop keeps a pointer to it that the helper reads
        afterwards, or it is threadprivate (each thread its own copy)."""
        a = self.new_array((self.rng.choice([3, 8, 30, 64]), self.rng.choice([8, 30, 64, 120])), where="global")
        rows, width = a.dims
        b = self.new_array((rows, width), where="global", ctype=a.ctype)
        miss = self.rng.choice(["", "", "", "local", "read", "peek", "extern", "partial", "escape", "threadprivate"])
        row, helper = self.fresh("s"), self.fresh("scratch")
        ctype = self.rng.choice(["int", "long long", "short"])
        declaration = f"{'' if miss == 'extern' else 'static '}{ctype} {row}[{width}];"
        if miss != "local":
            self.top.append(declaration)
        if miss == "threadprivate":
            self.top.append(f"#pragma omp threadprivate({row})")
        i, j, k = self.fresh("i"), self.fresh("j"), self.fresh("j")
        value = self.expression([f"{a.name}[{i}][{j}]", f"{a.name}[{i}][{width - 1} - {j}]"], j)
        lines = [f"static void {helper}(int n)", "{"] + ([f"    {declaration}"] if miss == "local" else [])
        if miss == "escape":
            lines.append(f"    {ctype} *last = 0;")
        lines += [f"    for (int {i} = 0; {i} < n; {i}++) {{",
                  f"        for (int {j} = {1 if miss == 'partial' else 0}; {j} < {width}; {j}++)",
                  f"            {row}[{j}] = {self.store(ctype, value)};",
                  f"        for (int {k} = 1; {k} < {width}; {k}++)",
                  f"            {b.name}[{i}][{k}] = {self.store(b.ctype, f'{row}[{k}] - {row}[{k} - 1]')};"]
        if miss == "escape":
            lines.append(f"        last = {row};")
        lines.append("    }")
        if miss == "escape":
            lines.append(f"    {b.name}[0][0] = {self.store(b.ctype, f'last ? last[{width - 1}] : 0')};")
        lines.append("}")
        if miss == "peek":
            lines += [f"static long long {helper}_peek(void) {{ return (long long){row}[{width - 1}]; }}"]
        self.functions.extend(lines)
        self.body.append(f"    {helper}({self.size_var(rows) if self.chance(0.5) else rows});")
        if miss in ("read", "extern"):
            self.body.append(f'    printf("{row} %lld\\n", (long long){row}[1]);')
        elif miss == "peek":
            self.body.append(f'    printf("{row} %lld\\n", {helper}_peek());')

    def t_constants(self) -> None:
        """Locals initialized with a constant (a stride, a length, a distance) that nothing assigns
        again: the analysis reads them as numbers. A distance that is a multiple of the stride is a
        real dependence; a zero length leaves a scalar's value from before the loop. Near misses assign
        one again (the same value, through argc), lend its address, or store a value its narrow type
        changes (`unsigned char k = 258` is 2)."""
        d, e = self.array_1d(min_size=40), self.array_1d(min_size=40)
        size = min(d.size, e.size)
        k, m, n, t = self.fresh("k"), self.fresh("m"), self.fresh("len"), self.fresh("t")
        i, j = self.fresh("i"), self.fresh("i")
        stride, distance = self.rng.choice([1, 2, 3, 4]), self.rng.randint(0, 6)
        longest = (size - 1 - distance) // stride + 1  # k * (len - 1) + m stays below size
        length = min(longest, self.rng.choice([0, 1, longest, self.rng.randint(2, 30)]))
        miss = self.rng.choice(["", "", "", "const", "narrow", "assigned", "address"])
        k_decl = {"const": f"const int {k} = {stride};", "narrow": f"unsigned char {k} = {stride + 256};"}
        self.body.append(f"    {k_decl.get(miss, f'int {k} = {stride};')}")
        self.body.append(f"    int {m} = {distance}, {n} = {length};")
        self.body.append(f"    int {t} = {self.rng.randint(-99, 99)};")
        if miss == "assigned":
            self.body.append(f"    if (zero) {k} = {k} + 1;")
        elif miss == "address":
            self.body.append(f"    {{ int *p = &{k}; *p += zero; }}")
        value = self.expression([f"{d.name}[{k} * {i}]", f"{e.name}[{i}]"], i)
        self.body.append(f"    for (int {i} = 0; {i} < {n}; {i}++)")
        self.body.append(f"        {d.name}[{k} * {i} + {m}] = {self.store(d.ctype, value)};")
        self.body.append(f"    for (int {j} = 0; {j} < {n}; {j}++) {{")
        self.body.append(f"        {t} = {e.name}[{j}] + {j} * {k};")
        self.body.append(f"        {e.name}[{j}] = {self.store(e.ctype, f'{t} - {d.name}[{j}]')};")
        self.body.append("    }")
        self.scalars.append(Scalar(t, "int"))

    def t_skips(self) -> None:
        """Writes of a local buffer (or a scalar) that a jump inside the body may skip, while the read
        after them runs: `do { if (c) break; t[0] = ...; } while (0);`, its `continue`, an inner loop's
        `break`, a forward `goto`, a switch's `break`; and the loop's own `continue`, which skips the
        read too (private is right there). The buffer starts at non-zero values."""
        src, dst = self.array_1d(), self.array_1d()
        size = min(src.size, dst.size)
        form = self.rng.choice(["do_break", "do_continue", "inner_break", "goto", "switch", "continue"])
        t, i, k = self.fresh("t"), self.fresh("i"), self.rng.randint(2, 5)
        # (skipped at multiples of k: where a thread's chunk starts, a private copy shows its garbage)
        test = f"{i} % {k} == 0" if self.chance(0.7) else f"{src.name}[{i}] % {k} == 1"
        store = f"{t}[0] = {src.name}[{i}] % 100; {t}[1] = {i} % 50;"
        body = {"do_break": f"do {{ if ({test}) break; {store} }} while (0);",
                "do_continue": f"do {{ if ({test}) continue; {store} }} while (0);",
                "inner_break": f"for (int q = 0; q < 2; q++) {{ if ({test} && q == 1) break; {t}[q] = {i} % 50 + q; }}",
                "goto": f"if ({test}) goto {t}_skip; {store} {t}_skip: ;",
                "switch": f"switch ({i} % {k}) {{ case 0: break; default: {store} }}",
                "continue": f"if ({test}) continue; {store}"}[form]
        self.body.append(f"    int {t}[2] = {{7, 9}};")
        self.emit_loop(i, 0, size, [body, f"{dst.name}[{i}] = {self.store(dst.ctype, f'{t}[0] + {t}[1]')};"], size=size)

    def t_records(self) -> None:
        """An array of structs of 2 to 4 integer fields (global or local): loops that update fields of
        each element from fields of the same element, in main or through a pointer in a helper, or from
        another field of the previous element (never written by the loop): parallel, the fields of one
        element being distinct memory. Near misses: a field from the previous element's same field (a
        flow dependence), a union (its members share memory: the next element's member is the field
        the next iteration writes), the next element copied whole before a field is written. Now and
        then the loop also copies each element whole into another array (NAS FT's evolve)."""
        miss = self.rng.choice(["", "", "", "other", "neighbour", "union", "whole"])
        count = self.rng.randint(2, 4)
        fields = [f"f{k}" for k in range(count)]
        if miss == "union":  # one type for every member: each reads what another wrote, bit for bit
            types = [self.rng.choice(["int", "long long", "short"])] * count
        else:
            types = [self.rng.choice(ELEMENT_TYPES) for _ in fields]
        kind, tag = ("union" if miss == "union" else "struct"), self.fresh("R")
        self.top.append(f"{kind} {tag} {{ {' '.join(f'{t} {f};' for t, f in zip(types, fields))} }};")
        size = self.rng.choice([16, 100, 1000, 3000])
        local = size <= 1000 and self.chance(0.3)
        name = self.fresh("L" if local else "r")
        (self.body if local else self.top).append(f"{'    ' if local else ''}{kind} {tag} {name}[{size}];")
        self.records.append((name, size, fields))
        i = self.fresh("i")
        k1, m = self.rng.randint(1, 97), self.rng.choice([7, 23, 101, 999])
        self.body.append(f"    for (int {i} = 0; {i} < {size}; {i}++) {{")
        for k, (t, f) in enumerate(zip(types, fields)):
            if miss == "union" and k:
                break  # one member holds the element's value
            self.body.append(f"        {name}[{i}].{f} = {self.store(t, f'({i} * {k1 + k} + {k}) % {m} - {m // 2}')};")
        self.body.append("    }")
        w = self.rng.randrange(count)
        r = self.rng.choice([k for k in range(count) if k != w])
        j = self.fresh("i")
        if miss in ("", "other") and self.chance(0.4):
            # a helper through a pointer to the elements: the only memory it touches
            helper = self.fresh("records")
            value = self.expression([f"p[{j}].{fields[r]}", f"p[{j}].{fields[w]}"], j)
            self.functions += [f"static void {helper}({kind} {tag} *p, int n)", "{",
                               f"    for (int {j} = 0; {j} < n; {j}++)",
                               f"        p[{j}].{fields[w]} = {self.store(types[w], value)};", "}"]
            self.body.append(f"    {helper}({name}, {self.size_var(size) if self.chance(0.5) else size});")
            return
        if miss == "other":
            value = self.expression([f"{name}[{j} - 1].{fields[r]}", f"{name}[{j}].{fields[w]}"], j)
            lo, hi = 1, size
        elif miss == "neighbour":
            value = self.expression([f"{name}[{j} - 1].{fields[w]}", f"{name}[{j}].{fields[r]}"], j)
            lo, hi = 1, size
        elif miss == "union":
            value = self.expression([f"{name}[{j} + 1].{fields[r]}", f"{name}[{j}].{fields[w]}"], j)
            lo, hi = 0, size - 1
        elif miss == "whole":
            value = self.expression([f"{name}[{j}].{fields[r]}", f"{name}[{j}].{fields[w]}"], j)
            lo, hi = 0, size - 1
        else:
            value = self.expression([f"{name}[{j}].{fields[r]}", f"{name}[{j}].{fields[w]}"], j)
            lo, hi = 0, size
        body = [f"{name}[{j}] = {name}[{j} + 1];"] if miss == "whole" else []
        body.append(f"{name}[{j}].{fields[w]} = {self.store(types[w], value)};")
        if miss == "" and count > 2 and self.chance(0.5):  # a second field of the same element
            third = next(k for k in range(count) if k not in (w, r))
            body.append(f"{name}[{j}].{fields[third]} = "
                        f"{self.store(types[third], f'{name}[{j}].{fields[third]} + {name}[{j}].{fields[w]}')};")
        if miss in ("", "whole") and self.chance(0.35):  # a whole copy of the element into another array
            copy = self.fresh("r")
            self.top.append(f"{kind} {tag} {copy}[{size}];")
            self.records.append((copy, size, fields))
            body.append(f"{copy}[{j}] = {name}[{j}];")
        self.emit_loop(j, lo, hi, body, size=size)
