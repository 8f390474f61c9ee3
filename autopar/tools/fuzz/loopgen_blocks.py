"""loopgen's templates of block solves (NAS BT's line solves): two helper functions share static work
arrays, which every iteration of their outer loops fills whole and then reads (`lastprivate` copies,
autopar/plans/candidates/legality.py), and a small routine of the file eliminates each block through
its array arguments with inner loops that start past the pivot (`for (m = p + 1; ...)`: ranges that
are hulls, autopar/frontend/param_regions.py). Near misses must stay serial or give the serial output:
a work row the iteration does not fill (its first keeps an earlier iteration's value), and the
routine reading a work array by name, through a global pointer to it, or through a pointer a helper
returns; main reading the work arrays afterwards is no miss (the copies
are copied out: parallel, and the same output). And line solves whose every iteration writes the same
rows of a larger work array and a global scalar in loops that may not run (`t_line_rows`: copies
that start as the array and are copied back, the scalar lastprivate under a run-time check); near
misses write a row outside those rows in some iterations only, or rows that alternate. And loops that
print progress under a flag (`t_flags`: `if (trace) printf(...)` or a test of it, `if (trace != 0 &&
n > 1)`, parallel under its negation beside the serial copy, which runs when main sets the flag; an
`else` branch is read as written); near misses write the flag in the loop, or print after an inner
loop as well. And loops that compute a value over an inner loop, then update one bin of a large
array with it (`t_atomics`: atomic updates, the array too large to copy per thread); near misses
read the bin for a test, use the update's value, or update the array with two operators. And calls of
a helper that indexes global arrays with its parameters (`t_global_calls`); near misses write the next
element, a global scratch row the loop reads back, or the element a global counter picks. Each
`t_<name>` adds one block to the program being built (a `ProgramBuilder`).
"""

from __future__ import annotations

from autopar.tools.fuzz.loopgen_builder import ProgramBuilder


