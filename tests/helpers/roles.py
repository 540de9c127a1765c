"""A role Amazon Personalize may assume to use one bucket, with the bucket's
policy letting it in: what AWS's docs ask for, and what personalize-local now
checks before every S3 access a job makes (local/access.py).

- trust: personalize.amazonaws.com may call sts:AssumeRole, from this account
  (https://docs.aws.amazon.com/personalize/latest/dg/cross-service-confused-deputy-prevention.html)
- role policy and bucket policy: s3:GetObject, s3:ListBucket, s3:PutObject on the bucket
  (https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-s3-access.html)"""

import json

ACCOUNT = "123456789012"
SERVICE = "personalize.amazonaws.com"
ACTIONS = ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]


def trust_policy(account: str = ACCOUNT) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": SERVICE},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account},
                        "ArnLike": {"aws:SourceArn": f"arn:aws:personalize:*:{account}:*"},
                    },
                }
            ],
        }
    )


def bucket_resources(bucket: str) -> list[str]:
    return [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]


def role_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ACTIONS, "Resource": bucket_resources(bucket)}],
        }
    )


def bucket_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": SERVICE},
                    "Action": ACTIONS,
                    "Resource": bucket_resources(bucket),
                }
            ],
        }
    )


def personalize_role(iam, s3, name: str, bucket: str) -> str:
    """Create role `name` for Personalize to use `bucket` (which must exist), put
    the bucket's policy, and return the role's ARN."""
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy())["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="personalize-s3", PolicyDocument=role_policy(bucket))
    s3.put_bucket_policy(Bucket=bucket, Policy=bucket_policy(bucket))
    return arn
