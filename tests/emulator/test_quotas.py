"""The quotas of "Amazon Personalize endpoints and quotas"
(https://docs.aws.amazon.com/personalize/latest/dg/limits.html) at their
documented defaults, each on an emulator of its own (the session one is shared
by every test and runs with a raised quota, see conftest.py), and the start-up
options that mirror an account's raised quotas.

Each test is named after the quota it checks, in the page's words."""

import json
import subprocess
import sys

import boto3
import pytest
from botocore.config import Config

from tests.helpers.data import INTERACTIONS_SCHEMA, interactions_csv
from tests.helpers.emulator import with_items_dataset
from tests.helpers.paths import ROOT
from tests.helpers.roles import personalize_role

FILTER = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"


def personalize(emulator, region: str = "us-east-1"):
    """A client that shows the first answer: no retries, so a refusal is seen as the service gave it."""
    return boto3.client(
        "personalize", endpoint_url=emulator.endpoint, region_name=region, config=Config(retries={"max_attempts": 1})
    )


def refused(p, call, quota: str, limit: int, **params) -> str:
    with pytest.raises(p.exceptions.LimitExceededException) as error:
        call(**params)
    message = error.value.response["Error"]["Message"]
    assert quota in message and f"is {limit} " in message, message
    return message


def groups(emulator, p, count: int, prefix: str = "g") -> list[str]:
    arns = [p.create_dataset_group(name=f"{prefix}{i}")["datasetGroupArn"] for i in range(count)]
    emulator.advance()
    return arns


