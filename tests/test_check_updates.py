"""`check` on loops that update shared elements: the user's own atomic updates count as written
(autopar.report.check_updates), and a pragma that lacks an array reduction its loop needs is a race."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from analyzed import unsafe_pragmas

HEAD = "#include <stdio.h>\n#define NB 1024\nint h[NB], key[100000];\nlong total, other;\n"
MAIN = ("int main(void) {\n    for (int i = 0; i < 100000; i++) key[i] = (i * 7919) % NB;\n    work();\n"
        "    printf(\"%d %d %ld %ld\\n\", h[3], h[1000], total, other);\n    return 0;\n}\n")


def _program(pragma: str, body: str) -> str:
    return HEAD + f"void work(void) {{\n{pragma}\n    for (int i = 0; i < 100000; i++) {{\n{body}    }}\n}}\n" + MAIN


def _unsafe(tmp_path, capsys, text: str) -> list[dict]:
    return unsafe_pragmas(tmp_path, capsys, text)


ATOMIC_H = "#pragma omp atomic\n        h[key[i]]++;\n"
ATOMIC_TOTAL = '        _Pragma("omp atomic") total += key[i];\n'


@pytest.mark.slow
@pytest.mark.parametrize("updates", [
    ATOMIC_H + ATOMIC_TOTAL,
    "#pragma omp atomic update\n        h[key[i]] += 2;\n#pragma omp \\\n    atomic seq_cst\n        total -= key[i];\n",
    "#pragma omp atomic\n        ++h[key[i]];\n#pragma omp atomic\n        total += 1;\n#pragma omp atomic\n        total += 2;\n",
])
def test_atomic_updates_as_written_are_safe(tmp_path, capsys, updates):
    assert _unsafe(tmp_path, capsys, _program("#pragma omp parallel for", updates)) == []


@pytest.mark.slow
@pytest.mark.parametrize("extra, code, names", [
    ("        h[key[i]]++;\n", "missing-clause", "h"),  # one update of h is not atomic
    ("        h[0] = 5;\n", "carried-output", "h"),  # a plain write beside the atomic updates
    ("        if (total > 10) other = 1;\n", None, "total"),  # the atomic scalar read plainly
    ("#pragma omp atomic\n        h[key[i]] *= 2;\n", None, "h"),  # two operators: the order shows
    ("        other += key[i];\n", "missing-clause", "other"),  # a reduction the pragma lacks
])
def test_what_the_atomic_updates_leave_unprotected_is_found(tmp_path, capsys, extra, code, names):
    findings = _unsafe(tmp_path, capsys, _program("#pragma omp parallel for", ATOMIC_H + ATOMIC_TOTAL + extra))
    assert len(findings) == 1, findings
    assert names in findings[0]["message"]
    if code == "missing-clause":
        assert findings[0]["codes"][0] == "missing-clause"
        # the safe form keeps the user's atomic updates: it reduces neither h nor total
        assert "total" not in findings[0]["pragma"] and (names == "h" or "h[" not in findings[0]["pragma"])


@pytest.mark.slow
@pytest.mark.parametrize("updates", [
    "#pragma omp critical\n        h[key[i]]++;\n",
    "        long t;\n#pragma omp atomic capture\n        t = total++;\n        h[0] += (int)t;\n",
    "#pragma omp atomic\n        total = total + key[i];\n        h[0] = 1;\n",
])
def test_other_synchronization_is_not_judged(tmp_path, capsys, updates):
    assert _unsafe(tmp_path, capsys, _program("#pragma omp parallel for", updates)) == []


@pytest.mark.slow
def test_a_missing_array_reduction_is_a_race_and_its_fix_runs(tmp_path, capsys):
    """`h[key[i]]++` under a bare `parallel for` was not reported (only scalar clauses were compared);
    the finding's fix reduces the counts, and the fixed program prints what serial prints."""
    text = _program("#pragma omp parallel for", "        h[key[i]]++;\n        h[(key[i] + 1) % NB] += 2;\n")
    findings = _unsafe(tmp_path, capsys, text)
    assert [f["codes"] for f in findings] == [["missing-clause"]]
    assert "reduction(+: h[:1024])" in findings[0]["pragma"]
    for clause in ("reduction(+: h[:NB])", "reduction(+: h)", "reduction(-: h[0:NB])"):
        assert _unsafe(tmp_path, capsys, _program(f"#pragma omp parallel for {clause}",
                                                  "        h[key[i]]++;\n")) == [], clause
    assert _unsafe(tmp_path, capsys, _program("#pragma omp parallel for reduction(*: h)",
                                              "        h[key[i]]++;\n")) != []
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    fixed = tmp_path / "fixed.c"
    fixed.write_text(text.replace("#pragma omp parallel for\n", findings[0]["pragma"] + "\n"))
    serial = tmp_path / "serial.c"
    serial.write_text(text.replace("#pragma omp parallel for\n", ""))
    outputs = []
    for path, flags in ((serial, []), (fixed, ["-fopenmp"])):
        subprocess.run(["gcc", "-O2", *flags, str(path), "-o", str(path.with_suffix(""))], check=True)
        outputs.append(subprocess.run([str(path.with_suffix(""))], capture_output=True, text=True, check=True,
                                      env={"OMP_NUM_THREADS": "4"}).stdout)
    assert outputs[0] == outputs[1]


