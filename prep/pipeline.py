"""From raw exports to a validated, versioned Personalize dataset.

read > map > clean > hold out and window > validate > export, counting the
rows in and out of every step for the manifest and the report. Polars scans
the sources lazily and keeps only the mapped columns; interactions that would
not fit the memory budget are split by user into parts on disk and prepared
part by part, with the same result."""

import errno
import glob
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Final, Protocol, cast

import polars as pl

from common.layout import (
    DATASET_FILES,
    INTERACTIONS_FILE,
    MANIFEST_FILE,
    USER_INDEX_FILE,
    VALIDATION_INTERACTIONS_FILE,
    dataset_prefix,
    schema_file,
)
from common.names import DATASET_VERSION_ALLOWED, DATASET_VERSION_PATTERN
from prep import __version__
from prep.config import RESERVED_TYPES, DatasetConfig, Field, Source, Table, expand_env
from prep.errors import InputError, first_line
from prep.progress import Progress
from prep.user_index import write_user_index

MAX_ID_LENGTH = 256
TIMESTAMP_SAMPLE_ROWS = 10_000
TEXT_TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M",
)
# Timestamps later than this after the run are taken for errors (a clock or unit
# mix-up) and dropped: one would otherwise move the holdout, and with it the
# training window, into the future and leave nothing to train on. A day covers
# time zones and clocks a little ahead.
FUTURE_TOLERANCE = timedelta(days=1)
# How many values that failed to parse a threshold failure quotes.
PARSE_FAILURE_EXAMPLES = 3
# Casts whose values can fail to parse (a string always parses).
FALLIBLE_CASTS = ("int", "float", "long", "bool")
BOOL_TRUE, BOOL_FALSE = ("true", "1", "yes", "t", "y"), ("false", "0", "no", "f", "n")
# An S3 endpoint that does not answer fails fast; retries follow botocore's settings (AWS_MAX_ATTEMPTS).
S3_CONNECT_TIMEOUT_SECONDS = 10
MIN_INTERACTIONS = 1000
MIN_USERS_WITH_TWO = 25
# Metadata limits of the developer guide: fields per dataset, characters per categorical value.
MAX_METADATA_FIELDS = {"items": 50, "users": 25}
MAX_CATEGORICAL_LENGTH = 1000
# Memory the prepared interactions take per byte of CSV source, measured on 10M
# synthetic interactions (a 670 MB peak for a 427 MB file, the interpreter
# included), with room to spare: the rows stream from disk, and what stays in
# memory is a part's row hashes and the group-bys by user and item.
MEMORY_PER_SOURCE_BYTE = 2
ROW_HASH_SEED = 20240101
# What the spilled interactions carry besides the mapped fields and their `__<FIELD>_unparsed` columns.
ROW_HASH, DROP, ROW = "__hash", "__drop", "__row"
# Why cleaning drops a row before the duplicates: it is KEPT, AHEAD (in the future), MISSING a field, or an id is TOO_LONG.
KEEP, AHEAD, MISSING, TOO_LONG = 0, 1, 2, 3
# The rows that share a hash are read one by one up to this many (a row group each), else by a scan.
ROWS_BY_SLICE = 100
# The spill is written once and read a few times: no compression and no
# statistics, which cost more CPU than they save (measured at 10M rows).
SPILL_COMPRESSION: Final = "uncompressed"
# The training and validation interactions, as the bucket layout names them.
INTERACTION_FILES = (INTERACTIONS_FILE, VALIDATION_INTERACTIONS_FILE)
METADATA_FILES = {kind: name for kind, name in DATASET_FILES.items() if kind != "interactions"}


class ValidationFailed(ValueError):
    """The data breaks a rule of the service; `failures` says which and by how much."""

    def __init__(self, failures: list[str], manifest: dict):
        super().__init__("the dataset does not meet the service's rules:\n  - " + "\n  - ".join(failures))
        self.failures = failures
        self.manifest = manifest


class VersionExists(ValueError):
    pass


def check_version(version: str) -> str:
    """The version, if it may name a folder of the bucket and a stack's datasetVersion."""
    if not re.fullmatch(DATASET_VERSION_PATTERN, version):
        raise InputError(f"--version has value {version!r}; allowed: {DATASET_VERSION_ALLOWED}")
    return version


def _inside(path: Path, root: Path) -> Path:
    """`path` resolved, if it stays inside `root` (resolved): no file is written elsewhere."""
    resolved, base = path.resolve(), root.resolve()
    if not resolved.is_relative_to(base):
        raise InputError(f"refusing to write {path}: it resolves to {resolved}, outside {base}")
    return resolved


# ------------------------------------------------------------------ S3
def s3_client(endpoint: str | None):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, config=Config(connect_timeout=S3_CONNECT_TIMEOUT_SECONDS))


@contextmanager
def s3_errors(what: str, bucket: str, endpoint: str | None, client: Any = None) -> Iterator[None]:
    """botocore's failures as one InputError naming `what`, the bucket and the endpoint.
    With the `client`, a bare 404 (a HEAD has no error code) is told apart: no bucket or no key."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

    where = endpoint or "AWS"
    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        if code == "404" and client is not None and not _bucket_exists(client, bucket):
            code = "NoSuchBucket"
        if code == "NoSuchBucket":
            raise InputError(f"{what}: the bucket {bucket!r} does not exist (S3 endpoint {where})") from None
        if code in ("AccessDenied", "403", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            raise InputError(f"{what}: access denied to the bucket {bucket!r} (S3 endpoint {where}): {code}") from None
        if code in ("404", "NoSuchKey", "NotFound"):
            raise InputError(f"{what}: not found in the bucket {bucket!r} (S3 endpoint {where})") from None
        raise InputError(f"{what}: S3 error {code} (S3 endpoint {where}): {details.get('Message', '')}") from None
    except (EndpointConnectionError, ConnectTimeoutError) as error:
        raise InputError(f"{what}: cannot reach the S3 endpoint {where}: {first_line(error)}") from None
    except (BotoCoreError, Boto3Error) as error:
        raise InputError(f"{what}: S3 failed (S3 endpoint {where}): {first_line(error)}") from None


def _bucket_exists(client: Any, bucket: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=bucket)
        return True
    except ClientError:
        return False


# ------------------------------------------------------------------ reading
def _local_copy(uri: str, workdir: Path, s3_endpoint: str | None, what: str) -> str:
    """s3://bucket/key (or a prefix ending in /) downloaded; local paths as they are."""
    if not uri.startswith("s3://"):
        if not glob.glob(uri):
            raise InputError(f"{what}: no such file: {uri}")
        return uri
    bucket, _, key = uri[5:].partition("/")
    s3 = s3_client(s3_endpoint)
    with s3_errors(f"{what} ({uri})", bucket, s3_endpoint, s3):
        keys = (
            [key]
            if not key.endswith("/")
            else [
                o["Key"]
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
                for o in page.get("Contents", [])
                if not o["Key"].endswith("/")
            ]
        )
        if not keys:
            raise InputError(f"{what}: no objects under {uri} (S3 endpoint {s3_endpoint or 'AWS'})")
        target = workdir / hashlib.sha256(uri.encode()).hexdigest()[:12]
        target.mkdir(parents=True, exist_ok=True)
        for k in keys:
            s3.download_file(bucket, k, str(_inside(target / k.replace("/", "_"), target)))
    return str(target / keys[0].replace("/", "_")) if len(keys) == 1 else str(target / "*")


