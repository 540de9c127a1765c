"""The wait settings' model (pydantic): the stack's `waits` config and every
resource's `waits` input. Apart from service.waiting so that a process which
only checks valid waits (the provider process at preview) does not import
pydantic."""

from typing import Annotated

from pydantic import ConfigDict, Field, TypeAdapter
from typing_extensions import TypedDict

Seconds = Annotated[float, Field(gt=0, strict=True, description="a positive number of seconds")]


class Waits(TypedDict, total=False):
    """Deadlines and polling of the waits for long operations, in seconds: the
    stack's `waits` config and every resource's `waits` input."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    createSeconds: Seconds
    updateSeconds: Seconds
    deleteSeconds: Seconds
    initialPollSeconds: Seconds
    maxPollSeconds: Seconds


WAITS = TypeAdapter(Waits)
