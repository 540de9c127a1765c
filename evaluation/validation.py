"""A solution version scored on the validation interactions `python -m prep` held out:
recommendations for a sample of validation users come from a batch inference job,
and are compared with what those users went on to interact with."""

import hashlib
import io
import json
import posixpath
import re
import zlib

from evaluation.metrics import ranking_metrics
from providers.batch_inference_job import run_batch_job
from common.layout import EVALUATIONS_PREFIX, dataset_prefix


def evaluate_solution_version(solution_version_arn: str, bucket: str, dataset_version: str, role_arn: str,
                              **options) -> dict:
    return evaluate_solution_versions([solution_version_arn], bucket, dataset_version, role_arn, **options)[solution_version_arn]


def evaluate_solution_versions(version_arns: list[str], bucket: str, dataset_version: str, role_arn: str, *,
                               region: str | None, endpoint: str | None, waits: dict | None = None,
                               max_users: int = 1000, num_results: int = 25, event_type: str | None = None) -> dict:
    """Each version's result, by ARN. The held-out data is read and the users file
    written once, so versions compared with each other are scored on the same sample."""
    import boto3

    if max_users < 1:
        raise ValueError(f"max_users must be at least 1, got {max_users}")
    s3 = boto3.client("s3", region_name=region, endpoint_url=endpoint)
    data = dataset_prefix(dataset_version).rstrip("/")
    truth = truth_sets(_read_csv(s3, bucket, f"{data}/validation/interactions.csv"), event_type)
    if not truth:
        kind = f" with event type {event_type!r}" if event_type else ""
        raise ValueError(f"s3://{bucket}/{data}/validation/interactions.csv has no interactions{kind} to evaluate on")
    users = sample_users(truth, max_users)
    sampled_truth = {user: truth[user] for user in users}
    catalogue_size = _read_csv(s3, bucket, f"{data}/interactions.csv")["ITEM_ID"].n_unique()

    body = "".join(json.dumps({"userId": user}) + "\n" for user in users).encode()
    digest = hashlib.sha256(body).hexdigest()[:16]
    # Content-addressed: the same sample is the same file, so a rerun adopts the same job.
    input_key = f"{EVALUATIONS_PREFIX}{dataset_version}/users-{digest}.jsonl"
    s3.put_object(Bucket=bucket, Key=input_key, Body=body)

    results = {}
    for version_arn in version_arns:
        version_id = version_arn.rstrip("/").rsplit("/", 1)[-1]
        output_prefix = f"{EVALUATIONS_PREFIX}{dataset_version}/{version_id}/"
        job = {"solutionVersionArn": version_arn, "roleArn": role_arn, "numResults": num_results,
               "jobInput": {"s3DataSource": {"path": f"s3://{bucket}/{input_key}"}},
               "jobOutput": {"s3DataDestination": {"path": f"s3://{bucket}/{output_prefix}"}}}
        # Named by everything it does: the same users of another dataset version (the
        # holdout is often the same days) is another job, not a clash with this one.
        settings = hashlib.sha256(json.dumps(job, sort_keys=True).encode()).hexdigest()
        job_arn = run_batch_job({**job, "jobName": job_name(version_id, settings), "region": region,
                                 "endpoint": endpoint, "waits": waits})
        recommended = _read_output(s3, bucket, output_prefix, posixpath.basename(input_key))
        results[version_arn] = {"metrics": ranking_metrics(recommended, sampled_truth, catalogue_size),
                                "batchInferenceJobArn": job_arn, "users": len(users), "datasetVersion": dataset_version}
    return results


def truth_sets(interactions, event_type: str | None = None) -> dict[str, set[str]]:
    """Each user's items in the held-out interactions, of `event_type` where there is one."""
    import polars as pl

    if event_type and "EVENT_TYPE" in interactions.columns:
        interactions = interactions.filter(pl.col("EVENT_TYPE") == event_type)
    grouped = interactions.group_by("USER_ID").agg(pl.col("ITEM_ID").unique())
    return {user: set(items) for user, items in grouped.iter_rows()}


def sample_users(truth: dict[str, set[str]], max_users: int) -> list[str]:
    """A sample that is the same on every run and machine (unlike hash()) and not
    biased by how ids sort, e.g. towards old numeric customer ids."""
    return sorted(truth, key=lambda user: (zlib.crc32(user.encode()), user))[:max_users]


def job_name(version_id: str, digest: str) -> str:
    # Job names allow 63 characters of [A-Za-z0-9_-]; the digest must survive the cut.
    return f"eval-{re.sub(r'[^A-Za-z0-9_-]', '-', version_id)[:49]}-{digest[:8]}"


def _read_csv(s3, bucket: str, key: str):
    import polars as pl

    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        raise FileNotFoundError(f"s3://{bucket}/{key} does not exist: export the dataset version with python -m prep") from None
    # Ids stay text: "007" and "7" are different items.
    frame = pl.read_csv(io.BytesIO(body), infer_schema=False)
    if missing := {"USER_ID", "ITEM_ID"} - set(frame.columns):
        raise ValueError(f"s3://{bucket}/{key} has no {', '.join(sorted(missing))} column")
    return frame.drop_nulls(["USER_ID", "ITEM_ID"])


def _read_output(s3, bucket: str, prefix: str, input_name: str) -> dict[str, list[str]]:
    """The job's recommendations by user. Other evaluations of this version write
    beside ours, so only the output of our input file is read."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    keys = sorted(obj["Key"] for page in pages for obj in page.get("Contents", [])
                  if posixpath.basename(obj["Key"]).startswith(input_name) and obj["Key"].endswith(".out"))
    if not keys:
        raise RuntimeError(f"the batch inference job wrote no {input_name}.out under s3://{bucket}/{prefix}")
    recommended, errors = {}, []
    for key in keys:
        for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            if record.get("error") or not record.get("output"):
                errors.append(f"{record.get('input')}: {record.get('error')}")
            else:
                recommended[str(record["input"]["userId"])] = record["output"]["recommendedItems"]
    # Unanswered users would score zero and wrongly sink the version being judged.
    if errors:
        raise RuntimeError(f"the batch inference job could not answer {len(errors)} users, e.g. {errors[0]}")
    return recommended
