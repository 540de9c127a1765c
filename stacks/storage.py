"""The data bucket and the role Personalize assumes to read it: created with
secure defaults, or brought by name and ARN (teams with a data lake, the data
stack's outputs, and the local stack, where the pulumi-aws plugin is not
available offline). The data stack (data-stack/) creates them with this same
component, and a KMS key of its own for the bucket."""

import json

import pulumi

from common.layout import PERSONALIZE_READS, PERSONALIZE_WRITES

SERVICE_PRINCIPAL = "personalize.amazonaws.com"


def _objects(bucket_arn: str, prefixes: tuple[str, ...]) -> list[str]:
    return [f"{bucket_arn}/{prefix}*" for prefix in prefixes]


def bucket_policy(bucket_arn: str, account_id: str) -> str:
    service = {"Service": SERVICE_PRINCIPAL}
    from_this_account = {"StringEquals": {"aws:SourceAccount": account_id}}
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                {
                    "Sid": "PersonalizeListsData",
                    "Effect": "Allow",
                    "Principal": service,
                    "Action": "s3:ListBucket",
                    "Resource": bucket_arn,
                    "Condition": from_this_account,
                },
                {
                    "Sid": "PersonalizeReadsInputs",
                    "Effect": "Allow",
                    "Principal": service,
                    "Action": "s3:GetObject",
                    "Resource": _objects(bucket_arn, PERSONALIZE_READS),
                    "Condition": from_this_account,
                },
                {
                    "Sid": "PersonalizeWritesResults",
                    "Effect": "Allow",
                    "Principal": service,
                    "Action": "s3:PutObject",
                    "Resource": _objects(bucket_arn, PERSONALIZE_WRITES),
                    "Condition": from_this_account,
                },
            ],
        }
    )


def trust_policy(account_id: str, service: str = SERVICE_PRINCIPAL) -> str:
    """`service` may assume the role, for this account only (the confused-deputy guard,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


# What the key policy and the role's policy must both grant Personalize on a key
# that encrypts its bucket (CreateGrant in the key policy only):
# https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-key-access.html
KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:ListGrants"]


def key_policy(account_id: str, role_arn: str) -> str:
    """The policy of the key the data stack creates: the account keeps the key's
    administration (and delegates to IAM policies, as AWS's default key policy
    does: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html);
    Personalize, from this account only, and its role may use it."""
    use = [*KEY_ACTIONS, "kms:CreateGrant"]
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministersTheKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "PersonalizeUsesTheKey",
                    "Effect": "Allow",
                    "Principal": {"Service": SERVICE_PRINCIPAL},
                    "Action": use,
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                },
                {
                    "Sid": "PersonalizeRoleUsesTheKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": role_arn},
                    "Action": use,
                    "Resource": "*",
                },
            ],
        }
    )


def role_policy(bucket_arn: str, kms_key_arn: str | None = None) -> str:
    kms = [{"Effect": "Allow", "Action": KEY_ACTIONS, "Resource": kms_key_arn}] if kms_key_arn else []
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": kms
            + [
                {
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": bucket_arn,
                    "Condition": {
                        "StringLike": {"s3:prefix": sorted({f"{p}*" for p in PERSONALIZE_READS + PERSONALIZE_WRITES})}
                    },
                },
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": _objects(bucket_arn, PERSONALIZE_READS)},
                {"Effect": "Allow", "Action": "s3:PutObject", "Resource": _objects(bucket_arn, PERSONALIZE_WRITES)},
            ],
        }
    )


class DataStorage(pulumi.ComponentResource):
    """The bucket and the role, brought (`bucket_name` and `role_arn`) or created.

    Created, the bucket is encrypted with `kms_key_arn`, or with a key made here
    when `create_kms_key` (the data stack: rotated yearly, its policy letting
    Personalize and the role use it), or else with S3-managed keys."""

    bucket_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str | None]

    def __init__(
        self,
        name: str,
        bucket_name: str | None = None,
        role_arn: str | None = None,
        kms_key_arn: str | None = None,
        create_kms_key: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("personalize:storage:DataStorage", name, None, opts)
        if bucket_name and role_arn:
            self.bucket_name = pulumi.Output.from_input(bucket_name)
            self.role_arn = pulumi.Output.from_input(role_arn)
            self.kms_key_arn = pulumi.Output.from_input(None)
            self.register_outputs({"bucket_name": self.bucket_name, "role_arn": self.role_arn})
            return
        # Imported only to create: the package takes a few tenths of a second to
        # import, and a brought bucket's preview would pay them for nothing.
        import pulumi_aws as aws

        child = pulumi.ResourceOptions(parent=self)
        account_id = aws.get_caller_identity_output().account_id
        bucket = aws.s3.Bucket(f"{name}-bucket", force_destroy=False, opts=child)
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        role = aws.iam.Role(f"{name}-personalize-role", assume_role_policy=account_id.apply(trust_policy), opts=child)
        key: pulumi.Input[str] | None = kms_key_arn
        if create_kms_key and not kms_key_arn:
            key = aws.kms.Key(
                f"{name}-key",
                description="Encrypts the Amazon Personalize data bucket",
                # Yearly rotation (https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html).
                enable_key_rotation=True,
                deletion_window_in_days=30,
                policy=pulumi.Output.all(account_id, role.arn).apply(lambda args: key_policy(*args)),
                opts=child,
            ).arn
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": key,
                    }
                    if key
                    else {"sse_algorithm": "AES256"},
                    "bucket_key_enabled": bool(key),
                }
            ],
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=child
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, account_id).apply(lambda args: bucket_policy(*args)),
            # The public access block must exist first or the policy call races it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )
        aws.iam.RolePolicy(
            f"{name}-personalize-access",
            role=role.id,
            policy=pulumi.Output.all(bucket.arn, key).apply(lambda args: role_policy(*args)),
            opts=child,
        )
        self.bucket_name = bucket.bucket
        self.role_arn = role.arn
        self.kms_key_arn = pulumi.Output.from_input(key)
        self.register_outputs({"bucket_name": self.bucket_name, "role_arn": self.role_arn})
