"""Engine tests run the real Pulumi CLI built by scripts/install-pulumi, with a
file backend and PULUMI_HOME in a temp dir, on a copy of a program."""

import pytest
from pulumi import automation as auto

from tests.helpers.engine import MAIN_PROGRAM, RECORDS_PROGRAM, cli_dir, isolated_env, stack_factory


@pytest.fixture(scope="session")
def pulumi_command() -> auto.PulumiCommand:
    # PulumiCommand looks for <root>/bin/pulumi.
    return auto.PulumiCommand(root=str(cli_dir().parent))


@pytest.fixture
def engine_env(tmp_path) -> dict[str, str]:
    return isolated_env(tmp_path)


def _stack_fixture(program):
    @pytest.fixture
    def make_stack(tmp_path, engine_env, pulumi_command):
        make, stacks = stack_factory(program, tmp_path, engine_env, pulumi_command)
        yield make
        for stack in stacks.values():
            stack.workspace.remove_stack(stack.name, force=True)

    return make_stack


make_records_stack = _stack_fixture(RECORDS_PROGRAM)
make_program_stack = _stack_fixture(MAIN_PROGRAM)
