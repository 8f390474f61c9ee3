"""Tables and plots from `autopar bench` results (results.json), laid out like the paper's.

Rules the tables follow, stated once here and in the markdown itself:
- speedup = serial median time / configuration median time, both of the kernel alone (`time_s`);
- a result whose output differs from serial, or that raced, is marked and never counted as a speedup;
- the geometric mean of an approach is over the kernels where it verified; `fallback geomean`
  counts every other kernel as 1.0x (what a user gets by keeping the serial code when a tool fails).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

from autopar.tools.bench.results import BenchRecord, BenchResults

MARK = {"wrong-output": "wrong", "race": "race", "compile-failed": "no build", "run-failed": "crash",
        "timeout": "timeout", "tool-failed": "tool failed", "unavailable": "n/a"}


def write_report(results: BenchResults, out_dir: str, plots: bool = True) -> list[str]:
    """Write results.md (and PNG plots when matplotlib is installed); returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [str(out / "results.md")]
    (out / "results.md").write_text(markdown(results))
    if plots:
        written.extend(write_plots(results, out))
    return written


def main_size(results: BenchResults) -> str:
    return "medium" if "medium" in results.sizes else results.sizes[-1]


def markdown(results: BenchResults) -> str:
    size, top = main_size(results), max(results.threads)
    m = results.machine
    parts = [
        f"Measured {results.started} on {m.cores} cores ({m.cpu}), {m.system}; {m.gcc}; {m.clang}."
        + (f" GPU: {m.gpu}." if m.gpu else "")
        + (f" Built on {results.built_on.cores} cores ({results.built_on.cpu}) and timed here from a bundle."
           if results.built_on else "")
        + (f" Load average (1/5/15 min) at the start: {', '.join(map(str, m.load_average))}" if m.load_average else "")
        + (f"; at the end: {', '.join(map(str, m.load_average_end))}." if m.load_average_end else "."),
        f"Timings: median of {results.repeat} runs after {results.warmup} warm-up run(s), kernel time only, "
        f"builds run round-robin, OMP_WAIT_POLICY={results.omp_wait_policy or '(runtime default)'}. "
        f"Floating-point checksums must match serial within a relative {results.tolerance:g}; integers exactly.",
        "",
    ]
    if m.cores <= 2:
        parts.append(f"With {m.cores} cores the ideal speedup is {m.cores}x; no result here can show more.\n")
    parts += [f"### Speedup over serial per kernel ({size}, {top} threads)", "", per_kernel_table(results, size, top), ""]
    parts += ["### Summary by approach", "", summary_table(results, size, top), ""]
    if len(results.sizes) > 1:
        parts += [f"### Input-size scaling (geomean speedup over verified kernels, {top} threads)", "",
                  size_scaling_table(results, top), ""]
    if len(results.threads) > 1:
        parts += [f"### Thread scaling (geomean speedup over verified kernels, {size})", "",
                  thread_scaling_table(results, size), ""]
    parts += ["### Correctness per approach (all sizes and thread counts)", "", correctness_table(results), ""]
    if results.unavailable:
        parts += ["### Unavailable configurations", ""]
        parts += [f"- `{config}`: {why}" for config, why in results.unavailable.items()]
        parts.append("")
    failures = [r for r in results.records if r.status not in ("ok", "unavailable")]
    if failures:
        parts += ["### Failures", ""]
        parts += [f"- {r.kernel} {r.size} `{r.config}` T={r.threads}: {r.status}: "
                  f"{(r.error or '').strip().splitlines()[0] if (r.error or '').strip() else ''}" for r in failures]
        parts.append("")
    parts.append("Cells: `1.85x` verified; `wrong` output differs from serial; `race` ThreadSanitizer "
                 "found a data race; `crash`/`no build`/`timeout`/`tool failed` (autopar's analysis crashed); `n/a` configuration unavailable.")
    return "\n".join(parts) + "\n"


def per_kernel_table(results: BenchResults, size: str, threads: int) -> str:
    configs = [c for c in results.configs if c != "serial"]
    rows = [["kernel", "serial (s)", *configs]]
    for kernel in results.kernels:
        serial = _find(results, kernel, size, "serial", 1)
        row = [kernel, f"{serial.timing.median_s:.3g}" if serial and serial.timing else "—"]
        for config in configs:
            row.append(_cell(_find(results, kernel, size, config, threads)))
        rows.append(row)
    return _table(rows)


def summary_table(results: BenchResults, size: str, threads: int) -> str:
    rows = [["approach", "verified", "geomean speedup (verified)", "fallback geomean", "kernels > 1.1x",
             "mean efficiency", "best", "worst"]]
    for config in results.configs:
        if config == "serial":
            continue
        records = [_find(results, k, size, config, threads) for k in results.kernels]
        good = [r for r in records if r and r.status == "ok" and r.speedup]
        speedups = [r.speedup for r in good]
        fallback = speedups + [1.0] * (len(results.kernels) - len(good))
        rows.append([config, f"{len(good)}/{len(results.kernels)}", _x(_geomean(speedups)), _x(_geomean(fallback)),
                     str(sum(s > 1.1 for s in speedups)),
                     f"{sum(r.efficiency for r in good) / len(good):.2f}" if good else "—",
                     _best(good, max), _best(good, min)])
    return _table(rows)


def size_scaling_table(results: BenchResults, threads: int) -> str:
    rows = [["approach", *results.sizes]]
    for config in results.configs:
        if config == "serial":
            continue
        row = [config]
        for size in results.sizes:
            row.append(_x(_geomean(_verified_speedups(results, size, config, threads))))
        rows.append(row)
    return _table(rows)


