"""Calls pass: every call inside a loop with its side-effect class, and summaries of the functions
defined in this translation unit (what they read and write, transitively through their calls)."""

from __future__ import annotations

from collections import Counter
from typing import Optional

from clang.cindex import CursorKind as K, TypeKind

from autopar.ir import CallEffect, CallSite, FunctionSummary, Storage
from clang_passes.containers import PLAIN_TYPES, READ_ONLY, container_call
from clang_passes.ast import (ASSIGN_OPS, FUNCTION_KINDS, INC_DEC, Node, Source, evaluate_int, expression_children,
                              stored_operand, strip, variable_decl)
from clang_passes.functions import Function, qualified_name
from clang_passes.variables import Variables

_MATH = ["sqrt", "cbrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "pow", "sin", "cos", "tan",
         "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "fabs", "fmax",
         "fmin", "fmod", "floor", "ceil", "round", "trunc", "lround", "llround", "rint", "lrint", "nearbyint",
         "hypot", "erf", "erfc", "tgamma", "copysign", "fma", "fdim", "ldexp", "remainder", "logb", "ilogb"]
PURE_FUNCTIONS = ({f + s for f in _MATH for s in ("", "f", "l")} | {"__builtin_" + f for f in _MATH}
                  | {"abs", "labs", "llabs", "min", "max", "isnan", "isinf", "isfinite", "signbit",
                     "__builtin_expect", "toupper", "tolower", "isdigit", "isalpha", "isspace", "isalnum"})
IO_FUNCTIONS = {"printf", "fprintf", "sprintf", "snprintf", "vprintf", "vfprintf", "vsprintf", "vsnprintf",
                "puts", "fputs", "putchar", "putc", "fputc", "fwrite", "fread", "fgets", "fgetc", "getc",
                "getchar", "gets", "scanf", "fscanf", "sscanf", "fopen", "fclose", "fflush", "fseek", "ftell",
                "rewind", "perror", "write", "read", "open", "close", "remove", "rename", "setvbuf",
                "__printf_chk", "__fprintf_chk", "__sprintf_chk", "__snprintf_chk"}
ALLOCATION_FUNCTIONS = {"malloc", "calloc", "realloc", "free", "aligned_alloc", "posix_memalign", "valloc",
                        "memalign", "strdup", "strndup", "alloca", "__builtin_alloca"}
RANDOM_FUNCTIONS = {"rand", "random", "drand48", "erand48", "lrand48", "nrand48", "mrand48", "jrand48", "srand",
                    "srandom", "srand48", "rand_r"}
_SEVERITY = [CallEffect.PURE, CallEffect.ALLOCATION, CallEffect.RANDOM, CallEffect.IO, CallEffect.UNKNOWN]


def _worse(a: CallEffect, b: CallEffect) -> CallEffect:
    return a if _SEVERITY.index(a) >= _SEVERITY.index(b) else b


def classify(name: str) -> CallEffect:
    if name in PURE_FUNCTIONS:
        return CallEffect.PURE
    if name in IO_FUNCTIONS:
        return CallEffect.IO
    if name in ALLOCATION_FUNCTIONS:
        return CallEffect.ALLOCATION
    if name in RANDOM_FUNCTIONS:
        return CallEffect.RANDOM
    return CallEffect.UNKNOWN


def callee_name(node: Node) -> str:
    """The called function's name as summaries are keyed ("f", "Class::method"), or "" when indirect."""
    if node.kind in (K.CXX_NEW_EXPR, K.CXX_DELETE_EXPR):
        return "new" if node.kind == K.CXX_NEW_EXPR else "delete"
    decl = node.cursor.referenced
    if decl is None or decl.kind not in FUNCTION_KINDS:
        return ""
    return qualified_name(decl)


def call_arguments(node: Node) -> list[Node]:
    """The argument expressions of a call (after the callee among the node's children)."""
    count = len(list(node.cursor.get_arguments())) if node.kind == K.CALL_EXPR else 0
    return expression_children(node)[-count:] if count else []


