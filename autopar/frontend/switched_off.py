"""Switched-off statements pass: `if (timers_enabled) timer_start(2);` inside a loop, a statement
that runs only while flags say so and calls code whose effects the analysis cannot see (another
file's function, I/O). NAS EP's main loop times itself that way; verbose and debug flags do the
same. While its condition is false such a statement does nothing, so the loop may be analysed as if
its body were empty, and run in parallel only when the condition is false where it starts (the
candidates stage, autopar.plans.candidates.variants, asks for that analysis, and
autopar.plans.candidates.switched_off adds the test).

Takes the file's loops once their call sites are known; gives the statements found (`switchable`)
and, for a chosen set of them, the file's text with their bodies blanked (`blanked`): `{ ... }`
becomes `{ }` and an expression `0`, padded with spaces and keeping every line break, so every byte
offset, line and column of the rest of the file stays what it was.

Only a plain `if (condition) body` qualifies (an `else` branch, which runs while the condition is
false, is read as written). Its condition is made of variables of integer, bool, enum or pointer
type (not volatile, not thread-local: each thread would test its own), integer literals, `!`,
comparisons, `&&` and `||`, spelled so in the file (no macro, cast or call: `if (verbose)`,
`if (trace_file)`, `if (verbose > 1 && rank == 0)`). Its body is a block or an expression spelled in
the file (no macro around it or in it: blanking must remove that statement and nothing else; no
directive), with no loop, label or `case` (a jump's target) and no `break`, `return` or `goto` (left
in the parallel loop's text, they would not compile there).
"""

from __future__ import annotations

import re
from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.frontend.ast import ARRAY_TYPES, INTEGER_TYPES, Node, Source, canonical_kind, referenced, strip, variable_decl
from autopar.frontend.calls import call_arguments
from autopar.frontend.loops import LoopInfo
from autopar.frontend.static_arrays import thread_local
from autopar.frontend.variables import Variables
from autopar.ir import CallEffect, CallSite, SwitchedOff

_UNSEEN = {CallEffect.IO, CallEffect.UNKNOWN, CallEffect.RANDOM, CallEffect.ALLOCATION}
_NOT_BLANKED = {K.FOR_STMT, K.WHILE_STMT, K.DO_STMT, K.CXX_FOR_RANGE_STMT, K.LABEL_STMT, K.CASE_STMT,
                K.DEFAULT_STMT, K.BREAK_STMT, K.RETURN_STMT, K.GOTO_STMT, K.INDIRECT_GOTO_STMT}
_FLAG_TYPES = INTEGER_TYPES | {TypeKind.ENUM, TypeKind.POINTER}
_TESTS = {"==", "!=", "<", "<=", ">", ">=", "&&", "||"}
_ADDRESSES = ARRAY_TYPES | {TypeKind.POINTER, TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE}


def switchable(infos: list[LoopInfo], source: Source, variables: Variables) -> list[SwitchedOff]:
    """The switched-off statements of the file's nests, in source order."""
    found: list[SwitchedOff] = []
    for root in (i for i in infos if i.parent is None):
        if not root.loop.in_main_file or root.loop.from_macro or not any(_unseen(c) for c in root.loop.calls):
            continue
        calls = {(c.line, c.column): c for c in root.loop.calls}
        for node in root.function.nodes_where("if statements", root.node, (K.IF_STMT,)):
            statement = _switched_off(node, calls, source, root, variables)
            if statement is not None:
                found.append(statement)
    return found


def blanked(text: str, statements: list[SwitchedOff]) -> str:
    """`text` with each statement's body emptied, every byte offset kept."""
    if not statements:
        return text
    data = bytearray(text.encode("utf-8"))
    for s in statements:
        body = data[s.start:s.end]
        filler = bytearray(b if b in b"\r\n" else 0x20 for b in body)
        if body[:1] == b"{":
            filler[0], filler[-1] = ord("{"), ord("}")
        else:
            filler[0] = ord("0")
        data[s.start:s.end] = filler
    return data.decode("utf-8")


def _unseen(call: CallSite) -> bool:
    """Whether the call keeps a loop serial by itself: code the analysis cannot see or that does
    I/O, or a function of the file that does such work or writes globals."""
    if call.effect in _UNSEEN:
        return True
    summary = call.summary
    return call.effect == CallEffect.SAME_TU and (summary is None or summary.effect != CallEffect.PURE or
                                                  bool(summary.writes_globals))


def _lends_memory(node: Node, calls: dict) -> bool:
    """Whether `node` takes an address (`&v`) or hands a call other than I/O an array or pointer: the
    statement may have run before, with the flag set, and kept that address where the file's other
    facts (read from the blanked text) would not see it."""
    if node.kind == K.UNARY_OPERATOR and node.unary_op == "&":
        return True
    if node.kind != K.CALL_EXPR or (site := calls.get(node.location())) is not None and site.effect == CallEffect.IO:
        return False
    return any(strip(a).type_kind in _ADDRESSES for a in call_arguments(node))


