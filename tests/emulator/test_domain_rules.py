"""What a schema must hold for a dataset of its type and group (custom-datasets-and-schemas.html,
ECOMMERCE-datasets-and-schemas.html), and the event types each ECOMMERCE use case needs
(ECOMMERCE-use-cases.html): judged at CreateDataset and when a recommender trains."""

import json

import pytest

from tests.helpers.data import interactions_csv
from tests.helpers.roles import personalize_role


def schema(name: str, *fields: dict) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": name,
            "namespace": "com.amazonaws.personalize.schema",
            "version": "1.0",
            "fields": list(fields),
        }
    )


def f(name: str, ftype, **attributes) -> dict:
    return {"name": name, "type": ftype, **attributes}


USER, ITEM, TIME = f("USER_ID", "string"), f("ITEM_ID", "string"), f("TIMESTAMP", "long")
ECOMMERCE_INTERACTIONS = schema("Interactions", USER, ITEM, f("EVENT_TYPE", "string"), TIME)
ECOMMERCE_ITEMS = schema("Items", ITEM, f("PRICE", "float"), f("CATEGORY_L1", "string", categorical=True))
USERS = schema("Users", USER, f("COUNTRY", ["null", "string"], categorical=True))


def dataset(p, group, name, body, dataset_type, domain=None):
    arn = p.create_schema(name=name, schema=body, **({"domain": domain} if domain else {}))["schemaArn"]
    return p.create_dataset(name=name, schemaArn=arn, datasetGroupArn=group, datasetType=dataset_type)["datasetArn"]


def refused(p, group, name, body, dataset_type, domain=None) -> str:
    with pytest.raises(p.exceptions.InvalidInputException) as error:
        dataset(p, group, name, body, dataset_type, domain)
    return error.value.response["Error"]["Message"]


@pytest.fixture
def shop(emulator, p, unique):
    group = p.create_dataset_group(name=f"shop-{unique}", domain="ECOMMERCE")["datasetGroupArn"]
    emulator.advance()
    return group


def test_an_ecommerce_group_takes_only_its_domain_schemas_with_the_domain_fields(emulator, p, unique, shop):
    u = unique
    assert "domain ECOMMERCE" in refused(p, shop, f"plain-{u}", ECOMMERCE_INTERACTIONS, "Interactions")
    no_event_type = schema("Interactions", USER, ITEM, TIME)
    assert "EVENT_TYPE" in refused(p, shop, f"noev-{u}", no_event_type, "Interactions", "ECOMMERCE")
    no_price = schema("Items", ITEM, f("CATEGORY_L1", "string", categorical=True))
    assert "PRICE" in refused(p, shop, f"noprice-{u}", no_price, "Items", "ECOMMERCE")
    plain_category = schema("Items", ITEM, f("PRICE", "float"), f("CATEGORY_L1", "string"))
    assert "CATEGORY_L1 must be categorical" in refused(p, shop, f"cat-{u}", plain_category, "Items", "ECOMMERCE")
    nullable_price = schema("Items", ITEM, f("PRICE", ["null", "float"]), f("CATEGORY_L1", "string", categorical=True))
    assert "PRICE must have type" in refused(p, shop, f"nullp-{u}", nullable_price, "Items", "ECOMMERCE")
    no_metadata = schema("Users", USER)
    assert "metadata" in refused(p, shop, f"nometa-{u}", no_metadata, "Users", "ECOMMERCE")

    dataset(p, shop, f"i-{u}", ECOMMERCE_INTERACTIONS, "Interactions", "ECOMMERCE")
    dataset(p, shop, f"it-{u}", ECOMMERCE_ITEMS, "Items", "ECOMMERCE")
    dataset(p, shop, f"us-{u}", USERS, "Users", "ECOMMERCE")
    emulator.advance()
    types = {d["datasetType"] for d in p.list_datasets(datasetGroupArn=shop)["datasets"]}
    assert types == {"INTERACTIONS", "ITEMS", "USERS"}


def test_any_group_refuses_reserved_keywords_of_another_type_and_schemas_missing_required_fields(emulator, p, unique):
    u = unique
    group = p.create_dataset_group(name=f"custom-{u}")["datasetGroupArn"]
    emulator.advance()
    # EVENT_TYPE is typed string; EVENT_VALUE may add null (custom-datasets-and-schemas.html).
    nullable_event_type = schema("Interactions", USER, ITEM, f("EVENT_TYPE", ["null", "string"]), TIME)
    assert "EVENT_TYPE must have type" in refused(p, group, f"nullev-{u}", nullable_event_type, "Interactions")
    assert "TIMESTAMP" in refused(p, group, f"notime-{u}", schema("Interactions", USER, ITEM), "Interactions")
    assert "metadata" in refused(p, group, f"bare-{u}", schema("Items", ITEM), "Items")
    # No EVENT_TYPE at all is fine in a Custom group, and EVENT_VALUE may be null.
    dataset(
        p,
        group,
        f"ok-{u}",
        schema("Interactions", USER, ITEM, TIME, f("EVENT_VALUE", ["null", "float"])),
        "Interactions",
    )
    # CATEGORY_L1 and PRICE are plain metadata in a Custom group.
    dataset(p, group, f"items-{u}", schema("Items", ITEM, f("CATEGORY_L1", "string")), "Items")


def test_each_ecommerce_use_case_trains_only_with_1000_events_of_its_type(emulator, p, unique, shop):
    s3 = emulator.client("s3")
    bucket = f"shop-{unique}"
    s3.create_bucket(Bucket=bucket)
    lowercase = interactions_csv(seed=31)  # EVENT_TYPE `purchase`: not the `Purchase` the page names
    s3.put_object(Bucket=bucket, Key="lower.csv", Body=lowercase)
    s3.put_object(Bucket=bucket, Key="purchases.csv", Body=lowercase.replace(b",purchase,", b",Purchase,"))
    role = personalize_role(emulator.client("iam"), s3, bucket, bucket)
    interactions = dataset(p, shop, f"i-{unique}", ECOMMERCE_INTERACTIONS, "Interactions", "ECOMMERCE")
    emulator.advance()

    def load(key: str) -> None:
        p.create_dataset_import_job(
            jobName=f"{key.split('.')[0]}-{unique}",
            datasetArn=interactions,
            roleArn=role,
            dataSource={"dataLocation": f"s3://{bucket}/{key}"},
        )
        emulator.advance()

    def recommender(name: str, use_case: str) -> dict:
        arn = p.create_recommender(
            name=f"{name}-{unique}", datasetGroupArn=shop, recipeArn=f"arn:aws:personalize:::recipe/{use_case}"
        )["recommenderArn"]
        emulator.advance()
        return p.describe_recommender(recommenderArn=arn)["recommender"]

    load("lower.csv")
    failed = recommender("lower", "aws-ecomm-popular-items-by-purchases")
    assert failed["status"] == "CREATE FAILED" and "EVENT_TYPE Purchase" in failed["failureReason"]
    load("purchases.csv")
    assert recommender("best", "aws-ecomm-popular-items-by-purchases")["status"] == "ACTIVE"
    assert recommender("together", "aws-ecomm-frequently-bought-together")["status"] == "ACTIVE"
    for use_case in ("aws-ecomm-recommended-for-you", "aws-ecomm-customers-who-viewed-x-also-viewed"):
        failed = recommender(use_case.rsplit("-", 1)[-1], use_case)
        assert (
            failed["status"] == "CREATE FAILED"
            and "EVENT_TYPE View; the dataset group has 0" in failed["failureReason"]
        )
