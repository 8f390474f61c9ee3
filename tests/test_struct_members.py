"""Fields of struct arrays: the front end's `Access.member_offset` and the merged object the
dependence model makes of a struct array's fields (autopar.deps.accesses.merged_object_keys)."""

from __future__ import annotations

import pytest

from autopar.deps import analysis
from autopar.frontend.translate import translate

SOURCE = """\
typedef struct { double real, imag; } dcomplex;
struct in { int a; short b; };
struct out { char c; struct in s; double d; unsigned bf : 3; double v[4]; struct in *next; };
union u { int i; float f; };
struct withu { int k; union u w; };
struct anon { int h; struct { int p, q; }; };
struct base { int b0; };
dcomplex g1[64]; dcomplex g[64][16]; struct out o[10]; struct withu wu[10]; struct anon an[10];
union u us[10];
struct holder { double arr[8]; } s;
void f(dcomplex *y, struct out *po, char *raw, int n) {
  for (int j = 0; j < n; j++) {
    g1[j].real = g[j][1].imag; y[j].imag = 1; o[j].s.b = o[j].d; o[j].bf = 1; o[j].v[1] = 2;
    wu[j].w.i = 3; wu[j].k = 4; an[j].q = 5; s.arr[j] = 1; po->d = 2; (*po).d = 3; (y + j)->real = 4;
    ((struct out *)raw)[j].d = 5; o[j].s = o[j + 1].s; y[j] = y[j + 1]; us[j].i = 6; o[j].next = 0;
  }
}
void merged(int n) {
  for (int j = 1; j < n; j++)
    for (int i = 0; i < 16; i++)
      g[j][i].real = g[j - 1][i].imag + g[j][i].real;
}
void kept(int n) {
  for (int j = 1; j < n; j++) {
    g1[j].real = g1[j].imag;
    g1[j - 1] = g1[j];
  }
}
"""


@pytest.fixture(scope="module")
def tu(tmp_path_factory):
    path = tmp_path_factory.mktemp("members") / "members.c"
    path.write_text(SOURCE)
    unit = translate(str(path), [])
    assert not unit.has_errors, unit.diagnostics
    return unit


def _offsets(loop) -> dict[tuple[str, bool], object]:
    return {(a.text, a.is_write): a.member_offset for a in loop.accesses}


def test_fields_after_all_subscripts_have_their_offset(tu):
    found = _offsets(tu.loops[0])
    assert found[("g1[j].real", True)] == 0
    assert found[("g[j][1].imag", False)] == 8
    assert found[("y[j].imag", True)] == 8
    assert found[("o[j].d", False)] == 16
    assert found[("o[j].s.b", True)] == 8  # s at 4 (after the char, aligned for int), b at 4 in s
    assert found[("(*po).d", True)] == 16  # po[0].d
    assert found[("o[j].next", True)] == 64  # a pointer field (after v[4] at 32): the pointer itself
    assert found[("wu[j].k", True)] == 0  # a struct field beside a union member


@pytest.mark.parametrize("text, write", [
    ("o[j].bf", True),  # a bit-field
    ("o[j].v[1]", True),  # an array member: a subscript after the member
    ("wu[j].w.i", True),  # through a union
    ("us[j].i", True),  # a union element
    ("an[j].q", True),  # a field of an anonymous struct member
    ("s.arr[j]", True),  # the member before the subscript
    ("po->d", True),  # through ->
    ("(y + j)->real", True),
    ("((struct out *)raw)[j].d", True),  # an element reached through a cast
    ("o[j].s", True),  # a whole struct field
    ("o[j + 1].s", False),
    ("y[j]", True),  # a whole element
])
def test_other_accesses_have_none(tu, text, write):
    assert _offsets(tu.loops[0])[(text, write)] is None


def test_a_struct_arrays_fields_are_one_object_with_the_offset_last(tu):
    loop = next(l for l in tu.loops if l.function == "merged" and l.parent is None)
    an = analysis(tu, loop.id)
    assert [o.path for o in an.model.objects.values()] == ["g"]
    obj = next(iter(an.model.objects.values()))
    assert obj.merged and obj.kind == "array"
    dims = {m.access.text: m.dims for m in obj.accesses}
    assert dims["g[j][i].real"] == [{"j": 1}, {"i": 1}, {}]
    assert dims["g[j - 1][i].imag"] == [{"j": 1, "": -1}, {"i": 1}, {"": 8}]
    # g[j][i].real only meets itself: no edge carried by j (the imag read is another field)
    assert not [e for e in an.graph.carried_by(loop.id)]


def test_a_whole_element_joins_the_fields_without_telling_them_apart(tu):
    """`g1[j - 1] = g1[j]` beside `g1[j].real`: one object of the root's elements, whose accesses all
    get offset 0 (a whole element touches every field): the copy into the previous element meets
    the reads of that element's fields in the iteration before (FT's evolve copies whole elements)."""
    loop = next(l for l in tu.loops if l.function == "kept")
    an = analysis(tu, loop.id)
    assert [o.path for o in an.model.objects.values()] == ["g1"] and all(o.merged for o in an.model.objects.values())
    assert {tuple(map(str, m.dims[-1:])) for o in an.model.objects.values() for m in o.accesses} == {("{}",)}
    assert an.graph.carried_by(loop.id)


COLLIDING_TAGS = """
double f(double *v, int n) {
    struct S { double a; double b; };
    struct S u = { v[0], v[1] }, w;
    w = u;
    return w.a + w.b + n;
}
void g(double *restrict x, const double *restrict y, int n) {
    struct S { double *p; };
    struct S s, t;
    s.p = x;
    t = s;
    for (int i = 0; i < n; i++)
        t.p[i + 1] = x[i] + y[i];
}
"""


def test_a_struct_of_numbers_is_told_from_another_of_its_tag(tmp_path):
    """Two functions each declare their own `struct S`: the first holds numbers only, the second a
    pointer. Judged by the spelling `struct S`, the copy `t = s` seemed to carry no address, so t.p
    was not based on the restrict x and the loop ran in parallel with no check (found by review)."""
    from autopar.decision.pipeline import analyze_file

    path = tmp_path / "collide.c"
    path.write_text(COLLIDING_TAGS)
    loop = next(l for l in analyze_file(str(path)).report.loops if l.function == "g")
    assert not loop.parallel or loop.proof == "runtime-check", loop.pragma
