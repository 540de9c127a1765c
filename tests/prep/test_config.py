"""The dataset file's models: each broken rule is one message naming the file,
the key path as the YAML spells it, the value and what is allowed."""

import copy
import os
from pathlib import Path

import pytest
import yaml

from prep.config import PrepConfigError, load_config

VALID = {
    "name": "shop",
    "interactions": {
        "sources": [{"kind": "csv", "path": "events.csv"}],
        "mapping": {"USER_ID": {"column": "user"}, "ITEM_ID": {"column": "item"}, "TIMESTAMP": {"column": "when"}},
    },
}


def write(tmp_path: Path, change) -> str:
    raw = copy.deepcopy(VALID)
    change(raw)
    path = tmp_path / "dataset.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return str(path)


interactions = lambda raw: raw["interactions"]
source = lambda raw: raw["interactions"]["sources"][0]
user_id = lambda raw: raw["interactions"]["mapping"]["USER_ID"]
TABLE_KEYS = "sources, query, mapping, fill, dropMissing, dropSparseBelow, aggregates"


@pytest.mark.parametrize(
    "change, key, value, allowed",
    [
        # Unknown keys, at the top and at every level below it.
        (
            lambda r: r.update(colour="red"),
            "colour",
            "red",
            "one of the keys name, description, domain, interactions, items, users, window, holdout, maxParseFailures",
        ),
        (lambda r: interactions(r).update(colour=1), "interactions.colour", 1, f"one of the keys {TABLE_KEYS}"),
        (
            lambda r: source(r).update(colour=1),
            "interactions.sources[0].colour",
            1,
            "one of the keys name, kind, path, dsn, query",
        ),
        (
            lambda r: user_id(r).update(colour=1),
            "interactions.mapping.USER_ID.colour",
            1,
            "one of the keys column, value, cast, format, categorical",
        ),
        (lambda r: r.update(window={"dayz": 3}), "window.dayz", 3, "one of the keys days"),
        # Keys are spelt as in the file: the Python name of dropMissing is unknown there.
        (
            lambda r: interactions(r).update(drop_missing=["USER_ID"]),
            "interactions.drop_missing",
            ["USER_ID"],
            f"one of the keys {TABLE_KEYS}",
        ),
        # A misspelt key is reported as unknown, not as the required key it leaves missing.
        (
            lambda r: r.update(interaction=r.pop("interactions")),
            "interaction",
            VALID["interactions"],
            "one of the keys name, description, domain, interactions, items, users, window, holdout, maxParseFailures",
        ),
        # Wrong types.
        (lambda r: r.update(name=5), "name", 5, "a string"),
        (
            lambda r: r.update(window={"days": "30"}),
            "window.days",
            "30",
            "a whole number of days >= 1, or omit it to keep all data",
        ),
        (lambda r: r.update(holdout={"days": True}), "holdout.days", True, "a number of days >= 0"),
        (
            lambda r: user_id(r).update(categorical="maybe"),
            "interactions.mapping.USER_ID.categorical",
            "maybe",
            "true or false",
        ),
        (
            lambda r: interactions(r).update(sources="events.csv"),
            "interactions.sources",
            "events.csv",
            "a non-empty list of sources",
        ),
        (lambda r: interactions(r).update(mapping=["USER_ID"]), "interactions.mapping", ["USER_ID"], "a mapping"),
        (
            lambda r: r["interactions"]["mapping"].update(USER_ID="user"),
            "interactions.mapping.USER_ID",
            "user",
            "a mapping",
        ),
        # Required keys, absent or null.
        (lambda r: r.pop("name"), "name", None, "a value (required)"),
        (lambda r: source(r).update(kind=None), "interactions.sources[0].kind", None, "a value (required)"),
        # Values and cross-field rules.
        (lambda r: source(r).update(kind="xlsx"), "interactions.sources[0].kind", "xlsx", "csv, parquet, jsonl, sql"),
        (
            lambda r: r["interactions"]["mapping"].update(genre={"column": "g"}),
            "interactions.mapping.genre",
            "genre",
            "an upper-case field name (A-Z, 0-9, _), as Personalize schemas use",
        ),
        (
            lambda r: user_id(r).update(value="u1"),
            "interactions.mapping.USER_ID",
            {"column": "user", "value": "u1"},
            "exactly one of column (a source column) or value (a constant)",
        ),
        (
            lambda r: interactions(r).update(sources=[{"kind": "sql", "dsn": "${DSN}"}]),
            "interactions.sources[0].query",
            None,
            "a string (required for a sql source)",
        ),
        (
            lambda r: interactions(r).update(aggregates=["count"]),
            "interactions.aggregates",
            "count",
            "count, mean, min, max (for items or users)",
        ),
    ],
)
def test_a_broken_rule_is_one_message_naming_key_value_and_what_is_allowed(tmp_path, change, key, value, allowed):
    path = write(tmp_path, change)
    with pytest.raises(PrepConfigError) as error:
        load_config(path)
    assert str(error.value) == f"{path}: key {key!r} has value {value!r}; allowed: {allowed}"
    # Only the project's message: pydantic's error is neither chained nor quoted.
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_the_first_problem_of_several_is_the_one_reported(tmp_path):
    def several(raw):
        raw.update(colour=1, holdout={"days": -1})
        source(raw).update(kind="xlsx", shade=2)

    with pytest.raises(PrepConfigError, match=r"key 'colour' has value 1; allowed: one of the keys name,"):
        load_config(write(tmp_path, several))


def test_relative_source_paths_are_read_from_the_dataset_files_directory(tmp_path, monkeypatch):
    nested = tmp_path / "datasets"
    nested.mkdir()

    def change(raw):
        interactions(raw)["sources"].append({"kind": "parquet", "path": "s3://b/k"})
        raw["items"] = {}  # declares no items, as `items:` alone does

    path = write(nested, change)
    monkeypatch.chdir(tmp_path)
    config = load_config(os.path.relpath(path))
    assert [s.path for s in config.interactions.sources] == [str(nested / "events.csv"), "s3://b/k"]
    assert [s.name for s in config.interactions.sources] == ["sources_0", "sources_1"]
    assert config.path == os.path.join("datasets", "dataset.yaml")
    assert [f.name for f in config.interactions.mapping] == ["USER_ID", "ITEM_ID", "TIMESTAMP"]
    assert (config.window_days, config.holdout_days, config.items) == (None, 14.0, None)
