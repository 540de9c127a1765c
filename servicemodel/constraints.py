"""Every constraint a value breaks, found by walking a botocore shape.

The model states which members are required and each member's type, pattern,
length, range and enum; this walk reports a `Violation` per broken constraint
and leaves the wording to the caller: the emulator answers as the service
does, the providers as a check failure naming the property."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import regex  # the models' patterns use Java classes such as \p{L}
from botocore.model import Shape

# A path is what leads to the value: member names (str), list indexes (int), and
# ("key", k) for a map's key or ("value", k) for the value under it.
Path = tuple


@dataclass(frozen=True)
class Violation:
    path: Path
    value: Any
    constraint: str  # required, type, enum, pattern, min_length, max_length, min, max, unknown_member
    limit: Any = None  # the type name, enum values, pattern, bound, or allowed members


_PYTHON_TYPES = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "float": (int, float),
    "double": (int, float),
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
    "timestamp": (int, float, str),
    "blob": (str, bytes),
}


@cache
def _pattern(text: str):
    try:
        return regex.compile(text)
    except regex.error:  # a pattern Python cannot read is not enforced
        return None


def violations(
    shape: Shape,
    value: Any,
    path: Path = (),
    *,
    skip: Callable[[Any], bool] = lambda v: False,
    unknown_members: bool = False,
) -> Iterator[Violation]:
    """`skip(value)` passes over values not to be judged (e.g. unknown at preview);
    `unknown_members` also reports structure keys the shape does not declare."""
    if value is None or skip(value):
        return
    kind, meta = shape.type_name, shape.metadata
    expected = _PYTHON_TYPES.get(kind)
    if expected and (not isinstance(value, expected) or (kind != "boolean" and isinstance(value, bool))):
        yield Violation(path, value, "type", kind)
        return
    if kind == "string":
        if shape.enum and value not in shape.enum:
            yield Violation(path, value, "enum", list(shape.enum))
        if "pattern" in meta and (compiled := _pattern(meta["pattern"])) and not compiled.fullmatch(value):
            yield Violation(path, value, "pattern", meta["pattern"])
    if kind in ("string", "list", "map", "blob"):
        if "min" in meta and len(value) < meta["min"]:
            yield Violation(path, value, "min_length", meta["min"])
        if "max" in meta and len(value) > meta["max"]:
            yield Violation(path, value, "max_length", meta["max"])
    if kind in ("integer", "long", "float", "double"):
        if "min" in meta and value < meta["min"]:
            yield Violation(path, value, "min", meta["min"])
        if "max" in meta and value > meta["max"]:
            yield Violation(path, value, "max", meta["max"])
    if kind == "structure":
        for name in shape.required_members:
            if value.get(name) is None:
                yield Violation(path + (name,), None, "required")
        for name, item in value.items():
            if name in shape.members:
                yield from violations(
                    shape.members[name], item, path + (name,), skip=skip, unknown_members=unknown_members
                )
            elif unknown_members:
                yield Violation(path + (name,), item, "unknown_member", list(shape.members))
    elif kind == "list":
        for index, item in enumerate(value):
            yield from violations(shape.member, item, path + (index,), skip=skip, unknown_members=unknown_members)
    elif kind == "map":
        for key, item in value.items():
            yield from violations(shape.key, key, path + (("key", key),), skip=skip, unknown_members=unknown_members)
            yield from violations(
                shape.value, item, path + (("value", key),), skip=skip, unknown_members=unknown_members
            )
