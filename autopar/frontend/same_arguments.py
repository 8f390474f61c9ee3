"""Calls that pass one pointer to two parameters (`shift(buf, buf, n)`, or `shift(buf + 1, buf, n)`).

For each function named in `wanted` (those whose loops carry the user's omp pragma), every call in
the file that gives two of its pointer parameters the same argument: the same text, without side
effects (names, members, subscripts, `&`, `*`, `+`, `-`, constants, casts), so both parameters hold
one address at that call. `check` reads them (autopar.report.check_overlap): a pragma the analysis
accepts only under a run-time overlap check races at such a call when the loop, with the two
parameters one pointer, carries a dependence.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Optional

from clang.cindex import CursorKind as K

from autopar.frontend.access_chains import pointee_spelling, type_pointee_spelling
from autopar.frontend.ast import INTEGER_TYPES, Node, Source, bare, evaluate_int, strip, variable_decl
from autopar.frontend.calls import call_arguments, callee_name
from autopar.frontend.constant_locals import constant_locals
from autopar.frontend.functions import Function
from autopar.frontend.omp_pragmas import closing, mask_comments
from autopar.frontend.pointer_facts import changed_variables, function_parameters, pointer_parameter
from autopar.frontend.variables import Variables
from autopar.ir_calls import SharedPointerCall

# expressions whose value is an address computed without side effects
_PLAIN = {K.DECL_REF_EXPR, K.MEMBER_REF_EXPR, K.ARRAY_SUBSCRIPT_EXPR, K.INTEGER_LITERAL, K.UNEXPOSED_EXPR,
          K.PAREN_EXPR, K.CSTYLE_CAST_EXPR}
_PLAIN_OPERATORS = {"&", "*", "+", "-"}


def shared_pointer_calls(every_function: list[Function], wanted: set[str], source: Source,
                         language: str = "c") -> dict[str, list[SharedPointerCall]]:
    """{callee: the calls that pass one pointer to two of its pointer parameters}, for the callees of
    `wanted` defined once in this file. An integer argument counts as a constant when it is one, or a
    local the caller initializes with one and never changes (autopar.frontend.constant_locals)."""
    defined: dict[str, list[Function]] = {}
    for function in every_function:
        defined.setdefault(function.name, []).append(function)
    targets = {name: found[0] for name in wanted if len(found := defined.get(name, [])) == 1}
    if not targets:
        return {}
    found: dict[str, list[SharedPointerCall]] = {}
    for caller in every_function:
        text = source.data[caller.start:caller.end]
        if not any(name.encode() in text for name in targets):
            continue
        locals_ = None
        for node in caller.nodes:
            if node.kind != K.CALL_EXPR or (name := callee_name(node)) not in targets:
                continue
            parameters = function_parameters(targets[name])
            shared = _shared(node, parameters, source)
            if shared is None or _compares(targets[name], source, *shared[0]):
                continue  # (a function that tests the two against each other handles their overlap)
            line = bisect_right(source.line_starts, node.start)
            changed = changed_variables(targets[name])  # (a parameter it assigns is not the call's value)
            if locals_ is None:  # (once per caller: most callers pass no pointer twice)
                locals_ = constant_locals([caller], source, language)
            constants = {p.spelling: value for argument, p in zip(call_arguments(node), parameters)
                         if p.type.get_canonical().kind in INTEGER_TYPES and Variables.key(p) not in changed
                         and (value := _constant(argument, locals_)) is not None}
            found.setdefault(name, []).append(SharedPointerCall(
                line=line, column=node.start - source.line_starts[line - 1] + 1, caller=caller.name,
                parameters=shared[0], argument=shared[1], constants=constants,
                second_argument=shared[2] if shared[3] else "", offset=shared[3]))
    return found


def _constant(argument: Node, locals_: dict[tuple, int]):
    """The argument's value when it is a constant or a constant local (`int off = 100;`), else None."""
    value = evaluate_int(argument)
    decl = variable_decl(strip(argument))
    return value if value is not None or decl is None else locals_.get(Variables.key(decl))


