"""The IAM policies of the people and CI roles: valid to parliament, the preview
role read-only, the deploy role's Personalize actions those the specs name, its
iam:PassRole only on the Personalize role and only to Personalize, what it may do
to the storage the program creates exactly what those resources need, and the
command that prints them refuses bad values by name.

That the policies grant every call the program really makes is tested against
the emulator, with the calls recorded: tests/service/test_policies_cover_the_calls.py."""

import json
import subprocess
import sys

import pytest
from parliament import analyze_policy_string

from common.layout import DATASETS_PREFIX, MANIFEST_FILE
from service import specs
from stacks.ci_policies import (
    COMPLETION_ACTIONS,
    COMPLETION_ROLE_PREFIXES,
    COMPLETION_SCHEDULE_PREFIX,
    COMPLETION_SECRET_PREFIX,
    COMPLETION_TOPIC_PREFIX,
    CREATED_BUCKET_PREFIX,
    CREATED_ROLE_PREFIX,
    LOCKS_PREFIX,
    NOTIFICATIONS_TOPIC_PREFIX,
    STORAGE_ACTIONS,
    TOPIC_ACTIONS,
    Messaging,
    actions,
    deploy_policy,
    deploy_state_policy,
    main,
    personalize_operations,
    preview_policy,
    preview_state_policy,
    write_actions,
)
from tests.helpers.paths import ROOT

ACCOUNT, REGION, BUCKET = "123456789012", "us-east-1", "team-personalize-data"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/team/personalize-access"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def preview(**options) -> dict:
    return preview_policy(BUCKET, ACCOUNT, REGION, **options)


def brought(**options) -> dict:
    return deploy_policy(ACCOUNT, REGION, BUCKET, ROLE, **options)


def created(**options) -> dict:
    return deploy_policy(ACCOUNT, REGION, creates_storage=True, **options)


def findings(policy: dict) -> list[tuple[str, str]]:
    return [(f.issue, f.detail) for f in analyze_policy_string(json.dumps(policy)).findings]


@pytest.mark.parametrize(
    "policy",
    [
        preview(),
        preview(kms_key_arn=KEY, creates_storage=True),
        brought(),
        brought(kms_key_arn=KEY),
        preview_state_policy("team-pulumi-state"),
        deploy_state_policy("team-pulumi-state"),
    ],
    ids=["preview", "preview-created-storage", "deploy", "deploy-kms", "preview-state", "deploy-state"],
)
def test_parliament_finds_nothing(policy):
    # Among its checks: an action scoped where IAM takes no resource (RESOURCE_MISMATCH),
    # and "*" where IAM could scope it (RESOURCE_STAR), against its copy of the
    # Service Authorization Reference.
    assert findings(policy) == []


def test_parliament_finds_only_the_bucket_policy_a_deployer_that_creates_the_bucket_must_write():
    # Justified: a stack that creates its bucket writes the bucket's policy
    # (stacks/storage.py, BucketPolicy), and a principal that may write a bucket
    # policy may grant itself the bucket's objects. That is the created-storage mode's
    # price; a stack whose bucket and role are brought (made by an administrator) has
    # no such finding (test above). Nothing else is found.
    expected = {
        (
            "RESOURCE_POLICY_PRIVILEGE_ESCALATION",
            f"Possible resource policy privilege escalation on arn:aws:s3:::{CREATED_BUCKET_PREFIX}* due to "
            f"s3:{action} not being allowed, but does allow s3:PutBucketPolicy",
        )
        for action in ("GetObject", "PutObject", "DeleteObject")
    }
    for policy in (created(), created(kms_key_arn=KEY)):
        assert set(findings(policy)) == expected


@pytest.mark.parametrize(
    "policy", [preview(), preview(kms_key_arn=KEY, creates_storage=True)], ids=["brought", "created"]
)
def test_the_preview_role_is_read_only(policy):
    # Every action starts with Describe, List or Get, or is sts:GetCallerIdentity.
    assert write_actions(policy) == []
    assert all(statement["Effect"] == "Allow" and "NotAction" not in statement for statement in policy["Statement"])


@pytest.mark.parametrize(
    "action",
    [
        "personalize:CreateCampaign",
        "personalize:*",
        "s3:PutObject",
        "s3:*",
        "iam:PassRole",
        "sts:AssumeRole",
        "sts:GetSessionToken",
        "*",
    ],
)
def test_the_read_only_check_flags_a_write_action(action):
    policy = preview()
    policy["Statement"].append({"Effect": "Allow", "Action": action, "Resource": "*"})
    assert write_actions(policy) == [action]


