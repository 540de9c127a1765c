"""Request validation driven by botocore's service model.

The model already says which members are required and what their patterns,
lengths, ranges and enums are; checking requests against it before any call
turns a failure that would surface minutes into `pulumi up` into a check
failure at preview time that names the property."""

import regex as re  # the model's patterns use Unicode classes such as \p{L}
from functools import lru_cache
from typing import Any, Iterator

import botocore.session
from botocore.model import OperationModel, Shape

# What the Python SDK passes for a value that is not known yet during preview:
# on the wire this sentinel string; deserialized for a provider, an Unknown.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def is_unknown(value: Any) -> bool:
    from pulumi.output import Unknown

    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


@lru_cache(maxsize=None)
def operation(service: str, name: str) -> OperationModel:
    return botocore.session.get_session().get_service_model(service).operation_model(name)


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def request_members(service: str, op: str) -> tuple[str, ...]:
    return tuple(operation(service, op).input_shape.members)


def problems(shape: Shape, value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Yield (member path, what is wrong) for every constraint `value` breaks."""
    if value is None or is_unknown(value):
        return
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            yield path, f"must be a mapping, got {value!r}"
            return
        for required in shape.required_members:
            if value.get(required) is None:
                yield _join(path, required), "is required"
        for key, item in value.items():
            if key not in shape.members:
                yield _join(path, key), f"is not a member; allowed: {', '.join(shape.members)}"
            else:
                yield from problems(shape.members[key], item, _join(path, key))
    elif kind == "list":
        if not isinstance(value, list):
            yield path, f"must be a list, got {value!r}"
            return
        yield from _bounds(path, len(value), meta, "items")
        for i, item in enumerate(value):
            yield from problems(shape.member, item, f"{path}[{i}]")
    elif kind == "map":
        if not isinstance(value, dict):
            yield path, f"must be a mapping, got {value!r}"
            return
        yield from _bounds(path, len(value), meta, "entries")
        for key, item in value.items():
            yield from problems(shape.key, key, f"{path} key {key!r}")
            yield from problems(shape.value, item, f"{path}.{key}")
    elif kind == "string":
        if not isinstance(value, str):
            yield path, f"must be a string, got {value!r}"
            return
        yield from _bounds(path, len(value), meta, "characters")
        if shape.enum and value not in shape.enum:
            yield path, f"value {value!r} is not one of {', '.join(shape.enum)}"
        if "pattern" in meta and not _compiled(meta["pattern"]).fullmatch(value):
            yield path, f"value {value!r} must match the pattern {meta['pattern']}"
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            yield path, f"must be an integer, got {value!r}"
            return
        yield from _range(path, value, meta)
    elif kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            yield path, f"must be a number, got {value!r}"
            return
        yield from _range(path, value, meta)
    elif kind == "boolean" and not isinstance(value, bool):
        yield path, f"must be true or false, got {value!r}"


def validate_request(service: str, op: str, request: dict[str, Any]) -> list[tuple[str, str]]:
    return list(problems(operation(service, op).input_shape, request, ""))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _bounds(path, size, meta, unit):
    if "min" in meta and size < meta["min"]:
        yield path, f"must have at least {meta['min']} {unit}, has {size}"
    if "max" in meta and size > meta["max"]:
        yield path, f"must have at most {meta['max']} {unit}, has {size}"


def _range(path, value, meta):
    if "min" in meta and value < meta["min"]:
        yield path, f"value {value} is below the minimum {meta['min']}"
    if "max" in meta and value > meta["max"]:
        yield path, f"value {value} is above the maximum {meta['max']}"


def coerce(shape: Shape, value: Any) -> Any:
    """Undo the engine's wire format: every number arrives as a float, but the
    service wants integers where the model says integer."""
    if value is None or is_unknown(value):
        return value
    kind = shape.type_name
    if kind in ("integer", "long") and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "structure" and isinstance(value, dict):
        return {k: coerce(shape.members[k], v) if k in shape.members else v for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [coerce(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: coerce(shape.value, v) for k, v in value.items()}
    return value


def build_request(service: str, op: str, props: dict[str, Any], **fixed: Any) -> dict[str, Any]:
    """The members of `op`'s request that `props` sets, coerced to the model's types."""
    shape = operation(service, op).input_shape
    request = {k: coerce(shape.members[k], v) for k, v in props.items() if k in shape.members and v is not None}
    request.update(fixed)
    return request
