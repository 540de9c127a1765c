"""A solution version scored on the validation interactions `python -m prep` held out:
recommendations for a sample of validation users come from a batch inference job,
and are compared with what those users went on to interact with."""

import csv
import hashlib
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from common.layout import (
    EVALUATIONS_PREFIX,
    INTERACTIONS_FILE,
    VALIDATION_INTERACTIONS_FILE,
    dataset_file,
    evaluation_scores_key,
)
from common.names import bounded_name
from common.statuses import VALIDATION_PREFIX
from evaluation.metrics import per_user_metrics, ranking_metrics
from service.batch import (
    BatchFiles,
    BatchOutputMissing,
    parse_output,
    read_output,
    run_batch,
    users_file_key,
    write_users_file,
)
from service.client import client

# One held-out or training interaction: ids as text ("007" and "7" are different
# items), the event type None where the file has no such column or value.
Interaction = tuple[str, str, str | None]
USERS_STEM = "users-"  # evaluations/<dataset version>/users-<digest>.jsonl: the sample's users file


def evaluate_solution_version(
    solution_version_arn: str, bucket: str, dataset_version: str, role_arn: str, **options
) -> dict:
    return evaluate_solution_versions([solution_version_arn], bucket, dataset_version, role_arn, **options)[
        solution_version_arn
    ]


def evaluate_solution_versions(
    version_arns: list[str],
    bucket: str,
    dataset_version: str,
    role_arn: str,
    *,
    region: str | None,
    endpoint: str | None,
    waits: dict | None = None,
    max_users: int = 1000,
    num_results: int = 25,
    event_type: str | None = None,
) -> dict:
    """Each version's result, by ARN. The held-out data is read and the users file
    written once, so versions compared with each other are scored on the same sample."""
    if max_users < 1:
        raise ValueError(f"max_users must be at least 1, got {max_users}")
    s3 = client("s3", region, endpoint)
    validation_key = dataset_file(dataset_version, VALIDATION_INTERACTIONS_FILE)
    truth = truth_sets(read_interactions(s3, bucket, validation_key), event_type)
    if not truth:
        kind = f" with event type {event_type!r}" if event_type else ""
        raise ValueError(f"s3://{bucket}/{validation_key} has no interactions{kind} to evaluate on")
    users = sample_users(truth, max_users)
    sampled_truth = {user: truth[user] for user in users}
    catalogue_size = len(
        {item for _, item, _ in read_interactions(s3, bucket, dataset_file(dataset_version, INTERACTIONS_FILE))}
    )

    # Content-addressed: the same sample is the same file, so a rerun adopts the same job.
    input_key = write_users_file(s3, bucket, f"{EVALUATIONS_PREFIX}{dataset_version}/", users, stem=USERS_STEM)

    results = {}
    for version_arn in version_arns:
        version_id = version_arn.rstrip("/").rsplit("/", 1)[-1]
        files = BatchFiles(bucket, input_key, f"{EVALUATIONS_PREFIX}{dataset_version}/{version_id}/")
        job = files.request(solutionVersionArn=version_arn, roleArn=role_arn, numResults=num_results)
        # Named by everything it does: the same users of another dataset version (the
        # holdout is often the same days) is another job, not a clash with this one.
        settings = hashlib.sha256(json.dumps(job, sort_keys=True).encode()).hexdigest()
        run = run_batch(
            s3,
            files,
            {**job, "jobName": job_name(version_id, settings)},
            users,
            region=region,
            endpoint=endpoint,
            waits=waits,
        )
        # Unanswered users would score zero and wrongly sink the version being judged.
        if run.errors:
            user, reason = next(iter(run.errors.items()))
            raise RuntimeError(
                f"batch inference job {run.job_arn} could not answer {len(run.errors)} users, "
                f"e.g. {user!r}: {reason} (see {run.output_uri})"
            )
        recommended = {user: output.get("recommendedItems") or [] for user, output in run.answers.items()}
        scored_users, per_user = per_user_metrics(recommended, sampled_truth)
        # Kept for the leaderboard, which compares the versions experiments serve
        # user by user long after the gate ran (the stack's outputs hold means only).
        s3.put_object(
            Bucket=bucket,
            Key=evaluation_scores_key(dataset_version, version_id),
            Body=json.dumps(
                {
                    "solutionVersionArn": version_arn,
                    "datasetVersion": dataset_version,
                    "eventType": event_type,
                    "users": scored_users,
                    "perUser": {f"{VALIDATION_PREFIX}{k}": v for k, v in per_user.items()},
                },
                sort_keys=True,
            ).encode(),
        )
        results[version_arn] = {
            "metrics": ranking_metrics(recommended, sampled_truth, catalogue_size),
            # Each user's value of each ranking metric, in the order of `scoredUsers`:
            # the same users in the same order for every version, so they pair.
            "perUser": per_user,
            "scoredUsers": scored_users,
            "batchInferenceJobArn": run.job_arn,
            "users": len(users),
            "datasetVersion": dataset_version,
        }
    return results


