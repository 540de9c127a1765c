"""Offline metrics the way the Personalize developer guide describes them.

10% of users (chosen by a hash of their id) are held out; the model trains on
everyone else plus the oldest 90% of each held-out user's interactions, and
is scored on whether it recommends the items of their newest 10%.
"""

from __future__ import annotations

import zlib

import numpy as np

TEST_USER_FRACTION = 0.1
TRUTH_FRACTION = 0.1
TOP_K = 25
CUTOFFS = (5, 10, 25)


def split_test_users(user_ids: list[str]) -> np.ndarray:
    """Boolean mask of held-out users: the 10% (at least one) with the smallest crc32 of their id."""
    n = len(user_ids)
    if n == 0:
        return np.zeros(0, dtype=bool)
    hashes = np.fromiter((zlib.crc32(u.encode("utf-8")) for u in user_ids), dtype=np.int64, count=n)
    order = sorted(range(n), key=lambda i: (hashes[i], user_ids[i]))
    n_test = max(1, round(n * TEST_USER_FRACTION))
    mask = np.zeros(n, dtype=bool)
    mask[order[:n_test]] = True
    return mask


def holdout_rows(users: np.ndarray, ts: np.ndarray, test_users: np.ndarray) -> np.ndarray:
    """Boolean mask over interactions: True for each test user's newest 10% (at least 1)."""
    truth = np.zeros(len(users), dtype=bool)
    rows = np.flatnonzero(test_users[users])
    if not len(rows):
        return truth
    order = rows[np.lexsort((rows, ts[rows], users[rows]))]  # oldest first per user
    u = users[order]
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]])
    lengths = np.diff(np.r_[starts, len(u)])
    n_truth = np.maximum(1, (lengths * TRUTH_FRACTION).astype(np.int64))
    position = np.arange(len(u)) - np.repeat(starts, lengths)
    truth[order[position >= np.repeat(lengths - n_truth, lengths)]] = True
    return truth


def ranking_metrics(recommendations: list[np.ndarray], truths: list[set], catalogue_size: int) -> dict:
    """Mean precision@K, NDCG@K and MRR@25 over queries, plus catalogue coverage of the top 25."""
    sums = {f"precision_at_{k}": 0.0 for k in CUTOFFS}
    sums.update({f"normalized_discounted_cumulative_gain_at_{k}": 0.0 for k in CUTOFFS})
    sums["mean_reciprocal_rank_at_25"] = 0.0
    discounts = 1.0 / np.log2(np.arange(2, TOP_K + 2))
    recommended: set[int] = set()
    for ranked, truth in zip(recommendations, truths):
        recs = list(ranked)[:TOP_K]
        recommended.update(recs)
        hits = np.array([r in truth for r in recs] + [False] * (TOP_K - len(recs)))
        for k in CUTOFFS:
            sums[f"precision_at_{k}"] += hits[:k].sum() / k
            ideal = discounts[: min(k, len(truth))].sum()
            gain = (hits[:k] * discounts[:k]).sum()
            sums[f"normalized_discounted_cumulative_gain_at_{k}"] += gain / ideal if ideal else 0.0
        first = np.flatnonzero(hits)
        sums["mean_reciprocal_rank_at_25"] += 1.0 / (first[0] + 1) if len(first) else 0.0
    n = max(len(truths), 1)
    metrics = {name: round(float(total) / n, 4) for name, total in sums.items()}
    metrics["coverage"] = round(len(recommended) / catalogue_size, 4) if catalogue_size else 0.0
    return dict(sorted(metrics.items()))
