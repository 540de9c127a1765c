"""Bring what the `local` stack expects to find in personalize-local: the data
bucket, the role Personalize assumes, and dataset version v1 exported from the
shared UCI Online Retail purchase history (Chen, Sain & Guo, 2012; CC BY 4.0).

This is a minimal export (purchases with a customer, as USER_ID, ITEM_ID,
EVENT_TYPE, TIMESTAMP); the data-preparation command of issue #6 replaces it.
Idempotent: what exists is left alone."""

import argparse
import csv
import gzip
import io
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "online-retail" / "online-retail.csv.gz"


def purchases_csv(source: Path) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"])
    with gzip.open(source, "rt", newline="") as rows:
        for row in csv.DictReader(rows):
            if not row["CustomerID"] or row["InvoiceNo"].startswith("C") or float(row["Quantity"]) <= 0:
                continue
            when = datetime.strptime(row["InvoiceDate"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
            writer.writerow([row["CustomerID"].removesuffix(".0"), row["StockCode"].strip(), "purchase", int(when.timestamp())])
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--role-name", required=True)
    args = parser.parse_args()
    aws = lambda service: boto3.client(service, endpoint_url=args.endpoint, region_name="us-east-1")

    s3, iam = aws("s3"), aws("iam")
    if args.bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=args.bucket)
    if args.role_name not in {r["RoleName"] for r in iam.list_roles()["Roles"]}:
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                          "Principal": {"Service": "personalize.amazonaws.com"}}]}
        iam.create_role(RoleName=args.role_name, AssumeRolePolicyDocument=json.dumps(trust))
    key = "datasets/v1/interactions.csv"
    if s3.list_objects_v2(Bucket=args.bucket, Prefix=key).get("KeyCount", 0) == 0:
        body = purchases_csv(SOURCE)
        s3.put_object(Bucket=args.bucket, Key=key, Body=body)
        rows = body.count(b"\n") - 1
        print(f"seed: exported {rows} purchases to s3://{args.bucket}/{key}", file=sys.stderr)


if __name__ == "__main__":
    main()
