"""`autopar explain FILE:LINE`: everything the analysis knows about one loop, in words, plus its
dependence graph as Graphviz DOT (and PNG when `dot` is installed).
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Optional

from pydantic import BaseModel

from autopar.plans import machine
from autopar.plans.candidates import entries, work
from autopar.ir import Loop, TranslationUnit
from autopar.decision.pipeline import FileAnalysis, analyze_file
from autopar.plans.plan import NestAnalysis
from autopar.plans.plan import render_pragma
from autopar.report.check_restrict import restrict_finding
from autopar.plans.reasons import ALIAS_UNBOUNDED
from autopar.plans.candidates import scalar_classes


class ExplainError(Exception):
    pass


class Explanation(BaseModel):
    loop_id: str
    text: str
    dot: str

    def render_png(self, dot_path: str) -> Optional[str]:
        """Render `dot_path` (already written) as PNG beside it; None when Graphviz is missing or fails."""
        if shutil.which("dot") is None:
            return None
        png = dot_path[:-4] + ".png" if dot_path.endswith(".dot") else dot_path + ".png"
        try:
            done = subprocess.run(["dot", "-Tpng", "-o", png, dot_path], capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return png if done.returncode == 0 else None


def find_loop(tu: TranslationUnit, line: int, column: Optional[int] = None) -> Loop:
    """The loop whose `for` is on `line` (at `column`, when given and a loop starts there), else the
    innermost loop whose body contains it."""
    on_line = [loop for loop in tu.loops if loop.line == line]
    if column is not None:
        exact = [loop for loop in on_line if loop.column == column]
        if exact:
            return exact[0]
        before = [loop for loop in on_line if loop.column <= column]
        if before:
            return before[-1]
    if on_line:
        return on_line[0]
    around = [loop for loop in tu.loops if loop.line <= line <= loop.end_line]
    if around:
        return max(around, key=lambda loop: loop.depth)
    lines = ", ".join(str(loop.line) for loop in tu.loops) or "none"
    raise ExplainError(f"no for loop at {tu.path}:{line} (loops start on lines: {lines})")


def explain_loop(path: str, line: int, compile_args: list[str] | None = None,
                 build_dir: str | None = None, column: Optional[int] = None) -> Explanation:
    analysis = analyze_file(path, compile_args, build_dir)
    if analysis.tu is None:
        raise ExplainError(f"{path}: not analyzed: {analysis.report.error}")
    if analysis.report.failed:
        errors = [d.render() for d in analysis.report.diagnostics if d.is_error]
        raise ExplainError(f"{path}: the file has errors:\n" + "\n".join(errors))
    tu = analysis.tu
    loop = find_loop(tu, line, column)
    nest = analysis.nest_of(loop.id)
    if nest is not None and nest.unit(tu) is not tu:  # (read with switched-off statements blanked)
        from autopar.plans.candidates.switched_off import flag_tests

        unusable: list[str] = []
        flag_tests(nest.unit(tu), nest.unit(tu).loop(loop.id), unusable, [])
        if not unusable:  # (a loop that does not hold them all keeps its verdict as written: shown so)
            tu = nest.unit(tu)
            loop = tu.loop(loop.id)
    root = tu.loop(nest.root_loop_id) if nest else (tu.ancestors(loop.id) or [loop])[0]
    graph, graph_error = None, None
    try:
        from autopar.deps import dependence_graph

        graph = dependence_graph(tu, loop.id)
    except Exception as error:  # the text still says everything else
        graph_error = f"{type(error).__name__}: {error}"
    text = _text(tu, loop, root, nest, analysis, graph, graph_error)
    dot = graph.to_dot() if graph is not None else _accesses_only_dot(loop)
    return Explanation(loop_id=loop.id, text=text, dot=dot + ("" if dot.endswith("\n") else "\n"))


def _text(tu, loop: Loop, root: Loop, nest: Optional[NestAnalysis], analysis: FileAnalysis, graph,
          graph_error: Optional[str]) -> str:
    sections = [_loop_section(tu, loop, root), _accesses_section(loop), _dependences_section(graph, graph_error),
                _scalars_section(tu, loop), _nest_section(tu, loop, nest), _result_section(tu, loop, root, analysis)]
    out: list[str] = []
    for index, lines in enumerate(sections):  # a blank line before each section, even an empty last one
        out.extend([""] * bool(index) + lines)
    return "\n".join(out) + "\n"


def _loop_section(tu, loop: Loop, root: Loop) -> list[str]:
    out = [f"loop {loop.id} in {loop.function}(): {_header(loop)}"]
    if root.id != loop.id:
        out.append(f"  nested at depth {loop.depth} in the nest rooted at {root.id}")
    facts = [name for name, value in (("break", loop.has_break), ("return", loop.has_return),
                                      ("goto", loop.has_goto), ("continue", loop.has_continue),
                                      ("throw", loop.has_throw),
                                      ("writes its induction variable", loop.writes_induction_variable),
                                      ("writes a bound", loop.writes_bound)) if value]
    if facts:
        out.append(f"  body has: {', '.join(facts)}")
    if loop.existing_pragma:
        out.append(f"  existing pragma: {loop.existing_pragma}")
    if loop.non_canonical_reason:
        out.append(f"  not in canonical form: {loop.non_canonical_reason}")
    for statement in tu.switched_off:
        out.append(f"  read with `{statement.text}` (line {statement.line}) switched off: "
                   f"its plans run in parallel only while {statement.test}")
    distinct = tu.distinct_parameters.get(loop.function)
    if distinct:
        out.append(f"  no-alias from the call sites: every call in this file passes {', '.join(distinct)} "
                   f"objects no other argument reaches ({'the file is the whole program' if tu.whole_program else 'a file-local function'}): "
                   "treated as restrict")
    return out


def _accesses_section(loop: Loop) -> list[str]:
    out = [f"accesses ({len(loop.accesses)}):"]
    for access in loop.accesses:
        kind = "write" if access.is_write else "read "
        subs = ", ".join(s.text if s.affine is not None else f"{s.text} (not affine: {s.non_affine_reason})"
                         for s in access.subscripts)
        cond = "  [conditional]" if access.conditional else ""
        out.append(f"  {access.line}:{access.column}  {kind}  {access.text}  [{subs}]{cond}")
    return out


def _dependences_section(graph, graph_error: Optional[str]) -> list[str]:
    if graph is None:
        return [f"dependences: not computed ({graph_error})"]
    out = [f"dependences ({len(graph.edges)}):"]
    texts = {node: data.get("text", node) for node, data in graph.graph.nodes(data=True)}
    for edge in graph.edges:
        carried = f"carried by {edge.loop}" if edge.loop else "loop-independent"
        distance = f", distance {edge.distance}" if edge.distance else ""
        exact = "" if edge.exact else "  [conservative]"
        reason = f" -- {edge.reason}" if edge.reason else ""
        out.append(f"  {texts.get(edge.source, edge.source)} -> {texts.get(edge.sink, edge.sink)}: "
                   f"{edge.kind}, {carried}{distance}{exact}{reason}")
    return out


def _scalars_section(tu, loop: Loop) -> list[str]:
    out = [f"scalars ({len(loop.scalars)}):"]
    roles = scalar_classes(tu, loop).roles  # the same classes the verdict was built from
    for scalar in loop.scalars:
        out.append(f"  {scalar.variable.name}: {roles[scalar.variable.name]}")
    if loop.calls:
        out.append("")
        out.append(f"calls ({len(loop.calls)}):")
        for call in loop.calls:
            out.append(f"  {call.line}:{call.column}  {call.callee}()  {call.effect.value}")
    return out


def _nest_section(tu, loop: Loop, nest: Optional[NestAnalysis]) -> list[str]:
    if nest is None:
        return ["verdicts: none (the nest was not analyzed)"]
    out = ["verdicts:"]
    for verdict in nest.verdicts:
        mark = "parallelizable" if verdict.parallelizable else "serial"
        here = "  <- this loop" if verdict.loop_id == loop.id else ""
        out.append(f"  {verdict.loop_id}: {mark}{here}")
        out.extend(f"      {reason}" for reason in verdict.reasons)
    out.append("")
    out.append(f"candidates ({len(nest.candidates)}):")
    for candidate in nest.candidates:
        chosen = " (analyzer's default)" if candidate.id == nest.default_candidate_id else ""
        out.append(f"  {candidate.id}{chosen}: on {candidate.plan.loop_id}: {render_pragma(candidate.plan)}")
        out.append(f"      {candidate.summary}; estimated cost {candidate.estimated_cost:g}; "
                   f"proof {candidate.plan.proof.value}")
        on = tu.loop(candidate.plan.loop_id)
        out.append(f"      region entered {entries(tu, on):.3g} times, ~{work(tu, on):.3g} work units per entry")
        out.extend(f"      {reason}" for reason in candidate.reasons)
    if nest.default_reason:
        out.append(f"  why the default: {nest.default_reason}")
    out.append(f"  cost model: {machine.current().describe()}")
    return out


def _result_section(tu, loop: Loop, root: Loop, analysis: FileAnalysis) -> list[str]:
    decision = next((d for d in analysis.decisions if d.root_loop_id == root.id), None)
    report = next((r for r in analysis.report.loops if r.id == loop.id), None)
    out = []
    if decision is not None:
        chosen = decision.candidate_id or "none (serial)"
        out.append(f"decision for the nest: {chosen}, by the {decision.decided_by}"
                   + (f": {decision.rationale}" if decision.rationale else ""))
    if report is None:
        return out
    if report.parallel:
        out.append(f"result: this loop gets `{report.pragma}` (proof: {report.proof})")
        return out
    out.append(f"result: this loop stays as it is: {'; '.join(report.reasons) or 'no reason recorded'}")
    if ALIAS_UNBOUNDED in report.codes:
        with open(tu.path, "rb") as handle:
            hint = restrict_finding(handle.read(), tu, loop, tu.compile_args)
        if hint is not None:
            out.append(f"hint: {hint.message[hint.message.index('would run'):]}"
                       + (f"; fix: line {hint.fix_start_line}: {hint.fix_text.strip()}" if hint.fix_text else ""))
    return out


def _header(loop: Loop) -> str:
    c = loop.canonical
    if c is None:
        return "for (...)"
    if c.range_over:
        return f"for ({c.induction_variable} : {c.range_over})"
    step = f"{c.induction_variable} += {c.step_symbol or c.step}" if c.step >= 0 else \
        f"{c.induction_variable} -= {-c.step}"
    return f"for ({c.induction_variable} = {c.lower_text}; {c.induction_variable} {c.comparison.value} " \
           f"{c.upper_text}; {step})"


def _accesses_only_dot(loop: Loop) -> str:
    lines = [f'digraph "{loop.id}" {{']
    for access in loop.accesses:
        label = f"{access.text} ({'W' if access.is_write else 'R'}, line {access.line})".replace('"', '\\"')
        lines.append(f'  "{access.id}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines)
