"""C from a schedule, with isl's AST generator, PPCG style: each statement is a macro holding the
user's own text with its loop variables as parameters, the loops are isl's, the parallel mark
becomes `#pragma omp parallel for`, and the block declares every iterator at its top (C89 too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import islpy as isl

from autopar.restructure.model import IslModel
from autopar.restructure.schedule import PARALLEL_MARK, ScheduledNest
from autopar.restructure.scop import Scop, is_signed_int_type, tokenize

_HELPERS = {
    "floord": "#define {p}floord(n, d) (((n) < 0) ? -((-(n) + (d) - 1) / (d)) : (n) / (d))",
    "ceild": "#define {p}ceild(n, d) (((n) < 0) ? -((-(n)) / (d)) : ((n) + (d) - 1) / (d))",
    "min": "#define {p}min(x, y) ((x) < (y) ? (x) : (y))",
    "max": "#define {p}max(x, y) ((x) > (y) ? (x) : (y))",
}


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


def statement_macro(scop: Scop, index: int) -> str:
    statement = scop.statements[index]
    tokens = tokenize(statement.text, 0, len(statement.text))
    out: list[str] = []
    for position, token in enumerate(tokens):
        if position and token.start > tokens[position - 1].end:
            out.append(" ")
        previous = tokens[position - 1].text if position else ""
        if token.kind == "ident" and token.text in statement.ivs and previous not in (".", "->"):
            out.append(f"({token.text})")
        else:
            out.append(token.text)
    return f"#define {statement.name}({', '.join(statement.ivs)}) {''.join(out)}"


def generate(model: IslModel, nest: ScheduledNest, source_text: str, indent: str = "",
             newline: str = "\n") -> GeneratedCode:
    scop = model.scop
    iterator_prefix, helper_prefix = _prefix(source_text)
    ctx = model.domain.get_ctx()
    # parameters of a type that is not a signed integer get a signed copy, so a bound such as
    # `n - 1` cannot wrap around
    copies = {p: f"{helper_prefix}{p}" for p in scop.params if not is_signed_int_type(scop.param_types.get(p, ""))}
    context = isl.Set(model.params + "{ : }") if model.params else isl.Set("{ : }")
    build = isl.AstBuild.from_context(context)
    depth = _schedule_depth(nest.schedule)
    names = [f"{iterator_prefix}{i}" for i in range(depth)]
    id_list = isl.IdList.alloc(ctx, depth)
    for name in names:
        id_list = id_list.add(isl.Id(name))
    build = build.set_iterators(id_list)
    ctx.set_ast_iterator_type("long")
    ast = build.node_from_schedule(nest.schedule)
    printed = ast.to_C_str()

    used_iterators = [n for n in names if re.search(r"\b" + re.escape(n) + r"\b", printed)]
    # isl prints `for (long c0 = ...`: declare them at the block top instead
    printed = re.sub(r"for \(long (" + re.escape(iterator_prefix) + r"\d+) =", r"for (\1 =", printed)
    helpers_used = []
    for helper in _HELPERS:
        pattern = r"\b" + helper + r"\("
        if re.search(pattern, printed):
            helpers_used.append(helper)
            printed = re.sub(pattern, helper_prefix + helper + "(", printed)
    statement_prefix = "" if not re.search(r"\bS\d+\b", source_text) else helper_prefix
    if statement_prefix:
        printed = re.sub(r"\b(S\d+)\(", statement_prefix + r"\1(", printed)
    for param, copy in copies.items():
        printed = re.sub(r"(?<![\w.>])" + re.escape(param) + r"\b", copy, printed)
    # the parallel mark: isl prints a mark as a `// name` comment line above its loop
    lines = printed.rstrip("\n").split("\n")
    out_lines: list[str] = []
    parallel = 0
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped == f"// {PARALLEL_MARK}":
            depth_here = _loop_depth_after(lines, number, iterator_prefix)
            inner = [n for n in used_iterators if int(n[len(iterator_prefix):]) > depth_here]
            private = f" private({', '.join(inner)})" if inner else ""
            out_lines.append(line[: len(line) - len(line.lstrip())] + f"#pragma omp parallel for{private}")
            parallel += 1
            continue
        if stripped.startswith("//"):
            continue
        out_lines.append(line)

    body: list[str] = ["{"]
    if used_iterators:
        body.append(f"  long {', '.join(used_iterators)};")
    for param, copy in copies.items():
        body.append(f"  const long {copy} = (long)({param});")
    helpers_at = len(body)
    for index in range(len(scop.statements)):
        body.append("#define " + statement_prefix + statement_macro(scop, index)[len("#define "):])
    guard = " && ".join(part for part in (row_guard(model, build, helper_prefix, copies),
                                          alias_guard(model, build, helper_prefix, copies)) if part)
    if guard:
        helpers_used.extend(h for h in _HELPERS if re.search(r"\b" + helper_prefix + h + r"\(", guard)
                            and h not in helpers_used)
        body.append(f"  if ({guard}) {{")
        body.extend("    " + line for line in out_lines)
        body.append("  } else {")
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
        parts.append(f"(&{a}[{a_high}] < &{b}[{b_low}] || &{b}[{b_high}] < &{a}[{a_low}])")
    return " && ".join(parts)


def row_guard(model: IslModel, build: isl.AstBuild, helper_prefix: str, copies: dict[str, str]) -> str:
    """The parameter values under which the nest's flattened subscripts stay within their rows
    (autopar.restructure.delinearize), as C; "" when the bounds prove it."""
    parts = []
    for condition in model.scop.row_conditions:
        holds = isl.Set(condition).align_params(model.domain.get_space().params())
        parts.append(f"({_as_generated(build.expr_from_set(holds).to_C_str(), helper_prefix, copies)})")
    return " && ".join(parts)


def _as_generated(text: str, helper_prefix: str, copies: dict[str, str]) -> str:
    """isl's C text as the generated block spells it: prefixed helpers, the parameters' copies."""
    for helper in _HELPERS:
        text = re.sub(r"\b" + helper + r"\(", helper_prefix + helper + "(", text)
    for param, copy in copies.items():
        text = re.sub(r"(?<![\w.>])" + re.escape(param) + r"\b", copy, text)
    return text


def _flattened(outer: str, row, inner: str) -> str:
    """`(outer) * row + (inner)` in C, or `inner` alone for the first subscript."""
    return inner if row is None else f"(long)({outer}) * {row} + ({inner})"


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
