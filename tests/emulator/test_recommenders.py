"""Recommenders of a Domain dataset group: created, trained on its data,
serving GetRecommendations, updated, stopped and started, deleted."""

import json

import pytest

from tests.helpers.data import interactions_csv
from tests.helpers.roles import personalize_role

ECOMMERCE_INTERACTIONS = json.dumps(
    {
        "type": "record",
        "name": "Interactions",
        "namespace": "com.amazonaws.personalize.schema",
        "version": "1.0",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "ITEM_ID", "type": "string"},
            {"name": "EVENT_TYPE", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"},
        ],
    }
)


def test_recommender_lifecycle(emulator, unique):
    s3 = emulator.client("s3")
    p, runtime = emulator.client("personalize"), emulator.client("personalize-runtime")
    s3.create_bucket(Bucket=f"domain-{unique}")
    # The Best sellers use case counts `Purchase` events (ECOMMERCE-use-cases.html).
    purchases = interactions_csv(seed=21).replace(b",purchase,", b",Purchase,")
    s3.put_object(Bucket=f"domain-{unique}", Key="i.csv", Body=purchases)
    group = p.create_dataset_group(name=f"shop-{unique}", domain="ECOMMERCE")["datasetGroupArn"]
    custom = p.create_dataset_group(name=f"custom-{unique}")["datasetGroupArn"]
    emulator.advance()
    schema = p.create_schema(name=f"shop-{unique}", schema=ECOMMERCE_INTERACTIONS, domain="ECOMMERCE")["schemaArn"]
    dataset = p.create_dataset(
        name=f"shop-{unique}", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions"
    )["datasetArn"]
    emulator.advance()
    popular = "arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-purchases"
    with pytest.raises(p.exceptions.InvalidInputException):  # nothing imported yet
        p.create_recommender(name=f"shop-{unique}", datasetGroupArn=group, recipeArn=popular)
    role = personalize_role(emulator.client("iam"), s3, f"domain-{unique}", f"domain-{unique}")
    p.create_dataset_import_job(
        jobName=f"shop-{unique}",
        datasetArn=dataset,
        roleArn=role,
        dataSource={"dataLocation": f"s3://domain-{unique}/i.csv"},
    )
    emulator.advance()
    with pytest.raises(p.exceptions.InvalidInputException):  # a custom group has no recommenders
        p.create_recommender(name=f"custom-{unique}", datasetGroupArn=custom, recipeArn=popular)
    with pytest.raises(p.exceptions.InvalidInputException):  # a video use case in an e-commerce group
        p.create_recommender(
            name=f"vod-{unique}", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/aws-vod-most-popular"
        )
    assert popular in [r["recipeArn"] for r in p.list_recipes(domain="ECOMMERCE")["recipes"]]

    arn = p.create_recommender(name=f"shop-{unique}", datasetGroupArn=group, recipeArn=popular)["recommenderArn"]
    assert arn == f"arn:aws:personalize:us-east-1:123456789012:recommender/shop-{unique}"
    assert p.describe_recommender(recommenderArn=arn)["recommender"]["status"] == "CREATE PENDING"
    emulator.advance()
    described = p.describe_recommender(recommenderArn=arn)["recommender"]
    assert described["status"] == "ACTIVE" and "coverage" in described["modelMetrics"]
    assert described["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 1
    assert len(runtime.get_recommendations(recommenderArn=arn, userId="u1", numResults=5)["itemList"]) == 5

    p.update_recommender(recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 3})
    assert (
        p.describe_recommender(recommenderArn=arn)["recommender"]["latestRecommenderUpdate"]["status"]
        == "CREATE PENDING"
    )
    emulator.advance()
    described = p.describe_recommender(recommenderArn=arn)["recommender"]
    assert described["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 3
    assert described["latestRecommenderUpdate"]["status"] == "ACTIVE"

    with pytest.raises(p.exceptions.ResourceInUseException):
        p.start_recommender(recommenderArn=arn)  # it is running
    p.stop_recommender(recommenderArn=arn)
    assert p.describe_recommender(recommenderArn=arn)["recommender"]["status"] == "STOP PENDING"
    emulator.advance()
    assert p.describe_recommender(recommenderArn=arn)["recommender"]["status"] == "INACTIVE"
    with pytest.raises(runtime.exceptions.ResourceNotFoundException):
        runtime.get_recommendations(recommenderArn=arn, userId="u1")
    p.start_recommender(recommenderArn=arn)
    assert p.describe_recommender(recommenderArn=arn)["recommender"]["status"] == "START PENDING"
    emulator.advance()
    assert p.describe_recommender(recommenderArn=arn)["recommender"]["status"] == "ACTIVE"
    assert [r["recommenderArn"] for r in p.list_recommenders(datasetGroupArn=group)["recommenders"]] == [arn]

    p.delete_recommender(recommenderArn=arn)
    emulator.advance()
    with pytest.raises(p.exceptions.ResourceNotFoundException):
        p.describe_recommender(recommenderArn=arn)
