"""loopgen's templates of tables: multi-level pointers built from allocations
(`T **a = malloc(n * sizeof *a); for (i...) a[i] = malloc(...)`), handed to kernels that index them
`a[i][j]` (autopar/frontend/row_tables.py proves the rows apart), or carve the rows from one block
(autopar/frontend/carved_rows.py: apart only under a run-time check). Near misses share a row, pass
one table twice, keep a row pointer in another variable, write a row from the one before, or carve
rows that reach into the next. Each `t_<name>` adds one block to the program being built (a
`ProgramBuilder`).
"""

from __future__ import annotations

from autopar.tools.fuzz.loopgen_builder import ProgramBuilder


class TableTemplates(ProgramBuilder):
    """Templates of row tables, each with near misses that must stay serial."""

    def t_rows(self) -> None:
        """Two tables of `n` rows of `m` elements (three levels now and then), a kernel over them, and
        the result copied into a global array the program prints. Now and then the kernel runs in a
        time loop that swaps the two tables after each step, and now and then the tables are static
        variables the kernel names itself (or is handed, a near miss)."""
        self.includes.add("stdlib.h")
        t = self.rng.choice(["int", "long long", "int", "unsigned", "short"])
        n, m = self.rng.choice([3, 40, 150]), self.rng.choice([2, 30, 200])
        miss = self.rng.choice(["none"] * 5 + ["shared", "block", "twice", "escape", "carried"])
        cube = miss in ("none", "carried") and self.chance(0.25)
        alloc, kernel, k = self.fresh("tab"), self.fresh("kern"), self.rng.randint(2, 7)
        stars = "***" if cube else "**"
        if miss == "block":
            self.functions.append(
                f"static {t} **{alloc}(int n, int m)\n{{\n"
                f"    {t} **a = malloc(n * sizeof *a);\n    {t} *block = calloc((size_t)n * m + 1, sizeof *block);\n"
                f"    for (int i = 0; i < n; i++)\n        a[i] = block + (size_t)i * m;\n    return a;\n}}")
        elif cube:
            self.functions.append(
                f"static {t} ***{alloc}(int n, int m)\n{{\n    {t} ***a = malloc(n * sizeof *a);\n"
                f"    for (int i = 0; i < n; i++) {{\n        a[i] = malloc(2 * sizeof **a);\n"
                f"        for (int h = 0; h < 2; h++)\n            a[i][h] = calloc(m, sizeof ***a);\n    }}\n"
                f"    return a;\n}}")
        else:
            self.functions.append(
                f"static {t} **{alloc}(int n, int m)\n{{\n    {t} **a = ({t} **)malloc(n * sizeof({t} *));\n"
                f"    for (int i = 0; i < n; i++)\n        a[i] = ({t} *)calloc(m, sizeof({t}));\n    return a;\n}}")
        h = "[h]" if cube else ""
        if miss == "carried":
            value, lo = f"d[i - 1]{h}[j] * {k} + s[i]{h}[j]", 1
        elif miss == "escape":
            value, lo = f"r[j] + s[i]{h}[j] * {k}", 0
        else:
            value, lo = f"s[i]{h}[j] * {k} + s[i]{h}[j + 1] - d[i]{h}[j]", 0
        escape = f"    {t} *r = d[0];\n" if miss == "escape" else ""
        inner = "        for (int h = 0; h < 2; h++)\n" if cube else ""
        pad = "    " if cube else ""
        a, b, tmp, it = self.fresh("ta"), self.fresh("tb"), self.fresh("tt"), self.fresh("it")
        # static tables: named by the kernel itself, or (a near miss) handed to it as parameters
        shared = miss != "twice" and self.chance(0.3)
        direct = shared and self.chance(0.7)
        parameters = "int n, int m" if direct else f"{t} {stars}d, {t} {stars}s, int n, int m"
        text = (f"static void {kernel}({parameters})\n{{\n{escape}"
                f"    for (int i = {lo}; i < n; i++)\n{inner}{pad}        for (int j = 0; j < m - 1; j++)\n"
                f"{pad}            d[i]{h}[j] = {self.store(t, value)};\n}}")
        if direct:
            text = text.replace("d[", f"{b}[").replace("s[", f"{a}[")
        if shared:
            self.top.append(f"static {t} {stars}{a}, {stars}{b};")
        self.functions.append(text)
        out = self.new_array((n * m * (2 if cube else 1),), where="global", ctype=t)
        rows, cols = self.size_var(n) if self.chance(0.5) else str(n), str(m)
        second = a if miss == "twice" else b
        swap = miss == "none" and self.chance(0.4)
        fill_h = "for (int h = 0; h < 2; h++) " if cube else ""
        self.body += [
            "    {",
            f"        {a} = {alloc}({rows}, {cols}); {b} = {alloc}({rows}, {cols});" if shared else
            f"        {t} {stars}{a} = {alloc}({rows}, {cols}), {stars}{b} = {alloc}({rows}, {cols});",
            f"        for (int i = 0; i < {n}; i++) {fill_h}for (int j = 0; j < {m}; j++) {{",
            f"            {a}[i]{h}[j] = ({t})((i * 7 + j * 3) % 11); {b}[i]{h}[j] = ({t})((i + j * 5) % 13);",
            "        }",
        ]
        if miss == "shared" and n > 1:
            self.body.append(f"        {b}[1] = {b}[0];")
        if swap:
            steps = self.rng.randint(2, 4)
            call = f"{kernel}({rows}, {cols})" if direct else f"{kernel}({b}, {a}, {rows}, {cols})"
            self.body += [f"        for (int {it} = 0; {it} < {steps} + zero; {it}++) {{",
                          f"            {call};",
                          f"            {t} {stars}{tmp} = {a}; {a} = {b}; {b} = {tmp};",
                          "        }"]
        else:
            self.body.append(f"        {kernel}({rows}, {cols});" if direct else
                             f"        {kernel}({b}, {second}, {rows}, {cols});")
        index = f"(i * 2 + h) * {m} + j" if cube else f"i * {m} + j"
        self.body += [f"        for (int i = 0; i < {n}; i++) {fill_h}for (int j = 0; j < {m}; j++)",
                      f"            {out.name}[{index}] = {b}[i]{h}[j];",
                      "    }"]

    def t_members(self) -> None:
        """Array members (autopar/frontend/member_paths.py member_extents): a struct holding two 2-D
        arrays (a global one, or one a helper reaches through a pointer), or an array of structs
        each holding two small vectors; a nest updates one member from the other, and the result is
        copied into a global array the program prints. Near misses: the row or element before (a
        flow dependence on the outer loop), a union of a 2-D and a flat array (the flat array's next
        row is the 2-D array's, which the next iteration writes), a pointer member whose rows
        overlap; and a bound in a variable, which leaves the fields to a runtime check (the rows' bound)
        or the member's rows to one (the columns' bound: autopar/deps/member_bounds.py)."""
        t = self.rng.choice(["int", "long long", "short", "unsigned"])
        n, m, k = self.rng.choice([3, 40, 150]), self.rng.choice([2, 17, 64]), self.rng.randint(2, 7)
        miss = self.rng.choice(["none"] * 4 + ["before", "union", "pointer", "symbolic", "columns"])
        tag, x = self.fresh("M"), self.fresh("mx")
        rows = self.size_var(n) if miss == "symbolic" else str(n)
        cols = self.size_var(m) if miss == "columns" else str(m)  # (kept inside by a run-time test)
        out = self.new_array((n * m,), where="global", ctype=t)
        fill = f"({t})((i * 7 + j * 3) % 11)"
        if miss == "pointer":
            pool = self.fresh("pool")
            self.top += [f"struct {tag} {{ {t} *row; {t} w[{m}]; }};", f"static struct {tag} {x}[{n}];",
                         f"static {t} {pool}[{n * m}];"]
            self.body += [f"    for (int i = 0; i < {n}; i++) {{",
                          f"        {x}[i].row = {pool} + (i / 2) * {m};  /* two neighbours share a row */",
                          f"        for (int j = 0; j < {m}; j++) {x}[i].w[j] = {fill};", "    }",
                          f"    for (int i = 0; i < {n}; i++)", f"        for (int j = 0; j < {m}; j++)",
                          f"            {x}[i].row[j] = {self.store(t, f'{x}[i].w[j] * {k} + i')};",
                          f"    for (int i = 0; i < {n * m}; i++)", f"        {out.name}[i] = {pool}[i];"]
            return
        if miss == "union":
            self.top += [f"union {tag} {{ {t} a[{n}][{m}]; {t} b[{n * m}]; }};", f"static union {tag} {x};"]
            self.body += [f"    for (int i = 0; i < {n * m}; i++)", f"        {x}.b[i] = ({t})(i % 13);",
                          f"    for (int i = 0; i < {n} - 1; i++)", f"        for (int j = 0; j < {m}; j++)",
                          f"            {x}.a[i][j] = {self.store(t, f'{x}.b[(i + 1) * {m} + j] * {k} + j')};",
                          f"    for (int i = 0; i < {n * m}; i++)", f"        {out.name}[i] = {x}.b[i];"]
            return
        grid = self.chance(0.5)
        if grid:
            self.top += [f"struct {tag} {{ {t} u[{n}][{m}]; {t} f[{n}][{m}]; int steps; }};",
                         f"static struct {tag} {x};"]
            fill_both = f"{x}.u[i][j] = {fill}; {x}.f[i][j] = ({t})((i + j * 5) % 13);"
            target, source, before = "X.u[i][j]", "X.f[i][j] * K + X.f[i][j + 1] - X.u[i][j]", "X.u[i - 1][j]"
            result = f"{x}.u[i][j]"
        else:
            self.top += [f"struct {tag} {{ {t} x[{m}]; {t} v[{m}]; {t} mass; }};", f"static struct {tag} {x}[{n}];"]
            fill_both = f"{x}[i].x[j] = {fill}; {x}[i].v[j] = ({t})((i + j * 5) % 13);"
            target, source, before = "X[i].x[j]", "X[i].v[j] * K + X[i].v[j + 1] - X[i].x[j]", "X[i - 1].x[j]"
            result = f"{x}[i].x[j]"
        value = f"{before} * K + {source.split(' * K')[0]}" if miss == "before" else source
        lo = 1 if miss == "before" else 0
        through = self.chance(0.4)  # a helper reaching the struct through a pointer
        name = ("(*p)" if grid else "p") if through else x
        kernel = (f"    for (int i = {lo}; i < {rows if not through else 'n'}; i++)\n"
                  f"        for (int j = 0; j < {cols if not through else 'm'} - 1; j++)\n"
                  f"            {target.replace('X', name)} = "
                  f"{self.store(t, value.replace('X', name).replace('K', str(k)))};")
        self.body += [f"    for (int i = 0; i < {n}; i++)", f"        for (int j = 0; j < {m}; j++) {{ {fill_both} }}"]
        if through:
            helper = self.fresh("memb")
            pointer = f"struct {tag} *p"
            self.functions.append(f"static void {helper}({pointer}, int n, int m)\n{{\n{kernel}\n}}")
            self.body.append(f"    {helper}({'&' + x if grid else x}, {rows}, {cols});")
        else:
            self.body.append(kernel)
        self.body += [f"    for (int i = 0; i < {n}; i++)", f"        for (int j = 0; j < {m}; j++)",
                      f"            {out.name}[i * {m} + j] = {result};"]

    def t_carved(self) -> None:
        """Row tables carved from one block (autopar/frontend/carved_rows.py): `a[i] = block + i * stride`,
        `&block[i * stride]`, Numerical Recipes' `a[i] = a[i - 1] + stride`, or rows a helper carves
        into the caller's table. A kernel writes one table from the other (or one in place), now and
        then in a time loop that swaps them, and the result is copied into a global array the program
        prints. The stride is the row length, longer, or shorter (a near miss the run-time check must
        catch: a row reaches into the next). Near misses: the row before (a flow dependence), and two
        tables carved from one block, one a row after the other."""
        self.includes.add("stdlib.h")
        t = self.rng.choice(["int", "long long", "short", "unsigned"])
        n, m, k = self.rng.choice([3, 40, 150]), self.rng.choice([2, 17, 64]), self.rng.randint(2, 7)
        stride = self.rng.choice([m, m, m + 3, max(1, m - 1)])
        form = self.rng.choice(["block", "address", "chain", "into"])
        miss = self.rng.choice(["none"] * 4 + ["before", "one_block"])
        in_place = miss == "none" and self.chance(0.3)
        alloc, kernel, second = self.fresh("carve"), self.fresh("kern"), self.fresh("second")
        size = "(size_t)(n + 1) * stride + m + 1"  # (a short stride's last row still ends inside)
        if miss == "one_block":
            self.top.append(f"static {t} **{second};")
            form = "block"
        row = {"block": "block + (size_t)i * stride", "address": "&block[(size_t)i * stride]",
               "chain": "a[i - 1] + stride", "into": "block + (size_t)i * stride"}[form]
        start = 1 if form == "chain" else 0
        head = f"    {t} *block = calloc({size}, sizeof *block);\n" if form != "chain" else \
            f"    a[0] = calloc({size}, sizeof **a);\n"
        carve = f"    for (int i = {start}; i < n; i++)\n        a[i] = {row};\n"
        if miss == "one_block":
            carve += (f"    {t} **b = malloc(n * sizeof *b);\n    for (int i = 0; i < n; i++)\n"
                      f"        b[i] = block + (size_t)(i + 1) * stride;\n    {second} = b;\n")
        if form == "into":
            self.functions.append(f"static void {alloc}({t} **a, int n, int stride, int m)\n{{\n{head}{carve}}}")
        else:
            check = "    if (!a)\n        return NULL;\n" if self.chance(0.4) else ""
            self.functions.append(f"static {t} **{alloc}(int n, int stride, int m)\n{{\n"
                                  f"    {t} **a = malloc(n * sizeof *a);\n{check}{head}{carve}    return a;\n}}")
        if miss == "before":
            value, lo = f"d[i - 1][j] * {k} + s[i][j]", 1
        elif in_place:
            value, lo = f"d[i][j] * {k} + d[i][j + 1] + i", 0
        else:
            value, lo = f"s[i][j] * {k} + s[i][j + 1] - d[i][j]", 0
        self.functions.append(f"static void {kernel}({t} **d, {t} **s, int n, int m)\n{{\n"
                              f"    for (int i = {lo}; i < n; i++)\n        for (int j = 0; j < m - 1; j++)\n"
                              f"            d[i][j] = {self.store(t, value)};\n}}")
        out = self.new_array((n * m,), where="global", ctype=t)
        rows = self.size_var(n) if self.chance(0.5) else str(n)
        a, b, tmp, it = self.fresh("ca"), self.fresh("cb"), self.fresh("ct"), self.fresh("it")
        if form == "into":
            made = [f"        {t} **{a} = malloc({n} * sizeof *{a}), **{b} = malloc({n} * sizeof *{b});",
                    f"        {alloc}({a}, {rows}, {stride}, {m}); {alloc}({b}, {rows}, {stride}, {m});"]
        elif miss == "one_block":  # b's rows are a's, one row on
            made = [f"        {t} **{a} = {alloc}({rows}, {stride}, {m}), **{b} = {second};"]
        else:
            made = [f"        {t} **{a} = {alloc}({rows}, {stride}, {m}), **{b} = {alloc}({rows}, {stride}, {m});"]
        self.body += ["    {", *made,
                      f"        for (int i = 0; i < {n}; i++) for (int j = 0; j < {m}; j++) {{",
                      f"            {a}[i][j] = ({t})((i * 7 + j * 3) % 11); {b}[i][j] = ({t})((i + j * 5) % 13);",
                      "        }"]
        if miss == "none" and self.chance(0.4):
            self.body += [f"        for (int {it} = 0; {it} < {self.rng.randint(2, 4)} + zero; {it}++) {{",
                          f"            {kernel}({b}, {a}, {rows}, {m});",
                          f"            {t} **{tmp} = {a}; {a} = {b}; {b} = {tmp};",
                          "        }"]
        else:
            self.body.append(f"        {kernel}({b}, {a}, {rows}, {m});")
        self.body += [f"        for (int i = 0; i < {n}; i++) for (int j = 0; j < {m}; j++)",
                      f"            {out.name}[i * {m} + j] = {b}[i][j];",
                      "    }"]
