"""Each provider against personalize-local, called the way the engine calls it:
check, then create/read/update/delete with the checked inputs."""

import json
import re
import threading

import boto3
import pytest

from providers.batch_inference_job import BatchInferenceJobProvider
from providers.campaign import CampaignProvider
from providers.dataset import DatasetProvider
from providers.dataset_group import DatasetGroupProvider
from providers.dataset_import_job import DatasetImportJobProvider
from providers.event_tracker import EventTrackerProvider
from providers.filter import FilterProvider
from providers.lifecycle import ResourceFailed
from providers.schema import SchemaProvider
from providers.solution import SolutionProvider
from providers.solution_version import SolutionVersionProvider
from service.waiting import DeadlineExceeded
from tests.helpers.data import INTERACTIONS_SCHEMA
from tests.helpers.provider_fixtures import CONN_WAITS, seed, start_local
from tests.helpers.providers import create, get_faults, interactions_group, set_faults, update

# The module's emulator is one account for every test here, and many tests
# build a dataset group of their own that stays: more than the documented 5
# active dataset groups per region, so the account runs with a raised quota,
# as one with an increase would.
EMULATOR_QUOTAS = {"activeDatasetGroups": 20}


def build_chain(conn, seeded, name: str, recipe: str = "aws-popularity-count") -> dict:
    """group > schema > dataset > import v1 > solution > version > campaign, all named `name`."""
    ids = interactions_group(conn, name)
    ids["import"], ids["import_outs"] = create(
        DatasetImportJobProvider(),
        conn,
        jobName=f"{name}-v1",
        datasetArn=ids["dataset"],
        roleArn=seeded["role"],
        dataSource={"dataLocation": f"s3://{seeded['bucket']}/datasets/v1/interactions.csv"},
    )
    ids["solution"], ids["solution_outs"] = create(
        SolutionProvider(),
        conn,
        name=name,
        datasetGroupArn=ids["group"],
        recipeArn=f"arn:aws:personalize:::recipe/{recipe}",
    )
    ids["version"], ids["version_outs"] = create(
        SolutionVersionProvider(), conn, solutionArn=ids["solution"], triggers={"datasetImportJobArn": ids["import"]}
    )
    ids["campaign"], ids["campaign_outs"] = create(
        CampaignProvider(), conn, name=name, solutionVersionArn=ids["version"], minProvisionedTPS=1
    )
    return ids


@pytest.fixture(scope="module")
def chain(conn, seeded):
    """One chain the tests only read or add children to; a test that changes a
    resource of a chain builds its own (`own_chain`)."""
    return build_chain(conn, seeded, "chain")


@pytest.fixture
def own_chain(conn, seeded, request):
    """A chain of this test's own, named after the test."""
    return build_chain(conn, seeded, re.sub(r"[^a-z0-9]+", "-", request.node.name.removeprefix("test_"))[:40])


@pytest.fixture
def own_emulator(tmp_path):
    """An emulator of this test's own, for a test that checks it is left empty."""
    handle = start_local(tmp_path / "emulator")
    yield handle
    handle.stop()


def test_chain_is_active_with_real_arns_and_metrics(chain, aws):
    assert chain["group"].endswith(":dataset-group/chain")
    assert chain["dataset"].endswith(":dataset/chain/INTERACTIONS")
    assert chain["import_outs"]["status"] == "ACTIVE"
    metrics = chain["version_outs"]["metrics"]
    assert 0 <= metrics["coverage"] <= 1 and "normalized_discounted_cumulative_gain_at_10" in metrics
    assert chain["solution_outs"]["performAutoTraining"] is False
    described = aws("personalize").describe_solution(solutionArn=chain["solution"])["solution"]
    assert described["performAutoTraining"] is False
    assert chain["campaign_outs"]["status"] == "ACTIVE"


def test_read_returns_outputs_and_the_declared_inputs(chain, conn):
    provider = CampaignProvider()
    read = provider.read(chain["campaign"], chain["campaign_outs"])
    assert read.id == chain["campaign"]
    assert read.outs["solutionVersionArn"] == chain["version"]
    assert provider.diff(read.id, read.outs, read.inputs).changes is False


def test_campaign_tps_changes_in_place_and_waits_for_the_update(own_chain, aws):
    provider = CampaignProvider()
    outs = update(provider, own_chain["campaign_outs"], minProvisionedTPS=3)
    described = aws("personalize").describe_campaign(campaignArn=own_chain["campaign"])["campaign"]
    assert described["campaignArn"] == own_chain["campaign"]
    assert described["minProvisionedTPS"] == 3
    assert described["latestCampaignUpdate"]["status"] == "ACTIVE"
    assert outs["latestCampaignUpdate"]["minProvisionedTPS"] == 3


