"""What a parallel region costs on this machine: measured once per machine and thread count, cached.

The cost model counts work in units of about one memory access. Whether a parallel region pays
depends on how many units it costs to start and join a thread team, how long a barrier and a
dynamically scheduled chunk take, and how many threads there are. These are measured by a small
OpenMP program (`autopar calibrate`; run on first use) and kept in the cache directory, one file
per machine, compiler and thread count.

`AUTOPAR_CALIBRATION=builtin` uses a fixed reference model instead (4 threads, a 3 µs fork), so that
results are the same on every machine: the test suite uses it. `AUTOPAR_CALIBRATION=FILE` reads a
saved calibration.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import os
import platform
import re
import shutil
import subprocess
import tempfile
from typing import Optional

from pydantic import BaseModel

from autopar.atomic import cache_dir, replace_file

CALIBRATION_VERSION = 3


class MachineModel(BaseModel):
    version: int = CALIBRATION_VERSION
    threads: int  # the team size a parallel region gets
    unit_ns: float  # one work unit (about one memory access of a simple loop)
    fork_ns: float  # entering and leaving a `parallel for` region with a static schedule
    barrier_ns: float
    dynamic_chunk_ns: float  # handing out one chunk of a schedule(dynamic) loop
    # the first parallel region of a process, which starts the thread team: far more than a warm one
    cold_start_ns: float = 100_000.0
    # one access of a loop that branches on the data it reads, which compilers do not vectorise
    # (`if (w > 0 && d + w < dist[v]) ...`); None: as unit_ns
    branchy_unit_ns: Optional[float] = None
    # what a byte costs on top when it comes from memory, not a cache: a row of a large matrix that
    # each call reads afresh (`adj[u * n + v]` for another `u` each time)
    stream_ns_per_byte: float = 0.0
    # the same for a loop that streams through arrays in order (vectorised, prefetched), like
    # `c[i] = a[i] + b[i]` over more than a core's caches hold (cache_bytes)
    bandwidth_ns_per_byte: float = 0.0
    cache_bytes: int = 0  # the largest cache a core has to itself (0: not known)
    measured: bool  # False for the reference model
    source: str  # where the figures come from, in words

    @property
    def fork_units(self) -> float:
        return self.fork_ns / self.unit_ns

    @property
    def cold_start_units(self) -> float:
        return self.cold_start_ns / self.unit_ns

    @property
    def branchy_factor(self) -> float:
        """How many work units an access of a branchy loop is worth (1 where not measured)."""
        return max(1.0, (self.branchy_unit_ns or self.unit_ns) / self.unit_ns)

    @property
    def stream_units_per_byte(self) -> float:
        return self.stream_ns_per_byte / self.unit_ns

    @property
    def dynamic_chunk_units(self) -> float:
        return self.dynamic_chunk_ns / self.unit_ns

    @property
    def min_parallel_work(self) -> float:
        """Work below which a region's runtime threshold keeps the loop serial: a region must do
        several times its own overhead to win clearly on a loaded machine."""
        return 20000.0 / 3000.0 * self.fork_units

    def describe(self) -> str:
        return (f"{self.threads} threads; parallel region {self.fork_ns / 1000:.3g} µs "
                f"(~{self.fork_units:.0f} work units), barrier {self.barrier_ns / 1000:.3g} µs, dynamic chunk "
                f"{self.dynamic_chunk_ns:.3g} ns, first region {self.cold_start_ns / 1000:.3g} µs, work unit {self.unit_ns:.3g} ns"
                f"{self._access_costs()} ({self.source})")

    def _access_costs(self) -> str:
        if self.branchy_unit_ns is None and not self.stream_ns_per_byte and not self.bandwidth_ns_per_byte:
            return ""
        return (f" ({self.branchy_factor:.3g} in a branchy loop), a byte from memory "
                f"{self.stream_ns_per_byte:.3g} ns more ({self.bandwidth_ns_per_byte:.3g} ns streamed in order, "
                f"beyond a cache of {self.cache_bytes / (1 << 20):.3g} MB)")


class DeviceModel(BaseModel):
    """What an offloaded region costs: starting it, moving its data, and how much faster the device
    does a work unit than one host core. Reference figures, not measured (no device was at hand to
    measure one): a kernel launch and its synchronization through libomptarget take tens of
    microseconds, PCIe moves about 10 GB/s, and a GPU runs a simple loop's iterations some tens of
    times faster than a core."""

    launch_ns: float = 20_000.0
    ns_per_byte: float = 0.1
    speedup: float = 20.0
    source: str = "reference device figures, not measured: 20 µs a launch, 10 GB/s, 20x a core"


DEVICE = DeviceModel()


# The reference model: the figures the cost model was first written with.
REFERENCE = MachineModel(threads=4, unit_ns=1.0, fork_ns=3000.0, barrier_ns=1000.0, dynamic_chunk_ns=100.0,
                         cold_start_ns=100_000.0, measured=False, source="reference model, not measured")


def thread_count() -> int:
    """What OpenMP will use: OMP_NUM_THREADS (its first level), else the CPUs this process may run on."""
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@functools.lru_cache(maxsize=8)
def _model_for(setting: str, threads: int) -> MachineModel:
    if setting == "builtin":
        return REFERENCE
    if setting:
        try:
            with open(setting, encoding="utf-8") as handle:
                return MachineModel.model_validate_json(handle.read())
        except (OSError, ValueError):
            pass  # an unreadable file: measure instead, as without the setting
    cached = cache_path(threads)
    try:
        with open(cached, encoding="utf-8") as handle:
            model = MachineModel.model_validate_json(handle.read())
        if model.version == CALIBRATION_VERSION:
            return model
    except (OSError, ValueError):
        pass
    measured = calibrate(threads)
    if measured is None:
        return REFERENCE.model_copy(update={"threads": threads, "source": "reference model: no OpenMP compiler "
                                                                          "to measure with"})
    save(measured, cached)
    return measured


def current() -> MachineModel:
    """The machine model for this process's thread count (measured on first use, then cached)."""
    return _model_for(os.environ.get("AUTOPAR_CALIBRATION", ""), thread_count())


