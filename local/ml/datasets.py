"""Dataset import (CSV from S3), PutEvents, PutItems/PutUsers and counts."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
from collections.abc import Sequence

import numpy as np

from .errors import ImportFailed, TrainingFailed
from .schema import INTEGER_TYPES, FieldSpec, camel_to_field, default_schema, parse_fields
from .table import Column, Table, compact_vocab, concat_tables, load_table, save_table, store_lock

# Training minimums (checked by train(), where the service checks them: "required to create
# a solution version or recommender"): https://docs.aws.amazon.com/personalize/latest/dg/limits.html
MIN_INTERACTIONS = 1000
MIN_ACTIVE_USERS = 25  # users with at least 2 interactions
# Import minimum, counted on the job's own records: an Item interactions import needs 1000 in
# FULL or INCREMENTAL mode (limits.html); appending to Item interactions or Action interactions
# needs 1000 new records
# (https://docs.aws.amazon.com/personalize/latest/dg/updating-existing-bulk-data.html).
MIN_IMPORT_RECORDS = 1000
MAX_ID_LENGTH = 256
MAX_EPOCH_SECONDS = 7258118400  # 2200-01-01; larger values are milliseconds
CHUNK_ROWS = 200_000
ID_FIELDS = {
    "INTERACTIONS": None,
    "ACTION_INTERACTIONS": None,
    "ITEMS": "ITEM_ID",
    "USERS": "USER_ID",
    "ACTIONS": "ACTION_ID",
}


def normalize_type(dataset_type: str) -> str:
    key = dataset_type.upper()
    if key not in ID_FIELDS:
        raise ValueError(f"Unknown dataset type: {dataset_type}")
    return key


# ---------------------------------------------------------------- parsing


class _Encoder(dict):
    """String -> code, assigning codes in first-seen order; '' is null (-1)."""

    def __init__(self):
        super().__init__({"": -1})

    def __missing__(self, key):
        code = self[key] = len(self) - 1
        return code

    def vocab(self) -> list[str]:
        return list(self)[1:]


class _ColumnBuilder:
    def __init__(self, spec: FieldSpec):
        self.spec = spec
        self.encoder = _Encoder() if spec.is_string else None
        self.parts: list[np.ndarray] = []

    def add(self, values: tuple[str, ...], where) -> None:
        """where(i) describes row i of this batch for error messages."""
        spec = self.spec
        if not spec.nullable and "" in values:
            raise ImportFailed(f"Required column {spec.name} has an empty value at {where(values.index(''))}")
        if self.encoder is not None:  # set exactly for string fields
            self.parts.append(np.fromiter(map(self.encoder.__getitem__, values), dtype=np.int32, count=len(values)))
            return
        self.parts.append(_parse_numbers(spec, values, where))

    def build(self) -> Column:
        if self.encoder is not None:  # set exactly for string fields
            values = np.concatenate(self.parts) if self.parts else np.empty(0, dtype=np.int32)
            return Column(values, self.encoder.vocab())
        return Column(np.concatenate(self.parts) if self.parts else np.empty(0))


def _parse_numbers(spec: FieldSpec, values, where) -> np.ndarray:
    has_null = "" in values
    if spec.type == "boolean":
        lookup = {"true": 1.0, "false": 0.0, "": math.nan}
        try:
            return np.fromiter((lookup[v.strip().lower()] for v in values), float, len(values))
        except KeyError:
            bad = next(i for i, v in enumerate(values) if v.strip().lower() not in lookup)
            raise ImportFailed(_bad_value(spec, values[bad], where(bad))) from None
    convert = int if spec.type in INTEGER_TYPES else float
    source = values if not has_null else ["0" if v == "" else v for v in values]
    try:
        out = np.fromiter(map(convert, source), dtype=np.float64, count=len(values))
    except (ValueError, OverflowError):
        bad = next(i for i, v in enumerate(source) if not _parses(convert, v))
        raise ImportFailed(_bad_value(spec, values[bad], where(bad))) from None
    if has_null:
        out[np.array([v == "" for v in values])] = np.nan
    return out


def _parses(convert, text: str) -> bool:
    try:
        convert(text)
        return True
    except (ValueError, OverflowError):
        return False


def _bad_value(spec: FieldSpec, value: str, location: str) -> str:
    return f"Invalid value '{value[:64]}' for column {spec.name} of type {spec.type} at {location}"


def parse_csv_blobs(specs: list[FieldSpec], blobs: list[bytes]) -> Table:
    builders = {s.name: _ColumnBuilder(s) for s in specs}
    for file_no, blob in enumerate(blobs, start=1):
        # Decoding as we read keeps memory near the size of the raw bytes.
        stream = (
            io.TextIOWrapper(io.BytesIO(blob), encoding="utf-8-sig", newline="")
            if isinstance(blob, bytes)
            else io.StringIO(blob, newline="")
        )
        try:
            _parse_file(file_no, csv.reader(stream), specs, builders)
        except UnicodeDecodeError as err:
            raise ImportFailed(f"File {file_no} is not valid UTF-8 text: {err.reason}") from None
    return Table({"fields": []}, {n: b.build() for n, b in builders.items()})


def _parse_file(file_no: int, reader, specs: list[FieldSpec], builders: dict) -> None:
    by_upper = {s.name.upper(): s for s in specs}
    header = next(reader, None)
    if not header or header == [""]:
        return
    header = [h.strip() for h in header]
    # A column with an empty header maps to no schema field and is skipped: the
    # pandas index that `DataFrame.to_csv()` writes by default. AWS's own samples
    # import such files (aws-samples/amazon-personalize-samples@5a69fc4,
    # getting_started/notebooks_managed_domains/Building_Your_First_Recommender_Ecommerce.ipynb
    # and next_steps/core_use_cases/filters/promotions/Promotions.ipynb); the headers that are
    # named must map to the schema: https://docs.aws.amazon.com/personalize/latest/dg/data-prep-formatting.html
    named = [i for i, h in enumerate(header) if h]
    unknown = [header[i] for i in named if header[i].upper() not in by_upper]
    if unknown:
        raise ImportFailed(f"Input CSV has columns that are not in the schema: [{', '.join(unknown)}]")
    present = {by_upper[header[i].upper()].name for i in named}
    missing = [s.name for s in specs if not s.nullable and s.name not in present]
    if missing:
        raise ImportFailed(f"Input CSV is missing the following columns: [{', '.join(missing)}]")
    names = [by_upper[header[i].upper()].name for i in named]
    if len(set(names)) != len(names):
        duplicated = sorted({n for n in names if names.count(n) > 1})
        raise ImportFailed(f"Input CSV has duplicate columns: [{', '.join(duplicated)}]")
    absent = [name for name in builders if name not in present]
    next_line = 2
    while True:
        rows = list(itertools.islice(reader, CHUNK_ROWS))
        if not rows:
            return
        line_numbers: Sequence[int] = range(next_line, next_line + len(rows))
        next_line += len(rows)
        if not all(rows):  # csv yields [] for blank lines
            kept = [i for i, r in enumerate(rows) if r]
            rows, line_numbers = [rows[i] for i in kept], [line_numbers[i] for i in kept]
            if not rows:
                continue
        where = _locator(file_no, line_numbers)
        if set(map(len, rows)) != {len(header)}:
            bad = next(i for i, r in enumerate(rows) if len(r) != len(header))
            raise ImportFailed(
                f"Row has {len(rows[bad])} values but the header has {len(header)} columns at {where(bad)}"
            )
        columns = list(zip(*rows))
        del rows
        columns = [columns[i] for i in named]
        for name, values in zip(names, columns):
            builders[name].add(values, where)
        blank = ("",) * len(columns[0])
        for name in absent:
            builders[name].add(blank, where)


def _locator(file_no, line_numbers):
    def where(i: int) -> str:
        return f"line {line_numbers[i]} of file {file_no}"

    return where


# ---------------------------------------------------------------- validation


def _validate(table: Table) -> None:
    for name, col in table.columns.items():
        if col.vocab is not None and "\x00" in "".join(col.vocab):
            raise ImportFailed(f"Column {name} contains a NUL character")
    for name in ("USER_ID", "ITEM_ID", "ACTION_ID"):
        id_col = table.get(name)
        if id_col is not None and id_col.vocab:
            longest = max(id_col.vocab, key=len)
            if len(longest) > MAX_ID_LENGTH:
                raise ImportFailed(
                    f"{name} values must be at most {MAX_ID_LENGTH} characters; "
                    f"found one with {len(longest)} characters: '{longest[:40]}...'"
                )
    for name in ("TIMESTAMP", "CREATION_TIMESTAMP"):
        ts = table.get(name)
        if ts is None or ts.is_string or not len(ts.values):
            continue
        too_big = np.flatnonzero(ts.values > MAX_EPOCH_SECONDS)
        if len(too_big):
            raise ImportFailed(
                f"{name} values must be Unix epoch seconds; found {int(ts.values[too_big[0]])} "
                f"(row {int(too_big[0]) + 1}), which looks like milliseconds"
            )


def check_interaction_minimums(users: np.ndarray, exc=TrainingFailed) -> None:
    """The service's training minimums: 1000 interactions and 25 users with 2 or more each."""
    n = len(users)
    if n < MIN_INTERACTIONS:
        raise exc(f"There are not enough interactions: {n} found, at least {MIN_INTERACTIONS} are required")
    users = users[users >= 0]
    counts = np.bincount(users) if len(users) else np.zeros(0, int)
    active = int((counts >= 2).sum())
    if active < MIN_ACTIVE_USERS:
        raise exc(
            f"There are not enough users with at least 2 interactions: {active} found, "
            f"at least {MIN_ACTIVE_USERS} are required"
        )


