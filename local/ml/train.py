"""Training a solution version: data selection, model fitting, offline metrics."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .datasets import check_interaction_minimums
from .errors import TrainingFailed
from .metrics import TOP_K, holdout_rows, ranking_metrics, split_test_users
from .model import (
    RECIPE_KINDS,
    Model,
    Source,
    history_matrix,
    load_metrics,
    load_model,
    recipe_name,
    save_model,
    source_of,
    top_n,
)
from .similarity import item_neighbors, user_item_matrix
from .table import Table, load_table

EVAL_BLOCK_USERS = 2000  # held-out users scored at once (bounds memory)


@dataclass
class Interactions:
    users: np.ndarray  # index into user_ids
    items: np.ndarray  # index into item_ids
    ts: np.ndarray
    user_ids: list[str]
    item_ids: list[str]


def dataset_dir(dataset_group_dir: str, dataset_type: str) -> str:
    """The store of one dataset in a group (directory names compared case-insensitively)."""
    wanted = os.path.join(dataset_group_dir, dataset_type.upper())
    if os.path.isdir(wanted) or not os.path.isdir(dataset_group_dir):
        return wanted
    for name in os.listdir(dataset_group_dir):
        if name.upper() == dataset_type.upper():
            return os.path.join(dataset_group_dir, name)
    return wanted


def rule_mask(table: Table, rules: dict, id_column: str = "ITEM_ID") -> np.ndarray:
    """Rows a solution trains on: its eventType and eventValueThreshold."""
    keep = table.require("USER_ID").values >= 0
    keep &= table.require(id_column).values >= 0
    event_type = rules.get("event_type")
    if event_type:
        col = table.get("EVENT_TYPE")
        code = col.labels.index(event_type) if col is not None and event_type in col.labels else None
        keep &= (col.values == code) if col is not None and code is not None else False
    threshold = rules.get("event_value_threshold")
    event_value = table.get("EVENT_VALUE")
    if threshold is not None and event_value is not None:
        values = event_value.values
        keep &= ~(values < threshold)  # rows without a value are kept
    return keep


def select_interactions(table: Table, rules: dict, id_column: str = "ITEM_ID") -> Interactions:
    keep = np.flatnonzero(rule_mask(table, rules, id_column))
    user_col, item_col = table.require("USER_ID"), table.require(id_column)
    user_codes, users = np.unique(user_col.values[keep], return_inverse=True)
    item_codes, items = np.unique(item_col.values[keep], return_inverse=True)
    ts_col = table.get("TIMESTAMP")
    ts = ts_col.values[keep] if ts_col is not None else np.zeros(len(keep))
    return Interactions(
        users.astype(np.int64),
        items.astype(np.int64),
        np.asarray(ts, dtype=np.float64),
        [user_col.labels[c] for c in user_codes],
        [item_col.labels[c] for c in item_codes],
    )


def fit(recipe: str, inter: Interactions, rows: np.ndarray | None = None) -> Model:
    """Fit on the selected rows (all by default); the item index space is always inter's."""
    kind = RECIPE_KINDS[recipe]
    rows = np.arange(len(inter.users)) if rows is None else rows
    users, items, ts = inter.users[rows], inter.items[rows], inter.ts[rows]
    n_users, n_items = len(inter.user_ids), len(inter.item_ids)
    popularity = np.bincount(items, minlength=n_items).astype(np.float64)
    neighbors = None
    if kind != "popularity":
        neighbors = item_neighbors(user_item_matrix(users, items, ts, n_users, n_items))
    order = np.lexsort((np.arange(len(users)), ts, users))
    indptr = np.r_[0, np.cumsum(np.bincount(users, minlength=n_users))]
    return Model(
        recipe=recipe,
        kind=kind,
        item_ids=inter.item_ids,
        popularity=popularity,
        neighbors=neighbors,
        user_ids=inter.user_ids,
        hist_indptr=indptr,
        hist_items=items[order],
        hist_ts=ts[order],
    )


