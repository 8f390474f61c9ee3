"""Loops that step by a variable: which steps count, and the conditions a plan on such a loop carries.
The catalogue (depth_strided.c) compiles, runs and race-checks them; these pin the front end's rules."""

from __future__ import annotations

import pytest

from autopar.frontend.translate import translate

LOOP = """
long glen = 4;
void f(int *a, int n, STEP_DECL) {
    STEP_SETUP
    for (COUNTER s = 0; s < n; s += STEP)
        a[s] = a[s] + 1;
}
"""


def _canonical(tmp_path, step_decl="int len", setup="", counter="int", step="len"):
    path = tmp_path / "s.c"
    path.write_text(LOOP.replace("STEP_DECL", step_decl).replace("STEP_SETUP", setup)
                    .replace("COUNTER", counter).replace("STEP", step))
    tu = translate(str(path), [])
    assert not tu.has_errors, tu.diagnostics
    [loop] = tu.loops
    return loop


def test_an_int_step_the_function_owns_makes_the_loop_canonical(tmp_path):
    loop = _canonical(tmp_path)
    assert loop.canonical is not None and loop.canonical.step_symbol == "len" and loop.canonical.step == 1
    assert _canonical(tmp_path, setup="int w = len * 2;", step="w").canonical.step_symbol == "w"


@pytest.mark.parametrize("step_decl, setup, counter, step, why", [
    # `s += len` cuts a wider step to the counter's width: the stride is not len
    ("long long len", "", "int", "len", "a step wider than the counter"),
    ("int len", "", "long", "len", "a counter other than int"),
    ("int len", "", "unsigned", "len", "an unsigned counter may wrap"),
    ("int len", "", "int", "glen", "a global may change in a call"),
    ("int len", "int *p = &len; (void)p;", "int", "len", "its address is taken"),
    ("int len", "", "int", "s", "the counter itself doubles"),
])
def test_steps_the_window_argument_cannot_trust_keep_the_loop_non_canonical(tmp_path, step_decl, setup, counter,
                                                                            step, why):
    loop = _canonical(tmp_path, step_decl, setup, counter, step)
    assert loop.canonical is None or loop.canonical.step_symbol is None, why