def _compiler() -> Optional[str]:
    configured = os.environ.get("AUTOPAR_CC", "").split()
    for name in (configured[-1] if configured else None, "gcc", "cc", "clang"):
        if name and shutil.which(name):
            return name
    return None


def cpu_model() -> str:
    """The processor's name as the kernel reports it ("AMD EPYC ..."), else what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


_CPU0 = "/sys/devices/system/cpu/cpu0"


def private_cache_bytes() -> int:
    """The largest cache a core does not share with another core (L2 on most machines: its
    hyper-threads count as the core; an L3 a virtual machine reports may be the host's, shared with
    others), from sysfs; 0 where not known."""
    own = _cpu_list(_read(os.path.join(_CPU0, "topology", "thread_siblings_list"))) or {0}
    largest = 0
    for index in glob.glob(os.path.join(_CPU0, "cache", "index*")):
        size, shared = _read(os.path.join(index, "size")), _cpu_list(_read(os.path.join(index, "shared_cpu_list")))
        match = re.fullmatch(r"(\d+)([KMG]?)", size)
        if match and shared and shared <= own:
            largest = max(largest, int(match.group(1)) * {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(match.group(2), 1))
    return largest


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def _cpu_list(text: str) -> set[int]:
    """sysfs's CPU list (`0-1,56`) as a set; empty where it is not one."""
    cpus: set[int] = set()
    for part in text.split(","):
        bounds = part.split("-")
        if not all(b.isdigit() for b in bounds) or len(bounds) > 2:
            return set()
        cpus |= set(range(int(bounds[0]), int(bounds[-1]) + 1))
    return cpus


def cache_path(threads: int) -> str:
    key = hashlib.sha256(f"{cpu_model()}|{os.cpu_count()}|{_compiler()}|{threads}".encode()).hexdigest()[:16]
    return os.path.join(str(cache_dir()), "calibration", f"{key}-{threads}t.json")


def save(model: MachineModel, path: str) -> None:
    try:
        replace_file(path, (model.model_dump_json(indent=2) + "\n").encode())
    except OSError:
        pass  # a read-only cache: measure again next time


