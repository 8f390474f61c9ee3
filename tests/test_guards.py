"""The comparisons a conditional write runs under (autopar/frontend/guards.py) and the dependences they
rule out (autopar/deps/guards.py); the compiled and race-checked loops are in the catalogue
(tests/catalogue/depth_guards.c)."""

from __future__ import annotations

from autopar.decision.pipeline import analyze_tu, load_translation_unit

SOURCE = """
#define LESS(a, b) ((a) < (b))
int d[1000], adj[1000];
void relax(int n, int u) {
    for (int v = 0; v < n; v++) {
        int w = adj[v];
        if (w > 0 && d[u] + w < d[v])
            d[v] = d[u] + w;
    }
}
/* both elements spelled inside one macro call start where it does: not told apart, so kept serial */
void relax_macro(int n, int u) {
    for (int v = 0; v < n; v++) {
        int w = adj[v];
        if (w > 0 && LESS(d[u] + w, d[v]))
            d[v] = d[u] + w;
    }
}
/* the weight is read again in a second condition, after a write that may change it: two values */
void relax_nested(int n, int u) {
    for (int v = 0; v < n; v++) {
        int w = adj[v];
        if (w > 0) {
            w = w - 2;
            if (d[u] + w < d[v])
                d[v] = d[u] + w;
        }
    }
}
/* a call in the condition may change anything it reads */
int tick(void);
void relax_call(int n, int u) {
    for (int v = 0; v < n; v++) {
        int w = adj[v];
        if (w > 0 && d[u] + w + tick() < d[v])
            d[v] = d[u] + w;
    }
}
"""


def _loops(tmp_path):
    path = tmp_path / "guards.c"
    path.write_text(SOURCE)
    tu = load_translation_unit(str(path))
    analysis = analyze_tu(tu)
    verdicts = {l.function: next(v for v in analysis.nest_of(l.id).verdicts if v.loop_id == l.id) for l in tu.loops}
    return tu, verdicts


def test_the_write_records_the_comparisons_of_its_condition(tmp_path):
    tu, _ = _loops(tmp_path)
    loop = next(l for l in tu.loops if l.function == "relax")
    write = next(a for a in loop.accesses if a.is_write)
    guard = {(tuple(sorted(c.coefficients.items())), c.constant, c.op) for c in write.guard}
    reads: dict[str, str] = {}
    for a in loop.accesses:  # the condition's reads come first
        if not a.is_write:
            reads.setdefault(a.text, f"element:{a.line}:{a.column}")
    # w > 0 is 0 < w, i.e. -w < 0; d[u] + w < d[v] is d[u] + w - d[v] < 0
    assert guard == {((("scalar:w", -1),), 0, "<"),
                     (tuple(sorted({reads["d[u]"]: 1, "scalar:w": 1, reads["d[v]"]: -1}.items())), 0, "<")}


def test_only_a_condition_that_cannot_hold_where_the_elements_meet_removes_the_dependence(tmp_path):
    _, verdicts = _loops(tmp_path)
    assert verdicts["relax"].parallelizable
    for kept in ("relax_macro", "relax_nested", "relax_call"):
        assert not verdicts[kept].parallelizable, kept
        assert any("d[u]" in r or "d[v]" in r or "line" in r for r in verdicts[kept].reasons), kept