def _root_decl(node: Node):
    """The variable at the root of an lvalue or pointer expression: a of a[i], p of *(p+1), s of s.x."""
    e = strip(node)
    while True:
        if e.kind == K.DECL_REF_EXPR:
            return variable_decl(e)
        if e.kind in (K.ARRAY_SUBSCRIPT_EXPR, K.MEMBER_REF_EXPR):
            children = expression_children(e)
            if not children:
                return None
            e = strip(children[0])
        elif e.kind == K.UNARY_OPERATOR and e.unary_op in ("*", "&", *INC_DEC):
            e = strip(expression_children(e)[0])
        elif e.kind == K.BINARY_OPERATOR and e.binary_op in ("+", "-"):
            left, right = expression_children(e)
            pointer = strip(left).cursor.type.get_canonical().kind in (TypeKind.POINTER, TypeKind.CONSTANTARRAY)
            e = strip(left if pointer else right)
        else:
            return None


class _Local:
    def __init__(self):
        self.reads_globals: set[str] = set()
        self.writes_globals: set[str] = set()
        self.writes_params: set[int] = set()
        self.reads_params: set[int] = set()
        self.calls: list[tuple[str, list[set[str]]]] = []  # callee, the origins of each argument
        self.effect = CallEffect.PURE

    def write_through(self, origins: set[str]) -> None:
        for origin in origins:
            what, _, name = origin.partition(":")
            if what == "param":
                self.writes_params.add(int(name))
            elif what == "global":
                self.writes_globals.add(name)
            elif what == "unknown":
                self.effect = CallEffect.UNKNOWN  # memory we cannot name

    def read_through(self, origins: set[str]) -> None:
        for origin in origins:
            what, _, name = origin.partition(":")
            if what == "param":
                self.reads_params.add(int(name))
            elif what == "global":
                self.reads_globals.add(name)


class _Origins:
    """Where the memory behind a pointer variable of one function comes from: "param:i", "global:g",
    "local" (its own arrays, fresh allocations) or "unknown"."""

    def __init__(self, function: Function, variables: Variables):
        self.variables = variables
        self.params = {Variables.key(p): i for i, p in enumerate(function.node.cursor.get_arguments())}
        self.sources: dict[tuple, list[Optional[Node]]] = {}  # pointer local -> the values assigned to it
        for node in function.nodes:
            if node.kind == K.VAR_DECL:
                values = expression_children(node)
                self.sources.setdefault(Variables.key(node.cursor), []).extend(values[-1:])
            elif node.kind in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR) and node.binary_op in ASSIGN_OPS:
                target, value = expression_children(node)
                decl = variable_decl(strip(target))
                if decl is not None and node.binary_op in ("=", "+=", "-="):
                    self.sources.setdefault(Variables.key(decl), []).append(value if node.binary_op == "=" else None)
        self._cache: dict[tuple, set[str]] = {}

    def of_decl(self, decl, seen: frozenset = frozenset()) -> set[str]:
        key = Variables.key(decl)
        if key in self._cache:
            return self._cache[key]
        variable = self.variables.get(decl)
        if key in self.params:
            found = {f"param:{self.params[key]}"}
        elif variable.storage in (Storage.GLOBAL, Storage.STATIC_LOCAL):
            found = {f"global:{decl.spelling}"}
        elif not variable.is_pointer or key in seen:
            found = {"local"}
        else:
            found = set()
            for value in self.sources.get(key, []):
                if value is not None:  # `q += k` keeps q's origin
                    found |= self.of_expr(value, seen | {key})
        self._cache[key] = found
        return found

    def of_expr(self, node: Node, seen: frozenset = frozenset()) -> set[str]:
        e = strip(node)
        if e.kind == K.CALL_EXPR and callee_name(e) in ALLOCATION_FUNCTIONS:
            return {"local"}
        if e.kind == K.GNU_NULL_EXPR or e.kind == K.INTEGER_LITERAL or e.kind == K.CXX_NULL_PTR_LITERAL_EXPR:
            return {"local"}
        decl = _root_decl(e)
        return self.of_decl(decl, seen) if decl is not None else {"unknown"}


