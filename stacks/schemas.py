"""The datasets a stack's dataset group has, and their schemas: one place for
the program that creates them and the config checks that refer to them."""

from typing import Any

INTERACTIONS_SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Interactions",
    "namespace": "com.amazonaws.personalize.schema",
    "version": "1.0",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "EVENT_TYPE", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
    ],
}


def dataset_fields(schemas: dict[str, dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """What filter expressions may refer to in a group with these schemas (kind -> Avro schema)."""
    return {kind.capitalize(): tuple(f["name"] for f in schema.get("fields", [])) for kind, schema in schemas.items()}


# What the filters of a first-form experiment (an Interactions dataset only) may refer to.
GROUP_FIELDS: dict[str, tuple[str, ...]] = dataset_fields({"interactions": INTERACTIONS_SCHEMA})