def _compares(function: Function, source: Source, first: str, second: str) -> bool:
    """Whether the function tests the two parameters for the overlap itself: an omp pragma's if()
    clause that compares them, or `if (a == b) ... return` (comments and strings are no test)."""
    text = mask_comments(source.data[function.start:function.end], strings=True).decode("utf-8", "replace")
    a, b = re.escape(first), re.escape(second)
    compared = re.compile(rf"\b{a}\s*(?:[=!]=|[<>]=?)\s*{b}\b|\b{b}\s*(?:[=!]=|[<>]=?)\s*{a}\b")
    for line in text.splitlines():
        if re.match(r"\s*#\s*pragma\s+omp\b.*\bif\s*\(", line) and compared.search(line):
            return True
    for match in re.finditer(r"\bif\s*\(", text):
        close = closing(text, match.end() - 1)
        if close is None or not re.search(rf"\b{a}\s*==\s*{b}\b|\b{b}\s*==\s*{a}\b", text[match.end():close]):
            continue
        body = text[close + 1:].lstrip()
        end = closing(body, 0, "{}") if body.startswith("{") else body.find(";")
        if end is not None and end >= 0 and re.search(r"\breturn\b", body[:end + 1]):
            return True
    return False


def _shared(call: Node, parameters: list, source: Source):
    """([first, second] parameter names, the first's argument, the second's, second's address less the
    first's in elements) for the first two pointer parameters the call passes one plain address,
    or that address and another a constant number of elements from it (`buf + 1`, `&buf[1]`,
    `buf - 2`), or None."""
    seen: dict[str, tuple[str, str, int]] = {}
    for argument, parameter in zip(call_arguments(call), parameters):
        if not pointer_parameter(parameter) or not parameter.spelling or not _plain(argument):
            continue
        text = source.text_of(argument)
        if not text:
            continue  # (spelled in a macro: not read)
        base, offset = _address(argument, parameter, source) or (text, 0)
        if base in seen:
            first, first_text, first_offset = seen[base]
            return [first, parameter.spelling], first_text, text, offset - first_offset
        seen[base] = (parameter.spelling, text, offset)
    return None


def _address(argument: Node, parameter, source: Source) -> Optional[tuple[str, int]]:
    """(the base's text, the constant offset in elements) of `base + c`, `base - c` or `&base[c]`,
    where the base's elements are the parameter's (so the offset counts what the callee indexes);
    None for any other argument."""
    node = bare(argument)
    base, offset = None, None
    if node.kind == K.BINARY_OPERATOR and node.binary_op in ("+", "-") and len(node.expressions) == 2:
        left, right = node.expressions
        value = evaluate_int(right)
        if value is not None:
            base, offset = left, value if node.binary_op == "+" else -value
        elif node.binary_op == "+" and (value := evaluate_int(left)) is not None:
            base, offset = right, value
    elif node.kind == K.UNARY_OPERATOR and node.unary_op == "&" and node.expressions:
        element = bare(node.expressions[0])
        if element.kind == K.ARRAY_SUBSCRIPT_EXPR and len(element.expressions) == 2:
            base, offset = element.expressions[0], evaluate_int(element.expressions[1])
    if base is None or offset is None or not source.text_of(base):
        return None
    pointee = pointee_spelling(base)
    if not pointee or pointee != type_pointee_spelling(parameter.type):
        return None
    return source.text_of(bare(base)), offset


def _plain(node: Node) -> bool:
    for n in node.walk():
        if n.kind in (K.UNARY_OPERATOR, K.BINARY_OPERATOR):
            if (n.unary_op or n.binary_op) not in _PLAIN_OPERATORS:
                return False
        elif n.kind not in _PLAIN:
            return False
    return True
