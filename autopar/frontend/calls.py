"""Calls pass: every call inside a loop with its side-effect class (pure, allocation, random, I/O,
same translation unit, unknown), and the small questions other passes ask of a call node: its
callee's name, its arguments. The summaries of same-file functions are autopar/frontend/summaries.py.

Takes a loop's nodes and the summaries; gives `CallSite`s.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

from clang.cindex import CursorKind as K, StorageClass, TypeKind

from autopar.ir import CallEffect, CallSite, FunctionSummary
from autopar.frontend.ast import FUNCTION_KINDS, Node, Source, canonical_kind, expression_children, strip, variable_decl
from autopar.frontend.variables import Variables
from autopar.frontend.containers import PLAIN_TYPES, READ_ONLY, container_call
from autopar.frontend.functions import Function, calls_the_definition, cleanup_handlers, qualified_name
from autopar.frontend.hidden_code import OBJECT_KINDS, object_code

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


# functions that return twice: a longjmp comes back to their call, before a loop that ran after it
RETURNS_TWICE = {"setjmp", "_setjmp", "__builtin_setjmp", "sigsetjmp", "__sigsetjmp", "savectx", "vfork",
                 "getcontext"}

# names the C library does not reserve: pure only where a system header declares them (std::min,
# std::max), since a program's own `int max(int, int)` in another file may do anything
_LIBRARY_ONLY = {"min", "max"}

# libm functions that may set errno (a domain or range error): the math ones, not abs or isnan
_SETS_ERRNO = {prefix + f + s for f in _MATH for s in ("", "f", "l") for prefix in ("", "__builtin_")
               if f not in ("fabs", "floor", "ceil", "trunc", "round", "rint", "nearbyint", "copysign", "fmax", "fmin")}


# what reads errno without naming it: perror, strerror, the BSD err/warn family, glibc's `%m`
_READS_ERRNO = re.compile(rb'errno|\b(?:perror|strerror(?:_r)?|v?err|v?warn)\s*\(|"[^"\n]*%m')
# what gives a thread a locale of its own, which the threads of a team do not share
_SETS_THREAD_LOCALE = re.compile(rb"\buselocale\b")
# what reads the calling thread's locale among the functions taken as pure
_READS_LOCALE = {"toupper", "tolower", "isdigit", "isalpha", "isspace", "isalnum"}


def thread_state(texts: Iterable[Optional[bytes]]) -> frozenset:
    """The library state of each thread's own that the file or one of its own headers (their bytes,
    `texts`; None for a header that cannot be read) observes: "errno" where it may read errno (names
    it, or calls what prints it), so its value after a loop is seen; "locale" where it sets a thread's
    locale (`uselocale`), which a team's other threads do not have. (Another file's are not seen.)"""
    texts = list(texts)
    state = set()
    if any(text is None or _READS_ERRNO.search(text) is not None for text in texts):
        state.add("errno")
    if any(text is None or _SETS_THREAD_LOCALE.search(text) is not None for text in texts):
        state.add("locale")
    return frozenset(state)


def library_effect(node: Node, name: str, state: frozenset, cplusplus: bool) -> tuple[CallEffect, str]:
    """The effect of a call (`node`, CALL_EXPR) of `name`, which the file does not define, and the name
    to report it by. Known only where it is the library's: in C++ a function a system header declares
    (`util::round`, a program's own, may do anything), called with numbers and pointers only (an
    object's operator< or a comparator, `std::max(a, b, less)`, is the program's code); `min` and `max`
    in C as well. A math function that may set errno is unknown where the file reads errno (with gcc's
    default -fmath-errno, each thread sets its own, and a parallel loop would lose it), and so is one
    that reads the thread's locale where the file sets one (`state`: thread_state's). A function of
    the library's name that the program defines (a `static inline toupper` in a header of its own) is
    the program's code."""
    effect = classify(name) if name else CallEffect.UNKNOWN
    if effect != CallEffect.UNKNOWN and (cplusplus or name in _LIBRARY_ONLY) and \
            not (declared_by_the_system(node) and (not cplusplus or _plain_arguments(node))):
        return CallEffect.UNKNOWN, name
    if effect != CallEffect.UNKNOWN and defined_by_the_program(node):
        return CallEffect.UNKNOWN, f"{name} (defined by the program, not the library's)"
    if effect == CallEffect.PURE and name in _SETS_ERRNO and "errno" in state:
        return CallEffect.UNKNOWN, f"{name} (it may set errno, which this file reads)"
    if effect == CallEffect.PURE and name in _READS_LOCALE and "locale" in state:
        return CallEffect.UNKNOWN, f"{name} (it reads the thread's locale, which this file sets with uselocale)"
    return effect, name


