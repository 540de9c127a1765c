"""The README's first command: the main job runs from nothing, and a second run
finds everything in place (the emulator restarted on its saved state)."""

import os
import socket
import subprocess

import pytest

from tests.helpers.paths import ROOT

pytestmark = pytest.mark.engine


def test_the_main_job_deploys_and_is_idempotent(tmp_path):
    with socket.socket() as probe:
        # The local stack's endpoint is fixed in Pulumi.local.yaml.
        assert probe.connect_ex(("127.0.0.1", 4599)) != 0, "port 4599 is taken: stop the running main job first"
    env = {
        **os.environ,
        "STATE_DIR": str(tmp_path / "state"),
        "PULUMI_HOME": str(tmp_path / "home"),
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'backend'}",
    }

    def main():
        done = subprocess.run(
            [str(ROOT / "scripts" / "main")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout

    first = main()
    assert "+ 41 created" in first and "training: 360,834 interactions" in first
    # It ends with the gate's evaluation table, scored on the held-out users too.
    table = first[first.index("popularity: initial") :]
    assert "* validation.ndcg_at_10" in table and "normalized_discounted_cumulative_gain_at_10" in table
    # And with sample recommendations: five items for each of three customers.
    samples = first.split("recommendations for customer ")[1:]
    assert [s.split(" ", 1)[0] for s in samples] == ["17841", "14911", "12748"]
    for sample in samples:
        lines = sample.strip().splitlines()
        assert lines[1].split() == ["rank", "itemId", "score"] and [line.split()[0] for line in lines[2:7]] == [
            "1",
            "2",
            "3",
            "4",
            "5",
        ]
    assert '"campaignArn": "arn:aws:personalize:us-east-1:123456789012:campaign/local-popularity"' in first
    # The shared group's experiments side by side, and a recommender's answers (issue 15).
    assert "dataset group retail (dataset version v2): 3 experiments" in first
    best = first.split("best sellers for customer ")[1:]
    assert len(best) == 3 and all(b.strip().splitlines()[2].split()[0] == "1" for b in best)
    second = main()
    assert "already exported, unchanged" in second and "41 unchanged" in second
    assert "popularity: initial" in second
