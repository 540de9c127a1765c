"""The lifecycle contract, resource type by resource type, against
personalize-local: create, read, adopt a leftover, a forced CREATE FAILED, a
deadline, and delete (or the documented no-op where the API has no delete)."""

import json
import re

import pytest

from providers.batch_inference_job import BatchInferenceJobProvider
from providers.batch_segment_job import BatchSegmentJobProvider
from providers.campaign import CampaignProvider
from providers.dataset import DatasetProvider
from providers.dataset_export_job import DatasetExportJobProvider
from providers.dataset_group import DatasetGroupProvider
from providers.dataset_import_job import DatasetImportJobProvider
from providers.event_tracker import EventTrackerProvider
from providers.filter import FilterProvider
from providers.lifecycle import ResourceFailed
from providers.metric_attribution import MetricAttributionProvider
from providers.recommender import RecommenderProvider
from providers.schema import SchemaProvider
from providers.solution import SolutionProvider
from providers.solution_version import SolutionVersionProvider, version_name
from service.waiting import DeadlineExceeded
from tests.helpers.data import INTERACTIONS_SCHEMA
from tests.helpers.domain import ITEMS_SCHEMA, domain_group
from tests.helpers.providers import create, set_faults

# The module's emulator is one account for every case here, and most cases
# create a dataset group of their own that stays (each resource kind in
# isolation): more than the documented 5 active dataset groups per region, so the
# account runs with a raised quota, as one with an increase would.
# Recommenders too: 5 per group are documented, and the cases below make more.
EMULATOR_QUOTAS = {"activeDatasetGroups": 20, "recommenders": 20}