def _plain_arguments(call: Node) -> bool:
    """Whether every argument of the call is a number or a pointer to data (no object, no function)."""
    for argument in call.cursor.get_arguments():
        kind = argument.type.get_canonical()
        if kind.kind in (TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE):
            kind = kind.get_pointee().get_canonical()
        if kind.kind == TypeKind.POINTER and kind.get_pointee().get_canonical().kind in (
                TypeKind.FUNCTIONPROTO, TypeKind.FUNCTIONNOPROTO):
            return False
        if kind.kind in (TypeKind.RECORD, TypeKind.FUNCTIONPROTO, TypeKind.FUNCTIONNOPROTO, TypeKind.UNEXPOSED,
                         TypeKind.ELABORATED, TypeKind.MEMBERPOINTER):
            return False
    return True


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
    """The argument expressions of a call (after the callee among the node's children), one per
    parameter of the callee: a member operator called as `op(a, b)` has its object as libclang's
    first argument, which is not one of them."""
    count = len(list(node.cursor.get_arguments())) if node.kind == K.CALL_EXPR else 0
    arguments = expression_children(node)[-count:] if count else []
    return arguments[1:] if arguments and object_argument(node.cursor.referenced, len(arguments)) else arguments


def argument_index(call: Node, node: Node) -> int:
    """Which argument of `call` the expression `node` is (-1 when it is none of them)."""
    return next((k for k, argument in enumerate(call_arguments(call)) if strip(argument) is node), -1)


def object_argument(callee, count: int) -> bool:
    """Whether libclang's `count` arguments of a call of `callee` begin with the object of a member
    operator (`op(a, b)` calls `op.operator()(a, b)`), which is none of its parameters."""
    return callee is not None and callee.kind == K.CXX_METHOD and not callee.is_static_method() and \
        count == len(list(callee.get_arguments())) + 1


def call_sites(info, source: Source, summaries: dict[str, FunctionSummary], cplusplus: bool = False,
               state: frozenset = frozenset(), defined: Optional[dict[str, Function]] = None) -> list[CallSite]:
    """The calls of the loop of `info`, each with its effect. `defined`: the file's functions by name
    (a summary is the call's only where the call reaches that very definition)."""
    sites: list[CallSite] = destructor_calls(info) if cplusplus else []
    for node, handler in cleanup_handlers(info.function).items():  # (f(&v) at each iteration's end)
        if info.node.contains(node):
            line, column = node.location()
            sites.append(CallSite(callee=handler, line=line, column=column, effect=CallEffect.UNKNOWN))
    # `*__begin` of a range-based for over a container (an iterator's operator*): the element access
    elements = [i.node.children[0] for i in info.subtree() if i.range_container is not None and i.loop.canonical]
    for node in info.function.nodes_where("call sites", info.node, _CALL_SITES):
        if info.init is not None and info.init.contains(node):  # runs once, before the loop
            continue
        if any(e is node or e.contains(node) for e in elements):
            continue
        name = callee_name(node)
        summary = summaries.get(name)
        if defined and name in defined and not calls_the_definition(node, defined[name]):
            summary = None  # another function of the name (an overload, a namespace's): unknown
        root = info
        while root.parent is not None:
            root = root.parent
        member = container_call(node, root.node)  # modelled as accesses of the nest (accesses.py)
        if member is not None and member[0] in READ_ONLY and \
                (member[0] != "data" or node.cursor.type.get_pointee().get_canonical().kind in PLAIN_TYPES) and \
                (member[0] != "at" or _within_size(node, member, info, source)):
            effect = CallEffect.PURE  # an element access (among the loop's accesses) or the size
        elif summary is not None:
            effect = CallEffect.SAME_TU
        elif node.kind != K.CALL_EXPR:
            effect = CallEffect.ALLOCATION
        else:
            effect, name = library_effect(node, name, state, cplusplus)
        if not name:
            children = node.children
            name = source.text_of(children[0]) if children else "?"
        line, column = node.location()
        sites.append(CallSite(callee=name, line=line, column=column, effect=effect,
                              summary=summary, arguments=[source.text_of(a) for a in call_arguments(node)],
                              argument_roots=[_pointer_roots(a) for a in call_arguments(node)]))
    return sites