def read_source(source: Source, workdir: Path, s3_endpoint: str | None = None, kind: str = "") -> pl.LazyFrame:
    if source.kind == "sql":
        from prep.sources.sql import read_sql

        assert source.dsn is not None and source.query is not None  # required for sql by Source._rules
        return read_sql(expand_env(source.dsn), source.query).lazy()
    assert source.path is not None  # required for file sources by Source._rules
    path = _local_copy(source.path, workdir, s3_endpoint, f"{kind} source {source.name!r}".lstrip())
    if source.kind == "csv":
        # Everything as text: the mapping casts explicitly, so no guess can lose an id's zeros.
        return pl.scan_csv(path, infer_schema=False)
    if source.kind == "parquet":
        return pl.scan_parquet(path)
    return pl.scan_ndjson(path)


def _text_forms(sample: pl.Series) -> tuple[bool, list[str]]:
    """Which forms a timestamp column uses, judged on a sample: epoch numbers,
    and the text formats that parse some of it. Parsing with only those keeps
    the full pass cheap; values in no known form are counted, not hidden."""
    values = sample.drop_nulls().cast(pl.Utf8).str.strip_chars()
    numeric = values.cast(pl.Float64, strict=False).is_not_null()
    text = values.filter(~numeric)
    forms = []
    for form in TEXT_TIMESTAMP_FORMATS:
        if text.len() == 0:
            break
        parsed = text.str.strptime(pl.Datetime, form, strict=False).is_not_null()
        if parsed.any():
            forms.append(form)
            text = text.filter(~parsed)
    return bool(numeric.any()) or not forms, forms


def _epoch_seconds(column: str, dtype: pl.DataType, fmt: str | None, sample: pl.Series) -> pl.Expr:
    col = pl.col(column)
    if fmt:
        return col.cast(pl.Utf8).str.strptime(pl.Datetime, fmt, strict=False).dt.epoch("s")
    if isinstance(dtype, pl.Datetime) or dtype == pl.Date:
        return col.cast(pl.Datetime).dt.epoch("s")
    numbers, forms = _text_forms(sample)
    text = col.cast(pl.Utf8).str.strip_chars()
    # A column may mix forms (exports from several systems): the first that parses
    # wins; text without a zone is UTC, and dd/mm/yyyy is day first (else set `format`).
    parsed = [text.str.strptime(pl.Datetime, f, strict=False).dt.epoch("s") for f in forms]
    if numbers:
        number = text.cast(pl.Float64, strict=False)
        # Milliseconds since the epoch are told apart by size (1e11 s is the year 5138).
        parsed.insert(0, pl.when(number > 1e11).then(number / 1000).otherwise(number))
    return pl.coalesce(parsed).cast(pl.Int64)


def _parsed_as(spec: Field) -> str | None:
    """What a field's values must parse as, when they can fail to: 'a timestamp', 'int', ..."""
    if spec.column is None:
        return None
    if spec.name in ("TIMESTAMP", "CREATION_TIMESTAMP"):
        return "timestamp"
    cast = spec.cast or RESERVED_TYPES.get(spec.name)
    return cast if cast in FALLIBLE_CASTS else None


def _unparsed_step(kind: str, name: str, parsed_as: str) -> str:
    if parsed_as == "timestamp":
        return f"{kind}: {name} values in no known form (dropped below)"
    return f"{kind}: {name} values that are not {parsed_as} (left empty)"


def _expression(spec: Field, schema: pl.Schema, sample: pl.DataFrame, kind: str = "") -> pl.Expr:
    if spec.column is None:
        return pl.lit(spec.value).alias(spec.name)
    if spec.column not in schema:
        hint = " (is the file delimited by something other than commas?)" if len(schema) == 1 else ""
        raise InputError(
            f"{kind + '.' if kind else ''}mapping.{spec.name}: the sources have no column {spec.column!r}; "
            f"they have {', '.join(map(repr, schema))}{hint}"
        )
    if spec.name in ("TIMESTAMP", "CREATION_TIMESTAMP"):
        return _epoch_seconds(spec.column, schema[spec.column], spec.format, sample[spec.column]).alias(spec.name)
    expr = pl.col(spec.column)
    cast = spec.cast or RESERVED_TYPES.get(spec.name)
    if cast == "int":
        expr = expr.cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)
    elif cast in ("float", "long"):
        expr = expr.cast(pl.Float64, strict=False)
    elif cast == "bool":
        # Values of neither kind are left empty (and counted), not taken for false.
        text = expr.cast(pl.Utf8).str.strip_chars().str.to_lowercase()
        expr = pl.when(text.is_in(BOOL_TRUE)).then(True).when(text.is_in(BOOL_FALSE)).then(False)
    if spec.name in ("USER_ID", "ITEM_ID") or cast == "string":
        expr = expr.cast(pl.Utf8).str.strip_chars()
    return expr.alias(spec.name)


def _present(column: str) -> pl.Expr:
    """A value is there: not null and not blank."""
    return pl.col(column).is_not_null() & (pl.col(column).cast(pl.Utf8).str.strip_chars() != "")


def _unparsed_counts(name: str) -> tuple[pl.Expr, pl.Expr]:
    """The non-empty values of a field's source column, and those that did not parse,
    counted from the field and its `__<FIELD>_unparsed` column (the source's value
    where the field is empty, so mostly empty: no pass over every value). A value
    that parsed was there."""
    unparsed = pl.col(f"__{name}_unparsed")
    failed = (unparsed.is_not_null() & (unparsed.str.strip_chars() != "")).sum()
    return (pl.col(name).is_not_null().sum() + failed).alias(f"present {name}"), failed.alias(f"failed {name}")


@contextmanager
def reading(table: Table) -> Iterator[None]:
    """Polars' failures to read a table's sources or run its query, as one InputError naming them."""
    try:
        yield
    except pl.exceptions.PolarsError as error:
        reason = first_line(error)
        if isinstance(error, (pl.exceptions.SQLInterfaceError, pl.exceptions.SQLSyntaxError)) or (
            table.query and isinstance(error, pl.exceptions.ColumnNotFoundError)
        ):
            raise InputError(f"{table.kind}.query: {reason}") from None
        if "utf-8" in reason.lower() or "utf8" in reason.lower():
            reason += " (the file is not UTF-8: re-encode it, e.g. iconv -f latin1 -t utf-8)"
        elif reason == "empty CSV":
            reason = "the CSV file is empty (not even a header)"
        names = ", ".join(f"{s.name!r} ({s.path or 'sql'})" for s in table.sources)
        raise InputError(f"{table.kind}: cannot read the sources {names}: {reason}") from None


def _examples(failed: pl.LazyFrame, column: str) -> list[str]:
    """A few distinct values of `column` among the rows that failed to parse."""
    values = failed.select(pl.col(column).cast(pl.Utf8)).unique(maintain_order=True).head(PARSE_FAILURE_EXAMPLES)
    return values.collect().to_series().to_list()


