"""The emulator connection, bucket and role of the provider-level tests
(tests/service, tests/evaluation, tests/serving), as fixtures: tests/conftest.py
registers this module with pytest_plugins, so every test module can ask for
them. Module-scoped, like the emulator they use (tests/conftest.py starts one
per module, in this process, with time passing 2000x faster)."""

import pytest

from tests.helpers.data import interactions_csv

BUCKET = "provider-tests"
ROLE_NAME = "personalize-tests"


@pytest.fixture(scope="module")
def conn(emulator) -> dict:
    """The inputs every resource takes to reach the emulator and wait briefly."""
    return {
        "endpoint": emulator.endpoint,
        "region": "us-east-1",
        "waits": {
            "initialPollSeconds": 0.05,
            "maxPollSeconds": 0.5,
            "createSeconds": 120,
            "updateSeconds": 120,
            "deleteSeconds": 60,
        },
    }


@pytest.fixture(scope="module")
def seeded(aws) -> dict:
    """A bucket with one dataset version exported, and a role to read it."""
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="datasets/v1/interactions.csv", Body=interactions_csv(seed=1))
    s3.put_object(Bucket=BUCKET, Key="datasets/v2/interactions.csv", Body=interactions_csv(rows=1800, seed=2))
    role = aws("iam").create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return {"bucket": BUCKET, "role": role}