def _local_facts(function: Function, variables: Variables, defined: set[str]) -> _Local:
    facts = _Local()
    origins = _Origins(function, variables)
    stored = set()  # targets of plain `=`: written, not read
    for node in function.nodes:
        if node.kind == K.BINARY_OPERATOR and node.binary_op == "=":
            stored.add(id(strip(expression_children(node)[0])))
    for node in function.nodes:
        kind = node.kind
        if kind == K.DECL_REF_EXPR:
            decl = variable_decl(node)
            if decl is not None and variables.get(decl).storage in (Storage.GLOBAL, Storage.STATIC_LOCAL):
                facts.reads_globals.add(decl.spelling)
        elif (kind in (K.ARRAY_SUBSCRIPT_EXPR, K.MEMBER_REF_EXPR) or kind == K.UNARY_OPERATOR
              and node.unary_op == "*") and id(node) not in stored:
            facts.read_through(origins.of_expr(node))
        target = stored_operand(node)
        if target is not None:
            plain = strip(target)
            decl = variable_decl(plain)
            if decl is not None:  # the variable itself
                storage = variables.get(decl).storage
                if storage in (Storage.GLOBAL, Storage.STATIC_LOCAL):
                    facts.writes_globals.add(decl.spelling)
                elif decl.type.kind == TypeKind.LVALUEREFERENCE and Variables.key(decl) in origins.params:
                    facts.writes_params.add(origins.params[Variables.key(decl)])
            elif plain.kind == K.MEMBER_REF_EXPR and _root_decl(plain) is not None and not _through_pointer(plain):
                root = _root_decl(plain)  # `s.x = ...` of a struct variable: like writing s
                facts.write_through(origins.of_decl(root) - {"local"} if root.kind != K.PARM_DECL else set())
            else:
                facts.write_through(origins.of_expr(plain))
        if kind in (K.CALL_EXPR, K.CXX_NEW_EXPR, K.CXX_DELETE_EXPR):
            name = callee_name(node)
            if kind == K.CALL_EXPR and not name:
                facts.effect = CallEffect.UNKNOWN  # a call through a pointer
                continue
            if name in defined:
                facts.calls.append((name, [origins.of_expr(arg) for arg in call_arguments(node)]))
            else:
                facts.calls.append((name, []))
                facts.effect = _worse(facts.effect, classify(name) if kind == K.CALL_EXPR else CallEffect.ALLOCATION)
    return facts


def _through_pointer(member: Node) -> bool:
    """Whether a member chain dereferences a pointer or indexes an array somewhere (`p->x`, `a[i].x`)."""
    e = member
    while True:
        if e.kind == K.MEMBER_REF_EXPR:
            children = expression_children(e)
            if not children:
                return True  # `this->x`
            if children[0].cursor.type.get_canonical().kind == TypeKind.POINTER:
                return True
            e = strip(children[0])
        elif e.kind == K.DECL_REF_EXPR:
            return False
        else:
            return True


def summarize(functions: list[Function], variables: Variables, wanted: set[str]) -> dict[str, FunctionSummary]:
    """Summaries of the main file's functions named in `wanted` and of everything they call there,
    closed over same-file calls."""
    by_name = {f.name: f for f in functions}
    local: dict[str, _Local] = {}
    todo = [name for name in wanted if name in by_name]
    while todo:
        name = todo.pop()
        if name not in local:
            local[name] = _local_facts(by_name[name], variables, set(by_name))
            todo.extend(c for c, _ in local[name].calls if c in by_name and c not in local)
    for _ in range(len(local) + 1):  # propagate along same-file calls until nothing changes
        changed = False
        for name, facts in local.items():
            before = (facts.effect, len(facts.reads_globals), len(facts.writes_globals), len(facts.writes_params),
                      len(facts.reads_params))
            for callee, arg_origins in facts.calls:
                other = local.get(callee)
                if other is None:
                    continue
                facts.effect = _worse(facts.effect, other.effect)
                facts.reads_globals |= other.reads_globals
                facts.writes_globals |= other.writes_globals
                for k in other.writes_params:
                    facts.write_through(arg_origins[k] if k < len(arg_origins) else {"unknown"})
                for k in other.reads_params:
                    facts.read_through(arg_origins[k] if k < len(arg_origins) else set())
            after = (facts.effect, len(facts.reads_globals), len(facts.writes_globals), len(facts.writes_params),
                     len(facts.reads_params))
            changed = changed or before != after
        if not changed:
            break
    out = {}
    for name, f in local.items():
        reads, writes = {}, {}
        if f.effect == CallEffect.PURE and all(c not in by_name and classify(c) == CallEffect.PURE
                                               for c, _ in f.calls):
            reads, writes = _param_regions(by_name[name], f.reads_params | f.writes_params)
        out[name] = FunctionSummary(
            name=name, reads_globals=sorted(f.reads_globals), writes_globals=sorted(f.writes_globals),
            writes_through_params=sorted(f.writes_params), reads_through_params=sorted(f.reads_params),
            calls=sorted({c for c, _ in f.calls}), effect=f.effect, read_regions=reads, write_regions=writes)
    return out


