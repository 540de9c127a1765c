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
