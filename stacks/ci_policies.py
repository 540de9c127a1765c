"""IAM policies of the people and CI roles that run this program, as JSON documents.

`deploy`: whoever runs `pulumi up` (a person, or the deploy role up.yml
assumes as `vars.AWS_DEPLOY_ROLE_ARN`): every Personalize operation the
service core and the providers call, derived from the resource specs
(service/specs.py), in the stack's account and region; `iam:PassRole` on the
Personalize role only, and only to Personalize; the S3 reads and writes the
program itself makes in the data bucket, and its KMS key; with
`--creates-storage`, what pulumi-aws needs for the bucket, bucket settings and
role that stacks/storage.py creates, scoped to their names.

`preview`: the read-only role pull-request previews assume
(`vars.AWS_PREVIEW_ROLE_ARN` in .github/workflows/preview.yml): what
`pulumi preview --refresh` of this program reads (the Describe, List and Get
operations among the deploy role's), and no write action at all.
Pull-request code runs under it, so it can look but not change anything.

`preview-state` and `deploy-state`: what the same roles need of an S3 state
backend (`PULUMI_BACKEND_URL=s3://...`). The preview reads the state and takes
the one write a DIY backend needs even for a preview, its lock object under
`.pulumi/locks/`; the deploy writes the state. Not needed with Pulumi Cloud.

    python -m stacks.ci_policies deploy --bucket NAME --role-arn ARN --account ID --region R [--kms-key-arn K]
    python -m stacks.ci_policies deploy --creates-storage --account ID --region R [--kms-key-arn K]
    python -m stacks.ci_policies preview --bucket NAME --account ID --region R [--kms-key-arn K] [--creates-storage]
    ... deploy|preview ... [--completion-signal STACK] [--topic created|ARN [--notifications] [--emails]]
    python -m stacks.ci_policies preview-state --state-bucket NAME
    python -m stacks.ci_policies deploy-state --state-bucket NAME

No Pulumi import: this runs outside the program."""

import argparse
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from common.layout import BATCH_INPUT_PREFIX, DATASETS_PREFIX, EVALUATIONS_PREFIX, MANIFEST_FILE, PROMOTIONS_PREFIX
from common.names import completion_function_name
from service import specs

# The role and bucket the program creates when a stack brings none: DataStorage("data")
# in __main__.py names them f"{name}-personalize-role" and f"{name}-bucket", and Pulumi's
# autonaming appends a random suffix, unknown before the first `up`.
CREATED_ROLE_PREFIX = "data-personalize-role-"
CREATED_BUCKET_PREFIX = "data-bucket-"
SERVICE_PRINCIPAL = "personalize.amazonaws.com"
# A DIY backend's layout: the state under .pulumi/, its locks under .pulumi/locks/.
STATE_PREFIX = ".pulumi/"
LOCKS_PREFIX = ".pulumi/locks/"

# An action is read-only when its name starts with one of these (STS aside), or it is listed.
READ_ONLY_PREFIXES = ("Describe", "List", "Get")
# kms:Decrypt changes nothing (S3 decrypts an object's data key with it, for GetObject),
# though the Service Authorization Reference files every use of a key under Write.
READ_ONLY_ACTIONS = ("sts:GetCallerIdentity", "kms:Decrypt")
# Personalize actions IAM takes no resource for: Resource must be "*". The List
# operations and tagging have no resource type in the Service Authorization
# Reference's table for Personalize; every other action the specs name takes the
# ARN of its resource (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonpersonalize.html).
UNSCOPED_PREFIXES = ("List",)
UNSCOPED_OPERATIONS = ("TagResource", "UntagResource")