def mapped_lazy(table: Table, workdir: Path, s3_endpoint: str | None, steps: "Steps") -> pl.LazyFrame:
    """The sources, queried and mapped to Personalize's fields, not yet read.
    A `__<FIELD>_unparsed` column per field that can fail to parse rides along (see
    `count_unreadable`), and `steps.examples` learns how to find values that failed.
    With a query, the rows the sources hold are counted first and recorded."""
    frames = {s.name: read_source(s, workdir, s3_endpoint, table.kind) for s in table.sources}
    if table.query:
        # One extra scan, so the report can say how many rows the query kept.
        rows = sum(f.select(pl.len()).collect(engine="streaming").item() for f in frames.values())
        steps.record(f"{table.kind}: read the sources", rows, rows)
        frame = pl.SQLContext(frames).execute(table.query)
    elif len(frames) == 1:
        frame = next(iter(frames.values()))
    else:
        frame = pl.concat(list(frames.values()), how="diagonal_relaxed")
    return map_columns(frame, table, steps)


def map_columns(frame: pl.LazyFrame, table: Table, steps: "Steps", sample: pl.DataFrame | None = None) -> pl.LazyFrame:
    """The rows read, mapped to Personalize's fields (see `mapped_lazy`). `sample`:
    the first rows of the whole table, when `frame` is only a batch of it (the
    spark engine maps batch by batch: prep/spark.py); else its own first rows."""
    schema = frame.collect_schema()
    # Personalize's own fields first, in their usual order, then metadata as mapped.
    reserved = list(RESERVED_TYPES)
    fields = sorted(table.mapping, key=lambda f: reserved.index(f.name) if f.name in reserved else len(reserved))
    for spec in fields:
        if spec.column and spec.column not in schema:
            _expression(spec, schema, pl.DataFrame(), table.kind)  # raises, naming the column
    if sample is None:
        sample = frame.select([f.column for f in fields if f.column]).head(TIMESTAMP_SAMPLE_ROWS).collect()
    expressions = {f.name: _expression(f, schema, sample, table.kind) for f in fields}
    fallible = [f for f in fields if _parsed_as(f)]
    for spec in fallible:
        assert spec.column is not None  # _parsed_as is None for constants
        # Only when a threshold is broken: the values quoted, found by one more scan.
        failed = frame.filter(_present(spec.column) & expressions[spec.name].is_null())
        steps.examples[f"{table.kind}.{spec.name}"] = partial(_examples, failed, spec.column)
    # The source values ride along under a temporary name, and the unparsed column is
    # taken from the field already computed: Polars does not always see that the
    # field's expression is the same, and would parse every value twice.
    sources = [pl.col(cast(str, f.column)).cast(pl.Utf8).alias(f"__{f.name}_source") for f in fallible]
    unparsed = [
        pl.when(pl.col(f.name).is_null()).then(pl.col(f"__{f.name}_source")).alias(f"__{f.name}_unparsed")
        for f in fallible
    ]
    return frame.select(list(expressions.values()) + sources).select([pl.col(name) for name in expressions] + unparsed)


def count_unreadable(mapped: pl.DataFrame, table: Table, steps: "Steps", query: bool, rows_in: int) -> pl.DataFrame:
    """Record the mapping step, and values that were there but did not parse:
    timestamps in no known form, numbers that are not numbers."""
    kind = table.kind
    step = "apply the query and map the columns" if query else "read the sources and map the columns"
    steps.record(f"{kind}: {step}", rows_in, mapped)
    for spec in table.mapping:
        parsed_as = _parsed_as(spec)
        if f"__{spec.name}_unparsed" not in mapped.columns or parsed_as is None:
            continue
        present, unreadable = mapped.select(*_unparsed_counts(spec.name)).row(0)
        steps.record(_unparsed_step(kind, spec.name, parsed_as), mapped.height, mapped.height - unreadable)
        steps.count_unparsed(f"{kind}.{spec.name}", unreadable, present)
    return mapped.drop([c for c in mapped.columns if c.startswith("__")])


def read_table(table: Table, workdir: Path, s3_endpoint: str | None, steps: "Steps") -> pl.DataFrame:
    """A whole table in memory: for items and users, which are small."""
    with reading(table):
        mapped = mapped_lazy(table, workdir, s3_endpoint, steps).collect(engine="streaming")
    rows_in = steps.records[-1]["rows_out"] if table.query else mapped.height
    return count_unreadable(mapped, table, steps, bool(table.query), rows_in)


def parse_failures(config: DatasetConfig, steps: "Steps", threshold: float) -> list[str]:
    """A failure for each field where more than `threshold` of the non-empty values did not parse."""
    failures = []
    tables = {t.kind: t for t in (config.interactions, config.items, config.users) if t}
    for key, (failed, present) in steps.unparsed.items():
        if not present or failed / present <= threshold:
            continue
        kind, name = key.split(".", 1)
        spec = tables[kind].fields_by_name[name]
        parsed_as = _parsed_as(spec)
        what = "in no known form" if parsed_as == "timestamp" else f"not {parsed_as}"
        hint = " (set `format` for the column)" if parsed_as == "timestamp" and not spec.format else ""
        examples = steps.examples[key]() if key in steps.examples else []
        failures.append(
            f"{key} (column {spec.column!r}): {failed / present:.1%} of {present:,} values {what}, "
            f"more than the {threshold:.2%} allowed (maxParseFailures or --max-parse-failures); "
            f"e.g. {', '.join(map(repr, examples))}{hint}"
        )
    return failures


# ------------------------------------------------------------------ cleaning
class Steps:
    """Rows in and out of each step, for the manifest and the report. A step
    recorded again (for another part of the data) adds to its counts."""

    def __init__(self, progress: Progress):
        self.records: list[dict] = []
        self.progress = progress
        # "<table>.<FIELD>": [values that failed to parse, non-empty values]
        self.unparsed: dict[str, list[int]] = {}
        # "<table>.<FIELD>": how to find a few of the values that failed (a scan: only on failure)
        self.examples: dict[str, Callable[[], list]] = {}

    def count_unparsed(self, key: str, failed: int, present: int) -> None:
        counts = self.unparsed.setdefault(key, [0, 0])
        counts[0] += failed
        counts[1] += present

    def record(self, step: str, rows_in: int, after: pl.DataFrame | int, detail: str = "") -> None:
        rows_out = after if isinstance(after, int) else after.height
        for record in self.records:
            if record["step"] == step:
                record["rows_in"] += rows_in
                record["rows_out"] += rows_out
                return
        self.records.append(
            {"step": step, "rows_in": rows_in, "rows_out": rows_out, **({"detail": detail} if detail else {})}
        )
        self.progress.advance(step)

    def merge(self, part: "Steps") -> None:
        """Add another part's counts, step by step."""
        for r in part.records:
            self.record(r["step"], r["rows_in"], r["rows_out"], r.get("detail", ""))
        for key, (failed, present) in part.unparsed.items():
            self.count_unparsed(key, failed, present)
        self.examples.update(part.examples)


def _missing_and_too_long(id_fields: tuple[str, ...]) -> tuple[pl.Expr, pl.Expr]:
    """Whether a row misses one of `id_fields` (null, or blank text), and whether an id is too long."""
    ids = [c for c in id_fields if c in ("USER_ID", "ITEM_ID")]
    text = [c for c in id_fields if c in ("USER_ID", "ITEM_ID", "EVENT_TYPE")]  # blank is missing too
    missing = ~pl.all_horizontal([pl.col(c).is_not_null() for c in id_fields] + [pl.col(c) != "" for c in text])
    too_long = ~pl.all_horizontal([pl.col(c).str.len_chars() <= MAX_ID_LENGTH for c in ids])
    return missing, too_long


