"""The whole program under pulumi.runtime.set_mocks: what it registers for a
stack's config, with pulumi-aws resources included."""

import json
import runpy
from pathlib import Path

import pulumi
import pytest

from tests.conftest import ROOT


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self):
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources.append(args)
        outputs = dict(args.inputs)
        if args.typ == "aws:s3/bucket:Bucket":
            outputs.update(bucket=f"{args.name}-bucket", arn=f"arn:aws:s3:::{args.name}-bucket")
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}

    def of_type(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [r for r in self.resources if r.typ == typ]


def run_program(stack: str, config: dict, mocks: RecordingMocks | None = None) -> RecordingMocks:
    mocks = mocks or RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="personalize", stack=stack, preview=False)
    pulumi.runtime.set_all_config({f"personalize:{k}": json.dumps(v) for k, v in config.items()}, [])

    @pulumi.runtime.test
    def program():
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    program()
    return mocks


EXPERIMENT = {"name": "popular", "recipe": "aws-popularity-count", "datasetVersion": "v1", "minProvisionedTPS": 2}


def test_created_bucket_has_secure_defaults():
    mocks = run_program("dev", {"experiments": [EXPERIMENT]})

    [bucket] = mocks.of_type("aws:s3/bucket:Bucket")
    assert bucket.inputs.get("forceDestroy") is False
    [block] = mocks.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert {k: block.inputs[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")} == \
        {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}
    [sse] = mocks.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    [versioning] = mocks.of_type("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    [policy] = mocks.of_type("aws:s3/bucketPolicy:BucketPolicy")
    [statement] = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == ["arn:aws:s3:::data-bucket", "arn:aws:s3:::data-bucket/*"]


def test_existing_bucket_registers_no_aws_resources():
    mocks = run_program("local", {"experiments": [EXPERIMENT], "storage": {"bucketName": "team-lake"}})
    assert not [r for r in mocks.resources if r.typ.startswith("aws:")]


def test_one_component_per_experiment_with_its_record():
    second = dict(EXPERIMENT, name="personal", recipe="aws-user-personalization-v2", minProvisionedTPS=5)
    mocks = run_program("dev", {"experiments": [EXPERIMENT, second], "storage": {"bucketName": "b"}})

    components = mocks.of_type("personalize:experiment:Experiment")
    assert sorted(c.name for c in components) == ["personal", "popular"]
    records = {r.name: r.inputs for r in mocks.of_type("pulumi-python:dynamic:Resource")}
    assert set(records) == {"popular-plan", "personal-plan"}
    assert records["personal-plan"]["settings"] == {
        "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization-v2",
        "datasetVersion": "v1",
        "minProvisionedTPS": 5,
    }
    assert Path(records["popular-plan"]["store"]).is_absolute()


def test_bad_config_fails_before_anything_is_registered():
    bad = dict(EXPERIMENT, minProvisionedTPS=0)
    mocks = RecordingMocks()
    with pytest.raises(Exception) as failure:
        run_program("dev", {"experiments": [EXPERIMENT, bad]}, mocks)
    assert "stack 'dev': config key 'experiments[1].minProvisionedTPS' has value 0; allowed: an integer of at least 1" in str(failure.value)
    assert mocks.resources == []