# What pulumi-aws calls for each resource type stacks/storage.py creates, as IAM
# actions (create, read on refresh, update, delete). A bucket's read is HeadBucket
# (s3:ListBucket) and a Get of each of its settings; deleting a public access block or
# an encryption configuration takes the Put action
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html,
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html).
# tests/unit/test_ci_policies.py checks these keys are the types the program registers.
BUCKET_READS = (
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketWebsite",
    "s3:GetBucketLogging",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketTagging",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetAccelerateConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
)
STORAGE_ACTIONS: dict[str, tuple[str, ...]] = {
    "aws:s3/bucket:Bucket": (*BUCKET_READS, "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketTagging"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (
        "s3:GetBucketPublicAccessBlock",
        "s3:PutBucketPublicAccessBlock",
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "s3:GetEncryptionConfiguration",
        "s3:PutEncryptionConfiguration",
    ),
    "aws:s3/bucketVersioning:BucketVersioning": ("s3:GetBucketVersioning", "s3:PutBucketVersioning"),
    "aws:s3/bucketPolicy:BucketPolicy": ("s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"),
    "aws:iam/role:Role": (
        "iam:CreateRole",
        "iam:GetRole",
        "iam:UpdateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:DeleteRole",
    ),
    "aws:iam/rolePolicy:RolePolicy": ("iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"),
}

# The completion signal (stacks/completion.py, when personalize:completionSignal.enabled): its
# Lambda is named after the stack (common/names.py); the rest are autonamed from the
# component's name in __main__.py ("completion"), a random suffix appended. What pulumi-aws
# calls for each (create, read on refresh, update, delete), from the Terraform AWS provider's
# resources it wraps, as IAM actions
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html,
# list_amazoncloudwatchlogs.html, list_amazoneventbridgescheduler.html, list_amazonsns.html).
# The Tag actions are there for the provider's default tags (aws:defaultTags), sent at create.
# tests/unit/test_ci_policies.py checks these keys are the types the signal registers.
COMPLETION_NAME = "completion"
COMPLETION_ROLE_PREFIXES = (f"{COMPLETION_NAME}-function-role-", f"{COMPLETION_NAME}-scheduler-role-")
COMPLETION_SCHEDULE_PREFIX = f"{COMPLETION_NAME}-schedule-"
# The GitHub token's secret, declared empty when completionSignal.github names none; Secrets
# Manager appends six random characters to its name in the ARN.
COMPLETION_SECRET_PREFIX = f"{COMPLETION_NAME}-github-token-"
COMPLETION_TOPIC_PREFIX = f"{COMPLETION_NAME}-topic-"
COMPLETION_ACTIONS: dict[str, tuple[str, ...]] = {
    "aws:lambda/function:Function": (
        "lambda:CreateFunction",
        "lambda:GetFunction",
        "lambda:ListVersionsByFunction",
        # Read in the regions with code signing (aws partition), whatever the function's settings.
        "lambda:GetFunctionCodeSigningConfig",
        # GetFunction returns a tagged function's tags only with it.
        "lambda:ListTags",
        "lambda:UpdateFunctionConfiguration",
        "lambda:UpdateFunctionCode",
        "lambda:TagResource",
        "lambda:UntagResource",
        "lambda:DeleteFunction",
    ),
    "aws:cloudwatch/logGroup:LogGroup": (
        "logs:CreateLogGroup",
        "logs:DescribeLogGroups",
        "logs:ListTagsForResource",
        "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy",
        "logs:TagResource",
        "logs:UntagResource",
        "logs:DeleteLogGroup",
    ),
    "aws:secretsmanager/secret:Secret": (
        # Read: DescribeSecret and its resource policy; never its value.
        "secretsmanager:CreateSecret",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:UpdateSecret",
        "secretsmanager:TagResource",
        "secretsmanager:UntagResource",
        "secretsmanager:DeleteSecret",
    ),
    "aws:scheduler/schedule:Schedule": (
        # Schedules take no tags; the schedule's group does, and the program uses the default one.
        "scheduler:CreateSchedule",
        "scheduler:GetSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
    ),
}
# The stack's one SNS topic, when the program creates it: completionSignal.snsTopic true
# (component "completion"), else notifications.snsTopic true (stacks/notifications.py);
# and the email subscriptions of personalize:notifications.emails.
NOTIFICATIONS_TOPIC_PREFIX = "notifications-topic-"
TOPIC_ACTIONS: dict[str, tuple[str, ...]] = {
    "aws:sns/topic:Topic": (
        # CreateTopic is followed by SetTopicAttributes even with default settings.
        "sns:CreateTopic",
        "sns:SetTopicAttributes",
        "sns:GetTopicAttributes",
        "sns:ListTagsForResource",
        "sns:TagResource",
        "sns:UntagResource",
        "sns:DeleteTopic",
    ),
    "aws:sns/topicSubscription:TopicSubscription": (
        "sns:Subscribe",
        "sns:GetSubscriptionAttributes",
        "sns:SetSubscriptionAttributes",
        "sns:Unsubscribe",
    ),
}
# Where each of those may act: a log group's tags are addressed by its ARN without the
# trailing ":*" the other log actions take; DescribeLogGroups, which pulumi-aws reads a log
# group by (its name as a prefix), takes no resource: Resource "*", names and settings only
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html).
LOG_GROUP_LISTING = ("logs:DescribeLogGroups",)