_PROGRAM = r"""
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#define LEN 4096
/* rows of ROW ints: 64 MB, more than a core keeps in its caches; a row's length is not a power of
   two, as most are not (rows aligned to pages stream faster) */
#define ROW 4000
#define ROWS 4000
static double a[LEN], b[LEN], c[LEN];
static int low[ROW];
static double best(double x, double y) { return x < y ? x : y; }
/* A branchy loop over a row (a shortest-path relaxation): the cost model counts 4 units an
   iteration (1 + its three accesses). The same row each pass stays in cache; rows in scattered
   order come from memory. Returns seconds per iteration. */
static double relax_rows(const int *big, int passes, int scattered) {
    double t = omp_get_wtime();
    for (int k = 0; k < passes; k++) {
        const int *row = big + (size_t)(scattered ? k * 2477 % ROWS : 7) * ROW;  /* 2477: a permutation of the rows */
        for (int v = 0; v < ROW; v++) {
            int w = row[v];
            if (w > 0 && w + k < low[v])
                low[v] = w + k;
        }
    }
    return (omp_get_wtime() - t) / ((double)passes * ROW);
}
/* A sum over the matrix in order (a streaming loop, vectorised), or over one row again and again;
   seconds per element */
static double sum_rows(const int *big, int passes, int streamed, unsigned *total) {
    double t = omp_get_wtime();
    unsigned s = 0;
    for (int k = 0; k < passes; k++) {
        const int *row = big + (size_t)(streamed ? k : 7) * ROW;
        for (int v = 0; v < ROW; v++)
            s += (unsigned)row[v];
    }
    *total += s;
    return (omp_get_wtime() - t) / ((double)passes * ROW);
}
/* "memory": the costs of accesses unlike the simple loop's, in a run of its own, so that a
   machine that cannot spare 64 MB loses these figures only */
static int memory(void) {
    int *big = malloc(sizeof(int) * (size_t)ROW * ROWS);
    if (!big)
        return 1;
    for (size_t i = 0; i < (size_t)ROW * ROWS; i++) big[i] = (int)((i * 2654435761u) >> 20) & 127;
    for (int v = 0; v < ROW; v++) low[v] = 1000;
    double cached = 1e9, scattered = 1e9, summed = 1e9, in_order = 1e9;
    unsigned total = 0;
    for (int trial = 0; trial < 3; trial++) {
        cached = best(cached, relax_rows(big, 256, 0));
        scattered = best(scattered, relax_rows(big, ROWS, 1));
    }
    for (int trial = 0; trial < 3; trial++) {
        summed = best(summed, sum_rows(big, 256, 0, &total));
        in_order = best(in_order, sum_rows(big, ROWS, 1, &total));
    }
    free(big);
    printf("%g %g %g\n", cached / 4 * 1e9, (scattered > cached ? (scattered - cached) / sizeof(int) : 0) * 1e9,
           (in_order > summed ? (in_order - summed) / sizeof(int) : 0) * 1e9);
    volatile unsigned kept = total + (unsigned)low[1];  /* the sums stay computed */
    (void)kept;
    return 0;
}
int main(int argc, char **argv) {
    int threads = omp_get_max_threads(), reps = 400;
    if (argc > 1 && argv[1][0] == 'm')
        return memory();
    if (argc > 1) {  /* "cold": the first region of this process only */
        double start = omp_get_wtime();
        #pragma omp parallel
        { a[omp_get_thread_num()] += 1; }
        printf("%g\n", (omp_get_wtime() - start) * 1e9);
        return 0;
    }
    double unit = 1e9, fork = 1e9, barrier = 1e9, chunk = 1e9, t, t2;
    volatile double sink = 0;
    for (int i = 0; i < LEN; i++) { b[i] = i; c[i] = 2 * i; }
    for (int trial = 0; trial < 7; trial++) {
        t = omp_get_wtime();
        for (int k = 0; k < 100; k++) {
            for (int i = 0; i < LEN; i++) a[i] = b[i] + c[i] * k;
            sink += a[k];
        }
        unit = best(unit, (omp_get_wtime() - t) / (100.0 * LEN * 3));
        #pragma omp parallel
        { sink += 0; }
        t = omp_get_wtime();
        for (int k = 0; k < reps; k++) {
            #pragma omp parallel for
            for (int i = 0; i < threads; i++) a[i] += 1;
        }
        fork = best(fork, (omp_get_wtime() - t) / reps);
        t = omp_get_wtime();
        #pragma omp parallel
        for (int k = 0; k < reps; k++) {
            #pragma omp barrier
        }
        barrier = best(barrier, (omp_get_wtime() - t) / reps);
        t = omp_get_wtime();
        #pragma omp parallel for schedule(static)
        for (int i = 0; i < 64 * LEN; i++) a[i % LEN] += 1e-9;
        t2 = omp_get_wtime();
        #pragma omp parallel for schedule(dynamic, 1)
        for (int i = 0; i < 64 * LEN; i++) a[i % LEN] += 1e-9;
        chunk = best(chunk, ((omp_get_wtime() - t2) - (t2 - t)) / (64.0 * LEN));
    }
    printf("%d %g %g %g %g\n", threads, unit * 1e9, fork * 1e9, barrier * 1e9, chunk * 1e9);
    return sink == 12345.0;
}
"""


