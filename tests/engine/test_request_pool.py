"""The provider process serves more than the SDK's four requests at once
(providers/request_pool.py): six creates that each return only when all six
are in flight complete, through the real engine, with the program's provider
base. Without the widening, four run, block, and time out."""

import shutil

from tests.helpers.engine import stack_factory
from tests.helpers.paths import ROOT

PARTIES = 6
BARRIER_PROGRAM = (
    ROOT,
    ("Pulumi.yaml", "providers", "service", "servicemodel", "common", "evaluation", "serving", "completion", "prep"),
)


def test_six_waiting_creates_run_at_once(tmp_path, engine_env, pulumi_command):
    make, stacks = stack_factory(BARRIER_PROGRAM, tmp_path, engine_env, pulumi_command)
    project = tmp_path / "project"
    for name in ("__main__.py", "barrier_provider.py"):  # beside the program's own packages
        shutil.copy2(ROOT / "tests" / "fixtures" / "barrier" / name, project / name)
    room = tmp_path / "room"
    room.mkdir()
    stack = make("dev", {"room": str(room), "parties": PARTIES, "aws:region": "us-east-1"})
    try:
        # The engine's own bound is set well above the parties, so only the provider's can hold them back.
        result = stack.up(parallel=4 * PARTIES)
        assert result.outputs["arrived"].value == [PARTIES] * PARTIES
    finally:
        stack.destroy()
        for s in stacks.values():
            s.workspace.remove_stack(s.name, force=True)
