"""Synthetic e-commerce interactions for tests, the demo and the benchmark.

The data imitates a shop's raw event export, with the shapes that matter to
data preparation and to recommenders:

- a funnel: every session opens with a view; later events are mostly views,
  some add-to-carts, fewer purchases; carts and purchases are of the item the
  user last viewed in that session;
- Zipf-like item popularity: a few items get most of the traffic;
- heavy-tailed user activity: sessions are dealt to users with Zipf-Mandelbrot
  weights (Zipf with a flattened head), so a few users are very active without
  one dwarfing all others, and many users have one short session (1-3 events);
- sessions: a user's events are seconds to minutes apart;
- a time trend: daily volume doubles over the period, with a weekly and a
  daily rhythm.

Everything is drawn with vectorized numpy and assembled with Polars; the same
seed gives the same data.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import polars as pl

COLUMNS = ("user_id", "item_id", "event_type", "event_value", "timestamp")  # also the CSV header
EVENT_TYPES = ("view", "add_to_cart", "purchase")
# After a session's first event (always a view): the chances of each type.
FOLLOW_UP_TYPE_P = (0.70, 0.20, 0.10)
SESSION_CONTINUE_P = 0.65  # geometric session lengths: mean 1 / (1 - 0.65) ~ 2.9 events
MEAN_GAP_SECONDS = 45.0  # between two events of a session
ITEM_ZIPF_EXPONENT = 1.1  # item popularity ~ 1 / rank ** exponent
# A user's share of sessions ~ 1 / (rank + offset) ** exponent. Measured at 1M-4M events with the
# default user count: ~46% of active users have at most 3 events, the top 1% have ~30% of events.
USER_ZIPF_EXPONENT = 0.9
USER_ZIPF_OFFSET = 50
TREND_GROWTH = 1.0  # the last day has (1 + growth) times the first day's volume
WEEKDAY_FACTOR = (0.95, 0.9, 0.9, 0.95, 1.05, 1.2, 1.15)  # Monday .. Sunday
HOUR_FACTOR = (
    0.3,
    0.2,
    0.15,
    0.1,
    0.1,
    0.15,
    0.3,
    0.5,
    0.7,
    0.8,
    0.9,
    1.0,
    1.1,
    1.0,
    0.95,
    0.95,
    1.0,
    1.1,
    1.3,
    1.5,
    1.6,
    1.4,
    1.0,
    0.6,
)
CSV_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class _Population:
    """What every chunk of one data set shares: who is active, what is popular, what it costs."""

    user_cdf: np.ndarray
    user_rank_to_id: np.ndarray
    item_cdf: np.ndarray
    item_rank_to_id: np.ndarray
    item_price: np.ndarray
    day_cdf: np.ndarray
    hour_cdf: np.ndarray
    start_epoch: int
    total_seconds: int


def default_users(n_interactions: int) -> int:
    # Not all of them show up: about half of the population has at least one event.
    return max(100, n_interactions // 5)


def default_items(n_interactions: int) -> int:
    return max(100, n_interactions // 100)


def _cdf(weights: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(weights, dtype=np.float64)
    return cdf / cdf[-1]


def _draw(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    """Indexes drawn with the probabilities `cdf` describes; faster than rng.choice(p=...) on large sizes."""
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(cdf) - 1)


def _population(n_users: int, n_items: int, start: datetime, days: int, seed: int) -> _Population:
    if n_users < 1 or n_items < 1 or days < 1:
        raise ValueError("n_users, n_items and days must be at least 1")
    rng = np.random.default_rng((seed, 0))
    user_weight = 1.0 / (np.arange(1, n_users + 1, dtype=np.float64) + USER_ZIPF_OFFSET) ** USER_ZIPF_EXPONENT
    user_rank_to_id = rng.permutation(n_users)
    rank_weight = 1.0 / np.arange(1, n_items + 1, dtype=np.float64) ** ITEM_ZIPF_EXPONENT
    # Shuffled so that the most active user and the most popular item are not number 0.
    item_rank_to_id = rng.permutation(n_items)
    item_price = np.round(rng.lognormal(math.log(25.0), 0.8, n_items), 2)

    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    day = np.arange(days)
    trend = 1.0 + TREND_GROWTH * day / max(days - 1, 1)
    weekday = np.asarray(WEEKDAY_FACTOR)[(start.weekday() + day) % 7]
    return _Population(
        user_cdf=_cdf(user_weight),
        user_rank_to_id=user_rank_to_id,
        item_cdf=_cdf(rank_weight),
        item_rank_to_id=item_rank_to_id,
        item_price=item_price,
        day_cdf=_cdf(trend * weekday),
        hour_cdf=_cdf(np.asarray(HOUR_FACTOR)),
        start_epoch=int(start.timestamp()),
        total_seconds=days * 86_400,
    )


def _session_lengths(rng: np.random.Generator, n_interactions: int) -> np.ndarray:
    """Geometric session lengths adding up to exactly n_interactions."""
    mean = 1.0 / (1.0 - SESSION_CONTINUE_P)
    lengths = np.empty(0, dtype=np.int64)
    while lengths.sum() < n_interactions:  # one or two rounds; each draws ~10% more than needed
        more = rng.geometric(1.0 - SESSION_CONTINUE_P, int(n_interactions / mean * 1.1) + 16)
        lengths = np.concatenate([lengths, more])
    ends = np.cumsum(lengths)
    n_sessions = int(np.searchsorted(ends, n_interactions)) + 1
    lengths = lengths[:n_sessions].copy()
    lengths[-1] -= ends[n_sessions - 1] - n_interactions
    return lengths


def _chunk(population: _Population, n_interactions: int, rng: np.random.Generator) -> pl.DataFrame:
    if n_interactions <= 0:
        return _empty_frame()
    lengths = _session_lengths(rng, n_interactions)
    n_sessions = len(lengths)
    session = np.repeat(np.arange(n_sessions), lengths)
    first = np.zeros(n_interactions, dtype=bool)
    first_index = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    first[first_index] = True

    # When each session starts: a day (trend and weekday), an hour (daily rhythm), a second.
    session_start = (
        _draw(rng, population.day_cdf, n_sessions) * 86_400
        + _draw(rng, population.hour_cdf, n_sessions) * 3_600
        + rng.integers(0, 3_600, n_sessions)
    )
    # Events of a session at least a second apart; the first gap of each session is zero.
    gap = np.where(first, 0, 1 + np.floor(rng.exponential(MEAN_GAP_SECONDS, n_interactions)).astype(np.int64))
    elapsed = np.cumsum(gap)
    offset = elapsed - elapsed[first_index][session]
    second = np.minimum(session_start[session] + offset, population.total_seconds - 1)

    user = population.user_rank_to_id[_draw(rng, population.user_cdf, n_sessions)][session]
    event_type = np.where(first, 0, _draw(rng, _cdf(np.asarray(FOLLOW_UP_TYPE_P)), n_interactions))
    viewed = population.item_rank_to_id[_draw(rng, population.item_cdf, n_interactions)]
    # A cart or purchase is of the latest view before it in the session. Sessions open with
    # a view, so the running maximum of view positions never reaches into another session.
    latest_view = np.maximum.accumulate(np.where(event_type == 0, np.arange(n_interactions), 0))
    item = viewed[latest_view]
    value = np.where(event_type == 2, population.item_price[item], np.nan)

    order = np.argsort(second, kind="stable")  # an export is in time order; ties keep session order
    return _frame(user[order], item[order], event_type[order], value[order], second[order] + population.start_epoch)


def _frame(
    user: np.ndarray, item: np.ndarray, event_type: np.ndarray, value: np.ndarray, epoch_seconds: np.ndarray
) -> pl.DataFrame:
    codes = pl.Series("event_type", event_type, dtype=pl.UInt8)
    return pl.DataFrame(
        {
            "user_id": pl.Series(user, dtype=pl.UInt32),
            "item_id": pl.Series(item, dtype=pl.UInt32),
            "event_type": codes,
            "event_value": pl.Series(value, dtype=pl.Float64),
            "timestamp": pl.Series(epoch_seconds, dtype=pl.Int64),
        }
    ).select(
        pl.format("u{}", "user_id").alias("user_id"),
        pl.format("i{}", "item_id").alias("item_id"),
        pl.col("event_type").replace_strict(list(range(len(EVENT_TYPES))), list(EVENT_TYPES), return_dtype=pl.String),
        pl.col("event_value").fill_nan(None),
        pl.from_epoch("timestamp", time_unit="s").dt.replace_time_zone("UTC"),
    )


def _empty_frame() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "user_id": pl.String,
            "item_id": pl.String,
            "event_type": pl.String,
            "event_value": pl.Float64,
            "timestamp": pl.Datetime("us", "UTC"),
        }
    )


DEFAULT_START = datetime(2024, 1, 1, tzinfo=UTC)


def _setup(
    n_interactions: int,
    n_users: int | None = None,
    n_items: int | None = None,
    start: datetime = DEFAULT_START,
    days: int = 365,
    seed: int = 0,
) -> tuple[_Population, int]:
    """generate()'s options turned into the shared population, and the seed."""
    n_users = default_users(n_interactions) if n_users is None else n_users
    n_items = default_items(n_interactions) if n_items is None else n_items
    population = _population(n_users, n_items, start, days, seed)
    return population, seed


