"""The champion/challenger table, the report of a stack's outputs, the chart, and
the command line (from an outputs file or a stand-in `pulumi`: no engine needed)."""

import json
import os
import subprocess
import sys

import pytest

from evaluation.__main__ import main
from evaluation.report import comparison_table, render, write_chart
from tests.helpers.paths import ROOT

CHAMPION = {"ndcg_at_10": 0.2, "mrr": 0.31, "users": 1000}
CHALLENGER = {"ndcg_at_10": 0.25, "coverage": 0.5, "users": 1000}
TABLE = """\
  metric     | champion | challenger |           change
  -----------+----------+------------+-----------------
  coverage   |        - |     0.5000 |                -
  mrr        |   0.3100 |          - |                -
* ndcg_at_10 |   0.2000 |     0.2500 | +0.0500 (+25.0%)
  users      |     1000 |       1000 |       +0 (+0.0%)"""

OUTPUTS = {
    "campaignArn": "arn:aws:personalize:us-east-1:000000000000:campaign/main",
    "promotions": {
        "similar": {
            "decision": "initial",
            "reason": "no champion yet",
            "metric": "mrr",
            "championArn": None,
            "challengerArn": "arn:v2",
            "servedVersionArn": "arn:v2",
            "championMetrics": None,
            "challengerMetrics": None,
            "decidedAt": "2025-01-01T00:00:00Z",
        },
        "main": {
            "decision": "promote",
            "reason": "ndcg_at_10 +25.0%",
            "metric": "ndcg_at_10",
            "championArn": "arn:v1",
            "challengerArn": "arn:v2",
            "servedVersionArn": "arn:v2",
            "championMetrics": CHAMPION,
            "challengerMetrics": CHALLENGER,
            "decidedAt": "2025-01-01T00:00:00Z",
        },
    },
}
REPORT = f"""\
main: promote — ndcg_at_10 +25.0%
{TABLE}

similar: initial — no champion yet
  metric | champion | challenger | change
  -------+----------+------------+-------
* mrr    |        - |          - |      -
"""


def test_the_table_aligns_every_column_and_marks_the_deciding_metric():
    assert comparison_table(CHAMPION, CHALLENGER, "ndcg_at_10") == TABLE
    assert len({len(line) for line in TABLE.splitlines()}) == 1


def test_a_table_without_metrics_or_a_deciding_one_is_just_the_header():
    assert (
        comparison_table(None, None)
        == "  metric | champion | challenger | change\n  -------+----------+------------+-------"
    )


def test_a_fall_to_zero_and_from_zero_show_their_change():
    assert comparison_table({"a": 0.5, "b": 0.0}, {"a": 0.0, "b": 0.1}).splitlines()[2:] == [
        "  a      |   0.5000 |     0.0000 | -0.5000 (-100.0%)",
        "  b      |   0.0000 |     0.1000 |           +0.1000",
    ]  # no relative change from zero


def test_render_heads_each_experiment_with_its_decision():
    assert render(OUTPUTS) == REPORT


def test_the_chart_is_a_png(tmp_path):
    path = tmp_path / "chart.png"
    write_chart(path, OUTPUTS["promotions"])
    assert path.read_bytes().startswith(b"\x89PNG")


def test_the_command_reports_from_an_outputs_file(tmp_path, capsys):
    outputs, chart = tmp_path / "outputs.json", tmp_path / "report.png"
    outputs.write_text(json.dumps(OUTPUTS))
    assert main(["report", "--stack", "local", "--outputs-json", str(outputs), "--chart", str(chart)]) == 0
    assert capsys.readouterr().out == REPORT + f"chart written to {chart}\n"
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_a_stack_without_promotions_is_an_error_naming_stack_and_key(tmp_path, capsys):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"campaignArn": "arn:c"}))
    assert main(["report", "--stack", "staging", "--outputs-json", str(outputs)]) == 2
    assert capsys.readouterr().err == "error: stack staging has no `promotions` output (it has: campaignArn)\n"


@pytest.mark.parametrize("text, message", [("not json", "is not JSON"), (None, "cannot read")])
def test_an_unreadable_outputs_file_is_an_error(tmp_path, capsys, text, message):
    outputs = tmp_path / "outputs.json"
    if text is not None:
        outputs.write_text(text)
    assert main(["report", "--stack", "local", "--outputs-json", str(outputs)]) == 2
    assert message in capsys.readouterr().err


def fake_pulumi(tmp_path, monkeypatch, script: str):
    (tmp_path / "pulumi").write_text(f"#!/bin/sh\n{script}\n")
    (tmp_path / "pulumi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")


def test_without_a_file_the_outputs_come_from_the_pulumi_cli(tmp_path, monkeypatch, capsys):
    (tmp_path / "outputs.json").write_text(json.dumps(OUTPUTS))
    # The stand-in answers only the exact command the report must run.
    fake_pulumi(
        tmp_path,
        monkeypatch,
        f'[ "$*" = "stack output --json --stack local" ] && exec cat {tmp_path}/outputs.json\nexit 9',
    )
    assert main(["report", "--stack", "local"]) == 0
    assert capsys.readouterr().out == REPORT


def test_a_failing_pulumi_command_is_an_error_with_its_message(tmp_path, monkeypatch, capsys):
    fake_pulumi(tmp_path, monkeypatch, "echo \"error: no stack named 'nope' found\" >&2\nexit 255")
    assert main(["report", "--stack", "nope"]) == 2
    err = capsys.readouterr().err
    assert "pulumi stack output --json --stack nope` failed (exit 255)" in err and "no stack named 'nope'" in err


def test_the_module_runs_as_a_command(tmp_path):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({}))
    done = subprocess.run(
        [sys.executable, "-m", "evaluation", "report", "--stack", "dev", "--outputs-json", str(outputs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "stack dev has no `promotions` output (it has: none)" in done.stderr


def test_the_chart_leaves_out_the_user_count_the_gate_names_validation_users():
    from evaluation.report import _chartable

    charted = _chartable(
        {
            "championMetrics": {"validation.ndcg_at_10": 0.2, "validation.users": 500, "users": 500},
            "challengerMetrics": {"validation.ndcg_at_10": 0.3, "validation.users": 500},
        }
    )
    assert list(charted) == ["validation.ndcg_at_10"]
