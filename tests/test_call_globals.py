"""Calls whose callee indexes file-scope arrays (autopar.frontend.param_regions.global_regions): the
array must be one object to the analysis wherever it is named, or the call stays a blocker."""

from __future__ import annotations

import pytest

from analyzed import loops_of

HEAD = "#define M 2000\ndouble R[M], A[M], B[M];\n"


@pytest.mark.parametrize("name, text", [
    # a block-scope extern in the caller: its R would be another object than the call's
    ("c", "static void setr(int i) { R[i] = A[i] * 2.0; }\n"
          "void f(int n) {\n    extern double R[M];\n    for (int i = 0; i < n; i++) {\n        setr(i);\n"
          "        B[i] = R[n - 1 - i];\n    }\n}\n"),
    # a static local of the same name in the callee: its writes would lose their blocker
    ("c", "static void s(int i) {\n    R[i] = A[i] * 2.0;\n    {\n        static double R[1];\n        R[0] += A[i];\n"
          "        B[i] = R[0];\n    }\n}\nvoid f(int n) {\n    for (int i = 0; i < n; i++)\n        s(i);\n}\n"),
    # a block-scope extern in the callee, written at another element
    ("c", "static void s(int i) {\n    R[i] = A[i];\n    {\n        extern double R[M];\n        R[i + 1] += 1.0;\n"
          "    }\n}\nvoid f(int n) {\n    for (int i = 0; i < n - 1; i++)\n        s(i);\n}\n"),
    # the callee names the `extern` before the definition, the loop the definition: two objects
    ("c", "extern double Q[M];\nstatic void setq(int i) { Q[i] = A[i] * 2.0; }\ndouble Q[M];\n"
          "void f(int n) {\n    for (int i = 0; i < n; i++) {\n        setq(i);\n        B[i] = Q[n - 1 - i];\n"
          "    }\n}\n"),
    # C++: a static member declared in its class and defined outside it
    ("cpp", "static void setr(int i);\nstruct K {\n    static double Q[M];\n    static void f(int n) {\n"
            "        for (int i = 0; i < n; i++) {\n            setr(i);\n            B[i] = Q[n - 1 - i];\n"
            "        }\n    }\n};\ndouble K::Q[M];\nstatic void setr(int i) { K::Q[i] = A[i] * 2.0; }\n"),
])
def test_a_second_declaration_keeps_the_call_a_blocker(tmp_path, name, text):
    loops = loops_of(tmp_path, HEAD + text, f"g.{name}")
    calling = [l for l in loops if l.depth == 0 and l.function in ("f", "K::f", "f()")]
    assert calling and not any(l.parallel for l in calling), [(l.function, l.pragma) for l in loops]


def test_a_plain_global_array_is_judged_by_its_elements(tmp_path):
    text = HEAD + "static void setr(int i) { R[i] = A[i] * 2.0; }\n" \
                  "void f(int n) {\n    for (int i = 0; i < n; i++)\n        setr(i);\n}\n"
    loop = [l for l in loops_of(tmp_path, text, "g.c") if l.function == "f"][0]
    assert loop.parallelizable and "writes the global" not in " ".join(loop.reasons)


def test_an_extern_before_the_definition_is_one_array_when_every_reference_names_the_definition(tmp_path):
    """NAS style: `extern` declarations in a header, the definitions in the file, every function after
    them: the callee and the loop name one declaration, and the dependence between them is found."""
    text = ("#define M 2000\nextern double R[M], A[M];\ndouble R[M], A[M], B[M];\n"
            "static void setr(int i) { R[i] = A[i] * 2.0; }\n"
            "void f(int n) {\n    for (int i = 0; i < n; i++)\n        setr(i);\n}\n"
            "void g(int n) {\n    for (int i = 0; i < n; i++) {\n        setr(i);\n        B[i] = R[n - 1 - i];\n    }\n}\n")
    loops = {l.function: l for l in loops_of(tmp_path, text, "e.c") if l.depth == 0}
    assert loops["f"].parallelizable
    assert not loops["g"].parallelizable and "R[n - 1 - i]" in " ".join(loops["g"].reasons)
