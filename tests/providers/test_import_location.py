"""An import is refused at check and at create when its data location holds
nothing (issue 16): a stack that creates its bucket starts with an empty one,
and a job started on it fails minutes later in the service. S3 is moto's, in
this process."""

import boto3
import pytest
from moto import mock_aws

from providers.dataset_import_job import DatasetImportJobProvider
from providers.preview import UNKNOWN
from service.errors import ResourceFailed

BUCKET = "data-bucket-1a2b3c4"
LOCATION = f"s3://{BUCKET}/datasets/v1/interactions.csv"
ARN = "arn:aws:personalize:us-east-1:123456789012:dataset/dev-popular/INTERACTIONS"
ROLE = "arn:aws:iam::123456789012:role/data-personalize-role"


def job(location: str = LOCATION) -> dict:
    return {
        "jobName": "dev-popular-v1",
        "datasetArn": ARN,
        "dataSource": {"dataLocation": location},
        "roleArn": ROLE,
        "region": "us-east-1",
    }


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        made = boto3.client("s3", region_name="us-east-1")
        made.create_bucket(Bucket=BUCKET)
        yield made


def reasons(olds: dict, news: dict) -> list[str]:
    return [f.reason for f in DatasetImportJobProvider().check(olds, news).failures]


def test_an_import_from_an_empty_bucket_fails_the_check_naming_the_location_and_the_export(s3):
    assert reasons({}, job()) == [
        f"dataset import job dev-popular-v1: dataSource.dataLocation {LOCATION} holds no data to import: "
        f"dataset version v1 is not exported to s3://{BUCKET}/datasets/v1/ (no manifest.json). Export it "
        f"first, e.g. python -m prep --config datasets/<dataset>.yaml --version v1 --output s3://{BUCKET}, "
        "then run pulumi up"
    ]


def test_create_refuses_it_too_before_anything_is_started(s3):
    with pytest.raises(ResourceFailed, match=f"{LOCATION} holds no data to import"):
        DatasetImportJobProvider().create(DatasetImportJobProvider().check({}, job()).inputs)


def test_a_location_that_holds_its_data_passes(s3):
    s3.put_object(Bucket=BUCKET, Key="datasets/v1/interactions.csv", Body=b"USER_ID,ITEM_ID,TIMESTAMP\n")
    s3.put_object(Bucket=BUCKET, Key="exports/part-0.csv", Body=b"USER_ID,ITEM_ID,TIMESTAMP\n")
    assert reasons({}, job()) == []
    assert reasons({}, job(f"s3://{BUCKET}/exports/")) == []


def test_an_empty_folder_or_a_missing_bucket_fails_naming_it(s3):
    [folder] = reasons({}, job(f"s3://{BUCKET}/exports/"))
    assert folder.endswith(f"dataSource.dataLocation s3://{BUCKET}/exports/ holds no data to import")
    [bucket] = reasons({}, job("s3://no-such-bucket/datasets/v1/interactions.csv"))
    assert "s3://no-such-bucket/datasets/v1/interactions.csv holds no data to import" in bucket


def test_a_location_not_known_at_preview_is_left_to_the_up_that_knows_it(s3):
    assert reasons({}, job(UNKNOWN)) == []


def test_a_job_that_already_imported_from_its_location_is_not_asked_again(s3):
    # A stack deployed before this check, whose bucket no longer holds the version,
    # previews without a failure: nothing new is imported.
    assert reasons(job(), job()) == []
    assert reasons(job(), job(f"s3://{BUCKET}/datasets/v2/interactions.csv")) != []
