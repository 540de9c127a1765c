"""One connection (issue 16): the profile, assumed roles, region and endpoints the
stack gives pulumi-aws reach every call of the program and of the providers,
resolved once per process, against personalize-local's STS and IAM (moto)."""

import json

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from providers.campaign import CampaignProvider
from providers.promotion import PromotionProvider
from service import connection as connections
from service.client import client
from service.connection import AssumedRole, BadConnection, Connection, from_config
from service.lifecycle import Lifecycle
from service.specs import DATASET_GROUP

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}
    ],
}


@pytest.fixture
def ops_profile(tmp_path, monkeypatch):
    """A profile of its own in a config file of the test's: static loopback keys."""
    config = tmp_path / "config"
    config.write_text("[profile ops]\naws_access_key_id = AKIAOPSPROFILE000001\naws_secret_access_key = ops\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return "ops"  # tests/conftest.py resets the process's connection after each test


@pytest.fixture
def deploy_role(aws):
    name = "deploy-role"
    iam = aws("iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]


def endpoints(emulator) -> list[dict]:
    return [{"personalize": emulator.endpoint, "s3": emulator.endpoint, "sts": emulator.endpoint}]


def test_the_stack_config_reads_as_pulumi_aws_writes_it():
    raw = {
        "aws:region": "eu-west-1",
        "aws:profile": "ops",
        # The engine hands objects over as JSON text; the program as objects.
        "aws:assumeRoles": json.dumps(
            [
                {
                    "roleArn": "arn:aws:iam::111111111111:role/a",
                    "sessionName": "ci",
                    "externalId": "x",
                    "duration": "1h30m",
                }
            ]
        ),
        "aws:endpoints": [{"personalize": "http://127.0.0.1:1", "dynamodb": "http://ignored"}],
    }
    connection = from_config(raw.get)
    assert connection == Connection(
        region="eu-west-1",
        endpoints=(("personalize", "http://127.0.0.1:1"),),
        profile="ops",
        assume_roles=(AssumedRole("arn:aws:iam::111111111111:role/a", "ci", "x", 5400),),
    )
    single = from_config({"aws:assumeRole": {"roleArn": "arn:aws:iam::1:role/b"}}.get)
    assert single.assume_roles == (AssumedRole("arn:aws:iam::1:role/b"),)
    with pytest.raises(BadConnection) as bad:
        from_config({"aws:assumeRoles": [{"roleArn": "r", "duration": "an hour"}]}.get)
    assert bad.value.key == "aws:assumeRoles[0].duration" and bad.value.value == "an hour"
    with pytest.raises(BadConnection) as bad:
        from_config({"aws:assumeRoles": [{"sessionName": "no-role"}]}.get)
    assert "roleArn" in bad.value.allowed


def test_calls_run_with_the_profile_then_as_the_assumed_role(emulator, ops_profile, deploy_role):
    with_profile = Connection(region="us-east-1", endpoints=(("sts", emulator.endpoint),), profile=ops_profile)
    assert connections.session(with_profile).get_credentials().access_key == "AKIAOPSPROFILE000001"

    assumed = Connection(
        region="us-east-1",
        endpoints=tuple(sorted(endpoints(emulator)[0].items())),
        profile=ops_profile,
        assume_roles=(AssumedRole(deploy_role, "deploy-session", "ext-1", 900),),
    )
    identity = client("sts", connection=assumed).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::123456789012:assumed-role/deploy-role/deploy-session"
    # Once per process: the same session (and its refreshable credentials) for every client.
    assert connections.session(assumed) is connections.session(assumed)
    client("personalize", connection=assumed).list_dataset_groups()


@pytest.mark.parametrize("provider_class", [CampaignProvider, PromotionProvider])
def test_the_providers_take_the_connection_the_engine_configures(emulator, ops_profile, deploy_role, provider_class):
    """The engine configures a dynamic provider with the whole stack config; each
    provider's calls then go through that profile and role, not the ambient chain."""
    stack_config = {
        "aws:region": "us-east-1",
        "aws:profile": ops_profile,
        "aws:assumeRoles": json.dumps([{"roleArn": deploy_role, "sessionName": "engine"}]),
        "aws:endpoints": json.dumps(endpoints(emulator)),
        "personalize:experiments": "[]",
    }
    provider_class().configure(ConfigureRequest(Config(stack_config, "personalize")))
    lifecycle = Lifecycle(DATASET_GROUP, {})  # a resource recorded with no region or endpoint of its own
    assert lifecycle.api.meta.endpoint_url == emulator.endpoint
    assert lifecycle.api.meta.region_name == "us-east-1"
    identity = client("sts").get_caller_identity()
    assert identity["Arn"].endswith(":assumed-role/deploy-role/engine")


def test_the_stack_output_carries_names_only_and_gives_the_commands_the_same_connection():
    deployed = Connection(
        region="eu-west-1",
        endpoints=tuple((s, "http://127.0.0.1:9") for s in sorted(connections.SERVICES)),
        profile="ops",
        assume_roles=(AssumedRole("arn:aws:iam::111111111111:role/deploy", "ci", "ext", 900),),
    )
    output = connections.as_output(deployed)
    assert set(output) == {"region", "endpoint", "profile", "assumeRoles"}
    assert connections.from_output(output) == deployed
    assert connections.as_output(Connection(region="us-east-1")) == {"region": "us-east-1", "endpoint": None}
