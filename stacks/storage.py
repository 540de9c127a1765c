"""The data bucket: created with secure defaults, or brought by name."""

import json

import pulumi
import pulumi_aws as aws


def tls_only_policy(bucket_arn: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    })


class DataBucket(pulumi.ComponentResource):
    """Exports `bucket_name`. With `existing_name` nothing is created: teams
    with a data lake, and the local stack (no pulumi-aws plugin offline), bring
    their own bucket."""

    bucket_name: pulumi.Output[str]

    def __init__(self, name: str, existing_name: str | None = None, opts: pulumi.ResourceOptions | None = None):
        super().__init__("personalize:storage:DataBucket", name, None, opts)
        if existing_name:
            self.bucket_name = pulumi.Output.from_input(existing_name)
            self.register_outputs({"bucket_name": self.bucket_name})
            return

        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(name, force_destroy=False, opts=child)
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access", bucket=bucket.id,
            block_public_acls=True, block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
            opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child)
        aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket.id,
            versioning_configuration={"status": "Enabled"}, opts=child)
        aws.s3.BucketPolicy(f"{name}-tls-only", bucket=bucket.id, policy=bucket.arn.apply(tls_only_policy), opts=child)
        self.bucket_name = bucket.bucket
        self.register_outputs({"bucket_name": self.bucket_name})
