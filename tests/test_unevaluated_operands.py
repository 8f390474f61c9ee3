"""Operands C does not evaluate (`sizeof a[i + 1]`, `_Alignof`) read no memory: they are no access,
so they make no dependence. A sizeof of a variable-length array evaluates its operand, and counts."""

from __future__ import annotations

from autopar.decision.pipeline import analyze_file
from autopar.frontend.translate import translate


def _loop(tmp_path, text: str, function: str):
    path = tmp_path / "t.c"
    path.write_text(text)
    return [l for l in analyze_file(str(path)).report.loops if l.function == function and l.depth == 0][-1]


def test_an_element_measured_by_sizeof_is_not_read(tmp_path):
    text = ("void f(double *restrict a, const double *restrict b, int n) {\n"
            "    for (int i = 0; i < n; i++)\n"
            "        a[i] = b[i] * (double)sizeof(a[i + 1]) + (double)_Alignof(a[i + 2]);\n}\n")
    loop = _loop(tmp_path, text, "f")
    assert loop.parallelizable, loop.reasons
    path = tmp_path / "t.c"
    accesses = translate(str(path), []).loops[0].accesses
    assert sorted(a.text for a in accesses) == ["a[i]", "b[i]"]


def test_the_same_element_read_for_real_still_carries_the_loop(tmp_path):
    text = ("void f(double *restrict a, const double *restrict b, int n) {\n"
            "    for (int i = 0; i < n; i++)\n"
            "        a[i] = b[i] * a[i + 1] * (double)sizeof(a[i + 1]);\n}\n")
    assert not _loop(tmp_path, text, "f").parallelizable


def test_a_row_size_in_a_copy_loop_is_no_read_of_the_table(tmp_path):
    text = ("#include <string.h>\n"
            "void g(double **restrict rows, const double *restrict src, int n, int m) {\n"
            "    for (int i = 0; i < n; i++)\n"
            "        memcpy(rows[i], src, m * sizeof(**rows));\n}\n")
    path = tmp_path / "t.c"
    path.write_text(text)
    accesses = translate(str(path), []).loops[0].accesses
    assert [a.text for a in accesses if not a.is_write] == ["rows[i]"], [a.text for a in accesses]


def test_sizeof_of_a_variable_length_array_is_evaluated(tmp_path):
    # (`a[idx[i]]` is a row of n doubles: sizeof evaluates it, reading idx[i])
    text = ("void h(int n, double (*a)[n], const int *idx, double *restrict out) {\n"
            "    for (int i = 0; i < n; i++)\n"
            "        out[i] = (double)sizeof(a[idx[i]]);\n}\n")
    path = tmp_path / "t.c"
    path.write_text(text)
    accesses = translate(str(path), []).loops[0].accesses
    assert any(a.text == "idx[i]" and not a.is_write for a in accesses), [a.text for a in accesses]


def test_the_size_of_a_variable_length_array_type_name_is_evaluated(tmp_path):
    # `sizeof(char[cnt[0]++ % 3 + 1])` increments cnt[0]: every iteration reads and writes it
    text = ("int cnt[1];\ndouble out[100000];\nvoid f(void) {\n"
            "    for (int i = 0; i < 100000; i++)\n"
            "        out[i] = (double)sizeof(char[cnt[0]++ % 3 + 1]);\n}\n")
    assert not _loop(tmp_path, text, "f").parallelizable