MAX_REGION_ELEMENTS = 64  # elements a call's regions may name: each becomes an access at the call


def _param_regions(function: Function, params: set[int]) -> tuple[dict, dict]:
    """For each pointer parameter in `params` whose every use is an element access `p[e1][e2]` or
    `*p` with subscripts that take constant ranges (literals, and variables of the function's own
    `for (int m = 0; m < 5; m++)` loops), the boxes it reads and writes."""
    arguments = list(function.node.cursor.get_arguments())
    reads: dict[int, list] = {}
    writes: dict[int, list] = {}
    for k in sorted(params):
        if k >= len(arguments):
            continue
        key = Variables.key(arguments[k])
        found = _element_uses(function, key)
        if found is None:
            continue
        r, w = found
        count = sum(_elements(b) for b in r + w)
        if count > MAX_REGION_ELEMENTS:
            continue
        if r:
            reads[k] = r
        if w:
            writes[k] = w
    return reads, writes


def _elements(box: list[list[int]]) -> int:
    out = 1
    for lo, hi in box:
        out *= hi - lo + 1
    return out


def _up(node: Node) -> Optional[Node]:
    parent = node.parent
    while parent is not None and parent.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR):
        parent = parent.parent
    return parent


def _element_uses(function: Function, key: tuple) -> Optional[tuple[list, list]]:
    reads: list[list[list[int]]] = []
    writes: list[list[list[int]]] = []
    loops = _constant_loops(function)
    for node in function.nodes:
        if node.kind != K.DECL_REF_EXPR or node.cursor.referenced is None or \
                Variables.key(node.cursor.referenced) != key:
            continue
        e, box = node, []
        while True:
            parent = _up(e)
            if parent is None:
                return None
            if parent.kind == K.ARRAY_SUBSCRIPT_EXPR:
                children = expression_children(parent)
                if len(children) != 2 or not (children[0] is e or children[0].contains(e)) or \
                        children[1].contains(node):
                    return None
                span = _interval(children[1], loops)
                if span is None:
                    return None
                box.append(list(span))
                e = parent
            elif parent.kind == K.UNARY_OPERATOR and parent.unary_op == "*" and not box:
                box.append([0, 0])
                e = parent
            else:
                break
        if not box or e.cursor.type.get_canonical().kind in (TypeKind.POINTER, TypeKind.RECORD, *_ARRAYS):
            return None  # the pointer itself (passed on, copied, compared) or a struct element
        parent = _up(e)
        written = parent is not None and stored_operand(parent) is not None and \
            (strip(stored_operand(parent)) is e or stored_operand(parent) is e)
        if parent is not None and parent.kind == K.UNARY_OPERATOR and parent.unary_op == "&":
            return None
        plain = written and parent.kind == K.BINARY_OPERATOR and parent.binary_op == "="
        if not written or not plain:
            if box not in reads:
                reads.append(box)
        if written and box not in writes:
            writes.append(box)
    return reads, writes


_ARRAYS = (TypeKind.CONSTANTARRAY, TypeKind.INCOMPLETEARRAY, TypeKind.VARIABLEARRAY)


