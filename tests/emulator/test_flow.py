"""The whole path a user takes, on real data, through boto3 only: S3 upload,
import, training, campaign, recommendations, live events that the next
training sees, a campaign update, batch inference to S3, then teardown."""

import json

import pytest

from tests.helpers.data import INTERACTIONS_SCHEMA, interactions_csv
from tests.helpers.roles import personalize_role

ITEMS_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Items",
        "namespace": "com.amazonaws.personalize.schema",
        "version": "1.0",
        "fields": [{"name": "ITEM_ID", "type": "string"}, {"name": "GENRE", "type": "string", "categorical": True}],
    }
)
NEW_ITEM = "brand-new-item"


def test_full_flow(emulator):
    s3, iam = emulator.client("s3"), emulator.client("iam")
    p, runtime, events = (emulator.client(s) for s in ("personalize", "personalize-runtime", "personalize-events"))
    s3.create_bucket(Bucket="flow-data")
    csv = interactions_csv(users=60, items=120, rows=1500, seed=11)
    assert csv.count(b"\n") - 1 >= 1000
    s3.put_object(Bucket="flow-data", Key="train/interactions.csv", Body=csv)
    role = personalize_role(iam, s3, "flow", "flow-data")

    group = p.create_dataset_group(name="flow")["datasetGroupArn"]
    emulator.advance()
    schema = p.create_schema(name="flow-interactions", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset = p.create_dataset(
        name="flow-interactions", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions"
    )["datasetArn"]
    items_schema = p.create_schema(name="flow-items", schema=ITEMS_SCHEMA)["schemaArn"]
    items = p.create_dataset(name="flow-items", schemaArn=items_schema, datasetGroupArn=group, datasetType="Items")[
        "datasetArn"
    ]
    tracker = p.create_event_tracker(name="flow", datasetGroupArn=group)
    emulator.advance()
    job = p.create_dataset_import_job(
        jobName="flow-import",
        datasetArn=dataset,
        roleArn=role,
        dataSource={"dataLocation": "s3://flow-data/train/interactions.csv"},
    )
    assert (
        p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"])["datasetImportJob"]["status"]
        == "CREATE PENDING"
    )
    emulator.advance()
    assert (
        p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"])["datasetImportJob"]["status"]
        == "ACTIVE"
    )
    events.put_items(datasetArn=items, items=[{"itemId": "i1", "properties": json.dumps({"genre": "drama"})}])
    with pytest.raises(events.exceptions.InvalidInputException):  # users into an items dataset
        events.put_users(datasetArn=items, users=[{"userId": "u1"}])

    solution = p.create_solution(
        name="flow", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/aws-popularity-count"
    )["solutionArn"]
    emulator.advance()
    first = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    emulator.advance()
    assert p.describe_solution_version(solutionVersionArn=first)["solutionVersion"]["status"] == "ACTIVE"
    metrics = p.get_solution_metrics(solutionVersionArn=first)
    assert metrics["solutionVersionArn"] == first and metrics["metrics"]["precision_at_25"] >= 0
    campaign = p.create_campaign(name="flow", solutionVersionArn=first)["campaignArn"]
    emulator.advance()
    before = runtime.get_recommendations(campaignArn=campaign, userId="u59", numResults=10)
    assert len(before["itemList"]) == 10 and before["recommendationId"]
    assert NEW_ITEM not in [i["itemId"] for i in before["itemList"]]
    ranked = runtime.get_personalized_ranking(campaignArn=campaign, userId="u1", inputList=["i1", "i2", "i3"])
    assert sorted(i["itemId"] for i in ranked["personalizedRanking"]) == ["i1", "i2", "i3"]

    # Live events: a new item many new users take up; the next training must see it.
    for batch in range(60):
        events.put_events(
            trackingId=tracker["trackingId"],
            userId=f"newcomer{batch}",
            sessionId=f"s{batch}",
            eventList=[{"eventType": "purchase", "itemId": NEW_ITEM, "sentAt": 1_706_000_000 + n} for n in range(10)],
        )
    second = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    emulator.advance()
    assert p.describe_solution_version(solutionVersionArn=second)["solutionVersion"]["status"] == "ACTIVE"
    p.update_campaign(campaignArn=campaign, solutionVersionArn=second)
    during = runtime.get_recommendations(campaignArn=campaign, userId="u59", numResults=10)["itemList"]
    assert NEW_ITEM not in [i["itemId"] for i in during]  # the old version serves until the update is done
    emulator.advance()
    after = runtime.get_recommendations(campaignArn=campaign, userId="u59", numResults=10)["itemList"]
    assert after[0]["itemId"] == NEW_ITEM

    # Batch inference: JSON lines in, <output>/<input file name>.out back in S3.
    s3.put_object(
        Bucket="flow-data",
        Key="batch/in/users.json",
        Body=b"\n".join(json.dumps({"userId": f"u{n}"}).encode() for n in range(5)),
    )
    batch = p.create_batch_inference_job(
        jobName="flow-batch",
        solutionVersionArn=second,
        roleArn=role,
        numResults=5,
        jobInput={"s3DataSource": {"path": "s3://flow-data/batch/in/users.json"}},
        jobOutput={"s3DataDestination": {"path": "s3://flow-data/batch/out/"}},
    )
    assert (
        p.describe_batch_inference_job(batchInferenceJobArn=batch["batchInferenceJobArn"])["batchInferenceJob"][
            "status"
        ]
        == "PENDING"
    )
    emulator.advance()
    assert (
        p.describe_batch_inference_job(batchInferenceJobArn=batch["batchInferenceJobArn"])["batchInferenceJob"][
            "status"
        ]
        == "ACTIVE"
    )
    assert [
        j["batchInferenceJobArn"] for j in p.list_batch_inference_jobs(solutionVersionArn=second)["batchInferenceJobs"]
    ] == [batch["batchInferenceJobArn"]]
    output = s3.get_object(Bucket="flow-data", Key="batch/out/users.json.out")["Body"].read().decode()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert [line["input"]["userId"] for line in lines] == [f"u{n}" for n in range(5)]
    assert all(len(line["output"]["recommendedItems"]) == 5 for line in lines)

    # Teardown in the order the service requires, and nothing is left.
    with pytest.raises(p.exceptions.ResourceInUseException):
        p.delete_dataset_group(datasetGroupArn=group)
    p.delete_campaign(campaignArn=campaign)
    with pytest.raises(p.exceptions.ResourceInUseException):  # the campaign is still being deleted
        p.delete_solution(solutionArn=solution)
    emulator.advance()
    p.delete_solution(solutionArn=solution)
    p.delete_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])
    emulator.advance()
    p.delete_dataset(datasetArn=dataset)
    p.delete_dataset(datasetArn=items)
    emulator.advance()
    p.delete_schema(schemaArn=schema)
    p.delete_schema(schemaArn=items_schema)
    p.delete_dataset_group(datasetGroupArn=group)
    emulator.advance()
    assert group not in [g["datasetGroupArn"] for g in p.list_dataset_groups()["datasetGroups"]]
    assert p.list_datasets(datasetGroupArn=group)["datasets"] == []
    assert p.list_solutions(datasetGroupArn=group)["solutions"] == []
    assert p.list_solution_versions(solutionArn=solution)["solutionVersions"] == []
    assert p.list_campaigns(solutionArn=solution)["campaigns"] == []
    assert p.list_event_trackers(datasetGroupArn=group)["eventTrackers"] == []
    assert p.list_dataset_import_jobs(datasetArn=dataset)["datasetImportJobs"] == []
    assert not {schema, items_schema} & {s["schemaArn"] for s in p.list_schemas()["schemas"]}
    with pytest.raises(runtime.exceptions.ResourceNotFoundException):
        runtime.get_recommendations(campaignArn=campaign, userId="u1")
