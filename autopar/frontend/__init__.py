"""The libclang front end. One pass per module; each reads the AST and returns IR from autopar.ir.

- parse:    reads the file (binary input is refused; bytes that are not UTF-8 read as `?`, one for one),
            works out the flags (command line or compile_commands.json), finds builtin headers,
            runs libclang without -fopenmp.
- compdb:   compile_commands.json, read once: each entry's absolute directory, file and command
            (`autopar check` and `tune` list a project's files with it too).
- ast:      a light tree over the cursors of one function, walked once; shared helpers.
- functions: the functions the main file defines, each with its Node tree built on first use.
- variables: `Variable`s built once from declarations, keyed to tell shadowed names apart.
- loops:    every `for` loop of the main file: position, nesting, the parts of its header.
- loop_header: each loop header's canonical form, or why it has none.
- loop_body: what each loop body writes, break/return/goto/continue/throw, whether its text can be
            copied; the affine bounds.
- nest_facts: what a loop nest writes, and so what each name is at a point in it (an induction
            variable, a symbol, neither). A symbol is an integer variable that the nest cannot change:
            not assigned in it, and, for a global or a local whose address escapes, not writable
            through a pointer store of its type (or of char) or an opaque call.
- affine:   affine expressions over induction variables and symbols.
- accesses: every element or pointee read and write, with subscripts.
- access_chains: an lvalue as a chain (root, subscripts, member path) for accesses; C++ references
            and local row pointers (`T *row = a + i * n`, never reassigned) are resolved to the object
            they name.
- member_paths: what a chain's member path says: a field's byte offset, a whole struct element, the
            extents of the member arrays its subscripts index.
- calls:    each call's side-effect class.
- summaries: what the same-file functions a call reaches read and write (param_regions: the
            elements they touch through pointer parameters).
- constant_arguments: integer parameters every call passes the same small constant, and their uses.
- row_tables: multi-level pointers whose rows are allocations of their own, indexed like arrays;
            carved_rows: rows cut from one block instead (the block's proof; the check is deps').
- noalias:  pointer parameters proven distinct at every call; entry_pointers: pointers that enter with
            the call; pointer_shapes: pointers to rows whose sizes stay fixed (all three read
            per-function facts from pointer_facts).
- scalars:  how each scalar is used: first access on every path, reductions, liveness after the loop.
- omp_pragmas: the one reader of existing omp pragmas in the text (`#pragma omp`, `_Pragma("omp")`):
            which statement each applies to, its words and clauses, and whether a file has any.
            The standard library only: autopar-cc, the rewriter and `check` read pragmas with it too.
- pragmas:  existing `#pragma omp` lines and `autopar: off` comments, read from the text.
- translate: `translate(path, flags, build_dir)` runs them in order; `FrontendError` for unusable input.

No libclang cursor ever leaves this package.
"""