def _missing_step(kind: str, id_fields: tuple[str, ...]) -> str:
    return f"{kind}: drop rows missing {', '.join(id_fields)}"


def _too_long_step(kind: str) -> str:
    return f"{kind}: drop ids over {MAX_ID_LENGTH} characters"


def _duplicates_step(kind: str) -> str:
    return f"{kind}: drop exact duplicates"


def clean_ids(frame: pl.DataFrame, id_fields: tuple[str, ...], steps: Steps, kind: str) -> pl.DataFrame:
    missing, too_long = _missing_and_too_long(id_fields)
    n_missing = frame.select(missing.sum()).item()
    kept = frame.filter(~missing & ~too_long)
    steps.record(_missing_step(kind, id_fields), frame.height, frame.height - n_missing)
    steps.record(_too_long_step(kind), frame.height - n_missing, kept)
    # First occurrences in file order, so the same input always exports the same bytes.
    unique = kept.filter(pl.struct(pl.all()).is_first_distinct())
    steps.record(_duplicates_step(kind), kept.height, unique)
    return unique


def clean_metadata(
    frame: pl.DataFrame, table: Table, id_field: str, steps: Steps, required: tuple[str, ...] = ()
) -> pl.DataFrame:
    """`required`: fields the schema declares without null (a domain's PRICE, CATEGORY_L1):
    rows missing them are dropped as with dropMissing, and they are never dropped as sparse."""
    before = frame.height
    frame = frame.unique(subset=[id_field], keep="last", maintain_order=True)
    steps.record(f"{table.kind}: keep one row per {id_field} (the last)", before, frame)
    for name, value in table.fill.items():
        frame = frame.with_columns(pl.col(name).fill_null(value))
    drop_missing = [*table.drop_missing, *(f for f in required if f != id_field and f not in table.drop_missing)]
    if drop_missing:
        present = pl.all_horizontal(
            [pl.col(c).is_not_null() & (pl.col(c).cast(pl.Utf8).str.strip_chars() != "") for c in drop_missing]
        )
        kept = frame.filter(present)
        steps.record(f"{table.kind}: drop rows missing {', '.join(drop_missing)}", frame.height, kept)
        frame = kept
    if table.drop_sparse_below > 0 and frame.height:
        # mean() of a non-empty boolean Series is a float; polars types it as any literal or None.
        sparse = [
            c
            for c in frame.columns
            if c != id_field
            and c not in required
            and cast(float, frame[c].is_not_null().mean()) < table.drop_sparse_below
        ]
        frame = frame.drop(sparse)
        steps.record(
            f"{table.kind}: drop fields filled below {table.drop_sparse_below:.0%}",
            frame.height,
            frame,
            detail=f"dropped {', '.join(sparse) or 'none'}",
        )
    return frame


def with_aggregates(
    frame: pl.DataFrame, stats: pl.DataFrame | None, id_field: str, functions: tuple[str, ...]
) -> pl.DataFrame:
    """count, mean, min, max of EVENT_VALUE per id, from the training set's running totals."""
    if not functions or stats is None:
        return frame
    exprs = {
        "count": pl.col("rows").cast(pl.Int64),
        "mean": pl.col("value_sum") / pl.col("values"),
        "min": pl.col("value_min"),
        "max": pl.col("value_max"),
    }
    return frame.join(
        stats.select([id_field, *[exprs[f].alias(f"INTERACTIONS_{f.upper()}") for f in functions]]),
        on=id_field,
        how="left",
    )


# ------------------------------------------------------------------ interactions, part by part
def memory_budget() -> int:
    """Bytes the interactions may take in memory: PREP_MEMORY_BUDGET_BYTES, else half the machine."""
    if "PREP_MEMORY_BUDGET_BYTES" in os.environ:
        return int(os.environ["PREP_MEMORY_BUDGET_BYTES"])
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2


def parts_needed(table: Table, workdir: Path) -> int:
    """How many parts keep each one within the memory budget, judged by the size
    of the files read (downloads included); a SQL result is in memory anyway."""
    paths = [s.path for s in table.sources if s.path and not s.path.startswith("s3://")]
    size = sum(os.path.getsize(p) for pattern in paths for p in glob.glob(pattern))
    size += sum(p.stat().st_size for p in workdir.rglob("*") if p.is_file())
    return max(1, math.ceil(size * MEMORY_PER_SOURCE_BYTE / memory_budget()))


def row_hashes(frame: pl.DataFrame) -> pl.Series:
    """Each row's hash, as the rows digest takes it."""
    return frame.hash_rows(seed=ROW_HASH_SEED)


def row_digest(frame: pl.DataFrame) -> int:
    """A set of rows' `rows_digest`: the XOR of their row_hashes. The same rows give
    the same digest in any order, so a version's content depends neither on how many
    parts memory asked for nor on the engine that prepared it."""
    if frame.height == 0:
        return 0
    return row_hashes(frame).to_frame().select(pl.all().bitwise_xor()).item()


def _row_hash(columns: list[str]) -> pl.Expr:
    """row_hashes of `columns`, batch by batch: a streaming query computes it as it reads."""
    return (
        pl.struct(columns)
        .map_batches(lambda rows: row_hashes(rows.struct.unnest()), return_dtype=pl.UInt64, is_elementwise=True)
        .alias(ROW_HASH)
    )


def split_by_user(
    frame: pl.LazyFrame, parts: int, workdir: Path, queries: Iterable[pl.LazyFrame] = ()
) -> tuple[list[list[str]], list[pl.DataFrame]]:
    """`frame` written once to Parquet on disk, in `parts` by user: a user's
    interactions (and so every exact duplicate) land in one part. Each part's
    files, in the order of the rows, and the results of `queries` (over what
    `frame` is made from), which the same read of the sources answers."""
    out = workdir / "parts"
    options: dict[str, Any] = {"compression": SPILL_COMPRESSION, "statistics": False, "lazy": True}
    if parts == 1:
        # One file, as the partitioned writer would write it, without hashing every user id for it.
        out.mkdir(parents=True, exist_ok=True)
        sink = frame.sink_parquet(out / "part.parquet", **options)
    else:
        key = (pl.col("USER_ID").hash(seed=0) % parts).alias("__part")
        sink = frame.sink_parquet(pl.PartitionBy(str(out), key=key, include_key=False), mkdir=True, **options)
    _, *results = pl.collect_all([cast(pl.LazyFrame, sink), *queries], engine="streaming")
    if parts == 1:
        return [[str(out / "part.parquet")]], results
    found = {int(d.name.split("=")[1]): sorted(map(str, d.iterdir())) for d in out.iterdir()} if out.exists() else {}
    if not found:  # no rows at all
        out.mkdir(parents=True, exist_ok=True)
        pl.DataFrame(schema=frame.collect_schema()).write_parquet(out / "empty.parquet")
        return [[str(out / "empty.parquet")]], results
    # In part order, so the same input always exports the same bytes.
    return [found[k] for k in sorted(found)], results