def check_import_minimum(kind: str, records: int, incremental: bool) -> None:
    """MIN_IMPORT_RECORDS of the job's own records: what is already in the dataset does not count."""
    if records < MIN_IMPORT_RECORDS:
        noun = "item interactions" if kind == "INTERACTIONS" else "action interactions"
        adding = "new " if incremental else ""
        raise ImportFailed(
            f"There are not enough {adding}{noun} records in this import: {records} found, "
            f"at least {MIN_IMPORT_RECORDS} are required per dataset import job"
        )


# ---------------------------------------------------------------- public API


def import_dataset(
    dataset_type: str, schema: dict, csv_blobs: list[bytes], store_dir: str, mode: str = "FULL", kept=None
) -> dict:
    """Import CSV records. FULL replaces the records imported in bulk and keeps those
    imported individually (API_CreateDatasetImportJob.html, importMode): `kept(table)`
    marks which of the stored rows those are. INCREMENTAL appends; either way a record
    whose id is already there replaces it."""
    kind = normalize_type(dataset_type)
    if isinstance(schema, (str, bytes)):
        schema = json.loads(schema)
    specs = parse_fields(schema)
    if not specs:
        raise ImportFailed("The dataset schema has no fields")
    if not csv_blobs:
        raise ImportFailed("No CSV files were found at the data location")
    new = parse_csv_blobs(specs, csv_blobs)
    new.schema = schema
    _validate(new)
    incremental = mode.upper() == "INCREMENTAL"
    if kind == "INTERACTIONS" or (kind == "ACTION_INTERACTIONS" and incremental):
        check_import_minimum(kind, new.n_rows, incremental)
    with store_lock(store_dir):
        merged, kept_rows = new, 0
        old = load_table(store_dir)
        if old is not None and not incremental and kept is not None:
            old = old.take(np.flatnonzero(np.asarray(kept(old), dtype=bool)))
            kept_rows = old.n_rows
        if old is not None and (incremental or kept_rows):
            merged = concat_tables(old, new)
        merged = _upsert_by_id(kind, merged)
        save_table(store_dir, merged)
    stats: dict = {"rows": new.n_rows, "total_rows": merged.n_rows, "kept_rows": kept_rows}
    id_field = ID_FIELDS[kind]
    if id_field:
        stats["ids"] = [str(i) for i in new.require(id_field).strings()]
    stats.update(_id_counts(merged))
    return stats