def kept_scores(
    s3, bucket: str, dataset_version: str, version_arn: str, *, users: int | None, event_type: str | None
) -> dict | None:
    """A version's per-user scores on a dataset version's held-out users: those
    scoring kept (evaluation_scores_key) or, for a version scored before they were
    kept, recomputed from the output of the batch job that scored it, which the
    sample (the number of `users` and the `event_type`) names; no job is run.
    None if neither is there."""
    version_id = version_arn.rstrip("/").rsplit("/", 1)[-1]
    try:
        return json.loads(
            s3.get_object(Bucket=bucket, Key=evaluation_scores_key(dataset_version, version_id))["Body"].read()
        )
    except s3.exceptions.NoSuchKey:
        pass
    if not users:
        return None
    try:
        truth = truth_sets(
            read_interactions(s3, bucket, dataset_file(dataset_version, VALIDATION_INTERACTIONS_FILE)), event_type
        )
    except FileNotFoundError:
        return None
    sample = sample_users(truth, users)
    prefix = f"{EVALUATIONS_PREFIX}{dataset_version}/"
    files = BatchFiles(bucket, users_file_key(prefix, sample, stem=USERS_STEM), f"{prefix}{version_id}/")
    try:
        answered = parse_output(read_output(s3, files, "(an earlier evaluation)"), sample)
    except BatchOutputMissing:
        return None
    if len(sample) != users or answered.errors:
        return None
    recommended = {user: output.get("recommendedItems") or [] for user, output in answered.answers.items()}
    scored_users, per_user = per_user_metrics(recommended, {user: truth[user] for user in sample})
    return {
        "solutionVersionArn": version_arn,
        "datasetVersion": dataset_version,
        "eventType": event_type,
        "users": scored_users,
        "perUser": {f"{VALIDATION_PREFIX}{k}": v for k, v in per_user.items()},
        "recomputedFrom": files.output_uri,
    }


def truth_sets(interactions: "Interactions", event_type: str | None = None) -> dict[str, set[str]]:
    """Each user's items in the held-out interactions, of `event_type` where there is one."""
    wanted = event_type if event_type and interactions.has_event_type else None
    truth: dict[str, set[str]] = {}
    for user, item, kind in interactions:
        if wanted is None or kind == wanted:
            truth.setdefault(user, set()).add(item)
    return truth


def sample_users(truth: dict[str, set[str]], max_users: int) -> list[str]:
    """A sample that is the same on every run and machine (unlike hash()) and not
    biased by how ids sort, e.g. towards old numeric customer ids."""
    return sorted(truth, key=lambda user: (zlib.crc32(user.encode()), user))[:max_users]


def job_name(version_id: str, digest: str) -> str:
    """eval-<version id>-<8 characters of the digest>; a long version id is cut, never the digest."""
    return bounded_name(("eval", version_id), digest[:8])


@dataclass
class Interactions:
    """The rows of an exported interactions CSV that have both a USER_ID and an
    ITEM_ID, streamed once: a training file need not fit in memory."""

    has_event_type: bool  # whether the file has an EVENT_TYPE column
    rows: Iterator[Interaction]

    def __iter__(self) -> Iterator[Interaction]:
        return self.rows


def read_interactions(s3, bucket: str, key: str) -> Interactions:
    """An exported interactions CSV; its header is checked here, before any row is read."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    except s3.exceptions.NoSuchKey:
        raise FileNotFoundError(
            f"s3://{bucket}/{key} does not exist: export the dataset version with python -m prep"
        ) from None
    rows = csv.reader(io.TextIOWrapper(body, encoding="utf-8-sig", newline=""))
    header = next(rows, [])
    if missing := {"USER_ID", "ITEM_ID"} - set(header):
        raise ValueError(f"s3://{bucket}/{key} has no {', '.join(sorted(missing))} column")
    kind = header.index("EVENT_TYPE") if "EVENT_TYPE" in header else None
    return Interactions(kind is not None, _rows(rows, header.index("USER_ID"), header.index("ITEM_ID"), kind))


def _rows(rows: Iterator[list[str]], user: int, item: int, kind: int | None) -> Iterator[Interaction]:
    def field(row: list[str], index: int | None) -> str | None:
        # An empty field is a missing value, and so are those a short row lacks.
        return row[index] or None if index is not None and index < len(row) else None

    for row in rows:
        user_id, item_id = field(row, user), field(row, item)
        if user_id is not None and item_id is not None:
            yield user_id, item_id, field(row, kind)
