"""What a brought bucket holds, checked at preview: an experiment that names a
version with no export, or a batch users file that is not there, fails before
anything is registered, not minutes into `up` (a batch job that cannot read its
input is left CREATE FAILED, and the API cannot delete it). An endpoint that
does not answer is named as such, not blamed on the bucket."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from common.layout import DATASETS_PREFIX, MANIFEST_FILE, dataset_file
from service.errors import connection_errors
from stacks.config import ConfigError, StackConfig

# A preview should not hang on an endpoint that does not answer: a few quick tries.
CONNECT_SECONDS, ATTEMPTS = 3, 2


def _s3(stack: StackConfig):
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=CONNECT_SECONDS, retries={"mode": "standard", "max_attempts": ATTEMPTS})
    return boto3.client(
        "s3", region_name=stack.connection.region, endpoint_url=stack.connection.endpoint, config=config
    )


@contextmanager
def _answering(stack: StackConfig) -> Iterator[None]:
    """An endpoint that does not answer, as an error naming connection.endpoint."""
    try:
        yield
    except connection_errors() as error:
        where = stack.connection.endpoint or f"AWS's S3 endpoint in {stack.connection.region or 'the default region'}"
        raise ConfigError(
            stack.stack,
            "connection.endpoint",
            stack.connection.endpoint,
            f"an endpoint that answers: nothing answered at {where} after {ATTEMPTS} tries of {CONNECT_SECONDS}s "
            f"({error})",
        ) from None


def check_brought_bucket(stack: StackConfig) -> None:
    """Every check of what a brought bucket holds, with one client; a bucket the
    program creates holds nothing before its first `up`."""
    if not stack.storage.bucket_name:
        return
    s3 = _s3(stack)
    require_exports(stack, s3)
    require_batch_inputs(stack, s3)
    require_event_types(stack, s3)


def exported_versions(stack: StackConfig, s3: Any = None) -> set[str]:
    import botocore.exceptions

    s3 = s3 or _s3(stack)
    versions: set[str] = set()
    try:
        with _answering(stack):  # before the bucket is blamed below
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


def require_exports(stack: StackConfig, s3: Any = None) -> None:
    """Fail on the first experiment whose dataset version is not exported.

    Only a brought bucket can be listed at preview; a bucket the program
    creates holds no exports before its first `up`."""
    if not stack.storage.bucket_name:
        return
    available = exported_versions(stack, s3)
    for i, experiment in enumerate(stack.experiments):
        if experiment.dataset_version not in available:
            raise ConfigError(
                stack.stack,
                f"experiments[{i}].datasetVersion",
                experiment.dataset_version,
                f"a version exported to s3://{stack.storage.bucket_name}/{DATASETS_PREFIX}<version>/ (with its {MANIFEST_FILE}): "
                f"{', '.join(sorted(available)) or 'none yet'}",
            )


def require_batch_inputs(stack: StackConfig, s3: Any = None) -> None:
    """Fail on the first batch users file a brought bucket does not hold."""
    import botocore.exceptions

    if not stack.storage.bucket_name:
        return
    s3 = s3 or _s3(stack)
    for i, experiment in enumerate(stack.experiments):
        batch = experiment.batch_inference
        if batch is None:
            continue
        try:
            with _answering(stack):
                s3.head_object(Bucket=stack.storage.bucket_name, Key=batch.input_key)
        except botocore.exceptions.ClientError as error:
            raise ConfigError(
                stack.stack,
                f"experiments[{i}].batchInference.inputKey",
                batch.input_key,
                f"an object in s3://{stack.storage.bucket_name}/ (HeadObject answered "
                f"{error.response.get('Error', {}).get('Code')}): upload the users file first",
            ) from None


def require_event_types(stack: StackConfig, s3: Any = None) -> None:
    """Fail on the first experiment whose eventType its dataset version does not
    hold: training would find no interactions of it, and fail only then. A
    version exported before manifests listed event types is not checked."""
    import json

    if not stack.storage.bucket_name:
        return
    s3 = s3 or _s3(stack)
    for i, experiment in enumerate(stack.experiments):
        if not experiment.event_type:
            continue
        with _answering(stack):
            body = s3.get_object(
                Bucket=stack.storage.bucket_name, Key=dataset_file(experiment.dataset_version, MANIFEST_FILE)
            )["Body"].read()
        held = (json.loads(body).get("training") or {}).get("event_types")
        if held is not None and experiment.event_type not in held:
            raise ConfigError(
                stack.stack,
                f"experiments[{i}].eventType",
                experiment.event_type,
                f"an event type dataset version {experiment.dataset_version} holds: {', '.join(held) or 'none'}",
            )
