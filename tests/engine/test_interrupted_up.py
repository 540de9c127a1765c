"""#13, finding 5: `kill -9` of `pulumi up` while a model trains. After the
recovery docs/troubleshooting.md gives (`pulumi cancel` for the lock the
killed run left, `pulumi refresh --clear-pending-creates` for its pending
create), the next `up` adopts the interrupted training and waits for it: no
second, billed, solution version."""

import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest
from pulumi import automation as auto

import local
from tests.helpers.engine import export_version
from tests.helpers.provider_fixtures import EMULATOR_TIME_SCALE
from tests.helpers.roles import personalize_role

pytestmark = pytest.mark.engine

BUCKET = "resume-data"
STACK = "resume"
# Scaled seconds a training takes here: long enough to kill the `up` mid-way
# (the first tenth reads CREATE PENDING); most of it is skipped after the kill.
TRAINING_SECONDS = 24.0
RUNNING = ("CREATE PENDING", "CREATE IN_PROGRESS")


@pytest.fixture(scope="module")
def personalize_local(tmp_path_factory):
    """This module's emulator, whose trainings last TRAINING_SECONDS."""
    handle = local.start(
        str(tmp_path_factory.mktemp("emulator-state")),
        port=0,
        time_scale=EMULATOR_TIME_SCALE,
        durations={"solutionVersion": TRAINING_SECONDS / EMULATOR_TIME_SCALE},
    )
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def role(aws, emulator, tmp_path_factory):
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    export_version(tmp_path_factory.mktemp("prep"), "v1", BUCKET, emulator.endpoint, rows=1200, seed=7)
    return personalize_role(aws("iam"), aws("s3"), "resume-personalize", BUCKET)


def advance_clock(emulator, seconds: float) -> None:
    request = urllib.request.Request(
        f"{emulator.endpoint}/_local/clock",
        data=json.dumps({"advance_seconds": seconds}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).read()


def versions_of_the_stack(api) -> list[dict]:
    solutions = [
        s
        for g in api.list_dataset_groups()["datasetGroups"]
        if g["name"].startswith(f"{STACK}-")
        for s in api.list_solutions(datasetGroupArn=g["datasetGroupArn"])["solutions"]
    ]
    return [v for s in solutions for v in api.list_solution_versions(solutionArn=s["solutionArn"])["solutionVersions"]]


def up_killed_while_training(stack: auto.Stack, api, env: dict[str, str]) -> str:
    """`pulumi up` as its own process group, SIGKILLed (CLI, language host and
    dynamic provider alike) once a training runs; the ARN of that training."""
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace) and workspace.pulumi_home
    process = subprocess.Popen(
        [workspace.pulumi_command.command, "up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack.name],
        cwd=workspace.work_dir,
        env={**os.environ, **env, "PULUMI_HOME": workspace.pulumi_home},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            running = [v for v in versions_of_the_stack(api) if v["status"] in RUNNING]
            if running:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
                return running[0]["solutionVersionArn"]
            time.sleep(0.05)
        raise AssertionError(f"no training started while `up` ran (exit code {process.poll()})")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_an_up_killed_mid_training_is_resumed_without_a_second_training(
    make_program_stack, engine_env, emulator, role, aws
):
    api = aws("personalize")
    config = {
        "connection": {"region": "us-east-1", "endpoint": emulator.endpoint},
        "storage": {"bucketName": BUCKET, "roleArn": role},
        "waits": {"initialPollSeconds": 0.05, "maxPollSeconds": 0.5},
        "experiments": [{"name": "shop", "recipe": "aws-popularity-count", "datasetVersion": "v1"}],
    }
    stack = make_program_stack(STACK, config)
    interrupted = up_killed_while_training(stack, api, engine_env)
    # Most of the training passes while nobody waits; the rest the next `up` waits for.
    advance_clock(emulator, TRAINING_SECONDS / 2)

    # The killed run's lock stays: the next `up` refuses to start until it is cancelled.
    with pytest.raises(auto.errors.CommandError, match="the stack is currently locked"):
        stack.up()
    stack.cancel()
    # The create the killed run had under way stays a pending operation in the
    # state (every later `up` warns, and a non-interactive refresh keeps it):
    # dropping it is safe, the provider finds the training by its name.
    assert [op["type"] for op in stack.export_stack().deployment["pending_operations"]] == ["creating"]
    stack.refresh(clear_pending_creates=True)
    assert not stack.export_stack().deployment.get("pending_operations")
    result = stack.up()

    assert result.summary.result == "succeeded"
    assert f"adopted solution version {interrupted}" in result.stdout
    versions = versions_of_the_stack(api)
    assert [v["solutionVersionArn"] for v in versions] == [interrupted], versions
    assert versions[0]["status"] == "ACTIVE"
    assert stack.outputs()["experiments"].value["shop"]["solutionVersionArn"] == interrupted
    assert not stack.preview().change_summary.get("update")  # and the next plan is empty
    stack.destroy()
