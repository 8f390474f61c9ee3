"""What the cost model charges for accesses that do not behave like the loop the work unit is measured
on: a branchy loop, which compilers do not vectorise, a row that each call reads from memory
afresh (Dijkstra's relaxation `adj[u * n + v]`), and arrays that outgrow the cache (the start-up
gate's share). The figures come from the machine's calibration;
the reference model has none, so these tests read a saved calibration."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from autopar.cli.main import main
from autopar.decision.pipeline import analyze_file, load_translation_unit
from autopar.plans import machine
from autopar.plans.candidates import cost

# a 2-core machine as `autopar calibrate` measured one: a vectorised access 0.07 ns, one of a branchy
# loop 1.7 times that, a byte from memory 0.19 ns more
MEASURED = machine.MachineModel(threads=2, unit_ns=0.07, fork_ns=820.0, barrier_ns=280.0, dynamic_chunk_ns=70.0,
                                cold_start_ns=3_000_000.0, branchy_unit_ns=0.119, stream_ns_per_byte=0.19,
                                bandwidth_ns_per_byte=0.06, cache_bytes=2 << 20, measured=True,
                                source="a saved calibration")

RELAX = """\
static void relax(const int *restrict adj, int *restrict dist, const char *restrict visited, int n, int u) {
    for (int v = 0; v < n; v++) {
        int w = adj[u * n + v];
        if (w > 0 && !visited[v] && dist[u] + w < dist[v])
            dist[v] = dist[u] + w;
    }
}
static int closest(const int *dist, const char *visited, int n) {
    int best = -1;
    for (int v = 0; v < n; v++)
        if (!visited[v] && (best < 0 || dist[v] < dist[best]))
            best = v;
    return best;
}
void search(const int *restrict adj, int *restrict dist, char *restrict visited, int n) {
    for (int round = 0; round < n; round++) {
        int u = closest(dist, visited, n);
        if (u < 0)
            break;
        visited[u] = 1;
        relax(adj, dist, visited, n, u);
    }
}
"""

ROWS = """\
double small[64][64];
static void rows(int n, int u, const double *restrict a, double (*restrict b)[256], double *restrict out,
                 const int *restrict idx, double *restrict m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            out[j] += a[i * n + j] + small[u][j % 64] + a[u * n + j];
    for (int v = 0; v < n; v++)
        out[v] = a[u * n + v] + b[u][v] + a[64 * u + v] + a[3 * u + v] + out[idx[v]] + a[u] + a[n * v];
    for (int v = 0; v < n; v++)
        m[u * n + v] = m[u * n + v] * 2.0 + m[u * n + v + 1];
}
void caller(int n, const int *restrict perm, const double *restrict a, double (*restrict b)[256],
            double *restrict out, const int *restrict idx, double *restrict m) {
    for (int k = 0; k < n; k++)
        rows(n, perm[k], a, b, out, idx, m);
}
"""


@pytest.fixture
def calibration(tmp_path, monkeypatch):
    """Point the analysis at a saved calibration: `model` is written there and read back."""
    def use(model: machine.MachineModel) -> None:
        saved = tmp_path / f"calibration-{id(model)}.json"
        saved.write_text(model.model_dump_json())
        monkeypatch.setenv("AUTOPAR_CALIBRATION", str(saved))
        machine._model_for.cache_clear()
    yield use
    machine._model_for.cache_clear()


def _threshold(tmp_path, code: str, line: int) -> int:
    source = tmp_path / "k.c"
    source.write_text(code)
    pragma = {l.line: l.pragma for l in analyze_file(str(source)).report.loops if l.parallel}[line]
    return int(re.search(r"\(n > (\d+)\)", pragma).group(1))


def test_a_streamed_branchy_row_gets_the_lower_threshold_its_cost_asks_for(tmp_path, calibration):
    """The relaxation runs about 1.9 ns an iteration on a 2-core Xeon (0.7 ns with its row in
    cache), not the 7 units of 0.07 ns a vectorised loop's accesses take: the old threshold,
    n > 11272, kept a 4,000-vertex graph serial, where two threads ran it 1.45x faster."""
    calibration(MEASURED.model_copy(update={"branchy_unit_ns": None, "stream_ns_per_byte": 0.0}))
    plain = _threshold(tmp_path, RELAX, 2)
    calibration(MEASURED.model_copy(update={"stream_ns_per_byte": 0.0}))
    branchy = _threshold(tmp_path, RELAX, 2)
    calibration(MEASURED)
    streamed = _threshold(tmp_path, RELAX, 2)
    # the same region cost over the work of an iteration: 1.7 times the units in a branchy loop, and
    # then the 4 bytes of the row at 0.19 / 0.07 units each on top
    assert _units(branchy) / _units(plain) == pytest.approx(1.7, rel=0.02)
    assert _units(streamed) - _units(branchy) == pytest.approx(4 * 0.19 / 0.07, rel=0.05)
    assert streamed < 4000 < branchy


def _units(threshold: int) -> float:
    """The units of one iteration a threshold stands for: the region's cost over it."""
    return MEASURED.min_parallel_work / threshold


