"""Array reductions over arrays larger than ARRAY_REDUCTION_LIMIT (autopar/plans/candidates/array_reductions.py):
NAS IS's key counts, `key_buff1[key_buff2[i]]++` over 2^16 counts and 2^20 keys, get per-thread copies
when each entry of the loop runs AMORTIZING times as many iterations as a copy has elements and a copy
fits a thread's stack; fewer iterations, a symbolic count, or a larger array keep the loop serial."""

from __future__ import annotations

import os
import subprocess

import pytest

from autopar.decision.pipeline import analyze_file
from autopar.edit.transform import transform_file

PROGRAM = """#include <stdio.h>
#define KEYS KEYS_VALUE
#define MAX_KEY MAX_KEY_VALUE
typedef int INT_TYPE;
INT_TYPE key_array[1 << 20], key_buff1[MAX_KEY], key_buff2[1 << 20];

static void rank(int n)
{
    INT_TYPE i;
    INT_TYPE *key_buff_ptr2 = key_buff2;
    for (i = 0; i < MAX_KEY; i++)
        key_buff1[i] = 0;
    for (i = 0; i < KEYS; i++)
        key_buff1[key_buff_ptr2[i]]++;
    (void)n;
}

int main(void)
{
    unsigned long long x = 314159265ull;
    for (int i = 0; i < (1 << 20); i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        key_buff2[i] = (INT_TYPE)((x >> 33) % MAX_KEY);
    }
    rank(1 << 20);
    long long check = 0;
    for (int i = 0; i < MAX_KEY; i++)
        check += (long long)key_buff1[i] * (i % 13 + 1);
    printf("%lld\\n", check);
    return 0;
}
"""


def _histogram_loop(tmp_path, keys: str, max_key: str):
    source = tmp_path / "is.c"
    source.write_text(PROGRAM.replace("KEYS_VALUE", keys).replace("MAX_KEY_VALUE", max_key))
    report = analyze_file(str(source)).report
    return source, next(l for l in report.loops if l.function == "rank" and l.line == 13)


def test_is_key_counts_are_reduced_with_copies_of_their_own(tmp_path):
    source, loop = _histogram_loop(tmp_path, "(1 << 20)", "(1 << 16)")
    assert loop.parallel and "reduction(+: key_buff1[:65536])" in loop.pragma
    (tmp_path / "par.c").write_bytes(transform_file(str(source)).rewritten)
    subprocess.run(["gcc", "-O2", "is.c", "-o", "serial"], cwd=tmp_path, check=True)
    subprocess.run(["gcc", "-O2", "-fopenmp", "par.c", "-o", "par"], cwd=tmp_path, check=True)
    serial = subprocess.run(["./serial"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    parallel = subprocess.run(["./par"], cwd=tmp_path, capture_output=True, text=True, check=True,
                              env={**os.environ, "OMP_NUM_THREADS": "4"}).stdout
    assert parallel == serial


@pytest.mark.parametrize("keys, max_key", [
    ("(1 << 17)", "(1 << 16)"),   # two keys per count: the copies would cost as much as the loop
    ("n", "(1 << 16)"),           # a count the loop does not spell: it may be small at run time
    ("(1 << 20)", "(1 << 18)"),   # 2 MiB at 8 bytes a count: more than a thread's stack can spare
])
def test_large_counts_stay_serial_when_their_copies_do_not_pay(tmp_path, keys, max_key):
    _, loop = _histogram_loop(tmp_path, keys, max_key)
    assert not loop.parallel, loop.pragma


def test_the_copies_of_one_loop_share_one_budget_in_bytes(tmp_path):
    """A long double's copy is 16 bytes an element; two arrays' copies count together: each thread
    holds all of them on its stack (2 MiB under an unlimited stack limit)."""
    source = tmp_path / "budget.c"
    source.write_text("""#define N 131072
long double wide[N]; long h1[N], h2[N]; short narrow[N]; int key[4 * N];
void f(void) {
    for (int i = 0; i < 4 * N; i++) wide[key[i]] += 1.0L;
    for (int i = 0; i < 4 * N; i++) { h1[key[i]] += 2; h2[key[i]] += 3; }
    for (int i = 0; i < 4 * N; i++) narrow[key[i]] += 1;
}
""")
    loops = analyze_file(str(source)).report.loops
    assert [l.parallel for l in loops] == [False, False, True], [l.pragma for l in loops]
    assert "reduction(+: narrow[:131072])" in loops[2].pragma
