"""The leaderboard with intervals and the charts of the report, history and
leaderboard: what is computed, and what is drawn (read back from the matplotlib
Figure: bar lengths, error bars, labels, axis limits), not only that a file exists."""

import copy

import pytest

from evaluation import board, history
from evaluation.gate import paired_bootstrap
from evaluation.report import draw_chart
from tests.helpers.stack_outputs import GROUPED, arn

USERS = [f"u{n:03d}" for n in range(200)]
# tuned hits a quarter of the users, custom a fifth: tuned is best, by 0.05 on average.
TUNED = [1.0 if n % 4 == 0 else 0.0 for n in range(200)]
CUSTOM = [1.0 if n % 5 == 0 else 0.0 for n in range(200)]
METRIC = "validation.ndcg_at_10"


def scores(tuned=TUNED, custom=CUSTOM, custom_users=USERS) -> dict[str, board.Scored]:
    return {
        "tuned": board.Scored(arn("solution", "tuned/v1"), USERS, {METRIC: tuned}),
        "custom": board.Scored(arn("solution", "custom/v2"), custom_users, {METRIC: custom}),
    }


def shop(found=None, **settings) -> board.Board:
    return board.board(GROUPED, "shop", ["custom", "tuned", "for-you"], found or scores(), **settings)


def test_each_experiment_has_the_gates_bootstrap_interval_of_its_mean_best_first():
    rows = shop().rows
    assert [r.experiment for r in rows] == ["tuned", "custom", "for-you"]
    tuned, custom, recommender = rows
    own = paired_bootstrap(TUNED)  # one concept, one place: the gate's bootstrap
    assert (tuned.mean, tuned.low, tuned.high, tuned.users) == (0.25, own.low, own.high, 200)
    assert tuned.best and tuned.low < 0.25 < tuned.high
    assert custom.mean == pytest.approx(0.2) and not custom.best
    assert recommender.mean is None and "recommender" in (recommender.why_not or "")


def test_against_the_best_the_interval_is_of_the_paired_difference():
    custom = shop().rows[1]
    paired = paired_bootstrap([c - t for c, t in zip(CUSTOM, TUNED, strict=True)])
    assert custom.difference == pytest.approx(-0.05)
    assert (custom.difference_low, custom.difference_high) == (paired.low, paired.high)


def test_two_identical_models_are_tied_with_an_interval_of_exactly_zero():
    tied = shop(scores(custom=TUNED))
    best, other = tied.rows[:2]
    assert (best.experiment, other.experiment) == ("custom", "tuned")  # equal means: by name
    assert (other.difference, other.difference_low, other.difference_high) == (0.0, 0.0, 0.0)
    assert "custom is best; not distinguishable from tuned" in board.render([tied])


def test_experiments_on_different_users_get_no_paired_interval():
    other = [f"x{n:03d}" for n in range(200)]
    custom = shop(scores(custom_users=other)).rows[1]
    assert custom.mean == pytest.approx(0.2) and custom.difference is None
    assert "not scored on the same users as tuned" in (custom.why_not or "")


def test_the_text_board():
    text = board.render([shop(resamples=500)])
    lines = text.splitlines()
    assert lines[0] == "dataset group shop: validation.ndcg_at_10 per user, bootstrap 95% intervals"
    assert lines[3].startswith("* tuned ") and lines[3].split(" | ")[-1].strip() == "best"
    assert lines[4].startswith("  custom ") and "-0.0500 | [-0." in lines[4]
    assert "  for-you: served by a recommender: no per-user scores" in lines


def bars(axis):
    return [patch.get_width() for patch in axis.patches]


def test_the_leaderboard_chart_draws_each_mean_with_its_interval_on_a_score_axis():
    found = shop()
    figure = board.draw([found])
    [axis] = figure.axes
    assert bars(axis) == [0.25, pytest.approx(0.2)]  # the recommender has no per-user scores: no bar
    assert [t.get_text().split("\n")[0] for t in axis.get_yticklabels()] == ["tuned (best)", "custom"]
    [container] = [c for c in axis.containers if hasattr(c, "errorbar") and c.errorbar is not None]
    segments = container.errorbar.lines[2][0].get_segments()
    for segment, row in zip(segments, found.rows, strict=False):
        (low, _), (high, _) = segment
        assert (low, high) == pytest.approx((row.low, row.high))
        assert 0 <= low < high <= 1  # a real interval, on the score scale
    left, right = axis.get_xlim()
    assert left == 0 and right <= 1


