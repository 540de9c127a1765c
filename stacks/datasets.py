"""Which dataset versions are exported, checked at preview: an experiment that
names a version with no export fails before anything is registered, not
minutes into `up` when its import job finds no data."""

from common.layout import DATASETS_PREFIX, MANIFEST_FILE
from stacks.config import ConfigError, StackConfig


def exported_versions(stack: StackConfig) -> set[str]:
    import boto3
    import botocore.exceptions

    s3 = boto3.client("s3", region_name=stack.connection.region, endpoint_url=stack.connection.endpoint)
    versions: set[str] = set()
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=stack.storage.bucket_name, Prefix=DATASETS_PREFIX
        ):
            for item in page.get("Contents", []):
                version, _, name = item["Key"][len(DATASETS_PREFIX) :].partition("/")
                if name == MANIFEST_FILE:
                    versions.add(version)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        where = stack.connection.endpoint or "AWS"
        raise ConfigError(
            stack.stack,
            "storage.bucketName",
            stack.storage.bucket_name,
            f"a bucket this stack can list at {where} ({error})",
        ) from error
    return versions


def require_exports(stack: StackConfig) -> None:
    """Fail on the first experiment whose dataset version is not exported.

    Only a brought bucket can be listed at preview; a bucket the program
    creates holds no exports before its first `up`."""
    if not stack.storage.bucket_name:
        return
    available = exported_versions(stack)
    for i, experiment in enumerate(stack.experiments):
        if experiment.dataset_version not in available:
            raise ConfigError(
                stack.stack,
                f"experiments[{i}].datasetVersion",
                experiment.dataset_version,
                f"a version exported to s3://{stack.storage.bucket_name}/{DATASETS_PREFIX}<version>/ (with its {MANIFEST_FILE}): "
                f"{', '.join(sorted(available)) or 'none yet'}",
            )
