"""Configuration: `[tool.autopar]` in pyproject.toml, or a `.autopar.toml` (the same keys at its top
level, or under `[tool.autopar]`), found upward from the files given (or the working directory).
In each directory `.autopar.toml` wins over `pyproject.toml`; a pyproject.toml without a
`[tool.autopar]` table is passed over. `--config FILE` names one; `--isolated` ignores them all.
The command line overrides every key.

```toml
[tool.autopar]
select = ["missed-parallel-loop", "unsafe-omp-pragma"]   # check's rules (default: all)
ignore = ["missed-simd-loop"]
include = ["src/**"]           # globs for files found in directories (default: every C/C++ source)
exclude = ["third_party/**", "**/*_generated.c"]
min-trip-count = 1000          # missed-parallel-loop: only loops with more iterations (when known)
min-work = 0                   # missed-parallel-loop: only loops with at least this estimated work
fail-on = ["unsafe"]           # check --fail-on
baseline = "autopar-baseline.json"   # check --baseline
model = "smollm2-135m"         # --model (used with --llm)
strategy = "few_shot"          # --strategy
decisions = "autopar-decisions.json" # where analyze/rewrite write the JSON report of every decision
jobs = 4                       # -j
```

Paths (baseline, decisions) and globs are relative to the configuration file's directory.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class ConfigError(Exception):
    """A configuration file that cannot be read or has a bad key or value: a usage error."""


@dataclass
class Config:
    path: Optional[str] = None  # the file it came from; None: no file (the defaults)
    select: Optional[list[str]] = None
    ignore: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    min_trip_count: float = 0
    min_work: float = 0
    fail_on: Optional[list[str]] = None
    baseline: Optional[str] = None
    model: Optional[str] = None
    strategy: Optional[str] = None
    decisions: Optional[str] = None
    jobs: Optional[int] = None

    @property
    def root(self) -> str:
        """The directory that relative paths and globs are relative to."""
        return os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()


_LISTS = ("select", "ignore", "include", "exclude", "fail_on")
_NUMBERS = ("min_trip_count", "min_work")
_STRINGS = ("model", "strategy")
_PATHS = ("baseline", "decisions")
_KEYS = (*_LISTS, *_NUMBERS, *_STRINGS, *_PATHS, "jobs")


def find_config(starts: list[str]) -> Optional[str]:
    """The nearest .autopar.toml or pyproject.toml with [tool.autopar], upward from the first of `starts`."""
    start = next((s for s in starts if s and s != "-"), None)
    directory = os.path.abspath(start) if start else os.getcwd()
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    while True:
        candidate = os.path.join(directory, ".autopar.toml")
        if os.path.isfile(candidate):
            return candidate
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate) and _has_tool_table(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _has_tool_table(path: str) -> bool:
    try:
        return "autopar" in _read(path).get("tool", {})
    except ConfigError:
        return True  # a broken pyproject.toml: say so rather than pass it over silently


def _read(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: it is not UTF-8 text") from None


def load_config(path: Optional[str]) -> Config:
    """The configuration in `path` (None: the defaults)."""
    if path is None:
        return Config()
    data = _read(path)
    if os.path.basename(path) == "pyproject.toml" or "tool" in data:
        data = data.get("tool", {}).get("autopar", {})
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.autopar] must be a table")
    config = Config(path=path)
    for raw_key, value in data.items():
        key = raw_key.replace("-", "_")
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f"; did you mean '{close[0].replace('_', '-')}'?" if close else ""
            raise ConfigError(f"{path}: unknown key '{raw_key}'{hint}")
        setattr(config, key, _value(path, raw_key, key, value, config.root))
    return config


def _value(path: str, raw_key: str, key: str, value: Any, root: str) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{path}: '{raw_key}' must be {expected}, not {value!r}")

    if key in _LISTS:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return list(value)
    if key in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise bad("a number, 0 or more")
        return value
    if key == "jobs":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad("a positive integer")
        return value
    if not isinstance(value, str) or not value:
        raise bad("a string")
    if key in _PATHS:
        return os.path.join(root, os.path.expanduser(value))
    return value
