"""Variables changed where no assignment names them: through a lambda that captures by reference,
a reference member bound in a braced initialiser, a reference bound to `?:`, an asm statement; and a
conversion of a variable an outer loop writes. None of them may be taken for fixed. Each case was a
wrong parallelization (a test of an `if` that no longer held, or a loop-carried update unseen)."""

from __future__ import annotations

import pytest

from autopar.decision.pipeline import analyze_tu, load_translation_unit

# `if (m < 5) { <m changes>; for (...) { a[i] = ...; if (m >= 5) b[i] = a[N - 1 - i]; } }`: with both
# tests taken as holding, the write and the read never meet, and the loop seemed parallel
GUARDED = """
int a[4002], b[4002];
struct Holder {{ int &r; }};
int main(int argc, char **argv) {{
  int m = 0, k = 0;
  {before}
  if (m < 5) {{
    {change}
    for (int i = 0; i < 4002; i++) {{
      a[i] = a[i] * 3 + 1;
      if (m >= 5)
        b[i] = a[4001 - i];
    }}
  }}
  return a[0] + b[0] + m + k;
}}
"""

CASES = {
    "lambda": ("auto inc = [&]() { m += 10; };", "inc();"),
    "lambda_named": ("auto inc = [&m]() { m += 10; };", "inc();"),
    "brace_reference_member": ("Holder h{m};", "h.r += 10;"),
    "reference_to_choice": ("int &r = argc > 0 ? m : k;", "r += 10;"),
    "asm": ("", '__asm__ volatile("movl $10, %0" : "=r"(m));'),
    "assigned_choice": ("", "(argc > 0 ? m : k) += 10;"),
    "assigned_comma": ("", "(k, m) += 10;"),
}


def _verdict(tu, analysis, loop):
    return next(v for v in analysis.nest_of(loop.id).verdicts if v.loop_id == loop.id)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_test_whose_variable_changes_unseen_is_not_trusted(tmp_path, case):
    before, change = CASES[case]
    path = tmp_path / f"{case}.cpp"
    path.write_text(GUARDED.format(before=before, change=change))
    tu = load_translation_unit(str(path), ["-std=c++17"])
    analysis = analyze_tu(tu)
    loop = next(l for l in tu.loops if l.line == 9)
    assert not _verdict(tu, analysis, loop).parallelizable, case


def test_a_by_value_lambda_leaves_its_variables_fixed(tmp_path):
    path = tmp_path / "by_value.cpp"
    path.write_text(GUARDED.format(before="auto get = [=]() { return m + 1; };", change="k = get();")
                    .replace("if (m >= 5)", "if (m < 5)").replace("a[4001 - i]", "a[i]"))
    tu = load_translation_unit(str(path), ["-std=c++17"])
    analysis = analyze_tu(tu)
    loop = next(l for l in tu.loops if l.line == 9)
    assert _verdict(tu, analysis, loop).parallelizable


def test_an_update_through_a_reference_to_a_choice_is_seen(tmp_path):
    path = tmp_path / "choice.cpp"
    path.write_text("int a[4002], b[4002];\n"
                    "int main(int argc, char **argv) {\n"
                    "  int m = 0, k = 0;\n"
                    "  int &r = argc > 0 ? m : k;\n"
                    "  for (int i = 0; i < 4002; i++) {\n"
                    "    b[i] = a[i] + r;\n"
                    "    r += 1;\n"
                    "  }\n"
                    "  return b[7] + m;\n"
                    "}\n")
    tu = load_translation_unit(str(path), ["-std=c++17"])
    analysis = analyze_tu(tu)
    verdict = _verdict(tu, analysis, tu.loops[0])
    assert not verdict.parallelizable and "unmodelled-access" in verdict.codes


def test_an_asm_statement_in_the_body_keeps_the_loop_serial(tmp_path):
    path = tmp_path / "asm.c"
    path.write_text("double a[4000];\n"
                    "int main(void) {\n"
                    "  int m = 0;\n"
                    "  for (int i = 0; i < 4000; i++) {\n"
                    "    a[i] = a[i] * 0.5 + m;\n"
                    '    __asm__ volatile("movl %1, %0" : "=r"(m) : "r"(i % 50));\n'
                    "  }\n"
                    "  return (int)a[3];\n"
                    "}\n")
    tu = load_translation_unit(str(path))
    analysis = analyze_tu(tu)
    verdict = _verdict(tu, analysis, tu.loops[0])
    assert not verdict.parallelizable and "unmodelled-access" in verdict.codes


def test_a_conversion_of_a_variable_the_outer_loop_writes_is_no_parameter_of_it(tmp_path):
    """`(int)L` is a parameter of the inner loop (L is fixed there), not of the loop that assigns L."""
    path = tmp_path / "conversion.c"
    path.write_text("double a[4000], b[4000];\n"
                    "long c[4000];\n"
                    "int main(void) {\n"
                    "  long L;\n"
                    "  for (int i = 0; i < 4000; i++) {\n"
                    "    L = c[i];\n"
                    "    for (int j = 0; j < 1; j++) {\n"
                    "      if ((int)L < 2000)\n"
                    "        a[i] = a[i] * 0.5;\n"
                    "      else\n"
                    "        b[i] = a[3999 - i];\n"
                    "    }\n"
                    "  }\n"
                    "  return (int)b[5];\n"
                    "}\n")
    tu = load_translation_unit(str(path))
    analysis = analyze_tu(tu)
    assert not _verdict(tu, analysis, tu.loops[0]).parallelizable


def test_a_capture_by_reference_changes_only_where_the_lambda_may_be_called(tmp_path):
    """`n` captured by `[&]` changes only in a call of the lambda: a loop that calls nothing keeps
    its bound `n` (and its reduction); a loop that calls the lambda is serial."""
    path = tmp_path / "captured.cpp"
    path.write_text("#include <algorithm>\n"
                    "#include <vector>\n"
                    "int a[10000];\n"
                    "int main(int argc, char **argv) {\n"
                    "  int n = 5000 + argc, m = 0;\n"
                    "  std::vector<int> v(100);\n"
                    "  std::for_each(v.begin(), v.end(), [&](int &x) { x = n; });\n"
                    "  auto grow = [&]() { m = (m + 1) % 50; };\n"
                    "  for (int i = 0; i < n; i++)\n"
                    "    a[i] = a[i] * 3 + i;\n"
                    "  for (int i = 0; i < n; i++) {\n"
                    "    a[i + m] = a[i] + 1;\n"
                    "    grow();\n"
                    "  }\n"
                    "  return a[3] + v[0];\n"
                    "}\n")
    tu = load_translation_unit(str(path), ["-std=c++17"])
    analysis = analyze_tu(tu)
    first, second = (l for l in tu.loops if l.function == "main")
    assert _verdict(tu, analysis, first).parallelizable
    assert not _verdict(tu, analysis, second).parallelizable


def test_scalars_a_choice_assigns_are_written(tmp_path):
    # `(i % 2 ? s : t) = v` writes s or t: both are read after, so neither is private or shared
    path = tmp_path / "choice_store.cpp"
    path.write_text("double a[200000];\n"
                    "int main() {\n"
                    "  double s = 0, t = 0;\n"
                    "  for (int i = 0; i < 200000; i++) {\n"
                    "    (i % 2 ? s : t) = i * 0.5;\n"
                    "    a[i] = s + t;\n"
                    "  }\n"
                    "  return (int)(a[7] + s + t);\n"
                    "}\n")
    tu = load_translation_unit(str(path), ["-std=c++17"])
    analysis = analyze_tu(tu)
    assert not _verdict(tu, analysis, tu.loops[0]).parallelizable
