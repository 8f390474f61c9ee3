"""Copy the tables of a bench run (DIR/results.md) into README.md, between the bench-table markers.

    autopar bench --out bench-results && python benchmarks/update_readme.py bench-results
"""

from __future__ import annotations

import sys
from pathlib import Path

START, END = "<!-- bench-table-start -->", "<!-- bench-table-end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    results = Path(argv[0]) / "results.md"
    if not results.is_file():
        print(f"no {results}: run `autopar bench --out {argv[0]}` first", file=sys.stderr)
        return 2
    text = README.read_text()
    if START not in text or END not in text:
        print(f"README.md has no {START} ... {END} markers", file=sys.stderr)
        return 1
    tables = results.read_text().replace("### ", "#### ")  # nest under the README's "Latest results"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{tables.strip()}\n{END}{tail}")
    print(f"updated {README} from {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
