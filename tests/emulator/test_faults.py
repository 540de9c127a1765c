"""Faults on demand: throttling botocore recognises, forced CREATE FAILED,
added latency; set through /_local/faults and through CLI flags."""

import botocore.exceptions
import pytest

ARN = "arn:aws:personalize:us-east-1:123456789012:"


@pytest.fixture
def faults(emulator):
    yield lambda config: emulator.local("/_local/faults", "POST", config)
    emulator.local("/_local/faults", "DELETE")


def test_throttling_is_seen_without_retries(emulator, faults):
    faults({"throttle": {"rate": 1.0, "operations": ["ListDatasetGroups"]}})
    p = emulator.client("personalize", retries={"total_max_attempts": 1, "mode": "standard"})
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        p.list_dataset_groups()
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    p.list_schemas()  # other operations are untouched
    assert emulator.local("/_local/faults")["throttle"]["operations"] == ["ListDatasetGroups"]


def test_standard_retries_recover_from_throttling(emulator, faults):
    faults({"throttle": {"count": 2}})
    p = emulator.client("personalize", retries={"max_attempts": 5, "mode": "standard"})
    response = p.list_dataset_groups()
    assert response["ResponseMetadata"]["RetryAttempts"] == 2


def test_runtime_throttling_is_recognised_too(emulator, faults):
    faults({"throttle": {"count": 1, "operations": ["GetRecommendations"]}})
    runtime = emulator.client("personalize-runtime", retries={"total_max_attempts": 1, "mode": "standard"})
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        runtime.get_recommendations(campaignArn=ARN + "campaign/none", userId="u1")
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"


def test_forced_create_failed(emulator, faults, unique):
    faults({"fail": {f"doomed-{unique}": "Injected: capacity unavailable"}})
    p = emulator.client("personalize")
    group = p.create_dataset_group(name=f"doomed-{unique}")["datasetGroupArn"]
    assert p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["status"] == "CREATE PENDING"
    emulator.advance()
    described = p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]
    assert described["status"] == "CREATE FAILED"
    assert described["failureReason"] == "Injected: capacity unavailable"
    p.delete_dataset_group(datasetGroupArn=group)  # a failed resource can be deleted


def test_slow_responses(start_emulator):
    # An emulator of its own: the server finishes the timed-out call 1.5 s later,
    # and would then take a throttle that a later test set on the shared emulator.
    running = start_emulator()
    running.local("/_local/faults", "POST", {"latency_ms": 1500})
    p = running.client("personalize", read_timeout=0.3, retries={"total_max_attempts": 1})
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        p.list_schemas()


def test_faults_from_cli_flags(start_emulator):
    running = start_emulator(
        "--throttle-rate", "1.0", "--throttle-ops", "ListSchemas", "--fail", "from-flag=Injected by flag"
    )
    p = running.client("personalize", retries={"total_max_attempts": 1, "mode": "standard"})
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        p.list_schemas()
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    group = p.create_dataset_group(name="from-flag")["datasetGroupArn"]
    running.advance()
    described = p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]
    assert (described["status"], described["failureReason"]) == ("CREATE FAILED", "Injected by flag")
    assert running.stop() == 0  # SIGTERM shuts down cleanly


def test_a_failed_campaign_can_be_updated_into_service(emulator, faults, trained, unique):
    faults({"fail": {f"broken-{unique}": "Injected: deployment failed"}})
    p, runtime = emulator.client("personalize"), emulator.client("personalize-runtime")
    campaign = p.create_campaign(name=f"broken-{unique}", solutionVersionArn=trained["version"])["campaignArn"]
    emulator.advance()
    described = p.describe_campaign(campaignArn=campaign)["campaign"]
    assert (described["status"], described["failureReason"]) == ("CREATE FAILED", "Injected: deployment failed")
    with pytest.raises(runtime.exceptions.ResourceNotFoundException):
        runtime.get_recommendations(campaignArn=campaign, userId="u1")
    p.update_campaign(campaignArn=campaign, minProvisionedTPS=2)  # allowed from CREATE FAILED
    emulator.advance()
    described = p.describe_campaign(campaignArn=campaign)["campaign"]
    assert described["status"] == "ACTIVE" and "failureReason" not in described
    assert runtime.get_recommendations(campaignArn=campaign, userId="u1")["itemList"]