def test_only_a_row_that_a_value_read_from_data_selects_streams(tmp_path, calibration):
    calibration(MEASURED)
    source = tmp_path / "rows.c"
    source.write_text(ROWS)
    tu = load_translation_unit(str(source))
    assert tu.functions["rows"].data_selected == ["u"]  # every call passes perm[k]
    charged = {a.text: cost._stream_units(tu, tu.loop(a.enclosing_loops[-1]), a)
               for a in tu.loops[0].accesses + tu.loops[2].accesses if not a.is_write}
    per_double = 8 * 0.19 / 0.07
    assert charged == pytest.approx({
        "out[j]": 0.0,
        "a[i * n + j]": 0.0,  # the row moves with the loop around: its trip counts see the reuse
        "small[u][j % 64]": 0.0,  # not affine in j
        "a[u * n + j]": 0.0,  # the same row for every i: read again from cache
        "a[u * n + v]": per_double,  # a row of n, picked by a value read from data
        "b[u][v]": per_double,  # a row of a pointer to rows
        "a[64 * u + v]": per_double,  # a row of 64
        "a[3 * u + v]": 0.0,  # three elements apart: the rows share cache lines
        "out[idx[v]]": 0.0,  # a gather: no row
        "idx[v]": 0.0,  # (no row either)
        "a[u]": 0.0,  # one element, the same every iteration
        "a[n * v]": 0.0,  # a column: not walked along the loop's variable
    })
    # an array's row is charged once however many accesses read or write it
    assert cost.streamed_rows(tu, tu.loops[3]) == pytest.approx(per_double)
    assert cost.streamed_rows(tu, tu.loops[2]) == pytest.approx(2 * per_double)  # a and b


@pytest.mark.parametrize("argument, selected", [
    ("perm[k]", True),  # an element at a computed index
    ("pick(perm, k)", True),  # a call that reads memory
    ("r", True),  # a local set from one in the loop
    ("k", False), ("5", False),  # in order, or the same row
    ("twice(k)", False),  # a call of numbers only: `abs(k)`, `min(k, n - 1)` walk in order too
    ("perm[0]", False),  # the same element every time
    ("q", False),  # read from data once, before the loop: the same row every call
    ("s", False),  # also incremented
    ("t", False),  # also set to a constant
])
def test_which_arguments_are_read_from_data(tmp_path, argument, selected):
    source = tmp_path / "args.c"
    source.write_text(f"""\
static int pick(const int *p, int k) {{ return p[k] % 11; }}
static int twice(int k) {{ return 2 * k; }}
static void row(double *restrict m, int n, int u) {{
    for (int v = 0; v < n; v++)
        m[u * n + v] += 1.0;
}}
void caller(double *restrict m, int n, const int *restrict perm) {{
    int s = perm[0], t = 0, q = perm[1];
    for (int k = 0; k < n; k++) {{
        int r = pick(perm, k);
        s++;
        t = k > 2 ? perm[k] : 0;
        row(m, n, {argument});
    }}
}}
""")
    tu = load_translation_unit(str(source))
    assert tu.functions["row"].data_selected == (["u"] if selected else [])


