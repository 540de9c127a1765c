"""An account's quota reached (LimitExceededException, "Amazon Personalize
endpoints and quotas": https://docs.aws.amazon.com/personalize/latest/dg/limits.html)
ends the engine's call at once in one clear message: not retried as if it were
throttling, as botocore's retry modes would."""

import pytest

import local
from providers.dataset_group import DatasetGroupProvider
from providers.lifecycle import ResourceFailed
from tests.helpers.provider_fixtures import CONN_WAITS, EMULATOR_TIME_SCALE
from tests.helpers.providers import create


@pytest.fixture
def one_group_account(tmp_path):
    """An emulator whose account may hold one active dataset group (the default is 5)."""
    handle = local.start(str(tmp_path), port=0, time_scale=EMULATOR_TIME_SCALE, quotas={"activeDatasetGroups": 1})
    yield handle
    handle.stop()


def test_total_number_of_active_dataset_groups_reached_is_one_clear_error_without_retries(one_group_account):
    conn = {**CONN_WAITS, "endpoint": one_group_account.endpoint}
    create(DatasetGroupProvider(), conn, name="first")
    before = one_group_account.calls["CreateDatasetGroup"]
    with pytest.raises(ResourceFailed) as failure:
        create(DatasetGroupProvider(), conn, name="second")
    message = str(failure.value)
    assert one_group_account.calls["CreateDatasetGroup"] - before == 1  # asked once, not retried
    assert message.startswith("dataset group second: "), message
    assert "Total number of active dataset groups" in message  # which quota, in the service's words
    assert "quota of this AWS account in us-east-1" in message
    assert "Service Quotas" in message and "delete unused resources" in message
    assert "\n" not in message and failure.value.__cause__ is None
