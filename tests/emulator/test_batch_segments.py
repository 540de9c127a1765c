"""Batch segment jobs: a solution version trained with a USER_SEGMENTATION recipe
(Item-Affinity here) reads {"itemId": ...} lines from S3 with the job's role and
writes, per line, the input and output.recommendedUsers, numResults users; other
recipes' versions are refused, and a segmentation version makes no campaign and no
batch inference job. Sources:
https://docs.aws.amazon.com/personalize/latest/dg/API_CreateBatchSegmentJob.html,
https://docs.aws.amazon.com/personalize/latest/dg/getting-user-segments.html,
https://docs.aws.amazon.com/personalize/latest/dg/prepare-input-data-user-segment.html,
https://docs.aws.amazon.com/personalize/latest/dg/batch-segment-job-output-examples.html,
https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-item-affinity.html,
https://docs.aws.amazon.com/personalize/latest/dg/delete-records.html (deleted users leave segments)"""

import csv
import io
import json

import pytest

from tests.helpers.data import interactions_csv
from tests.helpers.emulator import build_group, train, with_items_dataset


@pytest.fixture(scope="module")
def affinity(emulator, data_bucket):
    arns = build_group(emulator, "affinity", data_bucket)
    with_items_dataset(emulator.client("personalize"), emulator, arns["group"], "affinity")
    return {**arns, **train(emulator, arns["group"], "affinity-solution", recipe="aws-item-affinity")}


def segment_job(emulator, p, data_bucket, version: str, name: str, lines: list, num_results: int = 5) -> list:
    s3, bucket = emulator.client("s3"), data_bucket["bucket"]
    s3.put_object(Bucket=bucket, Key=f"segments/{name}/items.json", Body="\n".join(map(json.dumps, lines)).encode())
    job = p.create_batch_segment_job(
        jobName=name,
        solutionVersionArn=version,
        roleArn=data_bucket["role"],
        numResults=num_results,
        jobInput={"s3DataSource": {"path": f"s3://{bucket}/segments/{name}/items.json"}},
        jobOutput={"s3DataDestination": {"path": f"s3://{bucket}/segments/{name}/out/"}},
    )["batchSegmentJobArn"]
    assert p.describe_batch_segment_job(batchSegmentJobArn=job)["batchSegmentJob"]["status"] == "PENDING"
    emulator.advance()
    described = p.describe_batch_segment_job(batchSegmentJobArn=job)["batchSegmentJob"]
    assert described["status"] == "ACTIVE", described
    body = s3.get_object(Bucket=bucket, Key=f"segments/{name}/out/items.json.out")["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines() if line.strip()]


def users_of(item: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(interactions_csv(seed=3).decode())):
        if row["ITEM_ID"] == item:
            counts[row["USER_ID"]] = counts.get(row["USER_ID"], 0) + 1
    return counts


def test_a_batch_segment_job_lists_the_users_most_likely_to_interact_with_each_item(
    emulator, p, data_bucket, affinity, unique
):
    lines = segment_job(
        emulator, p, data_bucket, affinity["version"], f"seg-{unique}", [{"itemId": "i0"}, {"itemId": "i7"}]
    )
    assert [line["input"] for line in lines] == [{"itemId": "i0"}, {"itemId": "i7"}]
    for line in lines:
        users = line["output"]["recommendedUsers"]
        assert len(users) == len(set(users)) == 5
        assert users[0] in users_of(line["input"]["itemId"])  # who interacted with it ranks first
    listed = p.list_batch_segment_jobs(solutionVersionArn=affinity["version"])["batchSegmentJobs"]
    assert f"seg-{unique}" in [j["jobName"] for j in listed]


def test_an_unknown_item_gets_an_error_line_and_the_others_their_users(emulator, p, data_bucket, affinity, unique):
    lines = segment_job(
        emulator, p, data_bucket, affinity["version"], f"segu-{unique}", [{"itemId": "nope"}, {"itemId": "i1"}], 3
    )
    assert lines[0]["output"] is None and "nope" in lines[0]["error"]
    assert len(lines[1]["output"]["recommendedUsers"]) == 3


def test_a_version_of_a_recipe_without_segments_is_refused(p, trained, unique):
    with pytest.raises(p.exceptions.InvalidInputException) as raised:
        p.create_batch_segment_job(
            jobName=f"segr-{unique}",
            solutionVersionArn=trained["version"],
            roleArn="arn:aws:iam::123456789012:role/any",
            jobInput={"s3DataSource": {"path": "s3://emulator-tests/x.json"}},
            jobOutput={"s3DataDestination": {"path": "s3://emulator-tests/out/"}},
        )
    assert "aws-user-personalization" in str(raised.value)


def test_a_segmentation_version_makes_no_batch_inference_job_and_no_campaign(p, affinity, unique):
    with pytest.raises(p.exceptions.InvalidInputException) as raised:
        p.create_batch_inference_job(
            jobName=f"segb-{unique}",
            solutionVersionArn=affinity["version"],
            roleArn="arn:aws:iam::123456789012:role/any",
            jobInput={"s3DataSource": {"path": "s3://emulator-tests/x.json"}},
            jobOutput={"s3DataDestination": {"path": "s3://emulator-tests/out/"}},
        )
    assert "aws-item-affinity" in str(raised.value)
    with pytest.raises(p.exceptions.InvalidInputException):
        p.create_campaign(name=f"segc-{unique}", solutionVersionArn=affinity["version"])


def test_deleted_users_are_left_out_of_segments(emulator, p, data_bucket, affinity, unique):
    before = segment_job(emulator, p, data_bucket, affinity["version"], f"segd-{unique}", [{"itemId": "i0"}])
    top = before[0]["output"]["recommendedUsers"][0]
    key = f"deletion/{unique}.csv"
    emulator.client("s3").put_object(Bucket=data_bucket["bucket"], Key=key, Body=f"USER_ID\n{top}\n".encode())
    job = p.create_data_deletion_job(
        jobName=f"segd-{unique}",
        datasetGroupArn=affinity["group"],
        dataSource={"dataLocation": f"s3://{data_bucket['bucket']}/{key}"},
        roleArn=data_bucket["role"],
    )["dataDeletionJobArn"]
    emulator.advance()
    assert p.describe_data_deletion_job(dataDeletionJobArn=job)["dataDeletionJob"]["status"] == "COMPLETED"
    after = segment_job(emulator, p, data_bucket, affinity["version"], f"segd2-{unique}", [{"itemId": "i0"}])
    assert top not in after[0]["output"]["recommendedUsers"]
    retrained = train(emulator, affinity["group"], f"segd-{unique}-solution", recipe="aws-item-affinity")
    lines = segment_job(emulator, p, data_bucket, retrained["version"], f"segd3-{unique}", [{"itemId": "i0"}], 60)
    assert top not in lines[0]["output"]["recommendedUsers"]
