"""The promotion gate's decision (evaluation/gate.py): a paired comparison on the
same validation users for the per-user ranking metrics, the point comparison for
one number per version."""

import math
import random
import statistics

import pytest

from evaluation.gate import (
    INCONCLUSIVE,
    PAIRED,
    POINT,
    PROMOTE,
    REJECT,
    decide,
    paired_bootstrap,
    paired_differences,
)

METRIC = "validation.ndcg_at_10"
NEW, OLD = "arn:challenger", "arn:champion"


def scores_of(new: list[float], old: list[float]):
    """The `scores` and `per_user` arguments of decide for two versions' per-user values."""
    means = {NEW: {METRIC: statistics.fmean(new)}, OLD: {METRIC: statistics.fmean(old)}}
    return means, {NEW: {METRIC: new}, OLD: {METRIC: old}}


def users(n: int, seed: int = 1) -> list[float]:
    """Per-user NDCG-like values: most users score 0, the rest between 0 and 1."""
    rng = random.Random(seed)
    return [0.0 if rng.random() < 0.6 else rng.random() for _ in range(n)]


@pytest.mark.parametrize("margin", [0.0, 0.001, 0.05])
@pytest.mark.parametrize("n", [50, 500, 2000])
def test_two_identical_models_never_promote(n, margin):
    same = users(n)
    decision = decide(NEW, OLD, METRIC, margin, *scores_of(same, list(same)))
    assert decision.decision == REJECT, decision.reason
    assert decision.served == OLD
    assert (decision.evidence.low, decision.evidence.high, decision.evidence.difference) == (0.0, 0.0, 0.0)


def test_a_clearly_better_model_promotes_with_a_small_p_value():
    old = users(500)
    rng = random.Random(2)
    new = [min(1.0, value + 0.1 * rng.random()) for value in old]
    decision = decide(NEW, OLD, METRIC, 0.0, *scores_of(new, old))
    assert decision.decision == PROMOTE, decision.reason
    assert decision.served == NEW
    assert decision.evidence.low > 0 and decision.evidence.p_value < 0.01
    assert decision.evidence.users == 500


def test_a_clearly_worse_model_is_rejected():
    new = users(500)
    old = [min(1.0, value + 0.05) for value in new]
    decision = decide(NEW, OLD, METRIC, 0.0, *scores_of(new, old))
    assert decision.decision == REJECT, decision.reason
    assert decision.evidence.high < 0 and decision.evidence.p_value > 0.99


def test_a_small_difference_on_few_users_is_inconclusive():
    # 60 users (more than minUsers' 50): a few users gain a little, as many lose a little less.
    old = users(60, seed=3)
    new = list(old)
    for i in range(0, 12, 2):
        new[i] += 0.05
        new[i + 1] -= 0.04
    decision = decide(NEW, OLD, METRIC, 0.0, *scores_of(new, old))
    assert decision.evidence.difference > 0  # the point comparison would have promoted it
    assert decision.decision == INCONCLUSIVE, decision.reason
    assert decision.served == OLD
    assert decision.evidence.low < 0 < decision.evidence.high
    assert "straddles" in decision.reason


def test_fewer_users_than_min_users_is_inconclusive_even_for_a_clear_gain():
    old = users(20)
    new = [value + 0.2 for value in old]
    decision = decide(NEW, OLD, METRIC, 0.0, *scores_of(new, old), min_users=50)
    assert decision.decision == INCONCLUSIVE
    assert "fewer users than minUsers 50" in decision.reason
    assert decide(NEW, OLD, METRIC, 0.0, *scores_of(new, old), min_users=20).decision == PROMOTE


def test_a_margin_the_interval_straddles_keeps_the_champion():
    old = users(1000)
    new = [value + 0.02 for value in old]  # +0.02 for every user: an interval of width 0
    assert decide(NEW, OLD, METRIC, 0.01, *scores_of(new, old)).decision == PROMOTE
    assert decide(NEW, OLD, METRIC, 0.03, *scores_of(new, old)).decision == REJECT


