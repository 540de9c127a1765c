"""The IAM policies of the CI roles: the pull-request preview role is valid to
parliament and read-only, and the read-only check does flag a write."""

import json
import subprocess
import sys

import pytest
from parliament import analyze_policy_string

from common.layout import DATASETS_PREFIX, MANIFEST_FILE
from stacks.ci_policies import LOCKS_PREFIX, preview_policy, preview_state_policy, write_actions
from tests.helpers.paths import ROOT

ACCOUNT, REGION, BUCKET = "123456789012", "us-east-1", "team-personalize-data"


def preview() -> dict:
    return preview_policy(BUCKET, ACCOUNT, REGION)


def test_parliament_finds_nothing_in_the_preview_policies():
    for policy in (preview(), preview_state_policy("team-pulumi-state")):
        findings = analyze_policy_string(json.dumps(policy)).findings
        assert findings == [], [(f.issue, f.detail) for f in findings]


def test_the_preview_role_is_read_only():
    # Every action starts with Describe, List or Get, or is sts:GetCallerIdentity.
    assert write_actions(preview()) == []
    assert all(statement["Effect"] == "Allow" and "NotAction" not in statement for statement in preview()["Statement"])


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


def test_the_preview_role_reads_the_exports_manifests_but_not_the_customers_data():
    statements = {s["Sid"]: s for s in preview()["Statement"]}
    assert statements["DataExportsListed"]["Condition"] == {"StringLike": {"s3:prefix": [f"{DATASETS_PREFIX}*"]}}
    assert statements["DataManifestsRead"]["Resource"] == f"arn:aws:s3:::{BUCKET}/{DATASETS_PREFIX}*/{MANIFEST_FILE}"
    resources = json.dumps([s["Resource"] for s in preview()["Statement"]])
    assert f"arn:aws:s3:::{BUCKET}/*" not in resources and f":{ACCOUNT}:" in resources and f":{REGION}:" in resources


def test_the_state_backend_policy_writes_only_the_lock_objects():
    policy = preview_state_policy("team-pulumi-state")
    writes = [s for s in policy["Statement"] if write_actions({"Statement": [s]})]
    assert [s["Resource"] for s in writes] == [f"arn:aws:s3:::team-pulumi-state/{LOCKS_PREFIX}*"]
    assert sorted(write_actions(policy)) == ["s3:DeleteObject", "s3:PutObject"]


def test_the_command_prints_the_preview_policy_without_importing_pulumi():
    code = (
        "import sys, runpy; sys.argv = ['ci_policies', 'preview', '--bucket', 'b', '--account', '1', '--region', 'r'];"
        "\ntry: runpy.run_module('stacks.ci_policies', run_name='__main__')"
        "\nexcept SystemExit as e: assert e.code == 0, e.code"
        "\nassert not [m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws')], 'pulumi imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == preview_policy("b", "1", "r")
    result = subprocess.run(
        [sys.executable, "-m", "stacks.ci_policies", "preview", "--bucket", "b"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "--account" in result.stderr
