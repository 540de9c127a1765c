"""User segments: for an item, the users most likely to interact with it.

The model is the item-kNN one the user recipes train (train.fit, kind
"segment"): a user's affinity for item i is their recency-weighted history
(model.history_matrix) times the item-item similarities into i, plus their own
history's weight on i itself, so a user who already interacted with an item
and users whose histories co-occur with it rank first. A tiny share of each
user's activity (interaction count) breaks ties and fills segments larger than
the users with any affinity. Users no longer in the group's Interactions data
(a data deletion job removed them) are left out of every segment."""

from __future__ import annotations

import json

import numpy as np
import scipy.sparse as sp

from .model import POPULARITY_WEIGHT, history_matrix, load_model, source_of, top_n
from .table import load_table
from .train import dataset_dir

# Item-Affinity input lines are {"itemId": ...}; each output line keeps the input and
# lists the users under output.recommendedUsers:
# https://docs.aws.amazon.com/personalize/latest/dg/prepare-input-data-user-segment.html
# https://docs.aws.amazon.com/personalize/latest/dg/batch-segment-job-output-examples.html


def batch_segment(
    model_dir: str, input_jsonl: bytes, num_results: int = 25, dataset_group_dir: str | None = None
) -> bytes:
    """One output line per non-blank input line. A line the emulator cannot answer (not
    JSON, no itemId, an item the model never saw) gets {"input", "output": null, "error"},
    as batch inference lines do here; the segment pages show only answered lines."""
    if int(num_results) < 1:
        raise ValueError("numResults must be at least 1")
    model = load_model(model_dir)
    rows = np.repeat(np.arange(len(model.user_ids)), np.diff(model.hist_indptr))
    weights = history_matrix(rows, model.hist_items, model.hist_ts, len(model.user_ids), model.n_items).tocsr()
    assert model.neighbors is not None, "a segment model always has item neighbours"
    into = model.neighbors.tocsc()  # column i: each item's similarity into i
    own = weights.tocsc()
    activity = np.diff(model.hist_indptr).astype(np.float64)
    prior = POPULARITY_WEIGHT * activity / activity.max() if len(activity) and activity.max() > 0 else activity
    excluded = _gone_users(model, dataset_group_dir)
    text = input_jsonl.decode("utf-8-sig") if isinstance(input_jsonl, bytes) else input_jsonl
    out: list[dict[str, object]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        query: object = line
        try:
            try:
                query = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"Invalid JSON: {err}") from None
            if not isinstance(query, dict) or not isinstance(query.get("itemId"), str):
                raise ValueError('Each input line must be a JSON object with an "itemId" string')
            item = model.item_index.get(query["itemId"])
            if item is None:
                raise ValueError(f"itemId {query['itemId']} is not in the solution version's training data")
            # sum over the user's history h of w(u, h) * sim(h -> i), plus w(u, i) itself
            scores = _column(weights @ into[:, item], 0) + _column(own, item) + prior
            users = top_n(scores, int(num_results), exclude=excluded)
            out.append({"input": query, "output": {"recommendedUsers": [model.user_ids[u] for u in users]}})
        except ValueError as err:
            out.append({"input": query, "output": None, "error": str(err)})
    return "".join(json.dumps(line) + "\n" for line in out).encode("utf-8")


def _column(matrix: sp.spmatrix, j: int) -> np.ndarray:
    return np.asarray(matrix[:, j].toarray()).ravel()


def _gone_users(model, dataset_group_dir: str | None) -> np.ndarray:
    """Indices of trained users that the group's current Interactions data no longer holds."""
    if dataset_group_dir is None:
        return np.zeros(0, dtype=np.int64)
    table = load_table(dataset_dir(dataset_group_dir, source_of(model.recipe).interactions))
    column = table.get("USER_ID") if table is not None else None
    present = set() if column is None else {column.labels[c] for c in np.unique(column.values[column.values >= 0])}
    return np.array([u for u, user in enumerate(model.user_ids) if user not in present], dtype=np.int64)
