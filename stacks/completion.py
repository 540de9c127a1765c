"""The completion signal, deployed: the function of completion/ packaged as a
Lambda, run by an EventBridge Scheduler schedule, with a least-privilege role,
and the SNS topic it publishes to when the stack asks for one. Declared only
when personalize:completionSignal.enabled is true (stacks/config.py). The topic is
the stack's one topic: notifications publish to it too (stacks/notifications.py)."""

import json
from pathlib import Path
from typing import Any

import pulumi

from common.layout import COMPLETION_PREFIX
from common.names import completion_function_name
from stacks.config import CompletionSignal
from stacks.storage import trust_policy

ROOT = Path(__file__).resolve().parent.parent
# What the function's archive holds: its package and the one it imports (common/, for the bucket layout).
PACKAGES = ("completion", "common")
HANDLER = "completion.handler.handler"
RUNTIME = "python3.12"  # boto3 is in Lambda's Python runtime (https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html)
LOG_RETENTION_DAYS = 30

# What completion/watch.py calls: the List operations (ListTagsForResource among them) have no
# resource type, so Resource "*"; DescribeCampaign takes the campaign's ARN
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonpersonalize.html,
# as stacks/ci_policies.py's UNSCOPED_PREFIXES).
PERSONALIZE_LISTS = (
    "personalize:ListDatasetGroups",
    "personalize:ListTagsForResource",
    "personalize:ListDatasets",
    "personalize:ListDatasetImportJobs",
    "personalize:ListSolutions",
    "personalize:ListSolutionVersions",
    "personalize:ListCampaigns",
)
PERSONALIZE_DESCRIBES = ("personalize:DescribeCampaign",)


def function_policy(
    region: str,
    account: str,
    bucket: str,
    log_group_arn: str,
    secret_arn: str | None = None,
    topic_arn: str | None = None,
    kms_key_arn: str | None = None,
) -> str:
    """The function's role policy: read the stack's operations, its own state object, and
    nothing but the one secret and the one topic it signals through."""
    statements: list[dict[str, Any]] = [
        {"Sid": "ListOperations", "Effect": "Allow", "Action": list(PERSONALIZE_LISTS), "Resource": "*"},
        {
            "Sid": "DescribeCampaigns",
            "Effect": "Allow",
            "Action": list(PERSONALIZE_DESCRIBES),
            "Resource": f"arn:aws:personalize:{region}:{account}:campaign/*",
        },
        {
            # Its state, under the completion prefix only (common/layout.py).
            "Sid": "State",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": f"arn:aws:s3:::{bucket}/{COMPLETION_PREFIX}*",
        },
        {
            # Without ListBucket a missing object (before the first run) reads as AccessDenied, not
            # NoSuchKey (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, Permissions).
            # GetObject sets no s3:prefix, so no condition can narrow it: it lists key names only.
            "Sid": "StateMissing",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{bucket}",
        },
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        },
    ]
    if secret_arn:
        statements.append(
            {"Sid": "GithubToken", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn}
        )
    if topic_arn:
        statements.append({"Sid": "Notify", "Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arn})
    if kms_key_arn:
        statements.append(
            {
                # The bucket's objects are encrypted with the stack's key: reading and writing the state use it.
                "Sid": "StateKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": kms_key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def invoke_policy(function_arn: str) -> str:
    """The scheduler's role: invoke the one function
    (https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function_arn}],
        }
    )


def code() -> pulumi.AssetArchive:
    """The function's archive: the .py files of its packages, so no __pycache__ changes the hash."""
    return pulumi.AssetArchive(
        {
            str(path.relative_to(ROOT)): pulumi.FileAsset(str(path))
            for package in PACKAGES
            for path in sorted((ROOT / package).rglob("*.py"))
            if "__pycache__" not in path.parts
        }
    )


class CompletionSignalComponent(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        settings: CompletionSignal,
        stack: str,
        bucket: pulumi.Input[str],
        kms_key_arn: pulumi.Input[str | None] = None,
        topic_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`topic_arn`: the stack's topic when this signal has none of its own (notifications')."""
        super().__init__("personalize:completion:CompletionSignal", name, None, opts)
        import pulumi_aws as aws  # only for a stack that enables the signal (see stacks/storage.py)

        child = pulumi.ResourceOptions(parent=self)
        account = aws.get_caller_identity_output().account_id
        region = aws.get_region_output().region

        self.topic_arn: pulumi.Output[str] | None = None
        if topic_arn is not None and settings.sns_topic is False:
            self.topic_arn = pulumi.Output.from_input(topic_arn)
        elif settings.sns_topic is True:
            self.topic_arn = aws.sns.Topic(f"{name}-topic", opts=child).arn
        elif isinstance(settings.sns_topic, str):
            self.topic_arn = pulumi.Output.from_input(settings.sns_topic)

        function_name = completion_function_name(stack)
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=f"/aws/lambda/{function_name}", retention_in_days=LOG_RETENTION_DAYS, opts=child
        )
        role = aws.iam.Role(
            f"{name}-function-role",
            assume_role_policy=account.apply(lambda a: trust_policy(a, "lambda.amazonaws.com")),
            opts=child,
        )
        github = settings.github
        # The token's secret: the one the stack names, else an empty one declared here, which
        # whoever holds the token fills (put-secret-value), so the token never passes through
        # the stack's config or state.
        self.secret_arn: pulumi.Output[str] | None = None
        if github and github.secret_arn is None:
            self.secret_arn = aws.secretsmanager.Secret(
                f"{name}-github-token",
                description=f"The GitHub token the completion signal of stack {stack} sends repository_dispatch with",
                opts=child,
            ).arn
        secret_arn = self.secret_arn if self.secret_arn is not None else (github.secret_arn if github else None)
        policy = pulumi.Output.all(region, account, bucket, logs.arn, secret_arn, self.topic_arn, kms_key_arn).apply(
            lambda args: function_policy(*args)
        )
        role_policy = aws.iam.RolePolicy(f"{name}-function-policy", role=role.id, policy=policy, opts=child)

        variables: dict[str, pulumi.Input[str]] = {"STACK": stack, "STATE_BUCKET": bucket}
        if github and secret_arn is not None:  # a secret is named, or declared above
            variables |= {
                "GITHUB_REPOSITORY": github.repository,
                "GITHUB_SECRET_ARN": secret_arn,
                "GITHUB_EVENT_TYPE": github.event_type,
            }
        if self.topic_arn is not None:
            variables["SNS_TOPIC_ARN"] = self.topic_arn
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=function_name,
            runtime=RUNTIME,
            handler=HANDLER,
            code=code(),
            role=role.arn,
            timeout=120,
            memory_size=128,
            environment={"variables": variables},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs, role_policy]),
        )
        scheduler_role = aws.iam.Role(
            f"{name}-scheduler-role",
            assume_role_policy=account.apply(lambda a: trust_policy(a, "scheduler.amazonaws.com")),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-scheduler-policy",
            role=scheduler_role.id,
            policy=self.function.arn.apply(invoke_policy),
            opts=child,
        )
        self.schedule = aws.scheduler.Schedule(
            f"{name}-schedule",
            schedule_expression=settings.schedule,
            flexible_time_window={"mode": "OFF"},
            target={
                "arn": self.function.arn,
                "role_arn": scheduler_role.arn,
                # A missed run is caught up by the next one: no retries pile up behind it.
                "retry_policy": {"maximum_retry_attempts": 0},
            },
            opts=child,
        )
        self.register_outputs({"functionArn": self.function.arn, "topicArn": self.topic_arn})
