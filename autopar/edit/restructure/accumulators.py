"""Scalar accumulators, accumulated in their destination instead: the matmul and convolution shape.

    double sum = 0.0;                          C[i * n + j] = 0.0;
    for (k = 0; k < n; k++)            ->      for (k = 0; k < n; k++)
        sum += A[i * n + k] * B[k * n + j];        C[i * n + j] += A[i * n + k] * B[k * n + j];
    C[i * n + j] = sum;

A scalar declared in the nest blocks every reordering: each instance of the loop around it writes
it. Accumulated in the element it ends in, each update is an access the dependence model sees, so
isl may reorder and tile the loops around it, and the updates of one element stay in their order
(its dependences say so): the result is the same, bit for bit. It is the same value because

- the declaration has one declarator, of the element's own type (no wider or narrower sum), with a
  value (`T s = e;`), and the block's last statement is the store `X[...] = s;`, whose subscripts
  name only loops around the declaration (one element per instance of the block);
- between them, every statement that names `s` is a compound update `s += e`, `s -= e` or
  `s *= e` with `e` not naming `s`, no loop bound names it, and nothing names the array `X`;
  another pointer that might reach X's elements is the runtime alias check's to rule out, as for any
  written pointer of a restructured nest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autopar.ir import Loop
from autopar.edit.restructure.nest_text import DeclNode, LoopNode, Node, Refusal, StmtNode, spaced

_UPDATES = ("+=", "-=", "*=")


@dataclass
class Accumulator:
    name: str
    decl: DeclNode
    store: StmtNode
    destination: str  # the store's lvalue text, `C[i * n + j]`
    array: str
    updates: list[StmtNode] = field(default_factory=list)

    @property
    def init_text(self) -> str:
        return f"{self.destination} = {''.join(spaced(self.decl.init))}"

    def update_text(self, update: StmtNode) -> str:
        return f"{self.destination} {''.join(spaced(update.tokens[1:]))}"


def find_accumulators(top: LoopNode, element_types: dict[int, str]) -> list[Accumulator]:
    """Every declaration of the nest as an accumulator, or a Refusal for one that is not.
    `element_types` maps a write's offset in the text to the element type it stores."""
    found: list[Accumulator] = []

    def visit(node: Node) -> None:
        if not isinstance(node, LoopNode):
            return
        for index, child in enumerate(node.children):
            if isinstance(child, DeclNode):
                found.append(_accumulator(child, node.children[index + 1:], element_types))
            visit(child)

    visit(top)
    names = [a.name for a in found]
    if len(set(names)) != len(names):
        raise Refusal("declaration", "two declarations of the same name in the nest")
    return found


def _accumulator(decl: DeclNode, after: list[Node], element_types: dict[int, str]) -> Accumulator:
    refused = f"a declaration inside the nest ({decl.type_text} {decl.name}) that is not an accumulator"
    if not after or not isinstance(after[-1], StmtNode):
        raise Refusal("declaration", f"{refused}: the block does not end by storing it")
    store = after[-1]
    tokens = store.tokens
    if len(tokens) < 3 or tokens[-1].text != decl.name or tokens[-2].text != "=" or \
            any(t.text == decl.name for t in tokens[:-2]) or tokens[0].kind != "ident" or tokens[1].text != "[":
        raise Refusal("declaration", f"{refused}: the block does not end by storing it in an array element")
    array = tokens[0].text
    stored = element_types.get(store.start)
    if stored is None or _type_words(stored) != _type_words(decl.type_text):
        raise Refusal("declaration", f"{refused}: it is a {decl.type_text}, {array}'s elements are {stored}")
    if any(t.text == decl.name for t in decl.init):
        raise Refusal("declaration", f"{refused}: its value names itself")
    accumulator = Accumulator(decl.name, decl, store, "".join(spaced(tokens[:-2])).strip(), array)
    for node in after[:-1]:
        _check_between(node, accumulator, refused)
    return accumulator


def _check_between(node: Node, accumulator: Accumulator, refused: str) -> None:
    name, array = accumulator.name, accumulator.array
    if isinstance(node, LoopNode):
        canonical = node.loop.canonical
        if canonical is not None and name in _bound_names(node.loop):
            raise Refusal("declaration", f"{refused}: a loop bound reads it")
        for child in node.children:
            _check_between(child, accumulator, refused)
        return
    if isinstance(node, DeclNode):
        raise Refusal("declaration", f"{refused}: another declaration follows it")
    texts = [t.text for t in node.tokens]
    if array in texts:
        raise Refusal("declaration", f"{refused}: {array} is touched before the store")
    if name not in texts:
        return
    if len(texts) < 3 or texts[0] != name or texts[1] not in _UPDATES or name in texts[2:]:
        raise Refusal("declaration", f"{refused}: `{' '.join(texts)}` uses it other than as `{name} += ...`")
    accumulator.updates.append(node)


def _bound_names(loop: Loop) -> set[str]:
    canonical = loop.canonical
    names: set[str] = set()
    for bound in (canonical.lower, canonical.upper):
        if bound is not None:
            names |= bound.variables
    for text in (canonical.lower_text, canonical.upper_text, canonical.step_symbol or ""):
        names |= set(re.findall(r"[A-Za-z_]\w*", text or ""))
    return names


def _type_words(spelled: str) -> list[str]:
    return sorted(w for w in spelled.replace("*", " ").split() if w not in ("const", "volatile", "register"))
