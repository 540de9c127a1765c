"""Requests checked and built from botocore's service model.

The model already says which members are required and what their patterns,
lengths, ranges and enums are; checking requests against it before any call
turns a failure that would surface minutes into `pulumi up` into a check
failure at preview time that names the property."""

import os
from collections.abc import Callable
from functools import cache
from typing import Any

import botocore.loaders
from botocore.model import OperationModel, ServiceModel, Shape

from servicemodel.constraints import Violation, violations

SERVICE = "personalize"


def _never(_value: Any) -> bool:
    return False


@cache
def data_loader() -> botocore.loaders.Loader:
    """The process's one loader of botocore's JSON data (models, endpoints).
    Each new botocore session has a loader of its own that reads and parses the
    JSON again (endpoints.json is over a megabyte): the botocore session below
    and the boto3 sessions of the connections share this one
    (service/connection.py). A loader alone, not a session, so that a process
    which only reads models (the provider process at preview) does not import
    botocore's client machinery (botocore.session imports botocore.client, its
    waiters and docs: ~0.1 s). AWS_DATA_PATH adds search paths as it does for a
    session."""
    return botocore.loaders.create_loader(os.environ.get("AWS_DATA_PATH"))


@cache
def botocore_session() -> Any:
    """The process's one botocore session for endpoint data (the regions), on
    the shared loader."""
    import botocore.session

    session = botocore.session.get_session()
    session.register_component("data_loader", data_loader())
    return session


@cache
def service_model(service: str) -> ServiceModel:
    """The service's model, read once per process (a new session for each
    operation read Personalize's model again, 6 times in a preview's program).
    What botocore.session.Session.get_service_model builds, from the loader."""
    return ServiceModel(data_loader().load_service_model(service, "service-2"), service_name=service)


@cache
def operation(service: str, name: str) -> OperationModel:
    return service_model(service).operation_model(name)


@cache
def service_operations(service: str) -> frozenset[str]:
    return frozenset(service_model(service).operation_names)


def request_members(service: str, op: str) -> tuple[str, ...]:
    return tuple(operation(service, op).input_shape.members)


_KIND = {
    "structure": "a mapping",
    "map": "a mapping",
    "list": "a list",
    "string": "a string",
    "integer": "an integer",
    "long": "an integer",
    "float": "a number",
    "double": "a number",
    "boolean": "true or false",
}
_UNIT = {"string": "characters", "list": "items", "map": "entries"}


def member_path(path) -> str:
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        elif isinstance(step, tuple):
            text += f" key {step[1]!r}" if step[0] == "key" else f".{step[1]}"
        else:
            text += f".{step}" if text else step
    return text


def reason(v: Violation) -> str:
    if v.constraint == "required":
        return "is required"
    if v.constraint == "unknown_member":
        return f"is not a member; allowed: {', '.join(v.limit)}"
    if v.constraint == "type":
        return f"must be {_KIND.get(v.limit, v.limit)}, got {v.value!r}"
    if v.constraint == "enum":
        return f"value {v.value!r} is not one of {', '.join(v.limit)}"
    if v.constraint == "pattern":
        return f"value {v.value!r} must match the pattern {v.limit}"
    if v.constraint in ("min_length", "max_length"):
        unit = _UNIT.get("list" if isinstance(v.value, list) else "map" if isinstance(v.value, dict) else "string")
        bound = "at least" if v.constraint == "min_length" else "at most"
        return f"must have {bound} {v.limit} {unit}, has {len(v.value)}"
    bound = "below the minimum" if v.constraint == "min" else "above the maximum"
    return f"value {v.value} is {bound} {v.limit}"


def validate_request(
    service: str, op: str, request: dict[str, Any], skip: Callable[[Any], bool] = _never
) -> list[tuple[str, str]]:
    """(property path, what is wrong) for every constraint the request breaks;
    `skip(value)` passes over values not to be judged (unknown during a preview)."""
    found = violations(operation(service, op).input_shape, request, skip=skip, unknown_members=True)
    return [(member_path(v.path), reason(v)) for v in found]


def coerce(shape: Shape, value: Any) -> Any:
    """Undo the engine's wire format: every number arrives as a float, but the
    service wants integers where the model says integer."""
    if value is None:
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
