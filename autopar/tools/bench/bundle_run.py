"""Times a bench bundle's builds on this machine (copied into a bundle as run.py; see
autopar.tools.bench.bundle). Plain Python 3.8+ with no packages: autopar need not be installed here.

    python3 run.py [--only KERNEL,...] [--budget SECONDS]

Writes runs.json beside itself after each kernel and size, so a run cut short keeps what it measured;
with --budget, no kernel and size starts once that many seconds have passed.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from rounds import Slot, run_rounds  # noqa: E402  (copied beside this file)


class Run:
    def __init__(self, returncode, wall_s: float, stdout: str, stderr: str):
        self.returncode, self.wall_s, self.stdout, self.stderr = returncode, wall_s, stdout, stderr
        self.ok = returncode == 0


def run_program(executable: str, threads: int, environment: dict, timeout: float) -> Run:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), **environment)
    # the OpenMP runtimes the builds were linked with come along in lib/
    env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in (str(HERE / "lib"), os.environ.get("LD_LIBRARY_PATH")) if p)
    start = time.perf_counter()
    try:
        done = subprocess.run([str(HERE / executable)], capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as expired:
        return Run(None, time.perf_counter() - start, _text(expired.stdout), _text(expired.stderr))
    return Run(done.returncode, time.perf_counter() - start, done.stdout[-20000:], done.stderr[-20000:])


def _text(data) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else (data or "")


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = None
    try:
        query = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
                               capture_output=True, text=True, timeout=60)
        gpu = "; ".join(line.strip() for line in query.stdout.splitlines() if line.strip()) or None
    except (OSError, subprocess.TimeoutExpired):
        pass
    return {"cores": os.cpu_count() or 1, "cpu": cpu, "system": f"{platform.system()} {platform.release()}",
            "gpu": gpu, "load_average": [round(x, 2) for x in os.getloadavg()]}


def device_count(manifest: dict):
    """omp_get_num_devices() of the bundle's probe (built as the offload plans are), or None without one."""
    if not manifest.get("device_probe"):
        return None
    probe = run_program(manifest["device_probe"], 1, {}, 120)
    text = probe.stdout.strip()
    return int(text) if probe.ok and text.isdigit() else 0


def main(argv: list) -> int:
    only = set(argv[argv.index("--only") + 1].split(",")) if "--only" in argv else None
    budget = float(argv[argv.index("--budget") + 1]) if "--budget" in argv else None
    manifest = json.loads((HERE / "manifest.json").read_text())
    out = {"machine": machine(), "groups": [],
           "started": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())}
    out["device_count"] = device_count(manifest)
    started = time.time()
    for group in manifest["groups"]:
        if only and group["kernel"] not in only:
            continue
        if budget is not None and time.time() - started > budget:
            print(f"budget of {budget:g} s spent: {group['kernel']} {group['size']} and later ones not run",
                  file=sys.stderr)
            continue
        slots = []
        for job in group["jobs"]:
            slot = Slot(job, job["config"] == "serial")
            if job["config"] == "autopar-gpu" and not out["device_count"]:
                slot.done = True
                slot.failure = ("unavailable", "unavailable (no device): omp_get_num_devices() is 0 on this machine")
            slots.append(slot)

        def run(slot, timeout):
            job = slot.key
            return run_program(job["executable"], job["threads"], job["environment"], timeout)

        def tick(slot, fraction):
            if fraction and not slot.done:
                print(f"{group['kernel']} {group['size']}: {slot.key['config']} T={slot.key['threads']}",
                      file=sys.stderr, flush=True)

        run_rounds(slots, manifest["rounds"], run, manifest["timeout_s"], tick)
        out["groups"].append({"kernel": group["kernel"], "size": group["size"], "slots": [
            {"record": slot.key["record"], "failure": slot.failure,
             "runs": [vars(r) for r in slot.runs]} for slot in slots]})
        out["duration_s"] = round(time.time() - started, 1)
        out["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        (HERE / "runs.json").write_text(json.dumps(out, indent=1))
    print(f"runs: {HERE / 'runs.json'} ({len(out['groups'])} kernel sizes, {time.time() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