class BlockTemplates(ProgramBuilder):
    """Block solves over shared static work arrays, with their near misses."""

    def t_blocks(self) -> None:
        size = self.rng.choice([3, 4, 5])
        points = self.rng.choice([4, 8, 12])
        lines = self.rng.choice([3, 20, 60])
        miss = self.rng.choice(["", "", "", "unfilled", "named", "read", "held", "returned"])
        work, diag, eliminate = self.fresh("wk"), self.fresh("dg"), self.fresh("elim")
        src, out = self.fresh("bs"), self.fresh("bo")
        self.top += [f"static long long {work}[{points}][{size}][{size}], {diag}[{points}][{size}];",
                     f"static long long {src}[{lines}][{points}][{size}], {out}[{lines}][{points}][{size}];"]
        seed = self.rng.randint(1, 97)
        self.body += [f"    for (int i = 0; i < {lines}; i++)",
                      f"        for (int j = 0; j < {points}; j++)",
                      f"            for (int m = 0; m < {size}; m++)",
                      f"                {src}[i][j][m] = (i * {seed} + j * 7 + m * 3) % 19 - 9;"]
        # the routine: a forward elimination whose inner loops start past the pivot (exact in integers);
        # near misses read a work array by name, through a global pointer to it, or through a pointer
        # a helper returns (the shared array, not a thread's copy)
        peek = {"named": f" + {work}[0][0][0] % 3", "held": f" + {work}_held[1] % 3",
                "returned": f" + *{work}_at({work}[0][0], 1) % 3"}.get(miss, "")
        if miss == "held":
            self.top.append(f"static long long *{work}_held = &{work}[0][0][0];")
        if miss == "returned":
            self.functions += [f"static const long long *{work}_at(const long long *row, int k) {{ return row + k; }}"]
        self.functions += [
            f"static void {eliminate}(long long a[{size}][{size}], long long r[{size}])", "{",
            "    int p, q, m;",
            f"    for (p = 0; p < {size}; p++)",
            f"        for (q = p + 1; q < {size}; q++) {{",
            f"            for (m = p + 1; m < {size}; m++)",
            "                a[q][m] = (a[q][m] * 3 - a[p][m] * a[q][p]) % 1000;",
            f"            r[q] = (r[q] - r[p] * (a[q][p] % 5){peek}) % 1000;",
            "        }",
            "}"]
        # the second sweep fills the shared work arrays otherwise, and adds to what the first left
        for k, (name, first) in enumerate(((self.fresh("sweep"), 1 if miss == "unfilled" else 0), (self.fresh("sweep"), 0))):
            fill = f"({src}[i][j][q] + j) % 3" if k == 0 else f"({src}[i][{points - 1} - j][q] + m) % 5"
            keep = f"{diag}[j][m]" if k == 0 else f"({out}[i][j][m] + {diag}[j][m]) % 1000"
            self.functions += [
                f"static void {name}(int n)", "{",
                "    int i, j, m, q;",
                "    for (i = 0; i < n; i++) {",
                f"        for (j = {first}; j < {points}; j++)",
                f"            for (m = 0; m < {size}; m++) {{",
                f"                {diag}[j][m] = {src}[i][j][m] + i % 4;",
                f"                for (q = 0; q < {size}; q++)",
                f"                    {work}[j][m][q] = (m == q ? {7 + 2 * k} : 0) + {fill};",
                "            }",
                f"        for (j = 0; j < {points}; j++) {{",
                f"            for (m = 0; m < {size}; m++)",
                f"                {out}[i][j][m] = {keep};",
                f"            {eliminate}({work}[j], {out}[i][j]);",
                "        }",
                "    }",
                "}"]
            self.body.append(f"    {name}({self.size_var(lines) if self.chance(0.5) else lines});")
        total = self.fresh("total")
        self.body += [*self._sum_lines(total, "0", out, lines, points, size), f'    printf("{out} %lld\\n", {total});']
        if miss == "read":
            self.body.append(f'    printf("{work} %lld %lld\\n", {work}[{points - 1}][{size - 1}][0], {diag}[1][0]);')

    def t_line_rows(self) -> None:
        size = self.rng.choice([2, 3, 4])
        used = self.rng.choice([4, 9, 16])  # rows each line writes, of used + 1 (+ 2)
        lines = self.rng.choice([3, 24, 80])
        miss = self.rng.choice(["", "", "inside", "outside", "alternate"])
        rows, src, out, last = self.fresh("lr"), self.fresh("ls"), self.fresh("lo"), self.fresh("lt")
        sweep = self.fresh("lsweep")
        self.top += [f"static long long {rows}[{used + 2}][{size}], {last};",
                     f"static long long {src}[{lines}][{used}][{size}], {out}[{lines}][{used}][{size}];"]
        seed = self.rng.randint(1, 97)
        bound = "r - i % 2" if miss == "alternate" else "r"
        extra = {"inside": [f"        if ({src}[i][0][0] > 0) {rows}[r - 1][0] = i;"],
                 "outside": [f"        if ({src}[i][0][0] > 0) {rows}[r][0] = i;"]}.get(miss, [])
        self.functions += [
            f"static void {sweep}(int n, int r)", "{",
            "    int i, j, m;",
            "    for (i = 0; i < n; i++) {",
            f"        for (j = 0; j < {bound}; j++) {{",
            f"            {last} = {src}[i][j][0] + i;",
            f"            for (m = 0; m < {size}; m++)",
            f"                {rows}[j][m] = ({src}[i][j][m] * 3 + {last}) % 1000;",
            "        }",
            *extra,
            "        for (j = 1; j < r; j++) {",
            f"            {last} = {rows}[j][0] % 7 + i;",
            f"            for (m = 0; m < {size}; m++)",
            f"                {out}[i][j][m] = ({rows}[j][m] - {rows}[j - 1][m] + {last}) % 1000;",
            "        }",
            "    }",
            "}"]
        self.body += [f"    for (int i = 0; i < {used + 2}; i++)",
                      f"        for (int m = 0; m < {size}; m++)",
                      f"            {rows}[i][m] = i * 5 + m;",
                      f"    for (int i = 0; i < {lines}; i++)",
                      f"        for (int j = 0; j < {used}; j++)",
                      f"            for (int m = 0; m < {size}; m++)",
                      f"                {src}[i][j][m] = (i * {seed} + j * 7 + m * 3) % 19 - 9;",
                      f"    {sweep}({self.size_var(lines) if self.chance(0.5) else lines}, "
                      f"{self.size_var(used) if self.chance(0.5) else used});"]
        total = self.fresh("total")
        self.body += [*self._sum_lines(total, last, out, lines, used, size),
                      f"    for (int i = 0; i < {used + 2}; i++)",
                      f"        for (int m = 0; m < {size}; m++)",
                      f"                {total} += {rows}[i][m] * (i + 1);",
                      f'    printf("{out} %lld\\n", {total});']

    @staticmethod
    def _sum_lines(total: str, start: str, out: str, lines: int, points: int, size: int) -> list[str]:
        """main's checksum of a [lines][points][size] output array, into `total` from `start`."""
        return [f"    long long {total} = {start};",
                f"    for (int i = 0; i < {lines}; i++)",
                f"        for (int j = 0; j < {points}; j++)",
                f"            for (int m = 0; m < {size}; m++)",
                f"                {total} += {out}[i][j][m] * (m + 1);"]

    def t_flags(self) -> None:
        n = self.rng.choice([16, 300, 4000])
        miss = self.rng.choice(["", "", "", "param", "written", "else", "outside"])
        flag, on, src, dst, work = self.fresh("trace"), self.fresh("on"), self.fresh("fs"), self.fresh("fd"), \
            self.fresh("fwork")
        k = self.rng.randint(2, 9)
        self.top += [f"static int {flag};", f"static volatile int {on} = {self.rng.choice([0, 0, 1])};",
                     f"static long long {src}[{n}], {dst}[{n}];"]
        test = "show" if miss == "param" else flag
        test = self.rng.choice([test, test, f"{test} > 0", f"{test} != 0 && n > 1", f"!(n < 1) && {test} == 1"])
        note = f'printf("{flag} %d\\n", i)'
        inner = [f"        if ({test}) {note};" if miss != "else" else f"        if ({test}) {note}; else {dst}[i] = -1;",
                 f"        {dst}[i] = {dst}[i] / 3 + {src}[i] * {k} + i + t;"]
        if miss == "written":
            inner.append(f"        {flag} = {dst}[i] % 1000 == 999 ? 1 : {flag};")
        after = [f'        if ({test}) printf("{flag} t=%d\\n", t);'] if miss == "outside" else []
        self.functions += [
            f"static void {work}(int n{', int show' if miss == 'param' else ''})", "{",
            "    int i, t;",
            f"    for (t = 0; t < {self.rng.choice([1, 3])}; t++) {{",
            "    for (i = 0; i < n; i++) {", *inner, "    }", *after, "    }", "}"]
        self.body += [f"    for (int i = 0; i < {n}; i++)",
                      f"        {src}[i] = (i * {self.rng.randint(3, 97)}) % 101 - 50;",
                      f"    {flag} = {on};",
                      f"    {work}({self.size_var(n) if self.chance(0.5) else n}{f', {flag}' if miss == 'param' else ''});"]
        total = self.fresh("total")
        self.body += [f"    long long {total} = 0;",
                      f"    for (int i = 0; i < {n}; i++)",
                      f"        {total} += {dst}[i] * (i % 5 + 1);",
                      f'    printf("{dst} %lld\\n", {total});']

    def t_atomics(self) -> None:
        cells = self.rng.choice([5000, 9000, 20000])
        # (small enough that `--target gpu`, which offloads the inner loop once per outer iteration, stays quick)
        width, n = self.rng.choice([8, 32, 96]), self.rng.choice([200, 1000])
        miss = self.rng.choice(["", "", "", "", "guarded", "read", "used", "two_ops"])
        op = self.rng.choice(["++", "--", "+=", "-=", "|=", "^=", "&="])
        ctype = self.rng.choice(["int", "unsigned", "long long", "unsigned long long"])
        bins, src, work, total = self.fresh("ab"), self.fresh("as"), self.fresh("atom"), self.fresh("atotal")
        self.top += [f"static {ctype} {bins}[{cells}];", f"static int {src}[{n + width}];"]
        slot = f"{bins}[(unsigned)(s * {self.rng.randint(3, 31)} + i) % {cells}u]"
        update = f"{slot}{op};" if op in ("++", "--") else f"{slot} {op} s % 7;"
        body = [update]
        if miss == "guarded":
            body = [f"if (s > {self.rng.randint(-20, 20)}) {update}", f"else {bins}[(unsigned)i % {cells}u] {op[0]}= 2;"
                    if op in ("+=", "-=", "|=", "^=", "&=") else f"else {update}"]
        elif miss == "read":
            body = [f"if ({slot} < {self.rng.randint(1, 9)}) {update}"]
        elif miss == "used":
            body = [f"t += {slot}{'++' if op != '--' else '--'};"]
        elif miss == "two_ops":
            body = [update, f"{bins}[(unsigned)i % {cells}u] *= 3u;"]
        self.functions += [
            f"static long long {work}(int n)", "{",
            "    long long t = 0;",
            "    for (int i = 0; i < n; i++) {",
            "        long long s = 0;",
            f"        for (int j = 0; j < {width}; j++)",
            f"            s += {src}[i + j] * (j % 3 + 1);",
            *(f"        {line}" for line in body), "    }", "    return t;", "}"]
        self.body += [f"    for (int i = 0; i < {n + width}; i++)",
                      f"        {src}[i] = (i * {self.rng.randint(3, 97)}) % 101 - 50;",
                      f"    long long {total} = {work}({self.size_var(n) if self.chance(0.6) else n});",
                      f"    for (int i = 0; i < {cells}; i++)",
                      f"        {total} += (long long)({bins}[i] % 1000) * (i % 5 + 1);",
                      f'    printf("{bins} %lld\\n", {total});']

    def t_global_calls(self) -> None:
        """A helper that indexes global arrays with its parameters (`gw(i, n)` summing row i of a 2-D
        global into `g[i + off]`), called in a loop: its elements are accesses at the call. Near misses
        must stay serial: it writes the next element from this one, fills a global scratch row the loop
        reads back, or writes the element a global counter picks."""
        rows, cols = self.rng.choice([30, 200, 900]), self.rng.choice([8, 40, 120])
        miss = self.rng.choice(["", "", "", "neighbour", "scratch", "counter"])
        ctype = self.rng.choice(["int", "long long", "short", "unsigned"])
        dst, src, scratch, name = self.fresh("gd"), self.fresh("gs"), self.fresh("gt"), self.fresh("gw")
        off = self.rng.choice([0, 0, 1, 2])
        self.top += [f"{ctype} {dst}[{rows + 3}];", f"int {src}[{rows}][{cols}];", f"int {scratch}[{cols}];"]
        self.body += [f"    for (int i = 0; i < {rows}; i++)", f"        for (int j = 0; j < {cols}; j++)",
                      f"            {src}[i][j] = (i * {self.rng.randint(3, 97)} + j * 7) % 101 - 50;"]
        n = self.size_var(cols) if self.chance(0.5) else str(cols)
        if miss == "neighbour":
            self.functions.append(f"static void {name}(int i)\n{{\n    {dst}[i + 1] = "
                                  f"{self.store(ctype, f'{dst}[i] + {src}[i][0]')};\n}}")
            call = [f"{name}(i);"]
        elif miss == "scratch":
            self.functions.append(f"static void {name}(int i, int n)\n{{\n    for (int j = 0; j < n; j++)\n"
                                  f"        {scratch}[j] = {src}[i][j] * 3;\n}}")
            call = [f"{name}(i, {n});", f"{dst}[i + {off}] = {self.store(ctype, f'{scratch}[i % {cols}] + {scratch}[0]')};"]
        elif miss == "counter":
            counter = self.fresh("gc")
            self.top.append(f"int {counter};")
            self.functions.append(f"static void {name}(int v)\n{{\n    {dst}[{counter}] = {self.store(ctype, 'v')};\n}}")
            call = [f"{counter} = i + {off};", f"{name}({src}[i][i % {cols}]);"]
        else:
            self.functions.append(f"static void {name}(int i, int n)\n{{\n    long long t = 0;\n"
                                  f"    for (int j = 0; j < n; j++)\n        t += {src}[i][j] * (j % 3 + 1);\n"
                                  f"    {dst}[i + {off}] = {self.store(ctype, 't')};\n}}")
            call = [f"{name}(i, {n});"]
        self.body += [f"    for (int i = 0; i < {rows}; i++) {{", *(f"        {line}" for line in call), "    }",
                      "    {", "        long long h = 0;", f"        for (int i = 0; i < {rows + 3}; i++)",
                      f"            h = h * 31 % 1000003 + (long long){dst}[i];",
                      f'        printf("{dst} %lld\\n", h);', "    }"]
