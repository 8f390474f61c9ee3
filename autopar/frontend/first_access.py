"""The first-access walk of one loop iteration: which scalars it reads, writes, reads before
writing, and writes on every path to its end (autopar's privatization and lastprivate facts)."""

from __future__ import annotations

import re
from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import (ARRAY_TYPES, ASSIGN_OPS, INC_DEC, LOOP_KINDS, Node, canonical_kind, expression_children,
                              strip, unit_cache, variable_decl)
from autopar.frontend.cursor_kinds import OPAQUE_EXPR
from autopar.frontend.variables import Variables
from autopar.frontend.containers import container_type
from autopar.frontend.loops import LoopInfo
from autopar.frontend.nest_facts import designated


def is_scalar_decl(decl) -> bool:
    """Not an array (a parameter declared as one is a pointer: `int a[]`), and not one of the hidden
    variables of a range-based for (kept per declaration on its translation unit)."""
    known = unit_cache(decl, "_autopar_scalars")
    key = Variables.key(decl)
    found = known.get(key)
    if found is None:
        found = known[key] = not decl.spelling.startswith(("__begin", "__end", "__range")) and \
            (decl.kind == K.PARM_DECL or canonical_kind(decl) not in ARRAY_TYPES) and not container_type(decl.type)
    return found