def personalize_actions(policy: dict) -> set[str]:
    return {a for a in actions(policy) if a.startswith("personalize:")}


def test_the_personalize_actions_are_the_operations_the_specs_name():
    named = {f"personalize:{op}" for spec in specs.ALL for op in spec.operations}
    assert personalize_actions(brought()) == personalize_actions(created()) == named
    assert personalize_actions(preview()) == {
        a for a in named if a.split(":")[1].startswith(("Describe", "List", "Get"))
    }
    # What only the specs' also_calls name is in: the derivation reaches past the lifecycle.
    assert {"personalize:GetSolutionMetrics", "personalize:StopRecommender"} <= personalize_actions(brought())
    assert "personalize:GetSolutionMetrics" in personalize_actions(preview())
    assert not [a for a in actions(brought()) + actions(preview()) if "*" in a]  # no wildcard action


def test_a_new_operation_in_a_spec_is_granted(monkeypatch):
    # Derived, not listed: a spec naming one more operation puts it in both policies' reach.
    more = specs.ResourceSpec("Campaign", "campaign", also_calls=("GetRecommendations",))
    monkeypatch.setattr(specs, "ALL", (*specs.ALL, more))
    assert "GetRecommendations" in personalize_operations(read_only=True)
    assert "personalize:GetRecommendations" in personalize_actions(brought())


def test_personalize_is_scoped_to_the_stacks_account_and_region():
    for policy in (brought(), preview()):
        resources = {s["Sid"]: s["Resource"] for s in policy["Statement"] if "Personalize" in s["Sid"]}
        scoped = [r for sid, r in resources.items() if sid.endswith("InAccount")]
        assert scoped == [f"arn:aws:personalize:{REGION}:{ACCOUNT}:*"]
        assert [r for sid, r in resources.items() if sid.endswith("Unscoped")] == ["*"]


def test_pass_role_only_on_the_personalize_role_and_only_to_personalize():
    for policy, role in ((brought(), ROLE), (created(), f"arn:aws:iam::{ACCOUNT}:role/{CREATED_ROLE_PREFIX}*")):
        [passing] = [s for s in policy["Statement"] if "iam:PassRole" in actions({"Statement": [s]})]
        assert passing["Action"] == "iam:PassRole" and passing["Resource"] == role
        assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "personalize.amazonaws.com"}}


def test_a_brought_storage_deployer_may_not_change_the_bucket_or_the_role():
    granted = actions(brought())
    assert not [a for a in granted if a.startswith("iam:") and a != "iam:PassRole"]
    assert sorted({a for a in granted if a.startswith("s3:")}) == ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]


def test_the_deployer_reads_and_writes_only_the_prefixes_the_program_does():
    statements = {s["Sid"]: s for s in brought()["Statement"]}
    bucket = f"arn:aws:s3:::{BUCKET}"
    assert statements["DataWritten"]["Resource"] == [f"{bucket}/evaluations/*", f"{bucket}/promotions/*"]
    assert statements["DataRead"]["Resource"] == [
        f"{bucket}/datasets/*",
        f"{bucket}/batch-input/*",
        f"{bucket}/evaluations/*",
        f"{bucket}/promotions/*",
    ]


def test_the_key_is_used_only_through_s3_of_the_stacks_region():
    for policy, granted in (
        (brought(kms_key_arn=KEY), ["kms:Decrypt", "kms:GenerateDataKey"]),
        (preview(kms_key_arn=KEY), ["kms:Decrypt"]),
    ):
        [key] = [s for s in policy["Statement"] if s["Sid"] == "DataKeyThroughS3"]
        assert key["Action"] == granted and key["Resource"] == KEY
        assert key["Condition"] == {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}
    assert not [s for s in brought()["Statement"] if s["Sid"] == "DataKeyThroughS3"]


