"""The isl model of a loop nest: takes a translation unit and one loop, and gives `LoopModel`: each
access's iteration domain (canonical bounds, symbolic parameters, triangular bounds, constant steps),
its subscripts (delinearised when isl proves it, autopar.deps.subscripts) and the memory objects the
loop names.

`LoopModel` is built once per analysed loop; accesses in the same loops share one domain. The
models of accesses and objects are in `accesses`, the aliasing rules in `aliasing`, whether a loop
runs at least once in `trip_count`.
"""

from __future__ import annotations

from typing import Optional

from autopar.deps.accesses import (AccessModel, ObjectModel, merged_object_keys, object_key, object_kind, root_kind,
                                   varies)
from autopar.deps.counters import wrap_problem
from autopar.deps.isl_text import Aff, param_name, render_aff
from autopar.deps.subscripts import shape_subscripts
from autopar.ir import (Access, CanonicalForm, Comparison, DomainCondition, Loop, QuasiBound, Span, TranslationUnit,
                        Variable)


class LoopModel:
    """The accesses of one loop (nested loops included) as isl-ready models."""

    def __init__(self, tu: TranslationUnit, loop: Loop):
        self.tu = tu
        self.loop = loop
        self.runs_once: Optional[bool] = None  # see deps.trip_count.runs_at_least_once
        self.loops = {l.id: l for l in [loop, *descendants(tu, loop)]}
        # names whose value changes inside the loop: never parameters
        # (a name declared inside the loop is a new object each iteration, whatever its initialiser)
        # (a linear counter's subscripts name its value where the loop starts: autopar.frontend.linear)
        self.variant = {s.variable.name for s in loop.scalars
                        if (s.written or s.declared_in_loop) and s.linear_step is None}
        self.variant |= {l.canonical.induction_variable for l in self.loops.values() if l.canonical}
        ancestors = tu.ancestors(loop.id)
        self.outer_ivs = {outer.canonical.induction_variable for outer in ancestors if outer.canonical}
        # the enclosing loops' bounds hold for their (fixed) variables while this loop runs
        self.context = AccessModel(access=loop.accesses[0] if loop.accesses else None, loops=[])
        for outer in ancestors:
            if outer.canonical and not outer.writes_induction_variable and \
                    outer.canonical.induction_variable not in self.variant:
                self.bound(self.context, param_name(outer.canonical.induction_variable), outer, {})
        self.objects: dict[str, ObjectModel] = {}
        self.object_of: dict[str, str] = {}  # access id -> object key
        self.models: list[AccessModel] = []
        self._domains: dict[tuple[str, ...], tuple] = {}  # loop chain -> (loops, domain, params, exact)
        merged = merged_object_keys(loop.accesses)
        for access in sorted(loop.accesses, key=lambda a: (a.statement, a.is_write, a.line, a.column)):
            model = self._model(access)
            self.models.append(model)
            key = merged.get(access.id) or object_key(access)
            if key not in self.objects:
                if access.id in merged:
                    self.objects[key] = ObjectModel(key=key, path=access.base.name, base=access.base,
                                                    kind=root_kind(access.base), merged=True)
                else:
                    self.objects[key] = ObjectModel(key=key, path=access.path, base=access.base,
                                                    kind=object_kind(access))
            self.objects[key].accesses.append(model)
            self.object_of[access.id] = key
        known_bounds = tu.cache("deps.known_bounds", dict)
        for obj in self.objects.values():
            obj.known_bounds = known_bounds
            shape_subscripts(self, obj)

    # -- domains

    def _model(self, access: Access) -> AccessModel:
        ids = access.enclosing_loops
        start = ids.index(self.loop.id) if self.loop.id in ids else len(ids)
        chain = tuple(i for i in ids[start:] if i in self.loops)
        known = self._domains.get(chain)
        if known is None:  # accesses in the same loops share their domain: build it once
            loops = [self.loops[i] for i in chain]
            model = AccessModel(access=None, loops=loops, domain=list(self.context.domain), variant=self.variant)
            ivs: dict[str, str] = {}
            for k, l in enumerate(loops):
                self.bound(model, k, l, ivs)
                if l.canonical:
                    ivs[l.canonical.induction_variable] = f"@{k}"
            known = self._domains[chain] = (loops, tuple(model.domain), frozenset(model.params), model.exact_domain)
        loops, domain, params, exact = known
        model = AccessModel(access=access, loops=list(loops), domain=list(domain), variant=self.variant,
                            params=set(params), exact_domain=exact)
        if access.spans:  # a call's region: each span is one more dim, a loop inside the call
            ivs = {l.canonical.induction_variable: f"@{k}" for k, l in enumerate(loops) if l.canonical}
            for span in access.spans:
                pseudo = span_loop(access, span)
                self.bound(model, len(model.loops), pseudo, ivs)
                ivs[span.name] = f"@{len(model.loops)}"
                model.loops.append(pseudo)
        if access.conditions:
            ivs = {l.canonical.induction_variable: f"@{k}" for k, l in enumerate(loops) if l.canonical}
            model.domain += self.conditions(model, access.conditions, ivs)
        return model

    def conditions(self, model: AccessModel, conditions: list[DomainCondition], ivs: dict[str, str]) -> list[str]:
        """The tests of the `if`s around an access (or a loop) as constraints of its domain; a test of
        a name the loop changes is left out (which only widens the domain)."""
        out = []
        for condition in conditions:
            sides = [self.usable(side.expr, ivs) for side in (condition.left, condition.right)]
            if None in sides:
                continue
            for aff in sides:
                model.params |= {param_name(n) for n in aff if n and n not in ivs}
            left, right = (render_aff(aff, ivs) if side.divisor == 1 else f"floor(({render_aff(aff, ivs)})/{side.divisor})"
                           for aff, side in zip(sides, (condition.left, condition.right)))
            if condition.modulus:  # (isl's mod is never negative: a multiple of the modulus gives 0)
                out.append(f"(({left}) - ({right})) mod {condition.modulus} = 0")
            else:
                out.append(f"{left} {'=' if condition.op == '==' else condition.op} {right}")
        return out

    def usable(self, aff, ivs: dict[str, str]) -> Optional[Aff]:
        """An AffineExpr as a linear Aff over dims and invariant parameters, or None.

        A product of loop-invariant names ("m*n") is itself invariant: it becomes one parameter."""
        if aff is None:
            return None
        out: Aff = {"": aff.constant} if aff.constant else {}
        for name, coeff in aff.coefficients.items():
            factors = name.split("*")
            if len(factors) > 1 and any(f in ivs for f in factors):
                return None
            if any(f not in ivs and varies(f, self.variant) for f in factors):
                return None
            out[name] = out.get(name, 0) + coeff
        return out

    def bound(self, model: AccessModel, k, loop: Loop, ivs: dict[str, str]) -> None:
        c = loop.canonical
        if c is None or wrap_problem(c) is not None:
            model.exact_domain = False  # a counter that may wrap visits values the bounds do not describe
            return
        if c.step_symbol:
            model.exact_domain = False  # every value between the bounds: a superset of the iterations
        me = f"@{k}" if isinstance(k, int) else k
        lower, upper = self.usable(c.lower, ivs), self.usable(c.upper, ivs)
        names = dict(ivs)
        for aff in (lower, upper):
            if aff:
                model.params |= {param_name(n) for n in aff if n and n not in ivs}
        up = c.step > 0
        # a min/max bound: every usable piece is a constraint (a piece left out only widens the domain)
        lower_each = [self.usable(p, ivs) for p in c.lower_each]
        upper_each = [self.usable(p, ivs) for p in c.upper_each]
        for aff in [*lower_each, *upper_each]:
            if aff:
                model.params |= {param_name(n) for n in aff if n and n not in ivs}
        if lower is not None:
            model.domain.append(f"{me} {'>=' if up else '<='} {render_aff(lower, names)}")
            model.domain += [f"{me} {'>=' if up else '<='} {render_aff(p, names)}" for p in lower_each if p]
            if abs(c.step) != 1:
                model.domain.append(
                    f"exists (e{me} : {me} = {render_aff(lower, names)} + {c.step}*e{me} and e{me} >= 0)")
        elif lower_each and None not in lower_each:
            pieces = [render_aff(p, names) for p in lower_each]
            model.domain += [f"{me} {'>=' if up else '<='} {p}" for p in pieces]
            if abs(c.step) != 1:
                first = f"{'max' if up else 'min'}({', '.join(pieces)})" if len(pieces) > 1 else pieces[0]
                model.domain.append(f"exists (e{me} : {me} = {first} + {c.step}*e{me} and e{me} >= 0)")
        elif c.lower_quasi and abs(c.step) == 1:
            pass  # its pieces, below, are the whole bound
        elif c.lower_remainder is not None and self._remainder(model, me, c, ivs):
            pass  # (a superset: the remainder's sign is not modelled)
        else:
            model.domain += [f"{me} {'>=' if up else '<='} {render_aff(p, names)}" for p in lower_each if p]
            model.exact_domain = False
        # a bound that divides: its pieces, beside the opaque parameter `(ceild(t,2))` if there is one
        model.domain += self._quasi(model, me, ">=" if up else "<=", c.lower_quasi, ivs)
        op = {Comparison.LT: "<", Comparison.LE: "<=", Comparison.GT: ">", Comparison.GE: ">=",
              Comparison.NE: "<" if up else ">"}[c.comparison]
        if upper is not None and (op in ("<", "<=")) == up:
            model.domain.append(f"{me} {op} {render_aff(upper, names)}")
            if c.comparison != Comparison.NE:
                model.domain += [f"{me} {op} {render_aff(p, names)}" for p in upper_each if p]
        elif upper_each and (op in ("<", "<=")) == up and c.comparison != Comparison.NE:
            model.domain += [f"{me} {op} {render_aff(p, names)}" for p in upper_each if p]
            if None in upper_each:
                model.exact_domain = False
        elif c.upper_quasi and (op in ("<", "<=")) == up and c.comparison != Comparison.NE:
            pass  # its pieces, below, are the whole bound
        else:
            model.exact_domain = False
        if (op in ("<", "<=")) == up and c.comparison != Comparison.NE:
            model.domain += self._quasi(model, me, op, c.upper_quasi, ivs)

    def _remainder(self, model: AccessModel, me: str, c, ivs: dict[str, str]) -> bool:
        """The iterations from a start `a + x % d`: me = a + r + step * e for some e >= 0 and some r
        within d - 1 of 0 congruent to x modulo d; False when a or x is not usable here."""
        found = c.lower_remainder
        a, x = self.usable(found.left.expr, ivs), self.usable(found.right.expr, ivs)
        if a is None or x is None:
            return False
        for aff in (a, x):
            model.params |= {param_name(n) for n in aff if n and n not in ivs}
        d, names = found.modulus, dict(ivs)
        model.domain.append(f"exists (r{me}, e{me} : {me} = {render_aff(a, names)} + r{me} + {c.step}*e{me} and "
                            f"e{me} >= 0 and -{d - 1} <= r{me} <= {d - 1} and "
                            f"(r{me} - ({render_aff(x, names)})) mod {d} = 0)")
        model.exact_domain = False
        return True

    def _quasi(self, model: AccessModel, me: str, op: str, pieces: list[QuasiBound], ivs: dict[str, str]) -> list[str]:
        """`me op floor(expr / divisor)` for each piece of a bound that divides (isl reads floor()); a
        piece over a name the loop changes is left out, which only widens the domain."""
        out = []
        for piece in pieces:
            aff = self.usable(piece.expr, ivs)
            if aff is None:
                model.exact_domain = False
                continue
            model.params |= {param_name(n) for n in aff if n and n not in ivs}
            text = render_aff(aff, ivs)
            out.append(f"{me} {op} floor(({text})/{piece.divisor})" if piece.divisor > 1 else f"{me} {op} {text}")
        return out


