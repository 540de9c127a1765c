"""Ranking metrics over recommendation lists and held-out truth sets. Pure: no I/O."""

from math import log2


def ranking_metrics(
    recommended: dict[str, list[str]], truth: dict[str, set[str]], catalogue_size: int, cutoffs=(5, 10, 25)
) -> dict[str, float]:
    """Precision, recall and NDCG at each cutoff, and MRR, averaged over the users with
    truth; coverage of the catalogue by their lists; and how many users that was.

    A user in `truth` without recommendations counts with zero hits, so a model is
    not rewarded for failing to answer. An item repeated in a list counts once, at
    its first position: a repeat is not a second chance to hit."""
    users, values = per_user_metrics(recommended, truth, cutoffs)
    result = {name: round(sum(scores) / len(users), 6) for name, scores in values.items()}
    shown = {item for user in users for item in _ranked(recommended, user, max(cutoffs))}
    result["coverage"] = round(len(shown) / catalogue_size, 6) if catalogue_size else 0.0
    result["users"] = len(users)
    return dict(sorted(result.items()))


def per_user_metrics(
    recommended: dict[str, list[str]], truth: dict[str, set[str]], cutoffs=(5, 10, 25)
) -> tuple[list[str], dict[str, list[float]]]:
    """The users with truth, sorted, and each metric's value for each of them in that
    order: two models scored on the same truth give lists that pair user by user."""
    cutoffs = sorted(set(cutoffs))
    if not cutoffs or any(not isinstance(k, int) or isinstance(k, bool) or k < 1 for k in cutoffs):
        raise ValueError(f"cutoffs must be positive integers, got {cutoffs!r}")
    users = sorted(u for u, items in truth.items() if items)
    if not users:
        raise ValueError("no users with a non-empty truth set: there is nothing to evaluate")
    deepest = cutoffs[-1]
    values: dict[str, list[float]] = {f"{name}_at_{k}": [] for k in cutoffs for name in ("precision", "recall", "ndcg")}
    values["mrr"] = []
    for user in users:
        relevant = truth[user]
        hits = [item in relevant for item in _ranked(recommended, user, deepest)]
        for k in cutoffs:
            found = sum(hits[:k])
            values[f"precision_at_{k}"].append(found / k)
            values[f"recall_at_{k}"].append(found / len(relevant))
            values[f"ndcg_at_{k}"].append(_dcg(hits[:k]) / _dcg([True] * min(k, len(relevant))))
        values["mrr"].append(next((1 / rank for rank, hit in enumerate(hits, 1) if hit), 0.0))
    return users, values


def _ranked(recommended: dict[str, list[str]], user: str, deepest: int) -> list[str]:
    return list(dict.fromkeys(recommended.get(user) or []))[:deepest]


def _dcg(hits: list[bool]) -> float:
    return sum(1 / log2(position + 2) for position, hit in enumerate(hits) if hit)
