"""Dataset import job: loads CSV from S3 into a dataset. Jobs cannot be
changed or deleted through the API: any change is a new job (with a new
jobName), and deleting the resource leaves the finished job in the service.

`importMode: INCREMENTAL` appends to the bulk records already imported; the
service accepts it only once the dataset has some, i.e. after an import that
ended ACTIVE (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetImportJob.html,
https://docs.aws.amazon.com/personalize/latest/dg/bulk-data-import-step.html). A
group's config may declare INCREMENTAL for every new data version, the first
one included: that first import is sent FULL (there is nothing to append to),
the declared mode stays the input, and `importedMode` records what ran.

An import reads its data when it runs, so a job started on a location that
holds nothing fails minutes later in the service. The check (at preview, once
the location is known) and create refuse it first, naming the location and,
for a dataset version of data preparation's layout (datasets/<version>/), the
command that exports it: a stack that creates its bucket starts with an empty
one (the data stack, data-stack/, makes the bucket before the Personalize
stack needs it)."""

from typing import Any

from common.layout import DATASETS_PREFIX, MANIFEST_FILE
from common.statuses import ACTIVE
from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from providers.preview import is_unknown
from service import specs
from service.client import client, error_code
from service.errors import ResourceFailed, connection_errors
from service.lifecycle import Lifecycle
from service.waiting import progress

# What S3 answers for a bucket or key that is not there (HeadObject answers a bare 404).
ABSENT = ("404", "NoSuchKey", "NoSuchBucket", "NotFound")


def _location(props: dict[str, Any]) -> str | None:
    location = (props.get("dataSource") or {}).get("dataLocation")
    return location if isinstance(location, str) and not is_unknown(location) else None


def empty_location(props: dict[str, Any]) -> str | None:
    """Why the import's data location holds nothing to import (no object at a
    file's key, no object under a folder's prefix), or None when it holds data
    or cannot be asked (the service then reports what it finds)."""
    import botocore.exceptions

    location = _location(props)
    if location is None or not location.startswith("s3://"):
        return None
    bucket, _, key = location.removeprefix("s3://").partition("/")
    from botocore.config import Config

    # A preview should not hang on an endpoint that does not answer: a few quick tries.
    quick = Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 2})
    s3 = client("s3", props.get("region"), props.get("endpoint"), config=quick)
    try:
        if key and not key.endswith("/"):
            s3.head_object(Bucket=bucket, Key=key)
            return None
        if s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("KeyCount", 0):
            return None
    except botocore.exceptions.ClientError as error:
        if error_code(error) not in ABSENT:
            return None
    except connection_errors():
        return None
    why = f"dataSource.dataLocation {location} holds no data to import"
    version, _, rest = key.removeprefix(DATASETS_PREFIX).partition("/")
    if key.startswith(DATASETS_PREFIX) and version and rest:
        why += (
            f": dataset version {version} is not exported to s3://{bucket}/{DATASETS_PREFIX}{version}/ "
            f"(no {MANIFEST_FILE}). Export it first, e.g. python -m prep --config datasets/<dataset>.yaml "
            f"--version {version} --output s3://{bucket}, then run pulumi up"
        )
    return why


class DatasetImportJobProvider(PersonalizeProvider):
    spec = specs.DATASET_IMPORT_JOB
    computed_outputs = ("importedMode",)
    # The declared mode stands after a read; importedMode says what ran.
    declared_only = ("importMode",)

    def start_problems(self, olds: dict[str, Any], news: dict[str, Any]) -> list[tuple[str, str]]:
        # Only a location this job has not imported from yet: a job that ran stays as it is.
        if (olds and _location(olds) == _location(news)) or news.get("adoptArn"):
            return []
        why = empty_location(news)
        return [("dataSource", f"{self.kind} {news.get('jobName')}: {why}")] if why else []

    def before_create(self, lifecycle: Lifecycle, props: dict[str, Any]) -> dict[str, Any]:
        if why := empty_location(props):
            raise ResourceFailed(f"{self.kind} {props.get('jobName')}: {why}")
        if props.get("importMode") != "INCREMENTAL":
            return props
        # This job itself does not count: an interrupted run may have left it (sent
        # FULL, maybe ACTIVE by now), and it must be adopted, not run again INCREMENTAL.
        others = (
            s
            for s in lifecycle.summaries(datasetArn=props["datasetArn"])
            if s.get("jobName") != props.get("jobName") and s.get("status") == ACTIVE
        )
        if next(others, None) is None:
            progress(
                f"{self.kind} {props.get('jobName')}: {props['datasetArn']} has no ACTIVE import yet, "
                "so there are no bulk records to add to: importing FULL instead of INCREMENTAL"
            )
            return {**props, "importMode": "FULL"}
        return props

    def more_outputs(self, lifecycle: Lifecycle, props: dict[str, Any], description: dict[str, Any]) -> dict[str, Any]:
        return {"importedMode": description.get("importMode")}


class DatasetImportJob(PersonalizeResource, module="personalize", name="DatasetImportJob"):
    provider_class = DatasetImportJobProvider
