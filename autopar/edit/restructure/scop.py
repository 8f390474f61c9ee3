"""Scop extraction: the statements of an affine loop nest, from the IR and the nest's own text.

A statement is an expression statement of the nest (an assignment to an array element); its
domain is given by the canonical bounds of its enclosing loops, its accesses by the IR's affine
subscripts, its place in the original order by its position among its siblings (a 2d+1 schedule).

Anything outside that subset is refused with a typed reason (`Refusal`), in the spirit of Polly's
ScopDetection: non-affine subscripts or bounds, non-unit steps, calls that are not pure, pointers
that may alias, scalars written in the nest, conditional code, break/return/goto, declarations.
The nest's text is read with a small tokenizer that only accepts `for` headers, braces and
expression statements, so no construct it does not understand can slip through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autopar.deps.counters import wrap_problem
from autopar.ir import AffineExpr, CallEffect, Comparison, Loop, TranslationUnit
from autopar.ir_base import unqualified
from autopar.edit.restructure.accumulators import Accumulator, find_accumulators
from autopar.edit.restructure.delinearize import delinearize
from autopar.edit.restructure.isl_affine import domain_text
from autopar.edit.restructure.macros import unsafe_macros
from autopar.frontend.omp_pragmas import header_texts
from autopar.edit.restructure.nest_text import LoopNode, NestParser, Node, Refusal, spaced, tokenize  # noqa: F401 (Refusal, tokenize: used by the other stages)


# ------------------------------------------------------------------------------------ the model

@dataclass
class ScopAccess:
    array: str
    is_write: bool
    subscripts: list[AffineExpr]
    text: str


@dataclass
class Statement:
    name: str  # S0, S1, ... in source order
    loops: list[str]  # enclosing loop ids of the nest, outermost first
    ivs: list[str]
    text: str  # the statement's text (no trailing `;`), comments removed
    start: int
    end: int
    position: list[int]  # its index among the siblings at each level (len(loops) + 1 entries)
    accesses: list[ScopAccess] = field(default_factory=list)


@dataclass
class ScopLoop:
    id: str
    iv: str
    iv_type: str
    lower: AffineExpr
    upper: AffineExpr  # inclusive bound after normalisation (see `bounds`)
    step: int  # +1 or -1


@dataclass
class Scop:
    root_id: str
    start: int  # byte offset of the root `for`
    end: int  # byte offset just past the nest
    loops: dict[str, ScopLoop]
    statements: list[Statement]
    params: list[str]
    param_types: dict[str, str]
    arrays: dict[str, int]  # array name -> number of subscripts
    element_sizes: dict[str, int]
    indentation: str = ""
    # pointer pairs that must not overlap for the model (distinct arrays) to hold: the restructured
    # nest runs under a runtime check of their accessed ranges, the original otherwise
    alias_checks: list = field(default_factory=list)
    original: str = ""  # the nest's own text, for the fallback branch
    # flattened subscripts read as several (autopar.edit.restructure.delinearize): array -> its row lengths,
    # and the conditions on the parameters (isl sets) under which that reading holds
    row_lengths: dict[str, list[str]] = field(default_factory=dict)
    row_conditions: list[str] = field(default_factory=list)

    @property
    def max_depth(self) -> int:
        return max(len(s.loops) for s in self.statements)


_SIGNED_INT_TYPES = {"int", "long", "long int", "long long", "long long int", "short", "signed",
                     "signed int", "signed long", "ptrdiff_t", "int64_t", "int32_t", "ssize_t"}
_ELEMENT_SIZES = {"double": 8, "float": 4, "int": 4, "long": 8, "char": 1, "short": 2, "long double": 16}


def _line_offsets(text: str) -> list[int]:
    starts = [0]
    for match in re.finditer("\n", text):
        starts.append(match.end())
    return starts


def extract_scop(source: bytes, tu: TranslationUnit, root: Loop) -> Scop:
    """The scop of the nest rooted at `root`, or raises Refusal."""
    text = source.decode("latin-1")  # one character per byte: offsets stay byte offsets
    nest = [root, *tu.descendants(root.id)]
    for loop in nest:
        _check_loop(loop)
    by_offset = {loop.offset: loop for loop in nest}
    line_starts = _line_offsets(text)
    # the nest's text: tokenize from the root to the end of its last line, parse one statement
    last_line = max(loop.end_line for loop in nest)
    stop = line_starts[last_line] if last_line < len(line_starts) else len(text)
    parser = NestParser(tokenize(text, root.offset, stop), by_offset)
    top = parser.for_loop()
    end = parser.tokens[parser.index - 1].end
    stored = {line_starts[a.line - 1] + a.column - 1: a.element_type for a in root.accesses if a.is_write}
    accumulators = find_accumulators(top, stored)

    loops = {loop.id: _scop_loop(loop) for loop in nest}
    ivs = [l.iv for l in loops.values()]
    statements = _statements(top, loops, accumulators)
    _no_unsafe_macros(statements, tu.cache("restructure: unsafe macros", lambda: _file_macros(source, tu)))
    _no_counter_read_after_its_loop(nest)
    arrays, element_sizes, pointer_bases, params, row_lengths, row_conditions = _place_accesses(
        root, statements, line_starts, loops)
    statements = _accumulate_in_place(statements, accumulators)
    param_types = _scalar_types(root, ivs, {a.name for a in accumulators})
    for statement in statements:
        if not any(a.is_write for a in statement.accesses):
            raise Refusal("no-array-write", f"statement `{statement.text}` writes no array element")
    alias_checks = _alias_checks(statements, arrays, pointer_bases, row_lengths)
    for loop in loops.values():
        for bound in (loop.lower, loop.upper):
            params |= {name for name in bound.variables if name not in ivs}
    for name in params:
        if name in written_names(root):
            raise Refusal("scalar-write", f"{name} is written in the nest")
    for loop in nest:
        for call in loop.calls:
            if call.effect != CallEffect.PURE:
                raise Refusal("call", f"call to {call.callee} ({call.effect.value}) in the nest")
    return Scop(root_id=root.id, start=root.offset, end=end, loops=loops, statements=statements,
                params=sorted(params), param_types=param_types, arrays=arrays, element_sizes=element_sizes,
                indentation=root.indentation, alias_checks=alias_checks, original=text[root.offset:end],
                row_lengths=row_lengths, row_conditions=row_conditions)


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def _file_macros(source: bytes, tu: TranslationUnit) -> set[str]:
    return unsafe_macros([source, *(text for text in header_texts(tu.user_headers) if text is not None)])


def _no_unsafe_macros(statements: list[Statement], unsafe: set[str]) -> None:
    """A statement rewritten as text renames its counters where the text names them: a macro that
    names a counter or an array itself (autopar.edit.restructure.macros) would keep the user's."""
    for statement in statements:
        named = set(_IDENTIFIER.findall(statement.text)) & unsafe
        if named:
            raise Refusal("macro", f"statement `{statement.text}` uses the macro {', '.join(sorted(named))}, "
                                   "which names variables of its own (counters or arrays the rewrite cannot rename)")


