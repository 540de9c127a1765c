"""What the engine's calls end with when the service cannot be reached, denies
access, refuses for a quota (#14) or throttles past botocore's retries (#13, finding 6): one message that
names the resource and the endpoint, without botocore's chain of exceptions."""

import botocore.exceptions
import pytest

from providers.campaign import CampaignProvider
from providers.lifecycle import ResourceFailed

ENDPOINT = "http://127.0.0.1:9"
PROPS = {
    "name": "shop",
    "solutionVersionArn": "arn:aws:personalize:us-east-1:1:solution/s/v",
    "endpoint": ENDPOINT,
    "region": "us-east-1",
}


def failing_with(error):
    class Broken:
        def __init__(self, *args, **kwargs):
            raise error

    return Broken


def client_error(code: str, message: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, "DescribeCampaign")


@pytest.mark.parametrize(
    "error, says",
    [
        (botocore.exceptions.EndpointConnectionError(endpoint_url=ENDPOINT), f"nothing answered at {ENDPOINT}"),
        (client_error("AccessDeniedException", "not allowed"), f"{ENDPOINT} denied access (AccessDeniedException"),
        (client_error("ThrottlingException", "slow down"), "kept throttling past botocore's retries"),
        # https://docs.aws.amazon.com/personalize/latest/dg/limits.html: a quota reached is not a throttling
        (
            client_error("LimitExceededException", "The quota 'Total number of active campaigns' ..."),
            "a quota of this AWS account in us-east-1 is reached at "
            f"{ENDPOINT} (LimitExceededException: The quota 'Total number of active campaigns' ...); "
            "delete unused resources of that kind, or request an increase of the quota with Service Quotas",
        ),
    ],
)
def test_one_clear_message_names_the_resource_and_the_endpoint(monkeypatch, error, says):
    monkeypatch.setattr("providers.lifecycle.Lifecycle", failing_with(error))
    with pytest.raises(ResourceFailed) as failure:
        CampaignProvider().create(PROPS)
    assert str(failure.value).startswith("campaign shop: ") and says in str(failure.value)
    assert failure.value.__cause__ is None and failure.value.__suppress_context__


def test_other_errors_pass_unchanged(monkeypatch):
    monkeypatch.setattr("providers.lifecycle.Lifecycle", failing_with(client_error("ValidationException", "bad")))
    with pytest.raises(botocore.exceptions.ClientError, match="bad"):
        CampaignProvider().delete("arn:aws:personalize:us-east-1:1:campaign/shop", PROPS)
