"""One connection through the real engine (issue 16): a stack that names its
endpoints, region and deploy role only the way pulumi-aws reads them (aws:*)
deploys and destroys, every call of the program and of the provider process
made as the assumed role; a role of another account fails the preview naming
both accounts; a profile that does not exist is one clear line."""

import json

import pytest
from moto.sts.models import sts_backends

from tests.engine.test_config_and_names import assert_one_line_without_traceback, preview_error
from tests.helpers.engine import export_version
from tests.helpers.roles import personalize_role

pytestmark = pytest.mark.engine

BUCKET = "connection-data"
ACCOUNT, OTHER_ACCOUNT = "123456789012", "210987654321"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
    ],
}


@pytest.fixture(scope="module")
def role(aws, emulator, tmp_path_factory):
    aws("s3").create_bucket(Bucket=BUCKET)
    export_version(tmp_path_factory.mktemp("prep"), "v1", BUCKET, emulator.endpoint, rows=1200, seed=6)
    aws("iam").create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(TRUST))
    return personalize_role(aws("iam"), aws("s3"), "connection-personalize", BUCKET)


def config(emulator, role, deployer=f"arn:aws:iam::{ACCOUNT}:role/deployer", **aws) -> dict:
    return {
        "aws:region": "us-east-1",
        "aws:endpoints": [dict.fromkeys(("personalize", "s3", "sts", "iam"), emulator.endpoint)],
        "aws:assumeRoles": [{"roleArn": deployer, "sessionName": "engine-deploy"}],
        **{f"aws:{k}": v for k, v in aws.items()},
        "storage": {"bucketName": BUCKET, "roleArn": role},
        "waits": {"initialPollSeconds": 0.05, "maxPollSeconds": 0.5},
        "experiments": [{"name": "popular", "recipe": "aws-popularity-count", "datasetVersion": "v1"}],
    }


def sessions(name: str) -> int:
    return sum(r.session_name == name for r in sts_backends[ACCOUNT]["aws"].assumed_roles)


def test_the_stack_s_pulumi_aws_connection_reaches_every_call(make_program_stack, emulator, role, aws):
    stack = make_program_stack("conn", config(emulator, role))
    before = sessions("engine-deploy")
    up = stack.up()
    # The resources carry no endpoint of their own: the provider process found the
    # emulator through aws:endpoints, which only the engine's configure handed it.
    assert up.summary.result == "succeeded"
    assert up.outputs["connection"].value["assumeRoles"][0]["roleArn"].endswith(":role/deployer")
    groups = [g["name"] for g in aws("personalize").list_dataset_groups()["datasetGroups"]]
    assert "conn-popular" in groups
    # The program and the provider process each assumed the role (once per process, not per call).
    assumed = sessions("engine-deploy") - before
    assert 2 <= assumed <= 6, assumed
    stack.preview(expect_no_changes=True)

    # A role of another account: the calls would land there, the bucket and role are here.
    make_program_stack("conn", config(emulator, role, deployer=f"arn:aws:iam::{OTHER_ACCOUNT}:role/deployer"))
    message = preview_error(stack)
    assert f"a role of account {OTHER_ACCOUNT}" in message and f"this one is in account {ACCOUNT}" in message

    make_program_stack("conn", config(emulator, role, profile="no-such-profile"))
    assert_one_line_without_traceback(
        preview_error(stack), "stack 'conn': config key 'aws:profile' has value 'no-such-profile'"
    )

    # destroy runs no program: the providers connect from the stack's config alone.
    make_program_stack("conn", config(emulator, role))
    assert stack.destroy().summary.result == "succeeded"
    assert "conn-popular" not in [g["name"] for g in aws("personalize").list_dataset_groups()["datasetGroups"]]