def _no_counter_read_after_its_loop(nest: list[Loop]) -> None:
    """A loop's counter read after it inside the nest (`b[j] = b[j] + i;` after the i loop) would read
    the user's variable, which the generated loops never set."""
    for loop in nest[1:]:
        use = loop.scalar(loop.canonical.induction_variable)
        if use is not None and use.live_after_loop and not use.declared_in_loop:
            raise Refusal("iv-live-out", f"induction variable {use.variable.name} is read after its loop "
                                         f"(line {loop.line}) inside the nest")


def _plain_names(names, where: str) -> None:
    """The restructuring's isl model and the code it prints name parameters by their C text, so a
    loop-invariant that is not a plain variable (`v->len`, `s.ny`) leaves the nest as it is."""
    for name in sorted(names):
        if not _IDENTIFIER.fullmatch(name):
            raise Refusal("member-parameter", f"{where} uses {name}, which is not a plain variable")


def _scop_loop(loop: Loop) -> ScopLoop:
    """The loop's affine bounds as an inclusive range; steps of +1 and -1 only."""
    canonical = loop.canonical
    assert canonical is not None
    if canonical.lower is None or canonical.upper is None:
        raise Refusal("non-affine-bound", f"loop {loop.id}: bound {canonical.lower_text} .. "
                                          f"{canonical.upper_text} is not affine")
    for bound in (canonical.lower, canonical.upper):
        if not bound.is_linear:
            raise Refusal("non-affine-bound", f"loop {loop.id}: a bound is not affine")
        _plain_names(bound.variables, f"loop {loop.id}: a bound")
    wraps = wrap_problem(canonical)
    if wraps is not None:  # (`for (i = -1; i < n; i++)` with an unsigned n runs no iteration)
        raise Refusal("wrap", f"loop {loop.id}: {wraps}")
    lower, upper, step = canonical.lower, canonical.upper, canonical.step
    minus_one = AffineExpr(coefficients=dict(upper.coefficients), constant=upper.constant - 1)
    plus_one = AffineExpr(coefficients=dict(upper.coefficients), constant=upper.constant + 1)
    if step == 1 and canonical.comparison in (Comparison.LT, Comparison.NE):
        inclusive = minus_one
    elif step == 1 and canonical.comparison == Comparison.LE:
        inclusive = upper
    elif step == -1 and canonical.comparison in (Comparison.GT, Comparison.NE):
        inclusive = plus_one
    elif step == -1 and canonical.comparison == Comparison.GE:
        inclusive = upper
    else:
        raise Refusal("step", f"loop {loop.id}: step {step} with {canonical.comparison.value} "
                              "(only +1 and -1 are modelled)")
    return ScopLoop(loop.id, canonical.induction_variable, canonical.iv_type, lower, inclusive, step)