_CALL_SITES = (K.CALL_EXPR, K.CXX_NEW_EXPR, K.CXX_DELETE_EXPR)
_ADDRESS_TYPES = (TypeKind.POINTER, TypeKind.CONSTANTARRAY, TypeKind.INCOMPLETEARRAY, TypeKind.VARIABLEARRAY,
                  TypeKind.DEPENDENTSIZEDARRAY, TypeKind.LVALUEREFERENCE, TypeKind.RVALUEREFERENCE, TypeKind.RECORD)


def _pointer_roots(argument: Node) -> list[str]:
    """The variables whose memory the argument may point into: every variable of pointer, array,
    reference or struct type it names, and any whose address it takes (`&x`), but those only indexing
    (`a` of `&a[idx[i]]`, not `idx`) or unevaluated (`sizeof`). Empty when it names none (a call's
    result, a constant)."""
    found: list[str] = []

    def walk(node: Node, addressed: bool) -> None:
        if node.kind == K.CXX_UNARY_EXPR:
            return
        if node.kind == K.ARRAY_SUBSCRIPT_EXPR:
            parts = expression_children(node)
            if parts:
                walk(parts[0], addressed)
            return
        if node.kind == K.DECL_REF_EXPR:
            decl = variable_decl(node)
            if decl is not None and (addressed or canonical_kind(decl) in _ADDRESS_TYPES) and \
                    decl.spelling not in found:
                found.append(decl.spelling)
        addressed = addressed or node.kind == K.UNARY_OPERATOR and node.unary_op == "&"
        for child in node.children:
            walk(child, addressed)

    walk(argument, False)
    return found


def declared_by_the_system(call: Node) -> bool:
    """Whether the called function is declared in a system header (the C or C++ library's)."""
    decl = call.cursor.referenced
    return decl is not None and decl.location.is_in_system_header


def defined_by_the_program(call: Node) -> bool:
    """Whether the translation unit holds a definition of the called function outside the system
    headers (in a header of the program's own: the main file's are summarized)."""
    decl = call.cursor.referenced
    definition = decl.get_definition() if decl is not None else None
    return definition is not None and not definition.location.is_in_system_header


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


def globals_written_by(sites: list[CallSite]) -> Optional[set[str]]:
    """The globals the calls write by name (a same-file function's summary), or None when one of
    them may write anything (unknown code, or a function that calls it)."""
    written: set[str] = set()
    for site in sites:
        if site.effect == CallEffect.UNKNOWN:
            return None
        if site.effect == CallEffect.SAME_TU:
            if site.summary is None or site.summary.effect == CallEffect.UNKNOWN:
                return None
            written |= set(site.summary.writes_globals)
    return written


_CELL_TYPES = {TypeKind.BOOL, TypeKind.CHAR_S, TypeKind.CHAR_U, TypeKind.SCHAR, TypeKind.UCHAR, TypeKind.SHORT,
               TypeKind.USHORT, TypeKind.INT, TypeKind.UINT, TypeKind.LONG, TypeKind.ULONG, TypeKind.LONGLONG,
               TypeKind.ULONGLONG, TypeKind.FLOAT, TypeKind.DOUBLE, TypeKind.LONGDOUBLE}


