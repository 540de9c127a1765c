"""The parts of a Personalize Avro schema the emulator needs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

NUMERIC_TYPES = {"int", "long", "float", "double", "boolean"}
INTEGER_TYPES = {"int", "long"}

# Personalize's own fields for each dataset type; used when no schema was imported.
DEFAULT_SCHEMAS: dict[str, list[tuple[str, str | list[str]]]] = {
    "INTERACTIONS": [
        ("USER_ID", "string"),
        ("ITEM_ID", "string"),
        ("TIMESTAMP", "long"),
        ("EVENT_TYPE", "string"),
        ("EVENT_VALUE", ["null", "float"]),
    ],
    "ACTION_INTERACTIONS": [
        ("USER_ID", "string"),
        ("ACTION_ID", "string"),
        ("TIMESTAMP", "long"),
        ("EVENT_TYPE", "string"),
    ],
    "ITEMS": [("ITEM_ID", "string")],
    "USERS": [("USER_ID", "string")],
    "ACTIONS": [("ACTION_ID", "string")],
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    nullable: bool
    categorical: bool = False
    textual: bool = False

    @property
    def is_string(self) -> bool:
        return self.type not in NUMERIC_TYPES


def parse_fields(schema: dict | str) -> list[FieldSpec]:
    parsed: dict = json.loads(schema) if isinstance(schema, (str, bytes)) else schema
    specs = []
    for f in parsed.get("fields", []):
        ftype = f.get("type")
        if isinstance(ftype, dict):
            ftype = ftype.get("type")
        options = ftype if isinstance(ftype, list) else [ftype]
        options = [o.get("type") if isinstance(o, dict) else o for o in options]
        concrete = [o for o in options if o != "null"] or ["string"]
        specs.append(
            FieldSpec(
                name=f["name"],
                type=str(concrete[0]),
                nullable="null" in options,
                categorical=bool(f.get("categorical")),
                textual=bool(f.get("textual")),
            )
        )
    return specs


def default_schema(dataset_type: str, extra_fields: dict[str, object] | None = None) -> dict:
    fields: list[dict[str, object]] = [{"name": n, "type": t} for n, t in DEFAULT_SCHEMAS[dataset_type]]
    for name, ftype in (extra_fields or {}).items():
        fields.append({"name": name, "type": ["null", ftype]})
    return {
        "type": "record",
        "name": dataset_type.title(),
        "namespace": "com.amazonaws.personalize.schema",
        "fields": fields,
        "version": "1.0",
    }


def camel_to_field(name: str) -> str:
    """numberOfRatings -> NUMBER_OF_RATINGS, as PutItems/PutUsers properties map to fields."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


# Replacing a dataset's schema (UpdateDataset): every field of the previous schema stays, with
# its data type and attributes unchanged, and every new field supports null
# (https://docs.aws.amazon.com/personalize/latest/dg/updating-dataset-schema.html).
FIELD_ATTRIBUTES = ("categorical", "textual")


def _type_key(ftype) -> object:
    """A field's type, comparable: union members in any order, nested types by value."""
    if isinstance(ftype, list):
        return frozenset(json.dumps(member, sort_keys=True) for member in ftype)
    return frozenset([json.dumps(ftype, sort_keys=True)])


def _accepts_null(ftype) -> bool:
    return ftype == "null" or (isinstance(ftype, list) and "null" in ftype)


def replacement_problems(previous: dict | str, replacement: dict | str) -> list[str]:
    """Why `replacement` cannot replace `previous` as a dataset's schema; empty if it can."""
    old = json.loads(previous) if isinstance(previous, (str, bytes)) else previous
    new = json.loads(replacement) if isinstance(replacement, (str, bytes)) else replacement
    new_fields = {f.get("name"): f for f in new.get("fields", [])}
    problems = []
    for field in old.get("fields", []):
        name = field.get("name")
        kept = new_fields.pop(name, None)
        if kept is None:
            problems.append(f"field {name} of the previous schema is missing")
            continue
        if _type_key(kept.get("type")) != _type_key(field.get("type")):
            problems.append(f"field {name} changes its type from {field.get('type')} to {kept.get('type')}")
        for attribute in FIELD_ATTRIBUTES:
            if bool(kept.get(attribute)) != bool(field.get(attribute)):
                problems.append(f"field {name} changes its attribute {attribute}")
    for name, field in new_fields.items():
        if not _accepts_null(field.get("type")):
            problems.append(f'new field {name} must accept null (its type must include "null")')
    return problems
