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
