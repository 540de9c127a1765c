"""A dataset's preparation, declared in a YAML file kept in the repo
(datasets/<name>.yaml), read into pydantic models and checked before any data
is touched: a bad key names the file, the key path, the value and what is
allowed, in one message.

Types and ranges are on the fields, rules that involve several keys are
validators. Each field's description is what is allowed: the last part of the
error message. Keys are spelt as in the file (dropMissing), unknown ones are
errors, and a key set to null counts as not given."""

import os
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

import pydantic
import yaml
from pydantic import AfterValidator, ConfigDict, PrivateAttr, ValidationInfo, field_validator, model_validator

from common.config_errors import first_problem, rule
from prep.errors import InputError, first_line

SourceKind = Literal["csv", "parquet", "jsonl", "sql"]
Cast = Literal["string", "int", "float", "bool"]
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)
CASTS: tuple[str, ...] = get_args(Cast)
AGGREGATES = ("count", "mean", "min", "max")
# The Personalize fields each dataset type must map, and the ones it may.
REQUIRED = {"interactions": ("USER_ID", "ITEM_ID", "TIMESTAMP"), "items": ("ITEM_ID",), "users": ("USER_ID",)}
RESERVED_TYPES = {
    "USER_ID": "string",
    "ITEM_ID": "string",
    "EVENT_TYPE": "string",
    "EVENT_VALUE": "float",
    "TIMESTAMP": "long",
    "CREATION_TIMESTAMP": "long",
}
FIELD_NAME = r"^[A-Z][A-Z0-9_]{0,149}$"
# Domain dataset groups: the fields each dataset type must have there, beyond REQUIRED, and
# the ones that must be categorical. ECOMMERCE: Item interactions need EVENT_TYPE
# (https://docs.aws.amazon.com/personalize/latest/dg/ECOMMERCE-interactions-dataset.html),
# Items need PRICE (float) and a categorical CATEGORY_L1
# (https://docs.aws.amazon.com/personalize/latest/dg/ECOMMERCE-items-dataset.html).
Domain = Literal["ECOMMERCE"]
DOMAIN_REQUIRED: dict[str, dict[str, tuple[str, ...]]] = {
    "ECOMMERCE": {"interactions": ("EVENT_TYPE",), "items": ("PRICE", "CATEGORY_L1"), "users": ()},
}
DOMAIN_CATEGORICAL: dict[str, tuple[str, ...]] = {"ECOMMERCE": ("CATEGORY_L1",)}
DOMAIN_CASTS: dict[str, dict[str, str]] = {"ECOMMERCE": {"PRICE": "float", "CATEGORY_L1": "string"}}


class PrepConfigError(ValueError):
    def __init__(self, path: str, key: str, value: Any, allowed: str):
        super().__init__(f"{path}: key {key!r} has value {value!r}; allowed: {allowed}")


class _Model(pydantic.BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_not_given(cls, raw: Any) -> Any:
        return {k: v for k, v in raw.items() if v is not None} if isinstance(raw, dict) else raw


class Source(_Model):
    # Required here; the table names an unnamed source by its place: sources_0, sources_1, ...
    name: str = pydantic.Field(description="a string")
    kind: SourceKind = pydantic.Field(description=", ".join(SOURCE_KINDS))
    path: str | None = pydantic.Field(default=None, description="a string: a local path or s3://bucket/key")
    dsn: str | None = pydantic.Field(default=None, description="a string; ${VAR} is read from the environment")
    query: str | None = pydantic.Field(default=None, description="a string")

    @field_validator("path")
    @classmethod
    def _resolve(cls, path: str, info: ValidationInfo) -> str:
        config = (info.context or {}).get("path")
        if config and path and not path.startswith("s3://") and not os.path.isabs(path):
            # Relative to the config file, so the command works from any directory.
            path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(config)), path))
        return path

    @model_validator(mode="after")
    def _rules(self) -> "Source":
        for member in ("dsn", "query") if self.kind == "sql" else ("path",):
            if not getattr(self, member):
                raise rule(f"a string (required for a {self.kind} source)", member, value=getattr(self, member))
        return self


