"""Shortcuts of the tests/emulator tests, which drive a `python -m local`
subprocess through boto3 (tests/emulator/conftest.py starts it)."""

import json

from tests.helpers.data import INTERACTIONS_SCHEMA

DAY = 86400


def build_group(emulator, name: str, data_bucket: dict) -> dict:
    """An ACTIVE dataset group with imported interactions: arns by role."""
    p = emulator.client("personalize")
    group = p.create_dataset_group(name=name)["datasetGroupArn"]
    emulator.advance()
    schema = p.create_schema(name=f"{name}-schema", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    dataset = p.create_dataset(
        name=f"{name}-interactions", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions"
    )["datasetArn"]
    emulator.advance()
    job = p.create_dataset_import_job(
        jobName=f"{name}-import",
        datasetArn=dataset,
        roleArn=data_bucket["role"],
        dataSource={"dataLocation": f"s3://{data_bucket['bucket']}/interactions/"},
    )
    emulator.advance()
    assert (
        p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"])["datasetImportJob"]["status"]
        == "ACTIVE"
    )
    return {"group": group, "schema": schema, "dataset": dataset, "job": job["datasetImportJobArn"]}


def train(emulator, group: str, name: str, recipe: str = "aws-user-personalization") -> dict:
    p = emulator.client("personalize")
    # Automatic training is on by default (API_CreateSolution.html); these tests count the
    # versions they train themselves, so like the product they turn it off.
    solution = p.create_solution(
        name=name,
        datasetGroupArn=group,
        recipeArn=f"arn:aws:personalize:::recipe/{recipe}",
        performAutoTraining=False,
    )["solutionArn"]
    emulator.advance()
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    emulator.advance()
    assert p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["status"] == "ACTIVE"
    return {"solution": solution, "version": version}


ITEMS_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Items",
        "namespace": "com.amazonaws.personalize.schema",
        "version": "1.0",
        "fields": [{"name": "ITEM_ID", "type": "string"}, {"name": "GENRE", "type": "string", "categorical": True}],
    }
)


def with_items_dataset(p, emulator, group: str, name: str) -> str:
    """An ACTIVE (empty) Items dataset in `group`: the segmentation recipes train only with
    one (https://docs.aws.amazon.com/personalize/latest/dg/user-segmentation-recipes.html)."""
    schema = p.create_schema(name=f"{name}-items", schema=ITEMS_SCHEMA)["schemaArn"]
    dataset = p.create_dataset(name=f"{name}-items", schemaArn=schema, datasetGroupArn=group, datasetType="Items")
    emulator.advance()
    return dataset["datasetArn"]
