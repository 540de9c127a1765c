"""Requests checked, and responses shaped, by botocore's service model alone.

servicemodel.constraints finds every constraint the model states that a
request breaks; this module words them as the service does:
"N validation error(s) detected: Value ... at 'path' failed to satisfy
constraint: Member must ..." form."""

import base64
import datetime
import json

from servicemodel.constraints import Violation, violations

from .errors import invalid

_MUST = {
    "type": "be of type {}",
    "enum": "satisfy enum value set: [{}]",
    "pattern": "satisfy regular expression pattern: {}",
    "min_length": "have length greater than or equal to {}",
    "max_length": "have length less than or equal to {}",
    "min": "have value greater than or equal to {}",
    "max": "have value less than or equal to {}",
}


def _show(value) -> str:
    return "null" if value is None else json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def _path(path) -> str:
    """The service's spelling: list items as `tags.1.member`, maps as `m.k.key`/`m.k.value`."""
    parts = []
    for step in path:
        if isinstance(step, int):
            parts += [str(step + 1), "member"]
        elif isinstance(step, tuple):
            parts += [str(step[1]), step[0]]
        else:
            parts.append(step)
    return ".".join(parts)


def _message(v: Violation) -> str:
    if v.constraint == "required":
        return f"Value null at '{_path(v.path)}' failed to satisfy constraint: Member must not be null"
    limit = ", ".join(v.limit) if v.constraint == "enum" else v.limit
    return f"Value '{_show(v.value)}' at '{_path(v.path)}' failed to satisfy constraint: Member must {_MUST[v.constraint].format(limit)}"


def validate(input_shape, params: dict) -> None:
    """Raise InvalidInputException listing every constraint `params` breaks."""
    if input_shape is None:
        return
    if not isinstance(params, dict):
        raise invalid("Request body must be a JSON object.")
    errors = [_message(v) for v in violations(input_shape, params)]
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
