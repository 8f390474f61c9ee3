"""A snapshot of everything the dependence stage decides on real files, for the equivalence test.

For every nest of the loop catalogue (`tests/catalogue/*.c`), of the kernel suite
(`benchmarks/kernels/*.c`) and of a few real and generated files in `tests/data/`, it records:

- per loop of each nest, the dependence graph of that loop (the graph `candidates` reads): each
  edge's source, sink, kind, carrying loop, distance, exactness, alias pair and reason;
- the nest's analysis: verdicts, every candidate plan, the default and its reason.

`python tests/deps_snapshot.py --write` regenerates `tests/data/deps_snapshot.json.gz`. Do that only
when a change of an answer is intended, and say why in the commit.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

# the cost model's reference figures, as in the test suite: the saved defaults must not depend on
# the machine that wrote them
os.environ.setdefault("AUTOPAR_CALIBRATION", "builtin")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

SNAPSHOT = HERE / "data" / "deps_snapshot.json.gz"  # gzip: brotli alone has 22,000 alias edges
BROTLI = HERE / "data" / "frontend" / "brotli"


def files() -> list[tuple[str, list[str]]]:
    """(path relative to the repository root, compile arguments) of every file in the snapshot."""
    out: list[tuple[str, list[str]]] = []
    for pattern in ("tests/catalogue/*.c", "benchmarks/kernels/*.c", "tests/data/frontend/*.c",
                    "tests/data/frontend/*.cpp", "tests/data/cfd/*.c"):
        out += [(str(p.relative_to(ROOT)), []) for p in sorted(ROOT.glob(pattern))]
    out.append((str((BROTLI / "c" / "dec" / "decode.c").relative_to(ROOT)),
                ["-I", str((BROTLI / "c" / "include").relative_to(ROOT))]))
    return out


def _edge(edge) -> list:
    return [edge.source, edge.sink, edge.kind, edge.loop, edge.distance, edge.exact,
            list(edge.alias) if edge.alias else None, edge.reason]


def file_snapshot(path: str, args: list[str]) -> dict:
    from autopar.plans.candidates import analyze_nest
    from autopar.deps import analysis
    from autopar.decision.pipeline import load_translation_unit

    tu = load_translation_unit(path, args)
    graphs: dict[str, object] = {}
    for loop in tu.loops:
        try:
            graph = analysis(tu, loop.id).graph
            graphs[loop.id] = sorted((_edge(e) for e in graph.edges), key=json.dumps)
        except Exception as error:  # recorded: an analysis that fails must keep failing the same way
            graphs[loop.id] = f"error: {type(error).__name__}"
    # the reason codes (tests/test_reason_codes.py) are not part of the snapshot: it predates them
    nests = [analyze_nest(tu, root).model_dump(mode="json", exclude={"verdicts": {"__all__": {"codes"}}})
             for root in tu.nest_roots()]
    return {"loops": len(tu.loops), "graphs": graphs, "nests": nests}


def snapshot() -> dict:
    cwd = os.getcwd()
    os.chdir(ROOT)  # loop ids name files as given: relative to the repository root
    try:
        return {path: file_snapshot(path, args) for path, args in files()}
    finally:
        os.chdir(cwd)


def load() -> dict:
    return json.loads(gzip.decompress(SNAPSHOT.read_bytes()))


def main(argv: list[str]) -> int:
    data = snapshot()
    if "--write" in argv:
        text = json.dumps(data, indent=0, sort_keys=True) + "\n"
        SNAPSHOT.write_bytes(gzip.compress(text.encode(), compresslevel=9, mtime=0))
        edges = sum(len(g) for f in data.values() for g in f["graphs"].values() if isinstance(g, list))
        print(f"wrote {SNAPSHOT}: {len(data)} files, {edges} edges")
    else:
        print(json.dumps(data, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
