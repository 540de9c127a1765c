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


# An Items or Users dataset moves to a new schema in place (UpdateDataset) only if
# it keeps every field of the old one with its type and attributes, and every
# field it adds takes null
# (https://docs.aws.amazon.com/personalize/latest/dg/updating-dataset-schema.html).
# An Interactions schema cannot be replaced, and its dataset cannot be recreated while
# the group serves (delete-dataset.html): a change is refused at preview.
REPLACEABLE_TYPES = ("Items", "Users")


def _types(field: dict) -> set:
    kind = field.get("type")
    return set(kind) if isinstance(kind, list) else {kind}


def field_changes(old_text: str, new_text: str) -> list[str]:
    """The fields one schema adds, drops or changes against another, in words."""
    try:
        old, new = ({f.get("name"): f for f in json.loads(text).get("fields", [])} for text in (old_text, new_text))
    except (ValueError, AttributeError):
        return []  # avro_problems says it
    return [
        *(f"{name} added" for name in new if name not in old),
        *(f"{name} dropped" for name in old if name not in new),
        *(f"{name} changed" for name in old if name in new and old[name] != new[name]),
    ]


def schema_change_problems(old_text: str, new_text: str) -> list[str]:
    """Why a dataset cannot move from the old schema to the new one in place."""
    try:
        old, new = json.loads(old_text), json.loads(new_text)
    except ValueError:
        return []  # avro_problems says it
    new_fields = {f.get("name"): f for f in new.get("fields", [])}
    problems = []
    for field in old.get("fields", []):
        name = field.get("name")
        if name not in new_fields:
            problems.append(f"field {name} is gone; a new schema must keep every field of the old one")
        elif new_fields[name] != field:
            problems.append(
                f"field {name} changed from {json.dumps(field, sort_keys=True)} to "
                f"{json.dumps(new_fields[name], sort_keys=True)}; its type and attributes must stay"
            )
    old_names = {f.get("name") for f in old.get("fields", [])}
    for name, field in new_fields.items():
        if name not in old_names and "null" not in _types(field):
            problems.append(f'new field {name} must take null (a type like ["null", ...])')
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

    def change_problems(self, olds: dict[str, Any], news: dict[str, Any]) -> list[tuple[str, str]]:
        old, new = olds.get("schema"), news.get("schema")
        if not isinstance(old, str) or not isinstance(new, str):
            return []
        if news.get("datasetType") in REPLACEABLE_TYPES:
            return [
                ("schema", f"schema of the {news['datasetType']} dataset: {p} (updating-dataset-schema.html)")
                for p in schema_change_problems(old, new)
            ]
        changes = field_changes(old, new)
        if not changes:
            return []
        return [
            (
                "schema",
                f"schema of the {news.get('datasetType')} dataset changes ({'; '.join(changes)}). "
                "The service cannot replace it (updating-dataset-schema.html), and deletes the dataset "
                "only once every campaign, filter, event tracker and metric attribution of its group is "
                "gone (delete-dataset.html), which takes the group's campaigns down. Give the version with "
                "the new columns a dataset group of its own and move the experiments to it",
            )
        ]

    def normalise(self, inputs: dict[str, Any]) -> dict[str, Any]:
        if isinstance(inputs.get("schema"), str):
            inputs["schema"] = canonical_json(inputs["schema"])
        return inputs

    def observed_value(self, key: str, value: Any) -> Any:
        return canonical_json(value) if key == "schema" and isinstance(value, str) else value


class Schema(PersonalizeResource, module="personalize", name="Schema"):
    provider_class = SchemaProvider
