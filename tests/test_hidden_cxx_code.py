"""C++ runs code where the text shows no call, and a loop that reaches it is not parallel: the cast
that throws (`dynamic_cast<D &>`, `typeid(*p)`; an exception never leaves a parallel region), a
static local set from its first call's argument, the destructors of an array's elements and of a
callee's locals, a default member initializer, the constructor of a member or a base that an
aggregate's `{}` or a constructor runs first. Each of these programs printed another result (or
ended in std::terminate) at 4 threads. And no directive may appear in a constexpr function."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from autopar.decision.pipeline import analyze_file

DATA = Path(__file__).parent / "data" / "hidden_cxx"

# file -> (line of the loop that must stay serial, what its reason names)
SERIAL = {
    "dynamic_cast.cpp": (9, "throw"),
    "dynamic_cast_in_callee.cpp": (8, "weight"),
    "typeid.cpp": (10, "throw"),
    "static_from_first_call.cpp": (7, "first"),
    "destructor_of_array.cpp": (11, "Tick::~Tick"),
    "destructor_in_callee.cpp": (14, "weigh"),
    "default_member_initializer.cpp": (10, "Ticket::id (its default member initializer)"),
    "member_constructor.cpp": (8, "Id::Id"),
    "base_constructor.cpp": (8, "Numbered::Numbered"),
    "constexpr.cpp": (4, "constexpr"),
}


@pytest.mark.parametrize("name", sorted(SERIAL))
def test_a_loop_that_reaches_hidden_code_stays_serial(name):
    line, named = SERIAL[name]
    loop, = [l for l in analyze_file(str(DATA / name)).report.loops if l.line == line]
    assert not loop.parallel, loop.pragma
    assert any(named in reason for reason in loop.reasons), loop.reasons


def test_a_constructor_that_writes_only_its_object_is_no_hidden_code(tmp_path):
    """A member whose constructor sets its own fields, and a default member initializer of constants,
    run nothing the loop does not see: the loop stays parallel."""
    (tmp_path / "v.cpp").write_text(
        "struct Pair { double a, b; Pair() : a(0), b(1) {} };\n"
        "struct Holder { Pair p; int k = 3; };\n"
        "void f(double *__restrict out, int n) {\n"
        "  for (int i = 0; i < n; i++) {\n"
        "    Holder h{};\n"
        "    out[i] = h.k * i;\n"
        "  }\n"
        "}\n")
    loop, = analyze_file(str(tmp_path / "v.cpp")).report.loops
    assert loop.parallel, loop.reasons


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_the_rewrite_of_a_constexpr_function_compiles(tmp_path):
    from autopar.cli.main import main

    out = tmp_path / "c_omp.cpp"
    assert main(["rewrite", str(DATA / "constexpr.cpp"), "-o", str(out), "-q"]) == 0
    subprocess.run(["g++", "-std=c++17", "-fopenmp", "-c", str(out), "-o", str(tmp_path / "c.o")], check=True)


@pytest.mark.parametrize("text, line, named", [
    # a const parameter is the first call's value too
    ("static int f(const int x) { static int first = x; return first + x; }\nint out[1000];\n"
     "void work(int n) {\n  for (int i = 0; i < n; i++) out[i] = f(i);\n}\n", 4, "first"),
    ("#define CX constexpr\nCX double total(const double *a, int n) {\n  double s = 0;\n"
     "  for (int i = 0; i < n; i++) s += a[i];\n  return s;\n}\n", 4, "constexpr"),
    ("int main() {\n  auto tri = [](int n) { long s = 0; for (int i = 0; i < n; i++) s += i; return s; };\n"
     "  static_assert(tri(1000) == 499500L, \"tri\");\n  return (int)tri(10);\n}\n", 2, "constexpr"),
])
def test_what_a_first_call_or_a_constant_evaluation_sees_stays_serial(tmp_path, text, line, named):
    (tmp_path / "c.cpp").write_text(text)
    loop, = [l for l in analyze_file(str(tmp_path / "c.cpp")).report.loops if l.line == line]
    assert not loop.parallel, loop.pragma
    assert any(named in reason for reason in loop.reasons), loop.reasons
