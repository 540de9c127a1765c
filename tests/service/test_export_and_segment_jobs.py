"""Dataset export and batch segment jobs, against personalize-local: what they
write, what a change does (a new job; a role is only recorded), and the
service's refusal of a segment job on a version that makes no segments.
Create/read, adoption (an interrupted run's job included), failure, deadline
and the no-op delete: test_each_resource."""

import json

import pytest
from botocore.exceptions import ClientError

from providers.batch_segment_job import BatchSegmentJobProvider
from providers.dataset import DatasetProvider
from providers.dataset_export_job import DatasetExportJobProvider
from providers.dataset_import_job import DatasetImportJobProvider
from providers.schema import SchemaProvider
from providers.solution import SolutionProvider
from providers.solution_version import SolutionVersionProvider
from tests.helpers.domain import ITEMS_SCHEMA
from tests.helpers.providers import create, interactions_group


@pytest.fixture(scope="module")
def group(conn, seeded):
    ids = interactions_group(conn, "jobs")
    create(
        DatasetImportJobProvider(),
        conn,
        jobName="jobs-v1",
        datasetArn=ids["dataset"],
        roleArn=seeded["role"],
        dataSource={"dataLocation": f"s3://{seeded['bucket']}/datasets/v1/interactions.csv"},
    )
    return ids


def plan(provider, outs, **changes):
    diff = provider.diff(outs["arn"], outs, provider.check(outs, {**outs, **changes}).inputs)
    return diff.changes, diff.replaces


def test_an_export_writes_the_bulk_records_and_a_change_is_a_new_job(conn, seeded, group, aws):
    provider = DatasetExportJobProvider()
    prefix = f"s3://{seeded['bucket']}/exports/"
    _arn, outs = create(
        provider,
        conn,
        jobName="jobs-export",
        datasetArn=group["dataset"],
        ingestionMode="BULK",
        roleArn=seeded["role"],
        jobOutput={"s3DataDestination": {"path": prefix}},
    )
    listed = aws("s3").list_objects_v2(Bucket=seeded["bucket"], Prefix="exports/")["Contents"]
    body = aws("s3").get_object(Bucket=seeded["bucket"], Key=listed[0]["Key"])["Body"].read()
    assert body.startswith(b"USER_ID") and body.count(b"\n") > 1

    other_role = seeded["role"].replace("personalize-tests", "personalize-other")
    assert plan(provider, outs, roleArn=other_role) == (True, [])
    assert plan(provider, outs, ingestionMode="ALL") == (True, ["ingestionMode"])
    assert plan(provider, outs, jobOutput={"s3DataDestination": {"path": f"{prefix}again/"}}) == (True, ["jobOutput"])
    assert plan(provider, outs, tags=[{"tagKey": "team", "tagValue": "recs"}]) == (True, [])


def test_a_segment_job_needs_a_segmentation_version(conn, seeded, group, aws):
    popular, _ = create(
        SolutionProvider(),
        conn,
        name="jobs-popular",
        datasetGroupArn=group["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )
    version, _ = create(SolutionVersionProvider(), conn, solutionArn=popular)
    aws("s3").put_object(Bucket=seeded["bucket"], Key="segments/in.jsonl", Body=b'{"itemId": "i1"}\n')
    props = {
        "jobName": "jobs-segments",
        "solutionVersionArn": version,
        "roleArn": seeded["role"],
        "jobInput": {"s3DataSource": {"path": f"s3://{seeded['bucket']}/segments/in.jsonl"}},
        "jobOutput": {"s3DataDestination": {"path": f"s3://{seeded['bucket']}/segments/out/"}},
    }
    # The service's refusal, as it words it (the engine shows the InvalidInputException).
    with pytest.raises(ClientError, match="does not make user segments"):
        create(BatchSegmentJobProvider(), conn, **props)

    schema, _ = create(SchemaProvider(), conn, name="jobs-items", schema=ITEMS_SCHEMA)
    create(
        DatasetProvider(),
        conn,
        name="jobs-items",
        datasetType="Items",
        datasetGroupArn=group["group"],
        schemaArn=schema,
    )
    affinity, _ = create(
        SolutionProvider(),
        conn,
        name="jobs-affinity",
        datasetGroupArn=group["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-item-affinity",
    )
    version, _ = create(SolutionVersionProvider(), conn, solutionArn=affinity)
    provider = BatchSegmentJobProvider()
    _arn, outs = create(provider, conn, **{**props, "solutionVersionArn": version, "numResults": 2})
    out = aws("s3").get_object(Bucket=seeded["bucket"], Key="segments/out/in.jsonl.out")["Body"].read()
    [line] = [json.loads(raw) for raw in out.splitlines() if raw.strip()]
    assert len(line["output"]["recommendedUsers"]) == 2
    assert plan(provider, outs, numResults=3) == (True, ["numResults"])
    assert plan(provider, outs, roleArn=seeded["role"] + "-other") == (True, [])
