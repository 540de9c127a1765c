"""The data stack (data-stack/) under pulumi.runtime.set_mocks: the bucket, its
KMS key and the Personalize role, with the secure defaults of the Personalize
stack's storage, and the outputs the bootstrap's next commands read. Mocks only:
the pulumi-aws plugin cannot be had offline, so the real engine cannot run it."""

import json
import runpy

import pulumi
import pytest

from tests.helpers.paths import ROOT
from tests.unit.test_program import ACCOUNT, RecordingMocks

KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/data-key"


class DataMocks(RecordingMocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.typ == "aws:kms/key:Key":
            self.resources.append(args)
            return "data-key-id", {**args.inputs, "arn": KEY_ARN, "keyId": "data-key"}
        return super().new_resource(args)

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:index/getRegion:getRegion":
            return {"region": "eu-west-1", "name": "eu-west-1", "id": "eu-west-1"}
        return super().call(args)


@pytest.fixture(scope="module")
def data_stack() -> tuple[DataMocks, dict]:
    """The resources the program registers, and the values of what it exports."""
    mocks = DataMocks()
    pulumi.runtime.set_mocks(mocks, project="personalize-data", stack="dev", preview=False)
    pulumi.runtime.set_all_config({}, [])
    exported: dict[str, pulumi.Output] = {}
    outputs: dict = {}

    @pulumi.runtime.test
    def program():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
            runpy.run_path(str(ROOT / "data-stack" / "__main__.py"), run_name="__main__")
        names = list(exported)
        return pulumi.Output.all(*exported.values()).apply(lambda values: outputs.update(zip(names, values)))

    program()
    return mocks, outputs


def test_the_bucket_is_private_versioned_and_encrypted_with_the_stack_key(data_stack):
    mocks, _ = data_stack
    [bucket] = mocks.of_type("aws:s3/bucket:Bucket")
    assert bucket.inputs.get("forceDestroy") is False
    [block] = mocks.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        block.inputs[k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    [sse] = mocks.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    [rule] = sse.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN}
    assert rule["bucketKeyEnabled"] is True
    [versioning] = mocks.of_type("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    [policy] = mocks.of_type("aws:s3/bucketPolicy:BucketPolicy")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    deny = statements["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statements["PersonalizeReadsInputs"]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_the_key_rotates_and_lets_only_personalize_of_this_account_and_its_role_use_it(data_stack):
    mocks, _ = data_stack
    [key] = mocks.of_type("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert statements["AccountAdministersTheKey"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    service = statements["PersonalizeUsesTheKey"]
    assert service["Principal"] == {"Service": "personalize.amazonaws.com"}
    assert service["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    # granting-personalize-key-access.html: these, and CreateGrant in the key policy.
    wanted = {"kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants"}
    assert set(service["Action"]) == wanted
    role = statements["PersonalizeRoleUsesTheKey"]
    assert role["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:role/data-personalize-role"}
    assert set(role["Action"]) == wanted


def test_the_role_trusts_personalize_from_this_account_and_may_use_the_key(data_stack):
    mocks, _ = data_stack
    [role] = mocks.of_type("aws:iam/role:Role")
    [trust] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "personalize.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    [access] = mocks.of_type("aws:iam/rolePolicy:RolePolicy")
    [kms] = [s for s in json.loads(access.inputs["policy"])["Statement"] if s["Resource"] == KEY_ARN]
    assert set(kms["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:ListGrants"}


def test_it_makes_nothing_but_the_storage_and_exports_what_the_bootstrap_reads(data_stack):
    mocks, outputs = data_stack
    assert {r.typ for r in mocks.resources} == {
        "personalize:storage:DataStorage",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:kms/key:Key",
    }
    assert outputs == {
        "bucket": "data-bucket-x1",
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/data-personalize-role",
        "kmsKeyArn": KEY_ARN,
        "region": "eu-west-1",
    }


def test_the_project_runs_on_the_repositorys_virtualenv():
    import yaml

    project = yaml.safe_load((ROOT / "data-stack" / "Pulumi.yaml").read_text())
    assert project["name"] == "personalize-data" and project["runtime"]["name"] == "python"
    assert (ROOT / "data-stack" / project["runtime"]["options"]["virtualenv"]).resolve() == (ROOT / ".venv").resolve()
