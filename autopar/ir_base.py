"""The base of every IR model (autopar.ir, autopar.ir_calls)."""

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    """IR models are facts: no stage changes one (another value is a copy, `model_copy(update=...)`)."""

    model_config = ConfigDict(frozen=True)
