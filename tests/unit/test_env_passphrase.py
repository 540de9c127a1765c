"""scripts/env.sh: the built-in passphrase is public, so only the `local` stack
gets it; any other stack needs its own (require_passphrase STACK)."""

import os
import subprocess

import pytest

from tests.helpers.paths import ROOT

BUILT_IN = "local-passphrase"


def run(script: str, tmp_path, passphrase: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PULUMI_CONFIG_PASSPHRASE"}
    # Keep env.sh's directories out of the work tree.
    env |= {"PULUMI_HOME": str(tmp_path / "home"), "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}"}
    if passphrase is not None:
        env["PULUMI_CONFIG_PASSPHRASE"] = passphrase
    return subprocess.run(
        [
            "bash",
            "-c",
            f'set -euo pipefail; source scripts/env.sh; {script}; echo "passphrase=$PULUMI_CONFIG_PASSPHRASE"',
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_local_stack_gets_the_built_in_passphrase(tmp_path):
    result = run("require_passphrase local", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"passphrase={BUILT_IN}"


def test_the_local_stack_keeps_a_passphrase_that_is_set(tmp_path):
    result = run("require_passphrase local", tmp_path, passphrase="mine")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "passphrase=mine"


@pytest.mark.parametrize("passphrase", [None, "", BUILT_IN])
def test_another_stack_without_its_own_passphrase_is_refused(tmp_path, passphrase):
    result = run("require_passphrase dev", tmp_path, passphrase=passphrase)
    assert result.returncode != 0
    assert "passphrase=" not in result.stdout
    message = result.stderr.strip()
    assert message.startswith("stack dev: set PULUMI_CONFIG_PASSPHRASE"), message
    assert f"'{BUILT_IN}'" in message and "only for the local stack" in message


def test_another_stack_with_its_own_passphrase_is_accepted(tmp_path):
    result = run("require_passphrase dev", tmp_path, passphrase="dev-secret")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "passphrase=dev-secret"


def test_sourcing_env_sh_alone_sets_no_passphrase(tmp_path):
    # A `pulumi stack init` by hand after `source scripts/env.sh` must not get the public value.
    result = run('echo "set=${PULUMI_CONFIG_PASSPHRASE+yes}"; export PULUMI_CONFIG_PASSPHRASE=x', tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "set="


def test_the_main_script_asks_for_the_local_stack_passphrase():
    lines = (ROOT / "scripts" / "main").read_text().splitlines()
    source = lines.index('source "$root/scripts/env.sh"')
    assert "require_passphrase local" in lines[source + 1 :]
    first_pulumi = next(i for i, line in enumerate(lines) if line.startswith("pulumi "))
    assert lines.index("require_passphrase local") < first_pulumi
