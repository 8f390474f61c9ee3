"""The front end: runs the passes in order and assembles the IR of one translation unit.

parse -> loops (nesting) -> loop_header (canonical form) -> calls (and same-file summaries) ->
loop_body (body facts) -> accesses -> scalars -> pragmas. Only functions whose text can hold a `for` loop are walked; the
functions they call are walked for their summaries.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from typing import Optional, Sequence

from clang import cindex
from clang.cindex import CursorKind as K, LinkageKind

from autopar.ir import CallEffect, CallSite, Storage, SwitchedOff, TranslationUnit
from autopar.frontend import (accesses, calls, external_summaries, linear, noalias, pointer_uses, pragmas, reductions,
                              scalars, switched_off)
from autopar.frontend.affine import AffineBuilder
from autopar.frontend.ast import FLOATING_TYPES, Source, referenced, stored_operand, strip
from autopar.frontend.omp_pragmas import header_texts
from autopar.frontend.constant_locals import constant_locals
from autopar.frontend.call_site_values import call_site_values, data_selected_parameters
from autopar.frontend.claims import loop_claims
from autopar.frontend.constant_arguments import constant_arguments, parameter_uses
from autopar.frontend.entry_pointers import entry_pointers
from autopar.frontend.row_tables import row_tables
from autopar.frontend.pointer_shapes import pointer_shapes
from autopar.frontend.pointer_facts import fresh_pointers
from autopar.frontend.functions import build_functions, loop_macros, weak_names
from autopar.frontend.kept_addresses import stored_parameters
from autopar.frontend.loop_body import BodyReader
from autopar.frontend.loop_header import HeaderReader
from autopar.frontend.loops import (LoopFinder, LoopInfo, address_taken_in, captured_by_reference, escaping_addresses,
                                   initializer_addresses)
from autopar.frontend.nest_facts import NestFacts, Scope, plain_globals
from autopar.frontend.param_regions import global_arrays
from autopar.frontend.parse import FrontendError, parse, read_source, settings_for
from autopar.frontend.same_arguments import shared_pointer_calls
from autopar.frontend.static_arrays import StaticArrays
from autopar.frontend.domain_conditions import domain_conditions, exit_conditions
from autopar.frontend.summaries import summarize
from autopar.frontend.preprocessor_view import divergence
from autopar.frontend.variables import Variables, scoped_uses
from autopar.frontend.volatiles import Volatiles

__all__ = ["translate", "FrontendError"]


def translate(path: str, compile_args: list[str], build_dir: Optional[str] = None, whole_program: bool = False,
              switched_off: Sequence[SwitchedOff] = ()) -> TranslationUnit:
    """Parse `path` with libclang and describe every `for` loop of it. `whole_program`: the file is
    compiled and linked alone, so no other file calls its functions (see autopar.frontend.noalias).
    `switched_off`: statements of it (found by an earlier translation) read as if their bodies were
    empty (autopar.frontend.switched_off).

    Raises FrontendError when the file cannot be analyzed at all. Syntax errors are not an exception:
    the loops libclang still found come back with the diagnostics.
    """
    try:
        return _translate(path, compile_args, build_dir, whole_program, list(switched_off))
    except FrontendError:
        raise
    except RecursionError:
        raise FrontendError(f"the code nests too deeply to analyze at Python's recursion limit "
                            f"({sys.getrecursionlimit()}; autopar's programs raise it, see autopar.process)") from None
    except Exception as error:  # noqa: BLE001 - one file's failure must not stop the others
        raise FrontendError(f"internal error in the front end ({type(error).__name__}: {error}); "
                            "please report it with this file") from error


def _variable_facts(info: LoopInfo, variables: Variables, escaping: set, by_node: dict,
                    statics: StaticArrays, volatiles: Volatiles, language: str) -> None:
    """What the loop does with its variables: scalars, location reductions, and which arrays a
    private copy may replace."""
    info.loop.scalars = scalars.scalar_uses(info, variables, escaping, by_node, language)
    info.loop.location_reductions = reductions.location_reductions(info, variables.source, language)
    info.loop.arrays_dead_after = scalars.arrays_dead_after(info, variables, statics)
    info.loop.copied_statics = scalars.copied_statics(info, variables, statics)
    info.loop.escaping_arrays = scalars.escaping_arrays(info, variables)
    if language == "c":  # (a C++ name may be qualified, or bound to a reference)
        info.loop.subscripted_pointers = pointer_uses.subscripted_pointers(info, variables)
    info.loop.threadprivate_uses = statics.threadprivate_uses(info.loop)
    info.loop.volatile_uses = volatiles.names_in(info.function, info.node)
    if language != "c":
        info.loop.scoped_uses = scoped_uses(info.loop)


def _pointer_facts(variables: Variables, every_function: list, functions: list, tu_cursor, language: str,
                   whole_program: bool) -> tuple[Variables, dict[str, list[tuple]]]:
    """What the file shows of its pointers, read into the `Variable`s made after: row tables,
    parameters distinct at every call (also returned, by function), pointers that enter with the
    call, shapes, copies."""
    source = variables.source
    variables.row_levels, variables.rows_unproven, variables.rows_carved = row_tables(
        every_function, source, tu_cursor, language, whole_program)
    distinct = noalias.distinct_parameters(every_function, source, tu_cursor, {f.name for f in functions},
                                           language, whole_program, variables.row_levels)
    variables.distinct_at_calls = {key for keys in distinct.values() for key in keys}
    variables.entry_pointers, inherited = entry_pointers(functions, variables.distinct_at_calls, language)
    variables.distinct_at_calls |= inherited
    variables.shapes = pointer_shapes(functions, language)
    if language == "c" and not noalias.symbols_rebound(tu_cursor, every_function):  # (C++ rebinds by reference)
        fresh = [key for f in functions for key in fresh_pointers(f)]
        # (a key two functions' declarations share, from one macro expansion, is neither's alone)
        declared = Counter(Variables.key(n.cursor) for f in functions for n in f.nodes_of((K.VAR_DECL, K.PARM_DECL)))
        variables.fresh_pointers = {key for key in fresh if declared[key] == 1}
    # `q = x;`, `gp = x;`, `keep(x);` storing it: q and gp reach x's memory
    variables.copies_of = stored_parameters(every_function)
    return variables, distinct


def _translate(path: str, compile_args: list[str], build_dir: Optional[str],
               whole_program: bool, switched: list[SwitchedOff]) -> TranslationUnit:
    text = switched_off.blanked(read_source(path), switched)
    settings = settings_for(path, list(compile_args), build_dir)
    clang_tu, diagnostics = parse(path, text, settings)
    source = Source(path, text)
    every_function = build_functions(clang_tu, source)
    macros = loop_macros(source)
    functions = [f for f in every_function if f.may_have_loops(macros)]  # only these are walked
    variables, distinct = _pointer_facts(Variables(source), every_function, functions, clang_tu.cursor,
                                         settings.language, whole_program)

    affine = AffineBuilder(source)
    affine.cplusplus = settings.language == "c++"
    affine.constant_values = constant_locals(functions, source, settings.language)
    finder = LoopFinder(path, source, variables)
    infos = finder.find(functions)
    headers = HeaderReader(source, affine)
    for info in infos:
        headers.canonical(info)
    by_node = {id(info.node): info for info in infos}

    called = {calls.callee_name(n) for info in infos if info.parent is None for n in info.node.walk()
              if n.kind in (K.CALL_EXPR, K.CXX_NEW_EXPR, K.CXX_DELETE_EXPR)} | external_summaries.wanted_names()
    volatiles, c_loops = Volatiles(clang_tu, source), functions if settings.language == "c" else None  # (C: global regions)
    (headers, included, header_data), cplusplus = _headers(clang_tu, settings.args), settings.language != "c"
    state, defined = calls.thread_state([source.data, *header_data]), {f.name: f for f in every_function}
    summaries = _with_external(summarize(every_function, variables, called, volatiles, c_loops, state, cplusplus,
                                         weak_names([source.data, *header_data])), every_function, settings, clang_tu)
    for info in infos:
        info.loop.calls = calls.call_sites(info, source, summaries, cplusplus, state, defined)

    address_taken = {id(f): address_taken_in(f) for f in functions}
    plain = plain_globals(clang_tu.cursor, variables.names_made(Storage.STATIC_LOCAL)) \
        if settings.language == "c" else frozenset()
    bodies = BodyReader(source, affine, header_data)
    for root in (i for i in infos if i.parent is None):
        nest_infos = root.subtree()
        header_writes = {n.index for i in nest_infos if i.loop.canonical for n in i.header_write_nodes}
        nest = NestFacts(root.node, header_writes, address_taken[id(root.function)],
                         opaque_calls=calls.has_opaque_calls(root.loop.calls),
                         references=root.function.references,
                         captured_by_reference=frozenset(captured_by_reference(root.function)),
                         calls_write=calls.globals_written_by(root.loop.calls), plain_globals=plain)
        nest.scope_at = _scope_finder(nest, by_node)
        for info in nest_infos:
            bodies.body_facts(info, nest)

    # `randlc(&t1, a)`: a local scalar lent to a same-file function that reads and writes only `*p`
    # (C only: a C++ call's name may stand for several overloads, and summaries are kept by name)
    lent = {id(f): calls.lent_addresses(f, summaries) if settings.language == "c" else set() for f in functions}
    # a scalar whose address is only lent to such calls is a scalar like any other; a global's address
    # may be taken in any function (the keys of other functions' locals never meet this one's)
    escaping = set().union(*(escaping_addresses(f, lent.get(id(f), set())) for f in every_function),
                           initializer_addresses(clang_tu))
    for info in infos:  # `c[j] += v; j++;`: j is linear in the loop, its subscripts affine
        info.linear, refs = linear.linear_counters(info, escaping, settings.language)
        affine.linear_refs.update(refs)
    _collect_accesses(infos, by_node, source, variables, affine, summaries, set().union(*lent.values()))

    statics = StaticArrays(clang_tu, every_function, source, settings.language, whole_program, summaries)
    for info in infos:
        _variable_facts(info, variables, escaping, by_node, statics, volatiles, settings.language)
    pragmas.annotate(infos, functions, source, header_data)
    for info in infos:  # `if (level[u] < 0) { level[u] = d; next[n++] = u; }`
        info.loop.claims, info.loop.claim_problem = loop_claims(info, source, every_function, clang_tu.cursor,
                                                                whole_program, settings.language)

    facts = _call_site_facts(every_function, infos, source, whole_program, distinct, settings.language)
    if settings.language == "c":
        with_loops = {info.loop.function for info in infos}
        _mark_data_selected(summaries, data_selected_parameters(every_function, with_loops, source, whole_program))
    unit = TranslationUnit(path=path, language=settings.language, compile_args=settings.user_args,
                           build_vectorizes=settings.vectorizes, loops=[info.loop.frozen() for info in infos],
                           functions=summaries, diagnostics=diagnostics, strict_aliasing=settings.strict_aliasing, **facts,
                           **_unit_facts(source, settings, headers, header_data, infos), included=included,
                           whole_program=whole_program, switched_off=switched,
                           switchable=[] if switched else switched_off.switchable(infos, source, variables))
    _break_cycles(every_function, infos)
    return unit


def _unit_facts(source: Source, settings, headers: list[str], header_data: tuple[Optional[bytes], ...],
                infos: list[LoopInfo]) -> dict:
    """What the unit as a whole tells: the floating-point environment used (by the file or a header of
    its own) and the loops that compute with it, the headers of its own, and where the real compiler's
    preprocessor keeps other code than libclang's."""
    fp_environment = any(_FP_ENVIRONMENT.search(text) for text in [source.data, *header_data] if text is not None)
    itself = next((h for h in headers if _same_file(h, source.path)), None)
    return {"uses_fp_environment": fp_environment,
            "forks": any(text is None or _FORKS.search(text) is not None for text in [source.data, *header_data]),
            "floating_loops": [info.loop.id for info in infos if _computes_floating(info)] if fp_environment else [],
            "user_headers": headers,
            # (a file that includes itself compiles its loops again, under other macros, which no
            # analysis of its first reading sees: a recurrence in the second reading raced)
            "preprocessor_divergence": "the file includes itself, so its code is compiled again under other macros"
            if itself else divergence(source, settings.args, settings.written_args, settings.compiler, headers)}


