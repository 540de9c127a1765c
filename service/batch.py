"""A batch of users through a batch inference job, written once for the commands
that need one (evaluation's scoring, serving's ad hoc batches): the users file
in S3, the job, and what it answered for each user.

The users file is named by a digest of its content, so the same users are the
same file and a rerun's job (named by what it does, by the caller) is adopted
rather than run again. boto3 only: the promotion gate runs this inside the
Pulumi provider host."""

import hashlib
import json
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from common.layout import BATCH_OUTPUT_SUFFIX
from service.jobs import run_batch_inference_job

NO_OUTPUT = "no output"
NO_RESULT_LINE = "no result line in the job's output"


class BatchOutputMissing(RuntimeError):
    """The job finished without writing the output of its users file."""


def users_file(users: Iterable[str]) -> bytes:
    """The job's input: one JSON line {"userId": ...} per user, in order."""
    return "".join(json.dumps({"userId": user}) + "\n" for user in users).encode()


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def write_users_file(s3, bucket: str, prefix: str, users: Sequence[str], *, stem: str = "") -> str:
    """Upload the users file as `<prefix><stem><digest of its content>.jsonl`; its key."""
    key = users_file_key(prefix, users, stem=stem)
    s3.put_object(Bucket=bucket, Key=key, Body=users_file(users))
    return key


def users_file_key(prefix: str, users: Sequence[str], *, stem: str = "") -> str:
    """Where write_users_file puts these users: named by its content."""
    return f"{prefix}{stem}{content_digest(users_file(users))}.jsonl"


def job_input(bucket: str, input_key: str) -> dict:
    """CreateBatchInferenceJob's jobInput for a users file."""
    return {"s3DataSource": {"path": f"s3://{bucket}/{input_key}"}}


@dataclass(frozen=True)
class BatchFiles:
    """Where a job reads its users and writes its answers, in one bucket."""

    bucket: str
    input_key: str
    output_prefix: str  # ends with '/'

    @property
    def job_input(self) -> dict:
        return job_input(self.bucket, self.input_key)

    @property
    def job_output(self) -> dict:
        return {"s3DataDestination": {"path": f"s3://{self.bucket}/{self.output_prefix}"}}

    @property
    def output_key(self) -> str:
        """Where the service writes the answers for the input file: its name with a suffix."""
        return f"{self.output_prefix}{posixpath.basename(self.input_key)}{BATCH_OUTPUT_SUFFIX}"

    @property
    def output_uri(self) -> str:
        return f"s3://{self.bucket}/{self.output_key}"

    def request(self, **members: Any) -> dict:
        """CreateBatchInferenceJob's request for these files: `members` (None ones left
        out, as the service's defaults) with jobInput and jobOutput."""
        return {
            **{k: v for k, v in members.items() if v is not None},
            "jobInput": self.job_input,
            "jobOutput": self.job_output,
        }


@dataclass
class Answers:
    """What a job's output says per user."""

    answers: dict[str, dict] = field(default_factory=dict)  # userId: its output (recommendedItems, scores)
    errors: dict[str, str] = field(default_factory=dict)  # userId: why there is no answer


@dataclass
class BatchRun:
    job_arn: str
    output_uri: str
    answers: dict[str, dict]
    errors: dict[str, str]


def parse_output(lines: Iterable[str], users: Sequence[str]) -> Answers:
    """The answers in a job's output lines, and for every user without one why:
    the line's error, an answer with no output, or no line at all for a user of `users`."""
    parsed = Answers()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise ValueError(f"line {number} of the batch inference job's output is not JSON: {error}") from None
        user = str((record.get("input") or {}).get("userId"))
        if record.get("error") or not record.get("output"):
            parsed.errors[user] = record.get("error") or NO_OUTPUT
        else:
            parsed.answers[user] = record["output"]
    for user in users:
        if user not in parsed.answers and user not in parsed.errors:
            parsed.errors[user] = NO_RESULT_LINE
    return parsed


def read_output(s3, files: BatchFiles, job_arn: str) -> list[str]:
    """The lines the job wrote for its users file. Other jobs may write beside it
    (e.g. other evaluations of a version), so only that one file is read."""
    try:
        body = s3.get_object(Bucket=files.bucket, Key=files.output_key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        raise BatchOutputMissing(f"batch inference job {job_arn} finished without writing {files.output_uri}") from None
    return body.decode().splitlines()


def run_batch(
    s3,
    files: BatchFiles,
    request: dict,
    users: Sequence[str],
    *,
    region: str | None,
    endpoint: str | None,
    waits: dict | None = None,
) -> BatchRun:
    """Run the job `request` describes (CreateBatchInferenceJob's, jobName included, as
    files.request() builds it), or adopt the one an earlier run left, and read its answers.

    Raises what service.jobs.run_batch_inference_job raises, and BatchOutputMissing."""
    if request.get("jobInput") != files.job_input or request.get("jobOutput") != files.job_output:
        raise ValueError("the job's jobInput and jobOutput must be those of its files: build it with files.request()")
    job_arn = run_batch_inference_job(request, region=region, endpoint=endpoint, waits=waits)
    parsed = parse_output(read_output(s3, files, job_arn), users)
    return BatchRun(job_arn, files.output_uri, parsed.answers, parsed.errors)
