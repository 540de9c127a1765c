"""GetRecommendations, GetPersonalizedRanking and batch inference over a trained model."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .filters import CompiledFilter, FilterEvaluator, compile_filter
from .model import Model, history_matrix, load_model, source_of, top_n
from .table import load_table
from .train import dataset_dir, rule_mask

SCORE_DECIMALS = 7


def recommend(
    model_dir: str,
    user_id: str | None = None,
    item_id: str | None = None,
    num_results: int = 25,
    filter: CompiledFilter | None = None,
    filter_values: dict | None = None,
    dataset_group_dir: str | None = None,
    context: dict | None = None,
) -> list[dict]:
    """Unknown users get popular items; so does an unknown itemId for similar-items recipes."""
    model = load_model(model_dir)
    evaluator = _evaluator(model, filter, filter_values, dataset_group_dir)
    return _recommend(model, user_id, item_id, num_results, evaluator, dataset_group_dir)


def rank(
    model_dir: str,
    user_id: str,
    input_list: list[str],
    filter: CompiledFilter | None = None,
    filter_values: dict | None = None,
    dataset_group_dir: str | None = None,
    context: dict | None = None,
) -> list[dict]:
    model = load_model(model_dir)
    evaluator = _evaluator(model, filter, filter_values, dataset_group_dir)
    return _rank(model, user_id, input_list, evaluator, dataset_group_dir)


def batch_infer(
    model_dir: str,
    input_jsonl: bytes,
    num_results: int = 25,
    filter: CompiledFilter | None = None,
    filter_values: dict | None = None,
    dataset_group_dir: str | None = None,
) -> bytes:
    """One output line per non-blank input line; a bad line gets an "error" instead of output.
    A line's own "filterValues" are merged over the job's filter_values."""
    model = load_model(model_dir)
    unbound = _evaluator(model, filter, None, dataset_group_dir, require_values=False)
    text = input_jsonl.decode("utf-8-sig") if isinstance(input_jsonl, bytes) else input_jsonl
    out: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        query = line
        try:
            try:
                query = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"Invalid JSON: {err}") from None
            if not isinstance(query, dict):
                raise ValueError("Each input line must be a JSON object")
            evaluator = None
            if unbound is not None:
                evaluator = unbound.with_values({**(filter_values or {}), **(query.get("filterValues") or {})})
            if "itemList" in query:
                result = _rank(model, query.get("userId"), query["itemList"], evaluator, dataset_group_dir)
            else:
                result = _recommend(
                    model, query.get("userId"), query.get("itemId"), num_results, evaluator, dataset_group_dir
                )
            output = {"recommendedItems": [r["itemId"] for r in result], "scores": [r["score"] for r in result]}
            out.append({"input": query, "output": output, "error": None})
        except (ValueError, TypeError, KeyError) as err:
            out.append({"input": query, "output": None, "error": str(err)})
    return "".join(json.dumps(line) + "\n" for line in out).encode("utf-8")


# ---------------------------------------------------------------- internals


def _recommend(model: Model, user_id, item_id, num_results, evaluator, dataset_group_dir) -> list[dict]:
    num_results = int(num_results)
    if num_results < 1:
        raise ValueError("numResults must be at least 1")
    exclude = None
    if model.kind == "ranking":
        raise ValueError(f"Recipe {model.recipe} ranks items: use GetPersonalizedRanking instead")
    if model.kind == "similar-items":
        if not item_id:
            raise ValueError(f"itemId is required for recipe {model.recipe}")
        query = model.item_index.get(item_id)
        scores = model.similar_item_scores(query)[0] if query is not None else model.popularity_prior.copy()
    else:
        if not user_id:
            raise ValueError(f"userId is required for recipe {model.recipe}")
        scores = model.popularity_prior.copy()
        if model.kind == "user":
            items, ts = _history(model, user_id, dataset_group_dir)
            if len(items):
                weights = history_matrix(np.zeros(len(items), dtype=np.int64), items, ts, 1, model.n_items)
                scores = model.user_scores(weights)[0]
                exclude = np.unique(items)
    if evaluator is not None:
        scores = np.where(evaluator.allowed(user_id), scores, -np.inf)
    chosen = top_n(scores, num_results, exclude)
    return _format([model.item_ids[i] for i in chosen], scores[chosen])


def _rank(model: Model, user_id, input_list, evaluator, dataset_group_dir) -> list[dict]:
    if model.kind == "similar-items":
        raise ValueError(f"Recipe {model.recipe} does not support GetPersonalizedRanking")
    if not user_id:
        raise ValueError("userId is required for GetPersonalizedRanking")
    if not isinstance(input_list, list) or not input_list:
        raise ValueError("inputList must be a non-empty list of item ids")
    scores = model.popularity_prior.copy()
    if model.kind in ("user", "ranking"):
        items, ts = _history(model, user_id, dataset_group_dir)
        if len(items):
            weights = history_matrix(np.zeros(len(items), dtype=np.int64), items, ts, 1, model.n_items)
            scores = model.user_scores(weights)[0]
    allowed = evaluator.allowed(user_id) if evaluator is not None else None
    known, unknown = [], []
    for position, item in enumerate(dict.fromkeys(map(str, input_list))):
        index = model.item_index.get(item)
        if allowed is not None and index is not None and not allowed[index]:
            continue
        if index is None or not np.isfinite(scores[index]):
            unknown.append(item)
        else:
            known.append((-scores[index], position, item))
    known.sort()
    ranked = [item for _, _, item in known] + unknown
    return _format(ranked, np.array([-s for s, _, _ in known] + [0.0] * len(unknown)))


def _history(model: Model, user_id: str, dataset_group_dir: str | None):
    """The user's interactions as (model item indices, timestamps): live data when a dataset
    group is given (so PutEvents counts without retraining), else the training snapshot."""
    if dataset_group_dir is None:
        return model.stored_history(user_id)
    source = source_of(model.recipe)
    table = load_table(dataset_dir(dataset_group_dir, source.interactions))
    user_col = table.get("USER_ID") if table is not None else None
    code = user_col.code_of(user_id) if user_col is not None else None
    if code is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    assert table is not None and user_col is not None  # implied by code being found
    rows = table.take(user_col.rows_with(code))
    rows = rows.take(np.flatnonzero(rule_mask(rows, model.rules, source.id_column)))
    item_col = rows.require(source.id_column)
    index = np.array([model.item_index.get(item_col.labels[c], -1) for c in item_col.values], dtype=np.int64)
    ts_col = rows.get("TIMESTAMP")
    ts = ts_col.values if ts_col is not None else np.arange(len(index), dtype=float)
    known = index >= 0
    order = np.argsort(ts[known], kind="stable")
    return index[known][order], np.asarray(ts[known], dtype=np.float64)[order]


def _evaluator(model: Model, compiled, filter_values, dataset_group_dir, require_values=True):
    """The filter bound to its placeholder values (or unbound, for batch jobs)."""
    if compiled is None:
        return None
    if isinstance(compiled, str):
        compiled = compile_filter(compiled)
    group = dataset_group_dir or model.info.get("dataset_group_dir")
    source = source_of(model.recipe)
    tables = {}
    for kind in (source.catalogue, "USERS", source.interactions):
        tables[kind] = load_table(dataset_dir(group, kind)) if group and os.path.isdir(group) else None
    evaluator = FilterEvaluator(
        compiled,
        {},
        model.item_ids,
        tables[source.catalogue],
        tables["USERS"],
        tables[source.interactions],
        item_index=model.item_index,
        resolve=False,
        id_column=source.id_column,
    )
    return evaluator.with_values(filter_values) if require_values else evaluator


def _format(item_ids: list[str], scores: np.ndarray) -> list[dict]:
    scores = np.clip(np.asarray(scores, dtype=np.float64), 0.0, None)
    total = scores.sum()
    shares = scores / total if total > 0 else np.full(len(scores), 1.0 / max(len(scores), 1))
    return [{"itemId": item, "score": round(float(s), SCORE_DECIMALS)} for item, s in zip(item_ids, shares)]
