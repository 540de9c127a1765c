"""The files users edit and the pins the tools rely on stay consistent."""

import re

import pytest
import yaml

from stacks.config import parse
from tests.conftest import ROOT


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