def evaluate(
    model: Model,
    inter: Interactions,
    train_rows: np.ndarray,
    truth_rows: np.ndarray,
    test_users: np.ndarray,
    catalogue_size: int,
) -> dict:
    tested = np.flatnonzero(test_users)
    truths: list[set[int]] = [set() for _ in tested]
    slot = np.full(len(inter.user_ids), -1)
    slot[tested] = np.arange(len(tested))
    for user, item in zip(inter.users[truth_rows], inter.items[truth_rows]):
        truths[slot[user]].add(int(item))
    history = train_rows[test_users[inter.users[train_rows]]]
    q_rows, q_items, q_ts = slot[inter.users[history]], inter.items[history], inter.ts[history]

    if model.kind == "popularity":
        recommendations = [top_n(model.popularity_prior, TOP_K)] * len(tested)
    elif model.kind == "similar-items":
        recommendations = _similar_item_recommendations(model, q_rows, q_items, q_ts, history, len(tested))
    else:
        weights = history_matrix(q_rows, q_items, q_ts, len(tested), model.n_items)
        seen = sp.csr_matrix((np.ones(len(q_rows)), (q_rows, q_items)), shape=weights.shape)
        recommendations = []
        for start in range(0, len(tested), EVAL_BLOCK_USERS):
            block = slice(start, start + EVAL_BLOCK_USERS)
            recommendations += model.top_n_sparse((weights[block] @ model.neighbors).tocsr(), seen[block], TOP_K)
    return ranking_metrics(recommendations, truths, catalogue_size)


def _similar_item_recommendations(model, q_rows, q_items, q_ts, row_ids, n_queries) -> list[np.ndarray]:
    """Each held-out user's query is their most recent training interaction."""
    newest_item = np.full(n_queries, -1)
    order = np.lexsort((row_ids, q_ts, q_rows))
    grouped = q_rows[order]
    last = np.r_[grouped[1:] != grouped[:-1], True] if len(grouped) else np.zeros(0, bool)
    newest_item[grouped[last]] = q_items[order][last]
    recommendations = [top_n(model.popularity_prior, TOP_K)] * n_queries
    with_query = np.flatnonzero(newest_item >= 0)
    queries = newest_item[with_query]
    itself = sp.csr_matrix(
        (np.ones(len(queries)), (np.arange(len(queries)), queries)), shape=(len(queries), model.n_items)
    )
    for q, recs in zip(with_query, model.top_n_sparse(model.neighbors[queries], itself, TOP_K)):
        recommendations[q] = recs
    return recommendations


def catalogue_size(dataset_group_dir: str, interactions: Table, source: Source) -> int:
    """Distinct items in the Interactions and Items datasets (actions for next-best-action)."""
    col = interactions.require(source.id_column)
    used = np.unique(col.values[col.values >= 0])
    items = {col.labels[c] for c in used}
    item_table = load_table(dataset_dir(dataset_group_dir, source.catalogue))
    ids = item_table.get(source.id_column) if item_table is not None else None
    if ids is not None:
        items.update(ids.labels[c] for c in np.unique(ids.values[ids.values >= 0]))
    return len(items)


def event_type_count(dataset_group_dir: str, event_type: str) -> int:
    """Item interactions of the group with exactly this EVENT_TYPE (bulk and PutEvents alike)."""
    table = load_table(dataset_dir(dataset_group_dir, "INTERACTIONS"))
    col = table.get("EVENT_TYPE") if table is not None else None
    if col is None or not col.is_string:
        return 0
    code = col.code_of(event_type)
    return 0 if code is None else int((col.values == code).sum())


def solution_rules(solution_config: dict | None, event_type: str | None) -> dict:
    config = solution_config or {}
    threshold = config.get("eventValueThreshold")
    try:
        threshold = float(threshold) if threshold not in (None, "") else None
    except (TypeError, ValueError):
        raise TrainingFailed(f"eventValueThreshold must be a number, got {threshold!r}") from None
    return {"event_type": event_type or None, "event_value_threshold": threshold}


