"""Which macros a restructured statement may name. The statement is rewritten as text with its loop
counters renamed (codegen.statement_macro): a macro that names anything but its own parameters and
constants (`#define U(di, dj) u[i + (di)][j + (dj)]`, `#define CT(r, c) C[c][r]`) would still name the
user's counters, which the new loops never set, or an array the accesses of the text do not show.
Read from the `#define` lines of the file and of its own headers."""

from __future__ import annotations

import re

_DEFINE = re.compile(rb"^[ \t]*(?:#|%:|\?\?=)[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)]*\))?((?:[^\n\\]|\\.)*(?:\\\n(?:[^\n\\]|\\.)*)*)",
                     re.M)
_NAME = re.compile(r"[A-Za-z_]\w*")


def unsafe_macros(texts: list[bytes]) -> set[str]:
    """The macros defined in `texts` whose expansion names anything but their parameters and other
    macros that name nothing (`#define N 200`, `#define SQR(x) ((x) * (x))` are safe)."""
    bodies: dict[str, tuple[set[str], set[str]]] = {}  # name -> (its parameters, the names its body uses)
    for text in texts:
        for match in _DEFINE.finditer(text):
            name = match.group(1).decode("latin-1")
            params = set(_NAME.findall(match.group(2).decode("latin-1"))) if match.group(2) else set()
            body = re.sub(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", " ", match.group(3).decode("latin-1"))
            bodies[name] = (params, set(_NAME.findall(body)) - {"sizeof"})
    unsafe: set[str] = set()
    changed = True
    while changed:  # a macro is unsafe when it names a non-macro or an unsafe macro
        changed = False
        for name, (params, names) in bodies.items():
            if name not in unsafe and any(n not in params and (n not in bodies or n in unsafe) for n in names):
                unsafe.add(name)
                changed = True
    return unsafe
