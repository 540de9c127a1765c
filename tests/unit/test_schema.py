"""The published JSON Schema of Pulumi.<stack>.yaml: current, and it agrees
with the config model on the shipped stack files and on a misspelt key."""

import json

import jsonschema
import pytest
import yaml

from stacks import schema
from tests.helpers.paths import ROOT

STACK_FILES = sorted(p.name for p in ROOT.glob("Pulumi.*.yaml"))


def published() -> dict:
    return json.loads(schema.PATH.read_text())


def test_the_checked_in_schema_is_current():
    assert schema.main(["--check"]) == 0
    assert published() == schema.stack_file_schema()


@pytest.mark.parametrize("stack_file", STACK_FILES)
def test_every_shipped_stack_file_is_valid_under_the_schema(stack_file):
    jsonschema.validate(yaml.safe_load((ROOT / stack_file).read_text()), published())


@pytest.mark.parametrize(
    "config, where",
    [
        ({"personalize:experimentz": []}, "experimentz"),
        ({"personalize:experiments": [{"name": "a", "recipe": "aws-nope", "datasetVersion": "v1"}]}, "aws-nope"),
        ({"personalize:experiments": [{"name": "a", "recipe": "aws-sims", "datasetVersion": "v1", "tps": 1}]}, "tps"),
        ({"personalise:training": {"wait": False}, "personalize:experiments": []}, "personalise:training"),
    ],
)
def test_a_mistake_the_model_refuses_is_refused_by_the_schema(config, where):
    with pytest.raises(jsonschema.ValidationError) as error:
        jsonschema.validate({"config": config}, published())
    assert where in str(error.value)


def test_a_stale_schema_fails_the_check(tmp_path, monkeypatch):
    stale = tmp_path / "stack-config.schema.json"
    stale.write_text(json.dumps({"stale": True}))
    monkeypatch.setattr(schema, "PATH", stale)
    assert schema.main(["--check"]) == 1
