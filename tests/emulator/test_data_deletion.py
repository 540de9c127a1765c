"""Data deletion jobs: a CSV of USER_IDs in S3, read with the job's role, and the
users' records leave the dataset group's datasets; the job goes PENDING > IN_PROGRESS
> COMPLETED (or FAILED with a failureReason) and reports numDeleted, the records it
deleted. Sources: https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDataDeletionJob.html,
https://docs.aws.amazon.com/personalize/latest/dg/API_DataDeletionJob.html,
https://docs.aws.amazon.com/personalize/latest/dg/API_ListDataDeletionJobs.html,
https://docs.aws.amazon.com/personalize/latest/dg/delete-records.html"""

import csv
import io

from tests.helpers.data import interactions_csv
from tests.helpers.emulator import build_group


def rows_of(users: set[str]) -> int:
    """Rows of the data_bucket's interactions (conftest: interactions_csv(seed=3)) by these users."""
    return sum(row["USER_ID"] in users for row in csv.DictReader(io.StringIO(interactions_csv(seed=3).decode())))


def deletion_file(emulator, data_bucket, key: str, users: list[str], header: str = "USER_ID") -> str:
    body = "\n".join([header, *users]) + "\n"
    emulator.client("s3").put_object(Bucket=data_bucket["bucket"], Key=key, Body=body.encode())
    return f"s3://{data_bucket['bucket']}/{key}"


def exported_users(emulator, p, data_bucket, dataset: str, name: str) -> set[str]:
    job = p.create_dataset_export_job(
        jobName=name,
        datasetArn=dataset,
        roleArn=data_bucket["role"],
        ingestionMode="ALL",
        jobOutput={"s3DataDestination": {"path": f"s3://{data_bucket['bucket']}/exports/{name}/"}},
    )["datasetExportJobArn"]
    emulator.advance()
    assert p.describe_dataset_export_job(datasetExportJobArn=job)["datasetExportJob"]["status"] == "ACTIVE"
    s3 = emulator.client("s3")
    key = f"exports/{name}/{name}/part-00000.csv"
    body = s3.get_object(Bucket=data_bucket["bucket"], Key=key)["Body"].read().decode()
    return {row["USER_ID"] for row in csv.DictReader(io.StringIO(body))}


def test_a_data_deletion_job_removes_the_listed_users_records(emulator, p, data_bucket, unique):
    arns = build_group(emulator, f"del-{unique}", data_bucket)
    location = deletion_file(emulator, data_bucket, f"deletion/{unique}.csv", ["u1", "u2", "nobody"])
    job = p.create_data_deletion_job(
        jobName=f"del-{unique}",
        datasetGroupArn=arns["group"],
        dataSource={"dataLocation": location},
        roleArn=data_bucket["role"],
    )["dataDeletionJobArn"]
    assert job.endswith(f":data-deletion-job/del-{unique}")
    described = p.describe_data_deletion_job(dataDeletionJobArn=job)["dataDeletionJob"]
    assert described["status"] == "PENDING" and described["datasetGroupArn"] == arns["group"]
    emulator.advance()
    described = p.describe_data_deletion_job(dataDeletionJobArn=job)["dataDeletionJob"]
    assert described["status"] == "COMPLETED", described
    assert described["numDeleted"] == rows_of({"u1", "u2"}) > 0
    remaining = exported_users(emulator, p, data_bucket, arns["dataset"], f"del-{unique}-export")
    assert "u1" not in remaining and "u2" not in remaining and "u3" in remaining


def test_data_deletion_jobs_are_listed_newest_first_per_dataset_group(emulator, p, data_bucket, unique):
    arns = build_group(emulator, f"dell-{unique}", data_bucket)
    location = deletion_file(emulator, data_bucket, f"deletion/{unique}.csv", ["u5"])
    jobs = []
    for n in range(2):
        jobs.append(
            p.create_data_deletion_job(
                jobName=f"dell-{unique}-{n}",
                datasetGroupArn=arns["group"],
                dataSource={"dataLocation": location},
                roleArn=data_bucket["role"],
            )["dataDeletionJobArn"]
        )
        emulator.advance(1)
    listed = p.list_data_deletion_jobs(datasetGroupArn=arns["group"])["dataDeletionJobs"]
    assert [j["dataDeletionJobArn"] for j in listed] == jobs[::-1]
    assert {j["status"] for j in listed} == {"PENDING"}


def test_a_data_deletion_job_reads_with_its_role_and_fails_without_access(emulator, p, data_bucket, unique):
    arns = build_group(emulator, f"delr-{unique}", data_bucket)
    location = deletion_file(emulator, data_bucket, f"deletion/{unique}.csv", ["u1"])
    job = p.create_data_deletion_job(
        jobName=f"delr-{unique}",
        datasetGroupArn=arns["group"],
        dataSource={"dataLocation": location},
        roleArn=f"arn:aws:iam::123456789012:role/missing-{unique}",
    )["dataDeletionJobArn"]
    emulator.advance()
    described = p.describe_data_deletion_job(dataDeletionJobArn=job)["dataDeletionJob"]
    assert described["status"] == "FAILED" and described["failureReason"], described
    assert "u1" in exported_users(emulator, p, data_bucket, arns["dataset"], f"delr-{unique}-export")


def test_a_deletion_file_without_a_user_id_column_fails_the_job(emulator, p, data_bucket, unique):
    arns = build_group(emulator, f"delh-{unique}", data_bucket)
    location = deletion_file(emulator, data_bucket, f"deletion/{unique}.csv", ["u1"], header="ITEM_ID")
    job = p.create_data_deletion_job(
        jobName=f"delh-{unique}",
        datasetGroupArn=arns["group"],
        dataSource={"dataLocation": location},
        roleArn=data_bucket["role"],
    )["dataDeletionJobArn"]
    emulator.advance()
    described = p.describe_data_deletion_job(dataDeletionJobArn=job)["dataDeletionJob"]
    assert described["status"] == "FAILED" and "USER_ID" in described["failureReason"], described