class FirstAccess:
    """Must-write-before-read over one iteration: `defined` is what every path so far has assigned."""

    def __init__(self, loops: dict[int, LoopInfo], loop_node: Optional[Node], facts: Optional[dict] = None):
        self.loops = loops  # inner loops by node, to tell a header from a body
        self.loop_node = loop_node
        # the function's facts: summaries of statements, which every loop around them asks for again
        self.facts = facts
        self.exits: list[set[tuple]] = []  # what was assigned where an iteration ends early
        # what was assigned at each break or continue that leaves an inner statement, by ("break" or
        # "continue", that statement's index): the code after it may be skipped (`do { if (c) break;
        # x = 1; } while (0);` leaves x unassigned)
        self.jumped: dict[tuple[str, int], list[set[tuple]]] = {}
        self.switch_entries: list[set[tuple]] = []  # what was assigned where each open switch began
        self.read_first: set[tuple] = set()
        self.written: set[tuple] = set()
        self.read: set[tuple] = set()

    def _read(self, key: tuple, defined: set[tuple]) -> None:
        self.read.add(key)
        if key not in defined:
            self.read_first.add(key)

    def run(self, node: Node, defined: set[tuple]) -> set[tuple]:
        """What is assigned on every path through `node` when `defined` was before it; records the
        reads, writes and early exits it meets. A statement's answer does not depend on `defined`
        otherwise (reads first = reads first from nothing, less `defined`; assigned = `defined` plus
        what it assigns from nothing), so a large statement that no break or continue leaves is
        summarized once per function and reused by every loop around it."""
        if self.facts is not None and node.kind in _SUMMARIZED and node.last - node.index >= _SUMMARY_MIN_NODES \
                and node.index not in _open_statements(node, self.facts):
            summary = self.facts.get(("first", node.index))
            if summary is None:
                inner = FirstAccess(self.loops, self.loop_node, self.facts)
                out = inner._run(node, set())
                summary = (frozenset(inner.read_first), frozenset(out), [frozenset(e) for e in inner.exits],
                           frozenset(inner.written), frozenset(inner.read))
                self.facts[("first", node.index)] = summary
            read_first, assigned, exits, written, read = summary
            self.read_first |= read_first - defined
            self.written |= written
            self.read |= read
            self.exits.extend(defined | e for e in exits)
            return defined | assigned
        return self._run(node, defined)

    def _run(self, node: Node, defined: set[tuple]) -> set[tuple]:
        """The names defined on every path after `node`, given those before it; reads and writes
        recorded on the way. A kind with a handler of its own (`_HANDLERS`) is walked by it (None:
        the plain walk below); any other node, its children in order."""
        handler = _HANDLERS.get(node.kind)
        if handler is not None:
            result = handler(self, node, defined)
            if result is not None:
                return result
        for child in node.children:
            defined = self.run(child, defined)
        return defined

    def _may_not_run(self, node: Node, defined: set[tuple]) -> set[tuple]:
        return self._may_not_run_all(node.children, defined)

    def _reference(self, node: Node, defined: set[tuple]) -> set[tuple]:
        decl = variable_decl(node)
        if decl is not None and is_scalar_decl(decl):
            self._read(Variables.key(decl), defined)
        return defined

    def _declaration(self, node: Node, defined: set[tuple]) -> set[tuple]:
        for child in node.children:
            defined = self.run(child, defined)
        if expression_children(node):
            key = Variables.key(node.cursor)
            self.written.add(key)
            defined = defined | {key}
        return defined

    def _binary(self, node: Node, defined: set[tuple]) -> Optional[set[tuple]]:
        op = node.binary_op
        children = expression_children(node)
        if op in ASSIGN_OPS and len(children) == 2:
            lhs, rhs = children
            defined = self.run(rhs, defined)
            target = strip(lhs)
            decl = variable_decl(target)
            if decl is not None:
                key = Variables.key(decl)
                if op != "=":
                    self._read(key, defined)
                self.written.add(key)
                return defined | {key}
            root = _struct_root(target)
            if root is not None:  # `s.x = e`: a partial write of s, which does not make s private
                defined = self.run(lhs, defined)
                self.written.add(root)
                return defined
            defined = self.run(lhs, defined)
            self._may_write(lhs)
            return defined
        if op in ("&&", "||") and len(children) == 2:
            defined = self.run(children[0], defined)
            self.run(children[1], set(defined))
            return defined
        return None

    def _unary(self, node: Node, defined: set[tuple]) -> Optional[set[tuple]]:
        op = node.unary_op
        children = expression_children(node)
        if op in INC_DEC and children:
            target = strip(children[0])
            decl = variable_decl(target)
            if decl is not None:
                key = Variables.key(decl)
                self._read(key, defined)
                self.written.add(key)
                return defined | {key}
            root = _struct_root(target)
            defined = self.run(children[0], defined)
            if root is not None:
                self.written.add(root)
            self._may_write(children[0])
            return defined
        if op == "&" and children:
            decl = variable_decl(strip(children[0]))
            if decl is not None:  # the address escapes: count it as a read and a possible write
                key = Variables.key(decl)
                self._read(key, defined)
                self.written.add(key)
                return defined
            if designated(children[0]):  # `&(c ? s : t)`: either escapes
                defined = self.run(children[0], defined)
                self._may_write(children[0])
                return defined
        return None

    def _may_write(self, lvalue: Node) -> None:
        """A target that may be one of several variables (`(c ? s : t) = v`, C++): each may be written,
        none surely is, so none becomes private by it (the walk of the target read them all)."""
        self.written.update(Variables.key(d.cursor.referenced) for d in designated(lvalue)
                            if d.cursor.referenced is not None)

    def _conditional(self, node: Node, defined: set[tuple]) -> Optional[set[tuple]]:
        children = node.children
        if len(children) != 3:
            return None
        defined = self.run(children[0], defined)
        return self.run(children[1], set(defined)) & self.run(children[2], set(defined))

    def _if(self, node: Node, defined: set[tuple]) -> set[tuple]:
        """`if (cond) then else other`, C++'s `if (init; cond)` and `if (T x = e)` too: what precedes
        the branches always runs (libclang gives [init, condition variable, cond, then, else], each
        where present); an `else` keyword before the last child says it is the else branch."""
        children = node.children
        data = self.facts.get(("source", 0)) if self.facts is not None else None
        if len(children) == 2:  # (no else)
            defined = self.run(children[0], defined)
            return self.run(children[1], set(defined)) & defined
        if len(children) < 2 or data is None or not children[-2].end < children[-1].start or \
                not re.search(rb"\belse\b", data[children[-2].end:children[-1].start]):
            # (no else in the text between the last two, or no text to read, as in a macro's code:
            # only the first part surely runs)
            defined = self.run(children[0], defined) if children else defined
            return self._may_not_run_all(children[1:], defined)
        for child in children[:-2]:
            defined = self.run(child, defined)
        return self.run(children[-2], set(defined)) & self.run(children[-1], set(defined))

    def _may_not_run_all(self, children: list[Node], defined: set[tuple]) -> set[tuple]:
        for child in children:
            self.run(child, set(defined))
        return defined

    def _while_or_switch(self, node: Node, defined: set[tuple]) -> set[tuple]:
        defined = self.run(node.children[0], defined)
        self.switch_entries.append(defined if node.kind == K.SWITCH_STMT else set())
        for child in node.children[1:]:
            self.run(child, set(defined))
        self.switch_entries.pop()
        return set() if node.kind == K.WHILE_STMT and _entered_inside(node, self.facts) else defined

    def _case(self, node: Node, defined: set[tuple]) -> set[tuple]:
        """A case label: the switch may jump here with only what was assigned before it (not what the
        cases above assigned: `case 0: m = i; break; case 1: b[i] = m;` reads m first)."""
        defined = set(self.switch_entries[-1]) if self.switch_entries else set()
        for child in node.children:
            defined = self.run(child, defined)
        return defined

    def _for(self, node: Node, defined: set[tuple]) -> set[tuple]:
        # an inner loop: its init and first condition run, its body and increment may not
        inner = self.loops.get(id(node))
        if inner is not None and node.kind == K.FOR_STMT:
            for part in (inner.init, inner.cond):
                if part is not None:
                    defined = self.run(part, defined)
            for part in (inner.body, inner.inc):
                if part is not None:
                    self.run(part, set(defined))
            return set() if _entered_inside(node, self.facts) else defined
        children = node.children
        for child in children[:-1]:
            defined = self.run(child, defined)
        if children:
            self.run(children[-1], set(defined))
        return set() if _entered_inside(node, self.facts) else defined

    def _jump(self, node: Node, defined: set[tuple]) -> set[tuple]:
        for child in node.children:
            defined = self.run(child, defined)
        target = jump_target(node) if node.kind in (K.CONTINUE_STMT, K.BREAK_STMT) else None
        if node.kind not in (K.CONTINUE_STMT, K.BREAK_STMT) or target is self.loop_node:
            self.exits.append(set(defined))
        elif target is not None:
            kind = "break" if node.kind == K.BREAK_STMT else "continue"
            self.jumped.setdefault((kind, target.index), []).append(set(defined))
        return defined

    def _do(self, node: Node, defined: set[tuple]) -> set[tuple]:
        """`do body while (cond);`: the body runs once at least; a continue goes on to the condition and
        a break past it, with what was assigned up to there."""
        children = node.children
        if len(children) != 2:
            return self._while_or_switch(node, defined)
        after = self.run(children[0], defined)
        for state in self.jumped.pop(("continue", node.index), []):
            after = after & state
        after = self.run(children[1], after)
        for state in self.jumped.pop(("break", node.index), []):
            after = after & state
        return after

    def _label(self, node: Node, defined: set[tuple]) -> set[tuple]:
        """A label: a goto may come from anywhere, with nothing assigned yet."""
        defined = set()
        for child in node.children:
            defined = self.run(child, defined)
        return defined

    def _lambda(self, node: Node, defined: set[tuple]) -> set[tuple]:
        for n in node.walk():
            if n is not node and n.kind == K.DECL_REF_EXPR:
                self.run(n, defined)
        return defined


