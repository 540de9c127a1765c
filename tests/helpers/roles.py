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


def data_stack_stand_in(aws, bucket: str, role: str = "data-personalize-role") -> dict[str, str]:
    """What the data stack (data-stack/) makes, made in the emulator's moto with
    boto3, for the engine tests: its pulumi-aws `up` cannot run offline. The
    policies are the ones the data stack declares, from stacks/storage.py (whose
    unit tests check them against the emulator's evaluator): the bucket's
    (TLS only, Personalize of this account on its prefixes), the role's trust and
    access, and the KMS key's, which encrypts the bucket and rotates. Returns the
    data stack's outputs: bucket, roleArn, kmsKeyArn, region."""
    from stacks import storage

    s3, iam, kms = aws("s3"), aws("iam"), aws("kms")
    s3.create_bucket(Bucket=bucket)
    bucket_arn = f"arn:aws:s3:::{bucket}"
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=storage.trust_policy(ACCOUNT))["Role"]["Arn"]
    key_arn = kms.create_key(
        Description="Encrypts the Amazon Personalize data bucket", Policy=storage.key_policy(ACCOUNT, role_arn)
    )["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key_arn)
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=storage.bucket_policy(bucket_arn, ACCOUNT))
    iam.put_role_policy(
        RoleName=role, PolicyName="data-personalize-access", PolicyDocument=storage.role_policy(bucket_arn, key_arn)
    )
    return {"bucket": bucket, "roleArn": role_arn, "kmsKeyArn": key_arn, "region": "us-east-1"}