def test_a_parameter_the_callee_shadows_is_not_taken_by_name(tmp_path):
    source = tmp_path / "shadow.c"
    source.write_text("static void row(double *restrict m, int n, int u) {\n"
                      "    for (int v = 0; v < n; v++)\n        m[u * n + v] += 1.0;\n"
                      "    { int u = n / 2;\n      for (int v = 0; v < n; v++)\n        m[u * n + v] *= 2.0; }\n}\n"
                      "void caller(double *restrict m, int n, const int *restrict perm) {\n"
                      "    for (int k = 0; k < n; k++)\n        row(m, n, perm[k]);\n}\n")
    assert load_translation_unit(str(source)).functions["row"].data_selected == []


def test_a_row_in_order_or_the_same_row_again_costs_no_more(tmp_path, calibration):
    """A caller that walks the rows in order, or passes one row to every call, reads them through the
    prefetcher or the cache: charging them the scattered rate made thresholds six to nineteen times
    lower, below a region's own cost where the row sits in cache."""
    calibration(MEASURED)
    source = tmp_path / "order.c"
    source.write_text("static void scale(double *restrict m, int r, int n) {\n"
                      "    for (int j = 0; j < n; j++)\n        m[r * n + j] *= 2.0;\n}\n"
                      "void all(double *restrict m, int n) {\n"
                      "    for (int r = 0; r < n; r++)\n        scale(m, r, n);\n    scale(m, 3, n);\n}\n")
    tu = load_translation_unit(str(source))
    assert tu.functions["scale"].data_selected == []
    assert cost.streamed_rows(tu, tu.loops[0]) == 0.0


def test_a_small_array_of_constant_extents_stays_in_cache(tmp_path, calibration):
    calibration(MEASURED)
    source = tmp_path / "small.c"
    source.write_text("double t[64][64], big[4096][4096];\n"
                      "static void f(int n, int u, double *restrict out) {\n"
                      "    for (int v = 0; v < n; v++)\n        out[v] = t[u][v] + big[u][v];\n}\n"
                      "void g(int n, const int *restrict p, double *restrict out) {\n"
                      "    for (int k = 0; k < n; k++)\n        f(n, p[k], out);\n}\n")
    tu = load_translation_unit(str(source))
    charged = {a.text: cost._stream_units(tu, tu.loops[0], a) for a in tu.loops[0].accesses}
    assert charged["t[u][v]"] == 0.0 and charged["big[u][v]"] == pytest.approx(8 * 0.19 / 0.07)


def test_a_cores_own_cache_counts_its_hyper_threads(tmp_path, monkeypatch):
    """sysfs lists an L2 that two hyper-threads share as `0,56` or `0-1`: it is still the core's own;
    an L3 of all the CPUs is not."""
    cpu = tmp_path / "cpu0"
    (cpu / "topology").mkdir(parents=True)
    (cpu / "topology" / "thread_siblings_list").write_text("0,56\n")
    for index, (size, shared) in enumerate([("48K", "0,56"), ("2048K", "0,56"), ("105M", "0-111")]):
        (cpu / "cache" / f"index{index}").mkdir(parents=True)
        (cpu / "cache" / f"index{index}" / "size").write_text(size + "\n")
        (cpu / "cache" / f"index{index}" / "shared_cpu_list").write_text(shared + "\n")
    monkeypatch.setattr(machine, "_CPU0", str(cpu))
    assert machine.private_cache_bytes() == 2048 << 10
    assert machine._cpu_list("0-1,56") == {0, 1, 56} and machine._cpu_list("x") == set()


def test_the_reference_model_charges_nothing_extra(tmp_path):
    """The test suite's fixed model has no such figures: a branchy access is one unit, no row streams."""
    assert machine.REFERENCE.branchy_factor == 1.0 and machine.REFERENCE.stream_units_per_byte == 0.0
    source = tmp_path / "k.c"
    source.write_text(RELAX)
    tu = load_translation_unit(str(source))
    assert tu.functions["relax"].data_selected == ["u"]
    assert cost.streamed_rows(tu, tu.loops[0]) == 0.0