_HANDLERS = {
    # operands that may not run (sizeof, alignof, noexcept, _Generic's other branches, GNU `?:`): their
    # reads count, their assignments do not make a variable assigned
    K.CXX_UNARY_EXPR: FirstAccess._may_not_run,
    K.GENERIC_SELECTION_EXPR: FirstAccess._may_not_run,
    OPAQUE_EXPR: FirstAccess._may_not_run,
    K.DECL_REF_EXPR: FirstAccess._reference,
    K.VAR_DECL: FirstAccess._declaration,
    K.BINARY_OPERATOR: FirstAccess._binary,
    K.COMPOUND_ASSIGNMENT_OPERATOR: FirstAccess._binary,
    K.UNARY_OPERATOR: FirstAccess._unary,
    K.CONDITIONAL_OPERATOR: FirstAccess._conditional,
    K.IF_STMT: FirstAccess._if,
    K.WHILE_STMT: FirstAccess._while_or_switch,
    K.DO_STMT: FirstAccess._do,
    K.LABEL_STMT: FirstAccess._label,
    K.CXX_TRY_STMT: FirstAccess._may_not_run,  # (an exception may cut the try block short, a handler run or not)
    K.CASE_STMT: FirstAccess._case,
    K.DEFAULT_STMT: FirstAccess._case,
    K.SWITCH_STMT: FirstAccess._while_or_switch,
    K.FOR_STMT: FirstAccess._for,
    K.CXX_FOR_RANGE_STMT: FirstAccess._for,
    K.CONTINUE_STMT: FirstAccess._jump,
    K.BREAK_STMT: FirstAccess._jump,
    K.RETURN_STMT: FirstAccess._jump,
    K.GOTO_STMT: FirstAccess._jump,
    K.INDIRECT_GOTO_STMT: FirstAccess._jump,
    K.LAMBDA_EXPR: FirstAccess._lambda,
}