def test_campaign_serves_a_new_solution_version_in_place(own_chain, conn, aws, seeded):
    new_import, _ = create(
        DatasetImportJobProvider(),
        conn,
        jobName=f"{own_chain['import_outs']['jobName']}-v2",
        datasetArn=own_chain["dataset"],
        roleArn=seeded["role"],
        dataSource={"dataLocation": f"s3://{seeded['bucket']}/datasets/v2/interactions.csv"},
    )
    new_version, _ = create(
        SolutionVersionProvider(), conn, solutionArn=own_chain["solution"], triggers={"datasetImportJobArn": new_import}
    )
    outs = update(CampaignProvider(), own_chain["campaign_outs"], solutionVersionArn=new_version)
    assert outs["arn"] == own_chain["campaign"]
    assert (
        aws("personalize").describe_campaign(campaignArn=own_chain["campaign"])["campaign"]["solutionVersionArn"]
        == new_version
    )


def test_drift_out_of_band_is_seen_by_read(own_chain, aws, conn):
    api = aws("personalize")
    api.update_campaign(campaignArn=own_chain["campaign"], minProvisionedTPS=7)
    provider = CampaignProvider()
    # Reading while the service still applies the change is fine; wait so the value is settled.
    provider.lifecycle(conn).wait_for_update(own_chain["campaign"])
    read = provider.read(own_chain["campaign"], own_chain["campaign_outs"])
    assert read.inputs["minProvisionedTPS"] == 7
    declared = provider.check({}, {**own_chain["campaign_outs"], "minProvisionedTPS": 3}).inputs
    diff = provider.diff(own_chain["campaign"], read.outs, declared)
    assert diff.changes and diff.replaces == []


