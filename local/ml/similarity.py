"""Item-to-item cosine similarity over who-interacted-with-what, top-K per item."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

NEIGHBORS_PER_ITEM = 100
RECENT_ITEMS_PER_USER = 200  # caps the quadratic cost of very active users
BLOCK_NNZ = 5_000_000  # co-occurrence entries materialised at once


def user_item_matrix(
    users, items, ts, n_users: int, n_items: int, recent_per_user: int | None = RECENT_ITEMS_PER_USER
) -> sp.csr_matrix:
    """Binary user x item matrix of each user's most recent distinct items."""
    if recent_per_user is not None and len(users):
        order = np.lexsort((-ts, items, users))
        u, i, t = users[order], items[order], ts[order]
        latest_of_pair = np.r_[True, (u[1:] != u[:-1]) | (i[1:] != i[:-1])]
        u, i, t = u[latest_of_pair], i[latest_of_pair], t[latest_of_pair]
        newest_first = np.lexsort((i, -t, u))
        u, i = u[newest_first], i[newest_first]
        keep = within_group_rank(u) < recent_per_user
        users, items = u[keep], i[keep]
    x = sp.csr_matrix((np.ones(len(users), dtype=np.float32), (users, items)), shape=(n_users, n_items))
    x.sum_duplicates()
    x.data[:] = 1.0
    return x


def within_group_rank(groups: np.ndarray) -> np.ndarray:
    """0,1,2.. position of each element inside its run of equal (sorted) group ids."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    run_lengths = np.diff(np.r_[starts, n])
    return np.arange(n) - np.repeat(starts, run_lengths)


def item_neighbors(x: sp.csr_matrix, k: int = NEIGHBORS_PER_ITEM) -> sp.csr_matrix:
    """Top-k cosine neighbours of every item (never itself), ties by item index."""
    n_items = x.shape[1]
    xt = x.T.tocsr()  # item x user
    item_users = np.asarray(x.sum(axis=0)).ravel()
    user_degree = np.asarray(x.sum(axis=1)).ravel()
    # Upper bound of each item's co-occurrence row length, to size the blocks.
    bound = xt @ user_degree
    norms = np.sqrt(np.maximum(item_users, 1.0))
    parts_rows, parts_cols, parts_vals = [], [], []
    start = 0
    cumulative = np.cumsum(bound)
    while start < n_items:
        base = cumulative[start - 1] if start else 0.0
        stop = int(np.searchsorted(cumulative, base + BLOCK_NNZ, side="right"))
        stop = min(max(stop, start + 1), n_items)
        block = (xt[start:stop] @ x).tocsr()
        rows = np.repeat(np.arange(start, stop), np.diff(block.indptr))
        cols = block.indices
        vals = block.data / (norms[rows] * norms[cols])
        not_self = rows != cols
        rows, cols, vals = rows[not_self], cols[not_self], vals[not_self]
        order = np.lexsort((cols, -vals, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        top = within_group_rank(rows) < k
        parts_rows.append(rows[top])
        parts_cols.append(cols[top])
        parts_vals.append(vals[top].astype(np.float32))
        start = stop
    rows = np.concatenate(parts_rows) if parts_rows else np.zeros(0, int)
    cols = np.concatenate(parts_cols) if parts_cols else np.zeros(0, int)
    vals = np.concatenate(parts_vals) if parts_vals else np.zeros(0, np.float32)
    return sp.csr_matrix((vals, (rows, cols)), shape=(n_items, n_items))
