"""The leaderboard of a dataset group with several experiments: one row per
experiment with the metrics of the model it serves, best first, best values
marked; none for stacks of the release before named groups (fake outputs)."""

import copy
import json

from evaluation.__main__ import main
from evaluation.report import group_members, leaderboard, render, served_metrics
from tests.helpers.stack_outputs import GROUPED, LEGACY, arn, promotion, validation

SHOP = """\
dataset group shop (ECOMMERCE, dataset version v1): 3 experiments by validation.ndcg_at_10
  experiment | served by   | validation.ndcg_at_10 | validation.precision_at_10 | validation.users | normalized_discounted_cumulative_gain_at_10
  -----------+-------------+-----------------------+----------------------------+------------------+--------------------------------------------
* tuned      | campaign    |              0.2400 * |                   0.0600 * |            500   |                                    0.2100
  custom     | campaign    |              0.1900   |                   0.0475   |            500   |                                    0.2200
  for-you    | recommender |                   -   |                        -   |              -   |                                    0.3000 *
  validation.*: the gate's 500 held-out users of the dataset version, the same for every experiment of one event type
  other metrics: the service's (each model on its own split of the training data)"""


def test_a_group_of_campaigns_and_a_recommender_reads_best_first():
    assert leaderboard(GROUPED, "shop", ["custom", "tuned", "for-you"]) == SHOP


def test_the_report_ends_with_the_leaderboards_of_groups_of_several_experiments_only():
    report = render(GROUPED)
    assert report.endswith("\n\n" + SHOP + "\n")
    assert "dataset group films" not in report  # one experiment: nothing to compare


def test_outputs_of_the_previous_release_have_no_leaderboard():
    assert "dataset group" not in render(LEGACY)
    assert group_members(LEGACY) == {"baseline": ["baseline"], "similar": ["similar"]}


def test_the_served_model_is_the_kept_champion_or_the_winning_challenger():
    rejected = GROUPED["promotions"]["custom"]
    assert served_metrics(GROUPED, "custom") == rejected["championMetrics"]
    promoted = copy.deepcopy(GROUPED)
    promoted["promotions"]["custom"].update(decision="promote", servedVersionArn=rejected["challengerArn"])
    assert served_metrics(promoted, "custom") == rejected["challengerMetrics"]
    assert served_metrics(GROUPED, "for-you") == GROUPED["experiments"]["for-you"]["metrics"]


def test_a_pending_gate_shows_no_metrics_of_another_version():
    outputs = copy.deepcopy(GROUPED)
    outputs["promotions"]["custom"].update(decision="pending", championMetrics={}, challengerMetrics={})
    assert served_metrics(outputs, "custom") == {}  # the experiment's metrics are the training challenger's
    board = leaderboard(outputs, "shop", ["custom", "tuned", "for-you"])
    assert board.splitlines()[-1] == "  no metrics yet for custom"
    [row] = [line for line in board.splitlines() if line.startswith("  custom ")]
    assert {cell.strip() for cell in row.split(" | ")[2:]} == {"-"}


def test_experiments_scored_on_different_users_are_flagged():
    outputs = copy.deepcopy(GROUPED)
    outputs["promotions"]["tuned"]["challengerMetrics"]["validation.users"] = 300
    board = leaderboard(outputs, "shop", ["custom", "tuned", "for-you"])
    assert "! validation.* of these experiments are NOT on the same users: validation.users 300, 500" in board


def test_groups_are_found_from_the_experiments_when_there_is_no_datasetGroups_output():
    outputs = copy.deepcopy(GROUPED)
    del outputs["datasetGroups"]
    assert group_members(outputs) == {"films": ["movies"], "shop": ["custom", "for-you", "tuned"]}
    assert "dataset group shop (dataset version v1): 3 experiments" in render(outputs)


def test_recommenders_alone_are_ranked_by_the_metric_their_model_metrics_have():
    outputs = copy.deepcopy(GROUPED)
    outputs["experiments"]["popular"] = {
        **outputs["experiments"]["for-you"],
        "recommenderArn": arn("recommender", "popular"),
        "metrics": {"normalized_discounted_cumulative_gain_at_10": 0.1, "coverage": 0.01},
    }
    board = leaderboard(outputs, "shop", ["popular", "for-you"])
    lines = board.splitlines()
    assert lines[0].endswith("2 experiments by normalized_discounted_cumulative_gain_at_10")
    assert lines[1].split(" | ")[2:] == ["normalized_discounted_cumulative_gain_at_10", "coverage"]
    assert lines[3].startswith("* for-you") and lines[4].startswith("  popular")


def test_a_tie_marks_both():
    outputs = copy.deepcopy(GROUPED)
    outputs["promotions"]["tuned"] = promotion(arn("solution", "tuned/v1"), validation(0.19))
    lines = leaderboard(outputs, "shop", ["custom", "tuned"]).splitlines()
    assert [line[:1] for line in lines[3:5]] == ["*", "*"]


def test_the_command_prints_the_leaderboard(tmp_path, capsys):
    (tmp_path / "outputs.json").write_text(json.dumps(GROUPED))
    assert main(["report", "--stack", "dev", "--outputs-json", str(tmp_path / "outputs.json")]) == 0
    assert SHOP in capsys.readouterr().out