def test_the_reason_and_the_record_carry_interval_p_value_and_users():
    old = users(300)
    new = [value + 0.01 * (i % 3) for i, value in enumerate(old)]
    decision = decide(NEW, OLD, METRIC, 0.0, *scores_of(new, old), confidence=0.9, resamples=500)
    record = decision.evidence.record()
    assert record["method"] == PAIRED
    assert set(record) == {"method", "difference", "users", "low", "high", "pValue", "confidence", "resamples"}
    assert (record["users"], record["confidence"], record["resamples"]) == (300, 0.9, 500)
    for shown in ("on 300 users", "90% interval [", f"p = {record['pValue']:.4f}", "500 resamples"):
        assert shown in decision.reason


def test_the_same_scores_give_the_same_interval():
    old, new = users(400, seed=5), users(400, seed=6)
    first = decide(NEW, OLD, METRIC, 0.0, *scores_of(new, old))
    again = decide(NEW, OLD, METRIC, 0.0, *scores_of(list(new), list(old)))
    assert first.evidence == again.evidence


def test_the_interval_of_two_users_is_the_hand_computed_one():
    # Differences 0 and 1: a resample of two users has mean 0, 0.5 or 1 with
    # probabilities 1/4, 1/2, 1/4. So the 95% interval is [0, 1] and the share of
    # resampled means at least 0.5 above the mean 0.5 (p for a margin of 0) is 1/4.
    evidence = paired_bootstrap([0.0, 1.0], resamples=20_000)
    assert (evidence.low, evidence.high, evidence.difference) == (0.0, 1.0, 0.5)
    assert evidence.p_value == pytest.approx(0.25, abs=0.01)
    # At 40% the interval is within the middle half: [0.5, 0.5].
    middle = paired_bootstrap([0.0, 1.0], confidence=0.4, resamples=20_000)
    assert (middle.low, middle.high) == (0.5, 0.5)


def test_on_a_large_sample_the_interval_is_the_normal_approximation():
    rng = random.Random(7)
    differences = [rng.gauss(0.01, 0.2) for _ in range(3000)]
    evidence = paired_bootstrap(differences, resamples=4000)
    mean = statistics.fmean(differences)
    half = statistics.NormalDist().inv_cdf(0.975) * statistics.stdev(differences) / math.sqrt(len(differences))
    assert evidence.difference == pytest.approx(mean)
    assert evidence.low == pytest.approx(mean - half, abs=0.1 * half)
    assert evidence.high == pytest.approx(mean + half, abs=0.1 * half)
    # One-sided p of "no gain": the normal tail beyond mean / standard error.
    normal_p = 1 - statistics.NormalDist().cdf(mean / (half / statistics.NormalDist().inv_cdf(0.975)))
    assert evidence.p_value == pytest.approx(normal_p, abs=0.01)


def test_a_service_metric_keeps_the_point_comparison_and_says_so():
    metric = "normalized_discounted_cumulative_gain_at_10"
    scores = {NEW: {metric: 0.31}, OLD: {metric: 0.30}}
    decision = decide(NEW, OLD, metric, 0.0, scores)
    assert decision.decision == PROMOTE
    assert POINT in decision.reason and "no per-user scores" in decision.reason
    assert decision.evidence.record() == {"method": POINT, "difference": pytest.approx(0.01)}
    # Coverage is one number per version even with per-user scores of the ranking metrics.
    old = users(100)
    means, per_user = scores_of(old, old)
    means[NEW]["validation.coverage"], means[OLD]["validation.coverage"] = 0.2, 0.3
    assert decide(NEW, OLD, "validation.coverage", 0.0, means, per_user).evidence.method == POINT


def test_differences_pair_user_by_user_and_need_the_same_users():
    assert paired_differences([0.5, 0.25], [0.25, 0.5]) == [0.25, -0.25]
    with pytest.raises(ValueError, match="the challenger has 2, the champion 3"):
        paired_differences([0.5, 0.25], [0.25, 0.5, 0.0])