# What the arguments must look like. Account: 12 digits
# (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html);
# bucket: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending
# with a letter or digit (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html);
# role: arn:aws:iam::<account>:role/<path><name>, the name of letters, digits and
# +=,.@_- (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html);
# KMS key: arn:aws:kms:<region>:<account>:key/<key id>
# (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN).
# stack: what Pulumi allows in a stack name (https://www.pulumi.com/docs/iac/concepts/stacks/).
ACCOUNT = re.compile(r"\d{12}")
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
# topic: arn:aws:sns:<region>:<account>:<name> (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html).
TOPIC_ARN = re.compile(r"arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
ROLE_ARN = re.compile(r"arn:aws:iam::(?P<account>\d{12}):role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}")
KMS_KEY_ARN = re.compile(r"arn:aws:kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):key/[0-9a-zA-Z-]{1,128}")


def personalize_operations(read_only: bool = False) -> list[str]:
    """The Personalize operations the project calls, from the resource specs; the
    Describe, List and Get ones alone with `read_only`."""
    operations = {op for spec in specs.ALL for op in spec.operations}
    return sorted(op for op in operations if not read_only or op.startswith(READ_ONLY_PREFIXES))


def _personalize_statements(sid: str, account: str, region: str, read_only: bool) -> list[dict[str, Any]]:
    operations = personalize_operations(read_only)
    unscoped = [op for op in operations if op.startswith(UNSCOPED_PREFIXES) or op in UNSCOPED_OPERATIONS]
    scoped = [op for op in operations if op not in unscoped]
    return [
        {
            # Every resource of this account and region; the service's own recipes are not
            # among them: no operation the project calls takes one as its resource.
            "Sid": f"{sid}InAccount",
            "Effect": "Allow",
            "Action": [f"personalize:{op}" for op in scoped],
            "Resource": f"arn:aws:personalize:{region}:{account}:*",
        },
        {
            # List operations (adoption, the campaigns serving a model, a resource's tags) and
            # tagging take no resource-level scope (UNSCOPED_PREFIXES).
            "Sid": f"{sid}Unscoped",
            "Effect": "Allow",
            "Action": [f"personalize:{op}" for op in unscoped],
            "Resource": "*",
        },
    ]


def _who_am_i() -> dict[str, Any]:
    # The pulumi-aws provider checks its credentials; the program reads its account id.
    return {"Sid": "WhoAmI", "Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}


def _exports_listed(bucket_arn: str) -> dict[str, Any]:
    # The exported dataset versions, listed at preview (stacks/datasets.py): keys, not data.
    return {
        "Sid": "DataExportsListed",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": bucket_arn,
        "Condition": {"StringLike": {"s3:prefix": [f"{DATASETS_PREFIX}*"]}},
    }


def _key_use(kms_key_arn: str, region: str, actions: list[str]) -> dict[str, Any]:
    # Objects of a bucket encrypted with the key: S3 asks KMS on the caller's behalf,
    # so the grant holds only through S3 (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service;
    # which actions: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html).
    return {
        "Sid": "DataKeyThroughS3",
        "Effect": "Allow",
        "Action": actions,
        "Resource": kms_key_arn,
        "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
    }


def _storage_targets(account: str, bucket: str | None, role_arn: str | None) -> tuple[str, str]:
    """The bucket's and the role's ARN, or the patterns of the names the program gives them."""
    bucket_arn = f"arn:aws:s3:::{bucket or CREATED_BUCKET_PREFIX + '*'}"
    return bucket_arn, role_arn or f"arn:aws:iam::{account}:role/{CREATED_ROLE_PREFIX}*"


@dataclass(frozen=True)
class Messaging:
    """How the stack tells people (personalize:completionSignal, personalize:notifications)."""

    completion_signal: str | None = None  # the stack's name, when it enables the signal
    topic: str | None = None  # the stack's topic: "created" by the program, or the ARN it names
    notifications: bool = False  # notifications to the topic (a webhook alone needs no grant)
    emails: bool = False  # notifications.emails subscribed to the topic

    def statements(self, account: str, region: str, read_only: bool) -> list[dict[str, Any]]:
        found = []
        if self.completion_signal:
            found += _completion_statements(account, region, self.completion_signal, read_only)
        if self.topic:
            brought = None if self.topic == "created" else self.topic
            found += _topic_statements(account, region, brought, self.notifications, self.emails, read_only)
        return found


def _topic_statements(
    account: str, region: str, topic_arn: str | None, notifications: bool, emails: bool, read_only: bool
) -> list[dict[str, Any]]:
    """The stack's topic: managed when the program creates it (no `topic_arn`), published to
    at `up` by the notifications (providers/notice.py), and its email subscriptions."""
    topics = (
        [topic_arn]
        if topic_arn
        else [
            f"arn:aws:sns:{region}:{account}:{prefix}*"
            for prefix in (COMPLETION_TOPIC_PREFIX, NOTIFICATIONS_TOPIC_PREFIX)
        ]
    )
    statements: list[dict[str, Any]] = []
    if not topic_arn:
        statements.append(
            {
                "Sid": "TopicManaged",
                "Effect": "Allow",
                "Action": [a for a in TOPIC_ACTIONS["aws:sns/topic:Topic"] if not read_only or is_read_only(a)],
                "Resource": topics,
            }
        )
    if notifications and not read_only:
        statements.append({"Sid": "TopicPublished", "Effect": "Allow", "Action": "sns:Publish", "Resource": topics})
    if emails:
        subscription = TOPIC_ACTIONS["aws:sns/topicSubscription:TopicSubscription"]
        if not read_only:
            # Subscribe is authorized on the topic; the other subscription actions take no resource.
            statements.append(
                {"Sid": "EmailsSubscribed", "Effect": "Allow", "Action": "sns:Subscribe", "Resource": topics}
            )
        statements.append(
            {
                "Sid": "EmailSubscriptionsManaged",
                "Effect": "Allow",
                "Action": [a for a in subscription if a != "sns:Subscribe" and (not read_only or is_read_only(a))],
                "Resource": "*",
            }
        )
    return statements


def _completion_statements(account: str, region: str, stack: str, read_only: bool) -> list[dict[str, Any]]:
    """The completion signal's resources, by the names the program gives them: manage them
    (deploy), or only read them (a preview's refresh)."""

    def granted(typ: str) -> list[str]:
        return [a for a in COMPLETION_ACTIONS[typ] if not read_only or is_read_only(a)]

    function = f"arn:aws:lambda:{region}:{account}:function:{completion_function_name(stack)}"
    log_group = f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{completion_function_name(stack)}"
    roles = [f"arn:aws:iam::{account}:role/{prefix}*" for prefix in COMPLETION_ROLE_PREFIXES]
    role_actions = [a for typ, acts in STORAGE_ACTIONS.items() if typ.startswith("aws:iam/") for a in acts]
    log_actions = granted("aws:cloudwatch/logGroup:LogGroup")
    statements: list[dict[str, Any]] = [
        {
            "Sid": "CompletionFunction",
            "Effect": "Allow",
            "Action": granted("aws:lambda/function:Function"),
            "Resource": [function, f"{function}:*"],
        },
        {
            "Sid": "CompletionLogGroup",
            "Effect": "Allow",
            "Action": [a for a in log_actions if a not in LOG_GROUP_LISTING],
            "Resource": [log_group, f"{log_group}:*"],
        },
        {
            "Sid": "CompletionLogGroupsListed",
            "Effect": "Allow",
            "Action": list(LOG_GROUP_LISTING),
            "Resource": "*",
        },
        {
            "Sid": "CompletionSchedule",
            "Effect": "Allow",
            "Action": granted("aws:scheduler/schedule:Schedule"),
            "Resource": f"arn:aws:scheduler:{region}:{account}:schedule/default/{COMPLETION_SCHEDULE_PREFIX}*",
        },
        {
            # Only the secret the program declares when the stack names none, and not its value.
            "Sid": "CompletionTokenSecret",
            "Effect": "Allow",
            "Action": granted("aws:secretsmanager/secret:Secret"),
            "Resource": f"arn:aws:secretsmanager:{region}:{account}:secret:{COMPLETION_SECRET_PREFIX}*",
        },
        {
            "Sid": "CompletionRoles",
            "Effect": "Allow",
            "Action": [a for a in role_actions if not read_only or is_read_only(a)],
            "Resource": roles,
        },
    ]
    if not read_only:
        # The function's role goes to Lambda, the schedule's to EventBridge Scheduler, each
        # to its own service only (CreateFunction, CreateSchedule and UpdateSchedule pass it).
        statements += [
            {
                "Sid": f"CompletionPass{which}Role",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": role,
                "Condition": {"StringEquals": {"iam:PassedToService": service}},
            }
            for which, role, service in (
                ("Function", roles[0], "lambda.amazonaws.com"),
                ("Scheduler", roles[1], "scheduler.amazonaws.com"),
            )
        ]
    return statements


def deploy_policy(
    account: str,
    region: str,
    bucket: str | None = None,
    role_arn: str | None = None,
    kms_key_arn: str | None = None,
    creates_storage: bool = False,
    messaging: Messaging = Messaging(),
) -> dict[str, Any]:
    """Whoever runs `pulumi up` of one stack: its account, region, data bucket and the
    role Personalize assumes. `creates_storage`: the stack brings no bucket and role
    (storage.bucketName and roleArn unset), so it may also manage those; without
    `bucket` and `role_arn` they are named by the prefixes the program gives them.
    `messaging`: the completion signal's resources, the topic and its subscriptions."""
    if not creates_storage and not (bucket and role_arn):
        raise ValueError("a stack that brings its storage names its bucket and role")
    bucket_arn, role = _storage_targets(account, bucket, role_arn)
    statements: list[dict[str, Any]] = [
        _who_am_i(),
        *_personalize_statements("Personalize", account, region, read_only=False),
        {
            # The imports, trainings, batch jobs, exports and metric attributions name the
            # role; Personalize assumes it. Passed to Personalize and nothing else
            # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
            "Sid": "PassThePersonalizeRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": role,
            "Condition": {"StringEquals": {"iam:PassedToService": SERVICE_PRINCIPAL}},
        },
        _exports_listed(bucket_arn),
        {
            # At preview: the exports' manifests and schemas, a batch job's users file
            # (HeadObject takes s3:GetObject). At up: the held-out interactions and the
            # batch answers the promotion gate scores (evaluation/validation.py), and the
            # gate's history it appends to.
            "Sid": "DataRead",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [
                f"{bucket_arn}/{prefix}*"
                for prefix in (DATASETS_PREFIX, BATCH_INPUT_PREFIX, EVALUATIONS_PREFIX, PROMOTIONS_PREFIX)
            ],
        },
        {
            # The promotion gate's users file for its batch jobs, and its history.
            "Sid": "DataWritten",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": [f"{bucket_arn}/{prefix}*" for prefix in (EVALUATIONS_PREFIX, PROMOTIONS_PREFIX)],
        },
    ]
    if kms_key_arn:
        statements.append(_key_use(kms_key_arn, region, ["kms:Decrypt", "kms:GenerateDataKey"]))
    if creates_storage:
        bucket_actions = [a for typ, actions in STORAGE_ACTIONS.items() if typ.startswith("aws:s3/") for a in actions]
        role_actions = [a for typ, actions in STORAGE_ACTIONS.items() if typ.startswith("aws:iam/") for a in actions]
        statements += [
            {
                # The bucket and its settings (stacks/storage.py), by pulumi-aws.
                "Sid": "StorageBucketManaged",
                "Effect": "Allow",
                "Action": bucket_actions,
                "Resource": bucket_arn,
            },
            {
                # The role Personalize assumes and its inline policy (stacks/storage.py).
                "Sid": "StorageRoleManaged",
                "Effect": "Allow",
                "Action": role_actions,
                "Resource": role,
            },
        ]
    statements += messaging.statements(account, region, read_only=False)
    return {"Version": "2012-10-17", "Statement": statements}


def preview_policy(
    bucket: str,
    account: str,
    region: str,
    kms_key_arn: str | None = None,
    creates_storage: bool = False,
    messaging: Messaging = Messaging(),
) -> dict[str, Any]:
    """The read-only role of pull-request previews, for one stack's account,
    region and data bucket (the stack's `bucket` output, or storage.bucketName).
    `creates_storage`: the program created the bucket and role, which a refresh reads;
    `messaging`: the reads of the completion signal's resources, the topic and its subscriptions."""
    bucket_arn = f"arn:aws:s3:::{bucket}"
    statements: list[dict[str, Any]] = [
        _who_am_i(),
        # Every Personalize resource the providers read back (refresh, a job's status at
        # diff, a resource's tags, a version's metrics), as the specs name the reads.
        *_personalize_statements("PersonalizeRead", account, region, read_only=True),
        _exports_listed(bucket_arn),
        {
            # The exports' manifests and schemas, checked at preview (stacks/datasets.py),
            # not the customers' data files.
            "Sid": "DataManifestsRead",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [
                f"{bucket_arn}/{DATASETS_PREFIX}*/{MANIFEST_FILE}",
                f"{bucket_arn}/{DATASETS_PREFIX}*/schemas/*",
            ],
        },
        {
            # A batch job's users file is checked to exist at preview: HeadObject takes s3:GetObject.
            "Sid": "BatchInputsChecked",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/{BATCH_INPUT_PREFIX}*",
        },
    ]
    if kms_key_arn:
        statements.append(_key_use(kms_key_arn, region, ["kms:Decrypt"]))
    if creates_storage:
        reads = [a for actions in STORAGE_ACTIONS.values() for a in actions if is_read_only(a)]
        statements += [
            {
                # A refresh of the bucket the program creates and its settings (pulumi-aws).
                "Sid": "StorageBucketRead",
                "Effect": "Allow",
                "Action": [a for a in reads if a.startswith("s3:")],
                "Resource": bucket_arn,
            },
            {
                # A refresh of the role the program creates for Personalize, and its inline policy.
                "Sid": "StorageRoleRead",
                "Effect": "Allow",
                "Action": [a for a in reads if a.startswith("iam:")],
                "Resource": f"arn:aws:iam::{account}:role/{CREATED_ROLE_PREFIX}*",
            },
        ]
    statements += messaging.statements(account, region, read_only=True)
    return {"Version": "2012-10-17", "Statement": statements}


def _state_reads(bucket_arn: str) -> list[dict[str, Any]]:
    return [
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
    ]


def preview_state_policy(state_bucket: str) -> dict[str, Any]:
    """What a preview needs of an S3 state backend: read the state, and take
    (write, then delete) its lock object, which the DIY backend does for a
    preview too. The only writes the preview role has, confined to the locks."""
    bucket_arn = f"arn:aws:s3:::{state_bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            *_state_reads(bucket_arn),
            {
                "Sid": "StateLock",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "Resource": f"{bucket_arn}/{LOCKS_PREFIX}*",
            },
        ],
    }


