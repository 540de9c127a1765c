"""A record kept as a JSON file in a local directory.

It stands in for the Personalize resources of issue #4 so that the engine, the
dill round trip and the test layers are exercised end to end from day one; the
directory plays the part of the remote service (it can drift, vanish, or hold a
record left behind by an interrupted run).
"""

import json
import os
import re
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*$")
NAME_MAX_LENGTH = 63
# Inputs the provider owns; `__provider` and any outputs are never diffed.
REPLACE_ON_CHANGE = ("store", "name")
UPDATE_IN_PLACE = ("settings",)
# What the Python SDK sends for a value that is not known during preview.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def _path(store: str, name: str) -> Path:
    return Path(store) / f"{name}.json"


def _write(path: Path, record: dict[str, Any]) -> None:
    # Write-then-rename so a crash never leaves a half-written record.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, sort_keys=True))
    os.replace(tmp, path)


def _outputs(store: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"store": store, "name": record["name"], "settings": record["settings"], "revision": record["revision"]}


class LocalRecordProvider(ResourceProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        name, store, settings = news.get("name"), news.get("store"), news.get("settings", {})
        if name != UNKNOWN:
            if not isinstance(name, str) or not NAME_PATTERN.match(name) or len(name) > NAME_MAX_LENGTH:
                failures.append(CheckFailure("name", f"name {name!r} must match {NAME_PATTERN.pattern} and be at most {NAME_MAX_LENGTH} characters"))
        if store != UNKNOWN and (not isinstance(store, str) or not store):
            failures.append(CheckFailure("store", f"store {store!r} must be a directory path"))
        if settings != UNKNOWN and not isinstance(settings, dict):
            failures.append(CheckFailure("settings", f"settings {settings!r} must be a mapping"))
        return CheckResult({"name": name, "store": store, "settings": settings or {}}, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in REPLACE_ON_CHANGE + UPDATE_IN_PLACE if news.get(key) == UNKNOWN or olds.get(key) != news.get(key)]
        replaces = [key for key in changed if key in REPLACE_ON_CHANGE]
        # A record's name is unique in its store, as resource names are in the service.
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces))

    def create(self, props: dict[str, Any]) -> CreateResult:
        path = _path(props["store"], props["name"])
        if path.exists():
            existing = json.loads(path.read_text())
            # Left behind by an interrupted run with the same settings: adopt it.
            if existing["settings"] != props["settings"]:
                raise ValueError(f"{path} already exists with settings {existing['settings']!r}, not {props['settings']!r}; delete it or choose another name")
            return CreateResult(props["name"], _outputs(props["store"], existing))
        record = {"name": props["name"], "settings": props["settings"], "revision": 1}
        _write(path, record)
        return CreateResult(props["name"], _outputs(props["store"], record))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = _path(props["store"], id_)
        if not path.exists():
            return ReadResult(None, {})
        outs = _outputs(props["store"], json.loads(path.read_text()))
        return ReadResult(id_, outs, {key: outs[key] for key in REPLACE_ON_CHANGE + UPDATE_IN_PLACE})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        path = _path(news["store"], id_)
        record = {"name": id_, "settings": news["settings"], "revision": int(olds.get("revision", 0)) + 1}
        _write(path, record)
        return UpdateResult(_outputs(news["store"], record))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # Already gone counts as deleted.
        _path(props["store"], id_).unlink(missing_ok=True)


class LocalRecord(Resource):
    name: pulumi.Output[str]
    settings: pulumi.Output[dict]
    revision: pulumi.Output[int]

    def __init__(self, resource_name: str, *, store: pulumi.Input[str], name: pulumi.Input[str],
                 settings: pulumi.Input[dict] | None = None, opts: pulumi.ResourceOptions | None = None):
        super().__init__(LocalRecordProvider(), resource_name,
                         {"store": store, "name": name, "settings": settings or {}, "revision": None}, opts)