def train(
    recipe_arn: str,
    dataset_group_dir: str,
    model_dir: str,
    solution_config: dict | None = None,
    training_mode: str = "FULL",
    event_type: str | None = None,
    previous_model_dir: str | None = None,
) -> dict:
    started = time.time()
    recipe = recipe_name(recipe_arn)
    if recipe not in RECIPE_KINDS:
        raise TrainingFailed(f"Recipe {recipe_arn} is not supported by personalize-local")
    source = source_of(recipe)
    table = load_table(dataset_dir(dataset_group_dir, source.interactions))
    if table is None or table.n_rows == 0 or table.get("USER_ID") is None or table.get(source.id_column) is None:
        kind = source.interactions.title().replace("_", " ")
        raise TrainingFailed(f"The dataset group has no {kind.lower()} data; import an {kind} dataset first")
    rules = solution_rules(solution_config, event_type)
    inter = select_interactions(table, rules, source.id_column)
    if rules["event_type"] and not len(inter.users):
        raise TrainingFailed(f"There are no interactions with event type {rules['event_type']}")
    check_interaction_minimums(inter.users, exc=TrainingFailed)

    previous = None
    if training_mode.upper() == "UPDATE" and RECIPE_KINDS[recipe] == "user" and previous_model_dir:
        previous = _previous_user_model(previous_model_dir)
    updating = previous is not None
    if previous is not None and previous_model_dir:
        model, metrics = _update(recipe, inter, previous), load_metrics(previous_model_dir)
    else:
        test_users = split_test_users(inter.user_ids)
        truth = holdout_rows(inter.users, inter.ts, test_users)
        train_rows = np.flatnonzero(~truth)
        eval_model = fit(recipe, inter, train_rows)
        metrics = evaluate(
            eval_model,
            inter,
            train_rows,
            np.flatnonzero(truth),
            test_users,
            catalogue_size(dataset_group_dir, table, source),
        )
        model = fit(recipe, inter)
    model.rules = rules
    model.info = {
        "recipe_arn": recipe_arn,
        "training_mode": "UPDATE" if updating else "FULL",
        "dataset_group_dir": os.path.abspath(dataset_group_dir),
        "interactions": len(inter.users),
        "users": len(inter.user_ids),
        "items": len(inter.item_ids),
        "trained_at": time.time(),
        "training_seconds": round(time.time() - started, 3),
        "hyper_parameters_ignored": sorted((solution_config or {}).get("algorithmHyperParameters", {}) or {}),
    }
    save_model(model_dir, model, metrics)
    return metrics


def _previous_user_model(previous_model_dir: str | None) -> Model | None:
    """The model an UPDATE builds on; None (so a FULL train happens) if there is no usable one."""
    try:
        previous = load_model(previous_model_dir) if previous_model_dir else None
    except FileNotFoundError:
        return None
    return previous if previous is not None and previous.kind == "user" else None


def _update(recipe: str, inter: Interactions, previous: Model) -> Model:
    """Keep the previous item similarities, refresh popularity and histories on current data,
    and append items seen since (they are recommendable through popularity until a FULL train)."""
    known = set(previous.item_ids)
    item_ids = previous.item_ids + [i for i in inter.item_ids if i not in known]
    position = {item: i for i, item in enumerate(item_ids)}
    remap = np.array([position[i] for i in inter.item_ids], dtype=np.int64)
    remapped = Interactions(inter.users, remap[inter.items], inter.ts, inter.user_ids, item_ids)
    model = fit("aws-popularity-count", remapped)
    old, n = previous.neighbors, len(item_ids)
    assert old is not None, "a user-kind model always has item neighbours"
    padded_indptr = np.r_[old.indptr, np.full(n - old.shape[0], old.nnz)]
    model.recipe, model.kind = recipe, RECIPE_KINDS[recipe]
    model.neighbors = sp.csr_matrix((old.data, old.indices, padded_indptr), shape=(n, n))
    return model