def deploy_state_policy(state_bucket: str) -> dict[str, Any]:
    """What `up` needs of an S3 state backend: the state, its history and backups, and the locks."""
    bucket_arn = f"arn:aws:s3:::{state_bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            *_state_reads(bucket_arn),
            {
                "Sid": "StateWritten",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "Resource": f"{bucket_arn}/{STATE_PREFIX}*",
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


# --- the command ------------------------------------------------------------------
def _matching(pattern: re.Pattern[str], allowed: str):
    def parse(value: str) -> str:
        if not pattern.fullmatch(value):
            raise argparse.ArgumentTypeError(f"{value!r} is not {allowed}")
        return value

    return parse


def _topic(value: str) -> str:
    if value != "created" and not TOPIC_ARN.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not 'created' or an SNS topic ARN like arn:aws:sns:us-east-1:123456789012:name"
        )
    return value


def _add_stack_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--account",
        required=True,
        type=_matching(ACCOUNT, "an AWS account id (12 digits)"),
        help="the AWS account id of the stack",
    )
    command.add_argument(
        "--region",
        required=True,
        type=_matching(REGION, "an AWS region like us-east-1"),
        help="the stack's region (connection.region)",
    )
    command.add_argument(
        "--kms-key-arn",
        type=_matching(KMS_KEY_ARN, "a KMS key ARN like arn:aws:kms:us-east-1:123456789012:key/<key id>"),
        help="the key the data bucket is encrypted with (storage.kmsKeyArn, or a brought bucket's own)",
    )
    command.add_argument(
        "--creates-storage",
        action="store_true",
        help="the stack brings no bucket and role (storage.bucketName and roleArn unset): the program creates them",
    )
    command.add_argument(
        "--completion-signal",
        metavar="STACK",
        type=_matching(STACK_NAME, "a stack name (letters, digits, '-', '_' and '.')"),
        help="the stack enables personalize:completionSignal: its function, schedule, log group and roles",
    )
    command.add_argument(
        "--topic",
        metavar="created|ARN",
        type=_topic,
        help="the stack's SNS topic: 'created' when completionSignal.snsTopic or notifications.snsTopic is true, "
        "else the ARN it names",
    )
    command.add_argument(
        "--notifications",
        action="store_true",
        help="personalize:notifications sends to the topic at `up` (a webhook alone needs no grant)",
    )
    command.add_argument(
        "--emails", action="store_true", help="personalize:notifications.emails are subscribed to the topic"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m stacks.ci_policies", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    bucket = _matching(BUCKET, "an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)")
    deploy = commands.add_parser("deploy", help="whoever runs `pulumi up`: a person, or the deploy role")
    deploy.add_argument(
        "--bucket", type=bucket, help="the stack's data bucket (storage.bucketName, or its `bucket` output)"
    )
    deploy.add_argument(
        "--role-arn",
        type=_matching(ROLE_ARN, "an IAM role ARN like arn:aws:iam::123456789012:role/name"),
        help="the role Personalize assumes (storage.roleArn, or the `personalizeRoleArn` output)",
    )
    _add_stack_arguments(deploy)
    deploy.set_defaults(usage=deploy)
    preview = commands.add_parser("preview", help="the read-only role of pull-request previews")
    preview.add_argument("--bucket", required=True, type=bucket, help="the stack's data bucket (its `bucket` output)")
    _add_stack_arguments(preview)
    preview.set_defaults(usage=preview)
    for name, what in (("preview-state", "the preview role"), ("deploy-state", "the deploy role")):
        state = commands.add_parser(name, help=f"what {what} needs of an S3 state backend")
        state.add_argument(
            "--state-bucket", required=True, type=bucket, help="the bucket of PULUMI_BACKEND_URL=s3://..."
        )
    return parser


