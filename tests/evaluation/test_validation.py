"""evaluate_solution_version against personalize-local, with aws-popularity-count:
everyone gets the same most popular training items, so the expected metrics follow
from the uploaded CSVs by plain counting."""

import csv
import io
import json
import zlib
from collections import Counter
from math import log2

import pytest

from evaluation.validation import evaluate_solution_version, job_name, kept_scores, sample_users
from providers.dataset_import_job import DatasetImportJobProvider
from providers.solution import SolutionProvider
from providers.solution_version import SolutionVersionProvider
from tests.helpers.providers import create, interactions_group

VERSION = "eval1"
# Item pNN is bought 60 - NN times (no ties among the 30 popular items), rNN once.
TRAINING = [(f"u{(k + j) % 60}", f"p{k:02d}", "purchase") for k in range(30) for j in range(60 - k)] + [
    (f"u{k}", f"r{k:02d}", "purchase") for k in range(10)
]
VALIDATION = [
    ("u1", "p00", "purchase"),
    ("u1", "p03", "purchase"),
    ("u1", "r05", "purchase"),
    ("u2", "p24", "purchase"),
    ("u2", "p25", "purchase"),  # ranks 25 and 26
    ("u3", "r01", "purchase"),
    ("u4", "p02", "purchase"),
    ("u4", "p02", "click"),
    ("u7", "p09", "click"),
    ("x1", "p01", "purchase"),
]  # a user the model never saw


def to_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"])
    writer.writerows((*row, 1_700_000_000 + n) for n, row in enumerate(rows))
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def version(conn, seeded, aws):
    s3 = aws("s3")
    s3.put_object(Bucket=seeded["bucket"], Key=f"datasets/{VERSION}/interactions.csv", Body=to_csv(TRAINING))
    s3.put_object(
        Bucket=seeded["bucket"], Key=f"datasets/{VERSION}/validation/interactions.csv", Body=to_csv(VALIDATION)
    )
    ids = interactions_group(conn, "eval")
    group, dataset = ids["group"], ids["dataset"]
    create(
        DatasetImportJobProvider(),
        conn,
        jobName=f"eval-{VERSION}",
        datasetArn=dataset,
        roleArn=seeded["role"],
        dataSource={"dataLocation": f"s3://{seeded['bucket']}/datasets/{VERSION}/interactions.csv"},
    )
    solution, _ = create(
        SolutionProvider(),
        conn,
        name="eval",
        datasetGroupArn=group,
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )
    arn, _ = create(SolutionVersionProvider(), conn, solutionArn=solution)
    return arn


def evaluate(version, seeded, conn, **options):
    return evaluate_solution_version(
        version,
        seeded["bucket"],
        VERSION,
        seeded["role"],
        region=conn["region"],
        endpoint=conn["endpoint"],
        waits=conn["waits"],
        **options,
    )


def expected_metrics(truth: dict[str, set[str]], num_results: int) -> dict:
    """The same metrics, written out independently for one shared list."""
    counts = Counter(item for _, item, _ in TRAINING)
    popular = sorted(counts, key=lambda item: -counts[item])[:num_results]
    expected = {"users": len(truth), "coverage": len(popular) / len(counts)}
    for k in (5, 10, 25):
        top = popular[:k]
        expected[f"precision_at_{k}"] = sum(len(set(top) & items) / k for items in truth.values()) / len(truth)
        expected[f"recall_at_{k}"] = sum(len(set(top) & items) / len(items) for items in truth.values()) / len(truth)
        expected[f"ndcg_at_{k}"] = sum(
            sum(1 / log2(rank + 1) for rank, item in enumerate(top, 1) if item in items)
            / sum(1 / log2(rank + 1) for rank in range(1, min(k, len(items)) + 1))
            for items in truth.values()
        ) / len(truth)
    expected["mrr"] = sum(
        next((1 / rank for rank, item in enumerate(popular, 1) if item in items), 0) for items in truth.values()
    ) / len(truth)
    return expected


def test_metrics_of_the_popular_items_on_the_validation_users(version, seeded, conn, aws):
    result = evaluate(version, seeded, conn)
    truth = {
        "u1": {"p00", "p03", "r05"},
        "u2": {"p24", "p25"},
        "u3": {"r01"},
        "u4": {"p02"},
        "u7": {"p09"},
        "x1": {"p01"},
    }
    assert result["users"] == 6 and result["datasetVersion"] == VERSION
    assert result["metrics"] == pytest.approx(expected_metrics(truth, 25), abs=1e-6)
    assert f":batch-inference-job/eval-{version.rsplit('/', 1)[-1]}-" in result["batchInferenceJobArn"]


def test_each_users_scores_are_kept_in_s3_for_the_leaderboard(version, seeded, conn, aws):
    result = evaluate(version, seeded, conn)
    key = f"evaluations/{VERSION}/{version.rsplit('/', 1)[-1]}/scores.json"
    kept = json.loads(aws("s3").get_object(Bucket=seeded["bucket"], Key=key)["Body"].read())
    assert kept["solutionVersionArn"] == version and kept["datasetVersion"] == VERSION
    assert kept["users"] == result["scoredUsers"] == ["u1", "u2", "u3", "u4", "u7", "x1"]
    assert kept["perUser"] == {f"validation.{k}": v for k, v in result["perUser"].items()}
    mean = sum(kept["perUser"]["validation.ndcg_at_10"]) / len(kept["users"])
    assert mean == pytest.approx(result["metrics"]["ndcg_at_10"], abs=1e-6)


