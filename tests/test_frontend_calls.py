"""The calls pass: each call's side-effect class, and summaries of same-file functions."""

from __future__ import annotations

import os

import pytest

from autopar.ir import CallEffect
from autopar.frontend.translate import translate

DATA = os.path.join(os.path.dirname(__file__), "data", "frontend")


@pytest.fixture(scope="module")
def tu():
    return translate(os.path.join(DATA, "calls.c"), [])


def _site(tu, callee):
    kernel = next(l for l in tu.loops if l.function == "kernel")
    return next(c for c in kernel.calls if c.callee == callee)


def test_parses_cleanly(tu):
    assert not tu.has_errors, tu.diagnostics


@pytest.mark.parametrize("callee, effect", [
    ("sqrt", CallEffect.PURE), ("fabs", CallEffect.PURE), ("fmax", CallEffect.PURE),
    ("printf", CallEffect.IO), ("malloc", CallEffect.ALLOCATION), ("free", CallEffect.ALLOCATION),
    ("rand", CallEffect.RANDOM), ("external", CallEffect.UNKNOWN), ("fp", CallEffect.UNKNOWN),
    ("square", CallEffect.SAME_TU), ("record", CallEffect.SAME_TU),
])
def test_effect_classes(tu, callee, effect):
    assert _site(tu, callee).effect == effect


def test_call_sites_have_positions_and_arguments(tu):
    site = _site(tu, "fmax")
    assert (site.line, site.column, site.arguments) == (20, 35, ["a[i]", "1.0"])
    kernel = next(l for l in tu.loops if l.function == "kernel")
    assert [c.callee for c in kernel.calls][:3] == ["sqrt", "fabs", "fmax"]


def test_summaries_of_same_file_functions(tu):
    square = _site(tu, "square").summary
    assert square.is_side_effect_free
    weighted = tu.functions["weighted"]
    assert weighted.reads_globals == ["weights"] and weighted.is_side_effect_free
    record = tu.functions["record"]
    assert record.writes_globals == ["hits", "weights"] and not record.is_side_effect_free
    fill = tu.functions["fill"]
    assert fill.writes_through_params == [0] and fill.reads_through_params == []


def test_summaries_are_transitive(tu):
    twice = tu.functions["fill_twice"]  # writes dst through fill(dst, n), reads src itself
    assert twice.calls == ["fill"]
    assert twice.writes_through_params == [0] and twice.reads_through_params == [1]
    assert tu.functions["calls_chatty"].effect == CallEffect.IO  # through chatty() -> puts
    assert _site(tu, "calls_chatty").summary.effect == CallEffect.IO


def test_writes_through_local_pointers_are_traced_to_their_origin(tmp_path):
    source = tmp_path / "origins.c"
    source.write_text(
        "#include <stdlib.h>\n"
        "double *g_buf;\n"
        "double *next(void);\n"
        "static void via_param(double *dst, int n) { double *d = dst + 1; for (int i = 0; i < n; i++) *d++ = 0; }\n"
        "static void via_global(void) { double *d = g_buf; d[0] = 1; }\n"
        "static void via_malloc(void) { double *d = malloc(8); d[0] = 1; free(d); }\n"
        "static void via_unknown(void) { double *d = next(); d[0] = 1; }\n"
        "static void via_local(void) { double t[4]; double *d = t; d[1] = 2; }\n"
        "static void via_struct(double *out) { struct { double v; } s; s.v = 1; out[0] = s.v; }\n"
        "void loop(double *a, int n) {\n"
        "  for (int i = 0; i < n; i++) {\n"
        "    via_param(a, n); via_global(); via_malloc(); via_unknown(); via_local(); via_struct(a + i);\n"
        "  }\n"
        "}\n")
    functions = translate(str(source), []).functions
    assert functions["via_param"].writes_through_params == [0] and functions["via_param"].effect == CallEffect.PURE
    assert functions["via_global"].writes_globals == ["g_buf"]
    assert functions["via_malloc"].effect == CallEffect.ALLOCATION and not functions["via_malloc"].writes_globals
    assert functions["via_unknown"].effect == CallEffect.UNKNOWN
    assert functions["via_local"].is_side_effect_free
    assert functions["via_struct"].writes_through_params == [0] and not functions["via_struct"].writes_globals
