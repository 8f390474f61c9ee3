"""The shape of the code: one package per stage, no import cycle between modules, and each stage
imports only the stages below it (the front end the IR; the analysis neither the plans' renderers nor
any command)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
# the stages, in pipeline order, each a package of autopar
STAGES = ("autopar.frontend", "autopar.deps", "autopar.plans", "autopar.decision", "autopar.edit",
          "autopar.report", "autopar.tools", "autopar.cli")
# what every stage reads: the only modules of autopar outside a stage package
IR = ("autopar.ir", "autopar.ir_base", "autopar.ir_affine", "autopar.ir_calls", "autopar.ir_claims",
      "autopar.ir_variables")  # the IR's modules (autopar.ir re-exports the others)
FOUNDATIONS = ("autopar", *IR, "autopar.flags", "autopar.atomic", "autopar.config", "autopar.inputs",
               "autopar.jobs", "autopar.process")
FRONT_END = ("autopar.frontend",)
ANALYSIS = ("autopar.deps", "autopar.plans", *IR, "autopar.atomic")
DECISION = ("autopar.decision",)
EDITS = ("autopar.edit",)
COMMANDS = ("autopar.cli",)


def _in(module: str, packages: tuple[str, ...]) -> bool:
    """`module` is one of `packages` or a module inside one of them."""
    return any(module == p or module.startswith(p + ".") for p in packages)


def _modules() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "autopar").rglob("*.py"):
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


def test_every_module_lives_in_a_stage_or_is_a_foundation():
    wrong = [name for name in _modules() if name not in FOUNDATIONS and not _in(name, STAGES)]
    assert wrong == []


def test_the_foundations_import_no_stage():
    wrong = [(a, b) for a, b in _imports().edges if a in FOUNDATIONS and _in(b, STAGES)]
    assert wrong == []


def test_the_front_end_imports_only_the_ir_and_the_flag_table():
    allowed = {*IR, "autopar.flags"}
    wrong = [(a, b) for a, b in _imports().edges if _in(a, FRONT_END) and not _in(b, FRONT_END)
             and b not in allowed]
    assert wrong == []


def test_the_analysis_imports_no_later_stage():
    wrong = [(a, b) for a, b in _imports().edges if _in(a, ANALYSIS) and not _in(b, ANALYSIS + FRONT_END)]
    assert wrong == []


def test_only_command_modules_import_the_command_line():
    wrong = [(a, b) for a, b in _imports().edges if _in(b, COMMANDS) and not _in(a, COMMANDS)]
    assert wrong == []


def test_the_decision_imports_no_edit_stage():
    # a decision is a validated Plan; its pragma text comes from the plans (autopar.plans.plan.render_pragma)
    wrong = [(a, b) for a, b in _imports().edges if _in(a, DECISION) and _in(b, EDITS)]
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
