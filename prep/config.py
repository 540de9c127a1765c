"""A dataset's preparation, declared in a YAML file kept in the repo
(datasets/<name>.yaml), read into typed models and checked before any data is
touched: a bad key names the file, the key path, the value and what is allowed."""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SOURCE_KINDS = ("csv", "parquet", "jsonl", "sql")
# The Personalize fields each dataset type must map, and the ones it may.
REQUIRED = {"interactions": ("USER_ID", "ITEM_ID", "TIMESTAMP"), "items": ("ITEM_ID",), "users": ("USER_ID",)}
RESERVED_TYPES = {"USER_ID": "string", "ITEM_ID": "string", "EVENT_TYPE": "string", "EVENT_VALUE": "float",
                  "TIMESTAMP": "long", "CREATION_TIMESTAMP": "long"}
CASTS = ("string", "int", "float", "bool")
FIELD_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,149}")


class PrepConfigError(ValueError):
    def __init__(self, path: str, key: str, value: Any, allowed: str):
        super().__init__(f"{path}: key {key!r} has value {value!r}; allowed: {allowed}")


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    path: str | None = None      # a local path or s3://bucket/key
    dsn: str | None = None       # for sql; ${VAR} is read from the environment
    query: str | None = None


@dataclass(frozen=True)
class Field:
    name: str                    # the Personalize field, e.g. USER_ID or CATEGORY
    column: str | None = None    # the source column, or
    value: Any = None            # a constant
    cast: str | None = None
    format: str | None = None    # strptime format of a timestamp column
    categorical: bool = False


@dataclass(frozen=True)
class Table:
    kind: str                    # interactions | items | users
    sources: tuple[Source, ...]
    mapping: tuple[Field, ...]
    query: str | None = None     # Polars SQL over the sources, by name: joins, unions, filters
    fill: dict = field(default_factory=dict)       # field -> value for missing metadata
    drop_missing: tuple[str, ...] = ()             # fields whose rows go when the value is missing
    drop_sparse_below: float = 0.0                 # drop metadata fields filled below this rate
    aggregates: tuple[str, ...] = ()               # count, mean, min, max of EVENT_VALUE per item/user


@dataclass(frozen=True)
class DatasetConfig:
    name: str
    path: str
    interactions: Table
    items: Table | None = None
    users: Table | None = None
    window_days: int | None = None   # the training window before the holdout; None keeps all
    holdout_days: float = 14
    description: str = ""