def promotions_with_a_user_count():
    """The gate's metrics as the stack outputs them: validation.users is a count of 500."""
    promotion = GROUPED["promotions"]["custom"]
    return {"custom": copy.deepcopy(promotion)}


def test_the_report_chart_draws_scores_and_never_the_user_count():
    promotions = promotions_with_a_user_count()
    champion, challenger = promotions["custom"]["championMetrics"], promotions["custom"]["challengerMetrics"]
    assert champion["validation.users"] == 500  # the count that blanked the chart
    figure = draw_chart(promotions)
    [axis] = figure.axes
    labels = [t.get_text() for t in axis.get_yticklabels()]
    assert "validation.users" not in labels and "validation.ndcg_at_10" in labels
    drawn = [w for w in bars(axis) if w == w]  # a side without the metric draws a nan bar
    expected = [champion[m] for m in labels if m in champion] + [challenger[m] for m in labels if m in challenger]
    assert sorted(drawn) == sorted(expected)
    assert all(0 <= w <= 1 for w in drawn)
    assert axis.get_xlim()[1] <= 1  # the bars fill the axis: a count would scale it to 500


RECORDS = [
    {"decision": "initial", "decidedAt": "2025-01-01T00:00:00+00:00", "metric": METRIC,
     "championMetrics": {}, "challengerMetrics": {METRIC: 0.19, "validation.users": 500}},
    {"decision": "reject", "decidedAt": "2025-01-02T00:00:00+00:00", "metric": METRIC,
     "championMetrics": {METRIC: 0.19}, "challengerMetrics": {METRIC: 0.17}},
    {"decision": "inconclusive", "decidedAt": "2025-01-03T00:00:00+00:00", "metric": METRIC,
     "championMetrics": {METRIC: 0.19}, "challengerMetrics": {METRIC: 0.195}},
    {"decision": "promote", "decidedAt": "2025-01-04T00:00:00+00:00", "metric": METRIC,
     "championMetrics": {METRIC: 0.19}, "challengerMetrics": {METRIC: 0.24}},
]  # fmt: skip


def test_the_history_chart_marks_each_decision_at_its_time_and_plots_both_sides():
    figure = history.draw({"custom": list(reversed(RECORDS))})  # read in any order: drawn by time
    [axis] = figure.axes
    champion, challenger = axis.get_lines()
    assert list(challenger.get_ydata()) == [0.19, 0.17, 0.195, 0.24]
    assert list(champion.get_ydata())[1:] == [0.19, 0.19, 0.19]
    assert champion.get_ydata()[0] != champion.get_ydata()[0]  # no champion at the first decision: a gap
    marked = {c.get_label(): [tuple(o) for o in c.get_offsets()] for c in axis.collections}
    assert set(marked) == {"initial", "reject", "inconclusive", "promote"}
    assert [y for _, y in marked["promote"]] == [0.24] and [y for _, y in marked["reject"]] == [0.17]
    bottom, top = axis.get_ylim()
    assert bottom == 0 and 0.24 < top <= 1  # the user count is never the axis


def test_a_history_line_that_is_not_json_names_the_file_and_line():
    with pytest.raises(ValueError, match=r"s3://b/promotions/c.jsonl line 2 is not JSON"):
        history.parse('{"decision": "initial"}\nnot json\n', "s3://b/promotions/c.jsonl")


def test_charts_without_data_say_so():
    assert history.draw({}).axes[0].texts[0].get_text() == "no decisions yet"
    assert board.draw([]).axes[0].texts[0].get_text() == "no per-user scores yet"


def test_every_history_panel_labels_its_own_time_axis():
    figure = history.draw({"custom": RECORDS, "tuned": RECORDS[:1]})
    figure.canvas.draw()
    for axis in figure.axes:
        labels = [t.get_text() for t in axis.get_xticklabels() if t.get_visible() and t.get_text()]
        assert labels, f"{axis.get_title(loc='left')}: no time labels"
    low, high = figure.axes[0].get_xlim()
    assert high - low < 5  # days: the four decisions' span, not another panel's
