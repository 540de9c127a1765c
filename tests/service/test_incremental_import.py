"""An INCREMENTAL import of a dataset with no ACTIVE import yet is sent FULL
(the service refuses INCREMENTAL until bulk records are in the dataset:
https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetImportJob.html,
https://docs.aws.amazon.com/personalize/latest/dg/bulk-data-import-step.html),
while the declared input stays INCREMENTAL: no diff after; the next one is
INCREMENTAL; an interrupted first one is adopted, not run again."""

import re

import pytest

from providers.dataset_import_job import DatasetImportJobProvider
from service.waiting import DeadlineExceeded
from tests.helpers.providers import create, interactions_group


def job_props(seeded, group, name, version="v1"):
    return {
        "jobName": name,
        "datasetArn": group["dataset"],
        "roleArn": seeded["role"],
        "importMode": "INCREMENTAL",
        "dataSource": {"dataLocation": f"s3://{seeded['bucket']}/datasets/{version}/interactions.csv"},
    }


def described(aws, arn) -> dict:
    return aws("personalize").describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]


def test_the_first_incremental_import_runs_full_and_the_next_incremental(conn, seeded, aws, capfd):
    group = interactions_group(conn, "incremental")
    provider = DatasetImportJobProvider()

    arn, outs = create(provider, conn, **job_props(seeded, group, "incremental-v1"))

    assert described(aws, arn)["importMode"] == "FULL"
    assert outs["importMode"] == "INCREMENTAL" and outs["importedMode"] == "FULL"
    assert "importing FULL instead of INCREMENTAL" in capfd.readouterr().err
    read = provider.read(arn, outs)
    assert read.inputs["importMode"] == "INCREMENTAL"
    assert provider.diff(arn, read.outs, provider.check(read.outs, read.inputs).inputs).changes is False

    second, outs = create(provider, conn, **job_props(seeded, group, "incremental-v2", "v2"))
    assert described(aws, second)["importMode"] == "INCREMENTAL" and outs["importedMode"] == "INCREMENTAL"


def test_an_interrupted_first_incremental_import_is_adopted_once_active(conn, seeded, aws):
    group = interactions_group(conn, "incremental-resume")
    props = job_props(seeded, group, "incremental-resume-v1")
    hurried = dict(conn, waits={**conn["waits"], "createSeconds": 0.05})
    with pytest.raises(DeadlineExceeded) as interrupted:
        create(DatasetImportJobProvider(), hurried, **props)
    [running] = re.findall(r"(arn:aws:personalize:\S+) to become", str(interrupted.value))
    DatasetImportJobProvider().lifecycle(conn).wait_until_done(running)  # it ends while nobody waits

    again, outs = create(DatasetImportJobProvider(), conn, **props)

    assert again == running and outs["importedMode"] == "FULL"
    jobs = aws("personalize").list_dataset_import_jobs(datasetArn=group["dataset"])["datasetImportJobs"]
    assert [j["jobName"] for j in jobs] == ["incremental-resume-v1"]
