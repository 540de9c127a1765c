"""The completion signal's resources under mocks: declared only when configured,
with a role that can do what completion/watch.py calls and nothing else."""

import json

import pytest
from parliament import analyze_policy_string

from common.names import completion_function_name
from stacks.completion import PERSONALIZE_DESCRIBES, PERSONALIZE_LISTS, function_policy
from tests.helpers.mocked_program import ACCOUNT, run_program
from tests.unit.test_program import BROUGHT, EXPERIMENT, exported  # noqa: F401 - the program's preview fixture

SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:github-dispatch-AbCdEf"
GITHUB = {"repository": "acme/recs", "secretArn": SECRET}
SIGNAL_TYPES = (
    "aws:lambda/function:Function",
    "aws:scheduler/schedule:Schedule",
    "aws:sns/topic:Topic",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:secretsmanager/secret:Secret",
)


def program(signal: dict | None, storage: dict | None = None):
    config: dict = {"experiments": [EXPERIMENT]}
    if signal is not None:
        config["completionSignal"] = signal
    if storage:
        config["storage"] = storage
    return run_program("dev", config)


def policies(mocks) -> dict[str, dict]:
    return {r.name: json.loads(r.inputs["policy"]) for r in mocks.of_type("aws:iam/rolePolicy:RolePolicy")}


@pytest.mark.parametrize("signal", [None, {}, {"github": GITHUB, "snsTopic": True}], ids=["absent", "empty", "off"])
def test_off_by_default_and_when_not_enabled_nothing_is_declared(signal):
    mocks = program(signal)
    assert [r.typ for r in mocks.resources if r.typ in SIGNAL_TYPES] == []
    assert [r.name for r in mocks.of_type("aws:iam/role:Role")] == ["data-personalize-role"]


def test_the_local_stack_s_brought_storage_stays_without_aws_resources_by_default():
    mocks = run_program("local", {"experiments": [EXPERIMENT], "storage": BROUGHT})
    assert not [r for r in mocks.resources if r.typ.startswith("aws:")]


