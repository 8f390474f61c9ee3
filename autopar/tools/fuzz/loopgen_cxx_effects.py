"""loopgen-cxx's templates of effects that no access or call in the text spells: a variable a
lambda, a reference member, a reference to `?:` or an asm operand changes between a test and a loop
that tests it again; structured bindings, destructors of temporaries, and `at()` past the size
(an exception a caller catches). Mixed into CxxProgram (autopar.tools.fuzz.loopgen_cxx), whose pieces
(`container`, `new_vector`, `scalar`, `store`, `emit`, `fresh`) they use.
"""

from __future__ import annotations


class EffectTemplates:
    """Templates of hidden writes and unseen effects, each with near misses."""

    def t_hidden_write(self) -> None:
        """A variable changed where no assignment names it, between an `if` that tests it and a loop
        that tests it again: `if (m < h) { <m grows>; for (...) { v[i] = ...; if (m >= h) w[i] =
        v[n - 1 - i]; } }`. It grows through a lambda that captures by reference, a reference member
        bound in a braced initialiser, a reference bound to `?:`, or an asm statement's operand; or
        not at all (the near miss the other way: the loop is parallel). Or a running sum kept through
        a reference bound to `?:` (carried)."""
        v = self.container(min_length=2)
        w = self.new_vector(v.element, v.length)
        m, h = self.scalar("int", "long long", "zero"), str(self.rng.randint(1, 9))
        form = self.rng.choice(["lambda", "member", "choice", "asm", "none", "running"])
        if form == "running":
            other = self.scalar("int", "long long", "zero + 3")
            self.emit(f"int &{m}_r = argc > 0 ? {m} : {other};",
                      f"for (int i = 0; i < {v.length_expr}; i++) {{",
                      f"    {w.name}[i] = {self.store(w, f'{v.name}[i] + {m}_r')};",
                      f"    {m}_r = ({m}_r + 3) % 1000;", "}")
            return
        if form == "lambda":
            self.emit(f"auto {m}_grow = [&]() {{ {m} += 10; }};")
        elif form == "member":
            holder = self.fresh("Holder")
            self.top.append(f"struct {holder} {{ int &r; }};")
            self.emit(f"{holder} {m}_h{{{m}}};")
        elif form == "choice":
            other = self.scalar("int", "long long", "zero")
            self.emit(f"int &{m}_r = argc > 0 ? {m} : {other};")
        grow = {"lambda": f"{m}_grow();", "member": f"{m}_h.r += 10;", "choice": f"{m}_r += 10;",
                "asm": f'__asm__ volatile("" : "=r"({m}) : "0"({m} + 10));', "none": f"{m} += 0;"}[form]
        self.emit(f"if ({m} < {h}) {{", f"    {grow}",
                  f"    for (int i = 0; i < {v.length_expr}; i++) {{",
                  f"        {v.name}[i] = {self.store(v, f'{v.name}[i] * 3 + 1')};",
                  f"        if ({m} >= {h})",
                  f"            {w.name}[i] = {self.store(w, f'{v.name}[{v.length_expr} - 1 - i] + 1')};",
                  "    }", "}")

    def t_accessors(self) -> None:
        """Writes through what a function of the program returns, and operators a template's argument
        decides: `acc.at(i) = acc.at(i - 1) + c` of a class's own `at`, `el(p, i) = ...` of a free
        function, `slot() += v[i]` into a global, and `copyn(dst, src, n)` of a template whose argument's
        `operator=` counts its copies into a global. The near misses the other way: `acc.at(i)` of its
        own element only, and `copyn` of plain numbers."""
        v = self.container(min_length=4)
        t = v.element
        form = self.rng.choice(["member_recurrence", "member_own", "free_recurrence", "slot", "counted", "plain_copy"])
        name = self.fresh("acc")
        if form in ("member_recurrence", "member_own"):
            kind = self.fresh("Acc")
            self.top.append(f"struct {kind} {{ {t} *d; {t} &at(int i) {{ return d[i]; }} }};")
            previous = "i - 1" if form == "member_recurrence" else "i"
            self.emit(f"{kind} {name}{{{v.name}.data()}};",
                      f"for (int i = 1; i < {v.length_expr}; i++)",
                      f"    {name}.at(i) = {self.store(v, f'{name}.at({previous}) * 3 + 1')};")
        elif form == "free_recurrence":
            self.top.append(f"static {t} &{name}_el({t} *p, int i) {{ return p[i]; }}")
            self.emit(f"for (int i = 1; i < {v.length_expr}; i++)",
                      f"    {name}_el({v.name}.data(), i) = {self.store(v, f'{name}_el({v.name}.data(), i - 1) + 2')};")
        elif form == "slot":
            self.top += [f"long long {name}_total;", f"static long long &{name}_slot() {{ return {name}_total; }}"]
            self.emit(f"for (int i = 0; i < {v.length_expr}; i++)", f"    {name}_slot() += {v.name}[i] % 7;")
            self.scalars.append((f"{name}_total", "long long"))
        else:
            copies, kind = f"{name}_copies", self.fresh("Counted")
            self.top += [f"long long {copies};",
                         f"struct {kind} {{ long long x; {kind} &operator=(const {kind} &o) "
                         f"{{ x = o.x + {copies}; {copies}++; return *this; }} }};",
                         f"template <class T> static void {name}_copyn(T *dst, const T *src, int n) {{",
                         "    for (int i = 0; i < n; i++) dst[i] = src[i];", "}"]
            if form == "counted":
                self.emit(f"std::vector<{kind}> {name}_a({v.length_expr}), {name}_b({v.length_expr});",
                          f"for (int i = 0; i < {v.length_expr}; i++) {name}_a[i].x = {v.name}[i];",
                          f"{name}_copyn({name}_b.data(), {name}_a.data(), {v.length_expr});",
                          f"for (int i = 0; i < {v.length_expr}; i++) {v.name}[i] = {self.store(v, f'{name}_b[i].x')};")
            else:
                other = self.new_vector(t, v.length)
                self.emit(f"{name}_copyn({other.name}.data(), {v.name}.data(), {v.length_expr});")
            self.scalars.append((copies, "long long"))

    def t_unseen(self) -> None:
        """Effects no access or call spells: a structured binding read or written in the loop
        (`auto &[x, y] = pair;`), a temporary whose destructor counts into a global, and `at()` past
        the size caught by the caller (an exception out of a parallel region would end the program);
        the near misses the other way: a plain struct local, `at()` below `size()`."""
        v = self.container(min_length=4)
        form = self.rng.choice(["binding_read", "binding_write", "destructor", "plain", "at_past", "at_inside"])
        if form in ("binding_read", "binding_write"):
            pair = self.fresh("pair")
            self.top.append(f"long long {pair}[2] = {{3, 5}};")
            body = (f"{v.name}[i] = {self.store(v, f'{v.name}[i] + b1')}; if (i == 2) b0 = 7;" if form == "binding_read"
                    else f"{v.name}[i] = {self.store(v, f'{v.name}[i] * 2 + {pair}[0]')}; b0 = {v.name}[i] % 9;")
            self.emit("{", f"    auto &[b0, b1] = {pair};", f"    for (int i = 0; i < {v.length_expr}; i++) {{ {body} }}", "}")
            self.scalars.append((f"{pair}[0]", "long long"))
            return
        if form in ("destructor", "plain"):
            kind, counter = self.fresh("Tick"), self.fresh("ticks")
            self.top.append(f"long long {counter} = 0;")
            self.top.append(f"struct {kind} {{ int k; ~{kind}() {{ {counter} = ({counter} * 3 + k) % 100003; }} }};"
                            if form == "destructor" else f"struct {kind} {{ int k; }};")
            self.emit(f"for (int i = 0; i < {v.length_expr}; i++) {{", f"    {kind} t{{i}};",
                      f"    {v.name}[i] = {self.store(v, f'{v.name}[i] + t.k % 7')};", "}")
            self.scalars.append((counter, "long long"))
            return
        if v.kind != "vector":
            v = self.new_vector(min_length=4)
        name = self.fresh("at_loop")
        bound = f"(int){v.name}.size()" if form == "at_inside" else f"{v.length_expr} + 3"
        self.top += [f"static void {name}(std::vector<{v.element}> &w, int n) {{",
                     f"    for (int i = 0; i < {bound.replace(v.name, 'w').replace(v.length_expr, 'n')}; i++)",
                     f"        w.at(i) = ({v.element})((w.at(i) * 3 + i) % 1000);", "}"]
        self.emit(f"try {{ {name}({v.name}, {v.length_expr}); }} catch (const std::out_of_range &) {{ "
                  f"{v.name}[0] = ({v.element})({v.name}[0] + 1); }}")

    def t_member_grid(self) -> None:
        """A class holding two fixed-size grids (one in a base class now and then) whose method sweeps
        one from the other: member arrays, indexed like arrays (autopar/frontend/member_paths.py).
        Near misses read the row before, or sweep the two arrays of an anonymous union, which are one
        memory (the next row of one is the row the next iteration writes of the other)."""
        kind, base, obj = self.fresh("Grid"), self.fresh("Base"), self.fresh("grid")
        n, m, k = self.rng.choice([4, 60, 200]), self.rng.choice([3, 50]), self.rng.randint(2, 7)
        miss = self.rng.choice(["", "", "before", "union"])
        inherit = miss != "union" and self.rng.random() < 0.4
        if inherit:
            self.top += [f"class {base} {{", "protected:", f"    int u[{n}][{m}];", "};"]
        fields = [f"    int f[{n}][{m}];"] if inherit else [f"    int u[{n}][{m}];", f"    int f[{n}][{m}];"]
        if miss == "union":
            fields.append(f"    union {{ int a[{n}][{m}]; int b[{n}][{m}]; }};")
            target, value, rows = "a", f"(b[i + 1][j] * {k} + j) % 1000", f"{n} - 1"
        elif miss == "before":
            target, value, rows = "u", f"(u[i - 1][j] * {k} + f[i][j]) % 1000", f"{n}"
        else:
            target, value, rows = "u", f"(f[i][j] * {k} + f[i][j + 1] - u[i][j]) % 1000", f"{n}"
        first, last = ("1" if miss == "before" else "0"), (f"{m}" if miss else f"{m} - 1")
        self.top += [f"class {kind}{' : public ' + base if inherit else ''} {{", *fields, "public:",
                     "    void fill() {", f"        for (int i = 0; i < {n}; i++)",
                     f"            for (int j = 0; j < {m}; j++) {{",
                     f"                u[i][j] = (i * 7 + j * 3) % 11; f[i][j] = (i + j * 5) % 13;",
                     *([f"                a[i][j] = (i * 3 + j) % 17;"] if miss == "union" else []),
                     "            }", "    }",
                     "    void sweep() {", f"        for (int i = {first}; i < {rows}; i++)",
                     f"            for (int j = 0; j < {last}; j++)", f"                {target}[i][j] = {value};",
                     "    }",
                     "    long total() const {", "        long s = 0;", f"        for (int i = 0; i < {n}; i++)",
                     f"            for (int j = 0; j < {m}; j++)",
                     f"                s += ({target}[i][j] + 3L * u[i][j]) * (i % 5 + 1);", "        return s;", "    }",
                     "};", f"static {kind} {obj};"]
        self.emit(f"{obj}.fill();", f"{obj}.sweep();")
        self.scalar("long", "long long", f"{obj}.total()")
