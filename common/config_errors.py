"""pydantic's validation errors, as the one message a config file's user reads:
the key path as the file spells it, the value found there, and what is allowed.

Both config models (the stack's, stacks/config.py, and a dataset's,
prep/config.py) describe each field by what it allows, and raise `rule(...)`
for what involves several keys; this module turns the first error into those
three parts. It needs pydantic, nothing of the project."""

import re
import types
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import pydantic
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from typing_extensions import is_typeddict

RULE = "config_rule"
_NO_VALUE = object()


@dataclass(frozen=True)
class Problem:
    key: str  # e.g. experiments[0].recipe
    value: Any  # None for a missing key
    allowed: str
    top_level_key: bool = False  # an unknown key of the file itself (not under any other)


def rule(allowed: str, key: str = "", value: Any = _NO_VALUE) -> PydanticCustomError:
    """A rule broken at `key` (relative to the model that checks it, e.g.
    "batchInference.filter" or "experiments[1].name"); the message shows `value`
    if given, else the value that was validated."""
    ctx: dict[str, Any] = {"allowed": allowed, "key": key}
    if value is not _NO_VALUE:
        ctx["value"] = value
    return PydanticCustomError(RULE, "{allowed}", ctx)


def matching(pattern: str, allowed: str) -> pydantic.AfterValidator:
    """A string check whose failure says what is allowed (pydantic's would quote the regex)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise rule(allowed)
        return value

    return pydantic.AfterValidator(check)


def first_problem(
    model: type[pydantic.BaseModel],
    failure: pydantic.ValidationError,
    *,
    missing: str | None = None,
    hidden: tuple[str, ...] = (),
) -> Problem:
    """The first problem: an unknown key, then a missing one (the shallowest
    first, as a misspelt key shows as both), then any other in pydantic's order.

    `missing` is what a missing key says is allowed (default: its description);
    `hidden` are fields that are not keys of the file."""

    def precedence(error: Any) -> tuple:
        rank = {"extra_forbidden": 0, "missing": 1}.get(error["type"], 2)
        return rank, len(error["loc"]) if rank < 2 else 0, str(error["loc"]) if rank == 0 else ""

    error = min(failure.errors(include_url=False), key=precedence)
    loc, kind, ctx = tuple(error["loc"]), error["type"], error.get("ctx") or {}
    if kind == RULE:
        return Problem(key_path(loc + _steps(ctx["key"])), ctx.get("value", error["input"]), str(ctx["allowed"]))
    key = key_path(loc)
    if kind == "extra_forbidden":
        parent, _ = _walk(model, loc[:-1])
        keys = [k for k in _members(parent) if k not in hidden]
        return Problem(key, error["input"], f"one of the keys {', '.join(keys)}", top_level_key=len(loc) == 1)
    if kind == "missing":
        return Problem(key, None, missing or _walk(model, loc)[1] or "a value (required)")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return Problem(key, error["input"], "a mapping")
    return Problem(key, error["input"], _walk(model, loc)[1] or str(error["msg"]))


def key_path(loc: tuple) -> str:
    """('experiments', 0, 'name') -> 'experiments[0].name'; a mapping's key is shown as the key."""
    text = ""
    for part in loc:
        if part != "[key]":
            text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _steps(relative: str) -> tuple:
    return tuple(int(p[1:-1]) if p.startswith("[") else p for p in re.findall(r"\[\d+\]|[^.\[\]]+", relative))


def _walk(model: type[pydantic.BaseModel], loc: tuple) -> tuple[Any, str]:
    """The type `loc` leads to from `model`, and the last description on the way."""
    node: Any = model
    described = ""
    for i, part in enumerate(loc):
        node, described = _unwrap(node, described)
        if part == "[key]":
            continue
        members = _members(node)
        if members:
            if part not in members:
                return node, described
            node, described = members[part][0], members[part][1] or described
        else:  # a list or tuple's items, a dict's values, or its keys when "[key]" follows
            items = get_args(node)
            if not items:
                return node, described
            node = items[1] if get_origin(node) is dict and loc[i + 1 : i + 2] != ("[key]",) else items[0]
    return _unwrap(node, described)


def _members(node: Any) -> dict[str, tuple[Any, str | None]]:
    """The keys of a model or TypedDict as the file spells them: (type, description)."""
    if isinstance(node, type) and issubclass(node, pydantic.BaseModel):
        return {f.alias or name: (f.annotation, f.description) for name, f in node.model_fields.items()}
    if is_typeddict(node):
        return {name: (hint, None) for name, hint in get_type_hints(node, include_extras=True).items()}
    return {}


def _unwrap(node: Any, described: str) -> tuple[Any, str]:
    """X from `X | None` and Annotated[X, ...], with a description found there."""
    while True:
        if get_origin(node) is Annotated:
            node, *metadata = get_args(node)
            described = next((m.description for m in metadata if isinstance(m, FieldInfo) and m.description), described)
        elif get_origin(node) in (Union, types.UnionType):
            node = next(member for member in get_args(node) if member is not type(None))
        else:
            return node, described
