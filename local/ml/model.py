"""A trained model: its arrays, how it scores, and how it is stored in model_dir."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import scipy.sparse as sp

from .similarity import within_group_rank
from .table import atomic_savez, atomic_write_text

MODEL_FILE = "model.npz"
INFO_FILE = "model_info.json"
METRICS_FILE = "metrics.json"

HISTORY_LENGTH = 100  # most recent interactions that shape a user's scores
RECENCY_HALF_LIFE = 10.0  # an interaction 10 events old counts half as much
POPULARITY_WEIGHT = 1e-6  # popularity only breaks ties and fills short lists

RECIPE_KINDS = {
    "aws-popularity-count": "popularity",
    "aws-sims": "similar-items",
    "aws-similar-items": "similar-items",
    "aws-user-personalization": "user",
    "aws-user-personalization-v2": "user",
    "aws-personalized-ranking": "ranking",
    "aws-personalized-ranking-v2": "ranking",
    "aws-next-best-action": "user",
    "aws-item-affinity": "segment",  # local/ml/segments.py: users for an item, from the same item-kNN
}


@dataclass(frozen=True)
class Source:
    """Where a recipe's interactions and catalogue live: items, or actions for next-best-action."""

    interactions: str = "INTERACTIONS"
    catalogue: str = "ITEMS"
    id_column: str = "ITEM_ID"


def source_of(recipe: str) -> Source:
    if recipe == "aws-next-best-action":
        return Source("ACTION_INTERACTIONS", "ACTIONS", "ACTION_ID")
    return Source()


def recipe_name(recipe_arn: str) -> str:
    return recipe_arn.rsplit("/", 1)[-1]


@dataclass
class Model:
    recipe: str
    kind: str
    item_ids: list[str]
    popularity: np.ndarray  # training interactions per item
    neighbors: sp.csr_matrix | None  # item x item similarity (top-K per row)
    user_ids: list[str]
    hist_indptr: np.ndarray  # per user, item indices oldest first
    hist_items: np.ndarray
    hist_ts: np.ndarray
    rules: dict = field(default_factory=dict)  # event_type / event_value_threshold
    info: dict = field(default_factory=dict)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @cached_property
    def item_index(self) -> dict[str, int]:
        return {item: i for i, item in enumerate(self.item_ids)}

    @cached_property
    def user_index(self) -> dict[str, int]:
        return {user: i for i, user in enumerate(self.user_ids)}

    @cached_property
    def popularity_prior(self) -> np.ndarray:
        """Popularity in [0, 1]; items never seen in training are not recommendable."""
        top = self.popularity.max() if len(self.popularity) else 0.0
        prior = self.popularity / top if top > 0 else np.zeros(self.n_items)
        return np.where(self.popularity > 0, prior, -np.inf)

    def stored_history(self, user_id: str) -> tuple[np.ndarray, np.ndarray]:
        """The user's training interactions (item indices, timestamps), oldest first."""
        u = self.user_index.get(user_id)
        if u is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        lo, hi = self.hist_indptr[u], self.hist_indptr[u + 1]
        return self.hist_items[lo:hi], self.hist_ts[lo:hi]

    def user_scores(self, history: sp.csr_matrix) -> np.ndarray:
        """Dense scores (one row per history row) for user recipes."""
        prior = np.broadcast_to(self.popularity_prior, (history.shape[0], self.n_items))
        if self.kind == "popularity" or self.neighbors is None:
            return prior.copy()
        return (history @ self.neighbors).toarray() + POPULARITY_WEIGHT * prior

    @cached_property
    def popular_order(self) -> np.ndarray:
        """Recommendable items, most popular first (ties: lower index first)."""
        finite = np.flatnonzero(np.isfinite(self.popularity_prior))
        return finite[np.lexsort((finite, -self.popularity_prior[finite]))]

    def top_n_sparse(self, base: sp.csr_matrix, exclude: sp.csr_matrix, n: int) -> list[np.ndarray]:
        """Per row, the n best items by  base + POPULARITY_WEIGHT * prior  that are not excluded,
        ranked like top_n. Only candidates are scored: base's non-zeros plus enough of the most
        popular items to survive the exclusions, so held-out users x large catalogues stay cheap."""
        n_rows = base.shape[0]
        prior = POPULARITY_WEIGHT * self.popularity_prior
        take = np.minimum(n + np.diff(exclude.indptr), len(self.popular_order))
        fill_rows = np.repeat(np.arange(n_rows), take)
        fill_cols = self.popular_order[within_group_rank(fill_rows)]
        fill = sp.csr_matrix((prior[fill_cols], (fill_rows, fill_cols)), shape=base.shape)
        scored = base.tocsr(copy=True)
        scored.data += prior[scored.indices]
        on_support = scored.copy()
        on_support.data[:] = 1.0
        candidates = scored + (fill - fill.multiply(on_support))
        dropped = exclude.tocsr(copy=True)
        dropped.data[:] = 1.0
        candidates = (candidates - candidates.multiply(dropped)).tocsr()
        candidates.eliminate_zeros()
        rows = np.repeat(np.arange(n_rows), np.diff(candidates.indptr))
        cols, scores = candidates.indices, candidates.data
        keep = np.isfinite(scores)
        rows, cols, scores = rows[keep], cols[keep], scores[keep]
        order = np.lexsort((cols, -scores, rows))
        rows, cols = rows[order], cols[order]
        best = within_group_rank(rows) < n
        rows, cols = rows[best], cols[best]
        return np.split(cols, np.searchsorted(rows, np.arange(1, n_rows)))

    def similar_item_scores(self, items: np.ndarray | int) -> np.ndarray:
        """Dense scores, one row per query item; the query item itself is never returned."""
        items = np.atleast_1d(items)
        assert self.neighbors is not None, "similar-items models always have item neighbours"
        scores = self.neighbors[items].toarray() + POPULARITY_WEIGHT * self.popularity_prior
        scores[np.arange(len(items)), items] = -np.inf
        return scores


