"""What a rewrite added, taken away again: tests that a rewrite changes nothing but autopar's own lines."""

from __future__ import annotations

import re

from autopar.edit.team_gate import TEAM_GATE_DEFINITION

_MARK = rb"} else { /* autopar: off"


def without_autopar_lines(data: bytes, newline: bytes = b"\n") -> bytes:
    """`data` without inserted pragma lines and without the parts of a versioned loop
    (`if (c) {` above the pragma; `} else { /* autopar: off ... */`, the serial copy and its `}`).
    Assumes each versioned loop ended its line in the original, as in the test files. The start-up
    gate's definition (TEAM_GATE_DEFINITION) goes too."""
    data = data.replace(TEAM_GATE_DEFINITION.replace("\n", newline.decode()).encode(), b"")
    lines = data.split(newline)
    kept: list[bytes] = []
    loop_start = 0  # where the kept lines of the last versioned loop begin
    index = 0
    while index < len(lines):
        line = lines[index]
        following = lines[index + 1] if index + 1 < len(lines) else b""
        if re.match(rb"\s*if \(.*\) \{$", line) and following.strip().startswith(b"#pragma omp"):
            index += 2  # the `if` of a versioned loop and its pragma
            loop_start = len(kept)
            continue
        if line.strip().startswith(b"#pragma omp"):
            index += 1
            continue
        if line.strip().startswith(_MARK):
            index += 1 + (len(kept) - loop_start) + 1  # the mark, the serial copy, its `}`
            continue
        kept.append(line)
        index += 1
    return newline.join(kept)
