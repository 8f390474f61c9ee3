"""`check` on an `omp for` inside the user's parallel region (autopar.report.check_regions): a scalar
declared in the region, or private to it by its clauses, is each thread's own."""

from __future__ import annotations

import pytest

from analyzed import unsafe_pragmas


def _unsafe(tmp_path, capsys, region_head: str, before_loop: str) -> list[dict]:
    return unsafe_pragmas(
        tmp_path, capsys,
        "#include <stdio.h>\nint a[200000];\nint main(void) {\n    long total = 0, s = 0;\n"
        f"{region_head}\n    {{\n{before_loop}#pragma omp for\n        for (int i = 0; i < 200000; i++)\n"
        "            s += a[i];\n#pragma omp atomic\n        total += s;\n    }\n"
        '    printf("%ld\\n", total);\n    return 0;\n}\n', name="r.c")


@pytest.mark.slow
@pytest.mark.parametrize("region_head, before_loop", [
    ("#pragma omp parallel", "        long s = 0;\n"),  # declared in the region: a thread's partial sum
    ("#pragma omp parallel private(s)", "        s = 0;\n"),
    ("#pragma omp parallel firstprivate(s)", ""),
])
def test_a_threads_own_scalar_is_no_race(tmp_path, capsys, region_head, before_loop):
    assert _unsafe(tmp_path, capsys, region_head, before_loop) == []


@pytest.mark.slow
def test_a_shared_scalar_in_the_region_races_and_the_fix_is_a_worksharing_pragma(tmp_path, capsys):
    findings = _unsafe(tmp_path, capsys, "#pragma omp parallel", "")
    assert [f["pragma"] for f in findings] == ["#pragma omp for reduction(+: s)"]
    assert findings[0]["fix_text"].strip() == "#pragma omp for reduction(+: s)"


def _loop_in_region(region_head: str, before_loop: str, body: str) -> str:
    return ("#include <stdio.h>\nint a[200000], b[200000];\nint main(void) {\n    long run = 0, base = 3;\n"
            f"{region_head}\n    {{\n{before_loop}#pragma omp for\n        for (int i = 0; i < 200000; i++) {{\n"
            f"{body}        }}\n    }}\n    printf(\"%d\\n\", b[7]);\n    return 0;\n}}\n")


@pytest.mark.parametrize("region_head, before_loop, body, reason", [
    # a value one of a thread's iterations leaves for its next: the serial loop's runs on, a thread's starts over
    ("#pragma omp parallel", "        long prev = 0;\n", "            b[i] = a[i] + prev;\n            prev = a[i];\n",
     "prev"),
    ("#pragma omp parallel firstprivate(run)", "", "            run += a[i];\n            b[i] = run;\n", "run"),
    # a private copy the region never assigns, read by the loop
    ("#pragma omp parallel private(base)", "", "            b[i] = base + i % 7;\n", "uninitialised"),
])
def test_what_a_thread_carries_between_its_iterations_is_no_private_copy(tmp_path, capsys, region_head,
                                                                         before_loop, body, reason):
    """Each of these printed another result at 4 threads (the private copy at 1 thread too), and check
    said nothing: a scalar private to the region is one per thread, not one per iteration."""
    findings = unsafe_pragmas(tmp_path, capsys, _loop_in_region(region_head, before_loop, body), name="c.c")
    assert len(findings) == 1 and reason in findings[0]["message"], findings


def test_a_region_private_copy_the_region_assigns_is_read_as_assigned(tmp_path, capsys):
    text = _loop_in_region("#pragma omp parallel private(base)", "        base = 3;\n",
                           "            b[i] = base + i % 7;\n")
    assert unsafe_pragmas(tmp_path, capsys, text, name="d.c") == []


@pytest.mark.parametrize("before, pragma", [
    ("#pragma omp master\n        { for (int k = 0; k < 200000; k++) a[k] = 2 * k; }\n", "#pragma omp for"),
    ("#pragma omp single nowait\n        { a[7] = 5; }\n", "#pragma omp for"),
    ("", "#pragma omp parallel for"),
])
def test_a_loop_beside_code_with_no_barrier_is_counted_not_judged(tmp_path, capsys, before, pragma):
    """A master block ends with no barrier (nor does a nowait single): the loop after it read its
    writes half done (another sum at every run). A `parallel for` inside a region runs once per thread
    (a reduction came out four times). Neither is modelled: counted as not judged, never accepted."""
    import json

    from autopar.cli.main import main

    path = tmp_path / "region.c"
    path.write_text("#include <stdio.h>\nint a[200000], b[200000];\nint main(void) {\n    long s = 0;\n"
                    f"#pragma omp parallel\n    {{\n{before}{pragma}\n        for (int i = 0; i < 200000; i++)\n"
                    "            b[i] = a[i] + 1;\n    }\n    for (int i = 0; i < 200000; i++) s += b[i];\n"
                    "    printf(\"%ld\\n\", s);\n    return 0;\n}\n")
    main(["check", str(path), "--format", "json"])
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert len(report["unjudged"]) == 1 and not [f for f in report["findings"] if f["rule"] == "unsafe-omp-pragma"]