COLD_RUNS = 5


def _run(binary: str, threads: int, *args: str) -> subprocess.CompletedProcess:
    """One run of the measuring program with `threads` threads (it may raise what subprocess raises)."""
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, OMP_NUM_THREADS=str(threads)))


def _memory_figures(binary: str, threads: int) -> tuple[float, float, float]:
    """(a branchy loop's access, a scattered row's byte, an in-order stream's byte), in ns, from the
    program's "memory" run; zeros where it cannot run (64 MB it may not get), which leaves the model
    without them."""
    try:
        ran = _run(binary, threads, "memory")
        fields = [float(f) for f in ran.stdout.split()]
    except (OSError, subprocess.SubprocessError, ValueError):
        return 0.0, 0.0, 0.0
    return (fields[0], fields[1], fields[2]) if ran.returncode == 0 and len(fields) == 3 else (0.0, 0.0, 0.0)


def calibrate(threads: Optional[int] = None) -> Optional[MachineModel]:
    """Measure this machine with the OpenMP compiler autopar-cc would use. None when nothing can
    compile or run the program."""
    threads = threads or thread_count()
    compiler = _compiler()
    if compiler is None:
        return None
    with tempfile.TemporaryDirectory(prefix="autopar-calibrate-") as folder:
        source, binary = os.path.join(folder, "calibrate.c"), os.path.join(folder, "calibrate")
        with open(source, "w", encoding="utf-8") as handle:
            handle.write(_PROGRAM)
        try:
            built = subprocess.run([compiler, "-O2", "-fopenmp", source, "-o", binary], capture_output=True,
                                   timeout=60)
            if built.returncode != 0:
                return None
            ran = _run(binary, threads)
            fields = ran.stdout.split()
            if ran.returncode != 0 or len(fields) != 5:
                return None
            team, unit, fork, barrier, chunk = int(fields[0]), *map(float, fields[1:])
            branchy, stream, bandwidth = _memory_figures(binary, threads)
            # a team's start varies a lot from process to process (0.1-9 ms on a virtual machine):
            # the median of a few fresh processes
            colds = sorted(float(_run(binary, threads, "cold").stdout) for _ in range(COLD_RUNS))
        except (OSError, subprocess.SubprocessError, ValueError):
            return None
    return MachineModel(threads=team, unit_ns=max(unit, 0.05), fork_ns=max(fork, 100.0),
                        barrier_ns=max(barrier, 10.0), dynamic_chunk_ns=max(chunk, 1.0),
                        cold_start_ns=max(colds[len(colds) // 2], fork, 100.0),
                        branchy_unit_ns=max(branchy, unit) if branchy > 0 else None,
                        stream_ns_per_byte=max(stream, 0.0), bandwidth_ns_per_byte=max(bandwidth, 0.0),
                        cache_bytes=private_cache_bytes(), measured=True,
                        source=f"measured with {compiler} -O2 -fopenmp")