def reaches_one_element(summary: Optional[FunctionSummary], k: int) -> bool:
    """Whether the callee reaches its pointer parameter `k` only as `*p` / `p[0]`: its summary has
    regions for it (so every use of the parameter is an element access: the pointer is not stored,
    passed on or compared) and each region is that one element."""
    if summary is None:
        return False
    boxes = summary.read_regions.get(k, []) + summary.write_regions.get(k, [])
    return bool(boxes) and all(box == [[0, 0]] for box in boxes)


def local_scalar_address(argument: Node):
    """The declaration of `v` when `argument` is `&v` of a non-static local arithmetic scalar, else None."""
    e = strip(argument)
    if e.kind != K.UNARY_OPERATOR or e.unary_op != "&" or not expression_children(e):
        return None
    target = strip(expression_children(e)[0])
    decl = target.cursor.referenced if target.kind == K.DECL_REF_EXPR else None
    if decl is None or decl.kind != K.VAR_DECL or decl.semantic_parent is None or \
            decl.semantic_parent.kind not in FUNCTION_KINDS or \
            decl.storage_class in (StorageClass.STATIC, StorageClass.EXTERN) or \
            decl.type.get_canonical().kind not in _CELL_TYPES:
        return None
    return decl


def lent_addresses(function, summaries: dict[str, FunctionSummary]) -> set[int]:
    """The `&v` nodes (by id) of `function` that only lend a local scalar to a same-file callee for
    the call: `randlc(&seed, a)` where randlc reads and writes `*x` and nothing else of x. The call
    reads and may write `v` (first_access counts `&v` so); no pointer to `v` outlives it."""
    lent = set()
    for node in function.nodes_of((K.CALL_EXPR,)):
        summary = summaries.get(callee_name(node))
        for k, argument in enumerate(call_arguments(node)):
            if local_scalar_address(argument) is not None and reaches_one_element(summary, k):
                lent.add(id(strip(argument)))
    return lent


def destructor_calls(info) -> list[CallSite]:
    """The code a loop's body runs without a call in the text (hidden_code.object_code): a destructor of
    a local or a temporary, a constructor of a base or a member, a default member initializer, of a
    class of this program: `Tick{i};`, `Bump b{i};`. Each is a call of unknown effects."""
    sites, seen = [], set()
    for node in info.function.nodes_where("objects", info.node, OBJECT_KINDS):
        name = object_code(info.function, node)
        if name and name not in seen:
            seen.add(name)
            line, column = node.location()
            sites.append(CallSite(callee=name, line=line, column=column, effect=CallEffect.UNKNOWN))
    return sites


def _within_size(node: Node, member: tuple, info, source: Source) -> bool:
    """Whether `v.at(i)` cannot throw: i is the counter of a loop around it that runs from a constant
    >= 0 up by 1 while `i < v.size()` (std::out_of_range thrown in a parallel region would end the
    program, where the serial loop lets a caller catch it)."""
    args = member[2]
    index = strip(args[0]) if len(args) == 1 else None
    decl = variable_decl(index) if index is not None and index.kind == K.DECL_REF_EXPR else None
    if decl is None:
        return False
    around, outer = list(info.subtree()), info.parent
    while outer is not None:
        around.append(outer)
        outer = outer.parent
    # the same container: spelled the same way, or a member bounded by `this->w.size()` (`this->v.at(i)`
    # beside a parameter `v` is not bounded by `v.size()`)
    base = source.text_of(node).rsplit(".at", 1)[0].strip()
    spellings = {base} | ({f"this->{member[1].spelling}"} if member[1].kind == K.FIELD_DECL else set())
    size = re.compile(rf"\(?\s*(?:\([\w\s:]+\))?\s*(?:{'|'.join(map(re.escape, spellings))})\.size\(\)\s*\)?")
    for loop_info in around:
        c = loop_info.loop.canonical
        if loop_info.iv_key != Variables.key(decl) or c is None or not (loop_info.node.start <= node.start
                                                                        < loop_info.node.end):
            continue
        # (the bounds' affine forms come later: their texts here; the body's writes are judged later too)
        return c.step == 1 and c.comparison.value == "<" and bool(re.fullmatch(r"\d+[uUlL]*", c.lower_text.strip())) \
            and bool(size.fullmatch(c.upper_text.strip()))
    return False
