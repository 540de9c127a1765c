"""Statuses as the model documents them, the documented rules between
resources, pagination, tags and the catalogue operations."""

import pytest

from tests.helpers.data import INTERACTIONS_SCHEMA
from tests.helpers.emulator import build_group, train

ARN = "arn:aws:personalize:us-east-1:123456789012:"
ITEMS_SCHEMA = (
    '{"type": "record", "name": "Items", "namespace": "com.amazonaws.personalize.schema", '
    '"version": "1.0", "fields": [{"name": "ITEM_ID", "type": "string"}, '
    '{"name": "GENRE", "type": ["null", "string"], "categorical": true}]}'
)


def status(p, key: str, arn: str) -> str:
    operation = getattr(p, "describe_" + "".join("_" + c.lower() if c.isupper() else c for c in key))
    return operation(**{key + "Arn": arn})[key]["status"]


def test_dataset_group_goes_pending_in_progress_active_then_deletes(emulator, p, unique):
    group = p.create_dataset_group(name=f"life-{unique}")["datasetGroupArn"]
    assert status(p, "datasetGroup", group) == "CREATE PENDING"
    emulator.advance(10)
    assert status(p, "datasetGroup", group) == "CREATE IN_PROGRESS"
    with pytest.raises(p.exceptions.ResourceInUseException):
        p.delete_dataset_group(datasetGroupArn=group)
    emulator.advance(60)
    described = p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]
    assert described["status"] == "ACTIVE"
    assert described["lastUpdatedDateTime"] > described["creationDateTime"]
    p.delete_dataset_group(datasetGroupArn=group)
    assert status(p, "datasetGroup", group) == "DELETE PENDING"
    emulator.advance(10)
    assert status(p, "datasetGroup", group) == "DELETE IN_PROGRESS"
    emulator.advance(60)
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.describe_dataset_group(datasetGroupArn=group)


def test_names_are_unique(emulator, p, unique):
    p.create_dataset_group(name=f"dup-{unique}")
    with pytest.raises(p.exceptions.ResourceAlreadyExistsException):
        p.create_dataset_group(name=f"dup-{unique}")
    p.create_schema(name=f"dup-{unique}", schema=INTERACTIONS_SCHEMA)
    with pytest.raises(p.exceptions.ResourceAlreadyExistsException):
        p.create_schema(name=f"dup-{unique}", schema=INTERACTIONS_SCHEMA)


