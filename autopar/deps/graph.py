"""The dependence graph of one loop: nodes are access ids, edges are `Edge`s (flow, anti, output; the
carrying loop or None; distance; exact or conservative; the reason a user reads)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from autopar.ir import Access

if TYPE_CHECKING:
    from autopar.deps.accesses import ObjectModel


@dataclass
class Edge:
    source: str  # access id (or "scalar:<name>")
    sink: str
    kind: str  # "flow" | "anti" | "output"
    loop: Optional[str]  # the carrying loop id; None for a loop-independent dependence
    exact: bool = True  # False: conservative (non-affine access or possible aliasing)
    distance: Optional[str] = None  # iterations of the carrying loop, "*" when it varies
    reason: str = ""  # a sentence a user understands
    alias: Optional[tuple[str, str]] = None  # the two object keys when the edge exists only by aliasing
    code: str = ""  # the stable code of the reason (autopar.plans.reasons); empty: carried-<kind>


class DependenceGraph:
    """Dependences of the accesses inside one loop. Nodes: access ids; edges: `Edge` data."""

    def __init__(self, loop_id: str):
        self.loop_id = loop_id
        self.objects: dict[str, "ObjectModel"] = {}
        # pointer pairs that may be equal as well as apart: equal, no loop carries a dependence
        # between their accesses (Analysis._equal_is_harmless); both orders
        self.equal_pointers: set[tuple[str, str]] = set()
        self._nodes: dict[str, dict] = {}  # node id -> attributes, in insertion order
        self._edges: list[Edge] = []  # in insertion order
        self._by_loop: dict[Optional[str], list[Edge]] = {}
        self._graph = None  # the networkx graph, built when first asked for

    def add_access(self, access: Access) -> None:
        self.add_node(access.id, text=access.text, line=access.line, column=access.column,
                      write=access.is_write, object=access.path)

    def add_node(self, node: str, **data) -> None:
        self._nodes.setdefault(node, {}).update(data)
        if self._graph is not None:
            self._graph.add_node(node, **data)

    def add_edge(self, edge: Edge) -> None:
        self._edges.append(edge)
        self._by_loop.setdefault(edge.loop, []).append(edge)
        if self._graph is not None:
            self._add_nx_edge(self._graph, len(self._edges) - 1, edge)

    @staticmethod
    def _add_nx_edge(graph, key: int, edge: Edge) -> None:
        graph.add_edge(edge.source, edge.sink, key=key, edge=edge, kind=edge.kind, loop=edge.loop,
                       exact=edge.exact, distance=edge.distance, reason=edge.reason)

    @property
    def graph(self):
        """The graph as a networkx MultiDiGraph (nodes with their attributes, edges keyed by their order
        of insertion, with `edge` and its fields as data). Built on first use: the analysis itself
        needs only `edges` and `carried_by`, and networkx takes a tenth of a second to import."""
        if self._graph is None:
            import networkx as nx

            graph = nx.MultiDiGraph(loop=self.loop_id)
            for node, data in self._nodes.items():
                graph.add_node(node, **data)
            for key, edge in enumerate(self._edges):
                self._add_nx_edge(graph, key, edge)
            self._graph = graph
        return self._graph

    @property
    def edges(self) -> list[Edge]:
        return list(self._edges)

    def carried_by(self, loop_id: str) -> list[Edge]:
        return list(self._by_loop.get(loop_id, []))

    def to_dot(self) -> str:
        lines = [f'digraph "{self.loop_id}" {{']
        for node, data in self._nodes.items():
            label = f"{data.get('text', node)} ({'W' if data.get('write') else 'R'}, line {data.get('line', '?')})"
            lines.append(f'  "{node}" [label="{_dot_escape(label)}"];')
        for edge in self.edges:
            label = edge.kind + (f" {edge.loop.split(':', 1)[-1]}" if edge.loop else " indep")
            if edge.distance:
                label += f" d={edge.distance}"
            if not edge.exact:
                label += " ?"
            style = "" if edge.exact else ", style=dashed"
            lines.append(f'  "{edge.source}" -> "{edge.sink}" [label="{_dot_escape(label)}"{style}];')
        lines.append("}")
        return "\n".join(lines)


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