def _statements(top: "Node", loops: dict[str, ScopLoop], accumulators: list[Accumulator]) -> list[Statement]:
    """The nest's statements with their sibling positions; an accumulator's declaration and updates
    read as writes of its destination (autopar.edit.restructure.accumulators)."""
    statements: list[Statement] = []
    texts = {id(a.decl): a.init_text for a in accumulators}
    texts.update({id(u): a.update_text(u) for a in accumulators for u in a.updates})

    def walk(node: Node, enclosing: list[Loop], position: list[int]) -> None:
        if isinstance(node, LoopNode):
            for index, child in enumerate(node.children):
                walk(child, enclosing + [node.loop], position + [index])
            return
        names = [loops[l.id].iv for l in enclosing]
        if any(token.text == "#" for token in getattr(node, "tokens", None) or getattr(node, "init", [])):
            raise Refusal("directive", "a preprocessor directive inside a statement")
        if len(set(names)) != len(names):
            raise Refusal("shadowing", "two enclosing loops share an induction variable name")
        body = texts.get(id(node)) or "".join(spaced(node.tokens))
        statements.append(Statement(name=f"S{len(statements)}", loops=[l.id for l in enclosing], ivs=names,
                                    text=body, start=node.start, end=node.end, position=position))

    walk(top, [], [0])
    if not statements:
        raise Refusal("empty", "the nest has no statements")
    return statements


def _accumulate_in_place(statements: list[Statement], accumulators: list[Accumulator]) -> list[Statement]:
    """Each accumulator's store dropped: its declaration writes the destination, each update reads
    and writes it. The statements are numbered again (S0, S1, ...) in source order."""
    dropped = set()
    for accumulator in accumulators:
        by_start = {s.start: s for s in statements}
        store, decl = by_start[accumulator.store.start], by_start[accumulator.decl.start]
        if len(store.accesses) != 1 or not store.accesses[0].is_write:
            raise Refusal("declaration", f"the store of {accumulator.name} is not one array element")
        target = store.accesses[0]
        inner = set(store.ivs) - set(decl.ivs)
        if any(target.subscripts[d].variables & inner for d in range(len(target.subscripts))):
            raise Refusal("declaration", f"{accumulator.name} is stored in an element of a loop inside its block")
        decl.accesses.append(ScopAccess(target.array, True, target.subscripts, target.text))
        for update in accumulator.updates:
            statement = by_start[update.start]
            statement.accesses += [ScopAccess(target.array, False, target.subscripts, target.text),
                                   ScopAccess(target.array, True, target.subscripts, target.text)]
        dropped.add(id(store))
    kept = [s for s in statements if id(s) not in dropped]
    for index, statement in enumerate(kept):
        statement.name = f"S{index}"
    return kept


