"""What a brought bucket holds, checked at preview: an experiment that names a
version with no export, or a batch users file that is not there, fails before
anything is registered, not minutes into `up` (a batch job that cannot read its
input is left CREATE FAILED, and the API cannot delete it). An endpoint that
does not answer is named as such, not blamed on the bucket."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from common.layout import DATASET_FILES, DATASETS_PREFIX, MANIFEST_FILE, dataset_file, schema_file
from common.recipes import required_datasets
from service.client import client
from service.errors import connection_errors
from stacks.config import DATASET_KINDS, ConfigError, StackConfig
from stacks.filters import problem as filter_problem
from stacks.schemas import dataset_fields

# A preview should not hang on an endpoint that does not answer: a few quick tries.
CONNECT_SECONDS, ATTEMPTS = 3, 2


def _s3(stack: StackConfig):
    """S3 through the run's connection (the stack's profile and assumed roles)."""
    from botocore.config import Config

    config = Config(connect_timeout=CONNECT_SECONDS, retries={"mode": "standard", "max_attempts": ATTEMPTS})
    return client("s3", stack.connection.region, stack.connection.endpoint, config=config)


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


def check_brought_bucket(stack: StackConfig) -> dict[str, dict[str, dict[str, Any]]]:
    """Every check of what a brought bucket holds, with one client, and the
    schemas of each declared group's datasets, read from its exported version
    (group -> kind -> Avro schema). A bucket the program creates holds nothing
    before its first `up`: it has no declared groups (stacks/config.py)."""
    if not stack.storage.bucket_name:
        return {}
    s3 = _s3(stack)
    require_exports(stack, s3)
    require_batch_inputs(stack, s3)
    require_event_types(stack, s3)
    return group_schemas(stack, s3)


def _manifest(stack: StackConfig, s3: Any, version: str) -> dict[str, Any]:
    import json

    with _answering(stack):
        body = s3.get_object(Bucket=stack.storage.bucket_name, Key=dataset_file(version, MANIFEST_FILE))["Body"].read()
    return json.loads(body)


def exported_schemas(stack: StackConfig, s3: Any, version: str) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The Avro schema of each dataset an exported version holds, as its manifest
    lists them (`datasets`: file and schema of each; a version exported before
    that key lists its files only), and the domain the version was prepared for."""
    import json

    manifest = _manifest(stack, s3, version)
    listed = manifest.get("datasets")
    if listed is None:
        files = manifest.get("files") or {}
        listed = {
            kind: {"file": DATASET_FILES[kind], "schema": schema_file(kind)}
            for kind in DATASET_KINDS
            if DATASET_FILES[kind] in files and schema_file(kind) in files
        }
    schemas = {}
    for kind in DATASET_KINDS:
        if kind in listed:
            with _answering(stack):
                body = s3.get_object(
                    Bucket=stack.storage.bucket_name, Key=dataset_file(version, listed[kind]["schema"])
                )
            schemas[kind] = json.loads(body["Body"].read())
    return schemas, manifest.get("domain")


def group_schemas(stack: StackConfig, s3: Any = None) -> dict[str, dict[str, dict[str, Any]]]:
    """The schemas of each declared group's datasets, checked against what the
    group and its experiments ask of them: every declared dataset exported, the
    datasets each recipe needs, filters on fields the schemas have."""
    s3 = s3 or _s3(stack)
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for i, group in enumerate(stack.dataset_groups):
        exported, domain = exported_schemas(stack, s3, group.dataset_version)
        if domain != group.domain:
            # A domain group's schemas carry its domain, and its rules are the domain's
            # (https://docs.aws.amazon.com/personalize/latest/dg/domain-dataset-groups.html).
            raise ConfigError(
                stack.stack,
                f"datasetGroups[{i}].datasetVersion",
                group.dataset_version,
                f"a version prepared for the group's domain ({group.domain or 'none: a Custom group'}); "
                f"this one was prepared for {domain or 'a Custom group'} (its config's domain key)",
            )
        if "interactions" not in exported:
            raise ConfigError(
                stack.stack,
                f"datasetGroups[{i}].datasetVersion",
                group.dataset_version,
                "a version whose manifest lists interactions.csv and schemas/interactions.json",
            )
        wanted = group.datasets or tuple(exported)
        if missing := [kind for kind in wanted if kind not in exported]:
            raise ConfigError(
                stack.stack,
                f"datasetGroups[{i}].datasets",
                list(wanted),
                f"datasets version {group.dataset_version} exported ({', '.join(exported)}); it has no "
                f"{', '.join(missing)}",
            )
        schemas = {kind: exported[kind] for kind in wanted}
        fields = dataset_fields(schemas)
        for name, expression in group.filters.items():
            if wrong := filter_problem(expression, fields):
                raise ConfigError(stack.stack, f"datasetGroups[{i}].filters.{name}", expression, wrong)
        for j, experiment in enumerate(stack.experiments):
            if experiment.dataset_group != group.name:
                continue
            if needs := [d for d in required_datasets(experiment.recipe) if d.lower() not in schemas]:
                raise ConfigError(
                    stack.stack,
                    f"experiments[{j}].recipe",
                    experiment.recipe,
                    f"a recipe that trains on the datasets of group {group.name} ({', '.join(schemas)}); "
                    f"{experiment.recipe} also needs {', '.join(needs)}",
                )
        found[group.name] = schemas
    return found


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
    for key, version in _versions(stack):
        if version not in available:
            raise ConfigError(
                stack.stack,
                key,
                version,
                f"a version exported to s3://{stack.storage.bucket_name}/{DATASETS_PREFIX}<version>/ (with its {MANIFEST_FILE}): "
                f"{', '.join(sorted(available)) or 'none yet'}",
            )


def _versions(stack: StackConfig) -> list[tuple[str, str]]:
    """(config key, dataset version) of every group and first-form experiment."""
    return [(f"datasetGroups[{i}].datasetVersion", g.dataset_version) for i, g in enumerate(stack.dataset_groups)] + [
        (f"experiments[{i}].datasetVersion", e.dataset_version)
        for i, e in enumerate(stack.experiments)
        if e.dataset_version is not None
    ]


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
    if not stack.storage.bucket_name:
        return
    s3 = s3 or _s3(stack)
    manifests: dict[str, dict[str, Any]] = {}  # experiments of a group share its version
    for i, experiment in enumerate(stack.experiments):
        if not experiment.event_type:
            continue
        version = stack.group(experiment.group_name).dataset_version
        if version not in manifests:
            manifests[version] = _manifest(stack, s3, version)
        held = (manifests[version].get("training") or {}).get("event_types")
        if held is not None and experiment.event_type not in held:
            raise ConfigError(
                stack.stack,
                f"experiments[{i}].eventType",
                experiment.event_type,
                f"an event type dataset version {version} holds: {', '.join(held) or 'none'}",
            )