def append_events(interactions_store_dir: str, events: list[dict]) -> int:
    rows = [e for e in events if e.get("itemId")]
    if not rows:
        return 0
    with store_lock(interactions_store_dir):
        old = load_table(interactions_store_dir)
        schema = old.schema if old is not None else default_schema(_events_kind(interactions_store_dir))
        specs = parse_fields(schema)
        records = [_event_record(e, specs) for e in rows]
        try:
            new = _records_to_table(specs, records, schema)
        except ImportFailed as err:
            raise ValueError(err.reason) from None
        merged = concat_tables(old, new) if old is not None else new
        save_table(interactions_store_dir, merged)
    return len(rows)


def put_records(store_dir: str, id_field: str, records: list[dict]) -> int:
    if not records:
        return 0
    id_column = camel_to_field(id_field)
    kind = {"ITEM_ID": "ITEMS", "USER_ID": "USERS", "ACTION_ID": "ACTIONS"}.get(id_column)
    if kind is None:
        raise ValueError(f"Unsupported id field: {id_field}")
    parsed = []
    for record in records:
        properties = record.get("properties") or {}
        if isinstance(properties, str):
            try:
                properties = json.loads(properties)
            except json.JSONDecodeError as err:
                raise ValueError(f"properties of {record.get(id_field)} is not valid JSON: {err}") from None
        row = {camel_to_field(k): v for k, v in properties.items()}
        row[id_column] = record[id_field]
        parsed.append(row)
    with store_lock(store_dir):
        old = load_table(store_dir)
        if old is not None:
            schema = old.schema
        else:
            extra: dict[str, object] = {}
            for row in parsed:
                for key, value in row.items():
                    if key != id_column:
                        extra.setdefault(key, "float" if _is_number(value) else "string")
            schema = default_schema(kind, extra)
        specs = parse_fields(schema)
        known = {s.name for s in specs}
        for row in parsed:
            unknown = sorted(set(row) - known)
            if unknown:
                raise ValueError(f"{id_field} {row[id_column]} has properties not in the schema: {unknown}")
        try:
            new = _records_to_table(specs, parsed, schema)
        except ImportFailed as err:
            raise ValueError(err.reason) from None
        merged = concat_tables(old, new) if old is not None else new
        save_table(store_dir, _upsert_by_id(kind, merged))
    return len(records)