def test_scores_of_a_version_evaluated_before_they_were_kept_are_recomputed_from_its_batch_output(
    version, seeded, conn, aws
):
    result = evaluate(version, seeded, conn)
    s3 = aws("s3")
    key = f"evaluations/{VERSION}/{version.rsplit('/', 1)[-1]}/scores.json"
    kept = json.loads(s3.get_object(Bucket=seeded["bucket"], Key=key)["Body"].read())
    s3.delete_object(Bucket=seeded["bucket"], Key=key)  # as a gate of the release before left it
    try:
        found = kept_scores(s3, seeded["bucket"], VERSION, version, users=result["users"], event_type=None)
        assert found is not None and found["recomputedFrom"].endswith(".jsonl.out")
        assert (found["users"], found["perUser"]) == (kept["users"], kept["perUser"])
        # Another sample (fewer users, another event type) was never scored: nothing to recompute.
        assert kept_scores(s3, seeded["bucket"], VERSION, version, users=3, event_type=None) is None
        assert kept_scores(s3, seeded["bucket"], VERSION, version, users=None, event_type=None) is None
    finally:
        s3.put_object(Bucket=seeded["bucket"], Key=key, Body=json.dumps(kept).encode())


def test_a_second_evaluation_adopts_the_same_job(version, seeded, conn, aws):
    first = evaluate(version, seeded, conn)
    second = evaluate(version, seeded, conn)
    assert second == first
    jobs = aws("personalize").list_batch_inference_jobs(solutionVersionArn=version)["batchInferenceJobs"]
    assert [j["batchInferenceJobArn"] for j in jobs].count(first["batchInferenceJobArn"]) == 1


def test_the_same_users_held_out_by_another_dataset_version_are_another_job(version, seeded, conn, aws):
    # Data preparation often holds out the same newest days in the next version too.
    s3 = aws("s3")
    for name in ("interactions.csv", "validation/interactions.csv"):
        body = s3.get_object(Bucket=seeded["bucket"], Key=f"datasets/{VERSION}/{name}")["Body"].read()
        s3.put_object(Bucket=seeded["bucket"], Key=f"datasets/{VERSION}-next/{name}", Body=body)
    first = evaluate(version, seeded, conn)
    again = evaluate_solution_version(
        version,
        seeded["bucket"],
        f"{VERSION}-next",
        seeded["role"],
        region=conn["region"],
        endpoint=conn["endpoint"],
        waits=conn["waits"],
    )
    assert again["batchInferenceJobArn"] != first["batchInferenceJobArn"]
    assert again["metrics"] == first["metrics"]


def test_only_the_event_type_counts_and_the_sample_is_capped(version, seeded, conn):
    clicks = evaluate(version, seeded, conn, event_type="click", num_results=10)
    assert clicks["users"] == 2
    assert clicks["metrics"] == pytest.approx(expected_metrics({"u4": {"p02"}, "u7": {"p09"}}, 10), abs=1e-6)
    capped = evaluate(version, seeded, conn, max_users=2)
    first_two = sorted(["u1", "u2", "u3", "u4", "u7", "x1"], key=lambda u: zlib.crc32(u.encode()))[:2]
    assert capped["users"] == 2 and capped["batchInferenceJobArn"] != clicks["batchInferenceJobArn"]
    assert capped["metrics"] == pytest.approx(
        expected_metrics({u: {i for v, i, _ in VALIDATION if v == u} for u in first_two}, 25), abs=1e-6
    )


def test_the_batch_output_is_the_popular_items_for_everyone(version, seeded, conn, aws):
    job = aws("personalize").describe_batch_inference_job(
        batchInferenceJobArn=evaluate(version, seeded, conn)["batchInferenceJobArn"]
    )["batchInferenceJob"]
    users_file = job["jobInput"]["s3DataSource"]["path"].rsplit("/", 1)[-1]
    out = job["jobOutput"]["s3DataDestination"]["path"].removeprefix(f"s3://{seeded['bucket']}/") + users_file + ".out"
    body = aws("s3").get_object(Bucket=seeded["bucket"], Key=out)["Body"].read().decode()
    lines = [json.loads(line) for line in body.splitlines()]
    assert len(lines) == 6 and all(line["error"] is None for line in lines)
    assert {tuple(line["output"]["recommendedItems"]) for line in lines} == {tuple(f"p{k:02d}" for k in range(25))}


def test_a_missing_dataset_version_names_the_file(version, seeded, conn):
    with pytest.raises(FileNotFoundError, match="datasets/nope/validation/interactions.csv"):
        evaluate_solution_version(
            version, seeded["bucket"], "nope", seeded["role"], region=conn["region"], endpoint=conn["endpoint"]
        )


def test_the_sample_is_deterministic_and_independent_of_input_order():
    truth = {f"user{n}": {"i"} for n in range(50)}
    reordered = dict(reversed(list(truth.items())))
    assert sample_users(truth, 10) == sample_users(reordered, 10)
    assert sample_users(truth, 10) == sorted(truth, key=lambda u: (zlib.crc32(u.encode()), u))[:10]
    assert len(sample_users(truth, 500)) == 50


def test_job_names_fit_the_service_pattern():
    name = job_name("a" * 80 + "/x:y", "0123456789abcdef")
    assert len(name) <= 63 and name.endswith("-01234567") and name.startswith("eval-aaa")
    assert job_name("v.1:2", "deadbeef") == "eval-v-1-2-deadbeef"
