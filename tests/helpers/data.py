"""Small synthetic interaction data for tests: a few popular items, many rare
ones, every user with several interactions, timestamps spread over 60 days."""

import csv
import io
import json

import numpy as np

INTERACTIONS_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Interactions",
        "namespace": "com.amazonaws.personalize.schema",
        "version": "1.0",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "ITEM_ID", "type": "string"},
            {"name": "EVENT_TYPE", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"},
        ],
    }
)


def interactions_csv(
    users: int = 60, items: int = 120, rows: int = 1500, seed: int = 7, skew: float = 1.1, event_type: str = "purchase"
) -> bytes:
    """`skew` 0 makes every item equally likely: data with nothing to learn."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, items + 1) ** skew
    item_ids = rng.choice(items, size=rows, p=popularity / popularity.sum())
    # Every user appears at least twice, as the service requires of 25 of them.
    user_ids = np.concatenate([np.repeat(np.arange(users), 2), rng.integers(0, users, rows - 2 * users)])
    start = 1_700_000_000
    timestamps = np.sort(rng.integers(start, start + 60 * 86400, rows))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"])
    for u, i, t in zip(user_ids, item_ids, timestamps):
        writer.writerow([f"u{u}", f"i{i}", event_type, int(t)])
    return out.getvalue().encode()


NEW_ITEMS = ("new-a", "new-b")


def shoppers_buy_new_items(events, tracking_id: str, shoppers: int = 40) -> None:
    """Through a tracker: each of `shoppers` new shoppers buys the two NEW_ITEMS,
    which no bulk data holds, 5 times over (PutEvents)."""
    for n in range(shoppers):
        events.put_events(
            trackingId=tracking_id,
            userId=f"shopper{n}",
            sessionId=f"s{n}",
            eventList=[
                {"eventType": "purchase", "itemId": item, "sentAt": 1_706_000_000 + 10 * k + j}
                for k in range(5)
                for j, item in enumerate(NEW_ITEMS)
            ],
        )
