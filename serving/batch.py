"""Recommendations for a list of users from a batch inference job on the version
an experiment serves, downloaded as a CSV of userId, rank, itemId, score.

The users file and the job are named by digests of what they are and do, so a
rerun of the same request adopts the job (and its output) instead of paying for
another, and any change (version, users, number, filter) runs a new one."""

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field

from providers.batch_inference_job import run_batch_job
from common.layout import BATCH_INPUT_PREFIX, BATCH_OUTPUT_PREFIX
from serving.outputs import StackOutputs
from serving.users import require_known

CSV_COLUMNS = ("userId", "rank", "itemId", "score")


class BatchOutputMissing(RuntimeError):
    pass


@dataclass
class BatchResult:
    job_arn: str
    output_uri: str
    users: int
    rows: int
    errors: dict[str, str] = field(default_factory=dict)  # userId: why the job has no recommendations for them
    empty: list[str] = field(default_factory=list)  # answered, with no item (e.g. all filtered out)


def read_users(path: str) -> list[str]:
    """User ids, one a line; a first line USER_ID or userId is a header."""
    try:
        with open(path, encoding="utf-8-sig") as file:
            lines = [line.strip() for line in file]
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    if lines and lines[0] in ("USER_ID", "userId"):
        lines = lines[1:]
    users = [line for line in lines if line]
    if not users:
        raise ValueError(f"{path} has no user ids (one a line)")
    return users


def recommend_batch(outputs: StackOutputs, experiment_name: str, user_ids: list[str], csv_path: str, *,
                    num_results: int | None = None, filter_name: str | None = None,
                    allow_unknown_users: bool = False, waits: dict | None = None) -> BatchResult:
    experiment = outputs.experiment(experiment_name)
    # Every output is looked up before anything is uploaded or run.
    version_arn, bucket, role_arn = experiment.served_version_arn, outputs.bucket, outputs.role_arn
    filter_arn = experiment.filter_arn(filter_name) if filter_name else None
    if num_results is not None and num_results < 1:
        raise ValueError(f"the number of recommendations (numResults) must be at least 1, got {num_results}")
    users = list(dict.fromkeys(user_ids))  # a user twice would be answered twice
    if not users:
        raise ValueError("no user ids given")
    if not allow_unknown_users:
        require_known(outputs, experiment, users)

    s3 = outputs.client("s3")
    body = "".join(json.dumps({"userId": user}) + "\n" for user in users).encode()
    input_key = f"{BATCH_INPUT_PREFIX}adhoc/{_digest(body)}.jsonl"
    s3.put_object(Bucket=bucket, Key=input_key, Body=body)
    job = {"solutionVersionArn": version_arn, "roleArn": role_arn, "numResults": num_results, "filterArn": filter_arn,
           "jobInput": {"s3DataSource": {"path": f"s3://{bucket}/{input_key}"}}}
    job_arn, output_prefix = _run_job(outputs, experiment.name, job, waits)

    # Where the service writes the results of one input file.
    output_key = f"{output_prefix}{input_key.rsplit('/', 1)[-1]}.out"
    try:
        lines = s3.get_object(Bucket=bucket, Key=output_key)["Body"].read().decode().splitlines()
    except s3.exceptions.NoSuchKey:
        raise BatchOutputMissing(f"batch inference job {job_arn} finished without writing s3://{bucket}/{output_key}") from None
    rows, errors = _results(lines, users)
    _write_csv(csv_path, rows)
    answered = {row[0] for row in rows}
    return BatchResult(job_arn, f"s3://{bucket}/{output_key}", len(users), len(rows), errors,
                       [u for u in users if u not in answered and u not in errors])


def _run_job(outputs: StackOutputs, experiment: str, job: dict, waits: dict | None) -> tuple[str, str]:
    """Run `job` (or adopt the one an earlier run of it left): its ARN and output prefix."""
    job = {k: v for k, v in job.items() if v is not None}
    digest = _digest(json.dumps({"experiment": experiment, **job}, sort_keys=True).encode())
    output_prefix = f"{BATCH_OUTPUT_PREFIX}{experiment}/adhoc/{digest}/"
    bucket = outputs.bucket
    connection = outputs.outputs.get("connection") or {}
    job_arn = run_batch_job({**job, "jobName": _job_name(experiment, digest), "waits": waits,
                              "jobOutput": {"s3DataDestination": {"path": f"s3://{bucket}/{output_prefix}"}},
                              "region": connection.get("region"), "endpoint": connection.get("endpoint")})
    return job_arn, output_prefix


def _results(lines: list[str], users: list[str]) -> tuple[list[tuple], dict[str, str]]:
    """CSV rows in the order of `users`, and for each unanswered user why."""
    answers, errors = {}, {}
    for line in filter(str.strip, lines):
        record = json.loads(line)
        user = str((record.get("input") or {}).get("userId"))
        if record.get("error") or not record.get("output"):
            errors[user] = record.get("error") or "no output"
        else:
            answers[user] = record["output"]
    for user in users:
        if user not in answers and user not in errors:
            errors[user] = "no result line in the job's output"
    rows = []
    for user in users:
        output = answers.get(user) or {}
        scores = output.get("scores") or []
        for rank, item in enumerate(output.get("recommendedItems") or [], start=1):
            # Some recipes return no scores; the rank still holds.
            rows.append((user, rank, item, scores[rank - 1] if rank <= len(scores) else ""))
    return rows, errors


def _write_csv(path: str, rows: list[tuple]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(rows)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _job_name(experiment: str, digest: str) -> str:
    # Job names allow 63 characters of [A-Za-z0-9_-]; the digest must survive the cut.
    return f"adhoc-{re.sub(r'[^A-Za-z0-9_-]', '-', experiment)[:40]}-{digest}"
