"""The documented import rules, seen through boto3: which the call refuses and
which end the job (or the training) CREATE FAILED with a failureReason."""

import json

import pytest

from tests.helpers.data import INTERACTIONS_SCHEMA, interactions_csv

DOC = "https://docs.aws.amazon.com/personalize/latest/dg/"


def new_dataset(emulator, p, name: str, dataset_type: str = "Interactions", schema: str = INTERACTIONS_SCHEMA):
    group = p.create_dataset_group(name=name)["datasetGroupArn"]
    emulator.advance()
    schema_arn = p.create_schema(name=f"{name}-schema", schema=schema)["schemaArn"]
    dataset = p.create_dataset(
        name=f"{name}-{dataset_type.lower()}", schemaArn=schema_arn, datasetGroupArn=group, datasetType=dataset_type
    )["datasetArn"]
    emulator.advance()
    return group, dataset, schema_arn


def put_csv(emulator, data_bucket, key: str, body: bytes) -> str:
    emulator.client("s3").put_object(Bucket=data_bucket["bucket"], Key=key, Body=body)
    return f"s3://{data_bucket['bucket']}/{key}"


def start_import(p, data_bucket, name: str, dataset: str, location: str, mode: str = "FULL") -> str:
    return p.create_dataset_import_job(
        jobName=name,
        datasetArn=dataset,
        roleArn=data_bucket["role"],
        dataSource={"dataLocation": location},
        importMode=mode,
    )["datasetImportJobArn"]


def import_job(p, arn: str) -> dict:
    return p.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]


def test_incremental_import_is_refused_until_a_bulk_import_is_active(emulator, p, data_bucket, unique):
    # API_CreateDatasetImportJob.html (importMode) and updating-existing-bulk-data.html: without
    # bulk records imported before, only FULL can be specified.
    _, dataset, _ = new_dataset(emulator, p, f"incr-{unique}")
    location = f"s3://{data_bucket['bucket']}/interactions/"
    with pytest.raises(p.exceptions.InvalidInputException, match="INCREMENTAL"):
        start_import(p, data_bucket, f"incr-first-{unique}", dataset, location, "INCREMENTAL")
    full = start_import(p, data_bucket, f"incr-full-{unique}", dataset, location)
    with pytest.raises(p.exceptions.InvalidInputException, match="INCREMENTAL"):  # not imported yet
        start_import(p, data_bucket, f"incr-early-{unique}", dataset, location, "INCREMENTAL")
    emulator.advance()
    assert import_job(p, full)["status"] == "ACTIVE"
    appended = start_import(p, data_bucket, f"incr-after-{unique}", dataset, location, "INCREMENTAL")
    emulator.advance()
    assert import_job(p, appended)["status"] == "ACTIVE"


def test_a_failed_full_import_does_not_open_the_dataset_to_incremental(emulator, p, data_bucket, unique):
    _, dataset, _ = new_dataset(emulator, p, f"incrfail-{unique}")
    few = put_csv(emulator, data_bucket, f"few-{unique}.csv", interactions_csv(users=10, rows=40))
    failed = start_import(p, data_bucket, f"incrfail-full-{unique}", dataset, few)
    emulator.advance()
    assert import_job(p, failed)["status"] == "CREATE FAILED"
    with pytest.raises(p.exceptions.InvalidInputException, match="INCREMENTAL"):
        start_import(
            p,
            data_bucket,
            f"incrfail-incr-{unique}",
            dataset,
            f"s3://{data_bucket['bucket']}/interactions/",
            "INCREMENTAL",
        )


def test_incremental_import_counts_only_its_own_records_against_the_minimum(emulator, p, data_bucket, unique):
    # limits.html: at least 1000 item interactions records per import job, FULL or INCREMENTAL;
    # updating-existing-bulk-data.html: 1000 new records to append. The dataset's 1500 do not count.
    _, dataset, _ = new_dataset(emulator, p, f"incrmin-{unique}")
    full = start_import(
        p, data_bucket, f"incrmin-full-{unique}", dataset, f"s3://{data_bucket['bucket']}/interactions/"
    )
    emulator.advance()
    assert import_job(p, full)["status"] == "ACTIVE"
    small = put_csv(emulator, data_bucket, f"small-{unique}.csv", interactions_csv(users=60, rows=999, seed=4))
    job = import_job(p, start_import(p, data_bucket, f"incrmin-incr-{unique}", dataset, small, "INCREMENTAL"))
    assert job["status"] == "CREATE PENDING"  # the records are counted when the job runs
    emulator.advance()
    job = import_job(p, job["datasetImportJobArn"])
    assert job["status"] == "CREATE FAILED"
    assert job["failureReason"] == (
        "There are not enough new item interactions records in this import: 999 found, "
        "at least 1000 are required per dataset import job"
    )


