"""The base of every IR model (autopar.ir, autopar.ir_calls), and the one reading of a spelled type
without its qualifiers."""

import re

from pydantic import BaseModel, ConfigDict

_QUALIFIERS = re.compile(r"\b(?:const|volatile|restrict|__restrict__|__restrict)\b")


def unqualified(type_name: str) -> str:
    """A spelled type without const, volatile and restrict, its blanks single (`const double *restrict`
    -> `double *`)."""
    return " ".join(_QUALIFIERS.sub(" ", type_name).split())


class _Frozen(BaseModel):
    """IR models are facts: no stage changes one (another value is a copy, `model_copy(update=...)`)."""

    model_config = ConfigDict(frozen=True)
