"""Bring what the `local` stack expects to find in personalize-local besides its
data: the bucket, the role Personalize assumes, and the policies that let it in,
as AWS's docs describe them (personalize-local checks each one before every S3
access a job makes):

- the role's trust policy: personalize.amazonaws.com, from this account only
  (https://docs.aws.amazon.com/personalize/latest/dg/cross-service-confused-deputy-prevention.html)
- the role's policy and the bucket's policy: s3:GetObject, s3:ListBucket and s3:PutObject
  (https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-s3-access.html)

Idempotent: the bucket and role are created when missing, and their policies
are put every time (putting the same document again changes nothing), so a
state made by an older seed gets them too. The data is exported by
`python -m prep` (see scripts/main)."""

import argparse
import json

import boto3

SERVICE = "personalize.amazonaws.com"
ACTIONS = ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--role-name", required=True)
    args = parser.parse_args()
    aws = lambda service: boto3.client(service, endpoint_url=args.endpoint, region_name="us-east-1")

    s3, iam = aws("s3"), aws("iam")
    account = aws("sts").get_caller_identity()["Account"]
    resources = [f"arn:aws:s3:::{args.bucket}", f"arn:aws:s3:::{args.bucket}/*"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": SERVICE},
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:personalize:*:{account}:*"},
                },
            }
        ],
    }
    access = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ACTIONS, "Resource": resources}]}
    bucket_policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": SERVICE}, "Action": ACTIONS, "Resource": resources}],
    }

    if args.bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=args.bucket)
    s3.put_bucket_policy(Bucket=args.bucket, Policy=json.dumps(bucket_policy))
    if args.role_name not in {r["RoleName"] for r in iam.list_roles()["Roles"]}:
        iam.create_role(RoleName=args.role_name, AssumeRolePolicyDocument=json.dumps(trust))
    else:
        iam.update_assume_role_policy(RoleName=args.role_name, PolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=args.role_name, PolicyName="personalize-s3", PolicyDocument=json.dumps(access))


if __name__ == "__main__":
    main()