def _constant_loops(function: Function) -> dict[tuple, tuple[int, int]]:
    """Variables of `for (int m = lo; m < hi; m++)` loops with constant bounds that nothing else
    assigns: the range each takes."""
    out: dict[tuple, tuple[int, int]] = {}
    writes: dict[tuple, int] = {}
    for node in function.nodes:
        for target in _assigned(node):
            writes[target] = writes.get(target, 0) + 1
    for node in function.nodes:
        if node.kind != K.FOR_STMT or len(node.children) != 4:
            continue
        init, cond, inc, _ = node.children
        decls = [c for c in init.children if c.kind == K.VAR_DECL] if init.kind == K.DECL_STMT else []
        if len(decls) != 1 or not expression_children(decls[0]):
            continue
        var = Variables.key(decls[0].cursor)
        lo = evaluate_int(expression_children(decls[0])[-1])
        cond = strip(cond)
        if lo is None or cond.kind != K.BINARY_OPERATOR or cond.binary_op not in ("<", "<="):
            continue
        left, right = expression_children(cond)
        decl = variable_decl(strip(left))
        hi = evaluate_int(right)
        if decl is None or Variables.key(decl) != var or hi is None:
            continue
        inc = strip(inc)
        if not (inc.kind == K.UNARY_OPERATOR and inc.unary_op in ("++", "post++")) or writes.get(var, 0) != 1:
            continue
        hi = hi - 1 if cond.binary_op == "<" else hi
        if hi >= lo:
            out[var] = (lo, hi)
    return out


def _assigned(node: Node) -> list[tuple]:
    target = stored_operand(node)
    if target is None and node.kind == K.UNARY_OPERATOR and node.unary_op == "&":
        children = expression_children(node)
        target = children[0] if children else None
    decl = variable_decl(strip(target)) if target is not None else None
    return [Variables.key(decl)] if decl is not None else []


def _interval(node: Node, loops: dict[tuple, tuple[int, int]]) -> Optional[tuple[int, int]]:
    """The range of an integer expression of constants and constant-range loop variables."""
    e = strip(node)
    if not any(n.kind == K.DECL_REF_EXPR for n in e.walk()):
        value = evaluate_int(e)
        return (value, value) if value is not None else None
    if e.kind == K.DECL_REF_EXPR:
        decl = variable_decl(e)
        return loops.get(Variables.key(decl)) if decl is not None else None
    if e.kind == K.BINARY_OPERATOR and e.binary_op in ("+", "-", "*"):
        parts = expression_children(e)
        if len(parts) != 2:
            return None
        a, b = _interval(parts[0], loops), _interval(parts[1], loops)
        if a is None or b is None:
            return None
        if e.binary_op == "+":
            return a[0] + b[0], a[1] + b[1]
        if e.binary_op == "-":
            return a[0] - b[1], a[1] - b[0]
        products = [x * y for x in a for y in b]
        return min(products), max(products)
    return None


def call_sites(info, source: Source, summaries: dict[str, FunctionSummary]) -> list[CallSite]:
    sites: list[CallSite] = []
    for node in info.node.walk():
        if node.kind not in (K.CALL_EXPR, K.CXX_NEW_EXPR, K.CXX_DELETE_EXPR):
            continue
        if info.init is not None and info.init.contains(node):  # runs once, before the loop
            continue
        name = callee_name(node)
        summary = summaries.get(name)
        root = info
        while root.parent is not None:
            root = root.parent
        member = container_call(node, root.node)  # modelled as accesses of the nest (accesses.py)
        if member is not None and member[0] in READ_ONLY and \
                (member[0] != "data" or node.cursor.type.get_pointee().get_canonical().kind in PLAIN_TYPES):
            effect = CallEffect.PURE  # an element access (among the loop's accesses) or the size
        elif summary is not None:
            effect = CallEffect.SAME_TU
        elif node.kind != K.CALL_EXPR:
            effect = CallEffect.ALLOCATION
        else:
            effect = classify(name) if name else CallEffect.UNKNOWN
        if not name:
            children = node.children
            name = source.text_of(children[0]) if children else "?"
        location = node.cursor.extent.start
        sites.append(CallSite(callee=name, line=location.line, column=location.column, effect=effect,
                              summary=summary, arguments=[source.text_of(a) for a in call_arguments(node)]))
    return sites