def dataset_counts(store_dir: str) -> dict:
    table = load_table(store_dir)
    if table is None:
        return {"rows": 0, "users": 0, "items": 0}
    return {"rows": table.n_rows, **_id_counts(table)}


# ---------------------------------------------------------------- helpers


def _id_counts(table: Table) -> dict:
    def distinct(name):
        col = table.get(name)
        if col is None or not col.is_string:
            return 0
        return len(np.unique(col.values[col.values >= 0]))

    items = distinct("ITEM_ID") or distinct("ACTION_ID")
    return {"users": distinct("USER_ID"), "items": items}


def _upsert_by_id(kind: str, table: Table) -> Table:
    """Items/Users/Actions keep the last row per id (re-imports and PutItems replace)."""
    id_name = ID_FIELDS[kind]
    col = table.get(id_name) if id_name else None
    if col is None or table.n_rows == 0:
        return table
    codes = col.values
    _, last_from_end = np.unique(codes[::-1], return_index=True)
    keep = np.sort(len(codes) - 1 - last_from_end)
    return table if len(keep) == len(codes) else table.take(keep)


def _events_kind(store_dir: str) -> str:
    """PutActionInteractions stores into an Action_Interactions dataset; PutEvents into Interactions."""
    name = os.path.basename(os.path.normpath(store_dir)).upper()
    return "ACTION_INTERACTIONS" if name == "ACTION_INTERACTIONS" else "INTERACTIONS"