def _chunk_rng(seed: int, index: int) -> np.random.Generator:
    # Its own stream per chunk, apart from the population's stream (seed, 0).
    return np.random.default_rng((seed, 1, index))


def generate(
    n_interactions: int,
    n_users: int | None = None,
    n_items: int | None = None,
    start: datetime = DEFAULT_START,
    days: int = 365,
    seed: int = 0,
) -> pl.DataFrame:
    """`n_interactions` events in time order, from `start` (naive means UTC) over `days` days.

    Columns: user_id, item_id, event_type (view | add_to_cart | purchase) as strings,
    event_value (the price, purchases only; null otherwise) as Float64, timestamp as a
    whole-second Datetime in UTC. Defaults: 1 user per 5 events, 1 item per 100
    (at least 100 of each)."""
    population, seed = _setup(n_interactions, n_users, n_items, start, days, seed)
    return _chunk(population, n_interactions, _chunk_rng(seed, 0))


def write_csv(path: str, n_interactions: int, chunk_rows: int = 1_000_000, **kwargs) -> int:
    """Write `n_interactions` generated events to a CSV at `path`; returns the rows written.

    Generates and writes `chunk_rows` at a time, so memory stays flat however many
    rows are asked for. All chunks share the users, items, prices and time period;
    each is in time order on its own (like consecutive exports of the same shop).
    With `n_interactions <= chunk_rows` the file holds exactly generate(n_interactions,
    **kwargs). Header: user_id,item_id,event_type,event_value,timestamp; timestamps as
    "YYYY-MM-DD HH:MM:SS" (UTC); event_value empty when null. kwargs: as generate()."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    population, seed = _setup(n_interactions, **kwargs)
    written = 0
    with open(path, "wb") as out:
        # At least one round, so that zero rows still give a file with its header.
        for index, begin in enumerate(range(0, max(n_interactions, 1), chunk_rows)):
            frame = _chunk(population, min(chunk_rows, n_interactions - begin), _chunk_rng(seed, index))
            frame.write_csv(out, include_header=index == 0, datetime_format=CSV_TIMESTAMP_FORMAT)
            written += frame.height
    return written
