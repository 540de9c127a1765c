"""A dataset group shared by experiments (issue 15), through the real engine
against personalize-local: the data is imported once for all of them, an
experiment added to the group touches nothing else, events sent to the group's
tracker reach every experiment's next training, a new version with a
compatible Items schema moves the dataset in place, an incompatible one and a
stack over a quota fail the preview before anything is touched."""

import pytest
import yaml
from pulumi import automation as auto

from prep.config import load_config
from prep.pipeline import prepare
from tests.helpers.data import interactions_csv, shoppers_buy_new_items
from tests.helpers.engine import planned
from tests.helpers.roles import personalize_role

pytestmark = pytest.mark.engine

BUCKET = "shared-group-data"


def export(work, version, endpoint, item_columns, event_value=False):
    """A version with interactions and items; `item_columns` maps the items' columns to
    their cast. `event_value`: the interactions carry an EVENT_VALUE column too."""
    raw = interactions_csv(rows=1500, seed=4, skew=1.1).decode().splitlines()
    if event_value:
        raw = [raw[0] + ",EVENT_VALUE", *(line + ",1.0" for line in raw[1:])]
    (work / "raw.csv").write_text("\n".join(raw) + "\n")
    items = sorted({line.split(",")[1] for line in (work / "raw.csv").read_text().splitlines()[1:]})
    header = ["ITEM_ID", *item_columns]
    rows = [",".join([item, *("1.5" if c == "PRICE" else "red" for c in item_columns)]) for item in items]
    (work / "items.csv").write_text("\n".join([",".join(header), *rows]) + "\n")
    columns = ("USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP", *(("EVENT_VALUE",) if event_value else ()))
    config = {
        "name": "shared",
        "holdout": {"days": 7},
        "interactions": {
            "sources": [{"kind": "csv", "path": str(work / "raw.csv")}],
            "mapping": {name: {"column": name} for name in columns},
        },
        "items": {
            "sources": [{"kind": "csv", "path": str(work / "items.csv")}],
            "mapping": {
                "ITEM_ID": {"column": "ITEM_ID"},
                **{
                    c: {"column": c, **({"cast": "float"} if c == "PRICE" else {"categorical": True})}
                    for c in item_columns
                },
            },
        },
    }
    (work / "dataset.yaml").write_text(yaml.safe_dump(config))
    prepare(load_config(str(work / "dataset.yaml")), version, f"s3://{BUCKET}", s3_endpoint=endpoint)


@pytest.fixture(scope="module")
def role(aws, emulator, tmp_path_factory):
    aws("s3").create_bucket(Bucket=BUCKET)
    # g2 adds a column (compatible); g3 drops PRICE (incompatible: every old field must stay).
    # g4 adds EVENT_VALUE to the interactions, whose schema cannot be replaced.
    for version, columns in (("g1", ["PRICE"]), ("g2", ["PRICE", "COLOR"]), ("g3", ["COLOR"])):
        export(tmp_path_factory.mktemp(version), version, emulator.endpoint, columns)
    export(tmp_path_factory.mktemp("g4"), "g4", emulator.endpoint, ["PRICE", "COLOR"], event_value=True)
    return personalize_role(aws("iam"), aws("s3"), "shared-personalize", BUCKET)


def config(emulator, role, version="g1", experiments=("popular", "related"), **more):
    recipes = {"popular": "aws-popularity-count", "related": "aws-sims", "ranked": "aws-personalized-ranking"}
    return {
        "connection": {"region": "us-east-1", "endpoint": emulator.endpoint},
        "storage": {"bucketName": BUCKET, "roleArn": role},
        "waits": {"initialPollSeconds": 0.05, "maxPollSeconds": 0.5},
        "promotion": {"minImprovement": -1.0},
        "datasetGroups": [{"name": "retail", "datasetVersion": version, "eventTracker": True}],
        "experiments": [{"name": n, "recipe": recipes[n], "datasetGroup": "retail"} for n in experiments],
        **more,
    }


