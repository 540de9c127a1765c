"""What a brought bucket holds, checked at preview: an experiment that names a
version with no export, or a batch users file that is not there, fails before
anything is registered, not minutes into `up` (a batch job that cannot read its
input is left CREATE FAILED, and the API cannot delete it). An endpoint that
does not answer is named as such, not blamed on the bucket."""

from common.layout import DATASETS_PREFIX, MANIFEST_FILE, dataset_file
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


def _unreachable(stack: StackConfig, error: Exception) -> ConfigError:
    where = stack.connection.endpoint or f"AWS's S3 endpoint in {stack.connection.region or 'the default region'}"
    return ConfigError(
        stack.stack,
        "connection.endpoint",
        stack.connection.endpoint,
        f"an endpoint that answers: nothing answered at {where} after {ATTEMPTS} tries of {CONNECT_SECONDS}s ({error})",
    )


def exported_versions(stack: StackConfig) -> set[str]:
    import botocore.exceptions

    s3 = _s3(stack)
    versions: set[str] = set()
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=stack.storage.bucket_name, Prefix=DATASETS_PREFIX
        ):
            for item in page.get("Contents", []):
                version, _, name = item["Key"][len(DATASETS_PREFIX) :].partition("/")
                if name == MANIFEST_FILE:
                    versions.add(version)
    except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError) as error:
        raise _unreachable(stack, error) from None
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


def require_batch_inputs(stack: StackConfig) -> None:
    """Fail on the first batch users file a brought bucket does not hold."""
    import botocore.exceptions

    if not stack.storage.bucket_name:
        return
    s3 = _s3(stack)
    for i, experiment in enumerate(stack.experiments):
        batch = experiment.batch_inference
        if batch is None:
            continue
        try:
            s3.head_object(Bucket=stack.storage.bucket_name, Key=batch.input_key)
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError) as error:
            raise _unreachable(stack, error) from None
        except botocore.exceptions.ClientError as error:
            raise ConfigError(
                stack.stack,
                f"experiments[{i}].batchInference.inputKey",
                batch.input_key,
                f"an object in s3://{stack.storage.bucket_name}/ (HeadObject answered "
                f"{error.response.get('Error', {}).get('Code')}): upload the users file first",
            ) from None


def require_event_types(stack: StackConfig) -> None:
    """Fail on the first experiment whose eventType its dataset version does not
    hold: training would find no interactions of it, and fail only then. A
    version exported before manifests listed event types is not checked."""
    import json

    import botocore.exceptions

    if not stack.storage.bucket_name:
        return
    s3 = _s3(stack)
    for i, experiment in enumerate(stack.experiments):
        if not experiment.event_type:
            continue
        try:
            body = s3.get_object(
                Bucket=stack.storage.bucket_name, Key=dataset_file(experiment.dataset_version, MANIFEST_FILE)
            )["Body"].read()
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError) as error:
            raise _unreachable(stack, error) from None
        held = (json.loads(body).get("training") or {}).get("event_types")
        if held is not None and experiment.event_type not in held:
            raise ConfigError(
                stack.stack,
                f"experiments[{i}].eventType",
                experiment.event_type,
                f"an event type dataset version {experiment.dataset_version} holds: {', '.join(held) or 'none'}",
            )