def span_loop(access: Access, span: Span) -> Loop:
    """A span of a call's region (Access.spans) as the loop it stands for: `for (s = lower; s <= upper;
    s++)`, which runs inside the call, declares nothing and breaks nowhere (common_loops never pairs it)."""
    return Loop(id=span.name, file="", line=access.line, column=access.column, offset=0, function="", depth=0,
                end_line=0, conditional=False,
                canonical=CanonicalForm(induction_variable=span.name, iv_type="long", iv_declared_in_init=True,
                                        lower=span.lower, lower_text="", upper=span.upper, upper_text="",
                                        comparison=Comparison.LE, step=1))


def descendants(tu: TranslationUnit, loop: Loop) -> list[Loop]:
    """All loops nested in `loop`, in source order (`TranslationUnit.descendants`, kept on the unit)."""
    known = tu.cache("deps.descendants", dict)
    if loop.id not in known:
        known[loop.id] = tu.descendants(loop.id)
    return known[loop.id]


def declared_inside(var: Variable, loop: Loop) -> bool:
    """Whether the variable is declared in the loop's text (a local: a fresh object in each iteration;
    a static local or a block-scope extern: one object, but a name the loop's pragma cannot see)."""
    if var.in_header:  # (its line is a header's, not the loop's file's)
        return False
    try:
        line, column = (int(x) for x in var.decl.split(":")[-2:])
    except ValueError:
        return False
    return (line, column) > (loop.line, loop.column) and line <= loop.end_line


def iv_name(loop: Loop) -> str:
    return loop.canonical.induction_variable if loop.canonical else loop.id