def with_interactions(emulator, p, group: str, name: str, domain: str | None = None) -> str:
    """The group's ACTIVE Interactions dataset, with data imported; a Domain group's
    schema is created with its domain (API_CreateSchema.html)."""
    s3 = boto3.client("s3", endpoint_url=emulator.endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="i.csv", Body=interactions_csv(seed=5))
    iam = boto3.client("iam", endpoint_url=emulator.endpoint, region_name="us-east-1")
    role = personalize_role(iam, s3, name, name)
    schema = p.create_schema(name=name, schema=INTERACTIONS_SCHEMA, **({"domain": domain} if domain else {}))[
        "schemaArn"
    ]
    dataset = p.create_dataset(name=name, schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")
    emulator.advance()
    p.create_dataset_import_job(
        jobName=name,
        datasetArn=dataset["datasetArn"],
        dataSource={"dataLocation": f"s3://{name}/i.csv"},
        roleArn=role,
    )
    emulator.advance()
    return dataset["datasetArn"]


def test_total_number_of_active_dataset_groups_is_5_per_region(start_emulator):
    emulator = start_emulator()
    p = personalize(emulator)
    groups(emulator, p, 5)
    message = refused(p, p.create_dataset_group, "Total number of active dataset groups", 5, name="sixth")
    assert "us-east-1" in message
    # The quota is the account's in each region: another region has its own 5.
    personalize(emulator, "eu-west-1").create_dataset_group(name="sixth")


def test_a_deleted_dataset_group_frees_its_place_and_a_failed_one_takes_none(start_emulator):
    emulator = start_emulator("--fail", "broken=forced by the test")
    p = personalize(emulator)
    first, *_ = groups(emulator, p, 4)
    broken = p.create_dataset_group(name="broken")["datasetGroupArn"]
    emulator.advance()
    assert p.describe_dataset_group(datasetGroupArn=broken)["datasetGroup"]["status"] == "CREATE FAILED"
    p.create_dataset_group(name="fifth")  # the failed one is not active
    refused(p, p.create_dataset_group, "Total number of active dataset groups", 5, name="sixth")
    p.delete_dataset_group(datasetGroupArn=first)
    p.create_dataset_group(name="sixth")  # one being deleted is on its way out


def test_a_raised_quota_is_given_at_start_up(start_emulator, tmp_path):
    emulator = start_emulator("--quota", "activeDatasetGroups=7")
    p = personalize(emulator)
    groups(emulator, p, 7)
    refused(p, p.create_dataset_group, "Total number of active dataset groups", 7, name="eighth")
    assert emulator.local("/_local/health")["quotas"]["activeDatasetGroups"] == 7
    emulator.stop()

    quotas = tmp_path / "quotas.json"
    quotas.write_text(json.dumps({"activeDatasetGroups": 9, "activeSolutions": 12}))
    emulator = start_emulator("--quotas", str(quotas))
    p = personalize(emulator)
    groups(emulator, p, 2, prefix="more")  # 9 with the 7 kept in the state dir
    refused(p, p.create_dataset_group, "Total number of active dataset groups", 9, name="tenth")
    assert emulator.local("/_local/health")["quotas"]["activeSolutions"] == 12


@pytest.mark.parametrize(
    "flag, says",
    [("nonsense=3", "unknown quota 'nonsense'"), ("activeDatasetGroups=many", "NAME=N with N a whole number")],
)
def test_a_quota_the_emulator_does_not_know_stops_the_start(tmp_path, flag, says):
    started = subprocess.run(
        [sys.executable, "-m", "local", "--port", "0", "--state-dir", str(tmp_path), "--quota", flag],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 2 and says in started.stderr


def test_total_number_of_active_schemas_lowered_at_start_up(start_emulator):
    # 500 by default; lowered here so the test does not create 500.
    emulator = start_emulator("--quota", "activeSchemas=2")
    p = personalize(emulator)
    for name in ("s1", "s2"):
        p.create_schema(name=name, schema=INTERACTIONS_SCHEMA)
    refused(p, p.create_schema, "Total number of active schemas", 2, name="s3", schema=INTERACTIONS_SCHEMA)


def test_total_number_of_filters_is_10_per_dataset_group(start_emulator):
    emulator = start_emulator()
    p = personalize(emulator)
    full, other = groups(emulator, p, 2)
    for i in range(10):
        p.create_filter(name=f"f{i}", datasetGroupArn=full, filterExpression=FILTER)
    message = refused(
        p, p.create_filter, "Total number of filters", 10, name="f10", datasetGroupArn=full, filterExpression=FILTER
    )
    assert full in message
    p.create_filter(name="elsewhere", datasetGroupArn=other, filterExpression=FILTER)  # each group has its own 10


def test_total_number_of_active_solutions_is_10_per_dataset_group(start_emulator):
    emulator = start_emulator()
    p = personalize(emulator)
    full, other = groups(emulator, p, 2)
    for i in range(10):
        p.create_solution(name=f"s{i}", datasetGroupArn=full, recipeArn=RECIPE)
    refused(
        p, p.create_solution, "Total number of active solutions", 10, name="s10", datasetGroupArn=full, recipeArn=RECIPE
    )
    p.create_solution(name="elsewhere", datasetGroupArn=other, recipeArn=RECIPE)
    emulator.advance()
    p.delete_solution(solutionArn=p.list_solutions(datasetGroupArn=full)["solutions"][0]["solutionArn"])
    p.create_solution(name="s10", datasetGroupArn=full, recipeArn=RECIPE)


def test_total_number_of_pending_or_in_progress_dataset_import_jobs_is_5_per_region(start_emulator):
    emulator = start_emulator()
    p = personalize(emulator)
    (group,) = groups(emulator, p, 1)
    dataset = with_interactions(emulator, p, group, "imports")
    source = {"dataLocation": "s3://imports/i.csv"}
    for i in range(5):
        p.create_dataset_import_job(jobName=f"j{i}", datasetArn=dataset, dataSource=source)
    refused(
        p,
        p.create_dataset_import_job,
        "Total number of pending or in progress dataset import jobs",
        5,
        jobName="j5",
        datasetArn=dataset,
        dataSource=source,
    )
    emulator.advance()  # finished jobs are no longer pending
    p.create_dataset_import_job(jobName="j5", datasetArn=dataset, dataSource=source)


@pytest.fixture
def trained(start_emulator):
    """An emulator at the default quotas with one group holding a trained solution version."""
    emulator = start_emulator()
    p = personalize(emulator)
    (group,) = groups(emulator, p, 1)
    with_interactions(emulator, p, group, "trained")
    solution = p.create_solution(name="trained", datasetGroupArn=group, recipeArn=RECIPE)["solutionArn"]
    emulator.advance()
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    emulator.advance()
    return emulator, p, solution, version


def test_total_number_of_pending_or_in_progress_solution_versions_is_20_per_region(trained):
    _, p, solution, _ = trained
    pending = [p.create_solution_version(solutionArn=solution)["solutionVersionArn"] for _ in range(20)]
    refused(
        p,
        p.create_solution_version,
        "Total number of pending or in progress solution versions",
        20,
        solutionArn=solution,
    )
    p.stop_solution_version_creation(solutionVersionArn=pending[0])  # a stopped version is not in progress
    extra = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    for version in pending[1:] + [extra]:  # nothing left to train when the fixture's emulator stops
        p.stop_solution_version_creation(solutionVersionArn=version)


def test_total_number_of_active_campaigns_is_5_per_dataset_group(trained):
    emulator, p, _, version = trained
    for i in range(5):
        p.create_campaign(name=f"c{i}", solutionVersionArn=version)
    refused(p, p.create_campaign, "Total number of active campaigns", 5, name="c5", solutionVersionArn=version)
    emulator.advance()
    p.delete_campaign(campaignArn=p.list_campaigns()["campaigns"][0]["campaignArn"])
    p.create_campaign(name="c5", solutionVersionArn=version)


def test_total_number_of_pending_or_in_progress_batch_inference_jobs_is_5_per_region(trained):
    _, p, _, version = trained
    job = {
        "solutionVersionArn": version,
        "roleArn": "arn:aws:iam::123456789012:role/batch",
        "jobInput": {"s3DataSource": {"path": "s3://trained/users.json"}},
        "jobOutput": {"s3DataDestination": {"path": "s3://trained/out/"}},
    }
    for i in range(5):
        p.create_batch_inference_job(jobName=f"b{i}", **job)
    refused(
        p,
        p.create_batch_inference_job,
        "Total number of pending or in progress batch inference jobs",
        5,
        jobName="b5",
        **job,
    )


def test_total_number_of_recommenders_is_5_per_dataset_group(start_emulator):
    emulator = start_emulator()
    p = personalize(emulator)
    group = p.create_dataset_group(name="shop", domain="ECOMMERCE")["datasetGroupArn"]
    emulator.advance()
    with_interactions(emulator, p, group, "shop", domain="ECOMMERCE")
    recipe = "arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-purchases"
    for i in range(5):
        p.create_recommender(name=f"r{i}", datasetGroupArn=group, recipeArn=recipe)
    refused(
        p, p.create_recommender, "Total number of recommenders", 5, name="r5", datasetGroupArn=group, recipeArn=recipe
    )


def test_total_number_of_pending_or_in_progress_batch_segment_jobs_is_5_per_region(start_emulator):
    emulator = start_emulator()
    p = personalize(emulator)
    (group,) = groups(emulator, p, 1)
    with_interactions(emulator, p, group, "segments")
    with_items_dataset(p, emulator, group, "segments")
    solution = p.create_solution(
        name="segments", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/aws-item-affinity"
    )["solutionArn"]
    emulator.advance()
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    emulator.advance()
    job = {
        "solutionVersionArn": version,
        "roleArn": "arn:aws:iam::123456789012:role/batch",
        "jobInput": {"s3DataSource": {"path": "s3://segments/items.json"}},
        "jobOutput": {"s3DataDestination": {"path": "s3://segments/out/"}},
    }
    for i in range(5):
        p.create_batch_segment_job(jobName=f"s{i}", **job)
    refused(
        p,
        p.create_batch_segment_job,
        "Total number of pending or in progress batch segment jobs",
        5,
        jobName="s5",
        **job,
    )
    emulator.advance()  # finished (here: failed) jobs are no longer pending
    p.create_batch_segment_job(jobName="s5", **job)


def test_data_deletion_jobs_with_status_pending_are_5_per_dataset_group(start_emulator):
    """Not on the limits page: https://docs.aws.amazon.com/personalize/latest/dg/delete-records.html"""
    emulator = start_emulator()
    p = personalize(emulator)
    first, second = groups(emulator, p, 2)
    job = {"dataSource": {"dataLocation": "s3://deletions/users.csv"}, "roleArn": "arn:aws:iam::123456789012:role/d"}
    for i in range(5):
        p.create_data_deletion_job(jobName=f"d{i}", datasetGroupArn=first, **job)
    refused(
        p,
        p.create_data_deletion_job,
        "Data deletion jobs with status PENDING",
        5,
        jobName="d5",
        datasetGroupArn=first,
        **job,
    )
    p.create_data_deletion_job(jobName="other", datasetGroupArn=second, **job)  # another group's own 5
    emulator.advance(600)  # past PENDING: IN_PROGRESS jobs do not count
    assert (
        p.describe_data_deletion_job(
            dataDeletionJobArn=p.list_data_deletion_jobs()["dataDeletionJobs"][0]["dataDeletionJobArn"]
        )["dataDeletionJob"]["status"]
        == "IN_PROGRESS"
    )
    p.create_data_deletion_job(jobName="d5", datasetGroupArn=first, **job)