def thread_scaling_table(results: BenchResults, size: str) -> str:
    rows = [["approach", *[f"{t} thread{'s' if t > 1 else ''}" for t in results.threads]]]
    for config in results.configs:
        if config == "serial":
            continue
        rows.append([config, *[_x(_geomean(_verified_speedups(results, size, config, t))) for t in results.threads]])
    return _table(rows)


def correctness_table(results: BenchResults) -> str:
    rows = [["approach", "runs", "output matches", "race checks clean", "wrong output", "races", "crash/build/tool",
             "pragmas inserted", "tool latency (mean s)"]]
    for config in results.configs:
        if config == "serial":
            continue
        records = [r for r in results.records if r.config == config and r.status != "unavailable"]
        checks = [c for c in results.race_checks if c.config == config]
        latencies = {r.kernel: r.tool_latency_s for r in records if r.tool_latency_s is not None}
        pragmas = {r.kernel: r.parallel_loops for r in records if r.parallel_loops is not None}
        rows.append([
            config, str(len(records)),
            f"{sum(r.output_match is True for r in records)}/{len(records)}" if records else "—",
            f"{sum(c.race_free is True for c in checks)}/{len(checks)}" if checks else "not checked",
            str(sum(r.status == "wrong-output" for r in records)),
            str(sum(c.race_free is False for c in checks)),
            str(sum(r.status in ("compile-failed", "run-failed", "timeout", "tool-failed") for r in records)),
            str(sum(pragmas.values())) if pragmas else "—",
            f"{sum(latencies.values()) / len(latencies):.2f}" if latencies else "—",
        ])
    return _table(rows)


# ------------------------------------------------------------------------------------------- plots

def write_plots(results: BenchResults, out: Path) -> list[str]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    size, top = main_size(results), max(results.threads)
    configs = [c for c in results.configs if c != "serial"]

    figure, axes = plt.subplots(figsize=(max(8, len(results.kernels) * 1.1), 4.5))
    width = 0.8 / max(1, len(configs))
    for index, config in enumerate(configs):
        values = []
        for kernel in results.kernels:
            record = _find(results, kernel, size, config, top)
            values.append(record.speedup if record and record.status == "ok" and record.speedup else 0.0)
        positions = [k + (index - (len(configs) - 1) / 2) * width for k in range(len(results.kernels))]
        axes.bar(positions, values, width, label=config)
    axes.axhline(1.0, color="black", linewidth=0.8)
    axes.axhline(float(top), color="grey", linewidth=0.8, linestyle="--", label=f"ideal ({top}x)")
    axes.set_xticks(range(len(results.kernels)), results.kernels, rotation=30, ha="right")
    axes.set_ylabel("speedup over serial (0 = failed verification)")
    axes.set_title(f"Speedup per kernel ({size}, {top} threads, {results.machine.cores} cores)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out / "speedup_per_kernel.png", dpi=120)
    plt.close(figure)
    written.append(str(out / "speedup_per_kernel.png"))

    for axis_name, values, label, getter in (
            ("threads", results.threads, "threads", lambda c, t: _verified_speedups(results, size, c, t)),
            ("sizes", results.sizes, "input size", lambda c, s: _verified_speedups(results, s, c, top))):
        if len(values) < 2:
            continue
        figure, axes = plt.subplots(figsize=(6, 4))
        for config in configs:
            axes.plot([str(x) for x in values], [_geomean(getter(config, x)) or 0.0 for x in values],
                      marker="o", label=config)
        if axis_name == "threads":
            axes.plot([str(x) for x in values], values, linestyle="--", color="grey", label="ideal")
        axes.set_xlabel(label)
        axes.set_ylabel("geomean speedup over verified kernels")
        axes.set_title(f"Scaling with {label} ({results.machine.cores} cores)")
        axes.legend(fontsize=8)
        figure.tight_layout()
        path = out / f"scaling_{axis_name}.png"
        figure.savefig(path, dpi=120)
        plt.close(figure)
        written.append(str(path))
    return written


# ------------------------------------------------------------------------------------------ helpers

def _find(results: BenchResults, kernel: str, size: str, config: str, threads: int) -> Optional[BenchRecord]:
    for record in results.records:
        if (record.kernel, record.size, record.config, record.threads) == (kernel, size, config, threads):
            return record
    return None


def _verified_speedups(results: BenchResults, size: str, config: str, threads: int) -> list[float]:
    return [r.speedup for r in results.records
            if r.size == size and r.config == config and r.threads == threads and r.status == "ok" and r.speedup]


def _cell(record: Optional[BenchRecord]) -> str:
    if record is None:
        return "—"
    if record.status == "ok" and record.speedup is not None:
        return f"{record.speedup:.2f}x"
    mark = MARK.get(record.status, record.status)
    return f"{mark} ({record.speedup:.2f}x)" if record.speedup is not None else mark


def _geomean(values: list[float]) -> Optional[float]:
    values = [x for x in values if x and x > 0]
    if not values:
        return None
    return math.exp(sum(math.log(x) for x in values) / len(values))


def _x(value: Optional[float]) -> str:
    return f"{value:.2f}x" if value is not None else "—"


def _best(records: list[BenchRecord], pick) -> str:
    if not records:
        return "—"
    chosen = pick(records, key=lambda r: r.speedup)
    return f"{chosen.kernel} {chosen.speedup:.2f}x"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(rows[0], widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |" for row in rows[1:]]
    return "\n".join(lines)