_SUMMARIZED = {K.COMPOUND_STMT, K.IF_STMT, K.FOR_STMT, K.WHILE_STMT, K.DO_STMT, K.SWITCH_STMT,
               K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR}


_SUMMARY_MIN_NODES = 12
_ENTRIES = (K.LABEL_STMT, K.CASE_STMT, K.DEFAULT_STMT)  # where control may come in from elsewhere


def _entered_inside(node: Node, facts: Optional[dict]) -> bool:
    """Whether control may enter `node` in the middle: a label in it, or a case of a switch around it
    (`goto L; while ((t = a[i]) < 0) { L: break; }` leaves the loop without its condition's t). The
    statements so entered are found once per function (its facts): every ancestor of a label, and of a
    case up to its switch."""
    entered = facts.get(("entered", 0)) if facts is not None and node.tree is not None else None
    if entered is None:
        entered = set()
        for inner in node.tree or node.walk():
            if inner.kind in _ENTRIES:
                above = inner.parent
                while above is not None and not (inner.kind != K.LABEL_STMT and above.kind == K.SWITCH_STMT):
                    entered.add(id(above))
                    above = above.parent
        if facts is not None and node.tree is not None:
            facts[("entered", 0)] = entered
    return id(node) in entered


def _open_statements(node: Node, facts: dict) -> set[int]:
    """The nodes of the function that a break or continue leaves without leaving its target, and those
    around a label: their summary would depend on which loop is asking (an iteration of that loop
    ends there) or on where a goto comes from."""
    found = facts.get(("open", 0))
    if found is None:
        found = set()
        for jump in node.tree or node.walk():
            if jump.kind in _ENTRIES:  # (what follows a label depends on where its gotos come from)
                found.update(a.index for a in jump.ancestors())
                found.add(jump.index)
                continue
            if jump.kind not in (K.BREAK_STMT, K.CONTINUE_STMT):
                continue
            target = jump_target(jump)
            found.add(jump.index)
            for ancestor in jump.ancestors():
                if ancestor is target:
                    break
                found.add(ancestor.index)
        facts[("open", 0)] = found
    return found


def left_statements(nodes: list[Node]) -> set[int]:
    """The indices of the statements that a break or continue among `nodes` leaves (the rest of
    their bodies may be skipped)."""
    return {target.index for n in nodes if n.kind in (K.BREAK_STMT, K.CONTINUE_STMT)
            and (target := jump_target(n)) is not None}


def jump_target(jump: Node) -> Optional[Node]:
    """The statement a break or continue leaves: the nearest loop, or for a break also a switch."""
    stops = LOOP_KINDS | {K.SWITCH_STMT} if jump.kind == K.BREAK_STMT else LOOP_KINDS
    return next((a for a in jump.ancestors() if a.kind in stops), None)


def _struct_root(target: Node) -> Optional[tuple]:
    """`s.x.y` of a struct variable s (no pointer, no subscript) -> key of s."""
    e = target
    while e.kind == K.MEMBER_REF_EXPR:
        children = expression_children(e)
        if not children or children[0].type_kind == TypeKind.POINTER:
            return None
        e = strip(children[0])
    decl = variable_decl(e)
    return Variables.key(decl) if decl is not None and e is not target else None