@dataclass
class Totals:
    """What the manifest says of a set of interactions, added up part by part."""

    rows: int = 0
    users: int = 0
    items: list = field(default_factory=list)
    first: int | None = None
    last: int | None = None
    # row_digest of the rows, kept as their XOR (see row_digest).
    digest: int = 0
    # Rows per EVENT_TYPE: the stack checks an experiment's eventType against it.
    event_types: dict = field(default_factory=dict)

    def add(self, frame: pl.DataFrame) -> None:
        """Add the rows of a frame."""
        if frame.height == 0:
            return
        first, last = frame.select(pl.col("TIMESTAMP").min(), pl.col("TIMESTAMP").max().alias("last")).row(0)
        self.add_counted(frame.height, first, last, row_digest(frame))
        counts = frame.group_by("EVENT_TYPE").len().iter_rows() if "EVENT_TYPE" in frame.columns else []
        self.add_grouped(frame["USER_ID"].n_unique(), frame["ITEM_ID"].unique(), counts)

    def add_counted(self, rows: int, first: int | None, last: int | None, digest: int) -> None:
        """Add rows counted elsewhere (a streaming query); `digest` their row_digest."""
        if not rows:
            return
        assert first is not None and last is not None  # TIMESTAMP is never null in clean rows
        self.digest ^= digest
        self.rows += rows
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)

    def add_grouped(self, users: int, items: pl.Series, event_types: Iterable[tuple]) -> None:
        """Add a part's users (users never span parts), its distinct ITEM_IDs and (EVENT_TYPE, rows) pairs."""
        self.users += users
        self.items.append(items)
        for event_type, count in event_types:
            if event_type is not None:
                self.event_types[event_type] = self.event_types.get(event_type, 0) + count

    def summary(self) -> dict:
        if not self.rows:
            return {"rows": 0, "users": 0, "items": 0, "rows_digest": f"{self.digest:016x}"}
        assert self.first is not None and self.last is not None  # set by every add() of rows
        return {
            "rows": self.rows,
            "users": self.users,
            "items": pl.concat(self.items).n_unique(),
            "rows_digest": f"{self.digest:016x}",
            "from": datetime.fromtimestamp(self.first, UTC).isoformat(),
            "to": datetime.fromtimestamp(self.last, UTC).isoformat(),
            **({"event_types": dict(sorted(self.event_types.items()))} if self.event_types else {}),
        }


def _counts_query(frame: pl.LazyFrame) -> pl.LazyFrame:
    """What Totals.add_counted takes, over `frame` (with its ROW_HASH): light on memory."""
    return frame.select(
        pl.len().alias("rows"),
        pl.col("TIMESTAMP").min().alias("first"),
        pl.col("TIMESTAMP").max().alias("last"),
        pl.col(ROW_HASH).bitwise_xor().fill_null(0).alias("digest"),
    )


def _grouped_queries(frame: pl.LazyFrame, event_types: bool) -> list[pl.LazyFrame]:
    """What Totals.add_grouped takes, the users with 2 or more interactions and
    the distinct USER_IDs, all from one table per user (USER_ID, len); and a table per item."""
    users = frame.group_by("USER_ID").len()
    by_type = frame.group_by("EVENT_TYPE").len() if event_types else pl.LazyFrame(schema={"EVENT_TYPE": pl.String})
    return [users, frame.select(pl.col("ITEM_ID").unique()), by_type]


def _add_grouped(totals: Totals, users: pl.DataFrame, items: pl.DataFrame, by_type: pl.DataFrame) -> int:
    """Add the results of _grouped_queries; returns the users with 2 or more interactions."""
    totals.add_grouped(users.height, items.to_series(), by_type.iter_rows())
    return int((users["len"] >= 2).sum())


def _value_stats(frame: pl.LazyFrame, id_field: str) -> pl.LazyFrame:
    names = frame.collect_schema().names()
    value = pl.col("EVENT_VALUE") if "EVENT_VALUE" in names else pl.lit(None, pl.Float64)
    return frame.group_by(id_field).agg(
        pl.len().alias("rows"),
        value.count().alias("values"),
        value.sum().alias("value_sum"),
        value.min().alias("value_min"),
        value.max().alias("value_max"),
    )


def _combine_stats(parts: list[pl.DataFrame], id_field: str) -> pl.DataFrame | None:
    if not parts:
        return None
    return (
        pl.concat(parts)
        .group_by(id_field)
        .agg(
            pl.col("rows").sum(),
            pl.col("values").sum(),
            pl.col("value_sum").sum(),
            pl.col("value_min").min(),
            pl.col("value_max").max(),
        )
    )


@dataclass
class Interactions:
    training: Totals
    validation: Totals
    users_with_two: int
    columns: pl.Schema
    item_stats: pl.DataFrame | None
    user_stats: pl.DataFrame | None
    future: int = 0  # interactions dropped for timestamps after the cutoff
    latest_future: int | None = None  # the latest of them, epoch seconds
    training_users: list = field(default_factory=list)  # each part's distinct training USER_IDs

    def future_note(self) -> str:
        if not self.future:
            return ""
        return (
            f"{self.future:,} interactions with timestamps in the future were dropped "
            f"(the latest {_iso(self.latest_future)})"
        )


