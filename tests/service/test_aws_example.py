"""The shipped stack for a real account (Pulumi.aws-example.yaml) previews
cleanly: the whole program under mocks (pulumi-aws cannot run offline) with the
file's own values, its brought bucket holding a version data preparation
exported (into personalize-local's S3, which the preview's checks read)."""

import pytest
import yaml

from prep.config import load_config
from prep.pipeline import prepare
from tests.helpers.data import interactions_csv
from tests.helpers.mocked_program import OwnedBuckets, run_program
from tests.helpers.paths import ROOT

EXAMPLE = yaml.safe_load((ROOT / "Pulumi.aws-example.yaml").read_text())["config"]
PERSONALIZE = {k.removeprefix("personalize:"): v for k, v in EXAMPLE.items() if k.startswith("personalize:")}
AWS = {k.removeprefix("aws:"): v for k, v in EXAMPLE.items() if k.startswith("aws:")}
ACCOUNT = PERSONALIZE["storage"]["roleArn"].split(":")[4]


@pytest.fixture(scope="module")
def exported_bucket(aws, emulator, tmp_path_factory):
    """The example's bucket with its dataset version: interactions, items and users."""
    bucket = PERSONALIZE["storage"]["bucketName"]
    aws("s3").create_bucket(Bucket=bucket)
    work = tmp_path_factory.mktemp("example")
    raw = interactions_csv(rows=1500, seed=9).decode()
    (work / "raw.csv").write_text(raw)
    rows = [line.split(",") for line in raw.splitlines()[1:]]
    (work / "items.csv").write_text("ITEM_ID,PRICE\n" + "".join(f"{i},2.5\n" for i in sorted({r[1] for r in rows})))
    (work / "users.csv").write_text("USER_ID,TIER\n" + "".join(f"{u},gold\n" for u in sorted({r[0] for r in rows})))
    columns = ("USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP")
    table = {"kind": "csv"}
    config = {
        "name": "example",
        "holdout": {"days": 7},
        "interactions": {
            "sources": [{**table, "path": str(work / "raw.csv")}],
            "mapping": {c: {"column": c} for c in columns},
        },
        "items": {
            "sources": [{**table, "path": str(work / "items.csv")}],
            "mapping": {"ITEM_ID": {"column": "ITEM_ID"}, "PRICE": {"column": "PRICE", "cast": "float"}},
        },
        "users": {
            "sources": [{**table, "path": str(work / "users.csv")}],
            "mapping": {"USER_ID": {"column": "USER_ID"}, "TIER": {"column": "TIER", "categorical": True}},
        },
    }
    (work / "dataset.yaml").write_text(yaml.safe_dump(config))
    version = PERSONALIZE["datasetGroups"][0]["datasetVersion"]
    prepare(load_config(str(work / "dataset.yaml")), version, f"s3://{bucket}", s3_endpoint=emulator.endpoint)
    return bucket


def test_the_aws_example_stack_previews_cleanly(exported_bucket, aws, monkeypatch):
    monkeypatch.setattr("stacks.datasets._s3", lambda stack: aws("s3"))
    monkeypatch.setattr("stacks.accounts.personalize_account", lambda stack: ACCOUNT)
    monkeypatch.setattr("stacks.accounts.client", lambda *a, **k: OwnedBuckets())
    mocks = run_program("aws-example", PERSONALIZE, aws=AWS)

    kinds = {kind: len(mocks.personalize(kind)) for kind in ("DatasetGroup", "Dataset", "DatasetImportJob")}
    assert kinds == {"DatasetGroup": 1, "Dataset": 3, "DatasetImportJob": 3}
    assert len(mocks.personalize("Campaign")) == len(PERSONALIZE["experiments"])
    everything = [
        i for kind in ("DatasetGroup", "Dataset", "Solution", "Campaign") for i in mocks.personalize(kind).values()
    ]
    assert {i["region"] for i in everything} == {AWS["region"]}
    tags = {t["tagKey"]: t["tagValue"] for t in next(iter(mocks.personalize("Campaign").values()))["tags"]}
    assert tags["team"] == "recommendations" and tags["personalize-pulumi:environment"] == "production"
