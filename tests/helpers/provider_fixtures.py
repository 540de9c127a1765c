"""The emulator connection, bucket and role of the provider-level tests
(tests/service, tests/evaluation, tests/serving), as fixtures: tests/conftest.py
registers this module with pytest_plugins, so every test module can ask for
them. Module-scoped, like the emulator they use (tests/conftest.py starts one
per module, in this process, with time passing 2000x faster)."""

import pytest

from tests.helpers.data import interactions_csv
from tests.helpers.roles import personalize_role

# Realistic durations 2000x faster: a one-hour training takes 1.8 s.
EMULATOR_TIME_SCALE = 0.0005
BUCKET = "provider-tests"
ROLE_NAME = "personalize-tests"
VIEWS_KEY = "datasets/views/interactions.csv"  # what the ECOMMERCE recommenders of the tests train on


# The inputs every resource takes to wait briefly on the emulator.
CONN_WAITS = {
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
def conn(emulator) -> dict:
    """The inputs every resource takes to reach the emulator and wait briefly."""
    return {**CONN_WAITS, "endpoint": emulator.endpoint}


@pytest.fixture(scope="module")
def seeded(aws) -> dict:
    """A bucket with one dataset version exported, and a role to read it."""
    return seed(aws)


def seed(aws) -> dict:
    """The bucket and role of `seeded`, in the emulator `aws(service)` reaches."""
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="datasets/v1/interactions.csv", Body=interactions_csv(seed=1))
    s3.put_object(Bucket=BUCKET, Key="datasets/v2/interactions.csv", Body=interactions_csv(rows=1800, seed=2))
    # Views, as an ECOMMERCE use case trained on them counts them: at least 1000 `View` events
    # (https://docs.aws.amazon.com/personalize/latest/dg/ECOMMERCE-use-cases.html).
    s3.put_object(Bucket=BUCKET, Key=VIEWS_KEY, Body=interactions_csv(seed=3, event_type="View"))
    role = personalize_role(aws("iam"), s3, ROLE_NAME, BUCKET)
    return {"bucket": BUCKET, "role": role}


def start_local(state_dir, quotas: dict | None = None):
    """personalize-local in this process, on a free port (stop it with .stop()),
    with the account's quotas at their documented defaults but for `quotas`."""
    import local

    return local.start(str(state_dir), port=0, time_scale=EMULATOR_TIME_SCALE, quotas=quotas)