VECTOR_ADD = """\
void add(const double *restrict a, const double *restrict b, double *restrict c, int n) {
    for (int i = 0; i < n; i++)
        c[i] = a[i] + b[i];
}
void gather(const double *restrict a, const int *restrict idx, double *restrict c, int n) {
    for (int i = 0; i < n; i++)
        c[i] += a[idx[i]];
}
void product(const double *restrict a, const double *restrict x, double *restrict y, int n, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            y[i] += a[i * m + j] * x[j];
}
"""


def _share(pragma_or_condition: str) -> str:
    return re.search(r"autopar_team_pays_\((.*)\)\)\)$", pragma_or_condition).group(1)


def test_the_start_up_share_charges_the_bandwidth_of_arrays_that_outgrow_the_cache(tmp_path, calibration):
    """Twenty calls of a 4M-element vector add: its first three ran serially while the gate counted
    4 units an element against the team's start, where streaming from memory took four times that."""
    calibration(MEASURED)
    source = tmp_path / "k.c"
    source.write_text(VECTOR_ADD)
    pragmas = {l.line: l.pragma for l in analyze_file(str(source)).report.loops if l.parallel}
    share = _share(pragmas[2])
    per_element = 4 / MEASURED.cold_start_units  # 1 + three accesses
    streamed = (4 + 24 * 0.06 / 0.07) / MEASURED.cold_start_units  # a, b and c: 24 bytes an element
    expected = f"(double)(n) * ((double)(n) > {(2 << 20) / 24:.3g} ? {streamed:.3g} : {per_element:.3g})"
    assert share == expected
    # a gather walks idx and c in order, not a: only those bytes count
    assert f"> {(2 << 20) / 12:.3g} ?" in _share(pragmas[6])
    # a product over rows walks the matrix; the vector x is the same for every row, from cache
    assert f"> {(2 << 20) / 8:.3g} ?" in _share(pragmas[10])
    # without the figures the share is the plain one
    calibration(MEASURED.model_copy(update={"bandwidth_ns_per_byte": 0.0}))
    pragmas = {l.line: l.pragma for l in analyze_file(str(source)).report.loops if l.parallel}
    assert _share(pragmas[2]) == f"(double)(n) * {per_element:.3g}"


def test_the_rewritten_share_builds_and_pays_for_the_team_at_the_first_large_call(tmp_path, calibration):
    """The share is C that gcc builds and runs; a call over arrays larger than the cache pays for the
    team at once (its share alone reaches 1), so the parallel version runs from the first call."""
    calibration(MEASURED.model_copy(update={"cold_start_ns": 2_000_000.0}))
    source = tmp_path / "k.c"
    source.write_text(VECTOR_ADD + MAIN)
    serial = tmp_path / "serial"
    subprocess.run(["gcc", "-O2", str(source), "-o", str(serial)], check=True)
    assert main(["rewrite", "-i", str(source)]) == 0
    text = source.read_text()
    binary = tmp_path / "k"
    subprocess.run(["gcc", "-O2", "-fopenmp", "-Wall", "-Werror", str(source), "-o", str(binary)], check=True)
    outputs = [subprocess.run([str(b)], capture_output=True, text=True, check=True,
                              env=dict(os.environ, OMP_NUM_THREADS="2")).stdout for b in (serial, binary)]
    assert outputs[0] == outputs[1] == "1.2e+07\n"
    share = re.search(r"autopar_team_pays_\(\(double\)\(n\) \* \(\(double\)\(n\) > ([0-9.e+]+) \? ([0-9.e+-]+) :", text)
    assert share and 4_000_000 > float(share.group(1)) and 4_000_000 * float(share.group(2)) >= 1.0


MAIN = """
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    int n = 4000000;
    double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n), *c = malloc(sizeof(double) * n);
    if (!a || !b || !c)
        return 1;
    for (int i = 0; i < n; i++) {
        a[i] = i;
        b[i] = 2 * i;
    }
    add(a, b, c, n);
    printf("%g\\n", c[n - 1] + 3);
    return 0;
}
"""
