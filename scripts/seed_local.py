"""Bring what the `local` stack expects to find in personalize-local besides its
data: the bucket and the role Personalize assumes. Idempotent: what exists is
left alone. The data is exported by `python -m prep` (see scripts/main)."""

import argparse
import json

import boto3


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
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "personalize.amazonaws.com"}}
            ],
        }
        iam.create_role(RoleName=args.role_name, AssumeRolePolicyDocument=json.dumps(trust))


if __name__ == "__main__":
    main()
