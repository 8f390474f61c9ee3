"""Dependence analysis: hand-built IR for exact cases, and real C through the front end."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "catalogue"))

from irbuild import Builder, var  # noqa: E402

from autopar.deps import analysis, dependence_graph, object_bounds, overlap_check  # noqa: E402
from autopar.ir import Storage  # noqa: E402
from autopar.decision.pipeline import load_translation_unit  # noqa: E402


def carried(graph, loop_id):
    return sorted((e.kind, e.distance, e.exact) for e in graph.carried_by(loop_id))


def one_loop(lower="0", upper="n", cmp="<", step=1, restrict=True):
    b = Builder()
    a = var("a", restrict=restrict)
    loop = b.loop("i", lower, upper, cmp=cmp, step=step)
    return b, a, loop


def test_flow_dependence_distance_one():
    b, a, loop = one_loop(lower="1")
    b.access(loop, a, ["i-1"], False)
    b.access(loop, a, ["i"], True, stmt=b.stmt)
    g = dependence_graph(b.tu, loop.id)
    assert carried(g, loop.id) == [("flow", "1", True)]
    assert "carried by i, distance 1" in g.carried_by(loop.id)[0].reason


def test_anti_and_output_dependences():
    b, a, loop = one_loop()
    b.access(loop, a, ["i+1"], False)
    b.access(loop, a, ["i"], True, stmt=b.stmt)
    assert carried(dependence_graph(b.tu, loop.id), loop.id) == [("anti", "1", True)]
    b, a, loop = one_loop()
    b.access(loop, a, ["i"], True)
    b.access(loop, a, ["i+2"], True)
    kinds = carried(dependence_graph(b.tu, loop.id), loop.id)
    assert ("output", "2", True) in kinds


def test_symbolic_distance():
    b, a, loop = one_loop()
    b.access(loop, a, ["i"], False)
    b.access(loop, a, ["i+m"], True, stmt=b.stmt)
    distances = {e.distance for e in dependence_graph(b.tu, loop.id).carried_by(loop.id)}
    assert "m" in distances


def test_symbolic_offset_beyond_the_bound_is_independent():
    b, a, loop = one_loop()
    b.access(loop, a, ["i+n"], False)
    b.access(loop, a, ["i"], True, stmt=b.stmt)
    assert carried(dependence_graph(b.tu, loop.id), loop.id) == []


def test_step_two_even_writes_odd_reads_are_independent():
    b, a, loop = one_loop(step=2)
    b.access(loop, a, ["i+1"], False)
    b.access(loop, a, ["i"], True, stmt=b.stmt)
    assert carried(dependence_graph(b.tu, loop.id), loop.id) == []
    b, a, loop = one_loop(lower="2", step=2)
    b.access(loop, a, ["i-2"], False)
    b.access(loop, a, ["i"], True, stmt=b.stmt)
    assert carried(dependence_graph(b.tu, loop.id), loop.id) == [("flow", "1", True)]


def test_negative_step_direction():
    # for (i = n-2; i >= 0; i--) a[i] = a[i+1]: a[i+1] was written one iteration earlier
    b, a, loop = one_loop(lower="n-2", upper="0", cmp=">=", step=-1)
    b.access(loop, a, ["i+1"], False)
    b.access(loop, a, ["i"], True, stmt=b.stmt)
    assert carried(dependence_graph(b.tu, loop.id), loop.id) == [("flow", "1", True)]


def test_linearised_subscripts_delinearise():
    b = Builder()
    a = var("a", restrict=True)
    outer = b.loop("i", "0", "n")
    inner = b.loop("j", "0", "n", parent=outer)
    b.access(inner, a, ["i*n+j"], False)
    b.access(inner, a, ["i*n+j"], True, stmt=b.stmt)
    an = analysis(b.tu, outer.id)
    model = an.model.objects[next(iter(an.model.objects))].accesses[0]
    assert model.dims == [{"i": 1}, {"j": 1}]
    assert carried(an.graph, outer.id) == [] and carried(an.graph, inner.id) == []


def test_linearised_row_overlap_is_not_delinearised():
    b = Builder()
    a = var("a", restrict=True)
    outer = b.loop("i", "0", "n")
    inner = b.loop("j", "0", "m", parent=outer)
    b.access(inner, a, ["i*n+j"], True)
    g = dependence_graph(b.tu, outer.id)
    edges = g.carried_by(outer.id)
    assert edges and not edges[0].exact and "j may leave [0, n)" in edges[0].reason


def test_indirect_write_is_an_unknown_edge_and_indirect_read_is_not():
    b, a, loop = one_loop()
    b.access(loop, a, ["idx[i]"], True, nonaffine="indirect subscript idx[i]")
    edges = dependence_graph(b.tu, loop.id).carried_by(loop.id)
    assert edges and all(not e.exact for e in edges)
    assert "indirect subscript idx[i]" in edges[0].reason
    b, a, loop = one_loop()
    c = var("c", restrict=True)
    b.access(loop, a, ["idx[i]"], False, nonaffine="indirect subscript idx[i]")
    b.access(loop, c, ["i"], True)
    assert dependence_graph(b.tu, loop.id).carried_by(loop.id) == []


def test_aliasing_pointers_and_their_runtime_check():
    b, a, loop = one_loop(restrict=False)
    src = var("src")
    b.access(loop, src, ["i"], False)
    b.access(loop, a, ["i"], True, stmt=b.stmt)
    an = analysis(b.tu, loop.id)
    edges = an.graph.carried_by(loop.id)
    assert edges and all(e.alias for e in edges)
    objects = {o.path: o for o in an.model.objects.values()}
    assert object_bounds(objects["a"]) == ("(const char *)(a)", "(const char *)(a + n)", [])
    assert overlap_check([(objects["a"], objects["src"])]) == \
        "(const char *)(a + n) <= (const char *)(src) || (const char *)(src + n) <= (const char *)(a)"


def test_restrict_and_distinct_arrays_do_not_alias():
    b, a, loop = one_loop(restrict=True)
    src = var("src")
    b.access(loop, src, ["i"], False)
    b.access(loop, a, ["i"], True, stmt=b.stmt)
    assert dependence_graph(b.tu, loop.id).carried_by(loop.id) == []
    b = Builder()
    loop = b.loop("i", "0", "100")
    g1 = var("g1", Storage.GLOBAL, "double[100]", dims=["100"])
    g2 = var("g2", Storage.GLOBAL, "double[100]", dims=["100"])
    b.access(loop, g1, ["i"], False)
    b.access(loop, g2, ["i"], True, stmt=b.stmt)
    assert dependence_graph(b.tu, loop.id).carried_by(loop.id) == []


def test_triangular_nest_is_exact():
    # for i, for j in (i, n): a[j][i] written, a[i][j] read: never the same element across i
    b = Builder()
    a = var("a", restrict=True)
    outer = b.loop("i", "0", "n")
    inner = b.loop("j", "i+1", "n", parent=outer)
    b.access(inner, a, ["i*n+j"], False)
    b.access(inner, a, ["j*n+i"], True, stmt=b.stmt)
    g = dependence_graph(b.tu, outer.id)
    assert carried(g, outer.id) == [] and carried(g, inner.id) == []


def test_dot_export_names_edges():
    b, a, loop = one_loop(lower="1")
    b.access(loop, a, ["i-1"], False)
    b.access(loop, a, ["i"], True, stmt=b.stmt)
    dot = dependence_graph(b.tu, loop.id).to_dot()
    assert dot.startswith("digraph") and "flow" in dot and "d=1" in dot


@pytest.fixture
def c_file(tmp_path):
    def write(text: str) -> str:
        path = tmp_path / "k.c"
        path.write_text(text)
        return str(path)
    return write


def test_real_c_coupled_subscripts(c_file):
    tu = load_translation_unit(c_file("""
