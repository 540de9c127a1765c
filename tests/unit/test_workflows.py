"""The GitHub workflows: valid to actionlint, and wired as docs/ci-cd.md says."""

import os
import subprocess

import yaml

from tests.helpers.paths import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def load(name: str) -> dict:
    # YAML reads the `on:` key as True.
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True)
    return workflow


def test_actionlint_finds_nothing():
    # actionlint is pinned in tools/lint/go.mod and built from the Go module proxy.
    result = subprocess.run(
        ["go", "run", "github.com/rhysd/actionlint/cmd/actionlint", *sorted(map(str, WORKFLOWS.glob("*.yml")))],
        cwd=ROOT / "tools" / "lint",
        capture_output=True,
        text=True,
        env={**os.environ, "GOFLAGS": "-mod=mod"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pull_requests_get_a_commented_preview_of_every_environment():
    workflow = load("preview.yml")
    assert "pull_request" in workflow["on"]
    job = workflow["jobs"]["preview"]
    assert job["strategy"]["matrix"]["stack"] == ["dev", "staging", "prod"]
    [pulumi] = [s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@")]
    assert pulumi["with"]["command"] == "preview" and pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["pulumi-version"] == "3.260.0"


def test_merges_deploy_dev_then_staging_then_prod_and_retraining_is_scheduled():
    deploy = load("deploy.yml")
    assert deploy["on"]["push"]["branches"] == ["main"]
    assert [deploy["jobs"][j].get("needs") for j in ("dev", "staging", "prod")] == [None, "dev", "staging"]
    up = load("up.yml")
    [pulumi] = [s for s in up["jobs"]["up"]["steps"] if s.get("uses", "").startswith("pulumi/actions@")]
    assert pulumi["with"]["command"] == "up"
    retrain = load("retrain.yml")
    assert retrain["on"]["schedule"][0]["cron"] and all(j["with"]["refresh"] for j in retrain["jobs"].values())


def test_retraining_is_a_daily_safety_net_once_the_completion_signal_dispatches():
    # minute hour day month weekday: a fixed minute and hour, every day.
    [schedule] = load("retrain.yml")["on"]["schedule"]
    minute, hour, *every_day = schedule["cron"].split()
    assert minute.isdigit() and hour.isdigit() and every_day == ["*", "*", "*"]


def test_a_completion_dispatch_runs_up_of_the_stack_it_names_only():
    from stacks.config import DEFAULT_COMPLETION_EVENT

    retrain = load("retrain.yml")
    assert retrain["on"]["repository_dispatch"] == {"types": [DEFAULT_COMPLETION_EVENT]}
    for stack, job in retrain["jobs"].items():
        condition = job["if"]
        assert job["with"]["stack"] == stack
        assert f"github.event.client_payload.stack == '{stack}'" in condition
        assert "github.event_name != 'repository_dispatch'" in condition  # the daily and manual runs: every stack
        if "needs" in job:  # the job before it is skipped on another stack's dispatch: this one still runs
            assert "!failure() && !cancelled()" in condition


def test_every_workflow_stack_has_a_stack_file():
    for stack in load("preview.yml")["jobs"]["preview"]["strategy"]["matrix"]["stack"]:
        assert (ROOT / f"Pulumi.{stack}.yaml").exists()


def test_the_deploy_workflows_install_only_what_the_program_needs():
    installs = [
        step["run"]
        for name in ("preview.yml", "up.yml")
        for job in load(name)["jobs"].values()
        for step in job.get("steps", [])
        if "pip install" in step.get("run", "")
    ]
    assert len(installs) == 2
    assert all("-r requirements.txt" in run and "requirements-dev" not in run for run in installs)


def test_pull_request_previews_get_a_read_only_role_and_nothing_of_the_deploys():
    # Pull-request code runs in the preview: it must not reach the deploy role,
    # the deploy environments or their passphrase secret.
    text = (WORKFLOWS / "preview.yml").read_text()
    job = load("preview.yml")["jobs"]["preview"]
    [aws] = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    assert job["environment"] == "preview-${{ matrix.stack }}"
    assert job["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_PREVIEW_CONFIG_PASSPHRASE }}"
    assert "AWS_DEPLOY_ROLE_ARN" not in text and "secrets.PULUMI_CONFIG_PASSPHRASE" not in text
    assert "secrets: inherit" not in text
    # The deploys keep theirs, in the deploy environments.
    up = load("up.yml")["jobs"]["up"]
    [aws] = [s for s in up["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert up["environment"] == "${{ inputs.stack }}"
    assert "AWS_PREVIEW_ROLE_ARN" not in (WORKFLOWS / "up.yml").read_text()


def credentials_steps(name: str) -> list[dict]:
    return [
        step
        for job in load(name)["jobs"].values()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    ]


def test_deploys_and_retraining_take_the_deploy_role_through_up_yml_only():
    # deploy.yml and retrain.yml call up.yml, the one workflow that assumes the deploy
    # role; the preview takes the read-only one (above). The roles' policies:
    # python -m stacks.ci_policies deploy / preview.
    [aws] = credentials_steps("up.yml")
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    for name in ("deploy.yml", "retrain.yml"):
        assert credentials_steps(name) == []
        assert {job["uses"] for job in load(name)["jobs"].values()} == {"./.github/workflows/up.yml"}
    [preview] = credentials_steps("preview.yml")
    assert preview["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
