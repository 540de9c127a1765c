from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from prep import synthetic

START = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def events() -> pl.DataFrame:
    return synthetic.generate(20_000, seed=7)


def test_same_seed_same_data_other_seed_other_data():
    assert synthetic.generate(3_000, seed=3).equals(synthetic.generate(3_000, seed=3))
    assert not synthetic.generate(3_000, seed=3).equals(synthetic.generate(3_000, seed=4))


def test_columns_and_types(events):
    assert events.schema == pl.Schema(
        {
            "user_id": pl.String,
            "item_id": pl.String,
            "event_type": pl.String,
            "event_value": pl.Float64,
            "timestamp": pl.Datetime("us", "UTC"),
        }
    )
    assert events.height == 20_000
    assert (
        events.select(pl.col("user_id", "item_id", "event_type", "timestamp").null_count()).sum_horizontal().item() == 0
    )
    assert set(events["event_type"].unique()) == {"view", "add_to_cart", "purchase"}


def test_exact_row_count_for_any_size():
    for n in (0, 1, 2, 999):
        assert synthetic.generate(n).height == n


def test_funnel_most_views_fewer_carts_fewest_purchases(events):
    counts = dict(events["event_type"].value_counts().iter_rows())
    assert counts["view"] > counts["add_to_cart"] > counts["purchase"] > 0


def test_event_value_is_a_price_on_purchases_only(events):
    purchases = events.filter(pl.col("event_type") == "purchase")
    assert purchases["event_value"].null_count() == 0
    assert purchases["event_value"].min() > 0
    assert (
        events.filter(pl.col("event_type") != "purchase")["event_value"].null_count()
        == events.height - purchases.height
    )
    # One price per item, whoever buys it.
    assert purchases.group_by("item_id").agg(pl.col("event_value").n_unique())["event_value"].max() == 1


def test_item_popularity_is_heavy_tailed(events):
    per_item = events.group_by("item_id").len().sort("len", descending=True)
    top_one_percent = max(1, per_item.height // 100)
    share = per_item.head(top_one_percent)["len"].sum() / events.height
    # Uniform popularity would give the top 1% of items about 1% of the events.
    assert share > 0.2


def test_repeat_users_with_heavy_tailed_activity():
    per_user = synthetic.generate(2_000).group_by("user_id").len()["len"]
    assert (per_user >= 2).sum() >= 25
    big = synthetic.generate(200_000).group_by("user_id").len()["len"]
    assert (big <= 3).sum() / big.len() > 0.3  # many light users
    assert big.max() > 20 * big.median()  # and a few very active ones


def test_sessions_cluster_in_bursts_of_minutes(events):
    gaps = (
        events.sort("user_id", "timestamp", maintain_order=True)
        .select((pl.col("timestamp").diff().over("user_id").dt.total_seconds()).alias("gap"))
        .drop_nulls()["gap"]
    )
    # Most of a user's consecutive events are within 10 minutes, though the period is a year.
    assert (gaps <= 600).mean() > 0.5


def test_carts_and_purchases_follow_a_view_of_the_same_item(events):
    views = events.filter(pl.col("event_type") == "view").select("user_id", "item_id").unique()
    bought = events.filter(pl.col("event_type") != "view").select("user_id", "item_id").unique()
    assert bought.join(views, on=["user_id", "item_id"], how="anti").height == 0


def test_timestamps_in_range_in_order_and_growing(events):
    stamps = events["timestamp"]
    assert stamps.min() >= START and stamps.max() < START + timedelta(days=365)
    assert stamps.is_sorted()
    assert (stamps.dt.microsecond() == 0).all()  # whole seconds, as in an export
    middle = START + timedelta(days=365 / 2)
    first_half, second_half = (stamps < middle).sum(), (stamps >= middle).sum()
    assert second_half > 1.2 * first_half


def test_weekly_seasonality(events):
    per_weekday = dict(events.group_by(pl.col("timestamp").dt.weekday()).len().iter_rows())
    assert per_weekday[6] > per_weekday[2]  # Saturday busier than Tuesday


def test_start_and_days_are_honoured():
    start = datetime(2023, 6, 1, tzinfo=UTC)
    stamps = synthetic.generate(1_000, start=start, days=10)["timestamp"]
    assert stamps.min() >= start and stamps.max() < start + timedelta(days=10)


def test_user_and_item_counts_bound_the_ids():
    frame = synthetic.generate(5_000, n_users=30, n_items=12)
    assert frame["user_id"].n_unique() <= 30 and frame["item_id"].n_unique() <= 12


def test_write_csv_streams_chunks_with_export_header(tmp_path):
    path = tmp_path / "interactions.csv"
    assert synthetic.write_csv(str(path), 25_000, chunk_rows=10_000, seed=5) == 25_000
    lines = path.read_text().splitlines()
    assert lines[0] == "user_id,item_id,event_type,event_value,timestamp"
    assert len(lines) == 25_001
    assert sum(line.startswith("user_id,") for line in lines) == 1  # one header, not one per chunk

    frame = pl.read_csv(path, infer_schema=False)
    assert frame.height == 25_000
    stamps = frame["timestamp"].str.strptime(pl.Datetime, "%Y-%m-%d %H:%M:%S", strict=True)
    assert stamps.null_count() == 0
    values = frame.filter(pl.col("event_type") == "purchase")["event_value"].cast(pl.Float64)
    assert values.null_count() == 0
    assert frame.filter(pl.col("event_type") != "purchase")["event_value"].null_count() == 25_000 - values.len()


def test_write_csv_in_one_chunk_holds_what_generate_returns(tmp_path):
    path = tmp_path / "interactions.csv"
    synthetic.write_csv(str(path), 4_000, seed=9, days=30)
    written = pl.read_csv(path, schema_overrides={"user_id": pl.String, "item_id": pl.String}).with_columns(
        pl.col("timestamp").str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S").dt.replace_time_zone("UTC")
    )
    assert written.equals(synthetic.generate(4_000, seed=9, days=30))


def test_write_csv_of_zero_rows_is_just_the_header(tmp_path):
    path = tmp_path / "empty.csv"
    assert synthetic.write_csv(str(path), 0) == 0
    assert path.read_text() == ",".join(synthetic.COLUMNS) + "\n"


def test_bad_sizes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="n_users"):
        synthetic.generate(10, n_users=0)
    with pytest.raises(ValueError, match="chunk_rows"):
        synthetic.write_csv(str(tmp_path / "x.csv"), 10, chunk_rows=0)


def test_write_csv_rejects_unknown_arguments(tmp_path):
    with pytest.raises(TypeError, match="colour"):
        synthetic.write_csv(str(tmp_path / "x.csv"), 10, colour="red")
