"""Synthetic Personalize data for the local/ml tests: power-law items, repeat users."""

import json

import numpy as np

INTERACTIONS_SCHEMA = {
    "type": "record",
    "name": "Interactions",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
        {"name": "EVENT_TYPE", "type": "string"},
        {"name": "EVENT_VALUE", "type": ["null", "float"]},
    ],
    "version": "1.0",
}

ITEMS_SCHEMA = {
    "type": "record",
    "name": "Items",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "GENRE", "type": ["null", "string"], "categorical": True},
        {"name": "PRICE", "type": ["null", "float"]},
        {"name": "YEAR", "type": ["null", "int"]},
    ],
    "version": "1.0",
}

USERS_SCHEMA = {
    "type": "record",
    "name": "Users",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "AGE", "type": ["null", "int"]},
        {"name": "TIER", "type": ["null", "string"], "categorical": True},
    ],
    "version": "1.0",
}

T0 = 1_700_000_000


def interactions(n_users=120, n_items=60, per_user=12, seed=7, event_types=("click", "purchase")):
    """Rows (user, item, timestamp, event_type, event_value) with power-law item popularity."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n_items + 1) ** 1.1
    weights /= weights.sum()
    rows = []
    t = T0
    for u in range(n_users):
        for _ in range(per_user):
            item = int(rng.choice(n_items, p=weights))
            t += int(rng.integers(1, 60))
            rows.append((f"u{u}", f"i{item}", t, str(rng.choice(event_types)), round(float(rng.random()), 3)))
    return rows


def to_csv(rows, header=("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE")) -> bytes:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def items_csv(n_items=60) -> bytes:
    genres = ["Comedy", "Drama", "Action", "Comedy|Drama"]
    rows = [(f"i{i}", genres[i % 4], 5 + i % 20, 1990 + i % 30) for i in range(n_items)]
    return to_csv(rows, header=("ITEM_ID", "GENRE", "PRICE", "YEAR"))


def jsonl(lines) -> bytes:
    return "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines).encode()
