"""loopgen's templates of loops in `main`: maps, reductions of every operator and type, lastprivate
scalars, unsigned counters, 2-D nests, row reductions, strides, and dependences that must stay serial.
Each `t_<name>` adds one block to the program being built (a `ProgramBuilder`).
"""

from __future__ import annotations

import re
from typing import Optional

from autopar.tools.fuzz.loopgen_builder import (INT_TYPES, REDUCTION_OPS, TYPES, ProgramBuilder, Scalar, flip_comparison,
                                          is_signed)


class LoopTemplates(ProgramBuilder):
    """Templates of loops and nests written in `main`."""

    def t_map(self) -> None:
        """X[i + a] = f(Y[i + b], Z[i], i): parallel, or carried when X is Y with a > b or a < b."""
        dst, src, other, size, a, b = self.map_arrays()
        lo, hi = 0, size - max(a, b)
        if hi <= lo:
            return
        iv, body = self.map_statement(dst, src, other, a, b)
        if self.chance(0.25):
            body = f"if ({other.name}[{iv}] {self.rng.choice(['>', '<', '!=', '=='])} {self.rng.randint(-20, 20)}) {body}"
        self.emit_loop(iv, lo, hi, [body], size=size)

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
        self.body.append(f"    {self.spelled(acc_type)} {name} = {start};")
        less = self.rng.choice(["<", "<="]) if op == "min" else self.rng.choice([">", ">="])
        if op in ("min", "max"):
            form = self.rng.randint(0, 3)
            # now and then a cast on the stored copy or on the compared one: the two values then differ
            cast = f"({self.rng.choice([acc_type, 'signed char', 'unsigned char', 'short'])})"
            stored = f"{cast}{item}" if self.chance(0.25) else item
            item = f"{cast}{item}" if stored == item and self.chance(0.15) else item
            if form == 0:
                stmt = f"if ({item} {less} {name}) {name} = {stored};"
            elif form == 1:
                stmt = f"{name} = {item} {less} {name} ? {stored} : {name};"
            elif form == 2:
                stmt = f"{name} = ({name} {flip_comparison(less)} {item}) ? {stored} : {name};"
            else:
                stmt = f"if ({name} {flip_comparison(less)} {item}) {{ {name} = {stored}; }}"
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
        guard = self._entry_guard(head, iv, lo) if self.chance(0.4) else None
        self.body.extend([guard[0]] if guard else [])
        self.body.append(f"    {head} {{")
        self.body.extend(f"        {line}" for line in body)
        self.body.append("    }")
        self.body.extend([guard[1]] if guard else [])
        self.scalars += [Scalar(t, t_type), Scalar(iv, "int")]

    def _entry_guard(self, head: str, iv: str, lo: int) -> Optional[tuple[str, str]]:
        """The lines opening and closing a block around a lastprivate loop whose test proves it runs
        (`if (lo < bound)`, the `else` of `if (bound <= lo)`, a `break` out of `do { } while (0)` when
        `bound <= lo`), or one whose test does not (`bound >= lo`: the bound may equal lo)."""
        found = re.search(rf"\b{iv} < ([^;]+);", head)
        if found is None:
            return None
        bound = found.group(1).rstrip(")") if found.group(1).count(")") > found.group(1).count("(") else found.group(1)
        return self.rng.choice([(f"    if ({lo} < {bound}) {{", "    }"), (f"    if (({bound}) <= {lo}) {{ }} else {{", "    }"),
                                (f"    if (({bound}) >= {lo}) {{", "    }"),
                                (f"    do {{ if (({bound}) <= {lo}) break;", "    } while (0);"),
                                (f"    do {{ if (({bound}) < {lo}) break;", "    } while (0);")])

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

    def t_linear(self) -> None:
        """A counter advanced once per iteration and used in subscripts (`d[j] = s[i]; j += k;`):
        linear(j:k), the counter read before or after its increment or as a value, kept after the
        loop; or a near miss that must stay serial: an increment under a condition, the counter in a
        condition, a read one step back."""
        dst, src = self.array_1d(min_size=64), self.array_1d()
        step = self.rng.choice([1, 1, 2, 3, -1])
        trips = min(src.size, (dst.size - 8) // abs(step))
        if trips < 4:
            return
        j, iv = self.fresh("j"), self.fresh("i")
        start = 4 if step > 0 else 4 + abs(step) * trips
        ctype = "long" if self.chance(0.2) else "int"  # a counter wider than `i` stays serial
        self.body.append(f"    {ctype} {j} = {start};")
        inc = f"{j}++;" if step == 1 else (f"{j}--;" if step == -1 else f"{j} += {step};")
        miss = self.rng.choice(["", "", "", "after", "value", "cond", "condvalue", "carried"])
        use = f"{dst.name}[{j}] = {self.store(dst.ctype, f'{src.name}[{iv}] * 3 + {iv} % 5')};"
        if miss == "carried":
            use = f"{dst.name}[{j}] = {self.store(dst.ctype, f'{dst.name}[{j} - {1 if step > 0 else -1}] + {src.name}[{iv}]')};"
            self.body[-1] = f"    {ctype} {j} = {start + (1 if step > 0 else -1)};"
        body = [inc, use] if miss == "after" else [use, inc]
        if miss in ("value", "condvalue"):  # the counter read as a value too; under a condition: serial
            value = f"{src.name}[{iv}] = {self.store(src.ctype, f'{j} % 11 + {iv}')};"
            body = [use, f"if ({j} % 3 == 0)" if miss == "condvalue" else "{", f"    {value}",
                    *([] if miss == "condvalue" else ["}"]), inc]
        if miss == "cond":
            body = [f"if ({src.name}[{iv}] % 3 == 0) {{", f"    {use}", f"    {inc}", "}"]
        self.emit_loop(iv, 0, trips, body, size=trips)
        self.scalars.append(Scalar(j, ctype))

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

    def t_last_assigned(self) -> None:
        """Scalars assigned in some iterations only and printed after the loop (conditional lastprivate):
        several of them, an assignment in a loop inside (which may `break`), after a `continue`, a pointer
        into an array, a value read back in the same iteration; the loop may run zero times. Near misses
        stay serial: an update that reads the old value (`t = t + 1`) or an address taken."""
        src, dst = self.array_1d(), self.array_1d()
        size = min(src.size, dst.size)
        iv, jv, t, u, p = self.fresh("i"), self.fresh("j"), self.fresh("t"), self.fresh("u"), self.fresh("p")
        t_type = self.rng.choice(["int", "long long", "short", "unsigned", "unsigned char"])
        self.body.append(f"    {t_type} {t} = {self.rng.randint(-99, 99)};")
        self.body.append(f"    int {u} = {self.rng.randint(-9, 9)};")
        self.body.append(f"    const {src.ctype} *{p} = {src.name};")
        head = self.zero_trip_head(iv, 0, True) if self.chance(0.25) else self.loop_head(iv, 0, size, size=size)
        cut = self.rng.randint(-20, 20)
        form = self.rng.choice(["plain", "inner", "continue", "pointer", "reread", "updated", "address"])
        body = {"plain": [f"if ({src.name}[{iv}] > {cut}) {t} = {src.name}[{iv}] + {iv};",
                          f"if ({src.name}[{iv}] < {cut}) {u} = {iv};"],
                "inner": [f"for (int {jv} = 0; {jv} < {iv} % 4; {jv}++) {{",
                          f"    if ({src.name}[{iv}] % 5 == {jv}) break;",
                          f"    {t} = {iv} * 4 + {jv};", "}"],
                "continue": [f"if ({src.name}[{iv}] > {cut}) continue;", f"{u} = {iv};",
                             f"if ({iv} % 3 == 0) {t} = {src.name}[{iv}];"],
                "pointer": [f"if ({src.name}[{iv}] > {cut}) {p} = &{src.name}[{iv}];"],
                "reread": [f"if ({src.name}[{iv}] > {cut}) {{ {u} = {iv} * 2; "
                           f"{dst.name}[{iv}] = {self.store(dst.ctype, f'{u} + 1')}; }}"],
                "updated": [f"if ({src.name}[{iv}] > {cut}) {u} = {u} + {iv} % 7;"],
                "address": [f"if ({src.name}[{iv}] > {cut}) {{ int *q = &{u}; *q = {iv}; }}"]}[form]
        self.body.append(f"    {head} {{")
        self.body.extend(f"        {line}" for line in body)
        self.body.append("    }")
        self.body.append(f"    {t} = {t} + ({p} - {src.name});")
        self.scalars += [Scalar(t, t_type), Scalar(u, "int")]
