"""IAM policies of the CI roles, as JSON documents.

`preview`: the read-only role pull-request previews assume
(`vars.AWS_PREVIEW_ROLE_ARN` in .github/workflows/preview.yml): what
`pulumi preview --refresh` of this program reads, and no write action at all.
Pull-request code runs under it, so it can look but not change anything.

`preview-state`: what the same role needs of an S3 state backend
(`PULUMI_BACKEND_URL=s3://...`): read the state, and the one write a DIY
backend takes even for a preview, its lock object under `.pulumi/locks/`.
Not needed with Pulumi Cloud as the backend.

    python -m stacks.ci_policies preview --bucket NAME --account ID --region R
    python -m stacks.ci_policies preview-state --state-bucket NAME

No Pulumi import: this runs outside the program."""

import argparse
import json
from collections.abc import Sequence
from typing import Any

from common.layout import DATASETS_PREFIX, MANIFEST_FILE

# The role the program creates when a stack brings none: DataStorage("data")
# in __main__.py names it f"{name}-personalize-role", and Pulumi's autonaming
# appends a random suffix.
CREATED_ROLE_PREFIX = "data-personalize-role-"
# Personalize's own resources, described without a region or account in their ARN.
PERSONALIZE_GLOBAL = ("recipe", "algorithm", "feature-transformation")
# A DIY backend's layout: the state under .pulumi/, its locks under .pulumi/locks/.
STATE_PREFIX = ".pulumi/"
LOCKS_PREFIX = ".pulumi/locks/"

# An action is read-only when its name starts with one of these (STS aside), or it is listed.
READ_ONLY_PREFIXES = ("Describe", "List", "Get")
READ_ONLY_ACTIONS = ("sts:GetCallerIdentity",)


def preview_policy(bucket: str, account: str, region: str) -> dict[str, Any]:
    """The read-only role of pull-request previews, for one stack's account,
    region and data bucket (the stack's `bucket` output, or storage.bucketName)."""
    personalize = f"arn:aws:personalize:{region}:{account}:*"
    bucket_arn = f"arn:aws:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                # The pulumi-aws provider checks its credentials; the program reads its account id.
                "Sid": "WhoAmI",
                "Effect": "Allow",
                "Action": "sts:GetCallerIdentity",
                "Resource": "*",
            },
            {
                # Every Personalize resource the providers read back (refresh, a job's status at
                # diff), a version's metrics, and the service's own recipes and algorithms.
                "Sid": "PersonalizeDescribe",
                "Effect": "Allow",
                "Action": ["personalize:Describe*", "personalize:GetSolutionMetrics"],
                "Resource": [personalize, *(f"arn:aws:personalize:::{kind}/*" for kind in PERSONALIZE_GLOBAL)],
            },
            {
                # List operations (adoption, campaigns serving a model; ListTagsForResource of
                # a solution) take no resource-level scope.
                "Sid": "PersonalizeList",
                "Effect": "Allow",
                "Action": "personalize:List*",
                "Resource": "*",
            },
            {
                # The exported dataset versions, checked at preview (stacks/datasets.py):
                # their keys and manifests, not the customers' data.
                "Sid": "DataExportsListed",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": bucket_arn,
                "Condition": {"StringLike": {"s3:prefix": [f"{DATASETS_PREFIX}*"]}},
            },
            {
                "Sid": "DataManifestsRead",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"{bucket_arn}/{DATASETS_PREFIX}*/{MANIFEST_FILE}",
            },
            {
                # A refresh of the bucket the program creates and its settings (pulumi-aws).
                "Sid": "DataBucketSettingsRead",
                "Effect": "Allow",
                "Action": [
                    "s3:GetBucket*",
                    "s3:GetAccelerateConfiguration",
                    "s3:GetEncryptionConfiguration",
                    "s3:GetLifecycleConfiguration",
                    "s3:GetReplicationConfiguration",
                ],
                "Resource": bucket_arn,
            },
            {
                # A refresh of the role the program creates for Personalize, and its inline policy.
                "Sid": "PersonalizeRoleRead",
                "Effect": "Allow",
                "Action": ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"],
                "Resource": f"arn:aws:iam::{account}:role/{CREATED_ROLE_PREFIX}*",
            },
        ],
    }


def preview_state_policy(state_bucket: str) -> dict[str, Any]:
    """What a preview needs of an S3 state backend: read the state, and take
    (write, then delete) its lock object, which the DIY backend does for a
    preview too. The only writes the preview role has, confined to the locks."""
    bucket_arn = f"arn:aws:s3:::{state_bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "StateListed",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": bucket_arn,
                "Condition": {"StringLike": {"s3:prefix": [f"{STATE_PREFIX}*"]}},
            },
            {
                "Sid": "StateRead",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"{bucket_arn}/{STATE_PREFIX}*",
            },
            {
                "Sid": "StateLock",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "Resource": f"{bucket_arn}/{LOCKS_PREFIX}*",
            },
        ],
    }


def actions(policy: dict[str, Any]) -> list[str]:
    """Every action the policy's Allow statements grant, as written."""
    found: list[str] = []
    for statement in policy["Statement"]:
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            found.append(f"NotAction:{statement['NotAction']}")  # grants everything else: never read-only
        granted = statement.get("Action", [])
        found += [granted] if isinstance(granted, str) else list(granted)
    return found


def is_read_only(action: str) -> bool:
    if action in READ_ONLY_ACTIONS:
        return True
    service, _, name = action.partition(":")
    # STS's other Get* actions (GetSessionToken, GetFederationToken) hand out credentials.
    return service not in ("", "sts") and name.startswith(READ_ONLY_PREFIXES)


def write_actions(policy: dict[str, Any]) -> list[str]:
    """The actions of the policy that are not read-only: none for the preview role."""
    return [a for a in actions(policy) if not is_read_only(a)]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m stacks.ci_policies", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="the read-only role of pull-request previews")
    preview.add_argument("--bucket", required=True, help="the stack's data bucket (its `bucket` output)")
    preview.add_argument("--account", required=True, help="the AWS account id of the stack")
    preview.add_argument("--region", required=True, help="the stack's region (connection.region)")
    state = commands.add_parser("preview-state", help="what the preview role needs of an S3 state backend")
    state.add_argument("--state-bucket", required=True, help="the bucket of PULUMI_BACKEND_URL=s3://...")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "preview":
        policy = preview_policy(args.bucket, args.account, args.region)
    else:
        policy = preview_state_policy(args.state_bucket)
    print(json.dumps(policy, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