def _same_file(first: str, second: str) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _headers(clang_tu, args: list[str]) -> tuple[list[str], list[str], tuple[Optional[bytes], ...]]:
    """(the files the translation unit includes that are no system headers, every file it includes),
    as absolute paths, and the bytes of the first (read once: errno, the floating-point environment,
    __COUNTER__ and pragma macros all look into them; None for one that cannot be read), with the
    command line's `-D` definitions last, as the `#define`s they are (`-DUNROLL=_Pragma(...)`)."""
    found, every = set(), set()
    for inclusion in clang_tu.get_includes():
        header = inclusion.include
        if header is None:
            continue
        every.add(os.path.abspath(header.name))
        if not cindex.SourceLocation.from_position(clang_tu, header, 1, 1).is_in_system_header:
            found.add(os.path.abspath(header.name))
    defined = _command_line_definitions(args)
    return sorted(found), sorted(every), tuple(header_texts(sorted(found))) + ((defined,) if defined else ())


def _command_line_definitions(args: list[str]) -> bytes:
    """`-DX=Y`, `-D X=Y` and `-DX` as the `#define X Y` lines they stand for."""
    lines = []
    for k, arg in enumerate(args):
        value = args[k + 1] if arg == "-D" and k + 1 < len(args) else arg[2:] if arg.startswith("-D") else None
        if value:
            name, _, body = value.partition("=")
            lines.append(f"#define {name} {body if '=' in value else '1'}\n")
    return "".join(lines).encode("utf-8", "surrogateescape")


