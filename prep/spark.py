"""The spark engine (`python -m prep --engine spark`): a dataset config prepared
on Apache Spark (local, AWS Glue, EMR) into the same version as the Polars
engine gives: the same rows, the same row digest, the same manifest.

Spark reads the sources, spreads the rows over its executors and brings each
user's interactions into one partition. What gives a version its content runs
inside the executors as the very code of prep/pipeline.py, over Arrow batches
(`mapInArrow`): the mapping (`map_columns`: timestamp forms, casts, trimming),
the counts of values that did not parse, the id cleaning and deduplication
(`clean_ids`), the holdout and window, and the row digest (`Totals`: Polars'
`hash_rows`, so a version has its digest whichever engine made it). Only the
newest timestamp, which sets the holdout, is gathered between the two passes.
The metadata tables (items, users), which the Polars engine holds in memory
whole, are read by Spark in file order and cleaned on the driver by the
Polars engine's own functions.

So the executors need Polars (the version of the driver), pydantic and PyYAML;
the engine ships prep's own code to them itself. What Spark cannot do the
same way is refused with an InputError, never done differently: a table's
`query` (Polars SQL), SQL sources, --endpoint for reading sources, a column
typed differently in two sources, a CSV value spanning lines. See
docs/spark.md for running it on AWS Glue and EMR."""

import glob
import itertools
import math
import os
import pickle
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from prep.config import DatasetConfig, Source, Table
from prep.errors import InputError, first_line
from prep.pipeline import (
    FUTURE_STEP,
    INTERACTION_FILES,
    PARSE_FAILURE_EXAMPLES,
    TIMESTAMP_SAMPLE_ROWS,
    Interactions,
    Steps,
    Totals,
    _combine_stats,
    _iso,
    _parsed_as,
    _value_stats,
    clean_ids,
    count_unreadable,
    map_columns,
)
from prep.progress import Progress

# A CSV field that is empty without quotes is null, and "" is an empty string, as
# Polars reads them: Spark tells the two apart only when its nullValue is not "".
CSV_NULL = "\u0000"
# Rows mapped at once by an executor: the timestamp forms are judged once per group.
MAP_ROWS = 500_000
# Rows per CSV chunk an executor sends the driver.
CSV_CHUNK_ROWS = 200_000
ARROW_BATCH_ROWS = 100_000
# What the driver fetches of the formatted CSV at once, judging a row at ROW_BYTES.
FETCH_BYTES = 64 << 20
ROW_BYTES = 100
# What an executor says when the data needs what Spark cannot do as Polars does.
REFUSED = "prep refuses: "
# Spark reads bytes that are not UTF-8 as U+FFFD, where Polars refuses the file.
NOT_UTF8 = (
    "a value of column {column!r} holds U+FFFD, which Spark reads in place of bytes that are not UTF-8 "
    "(the Polars engine refuses such a file); allowed with --engine spark: UTF-8 text (re-encode it, "
    "e.g. iconv -f latin1 -t utf-8, or use --engine polars)"
)
ORDER = ("__source", "__file", "__block", "__row")  # file order: source, file, split, row


def _quiet() -> Steps:
    return Steps(Progress(0, enabled=False))


def _polars(batches: Iterable[Any], schema: pl.Schema) -> pl.DataFrame:
    frames: list[pl.DataFrame] = []
    for batch in batches:
        frame = pl.from_arrow(batch)
        if isinstance(frame, pl.DataFrame) and frame.height:
            frames.append(frame)
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=schema)


def _arrow_schema(schema: pl.Schema) -> Any:
    """The Arrow schema Spark takes for a Polars schema: plain (not large or view) strings."""
    import pyarrow as pa

    plain = {pa.large_string(): pa.string(), pa.string_view(): pa.string(), pa.large_binary(): pa.binary()}
    arrow = pl.DataFrame(schema=schema).to_arrow().schema
    return pa.schema([pa.field(f.name, plain.get(f.type, f.type)) for f in arrow])


