import math
import zlib
from collections import Counter

import pytest

from local.ml.metrics import ranking_metrics

from . import synth
from .helpers import import_rows, train


def hand_metrics(rows):
    """Popularity metrics computed straight from the developer guide's description."""
    users = sorted({r[0] for r in rows})
    by_hash = sorted(users, key=lambda u: (zlib.crc32(u.encode()), u))
    test_users = set(by_hash[: max(1, round(len(users) * 0.1))])
    truth_rows, truths = set(), {}
    for user in test_users:
        mine = sorted((r[2], i) for i, r in enumerate(rows) if r[0] == user)
        newest = mine[len(mine) - max(1, len(mine) // 10) :]
        truth_rows.update(i for _, i in newest)
        truths[user] = {rows[i][1] for _, i in newest}
    first_seen = {}
    for r in rows:
        first_seen.setdefault(r[1], len(first_seen))
    counts = Counter(r[1] for i, r in enumerate(rows) if i not in truth_rows)
    top = sorted(counts, key=lambda item: (-counts[item], first_seen[item]))[:25]

    def dcg(hits):
        return sum(1 / math.log2(rank + 2) for rank, hit in enumerate(hits) if hit)

    sums = Counter()
    for truth in truths.values():
        hits = [item in truth for item in top]
        for k in (5, 10, 25):
            sums[f"precision_at_{k}"] += sum(hits[:k]) / k
            ideal = dcg([True] * min(k, len(truth)))
            sums[f"normalized_discounted_cumulative_gain_at_{k}"] += dcg(hits[:k]) / ideal
        sums["mean_reciprocal_rank_at_25"] += next((1 / (i + 1) for i, h in enumerate(hits) if h), 0.0)
    metrics = {name: round(total / len(truths), 4) for name, total in sums.items()}
    for name in (
        "precision_at_5",
        "precision_at_10",
        "precision_at_25",
        "mean_reciprocal_rank_at_25",
        "normalized_discounted_cumulative_gain_at_5",
        "normalized_discounted_cumulative_gain_at_10",
        "normalized_discounted_cumulative_gain_at_25",
    ):
        metrics.setdefault(name, 0.0)
    metrics["coverage"] = round(len(top) / len(first_seen), 4)
    return metrics


def test_popularity_metrics_match_a_hand_computation(tmp_path):
    rows = synth.interactions(n_users=100, n_items=40, per_user=12, seed=3)
    import_rows(tmp_path / "dg", rows)
    metrics = train(tmp_path / "dg", tmp_path / "m", "aws-popularity-count")
    expected = hand_metrics(rows)
    assert metrics == expected
    assert metrics["precision_at_5"] > 0  # the fixture really exercises hits


def test_coverage_counts_the_items_dataset_catalogue(group, tmp_path):
    with_items = train(group, tmp_path / "a", "aws-popularity-count")
    # The Items dataset adds i59 which has no interactions: 25 of 60 instead of 25 of 59.
    assert with_items["coverage"] == round(25 / 60, 4)


def test_ranking_metrics_on_a_tiny_example():
    metrics = ranking_metrics([["a", "b", "c"], ["x"]], [{"b"}, {"y", "z"}], catalogue_size=8)
    assert metrics["precision_at_5"] == round((1 / 5 + 0) / 2, 4)
    assert metrics["mean_reciprocal_rank_at_25"] == round((1 / 2 + 0) / 2, 4)
    assert metrics["normalized_discounted_cumulative_gain_at_5"] == round((1 / math.log2(3)) / 2, 4)
    assert metrics["coverage"] == round(4 / 8, 4)


@pytest.mark.parametrize("recipe", ["aws-sims", "aws-user-personalization", "aws-personalized-ranking"])
def test_coverage_is_a_fraction(group, tmp_path, recipe):
    metrics = train(group, tmp_path / "m", recipe)
    assert 0.0 < metrics["coverage"] <= 1.0