# what reads or sets the floating-point environment, which is each thread's own (fenv.h, the SSE
# control and status register that x86 compilers expose, the x87 control word of fpu_control.h and
# the instructions an asm statement would spell)
_FP_ENVIRONMENT = re.compile(rb"\bfe(?:set|get|clear|test|raise|hold|update|enable|disable)[a-z]*\b|FENV_ACCESS|"
                             rb"\b(?:__builtin_ia32_ldmxcsr|__builtin_ia32_stmxcsr|_mm_setcsr|_mm_getcsr|_MM_SET_\w+|"
                             rb"_MM_GET_\w+|_FPU_SETCW|_FPU_GETCW|fldcw|fnstcw|fstcw|ldmxcsr|stmxcsr|fnclex|fnstsw|"
                             rb"fstsw)\b")


# what starts a child process that goes on running the program's code
_FORKS = re.compile(rb"\b(?:fork|vfork|_Fork|__fork|__libc_fork|daemon)\b")  # (also taken: `spawn = fork`)


def _computes_floating(info: LoopInfo) -> bool:
    """Whether the loop's code has an expression of a floating type or a call (which may compute one)."""
    return any(n.kind == K.CALL_EXPR or n.is_expression and n.type_kind in FLOATING_TYPES for n in info.node.walk())