def _batches(frame: pl.DataFrame, schema: Any) -> Iterator[Any]:
    yield from frame.to_arrow().cast(schema).to_batches()


def _spark_schema(schema: Any) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


# ------------------------------------------------------------------ executor side
def _check_text(frame: pl.DataFrame, table: Table) -> None:
    for column in (f.column for f in table.mapping if f.column):
        if frame.schema.get(column) == pl.String and frame[column].str.contains("\ufffd", literal=True).any():
            raise ValueError(REFUSED + NOT_UTF8.format(column=column))


def _map_batches(table: Table, sample: pl.DataFrame, raw: pl.Schema, out: Any):
    """mapInArrow: the raw rows mapped by `map_columns`, a group of batches at a time."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        group: list[Any] = []
        rows = 0
        for batch in itertools.chain(batches, [None]):
            if batch is not None:
                group.append(batch)
                rows += batch.num_rows
            if group and (batch is None or rows >= MAP_ROWS):
                frame = _polars(group, raw)
                _check_text(frame, table)
                yield from _batches(map_columns(frame.lazy(), table, _quiet(), sample).collect(), out)
                group, rows = [], 0

    return run


def _clean_partition(table: Table, required: tuple[str, ...], future_after: int, mapped: pl.Schema, out: Any):
    """mapInArrow over a partition of whole users: what `prepare_interactions` does
    to each part before the holdout. The partition's counts ride in a last row."""
    import pyarrow as pa

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        frame = _polars(batches, mapped)
        counted = _quiet()
        frame = count_unreadable(frame, table, counted, False, frame.height)
        ahead = pl.col("TIMESTAMP") > future_after
        n_ahead, latest = frame.select(ahead.sum().alias("n"), pl.col("TIMESTAMP").filter(ahead).max()).row(0)
        kept = frame.filter(~ahead | pl.col("TIMESTAMP").is_null()) if n_ahead else frame
        counted.record(FUTURE_STEP, frame.height, kept)
        clean = clean_ids(kept, required, counted, "interactions")
        newest = clean["TIMESTAMP"].max() if clean.height else None
        stats = {"records": counted.records, "unparsed": counted.unparsed, "newest": newest}
        stats.update(future=n_ahead, latest=latest)
        yield from _batches(clean.with_columns(pl.lit(None, pl.Binary).alias("__stats")), out)
        row = [pa.nulls(1, f.type) for f in out][:-1] + [pa.array([pickle.dumps(stats)], pa.binary())]
        yield pa.RecordBatch.from_arrays(row, schema=out)

    return run


def _split_partition(config: DatasetConfig, holdout_start: int, wanted: set[str], clean_schema: pl.Schema):
    """mapInArrow over a cleaned partition: the holdout and window of
    `prepare_interactions`, the partition's totals and its rows as CSV."""
    import pyarrow as pa

    out = pa.schema([("kind", pa.string()), ("data", pa.binary())])

    def chunk(kind: str, data: bytes) -> Any:
        return pa.RecordBatch.from_arrays([pa.array([kind]), pa.array([data], pa.binary())], schema=out)

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        clean = _polars(batches, clean_schema)
        counted = _quiet()
        validation = clean.filter(pl.col("TIMESTAMP") >= holdout_start)
        training = clean.filter(pl.col("TIMESTAMP") < holdout_start)
        counted.record(_holdout_step(config), clean.height, training)
        if config.window_days:
            windowed = training.filter(pl.col("TIMESTAMP") >= holdout_start - config.window_days * 86400)
            counted.record(
                f"interactions: keep the {config.window_days}-day training window", training.height, windowed
            )
            training = windowed
        totals = []
        for rows in (training, validation):
            part = Totals()
            part.add(rows)
            part.items = []  # the distinct items are counted by Spark, across partitions
            totals.append(part)
        stats = {
            "records": counted.records,
            "totals": totals,
            "users_with_two": training.group_by("USER_ID").len().filter(pl.col("len") >= 2).height,
            # For the user index the version carries (prep/user_index.py).
            "user_ids": training["USER_ID"].unique(),
            "items": _value_stats(training.lazy(), "ITEM_ID").collect() if "items" in wanted else None,
            "users": _value_stats(training.lazy(), "USER_ID").collect() if "users" in wanted else None,
        }
        yield chunk("stats", pickle.dumps(stats))
        for name, rows in zip(INTERACTION_FILES, (training, validation)):
            for piece in rows.iter_slices(CSV_CHUNK_ROWS):
                yield chunk(name, piece.write_csv(include_header=False).encode())

    return run, out


