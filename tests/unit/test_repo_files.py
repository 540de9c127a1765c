"""The files users edit and the pins the tools rely on stay consistent."""

import re

import pytest
import yaml

from stacks.config import parse
from tests.helpers.paths import ROOT


def test_sdk_and_engine_are_pinned_to_one_version():
    sdk = re.search(r"^pulumi==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    gomod = (ROOT / "tools/pulumi/go.mod").read_text()
    assert re.search(rf"github.com/pulumi/pulumi/pkg/v3 v{re.escape(sdk)}( // indirect)?$", gomod, re.M)
    assert re.search(rf"github.com/pulumi/pulumi/sdk/v3 v{re.escape(sdk)}$", gomod, re.M)


@pytest.mark.parametrize("stack_file", sorted(p.name for p in ROOT.glob("Pulumi.*.yaml")))
def test_every_stack_file_in_the_repo_is_valid(stack_file):
    stack = stack_file.removeprefix("Pulumi.").removesuffix(".yaml")
    config = yaml.safe_load((ROOT / stack_file).read_text())["config"]
    raw = {k.removeprefix("personalize:"): v for k, v in config.items() if k.startswith("personalize:")}
    assert parse(stack, raw).experiments


def requirement_names(name: str) -> set[str]:
    lines = [line.split("#")[0].strip() for line in (ROOT / name).read_text().splitlines()]
    return {
        re.split(r"[\[=<>~!; ]", line, maxsplit=1)[0].lower() for line in lines if line and not line.startswith("-")
    }


def test_requirements_txt_is_what_the_program_needs_and_the_dev_file_adds_the_rest():
    program = requirement_names("requirements.txt")
    assert {"pulumi", "pulumi-aws", "boto3", "botocore"} <= program
    assert not program & {"moto", "numpy", "scipy", "polars", "matplotlib", "psycopg", "pytest", "ruff", "mypy"}
    dev = [
        line for line in (ROOT / "requirements-dev.txt").read_text().splitlines() if line and not line.startswith("#")
    ]
    assert dev[0] == "-r requirements.txt"
    assert not program & requirement_names("requirements-dev.txt")  # each pin in one place
    assert all(re.search(r"(==|>=)", line) for line in dev[1:]), "every dev requirement is pinned"
    # The main job and the tests run the emulator and prep: bootstrap installs the dev file.
    assert "requirements-dev.txt" in (ROOT / "scripts" / "bootstrap").read_text()