def test_dataset_rules(emulator, p, unique):
    group = p.create_dataset_group(name=f"ds-{unique}")["datasetGroupArn"]
    schema = p.create_schema(name=f"ds-{unique}", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    args = {"name": f"ds-{unique}", "schemaArn": schema, "datasetGroupArn": group, "datasetType": "Interactions"}
    with pytest.raises(p.exceptions.ResourceInUseException):  # the group is not ACTIVE yet
        p.create_dataset(**args)
    emulator.advance()
    dataset = p.create_dataset(**args)["datasetArn"]
    with pytest.raises(p.exceptions.ResourceAlreadyExistsException):  # one dataset of each type
        p.create_dataset(**{**args, "name": f"ds2-{unique}"})
    with pytest.raises(p.exceptions.InvalidInputException):
        p.create_dataset(**{**args, "datasetType": "Clicks"})
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.create_dataset(**{**args, "schemaArn": ARN + "schema/none"})
    with pytest.raises(p.exceptions.ResourceInUseException):  # import needs an ACTIVE dataset
        p.create_dataset_import_job(jobName=f"ds-{unique}", datasetArn=dataset, dataSource={"dataLocation": "s3://x/y"})
    emulator.advance()
    solution = p.create_solution(name=f"ds-{unique}", datasetGroupArn=group)["solutionArn"]
    emulator.advance()
    with pytest.raises(p.exceptions.InvalidInputException) as raised:  # nothing imported
        p.create_solution_version(solutionArn=solution)
    assert "no data" in str(raised.value)
    with pytest.raises(p.exceptions.ResourceInUseException):  # schema in use
        p.delete_schema(schemaArn=schema)
    with pytest.raises(p.exceptions.ResourceInUseException):  # group has a solution and a dataset
        p.delete_dataset_group(datasetGroupArn=group)
    p.delete_solution(solutionArn=solution)
    p.delete_dataset(datasetArn=dataset)
    assert status(p, "dataset", dataset) == "DELETE PENDING"
    with pytest.raises(p.exceptions.ResourceInUseException):  # still being deleted
        p.delete_dataset_group(datasetGroupArn=group)
    emulator.advance()
    p.delete_schema(schemaArn=schema)
    p.delete_dataset_group(datasetGroupArn=group)
    emulator.advance()
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.describe_schema(schemaArn=schema)
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.describe_dataset_group(datasetGroupArn=group)


def test_update_dataset_replaces_the_schema_of_items_only(emulator, p, unique, trained):
    items_schema = p.create_schema(name=f"items-{unique}", schema=ITEMS_SCHEMA)["schemaArn"]
    other = p.create_schema(name=f"items2-{unique}", schema=ITEMS_SCHEMA)["schemaArn"]
    group = p.create_dataset_group(name=f"upd-{unique}")["datasetGroupArn"]
    emulator.advance()
    items = p.create_dataset(
        name=f"items-{unique}", schemaArn=items_schema, datasetGroupArn=group, datasetType="Items"
    )["datasetArn"]
    emulator.advance()
    p.update_dataset(datasetArn=items, schemaArn=other)
    described = p.describe_dataset(datasetArn=items)["dataset"]
    assert described["schemaArn"] == items_schema
    assert described["latestDatasetUpdate"]["status"] == "CREATE PENDING"
    emulator.advance()
    described = p.describe_dataset(datasetArn=items)["dataset"]
    assert described["schemaArn"] == other and described["latestDatasetUpdate"]["status"] == "ACTIVE"
    with pytest.raises(p.exceptions.InvalidInputException):
        p.update_dataset(datasetArn=trained["dataset"], schemaArn=trained["schema"])


def test_pagination_walks_every_page(emulator, p, unique):
    names = [f"page-{unique}-{n}" for n in range(7)]
    for name in names:
        p.create_schema(name=name, schema=INTERACTIONS_SCHEMA)
    seen, token, pages = [], None, 0
    while True:
        page = p.list_schemas(maxResults=3, **({"nextToken": token} if token else {}))
        pages += 1
        seen += [s["name"] for s in page["schemas"] if s["name"].startswith(f"page-{unique}")]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == names and pages >= 3
    paginated = [
        s["name"]
        for page in p.get_paginator("list_schemas").paginate(PaginationConfig={"PageSize": 2})
        for s in page["schemas"]
    ]
    assert set(names) <= set(paginated)


def test_list_filters_uses_the_capitalised_key_and_filters_by_group(emulator, trained, unique):
    p = emulator.client("personalize")
    expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'
    arn = p.create_filter(name=f"flt-{unique}", datasetGroupArn=trained["group"], filterExpression=expression)[
        "filterArn"
    ]
    listed = p.list_filters(datasetGroupArn=trained["group"])
    assert "Filters" in listed and arn in [f["filterArn"] for f in listed["Filters"]]
    assert p.list_filters(datasetGroupArn=ARN + "dataset-group/other")["Filters"] == []
    emulator.advance()
    described = p.describe_filter(filterArn=arn)["filter"]
    assert described["status"] == "ACTIVE" and described["filterExpression"] == expression
    with pytest.raises(p.exceptions.InvalidInputException):
        p.create_filter(name=f"bad-{unique}", datasetGroupArn=trained["group"], filterExpression="EXCLUDE nonsense")
    p.delete_filter(filterArn=arn)
    emulator.advance()
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.describe_filter(filterArn=arn)


def test_lists_filter_by_parent(emulator, p, own_trained):
    # Its own group: other tests add solutions and versions to the shared `trained`.
    trained = own_trained
    assert [d["datasetArn"] for d in p.list_datasets(datasetGroupArn=trained["group"])["datasets"]] == [
        trained["dataset"]
    ]
    assert [
        j["datasetImportJobArn"] for j in p.list_dataset_import_jobs(datasetArn=trained["dataset"])["datasetImportJobs"]
    ] == [trained["job"]]
    assert [s["solutionArn"] for s in p.list_solutions(datasetGroupArn=trained["group"])["solutions"]] == [
        trained["solution"]
    ]
    versions = p.list_solution_versions(solutionArn=trained["solution"])["solutionVersions"]
    assert [v["solutionVersionArn"] for v in versions] == [trained["version"]]
    assert trained["group"] in [g["datasetGroupArn"] for g in p.list_dataset_groups()["datasetGroups"]]


def test_tags_on_create_and_by_tagging_calls(emulator, p, unique):
    group = p.create_dataset_group(name=f"tags-{unique}", tags=[{"tagKey": "team", "tagValue": "recs"}])
    arn = group["datasetGroupArn"]
    assert p.list_tags_for_resource(resourceArn=arn)["tags"] == [{"tagKey": "team", "tagValue": "recs"}]
    p.tag_resource(resourceArn=arn, tags=[{"tagKey": "env", "tagValue": "dev"}, {"tagKey": "team", "tagValue": "ml"}])
    assert sorted((t["tagKey"], t["tagValue"]) for t in p.list_tags_for_resource(resourceArn=arn)["tags"]) == [
        ("env", "dev"),
        ("team", "ml"),
    ]
    p.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert p.list_tags_for_resource(resourceArn=arn)["tags"] == [{"tagKey": "env", "tagValue": "dev"}]
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.list_tags_for_resource(resourceArn=ARN + "dataset-group/none")


def test_recipes_algorithms_and_feature_transformations(p):
    recipes = [r["recipeArn"] for page in p.get_paginator("list_recipes").paginate() for r in page["recipes"]]
    for name in ("aws-user-personalization", "aws-personalized-ranking", "aws-similar-items", "aws-popularity-count"):
        assert f"arn:aws:personalize:::recipe/{name}" in recipes
    recipe = p.describe_recipe(recipeArn="arn:aws:personalize:::recipe/aws-similar-items")["recipe"]
    assert recipe["recipeType"] == "RELATED_ITEMS" and recipe["status"] == "ACTIVE"
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.describe_recipe(recipeArn="arn:aws:personalize:::recipe/aws-nothing")
    algorithm = p.describe_algorithm(algorithmArn=recipe["algorithmArn"])["algorithm"]
    assert algorithm["algorithmArn"] == recipe["algorithmArn"]
    transformation = p.describe_feature_transformation(featureTransformationArn=recipe["featureTransformationArn"])[
        "featureTransformation"
    ]
    assert transformation["status"] == "ACTIVE"


def test_solution_version_lifecycle_metrics_and_stop(emulator, p, trained, unique):
    solution = p.create_solution(
        name=f"sv-{unique}",
        datasetGroupArn=trained["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )["solutionArn"]
    with pytest.raises(p.exceptions.ResourceInUseException):  # the solution is not ACTIVE yet
        p.create_solution_version(solutionArn=solution)
    emulator.advance()
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    assert status(p, "solutionVersion", version) == "CREATE PENDING"
    with pytest.raises(p.exceptions.ResourceInUseException):
        p.get_solution_metrics(solutionVersionArn=version)
    with pytest.raises(p.exceptions.ResourceInUseException):  # a version is being created
        p.delete_solution(solutionArn=solution)
    emulator.advance(600)
    assert status(p, "solutionVersion", version) == "CREATE IN_PROGRESS"
    emulator.advance()
    described = p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]
    assert described["status"] == "ACTIVE" and described["trainingMode"] == "FULL"
    assert described["trainingHours"] > 0
    metrics = p.get_solution_metrics(solutionVersionArn=version)["metrics"]
    assert "normalized_discounted_cumulative_gain_at_10" in metrics and "coverage" in metrics
    latest = p.describe_solution(solutionArn=solution)["solution"]["latestSolutionVersion"]
    assert latest["solutionVersionArn"] == version and latest["status"] == "ACTIVE"

    # (FULL: aws-popularity-count has no UPDATE mode, tests/emulator/test_recipes.py)
    pending = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    p.stop_solution_version_creation(solutionVersionArn=pending)
    assert status(p, "solutionVersion", pending) == "CREATE STOPPED"
    running = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    emulator.advance(600)
    p.stop_solution_version_creation(solutionVersionArn=running)
    assert status(p, "solutionVersion", running) == "CREATE STOPPING"
    emulator.advance()
    assert status(p, "solutionVersion", running) == "CREATE STOPPED"
    with pytest.raises(p.exceptions.ResourceInUseException):
        p.stop_solution_version_creation(solutionVersionArn=running)
    p.delete_solution(solutionArn=solution)
    emulator.advance()
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.describe_solution_version(solutionVersionArn=version)


def test_update_solution_reports_latest_solution_update(emulator, p, trained):
    p.update_solution(
        solutionArn=trained["solution"],
        performAutoTraining=True,
        solutionUpdateConfig={"autoTrainingConfig": {"schedulingExpression": "rate(7 days)"}},
    )
    described = p.describe_solution(solutionArn=trained["solution"])["solution"]
    assert described["latestSolutionUpdate"]["status"] == "CREATE PENDING"
    emulator.advance()
    described = p.describe_solution(solutionArn=trained["solution"])["solution"]
    assert described["latestSolutionUpdate"]["status"] == "ACTIVE"
    assert described["performAutoTraining"] is True
    assert described["solutionConfig"]["autoTrainingConfig"]["schedulingExpression"] == "rate(7 days)"
    assert described["latestSolutionUpdate"]["solutionUpdateConfig"]["autoTrainingConfig"] == {
        "schedulingExpression": "rate(7 days)"
    }


def test_campaign_create_update_and_delete(emulator, p, trained, unique):
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.create_campaign(name=f"c-{unique}", solutionVersionArn=trained["solution"] + "/00000000")
    campaign = p.create_campaign(name=f"c-{unique}", solutionVersionArn=trained["version"], minProvisionedTPS=1)[
        "campaignArn"
    ]
    assert campaign == f"{ARN}campaign/c-{unique}"
    assert status(p, "campaign", campaign) == "CREATE PENDING"
    with pytest.raises(p.exceptions.ResourceInUseException):
        p.update_campaign(campaignArn=campaign, minProvisionedTPS=2)
    emulator.advance()
    assert status(p, "campaign", campaign) == "ACTIVE"
    second = p.create_solution_version(solutionArn=trained["solution"])["solutionVersionArn"]
    with pytest.raises(p.exceptions.ResourceInUseException):  # a version that is not ACTIVE
        p.update_campaign(campaignArn=campaign, solutionVersionArn=second)
    emulator.advance()
    p.update_campaign(
        campaignArn=campaign,
        solutionVersionArn=second,
        minProvisionedTPS=3,
        campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.5"}},
    )
    described = p.describe_campaign(campaignArn=campaign)["campaign"]
    update = described["latestCampaignUpdate"]
    # API_CampaignUpdateSummary.html: the update goes CREATE PENDING > CREATE IN_PROGRESS > ACTIVE,
    # while the campaign itself (API_Campaign.html) stays ACTIVE
    assert described["status"] == "ACTIVE" and update["status"] == "CREATE PENDING"
    assert described["solutionVersionArn"] == trained["version"]  # the old one serves meanwhile
    assert update["solutionVersionArn"] == second and update["minProvisionedTPS"] == 3
    assert {"creationDateTime", "lastUpdatedDateTime", "campaignConfig"} <= set(update)
    with pytest.raises(p.exceptions.ResourceInUseException):  # an update is in progress
        p.update_campaign(campaignArn=campaign, minProvisionedTPS=4)
    emulator.advance(100)
    assert (
        p.describe_campaign(campaignArn=campaign)["campaign"]["latestCampaignUpdate"]["status"] == "CREATE IN_PROGRESS"
    )
    assert status(p, "campaign", campaign) == "ACTIVE"
    emulator.advance()
    described = p.describe_campaign(campaignArn=campaign)["campaign"]
    assert described["status"] == "ACTIVE" and described["latestCampaignUpdate"]["status"] == "ACTIVE"
    assert described["solutionVersionArn"] == second and described["minProvisionedTPS"] == 3
    assert campaign in [c["campaignArn"] for c in p.list_campaigns(solutionArn=trained["solution"])["campaigns"]]
    with pytest.raises(p.exceptions.ResourceInUseException):  # the solution has a campaign
        p.delete_solution(solutionArn=trained["solution"])
    p.delete_campaign(campaignArn=campaign)
    assert status(p, "campaign", campaign) == "DELETE PENDING"
    emulator.advance()
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.describe_campaign(campaignArn=campaign)


def test_one_event_tracker_per_dataset_group(emulator, p, trained, unique):
    tracker = p.create_event_tracker(name=f"t-{unique}", datasetGroupArn=trained["group"])
    assert len(tracker["trackingId"]) > 10
    with pytest.raises(p.exceptions.ResourceAlreadyExistsException):
        p.create_event_tracker(name=f"t2-{unique}", datasetGroupArn=trained["group"])
    assert status(p, "eventTracker", tracker["eventTrackerArn"]) == "CREATE PENDING"
    emulator.advance()
    described = p.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])["eventTracker"]
    assert described["status"] == "ACTIVE" and described["trackingId"] == tracker["trackingId"]
    assert described["accountId"] == "123456789012"
    assert p.describe_dataset(datasetArn=trained["dataset"])["dataset"]["trackingId"] == tracker["trackingId"]
    assert [t["eventTrackerArn"] for t in p.list_event_trackers(datasetGroupArn=trained["group"])["eventTrackers"]] == [
        tracker["eventTrackerArn"]
    ]
    p.delete_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])
    emulator.advance()
    assert p.list_event_trackers(datasetGroupArn=trained["group"])["eventTrackers"] == []