def _failed_values(table: Table, sample: pl.DataFrame, raw: pl.Schema, name: str, column: str):
    """mapInArrow: per group of batches, the first distinct values of `column` that
    did not parse as field `name`, with their place in the files."""
    import pyarrow as pa

    out = pa.schema([("value", pa.string()), *[(k, pa.int64() if k != "__file" else pa.string()) for k in ORDER]])

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        frame = _polars(batches, raw)
        mapped = map_columns(frame.drop(ORDER).lazy(), table, _quiet(), sample).collect()
        # The value where one was there (not blank) and did not parse (map_columns' __<FIELD>_unparsed).
        unparsed = mapped[f"__{name}_unparsed"]
        failed = frame.filter(unparsed.is_not_null() & (unparsed.str.strip_chars() != ""))
        values = failed.select(pl.col(column).cast(pl.Utf8).alias("value"), *ORDER)
        first = values.unique("value", keep="first", maintain_order=True).head(PARSE_FAILURE_EXAMPLES)
        yield from _batches(first, out)

    return run, out


def _holdout_step(config: DatasetConfig) -> str:
    return f"interactions: hold out the newest {config.holdout_days:g} days for validation"


class _Totals(Totals):
    """Totals of all partitions, whose distinct items Spark counted across them."""

    item_count = 0

    def summary(self) -> dict:
        summary = super().summary()
        if self.rows:
            summary["items"] = self.item_count
        return summary


def _merge(totals: Iterable[Totals], item_count: int) -> _Totals:
    merged = _Totals(items=[pl.Series([], dtype=pl.Utf8)])
    merged.item_count = item_count
    for part in totals:
        if not part.rows:
            continue
        assert part.first is not None and part.last is not None  # set by every add() of rows
        merged.digest ^= part.digest
        merged.rows += part.rows
        merged.users += part.users  # users never span partitions
        merged.first = part.first if merged.first is None else min(merged.first, part.first)
        merged.last = part.last if merged.last is None else max(merged.last, part.last)
        for event_type, rows in part.event_types.items():
            merged.event_types[event_type] = merged.event_types.get(event_type, 0) + rows
    return merged


