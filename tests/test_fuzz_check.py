"""The fuzzer of `check` (autopar.tools.fuzz.user_pragmas): a program's plain pragmas that check
accepts must keep the serial output; one that check wrongly accepted is found and named."""

from __future__ import annotations

import pytest

from autopar.tools.fuzz import loopgen
from autopar.tools.fuzz.check import Checker
from autopar.tools.fuzz.user_pragmas import CONSTRUCTS, SIMD, check_user_pragmas, with_user_pragmas


def test_every_loop_gets_a_pragma_and_some_updates_a_lock():
    text, synchronized = with_user_pragmas(loopgen.generate(510).source, 510)
    lines = text.splitlines()
    loops = [k for k, line in enumerate(lines) if line.lstrip().startswith("for (")]
    assert loops and all(lines[k - 1].strip() in CONSTRUCTS for k in loops)
    assert any(lines[k - 1].strip() == SIMD for k in loops)
    assert synchronized == sum("#pragma omp critical" in line or "#pragma omp atomic" in line for line in lines)


@pytest.mark.slow
def test_the_pragmas_check_accepts_keep_the_serial_output(tmp_path):
    outcome = check_user_pragmas(Checker(str(tmp_path), races=False), loopgen.generate(510).source, 510)
    assert outcome.kind == "ok", outcome.details
    assert 0 < outcome.accepted < outcome.pragmas


@pytest.mark.slow
def test_a_pragma_check_accepted_wrongly_is_found_and_named(tmp_path, monkeypatch):
    """With a check that accepts everything (a stand-in, beside the real test above), the recurrence's
    plain pragma changes the output and is named."""
    from autopar.report import check

    source = ("#include <stdio.h>\nint a[100000];\nint main(int argc, char **argv)\n{\n    (void)argv;\n"
              "    for (int i = 0; i < 100000; i++)\n        a[i] = i % 7 + argc;\n"
              "    for (int i = 1; i < 100000; i++)\n        a[i] = (a[i - 1] + a[i]) % 1000;\n"
              '    printf("%d\\n", a[99999]);\n    return 0;\n}\n')
    monkeypatch.setattr(check, "check_file", lambda *args, **kwargs: check.FileCheck(path="p.c", report=check.FileReport(path="p.c")))
    outcome = check_user_pragmas(Checker(str(tmp_path), races=False), source, 1)
    assert outcome.kind == "wrong" and outcome.culprits == [10]