def test_import_failures_have_service_like_reasons(emulator, p, unique, data_bucket):
    arns = build_group(emulator, f"imp-{unique}", data_bucket)
    reasons = {}
    for label, location in [
        ("no-bucket", "s3://no-such-bucket-anywhere/x.csv"),
        ("no-objects", f"s3://{data_bucket['bucket']}/nothing-here/"),
    ]:
        job = p.create_dataset_import_job(
            jobName=f"imp-{label}-{unique}",
            datasetArn=arns["dataset"],
            roleArn=data_bucket["role"],
            dataSource={"dataLocation": location},
        )["datasetImportJobArn"]
        emulator.advance()
        described = p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]
        assert described["status"] == "CREATE FAILED"
        reasons[label] = described["failureReason"]
    assert "no-such-bucket-anywhere" in reasons["no-bucket"]
    assert "No data files" in reasons["no-objects"]
    emulator.client("s3").put_object(Bucket=data_bucket["bucket"], Key=f"bad-{unique}.csv", Body=b"A,B\n1,2\n")
    job = p.create_dataset_import_job(
        jobName=f"imp-bad-{unique}",
        datasetArn=arns["dataset"],
        roleArn=data_bucket["role"],
        dataSource={"dataLocation": f"s3://{data_bucket['bucket']}/bad-{unique}.csv"},
    )
    emulator.advance()
    described = p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"])["datasetImportJob"]
    assert described["status"] == "CREATE FAILED" and described["failureReason"]