def _check_consistent(args: argparse.Namespace) -> None:
    """The rules between arguments, each refused naming the argument, its value and what is allowed."""
    parser: argparse.ArgumentParser = args.usage
    if args.command == "deploy":
        given = [flag for flag, value in (("--bucket", args.bucket), ("--role-arn", args.role_arn)) if value]
        if not args.creates_storage and len(given) < 2:
            parser.error(
                "give --bucket and --role-arn (the stack's storage.bucketName and roleArn), "
                "or --creates-storage for a stack that brings neither"
            )
        if args.creates_storage and len(given) == 1:
            parser.error(
                f"--creates-storage: give both --bucket and --role-arn (once known) or neither, not only {given[0]}"
            )
        if args.role_arn and ROLE_ARN.fullmatch(args.role_arn)["account"] != args.account:  # type: ignore[index]
            parser.error(f"--role-arn {args.role_arn}: a role of account {args.account} (--account)")
    if args.command in ("deploy", "preview"):
        for flag, given in (("--notifications", args.notifications), ("--emails", args.emails)):
            if given and not args.topic:
                parser.error(f"{flag}: only with --topic created|ARN, the topic they go to (a webhook needs no grant)")
    if args.command in ("deploy", "preview") and args.kms_key_arn:
        key = KMS_KEY_ARN.fullmatch(args.kms_key_arn)
        assert key is not None  # the argument's type checked it
        if (key["account"], key["region"]) != (args.account, args.region):
            parser.error(
                f"--kms-key-arn {args.kms_key_arn}: a key of account {args.account} in {args.region} "
                "(--account, --region): S3 uses a key of the bucket's region"
            )


def _messaging(args: argparse.Namespace) -> Messaging:
    return Messaging(args.completion_signal, args.topic, args.notifications, args.emails)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("deploy", "preview"):
        _check_consistent(args)
    if args.command == "deploy":
        policy = deploy_policy(
            args.account,
            args.region,
            args.bucket,
            args.role_arn,
            args.kms_key_arn,
            args.creates_storage,
            _messaging(args),
        )
    elif args.command == "preview":
        policy = preview_policy(
            args.bucket,
            args.account,
            args.region,
            args.kms_key_arn,
            args.creates_storage,
            _messaging(args),
        )
    elif args.command == "preview-state":
        policy = preview_state_policy(args.state_bucket)
    else:
        policy = deploy_state_policy(args.state_bucket)
    print(json.dumps(policy, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
