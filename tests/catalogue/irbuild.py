"""Build loop IR by hand for unit tests of the dependence and candidate stages."""

from __future__ import annotations

import re
from typing import Optional

from autopar.ir import (Access, AffineExpr, CanonicalForm, Comparison, Loop, ScalarUse, Storage,
                        Subscript, TranslationUnit, Variable)


def aff(text: str) -> AffineExpr:
    """'i*n + 2*j - 1' -> AffineExpr (no parentheses)."""
    coeffs: dict[str, int] = {}
    const = 0
    for sign, term in re.findall(r"([+-]?)\s*([^+-]+)", text.replace(" ", "")):
        factors = term.split("*")
        c = -1 if sign == "-" else 1
        names = []
        for f in factors:
            if f.isdigit():
                c *= int(f)
            else:
                names.append(f)
        if names:
            key = "*".join(sorted(names))
            coeffs[key] = coeffs.get(key, 0) + c
        else:
            const += c
    return AffineExpr(coefficients={k: v for k, v in coeffs.items() if v}, constant=const)


def var(name: str, storage: Storage = Storage.PARAMETER, type: str = "double *", restrict=False,
        dims: Optional[list[str]] = None, line: int = 1) -> Variable:
    return Variable(name=name, decl=f"{line}:1", storage=storage, type=type,
                    is_pointer="*" in type and dims is None, is_array=dims is not None,
                    array_dims=dims or [], restrict=restrict)


class Builder:
    def __init__(self, path: str = "t.c"):
        self.tu = TranslationUnit(path=path, language="c")
        self.line = 10
        self.stmt = 0
        self.n = 0

    def loop(self, iv: str, lower: str, upper: str, cmp: str = "<", step: int = 1,
             parent: Optional[Loop] = None, **flags) -> Loop:
        self.line += 1
        lid = f"{self.tu.path}:{self.line}:5"
        canon = CanonicalForm(induction_variable=iv, iv_type="int", iv_declared_in_init=True,
                              lower=aff(lower), lower_text=lower, upper=aff(upper), upper_text=upper,
                              comparison=Comparison(cmp), step=step)
        loop = Loop(id=lid, file=self.tu.path, line=self.line, column=5, offset=self.line * 100,
                    function="f", depth=parent.depth + 1 if parent else 0,
                    parent=parent.id if parent else None, end_line=self.line + 50,
                    canonical=canon, **flags)
        if parent:
            parent.children.append(lid)
        self.tu.loops.append(loop)
        loop.scalars.append(ScalarUse(variable=var(iv, Storage.LOCAL, "int"), declared_in_loop=True,
                                      read=True, written=True, is_induction_variable_of=lid))
        return loop

    def _chain(self, loop: Loop) -> list[Loop]:
        chain = [loop]
        while chain[0].parent:
            chain.insert(0, self.tu.loop(chain[0].parent))
        return chain

    def access(self, loop: Loop, v: Variable, subs: list[str], write: bool, path: Optional[str] = None,
               conditional=False, nonaffine: Optional[str] = None, stmt: Optional[int] = None) -> Access:
        self.n += 1
        if stmt is None:
            self.stmt += 1
            stmt = self.stmt
        subscripts = [Subscript(text=s, affine=None if nonaffine else aff(s), non_affine_reason=nonaffine)
                      for s in subs]
        chain = self._chain(loop)
        text = (path or v.name) + "".join(f"[{s}]" for s in subs)
        a = Access(id=f"a{self.n}", base=v, path=path or v.name, is_write=write, subscripts=subscripts,
                   text=text, line=self.line + self.n, column=3, statement=stmt,
                   enclosing_loops=[l.id for l in chain], conditional=conditional)
        for l in chain:
            l.accesses.append(a)
        return a

    def scalar(self, loop: Loop, name: str, **kw) -> ScalarUse:
        storage = kw.pop("storage", Storage.LOCAL)
        use = ScalarUse(variable=var(name, storage, kw.pop("type", "double")), **kw)
        loop.scalars.append(use)
        return use