def test_the_created_storage_is_managed_by_its_names_and_nothing_else():
    statements = {s["Sid"]: s for s in created()["Statement"]}
    assert statements["StorageBucketManaged"]["Resource"] == f"arn:aws:s3:::{CREATED_BUCKET_PREFIX}*"
    assert statements["StorageRoleManaged"]["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/{CREATED_ROLE_PREFIX}*"
    # Once the first `up` named them, the same grants narrow to those names.
    named = deploy_policy(ACCOUNT, REGION, "data-bucket-x1", ROLE, creates_storage=True)
    statements = {s["Sid"]: s for s in named["Statement"]}
    assert statements["StorageBucketManaged"]["Resource"] == "arn:aws:s3:::data-bucket-x1"
    assert statements["StorageRoleManaged"]["Resource"] == ROLE


def test_the_storage_grants_cover_exactly_the_aws_resources_the_program_creates(monkeypatch):
    # Under mocks: every pulumi-aws type the program registers when it creates its
    # storage (with a KMS key too) has its actions in STORAGE_ACTIONS, and no other.
    from tests.helpers.mocked_program import ACCOUNT as MOCKED_ACCOUNT
    from tests.helpers.mocked_program import run_program
    from tests.unit.test_program import EXPERIMENT

    monkeypatch.setattr("stacks.accounts.personalize_account", lambda stack: MOCKED_ACCOUNT)

    registered = set()
    for storage in ({}, {"kmsKeyArn": KEY}):
        mocks = run_program("dev", {"experiments": [EXPERIMENT], "storage": storage})
        registered |= {r.typ for r in mocks.resources if r.typ.startswith("aws:")}
    assert registered == set(STORAGE_ACTIONS)


def test_the_preview_role_reads_the_exports_manifests_and_schemas_but_not_the_customers_data():
    statements = {s["Sid"]: s for s in preview()["Statement"]}
    assert statements["DataExportsListed"]["Condition"] == {"StringLike": {"s3:prefix": [f"{DATASETS_PREFIX}*"]}}
    assert statements["DataManifestsRead"]["Resource"] == [
        f"arn:aws:s3:::{BUCKET}/{DATASETS_PREFIX}*/{MANIFEST_FILE}",
        f"arn:aws:s3:::{BUCKET}/{DATASETS_PREFIX}*/schemas/*",
    ]
    resources = json.dumps([s["Resource"] for s in preview()["Statement"]])
    assert f"arn:aws:s3:::{BUCKET}/*" not in resources and f'{DATASETS_PREFIX}*"' not in resources
    assert f":{ACCOUNT}:" in resources and f":{REGION}:" in resources


def test_the_state_backend_policy_writes_only_the_lock_objects():
    policy = preview_state_policy("team-pulumi-state")
    writes = [s for s in policy["Statement"] if write_actions({"Statement": [s]})]
    assert [s["Resource"] for s in writes] == [f"arn:aws:s3:::team-pulumi-state/{LOCKS_PREFIX}*"]
    assert sorted(write_actions(policy)) == ["s3:DeleteObject", "s3:PutObject"]


STACK = ["--account", ACCOUNT, "--region", REGION]


@pytest.mark.parametrize(
    "argv, policy",
    [
        (["deploy", "--bucket", BUCKET, "--role-arn", ROLE, *STACK], brought()),
        (["deploy", "--bucket", BUCKET, "--role-arn", ROLE, "--kms-key-arn", KEY, *STACK], brought(kms_key_arn=KEY)),
        (["deploy", "--creates-storage", *STACK], created()),
        (["preview", "--bucket", BUCKET, *STACK], preview()),
        (["preview-state", "--state-bucket", "team-pulumi-state"], preview_state_policy("team-pulumi-state")),
        (["deploy-state", "--state-bucket", "team-pulumi-state"], deploy_state_policy("team-pulumi-state")),
    ],
)
def test_the_command_prints_each_policy(argv, policy, capsys):
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == policy


@pytest.mark.parametrize(
    "argv, says",
    [
        (
            ["deploy", "--bucket", BUCKET, "--role-arn", ROLE, "--account", "12345", "--region", REGION],
            "argument --account: '12345' is not an AWS account id (12 digits)",
        ),
        (
            ["deploy", "--bucket", BUCKET, "--role-arn", f"arn:aws:iam::{ACCOUNT}:user/ci", *STACK],
            f"argument --role-arn: 'arn:aws:iam::{ACCOUNT}:user/ci' is not an IAM role ARN",
        ),
        (
            ["deploy", "--bucket", BUCKET, "--role-arn", "arn:aws:iam::999999999999:role/p", *STACK],
            f"--role-arn arn:aws:iam::999999999999:role/p: a role of account {ACCOUNT} (--account)",
        ),
        (
            ["deploy", "--bucket", "Team_Data", "--role-arn", ROLE, *STACK],
            "argument --bucket: 'Team_Data' is not an S3 bucket name",
        ),
        (
            ["deploy", "--bucket", BUCKET, "--role-arn", ROLE, "--account", ACCOUNT, "--region", "virginia"],
            "argument --region: 'virginia' is not an AWS region like us-east-1",
        ),
        (
            [
                "deploy",
                "--bucket",
                BUCKET,
                "--role-arn",
                ROLE,
                "--kms-key-arn",
                KEY.replace(REGION, "eu-west-1"),
                *STACK,
            ],
            f"a key of account {ACCOUNT} in {REGION}",
        ),
        (["deploy", "--bucket", BUCKET, *STACK], "give --bucket and --role-arn"),
        (["deploy", "--creates-storage", "--bucket", BUCKET, *STACK], "not only --bucket"),
        (["preview", "--bucket", BUCKET, "--region", REGION], "the following arguments are required: --account"),
    ],
)
def test_the_command_refuses_a_bad_value_naming_it(argv, says, capsys):
    with pytest.raises(SystemExit) as refused:
        main(argv)
    assert refused.value.code == 2
    error = capsys.readouterr().err
    assert says in error and f"python -m stacks.ci_policies {argv[0]}" in error, error


def test_the_command_runs_without_importing_pulumi():
    code = (
        "import sys, runpy; sys.argv = ['ci_policies', 'deploy', '--creates-storage', '--account', "
        f"'{ACCOUNT}', '--region', '{REGION}'];"
        "\ntry: runpy.run_module('stacks.ci_policies', run_name='__main__')"
        "\nexcept SystemExit as e: assert e.code == 0, e.code"
        "\nassert not [m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws')], 'pulumi imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == created()


# --- the completion signal's resources and the notifications' topic --------------
SIGNAL = {
    "enabled": True,
    "github": {"repository": "acme/recs", "secretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:gh-AbCdEf"},
}
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:team-alerts"
SIGNAL_ONLY = Messaging(completion_signal="prod")
EVERYTHING = Messaging(completion_signal="prod", topic="created", notifications=True, emails=True)


@pytest.mark.parametrize(
    "policy",
    [
        brought(messaging=SIGNAL_ONLY),
        brought(messaging=EVERYTHING),
        brought(messaging=Messaging(topic=TOPIC, notifications=True, emails=True)),
        preview(messaging=EVERYTHING),
    ],
    ids=["deploy-signal", "deploy-everything", "deploy-brought-topic", "preview"],
)
def test_with_the_signal_and_notifications_parliament_still_finds_nothing(policy):
    assert findings(policy) == []


def test_with_the_signal_and_notifications_the_preview_role_stays_read_only():
    policy = preview(messaging=EVERYTHING)
    assert write_actions(policy) == []
    granted = set(actions(policy))
    assert {"lambda:GetFunction", "scheduler:GetSchedule", "sns:GetTopicAttributes", "iam:GetRole"} <= granted
    assert "sns:GetSubscriptionAttributes" in granted


def test_without_them_nothing_of_theirs_is_granted():
    for policy in (brought(), preview(), created()):
        assert not [a for a in actions(policy) if a.split(":")[0] in ("lambda", "logs", "scheduler", "sns")]
        assert not [s for s in policy["Statement"] if s["Sid"].startswith(("Completion", "Topic", "Email"))]


def test_the_signal_s_roles_are_passed_each_to_its_own_service_only():
    passes = [s for s in brought(messaging=SIGNAL_ONLY)["Statement"] if s["Action"] == "iam:PassRole"]
    assert {(s["Resource"], s["Condition"]["StringEquals"]["iam:PassedToService"]) for s in passes} == {
        (ROLE, "personalize.amazonaws.com"),
        (f"arn:aws:iam::{ACCOUNT}:role/{COMPLETION_ROLE_PREFIXES[0]}*", "lambda.amazonaws.com"),
        (f"arn:aws:iam::{ACCOUNT}:role/{COMPLETION_ROLE_PREFIXES[1]}*", "scheduler.amazonaws.com"),
    }


def test_a_topic_is_managed_only_when_the_program_creates_it_and_published_to_only_with_notifications():
    statements = lambda m: {s["Sid"]: s for s in brought(messaging=m)["Statement"]}
    assert not [a for a in actions(brought(messaging=SIGNAL_ONLY)) if a.startswith("sns:")]
    named = statements(Messaging(topic=TOPIC, notifications=True))
    assert "TopicManaged" not in named and named["TopicPublished"]["Resource"] == [TOPIC]
    assert "TopicPublished" not in statements(Messaging(topic="created"))
    made = statements(Messaging(topic="created", notifications=True))
    assert (
        made["TopicManaged"]["Resource"]
        == made["TopicPublished"]["Resource"]
        == [
            f"arn:aws:sns:{REGION}:{ACCOUNT}:{prefix}*"
            for prefix in (COMPLETION_TOPIC_PREFIX, NOTIFICATIONS_TOPIC_PREFIX)
        ]
    )


@pytest.mark.parametrize(
    "config, topic_prefix",
    [
        (
            {"completionSignal": SIGNAL | {"snsTopic": True}, "notifications": {"snsTopic": True}},
            COMPLETION_TOPIC_PREFIX,
        ),
        # No secret named: the program declares one for the token.
        (
            {
                "completionSignal": {"enabled": True, "github": {"repository": "acme/recs"}},
                "notifications": {"snsTopic": True},
            },
            NOTIFICATIONS_TOPIC_PREFIX,
        ),
    ],
    ids=["signal-s-topic", "notifications-topic"],
)
def test_the_grants_cover_exactly_the_resources_the_program_declares_by_their_names(monkeypatch, config, topic_prefix):
    # Under mocks: every pulumi-aws type the signal and the notifications register has its
    # actions here, and each resource's name is one the grants scope to.
    from tests.helpers.mocked_program import ACCOUNT as MOCKED_ACCOUNT
    from tests.helpers.mocked_program import run_program
    from tests.unit.test_program import EXPERIMENT

    monkeypatch.setattr("stacks.accounts.personalize_account", lambda stack: MOCKED_ACCOUNT)
    config["notifications"]["emails"] = ["ops@example.com"]
    mocks = run_program("prod", {"experiments": [EXPERIMENT], **config})
    declared = [r for r in mocks.resources if r.typ.startswith("aws:") and not r.name.startswith("data-")]
    # The token's secret only where the stack names none.
    secret = topic_prefix == NOTIFICATIONS_TOPIC_PREFIX
    types = {r.typ for r in declared}
    assert ("aws:secretsmanager/secret:Secret" in types) == secret
    assert types | {"aws:secretsmanager/secret:Secret"} == set(COMPLETION_ACTIONS) | set(TOPIC_ACTIONS) | {
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
    }
    policy = brought(messaging=EVERYTHING)
    resources = {s["Sid"]: s["Resource"] for s in policy["Statement"]}
    # Autonamed: the logical name, a hyphen, a random suffix.
    autonamed = {r.name + "-" for r in declared if "name" not in r.inputs}
    assert set(COMPLETION_ROLE_PREFIXES) | {COMPLETION_SCHEDULE_PREFIX, topic_prefix} <= autonamed
    if secret:
        assert COMPLETION_SECRET_PREFIX in autonamed
    assert f"arn:aws:sns:{REGION}:{ACCOUNT}:{topic_prefix}*" in resources["TopicManaged"]
    [function] = [r for r in declared if r.typ == "aws:lambda/function:Function"]
    assert f"function:{function.inputs['name']}" in resources["CompletionFunction"][0]
    [logs] = [r for r in declared if r.typ == "aws:cloudwatch/logGroup:LogGroup"]
    assert resources["CompletionLogGroup"][0].endswith(f":log-group:{logs.inputs['name']}")


@pytest.mark.parametrize(
    "argv, says",
    [
        (["deploy", "--creates-storage", "--account", ACCOUNT, "--region", REGION, "--emails"], "--emails"),
        (["deploy", "--creates-storage", "--account", ACCOUNT, "--region", REGION, "--topic", "mine"], "'mine'"),
        (
            ["preview", "--bucket", BUCKET, "--account", ACCOUNT, "--region", REGION, "--completion-signal", "a b"],
            "'a b'",
        ),
    ],
    ids=["emails-without-topic", "bad-topic", "bad-stack-name"],
)
def test_the_command_refuses_the_messaging_flags_misused(argv, says, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert says in capsys.readouterr().err