def test_read_sees_an_undeclared_campaign_config_key_only_once_it_leaves_its_default(conn, seeded, aws):
    """#13, finding 4: a campaign declared without campaignConfig; what the
    service holds by default is no drift, an out-of-band explorationWeight is."""
    ids = build_chain(conn, seeded, "undeclared-config", recipe="aws-user-personalization")
    arn, declared, api = ids["campaign"], ids["campaign_outs"], aws("personalize")
    provider = CampaignProvider()
    assert provider.read(arn, declared).inputs.get("campaignConfig") is None

    # The real service describes the defaults it uses; they are what was asked for.
    defaults = {
        "itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"},
        "enableMetadataWithRecommendations": False,
        "syncWithLatestSolutionVersion": False,
    }
    api.update_campaign(campaignArn=arn, campaignConfig=defaults)
    provider.lifecycle(conn).wait_for_update(arn)
    read = provider.read(arn, declared)
    assert read.inputs.get("campaignConfig") is None
    assert provider.diff(arn, read.outs, declared).changes is False

    api.update_campaign(campaignArn=arn, campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.9"}})
    provider.lifecycle(conn).wait_for_update(arn)
    read = provider.read(arn, declared)
    assert read.inputs["campaignConfig"] == {"itemExplorationConfig": {"explorationWeight": "0.9"}}
    diff = provider.diff(arn, read.outs, declared)
    assert diff.changes and diff.replaces == []

    outs = provider.update(arn, read.outs, declared).outs
    described = api.describe_campaign(campaignArn=arn)["campaign"]
    assert described["campaignConfig"]["itemExplorationConfig"]["explorationWeight"] == "0.3"
    assert provider.read(arn, outs).inputs.get("campaignConfig") is None


def test_solution_auto_training_updates_in_place(own_chain, aws):
    outs = update(
        SolutionProvider(),
        own_chain["solution_outs"],
        performAutoTraining=True,
        solutionConfig={"autoTrainingConfig": {"schedulingExpression": "rate(7 days)"}},
    )
    described = aws("personalize").describe_solution(solutionArn=own_chain["solution"])["solution"]
    assert described["performAutoTraining"] is True
    assert outs["arn"] == own_chain["solution"]


def test_create_adopts_a_leftover_with_the_same_settings(chain, conn):
    adopted, _ = create(DatasetGroupProvider(), conn, name="chain")
    assert adopted == chain["group"]


def test_a_name_held_with_other_settings_gives_the_new_one_its_replacement_name(chain, conn):
    """#13, finding 1: a replacement under the held name had to delete the old one
    first, and lost both when its create failed. It now takes a name of its own,
    and a second attempt (an interrupted run) adopts it."""
    provider = DatasetGroupProvider()
    replacement, outs = create(provider, conn, name="chain", domain="ECOMMERCE")
    try:
        assert replacement != chain["group"] and replacement.split("/")[-1].startswith("chain-")
        assert outs["name"] == "chain"  # the declared name stays the input: no diff at the next preview
        assert provider.read(replacement, outs).inputs["name"] == "chain"
        assert create(provider, conn, name="chain", domain="ECOMMERCE")[0] == replacement
        assert provider.lifecycle(conn).describe(chain["group"])["status"] == "ACTIVE"  # the old one untouched
    finally:
        provider.delete(replacement, outs)


def test_a_name_held_in_another_dataset_group_gives_the_new_one_its_replacement_name(chain, conn):
    """Solution names are unique in the account, not in a group: moving an
    experiment into a shared group replaces its solution by one in the new group
    under the same name, which the list of the new group does not find."""
    other = interactions_group(conn, "chain-shared")
    provider = SolutionProvider()
    props = {
        "name": "chain",
        "datasetGroupArn": other["group"],
        "recipeArn": "arn:aws:personalize:::recipe/aws-popularity-count",
    }
    replacement, outs = create(provider, conn, **props)
    try:
        assert replacement != chain["solution"] and replacement.split("/")[-1].startswith("chain-")
        assert create(provider, conn, **props)[0] == replacement  # an interrupted run adopts it
        assert provider.lifecycle(conn).describe(chain["solution"])["status"] == "ACTIVE"  # the old one untouched
    finally:
        provider.delete(replacement, outs)


def test_where_the_service_allows_one_a_held_place_is_refused(chain, conn):
    # One Interactions dataset per group: its replacement waits for the old one to go.
    other, _ = create(
        SchemaProvider(),
        conn,
        name="chain-interactions-other",
        schema=INTERACTIONS_SCHEMA.replace('{"name": "EVENT_TYPE", "type": "string"}, ', ""),
        datasetType="Interactions",
    )
    with pytest.raises(ResourceFailed, match="already exists with other settings.*schemaArn"):
        create(
            DatasetProvider(),
            conn,
            name="chain-interactions",
            datasetType="Interactions",
            datasetGroupArn=chain["group"],
            schemaArn=other,
        )


def test_a_delete_never_removes_a_replacement_created_under_the_same_arn(own_chain, conn, aws):
    """#13, finding 1: after a failed delete-before-replace, the engine creates the
    replacement and then deletes "the original" under the same ARN: the
    resource the new state holds. The delete now compares creation times."""
    provider = EventTrackerProvider()
    arn, old = create(provider, conn, name="tracked", datasetGroupArn=own_chain["group"])
    provider.delete(arn, old)
    again, new = create(provider, conn, name="tracked", datasetGroupArn=own_chain["group"])
    assert new["creationDateTime"] != old["creationDateTime"]
    provider.delete(again, {**old, "arn": again})  # "the original", as the engine has it
    assert provider.lifecycle(conn).describe(again) is not None
    provider.delete(again, new)
    assert provider.lifecycle(conn).describe(again) is None


def test_adopt_arn_takes_over_an_existing_resource(own_chain, conn):
    arn, outs = create(
        CampaignProvider(),
        conn,
        name=own_chain["campaign_outs"]["name"],
        solutionVersionArn=own_chain["campaign_outs"]["solutionVersionArn"],
        minProvisionedTPS=own_chain["campaign_outs"]["minProvisionedTPS"],
        adoptArn=own_chain["campaign"],
    )
    assert arn == own_chain["campaign"] and outs["status"] == "ACTIVE"


def test_event_tracker_outputs_its_tracking_id(chain, conn):
    arn, outs = create(EventTrackerProvider(), conn, name="chain", datasetGroupArn=chain["group"])
    assert ":event-tracker/" in arn and outs["trackingId"]


def test_filter_is_created_and_replaced_on_a_new_expression(chain, conn):
    provider = FilterProvider()
    arn, outs = create(
        provider,
        conn,
        name="chain-no-purchases",
        datasetGroupArn=chain["group"],
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
    )
    assert outs["status"] == "ACTIVE"
    news = provider.check(
        outs, {**outs, "filterExpression": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")'}
    ).inputs
    assert provider.diff(arn, outs, news).replaces == ["filterExpression"]


def test_batch_inference_job_writes_results_and_cannot_be_deleted(chain, conn, seeded, aws):
    s3 = aws("s3")
    s3.put_object(
        Bucket=seeded["bucket"],
        Key="batch-input/users.json",
        Body="\n".join(json.dumps({"userId": f"u{i}"}) for i in range(5)).encode(),
    )
    provider = BatchInferenceJobProvider()
    arn, outs = create(
        provider,
        conn,
        jobName="chain-batch",
        solutionVersionArn=chain["version"],
        roleArn=seeded["role"],
        jobInput={"s3DataSource": {"path": f"s3://{seeded['bucket']}/batch-input/users.json"}},
        jobOutput={"s3DataDestination": {"path": f"s3://{seeded['bucket']}/batch-output/"}},
        numResults=5,
    )
    assert outs["status"] == "ACTIVE"
    body = s3.get_object(Bucket=seeded["bucket"], Key="batch-output/users.json.out")["Body"].read().decode()
    assert len(body.strip().splitlines()) == 5
    provider.delete(arn, outs)  # a no-op: the API has no delete
    assert provider.read(arn, outs).id == arn


def test_import_of_missing_data_is_refused_before_the_service_starts_it(chain, conn, seeded, aws):
    # It would fail minutes later in the service (CREATE FAILED); the check and create refuse it first.
    missing = f"s3://{seeded['bucket']}/datasets/none/interactions.csv"
    props = {
        **conn,
        "jobName": "chain-missing",
        "datasetArn": chain["dataset"],
        "roleArn": seeded["role"],
        "dataSource": {"dataLocation": missing},
    }
    [failure] = DatasetImportJobProvider().check({}, props).failures
    assert f"{missing} holds no data to import: dataset version none is not exported" in failure.reason
    with pytest.raises(ResourceFailed, match="holds no data to import"):
        DatasetImportJobProvider().create(props)
    jobs = aws("personalize").list_dataset_import_jobs(datasetArn=chain["dataset"])["datasetImportJobs"]
    assert "chain-missing" not in {j["jobName"] for j in jobs}


def test_deadline_exceeded_says_what_it_waited_for(chain, conn):
    short = dict(conn, waits={**conn["waits"], "createSeconds": 0.2})
    with pytest.raises(DeadlineExceeded, match="solution version .* to become ACTIVE"):
        create(SolutionVersionProvider(), short, solutionArn=chain["solution"], triggers={"attempt": "short"})


def test_group_delete_waits_for_its_children_then_everything_is_gone(own_emulator):
    """Deleting in the order the service demands, with the group's delete retried
    while its children are still going away."""
    conn = {**CONN_WAITS, "endpoint": own_emulator.endpoint}
    aws = lambda service: boto3.client(service, endpoint_url=own_emulator.endpoint, region_name="us-east-1")
    seeded = seed(aws)
    chain = build_chain(conn, seeded, "chain")
    chain["tracker"], _ = create(EventTrackerProvider(), conn, name="chain", datasetGroupArn=chain["group"])
    chain["filter"], _ = create(
        FilterProvider(),
        conn,
        name="chain-no-purchases",
        datasetGroupArn=chain["group"],
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
    )
    for provider_class, key in (
        (CampaignProvider, "campaign"),
        (EventTrackerProvider, "tracker"),
        (FilterProvider, "filter"),
    ):
        provider_class().delete(chain[key], conn)
    SolutionProvider().delete(chain["solution"], conn)

    group_deleted = threading.Event()

    def delete_group():
        DatasetGroupProvider().delete(chain["group"], conn)
        group_deleted.set()

    deleter = threading.Thread(target=delete_group)
    deleter.start()
    DatasetProvider().delete(chain["dataset"], conn)  # only now can the group go
    deleter.join(timeout=120)
    assert group_deleted.is_set()
    SchemaProvider().delete(chain["schema"], conn)

    api = aws("personalize")
    assert api.list_dataset_groups()["datasetGroups"] == []
    assert [s for s in api.list_schemas()["schemas"] if s["name"].startswith("chain")] == []
    assert DatasetGroupProvider().read(chain["group"], conn).id is None
    DatasetGroupProvider().delete(chain["group"], conn)  # not found is deleted


def test_throttling_is_retried_until_the_resource_is_created(conn, emulator):
    # The next four control-plane calls are throttled: botocore's adaptive retries carry on.
    set_faults(emulator, {"throttle": {"count": 4}})
    try:
        arn, outs = create(DatasetGroupProvider(), conn, name="throttled")
        assert outs["status"] == "ACTIVE"
        assert get_faults(emulator)["throttle"]["count"] == 0  # every throttle was met and retried
        assert DatasetGroupProvider().read(arn, outs).id == arn
        DatasetGroupProvider().delete(arn, outs)
    finally:
        set_faults(emulator, None)
    assert DatasetGroupProvider().read(arn, conn).id is None


def test_a_forced_create_failure_reports_the_reason_and_leaves_nothing(conn, emulator, aws):
    set_faults(emulator, {"fail": {"doomed": "Insufficient capacity for this dataset group"}})
    try:
        with pytest.raises(ResourceFailed, match="CREATE FAILED: Insufficient capacity for this dataset group"):
            create(DatasetGroupProvider(), conn, name="doomed")
    finally:
        set_faults(emulator, None)
    # The failed group is deleted (or on its way out): a later `up` can create it afresh.
    failed = (
        DatasetGroupProvider()
        .lifecycle(conn)
        .describe("arn:aws:personalize:us-east-1:123456789012:dataset-group/doomed")
    )
    assert failed is None or failed["status"].startswith("DELETE")