def _place_accesses(root: Loop, statements: list[Statement], line_starts: list[int], loops: dict[str, ScopLoop]):
    """The IR's accesses, placed in statements by their offsets: the arrays with their number of
    subscripts, their element sizes, whether each is a pointer that may alias, the parameters, and
    the row lengths of arrays whose flattened subscripts were read as several."""
    ivs = [l.iv for l in loops.values()]
    arrays: dict[str, int] = {}
    array_decls: dict[str, str] = {}
    element_sizes: dict[str, int] = {}
    pointer_bases: dict[str, bool] = {}
    row_lengths: dict[str, list[str]] = {}
    row_conditions: list[str] = []
    params: set[str] = set()
    for access in root.accesses:
        offset = line_starts[access.line - 1] + access.column - 1
        owner = next((s for s in statements if s.start <= offset < s.end), None)
        if owner is None:
            raise Refusal("unreadable", f"access {access.text} outside every statement")
        if access.conditional:
            raise Refusal("conditional", f"access {access.text} runs conditionally")
        if access.path != access.base.name:
            raise Refusal("member", f"access {access.text} goes through a struct member")
        if not access.subscripts:
            raise Refusal("scalar-access", f"access {access.text} has no subscript")
        if len(access.subscripts) > 1 and _loaded_rows(access.base.type):
            raise Refusal("may-alias", f"{access.text} goes through row pointers ({access.base.type}), "
                                       "which may overlap")
        subscripts, rows, conditions = _subscripts(access, owner, loops)
        row_conditions += [c for c in conditions if c not in row_conditions]
        for subscript in subscripts:
            for name in subscript.variables:
                if name not in owner.ivs:
                    if name in ivs:
                        raise Refusal("non-affine", f"{access.text} uses {name} outside its loop")
                    params.add(name)
        params.update(rows)
        name = access.base.name
        if name in array_decls and array_decls[name] != access.base.decl:
            raise Refusal("shadowing", f"two different variables named {name}")
        array_decls[name] = access.base.decl
        if arrays.setdefault(name, len(subscripts)) != len(subscripts) or \
                row_lengths.setdefault(name, rows) != rows:
            raise Refusal("non-affine", f"{name} is subscripted with different numbers of dimensions")
        pointer_bases[name] = access.base.is_pointer and not access.base.unaliased
        element = access.element_type.replace("const ", "").strip()
        element_sizes[name] = _ELEMENT_SIZES.get(element, 8)
        owner.accesses.append(ScopAccess(name, access.is_write, subscripts, access.text))
    return (arrays, element_sizes, pointer_bases, params, {n: r for n, r in row_lengths.items() if r},
            row_conditions)


def _loaded_rows(spelled: str) -> bool:
    """Whether `a[i][j]` of this type loads a row pointer first (`double **p`, `double *rows[N]`):
    two rows may then overlap, unlike the rows of `double a[N][M]` or `double (*a)[M]`."""
    text = unqualified(spelled).replace(" ", "")
    return "*" in re.sub(r"\(\*\)", "", text, count=1)


def _subscripts(access, owner: Statement, loops: dict[str, ScopLoop]):
    """The access's affine subscripts, a flattened one read as several, with the row lengths and
    the conditions that reading needs."""
    for s in access.subscripts:
        if s.affine is not None:
            _plain_names(s.affine.variables, f"subscript {s.text} of {access.text}")
    linear = [s for s in access.subscripts if s.affine is not None and s.affine.is_linear]
    if len(linear) == len(access.subscripts):
        return [s.affine for s in access.subscripts], [], []
    subscript = next(s for s in access.subscripts if s not in linear)
    if len(access.subscripts) == 1 and subscript.affine is not None:
        domain, names = _domain_text(owner, loops)
        found = delinearize(subscript.affine, domain, sorted((names | subscript.affine.variables) - set(owner.ivs)))
        if found is not None:
            return found
    why = subscript.non_affine_reason or "not affine"
    raise Refusal("non-affine", f"subscript {subscript.text} of {access.text}: {why}")


def _domain_text(statement: Statement, loops: dict[str, ScopLoop]) -> tuple[str, set[str]]:
    """The statement's instances as isl text, and the names its bounds use."""
    enclosing = [loops[loop_id] for loop_id in statement.loops]
    names = {n for loop in enclosing for n in loop.lower.variables | loop.upper.variables}
    return domain_text(statement.name, statement.ivs, enclosing), names - set(statement.ivs)


def _scalar_types(root: Loop, ivs: list[str], accumulated: set[str]) -> dict[str, str]:
    """Scalars: only the induction variables (and accumulators, kept in their destinations) may be
    written; parameters are never written."""
    param_types: dict[str, str] = {}
    for use in root.scalars:
        name = use.variable.name
        if name in accumulated and use.declared_in_loop and not use.address_taken:
            continue
        if use.written and name not in ivs:
            raise Refusal("scalar-write", f"scalar {name} is written in the nest")
        if use.written and name in ivs and use.live_after_loop and not use.declared_in_loop:
            raise Refusal("iv-live-out", f"induction variable {name} is read after the nest")
        if use.address_taken:
            raise Refusal("address-taken", f"the address of {name} is taken in the nest")
        param_types[name] = use.variable.type
    return param_types


