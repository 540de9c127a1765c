"""The gate of every experiment of a dataset group scores on the same validation
users: the sample depends on the dataset version's held-out data, maxUsers and
eventType only, never on the experiment (campaign, solution version). Each
experiment has its own Promotion, so the gate runs once per experiment: here
with a stand-in service and S3 that record what the batch jobs are asked."""

import csv
import io

import pytest

from evaluation import scoring, validation
from service.batch import BatchRun

BUCKET, ROLE = "personalize-dev", "arn:aws:iam::000000000000:role/personalize"


def interactions(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"])
    writer.writerows((user, item, kind, 1_700_000_000) for user, item, kind in rows)
    return out.getvalue().encode()


HELD_OUT = [(f"u{n}", f"i{n % 7}", "click" if n % 3 else "purchase") for n in range(300)]
TRAINING = [(f"u{n}", f"i{n % 11}", "purchase") for n in range(300)]


class Service:
    """S3 with v1's exported files, and GetSolutionMetrics."""

    class exceptions:
        class NoSuchKey(Exception):
            pass

    def __init__(self):
        self.files = {
            "datasets/v1/interactions.csv": interactions(TRAINING),
            "datasets/v1/validation/interactions.csv": interactions(HELD_OUT),
        }

    def get_object(self, Bucket, Key):
        if Key not in self.files:
            raise self.exceptions.NoSuchKey(Key)
        return {"Body": io.BytesIO(self.files[Key])}

    def put_object(self, Bucket, Key, Body):
        self.files[Key] = Body

    def get_solution_metrics(self, solutionVersionArn):
        return {"metrics": {"coverage": 0.1}}


@pytest.fixture
def jobs(monkeypatch):
    """The batch jobs the gate runs, as (solution version, users file key, users)."""
    asked: list[tuple[str, str, list[str]]] = []
    service = Service()

    def run_batch(s3, files, request, users, **_):
        asked.append((request["solutionVersionArn"], files.input_key, list(users)))
        answers = {user: {"recommendedItems": ["i1", "i2"]} for user in users}
        return BatchRun(f"arn:job/{len(asked)}", f"s3://{BUCKET}/{files.output_prefix}", answers, {})

    monkeypatch.setattr(validation, "run_batch", run_batch)
    monkeypatch.setattr(validation, "client", lambda *args: service)
    monkeypatch.setattr(scoring, "client", lambda *args: service)
    return asked


def gate(version: str, max_users: int = 50, event_type: str | None = "click") -> dict:
    """What one experiment's Promotion scores its challenger with (stacks/experiment.py's validation input)."""
    settings = {"bucket": BUCKET, "datasetVersion": "v1", "roleArn": ROLE, "maxUsers": max_users}
    return scoring.scores([version], {**settings, "eventType": event_type}, region="us-east-1", endpoint=None)[version]


def test_two_experiments_of_one_dataset_version_are_scored_on_identical_users(jobs):
    first = gate("arn:aws:personalize:us-east-1:0:solution/shop-custom/v1")
    second = gate("arn:aws:personalize:us-east-1:0:solution/shop-tuned/v9")
    (_, first_file, first_users), (_, second_file, second_users) = jobs
    assert first_users == second_users and len(first_users) == 50
    assert first_file == second_file  # one users file, under the dataset version's prefix
    assert first["validation.users"] == second["validation.users"] == 50


def test_the_sample_changes_only_with_the_data_max_users_and_event_type(jobs):
    gate("arn:x/solution/a/v1", max_users=50, event_type="click")
    gate("arn:x/solution/b/v1", max_users=80, event_type="click")
    gate("arn:x/solution/c/v1", max_users=50, event_type="purchase")
    [clicks, more, purchases] = [users for _, _, users in jobs]
    assert clicks == more[:50]  # a larger sample extends the smaller one, in the same order
    assert set(purchases) != set(clicks)


def test_a_contest_keeps_each_users_score_for_both_versions_on_the_same_users(monkeypatch, jobs):
    # Two versions answering differently: the challenger's first item is each user's held-out one.
    def run_batch(s3, files, request, users, **_):
        jobs.append((request["solutionVersionArn"], files.input_key, list(users)))
        better = request["solutionVersionArn"].endswith("/v2")
        answers = {u: {"recommendedItems": [f"i{int(u[1:]) % 7}" if better else "i99"]} for u in users}
        return BatchRun(f"arn:job/{len(jobs)}", f"s3://{BUCKET}/{files.output_prefix}", answers, {})

    monkeypatch.setattr(validation, "run_batch", run_batch)
    versions = ["arn:x/solution/a/v2", "arn:x/solution/a/v1"]
    settings = {"bucket": BUCKET, "datasetVersion": "v1", "roleArn": ROLE, "maxUsers": 40, "eventType": None}
    scored = scoring.score_versions(versions, settings, region="us-east-1", endpoint=None)
    new, old = (scored.per_user[v]["validation.ndcg_at_10"] for v in versions)
    assert len(new) == len(old) == 40 == scored.metrics[versions[0]]["validation.users"]
    assert new == [1.0] * 40 and old == [0.0] * 40  # user by user, in one order
    assert sum(new) / 40 == scored.metrics[versions[0]]["validation.ndcg_at_10"]
    assert "validation.coverage" not in scored.per_user[versions[0]]  # one number per version, not per user
