"""What a dataset's schema must hold, by dataset type and by the domain of its group.

CreateSchema is not told the dataset type; CreateDataset (and UpdateDataset) know both
the schema and the type, so the rules are judged there and refused with
InvalidInputException. Each rule is the emulator's own reading of the pages cited."""

from __future__ import annotations

import json
from typing import NamedTuple

DOC = "https://docs.aws.amazon.com/personalize/latest/dg/"
# Required fields, reserved keywords and their data types for any dataset group; Users and
# Items schemas need at least one metadata field (a field neither required nor reserved).
CUSTOM_DOC = DOC + "custom-datasets-and-schemas.html"
# The ECOMMERCE domain's required fields and reserved keywords, per dataset type; reserved
# categorical string fields must be categorical, reserved textual ones textual.
ECOMMERCE_DOCS = (
    DOC + "ECOMMERCE-datasets-and-schemas.html",
    DOC + "ECOMMERCE-interactions-dataset.html",
    DOC + "ECOMMERCE-items-dataset.html",
    DOC + "ECOMMERCE-users-dataset.html",
)
# A schema for a dataset of a Domain dataset group is created with that group's domain.
SCHEMA_DOMAIN_DOC = DOC + "API_CreateSchema.html"


class Rule(NamedTuple):
    type: str  # the Avro type the field must have
    nullable: bool = False  # whether "null" may be in its union
    attribute: str = ""  # "categorical" or "textual" when the field must carry it


REQUIRED: dict[str, dict[str, Rule]] = {
    "INTERACTIONS": {"USER_ID": Rule("string"), "ITEM_ID": Rule("string"), "TIMESTAMP": Rule("long")},
    "ITEMS": {"ITEM_ID": Rule("string")},
    "USERS": {"USER_ID": Rule("string")},
}
# EVENT_TYPE is typed `string` alone, where EVENT_VALUE and RECOMMENDATION_ID may add null
# (CUSTOM_DOC): strict reading, a nullable EVENT_TYPE is refused.
RESERVED: dict[str, dict[str, Rule]] = {
    "INTERACTIONS": {
        "EVENT_TYPE": Rule("string"),
        "EVENT_VALUE": Rule("float", nullable=True),
        "IMPRESSION": Rule("string", nullable=True),
        "RECOMMENDATION_ID": Rule("string", nullable=True),
        "EVENT_ATTRIBUTION_SOURCE": Rule("string", nullable=True),
    },
    "ITEMS": {"CREATION_TIMESTAMP": Rule("long")},
    "USERS": {},
}
NEEDS_METADATA = ("ITEMS", "USERS")
# An ECOMMERCE Items schema has PRICE and CATEGORY_L1 required instead; its Users schema
# still needs one metadata field (ECOMMERCE_DOCS).
DOMAIN_NEEDS_METADATA = {"ECOMMERCE": ("USERS",)}

DOMAIN_REQUIRED: dict[str, dict[str, dict[str, Rule]]] = {
    "ECOMMERCE": {
        "INTERACTIONS": {"EVENT_TYPE": Rule("string")},
        "ITEMS": {"PRICE": Rule("float"), "CATEGORY_L1": Rule("string", attribute="categorical")},
        "USERS": {},
    },
}
DOMAIN_RESERVED: dict[str, dict[str, dict[str, Rule]]] = {
    "ECOMMERCE": {
        "INTERACTIONS": {},
        "ITEMS": {
            **{
                name: Rule("string", nullable=True, attribute="categorical")
                for name in ("CATEGORY_L2", "CATEGORY_L3", "AGE_GROUP", "ADULT", "GENDER")
            },
            "PRODUCT_DESCRIPTION": Rule("string", nullable=True, attribute="textual"),
        },
        "USERS": {},
    },
}


def _shape(field: dict) -> tuple[list[str], bool]:
    """A field's non-null types and whether it accepts null."""
    ftype = field.get("type")
    options = ftype if isinstance(ftype, list) else [ftype]
    names = [o.get("type") if isinstance(o, dict) else o for o in options]
    return [str(n) for n in names if n != "null"], "null" in names


def _broken(name: str, field: dict, rule: Rule) -> str | None:
    types, nullable = _shape(field)
    wanted = f'"{rule.type}"' + (' (optionally with "null")' if rule.nullable else "")
    if types != [rule.type] or (nullable and not rule.nullable):
        return f"field {name} must have type {wanted}, not {json.dumps(field.get('type'))}"
    if rule.attribute and not field.get(rule.attribute):
        return f"field {name} must be {rule.attribute}"
    return None


def problems(dataset_type: str, schema: dict | str, domain: str | None = None) -> list[str]:
    """Why `schema` cannot be the schema of a `dataset_type` dataset in a group of `domain`
    (None: a Custom group); empty when it can. Types without rules here have none checked."""
    if dataset_type not in REQUIRED:
        return []
    parsed = json.loads(schema) if isinstance(schema, (str, bytes)) else schema
    fields = {f.get("name"): f for f in parsed.get("fields", []) if isinstance(f, dict)}
    required = {
        **REQUIRED[dataset_type],
        **(DOMAIN_REQUIRED[domain][dataset_type] if domain in DOMAIN_REQUIRED else {}),
    }
    reserved = {
        **RESERVED[dataset_type],
        **(DOMAIN_RESERVED[domain][dataset_type] if domain in DOMAIN_RESERVED else {}),
    }
    found = []
    for name, rule in required.items():
        if name not in fields:
            whose = f"{domain} " if domain in DOMAIN_REQUIRED and name not in REQUIRED[dataset_type] else ""
            found.append(f"a schema of {whose}{dataset_type.title()} must have the field {name}")
            continue
        found.append(_broken(name, fields[name], rule) or "")
    for name, rule in reserved.items():
        if name in fields and name not in required:
            found.append(_broken(name, fields[name], rule) or "")
    needs_metadata = DOMAIN_NEEDS_METADATA.get(domain, ()) if domain in DOMAIN_REQUIRED else NEEDS_METADATA
    if dataset_type in needs_metadata and not [n for n in fields if n not in required and n not in reserved]:
        found.append(f"a schema of {dataset_type.title()} must have at least one metadata field")
    return [p for p in found if p]