def _call_site_facts(every_function: list, infos: list[LoopInfo], source: Source, whole_program: bool,
                     distinct: dict[str, list[tuple]], language: str) -> dict:
    """What the calls of this file say about the functions with loops, as TranslationUnit fields (and
    each loop's uses of the constants its function is always called with)."""
    with_loops = {info.loop.function for info in infos}
    constants = constant_arguments(every_function, with_loops, source)
    for info in infos:
        info.loop.constant_parameter_uses = parameter_uses(info, constants.get(info.loop.function, {}), source)
    with_pragmas = {info.loop.function for info in infos if info.loop.existing_pragma}
    return {"constant_arguments": constants,
            "call_site_values": call_site_values(every_function, with_loops, source, whole_program),
            "distinct_parameters": {name: [key[2] for key in keys] for name, keys in distinct.items()},
            "shared_pointer_calls": shared_pointer_calls(every_function, with_pragmas, source, language)}


def _with_external(summaries: dict, every_function: list, settings, clang_tu) -> dict:
    """The file's summaries, less those of its functions with internal linkage that another file
    wants (another file's calls never reach them), and with those given for functions other files
    define (C only: a C++ name may stand for several overloads), never for a name the unit itself
    defines or declares static (in a header too: its calls reach that one, not another file's).
    See autopar.frontend.external_summaries."""
    wanted = external_summaries.wanted_names()
    for f in every_function:
        if f.name in wanted and f.cursor.linkage != LinkageKind.EXTERNAL:
            summaries.pop(f.name, None)
    given = external_summaries.given_summaries()
    if given and settings.language == "c":
        defined = {f.name for f in every_function} | {
            c.spelling for c in clang_tu.cursor.get_children() if c.kind == K.FUNCTION_DECL and
            (c.is_definition() or c.linkage == LinkageKind.INTERNAL)}
        summaries.update({name: s for name, s in given.items() if name not in defined})
    return summaries