class Field(_Model):
    """One Personalize field of a table, from a source column or a constant."""

    column: str | None = pydantic.Field(default=None, description="a string: a column of the sources")
    value: Any = None
    cast: Cast | None = pydantic.Field(default=None, description=", ".join(CASTS))
    format: str | None = pydantic.Field(default=None, description="a string: the strptime format of a timestamp column")
    categorical: bool = pydantic.Field(default=False, description="true or false")
    _name: str = PrivateAttr("")

    @property
    def name(self) -> str:
        """The Personalize field, e.g. USER_ID or CATEGORY: the key of the table's mapping."""
        return self._name

    @model_validator(mode="after")
    def _rules(self) -> "Field":
        if ("column" in self.model_fields_set) == ("value" in self.model_fields_set):
            raise rule("exactly one of column (a source column) or value (a constant)")
        return self


def _named(fields: dict[str, Field]) -> dict[str, Field]:
    for name, spec in fields.items():
        spec._name = name
    return fields


FieldName = Annotated[
    str,
    pydantic.Field(
        pattern=FIELD_NAME, description="an upper-case field name (A-Z, 0-9, _), as Personalize schemas use"
    ),
]


class Table(_Model):
    """One dataset of the group: its sources, mapped to Personalize's fields."""

    kind: ClassVar[str]  # interactions | items | users
    sources: tuple[Source, ...] = pydantic.Field(min_length=1, description="a non-empty list of sources")
    # Polars SQL over the sources, by name: joins, unions, filters.
    query: str | None = pydantic.Field(default=None, description="a string: Polars SQL over the sources")
    fields_by_name: Annotated[dict[FieldName, Field], AfterValidator(_named)] = pydantic.Field(alias="mapping")
    # Values for missing metadata.
    fill: dict[str, Any] = pydantic.Field(default_factory=dict, description="a mapping of mapped fields to values")
    # Fields whose rows go when the value is missing.
    drop_missing: tuple[str, ...] = pydantic.Field(
        default=(), alias="dropMissing", description="a list of mapped fields"
    )
    # Metadata fields filled below this rate are dropped.
    drop_sparse_below: float = pydantic.Field(
        default=0.0, alias="dropSparseBelow", ge=0, le=1, strict=True, description="a fill rate from 0 to 1"
    )
    # count, mean, min, max of EVENT_VALUE per item or user.
    aggregates: tuple[str, ...] = pydantic.Field(
        default=(), description=f"{', '.join(AGGREGATES)} (for items or users)"
    )

    @property
    def mapping(self) -> tuple[Field, ...]:
        """The mapped fields, in the file's order."""
        return tuple(self.fields_by_name.values())

    @field_validator("sources", mode="before")
    @classmethod
    def _default_names(cls, sources: Any) -> Any:
        if not isinstance(sources, list):
            return sources
        return [
            {**s, "name": s.get("name") or f"sources_{i}"} if isinstance(s, dict) else s for i, s in enumerate(sources)
        ]

    @field_validator("aggregates")
    @classmethod
    def _aggregates(cls, aggregates: tuple[str, ...]) -> tuple[str, ...]:
        for function in aggregates:
            if function not in AGGREGATES or cls.kind == "interactions":
                raise rule(str(cls.model_fields["aggregates"].description), value=function)
        return aggregates

    @model_validator(mode="after")
    def _rules(self) -> "Table":
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise rule("sources with distinct names", "sources", value=names)
        for required in REQUIRED[self.kind]:
            if required not in self.fields_by_name:
                raise rule(f"a mapping for {required} (required for {self.kind})", f"mapping.{required}", value=None)
        for name in [*self.fill, *self.drop_missing]:
            if name not in self.fields_by_name:
                raise rule(f"a mapped field: {', '.join(sorted(self.fields_by_name))}", "fill/dropMissing", value=name)
        return self


class InteractionsTable(Table):
    kind = "interactions"


class ItemsTable(Table):
    kind = "items"


class UsersTable(Table):
    kind = "users"


class Window(_Model):
    # The training window before the holdout; None keeps all.
    days: int | None = pydantic.Field(
        default=None, ge=1, strict=True, description="a whole number of days >= 1, or omit it to keep all data"
    )


class Holdout(_Model):
    days: float = pydantic.Field(default=14.0, ge=0, strict=True, description="a number of days >= 0")