def has_opaque_calls(sites: list[CallSite]) -> bool:
    """A call that may assign variables of the caller's file: unknown code, or a same-file function
    that writes globals or calls unknown code."""
    for site in sites:
        if site.effect == CallEffect.UNKNOWN:
            return True
        if site.effect == CallEffect.SAME_TU and site.summary is not None and (
                site.summary.writes_globals or site.summary.effect == CallEffect.UNKNOWN):
            return True
    return False


# integer parameter types whose constants the rewriter can spell as a literal with a suffix
_LITERAL_SUFFIX = {TypeKind.INT: "", TypeKind.UINT: "u", TypeKind.LONG: "L", TypeKind.ULONG: "UL",
                   TypeKind.LONGLONG: "LL", TypeKind.ULONGLONG: "ULL"}
# the constants worth a copy: small trip counts (windows, blocks, stencil radii) that unroll; a zero
# or a large value could turn a run-time expression into a constant one that warns (`x % 0`, `1 << 40`)
_SPECIALIZED_VALUES = range(1, 17)


def constant_arguments(every_function: list[Function], wanted: set[str], source: Source) -> dict[str, dict[str, str]]:
    """For each function named in `wanted` (and defined once: not an overload), its integer parameters
    that every call in this file passes the same small positive constant, as C literals:
    {"max_pool": {"pool": "2"}}. The serial build propagates such a constant into the function
    (inlining, cloning); the outlined body of a parallel loop does not, so the rewriter may give the
    loop a copy for that value (guarded by a test at run time: callers in other files may pass
    anything)."""
    defined = Counter(f.name for f in every_function)
    targets = {f.name: f for f in every_function if f.name in wanted and defined[f.name] == 1}
    values: dict[str, dict[int, set]] = {name: {} for name in targets}
    for function in every_function:
        text = source.data[function.start:function.end]
        if not any(name.encode() in text for name in targets):
            continue
        for node in function.nodes:
            if node.kind != K.CALL_EXPR:
                continue
            name = callee_name(node)
            if name not in targets:
                continue
            for k, argument in enumerate(call_arguments(node)):
                values[name].setdefault(k, set()).add(evaluate_int(argument))
    found: dict[str, dict[str, str]] = {}
    for name, by_position in values.items():
        parameters = list(targets[name].cursor.get_arguments())
        for k, seen in by_position.items():
            if len(seen) != 1 or None in seen or k >= len(parameters):
                continue
            parameter = parameters[k]
            kind = parameter.type.get_canonical().kind
            value = next(iter(seen))
            if kind in _LITERAL_SUFFIX and parameter.spelling and value in _SPECIALIZED_VALUES:
                found.setdefault(name, {})[parameter.spelling] = f"{value}{_LITERAL_SUFFIX[kind]}"
    return found


def parameter_uses(info, constants: dict[str, str], source: Source) -> dict[str, list[int]]:
    """Where the loop of `info` names each parameter of `constants`: the byte offsets of its
    references, spelled in place. A parameter that the loop also names through a macro is left out
    (its reference has no place of its own in the text). Only these offsets are ever substituted:
    a member, a struct tag or a declaration of the same name elsewhere in the loop is not one."""
    if not constants or info.loop.end_offset is None:
        return {}
    start, end = info.loop.offset, info.loop.end_offset
    references: dict[str, list[int]] = {}
    for node in info.node.walk():
        if node.kind != K.DECL_REF_EXPR:
            continue
        decl = node.cursor.referenced
        if decl is None or decl.kind != K.PARM_DECL or decl.spelling not in constants:
            continue
        name = decl.spelling
        at = node.start
        spelled = start <= at < end and source.data[at:at + len(name)] == name.encode()
        references.setdefault(name, []).append(at if spelled else -1)
    return {name: sorted(offsets) for name, offsets in references.items() if -1 not in offsets}
