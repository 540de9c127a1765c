"""SQL sources: the result of a query on PostgreSQL as a Polars DataFrame.

Reader choice, measured on 1M interactions (5 columns, numeric(10,2) and
timestamptz) against a local PostgreSQL 15, best of 3:

- polars.read_database_uri(engine="adbc"):       0.37 s, but NUMERIC arrives as an
  opaque string extension type, so numerics do not survive;
- polars.read_database_uri(engine="connectorx"): 0.66 s, but it fails outright on
  unconstrained NUMERIC values ("decimal scale is not equal to expected scale"),
  retries a refused connection for ~30 s while logging to stderr, and takes URIs only;
- psycopg 3 + polars.read_database:               2.1 s (2.3 s, ~440k rows/s, with the
  whole-result type inference below), exact types (NUMERIC as Decimal,
  timestamptz as UTC Datetime) and precise, immediate errors.

psycopg is the only one right for every column type we tried, so it is the
reader; at ~0.4M rows/s a source of a few million rows still reads in seconds.
"""

from typing import Any

import polars as pl
import psycopg
from psycopg.conninfo import conninfo_to_dict

CONNECT_TIMEOUT_SECONDS = 10  # unless the DSN says otherwise: an unreachable host fails fast


class SqlSourceError(RuntimeError):
    """A SQL source could not be read."""


class SqlConnectionError(SqlSourceError):
    """The server could not be reached or refused us; the message names host, port and database."""


class SqlQueryError(SqlSourceError):
    """The server rejected or failed the query; the message quotes it."""


def _dsn_parameters(dsn: str) -> dict:
    try:
        return conninfo_to_dict(dsn)
    except psycopg.Error:
        return {}


def describe_dsn(dsn: str) -> str:
    """ "host H, port P, database D" of a DSN (URI or key=value), for messages: never the password."""
    params = _dsn_parameters(dsn)
    host = params.get("host") or params.get("hostaddr") or "the default socket"
    port = params.get("port") or "5432"
    database = params.get("dbname") or params.get("user") or "the default database"
    return f"host {host}, port {port}, database {database}"


def _without_password(text: str, dsn: str) -> str:
    # libpq does not echo passwords today; this keeps it so if a message ever quotes the DSN.
    password = _dsn_parameters(dsn).get("password")
    return text.replace(password, "***") if password else text


def read_sql(dsn: str, query: str) -> pl.DataFrame:
    """Run `query` on the PostgreSQL server of `dsn` and return the whole result, eagerly.

    Eager on purpose: the server materializes the result anyway, and a DataFrame
    lets the caller .lazy() it. The session is read-only (a source query must not
    change the source) and in UTC, so timestamptz columns come back as
    Datetime(time_zone="UTC"). NUMERIC columns come back as Decimal, other types
    as their natural Polars counterparts. Raises SqlConnectionError or SqlQueryError."""
    # Extra keywords are libpq connection parameters, which psycopg types as Any.
    options: dict[str, Any] = {} if "connect_timeout" in dsn else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    try:
        connection = psycopg.connect(dsn, **options)
    except psycopg.Error as error:
        # libpq's reason spans lines ("connection refused", then a hint); one line reads better in a log.
        reason = "; ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__
        reason = _without_password(reason, dsn)
        raise SqlConnectionError(f"cannot connect to PostgreSQL ({describe_dsn(dsn)}): {reason}") from None
    with connection:
        connection.read_only = True
        try:
            connection.execute("SET TIME ZONE 'UTC'")
            # infer_schema_length=None: every row decides a column's type, so a NUMERIC whose
            # scale grows after the first rows still gets a Decimal wide enough for all of them.
            return pl.read_database(query, connection, infer_schema_length=None)
        except (psycopg.Error, pl.exceptions.UnsuitableSQLError) as error:
            # UnsuitableSQLError: Polars' own refusal of statements that are not reads (DELETE, ...).
            message = _without_password(str(error).strip(), dsn)
            raise SqlQueryError(
                f"query failed on PostgreSQL ({describe_dsn(dsn)}): {message}\n  query: {query.strip()}"
            ) from None