class DatasetConfig(_Model):
    name: str = pydantic.Field(description="a string")
    description: str = pydantic.Field(default="", description="a string")
    # The domain of the dataset group the version is for; omitted: a Custom dataset group.
    domain: Domain | None = pydantic.Field(default=None, description="ECOMMERCE, or omit it for a Custom group")
    interactions: InteractionsTable
    items: ItemsTable | None = None
    users: UsersTable | None = None
    window: Window = pydantic.Field(default_factory=Window)
    holdout: Holdout = pydantic.Field(default_factory=Holdout)
    # More than this share of a column's non-empty values failing to parse (a
    # timestamp in no known form, a number that is not one) fails the run.
    max_parse_failures: float = pydantic.Field(
        default=0.01,
        alias="maxParseFailures",
        ge=0,
        le=1,
        strict=True,
        description="a share of a column's non-empty values from 0 to 1",
    )
    _path: str = PrivateAttr("")

    @field_validator("items", "users", mode="before")
    @classmethod
    def _empty_is_none(cls, table: Any) -> Any:
        # `items: {}` declares no items, as `items:` (null) does.
        return None if table == {} else table

    @model_validator(mode="after")
    def _domain_rules(self) -> "DatasetConfig":
        if not self.domain:
            return self
        for table in (self.interactions, self.items, self.users):
            if table is None:
                continue
            for name in DOMAIN_REQUIRED[self.domain][table.kind]:
                spec = table.fields_by_name.get(name)
                if spec is None:
                    raise rule(
                        f"a mapping for {name} (required for {table.kind} of a {self.domain} dataset group)",
                        f"{table.kind}.mapping.{name}",
                        value=None,
                    )
                if name in DOMAIN_CATEGORICAL[self.domain] and not spec.categorical:
                    raise rule(
                        f"true ({name} is categorical in a {self.domain} dataset group)",
                        f"{table.kind}.mapping.{name}.categorical",
                        value=spec.categorical,
                    )
                cast = DOMAIN_CASTS[self.domain].get(name)
                # A string needs no cast (text is read as text); PRICE must say float.
                if cast and spec.cast != cast and not (cast == "string" and spec.cast is None):
                    raise rule(
                        f"{cast} ({name} is a {cast} in a {self.domain} dataset group)",
                        f"{table.kind}.mapping.{name}.cast",
                        value=spec.cast,
                    )
        return self

    def non_null_fields(self, kind: str) -> tuple[str, ...]:
        """The fields a table's schema declares without null, so rows missing them are dropped:
        Personalize's required fields, EVENT_TYPE (a reserved keyword typed `string`, where
        EVENT_VALUE may add null: https://docs.aws.amazon.com/personalize/latest/dg/custom-datasets-and-schemas.html)
        and the domain's required fields."""
        own = {"interactions": ("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"), "items": ("ITEM_ID",)}
        return (*own.get(kind, ("USER_ID",)), *(DOMAIN_REQUIRED[self.domain][kind] if self.domain else ()))

    @model_validator(mode="after")
    def _remember_path(self, info: ValidationInfo) -> "DatasetConfig":
        self._path = (info.context or {}).get("path", "")
        return self

    @property
    def path(self) -> str:
        """The YAML file the config was read from."""
        return self._path

    @property
    def window_days(self) -> int | None:
        return self.window.days

    @property
    def holdout_days(self) -> float:
        return self.holdout.days


def load_config(path: str) -> DatasetConfig:
    """The dataset file, checked. A file that cannot be read or is not YAML is an
    InputError naming it (and the line); a bad key is a PrepConfigError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such dataset file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the dataset file: {first_line(error)}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InputError(f"{path}: {_yaml_problem(error)}") from None
    if not isinstance(raw, dict):
        raise InputError(
            f"{path}: the dataset file holds {type(raw).__name__ if raw is not None else 'nothing'}; "
            "allowed: a mapping of keys (name, interactions, ...)"
        )
    try:
        return DatasetConfig.model_validate(raw, context={"path": path})
    except pydantic.ValidationError as failure:
        problem = first_problem(DatasetConfig, failure, missing="a value (required)")
        raise PrepConfigError(path, problem.key, problem.value, problem.allowed) from None


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or first_line(error)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    hint = " (YAML does not allow tabs for indentation: use spaces)" if "\\t" in problem or "\t" in problem else ""
    return f"{where}not valid YAML: {problem}{hint}"


def expand_env(text: str) -> str:
    """${VAR} from the environment, so DSNs with passwords stay out of the repo."""

    def value(match):
        if match.group(1) not in os.environ:
            raise PrepConfigError("environment", match.group(1), None, "a variable set in the environment")
        return os.environ[match.group(1)]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", value, text)