double t[32][32];
void f(void) {
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++)
            t[i][j] = t[j][i] + 1.0;
}
"""))
    outer, inner = tu.loops
    g = dependence_graph(tu, outer.id)
    assert {e.kind for e in g.carried_by(outer.id)} == {"flow", "anti"}
    assert dependence_graph(tu, inner.id).carried_by(inner.id) == []


def test_real_c_local_array_declared_in_the_body_is_fresh(c_file):
    tu = load_translation_unit(c_file("""
void f(double *restrict out, int n) {
    for (int i = 0; i < n; i++) {
        double tmp[4];
        for (int k = 0; k < 4; k++) tmp[k] = i + k;
        out[i] = tmp[0] + tmp[3];
    }
}
"""))
    root = tu.loops[0]
    assert dependence_graph(tu, root.id).carried_by(root.id) == []


def test_real_c_pointer_may_point_to_a_global_scalar(c_file):
    tu = load_translation_unit(c_file("""
double scale;
void f(double *p, int n) { for (int i = 0; i < n; i++) p[i] = p[i] * scale; }
void g(double *restrict p, int n) { for (int i = 0; i < n; i++) p[i] = p[i] * scale; }
"""))
    plain, restricted = tu.loops
    edges = dependence_graph(tu, plain.id).carried_by(plain.id)
    assert edges and all(e.alias and not e.exact for e in edges)
    assert "p may point to the global scale" in edges[0].reason
    assert dependence_graph(tu, restricted.id).carried_by(restricted.id) == []


def test_square_of_the_row_length_delinearises():
    # grid[j] and grid[(n - 1) * n + j]: the first and the last row never overlap for n > 1
    b = Builder()
    g = var("grid", restrict=True)
    loop = b.loop("j", "0", "n")
    b.access(loop, g, ["j"], True)
    b.access(loop, g, ["n*n-n+j"], True)
    an = analysis(b.tu, loop.id)
    models = next(iter(an.model.objects.values())).accesses
    assert [m.dims for m in models] == [[{}, {"j": 1}], [{"n": 1, "": -1}, {"j": 1}]]
    assert an.graph.carried_by(loop.id) == []


def test_dot_export_is_valid_graphviz(c_file, tmp_path):
    import shutil
    import subprocess

    if not shutil.which("dot"):
        pytest.skip("graphviz is not installed")
    tu = load_translation_unit(c_file("""