def _two_sweeps(head: str, declaration: str, first: str, second: str) -> str:
    return ("#include <stdio.h>\n#define N 1000\ndouble a[N], out[N], t[N];\nint main(void) {\n"
            "    for (int i = 0; i < N; i++) a[i] = i % 13;\n"
            f"{head}\n    {{\n{declaration}#pragma omp for\n        for (int i = 0; i < N; i++) {{\n{first}        }}\n"
            f"#pragma omp for\n        for (int i = 0; i < N; i++) {{\n{second}        }}\n    }}\n"
            "    double s = 0;\n    for (int i = 0; i < N; i++) s += out[i];\n    printf(\"%f\\n\", s);\n"
            "    return 0;\n}\n")


@pytest.mark.slow
@pytest.mark.parametrize("head, declaration", [
    ("#pragma omp parallel", "        double t[N];\n"),
    ("#pragma omp parallel private(t)", ""),
])
def test_a_region_private_array_filled_by_one_worksharing_loop_and_read_by_another_is_unsafe(
        tmp_path, capsys, head, declaration):
    """Each thread's copy of t gets only its own iterations' elements: the second loop read the
    others' (12,951 where the serial program printed 12,987, at 4 threads)."""
    text = _two_sweeps(head, declaration, "            t[i] = a[i] * 2;\n",
                       "            out[i] = (i + 1 < N ? t[i + 1] : 0) + 1;\n")
    findings = unsafe_pragmas(tmp_path, capsys, text, name="p.c")
    assert [(f["line"], f["codes"]) for f in findings] == [(9 + bool(declaration), ["region-private-array"])]
    assert "t is private to the enclosing parallel region" in findings[0]["message"]


@pytest.mark.slow
def test_a_region_private_scratch_array_needs_no_clause(tmp_path, capsys):
    """A scratch array declared in the region, written before it is read in every iteration, is each
    thread's own already: no `private(tmp)` is missing (check said the threads overwrote it)."""
    scratch = ("            for (int k = 0; k < 8; k++) tmp[k] = a[i] * k;\n            double s = 0;\n"
               "            for (int k = 0; k < 8; k++) s += tmp[k];\n            out[i] = s;\n")
    text = _two_sweeps("#pragma omp parallel", "        double tmp[8];\n", scratch, scratch)
    assert unsafe_pragmas(tmp_path, capsys, text, name="s.c") == []


def test_the_shared_region_rewrite_writes_passes_check(tmp_path, capsys):
    """`rewrite` puts a time loop's sweeps in one region, each `omp for private(j)`: the later
    pragma's `private(j)` was taken for a read of j after the first sweep (inner counter live out)."""
    text = ("static double A[100][100], B[100][100];\nvoid f(int n, int ts) {\n  int t, i, j;\n"
            "  #pragma omp parallel private(t)\n  for (t = 0; t < ts; t++) {\n"
            "    #pragma omp for private(j)\n    for (i = 1; i < n - 1; i++)\n      for (j = 1; j < n - 1; j++)\n"
            "        B[i][j] = A[i][j - 1] + A[i][j + 1];\n    #pragma omp for private(j)\n"
            "    for (i = 1; i < n - 1; i++)\n      for (j = 1; j < n - 1; j++)\n"
            "        A[i][j] = B[i - 1][j] + B[i + 1][j];\n  }\n}\n")
    assert unsafe_pragmas(tmp_path, capsys, text, name="sweeps.c") == []
    later_read = text.replace("  }\n}\n", "  }\n  #pragma omp parallel for firstprivate(j)\n"
                              "  for (i = 0; i < n; i++) A[0][i] = j;\n}\n")
    assert unsafe_pragmas(tmp_path, capsys, later_read, name="read.c")  # firstprivate(j) does read j
