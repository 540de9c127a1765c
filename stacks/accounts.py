"""One account for the whole stack, checked at preview before anything is
registered: the account the Personalize calls run as (the run's connection)
must be the account of the data bucket and of the role Personalize assumes.
A role of another account cannot be passed to the service, and a bucket of
another account would need a cross-account policy the program does not write."""

from typing import Any

from common.layout import DATASETS_PREFIX
from service.client import client, error_code
from service.connection import current
from stacks.config import ConfigError, StackConfig

# IAM role ARNs: arn:<partition>:iam::<account>:role/<path/name>.
ROLE_ARN_PARTS = 6


def personalize_account(stack: StackConfig) -> str:
    """The account the run's connection calls Personalize as (sts:GetCallerIdentity)."""
    return client("sts", stack.connection.region, stack.connection.endpoint).get_caller_identity()["Account"]


def _unusable(stack: StackConfig, error: Exception) -> ConfigError:
    """Credentials that cannot be had, as the config key that names them."""
    connection = current()
    if type(error).__name__ == "ProfileNotFound":
        return ConfigError(
            stack.stack, "aws:profile", connection.profile, f"a profile of the AWS config file ({error})"
        )
    if connection.assume_roles and error_code(error) is not None:
        roles = [r.role_arn for r in connection.assume_roles]
        return ConfigError(stack.stack, "aws:assumeRoles", roles, f"roles these credentials may assume ({error})")
    return ConfigError(
        stack.stack,
        "aws:profile",
        connection.profile,
        f"credentials that STS accepts ({type(error).__name__}: {error})",
    )


def pulumi_aws_account() -> str:
    """The account pulumi-aws creates the bucket and role in (its own credentials)."""
    import pulumi_aws as aws

    return aws.get_caller_identity().account_id


def role_account(role_arn: str) -> str | None:
    parts = role_arn.split(":")
    return parts[4] if len(parts) == ROLE_ARN_PARTS and parts[2] == "iam" and parts[4] else None


def check_one_account(stack: StackConfig, s3: Any = None) -> str:
    """The stack's account; a ConfigError naming both accounts when the storage is elsewhere."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        account = personalize_account(stack)
    except (BotoCoreError, ClientError) as error:
        raise _unusable(stack, error) from None
    calls = f"the account the Personalize calls run as ({current().describe()})"
    storage = stack.storage
    if not storage.bucket_name or not storage.role_arn:
        created_in = pulumi_aws_account()
        if created_in != account:
            raise ConfigError(
                stack.stack,
                "aws:profile",
                current().profile,
                f"credentials for one account: pulumi-aws would create the bucket and role in account "
                f"{created_in}, and {calls} is {account}",
            )
        return account
    if (held_by := role_account(storage.role_arn)) != account:
        raise ConfigError(
            stack.stack,
            "personalize:storage.roleArn",
            storage.role_arn,
            f"a role of account {account}, {calls}; this one is in account {held_by}",
        )
    s3 = s3 or client("s3", stack.connection.region, stack.connection.endpoint)
    try:
        # S3 answers 403 when the bucket belongs to another account
        # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html).
        # A listing of the exports' prefix: what the preview may read anyway
        # (stacks/ci_policies.py), where HeadBucket would need the whole bucket's.
        s3.list_objects_v2(Bucket=storage.bucket_name, Prefix=DATASETS_PREFIX, MaxKeys=1, ExpectedBucketOwner=account)
    except Exception as error:
        if error_code(error) not in ("403", "AccessDenied", "Forbidden"):
            raise
        raise ConfigError(
            stack.stack,
            "personalize:storage.bucketName",
            storage.bucket_name,
            f"a bucket of account {account}, {calls}; S3 answers that this one is not "
            "(or that the account may not read it)",
        ) from None
    return account