def test_enabled_with_github_declares_the_function_its_schedule_and_roles_but_no_topic():
    mocks = program({"enabled": True, "github": GITHUB})
    [function] = mocks.of_type("aws:lambda/function:Function")
    assert function.inputs["handler"] == "completion.handler.handler"
    assert function.inputs["runtime"].startswith("python3")
    assert function.inputs["environment"]["variables"] == {
        "STACK": "dev",
        "STATE_BUCKET": "data-bucket-x1",
        "GITHUB_REPOSITORY": "acme/recs",
        "GITHUB_SECRET_ARN": SECRET,
        "GITHUB_EVENT_TYPE": "personalize-completed",
    }
    [schedule] = mocks.of_type("aws:scheduler/schedule:Schedule")
    assert schedule.inputs["scheduleExpression"] == "rate(5 minutes)"
    assert schedule.inputs["target"]["arn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:dev-completion"
    assert schedule.inputs["target"]["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/completion-scheduler-role"
    assert mocks.of_type("aws:sns/topic:Topic") == []

    roles = {r.name: json.loads(r.inputs["assumeRolePolicy"]) for r in mocks.of_type("aws:iam/role:Role")}
    assert roles["completion-function-role"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert roles["completion-scheduler-role"]["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"}
    for name in ("completion-function-role", "completion-scheduler-role"):
        assert roles[name]["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}

    granted = policies(mocks)
    assert granted["completion-scheduler-policy"]["Statement"] == [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": schedule.inputs["target"]["arn"]}
    ]
    statements = {s["Sid"]: s for s in granted["completion-function-policy"]["Statement"]}
    assert set(statements) == {"ListOperations", "DescribeCampaigns", "State", "StateMissing", "Logs", "GithubToken"}
    assert statements["GithubToken"] == {
        "Sid": "GithubToken",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": SECRET,
    }
    assert statements["State"]["Resource"] == "arn:aws:s3:::data-bucket-x1/completion/*"
    assert statements["DescribeCampaigns"]["Resource"] == f"arn:aws:personalize:us-east-1:{ACCOUNT}:campaign/*"
    assert statements["Logs"]["Resource"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/dev-completion:*"


def test_a_secret_the_stack_names_is_used_and_none_declared():
    mocks = program({"enabled": True, "github": GITHUB})
    assert mocks.of_type("aws:secretsmanager/secret:Secret") == []


def test_without_a_secret_one_is_declared_empty_and_the_function_reads_only_it():
    mocks = program({"enabled": True, "github": {"repository": "acme/recs"}})
    [secret] = mocks.of_type("aws:secretsmanager/secret:Secret")
    # Declared without a value: the token never passes through the config or the state.
    assert not {"secretString", "secretBinary"} & set(secret.inputs)
    arn = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{secret.name}-AbCdEf"
    [function] = mocks.of_type("aws:lambda/function:Function")
    assert function.inputs["environment"]["variables"]["GITHUB_SECRET_ARN"] == arn
    statements = {s["Sid"]: s for s in policies(mocks)["completion-function-policy"]["Statement"]}
    assert statements["GithubToken"]["Resource"] == arn


def test_the_code_archive_holds_the_function_s_packages_only():
    mocks = program({"enabled": True, "github": GITHUB})
    [function] = mocks.of_type("aws:lambda/function:Function")
    names = set(function.inputs["code"].assets)
    assert {"completion/handler.py", "completion/watch.py", "completion/signals.py", "common/layout.py"} <= names
    assert {name.split("/")[0] for name in names} == {"completion", "common"}
    assert not [n for n in names if "__pycache__" in n]


def test_a_topic_the_stack_creates_is_the_only_one_it_may_publish_to():
    mocks = program({"enabled": True, "snsTopic": True, "schedule": "rate(15 minutes)"})
    [topic] = mocks.of_type("aws:sns/topic:Topic")
    [function] = mocks.of_type("aws:lambda/function:Function")
    topic_arn = f"arn:aws:sns:us-east-1:{ACCOUNT}:{topic.name}"
    assert function.inputs["environment"]["variables"]["SNS_TOPIC_ARN"] == topic_arn
    assert "GITHUB_REPOSITORY" not in function.inputs["environment"]["variables"]
    statements = {s["Sid"]: s for s in policies(mocks)["completion-function-policy"]["Statement"]}
    assert statements["Notify"] == {"Sid": "Notify", "Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arn}
    assert "GithubToken" not in statements
    [schedule] = mocks.of_type("aws:scheduler/schedule:Schedule")
    assert schedule.inputs["scheduleExpression"] == "rate(15 minutes)"


def test_a_brought_topic_is_used_not_created():
    brought = f"arn:aws:sns:us-east-1:{ACCOUNT}:team-alerts"
    mocks = program({"enabled": True, "snsTopic": brought})
    assert mocks.of_type("aws:sns/topic:Topic") == []
    statements = {s["Sid"]: s for s in policies(mocks)["completion-function-policy"]["Statement"]}
    assert statements["Notify"]["Resource"] == brought


def test_the_stack_s_kms_key_is_granted_through_s3_only():
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    mocks = program({"enabled": True, "github": GITHUB}, storage={"kmsKeyArn": key})
    statements = {s["Sid"]: s for s in policies(mocks)["completion-function-policy"]["Statement"]}
    assert statements["StateKey"]["Resource"] == key
    assert statements["StateKey"]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}


@pytest.mark.parametrize("policy", ["completion-function-policy", "completion-scheduler-policy"])
def test_the_roles_pass_the_parliament_linter(policy):
    mocks = program({"enabled": True, "github": GITHUB, "snsTopic": True})
    document = json.dumps(policies(mocks)[policy])
    assert [(f.issue, f.detail) for f in analyze_policy_string(document).findings] == []


def test_the_role_grants_every_personalize_call_the_function_makes():
    # The calls completion/watch.py makes, as IAM actions: a new call without its grant fails here.
    import ast
    from pathlib import Path

    source = Path("completion/watch.py").read_text()
    tree = ast.parse(source)
    paginated = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and str(n.value).startswith("list_")}
    direct = {
        n.func.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        if isinstance(n.func.value, ast.Name) and n.func.value.id == "personalize"
    }
    called = paginated | direct
    actions = {"personalize:" + "".join(part.title() for part in name.split("_")) for name in called}
    assert actions == set(PERSONALIZE_LISTS) | set(PERSONALIZE_DESCRIBES)
    policy = json.loads(function_policy("us-east-1", ACCOUNT, "b", "arn:aws:logs:us-east-1:1:log-group:g"))
    assert set(policy["Statement"][0]["Action"]) == set(PERSONALIZE_LISTS)


def test_the_function_s_name_is_a_lambda_name_whatever_the_stack_s():
    assert completion_function_name("dev") == "dev-completion"
    assert completion_function_name("team.prod") == "team-prod-completion"
    long = completion_function_name("x" * 100)
    assert len(long) == 64 and long.endswith("-completion")
