"""loopgen's templates of claims (autopar/frontend/claims.py): a level-synchronous search over a random
graph, whose frontier loop claims each vertex with `if (level[u] OP bound) { level[u] = value; next[n++]
= u; }`, and marks that claim without appending. Near misses, which must stay serial: a parent array
(which visitor wins shows), the frontier read after the search, a size that is not the count, two
claims that write different values, the level read beside the claim, and buffers whose caller reads
them. Each `t_<name>` adds one block to the program being built (a `ProgramBuilder`).
"""

from __future__ import annotations

from autopar.tools.fuzz.loopgen_builder import ProgramBuilder

# (element type, the unclaimed value, the test of `c`, the value a claim writes from `d`)
_LEVELS = [("int", "-1", "{c} < 0", "d + 1"), ("int", "-1", "{c} == -1", "d + 1"), ("short", "-1", "0 > {c}", "d + 1"),
           ("long long", "-1", "-1 == {c}", "d + 1"), ("unsigned char", "0", "!{c}", "1"), ("int", "0", "{c} <= 0", "d + 2"),
           ("unsigned", "7", "{c} != 3", "3")]


class ClaimTemplates(ProgramBuilder):
    """Templates of claims, each with near misses that must stay serial."""

    def _graph(self, nv: int, degree: int) -> tuple[str, str]:
        """Global CSR arrays of a random graph of `nv` vertices (`degree` edges each, some repeated)."""
        row, col = self.fresh("row"), self.fresh("col")
        self.top += [f"static int {row}[{nv + 1}], {col}[{nv * degree}];"]
        seed, step = self.rng.randint(1, 9999), self.rng.choice([1, 3, 17])
        self.body += [f"    for (int i = 0; i <= {nv}; i++) {row}[i] = i * {degree};",
                      f"    for (int i = 0; i < {nv * degree}; i++)",
                      f"        {col}[i] = (int)(((unsigned)i * 2654435761u + {seed}u) % {nv}u) / {step} * {step} % {nv};"]
        return row, col

    def t_claims(self) -> None:
        """A search from a vertex (the frontier loop claims), with local or passed buffers."""
        self.includes.add("stdlib.h")
        nv, degree = self.rng.choice([5, 60, 700, 3000]), self.rng.randint(1, 4)
        t, unclaimed, test, value = self.rng.choice(_LEVELS)
        miss = self.rng.choice(["none"] * 6 + ["parent", "last", "short", "read", "caller"])
        passed = miss == "caller" or self.chance(0.4)
        row, col = self._graph(nv, degree)
        out = self.new_array((nv + 1,), where="global", ctype="int")
        level, search = self.fresh("lev"), self.fresh("search")
        self.top.append(f"static {t} {level}[{nv}];")
        cell = f"{level}[u]"
        branch = [f"{cell} = {value};"]
        if miss == "parent":
            branch.append(f"{out.name}[u] = v;")
        branch.append("next[count++] = u;")
        read = f"int w = (int){level}[v] + 1; (void)w;" if miss == "read" else ""
        size = "count - 1" if miss == "short" else "count"
        params = ", int *frontier, int *next" if passed else ""
        local = "" if passed else (f"    int *frontier = malloc(sizeof(int) * {nv + 1}), *next = malloc(sizeof(int) * {nv + 1});\n"
                                   "    if (!frontier || !next) return -1;\n")
        last = "        if (count > 0) last = next[0];\n" if miss == "last" else ""
        freed = "" if passed else "    free(frontier);\n    free(next);\n"
        self.functions.append(
            f"static int {search}(int source{params})\n{{\n{local}"
            f"    int size = 1, d = 0, last = source;\n"
            f"    for (int v = 0; v < {nv}; v++) {level}[v] = ({t}){unclaimed};\n"
            f"    {level}[source] = ({t})1;\n    frontier[0] = source;\n"
            f"    while (size > 0 && d < {nv}) {{\n        int count = 0;\n"
            f"        for (int i = 0; i < size; i++) {{\n            int v = frontier[i];\n            {read}\n"
            f"            for (int e = {row}[v]; e < {row}[v + 1]; e++) {{\n                int u = {col}[e];\n"
            f"                if ({test.format(c=cell)}) {{\n" + "".join(f"                    {b}\n" for b in branch) +
            f"                }}\n            }}\n        }}\n{last}"
            f"        int *t = frontier;\n        frontier = next;\n        next = t;\n        size = {size};\n        d++;\n"
            f"    }}\n{freed}    return d * 1000 + last % 1000;\n}}")
        calls = self.rng.randint(1, 3)
        self.body.append("    {")
        if passed:
            # (calloc: the near miss reads an element a search may not have written)
            self.body.append(f"        int *fa = calloc({nv + 1}, sizeof(int)), *fb = calloc({nv + 1}, sizeof(int));")
        for k in range(calls):
            source = self.rng.randrange(nv)
            call = f"{search}({source}{', fa, fb' if passed else ''})"
            self.body += [f"        {out.name}[{nv}] += {call};",
                          f"        for (int v = 0; v < {nv}; v++) {out.name}[v] += (int){level}[v] * {k + 1};"]
        if miss == "caller":
            self.body.append(f"        {out.name}[0] += fa[0] + fb[0];")
        if passed:
            self.body.append("        free(fa);\n        free(fb);")
        self.body.append("    }")

    def t_marks(self) -> None:
        """Marks of picked vertices: a claim that appends nothing (a near miss writes two values)."""
        n, picks = self.rng.choice([10, 300, 4000]), self.rng.choice([7, 500, 9000])
        t, unclaimed, test, value = self.rng.choice(_LEVELS)
        two = self.chance(0.25)
        marks, picked, out = self.fresh("mark"), self.fresh("pick"), self.new_array((n,), where="global", ctype="int")
        seed = self.rng.randint(1, 9999)
        self.top.append(f"static {t} {marks}[{n}];\nstatic int {picked}[{picks}];")
        d = self.rng.randint(0, 5)
        second = f"\n        if ({test.format(c=f'{marks}[w]')}) {marks}[w] = ({t})({value} + 1);" if two else ""
        self.body += ["    {", f"        int d = {d} + zero;",
                      f"        for (int i = 0; i < {n}; i++) {marks}[i] = ({t}){unclaimed};",
                      f"        for (int i = 0; i < {picks}; i++) {picked}[i] = (int)(((unsigned)i * 40503u + {seed}u) % {n}u);",
                      f"        for (int k = 0; k < {picks}; k++) {{",
                      f"            int u = {picked}[k], w = {picked}[({picks} - 1) - k];",
                      f"            if ({test.format(c=f'{marks}[u]')}) {marks}[u] = ({t})({value});{second}",
                      "        }",
                      f"        for (int i = 0; i < {n}; i++) {out.name}[i] = (int){marks}[i];",
                      "    }"]
