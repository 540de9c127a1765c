"""Dataset export jobs: a dataset's records (events recorded with PutEvents too) back
out to S3 as CSV with a header row, by how they came in (ingestionMode BULK, PUT, or
ALL; default PUT). Sources: https://docs.aws.amazon.com/personalize/latest/dg/export-data.html,
https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetExportJob.html,
https://docs.aws.amazon.com/personalize/latest/dg/API_DatasetExportJob.html"""

import csv
import io

from tests.helpers.emulator import build_group


def exported(emulator, s3, bucket: str, prefix: str) -> list[dict]:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    assert keys and all(k.endswith(".csv") for k in keys), keys
    rows = []
    for key in keys:
        rows += list(csv.DictReader(io.StringIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())))
    return rows


def test_an_export_job_writes_bulk_and_recorded_events_as_csv(emulator, p, data_bucket, unique):
    arns = build_group(emulator, f"exp-{unique}", data_bucket)
    tracker = p.create_event_tracker(name=f"exp-{unique}", datasetGroupArn=arns["group"])["trackingId"]
    emulator.advance()
    emulator.client("personalize-events").put_events(
        trackingId=tracker,
        userId=f"live-{unique}",
        sessionId="s1",
        eventList=[{"eventType": "click", "itemId": f"item-{n}", "sentAt": 1_706_000_000 + n} for n in range(3)],
    )
    bucket, s3 = data_bucket["bucket"], emulator.client("s3")
    jobs = {}
    for mode in (None, "BULK", "ALL"):
        name = f"exp-{unique}-{(mode or 'default').lower()}"
        extra = {"ingestionMode": mode} if mode else {}
        jobs[mode] = p.create_dataset_export_job(
            jobName=name,
            datasetArn=arns["dataset"],
            roleArn=data_bucket["role"],
            jobOutput={"s3DataDestination": {"path": f"s3://{bucket}/exports/{unique}/{name}/"}},
            **extra,
        )["datasetExportJobArn"]
    described = p.describe_dataset_export_job(datasetExportJobArn=jobs[None])["datasetExportJob"]
    assert (described["status"], described["ingestionMode"]) == ("CREATE PENDING", "PUT")
    emulator.advance()
    assert p.describe_dataset_export_job(datasetExportJobArn=jobs["ALL"])["datasetExportJob"]["status"] == "ACTIVE"
    listed = p.list_dataset_export_jobs(datasetArn=arns["dataset"])["datasetExportJobs"]
    assert {j["datasetExportJobArn"] for j in listed} == set(jobs.values())

    put = exported(emulator, s3, bucket, f"exports/{unique}/exp-{unique}-default/")
    assert [(r["USER_ID"], r["ITEM_ID"], r["EVENT_TYPE"]) for r in put] == [
        (f"live-{unique}", f"item-{n}", "click") for n in range(3)
    ]
    bulk = exported(emulator, s3, bucket, f"exports/{unique}/exp-{unique}-bulk/")
    assert bulk and f"live-{unique}" not in {r["USER_ID"] for r in bulk}
    everything = exported(emulator, s3, bucket, f"exports/{unique}/exp-{unique}-all/")
    assert len(everything) == len(bulk) + 3


def test_a_full_import_replaces_the_bulk_records_and_keeps_the_recorded_ones(emulator, p, data_bucket, unique):
    """importMode FULL "overwrites all existing bulk data in your dataset. Data you imported
    individually is not replaced" (API_CreateDatasetImportJob.html): events recorded with
    PutEvents and items put with PutItems survive the next full import, which is how a
    stack's new dataset version retrains on the application's events."""
    from tests.helpers.emulator import with_items_dataset

    arns = build_group(emulator, f"keep-{unique}", data_bucket)
    items = with_items_dataset(p, emulator, arns["group"], f"keep-{unique}")
    bucket, s3 = data_bucket["bucket"], emulator.client("s3")
    s3.put_object(Bucket=bucket, Key=f"items-{unique}/items.csv", Body=b"ITEM_ID,GENRE\nbulk-1,a\nbulk-2,b\n")
    s3.put_object(Bucket=bucket, Key=f"items-{unique}/next.csv", Body=b"ITEM_ID,GENRE\nbulk-3,c\n")
    tracker = p.create_event_tracker(name=f"keep-{unique}", datasetGroupArn=arns["group"])["trackingId"]

    def full_import(dataset: str, location: str, name: str) -> None:
        job = p.create_dataset_import_job(
            jobName=f"keep-{unique}-{name}",
            datasetArn=dataset,
            roleArn=data_bucket["role"],
            dataSource={"dataLocation": location},
            importMode="FULL",
        )["datasetImportJobArn"]
        emulator.advance()
        assert p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]["status"] == "ACTIVE"

    def export(dataset: str, mode: str, name: str) -> list[dict]:
        job = p.create_dataset_export_job(
            jobName=f"keep-{unique}-{name}",
            datasetArn=dataset,
            roleArn=data_bucket["role"],
            ingestionMode=mode,
            jobOutput={"s3DataDestination": {"path": f"s3://{bucket}/exports/{unique}/{name}/"}},
        )["datasetExportJobArn"]
        emulator.advance()
        assert p.describe_dataset_export_job(datasetExportJobArn=job)["datasetExportJob"]["status"] == "ACTIVE"
        return exported(emulator, s3, bucket, f"exports/{unique}/{name}/")

    full_import(items, f"s3://{bucket}/items-{unique}/items.csv", "items-1")
    emulator.advance()
    emulator.client("personalize-events").put_events(
        trackingId=tracker,
        userId=f"live-{unique}",
        sessionId="s1",
        eventList=[{"eventType": "click", "itemId": f"item-{n}", "sentAt": 1_706_000_000 + n} for n in range(3)],
    )
    emulator.client("personalize-events").put_items(
        datasetArn=items, items=[{"itemId": "put-1", "properties": '{"genre": "d"}'}]
    )
    before = export(arns["dataset"], "BULK", "bulk-before")

    full_import(arns["dataset"], f"s3://{bucket}/interactions/", "again")
    full_import(items, f"s3://{bucket}/items-{unique}/next.csv", "items-2")

    recorded = export(arns["dataset"], "PUT", "put-after")
    assert [(r["USER_ID"], r["ITEM_ID"]) for r in recorded] == [(f"live-{unique}", f"item-{n}") for n in range(3)]
    assert len(export(arns["dataset"], "BULK", "bulk-after")) == len(before)  # replaced, not appended
    assert sorted(r["ITEM_ID"] for r in export(items, "ALL", "items-after")) == ["bulk-3", "put-1"]