@pytest.fixture(scope="module")
def parents(conn, seeded, aws):
    """What the resources under test hang from."""
    ids = {"role": seeded["role"], "bucket": seeded["bucket"]}
    ids["group"], _ = create(DatasetGroupProvider(), conn, name="each")
    ids["schema"], _ = create(SchemaProvider(), conn, name="each-interactions", schema=INTERACTIONS_SCHEMA)
    ids["dataset"], _ = create(
        DatasetProvider(),
        conn,
        name="each-interactions",
        datasetType="Interactions",
        datasetGroupArn=ids["group"],
        schemaArn=ids["schema"],
    )
    ids["import"], _ = create(
        DatasetImportJobProvider(),
        conn,
        jobName="each-v1",
        datasetArn=ids["dataset"],
        roleArn=seeded["role"],
        dataSource={"dataLocation": f"s3://{seeded['bucket']}/datasets/v1/interactions.csv"},
    )
    ids["solution"], _ = create(
        SolutionProvider(),
        conn,
        name="each",
        datasetGroupArn=ids["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )
    ids["version"], _ = create(SolutionVersionProvider(), conn, solutionArn=ids["solution"])
    aws("s3").put_object(
        Bucket=seeded["bucket"], Key="batch-input/each.jsonl", Body=b'{"userId": "u1"}\n{"userId": "u2"}\n'
    )
    # A Domain group with data, for recommenders.
    ids["domain"] = domain_group(conn, seeded, "each-shop")["group"]
    # A USER_SEGMENTATION version (Item-Affinity trains only with an Items dataset), for segment jobs.
    items_schema, _ = create(SchemaProvider(), conn, name="each-items", schema=ITEMS_SCHEMA)
    create(
        DatasetProvider(),
        conn,
        name="each-items",
        datasetType="Items",
        datasetGroupArn=ids["group"],
        schemaArn=items_schema,
    )
    affinity, _ = create(
        SolutionProvider(),
        conn,
        name="each-affinity",
        datasetGroupArn=ids["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-item-affinity",
    )
    ids["affinity_version"], _ = create(SolutionVersionProvider(), conn, solutionArn=affinity)
    aws("s3").put_object(Bucket=seeded["bucket"], Key="segment-input/each.jsonl", Body=b'{"itemId": "i1"}\n')
    return ids


# Each case: the provider, and its inputs for a resource named `name`.
CASES = {
    "DatasetGroup": (DatasetGroupProvider, lambda p, name: {"name": name}),
    "Schema": (SchemaProvider, lambda p, name: {"name": name, "schema": INTERACTIONS_SCHEMA}),
    "Dataset": (
        DatasetProvider,
        lambda p, name: {
            "name": name,
            "datasetType": "Users",
            "datasetGroupArn": p["group"],
            "schemaArn": p["users_schema"],
        },
    ),
    "DatasetImportJob": (
        DatasetImportJobProvider,
        lambda p, name: {
            "jobName": name,
            "datasetArn": p["dataset"],
            "roleArn": p["role"],
            "dataSource": {"dataLocation": f"s3://{p['bucket']}/datasets/v1/interactions.csv"},
        },
    ),
    "Solution": (
        SolutionProvider,
        lambda p, name: {
            "name": name,
            "datasetGroupArn": p["group"],
            "recipeArn": "arn:aws:personalize:::recipe/aws-sims",
        },
    ),
    "SolutionVersion": (SolutionVersionProvider, lambda p, name: {"name": name, "solutionArn": p["solution"]}),
    "Campaign": (CampaignProvider, lambda p, name: {"name": name, "solutionVersionArn": p["version"]}),
    "EventTracker": (EventTrackerProvider, lambda p, name: {"name": name, "datasetGroupArn": p["group"]}),
    "Filter": (
        FilterProvider,
        lambda p, name: {
            "name": name,
            "datasetGroupArn": p["group"],
            "filterExpression": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")',
        },
    ),
    "BatchInferenceJob": (
        BatchInferenceJobProvider,
        lambda p, name: {
            "jobName": name,
            "solutionVersionArn": p["version"],
            "roleArn": p["role"],
            "jobInput": {"s3DataSource": {"path": f"s3://{p['bucket']}/batch-input/each.jsonl"}},
            "jobOutput": {"s3DataDestination": {"path": f"s3://{p['bucket']}/batch-output/{name}/"}},
        },
    ),
    "Recommender": (
        RecommenderProvider,
        lambda p, name: {
            "name": name,
            "datasetGroupArn": p["domain"],
            "recipeArn": "arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-views",
        },
    ),
    "MetricAttribution": (
        MetricAttributionProvider,
        lambda p, name: {
            "name": name,
            "datasetGroupArn": p["group"],
            "metrics": [{"eventType": "click", "metricName": "clicks", "expression": "SAMPLECOUNT()"}],
            "metricsOutputConfig": {"roleArn": p["role"]},
        },
    ),
    "DatasetExportJob": (
        DatasetExportJobProvider,
        lambda p, name: {
            "jobName": name,
            "datasetArn": p["dataset"],
            "ingestionMode": "BULK",
            "roleArn": p["role"],
            "jobOutput": {"s3DataDestination": {"path": f"s3://{p['bucket']}/exports/{name}/"}},
        },
    ),
    "BatchSegmentJob": (
        BatchSegmentJobProvider,
        lambda p, name: {
            "jobName": name,
            "solutionVersionArn": p["affinity_version"],
            "roleArn": p["role"],
            "numResults": 3,
            "jobInput": {"s3DataSource": {"path": f"s3://{p['bucket']}/segment-input/each.jsonl"}},
            "jobOutput": {"s3DataDestination": {"path": f"s3://{p['bucket']}/segment-output/{name}/"}},
        },
    ),
}
# Jobs that run long and are billed: an `up` interrupted while one runs must not start it again.
JOBS = ["DatasetImportJob", "SolutionVersion", "BatchInferenceJob", "DatasetExportJob", "BatchSegmentJob"]
# A schema has no status: it is created at once or refused, never CREATE FAILED.
CAN_FAIL = [k for k in CASES if k != "Schema"]
# Long enough to miss a deadline of a twentieth of a second.
LONG = [
    "DatasetImportJob",
    "SolutionVersion",
    "Campaign",
    "BatchInferenceJob",
    "Recommender",
    "DatasetExportJob",
    "BatchSegmentJob",
]
# One tracker, one metric attribution, and one dataset of a type, per group: these cases get a group each.
OWN_GROUP = {"EventTracker", "Dataset", "MetricAttribution"}


@pytest.fixture(scope="module")
def users_schema(conn, parents):
    users = json.dumps(
        {
            "type": "record",
            "name": "Users",
            "namespace": "com.amazonaws.personalize.schema",
            "version": "1.0",
            "fields": [{"name": "USER_ID", "type": "string"}, {"name": "AGE", "type": ["null", "int"]}],
        }
    )
    parents["users_schema"], _ = create(SchemaProvider(), conn, name="each-users", schema=users)
    return parents


def props_for(kind, parents, conn, name):
    provider_class, build = CASES[kind]
    if kind in OWN_GROUP:
        parents = dict(parents, group=create(DatasetGroupProvider(), conn, name=f"{name}-group")[0])
    return provider_class, build(parents, name)


@pytest.mark.parametrize("kind", list(CASES))
def test_create_read_delete(kind, users_schema, conn):
    provider_class, props = props_for(kind, users_schema, conn, f"crd-{kind.lower()}")
    provider = provider_class()
    arn, outs = create(provider, conn, **props)
    assert outs["arn"] == arn and outs["status"] == "ACTIVE"
    read = provider.read(arn, outs)
    assert read.id == arn and provider.diff(arn, read.outs, read.inputs).changes is False
    provider.delete(arn, outs)
    if provider.spec.delete_op:
        assert provider.read(arn, outs).id is None
        provider.delete(arn, outs)  # gone already is deleted
    else:
        assert provider.read(arn, outs).id == arn  # the API keeps jobs and versions


# Every type, a solution version included: by its name (declared, or the one create gives it).
@pytest.mark.parametrize("kind", list(CASES))
def test_a_leftover_of_an_interrupted_run_is_adopted(kind, users_schema, conn):
    provider_class, props = props_for(kind, users_schema, conn, f"adopt-{kind.lower()}")
    first, _ = create(provider_class(), conn, **props)
    again, outs = create(provider_class(), conn, **props)
    assert again == first and outs["status"] == "ACTIVE"


@pytest.mark.parametrize("kind", CAN_FAIL)
def test_a_forced_failure_reports_the_service_reason(kind, users_schema, conn, personalize_local):
    name = f"fail-{kind.lower()}"
    provider_class, props = props_for(kind, users_schema, conn, name)
    provider = provider_class()
    # Where the API's description has no failureReason, there is none to report.
    has_reason = "failureReason" in provider.spec.described_members
    expected = f"injected failure of {name}" if has_reason else f"the service reports no reason for a {provider.kind}"
    set_faults(personalize_local, {"fail": {name: f"injected failure of {name}"}})
    try:
        with pytest.raises(ResourceFailed, match=f"CREATE FAILED: {expected}"):
            create(provider, conn, **props)
    finally:
        set_faults(personalize_local, None)


@pytest.mark.parametrize("kind", LONG)
def test_a_deadline_says_what_it_waited_for(kind, users_schema, conn):
    provider_class, props = props_for(kind, users_schema, conn, f"late-{kind.lower()}")
    hurried = dict(conn, waits={**conn["waits"], "createSeconds": 0.05})
    with pytest.raises(DeadlineExceeded, match=f"{provider_class.spec.kind} .* to become ACTIVE"):
        create(provider_class(), hurried, **props)


def interrupted_create(provider_class, conn, **props) -> str:
    """A create whose `up` stops waiting while the job runs (as a killed one
    does): the job goes on in the service, nothing is recorded; its ARN."""
    hurried = dict(conn, waits={**conn["waits"], "createSeconds": 0.05})
    with pytest.raises(DeadlineExceeded) as interrupted:
        create(provider_class(), hurried, **props)
    [arn] = re.findall(r"(arn:aws:personalize:\S+) to become", str(interrupted.value))
    return arn


@pytest.mark.parametrize("kind", JOBS)
def test_a_job_an_interrupted_create_left_running_is_adopted_and_waited_for(kind, users_schema, conn):
    provider_class, props = props_for(kind, users_schema, conn, f"resume-{kind.lower()}")
    running = interrupted_create(provider_class, conn, **props)
    assert provider_class().lifecycle(conn).status(running) in provider_class.spec.running
    again, outs = create(provider_class(), conn, **props)
    assert again == running and outs["status"] == "ACTIVE"


@pytest.fixture
def solution(conn, parents, request):
    """A solution of its own, so its versions are the test's alone."""
    arn, _ = create(
        SolutionProvider(),
        conn,
        name=f"resume-{request.node.name[5:40].replace('_', '-')}".rstrip("-"),
        datasetGroupArn=parents["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )
    return arn


def versions(aws, solution_arn: str) -> list[dict]:
    api = aws("personalize")
    return [
        api.describe_solution_version(solutionVersionArn=v["solutionVersionArn"])["solutionVersion"]
        for v in api.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]
    ]


def test_an_interrupted_first_update_training_is_adopted_once_active_not_followed_by_an_update(solution, conn, aws):
    # The program's way: no name declared, the data named by the triggers.
    props = {"solutionArn": solution, "trainingMode": "UPDATE", "triggers": {"datasetImportJobArn": "import-v1"}}
    running = interrupted_create(SolutionVersionProvider, conn, **props)  # the first UPDATE trains FULL
    SolutionVersionProvider().lifecycle(conn).wait_until_done(running)  # and ends while nobody waits

    again, outs = create(SolutionVersionProvider(), conn, **props)

    assert again == running and outs["trainedMode"] == "FULL"
    [only] = versions(aws, solution)
    assert only["name"] == version_name({**props, "trainingMode": "UPDATE"})


def test_new_data_trains_a_new_version(solution, conn, aws):
    first, _ = create(SolutionVersionProvider(), conn, solutionArn=solution, triggers={"datasetImportJobArn": "v1"})
    second, _ = create(SolutionVersionProvider(), conn, solutionArn=solution, triggers={"datasetImportJobArn": "v2"})
    assert second != first and len(versions(aws, solution)) == 2


def test_a_failed_training_is_not_adopted_and_trains_again_under_a_name_of_its_own(
    solution, conn, aws, personalize_local
):
    props = {"solutionArn": solution, "triggers": {"datasetImportJobArn": "v1"}}
    set_faults(personalize_local, {"fail": {solution: "injected failure"}})  # fails the solution's versions
    try:
        with pytest.raises(ResourceFailed, match="injected failure"):
            create(SolutionVersionProvider(), conn, **props)
    finally:
        set_faults(personalize_local, None)

    retried, outs = create(SolutionVersionProvider(), conn, **props)

    assert outs["status"] == "ACTIVE"
    by_arn = {v["solutionVersionArn"]: v for v in versions(aws, solution)}
    [failed] = [v for arn, v in by_arn.items() if arn != retried]
    checked = SolutionVersionProvider().check({}, {**conn, **props}).inputs
    assert failed["status"] == "CREATE FAILED" and failed["name"] == version_name(checked)
    assert by_arn[retried]["name"] == version_name(checked, attempt=2)