class _Reader:
    def __init__(self, path: str):
        self.path = path

    def fail(self, key, value, allowed):
        raise PrepConfigError(self.path, key, value, allowed)

    def mapping(self, key, value, allowed, required=()):
        if not isinstance(value, dict):
            self.fail(key, value, "a mapping")
        for unknown in sorted(set(value) - set(allowed)):
            self.fail(f"{key}.{unknown}" if key else unknown, value[unknown], f"one of the keys {', '.join(allowed)}")
        for missing in required:
            if value.get(missing) is None:
                self.fail(f"{key}.{missing}" if key else missing, None, "a value (required)")
        return value

    def source(self, key, raw) -> Source:
        raw = self.mapping(key, raw, ("name", "kind", "path", "dsn", "query"), ("kind",))
        if raw["kind"] not in SOURCE_KINDS:
            self.fail(f"{key}.kind", raw["kind"], ", ".join(SOURCE_KINDS))
        needs = ("dsn", "query") if raw["kind"] == "sql" else ("path",)
        for member in needs:
            if not isinstance(raw.get(member), str) or not raw[member]:
                self.fail(f"{key}.{member}", raw.get(member), f"a string (required for a {raw['kind']} source)")
        name = raw.get("name") or key.rsplit(".", 1)[-1].replace("[", "_").replace("]", "")
        path = raw.get("path")
        if path and not path.startswith("s3://") and not os.path.isabs(path):
            # Relative to the config file, so the command works from any directory.
            path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(self.path)), path))
        return Source(name, raw["kind"], path, raw.get("dsn"), raw.get("query"))

    def field(self, key, name, raw) -> Field:
        if not FIELD_NAME.fullmatch(name):
            self.fail(key, name, "an upper-case field name (A-Z, 0-9, _), as Personalize schemas use")
        raw = self.mapping(key, raw, ("column", "value", "cast", "format", "categorical"))
        if ("column" in raw) == ("value" in raw):
            self.fail(key, raw, "exactly one of column (a source column) or value (a constant)")
        if raw.get("cast") not in (None, *CASTS):
            self.fail(f"{key}.cast", raw["cast"], ", ".join(CASTS))
        return Field(name, raw.get("column"), raw.get("value"), raw.get("cast"), raw.get("format"), bool(raw.get("categorical")))

    def table(self, kind, raw) -> Table:
        raw = self.mapping(kind, raw, ("sources", "query", "mapping", "fill", "dropMissing", "dropSparseBelow", "aggregates"),
                           ("sources", "mapping"))
        if not isinstance(raw["sources"], list) or not raw["sources"]:
            self.fail(f"{kind}.sources", raw["sources"], "a non-empty list of sources")
        sources = tuple(self.source(f"{kind}.sources[{i}]", s) for i, s in enumerate(raw["sources"]))
        if len({s.name for s in sources}) != len(sources):
            self.fail(f"{kind}.sources", [s.name for s in sources], "sources with distinct names")
        mapping = tuple(self.field(f"{kind}.mapping.{name}", name, spec)
                        for name, spec in self.mapping(f"{kind}.mapping", raw["mapping"], tuple(raw["mapping"])).items())
        for required in REQUIRED[kind]:
            if required not in {f.name for f in mapping}:
                self.fail(f"{kind}.mapping.{required}", None, f"a mapping for {required} (required for {kind})")
        sparse = raw.get("dropSparseBelow", 0.0)
        if isinstance(sparse, bool) or not isinstance(sparse, (int, float)) or not 0 <= sparse <= 1:
            self.fail(f"{kind}.dropSparseBelow", sparse, "a fill rate from 0 to 1")
        aggregates = tuple(raw.get("aggregates") or ())
        for a in aggregates:
            if a not in ("count", "mean", "min", "max") or kind == "interactions":
                self.fail(f"{kind}.aggregates", a, "count, mean, min, max (for items or users)")
        mapped = {f.name for f in mapping}
        for name in [*(raw.get("fill") or {}), *(raw.get("dropMissing") or [])]:
            if name not in mapped:
                self.fail(f"{kind}.fill/dropMissing", name, f"a mapped field: {', '.join(sorted(mapped))}")
        return Table(kind, sources, mapping, raw.get("query"), dict(raw.get("fill") or {}),
                     tuple(raw.get("dropMissing") or ()), float(sparse), aggregates)


def load_config(path: str) -> DatasetConfig:
    text = Path(path).read_text()
    reader = _Reader(path)
    raw = reader.mapping("", yaml.safe_load(text), ("name", "description", "interactions", "items", "users", "window", "holdout"),
                         ("name", "interactions"))
    window = reader.mapping("window", raw.get("window", {}), ("days",))
    holdout = reader.mapping("holdout", raw.get("holdout", {}), ("days",))
    days = window.get("days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        reader.fail("window.days", days, "a whole number of days >= 1, or omit it to keep all data")
    holdout_days = holdout.get("days", 14)
    if isinstance(holdout_days, bool) or not isinstance(holdout_days, (int, float)) or holdout_days < 0:
        reader.fail("holdout.days", holdout_days, "a number of days >= 0")
    return DatasetConfig(
        name=raw["name"], path=path, description=raw.get("description", ""),
        interactions=reader.table("interactions", raw["interactions"]),
        items=reader.table("items", raw["items"]) if raw.get("items") else None,
        users=reader.table("users", raw["users"]) if raw.get("users") else None,
        window_days=days, holdout_days=float(holdout_days))


def expand_env(text: str) -> str:
    """${VAR} from the environment, so DSNs with passwords stay out of the repo."""
    def value(match):
        if match.group(1) not in os.environ:
            raise PrepConfigError("environment", match.group(1), None, "a variable set in the environment")
        return os.environ[match.group(1)]
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", value, text)