def _alias_checks(statements: list[Statement], arrays: dict[str, int], pointer_bases: dict[str, bool],
                  row_lengths: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The pointer pairs a runtime check must keep apart, or a refusal when no check can."""
    written_pointers = {a.array for s in statements for a in s.accesses if a.is_write and pointer_bases[a.array]}
    other_pointers = sorted(name for name, is_pointer in pointer_bases.items() if is_pointer)
    alias_checks: list[tuple[str, str]] = []
    if written_pointers and len(other_pointers) > 1:
        # legal under a runtime check that the pointers' accessed ranges do not overlap: only for
        # pointers subscripted once (their ranges are intervals of elements; a flattened subscript
        # read as several still is one)
        flat = all(arrays[n] == 1 or n in row_lengths for n in other_pointers)
        if not flat or any(not pointer_bases[n] for n in pointer_bases if n in written_pointers):
            raise Refusal("may-alias", f"pointers {', '.join(other_pointers)} may alias (declare them restrict)")
        alias_checks = [(a, b) for i, a in enumerate(other_pointers) for b in other_pointers[i + 1:]
                        if a in written_pointers or b in written_pointers]
    if written_pointers and any(not pointer_bases[n] and n not in written_pointers for n in pointer_bases):
        # a pointer written beside an array: the pointer may point into the array
        arrays_read = sorted(n for n in pointer_bases if not pointer_bases[n])
        raise Refusal("may-alias", f"pointer {sorted(written_pointers)[0]} may point into {', '.join(arrays_read)}")
    written_others = sorted({a.array for s in statements for a in s.accesses if a.is_write
                             and not pointer_bases[a.array]})
    if written_others and other_pointers:
        # a pointer read beside an array (or restrict pointer) the nest writes: it may point into it,
        # and no range check is made for declared arrays
        raise Refusal("may-alias", f"pointer {other_pointers[0]} may point into {', '.join(written_others)}")
    return alias_checks


def written_names(root: Loop) -> set[str]:
    return {use.variable.name for use in root.scalars if use.written}


def _check_loop(loop: Loop) -> None:
    checks = [
        (loop.canonical is None, "non-canonical", f"loop {loop.id} is not in canonical form: "
                                                  f"{loop.non_canonical_reason}"),
        (loop.has_break, "control-flow", f"loop {loop.id} has a break"),
        (loop.has_return, "control-flow", f"loop {loop.id} has a return"),
        (loop.has_goto, "control-flow", f"loop {loop.id} has a goto"),
        (loop.has_continue, "control-flow", f"loop {loop.id} has a continue"),
        (loop.has_throw, "control-flow", f"loop {loop.id} may throw"),
        (loop.writes_induction_variable, "iv-write", f"loop {loop.id} assigns its induction variable"),
        (loop.writes_bound, "bound-write", f"loop {loop.id} assigns a variable its bound reads"),
        (loop.from_macro, "macro", f"loop {loop.id} comes from a macro"),
        (not loop.in_main_file, "macro", f"loop {loop.id} is in another file"),
        (loop.existing_pragma is not None or loop.inside_omp_construct, "existing-pragma",
         f"loop {loop.id} already has an OpenMP pragma"),
        (loop.opt_out, "opt-out", f"loop {loop.id} is opted out"),
        (loop.canonical is not None and loop.canonical.step_symbol is not None, "step",
         f"loop {loop.id} steps by a variable ({loop.canonical.step_symbol if loop.canonical else ''})"),
        (loop.canonical is not None and loop.canonical.range_over is not None, "range-for",
         f"loop {loop.id} is a range-based for (no counter to restructure)"),
        (bool(loop.unmodelled_accesses), "unmodelled-access",
         f"loop {loop.id} accesses memory the analysis cannot name: {', '.join(loop.unmodelled_accesses)}"),
        (bool(loop.threadprivate_uses), "threadprivate",
         f"loop {loop.id} uses the threadprivate {', '.join(loop.threadprivate_uses)}: threads would use their "
         "own copies"),
        (bool(loop.volatile_uses), "volatile",
         f"loop {loop.id} reads or writes the volatile {', '.join(loop.volatile_uses)}: their order must stay"),
    ]
    for failed, code, message in checks:
        if failed:
            raise Refusal(code, message)


def is_signed_int_type(spelled: str) -> bool:
    return spelled.replace("const ", "").strip() in _SIGNED_INT_TYPES
