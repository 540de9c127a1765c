"""What the engine passes for a value not known yet during a preview: on the
wire a sentinel string; deserialized for a provider, an Unknown."""

from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def is_unknown(value: Any) -> bool:
    from pulumi.output import Unknown

    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)