def _event_record(event: dict, specs: list[FieldSpec]) -> dict:
    # itemId lands in ITEM_ID or, for action interactions, ACTION_ID: whichever the schema has.
    row = {
        "USER_ID": event.get("userId"),
        "ITEM_ID": event.get("itemId"),
        "ACTION_ID": event.get("itemId"),
        "EVENT_TYPE": event.get("eventType"),
        "EVENT_VALUE": event.get("eventValue"),
        "TIMESTAMP": int(float(event.get("sentAt") or 0)),
    }
    if event.get("impression"):
        row["IMPRESSION"] = "|".join(map(str, event["impression"]))
    if event.get("recommendationId"):
        row["RECOMMENDATION_ID"] = event["recommendationId"]
    properties = event.get("properties")
    if isinstance(properties, str) and properties:
        try:
            properties = json.loads(properties)
        except json.JSONDecodeError:
            properties = {}
    for key, value in (properties or {}).items():
        row.setdefault(camel_to_field(key), value)
    known = {s.name for s in specs}
    return {k: v for k, v in row.items() if k in known}


def _records_to_table(specs: list[FieldSpec], records: list[dict], schema: dict) -> Table:
    """Typed table from JSON-ish records, through the same converters as CSV."""
    builders = {}
    for spec in specs:
        # Absent optional values are null; the CSV converters enforce required ones.
        values = tuple(_as_text(r.get(spec.name)) for r in records)
        builder = _ColumnBuilder(spec)
        builder.add(values, lambda i: f"record {i + 1}")
        builders[spec.name] = builder.build()
    table = Table(schema, builders)
    _validate(table)
    return table


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "|".join(map(str, value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ---------------------------------------------------------------- export


def _cell(col: Column, i: int) -> str:
    if col.is_string:
        code = int(col.values[i])
        return "" if code < 0 else col.labels[code]
    value = float(col.values[i])
    if np.isnan(value):
        return ""
    return str(int(value)) if value.is_integer() else repr(value)


def export_csv(store_dir: str, origin_of_row) -> dict[str, bytes]:
    """The stored records as CSV with a header of the schema's field names, split by
    origin: {"BULK": ..., "PUT": ...}; `origin_of_row(table)` names each row's origin.
    Records equal in every field are written once (export-data.html)."""
    table = load_table(store_dir)
    if table is None:
        return {}
    names = [spec.name for spec in parse_fields(table.schema) if table.get(spec.name) is not None]
    origins = origin_of_row(table)
    out: dict[str, list] = {}
    for i in range(table.n_rows):
        out.setdefault(origins[i], []).append(tuple(_cell(table.require(n), i) for n in names))
    blobs = {}
    for origin, rows in out.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(dict.fromkeys(rows))
        blobs[origin] = buffer.getvalue().encode()
    return blobs


def delete_users(store_dir: str, user_ids: set[str]) -> np.ndarray:
    """Remove every row of the dataset whose USER_ID is one of `user_ids`; the positions
    (before removal) of the rows removed.
    (A data deletion job's work: https://docs.aws.amazon.com/personalize/latest/dg/delete-records.html)"""
    with store_lock(store_dir):
        table = load_table(store_dir)
        column = table.get("USER_ID") if table is not None else None
        if table is None or column is None or not user_ids:
            return np.zeros(0, dtype=np.int64)
        codes = [code for code in (column.code_of(user) for user in user_ids) if code is not None]
        gone = np.isin(column.values, np.array(codes, dtype=np.int32))
        if gone.any():
            kept = table.take(np.flatnonzero(~gone))
            kept.columns = {name: compact_vocab(col) for name, col in kept.columns.items()}
            save_table(store_dir, kept)
        return np.flatnonzero(gone)


def deletion_user_ids(csv_blobs: list[bytes]) -> set[str]:
    """The users a data deletion file lists: CSV with a USER_ID column
    (https://docs.aws.amazon.com/personalize/latest/dg/prepare-deletion-input-file.html)."""
    if not csv_blobs:
        raise ImportFailed("No CSV files were found at the data location")
    users: set[str] = set()
    for number, blob in enumerate(csv_blobs, 1):
        reader = csv.reader(io.StringIO(blob.decode("utf-8-sig")))
        header = [name.strip().upper() for name in next(reader, [])]
        if "USER_ID" not in header:
            raise ImportFailed(f"File {number} of the data location has no USER_ID column in its header")
        at = header.index("USER_ID")
        users.update(row[at].strip() for row in reader if len(row) > at and row[at].strip())
    return users
