"""What each resource's diff asks the engine for, without calling the service:
replace exactly where the API cannot update, in place where it can."""

import json

import pytest
from pulumi.output import Unknown

from providers.campaign import CampaignProvider
from providers.dataset import DatasetProvider
from providers.dataset_group import DatasetGroupProvider
from providers.dataset_import_job import DatasetImportJobProvider
from providers.event_tracker import EventTrackerProvider
from providers.filter import FilterProvider
from providers.lifecycle import UNKNOWN
from providers.schema import SchemaProvider
from providers.solution import SolutionProvider
from providers.solution_version import SolutionVersionProvider

ARN = "arn:aws:personalize:us-east-1:123456789012"
SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Interactions",
        "namespace": "com.amazonaws.personalize.schema",
        "version": "1.0",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "ITEM_ID", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"},
        ],
    }
)

BASE = {
    CampaignProvider: {"name": "c", "solutionVersionArn": f"{ARN}:solution/s/aaaa1111", "minProvisionedTPS": 1},
    DatasetGroupProvider: {"name": "g"},
    DatasetProvider: {
        "name": "d",
        "datasetType": "Items",
        "datasetGroupArn": f"{ARN}:dataset-group/g",
        "schemaArn": f"{ARN}:schema/s1",
    },
    DatasetImportJobProvider: {
        "jobName": "j",
        "datasetArn": f"{ARN}:dataset/g/INTERACTIONS",
        "dataSource": {"dataLocation": "s3://b/v1/"},
    },
    SolutionProvider: {
        "name": "s",
        "datasetGroupArn": f"{ARN}:dataset-group/g",
        "recipeArn": "arn:aws:personalize:::recipe/aws-sims",
    },
    SolutionVersionProvider: {"solutionArn": f"{ARN}:solution/s"},
    EventTrackerProvider: {"name": "t", "datasetGroupArn": f"{ARN}:dataset-group/g"},
    FilterProvider: {
        "name": "f",
        "datasetGroupArn": f"{ARN}:dataset-group/g",
        "filterExpression": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
    },
    SchemaProvider: {"name": "s1", "schema": SCHEMA},
}


@pytest.fixture(autouse=True)
def no_location_reads(monkeypatch):
    """Plans only: an import's check reads its data location from S3, which these
    tests do not have (tests/providers/test_import_location.py covers that read)."""
    monkeypatch.setattr("providers.dataset_import_job.empty_location", lambda props: None)


def plan(provider_class, change: dict):
    provider = provider_class()
    olds = provider.check({}, BASE[provider_class]).inputs
    assert provider.check({}, BASE[provider_class]).failures == []
    news = provider.check(olds, {**BASE[provider_class], **change}).inputs
    result = provider.diff("arn", {**olds, "arn": "arn", "status": "ACTIVE"}, news)
    return result.changes, sorted(result.replaces), result.delete_before_replace


@pytest.mark.parametrize(
    "provider_class, change, expected",
    [
        (CampaignProvider, {"minProvisionedTPS": 5}, (True, [], False)),
        (CampaignProvider, {"solutionVersionArn": f"{ARN}:solution/s/bbbb2222"}, (True, [], False)),
        (
            CampaignProvider,
            {"campaignConfig": {"itemExplorationConfig": {"explorationWeight": "0.5"}}},
            (True, [], False),
        ),
        (CampaignProvider, {"name": "c2"}, (True, ["name"], False)),
        (CampaignProvider, {"region": "eu-west-1"}, (True, ["region"], False)),
        (CampaignProvider, {"endpoint": "http://127.0.0.1:1", "waits": {"updateSeconds": 5}}, (False, [], False)),
        (CampaignProvider, {"tags": [{"tagKey": "team", "tagValue": "recs"}]}, (True, [], False)),
        (DatasetGroupProvider, {"domain": "ECOMMERCE"}, (True, ["domain"], False)),
        (DatasetProvider, {"schemaArn": f"{ARN}:schema/s2"}, (True, [], False)),
        (DatasetImportJobProvider, {"dataSource": {"dataLocation": "s3://b/v2/"}}, (True, ["dataSource"], False)),
        (
            DatasetImportJobProvider,
            {"jobName": "j2", "dataSource": {"dataLocation": "s3://b/v2/"}},
            (True, ["dataSource", "jobName"], False),
        ),
        (SolutionProvider, {"performAutoTraining": True}, (True, [], False)),
        (
            SolutionProvider,
            {"solutionConfig": {"autoTrainingConfig": {"schedulingExpression": "rate(7 days)"}}},
            (True, [], False),
        ),
        (SolutionProvider, {"solutionConfig": {"eventValueThreshold": "0.5"}}, (True, ["solutionConfig"], False)),
        (
            SolutionProvider,
            {"recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization"},
            (True, ["recipeArn"], False),
        ),
        (SolutionVersionProvider, {"triggers": {"datasetVersion": "v2"}}, (True, ["triggers"], False)),
        (SolutionVersionProvider, {"trainingMode": "UPDATE"}, (True, ["trainingMode"], False)),
        # One tracker per group: a new one in the same group waits for the old one to go.
        (EventTrackerProvider, {"name": "t2"}, (True, ["name"], True)),
        (EventTrackerProvider, {"datasetGroupArn": f"{ARN}:dataset-group/g2"}, (True, ["datasetGroupArn"], False)),
        (EventTrackerProvider, {"region": "eu-west-1"}, (True, ["region"], False)),
        (
            FilterProvider,
            {"filterExpression": 'INCLUDE ItemID WHERE Items.GENRE IN ("x")'},
            (True, ["filterExpression"], False),
        ),
        (SchemaProvider, {"schema": SCHEMA.replace('"long"', '"int"')}, (True, ["schema"], False)),
        (SchemaProvider, {"schema": json.dumps(json.loads(SCHEMA), indent=4)}, (False, [], False)),
    ],
)
def test_plan(provider_class, change, expected):
    assert plan(provider_class, change) == expected