def tagged_resources(stack, api) -> dict[str, dict]:
    """The service's tags of every resource in the state that takes tags, by ARN."""
    found = {}
    for resource in stack.export_stack().deployment["resources"]:
        arn = (resource.get("outputs") or {}).get("arn")
        if "tags" in (resource.get("inputs") or {}) and str(arn).startswith("arn:aws:personalize:"):
            listed = api.list_tags_for_resource(resourceArn=arn)["tags"]
            found[arn] = {t["tagKey"]: t["tagValue"] for t in listed}
    return found


def learned_new_items(aws, experiment: str, campaign: str) -> bool:
    """Whether the campaign's model knows the items only the tracker's events hold."""
    runtime = aws("personalize-runtime")
    if experiment == "related":  # related items of one new item: the other
        try:
            listed = runtime.get_recommendations(campaignArn=campaign, itemId="new-a", numResults=25)
        except runtime.exceptions.InvalidInputException:  # an item the model never saw
            return False
        return "new-b" in {i["itemId"] for i in listed["itemList"]}
    if experiment == "ranked":  # a buyer of both ranks them above what they never bought
        ranked = runtime.get_personalized_ranking(
            campaignArn=campaign, userId="shopper0", inputList=["i0", "i1", "new-a"]
        )["personalizedRanking"]
        return ranked[0]["itemId"] == "new-a"
    listed = runtime.get_recommendations(campaignArn=campaign, userId="shopper0", numResults=25)
    return {"new-a", "new-b"} <= {i["itemId"] for i in listed["itemList"]}