def test_training_on_a_second_solution(emulator, trained, unique):
    arns = train(emulator, trained["group"], f"sims-{unique}", recipe="aws-sims")
    p = emulator.client("personalize")
    assert p.describe_solution(solutionArn=arns["solution"])["solution"]["recipeArn"].endswith("/aws-sims")


def test_metric_attribution_crud(emulator, p, trained, unique):
    metric = {"eventType": "purchase", "metricName": "REVENUE", "expression": "SUM(Items.PRICE)"}
    output = {"roleArn": "arn:aws:iam::123456789012:role/emulator-tests"}
    arn = p.create_metric_attribution(
        name=f"ma-{unique}", datasetGroupArn=trained["group"], metrics=[metric], metricsOutputConfig=output
    )["metricAttributionArn"]
    assert arn == f"{ARN}metric-attribution/ma-{unique}"
    with pytest.raises(p.exceptions.ResourceAlreadyExistsException):  # one per dataset group
        p.create_metric_attribution(
            name=f"ma2-{unique}", datasetGroupArn=trained["group"], metrics=[metric], metricsOutputConfig=output
        )
    emulator.advance()
    assert status(p, "metricAttribution", arn) == "ACTIVE"
    p.update_metric_attribution(
        metricAttributionArn=arn,
        removeMetrics=["REVENUE"],
        addMetrics=[{**metric, "metricName": "CLICKS", "expression": "SAMPLECOUNT()"}],
    )
    assert [m["metricName"] for m in p.list_metric_attribution_metrics(metricAttributionArn=arn)["metrics"]] == [
        "CLICKS"
    ]
    listed = p.list_metric_attributions(datasetGroupArn=trained["group"])["metricAttributions"]
    assert [m["metricAttributionArn"] for m in listed] == [arn]
    p.delete_metric_attribution(metricAttributionArn=arn)
    emulator.advance()
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.describe_metric_attribution(metricAttributionArn=arn)


def test_a_dataset_created_again_starts_empty(emulator, p, unique, data_bucket):
    arns = build_group(emulator, f"again-{unique}", data_bucket)
    p.delete_dataset(datasetArn=arns["dataset"])
    emulator.advance()
    dataset = p.create_dataset(
        name=f"again-{unique}", schemaArn=arns["schema"], datasetGroupArn=arns["group"], datasetType="Interactions"
    )["datasetArn"]
    assert dataset == arns["dataset"]
    emulator.advance()
    assert p.list_dataset_import_jobs(datasetArn=dataset)["datasetImportJobs"] == []
    solution = p.create_solution(name=f"again-{unique}", datasetGroupArn=arns["group"])["solutionArn"]
    emulator.advance()
    with pytest.raises(p.exceptions.InvalidInputException) as raised:
        p.create_solution_version(solutionArn=solution)
    assert "no data" in str(raised.value)