def history_matrix(rows, items, ts, n_rows: int, n_items: int) -> sp.csr_matrix:
    """Recency-weighted history: newest interaction weighs 1, halving every RECENCY_HALF_LIFE."""
    rows, items, ts = np.asarray(rows), np.asarray(items), np.asarray(ts, dtype=np.float64)
    if not len(rows):
        return sp.csr_matrix((n_rows, n_items), dtype=np.float32)
    # Position in the input breaks timestamp ties: later input is newer.
    order = np.lexsort((-np.arange(len(rows)), -ts, rows))
    rows, items = rows[order], items[order]
    rank = within_group_rank(rows)
    keep = rank < HISTORY_LENGTH
    weights = np.power(0.5, rank[keep] / RECENCY_HALF_LIFE).astype(np.float32)
    return sp.csr_matrix((weights, (rows[keep], items[keep])), shape=(n_rows, n_items))


def top_n(scores: np.ndarray, n: int, exclude=None) -> np.ndarray:
    """Indices of the n best finite scores, best first; ties go to the lower index."""
    scores = np.array(scores, dtype=np.float64)
    if exclude is not None and len(exclude):
        scores[np.asarray(exclude)] = -np.inf
    candidates = np.flatnonzero(np.isfinite(scores))
    if len(candidates) > n:
        kth = np.partition(scores[candidates], len(candidates) - n)[len(candidates) - n]
        candidates = candidates[scores[candidates] >= kth]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order][:n]


# ---------------------------------------------------------------- storage


def save_model(model_dir: str, model: Model, metrics: dict) -> None:
    os.makedirs(model_dir, exist_ok=True)
    nb = model.neighbors if model.neighbors is not None else sp.csr_matrix((model.n_items, model.n_items))
    arrays = {
        "item_ids": _pack(model.item_ids),
        "user_ids": _pack(model.user_ids),
        "popularity": model.popularity,
        "nb_data": nb.data.astype(np.float32),
        "nb_indices": nb.indices,
        "nb_indptr": nb.indptr,
        "has_neighbors": np.array([model.neighbors is not None]),
        "hist_indptr": model.hist_indptr,
        "hist_items": model.hist_items,
        "hist_ts": model.hist_ts,
    }
    atomic_savez(os.path.join(model_dir, MODEL_FILE), arrays)
    info = dict(model.info, recipe=model.recipe, kind=model.kind, rules=model.rules)
    atomic_write_text(os.path.join(model_dir, METRICS_FILE), json.dumps(metrics, indent=2, sort_keys=True))
    # Written last: its presence marks a complete model directory.
    atomic_write_text(os.path.join(model_dir, INFO_FILE), json.dumps(info, indent=2, sort_keys=True))


def load_model(model_dir: str) -> Model:
    info_path = os.path.join(model_dir, INFO_FILE)
    path = os.path.join(model_dir, MODEL_FILE)
    if not os.path.exists(info_path) or not os.path.exists(path):
        raise FileNotFoundError(f"No trained model in {model_dir}")
    st = os.stat(path)
    return _load_cached(model_dir, st.st_mtime_ns, st.st_size, os.stat(info_path).st_mtime_ns)


def load_metrics(model_dir: str) -> dict:
    with open(os.path.join(model_dir, METRICS_FILE), encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=16)
def _load_cached(model_dir: str, *_version) -> Model:
    with open(os.path.join(model_dir, INFO_FILE), encoding="utf-8") as fh:
        info = json.load(fh)
    with np.load(os.path.join(model_dir, MODEL_FILE)) as npz:
        item_ids = _unpack(npz["item_ids"])
        n = len(item_ids)
        neighbors = None
        if bool(npz["has_neighbors"][0]):
            neighbors = sp.csr_matrix((npz["nb_data"], npz["nb_indices"], npz["nb_indptr"]), shape=(n, n))
        return Model(
            recipe=info["recipe"],
            kind=info["kind"],
            item_ids=item_ids,
            popularity=npz["popularity"],
            neighbors=neighbors,
            user_ids=_unpack(npz["user_ids"]),
            hist_indptr=npz["hist_indptr"],
            hist_items=npz["hist_items"],
            hist_ts=npz["hist_ts"],
            rules=info.get("rules", {}),
            info=info,
        )


def _pack(strings: list[str]) -> np.ndarray:
    return np.frombuffer(json.dumps(list(strings)).encode("utf-8"), dtype=np.uint8)


def _unpack(arr: np.ndarray) -> list[str]:
    return json.loads(arr.tobytes().decode("utf-8"))
