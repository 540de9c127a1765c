"""Requests checked, and responses shaped, by botocore's service model alone.

One routine walks an input shape and collects every constraint the model
states (required, type, pattern, length, range, enum, nested lists, maps and
structures); the messages follow the service's
"N validation error(s) detected: Value ... at 'path' failed to satisfy
constraint: Member must ..." form."""

import base64
import datetime
import functools
import json

try:  # the model's patterns are Java regexes; `regex` understands more of them
    import regex as _re
except ImportError:  # pragma: no cover
    import re as _re

from .errors import invalid

_TYPES = {
    "string": (str,), "integer": (int,), "long": (int,), "boolean": (bool,),
    "float": (int, float), "double": (int, float), "structure": (dict,),
    "map": (dict,), "list": (list,), "timestamp": (int, float, str), "blob": (str, bytes),
}


@functools.lru_cache(maxsize=None)
def _compiled(pattern: str):
    try:
        return _re.compile(pattern)
    except Exception:  # a pattern Python cannot read is not enforced
        return None


def _show(value) -> str:
    return "null" if value is None else json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def _check(shape, value, path: str, errors: list) -> None:
    def fail(constraint):
        errors.append(f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: Member must {constraint}")

    kind = shape.type_name
    expected = _TYPES.get(kind)
    if expected and (not isinstance(value, expected) or (kind != "boolean" and isinstance(value, bool))):
        return fail(f"be of type {kind}")
    meta = shape.metadata
    if kind == "string":
        if shape.enum and value not in shape.enum:
            fail(f"satisfy enum value set: [{', '.join(shape.enum)}]")
        if "pattern" in meta and (compiled := _compiled(meta["pattern"])) and not compiled.fullmatch(value):
            fail(f"satisfy regular expression pattern: {meta['pattern']}")
    if kind in ("string", "list", "map", "blob"):
        if "min" in meta and len(value) < meta["min"]:
            fail(f"have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            fail(f"have length less than or equal to {meta['max']}")
    if kind in ("integer", "long", "float", "double"):
        if "min" in meta and value < meta["min"]:
            fail(f"have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            fail(f"have value less than or equal to {meta['max']}")
    if kind == "structure":
        _check_structure(shape, value, path + ".", errors)
    elif kind == "list":
        for index, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{index}.member", errors)
    elif kind == "map":
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}.key", errors)
            _check(shape.value, item, f"{path}.{key}.value", errors)


def _check_structure(shape, value: dict, prefix: str, errors: list) -> None:
    for name in shape.required_members:
        if value.get(name) is None:
            errors.append(f"Value null at '{prefix}{name}' failed to satisfy constraint: Member must not be null")
    for name, member in shape.members.items():
        if value.get(name) is not None:
            _check(member, value[name], prefix + name, errors)


def validate(input_shape, params: dict) -> None:
    """Raise InvalidInputException listing every constraint `params` breaks."""
    if input_shape is None:
        return
    if not isinstance(params, dict):
        raise invalid("Request body must be a JSON object.")
    errors: list[str] = []
    _check_structure(input_shape, params, "", errors)
    if errors:
        plural = "error" if len(errors) == 1 else "errors"
        raise invalid(f"{len(errors)} validation {plural} detected: " + "; ".join(errors))


def shape_output(shape, value):
    """Only what the output shape declares; timestamps as epoch seconds."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return None
        shaped = {}
        for name, member in shape.members.items():
            if value.get(name) is not None:
                shaped[name] = shape_output(member, value[name])
        return shaped
    if kind == "list":
        return [shape_output(shape.member, item) for item in value]
    if kind == "map":
        return {key: shape_output(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        if isinstance(value, datetime.datetime):
            return value.timestamp()
        return float(value)
    if kind == "blob" and isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value
