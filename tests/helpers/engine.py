"""Driving the real Pulumi CLI (built by scripts/install-pulumi) through the
Automation API, with a file backend and PULUMI_HOME in a temp dir, on a copy of
a program: shared by the engine tests and the benchmarks."""

import os
import shutil
import subprocess
from pathlib import Path

import yaml
from pulumi import automation as auto

from prep.config import load_config
from prep.pipeline import prepare
from tests.helpers.data import interactions_csv
from tests.helpers.paths import ROOT

MAIN_PROGRAM = (
    ROOT,
    (
        "Pulumi.yaml",
        "__main__.py",
        "providers",
        "servicemodel",
        "stacks",
        "evaluation",
        "completion",
        "common",
        "service",
    ),
)
RECORDS_PROGRAM = (ROOT / "tests" / "fixtures" / "records", ("Pulumi.yaml", "__main__.py", "record_provider.py"))


def cli_dir() -> Path:
    return Path(
        subprocess.run(
            [str(ROOT / "scripts" / "install-pulumi")], capture_output=True, text=True, check=True
        ).stdout.strip()
    )


def copy_program(source: Path, files: tuple[str, ...], work: Path) -> Path:
    """A copy of the program whose virtualenv option points at this repo's venv."""
    work.mkdir()
    for name in files:
        if (source / name).is_dir():
            shutil.copytree(source / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source / name, work / name)
    settings = yaml.safe_load((work / "Pulumi.yaml").read_text())
    settings["runtime"]["options"]["virtualenv"] = str(ROOT / ".venv")
    (work / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    return work


def isolated_env(tmp_path: Path) -> dict[str, str]:
    """A file backend under tmp_path and the built CLI on PATH, nothing from $HOME."""
    (tmp_path / "state").mkdir()
    return {
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "engine-tests",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        # The language host and the dynamic provider script are found on PATH.
        "PATH": f"{cli_dir()}{os.pathsep}{os.environ['PATH']}",
    }


def stack_factory(program: tuple[Path, tuple[str, ...]], tmp_path: Path, env: dict, pulumi_command):
    """make(stack, config) writes Pulumi.<stack>.yaml and selects the stack;
    calling it again with new config is how a test edits the stack file."""
    project = copy_program(*program, tmp_path / "project")
    namespace = yaml.safe_load((project / "Pulumi.yaml").read_text())["name"]
    stacks: dict[str, auto.Stack] = {}

    def make(name: str, config: dict) -> auto.Stack:
        (project / f"Pulumi.{name}.yaml").write_text(
            # A key with a namespace (aws:region) is written as it is.
            yaml.safe_dump({"config": {k if ":" in k else f"{namespace}:{k}": v for k, v in config.items()}})
        )
        workspace = auto.LocalWorkspace(
            work_dir=str(project),
            pulumi_home=str(tmp_path / "pulumi-home"),
            env_vars=env,
            pulumi_command=pulumi_command,
        )
        stacks[name] = auto.Stack.create_or_select(name, workspace)
        return stacks[name]

    return make, stacks


def export_version(work: Path, version: str, bucket: str, endpoint: str, **data) -> None:
    """Data preparation exports `version` of synthetic interactions
    (interactions_csv(**data)) into `bucket`, as a user would before `up`."""
    (work / "raw.csv").write_bytes(interactions_csv(**data))
    columns = ("USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP")
    config = {
        "name": "engine",
        "holdout": {"days": 7},
        "interactions": {
            "sources": [{"kind": "csv", "path": str(work / "raw.csv")}],
            "mapping": {name: {"column": name} for name in columns},
        },
    }
    (work / "dataset.yaml").write_text(yaml.safe_dump(config))
    prepare(load_config(str(work / "dataset.yaml")), version, f"s3://{bucket}", s3_endpoint=endpoint)


def preview_steps(stack, skip_types: tuple[str, ...] = ("pulumi:providers:",)) -> list:
    """The metadata of every step the preview plans for a resource. The engine
    re-registers its default provider for dynamic resources on every run; the CLI
    does not show that step, and neither does a review."""
    steps = []

    def collect(event):
        pre = event.resource_pre_event
        if pre and pre.metadata.op.value not in ("same", "read") and not pre.metadata.type.startswith(skip_types):
            steps.append(pre.metadata)

    stack.preview(on_event=collect)
    return steps


def planned(stack, by: str = "type", skip_types: tuple[str, ...] = ("pulumi:providers:",)) -> dict[str, str]:
    """Each resource the preview would touch, with the step it plans (a replacement,
    several steps, is "replace"): by its type's last segment, or by its name ("name")."""

    def key(step) -> str:
        return step.type.rsplit(":", 1)[-1] if by == "type" else step.urn.rsplit("::", 1)[-1]

    return {
        key(step): "replace" if "replace" in step.op.value else step.op.value
        for step in preview_steps(stack, skip_types)
    }
