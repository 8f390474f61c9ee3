"""The shape of the code: no import cycle between modules, and each stage imports only the stages
below it (the front end the IR; the analysis neither the plans' renderers nor any command)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
FRONT_END = ("autopar.frontend",)
ANALYSIS = ("autopar.ir", "autopar.plans.reasons", "autopar.deps", "autopar.plans.scalars", "autopar.plans.candidates",
            "autopar.plans.machine", "autopar.plans.fppolicy", "autopar.plans.plan", "autopar.atomic", "autopar.plans.specialize")
DECISION = ("autopar.decision.pipeline", "autopar.decision.reasoner", "autopar.decision.decisions")
EDITS = ("autopar.edit.rewrite", "autopar.edit.edits", "autopar.edit.edit_sites", "autopar.edit.versioning", "autopar.edit.team_gate",
         "autopar.edit.shared_regions", "autopar.edit.data_regions", "autopar.edit.thread_copies", "autopar.edit.restructure",
         "autopar.edit.transform")
COMMANDS = {"autopar.cli.main", "autopar.cli.__main__", "autopar.cli.commands", "autopar.cli.bench_commands",
            "autopar.cli.tune_command"}


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("autopar",):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports() -> nx.DiGraph:
    """Module -> module for every import that runs (at the top or in a function), not those under
    `if TYPE_CHECKING:`, and for the command modules `autopar.cli.main` loads by name."""
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                       and getattr(node.test, "id", "") == "TYPE_CHECKING" for n in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            targets = []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                           for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_delegated":
                targets = [f"autopar.cli.{node.args[0].value}"] if isinstance(node.args[0], ast.Constant) else []
            graph.add_edges_from((name, t) for t in targets if t in modules and t != name)
    return graph


def test_no_module_imports_itself_through_others():
    cycles = list(nx.simple_cycles(_imports()))
    assert cycles == []


def test_the_front_end_imports_only_the_ir_and_the_flag_table():
    allowed = {"autopar.ir", "autopar.flags"}
    wrong = [(a, b) for a, b in _imports().edges if a.startswith(FRONT_END) and b.startswith("autopar")
             and not b.startswith(FRONT_END) and b not in allowed]
    assert wrong == []


def test_the_analysis_imports_no_later_stage():
    wrong = [(a, b) for a, b in _imports().edges if a.startswith(ANALYSIS)
             and not b.startswith(ANALYSIS + FRONT_END)]
    assert wrong == []


def test_only_command_modules_import_the_command_line():
    wrong = [(a, b) for a, b in _imports().edges if b in COMMANDS and a not in COMMANDS]
    assert wrong == []


def test_the_decision_imports_no_edit_stage():
    # a decision is a validated Plan; its pragma text comes from the plans (autopar.plans.plan.render_pragma)
    wrong = [(a, b) for a, b in _imports().edges if a.startswith(DECISION) and b.startswith(EDITS)]
    assert wrong == []


def test_rooms_stay_small():
    # one job per module, one step per function: a module over 500 lines or a function over 80
    # is a room that holds more than one job (issue: the house)
    big_modules, long_functions = [], []
    for name, path in _modules().items():
        text = path.read_text()
        if text.count("\n") > 500:
            big_modules.append((name, text.count("\n")))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 80:
                long_functions.append((name, node.name, node.end_lineno - node.lineno + 1))
    assert big_modules == [] and long_functions == []