def test_interactions_schema_change_replaces_the_dataset():
    base = dict(BASE[DatasetProvider], datasetType="Interactions")
    provider = DatasetProvider()
    result = provider.diff("arn", base, dict(base, schemaArn=f"{ARN}:schema/s2"))
    # A group holds one Interactions dataset: the old one must go first.
    assert result.replaces == ["schemaArn"] and result.delete_before_replace
    moved = provider.diff("arn", base, dict(base, datasetGroupArn=f"{ARN}:dataset-group/g2"))
    assert moved.replaces == ["datasetGroupArn"] and not moved.delete_before_replace


def test_an_interactions_schema_change_fails_the_check_naming_the_fields():
    """No UpdateDataset for an Item interactions dataset (updating-dataset-schema.html), and
    no DeleteDataset while its group has a campaign, filter or tracker (delete-dataset.html):
    a replacement would wait forever, so the check refuses it."""
    olds = {"name": "s", "schema": SCHEMA, "datasetType": "Interactions"}
    added = json.loads(SCHEMA)
    added["fields"].append({"name": "EVENT_VALUE", "type": ["null", "float"]})
    result = SchemaProvider().check(olds, dict(olds, schema=json.dumps(added)))
    [failure] = result.failures
    assert failure.property == "schema"
    assert "EVENT_VALUE added" in failure.reason and "dataset group of its own" in failure.reason
    # The same fields written another way are no change.
    assert SchemaProvider().check(olds, dict(olds, schema=json.dumps(json.loads(SCHEMA), indent=2))).failures == []


@pytest.mark.parametrize("unknown", [UNKNOWN, Unknown()], ids=["wire-sentinel", "deserialized"])
def test_unknown_values_pass_check_and_count_as_changes_during_preview(unknown):
    provider = CampaignProvider()
    news = dict(BASE[CampaignProvider], solutionVersionArn=unknown)
    assert provider.check(BASE[CampaignProvider], news).failures == []
    result = provider.diff("arn", BASE[CampaignProvider], news)
    assert result.changes is True and result.replaces == []


def test_provider_secret_is_never_diffed():
    provider = FilterProvider()
    result = provider.diff(
        "arn", dict(BASE[FilterProvider], __provider="a"), dict(BASE[FilterProvider], __provider="b")
    )
    assert result.changes is False


@pytest.mark.parametrize(
    "schema, problem",
    [
        ("not json", "schema is not JSON"),
        (json.dumps({"type": "enum"}), "must be an Avro record"),
        (SCHEMA.replace('"ITEM_ID"', '"ITEM"'), "needs the field ITEM_ID"),
        (SCHEMA.replace('"long"', '"timestamp"'), "field TIMESTAMP has type 'timestamp'"),
    ],
)
def test_schema_check_applies_avro_rules(schema, problem):
    result = SchemaProvider().check({}, {"name": "s", "schema": schema, "datasetType": "Interactions"})
    assert any(problem in f.reason for f in result.failures), [f.reason for f in result.failures]


def test_check_rejects_bad_waits_and_unknown_inputs():
    result = CampaignProvider().check(
        {}, dict(BASE[CampaignProvider], waits={"createSeconds": -1, "forever": 1}, colour="red")
    )
    properties = sorted(f.property for f in result.failures)
    assert properties == ["colour", "waits.createSeconds", "waits.forever"]


def test_our_defaults_fill_unset_inputs():
    assert SolutionProvider().check({}, BASE[SolutionProvider]).inputs["performAutoTraining"] is False
    assert DatasetImportJobProvider().check({}, BASE[DatasetImportJobProvider]).inputs["importMode"] == "FULL"