# ------------------------------------------------------------------ driver side
def _package_zip(workdir: Path) -> str | None:
    """prep and common as a zip for the executors; None when they run from a zip
    already (a job's --py-files / --extra-py-files), which Spark ships itself."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "prep").is_dir():
        return None
    target = workdir / "prep-code.zip"
    with zipfile.ZipFile(target, "w") as bundle:
        for package in ("prep", "common"):
            for path in sorted((root / package).rglob("*.py")):
                bundle.write(path, path.relative_to(root).as_posix())
    return str(target)


def session(master: str | None = None) -> Any:
    """The running SparkSession (a Glue or EMR job's), or a new one: on `master`
    (e.g. local[2]); without one, the cluster's when spark-submit (Glue, EMR)
    started this process, else local[*]. Timestamps are read in UTC."""
    from pyspark.sql import SparkSession

    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:
        master = "local[*]"  # not under spark-submit: this machine, with this Python

    builder = SparkSession.builder.appName("prep").config("spark.sql.session.timeZone", "UTC")
    # Fewer, larger Arrow batches to and from the Python workers.
    builder = builder.config("spark.sql.execution.arrow.maxRecordsPerBatch", str(ARROW_BATCH_ROWS))
    if master:
        builder = builder.master(master)
        if master.startswith("local"):
            # The executors are this machine's Python, with this environment's Polars; Spark talks
            # to itself on the loopback address only, and a batch command needs no web UI.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            builder = (
                builder.config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                # A few partitions per core, not Spark's 200: each task costs its Python worker time.
                .config("spark.sql.shuffle.partitions", str(4 * (os.cpu_count() or 1)))
            )
    # prep reports its own progress and failures.
    spark = builder.config("spark.ui.showConsoleProgress", "false").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkEngine:
    """prep.pipeline.Engine on a SparkSession."""

    def __init__(self, spark: Any):
        import pyspark

        self.spark = spark
        self.name = f"spark {pyspark.__version__} (polars {pl.__version__})"
        self._shipped = False

    # -------------------------------------------------------------- checks
    def check(self, config: DatasetConfig, s3_endpoint: str | None) -> None:
        """What the spark engine would not do as the Polars engine does, refused before any work."""
        for table in (config.interactions, config.items, config.users):
            if table is None:
                continue
            if table.query:
                raise InputError(
                    f"{table.kind}.query: the spark engine does not run Polars SQL (Spark SQL differs); "
                    "allowed with --engine spark: a table without query (use --engine polars for it)"
                )
            for source in table.sources:
                if source.kind == "sql":
                    raise InputError(
                        f"{table.kind} source {source.name!r}: kind 'sql' is not read by the spark engine; "
                        "allowed with --engine spark: csv, parquet, jsonl (use --engine polars for it)"
                    )
                assert source.path is not None  # required for file sources by Source._rules
                if source.path.startswith("s3://") and s3_endpoint:
                    raise InputError(
                        f"--endpoint {s3_endpoint}: the spark engine reads {source.path} through Spark's own "
                        "S3 file system, not that endpoint; allowed with --engine spark: --endpoint for the "
                        "output only, with sources on a file system Spark reads"
                    )
                if not source.path.startswith("s3://") and "://" not in source.path and not glob.glob(source.path):
                    raise InputError(f"{table.kind} source {source.name!r}: no such file: {source.path}")

    def _ship(self, workdir: Path) -> None:
        if not self._shipped:
            bundle = _package_zip(workdir)
            if bundle:
                self.spark.sparkContext.addPyFile(bundle)
            self._shipped = True

    # -------------------------------------------------------------- reading
    def _reader(self, source: Source, path: str | None = None) -> Any:
        read, path = self.spark.read, path or source.path
        if source.kind == "csv":
            # All text, as the Polars engine reads CSV; a malformed line fails the run.
            options = {"header": True, "mode": "FAILFAST", "escape": '"', "nullValue": CSV_NULL, "emptyValue": ""}
            return read.options(**options).csv(path)
        if source.kind == "parquet":
            return read.parquet(path)
        return read.options(mode="FAILFAST").json(path)

    def _raw(self, table: Table, first_file: bool = False) -> Any:
        """The table's sources as one DataFrame, by name (missing columns null), with each row's place;
        `first_file`: only the first file of the first source, in the order Polars reads them."""
        from pyspark.sql import functions as F

        frames = []
        for i, source in enumerate(table.sources[:1] if first_file else table.sources):
            path = min(self._reader(source).inputFiles()) if first_file else None
            df = self._reader(source, path)
            frames.append(
                df.select(
                    "*",
                    F.lit(i).cast("long").alias("__source"),
                    F.col("_metadata.file_path").alias("__file"),
                    F.col("_metadata.file_block_start").alias("__block"),
                    F.monotonically_increasing_id().alias("__row"),
                )
            )
        types: dict[str, Any] = {}
        for source, df in zip(table.sources, frames):
            for f in df.schema.fields:
                if types.setdefault(f.name, f.dataType) != f.dataType:
                    raise InputError(
                        f"{table.kind} source {source.name!r}: column {f.name!r} is {f.dataType.simpleString()} "
                        f"where another source has {types[f.name].simpleString()}; allowed with --engine spark: "
                        "the same type in every source (the Polars engine relaxes it)"
                    )
        frame = frames[0]
        for other in frames[1:]:
            frame = frame.unionByName(other, allowMissingColumns=True)
        columns = [c for c in frame.columns if c not in ORDER] + list(ORDER)
        return frame.select(columns)

    def _to_polars(self, df: Any) -> pl.DataFrame:
        """A DataFrame collected in its order, as Polars reads the same Arrow."""
        import pyarrow as pa
        from pyspark.sql.pandas.types import to_arrow_schema

        collect = getattr(df, "toArrow", None)  # Spark 4; Spark 3.5 has only the private one
        table = collect() if collect else pa.Table.from_batches(df._collect_as_arrow(), to_arrow_schema(df.schema))
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def _schema(self, raw: Any) -> pl.Schema:
        """The Polars schema of the raw rows as the executors see them (through Arrow)."""
        return self._to_polars(raw.limit(0)).schema

    def _sample(self, table: Table, raw: Any, schema: pl.Schema) -> pl.DataFrame:
        """The first rows of the table in file order, as the Polars engine samples timestamp forms."""
        import pyarrow as pa
        from pyspark.sql.pandas.types import to_arrow_schema

        # The first file is enough when it holds that many rows; else the first rows of all. A
        # limit collected (not through Arrow) reads the file's splits in order, from the first,
        # and stops when it has the rows; they are put in order again, to be sure.
        first = self._raw(table, first_file=True)
        rows = [r.asDict() for r in first.limit(TIMESTAMP_SAMPLE_ROWS).collect()]
        head = pl.from_arrow(pa.Table.from_pylist(rows, schema=to_arrow_schema(first.schema)))
        assert isinstance(head, pl.DataFrame)
        frame = head.sort(list(ORDER)).drop(ORDER)
        if frame.height < TIMESTAMP_SAMPLE_ROWS:
            frame = self._to_polars(raw.orderBy(*ORDER).limit(TIMESTAMP_SAMPLE_ROWS)).drop(ORDER)
        columns = list(dict.fromkeys(f.column for f in table.mapping if f.column and f.column in schema))
        missing = [pl.lit(None, schema[c]).alias(c) for c in columns if c not in frame.columns]
        return frame.with_columns(missing).select(columns).cast({c: schema[c] for c in columns})

    def _mapped(self, table: Table, workdir: Path) -> tuple[Any, pl.Schema, Any]:
        """The table mapped by the executors; its Polars schema; the raw DataFrame."""
        self._ship(workdir)
        raw = self._raw(table)
        schema = self._schema(raw)
        data_schema = pl.Schema({k: v for k, v in schema.items() if k not in ORDER})
        sample = self._sample(table, raw, schema)
        # Raises here, on the driver, for a column the sources do not have.
        mapped = map_columns(pl.DataFrame(schema=data_schema).lazy(), table, _quiet(), sample).collect().schema
        out = _arrow_schema(mapped)
        run = _map_batches(table, sample, data_schema, out)
        return raw.drop(*ORDER).mapInArrow(run, _spark_schema(out)), mapped, (raw, schema, sample)

    # -------------------------------------------------------------- the engine
    def read_table(self, table: Table, workdir: Path, s3_endpoint: str | None, steps: Steps) -> pl.DataFrame:
        """A metadata table: read by Spark in file order, then as `pipeline.read_table` does."""
        with spark_errors(table):
            self._ship(workdir)
            raw = self._raw(table)
            frame = self._to_polars(raw.orderBy(*ORDER)).drop(ORDER)
            try:
                _check_text(frame, table)
            except ValueError as error:
                raise InputError(f"{table.kind}: the sources {_names(table)}: {str(error)[len(REFUSED) :]}") from None
        mapped = map_columns(frame.lazy(), table, steps).collect()
        return count_unreadable(mapped, table, steps, False, mapped.height)

    def interactions(
        self, config: DatasetConfig, workdir: Path, staged: Path, steps: Steps, future_after: int
    ) -> Interactions:
        with spark_errors(config.interactions):
            return self._interactions(config, workdir, staged, steps, future_after)

    def _interactions(
        self, config: DatasetConfig, workdir: Path, staged: Path, steps: Steps, future_after: int
    ) -> Interactions:
        from pyspark import StorageLevel
        from pyspark.sql import functions as F

        table = config.interactions
        wanted = {t.kind for t in (config.items, config.users) if t and t.aggregates}
        required = tuple(f for f in config.non_null_fields("interactions") if f in table.fields_by_name)
        mapped, mapped_schema, (raw, raw_schema, sample) = self._mapped(table, workdir)
        self._examples(table, steps, raw, raw_schema, sample)
        clean_schema = pl.Schema({k: v for k, v in mapped_schema.items() if not k.startswith("__")})
        cleaned_out = _arrow_schema(pl.Schema([*clean_schema.items(), ("__stats", pl.Binary())]))
        # spark.sql.shuffle.partitions of them, which adaptive execution may merge (whole users still).
        by_user = mapped.repartition("USER_ID")
        cleaned = by_user.mapInArrow(
            _clean_partition(table, required, future_after, mapped_schema, cleaned_out), _spark_schema(cleaned_out)
        ).persist(StorageLevel.MEMORY_AND_DISK)
        try:
            stats = [
                pickle.loads(r[0]) for r in cleaned.filter(F.col("__stats").isNotNull()).select("__stats").collect()
            ]
            counted = _quiet()
            for part in stats:
                counted.merge(_steps(part["records"], part["unparsed"]))
            newest = max((s["newest"] for s in stats if s["newest"] is not None), default=None)
            future = sum(s["future"] for s in stats)
            latest_future = max((s["latest"] for s in stats if s["latest"] is not None), default=None)
            holdout_start = (
                (newest or 0) - int(config.holdout_days * 86400) if config.holdout_days else (newest or 0) + 1
            )
            clean = cleaned.filter(F.col("__stats").isNull()).drop("__stats")
            run, out = _split_partition(config, holdout_start, wanted, clean_schema)
            training_rows = F.col("TIMESTAMP") < holdout_start
            if config.window_days:
                training_rows &= F.col("TIMESTAMP") >= holdout_start - config.window_days * 86400
            # The distinct items of each set, across partitions, in one pass.
            distinct = clean.select(
                F.countDistinct(F.when(training_rows, F.col("ITEM_ID"))),
                F.countDistinct(F.when(F.col("TIMESTAMP") >= holdout_start, F.col("ITEM_ID"))),
            )
            items = list(distinct.collect()[0])
            header = pl.DataFrame(schema=clean_schema).write_csv().encode()
            parts: list[dict] = []
            # Every partition formatted at once, in parallel; then fetched by the driver a few
            # pieces at a time (one Spark job each), so its memory holds about FETCH_BYTES.
            chunks = clean.mapInArrow(run, _spark_schema(out)).persist(StorageLevel.MEMORY_AND_DISK)
            files = {name: open(staged / name, "wb") for name in INTERACTION_FILES}
            try:
                chunks.count()
                rows = sum(r["rows_out"] for r in counted.records if r["step"].endswith("drop exact duplicates"))
                pieces = min(chunks.rdd.getNumPartitions(), max(1, math.ceil(rows * ROW_BYTES / FETCH_BYTES)))
                for f in files.values():
                    f.write(header)
                for kind, data in chunks.coalesce(pieces).toLocalIterator(prefetchPartitions=True):
                    if kind == "stats":
                        parts.append(pickle.loads(data))
                    else:
                        files[kind].write(data)
            finally:
                for f in files.values():
                    f.close()
                chunks.unpersist()
        finally:
            cleaned.unpersist()
        for part in parts:
            counted.merge(_steps(part["records"], {}))
        training = _merge((p["totals"][0] for p in parts), items[0])
        validation = _merge((p["totals"][1] for p in parts), items[1])
        holdout_step = _holdout_step(config)
        for record in counted.records:
            if record["step"] == holdout_step:
                record["detail"] = f"{validation.rows:,} rows held out"
            if record["step"] == FUTURE_STEP and future:
                record["detail"] = f"after {_iso(future_after)}; the latest {_iso(latest_future)}"
        steps.merge(counted)
        stats_of = {k: [p[k] for p in parts if p[k] is not None] for k in ("items", "users")}
        return Interactions(
            training,
            validation,
            sum(p["users_with_two"] for p in parts),
            clean_schema,
            _combine_stats(stats_of["items"], "ITEM_ID"),
            _combine_stats(stats_of["users"], "USER_ID"),
            future,
            latest_future,
            # One series, distinct across partitions whatever Spark's partitioning.
            [pl.concat([p["user_ids"] for p in parts]).unique()] if parts else [],
        )

    def _examples(self, table: Table, steps: Steps, raw: Any, raw_schema: pl.Schema, sample: pl.DataFrame) -> None:
        """How to find a few values that did not parse, as `mapped_lazy` tells the Polars engine."""
        for spec in table.mapping:
            if _parsed_as(spec) is None:
                continue
            assert spec.column is not None  # _parsed_as is None for constants
            steps.examples[f"{table.kind}.{spec.name}"] = _ExampleFinder(
                self, table, raw, raw_schema, sample, spec.name, spec.column
            )

    def prepare(self, config: DatasetConfig, version: str, output: str, **options: Any) -> dict:
        """prep.pipeline.prepare on this engine."""
        from prep.pipeline import prepare

        self.check(config, options.get("s3_endpoint"))
        return prepare(config, version, output, engine=self, **options)


class _ExampleFinder:
    def __init__(self, engine: SparkEngine, table: Table, raw: Any, schema: pl.Schema, sample, name, column):
        self.args = (engine, table, raw, schema, sample, name, column)

    def __call__(self) -> list[str]:
        engine, table, raw, schema, sample, name, column = self.args
        with spark_errors(table):
            run, out = _failed_values(table, sample, schema, name, column)
            found = engine._to_polars(raw.mapInArrow(run, _spark_schema(out)))
        first = found.sort(list(ORDER)).unique("value", keep="first", maintain_order=True)
        return first.head(PARSE_FAILURE_EXAMPLES)["value"].to_list()


def _steps(records: list[dict], unparsed: dict) -> Steps:
    part = _quiet()
    part.records, part.unparsed = records, unparsed
    return part


@contextmanager
def spark_errors(table: Table) -> Iterator[None]:
    """Spark's failures to read a table's sources, as one InputError naming them."""
    try:
        yield
    except Exception as error:
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException

        if not isinstance(error, (PySparkException, Py4JJavaError)):
            raise
        text = str(error)  # with the Java causes
        refused = re.search(re.escape(REFUSED) + r"([^\n]*)", text)
        if refused:
            raise InputError(f"{table.kind}: the sources {_names(table)}: {refused.group(1)}") from None
        # Spark's own words: the first line with an error class, e.g. [PATH_NOT_FOUND] ...
        classed = (m.group(0).strip() for m in re.finditer(r"\[[A-Z][A-Z_.]+\][^\n]*", text))
        reason = next(classed, first_line(text))[:500]
        if "MALFORMED" in reason:
            reason += (
                " (the spark engine reads CSV line by line and refuses a malformed line or a quoted value "
                "spanning lines; use --engine polars for such a file)"
            )
        raise InputError(f"{table.kind}: cannot read the sources {_names(table)} with Spark: {reason}") from None


def _names(table: Table) -> str:
    return ", ".join(f"{s.name!r} ({s.path})" for s in table.sources)
