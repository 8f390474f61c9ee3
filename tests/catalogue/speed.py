"""Time the static analysis of a large C file: `python tests/catalogue/speed.py [file.c]`.

Without an argument it builds a loop-dense file of about 3,000 lines from the catalogue's kernels
(each copy's functions renamed) and times the front end and the dependence/candidate stage apart.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from autopar.decision.pipeline import analyze_tu, load_translation_unit  # noqa: E402


def dense_file(target_lines: int = 3000) -> str:
    """Catalogue kernels without their main(), repeated with renamed functions up to target_lines."""
    bodies = []
    for path in sorted(HERE.glob("*.c")):
        text = path.read_text()
        bodies.append(text[:text.index("int main(")])
    out, copy = [], 0
    while sum(b.count("\n") for b in out) < target_lines:
        for k, body in enumerate(bodies):
            names = set(re.findall(r"^\w[\w\s\*]*?\b(\w+)\(", body, re.M)) - {"main"}
            renamed = body
            for name in sorted(names, key=len, reverse=True):
                renamed = re.sub(rf"\b{name}\b", f"{name}_{copy}_{k}", renamed)
            # globals and types too, so copies do not clash
            globals_ = [re.match(r"\s*(\w+)", part).group(1)
                        for line in re.findall(r"^(?:double|float|int) ([^(]*?);$", body, re.M)
                        for part in line.split(",")]
            for decl in globals_ + \
                    re.findall(r"^struct (\w+) \{", body, re.M) + re.findall(r"\} (\w+);", body):
                renamed = re.sub(rf"\b{decl}\b", f"{decl}_{copy}_{k}", renamed)
            renamed = re.sub(r"^#include.*$", "", renamed, flags=re.M)
            renamed = re.sub(r"^#define (\w+)", r"#undef \1\n#define \1", renamed, flags=re.M)
            out.append(renamed)
        copy += 1
    return "#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n" + "\n".join(out)


def measure(path: str) -> dict:
    import autopar.plans.candidates  # noqa: F401  (imports are not analysis time)
    t0, c0 = time.perf_counter(), time.process_time()
    tu = load_translation_unit(path)
    t1, c1 = time.perf_counter(), time.process_time()
    fa = analyze_tu(tu)
    t2, c2 = time.perf_counter(), time.process_time()
    lines = Path(path).read_text(errors="replace").count("\n")
    return {"file": path, "lines": lines, "loops": len(tu.loops), "front_end_s": round(t1 - t0, 3),
            "analysis_s": round(t2 - t1, 3), "front_end_cpu_s": round(c1 - c0, 3),
            "analysis_cpu_s": round(c2 - c1, 3), "parallel": sum(l.parallel for l in fa.report.loops),
            "errors": [d.message for d in tu.diagnostics if d.severity in ("error", "fatal")][:3]}


def main(argv: list[str]) -> int:
    if argv:
        path = argv[0]
    else:
        path = str(Path(tempfile.mkdtemp()) / "dense.c")
        Path(path).write_text(dense_file())
    print(measure(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
