"""Summaries of functions that another file of the program defines, given to the front end for the
length of one analysis (autopar.tools.cc_link, when `autopar-cc` links the objects it compiled): a
call to such a function is then modelled as a call to a function of the file itself. Only summaries
that touch nothing but what their pointer arguments reach may be given (`importable`): no global,
no call, nothing unknown. And the names whose summaries a file should make although no loop of its
own calls them (`wanted`: the file that defines them, asked at link time).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from autopar.ir import CallEffect, FunctionSummary

_GIVEN: ContextVar[dict[str, FunctionSummary]] = ContextVar("autopar_external_summaries", default={})
_WANTED: ContextVar[frozenset[str]] = ContextVar("autopar_wanted_summaries", default=frozenset())


@contextmanager
def given(summaries: dict[str, FunctionSummary]) -> Iterator[None]:
    """Within the block, calls to these functions (not defined in the analysed file) use them."""
    token = _GIVEN.set({name: s for name, s in summaries.items() if importable(s)})
    try:
        yield
    finally:
        _GIVEN.reset(token)


@contextmanager
def wanted(names: set[str]) -> Iterator[None]:
    """Within the block, the analysed file summarizes these functions of its own too."""
    token = _WANTED.set(frozenset(names))
    try:
        yield
    finally:
        _WANTED.reset(token)


def given_summaries() -> dict[str, FunctionSummary]:
    return _GIVEN.get()


def wanted_names() -> frozenset[str]:
    return _WANTED.get()


def importable(summary: FunctionSummary) -> bool:
    """Whether a summary made in one file holds in another: it names no global (whose declaration
    there may be another object) and calls nothing, and its effect is known."""
    return summary.effect in (CallEffect.PURE, CallEffect.SAME_TU) and not summary.reads_globals and \
        not summary.writes_globals and not summary.calls and not summary.data_selected
