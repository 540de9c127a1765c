"""prep.sources.sql against a real PostgreSQL server (the postgres_dsn fixture).

The scenario: purchase history lives in the shop's order system (schema `shop`),
web clicks in the web analytics system (schema `web`); a source query brings
both into the interactions shape."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

import polars as pl
import pytest

from prep.sources.sql import SqlConnectionError, SqlQueryError, describe_dsn, read_sql

PURCHASES = [
    # order_id, customer, sku, price, quantity, purchased_at
    (1, "c1", "sku-a", Decimal("19.99"), 1, datetime(2024, 3, 1, 10, 0, 5, tzinfo=UTC)),
    (2, "c2", "sku-b", Decimal("5.00"), 3, datetime(2024, 3, 2, 11, 30, tzinfo=UTC)),
    (3, "c1", "sku-c", Decimal("1234.50"), 1, datetime(2024, 3, 3, 23, 59, 59, tzinfo=UTC)),
]
CLICKS = [
    # visitor, product, clicked_at
    ("c1", "sku-a", datetime(2024, 3, 1, 9, 58, tzinfo=UTC)),
    ("c1", "sku-c", datetime(2024, 3, 3, 23, 50, tzinfo=UTC)),
    ("c3", "sku-b", datetime(2024, 3, 4, 8, 0, tzinfo=UTC)),
    ("c2", "sku-d", datetime(2024, 3, 5, 12, 0, tzinfo=UTC)),
]

INTERACTIONS_QUERY = """
    SELECT customer_id AS user_id, sku AS item_id, 'purchase' AS event_type,
           price AS event_value, purchased_at AS "timestamp"
      FROM shop.purchases
    UNION ALL
    SELECT visitor_id, product_sku, 'view', NULL, clicked_at
      FROM web.clicks
    ORDER BY "timestamp"