@pytest.mark.slow
def test_a_counter_that_advances_in_every_iteration_needs_linear(tmp_path, capsys):
    """`b[j] = ...; j += 2;` under a bare `parallel for` was not reported: the counter is shared."""
    def program(pragma: str) -> str:
        return ("double a[1000], b[2000];\nint main(void) {\n    int j = 0;\n" + pragma +
                "\n    for (int i = 0; i < 1000; i++) {\n        b[j] = a[i];\n        j += 2;\n    }\n"
                "    return j;\n}\n")
    findings = _unsafe(tmp_path, capsys, program("#pragma omp parallel for"))
    assert [(f["codes"], f["pragma"]) for f in findings] == [(["missing-clause"], "#pragma omp parallel for linear(j:2)")]
    assert _unsafe(tmp_path, capsys, program("#pragma omp parallel for linear(j: 2)")) == []
    assert len(_unsafe(tmp_path, capsys, program("#pragma omp parallel for linear(j)"))) == 1
    assert len(_unsafe(tmp_path, capsys, program("#pragma omp parallel for private(j)"))) == 1


@pytest.mark.slow
@pytest.mark.parametrize("pragma, updates", [
    ("#pragma omp parallel for private(total)", ATOMIC_TOTAL),  # the atomic scalar made private: lost
    ("#pragma omp parallel for lastprivate(total)", ATOMIC_TOTAL),
    ("#pragma omp parallel for reduction(*: total)", ATOMIC_TOTAL),
    ("#pragma omp parallel for private(h)", ATOMIC_H),  # the atomic array made private: lost
    ("#pragma omp parallel for reduction(*: h[:NB])", ATOMIC_H),
    ("#pragma omp parallel for reduction(+: h[:2])", ATOMIC_H),  # a section too short for the keys
    ("#pragma omp parallel for reduction(+: h[:2])", "        h[key[i]]++;\n"),
])
def test_clauses_beside_atomic_updates_and_sections_are_judged(tmp_path, capsys, pragma, updates):
    assert len(_unsafe(tmp_path, capsys, _program(pragma, updates))) == 1


@pytest.mark.slow
@pytest.mark.parametrize("spelling", [
    "#pragma omp atomic\n        (h[key[i]])++;\n",  # a parenthesized target
    "        ATOMIC h[key[i]]++;\n",  # an atomic directive from a macro: not read, not judged
])
def test_atomic_spellings_that_are_safe(tmp_path, capsys, spelling):
    text = _program("#pragma omp parallel for", spelling).replace(
        "#define NB 1024\n", '#define NB 1024\n#define ATOMIC _Pragma("omp atomic")\n')
    assert _unsafe(tmp_path, capsys, text) == []


def _arrays(pragma: str, body: str) -> str:
    return ("#define STEP 2\ndouble a[1000], b[1000], c[1000][1000];\nint k = 5;\nint main(void) {\n    int j = 0;\n"
            f"{pragma}\n    for (int i = 0; i < 1000; i++) {{\n{body}    }}\n    return j + (int)b[3];\n}}\n")


@pytest.mark.slow
@pytest.mark.parametrize("pragma, body, unsafe", [
    ("#pragma omp parallel for lastprivate(b)", "        b[i] = a[i] * 2;\n", True),  # an array's writes lost
    ("#pragma omp parallel for private(b)", "        b[i] = a[i] * 2;\n", True),
    ("#pragma omp parallel for reduction(+: b[:1000])", "        b[i] = a[i] * 2;\n", True),
    ("#pragma omp parallel for private(a)", "        b[i] = a[i] * 2;\n", True),  # read, never written
    ("#pragma omp parallel for firstprivate(a)", "        b[i] = a[i] * 2;\n", False),  # a copy to read
    ("#pragma omp parallel for linear(k:1)", "        b[i] = k;\n", True),  # k is no counter
    ("#pragma omp parallel for linear(j:STEP)", "        b[j] = a[i];\n        j += STEP;\n", False),
    ("#pragma omp parallel for linear(j:(2))", "        b[j] = a[i];\n        j += 2;\n", False),
    # collapse takes in an inner loop that carries a dependence
    ("#pragma omp parallel for collapse(2)",
     "        for (int m = 1; m < 1000; m++)\n            c[i][m] = c[i][m - 1] + a[m];\n", True),
    ("#pragma omp parallel for collapse(2)",
     "        for (int m = 1; m < 1000; m++)\n            c[i][m] = c[i][m] + a[m];\n", False),
])
def test_array_clauses_linear_and_collapse_are_judged(tmp_path, capsys, pragma, body, unsafe):
    assert bool(_unsafe(tmp_path, capsys, _arrays(pragma, body))) == unsafe


@pytest.mark.slow
@pytest.mark.parametrize("section", ["h[0:8]", "h[:16]"])
def test_a_pointer_section_the_analysis_cannot_bound_is_not_taken_as_covering(tmp_path, capsys, section):
    """The keys reach h[15]: a section of h[0:8] leaves h[8..15] shared, updated by every thread at
    once (the program crashed at 4 threads). Where h is a pointer and the updated elements are not
    bounded by the analysis, no section can be shown to hold them, h[0:16] included."""
    text = ("void hist(int *restrict h, const int *restrict key, int n) {\n"
            f"    #pragma omp parallel for reduction(+: {section})\n"
            "    for (int i = 0; i < n; i++)\n        h[key[i] & 15]++;\n}\n")
    findings = _unsafe(tmp_path, capsys, text)
    assert [f["codes"] for f in findings] == [["missing-atomic-updates"]]
    assert f"cannot show that the reduction's {section} holds every element" in findings[0]["message"]
