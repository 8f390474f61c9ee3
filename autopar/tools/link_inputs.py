"""What a link command links, as link-time parallelization (autopar.tools.cc_link) needs to know it:
whether its options may redirect or export calls (then nothing is done), which of its arguments are
objects and archives, and the global symbols each defines (`nm`), so that a function is taken from
an object only when that object is the one strong definition in the link.
"""

from __future__ import annotations

import subprocess
from typing import Optional

from autopar.flags import FLAGS_WITH_VALUE, LINK_SHAPING, LINK_SHAPING_JOINED

# the letters `nm` gives a global definition: code, data, read-only data, small or common data
_DEFINED = set("TDBRGSCV") | set("W")


def shapes_the_link(args: list[str]) -> bool:
    """Whether an option may change which definition a call reaches or who calls the code: a shared
    or relocatable output, wrapped or exported symbols, a linker script, options the linker reads
    unseen (`-Wl,--wrap=f`, `-shared`, `-r`, `-T`, ...: autopar.flags.LINK_SHAPING)."""
    return any(arg.split("=", 1)[0] in LINK_SHAPING or arg.startswith(LINK_SHAPING_JOINED) for arg in args)


def object_inputs(args: list[str]) -> list[tuple[int, str]]:
    """(index, path) of each object or archive the command links (not an option's value)."""
    out, skip = [], False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg in FLAGS_WITH_VALUE:
            skip = True
            continue
        if not arg.startswith("-") and arg.endswith((".o", ".a")):
            out.append((i, arg))
    return out


def defined_symbols(path: str) -> Optional[dict[str, str]]:
    """name -> nm's letter of each global symbol the object or archive defines (an archive's members
    together; a name defined twice gets '2'); None when nm cannot read it."""
    try:
        done = subprocess.run(["nm", "-g", "--defined-only", path], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    found: dict[str, str] = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].upper() in _DEFINED:
            found[parts[2]] = "2" if parts[2] in found else parts[1]
    return found
