"""ranking_metrics against numbers worked out by hand."""

from math import log2

import pytest

from evaluation.metrics import ranking_metrics

RECOMMENDED = {
    "a": ["i1", "i2", "i3", "i4"],  # i4 is below the deepest cutoff
    "b": ["i2", "i5", "i2", "i1"],  # the repeated i2 counts once, so i1 moves up to rank 3
    "c": ["i6", "i7", "i8"],
    # "d" has truth but no recommendations
}
TRUTH = {"a": {"i1", "i3"}, "b": {"i1"}, "c": {"i9"}, "d": {"i2"}, "e": set()}  # "e" has no truth: not a user


def test_every_metric_matches_the_hand_computation():
    result = ranking_metrics(RECOMMENDED, TRUTH, catalogue_size=10, cutoffs=(1, 3))
    # Hits in the top 3: a [1, 0, 1], b [0, 0, 1], c none, d none; averaged over 4 users.
    expected = {
        "precision_at_1": (1 / 1 + 0 + 0 + 0) / 4,
        "recall_at_1": (1 / 2 + 0 + 0 + 0) / 4,
        "ndcg_at_1": ((1 / log2(2)) / (1 / log2(2)) + 0 + 0 + 0) / 4,
        "precision_at_3": (2 / 3 + 1 / 3 + 0 + 0) / 4,
        "recall_at_3": (2 / 2 + 1 / 1 + 0 + 0) / 4,
        "ndcg_at_3": ((1 / log2(2) + 1 / log2(4)) / (1 / log2(2) + 1 / log2(3)) + (1 / log2(4)) / (1 / log2(2)) + 0 + 0)
        / 4,
        "mrr": (1 / 1 + 1 / 3 + 0 + 0) / 4,
        # Top-3 lists: a {i1, i2, i3}, b {i2, i5, i1}, c {i6, i7, i8}: 7 distinct of 10.
        "coverage": 7 / 10,
    }
    assert result == {**{k: round(v, 6) for k, v in expected.items()}, "users": 4}
    assert list(result) == sorted(result)
    assert isinstance(result["users"], int)


def test_default_cutoffs_name_every_metric():
    result = ranking_metrics(RECOMMENDED, TRUTH, catalogue_size=10)
    assert set(result) == {f"{m}_at_{k}" for m in ("precision", "recall", "ndcg") for k in (5, 10, 25)} | {
        "mrr",
        "coverage",
        "users",
    }
    # Precision divides by the cutoff, not by the list length: a has 2 hits in 4 items.
    assert result["precision_at_5"] == round((2 / 5 + 1 / 5) / 4, 6)


def test_a_first_hit_beyond_the_deepest_cutoff_earns_no_reciprocal_rank():
    result = ranking_metrics({"a": ["x", "y", "hit"]}, {"a": {"hit"}}, catalogue_size=3, cutoffs=(2,))
    assert result["mrr"] == 0.0 and result["recall_at_2"] == 0.0
    assert result["coverage"] == round(2 / 3, 6)


def test_an_empty_catalogue_has_zero_coverage():
    assert ranking_metrics({"a": ["x"]}, {"a": {"x"}}, catalogue_size=0, cutoffs=(1,))["coverage"] == 0.0


@pytest.mark.parametrize("truth", [{}, {"a": set(), "b": set()}])
def test_no_users_with_truth_is_an_error(truth):
    with pytest.raises(ValueError, match="no users with a non-empty truth set"):
        ranking_metrics({"a": ["x"]}, truth, catalogue_size=1)


@pytest.mark.parametrize("cutoffs", [(), (0, 5), (2.5,)])
def test_cutoffs_must_be_positive_integers(cutoffs):
    with pytest.raises(ValueError, match="cutoffs"):
        ranking_metrics({"a": ["x"]}, {"a": {"x"}}, catalogue_size=1, cutoffs=cutoffs)
