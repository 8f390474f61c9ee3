"""C from a schedule, with isl's AST generator, PPCG style: each statement is a macro holding the
user's own text with its loop variables as parameters, the loops are isl's, the parallel mark
becomes `#pragma omp parallel for`, and the block declares every iterator at its top (C89 too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import islpy as isl

from autopar.edit.restructure.model import IslModel
from autopar.edit.restructure.schedule import PARALLEL_MARK, ScheduledNest, parallel_marks
from autopar.edit.restructure.scop import Scop, is_signed_int_type, tokenize
from autopar.edit.restructure.thresholds import mark_conditions

_HELPERS = {
    "floord": "#define {p}floord(n, d) (((n) < 0) ? -((-(n) + (d) - 1) / (d)) : (n) / (d))",
    "ceild": "#define {p}ceild(n, d) (((n) < 0) ? -((-(n)) / (d)) : ((n) + (d) - 1) / (d))",
    "min": "#define {p}min(x, y) ((x) < (y) ? (x) : (y))",
    "max": "#define {p}max(x, y) ((x) > (y) ? (x) : (y))",
}

# on the line above the original nest kept for the cases the guard excludes: a later rewrite leaves
# that copy alone (the `autopar: off` opt-out), so rewriting twice changes nothing
ORIGINAL_NEST_MARK = "/* autopar: off (the original nest, for what the guard above excludes) */"


@dataclass
class GeneratedCode:
    text: str  # the block that replaces the nest (no leading indentation on its first line)
    iterators: list[str]
    parallel_loops: int


def _prefix(source_text: str) -> tuple[str, str]:
    """Names for iterators and helper macros that the file does not already use."""
    words = set(re.findall(r"[A-Za-z_]\w*", source_text))
    for iterator, helper in (("c", "ap_"), ("ap_c", "autopar_"), ("autopar_c", "autopar_h_")):
        if not any(re.fullmatch(re.escape(iterator) + r"\d+", w) for w in words) and \
                not any(w.startswith(helper) for w in words):
            return iterator, helper
    return "autopar_it_", "autopar_hh_"


def statement_macro(scop: Scop, index: int, iterator_type: str = "long") -> str:
    """The statement as a macro of its loop variables. Where the generated loops count in another
    type than a loop variable's (`long` iterators for a nest of mixed types), each use is converted
    back to it, so that the statement computes in the types it was written in (`g[j][i] - j` with
    `unsigned g` and `int j` wraps as unsigned)."""
    statement = scop.statements[index]
    types = {scop.loops[loop_id].iv: scop.loops[loop_id].iv_type.strip() for loop_id in statement.loops}
    tokens = tokenize(statement.text, 0, len(statement.text))
    out: list[str] = []
    for position, token in enumerate(tokens):
        if position and token.start > tokens[position - 1].end:
            out.append(" ")
        previous = tokens[position - 1].text if position else ""
        if token.kind == "ident" and token.text in statement.ivs and previous not in (".", "->"):
            kind = types.get(token.text, iterator_type)
            out.append(f"({token.text})" if kind == iterator_type else f"(({kind})({token.text}))")
        else:
            out.append(token.text)
    return f"#define {statement.name}({', '.join(statement.ivs)}) {''.join(out)}"


def iterator_type_of(scop: Scop) -> str:
    """The type the generated loops count in: `int` when every loop of the nest is an `int` loop (the
    types the user's code and its compiler work in: gcc 12's induction-variable optimization
    miscompiled a wavefront over `unsigned g[8][8]` with `long` counters), else `long`."""
    return "int" if all(loop.iv_type.strip() == "int" for loop in scop.loops.values()) else "long"


def int_range_guard(model: IslModel, nest: ScheduledNest, build: isl.AstBuild, printed: str,
                    iterators: list[str], maximum: int = 2**31 - 1) -> str:
    """The condition that no expression of the generated loops can overflow their counters' type
    (whose largest value is `maximum`): each is a sum of at most m counters and parameters, with
    coefficients of at most A (the largest number printed as a factor), and a constant of at most C
    (the largest other number), so every counter and parameter within L = (MAX - C) / (m A) - C
    (less a tile's overshoot) keeps them all in range. The counters range over the schedule's values,
    whose bounds isl computes from the parameters: those are tested first (`&&` then spares the
    counters' bounds from computing with a parameter out of range). Evaluated in `long`."""
    scop = model.scop
    numbers = [int(n) for n in re.findall(r"(?<![\w.])\d+(?![\w.])", printed)]
    coefficients = [int(n) for n in re.findall(r"(?<![\w.])(\d+) \*|\* (\d+)(?![\w.])", printed) for n in n if n]
    largest = max([1, *coefficients])  # what multiplies a counter or a parameter
    constant = max([0, *numbers])  # what is added (a bound, a tile's size)
    terms = len(iterators) + len(scop.params) + 1
    limit = (maximum - constant) // (terms * largest) - constant
    if limit <= 0:
        return "0"
    points = isl.Set.from_union_set(nest.schedule.get_map().intersect_domain(model.domain).range())
    parts = [f"{param} <= {limit}L && {param} >= -{limit}L" for param in scop.params]
    for d in range(points.dim(isl.dim_type.set)):
        for bound, test in ((points.dim_max(d), f"<= {limit}L"), (points.dim_min(d), f">= -{limit}L")):
            parts.append(f"({build.expr_from_pw_aff(bound).to_C_str()}) {test}")
    kept = []
    for part in parts:  # a bound isl knows as a number is tested now
        constant = re.fullmatch(r"\((-?\d+)\) (<=|>=) (-?\d+)L", part)
        if constant is None:
            kept.append(part)
        elif not (int(constant.group(1)) <= int(constant.group(3)) if constant.group(2) == "<=" else
                  int(constant.group(1)) >= int(constant.group(3))):
            return "0"
    return " && ".join(dict.fromkeys(kept))  # (dimensions with the same bound test it once)


def _in_long(text: str, params: list[str]) -> str:
    return _renamed(text, {param: f"(long)({param})" for param in params})


def _renamed(text: str, names: dict[str, str]) -> str:
    """`text` with each parameter name (not a member, not part of a longer name) spelled anew."""
    for param, spelling in names.items():
        text = re.sub(r"(?<![\w.>])" + re.escape(param) + r"\b", spelling, text)
    return text


def generate(model: IslModel, nest: ScheduledNest, source_text: str, indent: str = "",
             newline: str = "\n", work_thresholds: bool = True) -> GeneratedCode:
    """`work_thresholds`: each parallel loop runs its region only where one entry's work pays for it
    (autopar.edit.restructure.thresholds); without, every region runs (as race checks build it)."""
    scop = model.scop
    iterator_prefix, helper_prefix = _prefix(source_text)
    ctx = model.domain.get_ctx()
    iterator_type = iterator_type_of(scop)
    # parameters of a type that is not a signed integer get a signed copy, so a bound such as
    # `n - 1` cannot wrap around; with `long` counters every parameter does, so that the bounds
    # (`32 * floord(lo, 16)` of an `int lo`) are computed in long
    copies = {p: f"{helper_prefix}{p}" for p in scop.params
              if iterator_type == "long" or not is_signed_int_type(scop.param_types.get(p, ""))}
    context = isl.Set(model.params + "{ : }") if model.params else isl.Set("{ : }")
    build = isl.AstBuild.from_context(context)
    depth = _schedule_depth(nest.schedule)
    names = [f"{iterator_prefix}{i}" for i in range(depth)]
    id_list = isl.IdList.alloc(ctx, depth)
    for name in names:
        id_list = id_list.add(isl.Id(name))
    build = build.set_iterators(id_list)
    ctx.set_ast_iterator_type(iterator_type)
    ast = build.node_from_schedule(nest.schedule)
    printed = ast.to_C_str()

    used_iterators = [n for n in names if re.search(r"\b" + re.escape(n) + r"\b", printed)]
    # isl prints `for (long c0 = ...`: declare them at the block top instead
    printed = re.sub(r"for \(" + iterator_type + " (" + re.escape(iterator_prefix) + r"\d+) =", r"for (\1 =", printed)
    overflow_guard = int_range_guard(model, nest, build, printed, used_iterators,
                                     2**31 - 1 if iterator_type == "int" else 2**63 - 1)
    helpers_used = []
    for helper in _HELPERS:
        pattern = r"\b" + helper + r"\("
        if re.search(pattern, printed):
            helpers_used.append(helper)
            printed = re.sub(pattern, helper_prefix + helper + "(", printed)
    statement_prefix = "" if not re.search(r"\bS\d+\b", source_text) else helper_prefix
    if statement_prefix:
        printed = re.sub(r"\b(S\d+)\(", statement_prefix + r"\1(", printed)
    printed = _renamed(printed, copies)
    conditions = mark_conditions(model, nest.schedule, build, lambda text: _as_generated(text, helper_prefix, copies)) \
        if work_thresholds else []
    helpers_used += _helpers_in(" ".join(c for c in conditions if c), helper_prefix, helpers_used)
    out_lines, parallel = _with_parallel_pragmas(printed, nest, iterator_prefix, used_iterators, conditions)

    body: list[str] = ["{"]
    if used_iterators:
        body.append(f"  {iterator_type} {', '.join(used_iterators)};")
    for param, copy in copies.items():
        body.append(f"  const long {copy} = (long)({param});")
    helpers_at = len(body)
    for index in range(len(scop.statements)):
        body.append("#define " + statement_prefix + statement_macro(scop, index, iterator_type)[len("#define "):])
    # every test evaluated in long: the parameters' own type could overflow where the nest does not
    guard = " && ".join(_in_long(part, scop.params) for part in (
        _as_generated(overflow_guard, helper_prefix, {}), row_guard(model, build, helper_prefix, copies),
        alias_guard(model, build, helper_prefix, copies)) if part)
    if guard:
        helpers_used += _helpers_in(guard, helper_prefix, helpers_used)
        body.append(f"  if ({guard}) {{")
        body.extend("    " + line for line in out_lines)
        body.append("  } else { " + ORIGINAL_NEST_MARK)
        body.append("    " + scop.original.replace("\r\n", "\n").replace("\n", "\n  "))
        body.append("  }")
    else:
        body.extend("  " + line for line in out_lines)
    body[helpers_at:helpers_at] = [_HELPERS[h].format(p=helper_prefix) for h in helpers_used]
    for index in range(len(scop.statements)):
        body.append(f"#undef {statement_prefix}{scop.statements[index].name}")
    for helper in helpers_used:
        body.append(f"#undef {helper_prefix}{helper}")
    body.append("}")
    text = newline.join(line if line.startswith("#") or not line else indent + line for line in body)
    return GeneratedCode(text=text[len(indent):] if text.startswith(indent) else text,
                         iterators=used_iterators, parallel_loops=parallel)


def _helpers_in(text: str, helper_prefix: str, known: list[str]) -> list[str]:
    """The helper macros `text` calls (prefixed) that `known` does not hold yet, in _HELPERS order."""
    return [h for h in _HELPERS if h not in known and re.search(r"\b" + helper_prefix + h + r"\(", text)]


def _with_parallel_pragmas(printed: str, nest: ScheduledNest, iterator_prefix: str,
                           used_iterators: list[str], conditions: list) -> tuple[list[str], int]:
    """isl's printed code as lines, each parallel mark (a `// name` comment line above its loop)
    turned into `#pragma omp parallel for` on the marked member's loop(s), with the mark's work
    condition (`conditions`, in tree order; none at all when empty); and how many."""
    lines = printed.rstrip("\n").split("\n")
    out_lines: list[str] = []
    parallel = 0
    pragmas: dict[int, str] = {}  # line number of a marked `for` -> its pragma
    depths = _mark_depths(nest.schedule)
    printed_marks = [n for n, line in enumerate(lines) if line.strip() == f"// {PARALLEL_MARK}"]
    # each printed mark's own depth, in tree order; where isl printed marks more or fewer times
    # than the tree holds them, only a depth that every mark shares can be told
    own_depth = dict(zip(printed_marks, depths)) if len(printed_marks) == len(depths) else \
        {n: depths[0] for n in printed_marks} if len(set(depths)) == 1 else {}
    own_condition = _printed_conditions(printed_marks, conditions)
    for number, line in enumerate(lines):
        if line.strip() == f"// {PARALLEL_MARK}":
            depth_here = _loop_depth_after(lines, number, iterator_prefix)
            if depth_here != own_depth.get(number):
                # isl printed no loop for the marked member (one iteration): the loop below it is
                # another member, which may carry a dependence
                continue
            condition = own_condition.get(number, "")
            if condition is None:
                continue  # one entry's work never pays for a region: the loop stays serial
            inner = [n for n in used_iterators if int(n[len(iterator_prefix):]) > depth_here]
            private = f" private({', '.join(inner)})" if inner else ""
            private += f" if({condition})" if condition else ""
            for loop_line in _marked_loops(lines, number + 1):
                # only a loop of the marked member: where isl split it and printed no loop for it
                # in one piece, that piece's top loop is another member's
                if re.match(r"\s*for \(" + re.escape(f"{iterator_prefix}{depth_here}") + r" =", lines[loop_line]):
                    pragmas[loop_line] = f"#pragma omp parallel for{private}"
    for number, line in enumerate(lines):
        if number in pragmas:
            out_lines.append(line[: len(line) - len(line.lstrip())] + pragmas[number])
            parallel += 1
        if not line.strip().startswith("//"):
            out_lines.append(line)
    return out_lines, parallel


def alias_guard(model: IslModel, build: isl.AstBuild, helper_prefix: str, copies: dict[str, str]) -> str:
    """The runtime check that the pointer pairs' accessed element ranges do not overlap, as C.

    The range of a pointer is [lexmin, lexmax] of the elements the nest touches, a piecewise affine
    function of the parameters computed by isl and printed by its AST builder."""
    scop = model.scop
    if not scop.alias_checks:
        return ""
    touched = model.reads.union(model.writes).intersect_domain(model.domain).range()
    bounds: dict[str, tuple[str, str]] = {}
    for name in sorted({n for pair in scop.alias_checks for n in pair}):
        rows = scop.row_lengths.get(name, [])
        elements = touched.extract_set(isl.Space.create_from_names(
            model.domain.get_ctx(), set=[f"e{d}" for d in range(len(rows) + 1)],
            params=scop.params).set_tuple_name(isl.dim_type.set, name))
        # a flattened subscript read as rows: each subscript's own range, flattened again (the box
        # holds every element touched, since each subscript but the first stays within its row)
        low, high = "", ""
        for d, row in enumerate([None, *rows]):
            low = _flattened(low, row, build.expr_from_pw_aff(elements.dim_min(d)).to_C_str())
            high = _flattened(high, row, build.expr_from_pw_aff(elements.dim_max(d)).to_C_str())
        bounds[name] = (_as_generated(low, helper_prefix, copies), _as_generated(high, helper_prefix, copies))
    parts = []
    for a, b in scop.alias_checks:
        (a_low, a_high), (b_low, b_high) = bounds[a], bounds[b]
        # (as bytes: two arrays of other element types, `float *a` and `double *b`, may overlap too)
        # one past each range's last element: `&a[high] < &b[low]` passed where b began inside a[high]
        parts.append(f"((const char *)(&{a}[{a_high}] + 1) <= (const char *)&{b}[{b_low}] || "
                     f"(const char *)(&{b}[{b_high}] + 1) <= (const char *)&{a}[{a_low}])")
    return " && ".join(parts)


def row_guard(model: IslModel, build: isl.AstBuild, helper_prefix: str, copies: dict[str, str]) -> str:
    """The parameter values under which the nest's flattened subscripts stay within their rows
    (autopar.edit.restructure.delinearize), as C; "" when the bounds prove it."""
    parts = []
    for condition in model.scop.row_conditions:
        holds = isl.Set(condition).align_params(model.domain.get_space().params())
        parts.append(f"({_as_generated(build.expr_from_set(holds).to_C_str(), helper_prefix, copies)})")
    return " && ".join(parts)


def _as_generated(text: str, helper_prefix: str, copies: dict[str, str]) -> str:
    """isl's C text as the generated block spells it: prefixed helpers, the parameters' copies."""
    for helper in _HELPERS:
        text = re.sub(r"\b" + helper + r"\(", helper_prefix + helper + "(", text)
    return _renamed(text, copies)


def _flattened(outer: str, row, inner: str) -> str:
    """`(outer) * row + (inner)` in C, or `inner` alone for the first subscript."""
    return inner if row is None else f"(long)({outer}) * {row} + ({inner})"


def _printed_conditions(printed_marks: list[int], conditions: list) -> dict:
    """Each printed mark's work condition. Where isl printed marks more or fewer times than the tree
    holds them, every printed one gets all of them: a region runs only where each would."""
    if not conditions:
        return {}
    if len(printed_marks) == len(conditions):
        return dict(zip(printed_marks, conditions))
    combined = None if None in conditions else " && ".join(f"({c})" for c in dict.fromkeys(conditions) if c)
    return {n: combined for n in printed_marks}


def _mark_depths(schedule: isl.Schedule) -> list[int]:
    """The schedule depth of the loop under each parallel mark: its iterator is c<depth>."""
    return [mark.get_schedule_depth() for mark in parallel_marks(schedule)]


def _marked_loops(lines: list[str], index: int) -> list[int]:
    """The `for` lines a parallel mark stands for: the loop below it, or, where isl split the marked
    loop into several (full and partial tiles) inside a block, each loop at the block's top level."""
    while index < len(lines) and lines[index].strip().startswith("//"):
        index += 1
    if index >= len(lines):
        return []
    if lines[index].strip() != "{":
        return [index] if lines[index].lstrip().startswith("for (") else []
    indent = len(lines[index]) - len(lines[index].lstrip())
    found = []
    for number in range(index + 1, len(lines)):
        here = len(lines[number]) - len(lines[number].lstrip())
        if here <= indent and lines[number].strip() == "}":
            break
        if lines[number].lstrip().startswith("for (") and here == _child_indent(lines, index, indent):
            found.append(number)
    return found


def _child_indent(lines: list[str], index: int, indent: int) -> int:
    """The indentation of the first statement inside the block that opens on line `index`."""
    for line in lines[index + 1:]:
        if line.strip():
            return len(line) - len(line.lstrip())
    return indent + 2


def _loop_depth_after(lines: list[str], index: int, prefix: str) -> int:
    """The iterator number of the first `for` after line `index` (the marked loop)."""
    for line in lines[index:]:
        match = re.search(r"for \((" + re.escape(prefix) + r")(\d+) =", line)
        if match:
            return int(match.group(2))
    return -1


def _schedule_depth(schedule: isl.Schedule) -> int:
    deepest = 0

    def visit(node: isl.ScheduleNode) -> None:
        nonlocal deepest
        if node.get_type() == isl.schedule_node_type.leaf:
            deepest = max(deepest, node.get_schedule_depth())
        for i in range(node.n_children()):
            visit(node.child(i))

    visit(schedule.get_root())
    return deepest