def _iso(epoch: int | None) -> str:
    return datetime.fromtimestamp(epoch or 0, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


FUTURE_STEP = "interactions: drop timestamps in the future"


def _sharing_a_hash(hashes: pl.Series, offset: int) -> pl.Series:
    """From the hash of each row of a part (null where cleaning drops the row), numbered
    from `offset`: the kept rows whose hash another kept row has. Equal rows have equal
    hashes, so only these few rows can be duplicates (`_duplicates` compares them)."""
    # Sorted, the nulls (rows cleaning drops) first: null equals nothing, so they share no hash.
    ordered = hashes.sort()
    shared = ordered.slice(1).filter(ordered.slice(1) == ordered.slice(0, max(ordered.len() - 1, 0)))
    if shared.is_empty():
        return pl.Series(ROW, [], dtype=pl.get_index_type())
    # Only the positions of the few rows sharing a hash: no row number for every row.
    at = hashes.to_frame(ROW_HASH).select(pl.arg_where(pl.col(ROW_HASH).is_in(shared.unique().implode()))).to_series()
    return (at + offset).cast(pl.get_index_type()).rename(ROW)


def _read_rows(files: list[str], rows: pl.Series, columns: list[str]) -> pl.DataFrame:
    """The rows numbered `rows` (in all of `files`, in order), with their ROW number. A few are
    read by a slice each, which decodes only the row group it is in; more by one scan."""
    scan = pl.scan_parquet(files)
    if rows.len() > ROWS_BY_SLICE:
        found = scan.with_row_index(ROW).filter(pl.col(ROW).is_in(rows.implode())).select(ROW, *columns)
        return found.collect(engine="streaming")
    number = partial(pl.lit, dtype=pl.get_index_type())
    return pl.concat([scan.slice(row, 1).select(number(row).alias(ROW), *columns) for row in rows.to_list()]).collect()


def _duplicates(candidates: pl.DataFrame, columns: list[str]) -> pl.Series:
    """The exact duplicates but the first of each, in file order, among the rows that share
    a hash (with their ROW number). Parts never share a user, so neither a duplicate."""
    return candidates.sort(ROW).filter(~pl.struct(columns).is_first_distinct())[ROW]


def prepare_interactions(
    config: DatasetConfig,
    frame: pl.LazyFrame,
    rows_read: int | None,
    workdir: Path,
    staged: Path,
    steps: Steps,
    future_after: int | None = None,
) -> Interactions:
    """Clean, hold out and window the interactions, writing the training and
    validation CSVs. The mapped rows are read once into Parquet on disk, each with
    its row hash and why cleaning drops it (in parts by user when memory asks);
    the same read (with parts, each part's) counts what cleaning drops and finds
    the newest timestamp, and the row hashes tell the few rows that can be
    duplicates, which are read again and compared in full. One streaming pass then
    writes both files and adds up the totals. Interactions after `future_after`
    (epoch seconds) are dropped as in the future."""
    table = config.interactions
    # Per-item and per-user value statistics cost a group-by each: only when asked for.
    wanted = {t.kind for t in (config.items, config.users) if t and t.aggregates}
    # EVENT_TYPE, when mapped, is declared without null (DatasetConfig.non_null_fields).
    required = tuple(f for f in config.non_null_fields("interactions") if f in table.fields_by_name)
    schema = frame.collect_schema()
    columns = [c for c in schema if not c.startswith("__")]
    missing, too_long = _missing_and_too_long(required)
    timestamp = pl.col("TIMESTAMP")
    ahead = timestamp > future_after if future_after is not None else pl.lit(False)
    drop = pl.when(ahead).then(AHEAD).when(missing).then(MISSING).when(too_long).then(TOO_LONG).otherwise(KEEP)
    rowed = frame.with_columns(_row_hash(columns), drop.cast(pl.UInt8).alias(DROP))
    fallible = [f for f in table.mapping if _parsed_as(f) and f"__{f.name}_unparsed" in schema]
    code = pl.col(DROP)
    # Each row's hash where cleaning keeps the row: the row number is its position.
    kept_hashes = pl.when(code == KEEP).then(pl.col(ROW_HASH)).alias(ROW_HASH)

    def counts_query(rows: pl.LazyFrame) -> pl.LazyFrame:
        return rows.select(
            pl.len().alias("rows"),
            *[count for f in fallible for count in _unparsed_counts(f.name)],
            (code == AHEAD).sum().alias("ahead"),
            (code == MISSING).sum().alias("missing"),
            (code == TOO_LONG).sum().alias("too_long"),
            timestamp.filter(code == AHEAD).max().alias("latest_future"),
            timestamp.filter(code == KEEP).max().alias("newest"),
        )

    offsets: list[int] = [0]  # where each part starts, in all the parts' rows
    sharing: list[pl.Series] = []  # the rows that share a hash, part by part
    part_counts = []

    def take(part: pl.DataFrame, kept: pl.DataFrame) -> None:
        """A part's counts, and what its hashes (8 bytes a row, let go once read) tell."""
        part_counts.append(part)
        sharing.append(_sharing_a_hash(kept.to_series(), offsets[-1]))
        offsets.append(offsets[-1] + kept.height)

    n_parts = parts_needed(table, workdir)
    if n_parts == 1:
        # The read that writes the spill counts, and takes the hashes, as it goes.
        parts, found = split_by_user(
            rowed.select(*columns, ROW_HASH, DROP), 1, workdir, [counts_query(rowed), rowed.select(kept_hashes)]
        )
        take(*found)
        del found
    else:
        # Parts are numbered as written: each part's counts and hashes read from it. (Counting
        # in the partitioned write, as with one part, holds more in memory than the parts save.)
        parts, _ = split_by_user(rowed, n_parts, workdir)
        for files in parts:
            scan = pl.scan_parquet(files)
            take(*pl.collect_all([counts_query(scan), scan.select(kept_hashes)], engine="streaming"))
    counts: dict[str, int] = {}
    newest = latest_future = None
    for part in part_counts:
        found_counts = part.row(0, named=True)
        for key, value in found_counts.items():
            if key not in ("latest_future", "newest"):
                counts[key] = counts.get(key, 0) + value
        if found_counts["newest"] is not None:
            newest = max(newest or 0, found_counts["newest"])
        if found_counts["latest_future"] is not None:
            latest_future = max(latest_future or found_counts["latest_future"], found_counts["latest_future"])

    counted = Steps(Progress(0, enabled=False))
    rows = counts["rows"]
    step = "apply the query and map the columns" if table.query else "read the sources and map the columns"
    counted.record(f"interactions: {step}", rows, rows)
    for spec in fallible:
        failed = counts[f"failed {spec.name}"]
        counted.record(_unparsed_step("interactions", spec.name, cast(str, _parsed_as(spec))), rows, rows - failed)
        counted.count_unparsed(f"interactions.{spec.name}", failed, counts[f"present {spec.name}"])
    future = counts["ahead"]
    if future_after is not None:
        counted.record(FUTURE_STEP, rows, rows - future)
    remaining = rows - future
    counted.record(_missing_step("interactions", required), remaining, remaining - counts["missing"])
    remaining -= counts["missing"]
    counted.record(_too_long_step("interactions"), remaining, remaining - counts["too_long"])
    remaining -= counts["too_long"]

    # The newest holdout days are the validation set, never trained on; the
    # training set is the window of days before them.
    holdout_start = (newest or 0) - int(config.holdout_days * 86400) if config.holdout_days else (newest or 0) + 1

    def split(files: list[str], offset: int, dropped: pl.Series) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        """The training and validation sets of the clean rows of `files`, numbered from
        `offset`, but the `dropped` row numbers."""
        clean = pl.scan_parquet(files, row_index_name=ROW, row_index_offset=offset).filter(code == KEEP)
        if dropped.len():
            clean = clean.filter(~pl.col(ROW).is_in(dropped.implode()))
        training = clean.filter(timestamp < holdout_start)
        if config.window_days:
            training = training.filter(timestamp >= holdout_start - config.window_days * 86400)
        return training, clean.filter(timestamp >= holdout_start)

    every_file = [f for files in parts for f in files]

    candidates = pl.concat(sharing)
    dropped = _duplicates(_read_rows(every_file, candidates, columns), columns) if candidates.len() else candidates
    training, validation = split(every_file, 0, dropped)
    _, _, training_counts, validation_counts = pl.collect_all(
        [
            # Polars writes a path far faster than a Python file object.
            training.select(columns).sink_csv(staged / INTERACTIONS_FILE, lazy=True),
            validation.select(columns).sink_csv(staged / VALIDATION_INTERACTIONS_FILE, lazy=True),
            _counts_query(training),
            _counts_query(validation),
        ],
        engine="streaming",
    )
    counted.record(_duplicates_step("interactions"), remaining, remaining - dropped.len())
    # The totals once the files are written, part by part: the group-by tables of
    # one part, and not the writers' buffers, are in memory at a time.
    event_types = "EVENT_TYPE" in columns
    by_id = [(kind, id_field) for kind, id_field in (("items", "ITEM_ID"), ("users", "USER_ID")) if kind in wanted]
    training_totals, validation_totals = Totals(), Totals()
    training_totals.add_counted(*training_counts.row(0))
    validation_totals.add_counted(*validation_counts.row(0))
    users_with_two, item_stats, user_stats, training_users = 0, [], [], []
    for files, offset in zip(parts, offsets):
        part_training, part_validation = split(files, offset, dropped)
        results = pl.collect_all(
            [
                *_grouped_queries(part_training, event_types),
                *_grouped_queries(part_validation, event_types),
                *[_value_stats(part_training, id_field) for _, id_field in by_id],
            ],
            engine="streaming",
        )
        users_with_two += _add_grouped(training_totals, *results[0:3])
        _add_grouped(validation_totals, *results[3:6])
        # For the user index: parts are split by user, so each part's ids are its own.
        training_users.append(results[0]["USER_ID"])
        stats = dict(zip((kind for kind, _ in by_id), results[6:]))
        item_stats += [stats["items"]] if "items" in stats else []
        user_stats += [stats["users"]] if "users" in stats else []

    holdout_step = f"interactions: hold out the newest {config.holdout_days:g} days for validation"
    # The clean rows not held out (a clean row has a TIMESTAMP).
    before_window = remaining - dropped.len() - validation_totals.rows
    counted.record(holdout_step, remaining - dropped.len(), before_window)
    if config.window_days:
        counted.record(
            f"interactions: keep the {config.window_days}-day training window", before_window, training_totals.rows
        )
    for record in counted.records:
        if table.query and record["step"].endswith("apply the query and map the columns"):
            record["rows_in"] = rows_read  # the query kept rows_out of the rows the sources hold
        if record["step"] == holdout_step:
            record["detail"] = f"{validation_totals.rows:,} rows held out"
        if record["step"] == FUTURE_STEP and future:
            record["detail"] = f"after {_iso(future_after)}; the latest {_iso(latest_future)}"
    steps.merge(counted)
    return Interactions(
        training_totals,
        validation_totals,
        users_with_two,
        pl.Schema({c: schema[c] for c in columns}),
        _combine_stats(item_stats, "ITEM_ID"),
        _combine_stats(user_stats, "USER_ID"),
        future,
        latest_future,
        training_users,
    )


# ------------------------------------------------------------------ validate
def rule_failures(
    training_rows: int, users_with_two: int, metadata: dict[str, pl.DataFrame], why: str = ""
) -> list[str]:
    """The service's rules the data breaks; `why` (e.g. rows dropped as in the future) is added to a shortfall."""
    failures = []
    because = f"; {why}" if why else ""
    if training_rows < MIN_INTERACTIONS:
        failures.append(
            f"minimum interactions: {training_rows} in the training set, "
            f"{MIN_INTERACTIONS} required (short by {MIN_INTERACTIONS - training_rows}){because}"
        )
    if users_with_two < MIN_USERS_WITH_TWO:
        failures.append(
            f"minimum users with 2 or more interactions: {users_with_two}, "
            f"{MIN_USERS_WITH_TWO} required (short by {MIN_USERS_WITH_TWO - users_with_two}){because}"
        )
    for kind, frame in metadata.items():
        fields = [c for c in frame.columns if c not in RESERVED_TYPES]
        if len(fields) > MAX_METADATA_FIELDS[kind]:
            failures.append(
                f"{kind} metadata fields: {len(fields)}, at most {MAX_METADATA_FIELDS[kind]} allowed "
                f"(over by {len(fields) - MAX_METADATA_FIELDS[kind]})"
            )
        for name in fields:
            if frame[name].dtype == pl.Utf8 and frame.height:
                # len_chars() is a UInt32 Series, so its max is an int (None when all null).
                longest = cast("int | None", frame[name].str.len_chars().max()) or 0
                if longest > MAX_CATEGORICAL_LENGTH:
                    failures.append(
                        f"{kind}.{name}: a value of {longest} characters, at most {MAX_CATEGORICAL_LENGTH} allowed"
                    )
    return failures


def avro_schema(kind: str, frame: pl.DataFrame, table: Table, non_null: tuple[str, ...] = ()) -> dict:
    """`non_null`: the fields declared without null (DatasetConfig.non_null_fields); the others accept it."""
    categorical = {f.name for f in table.mapping if f.categorical}
    fields = []
    for name, dtype in frame.schema.items():
        avro = RESERVED_TYPES.get(name) or (
            "long"
            if dtype.is_integer()
            else "float"
            if dtype.is_float()
            else "boolean"
            if dtype == pl.Boolean
            else "string"
        )
        required = name in ("USER_ID", "ITEM_ID", "TIMESTAMP") or name in non_null
        field: dict[str, Any] = {"name": name, "type": avro if required else ["null", avro]}
        if name in categorical:
            field["categorical"] = True
        fields.append(field)
    return {
        "type": "record",
        "name": kind.capitalize(),
        "namespace": "com.amazonaws.personalize.schema",
        "version": "1.0",
        "fields": fields,
    }


# ------------------------------------------------------------------ export
def _content(manifest: dict) -> dict:
    """What a version holds: the interaction rows (in any order) and every other file's bytes.
    Not the user index: it follows from the training rows, and versions exported before it have none."""
    content = {
        f: manifest.get(part, {}).get("rows_digest") for f, part in zip(INTERACTION_FILES, ("training", "validation"))
    }
    derived = (*INTERACTION_FILES, USER_INDEX_FILE)
    content.update({k: v["sha256"] for k, v in manifest.get("files", {}).items() if k not in derived})
    return content


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _move(source: Path, target: Path) -> None:
    """A rename when both are on one file system, so the data is not written a second time; else a copy."""
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        shutil.copyfile(source, target)


class Destination:
    """A local directory or s3://bucket/prefix holding the version's files under its `dataset_prefix`."""

    def __init__(self, output: str, version: str, s3_endpoint: str | None):
        self.output, self.s3_endpoint = output.rstrip("/"), s3_endpoint
        self.prefix = dataset_prefix(check_version(version))
        self.on_s3 = self.output.startswith("s3://")
        if self.on_s3:
            self.bucket, _, base = self.output[5:].partition("/")
            self.key_prefix = f"{base}/{self.prefix}" if base else self.prefix
            self.location = f"s3://{self.bucket}/{self.key_prefix}"
        else:
            self.location = str(Path(self.output) / self.prefix)

    def _s3(self):
        return s3_client(self.s3_endpoint)

    def _key(self, name: str) -> str:
        key = self.key_prefix + name
        # The version is checked and the staged names are ours; still, no key may climb out of the prefix.
        if any(part in ("", ".", "..") for part in key.split("/")):
            raise InputError(f"refusing to write s3://{self.bucket}/{key}: outside {self.location}")
        return key

    def existing_manifest(self) -> dict | None:
        if self.on_s3:
            from botocore.exceptions import ClientError

            s3 = self._s3()
            with s3_errors(f"--output {self.output}", self.bucket, self.s3_endpoint):
                try:
                    body = s3.get_object(Bucket=self.bucket, Key=self._key(MANIFEST_FILE))["Body"].read()
                except ClientError as error:
                    if error.response.get("Error", {}).get("Code") == "NoSuchKey":
                        return None
                    raise
                return json.loads(body)
        path = Path(self.location) / MANIFEST_FILE
        try:
            return json.loads(path.read_text()) if path.exists() else None
        except (OSError, ValueError) as error:
            raise InputError(f"--output {self.output}: cannot read {path}: {first_line(error)}") from None

    def publish(self, staged: Path) -> str:
        files = sorted(p for p in staged.rglob("*") if p.is_file())
        # The manifest goes last: a version counts as exported once it is there.
        files.sort(key=lambda p: p.relative_to(staged).as_posix() == MANIFEST_FILE)
        if self.on_s3:
            s3 = self._s3()
            with s3_errors(f"--output {self.output}", self.bucket, self.s3_endpoint):
                for path in files:
                    s3.upload_file(str(path), self.bucket, self._key(path.relative_to(staged).as_posix()))
            return self.location
        # Every file lands inside the output directory, whatever the version or a symlink says.
        target = _inside(Path(self.location), Path(self.output))
        try:
            for path in files:
                destination = _inside(target / path.relative_to(staged), target)
                destination.parent.mkdir(parents=True, exist_ok=True)
                _move(path, destination)
        except OSError as error:
            raise InputError(f"--output {self.output}: cannot write {self.location}: {first_line(error)}") from None
        return self.location


class Engine(Protocol):
    """What prepares the interactions and reads the metadata tables when Polars on
    this machine does not: the spark engine (prep/spark.py). The rest of `prepare`
    (metadata cleaning, validation, schemas, manifest, publishing) is shared."""

    name: str

    def interactions(
        self, config: DatasetConfig, workdir: Path, staged: Path, steps: Steps, future_after: int
    ) -> Interactions: ...

    def read_table(self, table: Table, workdir: Path, s3_endpoint: str | None, steps: Steps) -> pl.DataFrame: ...


def prepare(
    config: DatasetConfig,
    version: str,
    output: str,
    *,
    s3_endpoint: str | None = None,
    progress: bool = False,
    max_parse_failures: float | None = None,
    future_tolerance: timedelta = FUTURE_TOLERANCE,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> dict:
    """Prepare, validate and export `version`; returns its manifest. An existing
    version with the same content is left as it is; with other content, refused.

    `max_parse_failures` overrides the dataset's maxParseFailures; interactions
    later than `now` (default: the time of the run) plus `future_tolerance` are
    dropped as in the future. Raises InputError for what cannot be read,
    ValidationFailed for data that breaks a rule, VersionExists."""
    check_version(version)
    threshold = config.max_parse_failures if max_parse_failures is None else max_parse_failures
    future_after = int(((now or datetime.now(UTC)) + future_tolerance).timestamp())
    optional = [t for t in (config.items, config.users) if t]
    tables = (config.interactions, *optional)
    bar = Progress(total=8 + sum(1 for t in tables if t.query) + 5 * len(optional), enabled=progress)
    steps = Steps(bar)
    # hashlib releases the GIL: files hash in parallel, the interactions' while the rest is prepared.
    with tempfile.TemporaryDirectory(prefix="prep-") as tmp, ThreadPoolExecutor() as hashing:
        workdir = Path(tmp)
        staged = workdir / "staged"
        for name in INTERACTION_FILES:
            (staged / name).parent.mkdir(parents=True, exist_ok=True)
        with reading(config.interactions):
            if engine is not None:
                interactions = engine.interactions(config, workdir, staged, steps, future_after)
            else:
                frame = mapped_lazy(config.interactions, workdir, s3_endpoint, steps)
                rows_read = steps.records[-1]["rows_out"] if config.interactions.query else None
                interactions = prepare_interactions(config, frame, rows_read, workdir, staged, steps, future_after)

        hashed = {path: hashing.submit(_sha256, path) for path in (staged / name for name in INTERACTION_FILES)}
        metadata: dict[str, pl.DataFrame] = {}
        for table in optional:
            id_field, stats = (
                ("ITEM_ID", interactions.item_stats) if table.kind == "items" else ("USER_ID", interactions.user_stats)
            )
            meta = (engine.read_table if engine else read_table)(table, workdir, s3_endpoint, steps)
            meta = clean_ids(meta, (id_field,), steps, table.kind)
            meta = clean_metadata(meta, table, id_field, steps, config.non_null_fields(table.kind))
            metadata[table.kind] = with_aggregates(meta, stats, id_field, table.aggregates)

        manifest: dict[str, Any] = {
            "dataset": config.name,
            "version": version,
            # The domain of the dataset group the version is for; None: a Custom dataset group.
            "domain": config.domain,
            "tool": "prep",
            "tool_version": __version__,
            "engine": engine.name if engine else f"polars {pl.__version__}",
            "config": {"path": config.path, "sha256": _sha256(Path(config.path))},
            "sources": {
                t.kind: [
                    {"name": s.name, "kind": s.kind, **({"path": s.path} if s.path else {"query": s.query})}
                    for s in t.sources
                ]
                for t in (config.interactions, *optional)
            },
            "window_days": config.window_days,
            "holdout_days": config.holdout_days,
            "steps": steps.records,
            "training": interactions.training.summary(),
            "validation": interactions.validation.summary(),
            "max_parse_failures": threshold,
            "warnings": [interactions.future_note()] if interactions.future else [],
        }
        with reading(config.interactions):  # the examples of a threshold failure are read again
            failures = parse_failures(config, steps, threshold)
        failures += rule_failures(
            interactions.training.rows, interactions.users_with_two, metadata, interactions.future_note()
        )
        steps.progress.advance("validate against the service's rules")
        if failures:
            bar.close()
            raise ValidationFailed(failures, manifest)

        rows = dict(zip(INTERACTION_FILES, (interactions.training.rows, interactions.validation.rows)))
        for kind, meta in metadata.items():
            meta.write_csv(staged / METADATA_FILES[kind])
            rows[METADATA_FILES[kind]] = meta.height
        schemas = {
            "interactions": avro_schema(
                "interactions",
                pl.DataFrame(schema=interactions.columns),
                config.interactions,
                config.non_null_fields("interactions"),
            ),
            **{k: avro_schema(k, v, t, config.non_null_fields(k)) for (k, v), t in zip(metadata.items(), optional)},
        }
        for kind, schema in schemas.items():
            (staged / schema_file(kind)).parent.mkdir(exist_ok=True)
            (staged / schema_file(kind)).write_text(json.dumps(schema, indent=2))
        manifest["user_index"] = write_user_index(interactions.training_users, staged)
        files = sorted(p for p in staged.rglob("*") if p.is_file())
        hashed.update({path: hashing.submit(_sha256, path) for path in files if path not in hashed})
        digests = [hashed[path].result() for path in files]
        manifest["files"] = {}
        for path, digest in zip(files, digests):
            name = path.relative_to(staged).as_posix()
            manifest["files"][name] = {
                "sha256": digest,
                "bytes": path.stat().st_size,
                **({"rows": rows[name]} if name in rows else {}),
            }
        # Each dataset's file and schema, so a reader (the stack) finds them by kind.
        manifest["datasets"] = {
            "interactions": {
                "file": INTERACTIONS_FILE,
                "schema": schema_file("interactions"),
                "rows": interactions.training.rows,
                "validation": {"file": VALIDATION_INTERACTIONS_FILE, "rows": interactions.validation.rows},
            },
            **{
                kind: {"file": METADATA_FILES[kind], "schema": schema_file(kind), "rows": meta.height}
                for kind, meta in metadata.items()
            },
        }
        steps.progress.advance("write the files")

        destination = Destination(output, version, s3_endpoint)
        existing = destination.existing_manifest()
        if existing is not None:
            bar.close()
            before, after = _content(existing), _content(manifest)
            if before == after:
                return {**existing, "unchanged": True, "location": destination.location}
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            raise VersionExists(
                f"dataset version {version!r} already exists at {output} with other content "
                f"({', '.join(changed)} differ); versions are immutable: export a new version"
            )
        manifest["created_at"] = datetime.now(UTC).isoformat()
        (staged / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))
        manifest["location"] = destination.publish(staged)
        steps.progress.advance("publish")
        bar.close()
        return manifest