double g;
void f(double *p, double *q, int *idx, int n) {
    for (int i = 1; i < n; i++) { p[i] = p[i - 1] + q[idx[i]] * g; q["x"[0] + i] = 1; }
}
"""))
    dot = dependence_graph(tu, tu.loops[0].id).to_dot()
    out = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "<svg" in out.stdout


def test_interval_range_bounds_subscripts_isl_cannot_model(c_file):
    from autopar.deps import interval_range, object_ranges

    tu = load_translation_unit(c_file("""
void f(const float *in, float *out, int w, int pool, int ow) {
    for (int x = 0; x < ow; x++)
        out[x] = in[x * pool] + in[x * pool + pool - 1];
}
"""))
    an = analysis(tu, tu.loops[0].id)
    objects = {o.path: o for o in an.model.objects.values()}
    second = objects["in"].accesses[1]
    assert second.access.text == "in[x * pool + pool - 1]"
    # x*pool + pool - 1 lies in [pool - 1, ow*pool - 1] when pool > 0
    assert interval_range(second) == ({(): -1, ("pool",): 1}, {(): -1, ("ow", "pool"): 1}, {"pool"})
    ranges, conditions = object_ranges(objects["in"])
    assert conditions == ["pool > 0"] and ranges[0][0] == "(const char *)(in - 1)"


def test_real_c_a_name_an_outer_loop_assigns_is_a_parameter_only_inside(c_file):
    """`s` is assigned (or declared) by the outer loop's body, not by j: a parameter of j, and variant
    for i, whose rows overlap (s = off[i] may repeat)."""
    tu = load_translation_unit(c_file("""
void f(double *restrict a, const int *restrict off, int n, int m) {
    int s = 0;
    for (int i = 0; i < n; i++) {
        s = off[i];
        for (int j = 0; j < m; j++)
            a[s + j] = a[s + j] * 0.5;
    }
}

void g(double *restrict a, const int *restrict off, int n, int m) {
    for (int i = 0; i < n; i++) {
        int s = off[i];
        for (int j = 0; j < m; j++)
            a[s + j] = a[s + j] * 0.5;
    }
}

void h(double *restrict a, int n, int m) {
    int s = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[s + j] = a[s++] * 0.5;
}
"""))
    for name in ("f", "g"):
        outer, inner = [l for l in tu.loops if l.function == name]
        write = next(a for a in inner.accesses if a.is_write)
        assert write.subscripts[0].affine.coefficients == {"j": 1, "s": 1}
        assert dependence_graph(tu, inner.id).carried_by(inner.id) == []
        assert dependence_graph(tu, outer.id).carried_by(outer.id)  # s changes with i: rows may overlap
    outer, inner = [l for l in tu.loops if l.function == "h"]
    write = next(a for a in inner.accesses if a.is_write)
    assert write.subscripts[0].affine is None and "s" in write.subscripts[0].non_affine_reason
    assert dependence_graph(tu, inner.id).carried_by(inner.id)