def test_too_few_active_users_fail_the_training_not_the_import(emulator, p, data_bucket, unique):
    # limits.html: 25 users with 2 or more interactions are required "to create a solution
    # version or recommender": an import of 1000+ records with 20 such users is accepted.
    group, dataset, _ = new_dataset(emulator, p, f"users-{unique}")
    rows = ["USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP"]
    rows += [f"u{u},i{n % 40},click,{1_700_000_000 + 100 * u + n}" for u in range(20) for n in range(50)]
    rows += [f"single{k},i1,click,{1_700_100_000 + k}" for k in range(30)]
    location = put_csv(emulator, data_bucket, f"users-{unique}.csv", ("\n".join(rows) + "\n").encode())
    job = start_import(p, data_bucket, f"users-import-{unique}", dataset, location)
    emulator.advance()
    assert import_job(p, job)["status"] == "ACTIVE"
    solution = p.create_solution(
        name=f"users-solution-{unique}", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/aws-sims"
    )["solutionArn"]
    emulator.advance()
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    emulator.advance()
    described = p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]
    assert described["status"] == "CREATE FAILED"
    assert described["failureReason"] == (
        "There are not enough users with at least 2 interactions: 20 found, at least 25 are required"
    )


ITEMS_FIELDS = [
    {"name": "ITEM_ID", "type": "string"},
    {"name": "GENRE", "type": ["null", "string"], "categorical": True},
    {"name": "PRICE", "type": ["null", "float"]},
]


def items_schema(fields: list[dict]) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": "Items",
            "namespace": "com.amazonaws.personalize.schema",
            "version": "1.0",
            "fields": fields,
        }
    )


@pytest.mark.parametrize(
    "case, fields",
    [
        ("drops a field", ITEMS_FIELDS[:2]),
        ("changes a type", [*ITEMS_FIELDS[:2], {"name": "PRICE", "type": ["null", "int"]}]),
        ("drops nullability", [*ITEMS_FIELDS[:2], {"name": "PRICE", "type": "float"}]),
        ("changes an attribute", [ITEMS_FIELDS[0], {"name": "GENRE", "type": ["null", "string"]}, ITEMS_FIELDS[2]]),
        ("adds a required field", [*ITEMS_FIELDS, {"name": "YEAR", "type": "int"}]),
    ],
)
def test_update_dataset_refuses_an_incompatible_schema(emulator, p, unique, case, fields):
    # updating-dataset-schema.html: keep every previous field, its type and attributes; new
    # fields must support null. API_UpdateDataset.html: InvalidInputException.
    _, dataset, previous = new_dataset(emulator, p, f"upd-{unique}", "Items", items_schema(ITEMS_FIELDS))
    replacement = p.create_schema(name=f"upd-new-{unique}", schema=items_schema(fields))["schemaArn"]
    with pytest.raises(p.exceptions.InvalidInputException, match="cannot replace"):
        p.update_dataset(datasetArn=dataset, schemaArn=replacement)
    emulator.advance()
    assert p.describe_dataset(datasetArn=dataset)["dataset"]["schemaArn"] == previous


def test_update_dataset_takes_a_schema_that_adds_nullable_fields(emulator, p, unique):
    _, dataset, _ = new_dataset(emulator, p, f"updok-{unique}", "Items", items_schema(ITEMS_FIELDS))
    # The previous fields in another order, a union written the other way round, one new nullable field.
    fields = [ITEMS_FIELDS[2], {"name": "GENRE", "type": ["string", "null"], "categorical": True}, ITEMS_FIELDS[0]]
    fields.append({"name": "YEAR", "type": ["null", "int"]})
    replacement = p.create_schema(name=f"updok-new-{unique}", schema=items_schema(fields))["schemaArn"]
    p.update_dataset(datasetArn=dataset, schemaArn=replacement)
    emulator.advance()
    assert p.describe_dataset(datasetArn=dataset)["dataset"]["schemaArn"] == replacement


def test_a_column_with_an_empty_header_is_skipped_but_a_named_unknown_one_fails(emulator, p, data_bucket, unique):
    # data-prep-formatting.html: the headers must map to the schema. A pandas index column
    # (DataFrame.to_csv() without index=False: an empty header) maps to nothing and is
    # skipped, as AWS's samples rely on (aws-samples/amazon-personalize-samples,
    # getting_started/notebooks_managed_domains/Building_Your_First_Recommender_Ecommerce.ipynb).
    _, dataset, _ = new_dataset(emulator, p, f"index-{unique}")
    lines = interactions_csv(seed=5).decode().splitlines()
    indexed = "\n".join([f",{lines[0]}"] + [f"{n},{line}" for n, line in enumerate(lines[1:])]) + "\n"
    job = start_import(
        p,
        data_bucket,
        f"index-{unique}",
        dataset,
        put_csv(emulator, data_bucket, f"index-{unique}/a.csv", indexed.encode()),
    )
    emulator.advance()
    assert import_job(p, job)["status"] == "ACTIVE", import_job(p, job).get("failureReason")
    named = indexed.replace(",USER_ID", "ROW,USER_ID", 1)
    job = start_import(
        p,
        data_bucket,
        f"named-{unique}",
        dataset,
        put_csv(emulator, data_bucket, f"named-{unique}/a.csv", named.encode()),
    )
    emulator.advance()
    assert import_job(p, job)["status"] == "CREATE FAILED"
    assert "not in the schema: [ROW]" in import_job(p, job)["failureReason"]
