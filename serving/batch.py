"""Recommendations for a list of users from a batch inference job on the version
an experiment serves, downloaded as a CSV of userId, rank, itemId, score.

The users file and the job are named by digests of what they are and do, so a
rerun of the same request adopts the job (and its output) instead of paying for
another, and any change (version, users, number, filter) runs a new one."""

import csv
import json
from dataclasses import dataclass, field

from common.layout import BATCH_INPUT_PREFIX, BATCH_OUTPUT_PREFIX
from common.names import bounded_name
from service.batch import BatchFiles, BatchOutputMissing, content_digest, job_input, run_batch, write_users_file
from serving.outputs import RECOMMENDER, StackOutputs
from serving.users import require_known

__all__ = ["CSV_COLUMNS", "BatchOutputMissing", "BatchResult", "read_users", "recommend_batch"]

CSV_COLUMNS = ("userId", "rank", "itemId", "score")


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


def recommend_batch(
    outputs: StackOutputs,
    experiment_name: str,
    user_ids: list[str],
    csv_path: str,
    *,
    num_results: int | None = None,
    filter_name: str | None = None,
    allow_unknown_users: bool = False,
    waits: dict | None = None,
) -> BatchResult:
    experiment = outputs.experiment(experiment_name)
    if experiment.served_by == RECOMMENDER:
        raise ValueError(
            f"experiment {experiment.name} is served by a recommender, which has no solution version for a "
            f"batch inference job to use: ask it with `python -m serving recommend`, user by user"
        )
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
    input_key = write_users_file(s3, bucket, f"{BATCH_INPUT_PREFIX}adhoc/", users)
    members = {
        "solutionVersionArn": version_arn,
        "roleArn": role_arn,
        "numResults": num_results,
        "filterArn": filter_arn,
    }
    files, request = _job(bucket, input_key, experiment.name, members)
    connection = outputs.outputs.get("connection") or {}
    run = run_batch(
        s3, files, request, users, region=connection.get("region"), endpoint=connection.get("endpoint"), waits=waits
    )

    rows = _rows(run.answers, users)
    _write_csv(csv_path, rows)
    answered = {row[0] for row in rows}
    return BatchResult(
        run.job_arn,
        run.output_uri,
        len(users),
        len(rows),
        run.errors,
        [u for u in users if u not in answered and u not in run.errors],
    )


def _job(bucket: str, input_key: str, experiment: str, members: dict) -> tuple[BatchFiles, dict]:
    """Where the job writes, and its request: both named by a digest of what it does,
    so a rerun adopts the job (and its output) an earlier run of it left."""
    described = {
        "experiment": experiment,
        **{k: v for k, v in members.items() if v is not None},
        "jobInput": job_input(bucket, input_key),
    }
    digest = content_digest(json.dumps(described, sort_keys=True).encode())
    files = BatchFiles(bucket, input_key, f"{BATCH_OUTPUT_PREFIX}{experiment}/adhoc/{digest}/")
    return files, {**files.request(**members), "jobName": _job_name(experiment, digest)}


def _rows(answers: dict[str, dict], users: list[str]) -> list[tuple]:
    """CSV rows in the order of `users`."""
    rows = []
    for user in users:
        output = answers.get(user) or {}
        scores = output.get("scores") or []
        for rank, item in enumerate(output.get("recommendedItems") or [], start=1):
            # Some recipes return no scores; the rank still holds.
            rows.append((user, rank, item, scores[rank - 1] if rank <= len(scores) else ""))
    return rows


def _write_csv(path: str, rows: list[tuple]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(rows)


def _job_name(experiment: str, digest: str) -> str:
    """adhoc-<experiment>-<digest>; a long experiment name is cut, never the digest."""
    return bounded_name(("adhoc", experiment), digest)
