"""What the preview checks in a brought bucket, against personalize-local's S3
(#13, finding 7): a batch users file that is not there, an event type the
dataset version does not hold, and an endpoint that does not answer, each
named as what it is."""

import json

import pytest

from stacks import datasets
from stacks.config import ConfigError, parse

BUCKET = "preview-checks"
ROLE = "arn:aws:iam::123456789012:role/p"


def stack(endpoint: str, input_key: str = "batch-input/users.jsonl", **experiment):
    return parse(
        "dev",
        {
            "connection": {"region": "us-east-1", "endpoint": endpoint},
            "storage": {"bucketName": BUCKET, "roleArn": ROLE},
            "experiments": [
                {
                    "name": "e",
                    "recipe": "aws-popularity-count",
                    "datasetVersion": "v1",
                    "batchInference": {"inputKey": input_key},
                    **experiment,
                }
            ],
        },
    )


@pytest.fixture(scope="module")
def bucket(aws):
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="batch-input/users.jsonl", Body=b'{"userId": "u1"}\n')
    s3.put_object(Bucket=BUCKET, Key="datasets/v1/manifest.json", Body=b"{}")
    manifest = {"training": {"rows": 3, "event_types": {"purchase": 2, "view": 1}}}
    s3.put_object(Bucket=BUCKET, Key="datasets/v2/manifest.json", Body=json.dumps(manifest).encode())
    return BUCKET


def test_a_batch_users_file_that_is_there_passes(emulator, bucket):
    datasets.require_batch_inputs(stack(emulator.endpoint))


def test_a_missing_batch_users_file_fails_the_preview_naming_the_key(emulator, bucket):
    with pytest.raises(ConfigError) as error:
        datasets.require_batch_inputs(stack(emulator.endpoint, "batch-input/nobody.jsonl"))
    assert error.value.key == "experiments[0].batchInference.inputKey"
    assert "has value 'batch-input/nobody.jsonl'; allowed: an object in s3://preview-checks/" in str(error.value)


@pytest.mark.parametrize("check", [datasets.exported_versions, datasets.require_batch_inputs])
def test_an_endpoint_that_does_not_answer_is_named_not_the_bucket(check):
    with pytest.raises(ConfigError) as error:
        check(stack("http://127.0.0.1:9"))  # nothing listens on the discard port
    assert error.value.key == "connection.endpoint"
    assert "nothing answered at http://127.0.0.1:9" in str(error.value)


def test_an_event_type_the_version_does_not_hold_fails_the_preview(emulator, bucket):
    # Finding 7: `eventType: purchases` failed only after training, with no interactions of it.
    with pytest.raises(ConfigError) as error:
        datasets.require_event_types(stack(emulator.endpoint, datasetVersion="v2", eventType="purchases"))
    assert error.value.key == "experiments[0].eventType"
    assert "allowed: an event type dataset version v2 holds: purchase, view" in str(error.value)
    datasets.require_event_types(stack(emulator.endpoint, datasetVersion="v2", eventType="purchase"))
    # A version exported before manifests listed event types is not judged.
    datasets.require_event_types(stack(emulator.endpoint, datasetVersion="v1", eventType="purchases"))