"""


@pytest.fixture(scope="module")
def shop_and_web(postgres_dsn, postgres_execute):
    postgres_execute("""
        DROP SCHEMA IF EXISTS shop CASCADE; DROP SCHEMA IF EXISTS web CASCADE;
        CREATE SCHEMA shop; CREATE SCHEMA web;
        CREATE TABLE shop.purchases (order_id bigint PRIMARY KEY, customer_id text NOT NULL, sku text NOT NULL,
                                     price numeric(10, 2) NOT NULL, quantity integer NOT NULL,
                                     purchased_at timestamptz NOT NULL);
        CREATE TABLE web.clicks (visitor_id text NOT NULL, product_sku text NOT NULL, clicked_at timestamptz NOT NULL);
    """)
    for row in PURCHASES:
        postgres_execute("INSERT INTO shop.purchases VALUES (%s, %s, %s, %s, %s, %s)", row)
    for row in CLICKS:
        postgres_execute("INSERT INTO web.clicks VALUES (%s, %s, %s)", row)
    return postgres_dsn


def test_reads_the_purchases_table_with_its_types(shop_and_web):
    frame = read_sql(shop_and_web, "SELECT * FROM shop.purchases ORDER BY order_id")
    assert frame.columns == ["order_id", "customer_id", "sku", "price", "quantity", "purchased_at"]
    assert frame.schema["order_id"] == pl.Int64
    assert frame.schema["quantity"].is_integer()
    assert frame.schema["price"] == pl.Decimal(38, 2)
    assert frame.schema["purchased_at"] == pl.Datetime("us", "UTC")
    assert frame.rows() == PURCHASES


def test_reads_the_clicks_table(shop_and_web):
    frame = read_sql(shop_and_web, "SELECT * FROM web.clicks ORDER BY clicked_at")
    assert frame.schema == pl.Schema(
        {"visitor_id": pl.String, "product_sku": pl.String, "clicked_at": pl.Datetime("us", "UTC")}
    )
    assert frame.rows() == CLICKS


def test_union_of_purchase_history_and_web_clicks_gives_interactions(shop_and_web):
    frame = read_sql(shop_and_web, INTERACTIONS_QUERY)
    expected = sorted(
        [(c, s, "purchase", p, t) for _, c, s, p, _, t in PURCHASES] + [(v, s, "view", None, t) for v, s, t in CLICKS],
        key=lambda row: row[4],
    )
    assert frame.columns == ["user_id", "item_id", "event_type", "event_value", "timestamp"]
    assert frame.rows() == expected
    assert frame.schema["timestamp"] == pl.Datetime("us", "UTC")
    assert isinstance(frame.schema["event_value"], pl.Decimal)


def test_join_finds_the_clicks_that_led_to_a_purchase(shop_and_web):
    frame = read_sql(
        shop_and_web,
        """
        SELECT c.visitor_id, c.product_sku, p.price, p.purchased_at - c.clicked_at AS time_to_buy
          FROM web.clicks c
          JOIN shop.purchases p ON p.customer_id = c.visitor_id AND p.sku = c.product_sku
                               AND p.purchased_at >= c.clicked_at
         ORDER BY c.clicked_at""",
    )
    assert frame.select("visitor_id", "product_sku", "price").rows() == [
        ("c1", "sku-a", Decimal("19.99")),
        ("c1", "sku-c", Decimal("1234.50")),
    ]
    assert frame["time_to_buy"].dt.total_seconds().to_list() == [125, 599]


def test_numerics_of_growing_scale_and_other_types_survive(postgres_dsn):
    frame = read_sql(
        postgres_dsn,
        """
        SELECT * FROM (VALUES (1, 1.5::numeric, 2.5::float8, true, DATE '2024-02-29', TIMESTAMP '2024-01-01 12:00:00'),
                              (2, 2.25, 1e300, false, DATE '2024-03-01', TIMESTAMP '2024-01-02 00:00:01'),
                              (3, 3.125, NULL, NULL, NULL, NULL))
                 AS t(id, amount, ratio, flag, day, local_time)""",
    )
    assert frame["amount"].to_list() == [Decimal("1.5"), Decimal("2.25"), Decimal("3.125")]
    assert frame["ratio"].to_list() == [2.5, 1e300, None]
    assert frame.schema["flag"] == pl.Boolean
    assert frame.schema["day"] == pl.Date
    assert frame.schema["local_time"] == pl.Datetime("us")  # timestamp without time zone stays naive
    assert frame["local_time"][1] == datetime(2024, 1, 2, 0, 0, 1)


def test_empty_result_keeps_its_columns(shop_and_web):
    frame = read_sql(shop_and_web, "SELECT customer_id, price FROM shop.purchases WHERE false")
    assert frame.height == 0
    assert frame.columns == ["customer_id", "price"]


def test_the_session_is_read_only(shop_and_web):
    with pytest.raises(SqlQueryError, match="not valid 'read' queries"):
        read_sql(shop_and_web, "DELETE FROM shop.purchases RETURNING order_id")
    # A write hidden in a CTE gets past the statement check; the read-only session stops it.
    with pytest.raises(SqlQueryError, match="read-only transaction"):
        read_sql(shop_and_web, "WITH gone AS (DELETE FROM shop.purchases RETURNING order_id) SELECT * FROM gone")
    assert read_sql(shop_and_web, "SELECT count(*) AS n FROM shop.purchases")["n"].item() == len(PURCHASES)


def test_a_bad_query_error_names_the_query_and_the_reason(shop_and_web):
    query = "SELECT * FROM shop.no_such_table"
    with pytest.raises(SqlQueryError) as caught:
        read_sql(shop_and_web, query)
    message = str(caught.value)
    assert query in message
    assert 'relation "shop.no_such_table" does not exist' in message
    assert _password(shop_and_web) not in message


def _password(dsn: str) -> str:
    return urlsplit(dsn).password


def _with_port(dsn: str, port: int) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{port}"))


def test_a_bad_port_error_names_host_port_and_database_but_not_the_password(postgres_dsn):
    port = urlsplit(postgres_dsn).port
    unused = next(p for p in range(port + 1, port + 100) if _port_is_closed(p))
    with pytest.raises(SqlConnectionError) as caught:
        read_sql(_with_port(postgres_dsn, unused), "SELECT 1")
    message = str(caught.value)
    assert f"host 127.0.0.1, port {unused}, database prep_test" in message
    assert "refused" in message.lower()
    assert _password(postgres_dsn) not in message


def test_a_wrong_password_is_a_connection_error_that_does_not_echo_it(postgres_dsn):
    parts = urlsplit(postgres_dsn)
    wrong = urlunsplit(parts._replace(netloc=f"{parts.username}:not-the-password@{parts.hostname}:{parts.port}"))
    with pytest.raises(SqlConnectionError) as caught:
        read_sql(wrong, "SELECT 1")
    message = str(caught.value)
    assert "password authentication failed" in message
    assert "not-the-password" not in message


def test_describe_dsn_accepts_key_value_form_and_hides_the_password():
    described = describe_dsn("host=db.example port=6543 dbname=shop user=u password=s3cret")
    assert described == "host db.example, port 6543, database shop"
    assert "s3cret" not in describe_dsn("postgresql://u:s3cret@db.example/shop")


def _port_is_closed(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_pipeline_prepares_synthetic_interactions_from_a_sql_source(
    postgres_dsn, postgres_execute, tmp_path, monkeypatch
):
    """The contract with prep.pipeline: a `kind: sql` source with ${PREP_PG_DSN} reads through read_sql."""
    import psycopg

    from prep.config import load_config
    from prep.pipeline import prepare
    from prep.synthetic import generate

    events = generate(3_000, seed=11, days=60)
    postgres_execute("""DROP TABLE IF EXISTS public.events;
        CREATE TABLE public.events (user_id text, item_id text, event_type text, event_value numeric(10, 2),
                                    "timestamp" timestamptz)""")
    with (
        psycopg.connect(postgres_dsn) as connection,
        connection.cursor().copy("COPY public.events FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
    ):
        copy.write(events.write_csv(datetime_format="%Y-%m-%d %H:%M:%S+00"))
    monkeypatch.setenv("PREP_PG_DSN", postgres_dsn)
    config = tmp_path / "shop.yaml"
    config.write_text("""\
name: shop
interactions:
  sources:
    - {kind: sql, dsn: "${PREP_PG_DSN}", query: "SELECT * FROM public.events"}
  mapping:
    USER_ID: {column: user_id}
    ITEM_ID: {column: item_id}
    EVENT_TYPE: {column: event_type}
    EVENT_VALUE: {column: event_value}
    TIMESTAMP: {column: timestamp}
holdout: {days: 7}
""")
    manifest = prepare(load_config(str(config)), "v1", str(tmp_path / "out"))

    assert manifest["training"]["rows"] + manifest["validation"]["rows"] == events.unique().height
    assert manifest["validation"]["to"] == events["timestamp"].max().isoformat()
    assert postgres_dsn not in json.dumps(manifest)  # the password-bearing DSN stays out of the manifest