def _mark_data_selected(summaries: dict, selected: dict[str, list[str]]) -> None:
    """FunctionSummary.data_selected of each function that has such parameters (C only: a C++
    reference can change a caller's local unseen)."""
    for name, parameters in selected.items():
        if name in summaries:
            summaries[name] = summaries[name].model_copy(update={"data_selected": parameters})


def _collect_accesses(infos: list[LoopInfo], by_node: dict, source: Source, variables: Variables,
                      affine: AffineBuilder, summaries: dict, lent: set[int]) -> None:
    """Each loop's accesses, the element accesses it cannot name, and its calls' modelled arguments."""
    collector = accesses.AccessCollector(source, variables, affine)
    collector.summaries = summaries
    collector.lent = lent
    if infos and any(s.global_read_spans or s.global_write_spans for s in summaries.values()):
        collector.global_arrays = global_arrays(infos[0].function.cursor.translation_unit.cursor)
    for root in (i for i in infos if i.parent is None):
        found = collector.collect(root, by_node)
        for info in root.subtree():
            info.loop.accesses = [a for a in found if info.loop.id in a.enclosing_loops]
            scope = info.parent.scope() if info.parent is not None else Scope(info.nest, [])
            info.loop.entry_conditions = domain_conditions(affine, info.node, scope, info.function, source) + \
                exit_conditions(affine, info.node, scope, info.function, source)
    for loop_ids, text in collector.unmodelled:
        for info in infos:
            if info.loop.id in loop_ids and text not in info.loop.unmodelled_accesses:
                info.loop.unmodelled_accesses.append(text)
    if affine.cplusplus:
        _structured_bindings(infos)
    _bit_field_writes(infos)
    for info in infos:  # the arguments whose callee's regions are now accesses of the loop
        # calls of one macro expansion share its place: which of them the accesses pass modelled is
        # not known, so none of them is
        places = Counter((site.line, site.column) for site in info.loop.calls)
        info.loop.calls = [_with_modelled_arguments(site, collector, places[(site.line, site.column)] > 1)
                           for site in info.loop.calls]


