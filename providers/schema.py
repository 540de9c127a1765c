"""Schema: an Avro record describing a dataset's columns. Immutable, so any
change replaces it, and it has no status: it exists or it does not."""

import json
from typing import Any

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs

AVRO_TYPES = {"string", "long", "int", "float", "double", "boolean", "null"}
# The columns each dataset type's schema must declare.
REQUIRED_FIELDS = {"Interactions": ("USER_ID", "ITEM_ID", "TIMESTAMP"), "Items": ("ITEM_ID",), "Users": ("USER_ID",)}


def canonical_json(text: str) -> str:
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))


def avro_problems(text: str, dataset_type: str | None) -> list[str]:
    try:
        schema = json.loads(text)
    except ValueError as error:
        return [f"is not JSON: {error}"]
    if not isinstance(schema, dict) or schema.get("type") != "record":
        return ['must be an Avro record ({"type": "record", ...})']
    problems = [f"needs {key!r}" for key in ("name", "namespace", "fields") if key not in schema]
    if problems:
        return problems
    if schema.get("version") not in ("1.0", None):
        problems.append(f'version must be "1.0", not {schema["version"]!r}')
    names = set()
    for field in schema["fields"]:
        name = field.get("name")
        types = field.get("type") if isinstance(field.get("type"), list) else [field.get("type")]
        if not name:
            problems.append(f"a field has no name: {field!r}")
        elif name in names:
            problems.append(f"field {name} is declared twice")
        names.add(name)
        if not all(t in AVRO_TYPES for t in types):
            problems.append(
                f"field {name} has type {field.get('type')!r}; allowed: {', '.join(sorted(AVRO_TYPES))} or a union with null"
            )
    for required in REQUIRED_FIELDS.get(dataset_type or "", ()):
        if required not in names:
            problems.append(f"a {dataset_type} schema needs the field {required}")
    return problems


class SchemaProvider(PersonalizeProvider):
    spec = specs.SCHEMA
    # Ours, not the API's: it says which columns the schema must declare.
    own_inputs = ("datasetType",)

    def problems(self, inputs: dict[str, Any]) -> list[tuple[str, str]]:
        dataset_type = inputs.get("datasetType")
        found = []
        if isinstance(inputs.get("schema"), str):
            found += [("schema", f"schema {p}") for p in avro_problems(inputs["schema"], dataset_type)]
        if dataset_type is not None and dataset_type not in REQUIRED_FIELDS:
            found.append(("datasetType", f"datasetType {dataset_type!r}: allowed {', '.join(REQUIRED_FIELDS)}"))
        return found

    def normalise(self, inputs: dict[str, Any]) -> dict[str, Any]:
        if isinstance(inputs.get("schema"), str):
            inputs["schema"] = canonical_json(inputs["schema"])
        return inputs

    def observed_value(self, key: str, value: Any) -> Any:
        return canonical_json(value) if key == "schema" and isinstance(value, str) else value


class Schema(PersonalizeResource, module="personalize", name="Schema"):
    provider_class = SchemaProvider