def test_a_group_shared_by_experiments(make_program_stack, emulator, role, aws):
    stack = make_program_stack("shared", config(emulator, role))
    up = stack.up()
    api = aws("personalize")
    [group] = [g for g in api.list_dataset_groups()["datasetGroups"] if g["name"] == "shared-retail"]
    jobs = [
        job
        for dataset in api.list_datasets(datasetGroupArn=group["datasetGroupArn"])["datasets"]
        for job in api.list_dataset_import_jobs(datasetArn=dataset["datasetArn"])["datasetImportJobs"]
    ]
    # One import per dataset (interactions, items), whatever the number of experiments.
    assert len(jobs) == 2
    trackers = api.list_event_trackers(datasetGroupArn=group["datasetGroupArn"])["eventTrackers"]
    assert len(trackers) == 1 and up.outputs["retailTrackingId"].secret
    solutions = api.list_solutions(datasetGroupArn=group["datasetGroupArn"])["solutions"]
    assert sorted(s["name"].split("-")[1] for s in solutions) == ["popular", "related"]
    assert up.outputs["datasetGroups"].value["retail"]["experiments"] == ["popular", "related"]
    stack.preview(expect_no_changes=True)

    # A third experiment: its own resources are created, nothing else changes.
    make_program_stack("shared", config(emulator, role, experiments=("popular", "related", "ranked")))
    plan = planned(stack, by="name")
    assert plan and set(plan.values()) == {"create"}, plan
    assert all(name.startswith("ranked") for name in plan), plan
    stack.up()

    # A tag for the whole stack: every taggable resource is updated in place. The
    # resources naming the group, its datasets and imports are not replaced in the
    # preview either (they name them by id, which an in-place update keeps known).
    make_program_stack(
        "shared", config(emulator, role, experiments=("popular", "related", "ranked"), tags={"team": "recs"})
    )
    plan = planned(stack, by="name")
    assert "retail-group" in plan and set(plan.values()) == {"update"}, plan
    assert stack.up().summary.resource_changes.get("replace") is None
    tagged = tagged_resources(stack, api)
    assert all(t.get("team") == "recs" and t["personalize-pulumi:stack"] == "shared" for t in tagged.values()), tagged
    kinds = {arn.split(":")[5].split("/")[0] for arn in tagged}
    assert {"dataset-group", "dataset", "dataset-import-job", "event-tracker", "solution", "campaign"} <= kinds

    # A tag removed out of band is drift: refresh records it, the next up puts it back.
    campaign = stack.outputs()["experiments"].value["popular"]["campaignArn"]
    api.untag_resource(resourceArn=campaign, tagKeys=["team"])
    assert stack.refresh().summary.resource_changes.get("update") == 1
    assert planned(stack, by="name") == {"popular-campaign": "update"}
    stack.up()
    assert tagged_resources(stack, api)[campaign]["team"] == "recs"
    stack.preview(expect_no_changes=True)

    # The application's events, sent to the group's one tracker: 40 new shoppers each buy
    # two items no version has seen yet. Before the next training no experiment knows them.
    tracking_id = stack.outputs()["retailTrackingId"].value
    events = aws("personalize-events")
    shoppers_buy_new_items(events, tracking_id)
    campaigns = {name: e["campaignArn"] for name, e in stack.outputs()["experiments"].value.items()}
    assert not any(learned_new_items(aws, name, arn) for name, arn in campaigns.items())

    # A new version adding a nullable item column: the Items dataset moves to the new schema in place.
    make_program_stack(
        "shared",
        config(emulator, role, version="g2", experiments=("popular", "related", "ranked"), tags={"team": "recs"}),
    )
    plan = planned(stack, by="name")
    assert plan["retail-items"] == "update" and plan["retail-schema-items"] == "replace"
    # Same interactions columns: that schema and dataset stay; their import of the new version is new.
    assert "retail-schema-interactions" not in plan and "retail-interactions" not in plan
    assert plan["retail-interactions-import"] == "replace"
    stack.up()
    items = next(
        d
        for d in api.list_datasets(datasetGroupArn=group["datasetGroupArn"])["datasets"]
        if d["datasetType"] == "ITEMS"
    )
    schema_arn = api.describe_dataset(datasetArn=items["datasetArn"])["dataset"]["schemaArn"]
    fields = api.describe_schema(schemaArn=schema_arn)["schema"]["schema"]
    assert "COLOR" in fields
    stack.preview(expect_no_changes=True)
    # Every experiment retrained on the new version and on the recorded events (a FULL
    # import replaces only the bulk records), and its campaign now serves what they taught.
    assert {name for name, arn in campaigns.items() if learned_new_items(aws, name, arn)} == set(campaigns)

    # A new Interactions schema (EVENT_VALUE added): the service cannot replace it, nor
    # delete the dataset while the group serves, so the preview refuses it and says the way out.
    make_program_stack(
        "shared",
        config(emulator, role, version="g4", experiments=("popular", "related", "ranked"), tags={"team": "recs"}),
    )
    with pytest.raises(auto.CommandError) as failed:
        stack.preview()
    assert "EVENT_VALUE added" in str(failed.value) and "dataset group of its own" in str(failed.value)

    # A version that drops PRICE: the preview fails naming the field, and nothing changes.
    make_program_stack("shared", config(emulator, role, version="g3", experiments=("popular", "related", "ranked")))
    with pytest.raises(auto.CommandError) as failed:
        stack.preview()
    assert "field PRICE is gone" in str(failed.value)

    # Over a quota: the preview names it.
    make_program_stack(
        "shared",
        config(
            emulator, role, version="g2", experiments=("popular", "related", "ranked"), quotas={"activeSolutions": 2}
        ),
    )
    with pytest.raises(auto.CommandError) as failed:
        stack.preview()
    assert "Total number of active solutions" in str(failed.value)

    make_program_stack("shared", config(emulator, role, version="g2", experiments=("popular", "related", "ranked")))
    stack.destroy()
    assert not [g for g in api.list_dataset_groups()["datasetGroups"] if g["name"] == "shared-retail"]
