"""An experiment served by a recommender, in an ECOMMERCE dataset group on the
emulator: `python -m serving recommend` asks the recommender (with the group's
filter), the unknown-user check reads the experiment's dataset version, and
`put-events --group` reaches the group's event tracker. The resources are
made with boto3, as the stack's providers would (issue 15's outputs)."""

import json
import time

import pytest

from serving.__main__ import main
from serving.client import Recommender
from serving.outputs import StackOutputs
from tests.helpers.data import INTERACTIONS_SCHEMA, interactions_csv
from tests.helpers.serving import NOT_THESE, publish_version

GROUP, EXPERIMENT = "shop", "for-you"
DATASET_VERSION = "shop-v1"
RECIPE = "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you"


def wait_active(describe, key: str, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        found = describe()[key]
        if found["status"] == "ACTIVE":
            return found
        assert "FAILED" not in found["status"], found
        assert time.monotonic() < deadline, f"still {found['status']}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def shop(seeded, aws, conn) -> dict:
    s3, p = aws("s3"), aws("personalize")
    # Recommended-for-you trains on 1000 or more View events (ECOMMERCE-use-cases.html).
    data = interactions_csv(rows=2000, seed=31, event_type="View")
    key = f"datasets/{DATASET_VERSION}/interactions.csv"
    publish_version(s3, seeded["bucket"], DATASET_VERSION, data)
    group = p.create_dataset_group(name=GROUP, domain="ECOMMERCE")["datasetGroupArn"]
    wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
    schema = p.create_schema(name=f"{GROUP}-interactions", schema=INTERACTIONS_SCHEMA, domain="ECOMMERCE")["schemaArn"]
    dataset = p.create_dataset(
        name=f"{GROUP}-interactions", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions"
    )["datasetArn"]
    wait_active(lambda: p.describe_dataset(datasetArn=dataset), "dataset")
    job = p.create_dataset_import_job(
        jobName=f"{GROUP}-{DATASET_VERSION}",
        datasetArn=dataset,
        roleArn=seeded["role"],
        dataSource={"dataLocation": f"s3://{seeded['bucket']}/{key}"},
    )["datasetImportJobArn"]
    wait_active(lambda: p.describe_dataset_import_job(datasetImportJobArn=job), "datasetImportJob")
    recommender = p.create_recommender(name=EXPERIMENT, datasetGroupArn=group, recipeArn=RECIPE)["recommenderArn"]
    not_these = p.create_filter(name=f"{GROUP}-not-these", datasetGroupArn=group, filterExpression=NOT_THESE)[
        "filterArn"
    ]
    tracker = p.create_event_tracker(name=GROUP, datasetGroupArn=group)
    described = wait_active(lambda: p.describe_recommender(recommenderArn=recommender), "recommender")
    wait_active(lambda: p.describe_filter(filterArn=not_these), "filter")
    wait_active(lambda: p.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"]), "eventTracker")
    outputs = {
        "bucket": seeded["bucket"],
        "personalizeRoleArn": seeded["role"],
        "connection": {"region": conn["region"], "endpoint": conn["endpoint"]},
        "experiments": {
            EXPERIMENT: {
                "datasetGroup": GROUP,
                "servedBy": "recommender",
                "datasetVersion": DATASET_VERSION,
                "recipe": "aws-ecomm-recommended-for-you",
                "dataPrefix": f"datasets/{DATASET_VERSION}/",
                "recommenderArn": recommender,
                "recommenderStatus": "ACTIVE",
                "metrics": described.get("modelMetrics") or {},
            }
        },
        "datasetGroups": {
            GROUP: {
                "datasetGroupArn": group,
                "datasetVersion": DATASET_VERSION,
                "domain": "ECOMMERCE",
                "datasets": {"interactions": {"datasetArn": dataset, "importJobArn": job, "importStatus": "ACTIVE"}},
                "filters": {"not-these": not_these},
                "eventTracker": True,
                "metricAttributionArn": None,
                "experiments": [EXPERIMENT],
            }
        },
        "promotions": {},
        f"{GROUP}TrackingId": tracker["trackingId"],
    }
    return {"outputs": outputs, "recommender": recommender}


@pytest.fixture
def cli(shop, tmp_path, capsys):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(shop["outputs"]))

    def run(*args):
        code = main([args[0], "--stack", "test", "--outputs-json", str(path), *args[1:]])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_recommend_asks_the_recommender(shop, cli, aws):
    code, out, err = cli("recommend", "--experiment", EXPERIMENT, "--user", "u3", "--num", "7", "--json")
    assert (code, err) == (0, "")
    printed = json.loads(out)
    direct = aws("personalize-runtime").get_recommendations(
        recommenderArn=shop["recommender"], userId="u3", numResults=7
    )
    assert [item["itemId"] for item in printed["items"]] == [item["itemId"] for item in direct["itemList"]]
    assert printed["recommenderArn"] == shop["recommender"] and len(printed["items"]) == 7


def test_the_groups_filter_applies_to_the_recommender(shop, cli):
    recommender = Recommender(StackOutputs("test", shop["outputs"]), EXPERIMENT)
    top = [item["itemId"] for item in recommender.recommend(user_id="u5", num_results=3)]
    code, out, err = cli(
        "recommend",
        "--experiment",
        EXPERIMENT,
        "--user",
        "u5",
        "--num",
        "10",
        "--filter",
        "not-these",
        *[f"--filter-value=ITEMS={item}" for item in top],
    )
    assert (code, err) == (0, "")
    shown = [line.split()[1] for line in out.strip().splitlines()[1:]]
    assert len(shown) == 10 and not set(top) & set(shown)
    # A filter of another group is not the recommender's.
    code, _, err = cli("recommend", "--experiment", EXPERIMENT, "--user", "u5", "--filter", "by-genre")
    assert code == 2 and "its filters: not-these" in err


def test_an_unknown_user_is_refused_unless_asked_for(cli):
    code, _, err = cli("recommend", "--experiment", EXPERIMENT, "--user", "stranger")
    assert code == 2 and f"no interactions in dataset version {DATASET_VERSION} of experiment {EXPERIMENT}" in err
    code, out, _ = cli("recommend", "--experiment", EXPERIMENT, "--user", "stranger", "--allow-unknown-users")
    assert code == 0 and len(out.strip().splitlines()) == 26


def test_put_events_by_group_and_by_experiment_reach_the_groups_tracker(cli, tmp_path, emulator):
    events = tmp_path / "events.csv"
    events.write_text(
        "USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nnewcomer,i3,click,1700000000\nnewcomer,i4,click,1700000001\n"
    )
    before = emulator.calls.get("PutEvents", 0)
    for target in (["--group", GROUP], ["--experiment", EXPERIMENT]):
        code, out, err = cli("put-events", *target, "--file", str(events))
        assert (code, err) == (0, ""), err
        assert "sent 2 events to the event tracker of" in out and GROUP in out
    assert emulator.calls["PutEvents"] - before == 2