def _bit_field_writes(infos: list[LoopInfo]) -> None:
    """A write of a bit-field (`t[i].a = ...` of `unsigned a : 16`) rewrites the memory location it
    shares with the bit-fields beside it (`t[i].b`), which the per-field model keeps apart: a loop
    that writes one cannot name all it touches."""
    for info in infos:
        function = info.function
        found = function.facts.get(("bit_field_writes", 0))
        if found is None:  # (offset, text) of each bit-field the function assigns, found once
            found = function.facts[("bit_field_writes", 0)] = []
            for node in function.nodes_of((K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR, K.UNARY_OPERATOR)):
                target = stored_operand(node)
                member = strip(target) if target is not None else None
                field = referenced(member) if member is not None and member.kind == K.MEMBER_REF_EXPR else None
                if field is not None and field.kind == K.FIELD_DECL and field.is_bitfield():
                    found.append((node.start, f"{field.spelling} (a bit-field: the bit-fields beside it share its memory)"))
        for start, text in found:
            if info.node.start <= start < info.node.end and text not in info.loop.unmodelled_accesses:
                info.loop.unmodelled_accesses.append(text)


def _structured_bindings(infos: list[LoopInfo]) -> None:
    """A name of a structured binding (`auto &[x, y] = p;`, in the function or at namespace scope) is
    memory of `p` that no access models: each loop that names one cannot name all it touches."""
    for info in infos:
        function = info.function
        found = function.facts.get(("bindings", 0))
        if found is None:  # (offset, name) of each use of a binding in the function, found once
            found = function.facts[("bindings", 0)] = [
                (node.start, node.cursor.spelling) for node in function.nodes_of((K.DECL_REF_EXPR,))
                if (target := referenced(node)) is not None and target.kind == K.UNEXPOSED_DECL]
        for start, name in found:
            text = f"{name} (a structured binding)"
            if info.node.start <= start < info.node.end and text not in info.loop.unmodelled_accesses:
                info.loop.unmodelled_accesses.append(text)


def _with_modelled_arguments(site: CallSite, collector: accesses.AccessCollector, shared_place: bool) -> CallSite:
    """The call site with the arguments the accesses pass modelled; a container's element call is pure
    only as an access of the loop: one the accesses pass did not model (`v[i].x`, an element used as
    an array) stays an unknown call. `shared_place`: another call of the loop has its line and column
    (one macro expansion): nothing is taken as modelled."""
    place = (site.line, site.column)
    effect = site.effect
    if effect == CallEffect.PURE and site.callee.endswith(("::operator[]", "::at")) and \
            (place not in collector.container_elements or shared_place):
        effect = CallEffect.UNKNOWN
    modelled = [] if shared_place else sorted(k for line, column, k in collector.modelled if (line, column) == place)
    arrays = [] if shared_place else sorted(g for line, column, g in collector.modelled_globals
                                            if (line, column) == place)
    return site.model_copy(update={"modelled_arguments": modelled, "modelled_globals": arrays, "effect": effect})


def _break_cycles(functions, infos: list[LoopInfo]) -> None:
    """Unlink the passes' trees (a node and its parent, a loop and its inner loops, a nest and the
    closure that finds scopes in it) so that reference counting frees them as soon as the front end
    returns. Left to the garbage collector, its first full pass afterwards scans every node, cursor
    and type object of the file (0.3 s for a 3,600-line solver) to find them."""
    for info in infos:
        if info.nest is not None:
            info.nest.scope_at = None
        info.parent, info.children, info.root, info.nest, info._scope = None, [], None, None, None
    for function in functions:
        for node in function._nodes:
            node.parent = None
            node.tree = None
        function._nodes = []
        function._by_kind = None
        function.facts = {}
        function._references = None


def _scope_finder(nest: NestFacts, by_node: dict[int, LoopInfo]):
    """Scope(nest, the canonical loops around `node`) for a node of the nest."""
    def scope_at(node):
        child = node
        for ancestor in node.ancestors():
            info = by_node.get(id(ancestor))
            if info is not None and child is not info.init:
                return Scope(nest, info.canonical_scope(), info.node, info.canonical_walks())
            child = ancestor
        return Scope(nest, [])
    return scope_at