def _switched_off(node: Node, calls: dict, source: Source, root: LoopInfo,
                  variables: Variables) -> Optional[SwitchedOff]:
    if len(node.children) not in (2, 3):  # (an `else` makes 3; C++'s init-statement or declaration is
        return None                        # no condition of flags, below)
    condition, body = node.children[:2]
    decls, constants = _flags(condition) or ([], set())
    if not decls:
        return None
    head = source.data[node.start:body.start]
    spelled = re.fullmatch(rb"if\s*\((.*)\)\s*", head, re.S)
    names = {d.spelling for d in decls}
    if spelled is None or not _only_names(spelled.group(1), names | constants):
        return None  # spelled otherwise (a macro, a cast, a comment): its text is not the condition's own
    if body.kind != K.COMPOUND_STMT and not body.is_expression or not node.start < body.start < body.end or \
            not _spelled_alone(body, root, source):
        return None
    inside = body.walk()
    if any(n.kind in _NOT_BLANKED for n in inside):
        return None
    found = [calls.get(n.location()) for n in inside if n.kind == K.CALL_EXPR]
    if not any(c is not None and _unseen(c) for c in found) or any(_lends_memory(n, calls) for n in inside):
        return None
    text = " ".join(spelled.group(1).decode().split())
    return SwitchedOff(flags=[d.spelling for d in decls], flag_decls=[variables.get(d).decl for d in decls],
                       test=f"!{text}" if text in names else f"!({text})", start=body.start, end=body.end,
                       line=node.location()[0], text=" ".join(source.slice(node.start, body.end).split())[:80],
                       root_loop_id=root.loop.id)


def _flags(condition: Node) -> Optional[tuple[list, set[str]]]:
    """The declarations of the variables a condition tests, when it is made of them (integer, bool,
    enum or pointer variables, not volatile, not thread-local), integer literals, constants of an enum
    declared at file scope (their names, the second part: the test is written before the loop, where
    they mean the same), `!`, comparisons, `&&` and `||` (`verbose`, `verbose > 1`, `trace && rank == 0`,
    `mode == MODE_TRACE`); None otherwise."""
    found: list = []
    constants: set[str] = set()
    stack = [condition]
    while stack:
        e = strip(stack.pop())
        if e.kind == K.DECL_REF_EXPR and (constant := _file_scope_enum_constant(e)) is not None:
            constants.add(constant)
        elif e.kind == K.DECL_REF_EXPR:
            decl = variable_decl(e)
            if decl is None or decl.kind not in (K.VAR_DECL, K.PARM_DECL) or canonical_kind(decl) not in _FLAG_TYPES \
                    or "volatile" in decl.type.spelling or thread_local(decl):
                return None
            if all(Variables.key(decl) != Variables.key(d) for d in found):
                found.append(decl)
        elif e.kind == K.UNARY_OPERATOR and e.unary_op == "!" or e.kind == K.BINARY_OPERATOR and e.binary_op in _TESTS:
            stack.extend(e.expressions)
        elif e.kind != K.INTEGER_LITERAL:
            return None
    return (found, constants) if found else None


def _file_scope_enum_constant(e: Node) -> Optional[str]:
    decl = referenced(e)
    if decl is None or decl.kind != K.ENUM_CONSTANT_DECL:
        return None
    enum = decl.semantic_parent
    return decl.spelling if enum is not None and enum.semantic_parent is not None and \
        enum.semantic_parent.kind == K.TRANSLATION_UNIT else None


def _only_names(text: bytes, names: set[str]) -> bool:
    """Whether a condition's text spells only these names, numbers, operators and parentheses (no
    macro, cast, call, comment or other name)."""
    if not re.fullmatch(rb"[\w\s()!<>=&|]*", text):
        return False
    words = re.findall(rb"\b[A-Za-z_]\w*", re.sub(rb"\b\d\w*", b"", text))
    return all(w.decode() in names for w in words)


def _spelled_alone(body: Node, root: LoopInfo, source: Source) -> bool:
    """Whether the body's text is its own: a block's braces are spelled there, no directive sits in it,
    and no code outside it (a macro's expansion: `if (on) TRACE(i);` whose `TRACE` adds a statement
    after the `if`) is placed in its text."""
    text = source.data[body.start:body.end]
    if body.kind == K.COMPOUND_STMT and not (text.startswith(b"{") and text.endswith(b"}")):
        return False
    if re.search(rb"(^|\n)[ \t]*(?:#|%:|\?\?=)", text):
        return False
    return not any(body.start <= n.start < body.end and n is not body and not body.contains(n)
                   for n in root.node.walk())
