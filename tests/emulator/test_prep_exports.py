"""A version `python -m prep` exports is what the service takes: its schemas create datasets
(found through the manifest), its files import, and the recipes and use cases the stack
deploys train on them. The dataset configs are the repo's own (datasets/online-retail*.yaml),
pointed at a small synthetic file shaped like the Online Retail export, so the test is fast."""

import csv
import io
import json
from datetime import datetime, timedelta

import numpy as np
import pytest
import yaml

from prep.config import load_config
from prep.pipeline import prepare
from tests.helpers.emulator import train
from tests.helpers.paths import ROOT
from tests.helpers.roles import personalize_role

COUNTRIES = ("United Kingdom", "France", "Germany", "EIRE")


def retail_csv(customers: int = 60, items: int = 90, lines: int = 2600, seed: int = 5) -> bytes:
    """Invoice lines as the UCI file has them: float CustomerIDs, some missing, some cancelled."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, items + 1)
    start = datetime(2011, 9, 1, 8, 0, 0)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
    )
    for n in range(lines):
        customer = n % customers if n < 2 * customers else int(rng.integers(customers))
        item = int(rng.choice(items, p=popularity / popularity.sum()))
        when = start + timedelta(minutes=int(rng.integers(60 * 24 * 60)))
        invoice = f"C{540000 + n}" if n % 50 == 7 else str(540000 + n)
        writer.writerow(
            [
                invoice,
                f"{20000 + item}{'A' if item % 7 == 0 else ''}",
                f"PRODUCT {item}",
                -1 if invoice.startswith("C") else int(rng.integers(1, 12)),
                when.strftime("%Y-%m-%d %H:%M:%S"),
                f"{0.5 + item % 9:.2f}",
                "" if n % 40 == 3 else f"{12000 + customer}.0",
                COUNTRIES[customer % len(COUNTRIES)],
            ]
        )
    return out.getvalue().encode()


def config_on(tmp_path, name: str, source, extra: dict | None = None):
    """datasets/<name>.yaml with every source read from `source`."""
    raw = yaml.safe_load((ROOT / "datasets" / f"{name}.yaml").read_text())
    for kind in ("interactions", "items", "users"):
        for s in (raw.get(kind) or {}).get("sources", []):
            s["path"] = str(source)
    raw.update(extra or {})
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return load_config(str(path))


@pytest.fixture
def bucket(emulator, unique, tmp_path):
    s3 = emulator.client("s3")
    name = f"prep-{unique}"
    s3.create_bucket(Bucket=name)
    source = tmp_path / "online-retail.csv"
    source.write_bytes(retail_csv())
    role = personalize_role(emulator.client("iam"), s3, name, name)
    return {"name": name, "role": role, "source": source}


def import_version(emulator, group: str, bucket: dict, manifest: dict, prefix: str, domain=None) -> dict:
    """Datasets of `group` from the manifest's schemas, with the version's files imported."""
    p, s3 = emulator.client("personalize"), emulator.client("s3")
    base = f"datasets/{manifest['version']}/"
    arns = {}
    for kind, entry in manifest["datasets"].items():
        body = s3.get_object(Bucket=bucket["name"], Key=base + entry["schema"])["Body"].read().decode()
        schema = p.create_schema(name=f"{prefix}-{kind}", schema=body, **({"domain": domain} if domain else {}))
        arns[kind] = p.create_dataset(
            name=f"{prefix}-{kind}",
            schemaArn=schema["schemaArn"],
            datasetGroupArn=group,
            datasetType=kind.capitalize(),
        )["datasetArn"]
    emulator.advance()
    jobs = [
        p.create_dataset_import_job(
            jobName=f"{prefix}-{kind}",
            datasetArn=arns[kind],
            roleArn=bucket["role"],
            dataSource={"dataLocation": f"s3://{bucket['name']}/{base}{entry['file']}"},
        )["datasetImportJobArn"]
        for kind, entry in manifest["datasets"].items()
    ]
    emulator.advance()
    for job in jobs:
        described = p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]
        assert described["status"] == "ACTIVE", described.get("failureReason")
    return arns


def test_the_online_retail_version_imports_and_trains_the_experiments_recipes(emulator, p, unique, bucket):
    config = config_on(bucket["source"].parent, "online-retail", bucket["source"])
    manifest = prepare(config, f"t-{unique}", f"s3://{bucket['name']}", s3_endpoint=emulator.endpoint)
    assert manifest["domain"] is None
    assert manifest["datasets"]["users"] == {"file": "users.csv", "schema": "schemas/users.json", "rows": 60}
    assert set(manifest["datasets"]) == {"interactions", "items", "users"}
    assert all(
        entry["file"] in manifest["files"] and entry["schema"] in manifest["files"]
        for entry in manifest["datasets"].values()
    )
    group = p.create_dataset_group(name=f"retail-{unique}")["datasetGroupArn"]
    emulator.advance()
    import_version(emulator, group, bucket, manifest, f"retail-{unique}")

    runtime = emulator.client("personalize-runtime")
    for recipe in ("aws-popularity-count", "aws-user-personalization-v2", "aws-similar-items"):
        version = train(emulator, group, f"retail-{unique}-{recipe[4:]}", recipe)["version"]
        campaign = p.create_campaign(name=f"retail-{unique}-{recipe[4:]}", solutionVersionArn=version)["campaignArn"]
        emulator.advance()
        asked = {"itemId": "20001"} if recipe == "aws-similar-items" else {"userId": "12001"}
        assert runtime.get_recommendations(campaignArn=campaign, numResults=5, **asked)["itemList"]


def test_the_ecommerce_version_serves_the_purchase_use_cases(emulator, p, unique, bucket):
    # The repo's config, plus an Items table only this synthetic file can honestly have: its
    # Description stands in for a category (the real invoices have none).
    items = {
        "sources": [{"name": "invoices", "kind": "csv", "path": str(bucket["source"])}],
        "query": "SELECT StockCode, Description, UnitPrice FROM invoices",
        "mapping": {
            "ITEM_ID": {"column": "StockCode"},
            "PRICE": {"column": "UnitPrice", "cast": "float"},
            "CATEGORY_L1": {"column": "Description", "categorical": True},
        },
    }
    config = config_on(bucket["source"].parent, "online-retail-ecommerce", bucket["source"], {"items": items})
    manifest = prepare(config, f"e-{unique}", f"s3://{bucket['name']}", s3_endpoint=emulator.endpoint)
    assert manifest["domain"] == "ECOMMERCE" and set(manifest["training"]["event_types"]) == {"Purchase"}
    s3 = emulator.client("s3")
    schema = json.loads(
        s3.get_object(Bucket=bucket["name"], Key=f"datasets/e-{unique}/schemas/items.json")["Body"].read()
    )
    assert {"name": "CATEGORY_L1", "type": "string", "categorical": True} in schema["fields"]
    assert {"name": "PRICE", "type": "float"} in schema["fields"]

    group = p.create_dataset_group(name=f"shop-{unique}", domain="ECOMMERCE")["datasetGroupArn"]
    emulator.advance()
    import_version(emulator, group, bucket, manifest, f"shop-{unique}", domain=manifest["domain"])
    runtime = emulator.client("personalize-runtime")
    for use_case, asked in (
        ("aws-ecomm-popular-items-by-purchases", {"userId": "12001"}),
        ("aws-ecomm-frequently-bought-together", {"itemId": "20001"}),
    ):
        arn = p.create_recommender(
            name=f"shop-{unique}-{use_case[10:]}",
            datasetGroupArn=group,
            recipeArn=f"arn:aws:personalize:::recipe/{use_case}",
        )["recommenderArn"]
        emulator.advance()
        described = p.describe_recommender(recommenderArn=arn)["recommender"]
        assert described["status"] == "ACTIVE", described.get("failureReason")
        assert runtime.get_recommendations(recommenderArn=arn, numResults=5, **asked)["itemList"]
