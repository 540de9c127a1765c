"""Engine tests run the real Pulumi CLI built by scripts/install-pulumi, with a
file backend and PULUMI_HOME in a temp dir, on a copy of this project."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from pulumi import automation as auto

from tests.conftest import ROOT

PROGRAM_FILES = ("Pulumi.yaml", "__main__.py", "providers", "stacks")


def _cli_dir() -> Path:
    return Path(subprocess.run([str(ROOT / "scripts" / "install-pulumi")], capture_output=True, text=True, check=True).stdout.strip())


@pytest.fixture(scope="session")
def pulumi_command() -> auto.PulumiCommand:
    # PulumiCommand looks for <root>/bin/pulumi.
    return auto.PulumiCommand(root=str(_cli_dir().parent))


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the program whose virtualenv option points at this repo's venv."""
    work = tmp_path / "project"
    work.mkdir()
    for name in PROGRAM_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, work / name)
    settings = yaml.safe_load((work / "Pulumi.yaml").read_text())
    settings["runtime"]["options"]["virtualenv"] = str(ROOT / ".venv")
    (work / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    return work


@pytest.fixture
def make_stack(tmp_path, project, pulumi_command):
    cli_dir = _cli_dir()
    env = {
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "engine-tests",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        # The language host and the dynamic provider script are found on PATH.
        "PATH": f"{cli_dir}{os.pathsep}{os.environ['PATH']}",
    }
    (tmp_path / "state").mkdir()
    stacks: dict[str, auto.Stack] = {}

    def make(name: str, config: dict) -> auto.Stack:
        (project / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": {f"personalize:{k}": v for k, v in config.items()}}))
        workspace = auto.LocalWorkspace(work_dir=str(project), pulumi_home=str(tmp_path / "pulumi-home"),
                                        env_vars=env, pulumi_command=pulumi_command)
        stack = auto.Stack.create_or_select(name, workspace)
        stacks[name] = stack
        return stack

    yield make
    for stack in stacks.values():
        stack.workspace.remove_stack(stack.name, force=True)
